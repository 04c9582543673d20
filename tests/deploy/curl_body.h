/*
 * A libcurl write callback that collects a response body in a growing buffer, NUL-terminated, for
 * the deploy tests' peer helpers and for bench/ipfs, which is a standalone program: hence a header
 * of static functions rather than one more object to link.
 */
#ifndef AEGIS_TEST_DEPLOY_CURL_BODY_H
#define AEGIS_TEST_DEPLOY_CURL_BODY_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct curl_body {
    uint8_t *data; /* malloc'd, NUL after the len bytes; NULL before the first byte */
    size_t len, cap;
    size_t first_cap; /* the first allocation (0: 64 KiB), so a large download reallocs less */
} curl_body;

/* CURLOPT_WRITEFUNCTION with a curl_body as CURLOPT_WRITEDATA. Returns 0 (curl then fails the
 * transfer) when memory runs out. */
static inline size_t curl_body_write(char *data, size_t size, size_t nmemb, void *ctx)
{
    curl_body *b = ctx;
    size_t n = size * nmemb;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : (b->first_cap ? b->first_cap : 65536);
        while (cap < b->len + n + 1)
            cap *= 2;
        uint8_t *grown = realloc(b->data, cap);
        if (grown == NULL)
            return 0;
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
    return n;
}

#endif

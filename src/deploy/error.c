/*
 * Error values of the deploy component: status names, the message formatter every file uses, and
 * the bounded byte buffer that encoders append to.
 */
#include "deploy/internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *dep_status_name(dep_status status)
{
    switch (status) {
    case DEP_OK:
        return "ok";
    case DEP_ERR_MALFORMED:
        return "malformed";
    case DEP_ERR_UNSUPPORTED:
        return "unsupported";
    case DEP_ERR_HASH:
        return "hash mismatch";
    case DEP_ERR_DAG:
        return "bad dag";
    case DEP_ERR_LIMIT:
        return "limit exceeded";
    case DEP_ERR_IO:
        return "i/o error";
    case DEP_ERR_NETWORK:
        return "network error";
    case DEP_ERR_NOMEM:
        return "out of memory";
    case DEP_ERR_ARG:
        return "bad argument";
    case DEP_ERR_NOT_FOUND:
        return "not found";
    }
    return "unknown status";
}

dep_status dep_fail(dep_error *err, dep_status status, const char *fmt, ...)
{
    if (err != NULL) {
        va_list ap;
        err->status = status;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return status;
}

void dep_error_prefix(dep_error *err, const char *fmt, ...)
{
    if (err == NULL)
        return;
    char prefix[sizeof err->message];
    char old[sizeof err->message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, err->message, sizeof old);
    /* Both parts are cut to fit: a long prefix must not hide the original reason entirely. */
    size_t n = strnlen(prefix, sizeof err->message / 2);
    memcpy(err->message, prefix, n);
    size_t rest = sizeof err->message - n;
    if (rest > 2) {
        err->message[n++] = ':';
        err->message[n++] = ' ';
        rest -= 2;
        size_t m = strnlen(old, rest - 1);
        memcpy(err->message + n, old, m);
        n += m;
    }
    err->message[n] = '\0';
}

dep_status dep_buf_append(dep_buf *b, const void *data, size_t len, dep_error *err)
{
    size_t max = b->max ? b->max : SIZE_MAX / 2;
    if (len > max - b->len)
        return dep_fail(err, DEP_ERR_LIMIT, "buffer of %zu bytes would exceed its cap of %zu bytes",
                        b->len, max);
    if (b->len + len > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + len)
            cap = cap > max / 2 ? max : cap * 2;
        uint8_t *p = realloc(b->data, cap);
        if (p == NULL)
            return dep_fail(err, DEP_ERR_NOMEM, "out of memory growing a buffer to %zu bytes", cap);
        b->data = p;
        b->cap = cap;
    }
    if (len > 0)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    return DEP_OK;
}

dep_status dep_buf_varint(dep_buf *b, uint64_t value, dep_error *err)
{
    uint8_t tmp[DEP_VARINT_MAX_BYTES];
    size_t n = dep_varint_encode(value, tmp);
    if (n == 0)
        return dep_fail(err, DEP_ERR_LIMIT, "value %llu does not fit a varint",
                        (unsigned long long)value);
    return dep_buf_append(b, tmp, n, err);
}

void dep_buf_destroy(dep_buf *b)
{
    free(b->data);
    *b = (dep_buf){0};
}

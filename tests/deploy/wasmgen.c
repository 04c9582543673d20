/*
 * The module writer of wasmgen.h: the binary format written section by section (type, function,
 * memory, export, code, data), each with its LEB128 size, in the order the specification requires.
 */
#include "wasmgen.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    WASM_PAGE_BYTES = 65536,
    ANSWER_OFFSET = 1024, /* where the data segment starts in linear memory */
    TAG_MAX_BYTES = 64,
};

typedef struct out {
    uint8_t *p;
    size_t len, cap;
    bool failed;
} out;

static void put(out *o, const void *data, size_t n)
{
    if (o->failed)
        return;
    if (o->len + n > o->cap) {
        size_t cap = o->cap ? o->cap : 256;
        while (cap < o->len + n)
            cap *= 2;
        uint8_t *p = realloc(o->p, cap);
        if (p == NULL) {
            o->failed = true;
            return;
        }
        o->p = p;
        o->cap = cap;
    }
    memcpy(o->p + o->len, data, n);
    o->len += n;
}

static void byte(out *o, uint8_t b)
{
    put(o, &b, 1);
}

static void uleb(out *o, uint64_t v)
{
    do {
        uint8_t b = v & 0x7f;
        v >>= 7;
        byte(o, (uint8_t)(b | (v ? 0x80 : 0)));
    } while (v);
}

static void sleb32(out *o, int32_t v)
{
    for (;;) {
        uint8_t b = (uint8_t)(v & 0x7f);
        v >>= 7; /* arithmetic shift on every compiler the project supports */
        bool done = (v == 0 && !(b & 0x40)) || (v == -1 && (b & 0x40));
        byte(o, (uint8_t)(done ? b : (b | 0x80)));
        if (done)
            return;
    }
}

static void name(out *o, const char *s)
{
    uleb(o, strlen(s));
    put(o, s, strlen(s));
}

/* Appends section id with the contents of body, then frees body. */
static void section(out *o, uint8_t id, out *body)
{
    if (body->failed)
        o->failed = true;
    byte(o, id);
    uleb(o, body->len);
    put(o, body->p, body->len);
    free(body->p);
}

/* A function body: no locals, one i32.const, end. */
static void const_body(out *code, int32_t value, bool returns)
{
    out f = {0};
    uleb(&f, 0); /* local declarations */
    if (returns) {
        byte(&f, 0x41); /* i32.const */
        sleb32(&f, value);
    }
    byte(&f, 0x0b); /* end */
    if (f.failed)
        code->failed = true;
    uleb(code, f.len);
    put(code, f.p, f.len);
    free(f.p);
}

uint8_t *wasmgen_function(size_t filler_bytes, uint64_t seed, const char *tag, size_t *len)
{
    char answer[160];
    int alen = snprintf(answer, sizeof answer, "{\"status\":200,\"headers\":[],\"body\":\"%.*s\"}",
                        TAG_MAX_BYTES, tag);
    size_t data_len = 4 + (size_t)alen + filler_bytes;
    uint64_t heap = (ANSWER_OFFSET + data_len + 15) / 16 * 16;
    uint64_t pages = (heap + WASM_PAGE_BYTES - 1) / WASM_PAGE_BYTES + 1; /* a page for alloc */
    if (heap > INT32_MAX || pages > 65536)
        return NULL;

    out o = {0};
    put(&o, "\0asm\1\0\0\0", 8);

    out types = {0};
    uleb(&types, 3);
    put(&types, "\x60\x01\x7f\x01\x7f", 5);     /* 0: (i32) -> i32 */
    put(&types, "\x60\x02\x7f\x7f\x00", 5);     /* 1: (i32, i32) -> () */
    put(&types, "\x60\x02\x7f\x7f\x01\x7f", 6); /* 2: (i32, i32) -> i32 */
    section(&o, 1, &types);

    out funcs = {0};
    put(&funcs, "\x03\x00\x01\x02", 4);
    section(&o, 3, &funcs);

    out mem = {0};
    uleb(&mem, 1);
    byte(&mem, 0x00); /* no maximum */
    uleb(&mem, pages);
    section(&o, 5, &mem);

    out exports = {0};
    uleb(&exports, 4);
    name(&exports, "memory");
    byte(&exports, 0x02);
    uleb(&exports, 0);
    name(&exports, "alloc");
    byte(&exports, 0x00);
    uleb(&exports, 0);
    name(&exports, "dealloc");
    byte(&exports, 0x00);
    uleb(&exports, 1);
    name(&exports, "handle_request");
    byte(&exports, 0x00);
    uleb(&exports, 2);
    section(&o, 7, &exports);

    /* alloc hands out the page after the data (one request at a time is all the ABI needs);
     * handle_request returns the answer stored at the start of the data segment. */
    out code = {0};
    uleb(&code, 3);
    const_body(&code, (int32_t)heap, true);
    const_body(&code, 0, false);
    const_body(&code, ANSWER_OFFSET, true);
    section(&o, 10, &code);

    out data = {0};
    uleb(&data, 1);
    byte(&data, 0x00); /* active, memory 0 */
    byte(&data, 0x41);
    sleb32(&data, ANSWER_OFFSET);
    byte(&data, 0x0b);
    uleb(&data, data_len);
    uint8_t prefix[4] = {(uint8_t)alen, (uint8_t)(alen >> 8), 0, 0};
    put(&data, prefix, 4);
    put(&data, answer, (size_t)alen);
    size_t start = data.len;
    if (!data.failed && filler_bytes > 0) {
        /* Grow once and fill in place: the filler can be tens of megabytes. */
        size_t need = data.len + filler_bytes;
        uint8_t *p = realloc(data.p, need);
        if (p == NULL) {
            data.failed = true;
        } else {
            data.p = p;
            data.cap = need;
            uint64_t x = seed ? seed : 0x9e3779b97f4a7c15ULL;
            for (size_t i = 0; i < filler_bytes; i++) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                data.p[start + i] = (uint8_t)(x >> 24);
            }
            data.len = need;
        }
    }
    section(&o, 11, &data);

    if (o.failed) {
        free(o.p);
        return NULL;
    }
    *len = o.len;
    return o.p;
}

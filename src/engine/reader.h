/*
 * A bounds-checked cursor over module bytes: fixed-width reads, LEB128 with the binary format's
 * exact length and overflow rules, and UTF-8 names. The first failure records a "malformed"
 * error naming the section and offset; every later read on a failed reader returns zero, so
 * decoders can read a whole item and check r->failed once.
 */
#ifndef AEGIS_ENGINE_READER_H
#define AEGIS_ENGINE_READER_H

#include "engine/internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef struct reader {
    const uint8_t *base; /* start of the module, for offsets */
    const uint8_t *p, *end;
    int section; /* section id for messages; -1 before the first section */
    bool failed;
    eng_error *err;
} reader;

const char *eng_section_name(int id);
/* Records the first error of a reader: "section N (name) at offset 0x..: reason". */
void rd_fail_at(reader *r, eng_status status, size_t offset, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
#define rd_fail(r, status, ...) rd_fail_at((r), (status), (size_t)((r)->p - (r)->base), __VA_ARGS__)

static inline size_t rd_offset(const reader *r)
{
    return (size_t)(r->p - r->base);
}

static inline bool rd_eof(const reader *r)
{
    return r->p >= r->end;
}

static inline uint8_t rd_u8(reader *r)
{
    if (r->failed)
        return 0;
    if (r->p >= r->end) {
        rd_fail(r, ENG_ERR_MALFORMED, "unexpected end");
        return 0;
    }
    return *r->p++;
}

static inline uint64_t rd_leb_unsigned(reader *r, unsigned bits)
{
    if (r->failed)
        return 0;
    const size_t start = rd_offset(r);
    uint64_t result = 0;
    unsigned shift = 0;
    const unsigned max_bytes = (bits + 6) / 7;
    for (unsigned i = 0;; i++) {
        if (r->p >= r->end) {
            rd_fail_at(r, ENG_ERR_MALFORMED, start, "unexpected end");
            return 0;
        }
        if (i >= max_bytes) {
            rd_fail_at(r, ENG_ERR_MALFORMED, start, "integer representation too long");
            return 0;
        }
        uint8_t b = *r->p++;
        if (i == max_bytes - 1) {
            /* the last permitted byte may only carry the bits that remain */
            unsigned used = bits - shift;
            if (b & 0x80) {
                rd_fail_at(r, ENG_ERR_MALFORMED, start, "integer representation too long");
                return 0;
            }
            if (used < 7 && (b >> used) != 0) {
                rd_fail_at(r, ENG_ERR_MALFORMED, start, "integer too large");
                return 0;
            }
        }
        result |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
        if (!(b & 0x80))
            return result;
    }
}

static inline int64_t rd_leb_signed(reader *r, unsigned bits)
{
    if (r->failed)
        return 0;
    const size_t start = rd_offset(r);
    uint64_t result = 0;
    unsigned shift = 0;
    const unsigned max_bytes = (bits + 6) / 7;
    for (unsigned i = 0;; i++) {
        if (r->p >= r->end) {
            rd_fail_at(r, ENG_ERR_MALFORMED, start, "unexpected end");
            return 0;
        }
        if (i >= max_bytes) {
            rd_fail_at(r, ENG_ERR_MALFORMED, start, "integer representation too long");
            return 0;
        }
        uint8_t b = *r->p++;
        if (i == max_bytes - 1) {
            if (b & 0x80) {
                rd_fail_at(r, ENG_ERR_MALFORMED, start, "integer representation too long");
                return 0;
            }
            /* the unused high bits must all equal the sign bit */
            unsigned used = bits - shift; /* 1..7 */
            if (used < 7) {
                uint8_t high = (uint8_t)(b & 0x7f) >> (used - 1); /* sign bit and unused bits */
                uint8_t all = (uint8_t)((1u << (8 - used)) - 1);
                if (high != 0 && high != all) {
                    rd_fail_at(r, ENG_ERR_MALFORMED, start, "integer too large");
                    return 0;
                }
            }
        }
        result |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
        if (!(b & 0x80)) {
            if (shift < 64 && (b & 0x40))
                result |= ~(uint64_t)0 << shift;
            return (int64_t)result;
        }
    }
}

static inline uint32_t rd_u32(reader *r)
{
    return (uint32_t)rd_leb_unsigned(r, 32);
}
static inline int32_t rd_s32(reader *r)
{
    return (int32_t)rd_leb_signed(r, 32);
}
static inline int64_t rd_s64(reader *r)
{
    return rd_leb_signed(r, 64);
}
static inline int64_t rd_s33(reader *r)
{
    return rd_leb_signed(r, 33);
}

static inline uint32_t rd_fixed32(reader *r)
{
    if (r->failed)
        return 0;
    if (r->end - r->p < 4) {
        rd_fail(r, ENG_ERR_MALFORMED, "unexpected end");
        return 0;
    }
    uint32_t v;
    memcpy(&v, r->p, 4);
    r->p += 4;
    return v;
}

static inline uint64_t rd_fixed64(reader *r)
{
    if (r->failed)
        return 0;
    if (r->end - r->p < 8) {
        rd_fail(r, ENG_ERR_MALFORMED, "unexpected end");
        return 0;
    }
    uint64_t v;
    memcpy(&v, r->p, 8);
    r->p += 8;
    return v;
}

/* Reads a vector length and checks that at least count * min_item_bytes bytes remain, so that a
 * hostile count never drives a large allocation. */
static inline uint32_t rd_count(reader *r, size_t min_item_bytes)
{
    uint32_t n = rd_u32(r);
    if (r->failed)
        return 0;
    if (min_item_bytes && (uint64_t)n * min_item_bytes > (uint64_t)(r->end - r->p)) {
        rd_fail(r, ENG_ERR_MALFORMED, "unexpected end: length out of bounds (%u items)", n);
        return 0;
    }
    return n;
}

bool eng_utf8_valid(const uint8_t *s, size_t len);
/* Reads a name (length + UTF-8 bytes) into a fresh NUL-terminated string; NULL on failure.
 * Names may contain NUL characters: *len (when not NULL) receives the true length. */
char *rd_name(reader *r, uint32_t *len);

#endif

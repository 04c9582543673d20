/*
 * Error values of the engine: the stable names of statuses and trap kinds, the helpers that fill
 * an eng_error, and the reader's failure path and UTF-8 check (kept out of the inline reader so
 * that hot decoding code stays small).
 */
#include "engine/internal.h"
#include "engine/reader.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *eng_status_name(eng_status status)
{
    switch (status) {
    case ENG_OK:
        return "ok";
    case ENG_ERR_MALFORMED:
        return "malformed";
    case ENG_ERR_INVALID:
        return "invalid";
    case ENG_ERR_UNSUPPORTED:
        return "unsupported";
    case ENG_ERR_UNLINKABLE:
        return "unlinkable";
    case ENG_ERR_LIMIT:
        return "limit exceeded";
    case ENG_ERR_TRAP:
        return "trap";
    case ENG_ERR_NOMEM:
        return "out of memory";
    case ENG_ERR_ARG:
        return "bad argument";
    }
    return "unknown status";
}

const char *eng_valtype_name(eng_valtype t)
{
    switch ((int)t) {
    case ENG_I32:
        return "i32";
    case ENG_I64:
        return "i64";
    case ENG_F32:
        return "f32";
    case ENG_F64:
        return "f64";
    case ENG_V128:
        return "v128";
    case ENG_FUNCREF:
        return "funcref";
    case ENG_EXTERNREF:
        return "externref";
    default:
        return "unknown";
    }
}

const char *eng_trap_name(eng_trap trap)
{
    switch (trap) {
    case ENG_TRAP_NONE:
        return "no trap";
    case ENG_TRAP_UNREACHABLE:
        return "unreachable";
    case ENG_TRAP_MEMORY_OOB:
        return "out of bounds memory access";
    case ENG_TRAP_TABLE_OOB:
        return "out of bounds table access";
    case ENG_TRAP_UNDEFINED_ELEMENT:
        return "undefined element";
    case ENG_TRAP_UNINITIALIZED_ELEMENT:
        return "uninitialized element";
    case ENG_TRAP_INDIRECT_TYPE_MISMATCH:
        return "indirect call type mismatch";
    case ENG_TRAP_DIV_BY_ZERO:
        return "integer divide by zero";
    case ENG_TRAP_INT_OVERFLOW:
        return "integer overflow";
    case ENG_TRAP_INVALID_CONVERSION:
        return "invalid conversion to integer";
    case ENG_TRAP_NULL_REFERENCE:
        return "null reference";
    case ENG_TRAP_STACK_EXHAUSTED:
        return "call stack exhausted";
    case ENG_TRAP_OUT_OF_FUEL:
        return "out of fuel";
    case ENG_TRAP_DEADLINE:
        return "deadline exceeded";
    case ENG_TRAP_INTERRUPTED:
        return "interrupted";
    case ENG_TRAP_HOST:
        return "host function error";
    case ENG_TRAP_EXIT:
        return "exit";
    case ENG_TRAP_COUNT:
        break;
    }
    return "unknown trap";
}

void eng_set_error(eng_error *err, eng_status status, const char *fmt, ...)
{
    if (!err)
        return;
    err->status = status;
    err->trap = ENG_TRAP_NONE;
    err->exit_code = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
}

void eng_set_trap(eng_error *err, eng_trap trap, const char *detail)
{
    if (!err)
        return;
    err->status = ENG_ERR_TRAP;
    err->trap = trap;
    if (detail && *detail)
        snprintf(err->message, sizeof err->message, "%s: %s", eng_trap_name(trap), detail);
    else
        snprintf(err->message, sizeof err->message, "%s", eng_trap_name(trap));
}

const char *eng_section_name(int id)
{
    static const char *const names[] = {"custom", "type",   "import",   "function", "table",
                                        "memory", "global", "export",   "start",    "element",
                                        "code",   "data",   "datacount"};
    if (id >= 0 && id < (int)(sizeof names / sizeof names[0]))
        return names[id];
    return "header";
}

void rd_fail_at(reader *r, eng_status status, size_t offset, const char *fmt, ...)
{
    if (r->failed)
        return;
    r->failed = true;
    r->p = r->end;
    if (!r->err)
        return;
    char reason[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    r->err->status = status;
    r->err->trap = ENG_TRAP_NONE;
    r->err->exit_code = 0;
    if (r->section >= 0)
        snprintf(r->err->message, sizeof r->err->message, "section %d (%s) at offset 0x%zx: %s",
                 r->section, eng_section_name(r->section), offset, reason);
    else
        snprintf(r->err->message, sizeof r->err->message, "at offset 0x%zx: %s", offset, reason);
}

bool eng_utf8_valid(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        uint32_t cp;
        if (c >= 0xc2 && c <= 0xdf) {
            n = 1;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 2;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (len - i <= n)
            return false;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        /* overlong forms, surrogates and code points past U+10FFFF */
        if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += n + 1;
    }
    return true;
}

char *rd_name(reader *r, uint32_t *len)
{
    uint32_t n = rd_u32(r);
    if (r->failed)
        return NULL;
    if (n > (size_t)(r->end - r->p)) {
        rd_fail(r, ENG_ERR_MALFORMED, "unexpected end: name length %u out of bounds", n);
        return NULL;
    }
    if (!eng_utf8_valid(r->p, n)) {
        rd_fail(r, ENG_ERR_MALFORMED, "malformed UTF-8 encoding");
        return NULL;
    }
    char *s = malloc((size_t)n + 1);
    if (!s) {
        rd_fail(r, ENG_ERR_NOMEM, "out of memory");
        return NULL;
    }
    memcpy(s, r->p, n);
    s[n] = 0;
    r->p += n;
    if (len)
        *len = n;
    return s;
}

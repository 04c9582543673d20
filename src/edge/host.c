/*
 * The host functions of guest ABI v1 (module "env"). Every guest (pointer, length) goes through
 * eng_caller_memory; a range outside the caller's memory stops that call with a trap and a
 * message naming the function and the range, and nothing else (the worker and other requests
 * carry on). The request being served is the instance's user data (edge_call); outside a request
 * (during _initialize) the request-related calls see an empty request.
 */
#include "edge_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Header names longer than this cannot exist on a request (http limits), so they are absent. */
#define EDGE_MAX_HEADER_NAME_BYTES 256

#define U32(x) ((uint64_t)(uint32_t)(x))

static uint8_t *guest(eng_caller *c, const char *fn, eng_slot ptr, eng_slot len)
{
    uint8_t *p = eng_caller_memory(c, U32(ptr), U32(len));
    if (p == NULL)
        eng_caller_set_message(
            c, "%s: range 0x%" PRIx64 "+%" PRIu64 " is outside memory (%" PRIu64 " bytes)", fn,
            U32(ptr), U32(len), eng_caller_memory_size(c));
    return p;
}

void edge_log_text(const uint8_t *p, size_t len, char *out, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (size_t i = 0; i < len && o + 5 < cap; i++) {
        uint8_t b = p[i];
        if (b == '"' || b == '\\') {
            out[o++] = '\\';
            out[o++] = (char)b;
        } else if (b < 0x20 || b == 0x7f) {
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[b >> 4];
            out[o++] = hex[b & 15];
        } else {
            out[o++] = (char)b;
        }
    }
    out[o] = '\0';
}

static const char *req_id(edge_call *call)
{
    return call && call->req ? http_request_id(call->req) : "-";
}

static eng_trap h_log(eng_caller *c, const eng_slot *a, eng_slot *r, void *d)
{
    (void)r;
    (void)d;
    uint8_t *p = guest(c, "log", a[0], a[1]);
    if (p == NULL)
        return ENG_TRAP_MEMORY_OOB;
    edge_call *call = eng_caller_user(c);
    if (call == NULL || !edge_module_log_allowed(call->entry))
        return ENG_TRAP_NONE;
    char text[EDGE_MAX_LOG_BYTES];
    size_t n = U32(a[1]) < EDGE_MAX_LOG_BYTES / 4 ? U32(a[1]) : EDGE_MAX_LOG_BYTES / 4;
    edge_log_text(p, n, text, sizeof text);
    edge_log(call->mods, "event=module_log module=%s request_id=%s msg=\"%s\"", call->entry->id,
             req_id(call), text);
    return ENG_TRAP_NONE;
}

static eng_trap h_get_timestamp(eng_caller *c, const eng_slot *a, eng_slot *r, void *d)
{
    (void)c;
    (void)a;
    (void)d;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    r[0] = (eng_slot)((uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000);
    return ENG_TRAP_NONE;
}

static eng_trap h_get_request_header(eng_caller *c, const eng_slot *a, eng_slot *r, void *d)
{
    (void)d;
    uint8_t *name = guest(c, "get_request_header", a[0], a[1]);
    uint8_t *out = name ? guest(c, "get_request_header", a[2], a[3]) : NULL;
    if (out == NULL)
        return ENG_TRAP_MEMORY_OOB;
    edge_call *call = eng_caller_user(c);
    r[0] = (eng_slot)(uint32_t)-1;
    if (call == NULL || call->req == NULL || U32(a[1]) > EDGE_MAX_HEADER_NAME_BYTES)
        return ENG_TRAP_NONE;
    char nm[EDGE_MAX_HEADER_NAME_BYTES + 1];
    memcpy(nm, name, U32(a[1]));
    nm[U32(a[1])] = '\0';
    const char *v = http_request_header(call->req, nm);
    if (v == NULL)
        return ENG_TRAP_NONE;
    size_t vlen = strlen(v);
    memcpy(out, v, vlen < U32(a[3]) ? vlen : U32(a[3]));
    r[0] = (eng_slot)(uint32_t)(vlen > INT32_MAX ? INT32_MAX : vlen);
    return ENG_TRAP_NONE;
}

/* A NUL-terminated copy of guest bytes in the request's arena. */
static char *arena_str(edge_call *call, const uint8_t *p, size_t n)
{
    char *s = http_request_alloc(call->req, n + 1);
    if (s != NULL) {
        memcpy(s, p, n);
        s[n] = '\0';
    }
    return s;
}

static eng_trap h_set_response_header(eng_caller *c, const eng_slot *a, eng_slot *r, void *d)
{
    (void)r;
    (void)d;
    uint8_t *name = guest(c, "set_response_header", a[0], a[1]);
    uint8_t *value = name ? guest(c, "set_response_header", a[2], a[3]) : NULL;
    if (value == NULL)
        return ENG_TRAP_MEMORY_OOB;
    edge_call *call = eng_caller_user(c);
    if (call == NULL || call->req == NULL)
        return ENG_TRAP_NONE;
    char *n = arena_str(call, name, U32(a[1])), *v = arena_str(call, value, U32(a[3]));
    if (n == NULL || v == NULL) {
        eng_caller_set_message(c, "set_response_header: per-request memory exhausted");
        return ENG_TRAP_HOST;
    }
    /* A refused header (bad name, control bytes, hop-by-hop) is the module's mistake, not an
     * attack on the node: it is logged and the call goes on. An embedded NUL is refused too. */
    if ((strlen(n) != U32(a[1]) || strlen(v) != U32(a[3]) ||
         http_request_set_response_header(call->req, n, v) != 0) &&
        edge_module_log_allowed(call->entry)) {
        char text[300];
        edge_log_text(name, U32(a[1]) < 64 ? U32(a[1]) : 64, text, sizeof text);
        edge_log(call->mods, "event=header_refused module=%s request_id=%s name=\"%s\"",
                 call->entry->id, req_id(call), text);
    }
    return ENG_TRAP_NONE;
}

static eng_trap h_get_request_body_size(eng_caller *c, const eng_slot *a, eng_slot *r, void *d)
{
    (void)a;
    (void)d;
    edge_call *call = eng_caller_user(c);
    size_t n = call ? call->body_len : 0;
    r[0] = (eng_slot)(uint32_t)(n > INT32_MAX ? INT32_MAX : n);
    return ENG_TRAP_NONE;
}

static eng_trap h_read_request_body(eng_caller *c, const eng_slot *a, eng_slot *r, void *d)
{
    (void)d;
    uint8_t *buf = guest(c, "read_request_body", a[0], a[1]);
    if (buf == NULL)
        return ENG_TRAP_MEMORY_OOB;
    edge_call *call = eng_caller_user(c);
    size_t n = 0;
    if (call != NULL && call->body_pos < call->body_len) {
        n = call->body_len - call->body_pos;
        if (n > U32(a[1]))
            n = U32(a[1]);
        if (n > INT32_MAX)
            n = INT32_MAX;
        memcpy(buf, call->body + call->body_pos, n);
        call->body_pos += n;
    }
    r[0] = (eng_slot)(uint32_t)n;
    return ENG_TRAP_NONE;
}

static eng_trap h_send_response(eng_caller *c, const eng_slot *a, eng_slot *r, void *d)
{
    (void)r;
    (void)d;
    uint8_t *body = guest(c, "send_response", a[1], a[2]);
    if (body == NULL)
        return ENG_TRAP_MEMORY_OOB;
    edge_call *call = eng_caller_user(c);
    if (call == NULL || call->req == NULL || call->sent)
        return ENG_TRAP_NONE;
    uint8_t *copy = http_request_alloc(call->req, U32(a[2]) + 1);
    if (copy == NULL) {
        eng_caller_set_message(c,
                               "send_response: body of %" PRIu64 " bytes exceeds per-request "
                               "memory",
                               U32(a[2]));
        return ENG_TRAP_HOST;
    }
    memcpy(copy, body, U32(a[2]));
    call->sent = true;
    call->send_status = (int32_t)(uint32_t)a[0];
    call->send_body = copy;
    call->send_len = U32(a[2]);
    return ENG_TRAP_NONE;
}

static eng_trap h_cache_get(eng_caller *c, const eng_slot *a, eng_slot *r, void *d)
{
    (void)d;
    uint8_t *key = guest(c, "cache_get", a[0], a[1]);
    uint8_t *out = key ? guest(c, "cache_get", a[2], a[3]) : NULL;
    if (out == NULL)
        return ENG_TRAP_MEMORY_OOB;
    edge_call *call = eng_caller_user(c);
    long n = -1;
    if (call != NULL && call->cache != NULL)
        n = edge_cache_get(call->cache, call->owner, key, U32(a[1]), out, U32(a[3]));
    r[0] = (eng_slot)(uint32_t)(n > INT32_MAX ? INT32_MAX : (int32_t)n);
    return ENG_TRAP_NONE;
}

static eng_trap h_cache_set(eng_caller *c, const eng_slot *a, eng_slot *r, void *d)
{
    (void)r;
    (void)d;
    uint8_t *key = guest(c, "cache_set", a[0], a[1]);
    uint8_t *val = key ? guest(c, "cache_set", a[2], a[3]) : NULL;
    if (val == NULL)
        return ENG_TRAP_MEMORY_OOB;
    int64_t ttl = (int64_t)a[4];
    if (ttl < 0) {
        eng_caller_set_message(c, "cache_set: negative ttl %" PRId64, ttl);
        return ENG_TRAP_HOST;
    }
    edge_call *call = eng_caller_user(c);
    if (call != NULL && call->cache != NULL &&
        edge_cache_set(call->cache, call->owner, key, U32(a[1]), val, U32(a[3]), (uint64_t)ttl) !=
            0 &&
        edge_module_log_allowed(call->entry))
        edge_log(call->mods, "event=cache_set_refused module=%s request_id=%s bytes=%" PRIu64,
                 call->entry->id, req_id(call), U32(a[1]) + U32(a[3]));
    return ENG_TRAP_NONE;
}

static void wasi_log(void *data, int fd, const char *text, size_t len)
{
    edge_entry *e = data;
    if (e == NULL || !edge_module_log_allowed(e))
        return;
    char t[EDGE_MAX_LOG_BYTES];
    edge_log_text((const uint8_t *)text,
                  len < EDGE_MAX_LOG_BYTES / 4 ? len : EDGE_MAX_LOG_BYTES / 4, t, sizeof t);
    edge_log(e->owner, "event=module_output module=%s fd=%d text=\"%s\"", e->id, fd, t);
}

eng_imports *edge_host_imports_new(edge_entry *entry)
{
    static const struct {
        const char *name, *sig;
        eng_host_fn fn;
    } fns[] = {
        {"log", "(ii)", h_log},
        {"get_timestamp", "()I", h_get_timestamp},
        {"get_request_header", "(iiii)i", h_get_request_header},
        {"set_response_header", "(iiii)", h_set_response_header},
        {"get_request_body_size", "()i", h_get_request_body_size},
        {"read_request_body", "(ii)i", h_read_request_body},
        {"send_response", "(iii)", h_send_response},
        {"cache_get", "(iiii)i", h_cache_get},
        {"cache_set", "(iiiiI)", h_cache_set},
    };
    eng_imports *im = eng_imports_new();
    if (im == NULL)
        return NULL;
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
        if (eng_imports_add_func(im, "env", fns[i].name, fns[i].sig, fns[i].fn, NULL) != ENG_OK) {
            eng_imports_free(im);
            return NULL;
        }
    }
    if (eng_imports_add_wasi(im, wasi_log, entry) != ENG_OK) {
        eng_imports_free(im);
        return NULL;
    }
    return im;
}

/*
 * Guest ABI v1 for the WebAssembly build (only compiled for wasm32-wasi): the exports alloc,
 * dealloc and analyze_request of ../shared ARCHITECTURE §4, and configure, which sets the
 * instance's configuration once after instantiation. One waf per instance lives for the
 * instance's lifetime; its arena is reset by every analyze_request.
 */
#ifdef __wasm__

#include "waf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT(name) __attribute__((export_name(name), visibility("default")))

static waf *the_waf;
/* Result buffer: u32 LE length followed by the JSON. Reused and grown across calls. */
static uint8_t *out_buf;
static size_t out_cap;

static waf *get_waf(void)
{
    if (the_waf == NULL)
        the_waf = waf_new(NULL);
    return the_waf;
}

/* Runs in _initialize: creates the WAF and analyzes one request that reaches every detector, so
 * that the per-instance tables (needle filters, the arena's first chunk) exist before the host
 * takes its snapshot. A host that restores the snapshot for each request then never rebuilds
 * them. */
__attribute__((constructor)) static void warm_up(void)
{
    static const char doc[] =
        "{\"method\":\"POST\",\"uri\":\"/w?a=%3C'%22;|&%60$(/.:{#@[-x=*)!~.ini\","
        "\"headers\":[[\"Host\",\"a\"],[\"User-Agent\",\"w\"],[\"Content-Type\","
        "\"application/json\"]],\"body\":\"{\\\"$ne\\\":\\\"<x y='1'>\\r\\n\\\"}\"}";
    waf *w = get_waf();
    if (w != NULL)
        waf_analyze(w, (const uint8_t *)doc, sizeof doc - 1);
}

EXPORT("alloc") void *wasm_alloc(int32_t size)
{
    if (size <= 0)
        return NULL;
    return malloc((size_t)size);
}

EXPORT("dealloc") void wasm_dealloc(void *ptr, int32_t size)
{
    (void)size;
    free(ptr);
}

static uint8_t *frame(const char *json, size_t len)
{
    if (out_cap < len + 4) {
        uint8_t *b = realloc(out_buf, len + 4);
        if (b == NULL)
            return NULL;
        out_buf = b;
        out_cap = len + 4;
    }
    uint32_t l = (uint32_t)len;
    out_buf[0] = (uint8_t)l;
    out_buf[1] = (uint8_t)(l >> 8);
    out_buf[2] = (uint8_t)(l >> 16);
    out_buf[3] = (uint8_t)(l >> 24);
    memcpy(out_buf + 4, json, len);
    return out_buf;
}

/* Returns a framed result JSON; NULL (0) only when memory is exhausted. */
EXPORT("analyze_request") uint8_t *wasm_analyze_request(const uint8_t *ptr, int32_t len)
{
    waf *w = get_waf();
    if (w == NULL)
        return NULL;
    const waf_result *r = waf_analyze(w, ptr, len < 0 ? 0 : (size_t)len);
    return frame(r->json, r->json_len);
}

/* Configuration document (waf_config_parse format); returns a framed
 * {"ok":true} or {"ok":false,"error":"..."}. */
EXPORT("configure") uint8_t *wasm_configure(const char *ptr, int32_t len)
{
    waf *w = get_waf();
    if (w == NULL)
        return NULL;
    waf_config cfg;
    char err[160];
    if (len < 0 || !waf_config_parse(&cfg, ptr, (size_t)len, err, sizeof err)) {
        char msg[256];
        size_t k = 0;
        const char *pre = "{\"ok\":false,\"error\":\"";
        memcpy(msg, pre, strlen(pre));
        k = strlen(pre);
        for (const char *e = len < 0 ? "negative length" : err; *e && k < sizeof msg - 4; e++)
            msg[k++] = (*e == '"' || *e == '\\' || (unsigned char)*e < 0x20) ? '\'' : *e;
        msg[k++] = '"';
        msg[k++] = '}';
        return frame(msg, k);
    }
    waf_set_config(w, &cfg);
    return frame("{\"ok\":true}", 11);
}

#else
/* Native builds have no guest ABI: they call waf_analyze directly. */
typedef int waf_wasm_abi_native_unused;
#endif

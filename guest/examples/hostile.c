/*
 * A hostile edge function for the tests of the sandbox: the request path chooses the attack.
 *   /loop        spins forever (stopped by fuel or by the deadline)
 *   /membomb     grows memory until the host refuses, then answers "pages=N" (N = final size)
 *   /membomb-die grows memory until refused, then traps
 *   /unreachable executes unreachable (a panic)
 *   /wild-result returns a pointer past the end of memory
 *   /huge-len    returns a valid pointer whose length runs past the end of memory
 *   /wild-header passes a wild pointer to set_response_header
 *   /wild-log    passes a wild length to log
 *   /wild-cache  passes a wild output buffer to cache_get
 *   /garbage     returns a frame that is not JSON
 *   /bad-status  returns status 42
 *   /send-bad    calls send_response with status 1000
 *   /log-flood   logs 10,000 lines and sets 10,000 refused headers, then continues calmly
 * Anything else continues with X-Hostile: calm, proving the instance recovered, and X-Calls: the
 * number of requests this instance's memory remembers (always 1: state is reset per request).
 */
#include "aegis.h"

#include <stdio.h>

AEGIS_DEFINE_ALLOC()

static volatile int32_t sink;
static int calls; /* in linear memory: must not survive from one request to the next */

AEGIS_EXPORT("handle_request") int32_t handle_request(const char *ptr, int32_t len)
{
    aegis_request req;
    if (!aegis_request_parse(&req, ptr, len))
        return aegis_respond(400, "text/plain", "unreadable request");
    char uri[256];
    aegis_json_string(req.uri, uri, sizeof uri);
    if (strstr(uri, "/loop")) {
        for (;;)
            sink++;
    }
    if (strstr(uri, "/membomb")) {
        while (__builtin_wasm_memory_grow(0, 16) != (size_t)-1)
            sink++;
        if (strstr(uri, "/membomb-die"))
            __builtin_trap();
        char msg[32];
        int n = snprintf(msg, sizeof msg, "pages=%u", (unsigned)__builtin_wasm_memory_size(0));
        aegis_send_response(200, msg, n);
        return aegis_continue();
    }
    if (strstr(uri, "/unreachable"))
        __builtin_trap();
    if (strstr(uri, "/wild-result"))
        return (int32_t)0xFFFFFFF0u;
    if (strstr(uri, "/huge-len")) {
        static uint8_t frame[8] = {0xff, 0xff, 0xff, 0x7f, '{', '}'};
        return (int32_t)(uintptr_t)frame;
    }
    if (strstr(uri, "/wild-header"))
        aegis_set_response_header((const char *)0xFFFFFF00u, 100, "v", 1);
    if (strstr(uri, "/wild-log"))
        aegis_log_raw("x", 0x7FFFFFFF);
    if (strstr(uri, "/wild-cache"))
        aegis_cache_get("k", 1, (void *)0xFFFFFFF0u, 4096);
    if (strstr(uri, "/garbage")) {
        static uint8_t frame[12] = {5, 0, 0, 0, 'h', 'e', 'l', 'l', 'o'};
        return (int32_t)(uintptr_t)frame;
    }
    if (strstr(uri, "/bad-status"))
        return aegis_respond(42, NULL, "");
    if (strstr(uri, "/log-flood")) {
        for (int i = 0; i < 10000; i++) {
            aegis_log("flood");
            aegis_set_header("Bad Name", "x");
        }
    }
    if (strstr(uri, "/send-bad")) {
        aegis_send_response(1000, "x", 1);
        return aegis_continue();
    }
    char n[16];
    snprintf(n, sizeof n, "%d", ++calls);
    aegis_buf b;
    aegis_response_begin(&b, -1);
    aegis_response_header(&b, "X-Hostile", "calm");
    aegis_response_header(&b, "X-Calls", n);
    return aegis_response_end(&b, "", 0);
}

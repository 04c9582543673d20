/*
 * A function whose only job is to say which build of it answered: X-Version carries
 * AEGIS_VERSION (1 by default; mk/edge.mk also builds versioned_v2.wasm with 2). The tests of hot
 * reload swap the two builds under load and watch the responses switch.
 */
#include "aegis.h"

#ifndef AEGIS_VERSION
#define AEGIS_VERSION "1"
#endif

AEGIS_DEFINE_ALLOC()

AEGIS_EXPORT("handle_request") int32_t handle_request(const char *ptr, int32_t len)
{
    (void)ptr;
    (void)len;
    aegis_buf b;
    aegis_response_begin(&b, -1);
    aegis_response_header(&b, "X-Version", AEGIS_VERSION);
    return aegis_response_end(&b, "", 0);
}

/*
 * Example edge function: answers with the request JSON it received, byte for byte, so that the
 * request side of the ABI can be seen (and tested) exactly. It also shows the host calls that
 * read the request: X-Probe-Via-Host is the X-Probe request header read with get_request_header
 * ("absent" without one), X-Timestamp-Ok says whether get_timestamp is a plausible Unix time in
 * microseconds.
 */
#include "aegis.h"

AEGIS_DEFINE_ALLOC()

AEGIS_EXPORT("handle_request") int32_t handle_request(const char *ptr, int32_t len)
{
    char probe[64];
    if (aegis_header("x-probe", probe, sizeof probe) < 0)
        strcpy(probe, "absent");
    int64_t now = aegis_get_timestamp();
    bool ts_ok = now > 1600000000LL * 1000000 && now < 4000000000LL * 1000000;
    aegis_buf b;
    aegis_response_begin(&b, 200);
    aegis_response_header(&b, "Content-Type", "application/json");
    aegis_response_header(&b, "X-Probe-Via-Host", probe);
    aegis_response_header(&b, "X-Timestamp-Ok", ts_ok ? "yes" : "no");
    return aegis_response_end(&b, ptr, (size_t)len);
}

/*
 * Example edge function: a request blocker. It answers 403 itself, without contacting the origin,
 * when the path starts with /admin or the request carries X-Block; everything else continues.
 */
#include "aegis.h"

AEGIS_DEFINE_ALLOC()

AEGIS_EXPORT("handle_request") int32_t handle_request(const char *ptr, int32_t len)
{
    aegis_request req;
    if (!aegis_request_parse(&req, ptr, len))
        return aegis_respond(400, "text/plain", "unreadable request");
    char uri[512], flag[64];
    aegis_json_string(req.uri, uri, sizeof uri);
    bool admin = strstr(uri, "/admin") != NULL;
    if (admin || aegis_request_header(&req, "x-block", flag, sizeof flag) >= 0) {
        aegis_log(admin ? "blocked: admin path" : "blocked: x-block header");
        return aegis_respond(403, "text/plain", "blocked by rule");
    }
    return aegis_continue();
}

/*
 * Example edge function: rewrites the client's response headers. It adds X-Edge-Function and
 * echoes the request method back in X-Request-Method (result headers), and sets X-Powered-By
 * through the set_response_header host call; the request continues to the origin.
 */
#include "aegis.h"

AEGIS_DEFINE_ALLOC()

AEGIS_EXPORT("handle_request") int32_t handle_request(const char *ptr, int32_t len)
{
    aegis_request req;
    if (!aegis_request_parse(&req, ptr, len))
        return aegis_respond(400, "text/plain", "unreadable request");
    char method[16];
    aegis_json_string(req.method, method, sizeof method);
    aegis_set_header("X-Powered-By", "aegis-edge");
    aegis_buf b;
    aegis_response_begin(&b, -1);
    aegis_response_header(&b, "X-Edge-Function", "header-rewriter");
    aegis_response_header(&b, "X-Request-Method", method);
    return aegis_response_end(&b, "", 0);
}

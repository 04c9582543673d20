/*
 * Example edge function: rewrites the client's response headers. It adds X-Edge-Function and
 * echoes the request method back in X-Request-Method (result headers), and sets X-Powered-By
 * through the set_response_header host call; the request continues to the origin.
 *
 * It reads only what it uses: "method" and "uri" lead the host's request document (guest ABI v1
 * writes them first), so looking them up stops long before the headers and the body. Parsing
 * the whole document (aegis_request_parse) would walk every body byte several times, which on a
 * 2 KB POST costs the sandbox more than the rest of this function.
 */
#include "aegis.h"

AEGIS_DEFINE_ALLOC()

AEGIS_EXPORT("handle_request") int32_t handle_request(const char *ptr, int32_t len)
{
    aegis_json doc = {ptr, len > 0 ? (size_t)len : 0};
    aegis_json method = aegis_json_get(doc, "method");
    if (method.len == 0 || aegis_json_get(doc, "uri").len == 0)
        return aegis_respond(400, "text/plain", "unreadable request");
    char m[16];
    aegis_json_string(method, m, sizeof m);
    aegis_set_header("X-Powered-By", "aegis-edge");
    aegis_buf b;
    aegis_response_begin(&b, -1);
    aegis_response_header(&b, "X-Edge-Function", "header-rewriter");
    aegis_response_header(&b, "X-Request-Method", m);
    return aegis_response_end(&b, "", 0);
}

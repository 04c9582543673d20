/*
 * Example edge function: a cache-backed responder. GET /cache/set/KEY/VALUE/TTL stores VALUE
 * under KEY for TTL seconds and answers "stored"; GET /cache/get/KEY answers the cached value
 * with send_response (200), or 404 "miss". Other paths continue to the origin.
 */
#include "aegis.h"

#include <stdio.h>

AEGIS_DEFINE_ALLOC()

AEGIS_EXPORT("handle_request") int32_t handle_request(const char *ptr, int32_t len)
{
    aegis_request req;
    if (!aegis_request_parse(&req, ptr, len))
        return aegis_respond(400, "text/plain", "unreadable request");
    char uri[512];
    aegis_json_string(req.uri, uri, sizeof uri);
    char *p = strstr(uri, "/cache/");
    if (p == NULL)
        return aegis_continue();
    p += 7;
    if (strncmp(p, "set/", 4) == 0) {
        char key[128], val[256];
        long ttl = 0;
        if (sscanf(p + 4, "%127[^/]/%255[^/]/%ld", key, val, &ttl) != 3)
            return aegis_respond(400, "text/plain", "usage: /cache/set/KEY/VALUE/TTL");
        aegis_cache_set(key, (int32_t)strlen(key), val, (int32_t)strlen(val), ttl);
        aegis_send_response(200, "stored", 6);
        return aegis_continue();
    }
    if (strncmp(p, "get/", 4) == 0) {
        const char *key = p + 4;
        char val[256];
        int32_t n = aegis_cache_get(key, (int32_t)strlen(key), val, (int32_t)sizeof val);
        if (n < 0)
            aegis_send_response(404, "miss", 4);
        else
            aegis_send_response(200, val, n < (int32_t)sizeof val ? n : (int32_t)sizeof val);
        return aegis_continue();
    }
    return aegis_respond(400, "text/plain", "unknown cache operation");
}

/*
 * Example edge function: inspects the request body through the streaming host calls
 * (get_request_body_size, read_request_body in small chunks) and refuses bodies containing the
 * word "forbidden" with 403. Otherwise the request continues and the client's response reports
 * what was seen: X-Body-Size (host call), X-Body-Read (bytes read in chunks) and X-Body-Json
 * (length of the body as decoded from the request JSON).
 */
#include "aegis.h"

#include <stdio.h>

AEGIS_DEFINE_ALLOC()

AEGIS_EXPORT("handle_request") int32_t handle_request(const char *ptr, int32_t len)
{
    aegis_request req;
    if (!aegis_request_parse(&req, ptr, len))
        return aegis_respond(400, "text/plain", "unreadable request");
    int32_t size = aegis_get_request_body_size();
    char *body = malloc((size_t)size + 1);
    if (body == NULL)
        return aegis_respond(500, "text/plain", "no memory");
    int32_t got = 0;
    for (;;) { /* deliberately small reads, to exercise the read position */
        int32_t n = aegis_read_request_body(body + got, size - got < 7 ? size - got : 7);
        if (n <= 0)
            break;
        got += n;
    }
    body[got] = '\0';
    if (strstr(body, "forbidden") != NULL)
        return aegis_respond(403, "text/plain", "forbidden word in body");
    long json_len = aegis_json_string(req.body, NULL, 0);
    char a[24], b2[24], c[24];
    snprintf(a, sizeof a, "%d", (int)size);
    snprintf(b2, sizeof b2, "%d", (int)got);
    snprintf(c, sizeof c, "%ld", json_len);
    aegis_buf b;
    aegis_response_begin(&b, -1);
    aegis_response_header(&b, "X-Body-Size", a);
    aegis_response_header(&b, "X-Body-Read", b2);
    aegis_response_header(&b, "X-Body-Json", c);
    return aegis_response_end(&b, "", 0);
}

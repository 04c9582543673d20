/*
 * A tiny HTTP/1.1 gateway for the deploy tests, on 127.0.0.1 with a kernel-chosen port, served by
 * one thread. Each route maps an exact request target ("/ipfs/<cid>?format=car") to a canned
 * answer, honest or lying: wrong bytes, a slow drip, a huge Content-Length, a redirect loop, a
 * dropped connection. Unknown targets get 404. Every connection is closed after one answer.
 * GET and POST are answered alike (a POST's body is read and dropped first), so the same canned
 * answers stand in for a lying Kubo RPC endpoint ("/api/v0/add?...").
 */
#ifndef AEGIS_TEST_DEPLOY_GATEWAY_H
#define AEGIS_TEST_DEPLOY_GATEWAY_H

#include <stddef.h>
#include <stdint.h>

typedef enum gw_mode {
    GW_PLAIN,         /* status, content type, body */
    GW_DRIP,          /* headers, then one body byte every 1.5 s (a stall) */
    GW_HUGE_LENGTH,   /* claims Content-Length: 5000000000, sends the body, closes */
    GW_REDIRECT_SELF, /* 302 to the same target, forever */
    GW_HANG_UP,       /* closes without answering */
} gw_mode;

typedef struct gw_server gw_server;

gw_server *gw_start(void);
/* Stops the thread, closes the socket and frees the server. */
void gw_stop(gw_server *gw);
/* "http://127.0.0.1:PORT" */
const char *gw_url(const gw_server *gw);
/* Adds a route; the body is copied. */
void gw_route(gw_server *gw, const char *target, gw_mode mode, int status, const char *ctype,
              const uint8_t *body, size_t len);
/* Requests seen for a target, and the Accept header of the last request (static copy). */
int gw_hits(gw_server *gw, const char *target);
const char *gw_last_accept(gw_server *gw);

#endif

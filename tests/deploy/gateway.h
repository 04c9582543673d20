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

#include "deploy/deploy.h"

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

/* The distinct blocks of an import, with copies of their bytes (gw_keep_block fills it). */
enum { GW_BLOCKS_MAX = 200 };
typedef struct gw_blocks {
    struct {
        dep_cid cid;
        uint8_t *data;
        size_t len;
    } at[GW_BLOCKS_MAX];
    size_t count;
} gw_blocks;

/* A dep_import_buffer block callback whose ctx is a gw_blocks: keeps each block once. */
dep_status gw_keep_block(void *ctx, const dep_cid *cid, const uint8_t *data, size_t len,
                         dep_error *err);
/* Frees the copies. */
void gw_blocks_free(gw_blocks *b);

enum { GW_CAR_SLACK_BYTES = 4096 }; /* room after a CAR for gw_car_damage to append a block */

/* A CARv1 of root holding b's blocks from index first on, malloc'd with GW_CAR_SLACK_BYTES to
 * spare; its length into len. */
uint8_t *gw_car_of_blocks(const dep_cid *root, const gw_blocks *b, size_t first, size_t *len);

/* Damages a CAR in place as a lying gateway would: 1 flips its last byte, 2 cuts ten bytes, 3
 * appends a block the root does not reach (it needs GW_CAR_SLACK_BYTES to spare); 0 leaves it. */
void gw_car_damage(uint8_t *car, size_t *len, int damage);

/* dep_fetch of cid from gateways[0..n) with the options of o (stall and connect timeouts of
 * 1 s where o leaves them 0); when it succeeds, checks that the bytes are want (want_len bytes)
 * and frees them. Returns dep_fetch's status, with source and err as it fills them. */
dep_status gw_fetch_check(dep_fetch_options o, const char *const *gateways, size_t n,
                          const dep_cid *cid, const uint8_t *want, size_t want_len,
                          const char **source, dep_error *err);

#endif

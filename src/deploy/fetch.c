/*
 * Verified fetch over the trustless-gateway protocol. A gateway is untrusted: whatever it sends
 * is verified against the CID (verify.c) before anyone sees it, and any failure (connection,
 * timeout, stall, status, content type, size, hash, DAG) moves on to the next gateway. Per
 * gateway, the whole DAG is asked for as one CARv1 (?format=car); when that fails, the DAG is
 * fetched block by block (?format=raw), each block checked against its CID as it arrives, and
 * the verified blocks are assembled into a CAR so that one verifier judges both paths. A plain
 * response that is neither (the file's bytes) is accepted only when the CID is a single raw
 * block, whose hash can be checked directly. The bytes of every response are capped while they
 * arrive, so a lying Content-Length or an endless body costs no more than the cap.
 *
 * The transfer is blocking libcurl; dep_fetch_job runs it on its own thread so that an event
 * loop never waits on the network.
 */
#include "deploy/internal.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CAR_OVERHEAD_BYTES(n) ((n) / 16 + 65536) /* as in cache.c: sections and inner nodes */
enum { URL_MAX_BYTES = 2048 };

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_status;

static void curl_init(void)
{
    curl_init_status = curl_global_init(CURL_GLOBAL_DEFAULT);
}

typedef struct http_body {
    dep_buf buf;
    bool over_cap;
} http_body;

static size_t on_body(char *data, size_t size, size_t nmemb, void *ctx)
{
    http_body *b = ctx;
    size_t n = size * nmemb;
    if (dep_buf_append(&b->buf, data, n, NULL) != DEP_OK) {
        b->over_cap = true;
        return 0; /* makes curl stop with CURLE_WRITE_ERROR */
    }
    return n;
}

typedef struct gateway_conn {
    CURL *curl;
    const dep_fetch_options *opts;
    const char *base;
} gateway_conn;

/* GETs {base}/ipfs/{cid}?format=... with the given Accept; on 200 stores the body (capped at
 * cap bytes) and the content type. */
static dep_status http_get(gateway_conn *g, const dep_cid *cid, const char *format,
                           const char *accept, size_t cap, http_body *body, char *ctype,
                           size_t ctype_cap, dep_error *err)
{
    char cs[DEP_CID_TEXT_MAX], url[URL_MAX_BYTES], hdr[128];
    size_t blen = strlen(g->base);
    while (blen > 0 && g->base[blen - 1] == '/')
        blen--;
    if ((size_t)snprintf(url, sizeof url, "%.*s/ipfs/%s?format=%s", (int)blen, g->base,
                         dep_cid_string(cid, cs), format) >= sizeof url)
        return dep_fail(err, DEP_ERR_ARG, "gateway url too long");
    snprintf(hdr, sizeof hdr, "Accept: %s", accept);
    struct curl_slist *headers = curl_slist_append(NULL, hdr);
    if (headers == NULL)
        return dep_fail(err, DEP_ERR_NOMEM, "out of memory");
    const dep_fetch_options *o = g->opts;
    long connect_ms =
        o->connect_timeout_ms ? o->connect_timeout_ms : DEP_CONNECT_TIMEOUT_MS_DEFAULT;
    long total_ms = o->total_timeout_ms ? o->total_timeout_ms : DEP_TOTAL_TIMEOUT_MS_DEFAULT;
    long stall_ms = o->stall_timeout_ms ? o->stall_timeout_ms : DEP_STALL_TIMEOUT_MS_DEFAULT;
    *body = (http_body){.buf = {.max = cap}};
    CURL *c = g->curl;
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, (long)DEP_MAX_REDIRECTS);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, total_ms);
    /* A stall is less than one byte per second for the stall time (curl counts whole seconds). */
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, (stall_ms + 999) / 1000);
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)cap);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "aegis-node");
    CURLcode rc = curl_easy_perform(c);
    curl_slist_free_all(headers);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    dep_status st = DEP_OK;
    if (rc == CURLE_FILESIZE_EXCEEDED || body->over_cap)
        st = dep_fail(err, DEP_ERR_LIMIT, "%s: response over the cap of %zu bytes", format, cap);
    else if (rc == CURLE_OPERATION_TIMEDOUT)
        st = dep_fail(err, DEP_ERR_NETWORK, "%s: timed out or stalled (%s)", format,
                      curl_easy_strerror(rc));
    else if (rc != CURLE_OK)
        st = dep_fail(err, DEP_ERR_NETWORK, "%s: %s", format, curl_easy_strerror(rc));
    else if (status != 200)
        st = dep_fail(err, status == 404 ? DEP_ERR_NOT_FOUND : DEP_ERR_NETWORK,
                      "%s: HTTP status %ld", format, status);
    if (st == DEP_OK) {
        char *ct = NULL;
        curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
        snprintf(ctype, ctype_cap, "%s", ct ? ct : "");
    } else {
        dep_buf_destroy(&body->buf);
    }
    return st;
}

static bool media_type_is(const char *ctype, const char *want)
{
    size_t n = strlen(want);
    return strncasecmp(ctype, want, n) == 0 &&
           (ctype[n] == '\0' || ctype[n] == ';' || ctype[n] == ' ');
}

/* The whole DAG as one CAR; *car receives the verified CAR for the cache. */
static dep_status fetch_car(gateway_conn *g, const dep_cid *cid, uint64_t max_bytes, uint8_t **file,
                            size_t *file_len, dep_buf *car, dep_error *err)
{
    http_body body;
    char ctype[128];
    size_t cap = (size_t)(max_bytes + CAR_OVERHEAD_BYTES(max_bytes));
    dep_status st =
        http_get(g, cid, "car", "application/vnd.ipld.car", cap, &body, ctype, sizeof ctype, err);
    if (st != DEP_OK)
        return st;
    if (media_type_is(ctype, "application/vnd.ipld.car")) {
        st = dep_car_verify(body.buf.data, body.buf.len, cid, max_bytes, file, file_len, err);
        if (st != DEP_OK)
            dep_error_prefix(err, "car");
    } else if (cid->codec == DEP_CODEC_RAW) {
        /* A plain answer is checkable only when it must be the one raw block itself. */
        st = dep_cid_verify_block(cid, body.buf.data, body.buf.len, err);
        if (st == DEP_OK && body.buf.len > max_bytes)
            st = dep_fail(err, DEP_ERR_LIMIT, "file over the cap of %llu bytes",
                          (unsigned long long)max_bytes);
        if (st == DEP_OK) {
            uint8_t *sec;
            size_t sec_len, hlen;
            uint8_t header[DEP_CAR_HEADER_MAX_BYTES];
            hlen = dep_car_header(cid, header, sizeof header);
            car->max = 0;
            st = dep_car_section(cid, body.buf.data, body.buf.len, &sec, &sec_len, err);
            if (st == DEP_OK) {
                if ((st = dep_buf_append(car, header, hlen, err)) == DEP_OK)
                    st = dep_buf_append(car, sec, sec_len, err);
                free(sec);
            }
        }
        if (st == DEP_OK) {
            *file = body.buf.data;
            *file_len = body.buf.len;
            if (*file == NULL && (*file = malloc(1)) == NULL)
                st = dep_fail(err, DEP_ERR_NOMEM, "out of memory");
            return st;
        }
        dep_error_prefix(err, "car: plain response");
    } else {
        st = dep_fail(err, DEP_ERR_MALFORMED,
                      "car: content type \"%.60s\" is not application/vnd.ipld.car", ctype);
    }
    if (st == DEP_OK) {
        *car = body.buf;
        return DEP_OK;
    }
    dep_buf_destroy(&body.buf);
    return st;
}

/* The DAG block by block: each block is checked against its CID on arrival, then the verified
 * blocks are assembled into a CAR in fetch order and judged by the same verifier. */
static dep_status fetch_blocks(gateway_conn *g, const dep_cid *root, uint64_t max_bytes,
                               uint8_t **file, size_t *file_len, dep_buf *car, dep_error *err)
{
    dep_cid *queue = NULL;
    size_t head = 0, tail = 0, qcap = 0;
    dep_cidmap seen = {0};
    dep_buf out = {.max = (size_t)(max_bytes + CAR_OVERHEAD_BYTES(max_bytes))};
    uint8_t header[DEP_CAR_HEADER_MAX_BYTES];
    char cs[DEP_CID_TEXT_MAX];
    bool added;
    dep_status st = dep_buf_append(&out, header, dep_car_header(root, header, sizeof header), err);
    if (st == DEP_OK)
        st = dep_cidmap_put(&seen, root, 0, &added, err);
    if (st == DEP_OK && (queue = malloc(sizeof *queue * (qcap = 16))) == NULL)
        st = dep_fail(err, DEP_ERR_NOMEM, "out of memory");
    if (st == DEP_OK)
        queue[tail++] = *root;
    while (st == DEP_OK && head < tail) {
        dep_cid cid = queue[head++];
        http_body body;
        char ctype[128];
        if (seen.count > DEP_CAR_MAX_BLOCKS) {
            st = dep_fail(err, DEP_ERR_LIMIT, "raw: dag has more than %d blocks",
                          DEP_CAR_MAX_BLOCKS);
            break;
        }
        st = http_get(g, &cid, "raw", "application/vnd.ipld.raw", DEP_BLOCK_MAX_BYTES, &body, ctype,
                      sizeof ctype, err);
        if (st != DEP_OK) {
            dep_error_prefix(err, "block %s", dep_cid_string(&cid, cs));
            break;
        }
        st = dep_cid_verify_block(&cid, body.buf.data, body.buf.len, err);
        if (st != DEP_OK)
            dep_error_prefix(err, "raw");
        uint8_t *sec = NULL;
        size_t sec_len = 0;
        if (st == DEP_OK)
            st = dep_car_section(&cid, body.buf.data, body.buf.len, &sec, &sec_len, err);
        if (st == DEP_OK && (st = dep_buf_append(&out, sec, sec_len, err)) == DEP_ERR_LIMIT)
            dep_fail(err, DEP_ERR_LIMIT, "raw: dag over the cap of %llu bytes",
                     (unsigned long long)max_bytes);
        free(sec);
        dep_pb_node node = {0};
        if (st == DEP_OK && cid.codec == DEP_CODEC_DAG_PB) {
            if ((st = dep_pb_decode(body.buf.data, body.buf.len, &node, err)) != DEP_OK)
                dep_error_prefix(err, "raw: block %s", cs);
            for (size_t i = 0; i < node.link_count && st == DEP_OK; i++) {
                const dep_cid *link = &node.links[i].cid;
                if (link->hash == DEP_HASH_IDENTITY)
                    continue;
                if ((st = dep_cidmap_put(&seen, link, 0, &added, err)) != DEP_OK || !added)
                    continue;
                if (tail == qcap) {
                    dep_cid *q = realloc(queue, sizeof *q * (qcap *= 2));
                    if (q == NULL) {
                        st = dep_fail(err, DEP_ERR_NOMEM, "out of memory");
                        break;
                    }
                    queue = q;
                }
                queue[tail++] = *link;
            }
            dep_pb_node_destroy(&node);
        }
        dep_buf_destroy(&body.buf);
    }
    free(queue);
    dep_cidmap_destroy(&seen);
    if (st == DEP_OK) {
        st = dep_car_verify(out.data, out.len, root, max_bytes, file, file_len, err);
        if (st != DEP_OK)
            dep_error_prefix(err, "raw");
    }
    if (st != DEP_OK) {
        dep_buf_destroy(&out);
        return st;
    }
    *car = out;
    return DEP_OK;
}

/* Appends "; reason" to the combined report of all gateways, cutting what does not fit. */
static void report_add(char *report, size_t cap, const char *gateway, const char *reason)
{
    size_t n = strlen(report);
    const char *parts[] = {n ? " | " : "", gateway, ": ", reason};
    for (size_t i = 0; i < 4; i++) {
        size_t m = strlen(parts[i]);
        if (m > cap - 1 - n)
            m = cap - 1 - n;
        memcpy(report + n, parts[i], m);
        n += m;
    }
    report[n] = '\0';
}

dep_status dep_fetch(const dep_fetch_options *opts, const dep_cid *cid, uint8_t **file,
                     size_t *file_len, const char **source, dep_error *err)
{
    uint64_t max_bytes = opts->max_bytes ? opts->max_bytes : DEP_MODULE_MAX_BYTES_DEFAULT;
    dep_error e = {0};
    char cs[DEP_CID_TEXT_MAX];
    if (opts->cache_dir != NULL) {
        dep_status st = dep_cache_load(opts->cache_dir, cid, max_bytes, file, file_len, &e);
        if (st == DEP_OK) {
            if (source)
                *source = "cache";
            return DEP_OK;
        }
        /* A damaged cache entry was removed; the gateways can still supply the module. */
    }
    if (opts->gateway_count == 0 || opts->gateway_count > DEP_MAX_GATEWAYS)
        return dep_fail(err, DEP_ERR_ARG, "fetch %s: %zu gateways (need 1..%d)",
                        dep_cid_string(cid, cs), opts->gateway_count, DEP_MAX_GATEWAYS);
    pthread_once(&curl_once, curl_init);
    if (curl_init_status != CURLE_OK)
        return dep_fail(err, DEP_ERR_NETWORK, "libcurl: %s", curl_easy_strerror(curl_init_status));
    CURL *curl = curl_easy_init();
    if (curl == NULL)
        return dep_fail(err, DEP_ERR_NOMEM, "libcurl: cannot create a handle");
    char report[sizeof e.message];
    report[0] = '\0';
    dep_status st = DEP_ERR_NETWORK;
    for (size_t i = 0; i < opts->gateway_count; i++) {
        gateway_conn g = {curl, opts, opts->gateways[i]};
        dep_buf car = {0};
        st = fetch_car(&g, cid, max_bytes, file, file_len, &car, &e);
        if (st != DEP_OK) {
            char car_reason[sizeof e.message];
            snprintf(car_reason, sizeof car_reason, "%s", e.message);
            st = fetch_blocks(&g, cid, max_bytes, file, file_len, &car, &e);
            if (st != DEP_OK) {
                char both[sizeof e.message];
                snprintf(both, sizeof both, "%.300s; then %.300s", car_reason, e.message);
                report_add(report, sizeof report, g.base, both);
                continue;
            }
        }
        if (opts->cache_dir != NULL &&
            dep_cache_store(opts->cache_dir, cid, car.data, car.len, &e) != DEP_OK) {
            /* The module is verified; a cache that cannot be written costs a refetch later. */
        }
        dep_buf_destroy(&car);
        if (source)
            *source = g.base;
        curl_easy_cleanup(curl);
        return DEP_OK;
    }
    curl_easy_cleanup(curl);
    return dep_fail(err, DEP_ERR_NETWORK, "fetch %s: every gateway failed: %s",
                    dep_cid_string(cid, cs), report);
}

struct dep_fetch_job {
    pthread_t thread;
    const dep_fetch_options *opts;
    dep_cid cid;
    dep_fetch_done_fn done;
    void *ctx;
};

static void *job_main(void *arg)
{
    dep_fetch_job *job = arg;
    uint8_t *file = NULL;
    size_t len = 0;
    dep_error e = {0};
    dep_status st = dep_fetch(job->opts, &job->cid, &file, &len, NULL, &e);
    job->done(job->ctx, st, st == DEP_OK ? file : NULL, st == DEP_OK ? len : 0, &e);
    return NULL;
}

dep_fetch_job *dep_fetch_job_new(const dep_fetch_options *opts, const dep_cid *cid,
                                 dep_fetch_done_fn done, void *ctx, dep_error *err)
{
    dep_fetch_job *job = calloc(1, sizeof *job);
    if (job == NULL) {
        dep_fail(err, DEP_ERR_NOMEM, "out of memory");
        return NULL;
    }
    *job = (dep_fetch_job){.opts = opts, .cid = *cid, .done = done, .ctx = ctx};
    int rc = pthread_create(&job->thread, NULL, job_main, job);
    if (rc != 0) {
        free(job);
        dep_fail(err, DEP_ERR_NOMEM, "cannot start a fetch thread: %s", strerror(rc));
        return NULL;
    }
    return job;
}

void dep_fetch_job_free(dep_fetch_job *job)
{
    if (job == NULL)
        return;
    pthread_join(job->thread, NULL);
    free(job);
}

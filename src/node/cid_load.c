/*
 * Loading modules named by CIDs (module_cid.h). An ensure of a CID the node does not hold yet
 * becomes a job with a thread of its own: the thread reads the disk cache (verified again) or
 * fetches from the gateways in order (verified), compiles the module into the node-wide manager
 * (which is thread-safe), indexes the blocks of its cached CAR for the node's own gateway, and
 * posts the job to a done list; a uv_async wakes the main loop, which joins the thread and calls
 * every waiter. The main loop therefore never waits on the network or on a compile. Jobs are
 * keyed by module id, so concurrent needs for one CID make one fetch. Failures are not
 * remembered: the next ensure tries again.
 *
 * The async handle is referenced only while jobs are in flight, so an idle loader never keeps a
 * loop alive, and a loop that is asked to stop still delivers the outcome of running jobs.
 */
#include "node/module_cid.h"

#include "deploy/deploy.h"

#include <jansson.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum {
    ERROR_BYTES = 1400, /* a job's failure: every gateway's reason, and a prefix */
    SOURCE_BYTES = NODE_MAX_URL_BYTES,
    CAR_INDEX_MAX_BLOCKS = 1 << 20,
    MAX_FAILED = 64, /* CIDs whose last load failed, shown by /modules (oldest dropped) */
};

typedef struct waiter {
    node_cid_done_fn done;
    void *ctx;
    struct waiter *next;
} waiter;

typedef struct job {
    node_cid_loader *l;
    char id[NODE_MAX_NAME_BYTES];
    dep_cid cid;
    edge_module_type type;
    waiter *waiters; /* loop thread only */
    bool thread_started;
    pthread_t thread;
    /* The settings as they were when the job started (the thread reads only these). */
    char gateways[NODE_MAX_GATEWAYS][NODE_MAX_URL_BYTES];
    dep_fetch_options opts;
    char cache_dir[NODE_MAX_MODULE_PATH_BYTES + 16];
    uint64_t cache_max_bytes;
    /* The outcome, written by the thread before it posts the job. */
    bool ok, from_cache, was_held;
    uint64_t bytes;
    char source[SOURCE_BYTES];
    char error[ERROR_BYTES];
    struct job *next;      /* l->jobs (loop thread) */
    struct job *done_next; /* l->done (under l->mu) */
} job;

/* A module the manager holds through this loader. */
typedef struct {
    char id[NODE_MAX_NAME_BYTES];
    edge_module_type type;
    char source[SOURCE_BYTES]; /* "cache" or the gateway's URL */
    uint64_t bytes;
    uint64_t loaded_unix;
} held_module;

/* A CID whose last load failed and that is not held: what /modules says about it. */
typedef struct {
    char id[NODE_MAX_NAME_BYTES];
    edge_module_type type;
    char error[ERROR_BYTES];
    uint64_t failed_unix;
} failed_module;

/* A block of a cached CAR, for the node's own gateway. */
typedef struct {
    uint8_t digest[DEP_SHA256_BYTES];
    uint32_t root; /* index into roots */
    uint32_t len;
    uint64_t offset; /* of the block's data in the CAR file */
} block_ref;

typedef struct {
    dep_cid cid; /* as cached (the CAR's root) */
    char path[NODE_MAX_MODULE_PATH_BYTES + 80];
} root_ref;

struct node_cid_loader {
    uv_loop_t *loop; /* NULL: synchronous loads only (checking a config) */
    edge_modules *mods;
    uv_async_t async;
    bool async_open, stopping;
    pthread_mutex_t mu; /* done list, and the block index */
    job *done;
    job *jobs; /* in flight; loop thread */
    size_t pending;
    /* settings (loop thread) */
    char gateways[NODE_MAX_GATEWAYS][NODE_MAX_URL_BYTES];
    size_t gateway_count;
    uint32_t connect_ms, total_ms, stall_ms;
    uint64_t cache_max_bytes, max_waf_bytes, max_fn_bytes;
    char cache_dir[NODE_MAX_MODULE_PATH_BYTES + 16];
    /* what is held (loop thread) */
    held_module *held;
    size_t held_count, held_cap;
    uint64_t fetches, cache_hits, failures;
    failed_module failed[MAX_FAILED];
    size_t failed_count;
    /* the block index (under mu) */
    root_ref *roots;
    size_t root_count, root_cap;
    block_ref *blocks;
    size_t block_count, block_cap;
};

bool node_cid_module_id(const char *cid_text, char id[NODE_MAX_NAME_BYTES], char *err)
{
    dep_cid c;
    dep_error e = {0};
    size_t len = strlen(cid_text);
    if (dep_cid_parse(cid_text, len, &c, &e) != DEP_OK) {
        snprintf(err, NODE_ERR_BYTES, "not a CID the node accepts: %.400s", e.message);
        return false;
    }
    if (c.hash != DEP_HASH_SHA2_256) {
        snprintf(err, NODE_ERR_BYTES,
                 "an identity CID inlines its bytes instead of naming them; a module is named "
                 "by a sha2-256 CID");
        return false;
    }
    char text[DEP_CID_TEXT_MAX];
    dep_cid_string(&c, text);
    if (strlen(text) >= NODE_MAX_NAME_BYTES) { /* cannot happen for sha2-256 with our codecs */
        snprintf(err, NODE_ERR_BYTES, "CID %.200s is too long for a module id", text);
        return false;
    }
    memcpy(id, text, strlen(text) + 1);
    return true;
}

/* ---- the block index ------------------------------------------------------------------------ */

/* Reads the whole file at path (at most cap bytes); NULL when it cannot. */
static bool grow(void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    size_t n = *cap ? *cap * 2 : 16;
    while (n < need)
        n *= 2;
    void *p = realloc(*arr, n * elem);
    if (p == NULL)
        return false;
    *arr = p;
    *cap = n;
    return true;
}

/* Records every sha2-256 block of the cached CAR of a job (verified by the cache load a moment
 * ago; the gateway verifies each block again before it serves it). A CAR that does not parse is
 * simply not indexed. */
static void index_car(node_cid_loader *l, const job *j)
{
    char path[sizeof((root_ref *)0)->path];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", j->cache_dir, j->id) >= sizeof path)
        return;
    size_t len = 0;
    uint64_t cap = j->opts.max_bytes + j->opts.max_bytes / 16 + 65536;
    uint8_t *car = node_read_file(path, cap, &len, NULL);
    if (car == NULL)
        return;
    dep_error e;
    uint64_t hlen;
    size_t used;
    size_t pos = 0;
    block_ref *found = NULL;
    size_t count = 0, found_cap = 0;
    bool ok = dep_varint_decode(car, len, &hlen, &used, &e) == DEP_OK && hlen <= len - used;
    pos = ok ? used + (size_t)hlen : len;
    while (ok && pos < len) {
        uint64_t slen;
        if (dep_varint_decode(car + pos, len - pos, &slen, &used, &e) != DEP_OK ||
            slen > len - pos - used) {
            ok = false;
            break;
        }
        size_t start = pos + used;
        dep_cid c;
        size_t clen;
        if (dep_cid_read(car + start, (size_t)slen, &c, &clen, &e) != DEP_OK) {
            ok = false;
            break;
        }
        if (c.hash == DEP_HASH_SHA2_256 && count < CAR_INDEX_MAX_BLOCKS &&
            grow((void **)&found, &found_cap, count + 1, sizeof *found)) {
            block_ref *b = &found[count++];
            memcpy(b->digest, c.digest, DEP_SHA256_BYTES);
            b->offset = start + clen;
            b->len = (uint32_t)(slen - clen);
        }
        pos = start + (size_t)slen;
    }
    free(car);
    if (ok) {
        pthread_mutex_lock(&l->mu);
        size_t r = 0;
        while (r < l->root_count && strcmp(l->roots[r].path, path) != 0)
            r++;
        if (r < l->root_count) { /* fetched again (the file was evicted): new offsets */
            size_t k = 0;
            for (size_t i = 0; i < l->block_count; i++)
                if (l->blocks[i].root != r)
                    l->blocks[k++] = l->blocks[i];
            l->block_count = k;
        }
        if (grow((void **)&l->roots, &l->root_cap, r + 1, sizeof *l->roots) &&
            grow((void **)&l->blocks, &l->block_cap, l->block_count + count, sizeof *l->blocks)) {
            l->roots[r].cid = j->cid;
            memcpy(l->roots[r].path, path, strlen(path) + 1);
            if (r == l->root_count)
                l->root_count++;
            for (size_t i = 0; i < count; i++) {
                found[i].root = (uint32_t)r;
                l->blocks[l->block_count++] = found[i];
            }
        }
        pthread_mutex_unlock(&l->mu);
    }
    free(found);
}

bool node_cid_find_car(node_cid_loader *l, const dep_cid *cid, dep_cid *root, char *path,
                       size_t cap)
{
    bool hit = false;
    pthread_mutex_lock(&l->mu);
    for (size_t r = 0; r < l->root_count && !hit; r++) {
        const dep_cid *c = &l->roots[r].cid;
        if (c->codec == cid->codec && c->hash == cid->hash && c->digest_len == cid->digest_len &&
            memcmp(c->digest, cid->digest, c->digest_len) == 0) {
            *root = *c;
            hit = snprintf(path, cap, "%s", l->roots[r].path) < (int)cap;
        }
    }
    pthread_mutex_unlock(&l->mu);
    return hit;
}

bool node_cid_find_block(node_cid_loader *l, const dep_cid *cid, char *path, size_t cap,
                         uint64_t *offset, uint32_t *len)
{
    if (cid->hash != DEP_HASH_SHA2_256 || cid->digest_len != DEP_SHA256_BYTES)
        return false;
    bool hit = false;
    pthread_mutex_lock(&l->mu);
    for (size_t i = l->block_count; i-- > 0 && !hit;) {
        const block_ref *b = &l->blocks[i];
        if (memcmp(b->digest, cid->digest, DEP_SHA256_BYTES) != 0)
            continue;
        *offset = b->offset;
        *len = b->len;
        hit = snprintf(path, cap, "%s", l->roots[b->root].path) < (int)cap;
    }
    pthread_mutex_unlock(&l->mu);
    return hit;
}

/* ---- jobs ------------------------------------------------------------------------------------ */

static void post(node_cid_loader *l, job *j)
{
    pthread_mutex_lock(&l->mu);
    j->done_next = l->done;
    l->done = j;
    pthread_mutex_unlock(&l->mu);
    if (l->async_open)
        uv_async_send(&l->async);
}

/* Fetch (cache or gateways), verify, compile; the outcome into j. Runs on the job's thread, or
 * on the caller's when there is no loop. */
static void run_job(job *j)
{
    node_cid_loader *l = j->l;
    uint8_t *file = NULL;
    size_t len = 0;
    const char *source = NULL;
    dep_error e = {0};
    dep_status st = dep_fetch(&j->opts, &j->cid, &file, &len, &source, &e);
    if (st != DEP_OK) {
        if (j->opts.gateway_count == 0)
            snprintf(j->error, sizeof j->error,
                     "module %s: not in the module cache %s and no gateways are configured "
                     "(ipfs.gateways)",
                     j->id, j->cache_dir);
        else
            snprintf(j->error, sizeof j->error, "%s", e.message);
        return;
    }
    j->from_cache = strcmp(source, "cache") == 0;
    snprintf(j->source, sizeof j->source, "%s", source);
    j->bytes = len;
    char why[400];
    int rc = edge_modules_load(l->mods, j->id, j->type, file, len, why, sizeof why);
    free(file);
    if (rc != 0) {
        snprintf(j->error, sizeof j->error, "module %s (verified, from %.300s): %s", j->id,
                 j->source, why);
        return;
    }
    j->ok = true;
    if (!j->from_cache && j->cache_max_bytes > 0)
        dep_cache_evict(j->cache_dir, j->cache_max_bytes, NULL, &e);
    index_car(l, j);
}

static void *job_main(void *arg)
{
    job *j = arg;
    run_job(j);
    post(j->l, j);
    return NULL;
}

static held_module *find_held(node_cid_loader *l, const char *id)
{
    for (size_t i = 0; i < l->held_count; i++)
        if (strcmp(l->held[i].id, id) == 0)
            return &l->held[i];
    return NULL;
}

/* Records a job's outcome in the counters and the held list (loop thread). */
static void account(node_cid_loader *l, const job *j)
{
    if (j->was_held)
        return;
    size_t f = 0;
    while (f < l->failed_count && strcmp(l->failed[f].id, j->id) != 0)
        f++;
    if (f < l->failed_count) { /* forget the old failure of this CID */
        memmove(&l->failed[f], &l->failed[f + 1], (l->failed_count - f - 1) * sizeof l->failed[0]);
        l->failed_count--;
    }
    if (!j->ok) {
        l->failures++;
        if (l->failed_count == MAX_FAILED) {
            memmove(&l->failed[0], &l->failed[1], (MAX_FAILED - 1) * sizeof l->failed[0]);
            l->failed_count--;
        }
        failed_module *m = &l->failed[l->failed_count++];
        snprintf(m->id, sizeof m->id, "%s", j->id);
        m->type = j->type;
        snprintf(m->error, sizeof m->error, "%s", j->error);
        m->failed_unix = (uint64_t)time(NULL);
        return;
    }
    if (j->from_cache)
        l->cache_hits++;
    else
        l->fetches++;
    held_module *h = find_held(l, j->id);
    if (h == NULL && grow((void **)&l->held, &l->held_cap, l->held_count + 1, sizeof *l->held)) {
        h = &l->held[l->held_count++];
        memset(h, 0, sizeof *h);
        snprintf(h->id, sizeof h->id, "%s", j->id);
        h->type = j->type;
    }
    if (h != NULL) {
        snprintf(h->source, sizeof h->source, "%s", j->source);
        h->bytes = j->bytes;
        h->loaded_unix = (uint64_t)time(NULL);
    }
}

static void finish_job(node_cid_loader *l, job *j)
{
    if (j->thread_started)
        pthread_join(j->thread, NULL);
    for (job **p = &l->jobs; *p != NULL; p = &(*p)->next) {
        if (*p == j) {
            *p = j->next;
            break;
        }
    }
    l->pending--;
    account(l, j);
    if (!j->was_held) {
        if (j->ok)
            node_say("aegis-node: event=cid_module_loaded module=%s source=%.300s bytes=%llu",
                     j->id, j->source, (unsigned long long)j->bytes);
        else
            node_say("aegis-node: event=cid_module_failed module=%s error=\"%s\"", j->id, j->error);
    }
    /* Waiters may ask for more; the job is already off the list. */
    for (waiter *w = j->waiters, *n; w != NULL; w = n) {
        n = w->next;
        w->done(w->ctx, j->id, j->ok, j->ok ? "" : j->error);
        free(w);
    }
    free(j);
}

static void on_close(uv_handle_t *h)
{
    (void)h;
}

static void on_async(uv_async_t *a)
{
    node_cid_loader *l = a->data;
    for (;;) {
        pthread_mutex_lock(&l->mu);
        job *list = l->done;
        l->done = NULL;
        pthread_mutex_unlock(&l->mu);
        if (list == NULL)
            break;
        /* Oldest first, as posted. */
        job *rev = NULL;
        while (list != NULL) {
            job *n = list->done_next;
            list->done_next = rev;
            rev = list;
            list = n;
        }
        while (rev != NULL) {
            job *n = rev->done_next;
            finish_job(l, rev);
            rev = n;
        }
    }
    if (l->pending == 0) {
        uv_unref((uv_handle_t *)&l->async);
        if (l->stopping && l->async_open) {
            l->async_open = false;
            uv_close((uv_handle_t *)&l->async, on_close);
        }
    }
}

node_cid_loader *node_cid_loader_new(uv_loop_t *loop, edge_modules *mods, char *err)
{
    node_cid_loader *l = calloc(1, sizeof *l);
    if (l == NULL) {
        snprintf(err, NODE_ERR_BYTES, "out of memory");
        return NULL;
    }
    l->loop = loop;
    l->mods = mods;
    pthread_mutex_init(&l->mu, NULL);
    if (loop != NULL) {
        int rc = uv_async_init(loop, &l->async, on_async);
        if (rc != 0) {
            snprintf(err, NODE_ERR_BYTES, "module loader: %s", uv_strerror(rc));
            pthread_mutex_destroy(&l->mu);
            free(l);
            return NULL;
        }
        l->async.data = l;
        l->async_open = true;
        uv_unref((uv_handle_t *)&l->async);
    }
    return l;
}

void node_cid_loader_configure(node_cid_loader *l, const node_config *cfg)
{
    l->gateway_count = cfg->ipfs.gateway_count;
    for (size_t i = 0; i < l->gateway_count; i++)
        snprintf(l->gateways[i], sizeof l->gateways[i], "%s", cfg->ipfs.gateways[i]);
    l->connect_ms = cfg->ipfs.connect_timeout_ms;
    l->total_ms = cfg->ipfs.total_timeout_ms;
    l->stall_ms = cfg->ipfs.stall_timeout_ms;
    l->cache_max_bytes = cfg->ipfs.cache_max_bytes;
    l->max_waf_bytes = cfg->ipfs.max_waf_module_bytes;
    l->max_fn_bytes = cfg->ipfs.max_function_module_bytes;
    snprintf(l->cache_dir, sizeof l->cache_dir, "%s/modules", cfg->state_dir);
}

void node_cid_loader_stop(node_cid_loader *l)
{
    if (l == NULL || l->loop == NULL)
        return;
    l->stopping = true;
    if (l->pending == 0 && l->async_open) {
        l->async_open = false;
        uv_close((uv_handle_t *)&l->async, on_close);
    }
}

void node_cid_loader_free(node_cid_loader *l)
{
    if (l == NULL)
        return;
    /* Jobs still running (a start-up that failed before the loop ran them out): join them. */
    for (job *j = l->jobs, *n; j != NULL; j = n) {
        n = j->next;
        if (j->thread_started)
            pthread_join(j->thread, NULL);
        for (waiter *w = j->waiters, *wn; w != NULL; w = wn) {
            wn = w->next;
            free(w);
        }
        free(j);
    }
    pthread_mutex_destroy(&l->mu);
    free(l->held);
    free(l->roots);
    free(l->blocks);
    free(l);
}

static job *job_new(node_cid_loader *l, const char *id, const dep_cid *cid, edge_module_type type)
{
    job *j = calloc(1, sizeof *j);
    if (j == NULL)
        return NULL;
    j->l = l;
    snprintf(j->id, sizeof j->id, "%s", id);
    j->cid = *cid;
    j->type = type;
    for (size_t i = 0; i < l->gateway_count; i++) {
        memcpy(j->gateways[i], l->gateways[i], sizeof j->gateways[i]);
        j->opts.gateways[i] = j->gateways[i];
    }
    j->opts.gateway_count = l->gateway_count;
    j->opts.connect_timeout_ms = l->connect_ms;
    j->opts.total_timeout_ms = l->total_ms;
    j->opts.stall_timeout_ms = l->stall_ms;
    j->opts.max_bytes = type == EDGE_MODULE_WAF ? l->max_waf_bytes : l->max_fn_bytes;
    memcpy(j->cache_dir, l->cache_dir, sizeof j->cache_dir);
    j->opts.cache_dir = j->cache_dir;
    j->cache_max_bytes = l->cache_max_bytes;
    return j;
}

static bool parse_id(const char *cid_text, char id[NODE_MAX_NAME_BYTES], dep_cid *cid, char *err)
{
    if (!node_cid_module_id(cid_text, id, err))
        return false;
    dep_error e;
    return dep_cid_parse(id, strlen(id), cid, &e) == DEP_OK;
}

static const char *type_name(edge_module_type t)
{
    return t == EDGE_MODULE_WAF ? "WAF" : "function";
}

int node_cid_loader_ensure(node_cid_loader *l, const char *cid_text, edge_module_type type,
                           node_cid_done_fn done, void *ctx, char *err)
{
    char id[NODE_MAX_NAME_BYTES];
    dep_cid cid;
    if (!parse_id(cid_text, id, &cid, err))
        return -1;
    if (l->loop == NULL || !l->async_open) {
        snprintf(err, NODE_ERR_BYTES, "module %s: the node is not running (or stopping)", id);
        return -1;
    }
    const held_module *h = find_held(l, id);
    if (h != NULL && h->type != type) {
        snprintf(err, NODE_ERR_BYTES, "module %s is loaded as a %s; it cannot also be a %s", id,
                 type_name(h->type), type_name(type));
        return -1;
    }
    job *j = l->jobs;
    while (j != NULL && strcmp(j->id, id) != 0)
        j = j->next;
    if (j != NULL && j->type != type) {
        snprintf(err, NODE_ERR_BYTES, "module %s is being loaded as a %s; it cannot also be a %s",
                 id, type_name(j->type), type_name(type));
        return -1;
    }
    waiter *w = calloc(1, sizeof *w);
    if (w == NULL) {
        snprintf(err, NODE_ERR_BYTES, "out of memory");
        return -1;
    }
    w->done = done;
    w->ctx = ctx;
    if (j != NULL) { /* one fetch for every need of one CID */
        w->next = j->waiters;
        j->waiters = w;
        return 0;
    }
    j = job_new(l, id, &cid, type);
    if (j == NULL) {
        free(w);
        snprintf(err, NODE_ERR_BYTES, "out of memory");
        return -1;
    }
    j->waiters = w;
    j->next = l->jobs;
    l->jobs = j;
    l->pending++;
    uv_ref((uv_handle_t *)&l->async);
    if (h != NULL && edge_modules_generation(l->mods, id) > 0) {
        j->ok = j->was_held = true;
        post(l, j);
        return 0;
    }
    int rc = pthread_create(&j->thread, NULL, job_main, j);
    if (rc != 0) {
        snprintf(j->error, sizeof j->error, "module %s: cannot start a fetch thread: %s", id,
                 strerror(rc));
        post(l, j); /* reported through done, like any failure */
        return 0;
    }
    j->thread_started = true;
    return 0;
}

int node_cid_loader_load_sync(node_cid_loader *l, const char *cid_text, edge_module_type type,
                              char *err)
{
    char id[NODE_MAX_NAME_BYTES];
    dep_cid cid;
    if (!parse_id(cid_text, id, &cid, err))
        return -1;
    if (edge_modules_generation(l->mods, id) > 0)
        return 0;
    job *j = job_new(l, id, &cid, type);
    if (j == NULL) {
        snprintf(err, NODE_ERR_BYTES, "out of memory");
        return -1;
    }
    run_job(j);
    account(l, j);
    int rc = j->ok ? 0 : -1;
    if (!j->ok)
        snprintf(err, NODE_ERR_BYTES, "%.*s", NODE_ERR_BYTES - 1, j->error);
    free(j);
    return rc;
}

size_t node_cid_loader_pending(const node_cid_loader *l)
{
    return l->pending;
}

bool node_cid_loader_source(const node_cid_loader *l, const char *id, const char **source,
                            uint64_t *bytes)
{
    for (size_t i = 0; i < l->held_count; i++) {
        if (strcmp(l->held[i].id, id) == 0) {
            *source = l->held[i].source;
            *bytes = l->held[i].bytes;
            return true;
        }
    }
    return false;
}

char *node_cid_render_prometheus(const node_cid_loader *l)
{
    char *out = malloc(1024);
    if (out == NULL)
        return NULL;
    snprintf(out, 1024,
             "# HELP aegis_node_cid_fetches_total Modules fetched from a gateway and verified.\n"
             "# TYPE aegis_node_cid_fetches_total counter\n"
             "aegis_node_cid_fetches_total %llu\n"
             "# HELP aegis_node_cid_cache_hits_total Modules loaded from the disk cache.\n"
             "# TYPE aegis_node_cid_cache_hits_total counter\n"
             "aegis_node_cid_cache_hits_total %llu\n"
             "# HELP aegis_node_cid_failures_total Module loads by CID that failed (fetch, "
             "verification or compile).\n"
             "# TYPE aegis_node_cid_failures_total counter\n"
             "aegis_node_cid_failures_total %llu\n"
             "# HELP aegis_node_cid_modules Modules by CID the node holds.\n"
             "# TYPE aegis_node_cid_modules gauge\n"
             "aegis_node_cid_modules %zu\n",
             (unsigned long long)l->fetches, (unsigned long long)l->cache_hits,
             (unsigned long long)l->failures, l->held_count);
    return out;
}

char *node_cid_modules_json(const node_cid_loader *l, const char *edge_json)
{
    json_error_t je;
    json_t *arr = json_loads(edge_json, 0, &je);
    if (arr == NULL || !json_is_array(arr)) {
        json_decref(arr);
        return strdup(edge_json);
    }
    size_t i;
    json_t *m;
    json_array_foreach(arr, i, m)
    {
        const char *id = json_string_value(json_object_get(m, "id"));
        const char *source;
        uint64_t bytes;
        if (id == NULL || !node_cid_loader_source(l, id, &source, &bytes))
            continue;
        json_object_set_new(m, "cid", json_string(id));
        json_object_set_new(m, "source", json_string(source));
        json_object_set_new(m, "bytes", json_integer((json_int_t)bytes));
    }
    /* CIDs that failed and are not loaded: the reason, for whoever asks the admin API. */
    for (size_t f = 0; f < l->failed_count; f++) {
        const failed_module *fm = &l->failed[f];
        json_t *o = json_pack("{s:s, s:s, s:s, s:b, s:s, s:I}", "id", fm->id, "cid", fm->id, "type",
                              fm->type == EDGE_MODULE_WAF ? "waf" : "function", "loaded", 0,
                              "last_error", fm->error, "failed_unix", (json_int_t)fm->failed_unix);
        if (o != NULL)
            json_array_append_new(arr, o);
    }
    char *out = json_dumps(arr, JSON_COMPACT);
    json_decref(arr);
    return out;
}

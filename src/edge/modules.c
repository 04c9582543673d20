/*
 * The module manager: module ids, each pointing at its current compiled version. A version is
 * refcounted: the manager holds one reference to the current version and every per-worker slot
 * holds one to the version its instance came from, so a reload only swaps the manager's pointer
 * (under the lock) and the old version is freed when the last worker moves on. A new version is
 * checked completely (decode, validate, ABI exports, a trial instantiation with _initialize)
 * before it is published; a failure leaves the running version in place and says why.
 */
#include "edge_int.h"

#include <errno.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Largest module file accepted, so a wrong path cannot make the node read a huge file. */
#define EDGE_MAX_MODULE_FILE_BYTES (64u * 1024 * 1024)

static void log_stderr(void *data, const char *line)
{
    (void)data;
    fprintf(stderr, "%s\n", line);
}

void edge_log(edge_modules *mods, const char *fmt, ...)
{
    char line[EDGE_MAX_LOG_BYTES + 512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    mods->log(mods->log_data, line);
}

edge_limits edge_limits_resolve(edge_module_type type, const edge_limits *over)
{
    edge_limits l;
    if (type == EDGE_MODULE_WAF)
        /* fuel: what the WAF needs to inspect its default max_inspect_bytes (64 KiB) of
         * prose-like values, with margin (docs/WAF.md, "Limits") */
        l = (edge_limits){.fuel = 25000000, .deadline_ms = 10, .max_memory_bytes = 10000000};
    else
        l = (edge_limits){.fuel = 0, .deadline_ms = 50, .max_memory_bytes = 50000000};
    if (over != NULL) {
        if (over->fuel)
            l.fuel = over->fuel;
        if (over->deadline_ms)
            l.deadline_ms = over->deadline_ms;
        if (over->max_memory_bytes)
            l.max_memory_bytes = over->max_memory_bytes;
    }
    return l;
}

edge_modules *edge_modules_new(edge_log_fn log, void *log_data)
{
    if (sodium_init() < 0)
        return NULL;
    edge_modules *m = calloc(1, sizeof *m);
    if (m == NULL)
        return NULL;
    pthread_mutex_init(&m->mu, NULL);
    m->log = log ? log : log_stderr;
    m->log_data = log_data;
    atomic_init(&m->failure_log_interval_ms, EDGE_FAILURE_LOG_INTERVAL_MS);
    return m;
}

void edge_modules_set_failure_log_interval(edge_modules *m, uint64_t interval_ms)
{
    atomic_store(&m->failure_log_interval_ms, interval_ms);
}

void edge_version_release(edge_version *v)
{
    if (v != NULL && atomic_fetch_sub(&v->refs, 1) == 1) {
        eng_module_free(v->module);
        free(v);
    }
}

void edge_modules_free(edge_modules *m)
{
    if (m == NULL)
        return;
    for (edge_entry *e = m->entries, *n; e; e = n) {
        n = e->next;
        edge_version_release(e->current);
        free(e->id);
        free(e->path);
        free(e);
    }
    pthread_mutex_destroy(&m->mu);
    free(m);
}

edge_entry *edge_modules_find(edge_modules *m, const char *id)
{
    pthread_mutex_lock(&m->mu);
    edge_entry *e = m->entries;
    while (e != NULL && strcmp(e->id, id) != 0)
        e = e->next;
    pthread_mutex_unlock(&m->mu);
    return e;
}

edge_version *edge_entry_acquire(edge_modules *m, edge_entry *e)
{
    pthread_mutex_lock(&m->mu);
    edge_version *v = e->current;
    if (v != NULL)
        atomic_fetch_add(&v->refs, 1);
    pthread_mutex_unlock(&m->mu);
    return v;
}

static void sha256_hex(const uint8_t *bytes, size_t len, char out[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, bytes, len);
    sodium_bin2hex(out, 65, h, sizeof h);
}

/* Records a failed load on an existing entry and logs it. */
static int load_failed(edge_modules *m, const char *id, char *err, size_t errlen, const char *msg)
{
    snprintf(err, errlen, "%s", msg);
    edge_entry *e = edge_modules_find(m, id);
    if (e != NULL) {
        pthread_mutex_lock(&m->mu);
        snprintf(e->last_error, sizeof e->last_error, "%s", msg);
        pthread_mutex_unlock(&m->mu);
    }
    edge_log(m, "event=module_load_failed module=%s keeps=%s error=\"%s\"", id,
             e && e->current ? e->current->hash : "none", msg);
    return -1;
}

static int load(edge_modules *m, const char *id, edge_module_type type, const uint8_t *bytes,
                size_t len, const char *path, char *err, size_t errlen)
{
    char msg[320];
    char hash[65];
    sha256_hex(bytes, len, hash);
    edge_entry *e = edge_modules_find(m, id);
    if (e != NULL && e->type != type) {
        snprintf(msg, sizeof msg, "edge: module %s: is a %s, cannot be reloaded as a %s", id,
                 e->type == EDGE_MODULE_WAF ? "waf" : "function",
                 type == EDGE_MODULE_WAF ? "waf" : "function");
        return load_failed(m, id, err, errlen, msg);
    }
    if (e != NULL) {
        pthread_mutex_lock(&m->mu);
        bool same = e->current != NULL && strcmp(e->current->hash, hash) == 0;
        if (same)
            e->last_error[0] = '\0';
        pthread_mutex_unlock(&m->mu);
        if (same)
            return 0;
    }
    eng_error ee;
    eng_module *mod = eng_module_new(bytes, len, &ee);
    if (mod == NULL) {
        snprintf(msg, sizeof msg, "edge: module %s: %s: %s", id, eng_status_name(ee.status),
                 ee.message);
        return load_failed(m, id, err, errlen, msg);
    }
    char why[256];
    edge_limits lim = edge_limits_resolve(type, NULL);
    eng_instance *trial = NULL;
    if (!edge_check_exports(mod, type, why, sizeof why) ||
        (trial = edge_instantiate(NULL, mod, &lim, why, sizeof why)) == NULL) {
        eng_module_free(mod);
        snprintf(msg, sizeof msg, "edge: module %s: %s", id, why);
        return load_failed(m, id, err, errlen, msg);
    }
    eng_instance_free(trial);

    edge_version *v = calloc(1, sizeof *v);
    if (v == NULL) {
        eng_module_free(mod);
        return load_failed(m, id, err, errlen, "edge: out of memory");
    }
    atomic_init(&v->refs, 1);
    v->module = mod;
    memcpy(v->hash, hash, sizeof hash);
    v->loaded_unix = (uint64_t)time(NULL);

    pthread_mutex_lock(&m->mu);
    if (e == NULL) { /* a concurrent first load of the same id may have won the race */
        e = m->entries;
        while (e != NULL && strcmp(e->id, id) != 0)
            e = e->next;
    }
    if (e == NULL) {
        e = calloc(1, sizeof *e);
        if (e == NULL || (e->id = strdup(id)) == NULL) {
            pthread_mutex_unlock(&m->mu);
            free(e);
            edge_version_release(v);
            return load_failed(m, id, err, errlen, "edge: out of memory");
        }
        e->owner = m;
        e->type = type;
        e->next = m->entries;
        m->entries = e;
    }
    if (path != NULL && (e->path == NULL || strcmp(e->path, path) != 0)) {
        char *p = strdup(path);
        if (p != NULL) {
            free(e->path);
            e->path = p;
        }
    }
    edge_version *old = e->current;
    v->generation = ++e->generation;
    e->current = v;
    e->last_error[0] = '\0';
    pthread_mutex_unlock(&m->mu);
    edge_version_release(old);
    edge_log(m, "event=module_loaded module=%s type=%s sha256=%s generation=%llu", id,
             type == EDGE_MODULE_WAF ? "waf" : "function", hash, (unsigned long long)v->generation);
    return 0;
}

int edge_modules_load(edge_modules *m, const char *id, edge_module_type type, const uint8_t *bytes,
                      size_t len, char *err, size_t errlen)
{
    return load(m, id, type, bytes, len, NULL, err, errlen);
}

int edge_modules_load_file(edge_modules *m, const char *id, edge_module_type type, const char *path,
                           char *err, size_t errlen)
{
    char msg[320];
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(msg, sizeof msg, "edge: module %s: %s: %s", id, path, strerror(errno));
        return load_failed(m, id, err, errlen, msg);
    }
    size_t cap = 65536, len = 0;
    uint8_t *buf = malloc(cap);
    size_t n;
    while (buf != NULL && (n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            if (cap >= EDGE_MAX_MODULE_FILE_BYTES)
                break;
            uint8_t *nb = realloc(buf, cap * 2);
            if (nb == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    bool too_big = buf != NULL && len == cap && fgetc(f) != EOF;
    bool ioerr = ferror(f);
    fclose(f);
    if (buf == NULL || too_big || ioerr) {
        free(buf);
        snprintf(msg, sizeof msg, "edge: module %s: %s: %s", id, path,
                 buf == NULL ? "out of memory"
                 : too_big   ? "larger than the 64 MiB module limit"
                             : "read error");
        return load_failed(m, id, err, errlen, msg);
    }
    int r = load(m, id, type, buf, len, path, err, errlen);
    free(buf);
    return r;
}

int edge_modules_reload_all(edge_modules *m)
{
    int failed = 0;
    pthread_mutex_lock(&m->mu);
    edge_entry *first = m->entries; /* entries are only ever prepended, never removed */
    pthread_mutex_unlock(&m->mu);
    for (edge_entry *e = first; e; e = e->next) {
        pthread_mutex_lock(&m->mu);
        char *path = e->path ? strdup(e->path) : NULL;
        pthread_mutex_unlock(&m->mu);
        if (path == NULL)
            continue;
        char err[320];
        failed += edge_modules_load_file(m, e->id, e->type, path, err, sizeof err) != 0;
        free(path);
    }
    return failed;
}

bool edge_modules_hash(edge_modules *m, const char *id, char out[65])
{
    edge_entry *e = edge_modules_find(m, id);
    if (e == NULL)
        return false;
    pthread_mutex_lock(&m->mu);
    memcpy(out, e->current->hash, 65);
    pthread_mutex_unlock(&m->mu);
    return true;
}

uint64_t edge_modules_generation(edge_modules *m, const char *id)
{
    edge_entry *e = edge_modules_find(m, id);
    if (e == NULL)
        return 0;
    pthread_mutex_lock(&m->mu);
    uint64_t g = e->generation;
    pthread_mutex_unlock(&m->mu);
    return g;
}

/*
 * Our WAF against the standard open-source one, in the same run, on our labelled corpora
 * (tests/waf/corpus/): ModSecurity v3 (Debian's libmodsecurity3) with the OWASP Core Rule Set
 * (Debian's modsecurity-crs) at paranoia level 1, anomaly threshold 5, in blocking mode — the
 * configuration the issue names. For each attack class: share blocked by each; for the benign
 * corpus: share wrongly blocked; for all requests: median and p99 time per request (native, one
 * thread). Usage: waf_vs_crs [SOURCE_ROOT]   (default ".")
 */
#include "../../guest/waf/waf.h"
#include "../../guest/waf/waf_int.h"
#include "../../tests/waf/corpus.h"
#include "test.h"

#include <glob.h>
#include <modsecurity/intervention.h>
#include <modsecurity/modsecurity.h>
#include <modsecurity/rules_set.h>
#include <modsecurity/transaction.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void bench_set_root(const char *dir);

/* The usual blocking deployment of CRS 3.3: engine on, bodies inspected (JSON and XML through
 * their processors, as ModSecurity's recommended configuration does), deny with 403. */
static const char crs_setup[] =
    "SecRuleEngine On\n"
    "SecRequestBodyAccess On\n"
    "SecRequestBodyLimit 13107200\n"
    "SecRequestBodyNoFilesLimit 131072\n"
    "SecRequestBodyLimitAction ProcessPartial\n"
    "SecAuditEngine Off\n"
    "SecRule REQUEST_HEADERS:Content-Type \"^(?:application(?:/soap\\+|/)|text/)xml\" "
    "\"id:200000,phase:1,t:none,t:lowercase,pass,nolog,ctl:requestBodyProcessor=XML\"\n"
    "SecRule REQUEST_HEADERS:Content-Type \"^application/json\" "
    "\"id:200001,phase:1,t:none,t:lowercase,pass,nolog,ctl:requestBodyProcessor=JSON\"\n"
    "SecDefaultAction \"phase:1,log,auditlog,deny,status:403\"\n"
    "SecDefaultAction \"phase:2,log,auditlog,deny,status:403\"\n"
    "SecAction \"id:900990,phase:1,nolog,pass,t:none,setvar:tx.crs_setup_version=334\"\n";

#define CRS_RULES_GLOB "/usr/share/modsecurity-crs/rules/REQUEST-*.conf"

/* WAF_VS_CRS_LOG=1 prints ModSecurity's rule messages (to see why it blocks a request). */
static bool show_log;
/* WAF_VS_CRS_MISSES=1 lists the attacks our WAF lets through and the benign requests it blocks. */
static bool show_misses;

static void quiet_log(void *data, const void *msg)
{
    (void)data;
    if (show_log)
        fprintf(stderr, "modsec: %.300s\n", (const char *)msg);
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

typedef struct timing {
    uint64_t *ns;
    size_t n, cap;
} timing;

static void timing_add(timing *t, uint64_t v)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 4096;
        t->ns = realloc(t->ns, t->cap * sizeof *t->ns);
        if (t->ns == NULL)
            exit(1);
    }
    t->ns[t->n++] = v;
}

static void timing_print(const char *who, timing *t)
{
    qsort(t->ns, t->n, sizeof *t->ns, cmp_u64);
    printf("  %-22s median %9.1f us   p99 %9.1f us   (%zu requests)\n", who,
           (double)t->ns[t->n / 2] / 1e3, (double)t->ns[t->n * 99 / 100] / 1e3, t->n);
}

/* Runs one request document through ModSecurity; true when it is denied. */
static bool crs_blocks(ModSecurity *ms, RulesSet *rules, const char *doc, size_t len)
{
    arena a;
    arena_init(&a);
    char err[128];
    jnode *root = json_parse(&a, doc, len, err, sizeof err);
    bool blocked = false;
    if (root == NULL) {
        arena_destroy(&a);
        return false;
    }
    const jnode *m = json_get(root, "method"), *u = json_get(root, "uri");
    const jnode *hs = json_get(root, "headers"), *b = json_get(root, "body");
    const jnode *b64 = json_get(root, "body_base64");
    Transaction *t = msc_new_transaction(ms, rules, NULL);
    msc_process_connection(t, "203.0.113.7", 40000, "127.0.0.1", 80);
    char *uri = strndup(u->str, u->len), *method = strndup(m->str, m->len);
    msc_process_uri(t, uri, method, "1.1");
    if (hs != NULL && hs->type == J_ARRAY)
        for (const jnode *h = hs->child; h != NULL; h = h->next)
            if (h->type == J_ARRAY && h->count == 2 && h->child->type == J_STRING &&
                h->child->next->type == J_STRING)
                msc_add_n_request_header(t, (const unsigned char *)h->child->str, h->child->len,
                                         (const unsigned char *)h->child->next->str,
                                         h->child->next->len);
    msc_process_request_headers(t);
    if (b64 != NULL && b64->type == J_STRING && b64->len > 0) {
        char *d = malloc(b64->len);
        size_t dl;
        if (d != NULL && base64_decode(b64->str, b64->len, d, &dl))
            msc_append_request_body(t, (const unsigned char *)d, dl);
        free(d);
    } else if (b != NULL && b->type == J_STRING && b->len > 0) {
        msc_append_request_body(t, (const unsigned char *)b->str, b->len);
    }
    msc_process_request_body(t);
    ModSecurityIntervention it = {.status = 200};
    if (msc_intervention(t, &it) && it.disruptive)
        blocked = true;
    free(it.url);
    free(it.log);
    msc_process_logging(t);
    msc_transaction_cleanup(t);
    free(uri);
    free(method);
    arena_destroy(&a);
    return blocked;
}

int main(int argc, char **argv)
{
    bench_set_root(argc > 1 ? argv[1] : ".");
    show_log = getenv("WAF_VS_CRS_LOG") != NULL;
    show_misses = getenv("WAF_VS_CRS_MISSES") != NULL;
    ModSecurity *ms = msc_init();
    msc_set_log_cb(ms, quiet_log);
    RulesSet *rules = msc_create_rules_set();
    const char *error = NULL;
    if (msc_rules_add(rules, crs_setup, &error) < 0) {
        fprintf(stderr, "waf_vs_crs: setup: %s\n", error);
        return 1;
    }
    glob_t g;
    if (glob(CRS_RULES_GLOB, 0, NULL, &g) != 0 || g.gl_pathc == 0) {
        fprintf(stderr, "waf_vs_crs: no CRS rules at %s (install modsecurity-crs)\n",
                CRS_RULES_GLOB);
        return 1;
    }
    for (size_t i = 0; i < g.gl_pathc; i++)
        if (msc_rules_add_file(rules, g.gl_pathv[i], &error) < 0) {
            fprintf(stderr, "waf_vs_crs: %s: %s\n", g.gl_pathv[i], error);
            return 1;
        }
    globfree(&g);
    const char *one = getenv("WAF_VS_CRS_ONE");
    if (one != NULL) {
        /* one request document, for looking into a verdict */
        printf("ModSecurity + CRS: %s\n",
               crs_blocks(ms, rules, one, strlen(one)) ? "blocked" : "passed");
        return 0;
    }
    waf *w = waf_new(NULL);
    timing t_ours = {0}, t_crs = {0};
    printf("%-10s %8s %12s %12s\n", "class", "requests", "AEGIS WAF", "ModSec+CRS");
    size_t all = 0, all_ours = 0, all_crs = 0;
    for (const char *const *cls = corpus_classes; *cls != NULL; cls++) {
        char rel[128];
        snprintf(rel, sizeof rel, "tests/waf/corpus/attack/%s.txt", *cls);
        corpus c = {0};
        corpus_load(&c, test_src_path(rel), true);
        size_t ours = 0, crs = 0;
        for (size_t i = 0; i < c.count; i++) {
            uint64_t t0 = now_ns();
            const waf_result *r = waf_analyze(w, (const uint8_t *)c.reqs[i].doc, c.reqs[i].len);
            ours += r->blocked;
            uint64_t t1 = now_ns();
            if (show_misses && !r->blocked)
                fprintf(stderr, "AEGIS missed %s\n", c.reqs[i].label);
            crs += crs_blocks(ms, rules, c.reqs[i].doc, c.reqs[i].len);
            uint64_t t2 = now_ns();
            timing_add(&t_ours, t1 - t0);
            timing_add(&t_crs, t2 - t1);
        }
        printf("%-10s %8zu %11.1f%% %11.1f%%\n", *cls, c.count,
               100.0 * (double)ours / (double)c.count, 100.0 * (double)crs / (double)c.count);
        all += c.count;
        all_ours += ours;
        all_crs += crs;
        corpus_free(&c);
    }
    printf("%-10s %8zu %11.1f%% %11.1f%%\n", "attacks", all, 100.0 * (double)all_ours / (double)all,
           100.0 * (double)all_crs / (double)all);
    static const char *const benign[] = {"prose.txt", "technical.txt", "requests.txt", NULL};
    corpus c = {0};
    for (const char *const *f = benign; *f != NULL; f++) {
        char rel[128];
        snprintf(rel, sizeof rel, "tests/waf/corpus/benign/%s", *f);
        corpus_load(&c, test_src_path(rel), false);
    }
    size_t ours = 0, crs = 0;
    for (size_t i = 0; i < c.count; i++) {
        uint64_t t0 = now_ns();
        const waf_result *r = waf_analyze(w, (const uint8_t *)c.reqs[i].doc, c.reqs[i].len);
        ours += r->blocked;
        uint64_t t1 = now_ns();
        if (show_misses && r->blocked)
            fprintf(stderr, "AEGIS blocked benign %s: %s\n", c.reqs[i].label, r->json);
        crs += crs_blocks(ms, rules, c.reqs[i].doc, c.reqs[i].len);
        uint64_t t2 = now_ns();
        timing_add(&t_ours, t1 - t0);
        timing_add(&t_crs, t2 - t1);
    }
    printf("%-10s %8zu %11.2f%% %11.2f%%   (benign requests wrongly blocked)\n", "benign", c.count,
           100.0 * (double)ours / (double)c.count, 100.0 * (double)crs / (double)c.count);
    corpus_free(&c);
    printf("time per request, all corpus requests, native, one thread:\n");
    timing_print("AEGIS WAF", &t_ours);
    timing_print("ModSecurity + CRS PL1", &t_crs);
    free(t_ours.ns);
    free(t_crs.ns);
    waf_free(w);
    msc_rules_cleanup(rules);
    msc_cleanup(ms);
    return 0;
}

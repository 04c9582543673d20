/*
 * The WAF against its labelled corpora (tests/waf/corpus/): per attack class at least
 * WAF_MIN_DETECTION_PCT of the requests must be blocked, and at most WAF_MAX_FP_PER_MILLE of the
 * benign requests. The tests print the per-class table, so running
 *   build-waf/test/tests/waf corpus
 * is the report command. Misses and false positives are listed with their corpus line.
 */
#include "../../guest/waf/waf.h"
#include "corpus.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WAF_MIN_DETECTION_PCT 95
#define WAF_MAX_FP_PER_MILLE 10
/* Issue 4 asks for at least this many labelled requests of each kind. */
#define WAF_MIN_CORPUS_REQUESTS 1000

static const char *const benign_files[] = {"prose.txt", "technical.txt", "requests.txt", NULL};

static void print_misses(const corpus *c, waf *w, bool want_blocked, unsigned max)
{
    unsigned shown = 0;
    for (size_t i = 0; i < c->count && shown < max; i++) {
        const waf_result *r = waf_analyze(w, (const uint8_t *)c->reqs[i].doc, c->reqs[i].len);
        if (r->blocked != want_blocked) {
            fprintf(stderr, "      %s %s: %s\n", want_blocked ? "missed" : "false positive",
                    c->reqs[i].label, r->json);
            shown++;
        }
    }
}

TEST(test_corpus_attacks_blocked_per_class)
{
    waf *w = waf_new(NULL);
    CHECK(w != NULL);
    size_t total = 0, total_blocked = 0;
    bool all_ok = true;
    printf("    %-10s %8s %8s %8s\n", "class", "requests", "blocked", "rate");
    for (const char *const *cls = corpus_classes; *cls != NULL; cls++) {
        char rel[128];
        snprintf(rel, sizeof rel, "tests/waf/corpus/attack/%s.txt", *cls);
        corpus c = {0};
        corpus_load(&c, test_src_path(rel), true);
        CHECK_MSG(c.count > 0, "%s: empty corpus", *cls);
        size_t blocked = 0;
        for (size_t i = 0; i < c.count; i++) {
            const waf_result *r = waf_analyze(w, (const uint8_t *)c.reqs[i].doc, c.reqs[i].len);
            CHECK_MSG(r->error == NULL, "%s: %s", c.reqs[i].label, r->error);
            blocked += r->blocked;
        }
        fflush(stdout);
        printf("    %-10s %8zu %8zu %7.1f%%\n", *cls, c.count, blocked,
               100.0 * (double)blocked / (double)c.count);
        fflush(stdout);
        if (blocked * 100 < c.count * WAF_MIN_DETECTION_PCT)
            all_ok = false;
        if (blocked < c.count)
            print_misses(&c, w, true, 40);
        total += c.count;
        total_blocked += blocked;
        corpus_free(&c);
    }
    printf("    %-10s %8zu %8zu %7.1f%%\n", "all", total, total_blocked,
           100.0 * (double)total_blocked / (double)total);
    fflush(stdout);
    waf_free(w);
    CHECK_MSG(total >= WAF_MIN_CORPUS_REQUESTS, "only %zu attack requests", total);
    CHECK_MSG(all_ok, "a class is under %d%% detection (misses listed above)",
              WAF_MIN_DETECTION_PCT);
}

TEST(test_corpus_benign_false_positives)
{
    waf *w = waf_new(NULL);
    CHECK(w != NULL);
    corpus c = {0};
    for (const char *const *f = benign_files; *f != NULL; f++) {
        char rel[128];
        snprintf(rel, sizeof rel, "tests/waf/corpus/benign/%s", *f);
        corpus_load(&c, test_src_path(rel), false);
    }
    size_t blocked = 0, flagged = 0;
    for (size_t i = 0; i < c.count; i++) {
        const waf_result *r = waf_analyze(w, (const uint8_t *)c.reqs[i].doc, c.reqs[i].len);
        CHECK_MSG(r->error == NULL, "%s: %s", c.reqs[i].label, r->error);
        blocked += r->blocked;
        flagged += r->match_count > 0;
    }
    printf("    benign requests %zu, blocked %zu (%.2f%%), with any match %zu\n", c.count, blocked,
           100.0 * (double)blocked / (double)c.count, flagged);
    fflush(stdout);
    if (blocked > 0)
        print_misses(&c, w, false, 40);
    CHECK_MSG(c.count >= WAF_MIN_CORPUS_REQUESTS, "only %zu benign requests", c.count);
    CHECK_MSG(blocked * 1000 <= c.count * WAF_MAX_FP_PER_MILLE,
              "%zu of %zu benign requests blocked", blocked, c.count);
    corpus_free(&c);
    waf_free(w);
}

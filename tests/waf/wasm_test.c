/*
 * The WAF built for wasm32-wasi ($(O)/guest/waf.wasm) running inside our engine through its
 * public API, against the native build: the same verdicts and the same result JSON (everything
 * but execution_time_us) on every request of the attack and benign corpora, within the WAF
 * limits of ARCHITECTURE §5 (10 MB memory, 10 ms deadline).
 */
#include "../../guest/waf/waf.h"
#include "corpus.h"
#include "engine/engine.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WAF_SANDBOX_MEMORY_BYTES (10u * 1024u * 1024u)
#define WAF_SANDBOX_DEADLINE_US 10000u
/* Generous here: the corpus holds worst cases; bench/waf measures typical requests. */
#define WAF_SANDBOX_FUEL 50000000u

typedef struct sandbox {
    eng_module *module;
    eng_imports *imports;
    eng_instance *inst;
    int32_t f_alloc, f_dealloc, f_analyze, f_configure;
    uint64_t last_fuel; /* fuel the last analyze/configure call used */
} sandbox;

static void sandbox_open_with(sandbox *sb, const eng_limits *lim);

static void sandbox_open(sandbox *sb)
{
    eng_limits lim = eng_limits_default();
    lim.max_memory_bytes = WAF_SANDBOX_MEMORY_BYTES;
    lim.deadline_us = WAF_SANDBOX_DEADLINE_US * 100; /* ASan builds of the engine are slow */
    lim.fuel = WAF_SANDBOX_FUEL;
    sandbox_open_with(sb, &lim);
}

static void sandbox_open_with(sandbox *sb, const eng_limits *lim)
{
    size_t len;
    uint8_t *bytes = test_read_file(test_build_path("guest/waf.wasm"), &len);
    eng_error err;
    sb->module = eng_module_new(bytes, len, &err);
    free(bytes);
    CHECK_MSG(sb->module != NULL, "waf.wasm: %s", err.message);
    sb->imports = eng_imports_new();
    CHECK(sb->imports != NULL);
    CHECK_INT_EQ(eng_imports_add_wasi(sb->imports, NULL, NULL), ENG_OK);
    sb->inst = eng_instance_new(sb->module, sb->imports, lim, &err);
    CHECK_MSG(sb->inst != NULL, "instantiate waf.wasm: %s", err.message);
    int32_t init = eng_instance_find_func(sb->inst, "_initialize", NULL);
    if (init >= 0)
        CHECK_MSG(eng_call(sb->inst, init, NULL, 0, NULL, 0, &err) == ENG_OK, "_initialize: %s",
                  err.message);
    sb->f_alloc = eng_instance_find_func(sb->inst, "alloc", NULL);
    sb->f_dealloc = eng_instance_find_func(sb->inst, "dealloc", NULL);
    sb->f_analyze = eng_instance_find_func(sb->inst, "analyze_request", NULL);
    sb->f_configure = eng_instance_find_func(sb->inst, "configure", NULL);
    CHECK(sb->f_alloc >= 0 && sb->f_dealloc >= 0 && sb->f_analyze >= 0 && sb->f_configure >= 0);
}

static void sandbox_close(sandbox *sb)
{
    eng_instance_free(sb->inst);
    eng_imports_free(sb->imports);
    eng_module_free(sb->module);
}

/* Calls fn(ptr, len) on a copy of doc in guest memory; returns the result JSON (malloc'd). */
static char *sandbox_call(sandbox *sb, int32_t fn, const char *doc, size_t len)
{
    eng_error err;
    eng_slot a = (eng_slot)(uint32_t)len, r = 0;
    CHECK_MSG(eng_call(sb->inst, sb->f_alloc, &a, 1, &r, 1, &err) == ENG_OK, "alloc: %s",
              err.message);
    uint32_t ptr = (uint32_t)r;
    CHECK(ptr != 0);
    uint8_t *mem = eng_instance_memory(sb->inst, ptr, len);
    CHECK(mem != NULL);
    memcpy(mem, doc, len);
    eng_slot args[2] = {ptr, (uint32_t)len};
    CHECK_MSG(eng_call(sb->inst, fn, args, 2, &r, 1, &err) == ENG_OK, "call: %s (%s)", err.message,
              eng_trap_name(err.trap));
    sb->last_fuel = eng_instance_fuel_used(sb->inst);
    uint32_t out = (uint32_t)r;
    uint8_t *hdr = eng_instance_memory(sb->inst, out, 4);
    CHECK(hdr != NULL);
    uint32_t olen =
        (uint32_t)hdr[0] | (uint32_t)hdr[1] << 8 | (uint32_t)hdr[2] << 16 | (uint32_t)hdr[3] << 24;
    uint8_t *body = eng_instance_memory(sb->inst, (uint64_t)out + 4, olen);
    CHECK_MSG(body != NULL, "result length %u outside memory", olen);
    char *json = malloc(olen + 1);
    CHECK(json != NULL);
    memcpy(json, body, olen);
    json[olen] = '\0';
    CHECK_MSG(eng_call(sb->inst, sb->f_dealloc, args, 2, NULL, 0, &err) == ENG_OK, "dealloc: %s",
              err.message);
    return json;
}

/* Length of the part of a result JSON that must match across builds. */
static size_t comparable(const char *json)
{
    const char *t = strstr(json, ",\"execution_time_us\":");
    return t != NULL ? (size_t)(t - json) : strlen(json);
}

static void compare_corpus(sandbox *sb, waf *w, corpus *c, size_t *blocked)
{
    uint64_t max_fuel = 0;
    for (size_t i = 0; i < c->count; i++) {
        const waf_result *nat = waf_analyze(w, (const uint8_t *)c->reqs[i].doc, c->reqs[i].len);
        char *box = sandbox_call(sb, sb->f_analyze, c->reqs[i].doc, c->reqs[i].len);
        uint64_t fuel = sb->last_fuel;
        if (fuel > max_fuel)
            max_fuel = fuel;
        size_t n1 = comparable(nat->json), n2 = comparable(box);
        CHECK_MSG(n1 == n2 && memcmp(nat->json, box, n1) == 0,
                  "%s: native and sandbox differ:\n  native  %s\n  sandbox %s", c->reqs[i].label,
                  nat->json, box);
        *blocked += nat->blocked;
        free(box);
    }
    printf("    %zu requests identical; most fuel for one request: %llu\n", c->count,
           (unsigned long long)max_fuel);
    fflush(stdout);
}

TEST(test_wasm_waf_matches_native_on_attack_corpus)
{
    sandbox sb;
    sandbox_open(&sb);
    waf *w = waf_new(NULL);
    corpus c = {0};
    for (const char *const *cls = corpus_classes; *cls != NULL; cls++) {
        char rel[128];
        snprintf(rel, sizeof rel, "tests/waf/corpus/attack/%s.txt", *cls);
        corpus_load(&c, test_src_path(rel), true);
    }
    size_t blocked = 0;
    compare_corpus(&sb, w, &c, &blocked);
    /* the verdicts are the native ones (checked request by request above) */
    CHECK_MSG(blocked * 100 >= c.count * 95, "sandbox blocked %zu of %zu", blocked, c.count);
    corpus_free(&c);
    waf_free(w);
    sandbox_close(&sb);
}

TEST(test_wasm_waf_matches_native_on_benign_corpus)
{
    sandbox sb;
    sandbox_open(&sb);
    waf *w = waf_new(NULL);
    corpus c = {0};
    static const char *const files[] = {"prose.txt", "technical.txt", "requests.txt", NULL};
    for (const char *const *f = files; *f != NULL; f++) {
        char rel[128];
        snprintf(rel, sizeof rel, "tests/waf/corpus/benign/%s", *f);
        corpus_load(&c, test_src_path(rel), false);
    }
    size_t blocked = 0;
    compare_corpus(&sb, w, &c, &blocked);
    CHECK_MSG(blocked * 100 <= c.count, "sandbox blocked %zu of %zu benign", blocked, c.count);
    corpus_free(&c);
    waf_free(w);
    sandbox_close(&sb);
}

TEST(test_wasm_waf_configure_export_sets_threshold)
{
    sandbox sb;
    sandbox_open(&sb);
    const char *req = "{\"method\":\"GET\",\"uri\":\"/?q=%27%20or%201%3D1--\",\"headers\":"
                      "[[\"Host\",\"a.example\"]],\"body\":\"\",\"client_ip\":\"1.2.3.4\"}";
    char *before = sandbox_call(&sb, sb.f_analyze, req, strlen(req));
    CHECK_STR_HAS(before, "\"blocked\":true");
    const char *cfg = "{\"threshold\":100}";
    char *ok = sandbox_call(&sb, sb.f_configure, cfg, strlen(cfg));
    CHECK_STR_EQ(ok, "{\"ok\":true}");
    char *after = sandbox_call(&sb, sb.f_analyze, req, strlen(req));
    CHECK_STR_HAS(after, "\"blocked\":false");
    CHECK_STR_HAS(after, "\"rule_id\":942100");
    const char *bad = "{\"paranoia\":9}";
    char *err = sandbox_call(&sb, sb.f_configure, bad, strlen(bad));
    CHECK_STR_EQ(err, "{\"ok\":false,\"error\":\"paranoia must be an integer 1..4\"}");
    free(before);
    free(ok);
    free(after);
    free(err);
    sandbox_close(&sb);
}

TEST(test_wasm_waf_malformed_document_returns_error_json)
{
    sandbox sb;
    sandbox_open(&sb);
    const char *doc = "{\"method\":\"GET\",\"uri\":";
    char *out = sandbox_call(&sb, sb.f_analyze, doc, strlen(doc));
    CHECK_STR_HAS(out, "\"error\":\"request document: offset 22: unexpected end of input\"");
    CHECK_STR_HAS(out, "\"blocked\":false");
    free(out);
    sandbox_close(&sb);
}

/* The edge gives WAF modules 25,000,000 fuel units and 10 MB by default (edge_limits_resolve),
 * sized so that the default max_inspect_bytes (64 KiB) of prose is inspected; a typical GET and
 * a 2 KB form POST must stay far below, at the 1,000,000 units the WAF had before (fuel is
 * deterministic, so this holds on any machine). */
#define WAF_DEFAULT_FUEL 20000000u
#define WAF_TYPICAL_FUEL 1000000u

TEST(test_wasm_waf_typical_requests_fit_default_waf_limits)
{
    eng_limits lim = eng_limits_default();
    lim.max_memory_bytes = WAF_SANDBOX_MEMORY_BYTES;
    lim.fuel = WAF_TYPICAL_FUEL;
    sandbox sb;
    sandbox_open_with(&sb, &lim);
    const char *get =
        "{\"method\":\"GET\",\"uri\":\"/products/shoes?category=running&size=42&color=blue&"
        "sort=price_asc&page=2\",\"headers\":[[\"Host\",\"shop.example.com\"],[\"User-Agent\","
        "\"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.0.0 Safari/537.36\"],[\"Accept\",\"text/html,application/xhtml+xml,"
        "application/xml;q=0.9,*/*;q=0.8\"],[\"Accept-Language\",\"en-US,en;q=0.9\"],"
        "[\"Referer\",\"https://shop.example.com/products?category=running\"],[\"Cookie\","
        "\"session=8f14e45fceea167a5a36dedd4bea2543; cart=3; theme=dark\"]],\"body\":\"\","
        "\"client_ip\":\"203.0.113.7\"}";
    char *out = sandbox_call(&sb, sb.f_analyze, get, strlen(get));
    CHECK_STR_HAS(out, "{\"blocked\":false,\"score\":0,\"matches\":[]");
    printf("    typical GET: %llu fuel\n", (unsigned long long)sb.last_fuel);
    free(out);
    /* 2 KB of prose in a contact form, the shape of bench/waf's POST */
    static const char prose[] =
        "Hello+team%2C+I%27d+like+to+update+my+order+from+last+week.+Please+select+the+blue+"
        "option+instead+of+the+red+one%2C+and+drop+the+gift+wrap+if+possible.+My+neighbour+"
        "O%27Brien+will+pick+it+up+-+he+lives+at+no.+12.+Thanks+a+lot+and+have+a+nice+day%21+";
    char body[2100];
    size_t k = (size_t)snprintf(body, sizeof body, "name=Sean+O%%27Brien&message=");
    while (k + sizeof prose < 2048)
        k += (size_t)snprintf(body + k, sizeof body - k, "%s", prose);
    char post[3000];
    snprintf(post, sizeof post,
             "{\"method\":\"POST\",\"uri\":\"/contact\",\"headers\":[[\"Host\",\"a.example\"],"
             "[\"Content-Type\",\"application/x-www-form-urlencoded\"]],\"body\":\"%s\"}",
             body);
    out = sandbox_call(&sb, sb.f_analyze, post, strlen(post));
    CHECK_STR_HAS(out, "{\"blocked\":false,\"score\":0,\"matches\":[]");
    printf("    2 KB form POST: %llu fuel\n", (unsigned long long)sb.last_fuel);
    fflush(stdout);
    CHECK(eng_instance_memory_size(sb.inst) <= WAF_SANDBOX_MEMORY_BYTES);
    free(out);
    sandbox_close(&sb);
}

/* Builds a url-encoded form POST document of about `size` bytes of prose (with the injection
 * `tail` as its last field when not NULL) into a malloc'd string. */
static char *prose_form_doc(size_t size, const char *tail)
{
    static const char prose[] =
        "Hello+team%2C+I%27d+like+to+update+my+order+from+last+week.+Please+select+the+blue+"
        "option+instead+of+the+red+one%2C+and+drop+the+gift+wrap+if+possible.+My+neighbour+"
        "O%27Brien+will+pick+it+up+-+he+lives+at+no.+12.+Thanks+a+lot+and+have+a+nice+day%21+";
    size_t tl = tail != NULL ? strlen(tail) : 0;
    char *body = malloc(size + 1);
    CHECK(body != NULL);
    size_t k = (size_t)snprintf(body, size, "name=Sean&message=");
    while (k + sizeof prose - 1 + tl + 64 <= size) {
        memcpy(body + k, prose, sizeof prose - 1);
        k += sizeof prose - 1;
    }
    memcpy(body + k, tail != NULL ? tail : "", tl);
    body[k + tl] = '\0';
    size_t cap = k + tl + 512;
    char *doc = malloc(cap);
    CHECK(doc != NULL);
    snprintf(doc, cap,
             "{\"method\":\"POST\",\"uri\":\"/contact\",\"headers\":[[\"Host\",\"a.example\"],"
             "[\"Content-Type\",\"application/x-www-form-urlencoded\"]],\"body\":\"%s\"}",
             body);
    free(body);
    return doc;
}

/* Fuel per request against body size, deterministic: prose forms of 2, 8 and 64 KiB (the default
 * max_inspect_bytes) are inspected to the end within the WAF's default fuel, so an injection in
 * the last field of a 64 KiB body is blocked; a body far past the limit is blocked by 920410
 * within the default fuel too, so no size makes the WAF give up (and on_error allow let a
 * request through uninspected). */
TEST(test_wasm_waf_inspects_default_limit_within_default_fuel)
{
    eng_limits lim = eng_limits_default();
    lim.max_memory_bytes = WAF_SANDBOX_MEMORY_BYTES;
    lim.fuel = WAF_DEFAULT_FUEL;
    sandbox sb;
    sandbox_open_with(&sb, &lim);
    static const char attack[] = "&id=1%27%20OR%20%271%27%3D%271";
    const size_t sizes[] = {2048, 8192, 65536};
    for (size_t i = 0; i < 3; i++) {
        char *doc = prose_form_doc(sizes[i], NULL);
        char *out = sandbox_call(&sb, sb.f_analyze, doc, strlen(doc));
        CHECK_STR_HAS(out, "{\"blocked\":false,\"score\":0,\"matches\":[]");
        printf("    %zu KiB prose form: %llu fuel\n", sizes[i] / 1024,
               (unsigned long long)sb.last_fuel);
        free(out);
        free(doc);
        doc = prose_form_doc(sizes[i], attack);
        out = sandbox_call(&sb, sb.f_analyze, doc, strlen(doc));
        CHECK_STR_HAS(out, "\"blocked\":true");
        CHECK_STR_HAS(out, "\"rule_id\":942100");
        CHECK_STR_HAS(out, "\"location\":\"ARGS:id\"");
        free(out);
        free(doc);
    }
    /* 256 KiB: inspected up to 64 KiB, the rest reported (and not walked) */
    char *doc = prose_form_doc(256 * 1024, attack);
    char *out = sandbox_call(&sb, sb.f_analyze, doc, strlen(doc));
    CHECK_STR_HAS(out, "\"blocked\":true");
    CHECK_STR_HAS(out, "\"rule_id\":920410");
    printf("    256 KiB prose form: %llu fuel\n", (unsigned long long)sb.last_fuel);
    fflush(stdout);
    free(out);
    free(doc);
    sandbox_close(&sb);
}

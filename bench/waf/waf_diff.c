/*
 * Differential check of the WAF's detection: prints, one line per request, the result JSON of the
 * native WAF (with "execution_time_us" removed, the only field that depends on the clock) for
 * every corpus request at paranoia 1 and 2, and for variants of every corpus payload: the payload
 * in a header, a multipart field and its file name, a JSON key, a cookie and the path, half of
 * them with pseudo-random bytes inserted (a fixed seed: the same variants on every run). A change
 * meant to keep detection the same is checked by building this program against the WAF before
 * and after it and comparing the two outputs byte for byte (`cmp`). Usage:
 *   waf_diff SOURCE_ROOT > results.txt
 */
#include "../../guest/waf/waf.h"
#include "../../tests/waf/corpus.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void bench_set_root(const char *dir); /* corpus_shim.c */
const char *test_src_path(const char *rel);
uint8_t *test_read_file(const char *path, size_t *len);

static const char *const benign_files[] = {"prose.txt", "requests.txt", "technical.txt", NULL};

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 11);
}

/* Prints the result of one document, without the timing field. */
static void run_one(waf *w, const char *label, const char *doc, size_t len)
{
    const waf_result *r = waf_analyze(w, (const uint8_t *)doc, len);
    const char *j = r->json;
    const char *t = strstr(j, ",\"execution_time_us\":");
    printf("%s\t", label);
    if (t == NULL) {
        fputs(j, stdout);
    } else {
        fwrite(j, 1, (size_t)(t - j), stdout);
        const char *e = t + 1;
        while (*e != '\0' && *e != ',' && *e != '}')
            e++;
        fputs(e, stdout);
    }
    putchar('\n');
}

static void run_doc(waf *w, const char *label, char *doc)
{
    run_one(w, label, doc, strlen(doc));
    free(doc);
}

static void run_corpus(waf *w, const char *tag)
{
    char rel[256], label[320];
    for (int pass = 0; pass < 2; pass++) {
        const char *const *files = pass == 0 ? corpus_classes : benign_files;
        for (const char *const *f = files; *f != NULL; f++) {
            if (pass == 0)
                snprintf(rel, sizeof rel, "tests/waf/corpus/attack/%s.txt", *f);
            else
                snprintf(rel, sizeof rel, "tests/waf/corpus/benign/%s", *f);
            corpus c = {0};
            corpus_load(&c, test_src_path(rel), pass == 0);
            for (size_t i = 0; i < c.count; i++) {
                snprintf(label, sizeof label, "%s %s", tag, c.reqs[i].label);
                run_one(w, label, c.reqs[i].doc, c.reqs[i].len);
            }
            corpus_free(&c);
        }
    }
}

/* Percent-encodes every byte that is not unreserved (for the path and multipart names). */
static void pct(char *out, size_t cap, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t k = 0;
    for (; *s != '\0' && k + 4 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~') {
            out[k++] = (char)c;
        } else {
            out[k++] = '%';
            out[k++] = hex[c >> 4];
            out[k++] = hex[c & 15];
        }
    }
    out[k] = '\0';
}

/* Strips what cannot stand in a quoted header parameter or a JSON-escaped header line. */
static void no_ctl(char *out, size_t cap, const char *s, bool no_quote)
{
    size_t k = 0;
    for (; *s != '\0' && k + 1 < cap; s++)
        if ((unsigned char)*s >= 0x20 && !(no_quote && (*s == '"' || *s == ';')))
            out[k++] = *s;
    out[k] = '\0';
}

static void variants(waf *w, const char *file, int line, const char *p)
{
    size_t pl = strlen(p);
    size_t cap = pl * 8 + 512;
    char *mut = malloc(pl * 2 + 16), *a = malloc(cap), *b = malloc(cap), *body = malloc(cap * 2);
    char label[320];
    if (mut == NULL || a == NULL || b == NULL || body == NULL)
        exit(1);
    for (int m = 0; m < 2; m++) {
        /* m = 1: random bytes (printable and not) inserted at random places */
        size_t k = 0;
        for (size_t i = 0; i < pl; i++) {
            if (m == 1 && rng() % 6 == 0) {
                uint32_t r = rng();
                mut[k++] = (char)(r % 3 == 0 ? 0x21 + (r >> 8) % 94 : 1 + (r >> 8) % 255);
            }
            mut[k++] = p[i];
        }
        mut[k] = '\0';
        const char *v = mut;
        const char *tag = m == 0 ? "plain" : "noisy";

        no_ctl(a, cap, v, false);
        snprintf(b, cap + 64, "X-Note: %.*s", (int)(cap - 1), a);
        const char *hh[] = {"Host: shop.example.com", "User-Agent: variant/1", b};
        snprintf(label, sizeof label, "var %s:%d %s header", file, line, tag);
        run_doc(w, label, corpus_request("GET", "/", hh, 3, NULL));

        no_ctl(a, cap, v, true);
        snprintf(body, cap * 2,
                 "--XyZ\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n"
                 "--XyZ\r\nContent-Disposition: form-data; name=\"up\"; filename=\"%s\"\r\n"
                 "Content-Type: text/plain\r\n\r\nhello\r\n--XyZ--\r\n",
                 a, v, a);
        const char *hm[] = {"Host: shop.example.com",
                            "Content-Type: multipart/form-data; boundary=XyZ"};
        snprintf(label, sizeof label, "var %s:%d %s multipart", file, line, tag);
        run_doc(w, label, corpus_request("POST", "/upload", hm, 2, body));

        char *esc = malloc(strlen(v) * 6 + 8);
        if (esc == NULL)
            exit(1);
        esc[0] = '\0';
        json_escape_into(esc, strlen(v) * 6 + 8, v);
        snprintf(body, cap * 2, "{\"%s\":1}", esc);
        free(esc);
        const char *hj[] = {"Host: api.example.com", "Content-Type: application/json"};
        snprintf(label, sizeof label, "var %s:%d %s json-key", file, line, tag);
        run_doc(w, label, corpus_request("POST", "/api/items", hj, 2, body));

        no_ctl(a, cap, v, false);
        snprintf(b, cap + 64, "Cookie: theme=dark; pref=%.*s", (int)(cap - 1), a);
        const char *hc[] = {"Host: shop.example.com", b};
        snprintf(label, sizeof label, "var %s:%d %s cookie", file, line, tag);
        run_doc(w, label, corpus_request("GET", "/account", hc, 2, NULL));

        pct(a, cap, v);
        snprintf(b, cap + 64, "/files/%.*s", (int)(cap - 1), a);
        const char *hp[] = {"Host: shop.example.com"};
        snprintf(label, sizeof label, "var %s:%d %s path", file, line, tag);
        run_doc(w, label, corpus_request("GET", b, hp, 1, NULL));
    }
    free(mut);
    free(a);
    free(b);
    free(body);
}

/* Every plain payload line of the corpus files (directives and comments skipped). */
static void run_variants(waf *w)
{
    char rel[256];
    for (int pass = 0; pass < 2; pass++) {
        const char *const *files = pass == 0 ? corpus_classes : benign_files;
        for (const char *const *f = files; *f != NULL; f++) {
            if (pass == 0)
                snprintf(rel, sizeof rel, "tests/waf/corpus/attack/%s.txt", *f);
            else
                snprintf(rel, sizeof rel, "tests/waf/corpus/benign/%s", *f);
            size_t len;
            char *text = (char *)test_read_file(test_src_path(rel), &len);
            char *s = text;
            int line = 0;
            while (s < text + len) {
                char *e = memchr(s, '\n', (size_t)(text + len - s));
                size_t n = e != NULL ? (size_t)(e - s) : (size_t)(text + len - s);
                line++;
                char *l = malloc(n + 1);
                if (l == NULL)
                    exit(1);
                memcpy(l, s, n);
                l[n] = '\0';
                if (n > 0 && l[n - 1] == '\r')
                    l[n - 1] = '\0';
                const char *p = l;
                if (p[0] == '\\')
                    p++;
                else if (p[0] == '@' || p[0] == '#')
                    p = "";
                if (p[0] != '\0')
                    variants(w, *f, line, p);
                free(l);
                s += n + 1;
            }
            free(text);
        }
    }
}

int main(int argc, char **argv)
{
    bench_set_root(argc > 1 ? argv[1] : ".");
    waf_config cfg = waf_config_default();
    waf *w = waf_new(&cfg);
    if (w == NULL)
        return 1;
    run_corpus(w, "pl1");
    run_variants(w);
    cfg.paranoia = 2;
    waf_set_config(w, &cfg);
    run_corpus(w, "pl2");
    waf_free(w);
    return 0;
}

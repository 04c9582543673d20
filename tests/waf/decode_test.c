/*
 * The decoding and normalisation transforms (guest/waf/decode.c, normalize.c) with exact outputs:
 * every evasion the issue lists must come out as the plain text the detectors look for.
 */
#include "../../guest/waf/waf_int.h"
#include "test.h"

#include <string.h>

static char out[512];

static const char *url(const char *in, bool plus, unsigned *flags)
{
    size_t n = url_decode(in, strlen(in), out, plus, flags);
    CHECK_UINT_EQ(n, strlen(out));
    return out;
}

TEST(test_url_decode_percent_plus_and_u_forms)
{
    unsigned f = 0;
    CHECK_STR_EQ(url("a%20b+c", true, &f), "a b c");
    CHECK_STR_EQ(url("a%20b+c", false, &f), "a b+c");
    CHECK_UINT_EQ(f, 0);
    CHECK_STR_EQ(url("%u003cscript%U003E", false, &f), "<script>");
    CHECK(f & DEC_UNICODE_PCT);
    f = 0;
    CHECK_STR_EQ(url("%uff1cx", false, &f), "<x"); /* full-width '<' */
    CHECK_STR_EQ(url("..%u2215etc", false, &f), "../etc");
    CHECK_STR_EQ(url("100%", false, &f), "100%");
    CHECK(f & DEC_BAD_PERCENT);
    f = 0;
    CHECK_STR_EQ(url("%zz%4", false, &f), "%zz%4");
    CHECK(f & DEC_BAD_PERCENT);
}

TEST(test_html_decode_named_decimal_hex_and_without_semicolon)
{
    const char *in =
        "&lt;a&gt; &#106;&#x61;&#X76; &#0000000000000000097; &colon;&lpar; &amp;x &unknown;";
    size_t n = html_decode(in, strlen(in), out);
    out[n] = '\0';
    CHECK_STR_EQ(out, "<a> jav a :( &x &unknown;");
    in = "&#60script&#62";
    n = html_decode(in, strlen(in), out);
    out[n] = '\0';
    CHECK_STR_EQ(out, "<script>");
}

TEST(test_utf8_fold_overlong_and_fullwidth)
{
    unsigned f = 0;
    const char *in = "\xc0\xae\xc0\xae\xc0\xaf"
                     "etc\xe0\x80\xaf"
                     "\xef\xbc\x9c"
                     "ok\xc3\xa9";
    size_t n = utf8_fold(in, strlen(in), out, &f);
    out[n] = '\0';
    CHECK_STR_EQ(out, "../etc/<ok\xc3\xa9");
    CHECK(f & DEC_OVERLONG);
}

TEST(test_base64_decode_standard_and_url_safe)
{
    size_t n;
    CHECK(base64_decode("PHNjcmlwdD4=", 12, out, &n));
    CHECK_UINT_EQ(n, 8);
    CHECK(memcmp(out, "<script>", 8) == 0);
    CHECK(base64_decode("_-8", 3, out, &n));
    CHECK_UINT_EQ(n, 2);
    CHECK(!base64_decode("ab$c", 4, out, &n));
    CHECK(!base64_decode("ab=c", 4, out, &n));
}

static nval build(arena *a, const char *raw)
{
    nval v;
    nval_build(a, &v, raw, strlen(raw));
    nval_build_shell(a, &v);
    nval_build_path(a, &v);
    return v;
}

TEST(test_nval_decodes_repeatedly_and_strips_nul)
{
    arena a;
    arena_init(&a);
    /* triple-encoded "<" and a NUL byte in the middle */
    nval v = build(&a, "%25253Cscr%00ipt%3E");
    CHECK_STR_EQ(v.dec, "<script>");
    CHECK(v.flags & DEC_MULTI);
    CHECK(v.flags & DEC_NUL);
    CHECK(nval_any(&v, "<"));
    CHECK(!nval_any(&v, "'"));
    v = build(&a, "  SeLeCt\t\n  *  ");
    CHECK_STR_EQ(v.low, " select * ");
    arena_destroy(&a);
}

TEST(test_shell_form_undoes_quoting_ifs_braces_and_line_breaks)
{
    arena a;
    arena_init(&a);
    CHECK_STR_EQ(build(&a, ";c'a't$IFS$9/et\"c\"/pa\\sswd").shell, ";cat /etc/passwd");
    CHECK_STR_EQ(build(&a, ";{cat,/etc/passwd}").shell, ";cat /etc/passwd");
    CHECK_STR_EQ(build(&a, "x\nID").shell, "x;id");
    CHECK_STR_EQ(build(&a, ";ca$@t${IFS}x").shell, ";cat x");
    CHECK_STR_EQ(build(&a, "w^h^o^a^m^i").shell, "whoami");
    arena_destroy(&a);
}

TEST(test_path_form_folds_separators)
{
    arena a;
    arena_init(&a);
    CHECK_STR_EQ(build(&a, "..\\..\\Windows\\\\win.INI").path, "../../windows/win.ini");
    CHECK_STR_EQ(build(&a, "/a/./b//c").path, "/a/b/c");
    arena_destroy(&a);
}

TEST(test_arena_release_and_limit)
{
    arena a;
    arena_init(&a);
    void *p = arena_alloc(&a, 100);
    CHECK(p != NULL);
    arena_mark m = arena_save(&a);
    CHECK(arena_alloc(&a, WAF_ARENA_CHUNK_BYTES * 2) != NULL);
    arena_release(&a, m);
    CHECK_UINT_EQ(a.total, WAF_ARENA_CHUNK_BYTES);
    CHECK(arena_alloc(&a, WAF_ARENA_MAX_BYTES + 1) == NULL);
    CHECK(a.exhausted);
    arena_reset(&a);
    CHECK(!a.exhausted);
    arena_destroy(&a);
}

/* Checks that v's shell and path forms are the folds of its decoded form. */
static void check_forms_are_folds(const nval *v, const char *raw)
{
    char ref[64];
    size_t n = nval_fold_shell(v->dec, v->dec_len, ref);
    CHECK_MSG(n == v->shell_len && memcmp(ref, v->shell, n) == 0, "shell form of \"%s\"", raw);
    n = nval_fold_path(v->dec, v->dec_len, ref);
    CHECK_MSG(n == v->path_len && memcmp(ref, v->path, n) == 0, "path form of \"%s\"", raw);
}

TEST(test_token_values_share_low_only_where_the_folds_keep_it)
{
    /* a token shares its low form as its shell and path forms (no copy, no fold) */
    arena a;
    arena_init(&a);
    nval v = build(&a, "/Index.html");
    CHECK(v.shell == v.low && v.path == v.low);
    CHECK_STR_EQ(v.path, "/index.html");
    v = build(&a, "/a//b/./c");
    CHECK(v.shell == v.low && v.path != v.low);
    CHECK_STR_EQ(v.path, "/a/b/c");
    /* every value of up to four bytes from token bytes and the bytes the folds rewrite: the
       forms built, shared or not, are always the folds of dec */
    static const char alphabet[] = "aZ5-./_\\ \t$\"{^\n%";
    size_t k = sizeof alphabet - 1;
    char raw[5];
    for (size_t len = 1; len <= 4; len++) {
        size_t total = 1;
        for (size_t i = 0; i < len; i++)
            total *= k;
        for (size_t c = 0; c < total; c++) {
            size_t x = c;
            for (size_t i = 0; i < len; i++, x /= k)
                raw[i] = alphabet[x % k];
            raw[len] = '\0';
            arena_mark m = arena_save(&a);
            v = build(&a, raw);
            check_forms_are_folds(&v, raw);
            arena_release(&a, m);
        }
    }
    static const char *const longer[] = {
        "aegis-bench/1", "/index.html",       "curl/8.5.0",        "/A/./B", "/x/.",
        "/.x//",         "..//../etc/passwd", "Mozilla/5.0_(X11)", NULL};
    for (const char *const *l = longer; *l != NULL; l++) {
        v = build(&a, *l);
        check_forms_are_folds(&v, *l);
    }
    arena_destroy(&a);
}

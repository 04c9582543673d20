/*
 * Internals of the WAF shared by its source files: the per-request arena, the request document
 * model, the decoding and normalisation transforms, the inspection context that detectors report
 * matches into, and the detector entry points. Not for use outside guest/waf/.
 */
#ifndef AEGIS_WAF_INT_H
#define AEGIS_WAF_INT_H

#include "waf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ---- Arena (arena.c) ------------------------------------------------------------------------ */

/* Size of one arena chunk; larger requests get a chunk of their own. The first chunk lives in
 * the instance's snapshot, which the host restores for every request: 64 KiB holds a typical
 * request (a few KiB of values) without making every restore copy a larger memory. */
#define WAF_ARENA_CHUNK_BYTES (64u * 1024u)
/* Total bytes one request may take from the arena before inspection gives up. */
#define WAF_ARENA_MAX_BYTES (6u * 1024u * 1024u)

typedef struct arena_chunk arena_chunk;
typedef struct arena {
    arena_chunk *head; /* current chunk; the first chunk is kept across resets */
    size_t total;      /* bytes of all chunks */
    bool exhausted;    /* an allocation failed since the last reset */
} arena;

typedef struct arena_mark {
    arena_chunk *chunk;
    size_t used;
} arena_mark;

void arena_init(arena *a);
void arena_destroy(arena *a);
/* Frees every chunk but the first and empties it: called at the start of each request. */
void arena_reset(arena *a);
/* n bytes aligned to 8, or NULL (and exhausted set) past WAF_ARENA_MAX_BYTES. */
void *arena_alloc(arena *a, size_t n);
char *arena_strndup(arena *a, const char *s, size_t n);
/* Everything allocated after mark is released by arena_release (scratch space per value). */
arena_mark arena_save(const arena *a);
void arena_release(arena *a, arena_mark m);

/* A growable byte string in the arena. */
typedef struct strbuf {
    arena *a;
    char *data;
    size_t len, cap;
    bool failed;
} strbuf;

void sb_init(strbuf *sb, arena *a, size_t cap);
void sb_putn(strbuf *sb, const char *s, size_t n);
void sb_puts(strbuf *sb, const char *s);
void sb_putc(strbuf *sb, char c);
/* Decimal digits of v (what printf's %llu writes, without printf's cost in the sandbox). */
void sb_putu(strbuf *sb, unsigned long long v);
void sb_printf(strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* s as a JSON string literal, quotes included; invalid UTF-8 bytes become U+FFFD. */
void sb_json_str(strbuf *sb, const char *s, size_t n);
/* NUL-terminated contents ("" after a failure). */
const char *sb_cstr(strbuf *sb);

/* ---- Request document (json.c) --------------------------------------------------------------- */

/* Limits of the strict request parser. */
#define WAF_JSON_MAX_DEPTH 32
#define WAF_JSON_MAX_NODES 16384

typedef enum jtype { J_NULL, J_FALSE, J_TRUE, J_NUMBER, J_STRING, J_ARRAY, J_OBJECT } jtype;

typedef struct jnode jnode;
struct jnode {
    jtype type;
    const char *str; /* J_STRING: decoded UTF-8 (may hold NUL bytes); J_NUMBER: its text.
                        Not NUL-terminated: it may point into the parsed text, which must
                        outlive the tree */
    size_t len;
    const char *key; /* member name when the parent is an object */
    size_t key_len;
    jnode *child;   /* first element / member */
    jnode *next;    /* next sibling */
    uint32_t count; /* elements / members */
};

/* Parses len bytes of strict JSON (RFC 8259: no trailing commas, no comments, valid UTF-8,
 * escapes and surrogate pairs checked). NULL on failure with "offset N: reason" in err. Strings
 * and member names without escapes point into text, which must outlive the tree. */
jnode *json_parse(arena *a, const char *text, size_t len, char *err, size_t err_len);
/* Member of an object by name, NULL when absent. */
const jnode *json_get(const jnode *obj, const char *name);
/* Whether a string node equals the l bytes of s (ASCII case-insensitive when nocase). */
bool json_str_eq_n(const jnode *n, const char *s, size_t l, bool nocase);
/* The same for a NUL-terminated s. Inline: the length of a literal is a constant, and most
 * comparisons end at the length check without a call. */
static inline bool json_str_eq(const jnode *n, const char *s, bool nocase)
{
    size_t l = strlen(s);
    return n != NULL && n->type == J_STRING && n->len == l && json_str_eq_n(n, s, l, nocase);
}

/* ---- Transforms (decode.c, normalize.c) -------------------------------------------------------
 */

/* Rounds of URL decoding applied to catch multiply-encoded payloads. */
#define WAF_MAX_DECODE_ROUNDS 3

/* Flags noticed while decoding, reported as protocol anomalies. */
enum {
    DEC_BAD_PERCENT = 1,  /* '%' not followed by two hex digits */
    DEC_NUL = 2,          /* a NUL byte */
    DEC_OVERLONG = 4,     /* an overlong or otherwise invalid UTF-8 sequence */
    DEC_MULTI = 8,        /* more than one round of decoding changed the value */
    DEC_UNICODE_PCT = 16, /* %uXXXX encoding */
};

/* One round of URL decoding (%XX, %uXXXX; '+' as space when plus is set) into out (capacity n+1).
 * Returns the output length; flags collect DEC_* bits. */
size_t url_decode(const char *in, size_t n, char *out, bool plus, unsigned *flags);
/* HTML character references (&lt; &#60; &#x3c; also without ';'). Output never longer. */
size_t html_decode(const char *in, size_t n, char *out);
/* Overlong UTF-8 forms of ASCII (c0 ae, e0 80 ae, ...) folded to the ASCII byte; also full-width
 * forms U+FF01..FF5E to ASCII. Output never longer. */
size_t utf8_fold(const char *in, size_t n, char *out, unsigned *flags);
/* Standard or URL-safe base64; returns false on invalid input. out needs n*3/4+3 bytes. */
bool base64_decode(const char *in, size_t n, char *out, size_t *out_len);
bool utf8_valid(const char *s, size_t n);

/* The forms of one inspected value that detectors look at. */
typedef struct nval {
    const char *raw; /* as received in its location (query values: one URL-decode round) */
    size_t raw_len;
    const char *dec; /* fully decoded: URL rounds, %u, HTML entities, overlong UTF-8, NULs
                        removed */
    size_t dec_len;
    const char *low; /* dec lowercased, whitespace runs as one space */
    size_t low_len;
    const char *shell; /* low with shell quoting, escapes, $IFS and brace lists undone */
    size_t shell_len;
    const char *path; /* dec as a path: backslashes as '/', runs of '/' as one, lowercase */
    size_t path_len;
    unsigned flags;    /* DEC_* */
    uint64_t charmask; /* which of the bytes detectors key on occur in dec (nval_char_bit) */
    bool dotted_word;  /* a '.' between two letters ("java.lang", "win.ini") */
    bool decoded;      /* a decoding round ran: raw may hold bytes that dec does not show */
    bool plain;        /* dec is only ASCII letters and digits (ids, tokens, words): most
                          detectors cannot match such a value, and skip it (see each one) */
    uint8_t low_forms; /* NVAL_LOW_*: which of shell and path are low (0: not looked at yet) */
} nval;

#define NVAL_LOW_CHECKED 1u
#define NVAL_LOW_SHELL 2u
#define NVAL_LOW_PATH 4u

/* Builds dec, low and chars in the arena; shell and path are left empty. */
void nval_build(arena *a, nval *v, const char *raw, size_t raw_len);
/* Builds the shell / path form (called only when a detector that needs it will run). */
void nval_build_shell(arena *a, nval *v);
void nval_build_path(arena *a, nval *v);
/* The shell and path folds of n bytes of dec into out (n + 1 bytes); what the two calls above
 * build, but for values that share the low form instead (tests hold the two to each other). */
size_t nval_fold_shell(const char *in, size_t n, char *out);
size_t nval_fold_path(const char *in, size_t n, char *out);
/* Whether the value names a file the way path traversal and inclusion do: "..", or a
 * dot-file or well-known extension (".env", ".ini", ".php", ...). */
bool nval_dotted_name(const nval *v);
struct inspect; /* below: the inspection context */
/* A value of ASCII letters and digits only is its own decoded form, and few rules can match one:
 * detect_code_plain is all that detect_code does on it, and detect_sqli and detect_rce have work
 * to do only when these say so (at paranoia 1: a "sys", a first word such as "whoami"). */
void detect_code_plain(struct inspect *in, const char *s, size_t n);        /* code.c */
bool sqli_plain_applies(const struct inspect *in, const char *s, size_t n); /* sqli.c */
/* Whether s, after leading spaces, starts with a command that counts alone ("whoami"); rce.c */
bool rce_alone_cmd(const char *s, size_t n);
/* Whether a value of letters and digits starting with c can start with a command that counts
 * alone (c is the first letter of one of them): a test inlined where plain values are checked,
 * before the call of rce_alone_cmd. rce_command_lists_sorted holds it to the list. */
#define RCE_ALONE_FIRSTS                                                                           \
    (1u << ('i' - 'a') | 1u << ('n' - 'a') | 1u << ('s' - 'a') | 1u << ('t' - 'a') |               \
     1u << ('u' - 'a') | 1u << ('w' - 'a'))
static inline bool rce_alone_first(char c)
{
    unsigned k = (unsigned)((unsigned char)c | 0x20u) - 'a';
    return k < 26 && ((RCE_ALONE_FIRSTS >> k) & 1u) != 0;
}
/* What one pass over letters and digits notes for the rules above (normalize.c): bit 7 of some
 * byte of y when a 'y' or 'Y' may occur ("sys"), of sig when an 'A' or a '5' may (every
 * signature of detect_code_plain holds one). Never a false "no". */
typedef struct plain_hints {
    uint64_t y, sig;
} plain_hints;
/* Length of the run of ASCII letters and digits that starts s (n bytes), and hints over it. */
size_t plain_span(const char *s, size_t n, plain_hints *h);
/* For s (n bytes) starting with name=value, both non-empty runs of letters and digits, the value
 * ending at sep ('&' in forms, ';' in cookies, an ASCII byte) or at n: the end of the value, the
 * '=' in *eq_at and the hints of each part; 0 for anything else (*eq_at, *hn, *hv then
 * unspecified). */
size_t plain_pair(const char *s, size_t n, char sep, size_t *eq_at, plain_hints *hn,
                  plain_hints *hv);
/* Inspects a value of ASCII letters and digits without building its forms, when the rules
 * above say that only detect_code_plain can match it; false (nothing done) for any other value,
 * which takes the whole pipeline (normalize.c, called from inspect_value for in->kind). */
bool inspect_plain(struct inspect *in, const char *s, size_t n);
/* Whether inspect_value would do nothing but count the bytes of a plain name=value pair (with
 * plain_pair's hints) of a query or form: then the walker only counts them (not for files). */
bool plain_pair_quiet(const struct inspect *in, const char *name, size_t name_len,
                      const plain_hints *hn, const char *val, size_t val_len,
                      const plain_hints *hv);
/* Bit (plus one) in nval.charmask of each byte the detectors key on; 0 for the others. Defined
 * here, not in one file, so that the compiler folds every nval_any over a literal set into one
 * mask test. */
static const uint8_t nval_char_bit[256] = {
    ['\n'] = 1,  ['\r'] = 2,  [' '] = 3,   ['!'] = 4,  ['"'] = 5,  ['#'] = 6,   ['$'] = 7,
    ['%'] = 8,   ['&'] = 9,   ['\''] = 10, ['('] = 11, [')'] = 12, ['*'] = 13,  ['+'] = 14,
    [','] = 15,  ['-'] = 16,  ['.'] = 17,  ['/'] = 18, [':'] = 19, [';'] = 20,  ['<'] = 21,
    ['='] = 22,  ['>'] = 23,  ['?'] = 24,  ['@'] = 25, ['['] = 26, ['\\'] = 27, [']'] = 28,
    ['^'] = 29,  ['_'] = 30,  ['`'] = 31,  ['{'] = 32, ['|'] = 33, ['}'] = 34,  ['~'] = 35,
    [0xac] = 36, [0xe5] = 37,
};

/* Whether any byte of set occurs in the value's decoded form (true for a byte without a bit, so
 * that a new detector can never be skipped by mistake). */
static inline bool nval_any(const nval *v, const char *set)
{
    for (; *set != '\0'; set++) {
        uint8_t b = nval_char_bit[(unsigned char)*set];
        if (b == 0 || (v->charmask & ((uint64_t)1 << (b - 1))) != 0)
            return true;
    }
    return false;
}

/* ---- Inspection context (waf.c, score.c) ------------------------------------------------------
 */

typedef enum loc_kind {
    LOC_METHOD,
    LOC_URI, /* the whole request target */
    LOC_PATH,
    LOC_ARG, /* query or form argument value */
    LOC_ARG_NAME,
    LOC_COOKIE,
    LOC_HEADER,
    LOC_BODY, /* raw body */
    LOC_FILE, /* uploaded file content or a binary body: only markup and code are looked for */
    LOC_JSON, /* a string in a JSON body */
    LOC_JSON_KEY,
    LOC_FILENAME, /* multipart file name */
} loc_kind;

/* Bits of the two-byte filter of a needle list, and how many lists a WAF instance caches. */
#define WAF_PAIR_BITS 1024u
#define WAF_TRIPLE_BITS 4096u
#define WAF_NEEDLE_SLOTS 64u

/* Which one-, two- and three-byte prefixes start a needle of the list (hashed). Three bytes keep
 * the filter selective on prose: many needles start with common English pairs ("or", "co"). */
#define WAF_NEEDLE_CHAIN 255u
typedef struct needle_filter {
    const char *const *list; /* NULL: free slot */
    bool nocase;
    bool any_single, any_pair;
    bool chained; /* first/next hold the list (under WAF_NEEDLE_CHAIN needles, none empty) */
    uint8_t singles[32];
    uint8_t pairs[WAF_PAIR_BITS / 8];
    uint8_t triples[WAF_TRIPLE_BITS / 8];
    /* 1 + the index of the first needle that starts with a byte (0: none; without chains,
     * only whether one does), and of the next needle with the same first byte: a position is
     * looked at only when a needle starts with its byte, and compared with those needles */
    uint8_t first[256];
    uint8_t next[WAF_NEEDLE_CHAIN];
} needle_filter;

typedef struct needle_cache {
    needle_filter slots[WAF_NEEDLE_SLOTS];
} needle_cache;

typedef struct inspect {
    needle_cache *needles; /* the WAF instance's needle filters */
    arena *a;
    const waf_config *cfg;
    const char *path; /* request path, for exclusions */
    size_t path_len;
    waf_result *res;
    size_t inspected; /* bytes of values inspected so far (max_inspect_bytes) */
    bool over_limit;  /* 920410 reported */
    /* the value being inspected */
    loc_kind kind;
    bool in_query;        /* LOC_ARG / LOC_ARG_NAME from the query string, not a body */
    const char *loc_name; /* argument, header, cookie name or JSON path */
    size_t loc_name_len;
    /* set by a walker that has found the value to be letters and digits only (plain_span):
       what inspect_plain would find in it, so that it is not looked at twice */
    const struct plain_hints *plain;
} inspect;

/* Records a match for the current value (score, dedup per rule and location, exclusions).
 * matched / n point into the value (truncated to 64 bytes in the report). */
void waf_report(inspect *in, uint32_t rule_id, const char *category, waf_severity sev,
                const char *matched, size_t n, const char *message);
/* Writes res->json from the recorded result. */
void waf_result_json(arena *a, waf_result *res);
/* Applies a parsed configuration object onto cfg; false with a reason on error. */
bool waf_config_from_json(waf_config *cfg, const jnode *root, char *err, size_t err_len);
/* Whether rules of this paranoia level apply. */
static inline bool waf_pl(const inspect *in, int level)
{
    return in->cfg->paranoia >= level;
}

/* ---- Detectors: each inspects one value, reporting through in ----------------------------------
 */

void detect_sqli(inspect *in, const nval *v); /* sqli.c */
void detect_xss(inspect *in, const nval *v);  /* xss.c */
void detect_rce(inspect *in, const nval *v);  /* rce.c */
bool rce_applies(const nval *v);              /* whether detect_rce can match at all */
bool rce_command_lists_sorted(void);  /* rce.c's command lists are in the order it searches */
bool sqli_catalog_tables_match(void); /* sqli.c's summary of its catalog names is right */
void detect_lfi_rfi(inspect *in, const nval *v); /* lfi.c */
void detect_code(inspect *in, const nval *v);    /* code.c: PHP, Java, SSTI, deserialization */
void detect_query(inspect *in, const nval *v);   /* query.c: NoSQL, LDAP, CRLF */
/* What the WAF does with a request header, by its name (ASCII case-insensitive). */
typedef enum header_kind {
    HK_OTHER,             /* inspected as text */
    HK_USER_AGENT,        /* inspected as text; also looked up among scanners' user agents */
    HK_SCANNER,           /* a scanner's own header (913110); inspected as text */
    HK_TOKEN_LIST,        /* inspected unless its value keeps to the bytes of a token list */
    HK_COOKIE,            /* walked as cookies */
    HK_HOST,              /* framing headers: protocol checks only, */
    HK_CONTENT_LENGTH,    /* never inspected as text */
    HK_TRANSFER_ENCODING, /* */
    HK_QUIET,             /* structured tokens (caches, fetch metadata, ...): not inspected */
} header_kind;
/* protocol.c: the kind of the header called name (len bytes). */
header_kind header_kind_of(const char *name, size_t len);
/* The kind of every header of a request document's "headers" array, by position: HK_OTHER for
 * an entry that is not a [name, ...] pair of count 2. NULL for no array, or out of memory. */
uint8_t *header_kinds_of(arena *a, const jnode *headers);

/* protocol.c: the request as a whole (method, Host, encodings, smuggling, scanners). */
typedef struct req_view {
    const jnode *method, *uri, *headers, *body;
    const uint8_t *header_kinds; /* header_kinds_of(headers), or NULL */
    const char *path;
    size_t path_len;
    const char *query;
    size_t query_len;
    bool body_is_base64;
} req_view;
void detect_protocol(inspect *in, const req_view *r);
/* The kind of the i-th entry h of r->headers (a [string, ...] pair of count 2). */
static inline header_kind req_header_kind(const req_view *r, size_t i, const jnode *h)
{
    return r->header_kinds != NULL ? (header_kind)r->header_kinds[i]
                                   : header_kind_of(h->child->str, h->child->len);
}
/* Whether a name is a MongoDB query operator ("$ne", "$where", ...); query.c. */
bool nosql_operator(const char *s, size_t n);

/* ---- Small string helpers (strutil.c) -------------------------------------------------------- */

/* First occurrence of needle (ASCII case-insensitive) in hay, or NULL. */
const char *memcasemem(const char *hay, size_t hn, const char *needle);
/* Same as memmem: the first occurrence of the nn bytes of needle in hay, or NULL. */
const char *memstr_n(const char *hay, size_t hn, const char *needle, size_t nn);
/* memstr_n for a NUL-terminated needle; inline so that a literal's length is a constant. */
static inline const char *memstr(const char *hay, size_t hn, const char *needle)
{
    return memstr_n(hay, hn, needle, strlen(needle));
}
/* Index of the first c in s, n when there is none (memchr by 8-byte words, as an index). */
size_t find_byte(const char *s, size_t n, char c);
/* memchr on find_byte: the sandbox's libc scans four bytes per step, this eight. */
static inline void *waf_memchr(const void *s, int c, size_t n)
{
    size_t i = find_byte((const char *)s, n, (char)c);
    return i < n ? (void *)((const char *)s + i) : NULL;
}
/* Earliest occurrence in hay of any needle of a NULL-terminated list, or NULL; *which (when not
 * NULL) receives the needle's index. One pass over hay whatever the list's length: a filter of
 * the needles' first two bytes, built once per WAF instance and list, picks the positions worth
 * comparing. The nocase variant compares hay lowercased against lowercase needles. */
const char *find_any(inspect *in, const char *hay, size_t n, const char *const *list,
                     size_t *which);
const char *find_any_nocase(inspect *in, const char *hay, size_t n, const char *const *list,
                            size_t *which);
static inline bool is_word_byte(unsigned char c) /* [A-Za-z0-9_] */
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}
/* ---- Eight bytes at a time ----------------------------------------------------------------------
 * Letters and digits make up most of any value. The sandbox charges every instruction, so the
 * hot loops test eight bytes with a handful of 64-bit operations where they can, and fall back
 * to their byte loop for a word that holds anything else. */

#define SWAR_ONES 0x0101010101010101ull
#define SWAR_HIGH 0x8080808080808080ull

static inline uint64_t swar_load(const char *p)
{
    uint64_t x;
    memcpy(&x, p, sizeof x); /* little-endian on every target we build for */
    return x;
}
/* The n bytes (1 to 7) of p in the low bytes of a word, the others 0: by loads that overlap,
 * without a loop (which the compiler unrolls, with set-up that every call pays). */
static inline uint64_t swar_load_short(const char *p, size_t n)
{
    const unsigned char *u = (const unsigned char *)p;
    if (n >= 4) {
        uint32_t lo, hi;
        memcpy(&lo, p, 4);
        memcpy(&hi, p + n - 4, 4);
        return (uint64_t)lo | (uint64_t)hi << (8 * (n - 4));
    }
    return (uint64_t)u[0] | (uint64_t)u[n / 2] << (8 * (n / 2)) |
           (uint64_t)u[n - 1] << (8 * (n - 1));
}
static inline void swar_store(char *p, uint64_t x)
{
    memcpy(p, &x, sizeof x);
}
/* 0x80 in each byte of y (bytes below 0x80) that lies in lo..hi, 0 in the others. Exact per
 * byte: no sum carries into the next byte. */
static inline uint64_t swar_in(uint64_t y, unsigned lo, unsigned hi)
{
    return (y + SWAR_ONES * (0x80u - lo)) & ~(y + SWAR_ONES * (0x7fu - hi)) & SWAR_HIGH;
}
/* 0x80 in each byte of x equal to c, 0 in the others (exact: no carries between bytes). */
static inline uint64_t swar_eq(uint64_t x, unsigned char c)
{
    uint64_t t = x ^ (SWAR_ONES * c);
    return ~(((t & ~SWAR_HIGH) + ~SWAR_HIGH) | t) & SWAR_HIGH;
}
/* 0x80 in each byte of x that is an ASCII letter or digit, 0 in the others. */
static inline uint64_t swar_alnum(uint64_t x)
{
    uint64_t y = x & ~SWAR_HIGH;
    return (swar_in(y, '0', '9') | swar_in(y | SWAR_ONES * 0x20u, 'a', 'z')) & ~x & SWAR_HIGH;
}
/* x with its ASCII capitals lowercased (x has no byte above 0x7f). */
static inline uint64_t swar_lower(uint64_t x)
{
    return x | (swar_in(x, 'A', 'Z') >> 2);
}

/* Whether s (n bytes) equals the lowercase word w, ignoring ASCII case. */
bool word_eq(const char *s, size_t n, const char *w);
/* Whether word s (n bytes, compared lowercase) is one of the NULL-terminated list. */
bool word_in(const char *s, size_t n, const char *const *list);
static inline char lc(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
}
static inline bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
static inline bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}
static inline bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

#endif

/*
 * Checks on the request as a whole rather than on values: the method, the Host header, the
 * syntax of the request target (percent-encoding, control bytes), framing headers that signal
 * request smuggling (Content-Length together with Transfer-Encoding, duplicates, obfuscated
 * "chunked"), header names, and the User-Agent strings of known attack tools and scanners.
 */
#include "waf_int.h"

#include <string.h>

static const struct {
    const char *name;
    size_t len;
} allowed_methods[] = {
    {"GET", 3}, {"HEAD", 4}, {"POST", 4}, {"PUT", 3}, {"DELETE", 6}, {"PATCH", 5}, {"OPTIONS", 7},
};

static const char *const scanners[] = {
    "sqlmap",
    "nikto",
    "nmap",
    "nessus",
    "acunetix",
    "netsparker",
    "w3af",
    "dirbuster",
    "gobuster",
    "wpscan",
    "masscan",
    "zgrab",
    "nuclei",
    "openvas",
    "havij",
    "zaproxy",
    "owasp zap",
    "arachni",
    "skipfish",
    "whatweb",
    "jaeles",
    "ffuf",
    "feroxbuster",
    "wfuzz",
    "hydra",
    "commix",
    "fimap",
    "paros",
    "webinspect",
    "appscan",
    "burpcollaborator",
    "qualys",
    "brutus",
    "grabber",
    "jorgee",
    "morfeus",
    "zmeu",
    "dirb",
    "webshag",
    "xsser",
    "bsqlbf",
    "sqlninja",
    "pangolin",
    "metasploit",
    "msfconsole",
    "nmap scripting engine",
    "censysinspect",
    "httpx - open-source",
    "vega/",
    "wapiti",
    "teh forest lobster",
    "absinthe",
    "blackwidow",
    "n-stealth",
    "sf/",
    "mysqloit",
    "floodgate",
    "crimscanner",
    "x-scan",
    "webvulnscan",
    "webreaper",
    "netlab360",
    "cgichk",
    "fuzz faster u fool",
    "interactsh",
    "medusa",
    "automatic sql injector",
    NULL,
};

/* x with its ASCII capitals lowercased, any bytes (a byte at or above 0x80 is left alone) */
static inline uint64_t swar_lower_any(uint64_t x)
{
    return x | ((swar_in(x & ~SWAR_HIGH, 'A', 'Z') & ~x) >> 2);
}

/* Whether the n bytes of s, lowercased, are the n bytes of lower. Eight bytes at a time, the
 * last word overlapping the one before: header names are ASCII words of 4 to 27 bytes. */
static bool name_is(const char *s, const char *lower, size_t n)
{
    if (n < 8) {
        for (size_t i = 0; i < n; i++)
            if (lc(s[i]) != lower[i])
                return false;
        return true;
    }
    for (size_t i = 0; i + 8 < n; i += 8)
        if (swar_lower_any(swar_load(s + i)) != swar_load(lower + i))
            return false;
    return swar_lower_any(swar_load(s + n - 8)) == swar_load(lower + n - 8);
}

/* The n bytes of s with ASCII capitals lowercased (lc), into out. */
static void lower_ascii(char *out, const char *s, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        swar_store(out + i, swar_lower_any(swar_load(s + i)));
    for (; i < n; i++)
        out[i] = lc(s[i]);
}

/* By length first: a header costs one switch and, mostly, one or two first-byte compares.
 * quiet: structured tokens rather than free text (inspecting them as text only invites false
 * positives; Host and framing headers get their own checks). Token lists: values of tokens and
 * parameters ("text/html;q=0.9"). */
header_kind header_kind_of(const char *name, size_t len)
{
    switch (len) {
    case 2:
        if (name_is(name, "te", 2))
            return HK_QUIET;
        break;
    case 3:
        if (name_is(name, "dnt", 3))
            return HK_QUIET;
        break;
    case 4:
        if (name_is(name, "etag", 4))
            return HK_QUIET;
        if (name_is(name, "host", 4))
            return HK_HOST;
        break;
    case 5:
        if (name_is(name, "range", 5))
            return HK_QUIET;
        break;
    case 6:
        if (name_is(name, "accept", 6))
            return HK_TOKEN_LIST;
        if (name_is(name, "cookie", 6))
            return HK_COOKIE;
        if (name_is(name, "pragma", 6))
            return HK_QUIET;
        if (name_is(name, "x-wipp", 6))
            return HK_SCANNER;
        break;
    case 7:
        if (name_is(name, "upgrade", 7))
            return HK_TOKEN_LIST;
        break;
    case 8:
        if (name_is(name, "if-match", 8))
            return HK_QUIET;
        if (name_is(name, "priority", 8))
            return HK_QUIET;
        break;
    case 9:
        if (name_is(name, "sec-ch-ua", 9))
            return HK_QUIET;
        if (name_is(name, "x-scanner", 9))
            return HK_SCANNER;
        break;
    case 10:
        if (name_is(name, "connection", 10))
            return HK_QUIET;
        if (name_is(name, "keep-alive", 10))
            return HK_QUIET;
        if (name_is(name, "user-agent", 10))
            return HK_USER_AGENT;
        break;
    case 12:
        if (name_is(name, "content-type", 12))
            return HK_TOKEN_LIST;
        break;
    case 13:
        if (name_is(name, "authorization", 13))
            return HK_QUIET;
        if (name_is(name, "cache-control", 13))
            return HK_QUIET;
        if (name_is(name, "if-none-match", 13))
            return HK_QUIET;
        break;
    case 14:
        if (name_is(name, "accept-charset", 14))
            return HK_TOKEN_LIST;
        if (name_is(name, "content-length", 14))
            return HK_CONTENT_LENGTH;
        if (name_is(name, "sec-fetch-dest", 14))
            return HK_QUIET;
        if (name_is(name, "sec-fetch-mode", 14))
            return HK_QUIET;
        if (name_is(name, "sec-fetch-site", 14))
            return HK_QUIET;
        if (name_is(name, "sec-fetch-user", 14))
            return HK_QUIET;
        if (name_is(name, "x-request-memo", 14))
            return HK_SCANNER;
        break;
    case 15:
        if (name_is(name, "accept-encoding", 15))
            return HK_TOKEN_LIST;
        if (name_is(name, "accept-language", 15))
            return HK_TOKEN_LIST;
        break;
    case 16:
        if (name_is(name, "acunetix-product", 16))
            return HK_SCANNER;
        if (name_is(name, "content-encoding", 16))
            return HK_TOKEN_LIST;
        if (name_is(name, "content-language", 16))
            return HK_TOKEN_LIST;
        if (name_is(name, "sec-ch-ua-mobile", 16))
            return HK_QUIET;
        if (name_is(name, "x-requested-with", 16))
            return HK_TOKEN_LIST;
        break;
    case 17:
        if (name_is(name, "if-modified-since", 17))
            return HK_QUIET;
        if (name_is(name, "transfer-encoding", 17))
            return HK_TRANSFER_ENCODING;
        break;
    case 18:
        if (name_is(name, "sec-ch-ua-platform", 18))
            return HK_QUIET;
        break;
    case 19:
        if (name_is(name, "if-unmodified-since", 19))
            return HK_QUIET;
        break;
    case 25:
        if (name_is(name, "upgrade-insecure-requests", 25))
            return HK_QUIET;
        break;
    case 27:
        if (name_is(name, "acunetix-scanning-agreement", 27))
            return HK_SCANNER;
        break;
    default:
        break;
    }
    return HK_OTHER;
}

uint8_t *header_kinds_of(arena *a, const jnode *headers)
{
    if (headers == NULL || headers->type != J_ARRAY || headers->count == 0)
        return NULL;
    bool exhausted = a->exhausted;
    uint8_t *k = arena_alloc(a, headers->count);
    if (k == NULL) {
        a->exhausted = exhausted; /* the kinds are then found header by header */
        return NULL;
    }
    size_t i = 0;
    for (const jnode *h = headers->child; h != NULL; h = h->next, i++)
        k[i] = (uint8_t)(h->type == J_ARRAY && h->count == 2 && h->child->type == J_STRING
                             ? header_kind_of(h->child->str, h->child->len)
                             : HK_OTHER);
    return k;
}

/* Host, Content-Length, Transfer-Encoding and User-Agent in one pass over the headers: the
 * first value of each whose value is a string, and how many there are. */
static void framing_headers(const req_view *r, const jnode **host, unsigned *host_count,
                            const jnode **cl, unsigned *cl_count, const jnode **te,
                            unsigned *te_count, const jnode **ua, unsigned *ua_count)
{
    *host = *cl = *te = *ua = NULL;
    *host_count = *cl_count = *te_count = *ua_count = 0;
    const jnode *headers = r->headers;
    if (headers == NULL || headers->type != J_ARRAY)
        return;
    size_t i = 0;
    for (const jnode *h = headers->child; h != NULL; h = h->next, i++) {
        if (h->type != J_ARRAY || h->count != 2 || h->child->type != J_STRING ||
            h->child->next->type != J_STRING)
            continue;
        const jnode *v = h->child->next;
        switch (req_header_kind(r, i, h)) {
        case HK_HOST:
            *host = *host != NULL ? *host : v;
            (*host_count)++;
            break;
        case HK_CONTENT_LENGTH:
            *cl = *cl != NULL ? *cl : v;
            (*cl_count)++;
            break;
        case HK_TRANSFER_ENCODING:
            *te = *te != NULL ? *te : v;
            (*te_count)++;
            break;
        case HK_USER_AGENT:
            *ua = *ua != NULL ? *ua : v;
            (*ua_count)++;
            break;
        default:
            break;
        }
    }
}

/* Bytes that no Host header holds: controls, space, DEL, / \\ @ " (920290). */
static const uint8_t host_bad_byte[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

/* A tchar of RFC 9110: printable ASCII except the separators ()<>@,;:\\"/[]?={} (a bitmap of
 * the 128 ASCII bytes, so that a header name costs a few instructions per byte). */
static bool token_byte(unsigned char c)
{
    /* bits of 0x21..0x3f that are tchars: ! # $ % & ' * + - . 0-9 */
    static const uint64_t lo = 0x03ff6cfa00000000ull;
    /* bits of 0x40..0x7e that are tchars: A-Z ^ _ ` a-z | ~ */
    static const uint64_t hi = 0x57ffffffc7fffffeull;
    if (c < 0x40)
        return (lo >> c) & 1u;
    return c < 0x80 && ((hi >> (c - 0x40)) & 1u);
}

/* The request target: '%' must start a valid escape; no control bytes or spaces. */
static void check_uri(inspect *in, const char *u, size_t n)
{
    in->kind = LOC_URI;
    in->loc_name = NULL;
    in->loc_name_len = 0;
    for (size_t i = 0; i < n; i++) {
        /* eight bytes at a time past words without '%', a control byte or DEL */
        for (uint64_t x; i + 8 <= n; i += 8) {
            x = swar_load(u + i);
            if (((swar_in(x & ~SWAR_HIGH, 0, 0x1f) & ~x) | swar_eq(x, '%') | swar_eq(x, 0x7f)) != 0)
                break;
        }
        if (i >= n)
            break;
        unsigned char c = (unsigned char)u[i];
        if (c == '%') {
            bool ok = i + 2 < n + 0 && strchr("0123456789abcdefABCDEF", u[i + 1]) != NULL &&
                      u[i + 1] != '\0' && strchr("0123456789abcdefABCDEF", u[i + 2]) != NULL &&
                      u[i + 2] != '\0';
            bool uenc = i + 5 < n && (u[i + 1] == 'u' || u[i + 1] == 'U');
            if (!ok && !uenc) {
                waf_report(in, 920220, "protocol", WAF_CRITICAL, u + i, n - i < 8 ? n - i : 8,
                           "Protocol: invalid URL encoding");
                return;
            }
            if (ok && u[i + 1] == '0' && u[i + 2] == '0') {
                waf_report(in, 920270, "protocol", WAF_CRITICAL, u + i, 3,
                           "Protocol: NUL byte in the request target");
                return;
            }
        } else if (c < 0x20 || c == 0x7f) {
            waf_report(in, 920270, "protocol", WAF_CRITICAL, u + i, 1,
                       "Protocol: control byte in the request target");
            return;
        }
    }
}

void detect_protocol(inspect *in, const req_view *r)
{
    in->kind = LOC_METHOD;
    in->loc_name = NULL;
    in->loc_name_len = 0;
    const jnode *m = r->method;
    bool known = false;
    /* compared with the methods of the same length only (case matters) */
    for (size_t a = 0; a < sizeof allowed_methods / sizeof allowed_methods[0] && !known; a++)
        known = m != NULL && m->type == J_STRING && m->len == allowed_methods[a].len &&
                memcmp(m->str, allowed_methods[a].name, m->len) == 0;
    if (!known)
        waf_report(in, 911100, "protocol", WAF_CRITICAL, m->str, m->len,
                   "Protocol: method not allowed");

    check_uri(in, r->uri->str, r->uri->len);
    if (r->uri->len == 0 ||
        (r->uri->str[0] != '/' && r->uri->str[0] != '*' &&
         memcasemem(r->uri->str, r->uri->len < 8 ? r->uri->len : 8, "http") != r->uri->str))
        waf_report(in, 920100, "protocol", WAF_CRITICAL, r->uri->str,
                   r->uri->len < 32 ? r->uri->len : 32, "Protocol: invalid request target");

    in->kind = LOC_HEADER;
    unsigned count, cl_count, te_count, ua_count;
    const jnode *host, *cl, *te, *ua;
    framing_headers(r, &host, &count, &cl, &cl_count, &te, &te_count, &ua, &ua_count);
    in->loc_name = "Host";
    in->loc_name_len = 4;
    if (host == NULL || host->len == 0)
        waf_report(in, 920280, "protocol", WAF_CRITICAL, "", 0, "Protocol: missing Host header");
    else if (count > 1)
        waf_report(in, 920290, "protocol", WAF_CRITICAL, host->str, host->len,
                   "Protocol: several Host headers");
    else {
        for (size_t i = 0; i < host->len; i++) {
            if (host_bad_byte[(unsigned char)host->str[i]]) {
                waf_report(in, 920290, "protocol", WAF_CRITICAL, host->str, host->len,
                           "Protocol: invalid Host header");
                break;
            }
        }
    }

    in->loc_name = "Content-Length";
    in->loc_name_len = 14;
    if (cl != NULL) {
        bool digits = cl->len > 0 && cl->len <= 19;
        for (size_t i = 0; i < cl->len; i++)
            digits &= is_digit(cl->str[i]);
        if (!digits)
            waf_report(in, 920160, "protocol", WAF_CRITICAL, cl->str, cl->len,
                       "Protocol: Content-Length is not a number");
        if (cl_count > 1)
            waf_report(in, 920161, "protocol", WAF_CRITICAL, cl->str, cl->len,
                       "Protocol: several Content-Length headers");
    }
    in->loc_name = "Transfer-Encoding";
    in->loc_name_len = 17;
    if (te != NULL) {
        if (cl != NULL)
            waf_report(in, 920170, "protocol", WAF_CRITICAL, te->str, te->len,
                       "Protocol: Content-Length with Transfer-Encoding (request smuggling)");
        if (te_count > 1 || !json_str_eq(te, "chunked", true))
            waf_report(in, 920171, "protocol", WAF_CRITICAL, te->str, te->len,
                       "Protocol: obfuscated Transfer-Encoding (request smuggling)");
    }

    in->loc_name = "User-Agent";
    in->loc_name_len = 10;
    if (ua != NULL) {
        size_t which;
        /* searched in a lowercase copy: the case-sensitive search costs half as much per byte
           as the nocase one, which lowercases every byte three times */
        const char *p;
        arena_mark mark = arena_save(in->a);
        bool exhausted = in->a->exhausted;
        char *low = arena_alloc(in->a, ua->len + 1);
        if (low != NULL) {
            lower_ascii(low, ua->str, ua->len);
            p = find_any(in, low, ua->len, scanners, &which);
            p = p != NULL ? ua->str + (p - low) : NULL;
        } else {
            in->a->exhausted = exhausted;
            p = find_any_nocase(in, ua->str, ua->len, scanners, &which);
        }
        arena_release(in->a, mark);
        if (p != NULL)
            waf_report(in, 913100, "scanner", WAF_CRITICAL, p, strlen(scanners[which]),
                       "Scanner: user agent of a security scanner");
    } else if (waf_pl(in, 2)) {
        waf_report(in, 920320, "protocol", WAF_NOTICE, "", 0, "Protocol: missing User-Agent");
    }
    /* scanner fingerprints in other headers */
    if (r->headers != NULL && r->headers->type == J_ARRAY) {
        size_t i = 0;
        for (const jnode *h = r->headers->child; h != NULL; h = h->next, i++) {
            if (h->type != J_ARRAY || h->count != 2 || h->child->type != J_STRING)
                continue;
            const jnode *name = h->child;
            in->loc_name = name->str;
            in->loc_name_len = name->len;
            bool bad_name = name->len == 0;
            /* a name of eight bytes or more: by words of letters, digits and '-' (tchars all),
               the last one overlapping the one before; byte by byte otherwise */
            bool words = name->len >= 8;
            for (size_t k = 0; words && k < name->len; k += 8) {
                uint64_t x = swar_load(name->str + (k + 8 <= name->len ? k : name->len - 8));
                words = (swar_alnum(x) | swar_eq(x, '-')) == SWAR_HIGH;
            }
            for (size_t k = 0; !words && k < name->len; k++)
                bad_name |= !token_byte((unsigned char)name->str[k]);
            if (bad_name) {
                waf_report(in, 920180, "protocol", WAF_CRITICAL, name->str, name->len,
                           "Protocol: invalid header name");
                continue;
            }
            if (req_header_kind(r, i, h) == HK_SCANNER)
                waf_report(in, 913110, "scanner", WAF_CRITICAL, name->str, name->len,
                           "Scanner: scanner header");
        }
    }
}

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

/* The first value of header `name` and how many there are. */
static void note_header(const jnode *h, const char *name, const jnode **found, unsigned *count)
{
    if (json_str_eq(h->child, name, true) && h->child->next->type == J_STRING) {
        if (*found == NULL)
            *found = h->child->next;
        (*count)++;
    }
}

/* Host, Content-Length, Transfer-Encoding and User-Agent in one pass over the headers. */
static void framing_headers(const jnode *headers, const jnode **host, unsigned *host_count,
                            const jnode **cl, unsigned *cl_count, const jnode **te,
                            unsigned *te_count, const jnode **ua, unsigned *ua_count)
{
    *host = *cl = *te = *ua = NULL;
    *host_count = *cl_count = *te_count = *ua_count = 0;
    if (headers == NULL || headers->type != J_ARRAY)
        return;
    for (const jnode *h = headers->child; h != NULL; h = h->next) {
        if (h->type != J_ARRAY || h->count != 2)
            continue;
        note_header(h, "host", host, host_count);
        note_header(h, "content-length", cl, cl_count);
        note_header(h, "transfer-encoding", te, te_count);
        note_header(h, "user-agent", ua, ua_count);
    }
}

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
    for (size_t a = 0; a < sizeof allowed_methods / sizeof allowed_methods[0]; a++)
        known |= json_str_eq_n(m, allowed_methods[a].name, allowed_methods[a].len, false);
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
    framing_headers(r->headers, &host, &count, &cl, &cl_count, &te, &te_count, &ua, &ua_count);
    in->loc_name = "Host";
    in->loc_name_len = 4;
    if (host == NULL || host->len == 0)
        waf_report(in, 920280, "protocol", WAF_CRITICAL, "", 0, "Protocol: missing Host header");
    else if (count > 1)
        waf_report(in, 920290, "protocol", WAF_CRITICAL, host->str, host->len,
                   "Protocol: several Host headers");
    else {
        for (size_t i = 0; i < host->len; i++) {
            unsigned char c = (unsigned char)host->str[i];
            if (c <= 0x20 || c == 0x7f || c == '/' || c == '\\' || c == '@' || c == '"') {
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
        const char *p = find_any_nocase(in, ua->str, ua->len, scanners, &which);
        if (p != NULL)
            waf_report(in, 913100, "scanner", WAF_CRITICAL, p, strlen(scanners[which]),
                       "Scanner: user agent of a security scanner");
    } else if (waf_pl(in, 2)) {
        waf_report(in, 920320, "protocol", WAF_NOTICE, "", 0, "Protocol: missing User-Agent");
    }
    /* scanner fingerprints in other headers */
    if (r->headers != NULL && r->headers->type == J_ARRAY) {
        for (const jnode *h = r->headers->child; h != NULL; h = h->next) {
            if (h->type != J_ARRAY || h->count != 2 || h->child->type != J_STRING)
                continue;
            const jnode *name = h->child;
            in->loc_name = name->str;
            in->loc_name_len = name->len;
            bool bad_name = name->len == 0;
            for (size_t i = 0; i < name->len; i++)
                bad_name |= !token_byte((unsigned char)name->str[i]);
            if (bad_name) {
                waf_report(in, 920180, "protocol", WAF_CRITICAL, name->str, name->len,
                           "Protocol: invalid header name");
                continue;
            }
            if (json_str_eq(name, "acunetix-product", true) ||
                json_str_eq(name, "x-scanner", true) ||
                json_str_eq(name, "acunetix-scanning-agreement", true) ||
                json_str_eq(name, "x-wipp", true) || json_str_eq(name, "x-request-memo", true))
                waf_report(in, 913110, "scanner", WAF_CRITICAL, name->str, name->len,
                           "Scanner: scanner header");
        }
    }
}

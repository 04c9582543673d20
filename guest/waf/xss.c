/*
 * Cross-site scripting detection with a small HTML tokenizer rather than keyword lists. Every
 * '<' that starts a tag is parsed the way a browser would (tag name, attributes with quoted or
 * bare values, '/' as a separator) and judged by what it would do: tags that run code or load
 * documents, event-handler attributes, script URIs in URL attributes, code in style. Outside
 * markup, the detector looks for a value breaking out of an HTML attribute into an event handler,
 * a value that is itself a script URI, and a value breaking out of a JavaScript string into a
 * call. Prose with '<', "script" or "alert" in it has none of these shapes.
 */
#include "waf_int.h"

#include <string.h>

/* Bytes of one tag the parser reads: longer tags are judged on their first bytes. */
#define XSS_MAX_TAG_BYTES 1024

static const char *const code_tags[] = {
    "script",   "iframe", "object",  "embed", "applet", "frameset", "frame",   "base",
    "vmlframe", "import", "isindex", "xss",   "portal", "listener", "handler", NULL,
};
static const char *const url_attrs[] = {
    "href",    "src",     "action", "formaction",    "data",   "xlink:href", "background", "lowsrc",
    "dynsrc",  "poster",  "code",   "codebase",      "to",     "from",       "values",     "by",
    "content", "srcset",  "ping",   "manifest",      "icon",   "cite",       "longdesc",   "usemap",
    "profile", "archive", "xmlns",  "attributename", "folder", NULL,
};

/* Copies up to cap bytes of s, lowercased, without whitespace and control bytes (browsers
 * ignore them inside a URI scheme: "jav&#x09;ascript:"). */
static size_t compact(const char *s, size_t n, char *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c == 0x7f)
            continue;
        out[k++] = lc((char)c);
    }
    return k;
}

static bool starts_with(const char *s, size_t n, const char *w)
{
    size_t l = strlen(w);
    return n >= l && memcmp(s, w, l) == 0;
}

/* Whether a URI (first bytes, compacted) runs script. */
static bool script_uri(const char *s, size_t n)
{
    char c[48];
    size_t k = compact(s, n, c, sizeof c);
    return starts_with(c, k, "javascript:") || starts_with(c, k, "vbscript:") ||
           starts_with(c, k, "livescript:") || starts_with(c, k, "data:text/html") ||
           starts_with(c, k, "data:image/svg") || starts_with(c, k, "data:application/x") ||
           starts_with(c, k, "data:text/xml") || starts_with(c, k, "mocha:");
}

static bool event_attr(const char *s, size_t n)
{
    if (n < 5 || lc(s[0]) != 'o' || lc(s[1]) != 'n')
        return false;
    for (size_t i = 2; i < n; i++)
        if (!is_alpha(s[i]))
            return false;
    return true;
}

/* Parses the tag at s[0] == '<'; reports what it finds. Returns bytes consumed (>= 1). */
static size_t scan_tag(inspect *in, const char *s, size_t n)
{
    size_t lim = n < XSS_MAX_TAG_BYTES ? n : XSS_MAX_TAG_BYTES;
    size_t i = 1;
    if (i < lim && s[i] == '/')
        i++;
    size_t name = i;
    if (i >= lim || !is_alpha(s[i]))
        return 1;
    while (i < lim && (is_word_byte((unsigned char)s[i]) || s[i] == '-' || s[i] == ':'))
        i++;
    size_t name_len = i - name;
    const char *tag = s + name;
    bool closing = name > 1;
    if (!closing && word_in(tag, name_len, code_tags)) {
        waf_report(in, 941110, "xss", WAF_CRITICAL, s, i,
                   "XSS: tag that runs code or loads a "
                   "document");
    }
    /* attributes */
    while (i < lim && s[i] != '>' && s[i] != '<') {
        while (i < lim && (is_space(s[i]) || s[i] == '/' || s[i] == '"' || s[i] == '\''))
            i++;
        size_t an = i;
        while (i < lim && !is_space(s[i]) && s[i] != '=' && s[i] != '>' && s[i] != '/' &&
               s[i] != '<')
            i++;
        size_t an_len = i - an;
        while (i < lim && is_space(s[i]))
            i++;
        const char *val = NULL;
        size_t vl = 0;
        if (i < lim && s[i] == '=') {
            i++;
            while (i < lim && is_space(s[i]))
                i++;
            if (i < lim && (s[i] == '"' || s[i] == '\'' || s[i] == '`')) {
                char q = s[i++];
                val = s + i;
                while (i < lim && s[i] != q)
                    i++;
                vl = (size_t)(s + i - val);
                if (i < lim)
                    i++;
            } else {
                val = s + i;
                while (i < lim && !is_space(s[i]) && s[i] != '>')
                    i++;
                vl = (size_t)(s + i - val);
            }
        }
        if (an_len == 0) {
            if (i < lim && s[i] != '>' && s[i] != '<')
                i++;
            continue;
        }
        const char *attr = s + an;
        if (val != NULL && event_attr(attr, an_len))
            waf_report(in, 941120, "xss", WAF_CRITICAL, s, i, "XSS: event handler attribute");
        else if (val != NULL &&
                 (word_in(attr, an_len, url_attrs) ||
                  (an_len > 5 && word_eq(attr + an_len - 5, 5, ":href"))) &&
                 script_uri(val, vl))
            waf_report(in, 941130, "xss", WAF_CRITICAL, s, i, "XSS: script URI in an attribute");
        else if (val != NULL && word_eq(attr, an_len, "style") &&
                 (memcasemem(val, vl, "expression(") != NULL ||
                  memcasemem(val, vl, "javascript:") != NULL ||
                  memcasemem(val, vl, "-moz-binding") != NULL ||
                  memcasemem(val, vl, "behavior:") != NULL))
            waf_report(in, 941140, "xss", WAF_CRITICAL, s, i, "XSS: code in a style attribute");
        else if (val != NULL && word_eq(attr, an_len, "srcdoc") && waf_memchr(val, '<', vl) != NULL)
            waf_report(in, 941130, "xss", WAF_CRITICAL, s, i, "XSS: markup in srcdoc");
        else if (val != NULL && word_eq(attr, an_len, "http-equiv") &&
                 memcasemem(val, vl, "refresh") != NULL && name_len == 4)
            waf_report(in, 941110, "xss", WAF_CRITICAL, s, i, "XSS: meta refresh");
    }
    if (word_eq(tag, name_len, "style") && !closing) {
        /* CSS that runs code: look a little past the tag */
        const char *rest = s + i;
        size_t rl = n - i < 256 ? n - i : 256;
        if (memcasemem(rest, rl, "expression(") != NULL ||
            memcasemem(rest, rl, "javascript:") != NULL || memcasemem(rest, rl, "@import") != NULL)
            waf_report(in, 941140, "xss", WAF_CRITICAL, s, i, "XSS: code in a style element");
    }
    return i > 1 ? i : 1;
}

static const char *const js_sinks[] = {
    "alert",    "prompt",  "confirm",    "eval",   "settimeout", "setinterval",
    "function", "fetch",   "atob",       "import", "print",      "open",
    "write",    "writeln", "execscript", "msgbox", NULL,
};

/* JS string break-out: a quote, an operator or ';', then a call of a sink. */
static void js_breakout(inspect *in, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\'' && s[i] != '"' && s[i] != '`')
            continue;
        size_t j = i + 1;
        while (j < n && is_space(s[j]))
            j++;
        if (j >= n || strchr(";+-*|&,)}%^/<>=?:", s[j]) == NULL)
            continue;
        /* skip the operator run ("||", ";", "-") and blanks, also a closing </script> */
        size_t k = j;
        while (k < n && k < j + 4 && strchr(";+-*|&,)}%^/<>=?: ", s[k]) != NULL)
            k++;
        size_t w = k;
        while (w < n && (is_alpha(s[w]) || s[w] == '.' || s[w] == '_'))
            w++;
        if (w == k)
            continue;
        /* window.alert, top.alert: keep the last component */
        size_t last = k;
        for (size_t t = k; t < w; t++)
            if (s[t] == '.')
                last = t + 1;
        size_t p = w;
        while (p < n && is_space(s[p]))
            p++;
        if (p < n && (s[p] == '(' || s[p] == '`') && word_in(s + last, w - last, js_sinks)) {
            waf_report(in, 941170, "xss", WAF_CRITICAL, s + i, p + 1 - i,
                       "XSS: break-out of a script string into a call");
            return;
        }
        if (memcasemem(s + k, w - k, "document.cookie") != NULL ||
            memcasemem(s + k, w - k, "document.location") != NULL ||
            memcasemem(s + k, w - k, "window.location") != NULL) {
            waf_report(in, 941170, "xss", WAF_CRITICAL, s + i, w - i,
                       "XSS: break-out of a script string into a call");
            return;
        }
    }
}

/* "x" onmouseover="...: a value that closes an attribute and opens an event handler, possibly
 * after a few harmless attributes (" autofocus onfocus=...). */
#define XSS_BREAKOUT_ATTRS 4

static void attr_breakout(inspect *in, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '"' && s[i] != '\'' && s[i] != '`')
            continue;
        size_t j = i + 1;
        for (int attr = 0; attr < XSS_BREAKOUT_ATTRS; attr++) {
            bool sep =
                attr > 0 && j > 0 && (is_space(s[j - 1]) || s[j - 1] == '"' || s[j - 1] == '\'');
            while (j < n &&
                   (is_space(s[j]) || s[j] == '/' || (attr > 0 && (s[j] == '"' || s[j] == '\'')))) {
                j++;
                sep = true;
            }
            if (!sep)
                break;
            size_t a = j;
            while (j < n && (is_alpha(s[j]) || s[j] == '-'))
                j++;
            size_t al = j - a;
            if (al == 0)
                break;
            while (j < n && is_space(s[j]))
                j++;
            if (j < n && s[j] == '=' && event_attr(s + a, al)) {
                waf_report(in, 941150, "xss", WAF_CRITICAL, s + i, j + 1 - i,
                           "XSS: attribute break-out into an event handler");
                return;
            }
            if (j < n && s[j] == '=' &&
                (word_eq(s + a, al, "style") || word_eq(s + a, al, "href") ||
                 word_eq(s + a, al, "src"))) {
                size_t v = j + 1;
                while (v < n && (is_space(s[v]) || s[v] == '"' || s[v] == '\''))
                    v++;
                if (script_uri(s + v, n - v) ||
                    memcasemem(s + v, n - v < 64 ? n - v : 64, "expression(") != NULL) {
                    waf_report(in, 941150, "xss", WAF_CRITICAL, s + i, j + 1 - i,
                               "XSS: attribute break-out into script");
                    return;
                }
            }
            /* skip this attribute's value, if any, then look at the next attribute */
            if (j < n && s[j] == '=') {
                j++;
                while (j < n && is_space(s[j]))
                    j++;
                if (j < n && (s[j] == '"' || s[j] == '\'')) {
                    const char *q = waf_memchr(s + j + 1, s[j], n - j - 1 < 128 ? n - j - 1 : 128);
                    if (q == NULL)
                        break;
                    j = (size_t)(q - s) + 1;
                } else {
                    while (j < n && !is_space(s[j]) && s[j] != '>')
                        j++;
                }
            }
        }
    }
}

void detect_xss(inspect *in, const nval *v)
{
    const char *s = v->dec;
    size_t n = v->dec_len;
    if (n == 0)
        return;
    const char *p = s;
    while (nval_any(v, "<") && (p = waf_memchr(p, '<', (size_t)(s + n - p))) != NULL)
        p += scan_tag(in, p, (size_t)(s + n - p));
    bool quote = nval_any(v, "\"'`");
    if (quote && nval_any(v, "="))
        attr_breakout(in, s, n);
    if (quote && nval_any(v, "(`"))
        js_breakout(in, s, n);
    if (nval_any(v, "+") && memcasemem(s, n, "+adw-") != NULL &&
        (memcasemem(s, n, "+ad4-") != NULL || memcasemem(s, n, "script") != NULL))
        waf_report(in, 941180, "xss", WAF_CRITICAL, s, n, "XSS: UTF-7 encoded markup");
    if (!nval_any(v, ":"))
        return;
    /* a value that is itself a script URI (redirect targets, links) */
    size_t lead = 0;
    while (lead < n && (unsigned char)s[lead] <= 0x20)
        lead++;
    if (script_uri(s + lead, n - lead)) {
        /* "JavaScript: The Good Parts" is a title: a script URI has code right after ':' */
        const char *colon = waf_memchr(s + lead, ':', n - lead);
        size_t after = colon != NULL ? (size_t)(colon - s) + 1 : n;
        if (after < n && !is_space(s[after]))
            waf_report(in, 941160, "xss", WAF_CRITICAL, s + lead, n - lead,
                       "XSS: script URI as a value");
    }
    const char *js = memcasemem(s, n, "javascript:");
    if (js != NULL && js != s + lead) {
        size_t rest = (size_t)(s + n - js) - 11;
        const char *r = js + 11;
        for (const char *const *k = js_sinks; *k != NULL && rest > 0; k++) {
            const char *hitp = memcasemem(r, rest < 64 ? rest : 64, *k);
            if (hitp != NULL) {
                waf_report(in, 941160, "xss", WAF_CRITICAL, js, 11 + (size_t)(hitp - r),
                           "XSS: script URI calling a sink");
                break;
            }
        }
    }
    if (waf_pl(in, 2)) {
        const char *dc = memcasemem(s, n, "document.cookie");
        if (dc != NULL)
            waf_report(in, 941190, "xss", WAF_WARNING, dc, 15, "XSS: reads document.cookie");
    }
}

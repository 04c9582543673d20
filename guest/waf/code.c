/*
 * Code injection into interpreters on the server: PHP (opening tags, calls of functions that run
 * commands or code, superglobals, serialized objects), Java (Log4Shell lookups after undoing the
 * nested-lookup obfuscation, OGNL and EL expressions, gadget class names, serialized streams in
 * raw or base64 form, and the same for .NET, Python and Node serializers), and server-side
 * template injection (template delimiters around arithmetic probes, object-graph walks such as
 * __class__.__mro__, or engine-specific escape hatches).
 */
#include "waf_int.h"

#include <string.h>

/* ---- PHP ----------------------------------------------------------------------------------------
 */

static const char *const php_exec_funcs[] = {
    "system",
    "exec",
    "shell_exec",
    "passthru",
    "popen",
    "proc_open",
    "pcntl_exec",
    "eval",
    "assert",
    "create_function",
    "call_user_func",
    "call_user_func_array",
    "preg_replace",
    "base64_decode",
    "gzinflate",
    "str_rot13",
    "file_get_contents",
    "file_put_contents",
    "fopen",
    "fwrite",
    "include",
    "require",
    "include_once",
    "require_once",
    "phpinfo",
    "highlight_file",
    "show_source",
    "readfile",
    "unserialize",
    "move_uploaded_file",
    "array_map",
    "usort",
    "ob_start",
    "putenv",
    "mail",
    "dl",
    "chr",
    "fsockopen",
    "curl_exec",
    "print_r",
    "var_dump",
    "echo",
    NULL,
};
/* Functions whose call is code execution no matter the argument. */
static const char *const php_strong_funcs[] = {
    "shell_exec",
    "passthru",
    "proc_open",
    "pcntl_exec",
    "phpinfo",
    "create_function",
    "call_user_func",
    "call_user_func_array",
    "gzinflate",
    "highlight_file",
    "show_source",
    "file_put_contents",
    "move_uploaded_file",
    "fsockopen",
    "str_rot13",
    NULL,
};

static void php(inspect *in, const nval *v)
{
    const char *s = v->low;
    size_t n = v->low_len;
    const char *p;
    if (nval_any(v, "<") &&
        ((p = memstr(s, n, "<?php")) != NULL || (p = memstr(s, n, "<?=")) != NULL ||
         ((p = memstr(s, n, "<? ")) != NULL && memstr(p, (size_t)(s + n - p), "?>") != NULL))) {
        waf_report(in, 933100, "php", WAF_CRITICAL, p, (size_t)(s + n - p), "PHP: opening tag");
        return;
    }
    static const char *const superglobals[] = {
        "$_get",     "$_post",   "$_request",           "$_cookie", "$_server", "$_files", "$_env",
        "$_session", "$globals", "$http_raw_post_data", NULL,
    };
    size_t which;
    for (const char *q = s; nval_any(v, "$") && (p = find_any(in, q, (size_t)(s + n - q),
                                                              superglobals, &which)) != NULL;
         q = p + 1) {
        size_t l = strlen(superglobals[which]);
        if (p + l < s + n && (p[l] == '[' || p[l] == '{' || p[l] == ')' || p[l] == ';')) {
            waf_report(in, 933110, "php", WAF_CRITICAL, p, l + 1, "PHP: superglobal access");
            return;
        }
    }
    /* name ( argument: strong names always, the others with a string, variable or call inside */
    for (size_t i = 0; i < n && nval_any(v, "("); i++) {
        if (!is_alpha(s[i]) || (i > 0 && (is_word_byte((unsigned char)s[i - 1]) ||
                                          s[i - 1] == '.' || s[i - 1] == '>')))
            continue;
        size_t j = i;
        while (j < n && is_word_byte((unsigned char)s[j]))
            j++;
        size_t wl = j - i;
        size_t k = j;
        while (k < n && (s[k] == ' ' || s[k] == '/' || s[k] == '*') && k < j + 8)
            k++;
        if (k >= n || s[k] != '(') {
            i = j;
            continue;
        }
        bool strong = word_in(s + i, wl, php_strong_funcs);
        bool known = strong || word_in(s + i, wl, php_exec_funcs);
        if (!known) {
            i = j;
            continue;
        }
        size_t a = k + 1;
        while (a < n && s[a] == ' ')
            a++;
        bool arg = a < n && (s[a] == '$' || s[a] == '\'' || s[a] == '"' || s[a] == '`' ||
                             (is_alpha(s[a]) && waf_memchr(s + a, '(', n - a < 32 ? n - a : 32)));
        bool evalish = word_eq(s + i, wl, "eval") || word_eq(s + i, wl, "assert") ||
                       word_eq(s + i, wl, "system") || word_eq(s + i, wl, "exec") ||
                       word_eq(s + i, wl, "popen") || word_eq(s + i, wl, "include") ||
                       word_eq(s + i, wl, "require") || word_eq(s + i, wl, "unserialize") ||
                       word_eq(s + i, wl, "base64_decode") || word_eq(s + i, wl, "preg_replace") ||
                       word_eq(s + i, wl, "file_get_contents") || word_eq(s + i, wl, "readfile");
        /* eval('x') appears in code snippets of other languages: require PHP-ish arguments */
        bool phpish = a < n && (s[a] == '$' || memstr(s + a, n - a < 48 ? n - a : 48, "$_") ||
                                memstr(s + a, n - a < 48 ? n - a : 48, "base64_decode") ||
                                memstr(s + a, n - a < 48 ? n - a : 48, "gzinflate") ||
                                memstr(s + a, n - a < 48 ? n - a : 48, "php://") ||
                                memstr(s + a, n - a < 48 ? n - a : 48, "chr("));
        bool cmdish = a < n && (s[a] == '\'' || s[a] == '"' || s[a] == '`') && a + 1 < n &&
                      (memstr(s + a, n - a < 40 ? n - a : 40, "id") == s + a + 1 ||
                       memstr(s + a, n - a < 40 ? n - a : 40, "whoami") == s + a + 1 ||
                       memstr(s + a, n - a < 40 ? n - a : 40, "ls") == s + a + 1 ||
                       memstr(s + a, n - a < 40 ? n - a : 40, "cat ") == s + a + 1 ||
                       memstr(s + a, n - a < 40 ? n - a : 40, "uname") == s + a + 1 ||
                       memstr(s + a, n - a < 40 ? n - a : 40, "/etc/") != NULL ||
                       memstr(s + a, n - a < 40 ? n - a : 40, "wget") != NULL ||
                       memstr(s + a, n - a < 40 ? n - a : 40, "curl") != NULL);
        if ((strong && (arg || (a < n && s[a] == ')'))) || (evalish && (phpish || cmdish)) ||
            (known && phpish)) {
            waf_report(in, 933120, "php", WAF_CRITICAL, s + i, a + 1 - i,
                       "PHP: call of a code or command execution function");
            return;
        }
        i = j;
    }
    /* serialized objects: O:8:"stdClass":1:{ or C:... */
    if (!nval_any(v, ":") || !nval_any(v, "\""))
        return;
    for (const char *q = s; (q = waf_memchr(q, ':', (size_t)(s + n - q))) != NULL; q++) {
        if (q == s || (q[-1] != 'o' && q[-1] != 'c') || (q - 1 > s && is_alpha(q[-2])))
            continue;
        const char *d = q + 1;
        while (d < s + n && is_digit(*d))
            d++;
        if (d > q + 1 && d + 1 < s + n && d[0] == ':' && d[1] == '"') {
            waf_report(in, 933130, "php", WAF_CRITICAL, q - 1,
                       (size_t)(s + n - q + 1) < 32 ? (size_t)(s + n - q + 1) : 32,
                       "PHP: serialized object");
            return;
        }
    }
}

/* ---- Java, Log4Shell, deserialization ----------------------------------------------------------
 */

/* Undoes Log4j's nested lookups that attackers use to spell "jndi": ${lower:j}, ${upper:J},
 * ${::-j}, ${env:NOPE:-j}, ${date:'j'} all yield their last letter(s). Output is never longer. */
static size_t log4j_fold(const char *s, size_t n, char *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '$' && i + 1 < n && s[i + 1] == '{') {
            /* find the matching '}' of an inner lookup without nested '$' */
            size_t j = i + 2;
            while (j < n && j < i + 64 && s[j] != '}' && s[j] != '$')
                j++;
            if (j < n && s[j] == '}') {
                const char *body = s + i + 2;
                size_t bl = j - i - 2;
                const char *dash = NULL;
                for (size_t t = 0; t + 1 < bl; t++)
                    if (body[t] == ':' && body[t + 1] == '-')
                        dash = body + t + 2;
                const char *val = NULL;
                size_t vl = 0;
                if (dash != NULL) {
                    val = dash;
                    vl = (size_t)(body + bl - dash);
                } else if (bl > 6 &&
                           (memcmp(body, "lower:", 6) == 0 || memcmp(body, "upper:", 6) == 0)) {
                    val = body + 6;
                    vl = bl - 6;
                } else if (bl > 5 && memcmp(body, "date:", 5) == 0) {
                    val = body + 5;
                    vl = bl - 5;
                }
                if (val != NULL) {
                    for (size_t t = 0; t < vl; t++)
                        if (val[t] != '\'' && val[t] != '"')
                            out[k++] = lc(val[t]);
                    i = j;
                    continue;
                }
            }
        }
        out[k++] = s[i];
    }
    out[k] = '\0';
    return k;
}

static const char *const java_markers[] = {
    "java.lang.runtime",
    "java.lang.processbuilder",
    "java.lang.system",
    "getruntime()",
    ".getruntime().exec",
    "processbuilder(",
    "class.forname(",
    "classloader",
    "javax.script.scriptenginemanager",
    "org.apache.commons.collections",
    "org.apache.xalan",
    "com.sun.org.apache.xalan",
    "com.sun.rowset.jdbcrowsetimpl",
    "org.springframework.beans.factory",
    "ysoserial",
    "templatesimpl",
    "invokertransformer",
    "chainedtransformer",
    "java.beans.xmldecoder",
    "<java.lang.",
    "@java.lang.",
    "#_memberaccess",
    "#context[",
    "ognl.ognlcontext",
    "#application[",
    "(#_=",
    "@ognl",
    "class.module.classloader",
    "xwork.methodaccessor",
    "java.net.url",
    "java.io.file",
    "javax.naming",
    "jndi:",
    "com.mchange.v2.c3p0",
    "bsh.interpreter",
    "org.codehaus.groovy.runtime",
    "groovy.util.eval",
    NULL,
};

/* The earliest serialized-stream signature that letters and digits can spell, as find_any
 * over the list would report it (*which: its index). Every one has its second byte in
 * "O4cCA", so only the positions before a capital, a '4' or a 'c' are compared, found eight
 * bytes at a time. */
static const char *plain_stream(const char *d, size_t dn, size_t *which)
{
    static const char *const streams[] = {"rO0AB", "H4sIAAAAAAAA", "aced0005", "ACED0005", "gASV"};
    static const size_t lens[] = {5, 12, 8, 8, 4};
    /* the shortest signature has 4 bytes */
    if (dn < 4)
        return NULL;
    for (size_t i = 1; i < dn; i += 8) {
        /* the word of the second bytes from i; the last one overlaps the one before, its lanes
           already looked at cleared (and a short value's is NUL-padded): a NUL is no candidate */
        uint64_t x;
        size_t base = i;
        if (i + 8 <= dn) {
            x = swar_load(d + i);
        } else if (dn >= 9) {
            base = dn - 8;
            x = swar_load(d + base) & (~0ull << (8 * (i - base)));
        } else {
            x = swar_load_short(d + i, dn - i);
        }
        /* capitals cover O, C and A (a plain value has no byte above 0x7f) */
        uint64_t m = swar_in(x, 'A', 'Z') | swar_eq(x, '4') | swar_eq(x, 'c');
        for (; m != 0; m &= m - 1) {
            size_t at = base + (size_t)(__builtin_ctzll(m) >> 3) - 1;
            for (size_t k = 0; k < 5; k++)
                if (d[at] == streams[k][0] && lens[k] <= dn - at &&
                    memcmp(d + at, streams[k], lens[k]) == 0) {
                    *which = k;
                    return d + at;
                }
        }
    }
    return NULL;
}

void detect_code_plain(inspect *in, const char *d, size_t dn)
{
    /* letters and digits can only spell the base64 and hex signatures of serialized streams,
       and none of the other rules of this file (each needs a byte such a value lacks) */
    size_t which;
    const char *p = plain_stream(d, dn, &which);
    if (p == NULL)
        return;
    /* at most 16 bytes, and none past the value: d is not NUL-terminated where the value
       ends (it may lie inside the request document), while the value's decoded form, which the
       other paths report from, is */
    size_t left = (size_t)(d + dn - p);
    if (which < 4)
        waf_report(in, 944200, "java", WAF_CRITICAL, d, dn, "Java: serialized object stream");
    else
        waf_report(in, 944210, "java", WAF_CRITICAL, p, left < 16 ? left : 16,
                   "Deserialization: gadget or serialized object");
}

static void java(inspect *in, const nval *v)
{
    const char *s = v->low;
    size_t n = v->low_len;
    const char *p;
    size_t which;
    /* every lookup, JNDI URL and gadget name has one of these bytes or a dotted name */
    if (!nval_any(v, "(#@<[:$") && !v->dotted_word)
        goto serialized;
    char *folded =
        nval_any(v, "$") && memstr(s, n, "${") != NULL ? arena_alloc(in->a, n + 1) : NULL;
    if (folded != NULL) {
        size_t fl = log4j_fold(s, n, folded);
        /* folding may expose another layer: fold twice */
        fl = log4j_fold(folded, fl, folded);
        if ((p = memstr(folded, fl, "${jndi:")) != NULL) {
            waf_report(in, 944150, "java", WAF_CRITICAL, p, (size_t)(folded + fl - p),
                       "Java: Log4Shell JNDI lookup");
            return;
        }
        static const char *const lookups[] = {
            "${env:",        "${sys:",    "${java:",   "${ctx:",    "${main:",
            "${bundle:",     "${log4j:",  "${k8s:",    "${docker:", "${spring:",
            "${web:",        "${base64:", "${marker:", "${sd:",     "${map:",
            "${jvmrunargs:", "${lower:",  "${upper:",  "${date:",   "${::-",
            "${event:",      NULL,
        };
        for (const char *const *l = lookups; *l != NULL; l++)
            if ((p = memstr(s, n, *l)) != NULL) {
                waf_report(in, 944150, "java", WAF_CRITICAL, p, (size_t)(s + n - p),
                           "Java: Log4j lookup");
                return;
            }
    }
    if (nval_any(v, ":") && (p = memstr(s, n, "jndi:")) != NULL &&
        (memstr(p, (size_t)(s + n - p), "ldap") || memstr(p, (size_t)(s + n - p), "rmi") ||
         memstr(p, (size_t)(s + n - p), "dns") || memstr(p, (size_t)(s + n - p), "iiop") ||
         memstr(p, (size_t)(s + n - p), "corba") || memstr(p, (size_t)(s + n - p), "nis") ||
         memstr(p, (size_t)(s + n - p), "nds") || memstr(p, (size_t)(s + n - p), "http"))) {
        waf_report(in, 944150, "java", WAF_CRITICAL, p, (size_t)(s + n - p), "Java: JNDI lookup");
        return;
    }
    if ((p = find_any(in, s, n, java_markers, &which)) != NULL) {
        waf_report(in, 944100, "java", WAF_CRITICAL, p, strlen(java_markers[which]),
                   "Java: code execution gadget or expression");
        return;
    }
serialized:;
    /* serialized streams: AC ED 00 05 raw, as hex, or base64 "rO0AB"; .NET, Python, Node, YAML */
    const char *d = v->dec;
    size_t dn = v->dec_len;
    /* one pass for every case-sensitive signature of three bytes or more: Java streams first
     * (944200), then other runtimes' (944210). The raw stream header AC ED 00 05 is looked for
     * apart: a needle of two bytes would send find_any over every byte the slow way. The
     * earlier of the two is reported, as one search over both lists would find it (no needle
     * of the list starts with AC). */
    static const char *const streams[] = {
        "rO0AB",       "H4sIAAAAAAAA",   "aced0005",           "ACED0005", "AAEAAAD/////",
        "cos\nsystem", "cposix\nsystem", "c__builtin__\neval", "gASV",     "ccopy_reg\n",
        NULL,
    };
    if (v->plain) {
        detect_code_plain(in, d, dn);
        return;
    }
    /* serialized blobs have no spaces (base64, hex) or carry their own control bytes */
    if (!nval_any(v, " ") || nval_any(v, "\n\xac")) {
        const char *raw = NULL;
        for (const char *q = waf_memchr(d, 0xac, dn); q != NULL && raw == NULL;
             q = waf_memchr(q + 1, 0xac, (size_t)(d + dn - q - 1)))
            if (q + 4 <= d + dn && (unsigned char)q[1] == 0xed && q[2] == 0 && q[3] == 5)
                raw = q;
        p = find_any(in, d, dn, streams, &which);
        if (raw != NULL && (p == NULL || raw < p)) {
            waf_report(in, 944200, "java", WAF_CRITICAL, d, dn, "Java: serialized object stream");
            return;
        }
        if (p != NULL) {
            if (which < 4)
                waf_report(in, 944200, "java", WAF_CRITICAL, d, dn,
                           "Java: serialized object stream");
            else
                waf_report(in, 944210, "java", WAF_CRITICAL, p, 16,
                           "Deserialization: gadget or serialized object");
            return;
        }
    }
    /* matched on the lowercased form */
    static const char *const deser_lower[] = {
        "$type\":\"system.",
        "system.windows.data.objectdataprovider",
        "system.diagnostics.process",
        "_$$nd_func$$_",
        "!!python/object",
        "!!python/name",
        "!!javax.script",
        "!!java.",
        "!!ruby/object",
        "__reduce__",
        "\"@type\":\"com.",
        "\"@type\":\"org.",
        "\"@type\":\"java.",
        "\"@type\": \"com.",
        "\"@type\":\"javax.",
        "\"@type\": \"java.",
        NULL,
    };
    if ((nval_any(v, "$@_") || memstr(s, n, "!!") != NULL || memstr(s, n, "system.") != NULL) &&
        (p = find_any(in, s, n, deser_lower, &which)) != NULL) {
        waf_report(in, 944210, "java", WAF_CRITICAL, p, 16,
                   "Deserialization: gadget or serialized object");
        return;
    }
}

/* ---- Server-side template injection
 * -------------------------------------------------------------- */

static bool arithmetic_probe(const char *s, size_t n)
{
    /* 7*7, 7*'7', 1337*1337, 7 * 191: digits, optional quotes, '*' or '+', digits */
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(s[i]) || (i > 0 && (is_word_byte((unsigned char)s[i - 1]))))
            continue;
        size_t j = i;
        while (j < n && is_digit(s[j]))
            j++;
        while (j < n && (s[j] == ' ' || s[j] == '\'' || s[j] == '"'))
            j++;
        if (j < n && (s[j] == '*' || s[j] == '+' || s[j] == '-' || s[j] == '/')) {
            j++;
            while (j < n && (s[j] == ' ' || s[j] == '\'' || s[j] == '"'))
                j++;
            if (j < n && is_digit(s[j]))
                return true;
        }
        i = j > i ? j - 1 : i;
    }
    return false;
}

static const char *const ssti_objects[] = {
    "__class__",
    "__mro__",
    "__subclasses__",
    "__globals__",
    "__builtins__",
    "__init__",
    "__import__",
    "__base__",
    "__bases__",
    "__dict__",
    "__getattribute__",
    "config",
    "self",
    "request",
    "lipsum",
    "cycler",
    "joiner",
    "namespace",
    "url_for",
    "get_flashed",
    "session",
    "g.",
    "t(java",
    "runtime",
    "getclass",
    "forname",
    "exec(",
    "popen",
    "system(",
    "import",
    "os.",
    "subprocess",
    "constructor",
    "process.",
    "require(",
    "mainmodule",
    "freemarker",
    "execute",
    "?new(",
    "class.",
    "settings",
    "application",
    "getruntime",
    "$eval",
    "_self.env",
    "registerundefinedfilter",
    "getfilter",
    "attr(",
    "|attr",
    "[\"__",
    "|filter",
    "|map(",
    "`",
    "['__",
    "range.constructor",
    "this.",
    "global.",
    "new(",
    "getenv",
    NULL,
};

static void template_delims(inspect *in, const char *s, size_t n, const char *open,
                            const char *close)
{
    size_t ol = strlen(open), cl = strlen(close);
    const char *p = s;
    unsigned tries = 0;
    while ((p = memstr(p, (size_t)(s + n - p), open)) != NULL && tries++ < 16) {
        const char *body = p + ol;
        size_t left = (size_t)(s + n - body);
        const char *e = memstr(body, left < 512 ? left : 512, close);
        size_t bl = e != NULL ? (size_t)(e - body) : (left < 512 ? left : 512);
        bool closed = e != NULL;
        bool probe = closed && arithmetic_probe(body, bl);
        bool object = false;
        /* {{config}}, {{ self }}: dumping the template context is a probe on its own */
        if (closed) {
            size_t a = 0, z = bl;
            while (a < z && body[a] == ' ')
                a++;
            while (z > a && body[z - 1] == ' ')
                z--;
            static const char *const dumps[] = {"config",  "self", "settings", "_self",
                                                "request", "app",  "g",        NULL};
            object = word_in(body + a, z - a, dumps);
        }
        for (const char *const *o = ssti_objects; *o != NULL && !object; o++) {
            const char *hitp = memstr(body, bl, *o);
            if (hitp == NULL)
                continue;
            size_t l = strlen(*o);
            /* a template variable named "request" or "config" alone is a normal template:
               the object must be walked (".x", "[", "(") or be one of the dunder names */
            bool dunder = (*o)[0] == '_' || strchr(*o, '(') != NULL || strchr(*o, '.') != NULL ||
                          (*o)[0] == '?' || (*o)[0] == '[' || (*o)[0] == '|' || (*o)[0] == '$' ||
                          (*o)[0] == '`';
            bool walked = hitp + l < body + bl && strchr(".[(|", hitp[l]) != NULL;
            object = dunder || walked;
        }
        if (probe || object) {
            waf_report(in, 934100, "ssti", WAF_CRITICAL, p,
                       (size_t)(body + bl - p) + (closed ? cl : 0),
                       probe ? "SSTI: arithmetic probe in template delimiters"
                             : "SSTI: object walk in template delimiters");
            return;
        }
        p = body;
    }
}

static void ssti(inspect *in, const nval *v)
{
    const char *s = v->low;
    size_t n = v->low_len;
    template_delims(in, s, n, "{{", "}}");
    template_delims(in, s, n, "${", "}");
    template_delims(in, s, n, "#{", "}");
    template_delims(in, s, n, "*{", "}");
    template_delims(in, s, n, "@{", "}");
    template_delims(in, s, n, "~{", "}");
    template_delims(in, s, n, "{%", "%}");
    template_delims(in, s, n, "<%", "%>");
    template_delims(in, s, n, "[[", "]]");
    template_delims(in, s, n, "{php}", "{/php}");
    template_delims(in, s, n, "@(", ")");
    const char *p;
    static const char *const markers[] = {
        "__subclasses__",
        "__globals__",
        "__builtins__",
        "__mro__",
        "<#assign",
        "freemarker.template.utility",
        "#set($",
        "#set ($",
        "$class.inspect",
        "#foreach(",
        ".getclass().forname(",
        "{{#with",
        "{{#each",
        "{{this.constructor",
        "{php}",
        "{system(",
        "{/php}",
        "{{_self",
        "${t(",
        "*{t(",
        "#{t(",
        "{% import",
        "{%import",
        "${{",
        "#evaluate(",
        "$x.class",
        "{$smarty",
        "{if system(",
        "{{=",
        "{% debug",
        "smarty_internal",
        "{%debug",
        NULL,
    };
    size_t which;
    if ((p = find_any(in, s, n, markers, &which)) != NULL)
        waf_report(in, 934110, "ssti", WAF_CRITICAL, p, strlen(markers[which]),
                   "SSTI: template engine escape construct");
}

/* XML external entities: a DOCTYPE that declares an entity with a SYSTEM or PUBLIC identifier
 * (file reads, SSRF) or a parameter entity. */
static void xxe(inspect *in, const nval *v)
{
    const char *s = v->low;
    size_t n = v->low_len;
    for (const char *p = memstr(s, n, "<!entity"); p != NULL;
         p = memstr(p + 8, (size_t)(s + n - p - 8), "<!entity")) {
        const char *end = waf_memchr(p, '>', (size_t)(s + n - p));
        size_t l = end != NULL ? (size_t)(end - p) : (size_t)(s + n - p);
        if (memstr(p, l, "system") != NULL || memstr(p, l, "public") != NULL ||
            waf_memchr(p, '%', l) != NULL) {
            waf_report(in, 934200, "xxe", WAF_CRITICAL, p, l + (end != NULL),
                       "XXE: external entity declaration");
            return;
        }
        /* an entity defined from other entities: exponential expansion ("billion laughs") */
        if (waf_memchr(p, '&', l) != NULL && waf_memchr(p, ';', l) != NULL) {
            waf_report(in, 934210, "xxe", WAF_CRITICAL, p, l + (end != NULL),
                       "XXE: recursive entity expansion");
            return;
        }
        if (end == NULL || (size_t)(s + n - p) < 9)
            return;
    }
}

void detect_code(inspect *in, const nval *v)
{
    if (v->low_len == 0)
        return;
    if (nval_any(v, "<") && nval_any(v, "!"))
        xxe(in, v);
    if (nval_any(v, "<$(:\"'"))
        php(in, v);
    java(in, v);
    if (nval_any(v, "{<[@#$*~"))
        ssti(in, v);
}

/*
 * Injection into query languages other than SQL and into HTTP framing: NoSQL (MongoDB operators
 * as argument names such as user[$ne], as JSON member names, or inside string values; $where and
 * server-side JavaScript), LDAP filter injection (a value that closes the application's filter
 * and opens its own), and CRLF injection (a line break followed by a header or a status line, the
 * start of response splitting).
 */
#include "waf_int.h"

#include <string.h>

static const char *const mongo_ops[] = {
    "$ne",          "$eq",      "$gt",       "$gte",         "$lt",        "$lte",        "$in",
    "$nin",         "$regex",   "$where",    "$exists",      "$or",        "$and",        "$not",
    "$nor",         "$expr",    "$function", "$accumulator", "$elemmatch", "$size",       "$type",
    "$mod",         "$all",     "$options",  "$text",        "$search",    "$jsonschema", "$lookup",
    "$accumulator", "$comment", NULL,
};

bool nosql_operator(const char *s, size_t n)
{
    return n >= 3 && s[0] == '$' && word_in(s, n, mongo_ops);
}

static void nosql(inspect *in, const nval *v)
{
    const char *s = v->dec;
    size_t n = v->dec_len;
    if (in->kind == LOC_JSON_KEY) {
        if (nosql_operator(s, n))
            waf_report(in, 935100, "nosql", WAF_CRITICAL, s, n,
                       "NoSQL: query operator as a JSON member name");
        return;
    }
    /* user[$ne]=x, user[][$gt]= */
    for (const char *p = s;
         nval_any(v, "[") && (p = waf_memchr(p, '[', (size_t)(s + n - p))) != NULL; p++) {
        const char *e = waf_memchr(p, ']', (size_t)(s + n - p));
        if (e == NULL)
            break;
        if (nosql_operator(p + 1, (size_t)(e - p - 1))) {
            waf_report(in, 935100, "nosql", WAF_CRITICAL, p, (size_t)(e - p + 1),
                       "NoSQL: query operator in an argument name");
            return;
        }
    }
    if (in->kind == LOC_ARG_NAME)
        return;
    /* operators inside a string value: {"$ne": 1} sent as text, or "$where" */
    for (const char *p = s;
         nval_any(v, "$") && (p = waf_memchr(p, '$', (size_t)(s + n - p))) != NULL; p++) {
        size_t l = 1;
        while (p + l < s + n && is_alpha(p[l]) && l < 16)
            l++;
        if (!nosql_operator(p, l))
            continue;
        bool quoted = p > s && (p[-1] == '"' || p[-1] == '\'' || p[-1] == '{' || p[-1] == '[');
        const char *after = p + l;
        while (after < s + n && (*after == '"' || *after == '\'' || *after == ' '))
            after++;
        bool colon = after < s + n && *after == ':';
        if ((quoted && colon) || word_eq(p, l, "$where") || word_eq(p, l, "$function") ||
            word_eq(p, l, "$accumulator")) {
            waf_report(in, 935110, "nosql", WAF_CRITICAL, p, l,
                       "NoSQL: query operator in a "
                       "value");
            return;
        }
    }
    /* server-side JavaScript in a $where string: '; return true; var x=' and friends */
    const char *l = v->low;
    size_t ln = v->low_len;
    static const char *const js[] = {
        "';return",   "\";return",     "'; return",     "\"; return",       "||'1'=='1",
        "|| '1'=='1", "this.password", "this.username", "db.getcollection", "db.users",
        "sleep(",     "while(true)",   "while (true)",  "tojson(this)",     "this.constructor",
        "'==",        "\"==",          "db.version()",  "mapreduce",        NULL,
    };
    size_t which;
    const char *p;
    /* every construct below has one of these bytes */
    if (!nval_any(v, ";=|("))
        return;
    for (const char *from = l;
         (p = find_any(in, from, (size_t)(l + ln - from), js, &which)) != NULL; from = p + 1) {
        const char *const *j = &js[which];
        /* sleep( and this.x are NoSQL only with a quote break-out or a $where nearby */
        bool match_call =
            strncmp(*j, "this.", 5) == 0 &&
            memstr(p, (size_t)(l + ln - p) < 48 ? (size_t)(l + ln - p) : 48, ".match(") != NULL;
        bool weak = strcmp(*j, "sleep(") == 0 || (strncmp(*j, "this.", 5) == 0 && !match_call) ||
                    strncmp(*j, "while", 5) == 0 || strcmp(*j, "mapreduce") == 0;
        if (weak && waf_memchr(l, '\'', ln) == NULL && waf_memchr(l, '"', ln) == NULL &&
            memstr(l, ln, "$where") == NULL && memstr(l, ln, "return") == NULL)
            continue;
        if ((strcmp(*j, "'==") == 0 || strcmp(*j, "\"==") == 0) && memstr(l, ln, "||") == NULL &&
            memstr(l, ln, "&&") == NULL)
            continue;
        waf_report(in, 935120, "nosql", WAF_CRITICAL, p, strlen(*j),
                   "NoSQL: server-side JavaScript injection");
        return;
    }
}

static void ldap(inspect *in, const nval *v)
{
    const char *s = v->dec;
    size_t n = v->dec_len;
    for (size_t i = 0; i < n; i++) {
        /* eight bytes at a time past words without a parenthesis */
        for (uint64_t x; i + 8 <= n; i += 8) {
            x = swar_load(s + i);
            if ((swar_eq(x, '(') | swar_eq(x, ')')) != 0)
                break;
        }
        if (i >= n)
            break;
        if (s[i] != '(' && s[i] != ')')
            continue;
        size_t j = i + 1;
        while (j < n && s[j] == ' ')
            j++;
        if (s[i] == ')') {
            /* ")(" opens a new filter term: ")(uid=*", ")(|(", ")(&)" */
            if (j >= n || s[j] != '(')
                continue;
            size_t k = j + 1;
            while (k < n && s[k] == ' ')
                k++;
            if (k < n && (s[k] == '|' || s[k] == '&' || s[k] == '!')) {
                waf_report(in, 936100, "ldap", WAF_CRITICAL, s + i, k + 1 - i,
                           "LDAP: filter injection (new boolean term)");
                return;
            }
            size_t a = k;
            while (k < n && (is_word_byte((unsigned char)s[k]) || s[k] == '-' || s[k] == '.'))
                k++;
            if (k > a && k < n &&
                (s[k] == '=' ||
                 ((s[k] == '~' || s[k] == '<' || s[k] == '>') && k + 1 < n && s[k + 1] == '='))) {
                waf_report(in, 936100, "ldap", WAF_CRITICAL, s + i, k + 1 - i,
                           "LDAP: filter injection (new attribute term)");
                return;
            }
        } else {
            /* "(|(" "(&(" "(!(" : a boolean filter written by the client */
            if (j + 1 < n && (s[j] == '|' || s[j] == '&' || s[j] == '!')) {
                size_t k = j + 1;
                while (k < n && s[k] == ' ')
                    k++;
                if (k < n && (s[k] == '(' || s[k] == ')')) {
                    waf_report(in, 936110, "ldap", WAF_CRITICAL, s + i, k + 1 - i,
                               "LDAP: boolean filter in a value");
                    return;
                }
            }
        }
    }
    /* "*)" closing the application's term after a wildcard, and well-known attribute probes
       (each search only when the value holds a byte of its string: charmask is dec's) */
    const char *p = nval_any(v, "*") ? memstr(s, n, "*)") : NULL;
    if (p != NULL && p + 2 < s + n &&
        (p[2] == '(' || p[2] == ')' || p[2] == '%' || p[2] == '&' || p[2] == '|')) {
        waf_report(in, 936120, "ldap", WAF_CRITICAL, p, 3, "LDAP: wildcard term closed early");
        return;
    }
    /* the classic probe string of filter metacharacters */
    if ((nval_any(v, "*") && (p = memstr(s, n, "*()|")) != NULL) ||
        (nval_any(v, "|") && (p = memstr(s, n, "()|&")) != NULL)) {
        waf_report(in, 936140, "ldap", WAF_CRITICAL, p, 4, "LDAP: filter metacharacter probe");
        return;
    }
    if (nval_any(v, "=") && (p = memcasemem(s, n, "objectclass=")) != NULL)
        waf_report(in, 936130, "ldap", WAF_CRITICAL, p, 13, "LDAP: objectClass probe");
}

/* Headers an attacker plants in a response; free text rarely starts a line with them. */
static const char *const header_names[] = {
    "set-cookie",
    "set-cookie2",
    "location",
    "content-type",
    "content-length",
    "refresh",
    "transfer-encoding",
    "content-disposition",
    "access-control-allow-origin",
    "access-control-allow-credentials",
    "x-xss-protection",
    "content-security-policy",
    "x-forwarded-for",
    "x-forwarded-host",
    "www-authenticate",
    "content-encoding",
    "x-frame-options",
    "strict-transport-security",
    "proxy-authorization",
    "x-original-url",
    "x-rewrite-url",
    NULL,
};
/* Header names that are also common words at the start of a line of prose ("Server: ...",
 * "Link: ..."): they count only outside free-text locations. */
static const char *const header_names_weak[] = {
    "host",    "cookie", "link",          "server",  "connection", "cache-control", "last-modified",
    "expires", "pragma", "authorization", "upgrade", "vary",       "etag",          NULL,
};

/* What a line break lets an attacker add to a mail the application sends or to an IMAP/SMTP
 * session it holds: SMTP envelope commands, copy recipients, IMAP tagged commands. line starts
 * at the first byte after the break; word_len is the length of its first word. */
static bool mail_command(const char *line, size_t n, bool colon, size_t word_len, bool text)
{
    static const char *const imap[] = {
        "capability",   "fetch",  "login",   "select", "examine", "list",   "store",
        "copy",         "uid",    "search",  "delete", "rename",  "append", "logout",
        "authenticate", "status", "expunge", "create", "lsub",    NULL,
    };
    if (n >= 8 &&
        (memcasemem(line, 8, "rcpt to:") == line || memcasemem(line, 8, "rcpt to ") == line))
        return true;
    if (n >= 10 && memcasemem(line, 10, "mail from:") == line)
        return true;
    if (colon && (word_eq(line, word_len, "bcc") || word_eq(line, word_len, "cc")))
        return true;
    if (colon && !text &&
        (word_eq(line, word_len, "to") || word_eq(line, word_len, "from") ||
         word_eq(line, word_len, "subject") || word_eq(line, word_len, "reply-to")))
        return true;
    /* "A1 FETCH ...": a short tag, a space, an IMAP command */
    if (word_len >= 1 && word_len <= 8 && word_len + 1 < n && line[word_len] == ' ') {
        const char *cmd = line + word_len + 1;
        size_t cl = 0;
        while (word_len + 1 + cl < n && is_alpha(cmd[cl]))
            cl++;
        bool tag_digit = false;
        for (size_t t = 0; t < word_len; t++)
            tag_digit |= is_digit(line[t]);
        if (tag_digit && word_in(cmd, cl, imap))
            return true;
    }
    return false;
}

static void crlf(inspect *in, const nval *v)
{
    /* the value before any decoding beyond its location's: the raw bytes a header would get */
    const char *forms[2] = {v->raw, v->dec};
    size_t lens[2] = {v->raw_len, v->dec_len};
    for (int f = 0; f < 2; f++) {
        const char *s = forms[f];
        size_t n = lens[f];
        for (size_t i = 0; i < n; i++) {
            if (s[i] != '\n' && s[i] != '\r')
                continue;
            size_t j = i;
            while (j < n && (s[j] == '\r' || s[j] == '\n'))
                j++;
            while (j < n && (s[j] == ' ' || s[j] == '\t'))
                j++;
            size_t a = j;
            while (j < n && (is_word_byte((unsigned char)s[j]) || s[j] == '-'))
                j++;
            size_t hl = j - a;
            while (j < n && s[j] == ' ')
                j++;
            bool colon = j < n && s[j] == ':';
            /* free text (form fields, JSON, bodies) has lines; URLs, cookies, headers don't */
            bool text = (in->kind == LOC_ARG && !in->in_query) || in->kind == LOC_JSON ||
                        in->kind == LOC_BODY;
            if (colon && (word_in(s + a, hl, header_names) ||
                          (!text && word_in(s + a, hl, header_names_weak)))) {
                waf_report(in, 921110, "crlf", WAF_CRITICAL, s + i, j + 1 - i,
                           "CRLF: header injection");
                return;
            }
            if (mail_command(s + a, (size_t)(s + n - (s + a)), colon, hl, text)) {
                waf_report(in, 921140, "crlf", WAF_CRITICAL, s + i, j + 1 - i,
                           "CRLF: mail command or header injection");
                return;
            }
            if (hl == 4 && word_eq(s + a, 4, "http") && j < n && s[j] == '/') {
                waf_report(in, 921120, "crlf", WAF_CRITICAL, s + i, j + 1 - i,
                           "CRLF: response splitting (status line)");
                return;
            }
            /* header values and URLs never contain line breaks: any header-looking line counts */
            if (colon && hl > 1 && !text) {
                waf_report(in, 921110, "crlf", WAF_CRITICAL, s + i, j + 1 - i,
                           "CRLF: header injection");
                return;
            }
            i = j > i ? j - 1 : i;
        }
    }
    /* U+560A U+560D ("嘊嘍"): servers that truncate to bytes turn them into LF/CR */
    if (memstr(v->dec, v->dec_len, "\xe5\x98\x8a") != NULL ||
        memstr(v->dec, v->dec_len, "\xe5\x98\x8d") != NULL) {
        const char *p = memstr(v->dec, v->dec_len, "\xe5\x98");
        size_t left = (size_t)(v->dec + v->dec_len - p);
        for (const char *const *h = header_names; *h != NULL; h++)
            if (memcasemem(p, left, *h) != NULL) {
                waf_report(in, 921130, "crlf", WAF_CRITICAL, p, left,
                           "CRLF: header injection through Unicode line breaks");
                return;
            }
    }
}

void detect_query(inspect *in, const nval *v)
{
    if (v->dec_len == 0)
        return;
    if (in->kind == LOC_JSON_KEY || nval_any(v, "$['\"(.=|&"))
        nosql(in, v);
    if (nval_any(v, "()*="))
        ldap(in, v);
    /* without a decoding round dec is raw (less NULs): its line breaks are in charmask */
    if (nval_any(v, "\r\n\xe5") || (v->decoded && (waf_memchr(v->raw, '\n', v->raw_len) != NULL ||
                                                   waf_memchr(v->raw, '\r', v->raw_len) != NULL)))
        crlf(in, v);
}

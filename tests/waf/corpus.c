/*
 * Loading and expanding the WAF's labelled corpora (see corpus.h).
 */
#include "corpus.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const corpus_classes[] = {
    "sqli",  "xss",  "rce",  "lfi", "rfi",      "php",     "java", "ssti",
    "nosql", "ldap", "crlf", "xxe", "protocol", "scanner", NULL,
};

static void add(corpus *c, char *doc, const char *file, int line, const char *where)
{
    if (c->count == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 256;
        c->reqs = realloc(c->reqs, c->cap * sizeof *c->reqs);
        CHECK(c->reqs != NULL);
    }
    char label[256];
    snprintf(label, sizeof label, "%s:%d %s", file, line, where);
    c->reqs[c->count].doc = doc;
    c->reqs[c->count].len = strlen(doc);
    c->reqs[c->count].label = strdup(label);
    c->count++;
}

void json_escape_into(char *out, size_t cap, const char *s)
{
    size_t k = strlen(out);
    for (; *s != '\0' && k + 8 < cap; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') {
            out[k++] = '\\';
            out[k++] = (char)ch;
        } else if (ch < 0x20) {
            k += (size_t)snprintf(out + k, cap - k, "\\u%04x", ch);
        } else {
            out[k++] = (char)ch;
        }
    }
    out[k] = '\0';
}

static void url_encode(char *out, size_t cap, const char *s, bool all)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t k = 0;
    for (; *s != '\0' && k + 4 < cap; s++) {
        unsigned char ch = (unsigned char)*s;
        bool plain = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                     (ch >= '0' && ch <= '9') || strchr("-_.~", ch) != NULL;
        if (plain && !all) {
            out[k++] = (char)ch;
        } else {
            out[k++] = '%';
            out[k++] = hex[ch >> 4];
            out[k++] = hex[ch & 15];
        }
    }
    out[k] = '\0';
}

char *corpus_request(const char *method, const char *uri, const char *const *headers,
                     size_t nheaders, const char *body)
{
    size_t cap = 1024 + strlen(uri) * 2 + (body ? strlen(body) * 6 : 0);
    for (size_t i = 0; i < nheaders; i++)
        cap += strlen(headers[i]) * 6 + 16;
    char *d = malloc(cap);
    CHECK(d != NULL);
    snprintf(d, cap, "{\"method\":\"");
    json_escape_into(d, cap, method ? method : "GET");
    strcat(d, "\",\"uri\":\"");
    json_escape_into(d, cap, uri);
    strcat(d, "\",\"headers\":[");
    for (size_t i = 0; i < nheaders; i++) {
        const char *colon = strchr(headers[i], ':');
        CHECK(colon != NULL);
        char name[128];
        snprintf(name, sizeof name, "%.*s", (int)(colon - headers[i]), headers[i]);
        const char *v = colon + 1;
        while (*v == ' ')
            v++;
        strcat(d, i ? ",[\"" : "[\"");
        json_escape_into(d, cap, name);
        strcat(d, "\",\"");
        json_escape_into(d, cap, v);
        strcat(d, "\"]");
    }
    /* a body always travels with its length, as on the wire */
    if (body != NULL && body[0] != '\0') {
        char cl[64];
        snprintf(cl, sizeof cl, "%s[\"Content-Length\",\"%zu\"]", nheaders ? "," : "",
                 strlen(body));
        strcat(d, cl);
    }
    strcat(d, "],\"body\":\"");
    if (body != NULL)
        json_escape_into(d, cap, body);
    strcat(d, "\",\"client_ip\":\"203.0.113.7\"}");
    return d;
}

#define UA                                                                                         \
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 "         \
    "Safari/537.36"

static const char *arg_name(const char *file)
{
    if (strstr(file, "lfi") != NULL || strstr(file, "rfi") != NULL)
        return "file";
    return "q";
}

static void expand_payload(corpus *c, const char *file, int line, const char *p, bool attack)
{
    static char enc[16384], enc2[16384 * 3], uri[16384 * 3 + 64], body[16384 * 7 + 64];
    static char esc[16384 * 6 + 64];
    const char *name = attack ? arg_name(file) : "comment";
    url_encode(enc, sizeof enc, p, false);
    const char *h_get[] = {"Host: shop.example.com", "User-Agent: " UA, "Accept: */*"};
    snprintf(uri, sizeof uri, "/search?%s=%s&page=1", name, enc);
    add(c, corpus_request("GET", uri, h_get, 3, NULL), file, line, "query");

    const char *h_form[] = {"Host: shop.example.com", "User-Agent: " UA,
                            "Content-Type: application/x-www-form-urlencoded"};
    snprintf(body, sizeof body, "name=alice&%s=%s", name, enc);
    add(c, corpus_request("POST", "/submit", h_form, 3, body), file, line, "form");

    const char *h_json[] = {"Host: api.example.com", "User-Agent: " UA,
                            "Content-Type: application/json"};
    esc[0] = '\0';
    json_escape_into(esc, sizeof esc, p);
    snprintf(body, sizeof body, "{\"id\":42,\"%s\":\"%s\",\"tags\":[\"a\"]}", name, esc);
    add(c, corpus_request("POST", "/api/v1/items", h_json, 3, body), file, line, "json");

    char cookie[16384 + 64];
    snprintf(cookie, sizeof cookie, "Cookie: theme=dark; %s=%s", name, enc);
    const char *h_cookie[] = {"Host: shop.example.com", "User-Agent: " UA, cookie};
    add(c, corpus_request("GET", "/account", h_cookie, 3, NULL), file, line, "cookie");

    if (attack) {
        /* double encoding: the application decodes twice, a naive WAF once */
        url_encode(enc2, sizeof enc2, enc, true);
        snprintf(uri, sizeof uri, "/search?%s=%s", name, enc2);
        add(c, corpus_request("GET", uri, h_get, 3, NULL), file, line, "query-double-encoded");
    }
}

static void directive(corpus *c, const char *file, int line, const char *l)
{
    const char *h_def[] = {"Host: www.example.com", "User-Agent: " UA};
    if (strncmp(l, "@path ", 6) == 0) {
        add(c, corpus_request("GET", l + 6, h_def, 2, NULL), file, line, "path");
    } else if (strncmp(l, "@ua ", 4) == 0) {
        char ua[4096];
        snprintf(ua, sizeof ua, "User-Agent: %s", l + 4);
        const char *h[] = {"Host: www.example.com", ua, "Accept: */*"};
        add(c, corpus_request("GET", "/", h, 3, NULL), file, line, "user-agent");
    } else if (strncmp(l, "@method ", 8) == 0) {
        add(c, corpus_request(l + 8, "/index.html", h_def, 2, NULL), file, line, "method");
    } else if (strncmp(l, "@header ", 8) == 0) {
        const char *h[] = {"Host: www.example.com", "User-Agent: " UA, l + 8};
        add(c, corpus_request("GET", "/", h, 3, NULL), file, line, "header");
    } else if (strncmp(l, "@json ", 6) == 0) {
        const char *h[] = {"Host: api.example.com", "User-Agent: " UA,
                           "Content-Type: application/json"};
        add(c, corpus_request("POST", "/api/login", h, 3, l + 6), file, line, "json-body");
    } else if (strncmp(l, "@raw ", 5) == 0) {
        add(c, strdup(l + 5), file, line, "raw");
    } else {
        test_fail(__FILE__, __LINE__, "%s:%d: unknown directive %s", file, line, l);
    }
}

size_t corpus_load(corpus *c, const char *path, bool attack)
{
    size_t before = c->count;
    size_t len;
    char *text = (char *)test_read_file(path, &len);
    const char *file = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    int line = 0;
    /* split by hand: strtok would merge empty lines and lose line numbers */
    char *p = text;
    while (p < text + len) {
        char *e = memchr(p, '\n', (size_t)(text + len - p));
        if (e == NULL)
            e = text + len;
        *e = '\0';
        line++;
        if (e > p && e[-1] == '\r')
            e[-1] = '\0';
        if (*p == '\\') {
            expand_payload(c, file, line, p + 1, attack);
        } else if (*p != '\0' && !(p[0] == '#' && (p[1] == ' ' || p[1] == '\0'))) {
            if (*p == '@')
                directive(c, file, line, p);
            else
                expand_payload(c, file, line, p, attack);
        }
        p = e + 1;
    }
    free(text);
    return c->count - before;
}

void corpus_free(corpus *c)
{
    for (size_t i = 0; i < c->count; i++) {
        free(c->reqs[i].doc);
        free(c->reqs[i].label);
    }
    free(c->reqs);
    memset(c, 0, sizeof *c);
}

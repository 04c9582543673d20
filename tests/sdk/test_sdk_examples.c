/*
 * Acceptance 2: the four example functions (header rewriter, blocker, body inspector, cache
 * responder) written in C, Rust and AssemblyScript, twelve modules, each on its own route of one
 * running aegis-node (host NAME-LANG.test) in front of a real origin. Every request of a scenario
 * goes to the three versions; their answers must be equal (status, body and the headers the
 * examples and the origin set) and equal to what the C example is known to answer.
 */
#include "env.h"
#include "test.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const langs[] = {"c", "rust", "as"};
static const char *const names[] = {"header_rewriter", "blocker", "body_inspector",
                                    "cache_responder"};
#define LANGS 3
#define NAMES 4

/* The headers compared: those the examples set, the origin's mark and the content type. */
static const char *const compared[] = {"Content-Type",     "X-Origin",     "X-Edge-Function",
                                       "X-Request-Method", "X-Powered-By", "X-Body-Size",
                                       "X-Body-Read",      "X-Body-Json"};
#define COMPARED (sizeof compared / sizeof compared[0])

/* A host label for an example's name (hosts hold no '_'). */
static const char *host_label(const char *name)
{
    static char label[64];
    snprintf(label, sizeof label, "%s", name);
    for (char *p = label; *p; p++)
        if (*p == '_')
            *p = '-';
    return label;
}

static void start(node_env *e)
{
    static char routes[6000];
    size_t n = 0;
    for (int l = 0; l < LANGS; l++)
        for (int k = 0; k < NAMES; k++) {
            char rel[128];
            snprintf(rel, sizeof rel, "guest/examples%s%s/%s.wasm", l == 0 ? "" : "-",
                     l == 0 ? "" : langs[l], names[k]);
            n += (size_t)snprintf(routes + n, sizeof routes - n,
                                  "  - {name: %s-%s, host: %s.%s.test, path: /*, upstream: a,\n"
                                  "     functions: [{module: %s}]}\n",
                                  names[k], langs[l], host_label(names[k]), langs[l],
                                  test_build_path(rel));
            CHECK(n < sizeof routes);
        }
    env_start(e, routes, NULL);
}

/* One answer reduced to what is compared, as text. */
static void answer(const node_env *e, const char *name, int lang, const char *method,
                   const char *path, const char *headers, const char *body, char *out, size_t cap)
{
    char host[128];
    snprintf(host, sizeof host, "%s.%s.test", host_label(name), langs[lang]);
    e2e_response r;
    e2e_request(e->port, method, path, host, headers, body, &r);
    size_t n = (size_t)snprintf(out, cap, "%d\n", r.status);
    for (size_t i = 0; i < COMPARED; i++) {
        const char *v = e2e_header(&r, compared[i]);
        n += (size_t)snprintf(out + n, cap - n, "%s: %s\n", compared[i], v ? v : "-");
    }
    /* The origin's page shows the request's Host and id, which differ by route and request:
     * an answer of the origin is compared by its headers, except /echo's body (the request's). */
    bool page = e2e_header(&r, "X-Origin") != NULL && strcmp(path, "/echo") != 0;
    snprintf(out + n, cap - n, "\n%s", page ? "(origin page)" : r.body ? r.body : "");
    e2e_response_free(&r);
}

/* Sends the request to the three versions of `name`: equal answers, which contain `want`. */
static void same(const node_env *e, const char *name, const char *method, const char *path,
                 const char *headers, const char *body, const char *want)
{
    char first[8192], other[8192];
    answer(e, name, 0, method, path, headers, body, first, sizeof first);
    CHECK_MSG(strstr(first, want) != NULL, "%s %s on %s (c): want\n%s\ngot\n%s", method, path, name,
              want, first);
    for (int l = 1; l < LANGS; l++) {
        answer(e, name, l, method, path, headers, body, other, sizeof other);
        CHECK_MSG(strcmp(first, other) == 0, "%s %s on %s: c answered\n%s\n%s answered\n%s", method,
                  path, name, first, langs[l], other);
    }
}

TEST(test_twelve_examples_answer_alike_in_c_rust_and_assemblyscript)
{
    node_env e;
    start(&e);
    /* header_rewriter: the request continues; result headers and set_response_header. */
    same(&e, "header_rewriter", "GET", "/", NULL, NULL,
         "200\nContent-Type: text/html; charset=utf-8\nX-Origin: a\n"
         "X-Edge-Function: header-rewriter\nX-Request-Method: GET\nX-Powered-By: aegis-edge\n");
    same(&e, "header_rewriter", "POST", "/echo", "Content-Type: text/plain\r\n", "note",
         "200\nContent-Type: text/plain\nX-Origin: a\nX-Edge-Function: header-rewriter\n"
         "X-Request-Method: POST\nX-Powered-By: aegis-edge\nX-Body-Size: -\nX-Body-Read: -\n"
         "X-Body-Json: -\n\nnote");
    /* blocker: 403 on /admin or X-Block, the origin otherwise. */
    same(&e, "blocker", "GET", "/admin/users", NULL, NULL,
         "403\nContent-Type: text/plain\nX-Origin: -\n");
    same(&e, "blocker", "GET", "/x/admin?y", NULL, NULL, "\n\nblocked by rule");
    same(&e, "blocker", "GET", "/x", "X-Block: yes\r\n", NULL,
         "403\nContent-Type: text/plain\nX-Origin: -\n");
    same(&e, "blocker", "GET", "/", NULL, NULL, "200\n");
    same(&e, "blocker", "GET", "/", NULL, NULL, "X-Origin: a\n");
    /* body_inspector: streaming reads and the body of the request JSON. */
    same(&e, "body_inspector", "POST", "/echo", "Content-Type: text/plain\r\n", "hello body",
         "X-Body-Size: 10\nX-Body-Read: 10\nX-Body-Json: 10\n\nhello body");
    same(&e, "body_inspector", "POST", "/echo", "Content-Type: text/plain\r\n",
         "caf\xc3\xa9 cr\xc3\xa8me", "X-Body-Size: 12\nX-Body-Read: 12\nX-Body-Json: 12\n");
    same(&e, "body_inspector", "POST", "/echo", "Content-Type: text/plain\r\n",
         "bytes \xff\xfe not UTF-8", "X-Body-Size: 18\nX-Body-Read: 18\nX-Body-Json: 0\n");
    same(&e, "body_inspector", "POST", "/echo", NULL, "this is forbidden here",
         "403\nContent-Type: text/plain\nX-Origin: -\n");
    same(&e, "body_inspector", "GET", "/", NULL, NULL,
         "X-Body-Size: 0\nX-Body-Read: 0\nX-Body-Json: 0\n");
    /* cache_responder: each route has its own cache namespace, so each version starts empty. */
    same(&e, "cache_responder", "GET", "/cache/get/color", NULL, NULL, "404\n");
    same(&e, "cache_responder", "GET", "/cache/set/color/blue/60", NULL, NULL, "200\n");
    same(&e, "cache_responder", "GET", "/cache/get/color", NULL, NULL,
         "200\nContent-Type: text/plain; charset=utf-8\nX-Origin: -\n");
    same(&e, "cache_responder", "GET", "/cache/get/color", NULL, NULL, "\n\nblue");
    same(&e, "cache_responder", "GET", "/cache/set/only-a-key", NULL, NULL,
         "usage: /cache/set/KEY/VALUE/TTL");
    same(&e, "cache_responder", "GET", "/cache/drop/color", NULL, NULL, "unknown cache operation");
    same(&e, "cache_responder", "GET", "/", NULL, NULL, "200\n");
    same(&e, "cache_responder", "GET", "/", NULL, NULL, "X-Origin: a\n");
    /* Every module ran, none failed. */
    e2e_response r;
    e2e_request(e.admin, "GET", "/modules", "admin", NULL, NULL, &r);
    CHECK_INT_EQ(r.status, 200);
    CHECK_STR_HAS(r.body, "\"id\":\"cache_responder-3\"");
    CHECK_MSG(strstr(r.body, "\"traps\":{\"") == NULL, "a module trapped: %s", r.body);
    e2e_response_free(&r);
    CHECK_INT_EQ(env_stop(&e), 0);
}

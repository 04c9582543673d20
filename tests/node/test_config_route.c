/*
 * Route matching: the most specific route wins whatever the order in the file; exact hosts before
 * "*", exact paths before prefixes, longer prefixes before shorter ones.
 */
#include "node/node.h"
#include "test.h"

static node_config *routes_config(void)
{
    static const char text[] =
        "upstreams:\n  u: {servers: [127.0.0.1:1]}\n"
        "routes:\n"
        "  - {name: all, path: /*, upstream: u}\n"                         /* 0 */
        "  - {name: api, path: /api/*, upstream: u}\n"                     /* 1 */
        "  - {name: api-v2, path: /api/v2/*, upstream: u}\n"               /* 2 */
        "  - {name: login, path: /api/login, upstream: u}\n"               /* 3 */
        "  - {name: shop, host: shop.example, path: /*, upstream: u}\n"    /* 4 */
        "  - {name: shop-x, host: shop.example, path: /x, upstream: u}\n"; /* 5 */
    char err[NODE_ERR_BYTES];
    node_config *cfg = node_config_parse(text, sizeof text - 1, "r.yaml", err);
    CHECK_MSG(cfg != NULL, "%s", err);
    return cfg;
}

static int match(const node_config *cfg, const char *host, const char *path)
{
    return node_route_match(cfg, host, host ? strlen(host) : 0, path, strlen(path));
}

TEST(test_route_most_specific_path_wins)
{
    node_config *cfg = routes_config();
    CHECK_INT_EQ(match(cfg, "any.host", "/"), 0);
    CHECK_INT_EQ(match(cfg, "any.host", "/index.html"), 0);
    CHECK_INT_EQ(match(cfg, "any.host", "/api/users"), 1);
    CHECK_INT_EQ(match(cfg, "any.host", "/api"), 1);
    CHECK_INT_EQ(match(cfg, "any.host", "/apix"), 0);
    CHECK_INT_EQ(match(cfg, "any.host", "/api/v2/x"), 2);
    CHECK_INT_EQ(match(cfg, "any.host", "/api/login"), 3);
    CHECK_INT_EQ(match(cfg, "any.host", "/api/login/more"), 1);
    node_config_free(cfg);
}

TEST(test_route_exact_host_before_wildcard)
{
    node_config *cfg = routes_config();
    CHECK_INT_EQ(match(cfg, "shop.example", "/x"), 5);
    CHECK_INT_EQ(match(cfg, "shop.example", "/api/login"), 4);
    CHECK_INT_EQ(match(cfg, "SHOP.Example:8080", "/x"), 5);
    CHECK_INT_EQ(match(cfg, "shop.example.", "/y"), 4);
    CHECK_INT_EQ(match(cfg, "shop.examplex", "/x"), 0);
    CHECK_INT_EQ(match(cfg, NULL, "/api/a"), 1);
    CHECK_INT_EQ(match(cfg, "[::1]:80", "/api/a"), 1);
    node_config_free(cfg);
}

TEST(test_route_no_match_is_minus_one)
{
    static const char text[] = "upstreams:\n  u: {servers: [127.0.0.1:1]}\n"
                               "routes:\n  - {host: a.com, path: /only, upstream: u}\n";
    char err[NODE_ERR_BYTES];
    node_config *cfg = node_config_parse(text, sizeof text - 1, "r.yaml", err);
    CHECK_MSG(cfg != NULL, "%s", err);
    CHECK_INT_EQ(match(cfg, "a.com", "/only"), 0);
    CHECK_INT_EQ(match(cfg, "a.com", "/only/"), -1);
    CHECK_INT_EQ(match(cfg, "b.com", "/only"), -1);
    node_config_free(cfg);
}

static const char *norm(const char *in)
{
    static char out[256];
    long n = node_path_normalize(in, strlen(in), out, sizeof out - 1);
    if (n < 0)
        return "(error)";
    out[n] = '\0';
    return out;
}

TEST(test_path_normalize_decodes_unreserved_and_removes_dot_segments)
{
    CHECK_STR_EQ(norm("/"), "/");
    CHECK_STR_EQ(norm("/a/b"), "/a/b");
    CHECK_STR_EQ(norm("/%61pi/x"), "/api/x");
    CHECK_STR_EQ(norm("/a%2fb%3F"), "/a%2Fb%3F");
    CHECK_STR_EQ(norm("/a/./b"), "/a/b");
    CHECK_STR_EQ(norm("/a/../b"), "/b");
    CHECK_STR_EQ(norm("/a/b/.."), "/a/");
    CHECK_STR_EQ(norm("/a/b/."), "/a/b/");
    CHECK_STR_EQ(norm("/../../x"), "/x");
    CHECK_STR_EQ(norm("/x/%2e%2E/api/y"), "/api/y");
    CHECK_STR_EQ(norm("/.."), "/");
    CHECK_STR_EQ(norm("//a//b/"), "//a//b/");
    CHECK_STR_EQ(norm("/a/.b/..c"), "/a/.b/..c");
}

TEST(test_path_normalize_rejects_bad_input)
{
    CHECK_STR_EQ(norm("a/b"), "(error)");
    CHECK_STR_EQ(norm(""), "(error)");
    CHECK_STR_EQ(norm("/a%"), "(error)");
    CHECK_STR_EQ(norm("/a%4"), "(error)");
    CHECK_STR_EQ(norm("/a%zz"), "(error)");
    char out[4];
    CHECK_INT_EQ(node_path_normalize("/abcdef", 7, out, sizeof out), -1);
    CHECK_INT_EQ(node_path_normalize("/%2F", 4, out, 3), -1);
    CHECK_INT_EQ(node_path_normalize("/%2F", 4, out, 4), 4);
}

TEST(test_route_wildcard_subdomains_between_exact_and_any)
{
    static const char text[] =
        "upstreams:\n  u: {servers: [127.0.0.1:1]}\n"
        "routes:\n"
        "  - {name: any, path: /*, upstream: u}\n"                                 /* 0 */
        "  - {name: sub, host: '*.example.com', path: /*, upstream: u}\n"          /* 1 */
        "  - {name: deep, host: '*.eu.example.com', path: /*, upstream: u}\n"      /* 2 */
        "  - {name: www, host: www.example.com, path: /x, upstream: u}\n"          /* 3 */
        "  - {name: sub-api, host: '*.Example.com', path: /api/*, upstream: u}\n"; /* 4 */
    char err[NODE_ERR_BYTES];
    node_config *cfg = node_config_parse(text, sizeof text - 1, "r.yaml", err);
    CHECK_MSG(cfg != NULL, "%s", err);
    CHECK_STR_EQ(cfg->routes[4].host, "*.example.com");
    CHECK_INT_EQ(match(cfg, "a.example.com", "/"), 1);
    CHECK_INT_EQ(match(cfg, "A.B.EXAMPLE.COM:443", "/"), 1);
    CHECK_INT_EQ(match(cfg, "a.example.com", "/api/v"), 4);
    CHECK_INT_EQ(match(cfg, "x.eu.example.com", "/api/v"), 2); /* longer suffix first */
    CHECK_INT_EQ(match(cfg, "www.example.com", "/x"), 3);
    CHECK_INT_EQ(match(cfg, "www.example.com", "/y"), 1); /* exact host has no /y: next tier */
    CHECK_INT_EQ(match(cfg, "example.com", "/"), 0);      /* not a subdomain */
    CHECK_INT_EQ(match(cfg, "badexample.com", "/"), 0);
    CHECK_INT_EQ(match(cfg, ".example.com", "/"), 0);
    node_config_free(cfg);
}

/*
 * The route model: field validation, snapshots, the differ (every kind of change, and no change
 * reported for what the module manager does not care about) and the matcher (exact over prefix,
 * longest prefix, exact domain over wildcard, disabled routes never match).
 */
#include "chain.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CID_A "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e"
#define CID_B "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG"

static route_entry entry(const char *domain, const char *path, const char *cid, bool enabled)
{
    route_entry r = {.module_type = ROUTE_MODULE_FUNCTION,
                     .enabled = enabled,
                     .origin = ROUTE_ORIGIN_SOLANA,
                     .updated_at = 1};
    snprintf(r.domain, sizeof r.domain, "%s", domain);
    snprintf(r.path, sizeof r.path, "%s", path);
    snprintf(r.cid, sizeof r.cid, "%s", cid);
    return r;
}

static route_snapshot *snap(const route_entry *list, size_t n)
{
    route_entry *copy = calloc(n ? n : 1, sizeof *copy);
    CHECK(copy != NULL);
    memcpy(copy, list, n * sizeof *copy);
    route_snapshot *s;
    dep_error err;
    CHECK_MSG(route_snapshot_new(copy, n, &s, &err) == DEP_OK, "%s", err.message);
    return s;
}

static void expect_invalid(route_entry r, const char *message)
{
    dep_error err;
    CHECK_INT_EQ(route_entry_validate(&r, &err), DEP_ERR_MALFORMED);
    CHECK_STR_EQ(err.message, message);
}

TEST(validate_accepts_the_registry_spellings)
{
    const char *domains[] = {"example.com", "*.example.com", "a-b.c0", "x"};
    const char *paths[] = {"/", "/api/*", "/*", "/a/b/", "/v1/users:list"};
    dep_error err;
    for (size_t i = 0; i < 4; i++)
        for (size_t j = 0; j < 5; j++) {
            route_entry r = entry(domains[i], paths[j], CID_A, true);
            CHECK_MSG(route_entry_validate(&r, &err) == DEP_OK, "%s%s: %s", domains[i], paths[j],
                      err.message);
        }
}

TEST(validate_refuses_bad_domains_paths_and_cids)
{
    expect_invalid(entry("", "/", CID_A, true), "domain is empty");
    expect_invalid(entry("a..b", "/", CID_A, true),
                   "domain \"a..b\": empty label or label ending in '-'");
    expect_invalid(entry("-a.com", "/", CID_A, true),
                   "domain \"-a.com\": only a-z, 0-9, '-' and '.' are allowed (lowercase), a "
                   "label cannot start with '-'");
    expect_invalid(entry("a.com.", "/", CID_A, true),
                   "domain \"a.com.\": empty last label or label ending in '-'");
    expect_invalid(entry("a.*.com", "/", CID_A, true),
                   "domain \"a.*.com\": only a-z, 0-9, '-' and '.' are allowed (lowercase), a "
                   "label cannot start with '-'");
    expect_invalid(entry("a.com", "/a b", CID_A, true),
                   "path pattern \"/a b\": byte 0x20 is outside the RFC 3986 path set");
    expect_invalid(entry("a.com", "//a", CID_A, true),
                   "path pattern \"//a\": empty, \".\" or \"..\" segment");
    expect_invalid(entry("a.com", "/api*", CID_A, true),
                   "path pattern \"/api*\": '*' is allowed only as the last segment (\"/api/*\")");
    expect_invalid(entry("a.com", "/", "", true), "cid: empty");
    route_entry r = entry("a.com", "/", CID_A, true);
    r.module_type = (route_module_type)7;
    expect_invalid(r, "module type 7 is neither waf nor function");
}

TEST(snapshot_sorts_and_refuses_duplicates)
{
    route_entry list[3] = {entry("b.com", "/", CID_A, true), entry("a.com", "/x", CID_A, true),
                           entry("a.com", "/", CID_B, true)};
    route_snapshot *s = snap(list, 3);
    CHECK_STR_EQ(s->routes[0].path, "/");
    CHECK_STR_EQ(s->routes[0].domain, "a.com");
    CHECK_STR_EQ(s->routes[1].path, "/x");
    CHECK_STR_EQ(s->routes[2].domain, "b.com");
    CHECK(route_snapshot_find(s, "a.com", "/x") == &s->routes[1]);
    CHECK(route_snapshot_find(s, "a.com", "/y") == NULL);
    route_snapshot_free(s);

    route_entry *dup = calloc(2, sizeof *dup);
    CHECK(dup != NULL);
    dup[0] = entry("a.com", "/", CID_A, true);
    dup[1] = entry("a.com", "/", CID_B, false);
    dep_error err;
    CHECK_INT_EQ(route_snapshot_new(dup, 2, &s, &err), DEP_ERR_MALFORMED);
    CHECK_STR_EQ(err.message, "route a.com/ is listed twice");
    CHECK(s == NULL);
}

TEST(diff_reports_each_kind_of_change_in_order)
{
    route_entry before[4] = {entry("a.com", "/", CID_A, true), entry("b.com", "/", CID_A, true),
                             entry("c.com", "/", CID_A, false), entry("d.com", "/", CID_A, true)};
    route_entry after[4] = {entry("a.com", "/", CID_B, true), entry("b.com", "/", CID_A, false),
                            entry("c.com", "/", CID_A, true), entry("e.com", "/", CID_A, true)};
    route_snapshot *old = snap(before, 4), *new = snap(after, 4);
    route_change *ch;
    size_t n;
    dep_error err;
    CHECK(route_diff(old, new, &ch, &n, &err) == DEP_OK);
    CHECK_UINT_EQ(n, 5);
    CHECK_INT_EQ(ch[0].kind, ROUTE_CID_CHANGED);
    CHECK_STR_EQ(ch[0].before.cid, CID_A);
    CHECK_STR_EQ(ch[0].after.cid, CID_B);
    CHECK_INT_EQ(ch[1].kind, ROUTE_DISABLED);
    CHECK_STR_EQ(ch[1].after.domain, "b.com");
    CHECK_INT_EQ(ch[2].kind, ROUTE_ENABLED);
    CHECK_STR_EQ(ch[2].after.domain, "c.com");
    CHECK_INT_EQ(ch[3].kind, ROUTE_REMOVED);
    CHECK_STR_EQ(ch[3].before.domain, "d.com");
    CHECK_STR_EQ(ch[3].after.domain, "");
    CHECK_INT_EQ(ch[4].kind, ROUTE_ADDED);
    CHECK_STR_EQ(ch[4].after.domain, "e.com");
    CHECK_STR_EQ(ch[4].before.domain, "");
    CHECK_STR_EQ(route_change_kind_name(ch[0].kind), "cid changed");
    free(ch);
    route_snapshot_free(old);
    route_snapshot_free(new);
}

TEST(diff_cid_and_enabled_together_gives_two_changes)
{
    route_entry a = entry("a.com", "/", CID_A, true), b = entry("a.com", "/", CID_B, false);
    route_snapshot *old = snap(&a, 1), *new = snap(&b, 1);
    route_change *ch;
    size_t n;
    CHECK(route_diff(old, new, &ch, &n, NULL) == DEP_OK);
    CHECK_UINT_EQ(n, 2);
    CHECK_INT_EQ(ch[0].kind, ROUTE_CID_CHANGED);
    CHECK_INT_EQ(ch[1].kind, ROUTE_DISABLED);
    free(ch);
    route_snapshot_free(old);
    route_snapshot_free(new);
}

TEST(diff_ignores_authority_and_timestamp_but_sees_module_type)
{
    route_entry a = entry("a.com", "/", CID_A, true), b = a;
    b.updated_at = 99;
    b.has_authority = true;
    memset(b.authority.bytes, 7, sizeof b.authority.bytes);
    route_snapshot *old = snap(&a, 1), *new = snap(&b, 1);
    route_change *ch;
    size_t n;
    CHECK(route_diff(old, new, &ch, &n, NULL) == DEP_OK);
    CHECK_UINT_EQ(n, 0);
    CHECK(ch == NULL);
    CHECK(!route_snapshot_equal(old, new));
    route_snapshot_free(new);
    b = a;
    b.module_type = ROUTE_MODULE_WAF;
    new = snap(&b, 1);
    CHECK(route_diff(old, new, &ch, &n, NULL) == DEP_OK);
    CHECK_UINT_EQ(n, 1);
    CHECK_INT_EQ(ch[0].kind, ROUTE_CID_CHANGED);
    free(ch);
    route_snapshot_free(old);
    route_snapshot_free(new);
}

TEST(diff_from_and_to_nothing)
{
    route_entry list[2] = {entry("a.com", "/", CID_A, true), entry("a.com", "/x", CID_A, false)};
    route_snapshot *s = snap(list, 2);
    route_change *ch;
    size_t n;
    CHECK(route_diff(NULL, s, &ch, &n, NULL) == DEP_OK);
    CHECK_UINT_EQ(n, 2);
    CHECK_INT_EQ(ch[0].kind, ROUTE_ADDED);
    CHECK(ch[0].after.enabled);
    CHECK_INT_EQ(ch[1].kind, ROUTE_ADDED);
    CHECK(!ch[1].after.enabled);
    free(ch);
    CHECK(route_diff(s, NULL, &ch, &n, NULL) == DEP_OK);
    CHECK_UINT_EQ(n, 2);
    CHECK_INT_EQ(ch[0].kind, ROUTE_REMOVED);
    CHECK_INT_EQ(ch[1].kind, ROUTE_REMOVED);
    free(ch);
    route_snapshot_free(s);
}

TEST(path_rank_exact_beats_prefix_and_longer_prefix_wins)
{
    CHECK_UINT_EQ(route_path_rank("/login", "/login", 6), (size_t)-1);
    CHECK_UINT_EQ(route_path_rank("/login", "/login/", 7), 0);
    CHECK_UINT_EQ(route_path_rank("/login", "/logi", 5), 0);
    CHECK_UINT_EQ(route_path_rank("/api/*", "/api/users", 10), 6);
    CHECK_UINT_EQ(route_path_rank("/api/*", "/api/", 5), 6);
    CHECK_UINT_EQ(route_path_rank("/api/*", "/api", 4), 5);
    CHECK_UINT_EQ(route_path_rank("/api/*", "/apix", 5), 0);
    CHECK_UINT_EQ(route_path_rank("/api/v1/*", "/api/v1/x", 9), 9);
    CHECK_UINT_EQ(route_path_rank("/*", "/anything", 9), 2);
    CHECK_UINT_EQ(route_path_rank("/*", "", 0), 0);
}

TEST(match_picks_the_most_specific_enabled_route)
{
    route_entry list[6] = {
        entry("example.com", "/*", "bafkqaaa", true),
        entry("example.com", "/api/*", CID_A, true),
        entry("example.com", "/api/v1/*", CID_B, false), /* disabled: never matches */
        entry("example.com", "/api/login", CID_B, true),
        entry("*.example.com", "/*", CID_A, true),
        entry("*.eu.example.com", "/*", CID_B, true),
    };
    route_snapshot *s = snap(list, 6);
    const route_entry *r;
#define MATCH(host, path) route_match(s, host, strlen(host), path, strlen(path))
    r = MATCH("example.com", "/api/login");
    CHECK(r != NULL);
    CHECK_STR_EQ(r->path, "/api/login");
    r = MATCH("EXAMPLE.com:8080", "/api/v1/users");
    CHECK(r != NULL);
    CHECK_STR_EQ(r->path, "/api/*");
    r = MATCH("example.com.", "/api");
    CHECK(r != NULL);
    CHECK_STR_EQ(r->path, "/api/*");
    r = MATCH("example.com", "/index.html");
    CHECK(r != NULL);
    CHECK_STR_EQ(r->path, "/*");
    r = MATCH("www.example.com", "/api/login");
    CHECK(r != NULL);
    CHECK_STR_EQ(r->domain, "*.example.com");
    r = MATCH("a.eu.example.com", "/");
    CHECK(r != NULL);
    CHECK_STR_EQ(r->domain, "*.eu.example.com");
    CHECK(MATCH("example.org", "/") == NULL);
    CHECK(MATCH("xexample.com", "/") == NULL);
    CHECK(MATCH("", "/") == NULL);
#undef MATCH
    route_snapshot_free(s);
}

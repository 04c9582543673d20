/*
 * The file route source: a routes file parses into a sorted snapshot with the defaults applied,
 * and every kind of mistake is refused with the file, line, column and reason.
 */
#include "chain.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CID_A "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e"
#define CID_B "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG"

static route_snapshot *parse_ok(const char *text)
{
    route_snapshot *s = NULL;
    dep_error err;
    dep_status st = route_file_parse(text, strlen(text), "routes.yaml", &s, &err);
    CHECK_MSG(st == DEP_OK, "parse failed: %s", err.message);
    return s;
}

static void expect_error(const char *text, const char *message)
{
    route_snapshot *s = (route_snapshot *)1;
    dep_error err;
    dep_status st = route_file_parse(text, strlen(text), "routes.yaml", &s, &err);
    CHECK_INT_EQ(st, DEP_ERR_MALFORMED);
    CHECK(s == NULL);
    CHECK_STR_EQ(err.message, message);
}

TEST(file_routes_parse_sorted_with_defaults)
{
    route_snapshot *s = parse_ok("routes:\n"
                                 "  - domain: www.example.com\n"
                                 "    path: /api/*\n"
                                 "    cid: " CID_A "\n"
                                 "  - domain: example.com\n"
                                 "    path: /login\n"
                                 "    cid: " CID_B "\n"
                                 "    type: waf\n"
                                 "    enabled: false\n");
    CHECK_UINT_EQ(s->count, 2);
    CHECK_STR_EQ(s->routes[0].domain, "example.com");
    CHECK_STR_EQ(s->routes[0].path, "/login");
    CHECK_STR_EQ(s->routes[0].cid, CID_B);
    CHECK_INT_EQ(s->routes[0].module_type, ROUTE_MODULE_WAF);
    CHECK(!s->routes[0].enabled);
    CHECK(!s->routes[0].has_authority);
    CHECK_INT_EQ(s->routes[0].origin, ROUTE_ORIGIN_FILE);
    CHECK_STR_EQ(s->routes[1].domain, "www.example.com");
    CHECK_STR_EQ(s->routes[1].path, "/api/*");
    CHECK_INT_EQ(s->routes[1].module_type, ROUTE_MODULE_FUNCTION);
    CHECK(s->routes[1].enabled);
    route_snapshot_free(s);
}

TEST(file_empty_routes_list_is_an_empty_snapshot)
{
    route_snapshot *s = parse_ok("routes: []\n");
    CHECK_UINT_EQ(s->count, 0);
    route_snapshot_free(s);
}

TEST(file_unknown_key_in_a_route_is_an_error_with_position)
{
    expect_error("routes:\n"
                 "  - domain: example.com\n"
                 "    path: /\n"
                 "    cid: " CID_A "\n"
                 "    upstream: origin\n",
                 "routes.yaml:5:5: routes[0]: unknown key 'upstream' (expected domain, path, cid, "
                 "type, enabled)");
}

TEST(file_unknown_top_level_key_is_an_error)
{
    expect_error("routes: []\nroute: []\n",
                 "routes.yaml:2:1: unknown key 'route' (expected routes)");
}

TEST(file_missing_cid_is_an_error_at_the_route)
{
    expect_error("routes:\n"
                 "  - domain: example.com\n"
                 "    path: /\n",
                 "routes.yaml:2:5: routes[0]: missing key 'cid'");
}

TEST(file_bad_cid_points_at_the_cid)
{
    expect_error("routes:\n"
                 "  - domain: example.com\n"
                 "    path: /\n"
                 "    cid: notacid\n",
                 "routes.yaml:4:10: routes[0]: cid \"notacid\": cid: unknown multibase prefix "
                 "0x6e");
}

TEST(file_uppercase_domain_is_refused)
{
    expect_error("routes:\n"
                 "  - domain: Example.com\n"
                 "    path: /\n"
                 "    cid: " CID_A "\n",
                 "routes.yaml:2:13: routes[0]: domain \"Example.com\": only a-z, 0-9, '-' and "
                 "'.' are allowed (lowercase), a label cannot start with '-'");
}

TEST(file_star_inside_a_path_is_refused)
{
    expect_error("routes:\n"
                 "  - domain: example.com\n"
                 "    path: /a*/b\n"
                 "    cid: " CID_A "\n",
                 "routes.yaml:3:11: routes[0]: path pattern \"/a*/b\": '*' is allowed only as "
                 "the last segment (\"/api/*\")");
}

TEST(file_dot_segment_and_relative_path_are_refused)
{
    expect_error("routes:\n"
                 "  - domain: example.com\n"
                 "    path: /a/../b\n"
                 "    cid: " CID_A "\n",
                 "routes.yaml:3:11: routes[0]: path pattern \"/a/../b\": empty, \".\" or \"..\" "
                 "segment");
    expect_error("routes:\n"
                 "  - domain: example.com\n"
                 "    path: api\n"
                 "    cid: " CID_A "\n",
                 "routes.yaml:3:11: routes[0]: path pattern \"api\" must start with '/'");
}

TEST(file_bad_type_and_enabled_values_are_refused)
{
    expect_error("routes:\n"
                 "  - {domain: example.com, path: /, cid: " CID_A ", type: proxy}\n",
                 "routes.yaml:2:108: routes[0].type: expected waf or function, found 'proxy'");
    expect_error("routes:\n"
                 "  - {domain: example.com, path: /, cid: " CID_A ", enabled: yes}\n",
                 "routes.yaml:2:111: routes[0].enabled: expected true or false, found 'yes'");
}

TEST(file_duplicate_route_names_both_entries)
{
    expect_error("routes:\n"
                 "  - {domain: example.com, path: /, cid: " CID_A "}\n"
                 "  - {domain: example.com, path: /, cid: " CID_B "}\n",
                 "routes.yaml:3:5: routes[1]: route example.com/ is already listed as routes[0]");
}

TEST(file_wrong_shapes_are_refused)
{
    expect_error("- a\n", "routes.yaml:1:1: expected a mapping with a 'routes' list, found a list");
    expect_error("routes: {a: b}\n", "routes.yaml:1:9: routes: expected a list, found a mapping");
    expect_error("routes:\n  - just-a-string\n",
                 "routes.yaml:2:5: routes[0]: expected a mapping, found a scalar");
    expect_error("routes:\n  - {domain: [a], path: /, cid: " CID_A "}\n",
                 "routes.yaml:2:14: routes[0].domain: expected a scalar, found a list");
    expect_error("", "routes.yaml: empty file (expected a 'routes' list)");
}

TEST(file_yaml_syntax_error_has_position)
{
    expect_error("routes:\n  - {domain: example.com\n",
                 "routes.yaml:3:1: yaml: did not find expected ',' or '}' while parsing a flow "
                 "mapping");
}

TEST(file_second_document_is_refused)
{
    expect_error("routes: []\n---\nroutes: []\n",
                 "routes.yaml:3:1: a second YAML document; the routes file is one");
}

TEST(file_load_reads_from_disk_and_reports_missing_files)
{
    char dir[64], path[128];
    temp_dir(dir);
    snprintf(path, sizeof path, "%s/routes.yaml", dir);
    route_snapshot *s = (route_snapshot *)1;
    dep_error err;
    CHECK_INT_EQ(route_file_load(path, &s, &err), DEP_ERR_NOT_FOUND);
    CHECK(s == NULL);
    char expect[256];
    snprintf(expect, sizeof expect, "%s: No such file or directory", path);
    CHECK_STR_EQ(err.message, expect);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    fputs("routes:\n  - {domain: '*.example.com', path: /, cid: " CID_A "}\n", f);
    fclose(f);
    dep_status st = route_file_load(path, &s, &err);
    CHECK_MSG(st == DEP_OK, "%s", err.message);
    CHECK_UINT_EQ(s->count, 1);
    CHECK_STR_EQ(s->routes[0].domain, "*.example.com");
    route_snapshot_free(s);
    f = fopen(path, "w");
    CHECK(f != NULL);
    fputs("routes:\n  - {domain: example.com, path: /, cid: " CID_A ", colour: red}\n", f);
    fclose(f);
    CHECK_INT_EQ(route_file_load(path, &s, &err), DEP_ERR_MALFORMED);
    snprintf(expect, sizeof expect,
             "%s:2:%d: routes[0]: unknown key 'colour' (expected domain, path, cid, type, "
             "enabled)",
             path, (int)strlen("  - {domain: example.com, path: /, cid: " CID_A ", ") + 1);
    CHECK_STR_EQ(err.message, expect);
    temp_dir_remove(dir);
}

TEST(file_example_of_docs_routes_md_parses)
{
    size_t len;
    char *doc = (char *)test_read_file(test_src_path("docs/ROUTES.md"), &len);
    char *text = realloc(doc, len + 1);
    CHECK(text != NULL);
    text[len] = '\0';
    char *start = strstr(text, "```yaml\nroutes:");
    CHECK_MSG(start != NULL, "docs/ROUTES.md has no routes example");
    start += strlen("```yaml\n");
    char *end = strstr(start, "```");
    CHECK(end != NULL);
    route_snapshot *s;
    dep_error err;
    dep_status st = route_file_parse(start, (size_t)(end - start), "ROUTES.md", &s, &err);
    free(text);
    CHECK_MSG(st == DEP_OK, "%s", err.message);
    CHECK_UINT_EQ(s->count, 2);
    CHECK_STR_EQ(s->routes[0].domain, "*.example.com");
    CHECK_INT_EQ(s->routes[0].module_type, ROUTE_MODULE_WAF);
    const route_entry *r = route_match(s, "example.com", 11, "/api/x", 6);
    CHECK(r != NULL);
    CHECK_STR_EQ(r->path, "/api/*");
    route_snapshot_free(s);
}

TEST(file_reread_after_an_edit_gives_the_changes)
{
    char dir[64], path[128];
    temp_dir(dir);
    snprintf(path, sizeof path, "%s/routes.yaml", dir);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    fputs("routes:\n  - {domain: example.com, path: /, cid: " CID_A "}\n"
          "  - {domain: example.com, path: /old, cid: " CID_A "}\n",
          f);
    fclose(f);
    route_snapshot *before, *after, *bad = NULL;
    dep_error err;
    CHECK_MSG(route_file_load(path, &before, &err) == DEP_OK, "%s", err.message);
    f = fopen(path, "w");
    CHECK(f != NULL);
    fputs("routes:\n  - {domain: example.com, path: /, cid: " CID_B ", enabled: false}\n"
          "  - {domain: example.com, path: /new, cid: " CID_A "}\n",
          f);
    fclose(f);
    CHECK_MSG(route_file_load(path, &after, &err) == DEP_OK, "%s", err.message);
    route_change *ch;
    size_t n;
    CHECK(route_diff(before, after, &ch, &n, &err) == DEP_OK);
    CHECK_UINT_EQ(n, 4);
    CHECK_INT_EQ(ch[0].kind, ROUTE_CID_CHANGED);
    CHECK_INT_EQ(ch[1].kind, ROUTE_DISABLED);
    CHECK_INT_EQ(ch[2].kind, ROUTE_ADDED);
    CHECK_STR_EQ(ch[2].after.path, "/new");
    CHECK_INT_EQ(ch[3].kind, ROUTE_REMOVED);
    CHECK_STR_EQ(ch[3].before.path, "/old");
    free(ch);
    /* A broken edit is refused whole: the caller keeps `after`. */
    f = fopen(path, "w");
    CHECK(f != NULL);
    fputs("routes:\n  - {domain: example.com, path: /, cid: " CID_B ", enabled: maybe}\n", f);
    fclose(f);
    CHECK_INT_EQ(route_file_load(path, &bad, &err), DEP_ERR_MALFORMED);
    CHECK(bad == NULL);
    route_snapshot_free(before);
    route_snapshot_free(after);
    temp_dir_remove(dir);
}

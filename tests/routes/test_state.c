/*
 * Persistence: a snapshot survives a save and load field for field, the write is atomic (no
 * temporary file left, the old file replaced whole), and a damaged or hostile state file is
 * refused with the reason instead of being trusted.
 */
#include "chain.h"
#include "test.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CID_A "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e"
#define CID_B "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG"

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    fputs(text, f);
    fclose(f);
}

static int files_in(const char *dir)
{
    DIR *d = opendir(dir);
    CHECK(d != NULL);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

TEST(state_round_trip_keeps_every_field)
{
    char dir[64], path[128];
    temp_dir(dir);
    snprintf(path, sizeof path, "%s/routes.json", dir);
    route_entry *list = calloc(2, sizeof *list);
    CHECK(list != NULL);
    list[0] = (route_entry){.module_type = ROUTE_MODULE_WAF,
                            .enabled = false,
                            .has_authority = true,
                            .origin = ROUTE_ORIGIN_SOLANA,
                            .updated_at = 1750000123};
    memset(list[0].authority.bytes, 9, SOLANA_PUBKEY_BYTES);
    snprintf(list[0].domain, sizeof list[0].domain, "*.example.com");
    snprintf(list[0].path, sizeof list[0].path, "/api/*");
    snprintf(list[0].cid, sizeof list[0].cid, CID_A);
    list[1] = (route_entry){
        .module_type = ROUTE_MODULE_FUNCTION, .enabled = true, .origin = ROUTE_ORIGIN_FILE};
    snprintf(list[1].domain, sizeof list[1].domain, "example.com");
    snprintf(list[1].path, sizeof list[1].path, "/");
    snprintf(list[1].cid, sizeof list[1].cid, CID_B);
    route_snapshot *s;
    dep_error err;
    CHECK(route_snapshot_new(list, 2, &s, &err) == DEP_OK);
    CHECK_MSG(route_state_save(path, s, &err) == DEP_OK, "%s", err.message);
    CHECK_INT_EQ(files_in(dir), 1); /* the temporary file was renamed, not left behind */
    route_snapshot *back;
    CHECK_MSG(route_state_load(path, &back, &err) == DEP_OK, "%s", err.message);
    CHECK_UINT_EQ(back->count, 2);
    for (size_t i = 0; i < 2; i++) {
        CHECK_STR_EQ(back->routes[i].domain, s->routes[i].domain);
        CHECK_STR_EQ(back->routes[i].path, s->routes[i].path);
        CHECK_STR_EQ(back->routes[i].cid, s->routes[i].cid);
        CHECK_INT_EQ(back->routes[i].module_type, s->routes[i].module_type);
        CHECK_INT_EQ(back->routes[i].enabled, s->routes[i].enabled);
        CHECK_INT_EQ(back->routes[i].has_authority, s->routes[i].has_authority);
        CHECK(solana_pubkey_equal(&back->routes[i].authority, &s->routes[i].authority));
        CHECK_INT_EQ(back->routes[i].updated_at, s->routes[i].updated_at);
        CHECK_INT_EQ(back->routes[i].origin, ROUTE_ORIGIN_STATE);
    }
    /* Saving again replaces the file whole. */
    route_snapshot empty = {0};
    CHECK(route_state_save(path, &empty, &err) == DEP_OK);
    route_snapshot_free(back);
    CHECK(route_state_load(path, &back, &err) == DEP_OK);
    CHECK_UINT_EQ(back->count, 0);
    CHECK_INT_EQ(files_in(dir), 1);
    route_snapshot_free(back);
    route_snapshot_free(s);
    temp_dir_remove(dir);
}

static void expect_refused(const char *dir, const char *text, dep_status status, const char *reason)
{
    char path[128], expect[1024];
    snprintf(path, sizeof path, "%s/routes.json", dir);
    write_text(path, text);
    route_snapshot *s = (route_snapshot *)1;
    dep_error err;
    CHECK_INT_EQ(route_state_load(path, &s, &err), status);
    CHECK(s == NULL);
    snprintf(expect, sizeof expect, "state file %s%s", path, reason);
    /* A reason ending in ": " is a prefix: the rest is the CID or key parser's own words. */
    size_t n = strlen(reason);
    if (n >= 2 && strcmp(reason + n - 2, ": ") == 0)
        CHECK_MSG(strncmp(err.message, expect, strlen(expect)) == 0, "\"%s\" lacks prefix \"%s\"",
                  err.message, expect);
    else
        CHECK_STR_EQ(err.message, expect);
}

#define ROUTE_JSON(extra)                                                                          \
    "{\"version\": 1, \"routes\": [{\"domain\": \"example.com\", \"path\": \"/\", \"cid\": "       \
    "\"" CID_A "\", \"type\": \"waf\", \"enabled\": true, \"updated_at\": 5" extra "}]}"

TEST(state_corrupt_files_are_refused_with_the_reason)
{
    char dir[64];
    temp_dir(dir);
    expect_refused(dir, "{\"version\": 1, \"routes\": [", DEP_ERR_MALFORMED,
                   ":1:26: ']' expected near end of file");
    expect_refused(dir, "", DEP_ERR_MALFORMED, ":1:0: '[' or '{' expected near end of file");
    expect_refused(dir, "{\"version\": 2, \"routes\": []}", DEP_ERR_MALFORMED,
                   ": expected {\"version\": 1, \"routes\": [...]} and nothing else");
    expect_refused(dir, "{\"version\": 1, \"routes\": [], \"x\": 1}", DEP_ERR_MALFORMED,
                   ": expected {\"version\": 1, \"routes\": [...]} and nothing else");
    expect_refused(dir, ROUTE_JSON(", \"colour\": \"red\""), DEP_ERR_MALFORMED,
                   ": routes[0]: unknown key \"colour\"");
    expect_refused(dir,
                   "{\"version\": 1, \"routes\": [{\"domain\": \"example.com\", \"path\": \"/\", "
                   "\"cid\": \"" CID_A "\", \"type\": \"waf\", \"enabled\": true}]}",
                   DEP_ERR_MALFORMED,
                   ": routes[0]: missing one of domain, path, cid, type, enabled, updated_at");
    expect_refused(dir, ROUTE_JSON(", \"authority\": \"0OIl\""), DEP_ERR_MALFORMED,
                   ": routes[0]: authority: ");
    temp_dir_remove(dir);
}

TEST(state_values_are_validated_like_rpc_values)
{
    char dir[64];
    temp_dir(dir);
    expect_refused(dir,
                   "{\"version\": 1, \"routes\": [{\"domain\": \"EVIL.com\", \"path\": \"/\", "
                   "\"cid\": \"" CID_A "\", \"type\": \"waf\", \"enabled\": true, "
                   "\"updated_at\": 5}]}",
                   DEP_ERR_MALFORMED,
                   ": routes[0]: domain \"EVIL.com\": only a-z, 0-9, '-' and '.' are allowed "
                   "(lowercase), a label cannot start with '-'");
    expect_refused(dir,
                   "{\"version\": 1, \"routes\": [{\"domain\": \"example.com\", \"path\": \"/\", "
                   "\"cid\": \"Qm123\", \"type\": \"waf\", \"enabled\": true, "
                   "\"updated_at\": 5}]}",
                   DEP_ERR_MALFORMED, ": routes[0]: cid \"Qm123\": ");
    expect_refused(dir,
                   "{\"version\": 1, \"routes\": [{\"domain\": \"example.com\", \"path\": \"/\", "
                   "\"cid\": \"" CID_A "\", \"type\": \"proxy\", \"enabled\": true, "
                   "\"updated_at\": 5}]}",
                   DEP_ERR_MALFORMED, ": routes[0]: type: expected \"waf\" or \"function\"");
    expect_refused(dir,
                   "{\"version\": 1, \"routes\": [{\"domain\": \"example.com\", \"path\": \"/\", "
                   "\"cid\": \"" CID_A "\", \"type\": \"waf\", \"enabled\": 1, "
                   "\"updated_at\": 5}]}",
                   DEP_ERR_MALFORMED, ": routes[0]: enabled: expected true or false");
    expect_refused(dir,
                   "{\"version\": 1, \"routes\": [{\"domain\": \"example.com\", \"path\": \"/\", "
                   "\"cid\": \"" CID_A "\", \"type\": \"waf\", \"enabled\": true, "
                   "\"updated_at\": 1e300}]}",
                   DEP_ERR_MALFORMED,
                   ": routes[0]: updated_at: expected a whole number of seconds");
    expect_refused(dir,
                   "{\"version\": 1, \"routes\": [{\"domain\": \"example.com\", \"path\": "
                   "\"/a\\u0000b\", \"cid\": \"" CID_A "\", \"type\": \"waf\", \"enabled\": true, "
                   "\"updated_at\": 5}]}",
                   DEP_ERR_MALFORMED,
                   ":1:71: \\u0000 is not allowed without JSON_ALLOW_NUL near '\"/a\\u0000b\"'");
    /* Two copies of one route: ROUTE_JSON's object without the envelope. */
    char one[1024], text[2200], path[128];
    snprintf(one, sizeof one, "%s", &ROUTE_JSON("")[strlen("{\"version\": 1, \"routes\": [")]);
    one[strlen(one) - 2] = '\0';
    snprintf(text, sizeof text, "{\"version\": 1, \"routes\": [%s, %s]}", one, one);
    snprintf(path, sizeof path, "%s/routes.json", dir);
    route_snapshot *s;
    dep_error err;
    write_text(path, text);
    CHECK_INT_EQ(route_state_load(path, &s, &err), DEP_ERR_MALFORMED);
    char expect[256];
    snprintf(expect, sizeof expect, "state file %s: route example.com/ is listed twice", path);
    CHECK_STR_EQ(err.message, expect);
    temp_dir_remove(dir);
}

TEST(state_missing_file_is_not_found)
{
    route_snapshot *s;
    dep_error err;
    CHECK_INT_EQ(route_state_load("/tmp/aegis-routes-does-not-exist/routes.json", &s, &err),
                 DEP_ERR_NOT_FOUND);
    CHECK_STR_EQ(err.message,
                 "state file /tmp/aegis-routes-does-not-exist/routes.json: No such file or "
                 "directory");
}

/*
 * aegis-cid, run as a program: its CIDs equal `ipfs_cid`'s and the well-known ones, `add --car`
 * then `verify` round-trips, damaged archives and wrong CIDs fail with exit status 1 and the
 * reason, usage errors exit 2, and `fetch` reads from a gateway on 127.0.0.1.
 */
#include "deploy/deploy.h"
#include "gateway.h"
#include "oracle.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

/* Runs aegis-cid with args (shell words), stdout and stderr together into out; returns the exit
 * status. */
static int cli(const char *args, char *out, size_t cap)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "'%s' %s 2>&1", test_build_path("bin/aegis-cid"), args);
    FILE *p = popen(cmd, "r");
    CHECK(p != NULL);
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = '\0';
    int st = pclose(p);
    CHECK_MSG(WIFEXITED(st), "aegis-cid did not exit normally: %s", out);
    return WEXITSTATUS(st);
}

TEST(test_cli_help_and_usage_errors)
{
    char out[4096];
    CHECK_INT_EQ(cli("--help", out, sizeof out), 0);
    CHECK_STR_HAS(out, "aegis-cid add FILE [--cid-version 0|1] [--car OUT.car]");
    CHECK_STR_HAS(out, "aegis-cid verify CID FILE.car");
    CHECK_INT_EQ(cli("", out, sizeof out), 2);
    CHECK_STR_HAS(out, "aegis-cid: no command");
    CHECK_INT_EQ(cli("frobnicate", out, sizeof out), 2);
    CHECK_STR_HAS(out, "unknown command 'frobnicate'");
    CHECK_INT_EQ(cli("add /dev/null --cid-version 2", out, sizeof out), 2);
    CHECK_STR_HAS(out, "--cid-version must be 0 or 1, not '2'");
    CHECK_INT_EQ(cli("verify QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o", out, sizeof out), 2);
    CHECK_STR_HAS(out, "verify: needs CID and FILE.car");
}

TEST(test_cli_add_prints_the_same_cids_as_ipfs)
{
    const char *dir = make_temp_dir();
    char path[256], args[512], out[4096], v0[DEP_CID_TEXT_MAX], v1[DEP_CID_TEXT_MAX];
    snprintf(path, sizeof path, "%s/hello", dir);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    fputs("hello world\n", f);
    fclose(f);
    snprintf(args, sizeof args, "add '%s'", path);
    CHECK_INT_EQ(cli(args, out, sizeof out), 0);
    CHECK_STR_EQ(out, "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o\n");
    snprintf(args, sizeof args, "add --cid-version 1 '%s'", path);
    CHECK_INT_EQ(cli(args, out, sizeof out), 0);
    CHECK_STR_EQ(out, "bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4\n");
    snprintf(path, sizeof path, "%s/big", dir);
    write_pattern_file(path, 2 * DEP_CHUNK_BYTES_DEFAULT + 17, 77);
    oracle_ipfs_cid(path, v0, v1);
    snprintf(args, sizeof args, "add '%s'", path);
    CHECK_INT_EQ(cli(args, out, sizeof out), 0);
    char want[DEP_CID_TEXT_MAX + 2];
    snprintf(want, sizeof want, "%s\n", v0);
    CHECK_STR_EQ(out, want);
    snprintf(args, sizeof args, "add /nonexistent/file");
    CHECK_INT_EQ(cli(args, out, sizeof out), 1);
    CHECK_STR_EQ(out, "aegis-cid: /nonexistent/file: No such file or directory\n");
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
}

TEST(test_cli_car_then_verify_round_trips_and_refuses_damage)
{
    const char *dir = make_temp_dir();
    char path[256], car[300], copy[300], args[1024], out[4096], cid[DEP_CID_TEXT_MAX];
    snprintf(path, sizeof path, "%s/mod.wasm", dir);
    snprintf(car, sizeof car, "%s/mod.car", dir);
    snprintf(copy, sizeof copy, "%s/back.wasm", dir);
    size_t len = 3 * DEP_CHUNK_BYTES_DEFAULT + 1;
    write_pattern_file(path, len, 31);
    snprintf(args, sizeof args, "add '%s' --cid-version 1 --car '%s'", path, car);
    CHECK_INT_EQ(cli(args, out, sizeof out), 0);
    CHECK(strlen(out) > 1 && strlen(out) < sizeof cid);
    snprintf(cid, sizeof cid, "%.*s", (int)strlen(out) - 1, out);
    CHECK_STR_HAS(cid, "bafybei");
    snprintf(args, sizeof args, "verify %s '%s' --out '%s'", cid, car, copy);
    CHECK_INT_EQ(cli(args, out, sizeof out), 0);
    char want[512];
    snprintf(want, sizeof want, "ok %s %zu bytes\n", cid, len);
    CHECK_STR_EQ(out, want);
    size_t a_len, b_len;
    uint8_t *a = slurp(path, &a_len), *b = slurp(copy, &b_len);
    CHECK_UINT_EQ(a_len, b_len);
    CHECK(memcmp(a, b, a_len) == 0);
    free(a);
    free(b);
    /* Another CID than the archive's root. */
    snprintf(args, sizeof args, "verify QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o '%s'", car);
    CHECK_INT_EQ(cli(args, out, sizeof out), 1);
    CHECK_STR_HAS(out, "car header does not name QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o");
    snprintf(args, sizeof args, "verify notacid '%s'", car);
    CHECK_INT_EQ(cli(args, out, sizeof out), 1);
    CHECK_STR_HAS(out, "aegis-cid: cid: unknown multibase prefix 0x6e");
    /* One flipped byte in the last block. */
    size_t car_len;
    uint8_t *bytes = slurp(car, &car_len);
    bytes[car_len - 1] ^= 0x01;
    FILE *f = fopen(car, "wb");
    CHECK(f != NULL && fwrite(bytes, 1, car_len, f) == car_len && fclose(f) == 0);
    free(bytes);
    snprintf(args, sizeof args, "verify %s '%s'", cid, car);
    CHECK_INT_EQ(cli(args, out, sizeof out), 1);
    CHECK_STR_HAS(out, "hashes to");
    snprintf(args, sizeof args, "rm -rf '%s'", dir);
    CHECK(system(args) == 0);
}

TEST(test_cli_fetch_reads_from_a_gateway)
{
    uint8_t data[4000];
    fill_pattern(data, sizeof data, 8);
    dep_import_options o = dep_import_profile(0);
    uint8_t *car;
    size_t car_len;
    dep_cid root;
    CHECK_INT_EQ(dep_car_write_buffer(data, sizeof data, &o, &car, &car_len, &root, NULL), DEP_OK);
    char cs[DEP_CID_TEXT_MAX], t[300], args[1024], out[4096], want[512];
    dep_cid_string(&root, cs);
    snprintf(t, sizeof t, "/ipfs/%s?format=car", cs);
    gw_server *gw = gw_start();
    gw_route(gw, t, GW_PLAIN, 200, "application/vnd.ipld.car", car, car_len);
    snprintf(args, sizeof args, "fetch %s --gateway http://127.0.0.1:1 --gateway %s", cs,
             gw_url(gw));
    CHECK_INT_EQ(cli(args, out, sizeof out), 0);
    snprintf(want, sizeof want, "ok %s 4000 bytes from %s\n", cs, gw_url(gw));
    CHECK_STR_EQ(out, want);
    snprintf(args, sizeof args, "fetch %s --gateway http://127.0.0.1:1", cs);
    CHECK_INT_EQ(cli(args, out, sizeof out), 1);
    CHECK_STR_HAS(out, "every gateway failed: http://127.0.0.1:1: car: Couldn't connect");
    gw_stop(gw);
    free(car);
}

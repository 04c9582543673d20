/*
 * `aegis-wasm-cli cid` and `aegis-wasm-cli deploy`, run as programs: `cid` prints what `ipfs add`
 * prints (the oracles decide); `deploy --ipfs` against the loopback Helia peer gets the local CID
 * back for both profiles, for a one-block and a two-level module, and the peer then serves it;
 * a node that answers another CID fails the command loudly; the CAR of --car is read back to the
 * same CID by the Helia peer and by our reader; FILE defaults to the build output of a project
 * made by `init`; files a node would refuse are refused; usage errors exit 2. The generated
 * modules these tests (and bench/ipfs) publish run in the engine and answer.
 */
#include "child.h"
#include "deploy/deploy.h"
#include "engine/engine.h"
#include "gateway.h"
#include "ipfs_peer.h"
#include "oracle.h"
#include "test.h"
#include "wasmgen.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HELLO_V0 "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"
#define HELLO_V1 "bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4"
#define ADD_V0                                                                                     \
    "/api/v0/add?cid-version=0&raw-leaves=false&chunker=size-262144&pin=true&progress=false"

enum {
    RUN_TIMEOUT_MS = 120000,
    RUN_ARGS_MAX = 24,
    /* A module whose DAG has two levels: more than 174 chunks. */
    TWO_LEVEL_FILLER = 174 * DEP_CHUNK_BYTES_DEFAULT + 1000,
};

typedef struct run {
    int status; /* exit status, -1 if killed */
    char out[16384];
    char err[16384];
} run;

static void read_back(FILE *f, char *out, size_t cap)
{
    rewind(f);
    size_t n = fread(out, 1, cap - 1, f);
    out[n] = '\0';
    fclose(f);
}

/* Runs aegis-wasm-cli with argv (NULL-terminated, without the program) in cwd (NULL: ours). */
static void wasm_cli(run *r, const char *cwd, const char *const *argv)
{
    char bin[1024];
    snprintf(bin, sizeof bin, "%s", test_build_path("bin/aegis-wasm-cli"));
    CHECK_MSG(access(bin, X_OK) == 0, "%s is missing: build the programs", bin);
    const char *args[RUN_ARGS_MAX] = {bin};
    size_t n = 1;
    for (size_t i = 0; argv[i] != NULL; i++) {
        CHECK(n + 1 < RUN_ARGS_MAX);
        args[n++] = argv[i];
    }
    args[n] = NULL;
    FILE *out = tmpfile(), *err = tmpfile();
    CHECK(out != NULL && err != NULL);
    int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    CHECK(null_fd >= 0);
    r->status = child_run(args, cwd, null_fd, fileno(out), fileno(err), RUN_TIMEOUT_MS);
    close(null_fd);
    read_back(out, r->out, sizeof r->out);
    read_back(err, r->err, sizeof r->err);
}

static void write_file(const char *path, const uint8_t *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    CHECK_MSG(f != NULL, "%s: %s", path, strerror(errno));
    CHECK(fwrite(data, 1, len, f) == len);
    CHECK(fclose(f) == 0);
}

/* Writes a generated function module to path and stores its CID in the profile. */
static void write_module(const char *path, size_t filler, uint64_t seed, uint8_t version,
                         char cid[DEP_CID_TEXT_MAX])
{
    size_t len;
    uint8_t *m = wasmgen_function(filler, seed, "deployed", &len);
    CHECK(m != NULL);
    write_file(path, m, len);
    dep_import_options o = dep_import_profile(version);
    dep_cid c;
    CHECK_INT_EQ(dep_import_buffer(m, len, &o, NULL, NULL, &c, NULL), DEP_OK);
    dep_cid_string(&c, cid);
    free(m);
}

static void check_held_by_peer(const ipfs_peer *peer, const char *cid_text, const char *path)
{
    size_t want_len, len;
    uint8_t *want = slurp(path, &want_len);
    char target[512];
    long status = 0;
    snprintf(target, sizeof target, "/ipfs/%s", cid_text);
    uint8_t *got = ipfs_peer_get(peer, target, &len, &status);
    CHECK_MSG(status == 200, "the peer does not hold %s (HTTP %ld)", cid_text, status);
    CHECK_UINT_EQ(len, want_len);
    CHECK(memcmp(got, want, len) == 0);
    free(got);
    free(want);
}

TEST(test_cid_command_prints_the_cids_ipfs_prints)
{
    const char *dir = make_temp_dir();
    char hello[300], big[300];
    snprintf(hello, sizeof hello, "%s/hello.txt", dir);
    write_file(hello, (const uint8_t *)"hello world\n", 12);
    run r;
    wasm_cli(&r, NULL, (const char *[]){"cid", hello, NULL});
    CHECK_INT_EQ(r.status, 0);
    CHECK_STR_EQ(r.out, HELLO_V0 "\n");
    wasm_cli(&r, NULL, (const char *[]){"cid", hello, "--cid-version", "1", NULL});
    CHECK_INT_EQ(r.status, 0);
    CHECK_STR_EQ(r.out, HELLO_V1 "\n");

    /* One byte past a chunk: a dag-pb root over two leaves. The oracles run here. */
    snprintf(big, sizeof big, "%s/big.bin", dir);
    write_pattern_file(big, DEP_CHUNK_BYTES_DEFAULT + 1, 9);
    char v0[DEP_CID_TEXT_MAX], v1_same_dag[DEP_CID_TEXT_MAX], js[1][DEP_CID_TEXT_MAX], want[300];
    oracle_ipfs_cid(big, v0, v1_same_dag);
    wasm_cli(&r, NULL, (const char *[]){"cid", big, NULL});
    snprintf(want, sizeof want, "%s\n", v0);
    CHECK_STR_EQ(r.out, want);
    const char *paths[] = {big};
    oracle_js("v1", paths, 1, js, NULL);
    wasm_cli(&r, NULL, (const char *[]){"cid", "--cid-version=1", big, "--json", NULL});
    CHECK_INT_EQ(r.status, 0);
    json_error_t jerr;
    json_t *j = json_loads(r.out, 0, &jerr);
    CHECK_MSG(j != NULL, "not JSON: %s", r.out);
    CHECK_STR_EQ(json_string_value(json_object_get(j, "cid")), js[0]);
    CHECK_INT_EQ(json_integer_value(json_object_get(j, "size")), DEP_CHUNK_BYTES_DEFAULT + 1);
    CHECK_INT_EQ(json_integer_value(json_object_get(j, "cid_version")), 1);
    json_decref(j);

    wasm_cli(&r, NULL, (const char *[]){"cid", "/nonexistent/module.wasm", NULL});
    CHECK_INT_EQ(r.status, 1);
    CHECK_STR_EQ(r.err,
                 "aegis-wasm-cli cid: /nonexistent/module.wasm: No such file or directory\n");
    wasm_cli(&r, NULL, (const char *[]){"cid", dir, NULL});
    CHECK_INT_EQ(r.status, 1);
    CHECK_STR_HAS(r.err, "not a regular file");
    wasm_cli(&r, NULL, (const char *[]){"cid", hello, "--cid-version", "2", NULL});
    CHECK_INT_EQ(r.status, 2);
    CHECK_STR_HAS(r.err, "--cid-version \"2\": expected 0 or 1");
    wasm_cli(&r, NULL, (const char *[]){"cid", NULL});
    CHECK_INT_EQ(r.status, 2);
    CHECK_STR_HAS(r.err, "needs the FILE");
    wasm_cli(&r, NULL, (const char *[]){"cid", "--help", NULL});
    CHECK_INT_EQ(r.status, 0);
    CHECK_STR_HAS(r.out, "usage: aegis-wasm-cli cid FILE [--cid-version 0|1] [--json]");
}

TEST(test_deploy_to_the_helia_peer_returns_the_local_cid_for_both_profiles)
{
    const char *dir = make_temp_dir();
    char path[300], cid[DEP_CID_TEXT_MAX], want[600];
    snprintf(path, sizeof path, "%s/fn.wasm", dir);
    ipfs_peer peer;
    ipfs_peer_start(&peer, NULL);
    for (uint8_t v = 0; v <= 1; v++) {
        write_module(path, 5000, 40 + v, v, cid);
        run r;
        const char *version = v ? "1" : "0";
        wasm_cli(&r, NULL,
                 (const char *[]){"deploy", path, "--ipfs", peer.url, "--cid-version", version,
                                  "--domain", "api.example.com", "--path", "/v1/*", NULL});
        CHECK_MSG(r.status == 0, "exit %d: %s", r.status, r.err);
        CHECK_STR_EQ(r.err, "");
        snprintf(want, sizeof want, "\ncid       %s (%s)\n", cid,
                 v ? "CIDv1, raw leaves" : "CIDv0, Kubo's default profile");
        CHECK_STR_HAS(r.out, want);
        snprintf(want, sizeof want, "\nipfs      %s stored it as %s (pinned, DAG ", peer.url, cid);
        CHECK_STR_HAS(r.out, want);
        CHECK_STR_HAS(r.out, "): matches the local CID\n");
        CHECK_STR_HAS(r.out, ", function, sha256 ");
        snprintf(want, sizeof want,
                 "\nregister  aegis-wasm-cli register --domain api.example.com --path '/v1/*' "
                 "--cid %s --type function\n",
                 cid);
        CHECK_STR_HAS(r.out, want);
        check_held_by_peer(&peer, cid, path);
    }
    ipfs_peer_stop(&peer);
}

TEST(test_deploy_of_a_two_level_module_to_the_helia_peer_returns_the_local_cid)
{
    const char *dir = make_temp_dir();
    char path[300], cid[DEP_CID_TEXT_MAX];
    snprintf(path, sizeof path, "%s/big.wasm", dir);
    ipfs_peer peer;
    ipfs_peer_start(&peer, NULL);
    for (uint8_t v = 0; v <= 1; v++) {
        write_module(path, TWO_LEVEL_FILLER, 50 + v, v, cid);
        run r;
        wasm_cli(&r, NULL,
                 (const char *[]){"deploy", path, "--ipfs", peer.url, "--cid-version",
                                  v ? "1" : "0", "--json", NULL});
        CHECK_MSG(r.status == 0, "exit %d: %s", r.status, r.err);
        json_error_t jerr;
        json_t *j = json_loads(r.out, 0, &jerr);
        CHECK_MSG(j != NULL, "not JSON: %s", r.out);
        CHECK_STR_EQ(json_string_value(json_object_get(j, "cid")), cid);
        CHECK_STR_EQ(json_string_value(json_object_get(j, "type")), "function");
        CHECK_INT_EQ(json_integer_value(json_object_get(j, "cid_version")), v);
        json_t *ipfs = json_object_get(j, "ipfs");
        CHECK_STR_EQ(json_string_value(json_object_get(ipfs, "hash")), cid);
        CHECK_STR_EQ(json_string_value(json_object_get(ipfs, "url")), peer.url);
        CHECK(json_is_true(json_object_get(ipfs, "pinned")));
        CHECK(json_integer_value(json_object_get(ipfs, "dag_bytes")) >
              (json_int_t)TWO_LEVEL_FILLER);
        CHECK(json_is_null(json_object_get(j, "car")));
        CHECK_STR_HAS(json_string_value(json_object_get(j, "register")), cid);
        json_decref(j);
        check_held_by_peer(&peer, cid, path);
    }
    ipfs_peer_stop(&peer);
}

TEST(test_deploy_fails_loudly_when_the_node_answers_another_cid)
{
    const char *dir = make_temp_dir();
    char path[300], cid[DEP_CID_TEXT_MAX], want[600];
    snprintf(path, sizeof path, "%s/fn.wasm", dir);
    write_module(path, 100, 60, 0, cid);
    gw_server *liar = gw_start();
    const char *answer = "{\"Name\":\"fn.wasm\",\"Hash\":\"" HELLO_V0 "\",\"Size\":\"20\"}\n";
    gw_route(liar, ADD_V0, GW_PLAIN, 200, "application/json", (const uint8_t *)answer,
             strlen(answer));
    run r;
    wasm_cli(&r, NULL, (const char *[]){"deploy", path, "--ipfs", gw_url(liar), NULL});
    CHECK_INT_EQ(r.status, 1);
    snprintf(want, sizeof want,
             "aegis-wasm-cli deploy: CID MISMATCH: kubo add at %s: the node answered Hash " HELLO_V0
             ", but the file's CID is %s",
             gw_url(liar), cid);
    CHECK_STR_HAS(r.err, want);
    CHECK_STR_EQ(r.out, ""); /* no register line for a CID nobody stored */
    CHECK_INT_EQ(gw_hits(liar, ADD_V0), 1);
    gw_stop(liar);
}

TEST(test_deploy_car_is_read_back_to_the_same_cid_by_helia_and_by_our_reader)
{
    const char *dir = make_temp_dir();
    char path[300], car_path[300], cid[DEP_CID_TEXT_MAX], want[600];
    snprintf(path, sizeof path, "%s/fn.wasm", dir);
    snprintf(car_path, sizeof car_path, "%s/fn.car", dir);
    ipfs_peer peer;
    ipfs_peer_start(&peer, NULL);
    for (uint8_t v = 0; v <= 1; v++) {
        write_module(path, 3 * DEP_CHUNK_BYTES_DEFAULT, 70 + v, v, cid);
        run r;
        wasm_cli(&r, NULL,
                 (const char *[]){"deploy", path, "--car", car_path, "--cid-version", v ? "1" : "0",
                                  NULL});
        CHECK_MSG(r.status == 0, "exit %d: %s", r.status, r.err);
        struct stat st;
        CHECK(stat(car_path, &st) == 0);
        snprintf(want, sizeof want, "\ncar       %s: %lld bytes\n", car_path,
                 (long long)st.st_size);
        CHECK_STR_HAS(r.out, want);
        CHECK_STR_HAS(r.out, "ipfs      not uploaded: pass --ipfs URL (a Kubo RPC endpoint), or "
                             "pin the CAR with a pinning service\n");

        /* Our reader: the header's root, then the verified file. */
        size_t car_len, file_len, mod_len;
        uint8_t *car = slurp(car_path, &car_len), *file = NULL, *mod = slurp(path, &mod_len);
        dep_cid roots[DEP_CAR_MAX_ROOTS], want_cid;
        size_t nroots = 0;
        dep_error err = {0};
        CHECK_INT_EQ(dep_car_roots(car, car_len, roots, DEP_CAR_MAX_ROOTS, &nroots, &err), DEP_OK);
        CHECK_UINT_EQ(nroots, 1);
        CHECK_INT_EQ(dep_cid_parse(cid, strlen(cid), &want_cid, &err), DEP_OK);
        CHECK(dep_cid_equal(&roots[0], &want_cid));
        CHECK_MSG(dep_car_verify(car, car_len, &want_cid, 0, &file, &file_len, &err) == DEP_OK,
                  "%s", err.message);
        CHECK_UINT_EQ(file_len, mod_len);
        CHECK(memcmp(file, mod, mod_len) == 0);
        free(file);
        free(mod);
        free(car);

        /* Helia: imports the CAR (as `ipfs dag import`), names its root, then serves the file. */
        long status = 0;
        char *answer = ipfs_peer_post_file(&peer, "/api/v0/dag/import", car_path, &status);
        CHECK_MSG(status == 200, "dag/import: %ld %s", status, answer);
        snprintf(want, sizeof want, "{\"Root\":{\"Cid\":{\"/\":\"%s\"},\"PinErrorMsg\":\"\"}}\n",
                 cid);
        CHECK_STR_EQ(answer, want);
        free(answer);
        check_held_by_peer(&peer, cid, path);
    }
    ipfs_peer_stop(&peer);
}

TEST(test_deploy_defaults_to_the_build_output_of_an_init_project)
{
    const char *dir = make_temp_dir();
    char project[300], module[400], cid[DEP_CID_TEXT_MAX], want[600];
    snprintf(project, sizeof project, "%s/hello-fn", dir);
    run r;
    wasm_cli(&r, dir, (const char *[]){"init", "hello-fn", NULL});
    CHECK_MSG(r.status == 0, "init: %s", r.err);

    wasm_cli(&r, project, (const char *[]){"deploy", NULL});
    CHECK_INT_EQ(r.status, 1);
    CHECK_STR_HAS(r.err, "aegis-wasm-cli deploy: no FILE given, and this directory has no build "
                         "output build/hello-fn.wasm: run `make`");

    /* What `make` (aegis-wasm-cli build) leaves there. */
    snprintf(module, sizeof module, "%s/build", project);
    CHECK(mkdir(module, 0755) == 0);
    snprintf(module, sizeof module, "%s/build/hello-fn.wasm", project);
    write_module(module, 2000, 80, 1, cid);
    wasm_cli(&r, project, (const char *[]){"deploy", "--cid-version", "1", NULL});
    CHECK_MSG(r.status == 0, "exit %d: %s", r.status, r.err);
    CHECK_STR_HAS(r.out, "module    build/hello-fn.wasm: ");
    snprintf(want, sizeof want, "\ncid       %s (CIDv1, raw leaves)\n", cid);
    CHECK_STR_HAS(r.out, want);
    snprintf(want, sizeof want,
             "register  aegis-wasm-cli register --domain DOMAIN --path '/*' --cid %s --type "
             "function\n",
             cid);
    CHECK_STR_HAS(r.out, want);
}

TEST(test_deploy_refuses_what_a_node_would_refuse_unless_forced)
{
    const char *dir = make_temp_dir();
    char junk[300], bare[300], fn[300], cid[DEP_CID_TEXT_MAX], want[600];
    snprintf(junk, sizeof junk, "%s/junk.wasm", dir);
    write_pattern_file(junk, 3000, 5);
    run r;
    wasm_cli(&r, NULL, (const char *[]){"deploy", junk, NULL});
    CHECK_INT_EQ(r.status, 1);
    snprintf(want, sizeof want, "aegis-wasm-cli deploy: %s: not a valid WebAssembly module (",
             junk);
    CHECK_STR_HAS(r.err, want);
    CHECK_STR_EQ(r.out, "");

    wasm_cli(&r, NULL, (const char *[]){"deploy", junk, "--force", NULL});
    CHECK_INT_EQ(r.status, 0);
    CHECK_STR_HAS(r.err, "aegis-wasm-cli deploy: warning: ");
    CHECK_STR_HAS(r.out, ": 3000 bytes, not a checked module, sha256 ");
    dep_import_options o = dep_import_profile(0);
    dep_cid c;
    CHECK_INT_EQ(dep_import_file(junk, &o, NULL, NULL, &c, NULL), DEP_OK);
    snprintf(want, sizeof want, "\ncid       %s (", dep_cid_string(&c, cid));
    CHECK_STR_HAS(r.out, want);

    /* A valid module that is not an AEGIS module: the ABI checker says what is missing. */
    snprintf(bare, sizeof bare, "%s/bare.wasm", dir);
    write_file(bare, (const uint8_t *)"\0asm\1\0\0\0", 8);
    wasm_cli(&r, NULL, (const char *[]){"deploy", bare, NULL});
    CHECK_INT_EQ(r.status, 1);
    CHECK_STR_HAS(r.err, "does not conform to guest ABI v1");
    CHECK_STR_HAS(r.err, "  - ");

    snprintf(fn, sizeof fn, "%s/fn.wasm", dir);
    write_module(fn, 10, 90, 0, cid);
    wasm_cli(&r, NULL, (const char *[]){"deploy", fn, "--type", "waf", NULL});
    CHECK_INT_EQ(r.status, 1);
    CHECK_STR_HAS(r.err, "does not conform to guest ABI v1 as a waf");
}

TEST(test_deploy_usage_errors_exit_2)
{
    static const struct {
        const char *args[6];
        const char *message;
    } cases[] = {
        {{"deploy", "m.wasm", "--cid-version", "3", NULL}, "--cid-version \"3\": expected 0 or 1"},
        {{"deploy", "m.wasm", "--ipfs", "ftp://127.0.0.1:5001", NULL},
         "--ipfs \"ftp://127.0.0.1:5001\": expected an http:// or https:// URL"},
        {{"deploy", "m.wasm", "--timeout-ms", "0", NULL},
         "--timeout-ms \"0\": expected 1..3600000"},
        {{"deploy", "m.wasm", "--type", "edge", NULL}, "--type \"edge\": expected function or waf"},
        {{"deploy", "a.wasm", "b.wasm", NULL}, "unexpected argument \"b.wasm\""},
        {{"deploy", "--frobnicate", NULL}, "--frobnicate"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run r;
        wasm_cli(&r, NULL, cases[i].args);
        CHECK_MSG(r.status == 2, "case %zu: exit %d (%s)", i, r.status, r.err);
        CHECK_STR_HAS(r.err, cases[i].message);
    }
    run r;
    wasm_cli(&r, NULL, (const char *[]){"deploy", "--help", NULL});
    CHECK_INT_EQ(r.status, 0);
    CHECK_STR_HAS(r.out, "usage: aegis-wasm-cli deploy [FILE] [--ipfs URL] [--cid-version 0|1] "
                         "[--car OUT.car]");
    wasm_cli(&r, NULL, (const char *[]){"--help", NULL});
    CHECK_STR_HAS(r.out, "  cid        print the IPFS CID of a file (as `ipfs add` would)\n");
    CHECK_STR_HAS(r.out, "  deploy     publish a module to IPFS under its CID (Kubo RPC, CAR)\n");
}

TEST(test_generated_module_runs_and_answers_from_its_data_segment)
{
    /* The modules the deploy tests and bench/ipfs publish are real edge functions. */
    size_t len;
    uint8_t *bytes = wasmgen_function(DEP_CHUNK_BYTES_DEFAULT + 77, 3, "gen42", &len);
    CHECK(bytes != NULL);
    CHECK(len > DEP_CHUNK_BYTES_DEFAULT + 77);
    eng_error err = {0};
    eng_module *m = eng_module_new(bytes, len, &err);
    CHECK_MSG(m != NULL, "%s", err.message);
    eng_imports *imports = eng_imports_new();
    eng_limits limits = eng_limits_default();
    eng_instance *inst = eng_instance_new(m, imports, &limits, &err);
    CHECK_MSG(inst != NULL, "%s", err.message);
    int32_t alloc = eng_instance_find_func(inst, "alloc", NULL);
    int32_t handle = eng_instance_find_func(inst, "handle_request", NULL);
    CHECK(alloc >= 0 && handle >= 0);
    eng_slot args[2] = {16, 0}, res[1] = {0};
    CHECK_INT_EQ(eng_call(inst, alloc, args, 1, res, 1, &err), ENG_OK);
    uint32_t at = (uint32_t)res[0];
    CHECK(at > DEP_CHUNK_BYTES_DEFAULT);
    uint8_t *req = eng_instance_memory(inst, at, 2);
    CHECK(req != NULL);
    memcpy(req, "{}", 2);
    args[0] = at;
    args[1] = 2;
    CHECK_INT_EQ(eng_call(inst, handle, args, 2, res, 1, &err), ENG_OK);
    uint8_t *head = eng_instance_memory(inst, (uint32_t)res[0], 4);
    CHECK(head != NULL);
    uint32_t n = (uint32_t)head[0] | (uint32_t)head[1] << 8 | (uint32_t)head[2] << 16 |
                 (uint32_t)head[3] << 24;
    const char *want = "{\"status\":200,\"headers\":[],\"body\":\"gen42\"}";
    CHECK_UINT_EQ(n, strlen(want));
    uint8_t *body = eng_instance_memory(inst, (uint32_t)res[0] + 4, n);
    CHECK(body != NULL && memcmp(body, want, n) == 0);
    eng_instance_free(inst);
    eng_imports_free(imports);
    eng_module_free(m);
    free(bytes);
}

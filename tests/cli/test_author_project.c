/*
 * The module author's path with the real binaries: `aegis-wasm-cli init` a project in a
 * temporary directory, `build` it with Debian's clang (directly and through the generated
 * Makefile), `inspect` the result, and run the built module's entry point through our engine to
 * see that the generated source does what its README says.
 */
#include "test.h"
#include "test_author_run.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void sha256_hex(const uint8_t *p, size_t n, char out[65])
{
    unsigned char d[32];
    crypto_hash_sha256(d, p, n);
    sodium_bin2hex(out, 65, d, sizeof d);
}

/* "built build/NAME.wasm\n  size    N bytes\n  sha256  H\n  type    T\n" for the file at path. */
static void check_build_output(const char *out, const char *shown, const char *path,
                               const char *type)
{
    size_t len;
    uint8_t *bytes = test_read_file(path, &len);
    char sha[65], want[512];
    sha256_hex(bytes, len, sha);
    free(bytes);
    snprintf(want, sizeof want, "built %s\n  size    %zu bytes\n  sha256  %s\n  type    %s\n",
             shown, len, sha, type);
    CHECK_STR_EQ(out, want);
}

static void init_project(const char *tmp, const char *name, const char *type)
{
    author_result r;
    const char *argv[] = {"init", name, "--type", type, NULL};
    author_exec(&r, NULL, tmp, NULL, argv);
    CHECK_MSG(r.status == 0, "init exited %d: %s", r.status, r.err);
    char want[256];
    snprintf(want, sizeof want, "created %s project %s in %s\n  next: cd %s && make\n",
             strcmp(type, "waf") == 0 ? "WAF" : "edge function", name, name, name);
    CHECK_STR_EQ(r.out, want);
    CHECK_STR_EQ(r.err, "");
}

TEST(test_init_creates_a_project_with_source_makefile_readme_and_request)
{
    char tmp[64];
    author_tmpdir(tmp);
    init_project(tmp, "hello", "function");
    char dir[128];
    snprintf(dir, sizeof dir, "%s/hello", tmp);
    const char *files[] = {"hello.c", "Makefile", "README.md", "request.json", ".gitignore"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        CHECK_MSG(access(author_path(dir, files[i]), R_OK) == 0, "%s missing", files[i]);
    char *src = author_read_text(author_path(dir, "hello.c"));
    CHECK_STR_HAS(src, "#include \"aegis.h\"");
    CHECK_STR_HAS(src, "AEGIS_EXPORT(\"handle_request\") int32_t handle_request(");
    free(src);
    char *mk = author_read_text(author_path(dir, "Makefile"));
    CHECK_STR_HAS(mk, "\t$(AEGIS_WASM_CLI) build --type function .\n");
    CHECK_STR_HAS(mk, "\t$(AEGIS_WASM_CLI) inspect build/hello.wasm\n");
    free(mk);
    char *readme = author_read_text(author_path(dir, "README.md"));
    CHECK_STR_HAS(readme, "# hello\n\nAn AEGIS Edge module in C: an edge function (type "
                          "function), created by `aegis-wasm-cli init`.\n");
    CHECK_STR_HAS(readme, "    make inspect        # = aegis-wasm-cli inspect build/hello.wasm\n");
    CHECK_STR_HAS(readme, "(`memory`, `alloc`, `dealloc`, `handle_request`)");
    free(readme);
    char *gi = author_read_text(author_path(dir, ".gitignore"));
    CHECK_STR_EQ(gi, "build/\n");
    free(gi);

    /* request.json is guest ABI v1 request JSON: every field, body present and a string. */
    json_error_t jerr;
    json_t *req = json_load_file(author_path(dir, "request.json"), 0, &jerr);
    CHECK_MSG(req != NULL, "request.json: %s", jerr.text);
    CHECK_STR_EQ(json_string_value(json_object_get(req, "method")), "GET");
    CHECK_STR_EQ(json_string_value(json_object_get(req, "uri")), "/hello?name=world");
    CHECK_STR_EQ(json_string_value(json_object_get(req, "body")), "");
    CHECK_STR_EQ(json_string_value(json_object_get(req, "client_ip")), "127.0.0.1");
    json_t *headers = json_object_get(req, "headers");
    CHECK_UINT_EQ(json_array_size(headers), 3);
    CHECK_STR_EQ(json_string_value(json_array_get(json_array_get(headers, 0), 0)), "host");
    CHECK_STR_EQ(json_string_value(json_array_get(json_array_get(headers, 0), 1)), "localhost");
    CHECK_UINT_EQ(json_object_size(req), 5);
    json_decref(req);
    author_rmtree(tmp);
}

TEST(test_init_build_inspect_and_run_a_function_project)
{
    char tmp[64], dir[128];
    author_tmpdir(tmp);
    init_project(tmp, "hello", "function");
    snprintf(dir, sizeof dir, "%s/hello", tmp);

    author_result r;
    const char *build[] = {"build", "--type", "function", NULL};
    author_exec(&r, NULL, dir, NULL, build);
    CHECK_MSG(r.status == 0, "build exited %d: %s", r.status, r.err);
    CHECK_STR_EQ(r.err, "");
    char wasm[160];
    snprintf(wasm, sizeof wasm, "%s/build/hello.wasm", dir);
    check_build_output(r.out, "build/hello.wasm", wasm, "function");

    const char *inspect[] = {"inspect", "build/hello.wasm", NULL};
    author_exec(&r, NULL, dir, NULL, inspect);
    CHECK_MSG(r.status == 0, "inspect exited %d: %s", r.status, r.err);
    CHECK_STR_HAS(r.out, "module build/hello.wasm\n");
    CHECK_STR_HAS(r.out, "  func   env.log (i32, i32) -> ()\n");
    CHECK_STR_HAS(r.out, "  func   env.set_response_header (i32, i32, i32, i32) -> ()\n");
    CHECK_STR_HAS(r.out, "  memory memory min ");
    CHECK_STR_HAS(r.out, "  func   alloc (i32) -> i32\n"
                         "  func   dealloc (i32, i32) -> ()\n"
                         "  func   handle_request (i32, i32) -> i32\n");
    CHECK_STR_HAS(r.out, "memories, in 64 KiB pages (1):\n  0: min ");
    CHECK_STR_HAS(r.out, "tables (1):\n  0: min ");
    CHECK(strlen(r.out) > strlen("guest ABI v1: function\n"));
    CHECK_STR_EQ(r.out + strlen(r.out) - strlen("guest ABI v1: function\n"),
                 "guest ABI v1: function\n");

    /* The generated function answers /hello itself and sets a header on everything else. */
    char *request = author_read_text(author_path(dir, "request.json"));
    char log[1024];
    char *result = author_call_module(wasm, "handle_request", request, log, sizeof log);
    CHECK_STR_EQ(result, "{\"status\":200,\"headers\":[[\"Content-Type\",\"text/plain\"]],"
                         "\"body\":\"Hello from hello: GET /hello?name=world\\u000a\"}");
    CHECK_STR_EQ(log, "log: hello: handling a request\n");
    free(result);
    result = author_call_module(wasm, "handle_request",
                                "{\"method\":\"POST\",\"uri\":\"/api\",\"headers\":[],"
                                "\"body\":\"\",\"client_ip\":\"10.0.0.1\"}",
                                log, sizeof log);
    CHECK_STR_EQ(result, "{\"status\":null,\"headers\":[],\"body\":\"\"}");
    CHECK_STR_EQ(log, "log: hello: handling a request\nheader: X-Handled-By\nvalue: hello\n");
    free(result);
    free(request);
    author_rmtree(tmp);
}

TEST(test_generated_makefile_builds_and_inspects_with_the_cli)
{
    char tmp[64], dir[128], var[1200];
    author_tmpdir(tmp);
    init_project(tmp, "viamake", "function");
    snprintf(dir, sizeof dir, "%s/viamake", tmp);
    snprintf(var, sizeof var, "AEGIS_WASM_CLI=%s", author_cli_path());
    author_result r;
    const char *argv[] = {"--no-print-directory", var, "inspect", NULL};
    author_exec(&r, "make", dir, NULL, argv);
    CHECK_MSG(r.status == 0, "make exited %d: %s%s", r.status, r.out, r.err);
    CHECK_STR_HAS(r.out, "build --type function .\nbuilt build/viamake.wasm\n");
    CHECK_STR_HAS(r.out, "inspect build/viamake.wasm\nmodule build/viamake.wasm\n");
    CHECK_STR_HAS(r.out, "guest ABI v1: function\n");
    const char *clean[] = {"--no-print-directory", var, "clean", NULL};
    author_exec(&r, "make", dir, NULL, clean);
    CHECK_INT_EQ(r.status, 0);
    CHECK(access(author_path(dir, "build"), F_OK) != 0);
    author_rmtree(tmp);
}

TEST(test_waf_project_builds_in_release_with_json_and_blocks_a_script)
{
    char tmp[64], dir[128];
    author_tmpdir(tmp);
    init_project(tmp, "shield", "waf");
    snprintf(dir, sizeof dir, "%s/shield", tmp);
    author_result r;
    const char *build[] = {"build", "shield",    "-o",     "out.wasm", "--type",
                           "waf",   "--release", "--json", NULL};
    author_exec(&r, NULL, tmp, NULL, build);
    CHECK_MSG(r.status == 0, "build exited %d: %s", r.status, r.err);
    json_error_t jerr;
    json_t *o = json_loads(r.out, 0, &jerr);
    CHECK_MSG(o != NULL, "build --json: %s in \"%s\"", jerr.text, r.out);
    char wasm[160];
    snprintf(wasm, sizeof wasm, "%s/out.wasm", tmp);
    size_t len;
    uint8_t *bytes = test_read_file(wasm, &len);
    char sha[65];
    sha256_hex(bytes, len, sha);
    free(bytes);
    CHECK_STR_EQ(json_string_value(json_object_get(o, "path")), "out.wasm");
    CHECK_INT_EQ(json_integer_value(json_object_get(o, "size")), len);
    CHECK_STR_EQ(json_string_value(json_object_get(o, "sha256")), sha);
    CHECK_STR_EQ(json_string_value(json_object_get(o, "type")), "waf");
    CHECK(json_is_true(json_object_get(o, "ok")));
    CHECK_UINT_EQ(json_array_size(json_object_get(o, "problems")), 0);
    CHECK_UINT_EQ(json_object_size(o), 6);
    json_decref(o);

    /* --release strips the name section: no "name" custom section text in the module. */
    bytes = test_read_file(wasm, &len);
    CHECK(memmem(bytes, len, "analyze_request", 15) != NULL); /* the export stays */
    CHECK(memmem(bytes, len, "aegis_buf_put", 13) == NULL);
    free(bytes);

    char log[1024];
    char *result = author_call_module(
        wasm, "analyze_request",
        "{\"method\":\"GET\",\"uri\":\"/q?x=<script>\",\"headers\":[],\"body\":\"\","
        "\"client_ip\":\"1.2.3.4\"}",
        log, sizeof log);
    CHECK_STR_EQ(result, "{\"blocked\":true,\"score\":5,\"matches\":[{\"rule_id\":1,\"category\":"
                         "\"xss\",\"severity\":\"critical\",\"location\":\"uri\",\"matched\":"
                         "\"<script\"}],\"execution_time_us\":0}");
    CHECK_STR_EQ(log, "log: shield: blocked a script in the URI\n");
    free(result);
    result = author_call_module(wasm, "analyze_request",
                                "{\"method\":\"GET\",\"uri\":\"/\",\"headers\":[],\"body\":\"\"}",
                                log, sizeof log);
    CHECK_STR_EQ(result, "{\"blocked\":false,\"score\":0,\"matches\":[],\"execution_time_us\":0}");
    free(result);

    const char *inspect[] = {"inspect", "out.wasm", "--json", NULL};
    author_exec(&r, NULL, tmp, NULL, inspect);
    CHECK_MSG(r.status == 0, "inspect exited %d: %s", r.status, r.err);
    o = json_loads(r.out, 0, &jerr);
    CHECK_MSG(o != NULL, "inspect --json: %s", jerr.text);
    json_t *abi = json_object_get(o, "abi");
    CHECK_STR_EQ(json_string_value(json_object_get(abi, "verdict")), "waf");
    CHECK(json_is_true(json_object_get(abi, "compatible")));
    CHECK_STR_EQ(json_string_value(json_object_get(o, "sha256")), sha);
    json_t *exports = json_object_get(o, "exports");
    bool found = false;
    for (size_t i = 0; i < json_array_size(exports); i++) {
        json_t *e = json_array_get(exports, i);
        if (strcmp(json_string_value(json_object_get(e, "name")), "analyze_request") == 0) {
            CHECK_STR_EQ(json_string_value(json_object_get(e, "kind")), "func");
            CHECK_STR_EQ(json_string_value(json_object_get(e, "type")), "(i32, i32) -> i32");
            found = true;
        }
    }
    CHECK(found);
    json_t *mem = json_array_get(json_object_get(o, "memories"), 0);
    CHECK(json_integer_value(json_object_get(mem, "min")) >= 1);
    CHECK(json_is_null(json_object_get(mem, "max")));
    CHECK(json_is_false(json_object_get(mem, "imported")));
    json_decref(o);
    author_rmtree(tmp);
}

TEST(test_init_with_dir_and_help_of_each_author_command)
{
    char tmp[64], dir[128];
    author_tmpdir(tmp);
    snprintf(dir, sizeof dir, "%s/elsewhere", tmp);
    author_result r;
    const char *argv[] = {"init", "named", "--dir", dir, NULL};
    author_exec(&r, NULL, tmp, NULL, argv);
    CHECK_INT_EQ(r.status, 0);
    CHECK(access(author_path(dir, "named.c"), R_OK) == 0);
    const char *cmds[] = {"init", "build", "inspect", "test", "serve"};
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        const char *help[] = {cmds[i], "--help", NULL};
        author_exec(&r, NULL, tmp, NULL, help);
        CHECK_INT_EQ(r.status, 0);
        char want[64];
        snprintf(want, sizeof want, "usage: aegis-wasm-cli %s ", cmds[i]);
        CHECK_MSG(strncmp(r.out, want, strlen(want)) == 0, "%s --help: %s", cmds[i], r.out);
    }
    const char *top[] = {"--help", NULL};
    author_exec(&r, NULL, tmp, NULL, top);
    CHECK_STR_HAS(r.out, "  init       create a module project\n");
    CHECK_STR_HAS(r.out, "  test       run a module on a request file with the node's host API "
                         "and limits\n");
    author_rmtree(tmp);
}

/*
 * Acceptance 1 of the Rust and AssemblyScript SDKs: `aegis-wasm-cli init NAME --lang rust|ts`,
 * then `build` and `test --request request.json` in a fresh temporary directory, offline (HOME
 * is empty, every proxy is a closed port, cargo is told so): the module answers /hello itself,
 * marks other responses with X-Handled-By, and the WAF variants block a script in the URI. Also:
 * a panic (Rust) and an abort (AssemblyScript) log their message and fail the request with a
 * clean trap; a compile error, an unknown --lang and a missing toolchain are reported with their
 * exit status and what to do.
 */
#include "sdk_util.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define REQ_OTHER                                                                                  \
    "{\"method\":\"GET\",\"uri\":\"/other\",\"headers\":[[\"host\",\"x\"]],\"body\":\"\"}\n"
#define REQ_SCRIPT                                                                                 \
    "{\"method\":\"GET\",\"uri\":\"/q?<script>\",\"headers\":[[\"host\",\"x\"]],\"body\":\"\"}\n"
#define REQ_BOOM                                                                                   \
    "{\"method\":\"GET\",\"uri\":\"/boom\",\"headers\":[[\"host\",\"x\"]],\"body\":\"\"}\n"

/* init + build + test on request.json and on a request that continues, for one language. */
static void init_build_test(const char *lang, const char *name)
{
    char dir[256], proj[512];
    sdk_tmpdir(dir, sizeof dir);
    sdk_offline_env(dir);
    char *out;
    int st = sdk_cli(dir, &out, "init", name, "--lang", lang, NULL);
    CHECK_MSG(st == 0, "init: %s", out);
    CHECK_STR_HAS(out, "created edge function project");
    free(out);
    snprintf(proj, sizeof proj, "%s/%s", dir, name);

    st = sdk_cli(proj, &out, "build", NULL);
    CHECK_MSG(st == 0, "build: %s", out);
    char want[256];
    snprintf(want, sizeof want, "built build/%s.wasm", name);
    CHECK_STR_HAS(out, want);
    CHECK_STR_HAS(out, "type    function");
    free(out);

    st = sdk_cli(proj, &out, "test", "--request", "request.json", NULL);
    CHECK_MSG(st == 0, "test: %s", out);
    CHECK_STR_HAS(out, "status   200 OK (answered by the module)");
    CHECK_STR_HAS(out, "Content-Type: text/plain");
    snprintf(want, sizeof want, "Hello from %s: GET /hello?name=world\n", name);
    CHECK_STR_HAS(out, want);
    snprintf(want, sizeof want, "msg=\"%s: handling a request\"", name);
    CHECK_STR_HAS(out, want);
    free(out);

    sdk_write(proj, "other.json", REQ_OTHER);
    st = sdk_cli(proj, &out, "test", "--request", "other.json", NULL);
    CHECK_MSG(st == 0, "test: %s", out);
    CHECK_STR_HAS(out, "status   none: the request goes on to the origin");
    snprintf(want, sizeof want, "X-Handled-By: %s\n", name);
    CHECK_STR_HAS(out, want);
    free(out);
    sdk_rmtree(dir);
}

TEST(test_init_rust_builds_and_tests_offline)
{
    init_build_test("rust", "hello-rs");
}

TEST(test_init_ts_builds_and_tests_offline)
{
    init_build_test("ts", "hellots");
}

static void waf_project(const char *lang)
{
    char dir[256], proj[512];
    sdk_tmpdir(dir, sizeof dir);
    sdk_offline_env(dir);
    char *out;
    CHECK_INT_EQ(sdk_cli(dir, &out, "init", "guard", "--lang", lang, "--type", "waf", NULL), 0);
    CHECK_STR_HAS(out, "created WAF project guard");
    free(out);
    snprintf(proj, sizeof proj, "%s/guard", dir);
    int st = sdk_cli(proj, &out, "build", "--type", "waf", NULL);
    CHECK_MSG(st == 0, "build: %s", out);
    CHECK_STR_HAS(out, "type    waf");
    free(out);
    sdk_write(proj, "attack.json", REQ_SCRIPT);
    st = sdk_cli(proj, &out, "test", "--request", "attack.json", NULL);
    CHECK_MSG(st == 0, "test: %s", out);
    CHECK_STR_HAS(out, "status   403 Forbidden (blocked by the WAF)");
    CHECK_STR_HAS(out, "msg=\"guard: blocked a script in the URI\"");
    CHECK_STR_HAS(out, "event=waf_block module=guard");
    free(out);
    st = sdk_cli(proj, &out, "test", "--request", "request.json", NULL);
    CHECK_MSG(st == 0, "test: %s", out);
    CHECK_STR_HAS(out, "status   none: the request goes on to the origin");
    free(out);
    sdk_rmtree(dir);
}

TEST(test_init_waf_rust_blocks_script)
{
    waf_project("rust");
}

TEST(test_init_waf_ts_blocks_script)
{
    waf_project("ts");
}

/* A failing module: its message in the log, a clean trap, exit status 4 of `test`. */
static void check_trap(const char *proj, const char *message)
{
    sdk_write(proj, "boom.json", REQ_BOOM);
    char *out;
    int st = sdk_cli(proj, &out, "test", "--request", "boom.json", NULL);
    CHECK_MSG(st == 4, "test exited %d: %s", st, out);
    CHECK_STR_HAS(out, message);
    CHECK_STR_HAS(out, "unreachable");
    free(out);
    /* The next request runs on a restored instance as if nothing happened. */
    st = sdk_cli(proj, &out, "test", "--request", "request.json", NULL);
    CHECK_MSG(st == 0, "test: %s", out);
    free(out);
}

/* A project of lang made by init in a fresh offline directory, with file replaced by source and
 * built: a request to /boom traps and logs want_log (check_trap). */
static void check_source_traps(const char *lang, const char *name, const char *file,
                               const char *source, const char *want_log)
{
    char dir[256], proj[512];
    sdk_tmpdir(dir, sizeof dir);
    sdk_offline_env(dir);
    char *out;
    CHECK_INT_EQ(sdk_cli(dir, &out, "init", name, "--lang", lang, NULL), 0);
    free(out);
    snprintf(proj, sizeof proj, "%s/%s", dir, name);
    sdk_write(proj, file, source);
    int st = sdk_cli(proj, &out, "build", NULL);
    CHECK_MSG(st == 0, "build: %s", out);
    free(out);
    check_trap(proj, want_log);
    sdk_rmtree(dir);
}

TEST(test_rust_panic_is_logged_and_traps)
{
    check_source_traps("rust", "panicky", "src/lib.rs",
                       "use aegis_edge::{Request, Response};\n"
                       "fn handle(req: Request) -> Response {\n"
                       "    if req.uri == \"/boom\" {\n"
                       "        let empty: Vec<u32> = Vec::new();\n"
                       "        panic!(\"no element {} in a list of {}\", 3, empty.len());\n"
                       "    }\n"
                       "    Response::text(200, \"fine\")\n"
                       "}\n"
                       "aegis_edge::edge_function!(handle);\n",
                       "panic: panicked at 'no element 3 in a list of 0', src/lib.rs:5:9");
}

TEST(test_ts_abort_is_logged_and_traps)
{
    check_source_traps("ts", "aborty", "assembly/main.ts",
                       "import { Request, Response, handle } from \"aegis-edge\";\n"
                       "export { alloc, dealloc } from \"aegis-edge\";\n"
                       "function onRequest(req: Request): Response {\n"
                       "  if (req.uri == \"/boom\") throw new Error(\"no element 3\");\n"
                       "  return Response.reply(200, \"fine\");\n"
                       "}\n"
                       "export function handle_request(ptr: usize, len: i32): usize {\n"
                       "  return handle(ptr, len, onRequest);\n"
                       "}\n",
                       "abort: no element 3 at assembly/main.ts:4:");
}

TEST(test_build_reports_compile_errors_and_missing_tools)
{
    char dir[256], proj[512];
    sdk_tmpdir(dir, sizeof dir);
    sdk_offline_env(dir);
    char *out;
    CHECK_INT_EQ(sdk_cli(dir, &out, "init", "x", "--lang", "go", NULL), 2);
    CHECK_STR_HAS(out, "--lang is c, rust or ts, not \"go\"");
    free(out);

    CHECK_INT_EQ(sdk_cli(dir, &out, "init", "broken", "--lang", "rust", NULL), 0);
    free(out);
    snprintf(proj, sizeof proj, "%s/broken", dir);
    sdk_write(proj, "src/lib.rs", "fn handle( -> {}\n");
    CHECK_INT_EQ(sdk_cli(proj, &out, "build", NULL), 1);
    CHECK_STR_HAS(out, "compilation failed (/usr/bin/cargo exited 101): fix the errors above");
    free(out);

    setenv("AEGIS_CARGO", "/nonexistent/cargo", 1);
    CHECK_INT_EQ(sdk_cli(proj, &out, "build", NULL), 3);
    CHECK_STR_HAS(out, "/nonexistent/cargo not found: install the Debian packages rustc cargo "
                       "libstd-rust-dev-wasm32");
    free(out);
    unsetenv("AEGIS_CARGO");

    CHECK_INT_EQ(sdk_cli(dir, &out, "init", "tsx", "--lang", "ts", NULL), 0);
    free(out);
    snprintf(proj, sizeof proj, "%s/tsx", dir);
    sdk_write(proj, "assembly/main.ts", "export function handle_request(: i32 {}\n");
    CHECK_INT_EQ(sdk_cli(proj, &out, "build", NULL), 1);
    CHECK_STR_HAS(out, "compilation failed (the AssemblyScript compiler exited 1)");
    free(out);
    /* An SDK without its compiler (what a checkout has before peers-install.sh as). */
    char sdk[600];
    snprintf(sdk, sizeof sdk, "%s/sdk-as", dir);
    CHECK_INT_EQ(mkdir(sdk, 0755), 0);
    snprintf(sdk, sizeof sdk, "%s/sdk-as/aegis-edge", dir);
    CHECK_INT_EQ(mkdir(sdk, 0755), 0);
    sdk_write(sdk, "index.ts", "export const x = 1;\n");
    snprintf(sdk, sizeof sdk, "%s/sdk-as", dir);
    setenv("AEGIS_SDK_AS_DIR", sdk, 1);
    CHECK_INT_EQ(sdk_cli(proj, &out, "build", NULL), 3);
    CHECK_STR_HAS(out, "the AssemblyScript compiler and json-as are not installed");
    CHECK_STR_HAS(out, "run scripts/peers-install.sh as");
    free(out);
    unsetenv("AEGIS_SDK_AS_DIR");
    sdk_rmtree(dir);
}

/*
 * cli_abi_check, the reusable guest ABI v1 checker, on hand-written modules (the
 * test_author_abi_*.wat fixtures): every problem it knows, in order and in exact words, the
 * expectation of a kind, the trial instantiation within the node's limits, and `inspect` on the
 * same modules.
 */
#include "cli/cli.h"
#include "test.h"
#include "test_author_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static eng_module *load_fixture(const char *name)
{
    char rel[256];
    snprintf(rel, sizeof rel, "wat/tests/cli/test_author_abi_%s.wasm", name);
    size_t len;
    uint8_t *bytes = test_read_file(test_build_path(rel), &len);
    eng_error err = {0};
    eng_module *m = eng_module_new(bytes, len, &err);
    free(bytes);
    CHECK_MSG(m != NULL, "%s: %s", name, err.message);
    return m;
}

TEST(test_abi_check_reports_every_problem_in_order)
{
    eng_module *m = load_fixture("everything_wrong");
    cli_abi_report r;
    CHECK(!cli_abi_check(m, CLI_ABI_NONE, &r));
    CHECK_INT_EQ(r.kind, CLI_ABI_NONE);
    const char *want[] = {
        "memory is missing: export the linear memory as \"memory\" (wasm-ld does by default; do "
        "not link with --import-memory)",
        "dealloc is exported but is not a function: export a function (i32, i32) -> ()",
        "both handle_request and analyze_request are exported: a module is either an edge "
        "function or a WAF, remove one of them",
        "imports env.memory, which is not a function: ABI v1 modules define and export their own "
        "memory and tables (do not link with --import-memory or --import-table)",
        "imports env.log with signature (i64) -> (), the host's is (i32, i32) -> (): declare it "
        "as guest/sdk/aegis.h does",
        "imports env.steal, which the host does not provide: remove the call, or use a host "
        "function of guest/sdk/aegis.h (log, get_timestamp, get_request_header, "
        "set_response_header, get_request_body_size, read_request_body, send_response, "
        "cache_get, cache_set)",
        "imports other.fn: modules import only host functions from \"env\" and WASI from "
        "\"wasi_snapshot_preview1\"",
    };
    CHECK_UINT_EQ(r.problem_count, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        CHECK_STR_EQ(r.problems[i], want[i]);
    eng_module_free(m);
}

TEST(test_abi_check_accepts_a_minimal_function_and_checks_the_expected_kind)
{
    eng_module *m = load_fixture("minimal");
    cli_abi_report r;
    CHECK(cli_abi_check(m, CLI_ABI_NONE, &r));
    CHECK_INT_EQ(r.kind, CLI_ABI_FUNCTION);
    CHECK_UINT_EQ(r.problem_count, 0);
    CHECK(cli_abi_check(m, CLI_ABI_FUNCTION, &r));
    CHECK_INT_EQ(r.kind, CLI_ABI_FUNCTION);
    CHECK(!cli_abi_check(m, CLI_ABI_WAF, &r));
    CHECK_INT_EQ(r.kind, CLI_ABI_NONE);
    CHECK_UINT_EQ(r.problem_count, 1);
    CHECK_STR_EQ(r.problems[0], "analyze_request is missing: export it with "
                                "AEGIS_EXPORT(\"analyze_request\") int32_t analyze_request(const "
                                "char *ptr, int32_t len) (this module is an edge function: it "
                                "exports handle_request)");
    CHECK_STR_EQ(cli_abi_kind_name(CLI_ABI_FUNCTION), "function");
    CHECK_STR_EQ(cli_abi_kind_name(CLI_ABI_WAF), "waf");
    CHECK_STR_EQ(cli_abi_kind_name(CLI_ABI_NONE), "not an AEGIS module");
    eng_module_free(m);
}

TEST(test_abi_check_runs_initialize_and_reports_its_trap)
{
    eng_module *m = load_fixture("init_traps");
    cli_abi_report r;
    CHECK(!cli_abi_check(m, CLI_ABI_WAF, &r));
    CHECK_UINT_EQ(r.problem_count, 1);
    CHECK_MSG(strncmp(r.problems[0], "_initialize fails (unreachable): ", 33) == 0, "got \"%s\"",
              r.problems[0]);
    eng_module_free(m);
}

TEST(test_abi_check_refuses_memory_beyond_the_waf_limit)
{
    eng_module *m = load_fixture("huge_memory");
    cli_abi_report r;
    CHECK(!cli_abi_check(m, CLI_ABI_NONE, &r));
    CHECK_UINT_EQ(r.problem_count, 1);
    CHECK_STR_HAS(r.problems[0], "the module does not instantiate as a node would (");
    eng_module_free(m);
}

TEST(test_abi_check_refuses_an_unknown_wasi_function)
{
    eng_module *m = load_fixture("unknown_wasi");
    cli_abi_report r;
    CHECK(!cli_abi_check(m, CLI_ABI_FUNCTION, &r));
    CHECK_UINT_EQ(r.problem_count, 1);
    CHECK_STR_HAS(r.problems[0], "the module does not instantiate as a node would (unlinkable): ");
    CHECK_STR_HAS(r.problems[0], "sock_teleport");
    eng_module_free(m);
}

TEST(test_abi_signature_prints_the_documented_notation)
{
    eng_valtype p[3] = {ENG_I32, ENG_I64, ENG_F64}, res[2] = {ENG_I32, ENG_F32};
    eng_extern_info info = {.params = p, .results = res, .param_count = 3, .result_count = 0};
    char out[64];
    cli_abi_signature(&info, out, sizeof out);
    CHECK_STR_EQ(out, "(i32, i64, f64) -> ()");
    info.result_count = 1;
    cli_abi_signature(&info, out, sizeof out);
    CHECK_STR_EQ(out, "(i32, i64, f64) -> i32");
    info.result_count = 2;
    info.param_count = 0;
    cli_abi_signature(&info, out, sizeof out);
    CHECK_STR_EQ(out, "() -> (i32, f32)");
    char tiny[8];
    info.param_count = 3;
    cli_abi_signature(&info, tiny, sizeof tiny);
    CHECK_STR_EQ(tiny, "(i32, i"); /* truncated, never overflowed */
}

TEST(test_inspect_lists_imported_memory_tables_and_reasons)
{
    author_result r;
    char wrong[1024], ok[1024]; /* test_build_path's buffer is reused by author_exec */
    snprintf(wrong, sizeof wrong, "%s",
             test_build_path("wat/tests/cli/test_author_abi_everything_wrong.wasm"));
    snprintf(ok, sizeof ok, "%s", test_build_path("wat/tests/cli/test_author_abi_minimal.wasm"));
    const char *argv[] = {"inspect", wrong, NULL};
    author_exec(&r, NULL, NULL, NULL, argv);
    CHECK_INT_EQ(r.status, 1);
    CHECK_STR_EQ(r.err, "");
    CHECK_STR_HAS(r.out, "imports (5):\n"
                         "  memory env.memory min 1, no max\n"
                         "  func   env.log (i64) -> ()\n"
                         "  func   env.steal () -> ()\n"
                         "  func   other.fn () -> ()\n"
                         "  func   wasi_snapshot_preview1.fd_write (i32, i32, i32, i32) -> i32\n"
                         "exports (4):\n"
                         "  func   alloc (i32) -> i32\n"
                         "  global dealloc i32\n"
                         "  func   handle_request (i32, i32) -> i32\n"
                         "  func   analyze_request (i32, i32) -> i32\n"
                         "memories, in 64 KiB pages (1):\n"
                         "  0: min 1, no max (imported)\n"
                         "tables (1):\n"
                         "  0: min 3, no max, funcref\n"
                         "guest ABI v1: not an AEGIS module\n"
                         "  - memory is missing: ");
    const char *minimal[] = {"inspect", ok, NULL};
    author_exec(&r, NULL, NULL, NULL, minimal);
    CHECK_INT_EQ(r.status, 0);
    CHECK_STR_HAS(r.out, "memories, in 64 KiB pages (1):\n  0: min 1, max 4\ntables (0):\n"
                         "guest ABI v1: function\n");
}

TEST(test_inspect_escapes_control_bytes_of_module_names)
{
    char path[1024];
    snprintf(path, sizeof path, "%s",
             test_build_path("wat/tests/cli/test_author_abi_hostile_names.wasm"));
    author_result r;
    const char *argv[] = {"inspect", path, NULL};
    author_exec(&r, NULL, NULL, NULL, argv);
    CHECK_INT_EQ(r.status, 1);
    CHECK(strchr(r.out, 0x1b) == NULL && strchr(r.out, 0x07) == NULL);
    CHECK_STR_HAS(r.out, "  func   env.\\x1b[2Jwipe () -> ()\n");
    CHECK_STR_HAS(r.out, "  func   \\x1b]0;title\\x07 (i32, i32) -> i32\n");
    CHECK_STR_HAS(r.out, "  - imports env.\\x1b[2Jwipe, which the host does not provide: ");

    const char *json[] = {"inspect", path, "--json", NULL};
    author_exec(&r, NULL, NULL, NULL, json);
    CHECK_INT_EQ(r.status, 1);
    CHECK(strchr(r.out, 0x1b) == NULL);
    CHECK_STR_HAS(r.out, "\"name\": \"\\u001B[2Jwipe\"");
}

TEST(test_abi_check_counts_problems_beyond_those_it_describes)
{
    eng_module *m = load_fixture("many_problems");
    cli_abi_report r;
    CHECK(!cli_abi_check(m, CLI_ABI_NONE, &r));
    /* alloc, dealloc, the entry point, then 20 unknown imports */
    CHECK_UINT_EQ(r.problem_count, 23);
    CHECK_STR_EQ(r.problems[CLI_ABI_PROBLEMS_MAX - 1],
                 "imports env.unknown_12, which the host does not provide: remove the call, or "
                 "use a host function of guest/sdk/aegis.h (log, get_timestamp, "
                 "get_request_header, set_response_header, get_request_body_size, "
                 "read_request_body, send_response, cache_get, cache_set)");
    eng_module_free(m);

    char path[1024];
    snprintf(path, sizeof path, "%s",
             test_build_path("wat/tests/cli/test_author_abi_many_problems.wasm"));
    author_result out;
    const char *argv[] = {"inspect", path, NULL};
    author_exec(&out, NULL, NULL, NULL, argv);
    CHECK_INT_EQ(out.status, 1);
    CHECK_STR_HAS(out.out, "  - imports env.unknown_12, which the host does not provide: ");
    CHECK(strstr(out.out, "env.unknown_13, which") == NULL);
    const char *tail = "  - and 7 more\n";
    CHECK_STR_EQ(out.out + strlen(out.out) - strlen(tail), tail);
}

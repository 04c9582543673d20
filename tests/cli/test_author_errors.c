/*
 * The module author's error paths with the real binary: a missing toolchain (simulated with the
 * documented AEGIS_CLANG / AEGIS_WASI_SYSROOT / AEGIS_SDK_DIR overrides and stand-in compilers),
 * modules that compile but break guest ABI v1 (no handle_request, an unknown host function, a
 * wrong import or export signature), compile errors, malformed .wasm files and usage errors;
 * each with its exact message and exit status.
 */
#include "test.h"
#include "test_author_run.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PACKAGES "clang lld wasi-libc libclang-rt-dev-wasm32"
#define HANDLE_HOW                                                                                 \
    "export it with AEGIS_EXPORT(\"handle_request\") int32_t handle_request(const char *ptr, "     \
    "int32_t len)"

/* Builds a one-file project dir/name/name.c with `build --type function`; returns the result. */
static void build_source(author_result *r, const char *tmp, const char *name, const char *source,
                         const char *const env[])
{
    char dir[128];
    snprintf(dir, sizeof dir, "%s/%s", tmp, name);
    char file[96];
    snprintf(file, sizeof file, "%s.c", name);
    author_write(dir, file, source);
    const char *argv[] = {"build", "--type", "function", NULL};
    author_exec(r, NULL, dir, env, argv);
}

/* The two lines `build` prints for a module with exactly one ABI problem. */
static void check_one_problem(const author_result *r, const char *name, const char *problem)
{
    char want[2048];
    snprintf(want, sizeof want,
             "aegis-wasm-cli build: build/%s.wasm: %s\n"
             "aegis-wasm-cli build: build/%s.wasm does not conform to guest ABI v1 (1 problem)\n",
             name, problem, name);
    CHECK_INT_EQ(r->status, 1);
    CHECK_STR_EQ(r->err, want);
    CHECK_STR_EQ(r->out, "");
}

TEST(test_build_module_without_handle_request_says_how_to_export_it)
{
    char tmp[64];
    author_tmpdir(tmp);
    author_result r;
    build_source(&r, tmp, "nohandler",
                 "#include \"aegis.h\"\n"
                 "AEGIS_DEFINE_ALLOC()\n"
                 "AEGIS_EXPORT(\"handle\") int32_t handle(const char *p, int32_t n)\n"
                 "{\n    (void)p;\n    return n;\n}\n",
                 NULL);
    check_one_problem(&r, "nohandler", "handle_request is missing: " HANDLE_HOW);

    /* The module stays on disk for inspection, which gives the same reason and exit 1. */
    char dir[128];
    snprintf(dir, sizeof dir, "%s/nohandler", tmp);
    const char *inspect[] = {"inspect", "build/nohandler.wasm", NULL};
    author_exec(&r, NULL, dir, NULL, inspect);
    CHECK_INT_EQ(r.status, 1);
    CHECK_STR_EQ(r.err, "");
    const char *tail = "guest ABI v1: not an AEGIS module\n"
                       "  - no entry point: an edge function exports handle_request "
                       "(AEGIS_EXPORT(\"handle_request\") int32_t handle_request(const char *ptr, "
                       "int32_t len)), a WAF exports analyze_request\n";
    CHECK(strlen(r.out) > strlen(tail));
    CHECK_STR_EQ(r.out + strlen(r.out) - strlen(tail), tail);
    CHECK_STR_HAS(r.out, "  func   handle (i32, i32) -> i32\n");

    /* --json reports the failure as data too. */
    const char *json_build[] = {"build", "--type", "function", "--json", NULL};
    author_exec(&r, NULL, dir, NULL, json_build);
    CHECK_INT_EQ(r.status, 1);
    json_error_t jerr;
    json_t *o = json_loads(r.out, 0, &jerr);
    CHECK_MSG(o != NULL, "%s", jerr.text);
    CHECK(json_is_false(json_object_get(o, "ok")));
    CHECK_STR_EQ(json_string_value(json_object_get(o, "type")), "not an AEGIS module");
    json_t *problems = json_object_get(o, "problems");
    CHECK_UINT_EQ(json_array_size(problems), 1);
    CHECK_STR_EQ(json_string_value(json_array_get(problems, 0)),
                 "handle_request is missing: " HANDLE_HOW);
    json_decref(o);
    author_rmtree(tmp);
}

TEST(test_build_module_importing_an_unknown_host_function)
{
    char tmp[64];
    author_tmpdir(tmp);
    author_result r;
    build_source(&r, tmp, "secret",
                 "#include \"aegis.h\"\n"
                 "__attribute__((import_module(\"env\"), import_name(\"get_secret\")))\n"
                 "int32_t get_secret(void);\n"
                 "AEGIS_DEFINE_ALLOC()\n"
                 "AEGIS_EXPORT(\"handle_request\") int32_t handle_request(const char *p, "
                 "int32_t n)\n"
                 "{\n    (void)p;\n    (void)n;\n    return get_secret();\n}\n",
                 NULL);
    check_one_problem(&r, "secret",
                      "imports env.get_secret, which the host does not provide: remove the call, "
                      "or use a host function of guest/sdk/aegis.h (log, get_timestamp, "
                      "get_request_header, set_response_header, get_request_body_size, "
                      "read_request_body, send_response, cache_get, cache_set)");
    author_rmtree(tmp);
}

TEST(test_build_module_importing_a_host_function_with_a_wrong_signature)
{
    char tmp[64];
    author_tmpdir(tmp);
    author_result r;
    build_source(&r, tmp, "badlog",
                 "#include \"aegis.h\"\n"
                 "__attribute__((import_module(\"env\"), import_name(\"log\")))\n"
                 "void short_log(int32_t code);\n"
                 "AEGIS_DEFINE_ALLOC()\n"
                 "AEGIS_EXPORT(\"handle_request\") int32_t handle_request(const char *p, "
                 "int32_t n)\n"
                 "{\n    (void)p;\n    short_log(n);\n    return 0;\n}\n",
                 NULL);
    check_one_problem(&r, "badlog",
                      "imports env.log with signature (i32) -> (), the host's is (i32, i32) -> "
                      "(): declare it as guest/sdk/aegis.h does");
    author_rmtree(tmp);
}

TEST(test_build_module_exporting_handle_request_with_a_wrong_signature)
{
    char tmp[64];
    author_tmpdir(tmp);
    author_result r;
    build_source(&r, tmp, "onearg",
                 "#include \"aegis.h\"\n"
                 "AEGIS_DEFINE_ALLOC()\n"
                 "AEGIS_EXPORT(\"handle_request\") int64_t handle_request(int32_t n)\n"
                 "{\n    return n;\n}\n",
                 NULL);
    check_one_problem(&r, "onearg",
                      "handle_request has signature (i32) -> i64, ABI v1 needs (i32, i32) -> "
                      "i32: change its parameters and result");
    author_rmtree(tmp);
}

TEST(test_build_module_without_alloc_and_built_as_the_wrong_type)
{
    char tmp[64];
    author_tmpdir(tmp);
    author_result r;
    char dir[128];
    snprintf(dir, sizeof dir, "%s/noalloc", tmp);
    author_write(dir, "noalloc.c",
                 "#include \"aegis.h\"\n"
                 "AEGIS_EXPORT(\"handle_request\") int32_t handle_request(const char *p, "
                 "int32_t n)\n"
                 "{\n    (void)p;\n    return n;\n}\n");
    const char *argv[] = {"build", "--type", "waf", NULL};
    author_exec(&r, NULL, dir, NULL, argv);
    CHECK_INT_EQ(r.status, 1);
    CHECK_STR_EQ(r.err, "aegis-wasm-cli build: build/noalloc.wasm: alloc is missing: put "
                        "AEGIS_DEFINE_ALLOC() once in the module\n"
                        "aegis-wasm-cli build: build/noalloc.wasm: dealloc is missing: put "
                        "AEGIS_DEFINE_ALLOC() once in the module\n"
                        "aegis-wasm-cli build: build/noalloc.wasm: analyze_request is missing: "
                        "export it with AEGIS_EXPORT(\"analyze_request\") int32_t "
                        "analyze_request(const char *ptr, int32_t len) (this module is an edge "
                        "function: it exports handle_request)\n"
                        "aegis-wasm-cli build: build/noalloc.wasm does not conform to guest ABI "
                        "v1 (3 problems)\n");
    author_rmtree(tmp);
}

TEST(test_build_compile_error_shows_clang_diagnostics_and_fails)
{
    char tmp[64];
    author_tmpdir(tmp);
    author_result r;
    build_source(&r, tmp, "broken", "int x = ;\n", NULL);
    CHECK_INT_EQ(r.status, 1);
    CHECK_STR_HAS(r.err, "broken.c:1:9: error: expected expression\n");
    const char *tail = "exited 1): fix the errors above\n";
    CHECK_STR_HAS(r.err, "aegis-wasm-cli build: compilation failed (");
    CHECK_STR_EQ(r.err + strlen(r.err) - strlen(tail), tail);
    CHECK_STR_EQ(r.out, "");
    author_rmtree(tmp);
}

static const char hello_source[] = "#include \"aegis.h\"\n"
                                   "AEGIS_DEFINE_ALLOC()\n"
                                   "AEGIS_EXPORT(\"handle_request\") int32_t handle_request("
                                   "const char *p, int32_t n)\n"
                                   "{\n    (void)p;\n    (void)n;\n"
                                   "    return aegis_continue();\n}\n";

TEST(test_build_with_a_missing_clang_names_the_debian_packages)
{
    char tmp[64];
    author_tmpdir(tmp);
    author_result r;
    const char *env[] = {"AEGIS_CLANG=/nonexistent/bin/clang", NULL};
    build_source(&r, tmp, "noclang", hello_source, env);
    CHECK_INT_EQ(r.status, 3);
    CHECK_STR_EQ(r.err, "aegis-wasm-cli build: clang not found (AEGIS_CLANG=/nonexistent/bin/"
                        "clang): install the Debian packages " PACKAGES
                        " (apt-get install " PACKAGES "), or set AEGIS_CLANG to a clang\n");
    const char *no_path[] = {"PATH=/nonexistent", NULL};
    build_source(&r, tmp, "noclang", hello_source, no_path);
    CHECK_INT_EQ(r.status, 3);
    CHECK_STR_EQ(r.err, "aegis-wasm-cli build: clang not found (looked for clang in PATH): "
                        "install the Debian packages " PACKAGES " (apt-get install " PACKAGES
                        "), or set AEGIS_CLANG to a clang\n");
    CHECK(access(author_path(tmp, "noclang/build"), F_OK) != 0); /* nothing was attempted */
    author_rmtree(tmp);
}

TEST(test_build_with_a_missing_wasi_sysroot_names_wasi_libc)
{
    char tmp[64];
    author_tmpdir(tmp);
    author_result r;
    char var[128];
    snprintf(var, sizeof var, "AEGIS_WASI_SYSROOT=%s/nosysroot", tmp);
    const char *env[] = {var, NULL};
    build_source(&r, tmp, "nolibc", hello_source, env);
    CHECK_INT_EQ(r.status, 3);
    char want[512];
    snprintf(want, sizeof want,
             "aegis-wasm-cli build: wasi-libc not found: %s/nosysroot/lib/wasm32-wasi/libc.a does "
             "not exist; install the Debian package wasi-libc, or set AEGIS_WASI_SYSROOT to a "
             "wasi-libc sysroot\n",
             tmp);
    CHECK_STR_EQ(r.err, want);
    author_rmtree(tmp);
}

/* A stand-in compiler: a shell script answering clang's -print-* queries as told. */
static const char *fake_clang(const char *tmp, const char *name, const char *script)
{
    static char path[160];
    author_write(tmp, name, script);
    snprintf(path, sizeof path, "%s/%s", tmp, name);
    CHECK(chmod(path, 0755) == 0);
    return path;
}

TEST(test_build_with_a_clang_lacking_the_wasm32_target_names_the_missing_package)
{
    char tmp[64];
    author_tmpdir(tmp);
    author_result r;
    char var[256], want[1024];

    /* A clang that does not know the target at all. */
    const char *clang = fake_clang(tmp, "clang-native", "#!/bin/sh\nexit 1\n");
    snprintf(var, sizeof var, "AEGIS_CLANG=%s", clang);
    const char *env[] = {var, NULL};
    build_source(&r, tmp, "notarget", hello_source, env);
    CHECK_INT_EQ(r.status, 3);
    snprintf(want, sizeof want,
             "aegis-wasm-cli build: %s does not know the wasm32-wasi target (exit 1): install "
             "the Debian packages " PACKAGES "\n",
             clang);
    CHECK_STR_EQ(r.err, want);

    /* A clang without the wasm32 compiler runtime. */
    clang =
        fake_clang(tmp, "clang-nort",
                   "#!/bin/sh\n"
                   "case \"$2\" in\n"
                   "  -print-libgcc-file-name) echo /nonexistent/libclang_rt.builtins-wasm32.a;;\n"
                   "  *) echo /usr/bin/wasm-ld;;\n"
                   "esac\n");
    snprintf(var, sizeof var, "AEGIS_CLANG=%s", clang);
    build_source(&r, tmp, "notarget", hello_source, env);
    CHECK_INT_EQ(r.status, 3);
    CHECK_STR_EQ(r.err, "aegis-wasm-cli build: the wasm32 compiler runtime "
                        "/nonexistent/libclang_rt.builtins-wasm32.a is missing: install the "
                        "Debian package libclang-rt-dev-wasm32\n");

    /* A clang without wasm-ld (clang prints the bare name when it finds no such program). */
    clang = fake_clang(tmp, "clang-nold",
                       "#!/bin/sh\n"
                       "case \"$2\" in\n"
                       "  -print-libgcc-file-name) echo /bin/sh;;\n"
                       "  *) echo wasm-ld;;\n"
                       "esac\n");
    snprintf(var, sizeof var, "AEGIS_CLANG=%s", clang);
    build_source(&r, tmp, "notarget", hello_source, env);
    CHECK_INT_EQ(r.status, 3);
    CHECK_STR_EQ(r.err, "aegis-wasm-cli build: the WebAssembly linker wasm-ld was not found: "
                        "install the Debian package lld\n");
    author_rmtree(tmp);
}

TEST(test_build_with_a_wrong_sdk_dir_and_usage_errors)
{
    char tmp[64];
    author_tmpdir(tmp);
    author_result r;
    const char *env[] = {"AEGIS_SDK_DIR=/nonexistent/sdk", NULL};
    build_source(&r, tmp, "nosdk", hello_source, env);
    CHECK_INT_EQ(r.status, 3);
    CHECK_STR_EQ(r.err, "aegis-wasm-cli build: AEGIS_SDK_DIR is /nonexistent/sdk, which has no "
                        "aegis.h: point it at the SDK directory (guest/sdk of the source tree)\n");

    const char *bad_type[] = {"build", "--type", "plugin", NULL};
    author_exec(&r, NULL, tmp, NULL, bad_type);
    CHECK_INT_EQ(r.status, 2);
    CHECK_STR_EQ(r.err, "aegis-wasm-cli build: --type is function or waf, not \"plugin\"\n");
    const char *two_dirs[] = {"build", "a", "b", NULL};
    author_exec(&r, NULL, tmp, NULL, two_dirs);
    CHECK_INT_EQ(r.status, 2);
    CHECK_STR_EQ(r.err, "aegis-wasm-cli build: unexpected argument \"b\" (see --help)\n");
    const char *unknown[] = {"build", "--fast", NULL};
    author_exec(&r, NULL, tmp, NULL, unknown);
    CHECK_INT_EQ(r.status, 2);
    CHECK_STR_EQ(r.err, "aegis-wasm-cli build: unknown option --fast (see aegis-wasm-cli build "
                        "--help)\n");
    const char *missing[] = {"build", "nonexistent", NULL};
    author_exec(&r, NULL, tmp, NULL, missing);
    CHECK_INT_EQ(r.status, 1);
    CHECK_STR_EQ(r.err, "aegis-wasm-cli build: nonexistent: No such file or directory\n");
    mkdir(author_path(tmp, "empty"), 0755);
    const char *empty[] = {"build", "empty", NULL};
    author_exec(&r, NULL, tmp, NULL, empty);
    CHECK_INT_EQ(r.status, 1);
    CHECK_STR_EQ(r.err, "aegis-wasm-cli build: empty has no .c file: run aegis-wasm-cli init NAME "
                        "to start a project\n");
    author_rmtree(tmp);
}

TEST(test_init_refuses_an_existing_directory_and_bad_arguments)
{
    char tmp[64];
    author_tmpdir(tmp);
    author_result r;
    author_write(author_path(tmp, "taken"), "keep.txt", "mine\n");
    const char *taken[] = {"init", "taken", NULL};
    author_exec(&r, NULL, tmp, NULL, taken);
    CHECK_INT_EQ(r.status, 1);
    CHECK_STR_EQ(r.err, "aegis-wasm-cli init: taken already exists: init never overwrites; "
                        "choose another NAME or --dir\n");
    CHECK(access(author_path(tmp, "taken/taken.c"), F_OK) != 0);
    char *kept = author_read_text(author_path(tmp, "taken/keep.txt"));
    CHECK_STR_EQ(kept, "mine\n");
    free(kept);

    const struct {
        const char *argv[6];
        const char *err;
    } cases[] = {
        {{"init", NULL},
         "aegis-wasm-cli init: the project needs a NAME (usage: aegis-wasm-cli "
         "init NAME [--type function|waf] [--dir DIR])\n"},
        {{"init", "9lives", NULL},
         "aegis-wasm-cli init: \"9lives\" is not a project name: 1 to "
         "64 letters, digits, '-' or '_', starting with a letter\n"},
        {{"init", "a/b", NULL},
         "aegis-wasm-cli init: \"a/b\" is not a project name: 1 to 64 "
         "letters, digits, '-' or '_', starting with a letter\n"},
        {{"init", "ok", "--lang", "go", NULL},
         "aegis-wasm-cli init: --lang is c, rust or ts, not \"go\"\n"},
        {{"init", "ok", "--type", "proxy", NULL},
         "aegis-wasm-cli init: --type is function or waf, not \"proxy\"\n"},
        {{"init", "ok", "--dir", NULL}, "aegis-wasm-cli init: --dir needs a value\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        author_exec(&r, NULL, tmp, NULL, cases[i].argv);
        CHECK_INT_EQ(r.status, 2);
        CHECK_STR_EQ(r.err, cases[i].err);
    }
    CHECK(access(author_path(tmp, "ok"), F_OK) != 0);
    author_rmtree(tmp);
}

TEST(test_inspect_refuses_malformed_and_missing_modules)
{
    char tmp[64];
    author_tmpdir(tmp);
    author_result r;
    author_write(tmp, "truncated.wasm", "\0asm"); /* fputs stops at the NUL: an empty file */
    FILE *f = fopen(author_path(tmp, "short.wasm"), "wb");
    CHECK(f != NULL);
    fwrite("\0asm\1\0\0\0\1\5", 1, 10, f);
    fclose(f);
    author_write(tmp, "text.wasm", "hello, world\n");

    const char *argv[] = {"inspect", "short.wasm", NULL};
    author_exec(&r, NULL, tmp, NULL, argv);
    CHECK_INT_EQ(r.status, 1);
    CHECK_STR_EQ(r.err, "aegis-wasm-cli inspect: short.wasm: not a valid WebAssembly module "
                        "(malformed): section 1 (type) at offset 0x8: unexpected end: section "
                        "size 5 out of bounds\n");
    CHECK_STR_EQ(r.out, "");
    const char *text[] = {"inspect", "text.wasm", NULL};
    author_exec(&r, NULL, tmp, NULL, text);
    CHECK_INT_EQ(r.status, 1);
    CHECK_STR_HAS(r.err, "aegis-wasm-cli inspect: text.wasm: not a valid WebAssembly module "
                         "(malformed): ");
    const char *empty[] = {"inspect", "truncated.wasm", NULL};
    author_exec(&r, NULL, tmp, NULL, empty);
    CHECK_INT_EQ(r.status, 1);
    CHECK_STR_HAS(r.err, "aegis-wasm-cli inspect: truncated.wasm: not a valid WebAssembly module "
                         "(malformed): ");
    const char *missing[] = {"inspect", "gone.wasm", NULL};
    author_exec(&r, NULL, tmp, NULL, missing);
    CHECK_INT_EQ(r.status, 1);
    CHECK_STR_EQ(r.err, "aegis-wasm-cli inspect: gone.wasm: No such file or directory\n");
    const char *dir[] = {"inspect", ".", NULL};
    author_exec(&r, NULL, tmp, NULL, dir);
    CHECK_INT_EQ(r.status, 1);
    CHECK_STR_EQ(r.err, "aegis-wasm-cli inspect: .: not a regular file\n");
    const char *none[] = {"inspect", NULL};
    author_exec(&r, NULL, tmp, NULL, none);
    CHECK_INT_EQ(r.status, 2);
    CHECK_STR_EQ(r.err, "aegis-wasm-cli inspect: which module? (usage: aegis-wasm-cli inspect "
                        "MODULE.wasm [--json])\n");
    author_rmtree(tmp);
}

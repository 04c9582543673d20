/*
 * `aegis-wasm-cli build`: compiles a module project (every .c file of a directory) to
 * wasm32-wasi with Debian's clang and wasi-libc, then loads the output with our own engine
 * (precise validation errors) and checks it against guest ABI v1 (abi_check.c), so that what
 * builds here loads on a node. The toolchain is checked before compiling, so that a missing piece
 * is named with the Debian package that provides it instead of surfacing as a linker riddle.
 */
#include "cli/author_lang.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum {
    BUILD_SOURCES_MAX = 128,
    BUILD_STACK_BYTES = 65536, /* the guest's shadow stack; the SDK's JSON reader is iterative */
};

#define BUILD_DEFAULT_CLANG "clang"
#define BUILD_DEFAULT_SYSROOT "/usr"
#define BUILD_PACKAGES "clang lld wasi-libc libclang-rt-dev-wasm32"

static const char help[] =
    "usage: " CLI_PROGRAM " build [DIR] [-o OUT.wasm] [--type function|waf] [--release] [--json]\n"
    "\n"
    "Compiles every .c file of DIR (default: the current directory) to wasm32-wasi with clang\n"
    "(-O2, reactor model, the C SDK's directory on the include path), then loads the module with\n"
    "the node's engine and checks it against guest ABI v1: exports memory, alloc, dealloc and\n"
    "handle_request (function) or analyze_request (waf) with their signatures; imports only the\n"
    "host functions of \"env\" with the host's signatures and WASI from wasi_snapshot_preview1.\n"
    "Prints the output's path, size, SHA-256 and kind (--json: one object).\n"
    "A directory with a Cargo.toml is a Rust project: Debian's /usr/bin/cargo builds its cdylib\n"
    "(--release, wasm32-wasi, offline, crates from /usr/share/cargo/registry). One with an\n"
    "asconfig.json is an AssemblyScript project: the compiler installed with the SDK\n"
    "(guest/sdk-as) builds its entries. Both are then checked like a C module.\n"
    "\n"
    "  -o, --output PATH  the module (default DIR/build/NAME.wasm, NAME = DIR's name)\n"
    "  --type KIND        the kind the module must be: function or waf (default: either)\n"
    "  --release          strip debug information and names, define NDEBUG\n"
    "  --json             print {\"path\", \"size\", \"sha256\", \"type\", \"ok\", \"problems\"}\n"
    "\n"
    "environment:\n"
    "  AEGIS_CLANG         the compiler (default clang, searched in PATH)\n"
    "  AEGIS_WASI_SYSROOT  the wasi-libc sysroot (default /usr: Debian's wasi-libc)\n"
    "  AEGIS_SDK_DIR       the directory of aegis.h (default: installed next to the program,\n"
    "                      ../share/aegis-edge/sdk, else guest/sdk of the source tree)\n"    "  AEGIS_CARGO, AEGIS_RUSTC  Rust: cargo and rustc (default /usr/bin/cargo and\n"
    "                      /usr/bin/rustc)\n"
    "  AEGIS_SDK_RUST_DIR, AEGIS_SDK_AS_DIR  the Rust and AssemblyScript SDKs (default as for\n"
    "                      aegis.h: ../share/aegis-edge/sdk-rust|sdk-as, else guest/ of the tree)\n"
    "  AEGIS_NODE          AssemblyScript: node (default node, searched in PATH)\n"
    "\n"
    "exit status: 0 built and conforming, 1 compile error, invalid module or ABI problems,\n"
    "2 usage error, 3 toolchain missing (the message names the Debian packages)\n";

typedef struct build_options {
    const char *dir, *output, *type;
    bool release, json;
    cli_abi_kind kind;
} build_options;

/* The compiler as a path: AEGIS_CLANG, or clang found in PATH. */
static int find_clang(const cli_command *cmd, char out[AUTHOR_PATH_MAX_BYTES])
{
    const char *env = getenv("AEGIS_CLANG");
    const char *name = env && env[0] ? env : BUILD_DEFAULT_CLANG;
    if (strchr(name, '/') != NULL) {
        if (access(name, X_OK) == 0) {
            snprintf(out, AUTHOR_PATH_MAX_BYTES, "%s", name);
            return CLI_EXIT_OK;
        }
    } else {
        const char *path = getenv("PATH");
        for (const char *p = path ? path : ""; *p != '\0';) {
            size_t n = strcspn(p, ":");
            if (n > 0 &&
                snprintf(out, AUTHOR_PATH_MAX_BYTES, "%.*s/%s", (int)n, p, name) <
                    AUTHOR_PATH_MAX_BYTES &&
                access(out, X_OK) == 0)
                return CLI_EXIT_OK;
            p += n + (p[n] == ':');
        }
    }
    return cli_fail(cmd, CLI_EXIT_TOOLCHAIN,
                    "clang not found (%s%s): install the Debian packages " BUILD_PACKAGES
                    " (apt-get install " BUILD_PACKAGES "), or set AEGIS_CLANG to a clang",
                    env && env[0] ? "AEGIS_CLANG=" : "looked for clang in PATH", env ? env : "");
}

/* The pieces clang needs for wasm32-wasi besides itself: wasi-libc in the sysroot, the
 * compiler-rt builtins for wasm32 and the wasm-ld linker. */
static int check_toolchain(const cli_command *cmd, const char *clang, const char *sysroot)
{
    char path[AUTHOR_PATH_MAX_BYTES];
    if (snprintf(path, sizeof path, "%s/lib/wasm32-wasi/libc.a", sysroot) >= (int)sizeof path ||
        access(path, R_OK) != 0)
        return cli_fail(cmd, CLI_EXIT_TOOLCHAIN,
                        "wasi-libc not found: %s does not exist; install the Debian package "
                        "wasi-libc, or set AEGIS_WASI_SYSROOT to a wasi-libc sysroot",
                        path);
    char out[AUTHOR_PATH_MAX_BYTES];
    const char *builtins[] = {clang, "--target=wasm32-wasi", "-print-libgcc-file-name", NULL};
    int rc = author_run(builtins, out, sizeof out, NULL, 0);
    out[strcspn(out, "\n")] = '\0';
    if (rc != 0 || out[0] == '\0')
        return cli_fail(cmd, CLI_EXIT_TOOLCHAIN,
                        "%s does not know the wasm32-wasi target (exit %d): install the Debian "
                        "packages " BUILD_PACKAGES,
                        clang, rc);
    if (access(out, R_OK) != 0)
        return cli_fail(cmd, CLI_EXIT_TOOLCHAIN,
                        "the wasm32 compiler runtime %s is missing: install the Debian package "
                        "libclang-rt-dev-wasm32",
                        out);
    const char *linker[] = {clang, "--target=wasm32-wasi", "-print-prog-name=wasm-ld", NULL};
    rc = author_run(linker, out, sizeof out, NULL, 0);
    out[strcspn(out, "\n")] = '\0';
    if (rc != 0 || strchr(out, '/') == NULL || access(out, X_OK) != 0)
        return cli_fail(cmd, CLI_EXIT_TOOLCHAIN,
                        "the WebAssembly linker wasm-ld was not found: install the Debian "
                        "package lld");
    return CLI_EXIT_OK;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The .c files of dir, sorted (so the build is the same on every machine). */
static int list_sources(const cli_command *cmd, const char *dir, char **names, size_t *count)
{
    *count = 0;
    DIR *d = opendir(dir);
    if (d == NULL)
        return cli_fail(cmd, CLI_EXIT_FAILED, "%s: %s", dir, strerror(errno));
    struct dirent *e;
    int rc = CLI_EXIT_OK;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n < 3 || e->d_name[0] == '.' || strcmp(e->d_name + n - 2, ".c") != 0)
            continue;
        if (*count == BUILD_SOURCES_MAX) {
            rc =
                cli_fail(cmd, CLI_EXIT_FAILED, "%s: more than %d .c files", dir, BUILD_SOURCES_MAX);
            break;
        }
        char *path = malloc(strlen(dir) + n + 2);
        if (path == NULL) {
            rc = cli_fail(cmd, CLI_EXIT_FAILED, "out of memory");
            break;
        }
        sprintf(path, "%s/%s", dir, e->d_name);
        names[(*count)++] = path;
    }
    closedir(d);
    if (rc == CLI_EXIT_OK && *count == 0)
        rc = cli_fail(cmd, CLI_EXIT_FAILED,
                      "%s has no .c file: run " CLI_PROGRAM " init NAME to start a project", dir);
    qsort(names, *count, sizeof *names, compare_names);
    return rc;
}

/* --output, else the project's build output (author_project_output) in a build/ directory
 * created when missing. */
static int choose_output(const cli_command *cmd, const build_options *o,
                         char out[AUTHOR_PATH_MAX_BYTES])
{
    if (o->output != NULL)
        return snprintf(out, AUTHOR_PATH_MAX_BYTES, "%s", o->output) >= AUTHOR_PATH_MAX_BYTES
                   ? cli_fail(cmd, CLI_EXIT_USAGE, "--output: path too long")
                   : CLI_EXIT_OK;
    const char *dir = o->dir;
    int rc = author_project_output(cmd, dir, out);
    if (rc != CLI_EXIT_OK)
        return rc;
    char build_dir[AUTHOR_PATH_MAX_BYTES];
    snprintf(build_dir, sizeof build_dir, "%s", out);
    *strrchr(build_dir, '/') = '\0'; /* the output always has a directory: build/ */
    if (mkdir(build_dir, 0755) != 0 && errno != EEXIST)
        return cli_fail(cmd, CLI_EXIT_FAILED, "%s: %s", build_dir, strerror(errno));
    return CLI_EXIT_OK;
}

static int compile(const cli_command *cmd, const build_options *o, const char *clang,
                   const char *sysroot, const char *sdk, char **sources, size_t nsources,
                   const char *output)
{
    char sysroot_arg[AUTHOR_PATH_MAX_BYTES + 16], stack_arg[64];
    snprintf(sysroot_arg, sizeof sysroot_arg, "--sysroot=%s", sysroot);
    snprintf(stack_arg, sizeof stack_arg, "-Wl,-z,stack-size=%d", BUILD_STACK_BYTES);
    const char *argv[32 + BUILD_SOURCES_MAX];
    size_t n = 0;
    argv[n++] = clang;
    argv[n++] = "--target=wasm32-wasi";
    argv[n++] = sysroot_arg;
    argv[n++] = "-O2";
    argv[n++] = "-std=c11";
    argv[n++] = "-Wall";
    argv[n++] = "-Wextra";
    argv[n++] = "-mexec-model=reactor";
    argv[n++] = "-I";
    argv[n++] = sdk;
    argv[n++] = stack_arg;
    if (o->release) {
        argv[n++] = "-DNDEBUG";
        argv[n++] = "-Wl,--strip-all";
    } else {
        argv[n++] = "-g";
    }
    argv[n++] = "-o";
    argv[n++] = output;
    for (size_t i = 0; i < nsources; i++)
        argv[n++] = sources[i];
    argv[n] = NULL;
    /* The compiler's diagnostics go to the author as they are. */
    int rc = author_run(argv, NULL, 0, NULL, 0);
    if (rc != 0)
        return cli_fail(cmd, CLI_EXIT_FAILED,
                        rc < 0 ? "compilation failed: %s was killed by a signal"
                               : "compilation failed (%s exited %d): fix the errors above",
                        clang, rc);
    return CLI_EXIT_OK;
}

static int report(const cli_command *cmd, const build_options *o, const char *output,
                  const uint8_t *bytes, size_t len, const cli_abi_report *abi)
{
    char sha[AUTHOR_SHA256_HEX_BYTES];
    author_sha256_hex(bytes, len, sha);
    bool ok = abi->problem_count == 0;
    for (size_t i = 0; i < abi->problem_count && i < CLI_ABI_PROBLEMS_MAX; i++)
        cli_fail(cmd, CLI_EXIT_FAILED, "%s: %s", output, abi->problems[i]);
    if (abi->problem_count > CLI_ABI_PROBLEMS_MAX)
        cli_fail(cmd, CLI_EXIT_FAILED, "%s: %zu more problems", output,
                 abi->problem_count - CLI_ABI_PROBLEMS_MAX);
    if (o->json) {
        json_t *problems = json_array();
        for (size_t i = 0; problems && i < abi->problem_count && i < CLI_ABI_PROBLEMS_MAX; i++)
            json_array_append_new(problems, json_string(abi->problems[i]));
        json_t *obj = json_pack("{s:s, s:I, s:s, s:s, s:b, s:o*}", "path", output, "size",
                                (json_int_t)len, "sha256", sha, "type",
                                cli_abi_kind_name(abi->kind), "ok", ok, "problems", problems);
        if (author_print_json(cmd, obj) != CLI_EXIT_OK)
            return CLI_EXIT_FAILED;
    } else if (ok) {
        printf("built %s\n  size    %zu bytes\n  sha256  %s\n  type    %s\n", output, len, sha,
               cli_abi_kind_name(abi->kind));
    }
    if (!ok)
        return cli_fail(cmd, CLI_EXIT_FAILED, "%s does not conform to guest ABI v1 (%zu problem%s)",
                        output, abi->problem_count, abi->problem_count == 1 ? "" : "s");
    return CLI_EXIT_OK;
}

/* Loads the output with the engine and checks the ABI. */
static int verify(const cli_command *cmd, const build_options *o, const char *output)
{
    uint8_t *bytes;
    size_t len;
    if (author_read_module(cmd, output, &bytes, &len) != CLI_EXIT_OK)
        return CLI_EXIT_FAILED;
    eng_error err = {0};
    eng_module *m = eng_module_new(bytes, len, &err);
    if (m == NULL) {
        free(bytes);
        return cli_fail(cmd, CLI_EXIT_FAILED, "%s: the engine refuses the module (%s): %s", output,
                        eng_status_name(err.status), err.message);
    }
    cli_abi_report *abi = malloc(sizeof *abi);
    int rc = CLI_EXIT_FAILED;
    if (abi == NULL) {
        cli_fail(cmd, CLI_EXIT_FAILED, "out of memory");
    } else {
        cli_abi_check(m, o->kind, abi);
        rc = report(cmd, o, output, bytes, len, abi);
    }
    free(abi);
    eng_module_free(m);
    free(bytes);
    return rc;
}

static int run(const cli_command *cmd, int argc, char **argv)
{
    build_options o = {0};
    const cli_option opts[] = {{"output", &o.output, NULL},
                               {"type", &o.type, NULL},
                               {"release", NULL, &o.release},
                               {"json", NULL, &o.json}};
    author_args a;
    int rc = author_parse(cmd, argc, argv, opts, sizeof opts / sizeof opts[0], 1, &a);
    if (rc != CLI_EXIT_OK || a.help)
        return rc;
    o.dir = a.npos ? a.pos[0] : ".";
    if (!author_kind_parse(o.type, &o.kind))
        return cli_fail(cmd, CLI_EXIT_USAGE, "--type is function or waf, not \"%s\"", o.type);

    char clang[AUTHOR_PATH_MAX_BYTES], sdk[AUTHOR_PATH_MAX_BYTES], output[AUTHOR_PATH_MAX_BYTES];
    author_lang lang = author_lang_detect(o.dir);
    if (lang != AUTHOR_LANG_C) { /* Rust or AssemblyScript (author_lang.c), then the same checks */
        rc = choose_output(cmd, &o, output);
        if (rc == CLI_EXIT_OK)
            rc = author_lang_build(cmd, lang, o.dir, output);
        return rc != CLI_EXIT_OK ? rc : verify(cmd, &o, output);
    }
    const char *sysroot = getenv("AEGIS_WASI_SYSROOT");
    if (sysroot == NULL || sysroot[0] == '\0')
        sysroot = BUILD_DEFAULT_SYSROOT;
    if ((rc = find_clang(cmd, clang)) != CLI_EXIT_OK ||
        (rc = check_toolchain(cmd, clang, sysroot)) != CLI_EXIT_OK ||
        (rc = author_sdk_dir(cmd, sdk)) != CLI_EXIT_OK)
        return rc;
    char *sources[BUILD_SOURCES_MAX];
    size_t nsources = 0;
    rc = list_sources(cmd, o.dir, sources, &nsources);
    if (rc == CLI_EXIT_OK)
        rc = choose_output(cmd, &o, output);
    if (rc == CLI_EXIT_OK)
        rc = compile(cmd, &o, clang, sysroot, sdk, sources, nsources, output);
    for (size_t i = 0; i < nsources; i++)
        free(sources[i]);
    if (rc != CLI_EXIT_OK)
        return rc;
    return verify(cmd, &o, output);
}

const cli_command cli_cmd_build = {"build",
                                   "compile a module to wasm32-wasi and check it against the "
                                   "guest ABI",
                                   help, run};

/*
 * `build` for Rust and AssemblyScript projects (author_lang.h). Rust: Debian's cargo and rustc
 * (never whatever else is first in PATH: another rustc may lack the wasm32 targets), offline,
 * with the crates of Debian's librust-*-dev packages through a cargo source replacement given on
 * the command line, so that any Cargo project builds without the network, generated here or not.
 * `cargo metadata` names the cdylib and the target directory (CARGO_TARGET_DIR is honoured, which
 * lets tests share one compiled serde). AssemblyScript: the pinned compiler and json-as that
 * `scripts/peers-install.sh as` installs beside the SDK, the project's asconfig.json for its
 * entries and options, and the SDK's abort handler (the compiler's default abort would be an
 * import the node does not provide).
 */
#include "cli/author_lang.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { LANG_METADATA_MAX_BYTES = 4 * 1024 * 1024, LANG_COPY_CHUNK_BYTES = 65536 };

#define LANG_CARGO_DEFAULT "/usr/bin/cargo"
#define LANG_RUSTC_DEFAULT "/usr/bin/rustc"
#define LANG_CRATES_DEFAULT "/usr/share/cargo/registry"
#define LANG_RUST_PACKAGES                                                                         \
    "rustc cargo libstd-rust-dev-wasm32 librust-serde-dev librust-serde-derive-dev "               \
    "librust-serde-json-dev"
#define LANG_AS_ABORT "abort=~lib/aegis-edge/index/abortHandler"

bool author_lang_parse(const char *name, author_lang *out)
{
    if (strcmp(name, "c") == 0)
        *out = AUTHOR_LANG_C;
    else if (strcmp(name, "rust") == 0)
        *out = AUTHOR_LANG_RUST;
    else if (strcmp(name, "ts") == 0 || strcmp(name, "assemblyscript") == 0)
        *out = AUTHOR_LANG_TS;
    else
        return false;
    return true;
}

const char *author_lang_name(author_lang lang)
{
    return lang == AUTHOR_LANG_RUST ? "rust" : lang == AUTHOR_LANG_TS ? "ts" : "c";
}

static bool file_in(const char *dir, const char *file)
{
    char path[AUTHOR_PATH_MAX_BYTES];
    return snprintf(path, sizeof path, "%s/%s", dir, file) < (int)sizeof path &&
           access(path, R_OK) == 0;
}

author_lang author_lang_detect(const char *dir)
{
    if (file_in(dir, "Cargo.toml"))
        return AUTHOR_LANG_RUST;
    if (file_in(dir, "asconfig.json"))
        return AUTHOR_LANG_TS;
    return AUTHOR_LANG_C;
}

/* An absolute form of path (its directory must exist), for a child that runs elsewhere. */
static int absolute(const cli_command *cmd, const char *path, char out[AUTHOR_PATH_MAX_BYTES])
{
    char dir[AUTHOR_PATH_MAX_BYTES];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    const char *base = path;
    if (slash != NULL) {
        *slash = '\0';
        base = slash + 1;
    }
    char *real = realpath(slash == NULL ? "." : dir[0] ? dir : "/", NULL);
    if (real == NULL)
        return cli_fail(cmd, CLI_EXIT_FAILED, "%s: %s", path, strerror(errno));
    int n = snprintf(out, AUTHOR_PATH_MAX_BYTES, "%s/%s", real, base);
    free(real);
    if (n >= AUTHOR_PATH_MAX_BYTES)
        return cli_fail(cmd, CLI_EXIT_FAILED, "%s: path too long", path);
    return CLI_EXIT_OK;
}

static int copy_file(const cli_command *cmd, const char *from, const char *to)
{
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return cli_fail(cmd, CLI_EXIT_FAILED, "%s: %s", from, strerror(errno));
    int outfd = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (outfd < 0) {
        int e = errno;
        close(in);
        return cli_fail(cmd, CLI_EXIT_FAILED, "%s: %s", to, strerror(e));
    }
    char buf[LANG_COPY_CHUNK_BYTES];
    int rc = CLI_EXIT_OK;
    for (;;) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = cli_fail(cmd, CLI_EXIT_FAILED, "%s: %s", from, strerror(errno));
            break;
        }
        if (n == 0)
            break;
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(outfd, buf + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                rc = cli_fail(cmd, CLI_EXIT_FAILED, "%s: %s", to, strerror(errno));
                break;
            }
            off += w;
        }
        if (rc != CLI_EXIT_OK)
            break;
    }
    close(in);
    if (close(outfd) != 0 && rc == CLI_EXIT_OK)
        rc = cli_fail(cmd, CLI_EXIT_FAILED, "%s: %s", to, strerror(errno));
    return rc;
}

static const char *env_or(const char *name, const char *def)
{
    const char *v = getenv(name);
    return v != NULL && v[0] != '\0' ? v : def;
}

/* ---- Rust ---------------------------------------------------------------------------------- */

/* Debian's cargo and rustc and the wasm32-wasi standard library. */
static int rust_toolchain(const cli_command *cmd, const char **cargo, const char **rustc,
                          const char **crates)
{
    *cargo = env_or("AEGIS_CARGO", LANG_CARGO_DEFAULT);
    *rustc = env_or("AEGIS_RUSTC", LANG_RUSTC_DEFAULT);
    *crates = env_or("AEGIS_CARGO_REGISTRY", LANG_CRATES_DEFAULT);
    if (access(*cargo, X_OK) != 0 || access(*rustc, X_OK) != 0)
        return cli_fail(cmd, CLI_EXIT_TOOLCHAIN,
                        "%s not found: install the Debian packages " LANG_RUST_PACKAGES
                        " (apt-get install " LANG_RUST_PACKAGES
                        "), or set AEGIS_CARGO and AEGIS_RUSTC",
                        access(*cargo, X_OK) != 0 ? *cargo : *rustc);
    char sysroot[AUTHOR_PATH_MAX_BYTES];
    const char *argv[] = {*rustc, "--print", "sysroot", NULL};
    if (author_run_in(".", NULL, NULL, argv, sysroot, sizeof sysroot) != 0)
        return cli_fail(cmd, CLI_EXIT_TOOLCHAIN, "%s --print sysroot failed", *rustc);
    sysroot[strcspn(sysroot, "\n")] = '\0';
    char std_dir[AUTHOR_PATH_MAX_BYTES + 32];
    snprintf(std_dir, sizeof std_dir, "%s/lib/rustlib/wasm32-wasi/lib", sysroot);
    if (access(std_dir, R_OK) != 0)
        return cli_fail(cmd, CLI_EXIT_TOOLCHAIN,
                        "%s has no wasm32-wasi standard library (%s): install the Debian "
                        "package libstd-rust-dev-wasm32",
                        *rustc, std_dir);
    if (access(*crates, R_OK) != 0)
        return cli_fail(cmd, CLI_EXIT_TOOLCHAIN,
                        "the crate sources %s are missing: install the Debian packages "
                        "librust-serde-dev librust-serde-derive-dev librust-serde-json-dev, or "
                        "set AEGIS_CARGO_REGISTRY",
                        *crates);
    return CLI_EXIT_OK;
}

/* The cdylib of the project (its file name: '-' becomes '_') and the target directory, from
 * `cargo metadata`. */
static int rust_artifact(const cli_command *cmd, const char *dir, const char *cargo,
                         const char *rustc, char out[AUTHOR_PATH_MAX_BYTES])
{
    char *meta = malloc(LANG_METADATA_MAX_BYTES);
    if (meta == NULL)
        return cli_fail(cmd, CLI_EXIT_FAILED, "out of memory");
    const char *argv[] = {cargo,       "metadata", "--format-version", "1", "--no-deps",
                          "--offline", NULL};
    int rc = author_run_in(dir, "RUSTC", rustc, argv, meta, LANG_METADATA_MAX_BYTES);
    json_error_t jerr;
    json_t *root = rc == 0 ? json_loads(meta, 0, &jerr) : NULL;
    free(meta);
    if (root == NULL)
        return cli_fail(cmd, CLI_EXIT_FAILED,
                        rc != 0 ? "%s/Cargo.toml: cargo metadata failed (exit %d): fix the "
                                  "manifest"
                                : "%s/Cargo.toml: cargo metadata printed no JSON",
                        dir, rc);
    const char *target_dir = json_string_value(json_object_get(root, "target_directory"));
    const char *lib = NULL;
    size_t libs = 0, i, j, k;
    json_t *pkg, *target, *kind;
    json_array_foreach(json_object_get(root, "packages"), i, pkg)
    {
        json_array_foreach(json_object_get(pkg, "targets"), j, target)
        {
            json_array_foreach(json_object_get(target, "crate_types"), k, kind)
            {
                if (json_is_string(kind) && strcmp(json_string_value(kind), "cdylib") == 0) {
                    lib = json_string_value(json_object_get(target, "name"));
                    libs++;
                }
            }
        }
    }
    if (target_dir == NULL || libs != 1 || lib == NULL) {
        json_decref(root);
        return cli_fail(cmd, CLI_EXIT_FAILED,
                        libs == 0 ? "%s/Cargo.toml builds no cdylib: add [lib] crate-type = "
                                    "[\"cdylib\"], a module is a WebAssembly library"
                                  : "%s/Cargo.toml: a module project builds exactly one cdylib",
                        dir);
    }
    int n = snprintf(out, AUTHOR_PATH_MAX_BYTES, "%s/wasm32-wasi/release/%s.wasm", target_dir, lib);
    json_decref(root);
    if (n >= AUTHOR_PATH_MAX_BYTES)
        return cli_fail(cmd, CLI_EXIT_FAILED, "%s: path too long", dir);
    for (char *p = strrchr(out, '/'); p && *p; p++)
        if (*p == '-')
            *p = '_';
    return CLI_EXIT_OK;
}

static int build_rust(const cli_command *cmd, const char *dir, const char *output)
{
    const char *cargo, *rustc, *crates;
    int rc = rust_toolchain(cmd, &cargo, &rustc, &crates);
    if (rc != CLI_EXIT_OK)
        return rc;
    char artifact[AUTHOR_PATH_MAX_BYTES];
    if ((rc = rust_artifact(cmd, dir, cargo, rustc, artifact)) != CLI_EXIT_OK)
        return rc;
    char registry[AUTHOR_PATH_MAX_BYTES + 64];
    if (strchr(crates, '"') != NULL || strchr(crates, '\\') != NULL)
        return cli_fail(cmd, CLI_EXIT_USAGE, "AEGIS_CARGO_REGISTRY may not hold '\"' or '\\'");
    snprintf(registry, sizeof registry, "source.debian.directory=\"%s\"", crates);
    const char *argv[] = {
        cargo,      "build",       "--release", "--offline",
        "--target", "wasm32-wasi", "--config",  "source.crates-io.replace-with=\"debian\"",
        "--config", registry,      NULL};
    rc = author_run_in(dir, "RUSTC", rustc, argv, NULL, 0);
    if (rc != 0)
        return cli_fail(cmd, CLI_EXIT_FAILED,
                        rc < 0 ? "compilation failed: %s was killed by a signal"
                               : "compilation failed (%s exited %d): fix the errors above",
                        cargo, rc);
    return copy_file(cmd, artifact, output);
}

/* ---- AssemblyScript -------------------------------------------------------------------------- */

/* The SDK of a language: $<env>, installed next to the program (../share/aegis-edge/<sub>), or
 * <source tree>/guest/<sub>; a directory counts when it holds the marker file. */
int author_lang_sdk_dir(const cli_command *cmd, author_lang lang, char out[AUTHOR_PATH_MAX_BYTES])
{
    bool rust = lang == AUTHOR_LANG_RUST;
    const char *var = rust ? "AEGIS_SDK_RUST_DIR" : "AEGIS_SDK_AS_DIR";
    const char *sub = rust ? "sdk-rust" : "sdk-as";
    const char *marker = rust ? "src/lib.rs" : "aegis-edge/index.ts";
    int found = author_find_sdk(var, sub, marker, out);
    if (found == AUTHOR_SDK_BAD_VAR)
        return cli_fail(cmd, CLI_EXIT_TOOLCHAIN, "%s is %s, which has no %s", var, out, marker);
    if (found == AUTHOR_SDK_NONE)
        return cli_fail(cmd, CLI_EXIT_TOOLCHAIN,
                        "the %s SDK was not found in $%s, <program dir>/../share/aegis-edge/%s or "
                        "%s/guest/%s: set %s",
                        rust ? "Rust" : "AssemblyScript", var, sub, author_source_tree(), sub, var);
    return CLI_EXIT_OK;
}

static int build_ts(const cli_command *cmd, const char *dir, const char *output)
{
    char sdk[AUTHOR_PATH_MAX_BYTES];
    int rc = author_lang_sdk_dir(cmd, AUTHOR_LANG_TS, sdk);
    if (rc != CLI_EXIT_OK)
        return rc;
    char asc[AUTHOR_PATH_MAX_BYTES + 64], transform[AUTHOR_PATH_MAX_BYTES + 64];
    snprintf(asc, sizeof asc, "%s/node_modules/assemblyscript/bin/asc.js", sdk);
    snprintf(transform, sizeof transform, "%s/node_modules/json-as/transform/lib/index.js", sdk);
    if (access(asc, R_OK) != 0 || access(transform, R_OK) != 0)
        return cli_fail(cmd, CLI_EXIT_TOOLCHAIN,
                        "the AssemblyScript compiler and json-as are not installed in "
                        "%s/node_modules: run scripts/peers-install.sh as in the AEGIS Edge "
                        "source tree (npm, once; builds are offline afterwards)",
                        sdk);
    const char *node = env_or("AEGIS_NODE", "node");
    char out_abs[AUTHOR_PATH_MAX_BYTES], sdk_abs[AUTHOR_PATH_MAX_BYTES];
    if ((rc = absolute(cmd, output, out_abs)) != CLI_EXIT_OK)
        return rc;
    char *real = realpath(sdk, NULL);
    if (real == NULL)
        return cli_fail(cmd, CLI_EXIT_TOOLCHAIN, "%s: %s", sdk, strerror(errno));
    snprintf(sdk_abs, sizeof sdk_abs, "%s", real);
    free(real);
    snprintf(asc, sizeof asc, "%s/node_modules/assemblyscript/bin/asc.js", sdk_abs);
    snprintf(transform, sizeof transform, "%s/node_modules/json-as/transform/lib/index.js",
             sdk_abs);
    /* Entries and options (runtime, optimisation) come from the project's asconfig.json. */
    const char *argv[] = {node,    asc,           "--config", "asconfig.json", "--outFile",
                          out_abs, "--transform", transform,  "--path",        sdk_abs,
                          "--use", LANG_AS_ABORT, NULL};
    rc = author_run_in(dir, NULL, NULL, argv, NULL, 0);
    if (rc == 127)
        return cli_fail(cmd, CLI_EXIT_TOOLCHAIN,
                        "%s could not be started: install the Debian package nodejs, or set "
                        "AEGIS_NODE",
                        node);
    if (rc != 0)
        return cli_fail(cmd, CLI_EXIT_FAILED,
                        rc < 0 ? "compilation failed: the AssemblyScript compiler was killed by a "
                                 "signal"
                               : "compilation failed (the AssemblyScript compiler exited %d): fix "
                                 "the errors above",
                        rc);
    return CLI_EXIT_OK;
}

int author_lang_build(const cli_command *cmd, author_lang lang, const char *dir, const char *output)
{
    if (lang == AUTHOR_LANG_RUST)
        return build_rust(cmd, dir, output);
    if (lang == AUTHOR_LANG_TS)
        return build_ts(cmd, dir, output);
    return cli_fail(cmd, CLI_EXIT_USAGE, "%s: C projects are built by build itself", dir);
}

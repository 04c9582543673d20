/*
 * Internal to src/cli/: module projects in Rust and AssemblyScript (TypeScript) beside C. `init
 * --lang rust|ts` writes a project that depends on the SDK of guest/sdk-rust or guest/sdk-as by
 * path; `build` recognises such a project (Cargo.toml, asconfig.json) and compiles it with
 * Debian's cargo/rustc or the AssemblyScript compiler installed next to the SDK, offline, before
 * the same engine load and ABI check as a C module.
 */
#ifndef AEGIS_CLI_AUTHOR_LANG_H
#define AEGIS_CLI_AUTHOR_LANG_H

#include "cli/author.h"

typedef enum author_lang {
    AUTHOR_LANG_C = 0,
    AUTHOR_LANG_RUST,
    AUTHOR_LANG_TS, /* AssemblyScript */
} author_lang;

/* The language named on the command line ("c", "rust", "ts" or "assemblyscript"); false when
 * it is none of them. */
bool author_lang_parse(const char *name, author_lang *out);
const char *author_lang_name(author_lang lang);

/* The language of the project in dir: Cargo.toml means Rust, asconfig.json AssemblyScript,
 * anything else C. */
author_lang author_lang_detect(const char *dir);

/* The directory of the Rust SDK (guest/sdk-rust) or the AssemblyScript SDK (guest/sdk-as):
 * $AEGIS_SDK_RUST_DIR / $AEGIS_SDK_AS_DIR, else <program dir>/../share/aegis-edge/sdk-rust|sdk-as
 * (an installed CLI), else the source tree the program was built from. CLI_EXIT_OK, or
 * CLI_EXIT_TOOLCHAIN after printing where it looked. */
int author_lang_sdk_dir(const cli_command *cmd, author_lang lang, char out[AUTHOR_PATH_MAX_BYTES]);

/* Writes the files of a new Rust or AssemblyScript project into dir (which exists and is
 * empty): the module (an edge function, or a WAF when waf), the build files with the SDK's
 * path, a Makefile, a README, request.json and .gitignore. Returns CLI_EXIT_OK, or an exit
 * status after printing why. */
int author_lang_init(const cli_command *cmd, author_lang lang, const char *dir, const char *name,
                     bool waf);

/* Compiles the Rust or AssemblyScript project in dir into output (a path the caller's cwd
 * resolves), release-optimised. Returns CLI_EXIT_OK, CLI_EXIT_FAILED (compile error) or
 * CLI_EXIT_TOOLCHAIN (a tool or the SDK is missing; the message says what to install). */
int author_lang_build(const cli_command *cmd, author_lang lang, const char *dir,
                      const char *output);

#endif

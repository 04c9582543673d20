/*
 * Internal to src/cli/: what the module author's subcommands (init, build, inspect, test, serve,
 * cid, deploy) share: parsing with positional arguments and the common option values, the
 * project's build output, reading a module file within a size limit, its SHA-256, locating an
 * SDK, and running a tool with its output captured.
 */
#ifndef AEGIS_CLI_AUTHOR_H
#define AEGIS_CLI_AUTHOR_H

#include "cli/cli.h"

#include <jansson.h>

enum {
    AUTHOR_MODULE_MAX_BYTES = 64 * 1024 * 1024, /* larger is not a module a node would load */
    AUTHOR_POSITIONAL_MAX = 4,
    AUTHOR_ARGS_MAX = 64,
    AUTHOR_PATH_MAX_BYTES = 4096,
    AUTHOR_SHA256_HEX_BYTES = 65, /* 64 hex digits and the NUL */
};

/* What author_parse found besides the options. */
typedef struct author_args {
    const char *pos[AUTHOR_POSITIONAL_MAX]; /* the non-option arguments, in order */
    size_t npos;
    bool help; /* --help was given (and its text printed): the subcommand has nothing to do */
} author_args;

/* Like cli_parse, but non-option arguments are collected (at most max_pos, which is at most
 * AUTHOR_POSITIONAL_MAX) instead of refused, and "-o X" is read as "--output X". */
int author_parse(const cli_command *cmd, int argc, char **argv, const cli_option *opts,
                 size_t opt_count, size_t max_pos, author_args *out);

/* --cid-version: NULL (not given) is 0; else "0" or "1". Returns CLI_EXIT_OK, or
 * CLI_EXIT_USAGE after printing why. */
int author_cid_version(const cli_command *cmd, const char *text, uint8_t *out);

/* --type: "function" or "waf"; NULL (not given) is CLI_ABI_NONE. False for anything else (the
 * caller says so in its own words). */
bool author_kind_parse(const char *type, cli_abi_kind *out);

/* The build output of the project in dir, DIR/build/NAME.wasm ("build/NAME.wasm" for "."), NAME
 * being the last component of dir's real path ("module" for "/"): what `build` writes and
 * `test` and `deploy` read by default. Returns CLI_EXIT_OK, or CLI_EXIT_FAILED after printing
 * why. */
int author_project_output(const cli_command *cmd, const char *dir, char out[AUTHOR_PATH_MAX_BYTES]);

/* Reads a whole file of at most AUTHOR_MODULE_MAX_BYTES into a malloc'd buffer. Returns
 * CLI_EXIT_OK, or CLI_EXIT_FAILED after printing why. */
int author_read_module(const cli_command *cmd, const char *path, uint8_t **bytes, size_t *len);

/* Lower-case hex SHA-256 (libsodium) of bytes. */
void author_sha256_hex(const uint8_t *bytes, size_t len, char out[AUTHOR_SHA256_HEX_BYTES]);

/* The directory holding guest/sdk/aegis.h for `build`: $AEGIS_SDK_DIR, else
 * <program dir>/../share/aegis-edge/sdk (an installed CLI), else the source tree the program was
 * built from. Returns CLI_EXIT_OK, or CLI_EXIT_TOOLCHAIN after printing where it looked. */
int author_sdk_dir(const cli_command *cmd, char out[AUTHOR_PATH_MAX_BYTES]);

/* The search behind author_sdk_dir for any SDK: a directory counts when it holds marker (a
 * relative path). $var when set (and then only it: AUTHOR_SDK_BAD_VAR when it lacks marker),
 * else <program dir>/../share/aegis-edge/<sub>, else <source tree>/guest/<sub>; AUTHOR_SDK_NONE
 * when none holds it. The caller says what is missing, in the words of its language. */
enum { AUTHOR_SDK_FOUND = 0, AUTHOR_SDK_BAD_VAR = 1, AUTHOR_SDK_NONE = 2 };
int author_find_sdk(const char *var, const char *sub, const char *marker,
                    char out[AUTHOR_PATH_MAX_BYTES]);

/* The source tree the program was built from, for messages ("the source tree" when unknown). */
const char *author_source_tree(void);

/* Runs argv[0] (a path or a name searched in PATH) with stdin from /dev/null, its stdout
 * into out (NUL-terminated, truncated to cap) and its stderr into err likewise; a NULL buffer
 * passes that stream through to ours. Returns the exit status, 127 when it could not be
 * started, -1 when it died from a signal. */
int author_run(const char *const argv[], char *out, size_t out_cap, char *err, size_t err_cap);

/* Like author_run, but in directory cwd, with env_name=env_value added to the child's
 * environment when both are not NULL, and stderr always passed through (a compiler's
 * diagnostics are for the author). */
int author_run_in(const char *cwd, const char *env_name, const char *env_value,
                  const char *const argv[], char *out, size_t out_cap);

/* ---- a new project's files (init_write.c) ---- */

/* The words a project template names by position: %1$s the project name, %2$s the type,
 * %3$s the kind in words, %4$s the entry point, %5$s the SDK directory (escaped for TOML), %6$s
 * the entry point macro of the Rust SDK; "%%" is "%". A template need not use them all. */
enum { INIT_WORDS = 6 };

/* The targets of every project's Makefile, between its first line and the files `clean`
 * removes: build, inspect, test and serve through the CLI. */
#define INIT_MAKEFILE_TARGETS                                                                      \
    "AEGIS_WASM_CLI ?= " CLI_PROGRAM "\n"                                                          \
    "\n"                                                                                           \
    ".PHONY: all inspect test serve clean\n"                                                       \
    "all:\n"                                                                                       \
    "\t$(AEGIS_WASM_CLI) build --type %2$s .\n"                                                    \
    "\n"                                                                                           \
    "inspect: all\n"                                                                               \
    "\t$(AEGIS_WASM_CLI) inspect build/%1$s.wasm\n"                                                \
    "\n"                                                                                           \
    "test: all\n"                                                                                  \
    "\t$(AEGIS_WASM_CLI) test --request request.json\n"                                            \
    "\n"                                                                                           \
    "serve:\n"                                                                                     \
    "\t$(AEGIS_WASM_CLI) serve .\n"                                                                \
    "\n"                                                                                           \
    "clean:\n"

/* Creates dir/file from the template fmt and words, never replacing a file; a subdirectory of
 * dir that file names is created when missing. Returns CLI_EXIT_OK, or CLI_EXIT_FAILED after
 * printing why. */
int init_write_file(const cli_command *cmd, const char *dir, const char *file, const char *fmt,
                    const char *const words[INIT_WORDS]);

/* Writes a JSON value (NULL: out of memory) to stdout, indented, and releases it. Returns
 * CLI_EXIT_OK, or CLI_EXIT_FAILED after printing why. */
int author_print_json(const cli_command *cmd, json_t *value);

#endif

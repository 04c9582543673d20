/*
 * Internal to src/cli/: what the module author's subcommands (init, build, inspect) share:
 * parsing with positional arguments, reading a module file within a size limit, its SHA-256,
 * locating the C SDK, and running a tool with its output captured.
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

/* Like cli_parse, but non-option arguments are collected (at most max_pos, in order) instead
 * of refused, and "-o X" is read as "--output X". */
int author_parse(const cli_command *cmd, int argc, char **argv, const cli_option *opts,
                 size_t opt_count, const char **pos, size_t max_pos, size_t *npos, bool *help);

/* Reads a whole file of at most AUTHOR_MODULE_MAX_BYTES into a malloc'd buffer. Returns
 * CLI_EXIT_OK, or CLI_EXIT_FAILED after printing why. */
int author_read_module(const cli_command *cmd, const char *path, uint8_t **bytes, size_t *len);

/* Lower-case hex SHA-256 (libsodium) of bytes. */
void author_sha256_hex(const uint8_t *bytes, size_t len, char out[AUTHOR_SHA256_HEX_BYTES]);

/* The directory holding guest/sdk/aegis.h for `build`: $AEGIS_SDK_DIR, else
 * <program dir>/../share/aegis-edge/sdk (an installed CLI), else the source tree the program was
 * built from. Returns CLI_EXIT_OK, or CLI_EXIT_TOOLCHAIN after printing where it looked. */
int author_sdk_dir(const cli_command *cmd, char out[AUTHOR_PATH_MAX_BYTES]);

/* Runs argv[0] (a path or a name searched in PATH) with stdin from /dev/null, its stdout
 * into out (NUL-terminated, truncated to cap) and its stderr into err likewise; a NULL buffer
 * passes that stream through to ours. Returns the exit status, 127 when it could not be
 * started, -1 when it died from a signal. */
int author_run(const char *const argv[], char *out, size_t out_cap, char *err, size_t err_cap);

/* Writes a JSON value (NULL: out of memory) to stdout, indented, and releases it. Returns
 * CLI_EXIT_OK, or CLI_EXIT_FAILED after printing why. */
int author_print_json(const cli_command *cmd, json_t *value);

#endif

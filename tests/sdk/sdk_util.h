/*
 * Helpers of the SDK suite: module projects in temporary directories (created by the real
 * aegis-wasm-cli, or copied from a fixture folder), the CLI run inside one with a bounded time
 * and an environment that proves the build offline, and recursive removal.
 */
#ifndef AEGIS_TESTS_SDK_UTIL_H
#define AEGIS_TESTS_SDK_UTIL_H

#include <stddef.h>

enum { SDK_CLI_TIMEOUT_MS = 110000 }; /* a cold Rust build compiles serde */

/* A fresh temporary directory "/tmp/aegis-sdk-XXXXXX" (cap bytes). */
void sdk_tmpdir(char *dir, size_t cap);
/* Removes dir and everything under it. */
void sdk_rmtree(const char *dir);

/* Makes the Rust and AssemblyScript builds of this process provably offline and independent
 * of the user's setup: HOME (hence CARGO_HOME and npm's cache) is a fresh empty directory under
 * dir, every proxy variable points at a closed port, CARGO_NET_OFFLINE is set; CARGO_TARGET_DIR
 * is the build tree's shared cache (sdk/cargo-tests), so serde compiles once per build tree. */
void sdk_offline_env(const char *dir);

/* Runs aegis-wasm-cli with args (NULL-terminated) in directory cwd; returns its exit status and
 * its output (stdout and stderr) in *out, which the caller frees. */
int sdk_cli(const char *cwd, char **out, ...) __attribute__((sentinel));

/* Writes text to dir/name (replacing it). */
void sdk_write(const char *dir, const char *name, const char *text);
/* Copies the files of the source tree's folder rel (one level of subfolders) into dir. */
void sdk_copy_fixture(const char *rel, const char *dir);

#endif

/*
 * Helpers of the module author's tests (test_author_*.c): run a real program (aegis-wasm-cli,
 * make) in a directory with extra environment variables and its output captured, temporary
 * project directories, and running a built module's entry point with our engine.
 */
#ifndef AEGIS_TESTS_CLI_AUTHOR_RUN_H
#define AEGIS_TESTS_CLI_AUTHOR_RUN_H

#include <stddef.h>
#include <stdint.h>

typedef struct author_result {
    int status; /* exit status, -1 if killed */
    char out[32768];
    char err[16384];
} author_result;

/* Runs program (a path; NULL: the built aegis-wasm-cli) with argv (NULL-terminated, without the
 * program name) in directory cwd, with env ("NAME=VALUE" strings, NULL-terminated, may be NULL)
 * added to the environment. Killed after a minute. */
void author_exec(author_result *r, const char *program, const char *cwd, const char *const env[],
                 const char *const argv[]);

/* Path of the built aegis-wasm-cli (static buffer). */
const char *author_cli_path(void);

/* Makes a fresh temporary directory (path into dir) and removes it with everything in it. */
void author_tmpdir(char dir[64]);
void author_rmtree(const char *dir);

/* Writes text to dir/name, creating the directory dir first if needed. */
void author_write(const char *dir, const char *name, const char *text);

/* A whole file as a NUL-terminated, malloc'd string. */
char *author_read_text(const char *path);

/* Joins dir and name into a static buffer. */
const char *author_path(const char *dir, const char *name);

/* Instantiates the module at path with stand-ins for the host functions, calls its entry point
 * (handle_request or analyze_request) with request, and returns the result's JSON (malloc'd,
 * NUL-terminated); the log lines the module wrote are appended to log (NUL-terminated). */
char *author_call_module(const char *path, const char *entry, const char *request, char *log,
                         size_t log_cap);

#endif

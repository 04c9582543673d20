/*
 * Helpers of the module author's subcommands (author.h): argument parsing with positionals and
 * the option values several subcommands take, the project's build output, a bounded module
 * reader, SHA-256, the search for an SDK, and running a compiler with its output captured (no
 * shell: arguments are passed as they are, whatever characters a path holds).
 */
#include "cli/author.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* The source tree the program was built from, set by mk/cli.mk for this file. */
#ifndef CLI_SOURCE_TREE
#define CLI_SOURCE_TREE ""
#endif

static bool option_takes_value(const cli_option *opts, size_t n, const char *arg)
{
    for (size_t k = 0; k < n; k++)
        if (opts[k].value != NULL && strcmp(arg + 2, opts[k].name) == 0)
            return true;
    return false;
}

int author_parse(const cli_command *cmd, int argc, char **argv, const cli_option *opts,
                 size_t opt_count, size_t max_pos, author_args *out)
{
    char *rest[AUTHOR_ARGS_MAX + 1];
    int nrest = 0;
    out->npos = 0;
    out->help = false;
    if (max_pos > AUTHOR_POSITIONAL_MAX)
        max_pos = AUTHOR_POSITIONAL_MAX;
    if (argc > AUTHOR_ARGS_MAX)
        return cli_fail(cmd, CLI_EXIT_USAGE, "too many arguments (at most %d)", AUTHOR_ARGS_MAX);
    rest[nrest++] = argv[0];
    for (int i = 1; i < argc; i++) {
        char *arg = argv[i];
        if (strcmp(arg, "-o") == 0)
            arg = "--output";
        if (arg[0] != '-' || strcmp(arg, "-") == 0) {
            if (out->npos == max_pos)
                return cli_fail(cmd, CLI_EXIT_USAGE, "unexpected argument \"%s\" (see --help)",
                                arg);
            out->pos[out->npos++] = arg;
            continue;
        }
        rest[nrest++] = arg;
        /* The value of "--name VALUE" stays with its option, even when it does not start with
         * a dash. */
        if (strncmp(arg, "--", 2) == 0 && option_takes_value(opts, opt_count, arg) && i + 1 < argc)
            rest[nrest++] = argv[++i];
    }
    rest[nrest] = NULL;
    return cli_parse(cmd, nrest, rest, opts, opt_count, NULL, &out->help);
}

int author_cid_version(const cli_command *cmd, const char *text, uint8_t *out)
{
    if (text == NULL) {
        *out = 0;
        return CLI_EXIT_OK;
    }
    if (strcmp(text, "0") == 0 || strcmp(text, "1") == 0) {
        *out = (uint8_t)(text[0] - '0');
        return CLI_EXIT_OK;
    }
    return cli_fail(cmd, CLI_EXIT_USAGE, "--cid-version \"%s\": expected 0 or 1", text);
}

bool author_kind_parse(const char *type, cli_abi_kind *out)
{
    if (type == NULL)
        *out = CLI_ABI_NONE;
    else if (strcmp(type, "function") == 0)
        *out = CLI_ABI_FUNCTION;
    else if (strcmp(type, "waf") == 0)
        *out = CLI_ABI_WAF;
    else
        return false;
    return true;
}

int author_project_output(const cli_command *cmd, const char *dir, char out[AUTHOR_PATH_MAX_BYTES])
{
    char *real = realpath(dir, NULL);
    if (real == NULL)
        return cli_fail(cmd, CLI_EXIT_FAILED, "%s: %s", dir, strerror(errno));
    const char *slash = strrchr(real, '/');
    const char *name = slash && slash[1] ? slash + 1 : "module";
    /* "build/x.wasm" rather than "./build/x.wasm" for the usual run inside the project. */
    int n = strcmp(dir, ".") == 0
                ? snprintf(out, AUTHOR_PATH_MAX_BYTES, "build/%s.wasm", name)
                : snprintf(out, AUTHOR_PATH_MAX_BYTES, "%s/build/%s.wasm", dir, name);
    free(real);
    if (n >= AUTHOR_PATH_MAX_BYTES)
        return cli_fail(cmd, CLI_EXIT_FAILED, "%s: path too long", dir);
    return CLI_EXIT_OK;
}

int author_read_module(const cli_command *cmd, const char *path, uint8_t **bytes, size_t *len)
{
    *bytes = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return cli_fail(cmd, CLI_EXIT_FAILED, "%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return cli_fail(cmd, CLI_EXIT_FAILED, "%s: not a regular file", path);
    }
    if (st.st_size > AUTHOR_MODULE_MAX_BYTES) {
        close(fd);
        return cli_fail(cmd, CLI_EXIT_FAILED, "%s: %lld bytes, more than the %d a module may have",
                        path, (long long)st.st_size, AUTHOR_MODULE_MAX_BYTES);
    }
    size_t cap = (size_t)st.st_size;
    uint8_t *buf = malloc(cap ? cap : 1);
    if (buf == NULL) {
        close(fd);
        return cli_fail(cmd, CLI_EXIT_FAILED, "%s: out of memory", path);
    }
    size_t got = 0;
    while (got < cap) {
        ssize_t n = read(fd, buf + got, cap - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    if (got != cap) {
        free(buf);
        return cli_fail(cmd, CLI_EXIT_FAILED, "%s: short read (%zu of %zu bytes)", path, got, cap);
    }
    *bytes = buf;
    *len = cap;
    return CLI_EXIT_OK;
}

void author_sha256_hex(const uint8_t *bytes, size_t len, char out[AUTHOR_SHA256_HEX_BYTES])
{
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, bytes, len);
    sodium_bin2hex(out, AUTHOR_SHA256_HEX_BYTES, digest, sizeof digest);
}

const char *author_source_tree(void)
{
    return CLI_SOURCE_TREE[0] != '\0' ? CLI_SOURCE_TREE : "the source tree";
}

static bool has_marker(const char *dir, const char *marker)
{
    char path[AUTHOR_PATH_MAX_BYTES];
    if (snprintf(path, sizeof path, "%s/%s", dir, marker) >= (int)sizeof path)
        return false;
    return access(path, R_OK) == 0;
}

int author_find_sdk(const char *var, const char *sub, const char *marker,
                    char out[AUTHOR_PATH_MAX_BYTES])
{
    const char *env = getenv(var);
    if (env != NULL && env[0] != '\0') {
        snprintf(out, AUTHOR_PATH_MAX_BYTES, "%s", env);
        return has_marker(env, marker) ? AUTHOR_SDK_FOUND : AUTHOR_SDK_BAD_VAR;
    }
    char exe[AUTHOR_PATH_MAX_BYTES];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash != NULL) {
            *slash = '\0';
            if (snprintf(out, AUTHOR_PATH_MAX_BYTES, "%s/../share/aegis-edge/%s", exe, sub) <
                    AUTHOR_PATH_MAX_BYTES &&
                has_marker(out, marker))
                return AUTHOR_SDK_FOUND;
        }
    }
    if (CLI_SOURCE_TREE[0] != '\0' &&
        snprintf(out, AUTHOR_PATH_MAX_BYTES, "%s/guest/%s", CLI_SOURCE_TREE, sub) <
            AUTHOR_PATH_MAX_BYTES &&
        has_marker(out, marker))
        return AUTHOR_SDK_FOUND;
    return AUTHOR_SDK_NONE;
}

int author_sdk_dir(const cli_command *cmd, char out[AUTHOR_PATH_MAX_BYTES])
{
    int found = author_find_sdk("AEGIS_SDK_DIR", "sdk", "aegis.h", out);
    if (found == AUTHOR_SDK_BAD_VAR)
        return cli_fail(cmd, CLI_EXIT_TOOLCHAIN,
                        "AEGIS_SDK_DIR is %s, which has no aegis.h: point it at the SDK "
                        "directory (guest/sdk of the source tree)",
                        out);
    if (found == AUTHOR_SDK_NONE)
        return cli_fail(cmd, CLI_EXIT_TOOLCHAIN,
                        "the C SDK (aegis.h) was not found in $AEGIS_SDK_DIR, "
                        "<program dir>/../share/aegis-edge/sdk or %s/guest/sdk: set AEGIS_SDK_DIR",
                        author_source_tree());
    return CLI_EXIT_OK;
}

/* Reads what a child wrote into a temporary file (at most cap-1 bytes, NUL-terminated). */
static void slurp(FILE *f, char *out, size_t cap)
{
    if (out == NULL || cap == 0)
        return;
    rewind(f);
    size_t n = fread(out, 1, cap - 1, f);
    out[n] = '\0';
}

/* author_run and author_run_in: err NULL passes stderr through. */
static int run_child(const char *cwd, const char *env_name, const char *env_value,
                     const char *const argv[], char *out, size_t out_cap, char *err, size_t err_cap)
{
    FILE *out_f = out ? tmpfile() : NULL, *err_f = err ? tmpfile() : NULL;
    if ((out && out_f == NULL) || (err && err_f == NULL)) {
        if (out_f)
            fclose(out_f);
        if (err_f)
            fclose(err_f);
        return 127;
    }
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
        int null_fd = open("/dev/null", O_RDONLY);
        if (null_fd >= 0)
            dup2(null_fd, 0);
        if (out_f)
            dup2(fileno(out_f), 1);
        if (err_f)
            dup2(fileno(err_f), 2);
        if (cwd != NULL && chdir(cwd) != 0)
            _exit(127);
        if (env_name != NULL && env_value != NULL)
            setenv(env_name, env_value, 1);
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    int status = 0;
    int rc = 127;
    if (pid > 0) {
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
        rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    if (out_f) {
        slurp(out_f, out, out_cap);
        fclose(out_f);
    }
    if (err_f) {
        slurp(err_f, err, err_cap);
        fclose(err_f);
    }
    return rc;
}

int author_run(const char *const argv[], char *out, size_t out_cap, char *err, size_t err_cap)
{
    return run_child(NULL, NULL, NULL, argv, out, out_cap, err, err_cap);
}

int author_run_in(const char *cwd, const char *env_name, const char *env_value,
                  const char *const argv[], char *out, size_t out_cap)
{
    return run_child(cwd, env_name, env_value, argv, out, out_cap, NULL, 0);
}

int author_print_json(const cli_command *cmd, json_t *value)
{
    char *text = value ? json_dumps(value, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(value);
    if (text == NULL)
        return cli_fail(cmd, CLI_EXIT_FAILED, "out of memory");
    printf("%s\n", text);
    free(text);
    return CLI_EXIT_OK;
}

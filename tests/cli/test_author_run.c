/*
 * Helpers of the module author's tests: the real programs run in a child with their output in
 * temporary files, temporary directories, and a minimal host that runs a built module's entry
 * point through our engine, so a test can check what the generated project actually does.
 */
#include "test_author_run.h"

#include "engine/engine.h"
#include "test.h"

#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum {
    AUTHOR_RUN_TIMEOUT_MS = 60000, /* a compile of a small project takes well under a second */
    AUTHOR_POLL_MS = 10,
    AUTHOR_ARGS_MAX = 64,
    AUTHOR_RESULT_MAX_BYTES = 1 << 20,
};

const char *author_cli_path(void)
{
    return test_build_path("bin/aegis-wasm-cli");
}

static void slurp(FILE *f, char *out, size_t cap)
{
    rewind(f);
    size_t n = fread(out, 1, cap - 1, f);
    out[n] = '\0';
}

void author_exec(author_result *r, const char *program, const char *cwd, const char *const env[],
                 const char *const argv[])
{
    char bin[1024];
    snprintf(bin, sizeof bin, "%s", program ? program : author_cli_path());
    const char *args[AUTHOR_ARGS_MAX + 2];
    size_t argc = 0;
    args[argc++] = bin;
    for (size_t i = 0; argv[i] != NULL && argc <= AUTHOR_ARGS_MAX; i++)
        args[argc++] = argv[i];
    args[argc] = NULL;
    FILE *out = tmpfile(), *err = tmpfile();
    CHECK(out != NULL && err != NULL);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        dup2(fileno(out), 1);
        dup2(fileno(err), 2);
        if (cwd != NULL && chdir(cwd) != 0)
            _exit(126);
        for (size_t i = 0; env != NULL && env[i] != NULL; i++)
            putenv((char *)env[i]);
        execvp(bin, (char *const *)args);
        fprintf(stderr, "cannot run %s: %s\n", bin, strerror(errno));
        _exit(127);
    }
    int status = 0, waited = 0;
    while (waitpid(pid, &status, WNOHANG) != pid) {
        if (waited >= AUTHOR_RUN_TIMEOUT_MS) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            break;
        }
        struct timespec pause = {0, AUTHOR_POLL_MS * 1000000L};
        nanosleep(&pause, NULL);
        waited += AUTHOR_POLL_MS;
    }
    r->status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    slurp(out, r->out, sizeof r->out);
    slurp(err, r->err, sizeof r->err);
    fclose(out);
    fclose(err);
}

void author_tmpdir(char dir[64])
{
    snprintf(dir, 64, "/tmp/aegis-author-XXXXXX");
    CHECK_MSG(mkdtemp(dir) != NULL, "mkdtemp: %s", strerror(errno));
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void author_rmtree(const char *dir)
{
    nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

const char *author_path(const char *dir, const char *name)
{
    static char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return path;
}

void author_write(const char *dir, const char *name, const char *text)
{
    char path[1024]; /* dir may be author_path's own buffer */
    snprintf(path, sizeof path, "%s/%s", dir, name);
    mkdir(dir, 0755);
    FILE *f = fopen(path, "w");
    CHECK_MSG(f != NULL, "%s: %s", path, strerror(errno));
    fputs(text, f);
    CHECK(fclose(f) == 0);
}

/* ---- a minimal host for the generated modules ---- */

typedef struct host_log {
    char *text;
    size_t cap, len;
} host_log;

static void log_append(host_log *l, const char *prefix, const uint8_t *p, size_t n)
{
    size_t plen = strlen(prefix);
    if (l->len + plen + n + 2 > l->cap)
        return;
    memcpy(l->text + l->len, prefix, plen);
    memcpy(l->text + l->len + plen, p, n);
    l->len += plen + n;
    l->text[l->len++] = '\n';
    l->text[l->len] = '\0';
}

static eng_trap h_log(eng_caller *c, const eng_slot *a, eng_slot *r, void *data)
{
    (void)r;
    uint8_t *p = eng_caller_memory(c, (uint32_t)a[0], (uint32_t)a[1]);
    if (p == NULL)
        return ENG_TRAP_MEMORY_OOB;
    log_append(data, "log: ", p, (uint32_t)a[1]);
    return ENG_TRAP_NONE;
}

static eng_trap h_set_header(eng_caller *c, const eng_slot *a, eng_slot *r, void *data)
{
    (void)r;
    uint8_t *name = eng_caller_memory(c, (uint32_t)a[0], (uint32_t)a[1]);
    uint8_t *value = eng_caller_memory(c, (uint32_t)a[2], (uint32_t)a[3]);
    if (name == NULL || value == NULL)
        return ENG_TRAP_MEMORY_OOB;
    log_append(data, "header: ", name, (uint32_t)a[1]);
    log_append(data, "value: ", value, (uint32_t)a[3]);
    return ENG_TRAP_NONE;
}

/* Every other host function answers "nothing": -1 (absent) or 0. */
static eng_trap h_none(eng_caller *c, const eng_slot *a, eng_slot *r, void *data)
{
    (void)c;
    (void)a;
    if (data != NULL)
        r[0] = (eng_slot)(uint32_t)-1;
    return ENG_TRAP_NONE;
}

static eng_trap h_zero(eng_caller *c, const eng_slot *a, eng_slot *r, void *data)
{
    (void)c;
    (void)a;
    (void)data;
    r[0] = 0;
    return ENG_TRAP_NONE;
}

static eng_trap h_void(eng_caller *c, const eng_slot *a, eng_slot *r, void *data)
{
    (void)c;
    (void)a;
    (void)r;
    (void)data;
    return ENG_TRAP_NONE;
}

char *author_call_module(const char *path, const char *entry, const char *request, char *log,
                         size_t log_cap)
{
    static int absent = 1;
    host_log hl = {log, log_cap, 0};
    log[0] = '\0';
    size_t len;
    uint8_t *bytes = test_read_file(path, &len);
    eng_error err = {0};
    eng_module *m = eng_module_new(bytes, len, &err);
    free(bytes);
    CHECK_MSG(m != NULL, "%s: %s", path, err.message);
    eng_imports *im = eng_imports_new();
    CHECK(im != NULL && eng_imports_add_wasi(im, NULL, NULL) == ENG_OK);
    CHECK(eng_imports_add_func(im, "env", "log", "(ii)", h_log, &hl) == ENG_OK);
    CHECK(eng_imports_add_func(im, "env", "set_response_header", "(iiii)", h_set_header, &hl) ==
          ENG_OK);
    eng_imports_add_func(im, "env", "get_timestamp", "()I", h_zero, NULL);
    eng_imports_add_func(im, "env", "get_request_header", "(iiii)i", h_none, &absent);
    eng_imports_add_func(im, "env", "get_request_body_size", "()i", h_zero, NULL);
    eng_imports_add_func(im, "env", "read_request_body", "(ii)i", h_zero, NULL);
    eng_imports_add_func(im, "env", "send_response", "(iii)", h_void, NULL);
    eng_imports_add_func(im, "env", "cache_get", "(iiii)i", h_none, &absent);
    eng_imports_add_func(im, "env", "cache_set", "(iiiiI)", h_void, NULL);
    eng_limits limits = eng_limits_default();
    eng_instance *inst = eng_instance_new(m, im, &limits, &err);
    eng_imports_free(im);
    CHECK_MSG(inst != NULL, "instantiate %s: %s", path, err.message);

    int32_t init = eng_instance_find_func(inst, "_initialize", NULL);
    if (init >= 0)
        CHECK_MSG(eng_call(inst, init, NULL, 0, NULL, 0, &err) == ENG_OK, "_initialize: %s",
                  err.message);
    int32_t alloc = eng_instance_find_func(inst, "alloc", NULL);
    int32_t fn = eng_instance_find_func(inst, entry, NULL);
    CHECK(alloc >= 0 && fn >= 0);
    size_t req_len = strlen(request);
    eng_slot arg = req_len, ptr = 0;
    CHECK_MSG(eng_call(inst, alloc, &arg, 1, &ptr, 1, &err) == ENG_OK, "alloc: %s", err.message);
    uint8_t *dst = eng_instance_memory(inst, (uint32_t)ptr, req_len);
    CHECK(dst != NULL);
    memcpy(dst, request, req_len);
    eng_slot args[2] = {(uint32_t)ptr, req_len}, result = 0;
    CHECK_MSG(eng_call(inst, fn, args, 2, &result, 1, &err) == ENG_OK, "%s: %s", entry,
              err.message);
    uint8_t *frame = eng_instance_memory(inst, (uint32_t)result, 4);
    CHECK(frame != NULL);
    uint32_t n = (uint32_t)frame[0] | (uint32_t)frame[1] << 8 | (uint32_t)frame[2] << 16 |
                 (uint32_t)frame[3] << 24;
    CHECK(n <= AUTHOR_RESULT_MAX_BYTES);
    uint8_t *json = eng_instance_memory(inst, (uint32_t)result + 4, n);
    CHECK(json != NULL);
    char *copy = malloc(n + 1);
    CHECK(copy != NULL);
    memcpy(copy, json, n);
    copy[n] = '\0';
    eng_instance_free(inst);
    eng_module_free(m);
    return copy;
}

char *author_read_text(const char *path)
{
    size_t len;
    uint8_t *bytes = test_read_file(path, &len);
    char *text = malloc(len + 1);
    CHECK(text != NULL);
    memcpy(text, bytes, len);
    text[len] = '\0';
    free(bytes);
    return text;
}

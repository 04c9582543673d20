/*
 * Test runner shared by every test binary. Each registered test runs in a forked child with an
 * alarm, so one crashing or hanging test is reported and the others still run. Usage:
 *   <suite> [-l] [--no-fork] [SUBSTRING...]
 * runs the tests whose name contains any SUBSTRING (all when none is given). TEST_TIMEOUT_S
 * overrides the per-test limit (default 120 s).
 */
#include "test.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { MAX_TESTS = 4096 };

typedef struct {
    const char *name;
    const char *file;
    test_fn fn;
} test_case;

static test_case tests[MAX_TESTS];
static size_t test_count;

void test_register(const char *name, const char *file, test_fn fn)
{
    if (test_count == MAX_TESTS) {
        fprintf(stderr, "harness: more than %d tests in one binary\n", MAX_TESTS);
        exit(2);
    }
    tests[test_count++] = (test_case){name, file, fn};
}

void test_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "    %s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(stderr);
    _exit(1);
}

static char path_buf[4096];

const char *test_src_path(const char *rel)
{
    snprintf(path_buf, sizeof path_buf, "%s/%s", TEST_SRC_DIR, rel);
    return path_buf;
}

const char *test_build_path(const char *rel)
{
    snprintf(path_buf, sizeof path_buf, "%s/%s", TEST_BUILD_DIR, rel);
    return path_buf;
}

uint8_t *test_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        test_fail(__FILE__, __LINE__, "cannot open %s: %s", path, strerror(errno));
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    for (;;) {
        if (buf == NULL)
            test_fail(__FILE__, __LINE__, "out of memory reading %s", path);
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        cap *= 2;
        buf = realloc(buf, cap);
    }
    fclose(f);
    *len = n;
    return buf;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static bool selected(const char *name, int argc, char **argv, int first)
{
    if (first >= argc)
        return true;
    for (int i = first; i < argc; i++)
        if (strstr(name, argv[i]) != NULL)
            return true;
    return false;
}

static int cmp_tests(const void *a, const void *b)
{
    const test_case *x = a, *y = b;
    int c = strcmp(x->file, y->file);
    return c != 0 ? c : strcmp(x->name, y->name);
}

static bool run_one(const test_case *t, bool use_fork, unsigned timeout_s)
{
    if (!use_fork) {
        t->fn();
        return true;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "    fork: %s\n", strerror(errno));
        return false;
    }
    if (pid == 0) {
        /* Own process group, so the parent can kill helpers the test started. */
        setpgid(0, 0);
        alarm(timeout_s);
        t->fn();
        /* exit, not _exit: LeakSanitizer checks the child for leaks in its exit handler. */
        exit(0);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    kill(-pid, SIGKILL); /* leftovers of a failed or careless test */
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return true;
    if (WIFSIGNALED(status))
        fprintf(stderr, "    killed by signal %d%s\n", WTERMSIG(status),
                WTERMSIG(status) == SIGALRM ? " (time limit)" : "");
    return false;
}

int main(int argc, char **argv)
{
    bool use_fork = true, list = false;
    int first = 1;
    while (first < argc && argv[first][0] == '-') {
        if (strcmp(argv[first], "--no-fork") == 0)
            use_fork = false;
        else if (strcmp(argv[first], "-l") == 0)
            list = true;
        else {
            fprintf(stderr, "usage: %s [-l] [--no-fork] [SUBSTRING...]\n", argv[0]);
            return 2;
        }
        first++;
    }
    const char *env = getenv("TEST_TIMEOUT_S");
    unsigned timeout_s = env != NULL && atoi(env) > 0 ? (unsigned)atoi(env) : 120;
    qsort(tests, test_count, sizeof tests[0], cmp_tests);
    signal(SIGPIPE, SIG_IGN);

    unsigned passed = 0, failed = 0;
    for (size_t i = 0; i < test_count; i++) {
        const test_case *t = &tests[i];
        if (!selected(t->name, argc, argv, first))
            continue;
        if (list) {
            printf("%s\n", t->name);
            continue;
        }
        double start = now_ms();
        bool ok = run_one(t, use_fork, timeout_s);
        printf("%s %s (%.0f ms)\n", ok ? "ok  " : "FAIL", t->name, now_ms() - start);
        fflush(stdout);
        ok ? passed++ : failed++;
    }
    if (!list)
        printf("%u passed, %u failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}

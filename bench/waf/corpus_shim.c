/*
 * The few test-harness functions that tests/waf/corpus.c uses, for benchmark programs that load
 * the WAF corpora outside the test runner: paths are relative to the source tree given by
 * bench_set_root, and a failure ends the program with its message.
 */
#include "test.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *root = ".";
static char path_buf[4096];

void bench_set_root(const char *dir)
{
    root = dir;
}

void test_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

const char *test_src_path(const char *rel)
{
    snprintf(path_buf, sizeof path_buf, "%s/%s", root, rel);
    return path_buf;
}

const char *test_build_path(const char *rel)
{
    return test_src_path(rel);
}

uint8_t *test_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        test_fail(__FILE__, __LINE__, "cannot open %s: %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
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

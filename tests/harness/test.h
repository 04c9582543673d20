/*
 * The project's test harness. A test is one function declared with TEST(name); every test binary
 * (one per tests/<suite>/ folder) links runner.c, which runs each test in its own child process
 * with a time limit, so a crash, a hang or a sanitizer report fails that test alone. The runner
 * ends with the line "N passed, N failed" that scripts/run-tests.sh adds up.
 *
 * Checks print file:line and the values they compared, then end the test as failed.
 */
#ifndef AEGIS_TEST_H
#define AEGIS_TEST_H

#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef void (*test_fn)(void);

/* Registers a test; called by TEST() before main. */
void test_register(const char *name, const char *file, test_fn fn);

/* Ends the current test as failed after printing where and why (printf-style). */
_Noreturn void test_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Absolute path of a file of the source tree / of the build tree ("bin/aegis-node"), in a
 * static buffer that the next call overwrites. */
const char *test_src_path(const char *rel);
const char *test_build_path(const char *rel);

/* Reads a whole file into a malloc'd buffer (caller frees); fails the test if it cannot. */
uint8_t *test_read_file(const char *path, size_t *len);

#define TEST(name)                                                                                 \
    static void name(void);                                                                        \
    __attribute__((constructor)) static void test_register_##name(void)                            \
    {                                                                                              \
        test_register(#name, __FILE__, name);                                                      \
    }                                                                                              \
    static void name(void)

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            test_fail(__FILE__, __LINE__, "check failed: %s", #cond);                              \
    } while (0)

#define CHECK_MSG(cond, ...)                                                                       \
    do {                                                                                           \
        if (!(cond))                                                                               \
            test_fail(__FILE__, __LINE__, __VA_ARGS__);                                            \
    } while (0)

#define CHECK_INT_EQ(a, b)                                                                         \
    do {                                                                                           \
        long long check_a_ = (long long)(a), check_b_ = (long long)(b);                            \
        if (check_a_ != check_b_)                                                                  \
            test_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b, check_a_, check_b_);   \
    } while (0)

#define CHECK_UINT_EQ(a, b)                                                                        \
    do {                                                                                           \
        unsigned long long check_a_ = (unsigned long long)(a);                                     \
        unsigned long long check_b_ = (unsigned long long)(b);                                     \
        if (check_a_ != check_b_)                                                                  \
            test_fail(__FILE__, __LINE__, "%s == %s: %llu (0x%llx) != %llu (0x%llx)", #a, #b,      \
                      check_a_, check_a_, check_b_, check_b_);                                     \
    } while (0)

#define CHECK_STR_EQ(a, b)                                                                         \
    do {                                                                                           \
        const char *check_a_ = (a), *check_b_ = (b);                                               \
        if (check_a_ == NULL || check_b_ == NULL || strcmp(check_a_, check_b_) != 0)               \
            test_fail(__FILE__, __LINE__, "%s == %s: \"%s\" != \"%s\"", #a, #b,                    \
                      check_a_ ? check_a_ : "(null)", check_b_ ? check_b_ : "(null)");             \
    } while (0)

/* Checks that string a contains string b. */
#define CHECK_STR_HAS(a, b)                                                                        \
    do {                                                                                           \
        const char *check_a_ = (a), *check_b_ = (b);                                               \
        if (check_a_ == NULL || strstr(check_a_, check_b_) == NULL)                                \
            test_fail(__FILE__, __LINE__, "%s contains %s: \"%s\" lacks \"%s\"", #a, #b,           \
                      check_a_ ? check_a_ : "(null)", check_b_);                                   \
    } while (0)

#endif

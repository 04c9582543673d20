/*
 * The spec-test runner, bin/aegis-spectest, checked on small scripts of our own
 * (tests/engine/wast/) converted with wast2json at test time: it must count passes, failures,
 * known failures and skipped text modules exactly (two expectations in the script are wrong on
 * purpose), report stale known-failure entries, and treat SIMD files as specified.
 */
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define OUT_CAP 16384

typedef struct run_result {
    int status;
    char out[OUT_CAP];
} run_result;

/* Runs a shell command (only our own fixed strings and paths), capturing stdout and stderr. */
static void run_shell(run_result *r, const char *cmd)
{
    FILE *p = popen(cmd, "r");
    CHECK_MSG(p != NULL, "popen failed: %s", cmd);
    size_t n = fread(r->out, 1, OUT_CAP - 1, p);
    r->out[n] = '\0';
    int st = pclose(p);
    CHECK_MSG(WIFEXITED(st), "%s died", cmd);
    r->status = WEXITSTATUS(st);
}

/* Converts tests/engine/wast/NAME.wast into a fresh folder; returns the JSON's path. */
static const char *convert(const char *name, char *dir, size_t dirlen)
{
    snprintf(dir, dirlen, "/tmp/aegis-spectest-XXXXXX");
    CHECK(mkdtemp(dir) != NULL);
    static char json[512], cmd[2048];
    snprintf(json, sizeof json, "%s/%s.json", dir, name);
    char rel[128];
    snprintf(rel, sizeof rel, "tests/engine/wast/%s.wast", name);
    snprintf(cmd, sizeof cmd, "wast2json --enable-all -o '%s' '%s' 2>&1", json, test_src_path(rel));
    static run_result r;
    run_shell(&r, cmd);
    CHECK_MSG(r.status == 0, "wast2json failed: %s", r.out);
    return json;
}

static void remove_dir(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
}

static void run_runner(run_result *r, const char *json, const char *known_lines)
{
    char known[64] = "/tmp/aegis-known-XXXXXX";
    int fd = mkstemp(known);
    CHECK(fd >= 0);
    CHECK(write(fd, known_lines, strlen(known_lines)) == (ssize_t)strlen(known_lines));
    close(fd);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "'%s' --known '%s' '%s' 2>&1", test_build_path("bin/aegis-spectest"),
             known, json);
    run_shell(r, cmd);
    unlink(known);
}

TEST(test_spectest_runner_counts_passes_failures_and_skips)
{
    char dir[64];
    const char *json = convert("runner_check", dir, sizeof dir);
    static run_result r;
    run_runner(&r, json, "# comment\nrunner_check.wast:11  wrong on purpose\n");
    remove_dir(dir);
    CHECK_INT_EQ(r.status, 1);
    CHECK_STR_HAS(r.out, "SPEC file=runner_check.wast simd=0 total=15 passed=12 failed=2 known=1 "
                         "skipped=1 ok=0\n");
    CHECK_STR_HAS(r.out, "FAIL runner_check.wast:10: assert_return: result 0: expected i32 4, "
                         "got 0x3\n");
    CHECK_STR_HAS(r.out, "known runner_check.wast:11: assert_return");
    /* assert_exhaustion of a call that returns is a failure, not a pass */
    CHECK_STR_HAS(r.out, "FAIL runner_check.wast:26: assert_exhaustion: returned normally");
}

TEST(test_spectest_runner_passes_a_file_when_all_failures_are_known)
{
    char dir[64];
    const char *json = convert("runner_check", dir, sizeof dir);
    static run_result r;
    run_runner(&r, json,
               "runner_check.wast:10  x\nrunner_check.wast:11  x\nrunner_check.wast:26  x\n"
               "runner_check.wast:9  passes, so it is stale\nother.wast:10  not this file\n");
    remove_dir(dir);
    CHECK_INT_EQ(r.status, 0);
    CHECK_STR_HAS(r.out, "total=15 passed=12 failed=0 known=3 skipped=1 ok=1\n");
    CHECK_STR_HAS(r.out, "note runner_check.wast:9 is listed in known-failures.txt but passes");
}

TEST(test_spectest_runner_requires_simd_modules_to_be_rejected)
{
    char dir[64];
    const char *json = convert("simd_runner_check", dir, sizeof dir);
    static run_result r;
    run_runner(&r, json, "");
    remove_dir(dir);
    /* passed: SIMD module rejected, invalid SIMD module rejected, scalar module, its call;
     * skipped: the v128 assert_return and the text module */
    CHECK_STR_HAS(r.out, "SPEC file=simd_runner_check.wast simd=1 total=4 passed=4 failed=0 "
                         "known=0 skipped=2 ok=1\n");
    CHECK_INT_EQ(r.status, 0);
}

TEST(test_spectest_runner_rejects_bad_input_with_status_2)
{
    static run_result r;
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "'%s' /nonexistent.json 2>&1", test_build_path("bin/aegis-spectest"));
    run_shell(&r, cmd);
    CHECK_INT_EQ(r.status, 2);
    CHECK_STR_HAS(r.out, "not wast2json output");
    snprintf(cmd, sizeof cmd, "'%s' 2>&1", test_build_path("bin/aegis-spectest"));
    run_shell(&r, cmd);
    CHECK_INT_EQ(r.status, 2);
    CHECK_STR_HAS(r.out, "usage:");
}

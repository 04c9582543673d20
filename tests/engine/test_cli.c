/*
 * The developer CLI, bin/aegis-wasm, run as a real process: typed arguments and results, fuel,
 * deadline and memory options, WASI programs, validation, and the exit status of each failure
 * (0 ok, 1 trap or invalid module, 2 usage).
 */
#include "fixture.h"
#include "test.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define CLI_OUT_CAP 8192

typedef struct cli_result {
    int status;
    char out[CLI_OUT_CAP];
    char err[CLI_OUT_CAP];
} cli_result;

/* Reads a pipe to its end into buf (truncating what does not fit). */
static void drain(int fd, char *buf)
{
    size_t used = 0;
    for (;;) {
        char tmp[1024];
        ssize_t n = read(fd, tmp, sizeof tmp);
        if (n <= 0)
            break;
        size_t take = (size_t)n < CLI_OUT_CAP - 1 - used ? (size_t)n : CLI_OUT_CAP - 1 - used;
        memcpy(buf + used, tmp, take);
        used += take;
    }
    buf[used] = '\0';
}

/* Runs aegis-wasm with argv (NULL-terminated, without the program name). stdout and stderr go
 * to temporary files so that neither pipe can fill up and block the child. */
static void run_cli(cli_result *r, const char *const *args)
{
    char *argv[32];
    int n = 0;
    argv[n++] = (char *)"aegis-wasm";
    for (; args[n - 1] && n < 31; n++)
        argv[n] = (char *)args[n - 1];
    argv[n] = NULL;
    char out_path[] = "/tmp/aegis-cli-out-XXXXXX", err_path[] = "/tmp/aegis-cli-err-XXXXXX";
    int out_fd = mkstemp(out_path), err_fd = mkstemp(err_path);
    CHECK(out_fd >= 0 && err_fd >= 0);
    char binary[4096];
    snprintf(binary, sizeof binary, "%s", test_build_path("bin/aegis-wasm"));
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        dup2(out_fd, 1);
        dup2(err_fd, 2);
        execv(binary, argv);
        _exit(127);
    }
    int wstatus = 0;
    CHECK(waitpid(pid, &wstatus, 0) == pid);
    CHECK_MSG(WIFEXITED(wstatus), "aegis-wasm died with signal %d", WTERMSIG(wstatus));
    r->status = WEXITSTATUS(wstatus);
    lseek(out_fd, 0, SEEK_SET);
    lseek(err_fd, 0, SEEK_SET);
    drain(out_fd, r->out);
    drain(err_fd, r->err);
    close(out_fd);
    close(err_fd);
    unlink(out_path);
    unlink(err_path);
}

static char fixture_path[4][4096];

static const char *wat(int slot, const char *name)
{
    char rel[256];
    snprintf(rel, sizeof rel, "wat/tests/engine/wat/%s.wasm", name);
    snprintf(fixture_path[slot], sizeof fixture_path[slot], "%s", test_build_path(rel));
    return fixture_path[slot];
}

static const char *wasi(int slot, const char *name)
{
    char rel[256];
    snprintf(rel, sizeof rel, "wasi/%s.wasm", name);
    snprintf(fixture_path[slot], sizeof fixture_path[slot], "%s", test_build_path(rel));
    return fixture_path[slot];
}

TEST(test_cli_invokes_export_with_typed_args_and_results)
{
    static cli_result r;
    run_cli(&r, (const char *[]){"run", wat(0, "spin"), "--invoke", "add", "40", "2", NULL});
    CHECK_INT_EQ(r.status, 0);
    CHECK_STR_EQ(r.out, "i32 42\n");
    run_cli(&r, (const char *[]){"run", wat(0, "cli"), "--invoke", "echo", "-9000000000", "1.5",
                                 "0x10", NULL});
    CHECK_INT_EQ(r.status, 0);
    CHECK_STR_EQ(r.out, "i64 -9000000000\nf32 1.5\nf64 16\n");
    run_cli(&r, (const char *[]){"run", wat(0, "cli"), "--invoke", "neg", "--", "-7", NULL});
    CHECK_INT_EQ(r.status, 0);
    CHECK_STR_EQ(r.out, "i32 7\n");
}

TEST(test_cli_rejects_bad_arguments_with_usage_status)
{
    static cli_result r;
    run_cli(&r, (const char *[]){"run", wat(0, "spin"), "--invoke", "add", "1", NULL});
    CHECK_INT_EQ(r.status, 2);
    CHECK_STR_HAS(r.err, "add takes 2 arguments, got 1: (i32, i32) -> (i32)");
    run_cli(&r, (const char *[]){"run", wat(0, "spin"), "--invoke", "add", "1", "x", NULL});
    CHECK_INT_EQ(r.status, 2);
    CHECK_STR_HAS(r.err, "argument 2 of add: \"x\" is not a valid i32");
    run_cli(&r,
            (const char *[]){"run", wat(0, "spin"), "--invoke", "add", "1", "4294967296", NULL});
    CHECK_INT_EQ(r.status, 2);
    run_cli(&r, (const char *[]){"run", wat(0, "spin"), "--invoke", "missing", NULL});
    CHECK_INT_EQ(r.status, 2);
    CHECK_STR_HAS(r.err, "no exported function \"missing\"");
    run_cli(&r, (const char *[]){"run", wat(0, "spin"), "--fuel", "lots", NULL});
    CHECK_INT_EQ(r.status, 2);
    run_cli(&r, (const char *[]){"run", wat(0, "spin"), "--max-memory", "12Q", NULL});
    CHECK_INT_EQ(r.status, 2);
    run_cli(&r, (const char *[]){"frobnicate", NULL});
    CHECK_INT_EQ(r.status, 2);
    run_cli(&r, (const char *[]){NULL});
    CHECK_INT_EQ(r.status, 2);
}

TEST(test_cli_help_prints_usage)
{
    static cli_result r;
    run_cli(&r, (const char *[]){"--help", NULL});
    CHECK_INT_EQ(r.status, 0);
    CHECK_STR_HAS(r.out, "aegis-wasm run FILE.wasm");
    CHECK_STR_HAS(r.out, "--deadline-ms");
}

TEST(test_cli_fuel_stops_loop_and_reports_use)
{
    static cli_result r;
    run_cli(&r, (const char *[]){"run", wat(0, "cli"), "--invoke", "spin", "--fuel", "5000", NULL});
    CHECK_INT_EQ(r.status, 1);
    CHECK_STR_HAS(r.err, "fuel used: ");
    CHECK_STR_HAS(r.err, "out of fuel");
    run_cli(&r, (const char *[]){"run", wat(0, "spin"), "--invoke", "add", "1", "2", "--fuel",
                                 "100", NULL});
    CHECK_INT_EQ(r.status, 0);
    CHECK_STR_EQ(r.out, "i32 3\n");
    CHECK_STR_HAS(r.err, "fuel used: ");
    CHECK_STR_HAS(r.err, " of 100\n");
}

TEST(test_cli_deadline_stops_loop)
{
    static cli_result r;
    uint64_t start = fx_now_us();
    run_cli(&r, (const char *[]){"run", wat(0, "cli"), "--invoke", "spin", "--deadline-ms", "100",
                                 NULL});
    CHECK_INT_EQ(r.status, 1);
    CHECK_STR_HAS(r.err, "deadline");
    CHECK(fx_now_us() - start < 10u * 1000u * 1000u);
}

TEST(test_cli_max_memory_limits_growth)
{
    static cli_result r;
    run_cli(&r, (const char *[]){"run", wat(0, "cli"), "--invoke", "grow", "3", "--max-memory",
                                 "256K", NULL});
    CHECK_INT_EQ(r.status, 0);
    CHECK_STR_EQ(r.out, "i32 1\n");
    run_cli(&r, (const char *[]){"run", wat(0, "cli"), "--invoke", "grow", "4", "--max-memory",
                                 "256K", NULL});
    CHECK_INT_EQ(r.status, 0);
    CHECK_STR_EQ(r.out, "i32 -1\n");
    run_cli(&r, (const char *[]){"run", wat(0, "memory_min_5"), "--invoke", "x", "--max-memory",
                                 "65536", NULL});
    CHECK_INT_EQ(r.status, 1);
    CHECK_STR_HAS(r.err, "limit exceeded");
}

TEST(test_cli_traps_exit_with_status_1)
{
    static cli_result r;
    run_cli(&r,
            (const char *[]){"run", wat(0, "arith_traps"), "--invoke", "div_s", "1", "0", NULL});
    CHECK_INT_EQ(r.status, 1);
    CHECK_STR_HAS(r.err, "integer divide by zero");
    CHECK_STR_EQ(r.out, "");
}

TEST(test_cli_runs_wasi_programs)
{
    static cli_result r;
    run_cli(&r, (const char *[]){"run", wasi(0, "hello"), "--wasi", NULL});
    CHECK_INT_EQ(r.status, 0);
    CHECK_STR_EQ(r.out, "hello from wasm32-wasi: 40 + 2 = 42\n");
    CHECK_STR_EQ(r.err, "a line on stderr\n");
    run_cli(&r, (const char *[]){"run", wasi(0, "exit3"), "--wasi", NULL});
    CHECK_INT_EQ(r.status, 1);
    CHECK_STR_EQ(r.out, "leaving with 3");
    CHECK_STR_HAS(r.err, "exit code 3");
    run_cli(&r, (const char *[]){"run", wasi(0, "hello"), NULL});
    CHECK_INT_EQ(r.status, 1);
    CHECK_STR_HAS(r.err, "unlinkable");
    CHECK_STR_HAS(r.err, "add --wasi");
}

TEST(test_cli_validate_reports_valid_and_invalid_modules)
{
    static cli_result r;
    run_cli(&r, (const char *[]){"validate", wat(0, "spin"), NULL});
    CHECK_INT_EQ(r.status, 0);
    CHECK_STR_HAS(r.out, "valid, 0 imports, 4 exports");
    CHECK_STR_HAS(r.out, "export func \"add\" (i32, i32) -> (i32)");
    run_cli(&r, (const char *[]){"validate", wasi(0, "hello"), NULL});
    CHECK_INT_EQ(r.status, 0);
    CHECK_STR_HAS(r.out, "import func \"wasi_snapshot_preview1\".\"fd_write\" "
                         "(i32, i32, i32, i32) -> (i32)\n");
    CHECK_STR_HAS(r.out, "export func \"_start\" () -> ()\n");
    /* a truncated copy of a module is malformed */
    char bad[] = "/tmp/aegis-cli-bad-XXXXXX";
    int fd = mkstemp(bad);
    CHECK(fd >= 0);
    static const uint8_t trunc[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05};
    CHECK(write(fd, trunc, sizeof trunc) == (ssize_t)sizeof trunc);
    close(fd);
    run_cli(&r, (const char *[]){"validate", bad, NULL});
    unlink(bad);
    CHECK_INT_EQ(r.status, 1);
    CHECK_STR_HAS(r.err, "malformed");
    CHECK_STR_HAS(r.err, "offset 0x");
    run_cli(&r, (const char *[]){"validate", "/nonexistent/file.wasm", NULL});
    CHECK_INT_EQ(r.status, 1);
    CHECK_STR_HAS(r.err, "No such file");
}

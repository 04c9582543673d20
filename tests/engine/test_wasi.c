/*
 * WASI preview1 (src/engine/wasi.c) with real guests: C programs built with clang for
 * wasm32-wasi against wasi-libc (one per file in tests/engine/wasi/, built by
 * mk/engine-tools.mk), and a .wat module that hands the host hostile pointers. Output must reach
 * the log function byte for byte, exit codes must arrive as ENG_TRAP_EXIT, and nothing outside
 * linear memory may be read or written: a bad pointer answers ERRNO_FAULT.
 */
#include "fixture.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOG_CAP 8192
#define WASI_EBADF 8
#define WASI_EFAULT 21
#define WASI_EINVAL 28
#define WASI_ENOSYS 52

typedef struct captured {
    char out[LOG_CAP], err[LOG_CAP];
    size_t out_len, err_len;
    int calls;
} captured;

static void capture(void *data, int fd, const char *text, size_t len)
{
    captured *c = data;
    char *buf = fd == 1 ? c->out : c->err;
    size_t *used = fd == 1 ? &c->out_len : &c->err_len;
    c->calls++;
    if (len > LOG_CAP - 1 - *used)
        len = LOG_CAP - 1 - *used;
    memcpy(buf + *used, text, len);
    *used += len;
    buf[*used] = '\0';
}

/* Runs _start of build/.../wasi/NAME.wasm with WASI imports; returns the call's status. Output
 * goes to cap, or nowhere when cap is NULL. */
static eng_status run_wasi_program(const char *name, captured *cap, eng_error *err)
{
    char rel[128];
    snprintf(rel, sizeof rel, "wasi/%s.wasm", name);
    size_t len;
    uint8_t *bytes = test_read_file(test_build_path(rel), &len);
    eng_module *m = eng_module_new(bytes, len, err);
    free(bytes);
    CHECK_MSG(m != NULL, "%s: %s", name, err->message);
    eng_imports *imports = eng_imports_new();
    CHECK_INT_EQ(eng_imports_add_wasi(imports, cap ? capture : NULL, cap), ENG_OK);
    eng_instance *inst = eng_instance_new(m, imports, NULL, err);
    CHECK_MSG(inst != NULL, "%s: %s: %s", name, eng_status_name(err->status), err->message);
    eng_status st = fx_call(inst, "_start", NULL, 0, NULL, 0, err);
    eng_instance_free(inst);
    eng_imports_free(imports);
    eng_module_free(m);
    return st;
}

TEST(test_wasi_printf_hello_world_reaches_the_log)
{
    static captured cap;
    eng_error err = {0};
    eng_status st = run_wasi_program("hello", &cap, &err);
    CHECK_MSG(st == ENG_OK, "%s: %s", eng_status_name(st), err.message);
    CHECK_STR_EQ(cap.out, "hello from wasm32-wasi: 40 + 2 = 42\n");
    CHECK_STR_EQ(cap.err, "a line on stderr\n");
}

TEST(test_wasi_output_without_log_function_is_discarded)
{
    eng_error err = {0};
    eng_status st = run_wasi_program("hello", NULL, &err);
    CHECK_MSG(st == ENG_OK, "%s: %s", eng_status_name(st), err.message);
}

TEST(test_wasi_exit_3_is_an_exit_trap_with_code_3)
{
    static captured cap;
    eng_error err = {0};
    eng_status st = run_wasi_program("exit3", &cap, &err);
    CHECK_INT_EQ(st, ENG_ERR_TRAP);
    CHECK_INT_EQ(err.trap, ENG_TRAP_EXIT);
    CHECK_INT_EQ(err.exit_code, 3);
    /* exit() flushed stdout before proc_exit */
    CHECK_STR_EQ(cap.out, "leaving with 3");
}

TEST(test_wasi_sandbox_has_no_args_env_or_files)
{
    static captured cap;
    eng_error err = {0};
    eng_status st = run_wasi_program("sandbox", &cap, &err);
    CHECK_MSG(st == ENG_OK, "%s: %s", eng_status_name(st), err.message);
    CHECK_STR_EQ(cap.out, "argc=0\n"
                          "home=unset\n"
                          "realtime=ok\n"
                          "monotonic=ok\n"
                          "random=ok\n"
                          "open=denied\n"
                          "create=denied\n"
                          "stdin=0\n");
}

TEST(test_wasi_every_function_links_and_refuses_missing_descriptors)
{
    static captured cap;
    eng_error err = {0};
    eng_status st = run_wasi_program("calls", &cap, &err);
    CHECK_MSG(st == ENG_OK, "%s: %s", eng_status_name(st), err.message);
    static const struct {
        const char *line;
    } want[] = {
        {"fd_advise=8\n"},
        {"fd_close=8\n"},
        {"fd_fdstat_get=8\n"},
        {"fd_prestat_get=8\n"},
        {"fd_prestat_dir_name=8\n"},
        {"fd_read=8\n"},
        {"fd_seek=8\n"},
        {"fd_seek_stdout=70\n"},
        {"fd_write=8\n"},
        {"path_open=8\n"},
        {"path_symlink=52\n"},
        {"path_unlink_file=8\n"},
        {"poll_oneoff=52\n"},
        {"sched_yield=0\n"},
        {"clock_res_get=0\n"},
        {"clock_time_get_bad_id=28\n"},
        {"sock_accept=8\n"},
        {"sock_shutdown=8\n"},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        CHECK_STR_HAS(cap.out, want[i].line);
}

/* ---- Raw calls with hostile pointers ------------------------------------------------------------
 */

static fx open_wasi_raw(captured *cap, eng_imports **imports)
{
    *imports = eng_imports_new();
    CHECK_INT_EQ(eng_imports_add_wasi(*imports, capture, cap), ENG_OK);
    return fx_open("wasi_raw", NULL, *imports);
}

static uint32_t write_call(eng_instance *inst, uint32_t fd, uint32_t iovs, uint32_t n,
                           uint32_t nwritten)
{
    eng_slot args[4] = {fd, iovs, n, nwritten};
    return fx_call_i32(inst, "write", args, 4);
}

TEST(test_wasi_fd_write_checks_every_iovec)
{
    static captured cap;
    eng_imports *imports;
    fx f = open_wasi_raw(&cap, &imports);
    CHECK_UINT_EQ(write_call(f.instance, 1, 16, 1, 100), 0);
    CHECK_STR_EQ(cap.out, "hi\n");
    eng_slot at = 100;
    CHECK_UINT_EQ(fx_call_i32(f.instance, "load32", &at, 1), 3);
    /* good iovec followed by one that crosses the end of memory: nothing is written */
    CHECK_UINT_EQ(write_call(f.instance, 1, 16, 2, 100), WASI_EFAULT);
    CHECK_UINT_EQ(write_call(f.instance, 2, 32, 1, 100), WASI_EFAULT);
    /* the iovec array itself crosses the end */
    CHECK_UINT_EQ(write_call(f.instance, 1, 65532, 1, 100), WASI_EFAULT);
    CHECK_UINT_EQ(write_call(f.instance, 1, 0xfffffff8u, 1, 100), WASI_EFAULT);
    /* the result pointer is outside memory: still nothing written */
    CHECK_UINT_EQ(write_call(f.instance, 1, 16, 1, 65534), WASI_EFAULT);
    /* an iovec count whose byte size overflows 32 bits */
    CHECK_UINT_EQ(write_call(f.instance, 1, 16, 0x20000001u, 100), WASI_EINVAL);
    CHECK_UINT_EQ(write_call(f.instance, 0, 16, 1, 100), WASI_EBADF);
    CHECK_UINT_EQ(write_call(f.instance, 7, 16, 1, 100), WASI_EBADF);
    CHECK_STR_EQ(cap.out, "hi\n");
    CHECK_STR_EQ(cap.err, "");
    CHECK_INT_EQ(cap.calls, 1);
    fx_close(&f);
    eng_imports_free(imports);
}

TEST(test_wasi_random_clock_and_args_check_pointers)
{
    static captured cap;
    eng_imports *imports;
    fx f = open_wasi_raw(&cap, &imports);
    eng_slot args[2] = {65530, 7};
    CHECK_UINT_EQ(fx_call_i32(f.instance, "random", args, 2), WASI_EFAULT);
    args[0] = 65528, args[1] = 8;
    CHECK_UINT_EQ(fx_call_i32(f.instance, "random", args, 2), 0);
    args[0] = 0, args[1] = 0;
    CHECK_UINT_EQ(fx_call_i32(f.instance, "random", args, 2), 0);
    args[0] = 0, args[1] = 65533; /* realtime clock, result pointer crossing the end */
    CHECK_UINT_EQ(fx_call_i32(f.instance, "clock", args, 2), WASI_EFAULT);
    args[0] = 9, args[1] = 200;
    CHECK_UINT_EQ(fx_call_i32(f.instance, "clock", args, 2), WASI_EINVAL);
    args[0] = 1, args[1] = 200;
    CHECK_UINT_EQ(fx_call_i32(f.instance, "clock", args, 2), 0);
    eng_slot at = 200, t = 0;
    eng_error err = {0};
    CHECK_INT_EQ(fx_call(f.instance, "load64", &at, 1, &t, 1, &err), ENG_OK);
    CHECK(t > 0);
    args[0] = 300, args[1] = 0xffffffffu;
    CHECK_UINT_EQ(fx_call_i32(f.instance, "args_sizes", args, 2), WASI_EFAULT);
    args[1] = 304;
    CHECK_UINT_EQ(fx_call_i32(f.instance, "args_sizes", args, 2), 0);
    fx_close(&f);
    eng_imports_free(imports);
}

TEST(test_wasi_proc_exit_stops_with_code_and_instance_stays_usable)
{
    static captured cap;
    eng_imports *imports;
    fx f = open_wasi_raw(&cap, &imports);
    eng_slot code = 0xffffffffu; /* -1 */
    eng_error err = {0};
    CHECK_INT_EQ(fx_call(f.instance, "exit", &code, 1, NULL, 0, &err), ENG_ERR_TRAP);
    CHECK_INT_EQ(err.trap, ENG_TRAP_EXIT);
    CHECK_INT_EQ(err.exit_code, -1);
    CHECK_UINT_EQ(write_call(f.instance, 1, 16, 1, 100), 0);
    CHECK_STR_EQ(cap.out, "hi\n");
    fx_close(&f);
    eng_imports_free(imports);
}

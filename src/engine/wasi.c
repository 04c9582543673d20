/*
 * WASI preview1 ("wasi_snapshot_preview1") for guests built with clang and wasi-libc, written on
 * top of the public host-function API only (eng_imports_add_func and eng_caller_memory), so it
 * has no more power over the engine than any other embedder code.
 *
 * What a guest gets: fd_write on stdout and stderr goes to the embedder's log function; the
 * clocks; random bytes from the kernel; proc_exit; empty argument and environment lists; fdstat
 * of the three standard descriptors (as character devices, so libc line-buffers them) and an
 * empty stdin. There are no preopened directories, so no path can ever be opened: every other
 * function of preview1 is present with its exact signature (a module that imports it links) and
 * answers ERRNO_BADF for a descriptor that does not exist and ERRNO_NOSYS otherwise. No
 * filesystem, socket or process is reachable through this file.
 *
 * Every guest pointer is checked through eng_caller_memory before it is touched; a bad pointer
 * answers ERRNO_FAULT instead of trapping, as a POSIX system call would.
 */
#include "engine.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define WASI_MODULE "wasi_snapshot_preview1"

/* Errno values of preview1 (they are not the host's). */
enum {
    WASI_ESUCCESS = 0,
    WASI_EBADF = 8,
    WASI_EFAULT = 21,
    WASI_EINVAL = 28,
    WASI_EIO = 29,
    WASI_ENOSYS = 52,
    WASI_ESPIPE = 70,
};

/* Guests may pass any count; libc never passes more than IOV_MAX (1024) iovecs at once. */
#define WASI_MAX_IOVECS 1024u
#define WASI_IOVEC_BYTES 8u
#define WASI_FDSTAT_BYTES 24u
#define WASI_FILETYPE_CHARACTER_DEVICE 2u
#define WASI_RIGHT_FD_READ (1ull << 1)
#define WASI_RIGHT_FD_WRITE (1ull << 6)
/* The standard descriptors 0, 1 and 2 are the only ones that exist. */
#define WASI_STD_FDS 3u

typedef struct wasi_log {
    eng_log_fn fn;
    void *data;
} wasi_log;

static uint32_t arg_u32(const eng_slot *args, int i)
{
    return (uint32_t)args[i];
}

static void set_errno(eng_slot *results, uint32_t err)
{
    results[0] = err;
}

static uint32_t load_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void store_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void store_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Writes a u32 / u64 result to guest memory; false when the pointer is outside it. */
static bool put_u32(eng_caller *caller, uint32_t ptr, uint32_t v)
{
    uint8_t *p = eng_caller_memory(caller, ptr, 4);
    if (!p)
        return false;
    store_u32(p, v);
    return true;
}

static bool put_u64(eng_caller *caller, uint32_t ptr, uint64_t v)
{
    uint8_t *p = eng_caller_memory(caller, ptr, 8);
    if (!p)
        return false;
    store_u64(p, v);
    return true;
}

/* ---- Output ------------------------------------------------------------------------------------
 */

/* fd_write(fd, iovs, iovs_len, nwritten_ptr) -> errno. All iovecs are checked before any byte is
 * logged, so a bad one in the middle does not produce half a line. */
static eng_trap wasi_fd_write(eng_caller *caller, const eng_slot *args, eng_slot *results,
                              void *data)
{
    const wasi_log *log = data;
    uint32_t fd = arg_u32(args, 0), iovs = arg_u32(args, 1), n = arg_u32(args, 2);
    uint32_t nwritten_ptr = arg_u32(args, 3);
    if (fd != 1 && fd != 2) {
        set_errno(results, WASI_EBADF);
        return ENG_TRAP_NONE;
    }
    if (n > WASI_MAX_IOVECS) {
        set_errno(results, WASI_EINVAL);
        return ENG_TRAP_NONE;
    }
    const uint8_t *vec = eng_caller_memory(caller, iovs, (uint64_t)n * WASI_IOVEC_BYTES);
    if (!vec && n > 0) {
        set_errno(results, WASI_EFAULT);
        return ENG_TRAP_NONE;
    }
    uint64_t total = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t len = load_u32(vec + i * WASI_IOVEC_BYTES + 4);
        if (len > 0 && !eng_caller_memory(caller, load_u32(vec + i * WASI_IOVEC_BYTES), len)) {
            set_errno(results, WASI_EFAULT);
            return ENG_TRAP_NONE;
        }
        total += len;
    }
    /* nwritten is a u32: refuse a write whose count it cannot report. */
    if (total > UINT32_MAX || !eng_caller_memory(caller, nwritten_ptr, 4)) {
        set_errno(results, total > UINT32_MAX ? WASI_EINVAL : WASI_EFAULT);
        return ENG_TRAP_NONE;
    }
    for (uint32_t i = 0; i < n && log->fn; i++) {
        uint32_t len = load_u32(vec + i * WASI_IOVEC_BYTES + 4);
        const uint8_t *buf = eng_caller_memory(caller, load_u32(vec + i * WASI_IOVEC_BYTES), len);
        if (len > 0 && buf)
            log->fn(log->data, (int)fd, (const char *)buf, len);
    }
    put_u32(caller, nwritten_ptr, (uint32_t)total);
    set_errno(results, WASI_ESUCCESS);
    return ENG_TRAP_NONE;
}

/* fd_read(fd, iovs, iovs_len, nread_ptr): stdin is empty (end of file at once). */
static eng_trap wasi_fd_read(eng_caller *caller, const eng_slot *args, eng_slot *results,
                             void *data)
{
    (void)data;
    if (arg_u32(args, 0) != 0) {
        set_errno(results, arg_u32(args, 0) < WASI_STD_FDS ? WASI_ENOSYS : WASI_EBADF);
        return ENG_TRAP_NONE;
    }
    set_errno(results, put_u32(caller, arg_u32(args, 3), 0) ? WASI_ESUCCESS : WASI_EFAULT);
    return ENG_TRAP_NONE;
}

/* fd_fdstat_get(fd, stat_ptr): the standard descriptors are character devices without seek
 * rights, which is how wasi-libc recognises a terminal and line-buffers stdout. */
static eng_trap wasi_fd_fdstat_get(eng_caller *caller, const eng_slot *args, eng_slot *results,
                                   void *data)
{
    (void)data;
    uint32_t fd = arg_u32(args, 0);
    if (fd >= WASI_STD_FDS) {
        set_errno(results, WASI_EBADF);
        return ENG_TRAP_NONE;
    }
    uint8_t *p = eng_caller_memory(caller, arg_u32(args, 1), WASI_FDSTAT_BYTES);
    if (!p) {
        set_errno(results, WASI_EFAULT);
        return ENG_TRAP_NONE;
    }
    memset(p, 0, WASI_FDSTAT_BYTES);
    p[0] = WASI_FILETYPE_CHARACTER_DEVICE;
    store_u64(p + 8, fd == 0 ? WASI_RIGHT_FD_READ : WASI_RIGHT_FD_WRITE);
    set_errno(results, WASI_ESUCCESS);
    return ENG_TRAP_NONE;
}

/* fd_close(fd): closing a standard descriptor is accepted and changes nothing. */
static eng_trap wasi_fd_close(eng_caller *caller, const eng_slot *args, eng_slot *results,
                              void *data)
{
    (void)caller, (void)data;
    set_errno(results, arg_u32(args, 0) < WASI_STD_FDS ? WASI_ESUCCESS : WASI_EBADF);
    return ENG_TRAP_NONE;
}

/* fd_seek / fd_tell on a character device: not seekable. */
static eng_trap wasi_fd_seek(eng_caller *caller, const eng_slot *args, eng_slot *results,
                             void *data)
{
    (void)caller, (void)data;
    set_errno(results, arg_u32(args, 0) < WASI_STD_FDS ? WASI_ESPIPE : WASI_EBADF);
    return ENG_TRAP_NONE;
}

/* Any other function whose first parameter is a descriptor: there are no files, sockets or
 * preopened directories, so a descriptor past the standard ones does not exist (EBADF: that is
 * also how wasi-libc learns that there are no more preopens) and the rest is unsupported. */
static eng_trap wasi_fd_unsupported(eng_caller *caller, const eng_slot *args, eng_slot *results,
                                    void *data)
{
    (void)caller, (void)data;
    set_errno(results, arg_u32(args, 0) < WASI_STD_FDS ? WASI_ENOSYS : WASI_EBADF);
    return ENG_TRAP_NONE;
}

static eng_trap wasi_unsupported(eng_caller *caller, const eng_slot *args, eng_slot *results,
                                 void *data)
{
    (void)caller, (void)args, (void)data;
    set_errno(results, WASI_ENOSYS);
    return ENG_TRAP_NONE;
}

/* ---- Process, clocks, randomness ------------------------------------------------------------ */

/* proc_exit(code): stops the guest; the embedder sees ENG_TRAP_EXIT with the code. */
static eng_trap wasi_proc_exit(eng_caller *caller, const eng_slot *args, eng_slot *results,
                               void *data)
{
    (void)results, (void)data;
    eng_caller_set_exit_code(caller, (int32_t)arg_u32(args, 0));
    eng_caller_set_message(caller, "proc_exit(%d)", (int32_t)arg_u32(args, 0));
    return ENG_TRAP_EXIT;
}

static eng_trap wasi_sched_yield(eng_caller *caller, const eng_slot *args, eng_slot *results,
                                 void *data)
{
    (void)caller, (void)args, (void)data;
    set_errno(results, WASI_ESUCCESS);
    return ENG_TRAP_NONE;
}

static bool wasi_clock(uint32_t id, clockid_t *out)
{
    static const clockid_t ids[] = {CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID,
                                    CLOCK_THREAD_CPUTIME_ID};
    if (id >= sizeof ids / sizeof ids[0])
        return false;
    *out = ids[id];
    return true;
}

static uint64_t timespec_ns(const struct timespec *ts)
{
    return (uint64_t)ts->tv_sec * 1000000000u + (uint64_t)ts->tv_nsec;
}

/* clock_time_get(id, precision: i64, time_ptr) -> errno, time in nanoseconds. */
static eng_trap wasi_clock_time_get(eng_caller *caller, const eng_slot *args, eng_slot *results,
                                    void *data)
{
    (void)data;
    clockid_t clock;
    struct timespec ts;
    if (!wasi_clock(arg_u32(args, 0), &clock) || clock_gettime(clock, &ts) != 0) {
        set_errno(results, WASI_EINVAL);
        return ENG_TRAP_NONE;
    }
    set_errno(results,
              put_u64(caller, arg_u32(args, 2), timespec_ns(&ts)) ? WASI_ESUCCESS : WASI_EFAULT);
    return ENG_TRAP_NONE;
}

/* clock_res_get(id, resolution_ptr) -> errno. */
static eng_trap wasi_clock_res_get(eng_caller *caller, const eng_slot *args, eng_slot *results,
                                   void *data)
{
    (void)data;
    clockid_t clock;
    struct timespec ts;
    if (!wasi_clock(arg_u32(args, 0), &clock) || clock_getres(clock, &ts) != 0) {
        set_errno(results, WASI_EINVAL);
        return ENG_TRAP_NONE;
    }
    set_errno(results,
              put_u64(caller, arg_u32(args, 1), timespec_ns(&ts)) ? WASI_ESUCCESS : WASI_EFAULT);
    return ENG_TRAP_NONE;
}

/* random_get(buf, len): the kernel's CSPRNG, in as many reads as it takes. */
static eng_trap wasi_random_get(eng_caller *caller, const eng_slot *args, eng_slot *results,
                                void *data)
{
    (void)data;
    uint32_t len = arg_u32(args, 1);
    uint8_t *buf = eng_caller_memory(caller, arg_u32(args, 0), len);
    if (!buf && len > 0) {
        set_errno(results, WASI_EFAULT);
        return ENG_TRAP_NONE;
    }
    size_t done = 0;
    while (done < len) {
        ssize_t n = getrandom(buf + done, len - done, 0);
        if (n <= 0) {
            set_errno(results, WASI_EIO);
            return ENG_TRAP_NONE;
        }
        done += (size_t)n;
    }
    set_errno(results, WASI_ESUCCESS);
    return ENG_TRAP_NONE;
}

/* ---- Arguments and environment: both empty
 * ------------------------------------------------------- */

/* args_sizes_get / environ_sizes_get(count_ptr, buf_size_ptr): zero entries, zero bytes. */
static eng_trap wasi_sizes_get(eng_caller *caller, const eng_slot *args, eng_slot *results,
                               void *data)
{
    (void)data;
    bool ok = put_u32(caller, arg_u32(args, 0), 0) && put_u32(caller, arg_u32(args, 1), 0);
    set_errno(results, ok ? WASI_ESUCCESS : WASI_EFAULT);
    return ENG_TRAP_NONE;
}

/* args_get / environ_get(ptrs, buf): nothing to write. */
static eng_trap wasi_list_get(eng_caller *caller, const eng_slot *args, eng_slot *results,
                              void *data)
{
    (void)caller, (void)args, (void)data;
    set_errno(results, WASI_ESUCCESS);
    return ENG_TRAP_NONE;
}

/* ---- Registration ------------------------------------------------------------------------------
 */

static const struct {
    const char *name;
    const char *signature;
    eng_host_fn fn;
} wasi_funcs[] = {
    {"args_get", "(ii)i", wasi_list_get},
    {"args_sizes_get", "(ii)i", wasi_sizes_get},
    {"environ_get", "(ii)i", wasi_list_get},
    {"environ_sizes_get", "(ii)i", wasi_sizes_get},
    {"clock_res_get", "(ii)i", wasi_clock_res_get},
    {"clock_time_get", "(iIi)i", wasi_clock_time_get},
    {"fd_advise", "(iIIi)i", wasi_fd_unsupported},
    {"fd_allocate", "(iII)i", wasi_fd_unsupported},
    {"fd_close", "(i)i", wasi_fd_close},
    {"fd_datasync", "(i)i", wasi_fd_unsupported},
    {"fd_fdstat_get", "(ii)i", wasi_fd_fdstat_get},
    {"fd_fdstat_set_flags", "(ii)i", wasi_fd_unsupported},
    {"fd_fdstat_set_rights", "(iII)i", wasi_fd_unsupported},
    {"fd_filestat_get", "(ii)i", wasi_fd_unsupported},
    {"fd_filestat_set_size", "(iI)i", wasi_fd_unsupported},
    {"fd_filestat_set_times", "(iIIi)i", wasi_fd_unsupported},
    {"fd_pread", "(iiiIi)i", wasi_fd_unsupported},
    {"fd_prestat_get", "(ii)i", wasi_fd_unsupported},
    {"fd_prestat_dir_name", "(iii)i", wasi_fd_unsupported},
    {"fd_pwrite", "(iiiIi)i", wasi_fd_unsupported},
    {"fd_read", "(iiii)i", wasi_fd_read},
    {"fd_readdir", "(iiiIi)i", wasi_fd_unsupported},
    {"fd_renumber", "(ii)i", wasi_fd_unsupported},
    {"fd_seek", "(iIii)i", wasi_fd_seek},
    {"fd_sync", "(i)i", wasi_fd_unsupported},
    {"fd_tell", "(ii)i", wasi_fd_seek},
    {"fd_write", "(iiii)i", wasi_fd_write},
    {"path_create_directory", "(iii)i", wasi_fd_unsupported},
    {"path_filestat_get", "(iiiii)i", wasi_fd_unsupported},
    {"path_filestat_set_times", "(iiiiIIi)i", wasi_fd_unsupported},
    {"path_link", "(iiiiiii)i", wasi_fd_unsupported},
    {"path_open", "(iiiiiIIii)i", wasi_fd_unsupported},
    {"path_readlink", "(iiiiii)i", wasi_fd_unsupported},
    {"path_remove_directory", "(iii)i", wasi_fd_unsupported},
    {"path_rename", "(iiiiii)i", wasi_fd_unsupported},
    {"path_symlink", "(iiiii)i", wasi_unsupported},
    {"path_unlink_file", "(iii)i", wasi_fd_unsupported},
    {"poll_oneoff", "(iiii)i", wasi_unsupported},
    {"proc_exit", "(i)", wasi_proc_exit},
    {"proc_raise", "(i)i", wasi_unsupported},
    {"sched_yield", "()i", wasi_sched_yield},
    {"random_get", "(ii)i", wasi_random_get},
    {"sock_accept", "(iii)i", wasi_fd_unsupported},
    {"sock_recv", "(iiiiii)i", wasi_fd_unsupported},
    {"sock_send", "(iiiii)i", wasi_fd_unsupported},
    {"sock_shutdown", "(ii)i", wasi_fd_unsupported},
};

/* The host functions need both the log function and its data, but a host function carries a
 * single data pointer and the imports object owns no user data. So each distinct (fn, data) pair
 * is interned once in a process-wide list that lives until exit: it only grows with the number of
 * distinct log targets (in practice one per worker), and the lock is taken only while imports are
 * built, never on a call. */
typedef struct wasi_log_node {
    wasi_log log;
    struct wasi_log_node *next;
} wasi_log_node;

static wasi_log_node *wasi_logs;
static pthread_mutex_t wasi_logs_lock = PTHREAD_MUTEX_INITIALIZER;

static wasi_log *wasi_log_intern(eng_log_fn fn, void *data)
{
    pthread_mutex_lock(&wasi_logs_lock);
    wasi_log_node *node = wasi_logs;
    while (node && (node->log.fn != fn || node->log.data != data))
        node = node->next;
    if (!node) {
        node = malloc(sizeof *node);
        if (node) {
            node->log = (wasi_log){fn, data};
            node->next = wasi_logs;
            wasi_logs = node;
        }
    }
    pthread_mutex_unlock(&wasi_logs_lock);
    return node ? &node->log : NULL;
}

eng_status eng_imports_add_wasi(eng_imports *imports, eng_log_fn log_fn, void *log_data)
{
    if (!imports)
        return ENG_ERR_ARG;
    wasi_log *log = wasi_log_intern(log_fn, log_data);
    if (!log)
        return ENG_ERR_NOMEM;
    for (size_t i = 0; i < sizeof wasi_funcs / sizeof wasi_funcs[0]; i++) {
        eng_status st = eng_imports_add_func(imports, WASI_MODULE, wasi_funcs[i].name,
                                             wasi_funcs[i].signature, wasi_funcs[i].fn, log);
        if (st != ENG_OK)
            return st;
    }
    return ENG_OK;
}

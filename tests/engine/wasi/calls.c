/* WASI guest: calls every preview1 function with a descriptor that does not exist (or with
 * harmless arguments) and prints each errno as "name=N", so the host can check that all of them
 * are linked with the right signature and answer without touching anything. */
#include <stdio.h>
#include <wasi/api.h>

#define BAD_FD 99
#define SHOW(name, call) printf("%s=%d\n", name, (int)(call))

int main(void)
{
    static char buf[64];
    static __wasi_iovec_t iov = {(uint8_t *)buf, sizeof buf};
    static __wasi_ciovec_t ciov = {(const uint8_t *)buf, 1};
    __wasi_size_t n;
    __wasi_filesize_t size;
    __wasi_fd_t fd;
    __wasi_filestat_t st;
    __wasi_prestat_t pre;
    __wasi_fdstat_t fst;
    __wasi_timestamp_t t;
    __wasi_roflags_t rof;
    __wasi_event_t ev;
    __wasi_subscription_t sub = {0};
    SHOW("fd_advise", __wasi_fd_advise(BAD_FD, 0, 0, 0));
    SHOW("fd_allocate", __wasi_fd_allocate(BAD_FD, 0, 1));
    SHOW("fd_close", __wasi_fd_close(BAD_FD));
    SHOW("fd_datasync", __wasi_fd_datasync(BAD_FD));
    SHOW("fd_fdstat_get", __wasi_fd_fdstat_get(BAD_FD, &fst));
    SHOW("fd_fdstat_set_flags", __wasi_fd_fdstat_set_flags(BAD_FD, 0));
    SHOW("fd_fdstat_set_rights", __wasi_fd_fdstat_set_rights(BAD_FD, 0, 0));
    SHOW("fd_filestat_get", __wasi_fd_filestat_get(BAD_FD, &st));
    SHOW("fd_filestat_set_size", __wasi_fd_filestat_set_size(BAD_FD, 0));
    SHOW("fd_filestat_set_times", __wasi_fd_filestat_set_times(BAD_FD, 0, 0, 0));
    SHOW("fd_pread", __wasi_fd_pread(BAD_FD, &iov, 1, 0, &n));
    SHOW("fd_prestat_get", __wasi_fd_prestat_get(3, &pre));
    SHOW("fd_prestat_dir_name", __wasi_fd_prestat_dir_name(3, (uint8_t *)buf, sizeof buf));
    SHOW("fd_pwrite", __wasi_fd_pwrite(BAD_FD, &ciov, 1, 0, &n));
    SHOW("fd_read", __wasi_fd_read(BAD_FD, &iov, 1, &n));
    SHOW("fd_readdir", __wasi_fd_readdir(BAD_FD, (uint8_t *)buf, sizeof buf, 0, &n));
    SHOW("fd_renumber", __wasi_fd_renumber(BAD_FD, 1));
    SHOW("fd_seek", __wasi_fd_seek(BAD_FD, 0, __WASI_WHENCE_SET, &size));
    SHOW("fd_seek_stdout", __wasi_fd_seek(1, 0, __WASI_WHENCE_SET, &size));
    SHOW("fd_sync", __wasi_fd_sync(BAD_FD));
    SHOW("fd_tell", __wasi_fd_tell(BAD_FD, &size));
    SHOW("fd_write", __wasi_fd_write(BAD_FD, &ciov, 1, &n));
    SHOW("path_create_directory", __wasi_path_create_directory(BAD_FD, "d"));
    SHOW("path_filestat_get", __wasi_path_filestat_get(BAD_FD, 0, "f", &st));
    SHOW("path_filestat_set_times", __wasi_path_filestat_set_times(BAD_FD, 0, "f", 0, 0, 0));
    SHOW("path_link", __wasi_path_link(BAD_FD, 0, "a", BAD_FD, "b"));
    SHOW("path_open", __wasi_path_open(BAD_FD, 0, "etc/passwd", 0, 0, 0, 0, &fd));
    SHOW("path_readlink", __wasi_path_readlink(BAD_FD, "l", (uint8_t *)buf, sizeof buf, &n));
    SHOW("path_remove_directory", __wasi_path_remove_directory(BAD_FD, "d"));
    SHOW("path_rename", __wasi_path_rename(BAD_FD, "a", BAD_FD, "b"));
    SHOW("path_symlink", __wasi_path_symlink("a", BAD_FD, "b"));
    SHOW("path_unlink_file", __wasi_path_unlink_file(BAD_FD, "f"));
    SHOW("poll_oneoff", __wasi_poll_oneoff(&sub, &ev, 1, &n));
    SHOW("sched_yield", __wasi_sched_yield());
    SHOW("clock_res_get", __wasi_clock_res_get(__WASI_CLOCKID_MONOTONIC, &t));
    SHOW("clock_time_get_bad_id", __wasi_clock_time_get(77, 0, &t));
    SHOW("sock_accept", __wasi_sock_accept(BAD_FD, 0, &fd));
    SHOW("sock_recv", __wasi_sock_recv(BAD_FD, &iov, 1, 0, &n, &rof));
    SHOW("sock_send", __wasi_sock_send(BAD_FD, &ciov, 1, 0, &n));
    SHOW("sock_shutdown", __wasi_sock_shutdown(BAD_FD, __WASI_SDFLAGS_RD));
    return 0;
}

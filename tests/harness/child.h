/*
 * Child processes of the tests: a long-running peer started with pipes on its stdin and stdout
 * (the test waits for the line that says it is ready, and closing its stdin is how it is told to
 * end), and a program run to its end with its output captured. Every wait has a deadline, and a
 * peer that does not end in time is killed with its whole process group.
 */
#ifndef AEGIS_TEST_CHILD_H
#define AEGIS_TEST_CHILD_H

#include <stddef.h>
#include <sys/types.h>

typedef struct child {
    pid_t pid;     /* 0 when not running */
    int stdin_fd;  /* our end of its stdin pipe; -1 once closed */
    int stdout_fd; /* our end of its stdout pipe until child_wait_line; -1 after */
} child;

/* Starts argv (NULL-terminated; argv[0] a path, or a name looked up in PATH) in a process group
 * of its own, with pipes on its stdin and stdout; its stderr is ours. Our pipe ends are
 * close-on-exec, so other programs a test runs do not keep the peer's stdin open. Fails the test
 * when a pipe or the fork fails; a program that cannot be run exits with 127 and says why. */
void child_spawn(child *c, const char *const argv[]);

/* Reads c's stdout into text (cap bytes, always NUL-terminated) until text holds a whole line
 * that starts with prefix, the output ends, text is full, or timeout_ms have passed, then closes
 * the stdout pipe. Returns the start of that line in text, or NULL when it did not come. */
const char *child_wait_line(child *c, const char *prefix, int timeout_ms, char *text, size_t cap);

/* Closes c's pipes and waits up to timeout_ms for it to end; then kills its process group (what
 * it left behind, or itself when it lingers) and reaps it. Returns its exit status when it ended
 * by itself in time, -1 otherwise (and when it was not running). */
int child_stop(child *c, int timeout_ms);

/* Runs argv (as child_spawn) to its end in the directory cwd (NULL: ours), its stdin, stdout and
 * stderr on in_fd, out_fd, err_fd (-1: ours); kills it when it runs longer than timeout_ms. It
 * stays in our process group, so the runner's kill of a test that hangs reaches it too.
 * Returns its exit status, or -1 when it was killed or died of a signal. */
int child_run(const char *const argv[], const char *cwd, int in_fd, int out_fd, int err_fd,
              int timeout_ms);

#endif

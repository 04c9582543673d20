/*
 * Child processes of the tests (see child.h). Deadlines are measured on the monotonic clock, and
 * waiting polls with WNOHANG so that no wait can outlast its deadline.
 */
#include "child.h"

#include "test.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { CHILD_WAIT_STEP_MS = 10 };

static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void pause_ms(int ms)
{
    struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

/* In the child after fork: put fd on target (-1: leave it), then exec argv. Never returns. */
static _Noreturn void exec_child(const char *const argv[], const char *cwd, int in_fd, int out_fd,
                                 int err_fd)
{
    if ((in_fd >= 0 && dup2(in_fd, 0) < 0) || (out_fd >= 0 && dup2(out_fd, 1) < 0) ||
        (err_fd >= 0 && dup2(err_fd, 2) < 0))
        _exit(126);
    if (cwd != NULL && chdir(cwd) != 0)
        _exit(126);
    execvp(argv[0], (char *const *)argv);
    fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

void child_spawn(child *c, const char *const argv[])
{
    int in[2], out[2];
    c->pid = 0;
    c->stdin_fd = c->stdout_fd = -1;
    CHECK_MSG(pipe2(in, O_CLOEXEC) == 0, "pipe: %s", strerror(errno));
    CHECK_MSG(pipe2(out, O_CLOEXEC) == 0, "pipe: %s", strerror(errno));
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    CHECK_MSG(pid >= 0, "fork: %s", strerror(errno));
    if (pid == 0) {
        setpgid(0, 0);
        exec_child(argv, NULL, in[0], out[1], -1);
    }
    /* Both sides set the group, so it exists whichever runs first. */
    setpgid(pid, pid);
    close(in[0]);
    close(out[1]);
    c->pid = pid;
    c->stdin_fd = in[1];
    c->stdout_fd = out[0];
}

/* The start of a whole line of text that starts with prefix, or NULL. */
static const char *find_line(const char *text, const char *prefix)
{
    size_t len = strlen(prefix);
    for (const char *line = text; *line != '\0';) {
        const char *nl = strchr(line, '\n');
        if (nl == NULL)
            return NULL;
        if ((size_t)(nl - line) >= len && memcmp(line, prefix, len) == 0)
            return line;
        line = nl + 1;
    }
    return NULL;
}

const char *child_wait_line(child *c, const char *prefix, int timeout_ms, char *text, size_t cap)
{
    size_t n = 0;
    const char *line = NULL;
    long long start = mono_ms();
    text[0] = '\0';
    while (c->stdout_fd > 0 && n < cap - 1 && (line = find_line(text, prefix)) == NULL) {
        long long waited = mono_ms() - start;
        struct pollfd pfd = {c->stdout_fd, POLLIN, 0};
        if (waited >= timeout_ms || poll(&pfd, 1, (int)(timeout_ms - waited)) <= 0)
            break;
        ssize_t got = read(c->stdout_fd, text + n, cap - 1 - n);
        if (got <= 0)
            break;
        n += (size_t)got;
        text[n] = '\0';
    }
    if (line == NULL)
        line = find_line(text, prefix);
    if (c->stdout_fd > 0)
        close(c->stdout_fd);
    c->stdout_fd = -1;
    return line;
}

int child_stop(child *c, int timeout_ms)
{
    /* > 0: a zeroed struct (memset before a start that failed) must not close our stdin. */
    if (c->stdin_fd > 0)
        close(c->stdin_fd);
    if (c->stdout_fd > 0)
        close(c->stdout_fd);
    c->stdin_fd = c->stdout_fd = -1;
    if (c->pid <= 0)
        return -1;
    /* WNOWAIT leaves the child unreaped, so its pid (the group's id) cannot be reused before
     * the group is killed. */
    bool ended = false;
    for (long long start = mono_ms();;) {
        siginfo_t info = {0};
        if (waitid(P_PID, (id_t)c->pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
            info.si_pid == c->pid) {
            ended = true;
            break;
        }
        if (mono_ms() - start >= timeout_ms)
            break;
        pause_ms(CHILD_WAIT_STEP_MS);
    }
    kill(-c->pid, SIGKILL);
    kill(c->pid, SIGKILL);
    int status = 0;
    while (waitpid(c->pid, &status, 0) < 0 && errno == EINTR)
        ;
    c->pid = 0;
    return ended && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int child_run(const char *const argv[], const char *cwd, int in_fd, int out_fd, int err_fd,
              int timeout_ms)
{
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    CHECK_MSG(pid >= 0, "fork: %s", strerror(errno));
    if (pid == 0)
        exec_child(argv, cwd, in_fd, out_fd, err_fd);
    int status = 0;
    for (long long start = mono_ms();;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        if ((r < 0 && errno != EINTR) || mono_ms() - start >= timeout_ms)
            break;
        pause_ms(CHILD_WAIT_STEP_MS);
    }
    kill(pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return -1;
}

/*
 * The child-process helpers every end-to-end suite starts its peers and programs with
 * (tests/harness/child.h), run against real processes of /bin/sh: the ready line found after
 * other output, a deadline that ends the wait, a peer that ends when its stdin closes, one that
 * lingers and is killed with what it left in its process group, and a program run to its end
 * with its status, output, directory and deadline.
 */
#include "child.h"
#include "test.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { WAIT_MS = 10000, SHORT_MS = 300 };

/* Whether process pid is gone or a zombie (killed, waiting for whoever reaps orphans). */
static bool process_ended(pid_t pid)
{
    char path[64], stat[256] = "";
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return true;
    size_t n = fread(stat, 1, sizeof stat - 1, f);
    fclose(f);
    stat[n] = '\0';
    const char *state = strrchr(stat, ')');
    return state != NULL && state[1] == ' ' && state[2] == 'Z';
}

static bool wait_ended(pid_t pid)
{
    for (int i = 0; i < 200; i++) {
        if (process_ended(pid))
            return true;
        usleep(10 * 1000);
    }
    return false;
}

static char *read_fd(int fd)
{
    static char buf[256];
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    buf[n > 0 ? n : 0] = '\0';
    return buf;
}

TEST(test_child_wait_line_finds_the_ready_line_after_other_lines_and_stdin_eof_ends_the_peer)
{
    const char *argv[] = {
        "/bin/sh", "-c", "echo 'added x f'; echo 'listening http://127.0.0.1:7'; read -r l; exit 3",
        NULL};
    child c;
    child_spawn(&c, argv);
    CHECK(c.pid > 0);
    char text[256];
    const char *line = child_wait_line(&c, "listening ", WAIT_MS, text, sizeof text);
    CHECK(line != NULL);
    CHECK_STR_EQ(line, "listening http://127.0.0.1:7\n");
    CHECK_STR_EQ(text, "added x f\nlistening http://127.0.0.1:7\n");
    CHECK_INT_EQ(c.stdout_fd, -1);
    /* Closing its stdin ends it: its own exit status comes back. */
    CHECK_INT_EQ(child_stop(&c, WAIT_MS), 3);
    CHECK_INT_EQ(c.pid, 0);
    CHECK_INT_EQ(child_stop(&c, WAIT_MS), -1); /* not running any more */
}

TEST(test_child_wait_line_wants_a_whole_line_with_the_prefix_and_gives_up_at_its_deadline)
{
    /* "listen" is not the prefix, and the last line never ends. */
    const char *argv[] = {"/bin/sh", "-c", "echo listen; printf 'listening'; sleep 30", NULL};
    child c;
    child_spawn(&c, argv);
    char text[256];
    CHECK(child_wait_line(&c, "listening ", SHORT_MS, text, sizeof text) == NULL);
    CHECK_STR_EQ(text, "listen\nlistening");
    pid_t pid = c.pid;
    CHECK_INT_EQ(child_stop(&c, SHORT_MS), -1); /* it ignores stdin: killed */
    CHECK(wait_ended(pid));
}

TEST(test_child_wait_line_stops_at_end_of_output_and_when_text_is_full)
{
    const char *quits[] = {"/bin/sh", "-c", "echo 'no ready line'", NULL};
    child c;
    child_spawn(&c, quits);
    char text[256];
    CHECK(child_wait_line(&c, "listening ", WAIT_MS, text, sizeof text) == NULL);
    CHECK_STR_EQ(text, "no ready line\n");
    CHECK_INT_EQ(child_stop(&c, WAIT_MS), 0);

    const char *chatty[] = {"/bin/sh", "-c", "echo 0123456789abcdef; read -r l", NULL};
    child_spawn(&c, chatty);
    char small[8];
    CHECK(child_wait_line(&c, "0123", WAIT_MS, small, sizeof small) == NULL);
    CHECK_STR_EQ(small, "0123456");
    child_stop(&c, WAIT_MS);
}

TEST(test_child_stop_kills_what_a_peer_left_in_its_process_group)
{
    const char *argv[] = {"/bin/sh", "-c", "sleep 30 & echo \"listening $!\"; read -r l; exit 0",
                          NULL};
    child c;
    child_spawn(&c, argv);
    char text[256];
    const char *line = child_wait_line(&c, "listening ", WAIT_MS, text, sizeof text);
    CHECK(line != NULL);
    pid_t left = (pid_t)atoi(line + strlen("listening "));
    CHECK(left > 0);
    CHECK(!process_ended(left));
    CHECK_INT_EQ(child_stop(&c, WAIT_MS), 0);
    CHECK_MSG(wait_ended(left), "the background sleep %d outlived its peer", (int)left);
}

TEST(test_child_spawn_of_a_missing_program_exits_127)
{
    const char *argv[] = {"/nonexistent/peer", NULL};
    child c;
    child_spawn(&c, argv);
    char text[64];
    CHECK(child_wait_line(&c, "listening ", WAIT_MS, text, sizeof text) == NULL);
    CHECK_INT_EQ(child_stop(&c, WAIT_MS), 127);
}

TEST(test_child_run_returns_the_status_output_directory_and_kills_at_its_deadline)
{
    FILE *out = tmpfile(), *err = tmpfile();
    CHECK(out != NULL && err != NULL);
    const char *argv[] = {"/bin/sh", "-c", "pwd; echo oops >&2; exit 7", NULL};
    CHECK_INT_EQ(child_run(argv, "/tmp", -1, fileno(out), fileno(err), WAIT_MS), 7);
    CHECK_STR_EQ(read_fd(fileno(out)), "/tmp\n");
    CHECK_STR_EQ(read_fd(fileno(err)), "oops\n");
    fclose(out);
    fclose(err);

    const char *slow[] = {"sleep", "30", NULL}; /* looked up in PATH */
    CHECK_INT_EQ(child_run(slow, NULL, -1, -1, -1, SHORT_MS), -1);
    const char *missing[] = {"/nonexistent/cli", NULL};
    FILE *quiet = tmpfile();
    CHECK(quiet != NULL);
    CHECK_INT_EQ(child_run(missing, NULL, -1, -1, fileno(quiet), WAIT_MS), 127);
    CHECK_STR_HAS(read_fd(fileno(quiet)), "cannot run /nonexistent/cli");
    fclose(quiet);
    const char *nowhere[] = {"/bin/true", NULL};
    CHECK_INT_EQ(child_run(nowhere, "/nonexistent", -1, -1, -1, WAIT_MS), 126);
}

/*
 * Writing the files of a new module project (`init`, in any language): a template rendered with
 * the project's words into a file that must not exist yet, in a subdirectory of the project
 * created when the file needs one. init never overwrites what an author already has.
 */
#include "cli/author.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Writes fmt with each "%N$s" (N = 1..INIT_WORDS) replaced by words[N-1] and "%%" by "%": the
 * templates use some words and not others, which printf's positional arguments do not allow. */
static void render(FILE *f, const char *fmt, const char *const words[INIT_WORDS])
{
    for (const char *p = fmt; *p != '\0'; p++) {
        if (p[0] == '%' && p[1] >= '1' && p[1] < '1' + INIT_WORDS && p[2] == '$' && p[3] == 's') {
            fputs(words[p[1] - '1'], f);
            p += 3;
        } else if (p[0] == '%' && p[1] == '%') {
            fputc('%', f);
            p++;
        } else {
            fputc(*p, f);
        }
    }
}

int init_write_file(const cli_command *cmd, const char *dir, const char *file, const char *fmt,
                    const char *const words[INIT_WORDS])
{
    char path[AUTHOR_PATH_MAX_BYTES];
    if (snprintf(path, sizeof path, "%s/%s", dir, file) >= (int)sizeof path)
        return cli_fail(cmd, CLI_EXIT_FAILED, "%s/%s: path too long", dir, file);
    char *slash = strrchr(path, '/');
    if (slash != NULL && slash > path + strlen(dir)) {
        *slash = '\0';
        if (mkdir(path, 0755) != 0 && errno != EEXIST)
            return cli_fail(cmd, CLI_EXIT_FAILED, "cannot create %s: %s", path, strerror(errno));
        *slash = '/';
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (f == NULL) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return cli_fail(cmd, CLI_EXIT_FAILED, "%s: %s", path, strerror(e));
    }
    render(f, fmt, words);
    if (fclose(f) != 0)
        return cli_fail(cmd, CLI_EXIT_FAILED, "%s: %s", path, strerror(errno));
    return CLI_EXIT_OK;
}

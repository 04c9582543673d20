/*
 * The node's own small I/O: reading a whole file within a size cap or a range of one (cached
 * CARs and their blocks, for the index and for the gateway) and writing one log line to stderr in
 * one write(2), so that the lines of the main thread, the fetch threads and the workers never
 * interleave.
 */
#include "node/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Reads up to len bytes at offset; returns how many it got (fewer at the end of the file or on
 * an error). */
static size_t pread_full(int fd, uint8_t *buf, size_t len, uint64_t offset)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = pread(fd, buf + done, len - done, (off_t)(offset + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    return done;
}

uint8_t *node_read_file(const char *path, uint64_t cap, size_t *len, bool *too_big)
{
    *len = 0;
    if (too_big != NULL)
        *too_big = false;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    off_t size = lseek(fd, 0, SEEK_END);
    uint8_t *buf = NULL;
    if (size >= 0 && (uint64_t)size > cap && too_big != NULL)
        *too_big = true;
    if (size >= 0 && (uint64_t)size <= cap && (buf = malloc((size_t)size + 1)) != NULL) {
        if (pread_full(fd, buf, (size_t)size, 0) == (size_t)size) {
            *len = (size_t)size;
        } else {
            free(buf);
            buf = NULL;
        }
    }
    close(fd);
    return buf;
}

bool node_read_at(const char *path, uint64_t offset, uint8_t *buf, size_t len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    bool ok = pread_full(fd, buf, len, offset) == len;
    close(fd);
    return ok;
}

void node_say(const char *fmt, ...)
{
    char line[NODE_LOG_LINE_BYTES];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n > sizeof line - 2)
        n = (int)sizeof line - 2;
    line[n++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, (size_t)n);
    (void)w;
}

/*
 * The on-disk module cache: <dir>/<cid> holds a CARv1 of the module's DAG, so that a warm start
 * touches no network and the node can serve what it holds to other nodes. Files are written
 * atomically (temporary file, fsync, rename, fsync of the directory), so a crash leaves either
 * the old state or the new, and every load verifies the CAR against its CID again: a disk is
 * not trusted more than a gateway. Recency for LRU eviction is the file's modification time,
 * refreshed on every load.
 */
#include "deploy/internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A CAR adds a section header per block and dag-pb nodes above the leaves: a file of N bytes in
 * 256 KiB chunks needs far less than N/64 more. The cap on reading allows that, and a little. */
#define CAR_OVERHEAD_BYTES(n) ((n) / 16 + 65536)
static const char TEMP_PREFIX[] = ".tmp-";
enum { TEMP_STALE_SECONDS = 3600 }; /* a temporary this old belongs to a dead writer */

static dep_status mkdirs(const char *dir, dep_error *err)
{
    char path[4096];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof path)
        return dep_fail(err, DEP_ERR_ARG, "cache: bad directory name");
    memcpy(path, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (path[i] != '/' && path[i] != '\0')
            continue;
        char c = path[i];
        path[i] = '\0';
        if (mkdir(path, 0755) != 0 && errno != EEXIST)
            return dep_fail(err, DEP_ERR_IO, "cache: mkdir %s: %s", path, strerror(errno));
        path[i] = c;
    }
    return DEP_OK;
}

dep_status dep_cache_store(const char *dir, const dep_cid *cid, const uint8_t *car, size_t car_len,
                           dep_error *err)
{
    char cs[DEP_CID_TEXT_MAX], final[4096], temp[4096];
    dep_cid_string(cid, cs);
    dep_status st = mkdirs(dir, err);
    if (st != DEP_OK)
        return st;
    static unsigned counter; /* distinguishes temporaries of one process; racing is harmless */
    if ((size_t)snprintf(final, sizeof final, "%s/%s", dir, cs) >= sizeof final ||
        (size_t)snprintf(temp, sizeof temp, "%s/%s%s.%ld.%u", dir, TEMP_PREFIX, cs, (long)getpid(),
                         __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED)) >= sizeof temp)
        return dep_fail(err, DEP_ERR_ARG, "cache: path too long");
    int fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        return dep_fail(err, DEP_ERR_IO, "cache: %s: %s", temp, strerror(errno));
    size_t done = 0;
    while (done < car_len && st == DEP_OK) {
        ssize_t n = write(fd, car + done, car_len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            st = dep_fail(err, DEP_ERR_IO, "cache: write %s: %s", temp, strerror(errno));
        else
            done += (size_t)n;
    }
    if (st == DEP_OK && fsync(fd) != 0)
        st = dep_fail(err, DEP_ERR_IO, "cache: fsync %s: %s", temp, strerror(errno));
    if (close(fd) != 0 && st == DEP_OK)
        st = dep_fail(err, DEP_ERR_IO, "cache: close %s: %s", temp, strerror(errno));
    if (st == DEP_OK && rename(temp, final) != 0)
        st = dep_fail(err, DEP_ERR_IO, "cache: rename to %s: %s", final, strerror(errno));
    if (st != DEP_OK) {
        unlink(temp);
        return st;
    }
    /* The rename is durable only once the directory entry is. */
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return DEP_OK;
}

dep_status dep_cache_load(const char *dir, const dep_cid *cid, uint64_t max_bytes, uint8_t **file,
                          size_t *file_len, dep_error *err)
{
    char cs[DEP_CID_TEXT_MAX], path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, dep_cid_string(cid, cs)) >= sizeof path)
        return dep_fail(err, DEP_ERR_ARG, "cache: path too long");
    if (max_bytes == 0)
        max_bytes = DEP_MODULE_MAX_BYTES_DEFAULT;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return dep_fail(err, DEP_ERR_NOT_FOUND, "cache: %s is not cached", cs);
        return dep_fail(err, DEP_ERR_IO, "cache: %s: %s", path, strerror(errno));
    }
    struct stat sb;
    dep_status st = DEP_OK;
    uint8_t *car = NULL;
    if (fstat(fd, &sb) != 0) {
        st = dep_fail(err, DEP_ERR_IO, "cache: stat %s: %s", path, strerror(errno));
    } else if ((uint64_t)sb.st_size > max_bytes + CAR_OVERHEAD_BYTES(max_bytes)) {
        st = dep_fail(err, DEP_ERR_LIMIT, "cache: %s: %lld bytes is over the cap", path,
                      (long long)sb.st_size);
    } else if ((car = malloc((size_t)sb.st_size + 1)) == NULL) {
        st = dep_fail(err, DEP_ERR_NOMEM, "cache: out of memory reading %s", path);
    } else {
        size_t done = 0;
        while (done < (size_t)sb.st_size && st == DEP_OK) {
            ssize_t n = read(fd, car + done, (size_t)sb.st_size - done);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                st = dep_fail(err, DEP_ERR_IO, "cache: read %s: %s", path,
                              n == 0 ? "file shrank" : strerror(errno));
            else
                done += (size_t)n;
        }
    }
    if (st == DEP_OK) {
        st = dep_car_verify(car, (size_t)sb.st_size, cid, max_bytes, file, file_len, err);
        if (st != DEP_OK) {
            dep_error_prefix(err, "cache: %s (removed)", path);
            unlink(path);
        } else {
            futimens(fd, NULL); /* most recently used now */
        }
    }
    free(car);
    close(fd);
    return st;
}

typedef struct cache_entry {
    char name[DEP_CID_TEXT_MAX + 64];
    struct timespec mtime;
    uint64_t bytes;
} cache_entry;

static int older_first(const void *a, const void *b)
{
    const cache_entry *x = a, *y = b;
    if (x->mtime.tv_sec != y->mtime.tv_sec)
        return x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1;
    if (x->mtime.tv_nsec != y->mtime.tv_nsec)
        return x->mtime.tv_nsec < y->mtime.tv_nsec ? -1 : 1;
    return strcmp(x->name, y->name);
}

dep_status dep_cache_evict(const char *dir, uint64_t max_bytes, size_t *removed, dep_error *err)
{
    DIR *d = opendir(dir);
    if (removed)
        *removed = 0;
    if (d == NULL)
        return errno == ENOENT ? DEP_OK
                               : dep_fail(err, DEP_ERR_IO, "cache: %s: %s", dir, strerror(errno));
    cache_entry *list = NULL;
    size_t count = 0, cap = 0;
    uint64_t total = 0;
    dep_status st = DEP_OK;
    struct dirent *e;
    char path[4096];
    while ((e = readdir(d)) != NULL && st == DEP_OK) {
        struct stat sb;
        if (e->d_name[0] == '.' && strncmp(e->d_name, TEMP_PREFIX, sizeof TEMP_PREFIX - 1) != 0)
            continue;
        if (strlen(e->d_name) >= sizeof list->name ||
            (size_t)snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= sizeof path ||
            lstat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
            continue;
        if (e->d_name[0] == '.') { /* an interrupted write's temporary, unless a fresh one */
            if (sb.st_mtime + TEMP_STALE_SECONDS < time(NULL))
                unlink(path);
            continue;
        }
        if (count == cap) {
            cap = cap ? cap * 2 : 64;
            cache_entry *l = realloc(list, cap * sizeof *l);
            if (l == NULL) {
                st = dep_fail(err, DEP_ERR_NOMEM, "cache: out of memory listing %s", dir);
                break;
            }
            list = l;
        }
        snprintf(list[count].name, sizeof list[count].name, "%s", e->d_name);
        list[count].mtime = sb.st_mtim;
        list[count].bytes = (uint64_t)sb.st_size;
        total += list[count].bytes;
        count++;
    }
    closedir(d);
    if (st == DEP_OK && count > 0)
        qsort(list, count, sizeof *list, older_first);
    for (size_t i = 0; i < count && total > max_bytes && st == DEP_OK; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, list[i].name);
        if (unlink(path) != 0 && errno != ENOENT) {
            st = dep_fail(err, DEP_ERR_IO, "cache: unlink %s: %s", path, strerror(errno));
            break;
        }
        total -= list[i].bytes;
        if (removed)
            ++*removed;
    }
    free(list);
    return st;
}

/*
 * Hot reload on file change: one libuv fs_event (inotify) per directory that holds module files,
 * because editors and deploy tools replace a file (write a temporary, rename it over) rather than
 * write it in place, and a watch on the file itself would follow the old inode. An event naming a
 * module's file reloads that module; a file caught half-written fails validation, is reported,
 * and the running version stays until the next event brings a complete one.
 */
#include "edge_int.h"

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct watch_dir {
    uv_fs_event_t handle;
    char *dir;
    struct edge_watch *owner;
    struct watch_dir *next;
} watch_dir;

struct edge_watch {
    edge_modules *mods;
    watch_dir *dirs;
    int open_handles; /* the watch is freed when the last handle has closed */
    bool freeing;
};

static char *dir_of(const char *path)
{
    char *copy = strdup(path);
    if (copy == NULL)
        return NULL;
    char *d = strdup(dirname(copy));
    free(copy);
    return d;
}

static void on_event(uv_fs_event_t *h, const char *filename, int events, int status)
{
    (void)events;
    watch_dir *w = h->data;
    edge_modules *m = w->owner->mods;
    if (status < 0 || filename == NULL)
        return;
    pthread_mutex_lock(&m->mu);
    edge_entry *first = m->entries;
    pthread_mutex_unlock(&m->mu);
    for (edge_entry *e = first; e; e = e->next) {
        pthread_mutex_lock(&m->mu);
        char *path = e->path ? strdup(e->path) : NULL;
        pthread_mutex_unlock(&m->mu);
        if (path == NULL)
            continue;
        char *d = dir_of(path);
        char *copy = strdup(path);
        bool match = d && copy && strcmp(d, w->dir) == 0 && strcmp(basename(copy), filename) == 0;
        free(d);
        free(copy);
        if (match) {
            char err[320];
            edge_log(m, "event=module_file_changed module=%s path=%s", e->id, path);
            edge_modules_load_file(m, e->id, e->type, path, err, sizeof err);
        }
        free(path);
    }
}

static void on_close(uv_handle_t *h)
{
    watch_dir *w = h->data;
    edge_watch *ew = w->owner;
    free(w->dir);
    free(w);
    if (--ew->open_handles == 0 && ew->freeing)
        free(ew);
}

edge_watch *edge_watch_new(edge_modules *m, uv_loop_t *loop, char *err, size_t errlen)
{
    edge_watch *ew = calloc(1, sizeof *ew);
    if (ew == NULL) {
        snprintf(err, errlen, "edge: out of memory");
        return NULL;
    }
    ew->mods = m;
    pthread_mutex_lock(&m->mu);
    edge_entry *first = m->entries;
    pthread_mutex_unlock(&m->mu);
    for (edge_entry *e = first; e; e = e->next) {
        pthread_mutex_lock(&m->mu);
        char *d = e->path ? dir_of(e->path) : NULL;
        pthread_mutex_unlock(&m->mu);
        if (d == NULL)
            continue;
        bool seen = false;
        for (watch_dir *w = ew->dirs; w && !seen; w = w->next)
            seen = strcmp(w->dir, d) == 0;
        if (seen) {
            free(d);
            continue;
        }
        watch_dir *w = calloc(1, sizeof *w);
        int rc = w ? uv_fs_event_init(loop, &w->handle) : UV_ENOMEM;
        if (rc != 0) {
            free(w);
            free(d);
            snprintf(err, errlen, "edge: watch: %s", uv_strerror(rc));
            edge_watch_free(ew);
            return NULL;
        }
        w->dir = d;
        w->owner = ew;
        w->handle.data = w;
        w->next = ew->dirs;
        ew->dirs = w;
        ew->open_handles++;
        rc = uv_fs_event_start(&w->handle, on_event, d, 0);
        if (rc != 0) {
            snprintf(err, errlen, "edge: watch %s: %s", d, uv_strerror(rc));
            edge_watch_free(ew);
            return NULL;
        }
    }
    return ew;
}

void edge_watch_free(edge_watch *ew)
{
    if (ew == NULL)
        return;
    ew->freeing = true;
    if (ew->open_handles == 0) {
        free(ew);
        return;
    }
    for (watch_dir *w = ew->dirs; w; w = w->next) {
        uv_fs_event_stop(&w->handle);
        uv_close((uv_handle_t *)&w->handle, on_close);
    }
    ew->dirs = NULL;
}

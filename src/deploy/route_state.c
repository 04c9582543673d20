/*
 * Persistence of the last good route snapshot, so that a node restarted while the RPC is down
 * still serves. The file is JSON (jansson), written to a temporary file in the same directory,
 * flushed to disk and renamed over the old one, so a crash leaves either the old or the new
 * snapshot, never half of one. On load the file is as hostile as an RPC answer: size capped,
 * unknown keys refused, and every route passes route_entry_validate again.
 *
 *   {"version": 1, "routes": [{"domain": "...", "path": "...", "cid": "...", "type": "waf",
 *     "enabled": true, "authority": "<base58>" (optional), "updated_at": 1750000000}, ...]}
 */
#include "deploy/deploy.h"
#include "deploy/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { STATE_VERSION = 1, STATE_PATH_MAX = 4096 };
#define STATE_INT_MAX 9007199254740992.0 /* 2^53: JSON numbers above it lose precision */

static json_t *entry_json(const route_entry *r)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:b, s:I}", "domain", r->domain, "path", r->path,
                          "cid", r->cid, "type", route_module_type_name(r->module_type), "enabled",
                          r->enabled, "updated_at", (json_int_t)r->updated_at);
    if (o != NULL && r->has_authority) {
        char key[SOLANA_PUBKEY_TEXT_MAX];
        if (json_object_set_new(o, "authority",
                                json_string(solana_pubkey_string(&r->authority, key))) != 0) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

dep_status route_state_save(const char *path, const route_snapshot *s, dep_error *err)
{
    if (strlen(path) + 16 > STATE_PATH_MAX)
        return dep_fail(err, DEP_ERR_ARG, "state file path longer than %d bytes",
                        STATE_PATH_MAX - 16);
    json_t *list = json_array();
    json_t *doc = json_pack("{s:i, s:o}", "version", STATE_VERSION, "routes", list);
    bool ok = doc != NULL;
    for (size_t i = 0; ok && s != NULL && i < s->count; i++)
        ok = json_array_append_new(list, entry_json(&s->routes[i])) == 0;
    char *text = ok ? json_dumps(doc, JSON_INDENT(1)) : NULL;
    json_decref(doc);
    if (text == NULL)
        return dep_fail(err, DEP_ERR_NOMEM, "state file %s: out of memory", path);

    char tmp[STATE_PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s.tmpXXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        free(text);
        return dep_fail(err, DEP_ERR_IO, "state file %s: cannot create a temporary file: %s", path,
                        strerror(errno));
    }
    size_t len = strlen(text), done = 0;
    while (done < len) {
        ssize_t n = write(fd, text + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    free(text);
    int saved = errno;
    if (done != len || fsync(fd) != 0) {
        saved = errno;
        close(fd);
        unlink(tmp);
        return dep_fail(err, DEP_ERR_IO, "state file %s: write: %s", path, strerror(saved));
    }
    if (close(fd) != 0 || rename(tmp, path) != 0) {
        saved = errno;
        unlink(tmp);
        return dep_fail(err, DEP_ERR_IO, "state file %s: %s", path, strerror(saved));
    }
    /* The rename is durable once the directory is on disk too. */
    char dir[STATE_PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return DEP_OK;
}

static dep_status bad(dep_error *err, const char *path, size_t index, const char *why)
{
    return dep_fail(err, DEP_ERR_MALFORMED, "state file %s: routes[%zu]: %s", path, index, why);
}

static dep_status read_string(json_t *v, const char *name, char *buf, size_t cap, const char *path,
                              size_t index, dep_error *err)
{
    char why[128];
    if (!json_is_string(v)) {
        snprintf(why, sizeof why, "%s: expected a string", name);
        return bad(err, path, index, why);
    }
    size_t len = json_string_length(v);
    if (len >= cap || memchr(json_string_value(v), '\0', len) != NULL) {
        snprintf(why, sizeof why, "%s: %zu bytes (at most %zu) or a NUL byte", name, len, cap - 1);
        return bad(err, path, index, why);
    }
    memcpy(buf, json_string_value(v), len + 1);
    return DEP_OK;
}

static dep_status read_entry(json_t *o, const char *path, size_t index, route_entry *r,
                             dep_error *err)
{
    memset(r, 0, sizeof *r);
    r->origin = ROUTE_ORIGIN_STATE;
    if (!json_is_object(o))
        return bad(err, path, index, "expected an object");
    unsigned seen = 0;
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v)
    {
        dep_status st = DEP_OK;
        char why[160];
        if (strcmp(key, "domain") == 0) {
            seen |= 1;
            st = read_string(v, key, r->domain, sizeof r->domain, path, index, err);
        } else if (strcmp(key, "path") == 0) {
            seen |= 2;
            st = read_string(v, key, r->path, sizeof r->path, path, index, err);
        } else if (strcmp(key, "cid") == 0) {
            seen |= 4;
            st = read_string(v, key, r->cid, sizeof r->cid, path, index, err);
        } else if (strcmp(key, "type") == 0) {
            seen |= 8;
            const char *t = json_string_value(v);
            if (t != NULL && strcmp(t, "waf") == 0)
                r->module_type = ROUTE_MODULE_WAF;
            else if (t != NULL && strcmp(t, "function") == 0)
                r->module_type = ROUTE_MODULE_FUNCTION;
            else
                st = bad(err, path, index, "type: expected \"waf\" or \"function\"");
        } else if (strcmp(key, "enabled") == 0) {
            seen |= 16;
            if (!json_is_boolean(v))
                st = bad(err, path, index, "enabled: expected true or false");
            r->enabled = json_is_true(v);
        } else if (strcmp(key, "updated_at") == 0) {
            seen |= 32;
            double d = json_number_value(v);
            if (!json_is_number(v) || d < 0 || d > STATE_INT_MAX || d != (double)(int64_t)d)
                st = bad(err, path, index, "updated_at: expected a whole number of seconds");
            r->updated_at = st == DEP_OK ? (int64_t)d : 0;
        } else if (strcmp(key, "authority") == 0) {
            char text[SOLANA_PUBKEY_TEXT_MAX];
            dep_error key_err;
            st = read_string(v, key, text, sizeof text, path, index, err);
            if (st == DEP_OK && solana_pubkey_parse(text, &r->authority, &key_err) != DEP_OK) {
                snprintf(why, sizeof why, "authority: %.120s", key_err.message);
                st = bad(err, path, index, why);
            }
            r->has_authority = true;
        } else {
            snprintf(why, sizeof why, "unknown key \"%.64s\"", key);
            st = bad(err, path, index, why);
        }
        if (st != DEP_OK)
            return st;
    }
    if ((seen & 63) != 63)
        return bad(err, path, index, "missing one of domain, path, cid, type, enabled, updated_at");
    dep_error why;
    if (route_entry_validate(r, &why) != DEP_OK)
        return bad(err, path, index, why.message);
    return DEP_OK;
}

dep_status route_state_load(const char *path, route_snapshot **out, dep_error *err)
{
    *out = NULL;
    struct stat sb;
    if (stat(path, &sb) != 0)
        return dep_fail(err, errno == ENOENT ? DEP_ERR_NOT_FOUND : DEP_ERR_IO, "state file %s: %s",
                        path, strerror(errno));
    if (!S_ISREG(sb.st_mode))
        return dep_fail(err, DEP_ERR_IO, "state file %s: not a regular file", path);
    if (sb.st_size > ROUTE_STATE_MAX_BYTES)
        return dep_fail(err, DEP_ERR_LIMIT, "state file %s: %lld bytes, at most %d allowed", path,
                        (long long)sb.st_size, ROUTE_STATE_MAX_BYTES);
    json_error_t jerr;
    /* Numbers as doubles, so an out-of-range integer is a value we refuse, not a parse error. */
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL, &jerr);
    if (doc == NULL)
        return dep_fail(err, DEP_ERR_MALFORMED, "state file %s:%d:%d: %s", path, jerr.line,
                        jerr.column, jerr.text);
    dep_status st = DEP_OK;
    json_t *version = json_object_get(doc, "version");
    json_t *list = json_object_get(doc, "routes");
    if (!json_is_object(doc) || json_object_size(doc) != 2 || !json_is_number(version) ||
        json_number_value(version) != STATE_VERSION || !json_is_array(list)) {
        st = dep_fail(err, DEP_ERR_MALFORMED,
                      "state file %s: expected {\"version\": %d, \"routes\": [...]} and nothing "
                      "else",
                      path, STATE_VERSION);
    } else if (json_array_size(list) > ROUTE_MAX_ROUTES) {
        st = dep_fail(err, DEP_ERR_LIMIT, "state file %s: %zu routes, at most %d allowed", path,
                      json_array_size(list), ROUTE_MAX_ROUTES);
    } else {
        size_t n = json_array_size(list);
        route_entry *routes = calloc(n ? n : 1, sizeof *routes);
        if (routes == NULL)
            st = dep_fail(err, DEP_ERR_NOMEM, "state file %s: out of memory", path);
        for (size_t i = 0; st == DEP_OK && i < n; i++)
            st = read_entry(json_array_get(list, i), path, i, &routes[i], err);
        if (st == DEP_OK) {
            st = route_snapshot_new(routes, n, out, err);
            if (st != DEP_OK)
                dep_error_prefix(err, "state file %s", path);
        } else {
            free(routes);
        }
    }
    json_decref(doc);
    return st;
}

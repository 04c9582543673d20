/*
 * The `file` route source: a YAML routes file beside the node's config, read with libyaml's
 * document API so that every error points at the line and column of the node at fault. The file
 * is read whole on each call; the node calls it again on SIGHUP or when inotify reports a change,
 * and keeps its current routes when the new file is wrong.
 */
#include "deploy/deploy.h"
#include "deploy/internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

typedef struct walker {
    yaml_document_t *doc;
    const char *source;
    dep_error *err;
} walker;

static dep_status fail_at(walker *w, const yaml_node_t *n, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static dep_status fail_at(walker *w, const yaml_node_t *n, const char *key, const char *fmt, ...)
{
    char reason[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    return dep_fail(w->err, DEP_ERR_MALFORMED, "%s:%zu:%zu: %s%s%s", w->source,
                    n->start_mark.line + 1, n->start_mark.column + 1, key, key[0] ? ": " : "",
                    reason);
}

static const char *kind_name(const yaml_node_t *n)
{
    return n->type == YAML_SCALAR_NODE     ? "a scalar"
           : n->type == YAML_SEQUENCE_NODE ? "a list"
           : n->type == YAML_MAPPING_NODE  ? "a mapping"
                                           : "nothing";
}

static dep_status scalar(walker *w, const yaml_node_t *n, const char *key, const char **out)
{
    if (n->type != YAML_SCALAR_NODE)
        return fail_at(w, n, key, "expected a scalar, found %s", kind_name(n));
    const char *s = (const char *)n->data.scalar.value;
    if (strlen(s) != n->data.scalar.length)
        return fail_at(w, n, key, "NUL byte in value");
    *out = s;
    return DEP_OK;
}

static dep_status string_field(walker *w, const yaml_node_t *n, const char *key, char *buf,
                               size_t cap)
{
    const char *s;
    dep_status st = scalar(w, n, key, &s);
    if (st != DEP_OK)
        return st;
    size_t len = strlen(s);
    if (len >= cap)
        return fail_at(w, n, key, "value is %zu bytes, at most %zu allowed", len, cap - 1);
    memcpy(buf, s, len + 1);
    return DEP_OK;
}

static dep_status read_route(walker *w, const yaml_node_t *item, size_t index, route_entry *r)
{
    char key[96];
    snprintf(key, sizeof key, "routes[%zu]", index);
    if (item->type != YAML_MAPPING_NODE)
        return fail_at(w, item, key, "expected a mapping, found %s", kind_name(item));
    memset(r, 0, sizeof *r);
    r->module_type = ROUTE_MODULE_FUNCTION;
    r->enabled = true;
    r->origin = ROUTE_ORIGIN_FILE;
    const yaml_node_t *at[3] = {NULL, NULL, NULL}; /* domain, path, cid: for error positions */
    for (yaml_node_pair_t *p = item->data.mapping.pairs.start; p < item->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = yaml_document_get_node(w->doc, p->key);
        yaml_node_t *v = yaml_document_get_node(w->doc, p->value);
        const char *name;
        dep_status st = scalar(w, k, key, &name);
        if (st != DEP_OK)
            return st;
        char field[128];
        snprintf(field, sizeof field, "%s.%.24s", key, name);
        const char *s;
        if (strcmp(name, "domain") == 0) {
            if (at[0])
                return fail_at(w, k, field, "duplicate key");
            at[0] = v;
            st = string_field(w, v, field, r->domain, sizeof r->domain);
        } else if (strcmp(name, "path") == 0) {
            if (at[1])
                return fail_at(w, k, field, "duplicate key");
            at[1] = v;
            st = string_field(w, v, field, r->path, sizeof r->path);
        } else if (strcmp(name, "cid") == 0) {
            if (at[2])
                return fail_at(w, k, field, "duplicate key");
            at[2] = v;
            st = string_field(w, v, field, r->cid, sizeof r->cid);
        } else if (strcmp(name, "type") == 0) {
            if ((st = scalar(w, v, field, &s)) != DEP_OK)
                return st;
            if (strcmp(s, "waf") == 0)
                r->module_type = ROUTE_MODULE_WAF;
            else if (strcmp(s, "function") == 0)
                r->module_type = ROUTE_MODULE_FUNCTION;
            else
                return fail_at(w, v, field, "expected waf or function, found '%.64s'", s);
        } else if (strcmp(name, "enabled") == 0) {
            if ((st = scalar(w, v, field, &s)) != DEP_OK)
                return st;
            if (strcmp(s, "true") == 0)
                r->enabled = true;
            else if (strcmp(s, "false") == 0)
                r->enabled = false;
            else
                return fail_at(w, v, field, "expected true or false, found '%.64s'", s);
        } else {
            return fail_at(w, k, key,
                           "unknown key '%.64s' (expected domain, path, cid, type, "
                           "enabled)",
                           name);
        }
        if (st != DEP_OK)
            return st;
    }
    static const char *const required[3] = {"domain", "path", "cid"};
    for (int i = 0; i < 3; i++)
        if (at[i] == NULL)
            return fail_at(w, item, key, "missing key '%s'", required[i]);
    dep_error why;
    if (route_entry_validate(r, &why) != DEP_OK) {
        /* Point at the field the reason is about. */
        const yaml_node_t *where = strncmp(why.message, "domain", 6) == 0 ? at[0]
                                   : strncmp(why.message, "path", 4) == 0 ? at[1]
                                                                          : at[2];
        return fail_at(w, where, key, "%s", why.message);
    }
    return DEP_OK;
}

static dep_status walk(walker *w, const yaml_node_t *root, route_snapshot **out)
{
    if (root->type != YAML_MAPPING_NODE)
        return fail_at(w, root, "", "expected a mapping with a 'routes' list, found %s",
                       kind_name(root));
    const yaml_node_t *list = NULL;
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = yaml_document_get_node(w->doc, p->key);
        const char *name;
        dep_status st = scalar(w, k, "", &name);
        if (st != DEP_OK)
            return st;
        if (strcmp(name, "routes") != 0)
            return fail_at(w, k, "", "unknown key '%.64s' (expected routes)", name);
        if (list != NULL)
            return fail_at(w, k, "routes", "duplicate key");
        list = yaml_document_get_node(w->doc, p->value);
    }
    if (list == NULL)
        return fail_at(w, root, "", "missing key 'routes'");
    if (list->type != YAML_SEQUENCE_NODE)
        return fail_at(w, list, "routes", "expected a list, found %s", kind_name(list));
    size_t n = (size_t)(list->data.sequence.items.top - list->data.sequence.items.start);
    if (n > ROUTE_MAX_ROUTES)
        return fail_at(w, list, "routes", "%zu routes, at most %d allowed", n, ROUTE_MAX_ROUTES);
    route_entry *routes = calloc(n ? n : 1, sizeof *routes);
    if (routes == NULL)
        return dep_fail(w->err, DEP_ERR_NOMEM, "%s: out of memory", w->source);
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *item = yaml_document_get_node(w->doc, list->data.sequence.items.start[i]);
        dep_status st = read_route(w, item, i, &routes[i]);
        if (st == DEP_OK) {
            for (size_t j = 0; j < i; j++)
                if (strcmp(routes[j].domain, routes[i].domain) == 0 &&
                    strcmp(routes[j].path, routes[i].path) == 0) {
                    char key[64];
                    snprintf(key, sizeof key, "routes[%zu]", i);
                    st = fail_at(w, item, key, "route %s%s is already listed as routes[%zu]",
                                 routes[i].domain, routes[i].path, j);
                    break;
                }
        }
        if (st != DEP_OK) {
            free(routes);
            return st;
        }
    }
    return route_snapshot_new(routes, n, out, w->err);
}

dep_status route_file_parse(const char *text, size_t len, const char *source, route_snapshot **out,
                            dep_error *err)
{
    *out = NULL;
    if (len > ROUTE_FILE_MAX_BYTES)
        return dep_fail(err, DEP_ERR_LIMIT, "%s: %zu bytes, at most %d allowed", source, len,
                        ROUTE_FILE_MAX_BYTES);
    yaml_parser_t parser;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&parser))
        return dep_fail(err, DEP_ERR_NOMEM, "%s: out of memory", source);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        dep_status st = dep_fail(err, DEP_ERR_MALFORMED, "%s:%zu:%zu: yaml: %s%s%s", source,
                                 parser.problem_mark.line + 1, parser.problem_mark.column + 1,
                                 parser.problem ? parser.problem : "syntax error",
                                 parser.context ? " " : "", parser.context ? parser.context : "");
        yaml_parser_delete(&parser);
        return st;
    }
    walker w = {.doc = &doc, .source = source, .err = err};
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    dep_status st;
    if (root == NULL) {
        st = dep_fail(err, DEP_ERR_MALFORMED, "%s: empty file (expected a 'routes' list)", source);
    } else {
        st = walk(&w, root, out);
        if (st == DEP_OK) {
            /* A second document is a mistake, not something to ignore. */
            yaml_document_t extra;
            if (yaml_parser_load(&parser, &extra)) {
                yaml_node_t *r2 = yaml_document_get_root_node(&extra);
                if (r2 != NULL)
                    st = fail_at(&w, r2, "", "a second YAML document; the routes file is one");
                yaml_document_delete(&extra);
            } else {
                st = dep_fail(err, DEP_ERR_MALFORMED, "%s:%zu:%zu: yaml: %s", source,
                              parser.problem_mark.line + 1, parser.problem_mark.column + 1,
                              parser.problem ? parser.problem : "syntax error");
            }
            if (st != DEP_OK) {
                route_snapshot_free(*out);
                *out = NULL;
            }
        }
    }
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    return st;
}

dep_status route_file_load(const char *path, route_snapshot **out, dep_error *err)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return dep_fail(err, errno == ENOENT ? DEP_ERR_NOT_FOUND : DEP_ERR_IO, "%s: %s", path,
                        strerror(errno));
    dep_buf buf = {.max = ROUTE_FILE_MAX_BYTES};
    char chunk[8192];
    size_t got;
    dep_status st = DEP_OK;
    while (st == DEP_OK && (got = fread(chunk, 1, sizeof chunk, f)) > 0)
        st = dep_buf_append(&buf, chunk, got, NULL);
    bool io_error = ferror(f) != 0;
    fclose(f);
    if (st != DEP_OK) {
        dep_buf_destroy(&buf);
        return st == DEP_ERR_LIMIT
                   ? dep_fail(err, st, "%s: larger than %d bytes", path, ROUTE_FILE_MAX_BYTES)
                   : dep_fail(err, st, "%s: out of memory", path);
    }
    if (io_error) {
        dep_buf_destroy(&buf);
        return dep_fail(err, DEP_ERR_IO, "%s: read error", path);
    }
    st = route_file_parse(buf.data ? (const char *)buf.data : "", buf.len, path, out, err);
    dep_buf_destroy(&buf);
    return st;
}

/*
 * The edge stages of a route, per worker: the WAF stage (analyze_request; blocked -> 403 with the
 * request id, as JSON or HTML by Accept, logged with the matched rules; a failing WAF follows
 * on_error) and the function stage (handle_request, in order; a number in "status" answers
 * directly, null continues with the result's headers set on the client's response; a failing
 * function answers 502 with the request id). Requests with a body are buffered first, so modules
 * always see the whole body. Results are parsed strictly with jansson: anything but the ABI's
 * shape is a failure of the module.
 */
#include "edge_int.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct edge_route {
    edge_modules *mods;
    edge_cache *cache;
    char *owner;
    bool waf_block_on_error;
    edge_slot waf; /* entry NULL: no WAF */
    edge_slot *fns;
    char **fn_owners; /* cache namespace of each function */
    size_t fn_count;
    edge_buf json; /* request JSON, reused */
};

static bool init_slot(edge_route *r, edge_slot *s, const char *id, edge_module_type type,
                      const edge_limits *lim, char *err, size_t errlen)
{
    s->mods = r->mods;
    s->entry = edge_modules_find(r->mods, id);
    const char *want = type == EDGE_MODULE_WAF ? "WAF" : "function";
    if (s->entry == NULL) {
        snprintf(err, errlen, "edge: route: %s module %s is not loaded", want, id);
        return false;
    }
    if (s->entry->type != type) {
        snprintf(err, errlen, "edge: route: module %s is not a %s", id, want);
        s->entry = NULL;
        return false;
    }
    s->limits = edge_limits_resolve(type, lim);
    return true;
}

edge_route *edge_route_new(edge_modules *mods, edge_cache *cache, const edge_route_config *cfg,
                           char *err, size_t errlen)
{
    edge_route *r = calloc(1, sizeof *r);
    if (r == NULL || (r->owner = strdup(cfg->owner ? cfg->owner : "")) == NULL ||
        (cfg->function_count && !(r->fns = calloc(cfg->function_count, sizeof *r->fns))) ||
        (cfg->function_count &&
         !(r->fn_owners = calloc(cfg->function_count, sizeof *r->fn_owners)))) {
        snprintf(err, errlen, "edge: out of memory");
        edge_route_free(r);
        return NULL;
    }
    r->mods = mods;
    r->cache = cache;
    r->waf_block_on_error = cfg->waf_block_on_error;
    if (cfg->waf_module != NULL &&
        !init_slot(r, &r->waf, cfg->waf_module, EDGE_MODULE_WAF, &cfg->waf_limits, err, errlen)) {
        edge_route_free(r);
        return NULL;
    }
    for (size_t i = 0; i < cfg->function_count; i++, r->fn_count++) {
        const char *own =
            cfg->function_owners && cfg->function_owners[i] ? cfg->function_owners[i] : r->owner;
        if ((r->fn_owners[i] = strdup(own)) == NULL) {
            snprintf(err, errlen, "edge: out of memory");
            edge_route_free(r);
            return NULL;
        }
        const edge_limits *lim =
            cfg->function_limits_each ? &cfg->function_limits_each[i] : &cfg->function_limits;
        if (!init_slot(r, &r->fns[i], cfg->functions[i], EDGE_MODULE_FUNCTION, lim, err, errlen)) {
            r->fn_count++; /* its owner string is freed with the others */
            edge_route_free(r);
            return NULL;
        }
    }
    return r;
}

void edge_route_free(edge_route *r)
{
    if (r == NULL)
        return;
    edge_slot_destroy(&r->waf);
    for (size_t i = 0; i < r->fn_count; i++) {
        edge_slot_destroy(&r->fns[i]);
        free(r->fn_owners[i]);
    }
    free(r->fns);
    free(r->fn_owners);
    free(r->owner);
    edge_buf_free(&r->json);
    free(r);
}

edge_slot *edge_route_slot(edge_route *r, edge_module_type type, size_t i)
{
    if (type == EDGE_MODULE_WAF)
        return r->waf.entry != NULL ? &r->waf : NULL;
    return i < r->fn_count ? &r->fns[i] : NULL;
}

static bool wants_json(http_request *req)
{
    const char *accept = http_request_header(req, "accept");
    return accept != NULL && strcasestr(accept, "application/json") != NULL;
}

/* An error page made by the edge (403 / 502), carrying the request id. */
static http_verdict respond_error(http_request *req, int status, const char *code, const char *what)
{
    const char *id = http_request_id(req); /* [A-Za-z0-9._:-] only: safe in JSON and HTML */
    char body[768];
    int n;
    const char *ctype;
    if (wants_json(req)) {
        ctype = "application/json";
        n = snprintf(body, sizeof body,
                     "{\"error\":\"%s\",\"message\":\"%s\",\"request_id\":\"%s\"}", code, what, id);
    } else {
        ctype = "text/html; charset=utf-8";
        n = snprintf(body, sizeof body,
                     "<!DOCTYPE html>\n<html><head><title>%d %s</title></head><body>"
                     "<h1>%d %s</h1><p>%s</p><p>Request ID: %s</p></body></html>\n",
                     status, http_status_reason(status), status, http_status_reason(status), what,
                     id);
    }
    /* X-Request-Id is on every answer the http layer makes (http_request_respond). */
    http_request_set_response_header(req, "Cache-Control", "no-store");
    http_request_respond(req, status, ctype, body, (size_t)n < sizeof body ? (size_t)n : 0);
    return HTTP_RESPONDED;
}

static json_t *parse_result(const char *p, size_t n, eng_error *err)
{
    json_error_t je;
    json_t *doc = json_loadb(p, n, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
    if (doc == NULL)
        snprintf(err->message, sizeof err->message, "result is not JSON: %s at byte %d", je.text,
                 je.position);
    else if (!json_is_object(doc)) {
        snprintf(err->message, sizeof err->message, "result is not a JSON object");
        json_decref(doc);
        doc = NULL;
    }
    return doc;
}

/* Matched rule ids as "1001,942100" for the log. */
static void rule_list(json_t *matches, char *out, size_t cap)
{
    size_t o = 0, i;
    json_t *m;
    out[0] = '\0';
    json_array_foreach(matches, i, m)
    {
        json_t *id = json_object_get(m, "rule_id");
        char one[48];
        if (json_is_integer(id))
            snprintf(one, sizeof one, "%lld", (long long)json_integer_value(id));
        else if (json_is_string(id))
            edge_log_text((const uint8_t *)json_string_value(id), strlen(json_string_value(id)),
                          one, sizeof one);
        else
            continue;
        int w = snprintf(out + o, cap - o, "%s%s", o ? "," : "", one);
        if (w < 0 || (size_t)w >= cap - o)
            break;
        o += (size_t)w;
    }
}

static http_verdict run_waf(edge_route *r, http_request *req, edge_call *call)
{
    const char *out;
    size_t out_len;
    eng_error err;
    int kind = edge_slot_run(&r->waf, call, r->json.p, r->json.len, &out, &out_len, &err);
    bool slot_failed = kind >= 0;
    json_t *doc = NULL, *blocked = NULL;
    if (kind < 0 && (doc = parse_result(out, out_len, &err)) != NULL) {
        /* kind stays -1 only when the result has the ABI's shape */
        blocked = json_object_get(doc, "blocked");
        json_t *matches = json_object_get(doc, "matches");
        if (!json_is_boolean(blocked) || (matches != NULL && !json_is_array(matches))) {
            snprintf(err.message, sizeof err.message,
                     "WAF result needs \"blocked\": bool and \"matches\": array");
            kind = EDGE_FAIL_BAD_RESULT;
        }
    } else if (kind < 0) {
        kind = EDGE_FAIL_BAD_RESULT;
    }
    if (kind >= 0) {
        json_decref(doc);
        if (kind == EDGE_FAIL_BAD_RESULT && !slot_failed) /* the slot saw a well-framed call */
            atomic_fetch_add(&r->waf.entry->counters.failures[kind], 1);
        edge_report_failure(r->mods, r->waf.entry, req, kind, err.message,
                            r->waf_block_on_error ? "on_error=block" : "on_error=allow");
        if (r->waf_block_on_error)
            return respond_error(req, 403, "blocked", "The request was blocked.");
        return HTTP_CONTINUE;
    }
    if (json_is_true(blocked)) {
        char rules[256];
        rule_list(json_object_get(doc, "matches"), rules, sizeof rules);
        json_t *score = json_object_get(doc, "score");
        edge_log(r->mods, "event=waf_block module=%s request_id=%s method=%s score=%lld rules=%s",
                 r->waf.entry->id, http_request_id(req), http_request_method(req),
                 json_is_integer(score) ? (long long)json_integer_value(score) : 0LL,
                 rules[0] ? rules : "-");
        json_decref(doc);
        return respond_error(req, 403, "blocked", "The request was blocked.");
    }
    json_decref(doc);
    return HTTP_CONTINUE;
}

/* Validates a function result and applies it: 1 answered, 0 continue, -1 malformed. */
static int apply_function_result(http_request *req, json_t *doc, eng_error *err)
{
    json_t *status = json_object_get(doc, "status"), *headers = json_object_get(doc, "headers"),
           *body = json_object_get(doc, "body");
    if (status == NULL || !(json_is_null(status) || json_is_integer(status))) {
        snprintf(err->message, sizeof err->message, "result needs \"status\": integer or null");
        return -1;
    }
    if (json_is_integer(status) &&
        (json_integer_value(status) < 200 || json_integer_value(status) > 599)) {
        snprintf(err->message, sizeof err->message, "result status %lld is not in 200..599",
                 (long long)json_integer_value(status));
        return -1;
    }
    if ((headers != NULL && !json_is_array(headers)) || (body != NULL && !json_is_string(body)) ||
        json_array_size(headers) > EDGE_MAX_RESULT_HEADERS) {
        snprintf(err->message, sizeof err->message,
                 "result needs \"headers\": [[name, value], ...] (at most %d) and \"body\": string",
                 EDGE_MAX_RESULT_HEADERS);
        return -1;
    }
    size_t i;
    json_t *h;
    const char *ctype = "text/plain; charset=utf-8";
    json_array_foreach(headers, i, h)
    {
        json_t *n = json_array_get(h, 0), *v = json_array_get(h, 1);
        if (json_array_size(h) != 2 || !json_is_string(n) || !json_is_string(v) ||
            strlen(json_string_value(n)) != json_string_length(n) ||
            strlen(json_string_value(v)) != json_string_length(v)) {
            snprintf(err->message, sizeof err->message, "result header %zu is not [name, value]",
                     i);
            return -1;
        }
        if (json_is_integer(status) && strcasecmp(json_string_value(n), "content-type") == 0) {
            ctype = json_string_value(v);
            continue;
        }
        if (http_request_set_response_header(req, json_string_value(n), json_string_value(v)) !=
            0) {
            snprintf(err->message, sizeof err->message, "result header %zu is refused", i);
            return -1;
        }
    }
    if (json_is_null(status))
        return 0;
    const char *b = body ? json_string_value(body) : "";
    size_t blen = body ? json_string_length(body) : 0;
    if (http_request_respond(req, (int)json_integer_value(status), ctype, b, blen) != 0) {
        snprintf(err->message, sizeof err->message, "result cannot be sent (content type?)");
        return -1;
    }
    return 1;
}

static http_verdict run_functions(edge_route *r, http_request *req, edge_call *call)
{
    for (size_t f = 0; f < r->fn_count; f++) {
        edge_slot *s = &r->fns[f];
        call->entry = s->entry;
        call->owner = r->fn_owners[f];
        call->sent = false;
        call->body_pos = 0;
        const char *out;
        size_t out_len;
        eng_error err;
        int kind = edge_slot_run(s, call, r->json.p, r->json.len, &out, &out_len, &err);
        int applied = -1;
        if (kind < 0 && call->sent) {
            bool valid = call->send_status >= 200 && call->send_status <= 599;
            if (valid && http_request_respond(req, call->send_status, "text/plain; charset=utf-8",
                                              call->send_body, call->send_len) == 0) {
                applied = 1;
            } else if (valid) {
                snprintf(err.message, sizeof err.message, "send_response: answer cannot be sent");
            } else {
                snprintf(err.message, sizeof err.message,
                         "send_response status %d is not in 200..599", call->send_status);
            }
        } else if (kind < 0) {
            json_t *doc = parse_result(out, out_len, &err);
            applied = doc ? apply_function_result(req, doc, &err) : -1;
            json_decref(doc);
        }
        if (kind < 0 && applied < 0) {
            kind = EDGE_FAIL_BAD_RESULT; /* the slot counted a well-framed call */
            atomic_fetch_add(&s->entry->counters.failures[kind], 1);
        }
        if (kind >= 0) {
            edge_report_failure(r->mods, s->entry, req, kind, err.message, NULL);
            return respond_error(req, 502, "function_failed",
                                 "The edge function serving this request failed.");
        }
        if (applied == 1)
            return HTTP_RESPONDED;
    }
    return HTTP_CONTINUE;
}

static http_verdict run_all(edge_route *r, http_request *req, const uint8_t *body, size_t len)
{
    if (!edge_request_json(&r->json, req, body, len))
        return respond_error(req, 502, "edge_error", "The edge ran out of memory.");
    edge_call call = {.mods = r->mods,
                      .req = req,
                      .body = body,
                      .body_len = len,
                      .cache = r->cache,
                      .owner = r->owner};
    if (r->waf.entry != NULL) {
        call.entry = r->waf.entry;
        if (run_waf(r, req, &call) == HTTP_RESPONDED)
            return HTTP_RESPONDED;
    }
    return run_functions(r, req, &call);
}

http_verdict edge_route_on_request_headers(edge_route *r, http_request *req)
{
    if (r->waf.entry == NULL && r->fn_count == 0)
        return HTTP_CONTINUE;
    if (http_request_content_length(req) != 0) {
        http_request_buffer_body(req); /* modules run in on_request_body, with the whole body */
        return HTTP_CONTINUE;
    }
    return run_all(r, req, NULL, 0);
}

http_verdict edge_route_on_request_body(edge_route *r, http_request *req, const uint8_t *body,
                                        size_t len)
{
    if (r->waf.entry == NULL && r->fn_count == 0)
        return HTTP_CONTINUE;
    return run_all(r, req, body, len);
}

static http_verdict stage_headers(http_request *req, void *ud)
{
    return edge_route_on_request_headers(ud, req);
}

static http_verdict stage_body(http_request *req, const uint8_t *body, size_t len, void *ud)
{
    return edge_route_on_request_body(ud, req, body, len);
}

http_stage edge_route_stage(edge_route *r)
{
    return (http_stage){.name = "edge",
                        .on_request_headers = stage_headers,
                        .on_request_body = stage_body,
                        .ud = r};
}

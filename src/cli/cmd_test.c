/*
 * `aegis-wasm-cli test`: runs a module on a request file outside any server, through the node's
 * own route code (edge_run_* of src/edge/run.c: the same request JSON, host functions, limits,
 * cache, result checks and answers), and shows what a client would get: the status, headers and
 * body, or that the request goes on to the origin, plus the log lines, fuel, time and memory.
 * The request file is read strictly (unknown keys, wrong types and headers the node would refuse
 * are errors naming the file, the line and the field), so a test that passes here is a request
 * the node would have run the same way.
 */
#include "cli/author.h"
#include "edge/edge.h"

#include <errno.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

enum {
    TEST_REQUEST_MAX_BYTES = 16 * 1024 * 1024, /* the node's default body limit plus the head */
    TEST_HEADERS_MAX = 100,                    /* the node's default max_headers */
    TEST_REPEAT_MAX = 1000,
    TEST_DEADLINE_MS_MAX = 60000, /* the node's config ranges (docs/CONFIG.md) */
    TEST_MEMORY_MB_MAX = 4096,
};
#define TEST_FUEL_MAX 1000000000000ull
#define TEST_WASM_PAGE_BYTES 65536u

/* The node's default request limits (docs/CONFIG.md, `limits`), not the http layer's. */
static const http_limits node_limits = {.max_header_bytes = 32768,
                                        .max_uri_bytes = 8192,
                                        .max_headers = TEST_HEADERS_MAX,
                                        .max_body_bytes = 10485760};

static const char help[] =
    "usage: " CLI_PROGRAM " test [--request FILE] [--module M.wasm] [--type function|waf]\n"
    "                      [--fuel N] [--deadline-ms N] [--memory-mb N] [--on-error allow|block]\n"
    "                      [--repeat N] [--json]\n"
    "\n"
    "Runs the module on one request the way a node runs it on a route: the same request JSON,\n"
    "host functions, limits, cache and result checks, outside any server. Prints the answer\n"
    "(status, headers, body) or that the request goes on to the origin (with the headers the\n"
    "module adds to the response), the log lines, fuel used, time and memory.\n"
    "\n"
    "  --request FILE   the request (default request.json): a JSON object with\n"
    "                   \"method\" (\"GET\"), \"uri\" or \"path\" (\"/a?b=1\"), \"headers\"\n"
    "                   ([[name, value], ...] or {name: value}; one must be host), and\n"
    "                   optionally \"body\" (text), \"body_base64\" (bytes), \"client_ip\"\n"
    "  --module M.wasm  the module (default build/NAME.wasm in a project made by init,\n"
    "                   NAME being the current directory's name: what `build` writes)\n"
    "  --type KIND      function or waf (default: what the module exports)\n"
    "  --fuel N         fuel per call (default: function none, waf 25000000)\n"
    "  --deadline-ms N  wall clock per call (default: function 50, waf 10)\n"
    "  --memory-mb N    linear memory in MB of 10^6 bytes (default: function 50, waf 10)\n"
    "  --on-error KIND  waf only: a failing WAF allows (default) or blocks the request\n"
    "  --repeat N       run the request N times on the same instance and cache (1..1000)\n"
    "  --json           print one JSON object instead of text\n"
    "\n"
    "exit status: 0 the module ran (answered, let the request through, or blocked it),\n"
    "1 a file could not be read, 2 usage error, 4 the module failed (trap, out of fuel,\n"
    "deadline, bad result; the kind is printed), 5 the request file is malformed,\n"
    "6 the module is not one a node would load (engine or ABI check; the reasons are printed)\n";

typedef struct test_options {
    const char *request, *module, *type, *fuel, *deadline_ms, *memory_mb, *on_error, *repeat;
    bool json;
} test_options;

/* The request file, parsed: strings owned by the JSON document or malloc'd (body). */
typedef struct test_request {
    json_t *doc;
    const char *method, *target, *client_ip;
    http_header headers[TEST_HEADERS_MAX + 1]; /* + the Content-Length of a body */
    size_t header_count;
    uint8_t *body;
    size_t body_len;
    char length_text[24];
} test_request;

/* ---- the request file ------------------------------------------------------------------------ */

/* Line (1-based) of the first occurrence of "key" in the file's text, 0 when not found: the
 * parser keeps no positions, and this points the author at the right field. */
static int line_of_key(const char *text, const char *key)
{
    char quoted[64];
    snprintf(quoted, sizeof quoted, "\"%s\"", key);
    const char *p = strstr(text, quoted);
    if (p == NULL)
        return 0;
    int line = 1;
    for (const char *c = text; c < p; c++)
        line += *c == '\n';
    return line;
}

static int bad_request(const cli_command *cmd, const char *path, const char *text, const char *key,
                       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int bad_request(const cli_command *cmd, const char *path, const char *text, const char *key,
                       const char *fmt, ...)
{
    char what[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    int line = key && text ? line_of_key(text, key) : 0;
    if (line > 0)
        return cli_fail(cmd, CLI_EXIT_BAD_INPUT, "%s:%d: %s", path, line, what);
    return cli_fail(cmd, CLI_EXIT_BAD_INPUT, "%s: %s", path, what);
}

/* A string field without NUL bytes (the node's strings are C strings). */
static const char *string_field(json_t *v)
{
    if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
        return NULL;
    return json_string_value(v);
}

static int read_headers(const cli_command *cmd, const char *path, const char *text, json_t *hs,
                        test_request *r)
{
    if (json_is_object(hs)) {
        const char *name;
        json_t *value;
        json_object_foreach(hs, name, value)
        {
            if (r->header_count == TEST_HEADERS_MAX)
                return bad_request(cmd, path, text, "headers", "headers: more than %d",
                                   TEST_HEADERS_MAX);
            const char *v = string_field(value);
            if (v == NULL)
                return bad_request(cmd, path, text, name, "headers.%s: expected a string", name);
            r->headers[r->header_count++] = (http_header){name, strlen(name), v, strlen(v)};
        }
        return CLI_EXIT_OK;
    }
    if (!json_is_array(hs))
        return bad_request(cmd, path, text, "headers",
                           "headers: expected [[name, value], ...] or {name: value}");
    if (json_array_size(hs) > TEST_HEADERS_MAX)
        return bad_request(cmd, path, text, "headers", "headers: %zu, more than %d",
                           json_array_size(hs), TEST_HEADERS_MAX);
    size_t i;
    json_t *h;
    json_array_foreach(hs, i, h)
    {
        const char *n = string_field(json_array_get(h, 0)), *v = string_field(json_array_get(h, 1));
        if (!json_is_array(h) || json_array_size(h) != 2 || n == NULL || v == NULL)
            return bad_request(cmd, path, text, "headers",
                               "headers[%zu]: expected [name, value], two strings", i);
        r->headers[r->header_count++] = (http_header){n, strlen(n), v, strlen(v)};
    }
    return CLI_EXIT_OK;
}

static int read_body(const cli_command *cmd, const char *path, const char *text, json_t *doc,
                     test_request *r)
{
    json_t *body = json_object_get(doc, "body"), *b64 = json_object_get(doc, "body_base64");
    if (body != NULL && !json_is_string(body))
        return bad_request(cmd, path, text, "body",
                           "body: expected a string (text; bytes go in "
                           "body_base64)");
    if (b64 != NULL && !json_is_string(b64))
        return bad_request(cmd, path, text, "body_base64", "body_base64: expected a string");
    if (b64 != NULL && json_string_length(body) > 0)
        return bad_request(cmd, path, text, "body_base64",
                           "body and body_base64 are both given: use one of them");
    const char *src = b64 ? json_string_value(b64) : body ? json_string_value(body) : "";
    size_t n = b64 ? json_string_length(b64) : body ? json_string_length(body) : 0;
    r->body = malloc(n + 1);
    if (r->body == NULL)
        return cli_fail(cmd, CLI_EXIT_FAILED, "out of memory");
    if (b64 == NULL) {
        memcpy(r->body, src, n);
        r->body_len = n;
        return CLI_EXIT_OK;
    }
    const char *end;
    if (sodium_base642bin(r->body, n + 1, src, n, " \n\r\t", &r->body_len, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        *end != '\0')
        return bad_request(cmd, path, text, "body_base64",
                           "body_base64: not valid base64 (standard alphabet, with padding) at "
                           "character %zu",
                           (size_t)(end ? end - src : 0));
    return CLI_EXIT_OK;
}

static int read_request(const cli_command *cmd, const char *path, test_request *r)
{
    memset(r, 0, sizeof *r);
    uint8_t *bytes;
    size_t len;
    /* author_read_module bounds the size; the limit of a module is also ample for a request. */
    if (author_read_module(cmd, path, &bytes, &len) != CLI_EXIT_OK)
        return CLI_EXIT_FAILED;
    char *text = realloc(bytes, len + 1);
    if (text == NULL) {
        free(bytes);
        return cli_fail(cmd, CLI_EXIT_FAILED, "out of memory");
    }
    text[len] = '\0';
    int rc = CLI_EXIT_OK;
    json_error_t je;
    if (len > TEST_REQUEST_MAX_BYTES) {
        rc = bad_request(cmd, path, NULL, NULL, "%zu bytes, more than %d", len,
                         TEST_REQUEST_MAX_BYTES);
    } else if ((r->doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je)) == NULL) {
        rc = cli_fail(cmd, CLI_EXIT_BAD_INPUT, "%s:%d:%d: %s", path, je.line, je.column, je.text);
    } else if (!json_is_object(r->doc)) {
        rc = bad_request(cmd, path, NULL, NULL,
                         "expected a JSON object {\"method\", \"uri\", "
                         "\"headers\", \"body\"}");
    }
    static const char *const known[] = {"method", "uri",         "path",     "headers",
                                        "body",   "body_base64", "client_ip"};
    const char *key;
    json_t *value;
    if (rc == CLI_EXIT_OK)
        json_object_foreach(r->doc, key, value)
        {
            bool ok = false;
            for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
                ok = ok || strcmp(key, known[i]) == 0;
            if (!ok) {
                rc = bad_request(cmd, path, text, key,
                                 "unknown field \"%s\" (the fields are method, uri or path, "
                                 "headers, body or body_base64, client_ip)",
                                 key);
                break;
            }
        }
    json_t *uri = rc ? NULL : json_object_get(r->doc, "uri");
    json_t *alt = rc ? NULL : json_object_get(r->doc, "path");
    if (rc != CLI_EXIT_OK) {
    } else if ((r->method = string_field(json_object_get(r->doc, "method"))) == NULL) {
        rc = bad_request(cmd, path, text, "method", "method: expected a string such as \"GET\"");
    } else if (uri != NULL && alt != NULL) {
        rc = bad_request(cmd, path, text, "path", "uri and path are both given: use one of them");
    } else if ((r->target = string_field(uri ? uri : alt)) == NULL) {
        rc = bad_request(cmd, path, text,
                         uri   ? "uri"
                         : alt ? "path"
                               : NULL,
                         "uri: expected a string such as \"/hello?name=world\"");
    } else if (json_object_get(r->doc, "client_ip") != NULL &&
               (r->client_ip = string_field(json_object_get(r->doc, "client_ip"))) == NULL) {
        rc = bad_request(cmd, path, text, "client_ip", "client_ip: expected a string");
    } else if (json_object_get(r->doc, "headers") != NULL) {
        rc = read_headers(cmd, path, text, json_object_get(r->doc, "headers"), r);
    }
    if (rc == CLI_EXIT_OK)
        rc = read_body(cmd, path, text, r->doc, r);
    /* A client sends a body with its length: the module sees that header on a node. */
    bool has_length = false;
    for (size_t i = 0; i < r->header_count; i++)
        has_length = has_length || strcasecmp(r->headers[i].name, "content-length") == 0;
    if (rc == CLI_EXIT_OK && r->body_len > 0 && !has_length) {
        snprintf(r->length_text, sizeof r->length_text, "%zu", r->body_len);
        r->headers[r->header_count++] =
            (http_header){"content-length", 14, r->length_text, strlen(r->length_text)};
    }
    free(text);
    return rc;
}

static void request_clear(test_request *r)
{
    json_decref(r->doc);
    free(r->body);
    memset(r, 0, sizeof *r);
}

/* ---- options ----------------------------------------------------------------------------------
 */

static int parse_u64(const cli_command *cmd, const char *opt, const char *s, uint64_t min,
                     uint64_t max, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = s ? strtoull(s, &end, 10) : 0;
    if (s == NULL)
        return CLI_EXIT_OK;
    if (errno || end == s || *end || s[0] == '-' || v < min || v > max)
        return cli_fail(cmd, CLI_EXIT_USAGE, "--%s \"%s\": expected %llu to %llu", opt, s,
                        (unsigned long long)min, (unsigned long long)max);
    *out = v;
    return CLI_EXIT_OK;
}

/* build/NAME.wasm of the current directory, as `build` names its output. */
static int default_module(const cli_command *cmd, char out[AUTHOR_PATH_MAX_BYTES])
{
    int rc = author_project_output(cmd, ".", out);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (access(out, R_OK) != 0)
        return cli_fail(cmd, CLI_EXIT_FAILED,
                        "no --module given and %s does not exist: run " CLI_PROGRAM
                        " build first (or make), or pass --module M.wasm",
                        out);
    return CLI_EXIT_OK;
}

/* ---- output ---------------------------------------------------------------------------------- */

static const char *outcome(const edge_run_result *r, edge_module_type type)
{
    if (r->fail_kind >= 0)
        return "failed";
    if (type == EDGE_MODULE_WAF)
        return r->status == 403 ? "blocked" : "allowed";
    return r->status ? "answered" : "continued";
}

static bool printable_text(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\n' && c != '\t' && c != '\r') || c == 0x7f)
            return false;
    }
    return true;
}

static void print_text(const edge_run_result *r, edge_module_type type, const char *module,
                       const char *sha, bool first)
{
    if (first)
        printf("module   %s (%s, sha256 %.16s...)\n", module,
               type == EDGE_MODULE_WAF ? "waf" : "function", sha);
    const char *what = outcome(r, type);
    if (r->status != 0)
        printf("status   %d %s (%s)\n", r->status, http_status_reason(r->status),
               strcmp(what, "answered") == 0  ? "answered by the module"
               : strcmp(what, "blocked") == 0 ? "blocked by the WAF"
               : type == EDGE_MODULE_WAF      ? "the node's answer to a failing WAF (on_error "
                                                "block)"
                                              : "the node's answer to a failing function");
    else
        printf("status   none: the request goes on to the origin%s\n",
               strcmp(what, "failed") == 0 ? " (a failing WAF with on_error allow)" : "");
    if (r->content_type != NULL || r->header_count > 0) {
        printf("headers%s\n", r->status ? "" : "  (added to the origin's response)");
        if (r->content_type != NULL) {
            printf("  Content-Type: ");
            cli_print_safe(stdout, r->content_type);
            putchar('\n');
        }
        for (size_t i = 0; i < r->header_count; i++) {
            printf("  ");
            cli_print_safe(stdout, r->header_names[i]);
            printf(": ");
            cli_print_safe(stdout, r->header_values[i]);
            putchar('\n');
        }
    }
    if (r->status != 0) {
        printf("body     %zu bytes\n", r->body_len);
        if (printable_text(r->body, r->body_len)) {
            fwrite(r->body, 1, r->body_len, stdout);
            if (r->body_len > 0 && r->body[r->body_len - 1] != '\n')
                putchar('\n');
        } else {
            printf("  (binary: --json shows it as body_base64)\n");
        }
    }
    printf("log      %zu line%s\n", r->log_count, r->log_count == 1 ? "" : "s");
    for (size_t i = 0; i < r->log_count; i++) {
        printf("  ");
        cli_print_safe(stdout, r->log_lines[i]);
        putchar('\n');
    }
    if (r->fail_kind >= 0) {
        printf("trap     %s: ", r->fail_name);
        cli_print_safe(stdout, r->fail_message);
        putchar('\n');
    }
    printf("fuel     %llu\n", (unsigned long long)r->fuel);
    if (r->instantiate_us)
        printf("time     %llu us (instantiation %llu us more, once per worker on a node)\n",
               (unsigned long long)r->call_us, (unsigned long long)r->instantiate_us);
    else
        printf("time     %llu us\n", (unsigned long long)r->call_us);
    unsigned long long pages = r->memory_bytes / TEST_WASM_PAGE_BYTES;
    printf("memory   %llu bytes (%llu page%s of 64 KiB)\n", (unsigned long long)r->memory_bytes,
           pages, pages == 1 ? "" : "s");
}

static json_t *result_json(const edge_run_result *r, edge_module_type type)
{
    json_t *o = json_object(), *headers = json_array(), *logs = json_array();
    if (o == NULL || headers == NULL || logs == NULL) {
        json_decref(o);
        json_decref(headers);
        json_decref(logs);
        return NULL;
    }
    if (r->content_type != NULL)
        json_array_append_new(headers, json_pack("[s,s]", "Content-Type", r->content_type));
    for (size_t i = 0; i < r->header_count; i++)
        json_array_append_new(headers, json_pack("[s,s]", r->header_names[i], r->header_values[i]));
    for (size_t i = 0; i < r->log_count; i++)
        json_array_append_new(logs, json_string(r->log_lines[i]));
    json_object_set_new(o, "outcome", json_string(outcome(r, type)));
    json_object_set_new(o, "status", r->status ? json_integer(r->status) : json_null());
    json_object_set_new(o, "headers", headers);
    json_t *body = json_stringn(r->body, r->body_len); /* NULL when not UTF-8 */
    if (body != NULL) {
        json_object_set_new(o, "body", body);
    } else {
        size_t cap = sodium_base64_encoded_len(r->body_len, sodium_base64_VARIANT_ORIGINAL);
        char *b64 = malloc(cap);
        if (b64 != NULL)
            sodium_bin2base64(b64, cap, (const unsigned char *)r->body, r->body_len,
                              sodium_base64_VARIANT_ORIGINAL);
        json_object_set_new(o, "body", json_string(""));
        json_object_set_new(o, "body_base64", b64 ? json_string(b64) : json_null());
        free(b64);
    }
    json_object_set_new(o, "logs", logs);
    json_object_set_new(
        o, "trap",
        r->fail_kind >= 0 ? json_pack("{s:s,s:s}", "kind", r->fail_name, "message", r->fail_message)
                          : json_null());
    json_object_set_new(o, "fuel", json_integer((json_int_t)r->fuel));
    json_object_set_new(o, "time_us", json_integer((json_int_t)r->call_us));
    json_object_set_new(o, "instantiate_us", json_integer((json_int_t)r->instantiate_us));
    json_object_set_new(o, "memory_bytes", json_integer((json_int_t)r->memory_bytes));
    json_t *req = r->request_json ? json_loads(r->request_json, 0, NULL) : NULL;
    json_object_set_new(o, "request", req ? req : json_null());
    return o;
}

/* ---- the command ----------------------------------------------------------------------------- */

/* Loads the module and checks it as `build` does (the ABI checker's words), then gives it to
 * the edge. Returns CLI_EXIT_OK with *run set, or CLI_EXIT_ABI / CLI_EXIT_FAILED. */
static int load_module(const cli_command *cmd, const char *path, const uint8_t *bytes, size_t len,
                       edge_run_options *ro, bool type_given, edge_run **run)
{
    eng_error ee = {0};
    eng_module *m = eng_module_new(bytes, len, &ee);
    if (m == NULL)
        return cli_fail(cmd, CLI_EXIT_ABI, "%s: the engine refuses the module (%s): %s", path,
                        eng_status_name(ee.status), ee.message);
    cli_abi_report *abi = malloc(sizeof *abi);
    if (abi == NULL) {
        eng_module_free(m);
        return cli_fail(cmd, CLI_EXIT_FAILED, "out of memory");
    }
    cli_abi_kind want = !type_given                   ? CLI_ABI_NONE
                        : ro->type == EDGE_MODULE_WAF ? CLI_ABI_WAF
                                                      : CLI_ABI_FUNCTION;
    bool ok = cli_abi_check(m, want, abi);
    eng_module_free(m);
    for (size_t i = 0; i < abi->problem_count && i < CLI_ABI_PROBLEMS_MAX; i++)
        cli_fail(cmd, CLI_EXIT_ABI, "%s: %s", path, abi->problems[i]);
    if (!ok) {
        size_t n = abi->problem_count;
        free(abi);
        return cli_fail(cmd, CLI_EXIT_ABI,
                        "%s does not conform to guest ABI v1 (%zu problem%s): a node would refuse "
                        "it",
                        path, n, n == 1 ? "" : "s");
    }
    if (!type_given)
        ro->type = abi->kind == CLI_ABI_WAF ? EDGE_MODULE_WAF : EDGE_MODULE_FUNCTION;
    free(abi);
    char err[512];
    *run = edge_run_new(bytes, len, ro, err, sizeof err);
    if (*run == NULL)
        return cli_fail(cmd, CLI_EXIT_ABI, "%s: a node would refuse the module: %s", path, err);
    return CLI_EXIT_OK;
}

/* Module id in log lines: the file name without .wasm, as the node names a module file. */
static void module_id(const char *path, char *out, size_t cap)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    if (n > 5 && strcmp(base + n - 5, ".wasm") == 0)
        n -= 5;
    snprintf(out, cap, "%.*s", (int)(n < 64 ? n : 64), base);
    for (char *p = out; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_' || *p == '.'))
            *p = '_';
}

static int run_requests(const cli_command *cmd, const test_options *o, edge_run *run,
                        edge_module_type type, const char *module, const char *sha,
                        const test_request *req, uint64_t repeat)
{
    http_local_request head = {.method = req->method,
                               .target = req->target,
                               .client_ip = req->client_ip,
                               .headers = req->headers,
                               .header_count = req->header_count,
                               .limits = &node_limits};
    json_t *runs = o->json ? json_array() : NULL;
    json_t *last = NULL;
    int rc = CLI_EXIT_OK;
    for (uint64_t i = 0; i < repeat; i++) {
        edge_run_result res;
        char err[512];
        if (edge_run_request(run, &head, req->body, req->body_len, &res, err, sizeof err) != 0) {
            rc = cli_fail(cmd, strstr(err, "out of memory") ? CLI_EXIT_FAILED : CLI_EXIT_BAD_INPUT,
                          "%s: %s", o->request ? o->request : "request.json", err);
            break;
        }
        if (res.fail_kind >= 0)
            rc = CLI_EXIT_TRAP;
        if (o->json) {
            json_decref(last);
            last = result_json(&res, type);
            if (last != NULL && repeat > 1)
                json_array_append(runs, last);
        } else {
            if (repeat > 1)
                printf("%s--- run %llu of %llu\n", i ? "\n" : "", (unsigned long long)i + 1,
                       (unsigned long long)repeat);
            print_text(&res, type, module, sha, i == 0);
        }
        edge_run_result_clear(&res);
    }
    if (o->json && last != NULL && (rc == CLI_EXIT_OK || rc == CLI_EXIT_TRAP)) {
        json_object_set_new(last, "module", json_string(module));
        json_object_set_new(last, "type",
                            json_string(type == EDGE_MODULE_WAF ? "waf" : "function"));
        json_object_set_new(last, "sha256", json_string(sha));
        /* With --repeat, the last run's fields and every run under "runs" (a copy: the runs
         * array already holds the last run, and a document must not contain itself). */
        json_t *top = repeat > 1 ? json_deep_copy(last) : json_incref(last);
        if (top != NULL && repeat > 1)
            json_object_set(top, "runs", runs);
        if (author_print_json(cmd, top) != CLI_EXIT_OK)
            rc = CLI_EXIT_FAILED;
    }
    json_decref(last);
    json_decref(runs);
    if (rc == CLI_EXIT_TRAP)
        cli_fail(cmd, CLI_EXIT_TRAP, "the module failed: a node would answer as shown");
    return rc;
}

static int run(const cli_command *cmd, int argc, char **argv)
{
    test_options o = {0};
    const cli_option opts[] = {{"request", &o.request, NULL},
                               {"module", &o.module, NULL},
                               {"type", &o.type, NULL},
                               {"fuel", &o.fuel, NULL},
                               {"deadline-ms", &o.deadline_ms, NULL},
                               {"memory-mb", &o.memory_mb, NULL},
                               {"on-error", &o.on_error, NULL},
                               {"repeat", &o.repeat, NULL},
                               {"json", NULL, &o.json}};
    bool help_shown;
    int rc = cli_parse(cmd, argc, argv, opts, sizeof opts / sizeof opts[0], NULL, &help_shown);
    if (rc != CLI_EXIT_OK || help_shown)
        return rc;
    cli_abi_kind kind;
    if (!author_kind_parse(o.type, &kind))
        return cli_fail(cmd, CLI_EXIT_USAGE, "--type is function or waf, not \"%s\"", o.type);
    edge_run_options ro = {.type = kind == CLI_ABI_WAF ? EDGE_MODULE_WAF : EDGE_MODULE_FUNCTION};
    bool type_given = o.type != NULL;
    if (o.on_error != NULL && strcmp(o.on_error, "allow") != 0 && strcmp(o.on_error, "block") != 0)
        return cli_fail(cmd, CLI_EXIT_USAGE, "--on-error is allow or block, not \"%s\"",
                        o.on_error);
    ro.waf_block_on_error = o.on_error != NULL && strcmp(o.on_error, "block") == 0;
    uint64_t memory_mb = 0, repeat = 1;
    if ((rc = parse_u64(cmd, "fuel", o.fuel, 1, TEST_FUEL_MAX, &ro.limits.fuel)) ||
        (rc = parse_u64(cmd, "deadline-ms", o.deadline_ms, 1, TEST_DEADLINE_MS_MAX,
                        &ro.limits.deadline_ms)) ||
        (rc = parse_u64(cmd, "memory-mb", o.memory_mb, 1, TEST_MEMORY_MB_MAX, &memory_mb)) ||
        (rc = parse_u64(cmd, "repeat", o.repeat, 1, TEST_REPEAT_MAX, &repeat)))
        return rc;
    ro.limits.max_memory_bytes = memory_mb * 1000000;

    char module_path[AUTHOR_PATH_MAX_BYTES], id[72];
    if (o.module != NULL)
        snprintf(module_path, sizeof module_path, "%s", o.module);
    else if ((rc = default_module(cmd, module_path)) != CLI_EXIT_OK)
        return rc;
    const char *request_path = o.request ? o.request : "request.json";
    test_request req;
    if ((rc = read_request(cmd, request_path, &req)) != CLI_EXIT_OK) {
        request_clear(&req);
        return rc;
    }
    uint8_t *bytes;
    size_t len;
    if (author_read_module(cmd, module_path, &bytes, &len) != CLI_EXIT_OK) {
        request_clear(&req);
        return CLI_EXIT_FAILED;
    }
    char sha[AUTHOR_SHA256_HEX_BYTES];
    author_sha256_hex(bytes, len, sha);
    module_id(module_path, id, sizeof id);
    ro.module_id = id;
    ro.owner = id;
    edge_run *er = NULL;
    rc = load_module(cmd, module_path, bytes, len, &ro, type_given, &er);
    free(bytes);
    if (rc == CLI_EXIT_OK)
        rc = run_requests(cmd, &o, er, ro.type, module_path, sha, &req, repeat);
    edge_run_free(er);
    request_clear(&req);
    return rc;
}

const cli_command cli_cmd_test = {"test",
                                  "run a module on a request file with the node's host API and "
                                  "limits",
                                  help, run};

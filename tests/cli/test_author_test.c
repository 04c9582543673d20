/*
 * `aegis-wasm-cli test` with the real binary: the generated project passes its own test (also
 * through its Makefile), the answer / continue / block outcomes of functions and WAFs with the
 * request JSON the module received, cache and instance semantics across --repeat, and the error
 * paths, each with its exit status and message: a trapping module (unreachable, out of fuel,
 * deadline, bad result) and the kind printed, a module without handle_request, a module importing
 * an unknown host function, malformed request files (with file:line).
 */
#include "test.h"
#include "test_author_run.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *fixture(const char *name)
{
    static char path[1024];
    char rel[256];
    snprintf(rel, sizeof rel, "wat/tests/cli/test_author_test_%s.wasm", name);
    snprintf(path, sizeof path, "%s", test_build_path(rel));
    return path;
}

/* init NAME (type) in tmp and build it; dir receives tmp/NAME. */
static void project(const char *tmp, const char *name, const char *type, char dir[128])
{
    author_result r;
    const char *init[] = {"init", name, "--type", type, NULL};
    author_exec(&r, NULL, tmp, NULL, init);
    CHECK_MSG(r.status == 0, "init: %s", r.err);
    snprintf(dir, 128, "%s/%s", tmp, name);
    const char *build[] = {"build", NULL};
    author_exec(&r, NULL, dir, NULL, build);
    CHECK_MSG(r.status == 0, "build: %s", r.err);
}

/* Runs `test` in dir with argv after "test"; parses --json output when asked. */
static json_t *run_json(author_result *r, const char *dir, const char *const args[])
{
    const char *argv[16] = {"test", "--json"};
    size_t n = 2;
    for (size_t i = 0; args[i] != NULL && n < 15; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    author_exec(r, NULL, dir, NULL, argv);
    json_error_t je;
    json_t *doc = json_loads(r->out, 0, &je);
    CHECK_MSG(doc != NULL, "not JSON (%s): %s / %s", je.text, r->out, r->err);
    return doc;
}

static const char *jstr(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

TEST(test_test_runs_the_generated_project_on_its_request_as_a_node_would)
{
    char tmp[64], dir[128];
    author_tmpdir(tmp);
    project(tmp, "hello", "function", dir);

    /* No arguments: build/hello.wasm and request.json, as the README says. */
    author_result r;
    const char *plain[] = {"test", NULL};
    author_exec(&r, NULL, dir, NULL, plain);
    CHECK_MSG(r.status == 0, "test exited %d: %s", r.status, r.err);
    CHECK_STR_EQ(r.err, "");
    CHECK(strncmp(r.out, "module   build/hello.wasm (function, sha256 ", 44) == 0);
    CHECK_STR_HAS(r.out, "\nstatus   200 OK (answered by the module)\n"
                         "headers\n  Content-Type: text/plain\n"
                         "body     40 bytes\nHello from hello: GET /hello?name=world\n"
                         "log      1 line\n"
                         "  event=module_log module=hello request_id=local-1 msg=\"hello: handling "
                         "a request\"\nfuel     ");
    CHECK_STR_HAS(r.out, " us (instantiation ");
    CHECK_STR_HAS(r.out, "\nmemory   131072 bytes (2 pages of 64 KiB)\n");

    /* --json: the same run, with the request JSON the module received (guest ABI v1). */
    const char *none[] = {NULL};
    json_t *doc = run_json(&r, dir, none);
    CHECK_INT_EQ(r.status, 0);
    CHECK_STR_EQ(jstr(doc, "outcome"), "answered");
    CHECK_INT_EQ(json_integer_value(json_object_get(doc, "status")), 200);
    CHECK_STR_EQ(jstr(doc, "body"), "Hello from hello: GET /hello?name=world\n");
    CHECK_STR_EQ(jstr(doc, "module"), "build/hello.wasm");
    CHECK_STR_EQ(jstr(doc, "type"), "function");
    CHECK(json_is_null(json_object_get(doc, "trap")));
    CHECK(json_integer_value(json_object_get(doc, "fuel")) > 1000);
    CHECK_INT_EQ(json_integer_value(json_object_get(doc, "memory_bytes")), 131072);
    char *req = json_dumps(json_object_get(doc, "request"), JSON_COMPACT | JSON_PRESERVE_ORDER);
    CHECK_STR_EQ(req, "{\"method\":\"GET\",\"uri\":\"/hello?name=world\",\"headers\":[[\"host\","
                      "\"localhost\"],[\"user-agent\",\"curl/8.0\"],[\"accept\",\"*/*\"]],"
                      "\"body\":\"\",\"client_ip\":\"127.0.0.1\"}");
    free(req);
    /* Fuel is deterministic: the same request costs the same units on every run. */
    json_int_t fuel = json_integer_value(json_object_get(doc, "fuel"));
    json_decref(doc);
    doc = run_json(&r, dir, none);
    CHECK_INT_EQ(json_integer_value(json_object_get(doc, "fuel")), fuel);
    json_decref(doc);

    /* The Makefile's promise: `make test` builds and runs the same test. */
    char var[1100];
    snprintf(var, sizeof var, "AEGIS_WASM_CLI=%s", author_cli_path());
    const char *make[] = {"-s", "test", var, NULL};
    author_exec(&r, "make", dir, NULL, make);
    CHECK_MSG(r.status == 0, "make test: %s %s", r.out, r.err);
    CHECK_STR_HAS(r.out, "status   200 OK (answered by the module)\n");
    author_rmtree(tmp);
}

TEST(test_test_shows_a_request_that_continues_with_headers_and_a_body)
{
    char tmp[64], dir[128];
    author_tmpdir(tmp);
    project(tmp, "edge", "function", dir);
    /* Object-form headers, "path" for "uri", a text body (Content-Length added as a client
     * would send it) and a client address. */
    author_write(dir, "post.json",
                 "{\"method\": \"POST\", \"path\": \"/api/items\",\n"
                 " \"headers\": {\"Host\": \"example.com\", \"Content-Type\": \"text/plain\"},\n"
                 " \"body\": \"caf\\u00e9\", \"client_ip\": \"2001:db8::1\"}\n");
    author_result r;
    const char *args[] = {"--request", "post.json", NULL};
    json_t *doc = run_json(&r, dir, args);
    CHECK_INT_EQ(r.status, 0);
    CHECK_STR_EQ(jstr(doc, "outcome"), "continued");
    CHECK(json_is_null(json_object_get(doc, "status")));
    char *h = json_dumps(json_object_get(doc, "headers"), JSON_COMPACT);
    CHECK_STR_EQ(h, "[[\"X-Handled-By\",\"edge\"]]");
    free(h);
    char *req = json_dumps(json_object_get(doc, "request"), JSON_COMPACT | JSON_PRESERVE_ORDER);
    CHECK_STR_EQ(req, "{\"method\":\"POST\",\"uri\":\"/api/items\",\"headers\":[[\"Host\","
                      "\"example.com\"],[\"Content-Type\",\"text/plain\"],[\"content-length\","
                      "\"5\"]],\"body\":\"caf\xc3\xa9\",\"client_ip\":\"2001:db8::1\"}");
    free(req);
    json_decref(doc);

    /* Bytes that are not UTF-8 reach the module as body_base64, as on a node. */
    author_write(dir, "bin.json",
                 "{\"method\": \"PUT\", \"uri\": \"/b\", \"headers\": [[\"host\", \"h\"]],\n"
                 " \"body_base64\": \"/wABAg==\"}\n");
    const char *bin[] = {"--request", "bin.json", NULL};
    doc = run_json(&r, dir, bin);
    CHECK_INT_EQ(r.status, 0);
    json_t *rq = json_object_get(doc, "request");
    CHECK_STR_EQ(jstr(rq, "body"), "");
    CHECK_STR_EQ(jstr(rq, "body_base64"), "/wABAg==");
    json_decref(doc);

    /* The text form says where the request goes. */
    const char *text[] = {"test", "--request", "post.json", NULL};
    author_exec(&r, NULL, dir, NULL, text);
    CHECK_INT_EQ(r.status, 0);
    CHECK_STR_HAS(r.out, "status   none: the request goes on to the origin\n"
                         "headers  (added to the origin's response)\n"
                         "  X-Handled-By: edge\n");
    author_rmtree(tmp);
}

TEST(test_test_waf_project_blocks_allows_and_follows_on_error)
{
    char tmp[64], dir[128];
    author_tmpdir(tmp);
    project(tmp, "guard", "waf", dir);
    author_result r;
    const char *plain[] = {"test", NULL};
    author_exec(&r, NULL, dir, NULL, plain);
    CHECK_MSG(r.status == 0, "%s", r.err);
    CHECK_STR_HAS(r.out, "(waf, sha256 ");
    CHECK_STR_HAS(r.out, "\nstatus   none: the request goes on to the origin\nlog      0 lines\n");

    author_write(dir, "xss.json",
                 "{\"method\": \"GET\", \"uri\": \"/?q=<script>alert(1)</script>\",\n"
                 " \"headers\": [[\"host\", \"shop.example\"], [\"accept\", "
                 "\"application/json\"], [\"x-request-id\", \"req-42\"]]}\n");
    const char *xss[] = {"--request", "xss.json", NULL};
    json_t *doc = run_json(&r, dir, xss);
    CHECK_INT_EQ(r.status, 0);
    CHECK_STR_EQ(jstr(doc, "outcome"), "blocked");
    CHECK_INT_EQ(json_integer_value(json_object_get(doc, "status")), 403);
    /* The node's own 403, as JSON for a JSON client, with the client's request id. */
    CHECK_STR_EQ(jstr(doc, "body"), "{\"error\":\"blocked\",\"message\":\"The request was "
                                    "blocked.\",\"request_id\":\"req-42\"}");
    json_t *logs = json_object_get(doc, "logs");
    CHECK_UINT_EQ(json_array_size(logs), 2);
    CHECK_STR_EQ(json_string_value(json_array_get(logs, 0)),
                 "event=module_log module=guard request_id=req-42 msg=\"guard: blocked a script "
                 "in the URI\"");
    CHECK_STR_EQ(json_string_value(json_array_get(logs, 1)),
                 "event=waf_block module=guard request_id=req-42 method=GET score=5 rules=1");
    json_decref(doc);

    /* A trapping WAF: on_error allow lets the request through, block answers 403; both are a
     * failure of the module (exit 4) with its kind. */
    const char *allow[] = {"--module", fixture("waf_trap"), NULL};
    doc = run_json(&r, dir, allow);
    CHECK_INT_EQ(r.status, 4);
    CHECK_STR_EQ(jstr(doc, "outcome"), "failed");
    CHECK(json_is_null(json_object_get(doc, "status")));
    CHECK_STR_EQ(jstr(json_object_get(doc, "trap"), "kind"), "unreachable");
    json_decref(doc);
    const char *block[] = {"--module", fixture("waf_trap"), "--on-error", "block", NULL};
    doc = run_json(&r, dir, block);
    CHECK_INT_EQ(r.status, 4);
    CHECK_INT_EQ(json_integer_value(json_object_get(doc, "status")), 403);
    CHECK_STR_HAS(json_string_value(json_array_get(json_object_get(doc, "logs"), 0)),
                  "kind=\"unreachable\" error=\"unreachable\" suppressed=0 on_error=block");
    json_decref(doc);
    author_rmtree(tmp);
}

TEST(test_test_repeat_shares_the_cache_and_resets_the_instance)
{
    char tmp[64], dir[128];
    author_tmpdir(tmp);
    project(tmp, "counter", "function", dir);
    /* A static counter (instance memory: reset before every request, as on a node) next to a
     * cache entry (shared by the requests of the route, with its TTL). */
    author_write(dir, "counter.c",
                 "#include \"aegis.h\"\n#include <stdio.h>\n"
                 "AEGIS_DEFINE_ALLOC()\n"
                 "static int calls;\n"
                 "AEGIS_EXPORT(\"handle_request\") int32_t handle_request(const char *p, "
                 "int32_t n)\n{\n"
                 "    (void)p; (void)n;\n"
                 "    char seen[8], body[64];\n"
                 "    int32_t got = aegis_cache_get(\"seen\", 4, seen, sizeof seen);\n"
                 "    if (got < 0) aegis_cache_set(\"seen\", 4, \"yes\", 3, 60);\n"
                 "    snprintf(body, sizeof body, \"calls=%d cache=%s\", ++calls, got < 0 ? "
                 "\"miss\" : \"hit\");\n"
                 "    return aegis_respond(200, \"text/plain\", body);\n}\n");
    author_result r;
    const char *build[] = {"build", NULL};
    author_exec(&r, NULL, dir, NULL, build);
    CHECK_MSG(r.status == 0, "%s", r.err);
    const char *args[] = {"--repeat", "3", NULL};
    json_t *doc = run_json(&r, dir, args);
    CHECK_INT_EQ(r.status, 0);
    json_t *runs = json_object_get(doc, "runs");
    CHECK_UINT_EQ(json_array_size(runs), 3);
    CHECK_STR_EQ(jstr(json_array_get(runs, 0), "body"), "calls=1 cache=miss");
    CHECK_STR_EQ(jstr(json_array_get(runs, 1), "body"), "calls=1 cache=hit");
    CHECK_STR_EQ(jstr(json_array_get(runs, 2), "body"), "calls=1 cache=hit");
    CHECK(json_integer_value(json_object_get(json_array_get(runs, 0), "instantiate_us")) > 0);
    CHECK_INT_EQ(json_integer_value(json_object_get(json_array_get(runs, 1), "instantiate_us")), 0);
    json_decref(doc);
    author_rmtree(tmp);
}

TEST(test_test_trapping_module_exits_4_with_the_trap_kind)
{
    char tmp[64];
    author_tmpdir(tmp);
    author_write(tmp, "request.json",
                 "{\"method\": \"GET\", \"uri\": \"/\", \"headers\": [[\"host\", \"a\"]]}\n");
    author_result r;
    const char *trap[] = {"test", "--module", fixture("trap"), NULL};
    author_exec(&r, NULL, tmp, NULL, trap);
    CHECK_INT_EQ(r.status, 4);
    CHECK_STR_EQ(r.err, "aegis-wasm-cli test: the module failed: a node would answer as shown\n");
    CHECK_STR_HAS(r.out, "\nstatus   502 Bad Gateway (the node's answer to a failing function)\n");
    CHECK_STR_HAS(r.out, "<p>The edge function serving this request failed.</p><p>Request ID: "
                         "local-1</p>");
    CHECK_STR_HAS(r.out, "log      2 lines\n"
                         "  event=module_log module=test_author_test_trap request_id=local-1 "
                         "msg=\"about to trap\"\n"
                         "  event=module_failed module=test_author_test_trap request_id=local-1 "
                         "kind=\"unreachable\" error=\"unreachable\" suppressed=0\n"
                         "trap     unreachable: unreachable\nfuel     6\n");

    /* Out of fuel with --fuel, the deadline without a fuel limit, a result that is not JSON. */
    const char *fuel[] = {"--module", fixture("loop"), "--fuel", "1000", NULL};
    json_t *doc = run_json(&r, tmp, fuel);
    CHECK_INT_EQ(r.status, 4);
    CHECK_STR_EQ(jstr(json_object_get(doc, "trap"), "kind"), "out of fuel");
    CHECK_INT_EQ(json_integer_value(json_object_get(doc, "status")), 502);
    CHECK(json_integer_value(json_object_get(doc, "fuel")) <= 1000 + 16);
    json_decref(doc);
    const char *deadline[] = {"--module", fixture("loop"), "--deadline-ms", "20", NULL};
    doc = run_json(&r, tmp, deadline);
    CHECK_INT_EQ(r.status, 4);
    CHECK_STR_EQ(jstr(json_object_get(doc, "trap"), "kind"), "deadline exceeded");
    CHECK(json_integer_value(json_object_get(doc, "time_us")) >= 20000);
    json_decref(doc);
    const char *bad[] = {"--module", fixture("bad_result"), NULL};
    doc = run_json(&r, tmp, bad);
    CHECK_INT_EQ(r.status, 4);
    CHECK_STR_EQ(jstr(json_object_get(doc, "trap"), "kind"), "bad result");
    CHECK_STR_EQ(jstr(json_object_get(doc, "trap"), "message"),
                 "result is not JSON: '[' or '{' expected near 'nope' at byte 4");
    json_decref(doc);
    author_rmtree(tmp);
}

TEST(test_test_refuses_modules_a_node_would_refuse_with_exit_6)
{
    char tmp[64];
    author_tmpdir(tmp);
    author_write(tmp, "request.json",
                 "{\"method\": \"GET\", \"uri\": \"/\", \"headers\": [[\"host\", \"a\"]]}\n");
    author_result r;
    char want[2048];
    const char *no_entry[] = {"test", "--module", fixture("no_entry"), NULL};
    author_exec(&r, NULL, tmp, NULL, no_entry);
    CHECK_INT_EQ(r.status, 6);
    CHECK_STR_EQ(r.out, "");
    snprintf(want, sizeof want,
             "aegis-wasm-cli test: %1$s: no entry point: an edge function exports handle_request "
             "(AEGIS_EXPORT(\"handle_request\") int32_t handle_request(const char *ptr, int32_t "
             "len)), a WAF exports analyze_request\n"
             "aegis-wasm-cli test: %1$s does not conform to guest ABI v1 (1 problem): a node "
             "would refuse it\n",
             fixture("no_entry"));
    CHECK_STR_EQ(r.err, want);

    const char *unknown[] = {"test", "--module", fixture("unknown_import"), NULL};
    author_exec(&r, NULL, tmp, NULL, unknown);
    CHECK_INT_EQ(r.status, 6);
    snprintf(want, sizeof want,
             "aegis-wasm-cli test: %1$s: imports env.get_secret, which the host does not "
             "provide: remove the call, or use a host function of guest/sdk/aegis.h (log, "
             "get_timestamp, get_request_header, set_response_header, get_request_body_size, "
             "read_request_body, send_response, cache_get, cache_set)\n"
             "aegis-wasm-cli test: %1$s does not conform to guest ABI v1 (1 problem): a node "
             "would refuse it\n",
             fixture("unknown_import"));
    CHECK_STR_EQ(r.err, want);

    /* A function tested as a WAF; a file that is not WebAssembly; no module at all. */
    const char *as_waf[] = {"test", "--module", fixture("trap"), "--type", "waf", NULL};
    author_exec(&r, NULL, tmp, NULL, as_waf);
    CHECK_INT_EQ(r.status, 6);
    CHECK_STR_HAS(r.err, "analyze_request is missing");
    author_write(tmp, "junk.wasm", "not wasm");
    const char *junk[] = {"test", "--module", "junk.wasm", NULL};
    author_exec(&r, NULL, tmp, NULL, junk);
    CHECK_INT_EQ(r.status, 6);
    CHECK_STR_HAS(r.err, "aegis-wasm-cli test: junk.wasm: the engine refuses the module (");
    const char *nothing[] = {"test", NULL};
    author_exec(&r, NULL, tmp, NULL, nothing);
    CHECK_INT_EQ(r.status, 1);
    snprintf(want, sizeof want,
             "aegis-wasm-cli test: no --module given and build/%s.wasm does not exist: run "
             "aegis-wasm-cli build first (or make), or pass --module M.wasm\n",
             strrchr(tmp, '/') + 1);
    CHECK_STR_EQ(r.err, want);
    author_rmtree(tmp);
}

/* One malformed request file and the one line `test` prints about it (exit 5). */
static void check_malformed(const char *tmp, const char *text, const char *message)
{
    author_write(tmp, "bad.json", text);
    author_result r;
    const char *argv[] = {"test", "--request", "bad.json", "--module", fixture("trap"), NULL};
    author_exec(&r, NULL, tmp, NULL, argv);
    char want[1024];
    snprintf(want, sizeof want, "aegis-wasm-cli test: bad.json%s\n", message);
    CHECK_MSG(r.status == 5, "exit %d for %s: %s", r.status, text, r.err);
    CHECK_STR_EQ(r.err, want);
    CHECK_STR_EQ(r.out, "");
}

TEST(test_test_rejects_malformed_request_files_with_file_and_line)
{
    char tmp[64];
    author_tmpdir(tmp);
    check_malformed(tmp, "{\"method\": \"GET\",\n \"uri\": \"/\"\n \"headers\": []}\n",
                    ":3:10: '}' expected near '\"headers\"'");
    check_malformed(tmp, "[1, 2]\n",
                    ": expected a JSON object {\"method\", \"uri\", \"headers\", \"body\"}");
    check_malformed(tmp, "{\"method\": \"GET\", \"uri\": \"/\",\n \"heders\": []}\n",
                    ":2: unknown field \"heders\" (the fields are method, uri or path, headers, "
                    "body or body_base64, client_ip)");
    check_malformed(tmp, "{\"method\": \"GET\", \"uri\": \"/\", \"uri\": \"/x\"}\n",
                    ":1:35: duplicate object key near '\"uri\"'");
    check_malformed(tmp, "{\n \"method\": 7, \"uri\": \"/\"}\n",
                    ":2: method: expected a string such as \"GET\"");
    check_malformed(tmp, "{\"method\": \"GET\"}\n",
                    ": uri: expected a string such as \"/hello?name=world\"");
    check_malformed(tmp, "{\"method\": \"GET\", \"uri\": \"/\",\n\n \"headers\": [[\"host\"]]}\n",
                    ":3: headers[0]: expected [name, value], two strings");
    check_malformed(tmp,
                    "{\"method\": \"GET\", \"uri\": \"/\", \"headers\": [[\"host\", \"a\"]],\n"
                    " \"body\": \"x\", \"body_base64\": \"eA==\"}\n",
                    ":2: body and body_base64 are both given: use one of them");
    check_malformed(tmp,
                    "{\"method\": \"GET\", \"uri\": \"/\", \"headers\": [[\"host\", \"a\"]],\n"
                    " \"body_base64\": \"%%%\"}\n",
                    ":2: body_base64: not valid base64 (standard alphabet, with padding) at "
                    "character 0");
    /* What the node's HTTP layer would refuse. */
    check_malformed(tmp, "{\"method\": \"GET\", \"uri\": \"/\", \"headers\": []}\n",
                    ": 0 Host headers: an HTTP/1.1 request has exactly one (the node answers 400 "
                    "otherwise)");
    check_malformed(tmp,
                    "{\"method\": \"FETCH\", \"uri\": \"/\", \"headers\": [[\"host\", \"a\"]]}\n",
                    ": method \"FETCH\" is not one the node serves (GET, HEAD, POST, PUT, DELETE, "
                    "PATCH, OPTIONS, TRACE)");
    check_malformed(tmp,
                    "{\"method\": \"GET\", \"uri\": \"a b\", \"headers\": [[\"host\", \"a\"]]}\n",
                    ": uri \"a b\" is not an origin-form target (\"/path?query\", no spaces or "
                    "control characters)");
    check_malformed(tmp,
                    "{\"method\": \"GET\", \"uri\": \"/\", \"headers\": [[\"host\", \"a\"], "
                    "[\"x\", \"a\\nb\"]]}\n",
                    ": headers[1]: the value of x holds a control character");
    check_malformed(tmp,
                    "{\"method\": \"GET\", \"uri\": \"/\", \"headers\": [[\"host\", \"a\"], "
                    "[\"bad name\", \"v\"]]}\n",
                    ": headers[1]: \"bad name\" is not a header name (a token)");
    check_malformed(tmp,
                    "{\"method\": \"POST\", \"uri\": \"/\", \"body\": \"abc\", \"headers\": "
                    "[[\"host\", \"a\"], [\"content-length\", \"9\"]]}\n",
                    ": headers[1]: Content-Length 9 does not match the body's length (3)");
    check_malformed(tmp,
                    "{\"method\": \"GET\", \"uri\": \"/\", \"client_ip\": \"localhost\", "
                    "\"headers\": [[\"host\", \"a\"]]}\n",
                    ": client_ip \"localhost\" is not an IPv4 or IPv6 address");

    /* A missing file is not a malformed one, and option errors are usage errors. */
    author_result r;
    const char *missing[] = {"test", "--request", "nope.json", "--module", fixture("trap"), NULL};
    author_exec(&r, NULL, tmp, NULL, missing);
    CHECK_INT_EQ(r.status, 1);
    CHECK_STR_EQ(r.err, "aegis-wasm-cli test: nope.json: No such file or directory\n");
    const char *usage[] = {"test", "--fuel", "-1", NULL};
    author_exec(&r, NULL, tmp, NULL, usage);
    CHECK_INT_EQ(r.status, 2);
    CHECK_STR_EQ(r.err, "aegis-wasm-cli test: --fuel \"-1\": expected 1 to 1000000000000\n");
    const char *type[] = {"test", "--type", "wasm", NULL};
    author_exec(&r, NULL, tmp, NULL, type);
    CHECK_INT_EQ(r.status, 2);
    CHECK_STR_EQ(r.err, "aegis-wasm-cli test: --type is function or waf, not \"wasm\"\n");
    author_rmtree(tmp);
}

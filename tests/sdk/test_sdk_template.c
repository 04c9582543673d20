/*
 * Acceptance 3: the product's original Rust template (tests/sdk/original_template: serde
 * Request {method, uri, headers: Vec<(String, String)>, body: String} and Response {status:
 * Option<u16>, headers, body: String}, alloc/dealloc/handle_request exported by hand, no SDK)
 * builds with `aegis-wasm-cli build` as it is and runs in aegis-node unchanged: the node's request
 * JSON parses into its types (client_ip and body_base64 are extra fields serde skips; body is
 * always a string) and its result is understood (null continues, a number answers).
 */
#include "env.h"
#include "sdk_util.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

TEST(test_original_rust_template_builds_and_runs_in_the_node)
{
    char dir[256], proj[512], module[600];
    sdk_tmpdir(dir, sizeof dir);
    sdk_offline_env(dir);
    snprintf(proj, sizeof proj, "%s/edge-function", dir);
    CHECK(mkdir(proj, 0755) == 0);
    sdk_copy_fixture("tests/sdk/original_template", proj);
    char *out;
    int st = sdk_cli(proj, &out, "build", "--type", "function", NULL);
    CHECK_MSG(st == 0, "build: %s", out);
    CHECK_STR_HAS(out, "built build/edge-function.wasm");
    free(out);
    snprintf(module, sizeof module, "%s/build/edge-function.wasm", proj);

    char routes[1024];
    snprintf(routes, sizeof routes,
             "  - {name: tpl, path: /*, upstream: a, functions: [{module: %s}]}\n", module);
    node_env e;
    env_start(&e, routes, NULL);
    e2e_response r;
    e2e_request(e.port, "GET", "/", "www.test", NULL, NULL, &r);
    CHECK_INT_EQ(r.status, 200);
    CHECK_STR_EQ(e2e_header(&r, "X-Origin"), "a");
    CHECK_STR_EQ(e2e_header(&r, "X-Processed-By"), "aegis-edge");
    e2e_response_free(&r);
    e2e_request(e.port, "POST", "/api/hello?x=1", "www.test",
                "User-Agent: template-test\r\nContent-Type: text/plain\r\n", "four", &r);
    CHECK_INT_EQ(r.status, 200);
    CHECK(e2e_header(&r, "X-Origin") == NULL);
    CHECK_STR_EQ(r.body, "POST /api/hello?x=1 from template-test (4 body bytes)");
    e2e_response_free(&r);
    /* A body that is not UTF-8 still parses: "body" is "" and the bytes are in body_base64. */
    e2e_request(e.port, "POST", "/api/hello", "www.test",
                "Content-Type: application/octet-stream\r\n", "\xff\xfe\xfd", &r);
    CHECK_INT_EQ(r.status, 200);
    CHECK_STR_HAS(r.body, "(0 body bytes)");
    e2e_response_free(&r);
    e2e_request(e.port, "GET", "/api/blocked/1", "www.test", NULL, NULL, &r);
    CHECK_INT_EQ(r.status, 403);
    CHECK_STR_EQ(r.body, "Access denied");
    CHECK_STR_EQ(e2e_header(&r, "Content-Type"), "text/plain");
    e2e_response_free(&r);
    CHECK_INT_EQ(env_stop(&e), 0);
    sdk_rmtree(dir);
}

/*
 * The host function wrappers of both SDKs, each called by a module built with the CLI and run
 * with `aegis-wasm-cli test` (the node's own route code): a request header longer than the
 * wrappers' first buffer (they ask again with the exact size), a header that is absent, the
 * clock, the body read through the streaming calls, a cache value longer than the first buffer
 * written and read back, a missing cache key, and set_response_header. The module reports what
 * it saw in response headers, compared exactly.
 */
#include "sdk_util.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char rust_tour[] =
    "use aegis_edge::{host, Request, Response};\n"
    "fn handle(req: Request) -> Response {\n"
    "    let long = host::request_header(\"X-LONG\").unwrap_or_default();\n"
    "    let absent = host::request_header(\"x-absent\").is_none();\n"
    "    let now = host::timestamp_us();\n"
    "    let body = host::request_body();\n"
    "    let value = \"v\".repeat(1500);\n"
    "    host::cache_set(b\"tour-key\", value.as_bytes(), 60);\n"
    "    let back = host::cache_get(b\"tour-key\").map(|v| v.len()).unwrap_or(0);\n"
    "    let missing = host::cache_get(b\"no-such-key\").is_none();\n"
    "    host::set_response_header(\"X-Set-By-Host\", \"yes\");\n"
    "    Response::text(200, \"tour\")\n"
    "        .with_header(\"X-Long\", format!(\"{} {}\", long.len(), long.ends_with(\"end\")))\n"
    "        .with_header(\"X-Absent\", absent.to_string())\n"
    "        .with_header(\"X-Clock\", (now > 1_600_000_000_000_000).to_string())\n"
    "        .with_header(\"X-Body\", format!(\"{} {}\", host::request_body_size(), body.len()))\n"
    "        .with_header(\"X-Json-Body\", req.body.len().to_string())\n"
    "        .with_header(\"X-Cache\", format!(\"{} {}\", back, missing))\n"
    "        .with_header(\"X-Ip\", req.client_ip)\n"
    "}\n"
    "aegis_edge::edge_function!(handle);\n";

static const char ts_tour[] =
    "import { Request, Response, handle, requestHeader, timestampUs, requestBodySize,\n"
    "  readRequestBody, cacheSet, cacheGet, setResponseHeader } from \"aegis-edge\";\n"
    "export { alloc, dealloc } from \"aegis-edge\";\n"
    "function onRequest(req: Request): Response {\n"
    "  const long = requestHeader(\"X-LONG\");\n"
    "  const longText = long === null ? \"\" : long;\n"
    "  const absent = requestHeader(\"x-absent\") === null;\n"
    "  const now = timestampUs();\n"
    "  const size = requestBodySize();\n"
    "  const buf = new Uint8Array(size);\n"
    "  let got = 0;\n"
    "  while (got < size) {\n"
    "    const n = readRequestBody(buf.subarray(got));\n"
    "    if (n <= 0) break;\n"
    "    got += n;\n"
    "  }\n"
    "  cacheSet(\"tour-key\", \"v\".repeat(1500), 60);\n"
    "  const back = cacheGet(\"tour-key\");\n"
    "  const missing = cacheGet(\"no-such-key\") === null;\n"
    "  setResponseHeader(\"X-Set-By-Host\", \"yes\");\n"
    "  return Response.reply(200, \"tour\")\n"
    "    .header(\"X-Long\", longText.length.toString() + \" \" + (longText.endsWith(\"end\") ? "
    "\"true\" : \"false\"))\n"
    "    .header(\"X-Absent\", absent ? \"true\" : \"false\")\n"
    "    .header(\"X-Clock\", now > 1600000000000000 ? \"true\" : \"false\")\n"
    "    .header(\"X-Body\", size.toString() + \" \" + got.toString())\n"
    "    .header(\"X-Json-Body\", String.UTF8.byteLength(req.body).toString())\n"
    "    .header(\"X-Cache\", (back === null ? \"0\" : back.length.toString()) + \" \" + (missing "
    "? \"true\" : \"false\"))\n"
    "    .header(\"X-Ip\", req.clientIp);\n"
    "}\n"
    "export function handle_request(ptr: usize, len: i32): usize {\n"
    "  return handle(ptr, len, onRequest);\n"
    "}\n";

static void tour(const char *lang, const char *file, const char *source)
{
    char dir[256], proj[512];
    sdk_tmpdir(dir, sizeof dir);
    sdk_offline_env(dir);
    char *out;
    CHECK_INT_EQ(sdk_cli(dir, &out, "init", "tour", "--lang", lang, NULL), 0);
    free(out);
    snprintf(proj, sizeof proj, "%s/tour", dir);
    sdk_write(proj, file, source);
    int st = sdk_cli(proj, &out, "build", NULL);
    CHECK_MSG(st == 0, "build: %s", out);
    free(out);
    /* A 600-byte header value (the wrappers start with 256 bytes) and a 2000-byte body. */
    static char req[8192];
    char value[601], body[2001];
    memset(value, 'h', 597);
    memcpy(value + 597, "end", 4);
    memset(body, 'b', 2000);
    body[2000] = '\0';
    snprintf(req, sizeof req,
             "{\"method\":\"POST\",\"uri\":\"/tour\",\"headers\":[[\"host\",\"x\"],"
             "[\"x-long\",\"%s\"],[\"content-type\",\"text/plain\"]],\"body\":\"%s\","
             "\"client_ip\":\"192.0.2.9\"}\n",
             value, body);
    sdk_write(proj, "tour.json", req);
    st = sdk_cli(proj, &out, "test", "--request", "tour.json", NULL);
    CHECK_MSG(st == 0, "test: %s", out);
    CHECK_STR_HAS(out, "status   200 OK (answered by the module)");
    CHECK_STR_HAS(out, "  X-Set-By-Host: yes\n");
    CHECK_STR_HAS(out, "  X-Long: 600 true\n");
    CHECK_STR_HAS(out, "  X-Absent: true\n");
    CHECK_STR_HAS(out, "  X-Clock: true\n");
    CHECK_STR_HAS(out, "  X-Body: 2000 2000\n");
    CHECK_STR_HAS(out, "  X-Json-Body: 2000\n");
    CHECK_STR_HAS(out, "  X-Cache: 1500 true\n");
    CHECK_STR_HAS(out, "  X-Ip: 192.0.2.9\n");
    free(out);
    sdk_rmtree(dir);
}

TEST(test_rust_host_wrappers_reach_every_host_function)
{
    tour("rust", "src/lib.rs", rust_tour);
}

TEST(test_ts_host_wrappers_reach_every_host_function)
{
    tour("ts", "assembly/main.ts", ts_tour);
}

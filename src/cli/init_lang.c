/*
 * `init --lang rust|ts`: the files of a Rust or AssemblyScript module project (author_lang.h).
 * Each behaves as the C template does (an edge function that answers /hello itself and marks
 * every other response with X-Handled-By, or a WAF that blocks "<script" in the URI), so the
 * three languages can be compared line by line. The project reaches its SDK by path (Cargo's
 * path dependency; `build` passes the AssemblyScript SDK to the compiler), never over the
 * network. Templates name their words by position: %1$s the project name, %2$s the type, %3$s
 * the kind in words, %4$s the entry point, %5$s the SDK directory (escaped for TOML), %6$s the
 * entry point macro of the Rust SDK.
 */
#include "cli/author_lang.h"

#include <stdio.h>
#include <string.h>

static const char rust_cargo_toml[] =
    "[package]\n"
    "name = \"%1$s\"\n"
    "version = \"0.1.0\"\n"
    "edition = \"2021\"\n"
    "publish = false\n"
    "\n"
    "# A module is a WebAssembly library: " CLI_PROGRAM " build compiles it for wasm32-wasi.\n"
    "[lib]\n"
    "crate-type = [\"cdylib\"]\n"
    "\n"
    "[dependencies]\n"
    "# The AEGIS Edge SDK, by path (it comes with " CLI_PROGRAM "; no network needed).\n"
    "aegis-edge = { path = \"%5$s\" }\n"
    "\n"
    "# Small modules: size-optimised, whole-program LTO, no symbols, no unwinding.\n"
    "[profile.release]\n"
    "opt-level = \"s\"\n"
    "lto = true\n"
    "codegen-units = 1\n"
    "strip = true\n"
    "panic = \"abort\"\n";

static const char rust_cargo_config[] =
    "# Offline builds from Debian's crate sources (the librust-*-dev packages), for running cargo\n"
    "# by hand; " CLI_PROGRAM " build passes the same settings itself.\n"
    "[source.crates-io]\n"
    "replace-with = \"debian\"\n"
    "\n"
    "[source.debian]\n"
    "directory = \"/usr/share/cargo/registry\"\n"
    "\n"
    "[net]\n"
    "offline = true\n";

static const char rust_function[] =
    "//! %1$s: an AEGIS Edge function. The node calls it with the request (guest ABI v1); the\n"
    "//! result either answers the client (a status) or lets the request continue to the origin\n"
    "//! (`Response::next()`) with headers added to the client's response.\n"
    "use aegis_edge::{host, Request, Response};\n"
    "\n"
    "fn handle(req: Request) -> Response {\n"
    "    host::log(\"%1$s: handling a request\");\n"
    "\n"
    "    // Answer /hello ourselves; everything else goes on to the origin.\n"
    "    if req.uri.starts_with(\"/hello\") {\n"
    "        return Response::text(200, format!(\"Hello from %1$s: {} {}\\n\", req.method, "
    "req.uri));\n"
    "    }\n"
    "    host::set_response_header(\"X-Handled-By\", \"%1$s\");\n"
    "    Response::next()\n"
    "}\n"
    "\n"
    "aegis_edge::edge_function!(handle);\n";

static const char rust_waf[] =
    "//! %1$s: an AEGIS Edge WAF module. The node calls it with the request (guest ABI v1) before\n"
    "//! the request reaches the origin; a blocked result refuses it with 403. This one blocks a\n"
    "//! URI that contains \"<script\"; add your own rules.\n"
    "use aegis_edge::{host, Request, WafMatch, WafResult};\n"
    "\n"
    "fn analyze(req: Request) -> WafResult {\n"
    "    if req.uri.contains(\"<script\") {\n"
    "        host::log(\"%1$s: blocked a script in the URI\");\n"
    "        let rule = WafMatch {\n"
    "            rule_id: 1,\n"
    "            category: \"xss\".into(),\n"
    "            severity: \"critical\".into(),\n"
    "            location: \"uri\".into(),\n"
    "            matched: \"<script\".into(),\n"
    "        };\n"
    "        return WafResult::block(rule, 5);\n"
    "    }\n"
    "    WafResult::allow()\n"
    "}\n"
    "\n"
    "aegis_edge::waf!(analyze);\n";

static const char ts_asconfig[] = "{\n"
                                  "  \"entries\": [\"assembly/main.ts\"],\n"
                                  "  \"options\": {\n"
                                  "    \"runtime\": \"stub\",\n"
                                  "    \"optimizeLevel\": 3,\n"
                                  "    \"shrinkLevel\": 0,\n"
                                  "    \"noAssert\": true\n"
                                  "  }\n"
                                  "}\n";

static const char ts_function[] =
    "/*\n"
    " * %1$s: an AEGIS Edge function in AssemblyScript. The node calls handle_request with the\n"
    " * request (guest ABI v1); the result either answers the client (Response.reply) or lets the\n"
    " * request continue to the origin (Response.next) with headers added to the client's "
    "response.\n"
    " */\n"
    "import { Request, Response, handle, log, setResponseHeader } from \"aegis-edge\";\n"
    "export { alloc, dealloc } from \"aegis-edge\";\n"
    "\n"
    "function onRequest(req: Request): Response {\n"
    "  log(\"%1$s: handling a request\");\n"
    "\n"
    "  // Answer /hello ourselves; everything else goes on to the origin.\n"
    "  if (req.uri.startsWith(\"/hello\")) {\n"
    "    return Response.reply(200, \"Hello from %1$s: \" + req.method + \" \" + req.uri + "
    "\"\\n\");\n"
    "  }\n"
    "  setResponseHeader(\"X-Handled-By\", \"%1$s\");\n"
    "  return Response.next();\n"
    "}\n"
    "\n"
    "export function handle_request(ptr: usize, len: i32): usize {\n"
    "  return handle(ptr, len, onRequest);\n"
    "}\n";

static const char ts_waf[] =
    "/*\n"
    " * %1$s: an AEGIS Edge WAF module in AssemblyScript. The node calls analyze_request with the\n"
    " * request (guest ABI v1) before it reaches the origin; a blocked result refuses it with "
    "403.\n"
    " * This one blocks a URI that contains \"<script\"; add your own rules.\n"
    " */\n"
    "import { Request, WafMatch, WafResult, analyze, log } from \"aegis-edge\";\n"
    "export { alloc, dealloc } from \"aegis-edge\";\n"
    "\n"
    "function onRequest(req: Request): WafResult {\n"
    "  if (req.uri.includes(\"<script\")) {\n"
    "    log(\"%1$s: blocked a script in the URI\");\n"
    "    const rule = new WafMatch();\n"
    "    rule.rule_id = 1;\n"
    "    rule.category = \"xss\";\n"
    "    rule.severity = \"critical\";\n"
    "    rule.location = \"uri\";\n"
    "    rule.matched = \"<script\";\n"
    "    return WafResult.block(rule, 5);\n"
    "  }\n"
    "  return WafResult.allow();\n"
    "}\n"
    "\n"
    "export function analyze_request(ptr: usize, len: i32): usize {\n"
    "  return analyze(ptr, len, onRequest);\n"
    "}\n";

static const char makefile[] = "# Builds build/%1$s.wasm with " CLI_PROGRAM
                               " (README.md).\n" INIT_MAKEFILE_TARGETS "\trm -rf build target\n";

/* What the README of a Rust or AssemblyScript project says about its Makefile. */
#define LANG_README_TRY                                                                            \
    "## Build and try\n"                                                                           \
    "\n"                                                                                           \
    "    make                # = " CLI_PROGRAM " build --type %2$s .\n"                            \
    "    make test           # = " CLI_PROGRAM                                                     \
    " test --request request.json (as a node runs it)\n"                                           \
    "    make inspect        # size, imports and exports\n"                                        \
    "    make serve          # a local node with the module, rebuilt on change\n"                  \
    "\n"

static const char rust_readme[] =
    "# %1$s\n"
    "\n"
    "An AEGIS Edge module in Rust: %3$s (type %2$s), created by `" CLI_PROGRAM " init --lang "
    "rust`.\n"
    "\n"
    "- `src/lib.rs`: the module. `aegis_edge::%6$s!` exports `alloc`, `dealloc` and `%4$s`\n"
    "  around an ordinary function; a panic is logged and stops the request cleanly.\n"
    "- `Cargo.toml`: a `cdylib` depending on the SDK (`aegis-edge`) by path; small release\n"
    "  profile (`opt-level = \"s\"`, LTO, strip, `panic = \"abort\"`).\n"
    "- `.cargo/config.toml`: Debian's crate sources, offline, for running `cargo` by hand.\n"
    "- `request.json`: an example request, in the request JSON of guest ABI v1.\n"
    "\n" LANG_README_TRY
    "`build` runs Debian's `/usr/bin/cargo build --release --target wasm32-wasi --offline` and\n"
    "checks the module the way a node loads it. Needs the Debian packages rustc, cargo,\n"
    "libstd-rust-dev-wasm32, librust-serde-dev, librust-serde-derive-dev, librust-serde-json-dev.\n"
    "See docs/AUTHORING.md and docs/ABI.md of AEGIS Edge for the whole contract.\n";

static const char ts_readme[] =
    "# %1$s\n"
    "\n"
    "An AEGIS Edge module in AssemblyScript (a TypeScript dialect compiled to WebAssembly): %3$s\n"
    "(type %2$s), created by `" CLI_PROGRAM " init --lang ts`.\n"
    "\n"
    "- `assembly/main.ts`: the module. It imports the SDK as `\"aegis-edge\"` (request and result\n"
    "  classes read and written with json-as, host functions) and exports `alloc`, `dealloc`\n"
    "  and `%4$s`.\n"
    "- `asconfig.json`: the entry file and compiler options (stub runtime, -O3).\n"
    "- `request.json`: an example request, in the request JSON of guest ABI v1.\n"
    "\n" LANG_README_TRY
    "`build` runs the AssemblyScript compiler installed with the SDK (`scripts/peers-install.sh "
    "as`\n"
    "of AEGIS Edge installs it once) and checks the module the way a node loads it.\n"
    "See docs/AUTHORING.md and docs/ABI.md of AEGIS Edge for the whole contract.\n";

/* The SDK path as a TOML basic string's content (backslash and quote escaped); false when it
 * holds control bytes, which no TOML string may. */
static bool toml_escape(const char *in, char *out, size_t cap)
{
    size_t o = 0;
    for (; *in != '\0'; in++) {
        if ((unsigned char)*in < 0x20 || *in == 0x7f || o + 3 > cap)
            return false;
        if (*in == '"' || *in == '\\')
            out[o++] = '\\';
        out[o++] = *in;
    }
    out[o] = '\0';
    return true;
}

int author_lang_init(const cli_command *cmd, author_lang lang, const char *dir, const char *name,
                     bool waf)
{
    const char *type = waf ? "waf" : "function";
    const char *kind = waf ? "a WAF" : "an edge function";
    const char *entry = waf ? "analyze_request" : "handle_request";
    const char *macro = waf ? "waf" : "edge_function";
    char sdk[AUTHOR_PATH_MAX_BYTES], sdk_toml[2 * AUTHOR_PATH_MAX_BYTES];
    int rc = author_lang_sdk_dir(cmd, lang, sdk);
    if (rc != CLI_EXIT_OK)
        return rc;
    char *real = realpath(sdk, NULL);
    bool ok = real != NULL && toml_escape(real, sdk_toml, sizeof sdk_toml);
    free(real);
    if (!ok)
        return cli_fail(cmd, CLI_EXIT_FAILED, "%s: not a usable SDK path", sdk);
    const char *const words[INIT_WORDS] = {name, type, kind, entry, sdk_toml, macro};
#define WRITE(file, fmt)                                                                           \
    if ((rc = init_write_file(cmd, dir, file, fmt, words)) != CLI_EXIT_OK)                         \
    return rc
    if (lang == AUTHOR_LANG_RUST) {
        WRITE("Cargo.toml", rust_cargo_toml);
        WRITE(".cargo/config.toml", rust_cargo_config);
        WRITE("src/lib.rs", waf ? rust_waf : rust_function);
        WRITE("README.md", rust_readme);
        WRITE(".gitignore", "build/\ntarget/\nCargo.lock\n");
    } else {
        WRITE("asconfig.json", ts_asconfig);
        WRITE("assembly/main.ts", waf ? ts_waf : ts_function);
        WRITE("README.md", ts_readme);
        WRITE(".gitignore", "build/\n");
    }
    WRITE("Makefile", makefile);
#undef WRITE
    return CLI_EXIT_OK;
}

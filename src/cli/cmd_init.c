/*
 * `aegis-wasm-cli init`: a new module project that builds out of the box: the module's C source
 * (an edge function or a WAF, using the SDK header aegis.h, which `build` puts on the include
 * path, so the project holds no copy of it), a Makefile that calls `aegis-wasm-cli build`, a
 * README and an example request file in the guest ABI v1 request JSON. It never overwrites: the
 * project directory must not exist, and it is created with mkdir, which fails if it appeared
 * meanwhile.
 */
#include "cli/author_lang.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

enum { INIT_NAME_MAX_BYTES = 64 };

static const char help[] =
    "usage: " CLI_PROGRAM " init NAME [--lang c|rust|ts] [--type function|waf] [--dir DIR]\n"
    "\n"
    "Creates the project directory DIR (default ./NAME, which must not exist) with:\n"
    "  NAME.c        the module: an edge function (handle_request) or a WAF (analyze_request)\n"
    "  Makefile      `make` builds build/NAME.wasm with " CLI_PROGRAM " build --type TYPE;\n"
    "                `make test` runs it on request.json, `make serve` serves it locally\n"
    "  README.md     how to build, inspect and change the module\n"
    "  request.json  an example request (guest ABI v1 request JSON)\n"
    "  .gitignore    the build/ directory\n"
    "NAME: 1 to 64 letters, digits, '-' or '_', starting with a letter.\n"
    "The source includes \"aegis.h\"; " CLI_PROGRAM
    " build finds the SDK itself (see its --help).\n"
    "\n"
    "  --lang LANG   the module's language: c (default), rust (src/lib.rs, Cargo.toml and\n"
    "                .cargo/config.toml instead of NAME.c; Debian's cargo, offline) or ts\n"
    "                (AssemblyScript: assembly/main.ts and asconfig.json)\n"
    "  --type TYPE   function (default) or waf\n"
    "  --dir DIR     where to create the project instead of ./NAME\n"
    "\n"
    "exit status: 0 created, 1 could not create (DIR exists, permissions), 2 usage error\n";

static const char function_source[] =
    "/*\n"
    " * %1$s: an AEGIS Edge function. The node calls handle_request with the request as JSON\n"
    " * (guest ABI v1: {\"method\", \"uri\", \"headers\": [[name, value], ...], \"body\", "
    "\"client_ip\"}).\n"
    " * The result either answers the client (a status) or lets the request continue to the\n"
    " * origin (status null) with headers added to the client's response.\n"
    " */\n"
    "#include \"aegis.h\"\n"
    "\n"
    "#include <stdio.h>\n"
    "\n"
    "AEGIS_DEFINE_ALLOC()\n"
    "\n"
    "AEGIS_EXPORT(\"handle_request\") int32_t handle_request(const char *ptr, int32_t len)\n"
    "{\n"
    "    aegis_request req;\n"
    "    if (!aegis_request_parse(&req, ptr, len))\n"
    "        return aegis_respond(400, \"text/plain\", \"bad request\\n\");\n"
    "    char method[16], uri[1024];\n"
    "    aegis_json_string(req.method, method, sizeof method);\n"
    "    aegis_json_string(req.uri, uri, sizeof uri);\n"
    "    aegis_log(\"%1$s: handling a request\");\n"
    "\n"
    "    /* Answer /hello ourselves; everything else goes on to the origin. */\n"
    "    if (strncmp(uri, \"/hello\", 6) == 0) {\n"
    "        char body[1200];\n"
    "        snprintf(body, sizeof body, \"Hello from %1$s: %%s %%s\\n\", method, uri);\n"
    "        return aegis_respond(200, \"text/plain\", body);\n"
    "    }\n"
    "    aegis_set_header(\"X-Handled-By\", \"%1$s\");\n"
    "    return aegis_continue();\n"
    "}\n";

static const char waf_source[] =
    "/*\n"
    " * %1$s: an AEGIS Edge WAF module. The node calls analyze_request with the request as JSON\n"
    " * (guest ABI v1) before the request reaches the origin; {\"blocked\": true} refuses it with "
    "403.\n"
    " * This one blocks a URI that contains \"<script\"; add your own rules.\n"
    " */\n"
    "#include \"aegis.h\"\n"
    "\n"
    "AEGIS_DEFINE_ALLOC()\n"
    "\n"
    "AEGIS_EXPORT(\"analyze_request\") int32_t analyze_request(const char *ptr, int32_t len)\n"
    "{\n"
    "    aegis_request req;\n"
    "    char uri[2048];\n"
    "    bool blocked = aegis_request_parse(&req, ptr, len) &&\n"
    "                   aegis_json_string(req.uri, uri, sizeof uri) >= 0 &&\n"
    "                   strstr(uri, \"<script\") != NULL;\n"
    "    aegis_buf b;\n"
    "    aegis_buf_init(&b);\n"
    "    if (blocked) {\n"
    "        aegis_log(\"%1$s: blocked a script in the URI\");\n"
    "        aegis_buf_puts(&b, "
    "\"{\\\"blocked\\\":true,\\\"score\\\":5,\\\"matches\\\":[{\\\"rule_id\\\":1,\"\n"
    "                           "
    "\"\\\"category\\\":\\\"xss\\\",\\\"severity\\\":\\\"critical\\\",\"\n"
    "                           "
    "\"\\\"location\\\":\\\"uri\\\",\\\"matched\\\":\\\"<script\\\"}],\"\n"
    "                           \"\\\"execution_time_us\\\":0}\");\n"
    "    } else {\n"
    "        aegis_buf_puts(&b, \"{\\\"blocked\\\":false,\\\"score\\\":0,\\\"matches\\\":[],\"\n"
    "                           \"\\\"execution_time_us\\\":0}\");\n"
    "    }\n"
    "    return aegis_buf_finish(&b);\n"
    "}\n";

static const char makefile[] = "# Builds build/%1$s.wasm from the .c files here with " CLI_PROGRAM
                               " (README.md).\n" INIT_MAKEFILE_TARGETS "\trm -rf build\n";

static const char readme[] =
    "# %1$s\n"
    "\n"
    "An AEGIS Edge module in C: %3$s (type %2$s), created by `" CLI_PROGRAM " init`.\n"
    "\n"
    "- `%1$s.c`: the module. It includes `aegis.h`, the AEGIS C SDK; `" CLI_PROGRAM " build`\n"
    "  puts the SDK's directory on the include path, so the project needs no copy of it.\n"
    "- `request.json`: an example request, in the request JSON of guest ABI v1.\n"
    "\n"
    "## Build\n"
    "\n"
    "    make                # = " CLI_PROGRAM " build --type %2$s .\n"
    "    make inspect        # = " CLI_PROGRAM " inspect build/%1$s.wasm\n"
    "    make test           # = " CLI_PROGRAM " test --request request.json\n"
    "    make serve          # = " CLI_PROGRAM " serve . (http://127.0.0.1:8080/)\n"
    "\n"
    "`build` compiles with clang for wasm32-wasi, then checks the module the way a node will load\n"
    "it: exports (`memory`, `alloc`, `dealloc`, `%4$s`), host imports and their signatures. It\n"
    "prints the module's size and SHA-256. `make AEGIS_WASM_CLI=/path/to/" CLI_PROGRAM "` uses\n"
    "another copy of the tool.\n"
    "\n"
    "`test` runs the module on `request.json` the way a node would (same host functions and\n"
    "limits) and prints the answer, the log lines, fuel, time and memory. `serve` runs a local\n"
    "aegis-node with the module on `/`, rebuilds when a source file changes and reloads it.\n"
    "\n"
    "Needs the Debian packages clang, lld, wasi-libc and libclang-rt-dev-wasm32.\n"
    "See docs/AUTHORING.md and docs/ABI.md of AEGIS Edge for the whole contract.\n";

static const char request_json[] =
    "{\n"
    "  \"method\": \"GET\",\n"
    "  \"uri\": \"/hello?name=world\",\n"
    "  \"headers\": [[\"host\", \"localhost\"], [\"user-agent\", \"curl/8.0\"], [\"accept\", "
    "\"*/*\"]],\n"
    "  \"body\": \"\",\n"
    "  \"client_ip\": \"127.0.0.1\"\n"
    "}\n";

static bool valid_name(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > INIT_NAME_MAX_BYTES ||
        !((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z')))
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return false;
    }
    return true;
}

static int run(const cli_command *cmd, int argc, char **argv)
{
    const char *lang = "c", *type = "function", *dir = NULL;
    const cli_option opts[] = {{"lang", &lang, NULL}, {"type", &type, NULL}, {"dir", &dir, NULL}};
    author_args a;
    int rc = author_parse(cmd, argc, argv, opts, sizeof opts / sizeof opts[0], 1, &a);
    if (rc != CLI_EXIT_OK || a.help)
        return rc;
    if (a.npos == 0)
        return cli_fail(cmd, CLI_EXIT_USAGE,
                        "the project needs a NAME (usage: " CLI_PROGRAM
                        " init NAME [--type function|waf] [--dir DIR])");
    const char *name = a.pos[0];
    if (!valid_name(name))
        return cli_fail(cmd, CLI_EXIT_USAGE,
                        "\"%s\" is not a project name: 1 to %d letters, digits, '-' or '_', "
                        "starting with a letter",
                        name, INIT_NAME_MAX_BYTES);
    author_lang language;
    if (!author_lang_parse(lang, &language))
        return cli_fail(cmd, CLI_EXIT_USAGE, "--lang is c, rust or ts, not \"%s\"", lang);
    cli_abi_kind kind_given;
    if (!author_kind_parse(type, &kind_given))
        return cli_fail(cmd, CLI_EXIT_USAGE, "--type is function or waf, not \"%s\"", type);
    bool waf = kind_given == CLI_ABI_WAF;
    if (dir == NULL)
        dir = name;
    if (dir[0] == '\0')
        return cli_fail(cmd, CLI_EXIT_USAGE, "--dir needs a directory");
    if (mkdir(dir, 0755) != 0) {
        if (errno == EEXIST)
            return cli_fail(cmd, CLI_EXIT_FAILED,
                            "%s already exists: init never overwrites; choose another NAME or "
                            "--dir",
                            dir);
        return cli_fail(cmd, CLI_EXIT_FAILED, "cannot create %s: %s", dir, strerror(errno));
    }
    const char *kind = waf ? "a WAF" : "an edge function"; /* as the README says it */
    const char *entry = waf ? "analyze_request" : "handle_request";
    const char *const words[INIT_WORDS] = {name, type, kind, entry, "", ""};
    if (language != AUTHOR_LANG_C) { /* the project's files in init_lang.c, the request here */
        if ((rc = author_lang_init(cmd, language, dir, name, waf)) != CLI_EXIT_OK ||
            (rc = init_write_file(cmd, dir, "request.json", request_json, words)) != CLI_EXIT_OK)
            return rc;
        printf("created %s project %s in %s (%s)\n  next: cd %s && make\n",
               waf ? "WAF" : "edge function", name, dir,
               language == AUTHOR_LANG_RUST ? "Rust" : "AssemblyScript", dir);
        return CLI_EXIT_OK;
    }
    char source[INIT_NAME_MAX_BYTES + 3];
    snprintf(source, sizeof source, "%s.c", name);
    if ((rc = init_write_file(cmd, dir, source, waf ? waf_source : function_source, words)) !=
            CLI_EXIT_OK ||
        (rc = init_write_file(cmd, dir, "Makefile", makefile, words)) != CLI_EXIT_OK ||
        (rc = init_write_file(cmd, dir, "README.md", readme, words)) != CLI_EXIT_OK ||
        (rc = init_write_file(cmd, dir, "request.json", request_json, words)) != CLI_EXIT_OK ||
        (rc = init_write_file(cmd, dir, ".gitignore", "build/\n", words)) != CLI_EXIT_OK)
        return rc;
    printf("created %s project %s in %s\n  next: cd %s && make\n", waf ? "WAF" : "edge function",
           name, dir, dir);
    return CLI_EXIT_OK;
}

const cli_command cli_cmd_init = {"init", "create a module project", help, run};

/*
 * `aegis-wasm-cli inspect`: what a module is, as the node will see it: its imports and exports
 * with signatures, its memories and tables, and the guest ABI v1 verdict (function, waf, or not
 * an AEGIS module with the reasons). The module is decoded and validated by our engine first, so
 * a malformed file is refused with the engine's precise message. Memories and tables that are
 * neither imported nor exported are not visible through the engine's API; a short walk over the
 * (already validated) section headers reads their limits. Names come from the module and are
 * printed with control bytes escaped (cli_print_safe), so a module cannot drive the terminal.
 */
#include "cli/author.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char help[] =
    "usage: " CLI_PROGRAM " inspect MODULE.wasm [--json]\n"
    "\n"
    "Decodes and validates the module with the node's engine, then prints its size and SHA-256,\n"
    "imports, exports, memories (in 64 KiB pages), tables, and its guest ABI v1 verdict: function\n"
    "(exports handle_request), waf (exports analyze_request) or not an AEGIS module, with the\n"
    "reasons.\n"
    "  --json   one object: {path, size, sha256, imports, exports, memories, tables, abi}\n"
    "\n"
    "exit status: 0 an AEGIS module, 1 not one (or not a valid module), 2 usage error\n";

enum { INSPECT_LIMITS_MAX = 16 }; /* memories or tables described (validation allows few) */

typedef struct limits {
    uint64_t min, max;
    bool has_max, imported;
    uint8_t elem; /* tables: element type */
} limits;

typedef struct reader {
    const uint8_t *p, *end;
    bool bad;
} reader;

static uint64_t leb(reader *r)
{
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (r->p >= r->end) {
            r->bad = true;
            return 0;
        }
        uint8_t b = *r->p++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return v;
    }
    r->bad = true;
    return 0;
}

static uint8_t byte(reader *r)
{
    if (r->p >= r->end) {
        r->bad = true;
        return 0;
    }
    return *r->p++;
}

static void read_limits(reader *r, limits *l)
{
    uint8_t flags = byte(r);
    l->min = leb(r);
    l->has_max = flags & 1;
    l->max = l->has_max ? leb(r) : 0;
}

/* Reads the limits of the tables (section 4) and memories (section 5) the module defines. */
static void defined_limits(const uint8_t *bytes, size_t len, limits *tables, size_t *ntables,
                           limits *mems, size_t *nmems)
{
    if (len < 8) /* the engine accepted the module, so this cannot happen; stay in bounds */
        return;
    reader r = {bytes + 8, bytes + len, false};
    while (!r.bad && r.p < r.end) {
        uint8_t id = byte(&r);
        uint64_t size = leb(&r);
        if (r.bad || size > (uint64_t)(r.end - r.p))
            return;
        reader s = {r.p, r.p + size, false};
        r.p += size;
        if (id != 4 && id != 5)
            continue;
        uint64_t count = leb(&s);
        for (uint64_t i = 0; i < count && !s.bad; i++) {
            limits l = {0};
            if (id == 4)
                l.elem = byte(&s);
            read_limits(&s, &l);
            if (id == 4 && *ntables < INSPECT_LIMITS_MAX && !s.bad)
                tables[(*ntables)++] = l;
            if (id == 5 && *nmems < INSPECT_LIMITS_MAX && !s.bad)
                mems[(*nmems)++] = l;
        }
    }
}

static const char *kind_name(eng_externkind k)
{
    static const char *const names[] = {"func", "table", "memory", "global"};
    return (unsigned)k < 4 ? names[k] : "?";
}

/* The type of an import or export in one line: a signature, limits or a global's type. */
static void describe(const eng_extern_info *info, char *out, size_t cap)
{
    switch (info->kind) {
    case ENG_EXTERN_FUNC:
        cli_abi_signature(info, out, cap);
        break;
    case ENG_EXTERN_MEMORY:
    case ENG_EXTERN_TABLE:
        if (info->has_max)
            snprintf(out, cap, "min %llu, max %llu", (unsigned long long)info->min,
                     (unsigned long long)info->max);
        else
            snprintf(out, cap, "min %llu, no max", (unsigned long long)info->min);
        break;
    case ENG_EXTERN_GLOBAL:
        snprintf(out, cap, "%s%s", info->mutable_ ? "mut " : "",
                 info->type == ENG_I32   ? "i32"
                 : info->type == ENG_I64 ? "i64"
                 : info->type == ENG_F32 ? "f32"
                 : info->type == ENG_F64 ? "f64"
                                         : "ref");
        break;
    }
}

typedef struct view {
    const char *path;
    size_t len;
    char sha[AUTHOR_SHA256_HEX_BYTES];
    limits mems[INSPECT_LIMITS_MAX], tables[INSPECT_LIMITS_MAX];
    size_t nmems, ntables;
    cli_abi_report abi;
} view;

/* Imported memories and tables come first in the index space, as in the spec. */
static void collect_limits(const eng_module *m, const uint8_t *bytes, view *v)
{
    limits def_tables[INSPECT_LIMITS_MAX], def_mems[INSPECT_LIMITS_MAX];
    size_t ndt = 0, ndm = 0;
    uint32_t n = eng_module_import_count(m);
    for (uint32_t i = 0; i < n; i++) {
        eng_extern_info info;
        if (!eng_module_import(m, i, &info))
            continue;
        limits l = {info.min, info.max, info.has_max, true, (uint8_t)info.type};
        if (info.kind == ENG_EXTERN_MEMORY && v->nmems < INSPECT_LIMITS_MAX)
            v->mems[v->nmems++] = l;
        if (info.kind == ENG_EXTERN_TABLE && v->ntables < INSPECT_LIMITS_MAX)
            v->tables[v->ntables++] = l;
    }
    defined_limits(bytes, v->len, def_tables, &ndt, def_mems, &ndm);
    for (size_t i = 0; i < ndm && v->nmems < INSPECT_LIMITS_MAX; i++)
        v->mems[v->nmems++] = def_mems[i];
    for (size_t i = 0; i < ndt && v->ntables < INSPECT_LIMITS_MAX; i++)
        v->tables[v->ntables++] = def_tables[i];
}

static void print_limits(const char *what, const limits *l, size_t n)
{
    printf("%s (%zu):\n", what, n);
    for (size_t i = 0; i < n; i++) {
        printf("  %zu: min %llu", i, (unsigned long long)l[i].min);
        if (l[i].has_max)
            printf(", max %llu", (unsigned long long)l[i].max);
        else
            printf(", no max");
        if (l[i].elem != 0)
            printf(", %s", l[i].elem == ENG_EXTERNREF ? "externref" : "funcref");
        printf("%s\n", l[i].imported ? " (imported)" : "");
    }
}

static void print_text(const eng_module *m, const view *v)
{
    char type[128];
    eng_extern_info info;
    fputs("module ", stdout);
    cli_print_safe(stdout, v->path);
    printf("\n  size    %zu bytes\n  sha256  %s\n", v->len, v->sha);
    uint32_t n = eng_module_import_count(m);
    printf("imports (%u):\n", n);
    for (uint32_t i = 0; i < n; i++)
        if (eng_module_import(m, i, &info)) {
            describe(&info, type, sizeof type);
            printf("  %-6s ", kind_name(info.kind));
            cli_print_safe(stdout, info.module);
            putchar('.');
            cli_print_safe(stdout, info.name);
            printf(" %s\n", type);
        }
    n = eng_module_export_count(m);
    printf("exports (%u):\n", n);
    for (uint32_t i = 0; i < n; i++)
        if (eng_module_export(m, i, &info)) {
            describe(&info, type, sizeof type);
            printf("  %-6s ", kind_name(info.kind));
            cli_print_safe(stdout, info.name);
            printf(" %s\n", type);
        }
    print_limits("memories, in 64 KiB pages", v->mems, v->nmems);
    print_limits("tables", v->tables, v->ntables);
    printf("guest ABI v1: %s\n", cli_abi_kind_name(v->abi.kind));
    for (size_t i = 0; i < v->abi.problem_count && i < CLI_ABI_PROBLEMS_MAX; i++) {
        fputs("  - ", stdout);
        cli_print_safe(stdout, v->abi.problems[i]); /* they quote the module's names */
        putchar('\n');
    }
    if (v->abi.problem_count > CLI_ABI_PROBLEMS_MAX)
        printf("  - and %zu more\n", v->abi.problem_count - CLI_ABI_PROBLEMS_MAX);
}

static json_t *externs_json(const eng_module *m, bool imports)
{
    json_t *arr = json_array();
    uint32_t n = imports ? eng_module_import_count(m) : eng_module_export_count(m);
    for (uint32_t i = 0; arr != NULL && i < n; i++) {
        eng_extern_info info;
        if (!(imports ? eng_module_import(m, i, &info) : eng_module_export(m, i, &info)))
            continue;
        char type[128];
        describe(&info, type, sizeof type);
        json_t *o = imports ? json_pack("{s:s, s:s, s:s, s:s}", "module", info.module, "name",
                                        info.name, "kind", kind_name(info.kind), "type", type)
                            : json_pack("{s:s, s:s, s:s}", "name", info.name, "kind",
                                        kind_name(info.kind), "type", type);
        json_array_append_new(arr, o);
    }
    return arr;
}

static json_t *limits_json(const limits *l, size_t n, bool table)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr != NULL && i < n; i++) {
        json_t *o = json_pack("{s:I, s:o, s:b}", "min", (json_int_t)l[i].min, "max",
                              l[i].has_max ? json_integer((json_int_t)l[i].max) : json_null(),
                              "imported", l[i].imported);
        if (o != NULL && table)
            json_object_set_new(o, "element",
                                json_string(l[i].elem == ENG_EXTERNREF ? "externref" : "funcref"));
        json_array_append_new(arr, o);
    }
    return arr;
}

static int print_json(const cli_command *cmd, const eng_module *m, const view *v)
{
    json_t *problems = json_array();
    for (size_t i = 0; problems && i < v->abi.problem_count && i < CLI_ABI_PROBLEMS_MAX; i++)
        json_array_append_new(problems, json_string(v->abi.problems[i]));
    json_t *abi = json_pack("{s:s, s:b, s:o*}", "verdict", cli_abi_kind_name(v->abi.kind),
                            "compatible", v->abi.problem_count == 0, "problems", problems);
    json_t *obj =
        json_pack("{s:s, s:I, s:s, s:o*, s:o*, s:o*, s:o*, s:o*}", "path", v->path, "size",
                  (json_int_t)v->len, "sha256", v->sha, "imports", externs_json(m, true), "exports",
                  externs_json(m, false), "memories", limits_json(v->mems, v->nmems, false),
                  "tables", limits_json(v->tables, v->ntables, true), "abi", abi);
    return author_print_json(cmd, obj);
}

static int run(const cli_command *cmd, int argc, char **argv)
{
    bool json = false;
    const cli_option opts[] = {{"json", NULL, &json}};
    author_args a;
    int rc = author_parse(cmd, argc, argv, opts, 1, 1, &a);
    if (rc != CLI_EXIT_OK || a.help)
        return rc;
    if (a.npos == 0)
        return cli_fail(cmd, CLI_EXIT_USAGE,
                        "which module? (usage: " CLI_PROGRAM " inspect MODULE.wasm [--json])");
    view *v = calloc(1, sizeof *v);
    if (v == NULL)
        return cli_fail(cmd, CLI_EXIT_FAILED, "out of memory");
    v->path = a.pos[0];
    uint8_t *bytes = NULL;
    rc = author_read_module(cmd, v->path, &bytes, &v->len);
    eng_module *m = NULL;
    if (rc == CLI_EXIT_OK) {
        eng_error err = {0};
        m = eng_module_new(bytes, v->len, &err);
        if (m == NULL)
            rc = cli_fail(cmd, CLI_EXIT_FAILED, "%s: not a valid WebAssembly module (%s): %s",
                          v->path, eng_status_name(err.status), err.message);
    }
    if (m != NULL) {
        author_sha256_hex(bytes, v->len, v->sha);
        collect_limits(m, bytes, v);
        cli_abi_check(m, CLI_ABI_NONE, &v->abi);
        if (json)
            rc = print_json(cmd, m, v);
        else
            print_text(m, v);
        if (rc == CLI_EXIT_OK && v->abi.problem_count > 0)
            rc = CLI_EXIT_FAILED;
    }
    eng_module_free(m);
    free(bytes);
    free(v);
    return rc;
}

const cli_command cli_cmd_inspect = {
    "inspect", "a module's imports, exports, memory and ABI compatibility", help, run};

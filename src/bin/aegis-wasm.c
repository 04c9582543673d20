/*
 * aegis-wasm: try the engine by hand.
 *
 *   aegis-wasm run FILE.wasm [--invoke NAME] [ARGS...] [--fuel N] [--deadline-ms N]
 *                            [--max-memory BYTES|NK|NM|NG] [--wasi]
 *   aegis-wasm validate FILE.wasm
 *   aegis-wasm --help
 *
 * `run` instantiates the module and calls one export (default `_start`), with ARGS parsed
 * according to the export's signature; each result is printed on its own line as "TYPE VALUE".
 * With --wasi the module gets the WASI preview1 subset and its stdout/stderr go to ours. With
 * --fuel the fuel used is reported on stderr. Exit status: 0 success, 1 the module is invalid,
 * cannot be linked or traps (a WASI exit code other than 0 counts as a trap), 2 usage error.
 */
#include "engine/engine.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXIT_USAGE 2
#define EXIT_FAILED 1
/* Largest module file we read: far above anything real, low enough to refuse a mistake. */
#define MAX_MODULE_BYTES (256u * 1024u * 1024u)
#define MAX_CALL_VALUES 64

static const char usage_text[] =
    "usage:\n"
    "  aegis-wasm run FILE.wasm [--invoke NAME] [ARGS...] [options]\n"
    "  aegis-wasm validate FILE.wasm\n"
    "  aegis-wasm --help\n"
    "\n"
    "run: instantiates FILE.wasm and calls the export NAME (default _start) with ARGS, parsed\n"
    "by the export's parameter types (i32/i64: decimal or 0x hex; f32/f64: decimal, inf, nan;\n"
    "externref: a number or null). Results are printed one per line as \"TYPE VALUE\".\n"
    "options:\n"
    "  --fuel N            stop after N instructions; prints the fuel used on stderr\n"
    "  --deadline-ms N     stop after N milliseconds of wall-clock time\n"
    "  --max-memory SIZE   memory limit in bytes, or with a K, M or G suffix (default 64M)\n"
    "  --wasi              provide WASI preview1 (stdout/stderr, clocks, random, exit)\n"
    "exit status: 0 success, 1 invalid module, link error or trap, 2 usage error\n";

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "aegis-wasm: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(aegis-wasm --help for usage)\n");
    return EXIT_USAGE;
}

static uint8_t *read_module(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "aegis-wasm: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    uint8_t *buf = NULL;
    size_t used = 0, cap = 0;
    for (;;) {
        if (used == cap) {
            if (cap >= MAX_MODULE_BYTES) {
                fprintf(stderr, "aegis-wasm: %s: larger than %u bytes\n", path, MAX_MODULE_BYTES);
                free(buf);
                fclose(f);
                return NULL;
            }
            cap = cap ? cap * 2 : 65536;
            uint8_t *nbuf = realloc(buf, cap);
            if (!nbuf) {
                fprintf(stderr, "aegis-wasm: %s: out of memory\n", path);
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nbuf;
        }
        size_t n = fread(buf + used, 1, cap - used, f);
        if (n == 0)
            break;
        used += n;
    }
    bool failed = ferror(f);
    fclose(f);
    if (failed) {
        fprintf(stderr, "aegis-wasm: %s: read error\n", path);
        free(buf);
        return NULL;
    }
    *len = used;
    return buf;
}

static eng_module *load(const char *path)
{
    size_t len = 0;
    uint8_t *bytes = read_module(path, &len);
    if (!bytes)
        return NULL;
    eng_error err = {0};
    eng_module *m = eng_module_new(bytes, len, &err);
    free(bytes);
    if (!m)
        fprintf(stderr, "aegis-wasm: %s: %s: %s\n", path, eng_status_name(err.status), err.message);
    return m;
}

/* ---- Values
 * -------------------------------------------------------------------------------------- */

/* Parses an integer that fits in bits (32 or 64), signed or unsigned, decimal or 0x hex. */
static bool parse_int(const char *s, unsigned bits, uint64_t *out)
{
    char *end;
    errno = 0;
    if (s[0] == '-') {
        long long v = strtoll(s, &end, 0);
        if (errno || *end || end == s || (bits == 32 && v < INT32_MIN))
            return false;
        *out = bits == 32 ? (uint32_t)(int32_t)v : (uint64_t)v;
        return true;
    }
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end || end == s || (bits == 32 && v > UINT32_MAX))
        return false;
    *out = v;
    return true;
}

static bool parse_arg(const char *s, eng_valtype type, eng_slot *slot)
{
    char *end;
    switch (type) {
    case ENG_I32:
        return parse_int(s, 32, slot);
    case ENG_I64:
        return parse_int(s, 64, slot);
    case ENG_F32: {
        float f = strtof(s, &end);
        uint32_t bits;
        memcpy(&bits, &f, 4);
        *slot = bits;
        return *end == '\0' && end != s;
    }
    case ENG_F64: {
        double d = strtod(s, &end);
        memcpy(slot, &d, 8);
        return *end == '\0' && end != s;
    }
    case ENG_EXTERNREF:
        if (strcmp(s, "null") == 0) {
            *slot = 0;
            return true;
        }
        return parse_int(s, 64, slot) && *slot != 0;
    case ENG_FUNCREF:
        *slot = 0;
        return strcmp(s, "null") == 0;
    case ENG_V128:
        return false;
    }
    return false;
}

static void print_result(eng_valtype type, eng_slot v)
{
    switch (type) {
    case ENG_I32:
        printf("i32 %" PRId32 "\n", (int32_t)(uint32_t)v);
        return;
    case ENG_I64:
        printf("i64 %" PRId64 "\n", (int64_t)v);
        return;
    case ENG_F32: {
        float f;
        uint32_t bits = (uint32_t)v;
        memcpy(&f, &bits, 4);
        if (isnan(f))
            printf("f32 nan (0x%08" PRIx32 ")\n", bits);
        else
            printf("f32 %.9g\n", (double)f);
        return;
    }
    case ENG_F64: {
        double d;
        memcpy(&d, &v, 8);
        if (isnan(d))
            printf("f64 nan (0x%016" PRIx64 ")\n", v);
        else
            printf("f64 %.17g\n", d);
        return;
    }
    case ENG_FUNCREF:
    case ENG_EXTERNREF:
        if (v == 0)
            printf("%s null\n", eng_valtype_name(type));
        else
            printf("%s 0x%" PRIx64 "\n", eng_valtype_name(type), v);
        return;
    case ENG_V128:
        break;
    }
    printf("%s ?\n", eng_valtype_name(type));
}

static void print_signature(FILE *out, const eng_extern_info *info)
{
    fprintf(out, "(");
    for (uint32_t i = 0; i < info->param_count; i++)
        fprintf(out, "%s%s", i ? ", " : "", eng_valtype_name(info->params[i]));
    fprintf(out, ") -> (");
    for (uint32_t i = 0; i < info->result_count; i++)
        fprintf(out, "%s%s", i ? ", " : "", eng_valtype_name(info->results[i]));
    fprintf(out, ")");
}

/* ---- Options -----------------------------------------------------------------------------------
 */

typedef struct run_opts {
    const char *file;
    const char *invoke;
    const char *args[MAX_CALL_VALUES];
    int nargs;
    uint64_t fuel;
    bool has_fuel;
    uint64_t deadline_ms;
    uint64_t max_memory;
    bool has_max_memory;
    bool wasi;
} run_opts;

/* A size in bytes with an optional K, M or G suffix (powers of 1024). */
static bool parse_size(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    if (s[0] < '0' || s[0] > '9')
        return false;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s)
        return false;
    unsigned shift = 0;
    if (*end == 'K' || *end == 'k')
        shift = 10, end++;
    else if (*end == 'M' || *end == 'm')
        shift = 20, end++;
    else if (*end == 'G' || *end == 'g')
        shift = 30, end++;
    if (*end != '\0' || (shift && v > (UINT64_MAX >> shift)))
        return false;
    *out = (uint64_t)v << shift;
    return true;
}

static bool parse_count(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    if (s[0] < '0' || s[0] > '9')
        return false;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || end == s)
        return false;
    *out = v;
    return true;
}

/* Options may come anywhere after FILE; everything else is an argument of the call. A "--"
 * ends the options, so that a negative number can never be mistaken for one. */
static int parse_run(int argc, char **argv, run_opts *o)
{
    bool options_done = false;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        bool is_opt = !options_done && strncmp(a, "--", 2) == 0;
        if (is_opt && strcmp(a, "--") == 0) {
            options_done = true;
        } else if (is_opt && strcmp(a, "--wasi") == 0) {
            o->wasi = true;
        } else if (is_opt && (strcmp(a, "--invoke") == 0 || strcmp(a, "--fuel") == 0 ||
                              strcmp(a, "--deadline-ms") == 0 || strcmp(a, "--max-memory") == 0)) {
            if (!next)
                return usage_error("%s needs a value", a);
            i++;
            if (strcmp(a, "--invoke") == 0)
                o->invoke = next;
            else if (strcmp(a, "--fuel") == 0) {
                if (!parse_count(next, &o->fuel) || o->fuel == 0)
                    return usage_error("--fuel: \"%s\" is not a positive count", next);
                o->has_fuel = true;
            } else if (strcmp(a, "--deadline-ms") == 0) {
                if (!parse_count(next, &o->deadline_ms) || o->deadline_ms == 0 ||
                    o->deadline_ms > UINT64_MAX / 1000)
                    return usage_error("--deadline-ms: \"%s\" is not a positive count", next);
            } else {
                if (!parse_size(next, &o->max_memory))
                    return usage_error("--max-memory: \"%s\" is not a size (BYTES, NK, NM, NG)",
                                       next);
                o->has_max_memory = true;
            }
        } else if (is_opt) {
            return usage_error("unknown option %s", a);
        } else if (!o->file) {
            o->file = a;
        } else {
            if (o->nargs == MAX_CALL_VALUES)
                return usage_error("too many arguments (at most %s)", "64");
            o->args[o->nargs++] = a;
        }
    }
    if (!o->file)
        return usage_error("%s", "run: missing FILE.wasm");
    return 0;
}

/* ---- Commands ----------------------------------------------------------------------------------
 */

static void log_to_stdio(void *data, int fd, const char *text, size_t len)
{
    (void)data;
    FILE *out = fd == 2 ? stderr : stdout;
    fwrite(text, 1, len, out);
    fflush(out);
}

static int call_export(eng_instance *inst, const run_opts *o)
{
    const char *name = o->invoke ? o->invoke : "_start";
    eng_extern_info info;
    int32_t fi = eng_instance_find_func(inst, name, &info);
    if (fi < 0) {
        if (o->invoke)
            fprintf(stderr, "aegis-wasm: %s: no exported function \"%s\"\n", o->file, name);
        else
            fprintf(stderr, "aegis-wasm: %s: no _start export; choose one with --invoke NAME\n",
                    o->file);
        return EXIT_USAGE;
    }
    if ((uint32_t)o->nargs != info.param_count || info.result_count > MAX_CALL_VALUES) {
        fprintf(stderr, "aegis-wasm: %s takes %u argument%s, got %d: ", name, info.param_count,
                info.param_count == 1 ? "" : "s", o->nargs);
        print_signature(stderr, &info);
        fprintf(stderr, "\n");
        return EXIT_USAGE;
    }
    eng_slot args[MAX_CALL_VALUES], results[MAX_CALL_VALUES];
    for (int i = 0; i < o->nargs; i++)
        if (!parse_arg(o->args[i], info.params[i], &args[i])) {
            fprintf(stderr, "aegis-wasm: argument %d of %s: \"%s\" is not a valid %s\n", i + 1,
                    name, o->args[i], eng_valtype_name(info.params[i]));
            return EXIT_USAGE;
        }
    eng_error err = {0};
    eng_status st = eng_call(inst, fi, args, (uint32_t)o->nargs, results, info.result_count, &err);
    fflush(stdout);
    if (o->has_fuel)
        fprintf(stderr, "fuel used: %" PRIu64 " of %" PRIu64 "\n", eng_instance_fuel_used(inst),
                o->fuel);
    if (st == ENG_ERR_TRAP && err.trap == ENG_TRAP_EXIT) {
        if (err.exit_code == 0)
            return 0;
        fprintf(stderr, "aegis-wasm: %s: exit code %d\n", name, err.exit_code);
        return EXIT_FAILED;
    }
    if (st != ENG_OK) {
        fprintf(stderr, "aegis-wasm: %s: %s: %s\n", name, eng_status_name(st), err.message);
        return EXIT_FAILED;
    }
    for (uint32_t i = 0; i < info.result_count; i++)
        print_result(info.results[i], results[i]);
    return 0;
}

static int cmd_run(int argc, char **argv)
{
    run_opts o = {0};
    int rc = parse_run(argc, argv, &o);
    if (rc)
        return rc;
    eng_module *m = load(o.file);
    if (!m)
        return EXIT_FAILED;
    eng_limits limits = eng_limits_default();
    if (o.has_max_memory)
        limits.max_memory_bytes = o.max_memory;
    limits.fuel = o.has_fuel ? o.fuel : 0;
    limits.deadline_us = o.deadline_ms * 1000;
    eng_imports *imports = eng_imports_new();
    if (!imports || (o.wasi && eng_imports_add_wasi(imports, log_to_stdio, NULL) != ENG_OK)) {
        fprintf(stderr, "aegis-wasm: out of memory\n");
        eng_imports_free(imports);
        eng_module_free(m);
        return EXIT_FAILED;
    }
    eng_error err = {0};
    eng_instance *inst = eng_instance_new(m, imports, &limits, &err);
    if (!inst) {
        fprintf(stderr, "aegis-wasm: %s: %s: %s\n", o.file, eng_status_name(err.status),
                err.message);
        if (err.status == ENG_ERR_UNLINKABLE && !o.wasi)
            for (uint32_t i = 0; i < eng_module_import_count(m); i++) {
                eng_extern_info imp;
                if (eng_module_import(m, i, &imp) &&
                    strcmp(imp.module, "wasi_snapshot_preview1") == 0) {
                    fprintf(stderr, "aegis-wasm: the module imports WASI: add --wasi\n");
                    break;
                }
            }
        rc = EXIT_FAILED;
    } else {
        if (o.has_fuel)
            eng_instance_set_fuel(inst, o.fuel);
        rc = call_export(inst, &o);
        eng_instance_free(inst);
    }
    eng_imports_free(imports);
    eng_module_free(m);
    return rc;
}

/* One line per import or export: "  import func "env"."log" (i32, i32) -> ()". */
static void print_extern(const char *what, const eng_extern_info *info)
{
    static const char *kinds[] = {"func", "table", "memory", "global"};
    printf("  %s %s ", what, info->kind <= ENG_EXTERN_GLOBAL ? kinds[info->kind] : "?");
    if (info->module)
        printf("\"%s\".", info->module);
    printf("\"%s\"", info->name);
    if (info->kind == ENG_EXTERN_FUNC) {
        printf(" ");
        print_signature(stdout, info);
    } else if (info->kind == ENG_EXTERN_GLOBAL) {
        printf(" %s%s", info->mutable_ ? "mut " : "", eng_valtype_name(info->type));
    } else {
        printf(" %" PRIu64 "..", info->min);
        if (info->has_max)
            printf("%" PRIu64, info->max);
        if (info->kind == ENG_EXTERN_TABLE)
            printf(" %s", eng_valtype_name(info->type));
    }
    printf("\n");
}

static int cmd_validate(int argc, char **argv)
{
    if (argc != 1)
        return usage_error("%s", "validate takes exactly one FILE");
    eng_module *m = load(argv[0]);
    if (!m)
        return EXIT_FAILED;
    printf("%s: valid, %u imports, %u exports\n", argv[0], eng_module_import_count(m),
           eng_module_export_count(m));
    for (uint32_t i = 0; i < eng_module_import_count(m); i++) {
        eng_extern_info info;
        if (eng_module_import(m, i, &info))
            print_extern("import", &info);
    }
    for (uint32_t i = 0; i < eng_module_export_count(m); i++) {
        eng_extern_info info;
        if (eng_module_export(m, i, &info))
            print_extern("export", &info);
    }
    eng_module_free(m);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage_error("%s", "missing command");
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        fputs(usage_text, stdout);
        return 0;
    }
    if (strcmp(argv[1], "run") == 0)
        return cmd_run(argc - 2, argv + 2);
    if (strcmp(argv[1], "validate") == 0)
        return cmd_validate(argc - 2, argv + 2);
    return usage_error("unknown command \"%s\"", argv[1]);
}

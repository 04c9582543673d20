/*
 * aegis-spectest: runs one WebAssembly spec-test file, as converted by wabt's `wast2json`, against
 * the engine's public API and reports how many of its commands pass.
 *
 *   aegis-spectest [--known FILE] [--verbose] NAME.json
 *
 * Every command type that wast2json writes is handled: module, register, action (invoke / get),
 * assert_return (NaN classes and references included), assert_trap, assert_exhaustion,
 * assert_invalid, assert_malformed, assert_unlinkable and assert_uninstantiable. Modules given as
 * text (assert_malformed / assert_invalid of .wat) test a text parser we do not have: they are
 * counted as skipped. In the SIMD files (simd_*.wast) the engine must reject every module cleanly,
 * since it does not implement SIMD; their other commands are skipped.
 *
 * The commands run in a child process that reports one record per command through a pipe, so a
 * crash, a sanitizer report or a hang in the engine shows up as failures of this file (every
 * command without a record fails) instead of taking the whole suite down. The last line is a
 * machine-readable summary that scripts/suites/spec.sh adds up:
 *   SPEC file=NAME.wast simd=0 total=T passed=P failed=F known=K skipped=S ok=1
 * Exit status: 0 when the file passes (every failure is a listed known failure), 1 when it does
 * not, 2 for usage or unreadable input.
 */
#include "engine/engine.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* A whole file gets this long before its child is killed (SIGALRM): generous under ASan. */
#define FILE_TIMEOUT_S 300
/* Each call gets this wall-clock budget, so one runaway loop fails one command, not the file. */
#define CALL_DEADLINE_US (10u * 1000u * 1000u)
#define MAX_VALUES 64
#define MAX_KNOWN 512

enum outcome { OUT_PASS = 'P', OUT_FAIL = 'F', OUT_TEXT = 'T', OUT_SIMD_SKIP = 'S' };

typedef struct known_list {
    int lines[MAX_KNOWN];
    size_t count;
} known_list;

typedef struct named_instance {
    char *name; /* NULL for unnamed modules */
    eng_module *module;
    eng_instance *instance;
} named_instance;

typedef struct runner {
    const char *dir;  /* folder of the JSON file: module file names are relative to it */
    const char *wast; /* source file name, for messages */
    bool simd;        /* a simd_*.wast file */
    bool verbose;
    const known_list *known;
    int record_fd; /* pipe to the parent */
    eng_imports *imports;
    named_instance *insts;
    size_t ninsts, cap;
    eng_instance *current; /* the most recently instantiated module */
    eng_module *spectest_module;
    eng_instance *spectest;
} runner;

/* ---- Small helpers ------------------------------------------------------------------------- */

static bool is_known(const known_list *known, int line)
{
    for (size_t i = 0; i < known->count; i++)
        if (known->lines[i] == line)
            return true;
    return false;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* Reads known-failure lines "file.wast:LINE  reason" for this file; '#' starts a comment. */
static bool load_known(const char *path, const char *wast, known_list *known)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "aegis-spectest: %s: %s\n", path, strerror(errno));
        return false;
    }
    char buf[512];
    size_t wlen = strlen(wast);
    while (fgets(buf, sizeof buf, f)) {
        if (buf[0] == '#' || strncmp(buf, wast, wlen) != 0 || buf[wlen] != ':')
            continue;
        char *end;
        long line = strtol(buf + wlen + 1, &end, 10);
        if (end == buf + wlen + 1 || line <= 0 || line > INT_MAX)
            continue;
        if (known->count < MAX_KNOWN)
            known->lines[known->count++] = (int)line;
    }
    fclose(f);
    return true;
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *buf = NULL;
    size_t cap = 0, used = 0;
    for (;;) {
        if (used == cap) {
            size_t ncap = cap ? cap * 2 : 4096;
            uint8_t *nbuf = realloc(buf, ncap);
            if (!nbuf) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nbuf;
            cap = ncap;
        }
        size_t n = fread(buf + used, 1, cap - used, f);
        used += n;
        if (n == 0)
            break;
    }
    fclose(f);
    *len = used;
    return buf;
}

/* ---- The "spectest" host module ------------------------------------------------------------- */

/* The spec tests import spectest.print*, four globals, a table and a memory. The public API adds
 * host functions but not host globals, tables or memories, so the runner assembles a tiny module
 * that imports the print functions from "host" and exports them together with its own globals
 * (666 / 666.6), table (10..20 funcref) and memory (1..2 pages). */
typedef struct bytes {
    uint8_t data[1024];
    size_t len;
} bytes;

static void put(bytes *b, uint8_t v)
{
    if (b->len < sizeof b->data)
        b->data[b->len++] = v;
}

static void put_u32(bytes *b, uint32_t v)
{
    do {
        uint8_t byte = v & 0x7f;
        v >>= 7;
        put(b, (uint8_t)(byte | (v ? 0x80 : 0)));
    } while (v);
}

static void put_name(bytes *b, const char *s)
{
    put_u32(b, (uint32_t)strlen(s));
    for (; *s; s++)
        put(b, (uint8_t)*s);
}

static void put_section(bytes *out, uint8_t id, const bytes *body)
{
    put(out, id);
    put_u32(out, (uint32_t)body->len);
    for (size_t i = 0; i < body->len; i++)
        put(out, body->data[i]);
}

static const struct {
    const char *name, *sig;
    uint8_t params[2];
    uint8_t nparams;
} spectest_funcs[] = {
    {"print", "()", {0}, 0},
    {"print_i32", "(i)", {ENG_I32}, 1},
    {"print_i64", "(I)", {ENG_I64}, 1},
    {"print_f32", "(f)", {ENG_F32}, 1},
    {"print_f64", "(F)", {ENG_F64}, 1},
    {"print_i32_f32", "(if)", {ENG_I32, ENG_F32}, 2},
    {"print_f64_f64", "(FF)", {ENG_F64, ENG_F64}, 2},
};
#define SPECTEST_NFUNCS (sizeof spectest_funcs / sizeof spectest_funcs[0])

static size_t spectest_module_bytes(uint8_t *out, size_t cap)
{
    bytes mod = {.len = 0}, sec;
    static const uint8_t header[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
    for (size_t i = 0; i < sizeof header; i++)
        put(&mod, header[i]);

    sec.len = 0; /* type: one signature per print function, no results */
    put_u32(&sec, SPECTEST_NFUNCS);
    for (size_t i = 0; i < SPECTEST_NFUNCS; i++) {
        put(&sec, 0x60);
        put_u32(&sec, spectest_funcs[i].nparams);
        for (uint8_t p = 0; p < spectest_funcs[i].nparams; p++)
            put(&sec, spectest_funcs[i].params[p]);
        put_u32(&sec, 0);
    }
    put_section(&mod, 1, &sec);

    sec.len = 0; /* import */
    put_u32(&sec, SPECTEST_NFUNCS);
    for (size_t i = 0; i < SPECTEST_NFUNCS; i++) {
        put_name(&sec, "host");
        put_name(&sec, spectest_funcs[i].name);
        put(&sec, 0x00);
        put_u32(&sec, (uint32_t)i);
    }
    put_section(&mod, 2, &sec);

    sec.len = 0; /* table 10..20 funcref */
    put_u32(&sec, 1);
    put(&sec, 0x70);
    put(&sec, 0x01);
    put_u32(&sec, 10);
    put_u32(&sec, 20);
    put_section(&mod, 4, &sec);

    sec.len = 0; /* memory 1..2 pages */
    put_u32(&sec, 1);
    put(&sec, 0x01);
    put_u32(&sec, 1);
    put_u32(&sec, 2);
    put_section(&mod, 5, &sec);

    sec.len = 0; /* globals: i32 666, i64 666, f32 666.6, f64 666.6 (immutable) */
    put_u32(&sec, 4);
    put(&sec, ENG_I32);
    put(&sec, 0);
    put(&sec, 0x41); /* i32.const 666 (signed LEB128) */
    put(&sec, 0x9a);
    put(&sec, 0x05);
    put(&sec, 0x0b);
    put(&sec, ENG_I64);
    put(&sec, 0);
    put(&sec, 0x42);
    put(&sec, 0x9a);
    put(&sec, 0x05);
    put(&sec, 0x0b);
    float f32 = 666.6f;
    double f64 = 666.6;
    uint8_t raw[8];
    put(&sec, ENG_F32);
    put(&sec, 0);
    put(&sec, 0x43);
    memcpy(raw, &f32, 4); /* host and Wasm are both little-endian on our targets */
    for (int i = 0; i < 4; i++)
        put(&sec, raw[i]);
    put(&sec, 0x0b);
    put(&sec, ENG_F64);
    put(&sec, 0);
    put(&sec, 0x44);
    memcpy(raw, &f64, 8);
    for (int i = 0; i < 8; i++)
        put(&sec, raw[i]);
    put(&sec, 0x0b);
    put_section(&mod, 6, &sec);

    sec.len = 0; /* exports */
    put_u32(&sec, (uint32_t)SPECTEST_NFUNCS + 6);
    for (size_t i = 0; i < SPECTEST_NFUNCS; i++) {
        put_name(&sec, spectest_funcs[i].name);
        put(&sec, 0x00);
        put_u32(&sec, (uint32_t)i);
    }
    static const char *globals[] = {"global_i32", "global_i64", "global_f32", "global_f64"};
    for (uint32_t i = 0; i < 4; i++) {
        put_name(&sec, globals[i]);
        put(&sec, 0x03);
        put_u32(&sec, i);
    }
    put_name(&sec, "table");
    put(&sec, 0x01);
    put_u32(&sec, 0);
    put_name(&sec, "memory");
    put(&sec, 0x02);
    put_u32(&sec, 0);
    put_section(&mod, 7, &sec);

    if (mod.len > cap)
        return 0;
    memcpy(out, mod.data, mod.len);
    return mod.len;
}

static eng_trap spectest_print(eng_caller *caller, const eng_slot *args, eng_slot *results,
                               void *data)
{
    (void)caller, (void)args, (void)results, (void)data;
    return ENG_TRAP_NONE;
}

static bool spectest_setup(runner *r)
{
    uint8_t buf[1024];
    size_t len = spectest_module_bytes(buf, sizeof buf);
    eng_error err = {0};
    for (size_t i = 0; i < SPECTEST_NFUNCS; i++)
        if (eng_imports_add_func(r->imports, "host", spectest_funcs[i].name, spectest_funcs[i].sig,
                                 spectest_print, NULL) != ENG_OK) {
            printf("FAIL %s: cannot add host function %s\n", r->wast, spectest_funcs[i].name);
            return false;
        }
    r->spectest_module = eng_module_new(buf, len, &err);
    if (r->spectest_module) {
        eng_limits limits = eng_limits_default();
        r->spectest = eng_instance_new(r->spectest_module, r->imports, &limits, &err);
    }
    if (!r->spectest || eng_imports_add_instance(r->imports, "spectest", r->spectest) != ENG_OK) {
        printf("FAIL %s: cannot build the spectest module: %s: %s\n", r->wast,
               eng_status_name(err.status), err.message);
        return false;
    }
    return true;
}

/* ---- Values
 * -------------------------------------------------------------------------------------- */

static bool type_of(const char *name, eng_valtype *type)
{
    static const struct {
        const char *name;
        eng_valtype type;
    } map[] = {{"i32", ENG_I32},  {"i64", ENG_I64},         {"f32", ENG_F32},
               {"f64", ENG_F64},  {"funcref", ENG_FUNCREF}, {"externref", ENG_EXTERNREF},
               {"v128", ENG_V128}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(map[i].name, name) == 0) {
            *type = map[i].type;
            return true;
        }
    return false;
}

/* externref N of the test suite travels as host value N + 1, because 0 is the null reference. */
static bool parse_value(json_t *v, eng_slot *slot, char *why, size_t whylen)
{
    const char *tname = json_string_value(json_object_get(v, "type"));
    const char *text = json_string_value(json_object_get(v, "value"));
    eng_valtype type;
    if (!tname || !type_of(tname, &type) || type == ENG_V128 || !text) {
        snprintf(why, whylen, "unsupported argument %s", tname ? tname : "(no type)");
        return false;
    }
    if ((type == ENG_FUNCREF || type == ENG_EXTERNREF) && strcmp(text, "null") == 0) {
        *slot = 0;
        return true;
    }
    char *end;
    errno = 0;
    unsigned long long n = strtoull(text, &end, 10);
    if (errno || *end || end == text) {
        snprintf(why, whylen, "bad %s value \"%s\"", tname, text);
        return false;
    }
    *slot = type == ENG_EXTERNREF ? (eng_slot)n + 1 : (eng_slot)n;
    return true;
}

/* Checks one result against its expectation; writes what differs into why. */
static bool value_matches(json_t *exp, eng_slot got, char *why, size_t whylen)
{
    const char *tname = json_string_value(json_object_get(exp, "type"));
    const char *text = json_string_value(json_object_get(exp, "value"));
    eng_valtype type;
    if (!tname || !type_of(tname, &type) || type == ENG_V128) {
        snprintf(why, whylen, "unsupported expected type %s", tname ? tname : "(none)");
        return false;
    }
    if (!text) { /* a reference of the type, any value (wast2json's "ref.func" without index) */
        if (got == 0 && type == ENG_FUNCREF) {
            snprintf(why, whylen, "expected a non-null funcref, got null");
            return false;
        }
        return true;
    }
    bool ok;
    if (type == ENG_F32 && strcmp(text, "nan:canonical") == 0)
        ok = ((uint32_t)got & 0x7fffffffu) == 0x7fc00000u;
    else if (type == ENG_F32 && strcmp(text, "nan:arithmetic") == 0)
        ok = ((uint32_t)got & 0x7fc00000u) == 0x7fc00000u;
    else if (type == ENG_F64 && strcmp(text, "nan:canonical") == 0)
        ok = (got & 0x7fffffffffffffffull) == 0x7ff8000000000000ull;
    else if (type == ENG_F64 && strcmp(text, "nan:arithmetic") == 0)
        ok = (got & 0x7ff8000000000000ull) == 0x7ff8000000000000ull;
    else if ((type == ENG_FUNCREF || type == ENG_EXTERNREF) && strcmp(text, "null") == 0)
        ok = got == 0;
    else {
        eng_slot want;
        if (!parse_value(exp, &want, why, whylen))
            return false;
        if (type == ENG_I32 || type == ENG_F32)
            ok = (uint32_t)got == (uint32_t)want;
        else if (type == ENG_FUNCREF)
            ok = got != 0;
        else
            ok = got == want;
    }
    if (!ok) {
        if (type == ENG_EXTERNREF)
            snprintf(why, whylen, "expected %s %s, got %s", tname, text,
                     got ? "a different reference" : "null");
        else
            snprintf(why, whylen, "expected %s %s, got 0x%" PRIx64, tname, text,
                     type == ENG_I32 || type == ENG_F32 ? (uint64_t)(uint32_t)got : got);
    }
    return ok;
}

/* ---- Modules and actions ------------------------------------------------------------------------
 */

static eng_instance *find_instance(runner *r, const char *name)
{
    if (!name)
        return r->current;
    for (size_t i = r->ninsts; i-- > 0;)
        if (r->insts[i].name && strcmp(r->insts[i].name, name) == 0)
            return r->insts[i].instance;
    return NULL;
}

static eng_module *load_module(runner *r, json_t *cmd, eng_error *err)
{
    const char *file = json_string_value(json_object_get(cmd, "filename"));
    if (!file) {
        snprintf(err->message, sizeof err->message, "command without a filename");
        err->status = ENG_ERR_ARG;
        return NULL;
    }
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", r->dir, file);
    size_t len;
    uint8_t *bytes = read_file(path, &len);
    if (!bytes) {
        snprintf(err->message, sizeof err->message, "cannot read %.200s", file);
        err->status = ENG_ERR_ARG;
        return NULL;
    }
    eng_module *m = eng_module_new(bytes, len, err);
    free(bytes);
    return m;
}

static eng_limits spec_limits(void)
{
    eng_limits limits = eng_limits_default();
    limits.deadline_us = CALL_DEADLINE_US;
    return limits;
}

static bool keep_instance(runner *r, const char *name, eng_module *m, eng_instance *inst)
{
    if (r->ninsts == r->cap) {
        size_t ncap = r->cap ? r->cap * 2 : 16;
        named_instance *n = realloc(r->insts, ncap * sizeof *n);
        if (!n)
            return false;
        r->insts = n;
        r->cap = ncap;
    }
    r->insts[r->ninsts++] = (named_instance){name ? strdup(name) : NULL, m, inst};
    return true;
}

/* Runs an invoke or get action; on success fills results and their count. A trap is not an
 * error of the runner: it is reported through err with status ENG_ERR_TRAP. */
static eng_status run_action(runner *r, json_t *action, eng_slot *results, uint32_t *nresults,
                             eng_error *err)
{
    const char *type = json_string_value(json_object_get(action, "type"));
    const char *field = json_string_value(json_object_get(action, "field"));
    const char *modname = json_string_value(json_object_get(action, "module"));
    eng_instance *inst = find_instance(r, modname);
    memset(err, 0, sizeof *err);
    err->status = ENG_ERR_ARG;
    if (!inst) {
        snprintf(err->message, sizeof err->message, "no instance %s", modname ? modname : "");
        return ENG_ERR_ARG;
    }
    if (!type || !field) {
        snprintf(err->message, sizeof err->message, "action without type or field");
        return ENG_ERR_ARG;
    }
    if (strlen(field) != json_string_length(json_object_get(action, "field"))) {
        snprintf(err->message, sizeof err->message,
                 "export name contains a NUL byte, which the C API cannot express");
        return ENG_ERR_ARG;
    }
    if (strcmp(type, "get") == 0) {
        eng_valtype vt;
        if (!eng_instance_get_global(inst, field, &vt, &results[0])) {
            snprintf(err->message, sizeof err->message, "no global export \"%s\"", field);
            return ENG_ERR_ARG;
        }
        *nresults = 1;
        err->status = ENG_OK;
        return ENG_OK;
    }
    if (strcmp(type, "invoke") != 0) {
        snprintf(err->message, sizeof err->message, "unknown action type %s", type);
        return ENG_ERR_ARG;
    }
    eng_extern_info info;
    int32_t fi = eng_instance_find_func(inst, field, &info);
    if (fi < 0) {
        snprintf(err->message, sizeof err->message, "no function export \"%s\"", field);
        return ENG_ERR_ARG;
    }
    json_t *jargs = json_object_get(action, "args");
    size_t nargs = json_array_size(jargs);
    eng_slot args[MAX_VALUES];
    if (nargs > MAX_VALUES || info.result_count > MAX_VALUES) {
        snprintf(err->message, sizeof err->message, "too many values");
        return ENG_ERR_ARG;
    }
    for (size_t i = 0; i < nargs; i++)
        if (!parse_value(json_array_get(jargs, i), &args[i], err->message, sizeof err->message))
            return ENG_ERR_ARG;
    eng_limits limits = spec_limits();
    eng_instance_set_limits(inst, &limits);
    *nresults = info.result_count;
    return eng_call(inst, fi, args, (uint32_t)nargs, results, info.result_count, err);
}

static bool trap_text_matches(eng_trap trap, const char *text)
{
    const char *name = eng_trap_name(trap);
    if (!name || !text)
        return false;
    size_t a = strlen(name), b = strlen(text);
    return strncmp(name, text, a < b ? a : b) == 0 && (a < b ? a : b) > 0;
}

/* ---- Commands ------------------------------------------------------------------------------- */

static bool is_module_command(const char *type)
{
    return strcmp(type, "module") == 0 || strncmp(type, "assert_invalid", 14) == 0 ||
           strcmp(type, "assert_malformed") == 0 || strcmp(type, "assert_unlinkable") == 0 ||
           strcmp(type, "assert_uninstantiable") == 0;
}

static enum outcome expect_rejected(runner *r, json_t *cmd, eng_status want, char *why,
                                    size_t whylen)
{
    eng_error err = {0};
    eng_module *m = load_module(r, cmd, &err);
    const char *text = json_string_value(json_object_get(cmd, "text"));
    if (m) {
        eng_module_free(m);
        snprintf(why, whylen, "module accepted; expected %s (%s)", eng_status_name(want),
                 text ? text : "");
        return OUT_FAIL;
    }
    if (err.status != want) {
        snprintf(why, whylen, "rejected as %s, expected %s (%s): %s", eng_status_name(err.status),
                 eng_status_name(want), text ? text : "", err.message);
        return OUT_FAIL;
    }
    if (r->verbose)
        printf("  ok %s: %s\n", text ? text : "", err.message);
    return OUT_PASS;
}

/* assert_unlinkable / assert_uninstantiable: a valid module whose instantiation fails. */
static enum outcome expect_instantiation_failure(runner *r, json_t *cmd, bool trap, char *why,
                                                 size_t whylen)
{
    eng_error err = {0};
    const char *text = json_string_value(json_object_get(cmd, "text"));
    eng_module *m = load_module(r, cmd, &err);
    if (!m) {
        snprintf(why, whylen, "module rejected (%s): %s", eng_status_name(err.status), err.message);
        return OUT_FAIL;
    }
    eng_limits limits = spec_limits();
    eng_instance *inst = eng_instance_new(m, r->imports, &limits, &err);
    enum outcome out = OUT_PASS;
    if (inst) {
        snprintf(why, whylen, "instantiation succeeded; expected \"%s\"", text ? text : "");
        out = OUT_FAIL;
    } else if (!trap && err.status != ENG_ERR_UNLINKABLE) {
        snprintf(why, whylen, "failed as %s, expected unlinkable: %s", eng_status_name(err.status),
                 err.message);
        out = OUT_FAIL;
    } else if (trap && (err.status != ENG_ERR_TRAP || !trap_text_matches(err.trap, text))) {
        snprintf(why, whylen, "failed as %s (%s), expected trap \"%s\": %s",
                 eng_status_name(err.status), eng_trap_name(err.trap), text ? text : "",
                 err.message);
        out = OUT_FAIL;
    }
    /* A failed instantiation may already have written references to the module's functions into
     * a table it imported (segments are applied in order until one traps), and an unexpected
     * success may have too: both stay alive until the file ends. */
    if (!keep_instance(r, NULL, m, inst)) {
        if (inst)
            eng_instance_free(inst);
        eng_module_free(m);
    }
    return out;
}

static enum outcome run_module(runner *r, json_t *cmd, char *why, size_t whylen)
{
    eng_error err = {0};
    eng_module *m = load_module(r, cmd, &err);
    const char *name = json_string_value(json_object_get(cmd, "name"));
    r->current = NULL; /* later actions on the current module fail if this one does not load */
    if (!m) {
        snprintf(why, whylen, "module rejected (%s): %s", eng_status_name(err.status), err.message);
        return OUT_FAIL;
    }
    eng_limits limits = spec_limits();
    eng_instance *inst = eng_instance_new(m, r->imports, &limits, &err);
    if (!inst) {
        snprintf(why, whylen, "instantiation failed (%s%s%s): %s", eng_status_name(err.status),
                 err.status == ENG_ERR_TRAP ? ", " : "",
                 err.status == ENG_ERR_TRAP ? eng_trap_name(err.trap) : "", err.message);
        if (!keep_instance(r, NULL, m, NULL)) /* see expect_instantiation_failure */
            eng_module_free(m);
        return OUT_FAIL;
    }
    if (!keep_instance(r, name, m, inst)) {
        eng_instance_free(inst);
        eng_module_free(m);
        snprintf(why, whylen, "out of memory");
        return OUT_FAIL;
    }
    r->current = inst;
    return OUT_PASS;
}

static enum outcome run_register(runner *r, json_t *cmd, char *why, size_t whylen)
{
    const char *name = json_string_value(json_object_get(cmd, "name"));
    const char *as = json_string_value(json_object_get(cmd, "as"));
    eng_instance *inst = find_instance(r, name);
    if (!inst || !as) {
        snprintf(why, whylen, "nothing to register as %s", as ? as : "(none)");
        return OUT_FAIL;
    }
    if (eng_imports_add_instance(r->imports, as, inst) != ENG_OK) {
        snprintf(why, whylen, "eng_imports_add_instance failed for %s", as);
        return OUT_FAIL;
    }
    return OUT_PASS;
}

static enum outcome run_assert_return(runner *r, json_t *cmd, char *why, size_t whylen)
{
    eng_slot results[MAX_VALUES];
    uint32_t nresults = 0;
    eng_error err;
    if (run_action(r, json_object_get(cmd, "action"), results, &nresults, &err) != ENG_OK) {
        snprintf(why, whylen, "%s%s%s: %s", eng_status_name(err.status),
                 err.status == ENG_ERR_TRAP ? " " : "",
                 err.status == ENG_ERR_TRAP ? eng_trap_name(err.trap) : "", err.message);
        return OUT_FAIL;
    }
    json_t *expected = json_object_get(cmd, "expected");
    if (json_array_size(expected) != nresults) {
        snprintf(why, whylen, "%u results, expected %zu", nresults, json_array_size(expected));
        return OUT_FAIL;
    }
    for (uint32_t i = 0; i < nresults; i++) {
        char detail[200];
        if (!value_matches(json_array_get(expected, i), results[i], detail, sizeof detail)) {
            snprintf(why, whylen, "result %u: %s", i, detail);
            return OUT_FAIL;
        }
    }
    return OUT_PASS;
}

static enum outcome run_assert_trap(runner *r, json_t *cmd, bool exhaustion, char *why,
                                    size_t whylen)
{
    eng_slot results[MAX_VALUES];
    uint32_t nresults = 0;
    eng_error err;
    const char *text = json_string_value(json_object_get(cmd, "text"));
    eng_status st = run_action(r, json_object_get(cmd, "action"), results, &nresults, &err);
    if (st == ENG_OK) {
        snprintf(why, whylen, "returned normally; expected trap \"%s\"", text ? text : "");
        return OUT_FAIL;
    }
    bool ok = st == ENG_ERR_TRAP && trap_text_matches(err.trap, text);
    if (exhaustion)
        ok = ok && err.trap == ENG_TRAP_STACK_EXHAUSTED;
    if (!ok) {
        snprintf(why, whylen, "%s (%s), expected trap \"%s\": %s", eng_status_name(st),
                 st == ENG_ERR_TRAP ? eng_trap_name(err.trap) : "-", text ? text : "", err.message);
        return OUT_FAIL;
    }
    return OUT_PASS;
}

static enum outcome run_plain_command(runner *r, json_t *cmd, const char *type, char *why,
                                      size_t whylen)
{
    if (strcmp(type, "module") == 0)
        return run_module(r, cmd, why, whylen);
    if (strcmp(type, "register") == 0)
        return run_register(r, cmd, why, whylen);
    if (strcmp(type, "action") == 0) {
        eng_slot results[MAX_VALUES];
        uint32_t n;
        eng_error err;
        if (run_action(r, json_object_get(cmd, "action"), results, &n, &err) == ENG_OK)
            return OUT_PASS;
        snprintf(why, whylen, "%s: %s", eng_status_name(err.status), err.message);
        return OUT_FAIL;
    }
    if (strcmp(type, "assert_return") == 0)
        return run_assert_return(r, cmd, why, whylen);
    if (strcmp(type, "assert_trap") == 0)
        return run_assert_trap(r, cmd, false, why, whylen);
    if (strcmp(type, "assert_exhaustion") == 0)
        return run_assert_trap(r, cmd, true, why, whylen);
    if (strcmp(type, "assert_invalid") == 0)
        return expect_rejected(r, cmd, ENG_ERR_INVALID, why, whylen);
    if (strcmp(type, "assert_malformed") == 0)
        return expect_rejected(r, cmd, ENG_ERR_MALFORMED, why, whylen);
    if (strcmp(type, "assert_unlinkable") == 0)
        return expect_instantiation_failure(r, cmd, false, why, whylen);
    if (strcmp(type, "assert_uninstantiable") == 0)
        return expect_instantiation_failure(r, cmd, true, why, whylen);
    snprintf(why, whylen, "unknown command type %s", type);
    return OUT_FAIL;
}

/* ---- SIMD files
 * ---------------------------------------------------------------------------------- */

static bool has_v128(json_t *values)
{
    for (size_t i = 0; i < json_array_size(values); i++) {
        const char *t = json_string_value(json_object_get(json_array_get(values, i), "type"));
        if (t && strcmp(t, "v128") == 0)
            return true;
    }
    return false;
}

/* Whether wabt's validator accepts the module with SIMD disabled, that is, whether the module
 * uses no SIMD at all (a few modules of the SIMD files test only scalar constants). */
static bool module_without_simd(runner *r, json_t *cmd)
{
    const char *file = json_string_value(json_object_get(cmd, "filename"));
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", r->dir, file ? file : "");
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        return false;
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0) {
            dup2(devnull, 1);
            dup2(devnull, 2);
        }
        execlp("wasm-validate", "wasm-validate", "--disable-simd", path, (char *)NULL);
        _exit(127);
    }
    int wstatus = 0;
    return waitpid(pid, &wstatus, 0) == pid && WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0;
}

/* In a SIMD file every binary module that uses SIMD must be rejected cleanly by the decoder or
 * validator. A module without SIMD runs normally, and so do the later commands on it whose values
 * are all scalar; every other command is skipped. */
static enum outcome run_simd_command(runner *r, json_t *cmd, const char *type, char *why,
                                     size_t whylen)
{
    if (!is_module_command(type)) {
        json_t *action = json_object_get(cmd, "action");
        /* the instance it is about: an action's module, or the one a register names */
        const char *name = json_string_value(action ? json_object_get(action, "module")
                                                    : json_object_get(cmd, "name"));
        if (!find_instance(r, name) || has_v128(json_object_get(action, "args")) ||
            has_v128(json_object_get(cmd, "expected")))
            return OUT_SIMD_SKIP;
        return run_plain_command(r, cmd, type, why, whylen);
    }
    eng_error err = {0};
    eng_module *m = load_module(r, cmd, &err);
    if (!m) {
        if (strcmp(type, "module") == 0)
            r->current = NULL;
        if (err.status == ENG_ERR_UNSUPPORTED || err.status == ENG_ERR_INVALID ||
            err.status == ENG_ERR_MALFORMED)
            return OUT_PASS;
        snprintf(why, whylen, "rejected with status %s: %s", eng_status_name(err.status),
                 err.message);
        return OUT_FAIL;
    }
    eng_module_free(m);
    if (strcmp(type, "module") == 0 && module_without_simd(r, cmd))
        return run_module(r, cmd, why, whylen);
    snprintf(why, whylen, "module accepted, but it uses SIMD (wasm-validate --disable-simd)");
    return OUT_FAIL;
}

static enum outcome run_command(runner *r, json_t *cmd, char *why, size_t whylen)
{
    const char *type = json_string_value(json_object_get(cmd, "type"));
    const char *mtype = json_string_value(json_object_get(cmd, "module_type"));
    if (!type) {
        snprintf(why, whylen, "command without a type");
        return OUT_FAIL;
    }
    if (mtype && strcmp(mtype, "text") == 0)
        return OUT_TEXT;
    if (r->simd)
        return run_simd_command(r, cmd, type, why, whylen);
    return run_plain_command(r, cmd, type, why, whylen);
}

/* ---- Child: run every command, one record each ------------------------------------------------
 */

static void write_record(int fd, size_t index, enum outcome out)
{
    char rec[32];
    int n = snprintf(rec, sizeof rec, "%zu %c\n", index, (char)out);
    ssize_t w = write(fd, rec, (size_t)n);
    (void)w; /* the parent counts a missing record as a failure */
}

static void runner_free(runner *r)
{
    for (size_t i = r->ninsts; i-- > 0;) {
        if (r->insts[i].instance)
            eng_instance_free(r->insts[i].instance);
        eng_module_free(r->insts[i].module);
        free(r->insts[i].name);
    }
    free(r->insts);
    if (r->spectest)
        eng_instance_free(r->spectest);
    if (r->spectest_module)
        eng_module_free(r->spectest_module);
    eng_imports_free(r->imports);
}

static int child_main(runner *r, json_t *commands)
{
    alarm(FILE_TIMEOUT_S);
    r->imports = eng_imports_new();
    if (!r->imports) {
        printf("FAIL %s: out of memory\n", r->wast);
        return 1;
    }
    /* without the spectest module, the commands that import it fail one by one */
    spectest_setup(r);
    for (size_t i = 0; i < json_array_size(commands); i++) {
        json_t *cmd = json_array_get(commands, i);
        int line = (int)json_integer_value(json_object_get(cmd, "line"));
        char why[600] = "";
        enum outcome out = run_command(r, cmd, why, sizeof why);
        if (out == OUT_FAIL)
            printf("%s %s:%d: %s: %s\n", is_known(r->known, line) ? "known" : "FAIL", r->wast, line,
                   json_string_value(json_object_get(cmd, "type")), why);
        fflush(stdout);
        write_record(r->record_fd, i, out);
    }
    runner_free(r);
    return 0;
}

/* ---- Parent: collect records, survive the child ---------------------------------------------- */

static int usage(void)
{
    fprintf(stderr, "usage: aegis-spectest [--known FILE] [--verbose] NAME.json\n");
    return 2;
}

int main(int argc, char **argv)
{
    const char *known_path = NULL, *json_path = NULL;
    bool verbose = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--known") == 0 && i + 1 < argc)
            known_path = argv[++i];
        else if (strcmp(argv[i], "--verbose") == 0)
            verbose = true;
        else if (argv[i][0] == '-' || json_path)
            return usage();
        else
            json_path = argv[i];
    }
    if (!json_path)
        return usage();

    json_error_t jerr;
    json_t *root = json_load_file(json_path, JSON_ALLOW_NUL, &jerr);
    json_t *commands = json_object_get(root, "commands");
    const char *source = json_string_value(json_object_get(root, "source_filename"));
    if (!root || !json_is_array(commands) || !source) {
        fprintf(stderr, "aegis-spectest: %s: not wast2json output (%s, line %d)\n", json_path,
                root ? "no commands" : jerr.text, jerr.line);
        json_decref(root);
        return 2;
    }
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", json_path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    else
        snprintf(dir, sizeof dir, ".");
    const char *wast = base_name(source);
    static known_list known;
    if (known_path && !load_known(known_path, wast, &known)) {
        json_decref(root);
        return 2;
    }

    runner r = {.dir = dir, .wast = wast, .known = &known, .verbose = verbose};
    r.simd = strncmp(wast, "simd_", 5) == 0;
    size_t ncmd = json_array_size(commands);
    char *outcome = calloc(ncmd ? ncmd : 1, 1);
    int fds[2];
    if (!outcome || pipe(fds) != 0) {
        fprintf(stderr, "aegis-spectest: out of resources\n");
        free(outcome);
        json_decref(root);
        return 2;
    }
    fflush(stdout);
    setvbuf(stdout, NULL, _IOLBF, 0);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "aegis-spectest: fork: %s\n", strerror(errno));
        return 2;
    }
    if (pid == 0) {
        close(fds[0]);
        r.record_fd = fds[1];
        int rc = child_main(&r, commands);
        close(fds[1]);
        free(outcome);
        json_decref(root);
        exit(rc);
    }
    close(fds[1]);
    FILE *rec = fdopen(fds[0], "r");
    size_t index;
    char code;
    while (rec && fscanf(rec, "%zu %c", &index, &code) == 2)
        if (index < ncmd)
            outcome[index] = code;
    if (rec)
        fclose(rec);
    int wstatus = 0;
    waitpid(pid, &wstatus, 0);
    bool child_ok = WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0;

    size_t total = 0, passed = 0, failed = 0, nknown = 0, skipped = 0, simd_skipped = 0;
    int last_line = 0;
    for (size_t i = 0; i < ncmd; i++) {
        json_t *cmd = json_array_get(commands, i);
        int line = (int)json_integer_value(json_object_get(cmd, "line"));
        char c = outcome[i];
        /* classified here too, so that commands the child never reached are counted right */
        const char *type = json_string_value(json_object_get(cmd, "type"));
        const char *mtype = json_string_value(json_object_get(cmd, "module_type"));
        if (mtype && strcmp(mtype, "text") == 0)
            c = OUT_TEXT;
        else if (r.simd && type && !is_module_command(type) && c == 0)
            c = OUT_SIMD_SKIP; /* never reached: counted as skipped, as it most likely was */
        if (c == OUT_TEXT) {
            skipped++;
            continue;
        }
        if (c == OUT_SIMD_SKIP) {
            simd_skipped++;
            continue;
        }
        total++;
        if (c != 0)
            last_line = line;
        if (c == OUT_PASS) {
            passed++;
            if (is_known(&known, line))
                printf("note %s:%d is listed in known-failures.txt but passes\n", wast, line);
        } else if (is_known(&known, line)) {
            nknown++;
        } else {
            failed++;
            if (c == 0 && (i == 0 || outcome[i - 1] != 0))
                printf("FAIL %s:%d: not run: the runner died here\n", wast, line);
        }
    }
    if (!child_ok) {
        if (WIFSIGNALED(wstatus))
            printf("CRASH %s: runner killed by signal %d after line %d\n", wast, WTERMSIG(wstatus),
                   last_line);
        else
            printf("CRASH %s: runner exited with status %d after line %d\n", wast,
                   WEXITSTATUS(wstatus), last_line);
        if (failed == 0)
            failed = 1; /* a sanitizer report at exit still fails the file */
    }
    bool ok = failed == 0;
    printf("%s: %zu/%zu passed", wast, passed, total);
    if (nknown)
        printf(", %zu known failures", nknown);
    if (skipped)
        printf(", %zu text modules skipped", skipped);
    if (simd_skipped)
        printf(", %zu SIMD commands skipped", simd_skipped);
    printf("\nSPEC file=%s simd=%d total=%zu passed=%zu failed=%zu known=%zu skipped=%zu ok=%d\n",
           wast, r.simd ? 1 : 0, total, passed, failed, nknown, skipped + simd_skipped, ok ? 1 : 0);
    free(outcome);
    json_decref(root);
    return ok ? 0 : 1;
}

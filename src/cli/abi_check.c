/*
 * Guest ABI v1 conformance of a decoded module (docs/ABI.md): the exports every module needs,
 * the entry point of its kind, the host functions it may import with their exact signatures, and
 * a trial instantiation against stand-ins of the host's imports within the node's limits. Every
 * problem is reported as one sentence that says what the author must change, because the first
 * thing an author sees of the platform is this list. `aegis-wasm-cli build` and `inspect` print
 * it; a node may call cli_abi_check before accepting a module.
 */
#include "cli/cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The trial instantiation runs the module's _initialize (wasi-libc's constructors): bounded so a
 * module that loops there is reported, not waited for. Memory as the node allows each kind. */
enum {
    ABI_INIT_FUEL = 50000000,
    ABI_INIT_DEADLINE_US = 2000000,
    ABI_FUNCTION_MAX_MEMORY_BYTES = 50 * 1000 * 1000,
    ABI_WAF_MAX_MEMORY_BYTES = 10 * 1000 * 1000,
};

#define ABI_WASI_MODULE "wasi_snapshot_preview1"

/* The host functions of module "env", in the engine's signature notation (engine.h). */
static const struct {
    const char *name;
    const char *sig;
} host_functions[] = {
    {"log", "(ii)"},
    {"get_timestamp", "()I"},
    {"get_request_header", "(iiii)i"},
    {"set_response_header", "(iiii)"},
    {"get_request_body_size", "()i"},
    {"read_request_body", "(ii)i"},
    {"send_response", "(iii)"},
    {"cache_get", "(iiii)i"},
    {"cache_set", "(iiiiI)"},
};
#define HOST_FUNCTION_COUNT (sizeof host_functions / sizeof host_functions[0])

const char *cli_abi_kind_name(cli_abi_kind kind)
{
    switch (kind) {
    case CLI_ABI_FUNCTION:
        return "function";
    case CLI_ABI_WAF:
        return "waf";
    default:
        return "not an AEGIS module";
    }
}

static char valtype_letter(eng_valtype t)
{
    switch (t) {
    case ENG_I32:
        return 'i';
    case ENG_I64:
        return 'I';
    case ENG_F32:
        return 'f';
    case ENG_F64:
        return 'F';
    case ENG_FUNCREF:
        return 'r';
    case ENG_EXTERNREF:
        return 'e';
    default:
        return '?';
    }
}

/* Appends to out without ever overflowing it (truncation is acceptable in a message). */
static void append(char *out, size_t cap, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void append(char *out, size_t cap, size_t *len, const char *fmt, ...)
{
    if (*len >= cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out + *len, cap - *len, fmt, ap);
    va_end(ap);
    if (n > 0)
        *len = (size_t)n >= cap - *len ? cap - 1 : *len + (size_t)n;
}

void cli_abi_signature(const eng_extern_info *info, char *out, size_t cap)
{
    size_t len = 0;
    if (cap == 0)
        return;
    out[0] = '\0';
    append(out, cap, &len, "(");
    for (uint32_t i = 0; i < info->param_count; i++)
        append(out, cap, &len, "%s%s", i ? ", " : "", eng_valtype_name(info->params[i]));
    append(out, cap, &len, ") -> ");
    if (info->result_count == 0)
        append(out, cap, &len, "()");
    else if (info->result_count == 1)
        append(out, cap, &len, "%s", eng_valtype_name(info->results[0]));
    for (uint32_t i = 0; info->result_count > 1 && i < info->result_count; i++)
        append(out, cap, &len, "%s%s%s", i ? ", " : "(", eng_valtype_name(info->results[i]),
               i + 1 == info->result_count ? ")" : "");
}

/* The engine's notation "(ii)i" of a function's signature, to compare with the host table. */
static void engine_signature(const eng_extern_info *info, char *out, size_t cap)
{
    size_t len = 0;
    out[0] = '\0';
    append(out, cap, &len, "(");
    for (uint32_t i = 0; i < info->param_count; i++)
        append(out, cap, &len, "%c", valtype_letter(info->params[i]));
    append(out, cap, &len, ")");
    for (uint32_t i = 0; i < info->result_count; i++)
        append(out, cap, &len, "%c", valtype_letter(info->results[i]));
}

/* The readable form "(i32, i32) -> ()" of an engine signature "(ii)". */
static void readable_signature(const char *sig, char *out, size_t cap)
{
    eng_valtype params[8], results[2];
    eng_extern_info info = {.params = params, .results = results};
    bool in_params = true;
    for (const char *p = sig; *p != '\0'; p++) {
        eng_valtype t = *p == 'i' ? ENG_I32 : *p == 'I' ? ENG_I64 : *p == 'f' ? ENG_F32 : ENG_F64;
        if (*p == '(' || *p == ')') {
            in_params = *p == '(';
        } else if (in_params && info.param_count < 8) {
            params[info.param_count++] = t;
        } else if (!in_params && info.result_count < 2) {
            results[info.result_count++] = t;
        }
    }
    cli_abi_signature(&info, out, cap);
}

static void problem(cli_abi_report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(cli_abi_report *r, const char *fmt, ...)
{
    if (r->problem_count < CLI_ABI_PROBLEMS_MAX) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->problems[r->problem_count], CLI_ABI_PROBLEM_MAX_BYTES, fmt, ap);
        va_end(ap);
    }
    r->problem_count++;
}

/* The export of that name, if any (a module's export names are unique). */
static bool find_export(const eng_module *m, const char *name, eng_extern_info *info)
{
    uint32_t n = eng_module_export_count(m);
    for (uint32_t i = 0; i < n; i++)
        if (eng_module_export(m, i, info) && strcmp(info->name, name) == 0)
            return true;
    return false;
}

/* Checks one required function export against its ABI signature; how_to says how the SDK
 * exports it. Returns true when present (whatever its signature). */
static bool check_func_export(const eng_module *m, cli_abi_report *r, const char *name,
                              const char *want_sig, const char *how_to)
{
    eng_extern_info info;
    char have[96], want[96];
    readable_signature(want_sig, want, sizeof want);
    if (!find_export(m, name, &info)) {
        if (how_to != NULL)
            problem(r, "%s is missing: %s", name, how_to);
        return false;
    }
    if (info.kind != ENG_EXTERN_FUNC) {
        problem(r, "%s is exported but is not a function: export a function %s", name, want);
        return true;
    }
    char sig[64];
    engine_signature(&info, sig, sizeof sig);
    if (strcmp(sig, want_sig) != 0) {
        cli_abi_signature(&info, have, sizeof have);
        problem(r, "%s has signature %s, ABI v1 needs %s: change its parameters and result", name,
                have, want);
    }
    return true;
}

static void check_exports(const eng_module *m, cli_abi_kind expected, cli_abi_report *r,
                          cli_abi_kind *kind)
{
    eng_extern_info info;
    if (!find_export(m, "memory", &info))
        problem(r, "memory is missing: export the linear memory as \"memory\" (wasm-ld does by "
                   "default; do not link with --import-memory)");
    else if (info.kind != ENG_EXTERN_MEMORY)
        problem(r, "the export \"memory\" is not a memory: rename that export");
    check_func_export(m, r, "alloc", "(i)i", "put AEGIS_DEFINE_ALLOC() once in the module");
    check_func_export(m, r, "dealloc", "(ii)", "put AEGIS_DEFINE_ALLOC() once in the module");
    /* _initialize is optional (reactor modules have it); the node calls it with no arguments. */
    check_func_export(m, r, "_initialize", "()", NULL);

    bool fn = check_func_export(m, r, "handle_request", "(ii)i", NULL);
    bool waf = check_func_export(m, r, "analyze_request", "(ii)i", NULL);
    static const char handle_how[] = "export it with AEGIS_EXPORT(\"handle_request\") int32_t "
                                     "handle_request(const char *ptr, int32_t len)";
    static const char analyze_how[] = "export it with AEGIS_EXPORT(\"analyze_request\") int32_t "
                                      "analyze_request(const char *ptr, int32_t len)";
    if (fn && waf) {
        problem(r, "both handle_request and analyze_request are exported: a module is either an "
                   "edge function or a WAF, remove one of them");
    } else if (expected == CLI_ABI_FUNCTION && !fn) {
        problem(r, "handle_request is missing: %s%s", handle_how,
                waf ? " (this module is a WAF: it exports analyze_request)" : "");
    } else if (expected == CLI_ABI_WAF && !waf) {
        problem(r, "analyze_request is missing: %s%s", analyze_how,
                fn ? " (this module is an edge function: it exports handle_request)" : "");
    } else if (!fn && !waf) {
        problem(r,
                "no entry point: an edge function exports handle_request (%s), a WAF exports "
                "analyze_request",
                handle_how + strlen("export it with "));
    }
    *kind = fn && !waf ? CLI_ABI_FUNCTION : waf && !fn ? CLI_ABI_WAF : CLI_ABI_NONE;
}

static void check_imports(const eng_module *m, cli_abi_report *r)
{
    uint32_t n = eng_module_import_count(m);
    for (uint32_t i = 0; i < n; i++) {
        eng_extern_info info;
        if (!eng_module_import(m, i, &info))
            continue;
        if (strcmp(info.module, "env") == 0) {
            if (info.kind != ENG_EXTERN_FUNC) {
                problem(r,
                        "imports env.%s, which is not a function: ABI v1 modules define and "
                        "export their own memory and tables (do not link with "
                        "--import-memory or --import-table)",
                        info.name);
                continue;
            }
            size_t k = 0;
            while (k < HOST_FUNCTION_COUNT && strcmp(host_functions[k].name, info.name) != 0)
                k++;
            if (k == HOST_FUNCTION_COUNT) {
                problem(r,
                        "imports env.%s, which the host does not provide: remove the call, or "
                        "use a host function of guest/sdk/aegis.h (log, get_timestamp, "
                        "get_request_header, set_response_header, get_request_body_size, "
                        "read_request_body, send_response, cache_get, cache_set)",
                        info.name);
                continue;
            }
            char sig[64];
            engine_signature(&info, sig, sizeof sig);
            if (strcmp(sig, host_functions[k].sig) != 0) {
                char have[96], want[96];
                cli_abi_signature(&info, have, sizeof have);
                readable_signature(host_functions[k].sig, want, sizeof want);
                problem(r,
                        "imports env.%s with signature %s, the host's is %s: declare it as "
                        "guest/sdk/aegis.h does",
                        info.name, have, want);
            }
        } else if (strcmp(info.module, ABI_WASI_MODULE) != 0) {
            problem(r,
                    "imports %s.%s: modules import only host functions from \"env\" and WASI "
                    "from \"" ABI_WASI_MODULE "\"",
                    info.module, info.name);
        } else if (info.kind != ENG_EXTERN_FUNC) {
            problem(r,
                    "imports " ABI_WASI_MODULE ".%s, which is not a function: WASI provides "
                    "only functions",
                    info.name);
        }
    }
}

/* A stand-in for every host function during the trial instantiation: only _initialize (or a
 * start function) can reach it, and the node would give it no request there either. */
static eng_trap host_stub(eng_caller *caller, const eng_slot *args, eng_slot *results, void *data)
{
    (void)args;
    (void)results;
    eng_caller_set_message(caller, "env.%s called during initialisation, outside a request",
                           (const char *)data);
    return ENG_TRAP_HOST;
}

/* Links and instantiates as the node does (and runs _initialize), so what fails here would fail
 * to load on a node: an unknown WASI function, a memory minimum past the limit, a trap. */
static void check_instantiation(const eng_module *m, cli_abi_kind kind, cli_abi_report *r)
{
    eng_imports *imports = eng_imports_new();
    if (imports == NULL || eng_imports_add_wasi(imports, NULL, NULL) != ENG_OK) {
        problem(r, "out of memory while linking the module");
        eng_imports_free(imports);
        return;
    }
    for (size_t k = 0; k < HOST_FUNCTION_COUNT; k++)
        eng_imports_add_func(imports, "env", host_functions[k].name, host_functions[k].sig,
                             host_stub, (void *)host_functions[k].name);
    eng_limits limits = eng_limits_default();
    limits.max_memory_bytes =
        kind == CLI_ABI_WAF ? ABI_WAF_MAX_MEMORY_BYTES : ABI_FUNCTION_MAX_MEMORY_BYTES;
    limits.fuel = ABI_INIT_FUEL;
    limits.deadline_us = ABI_INIT_DEADLINE_US;
    eng_error err = {0};
    eng_instance *inst = eng_instance_new(m, imports, &limits, &err);
    eng_imports_free(imports);
    if (inst == NULL) {
        problem(r, "the module does not instantiate as a node would (%s): %s",
                eng_status_name(err.status), err.message);
        return;
    }
    eng_extern_info info;
    int32_t init = eng_instance_find_func(inst, "_initialize", &info);
    if (init >= 0 && info.param_count == 0 && info.result_count == 0 &&
        eng_call(inst, init, NULL, 0, NULL, 0, &err) != ENG_OK)
        problem(r, "_initialize fails (%s): %s",
                err.status == ENG_ERR_TRAP ? eng_trap_name(err.trap) : eng_status_name(err.status),
                err.message);
    eng_instance_free(inst);
}

bool cli_abi_check(const eng_module *module, cli_abi_kind expected, cli_abi_report *report)
{
    memset(report, 0, sizeof *report);
    cli_abi_kind kind = CLI_ABI_NONE;
    check_exports(module, expected, report, &kind);
    check_imports(module, report);
    /* Linking would only repeat the problems above in the engine's words. */
    if (report->problem_count == 0)
        check_instantiation(module, kind, report);
    report->kind = report->problem_count == 0 ? kind : CLI_ABI_NONE;
    return report->problem_count == 0;
}

/*
 * The AEGIS WebAssembly engine: the one public header of src/engine/.
 *
 * Life of a module:
 *   bytes --eng_module_new--> eng_module (decoded, validated, compiled; immutable, shareable by
 *   threads) --eng_instance_new(imports, limits)--> eng_instance (per worker, not thread-safe)
 *   --eng_call--> results or a trap.
 *
 * Every fallible function returns an eng_status (ENG_OK is 0) and, when given one, fills an
 * eng_error with a message the caller can print as is, for example
 *   "section 10 (code) at offset 0x1f3: type mismatch: expected i32, got i64".
 * Nothing a module does (malformed bytes, traps, loops, memory bombs) crashes or hangs the host.
 *
 * Values cross the API as 64-bit slots (eng_slot): an i32 in the low 32 bits, an i64 whole, an
 * f32 or f64 as its IEEE bit pattern (so NaN payloads survive), a reference as a pointer-sized
 * value where 0 is null. An externref is any non-zero host value; a funcref is opaque.
 */
#ifndef AEGIS_ENGINE_H
#define AEGIS_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t eng_slot;

typedef enum eng_valtype {
    ENG_I32 = 0x7f,
    ENG_I64 = 0x7e,
    ENG_F32 = 0x7d,
    ENG_F64 = 0x7c,
    ENG_V128 = 0x7b, /* decoded only to be rejected: SIMD is unsupported */
    ENG_FUNCREF = 0x70,
    ENG_EXTERNREF = 0x6f,
} eng_valtype;

typedef enum eng_status {
    ENG_OK = 0,
    ENG_ERR_MALFORMED,   /* the bytes are not a well-formed binary module */
    ENG_ERR_INVALID,     /* well-formed but fails validation */
    ENG_ERR_UNSUPPORTED, /* uses a feature this engine does not implement (SIMD, threads, ...) */
    ENG_ERR_UNLINKABLE,  /* an import is missing or has the wrong type */
    ENG_ERR_LIMIT,       /* exceeds an embedder limit (memory minimum, table size, ...) */
    ENG_ERR_TRAP,        /* execution trapped; eng_error.trap says why */
    ENG_ERR_NOMEM,       /* the host ran out of memory */
    ENG_ERR_ARG,         /* the embedder passed a bad argument (unknown export, arity, ...) */
} eng_status;

typedef enum eng_trap {
    ENG_TRAP_NONE = 0,
    ENG_TRAP_UNREACHABLE,
    ENG_TRAP_MEMORY_OOB,            /* out of bounds memory access */
    ENG_TRAP_TABLE_OOB,             /* out of bounds table access */
    ENG_TRAP_UNDEFINED_ELEMENT,     /* call_indirect index past the table */
    ENG_TRAP_UNINITIALIZED_ELEMENT, /* call_indirect through a null entry */
    ENG_TRAP_INDIRECT_TYPE_MISMATCH,
    ENG_TRAP_DIV_BY_ZERO,
    ENG_TRAP_INT_OVERFLOW,
    ENG_TRAP_INVALID_CONVERSION,
    ENG_TRAP_NULL_REFERENCE,
    ENG_TRAP_STACK_EXHAUSTED, /* call depth or value stack limit */
    ENG_TRAP_OUT_OF_FUEL,
    ENG_TRAP_DEADLINE,
    ENG_TRAP_INTERRUPTED, /* eng_instance_interrupt */
    ENG_TRAP_HOST,        /* a host function reported an error */
    ENG_TRAP_EXIT,        /* WASI proc_exit; eng_error.exit_code holds the code */
    ENG_TRAP_COUNT
} eng_trap;

typedef struct eng_error {
    eng_status status;
    eng_trap trap;     /* when status == ENG_ERR_TRAP */
    int32_t exit_code; /* when trap == ENG_TRAP_EXIT */
    char message[256];
} eng_error;

/* Short stable name of a status ("malformed", "invalid", ...) and of a trap kind, in the words of
 * the WebAssembly spec tests where they have one ("out of bounds memory access", "unreachable"). */
const char *eng_status_name(eng_status status);
const char *eng_trap_name(eng_trap trap);
/* The text-format name of a value type ("i32", "funcref", ...). */
const char *eng_valtype_name(eng_valtype type);

/* ---- Modules ----------------------------------------------------------------------------------
 */

typedef struct eng_module eng_module;

/* Decodes, validates and compiles a binary module. The bytes are copied where needed, so the
 * caller may free them on return. Returns NULL and fills err (if not NULL) on failure. The
 * returned module is immutable: any number of threads may instantiate it at once. */
eng_module *eng_module_new(const uint8_t *bytes, size_t len, eng_error *err);
void eng_module_free(eng_module *module);

typedef enum eng_externkind {
    ENG_EXTERN_FUNC = 0,
    ENG_EXTERN_TABLE = 1,
    ENG_EXTERN_MEMORY = 2,
    ENG_EXTERN_GLOBAL = 3,
} eng_externkind;

/* Describes one import or export, for tools that inspect modules (`aegis-wasm-cli inspect`).
 * Strings and arrays point into the module and live as long as it does. */
typedef struct eng_extern_info {
    const char *module; /* imports only; NULL for exports */
    const char *name;
    eng_externkind kind;
    /* ENG_EXTERN_FUNC */
    uint32_t param_count, result_count;
    const eng_valtype *params, *results;
    /* ENG_EXTERN_TABLE / ENG_EXTERN_MEMORY: limits in elements / 64 KiB pages */
    uint64_t min, max;
    bool has_max;
    /* ENG_EXTERN_TABLE: element type; ENG_EXTERN_GLOBAL: value type */
    eng_valtype type;
    bool mutable_; /* ENG_EXTERN_GLOBAL */
} eng_extern_info;

uint32_t eng_module_import_count(const eng_module *module);
uint32_t eng_module_export_count(const eng_module *module);
/* Fills info for import / export number i; false when i is out of range. */
bool eng_module_import(const eng_module *module, uint32_t i, eng_extern_info *info);
bool eng_module_export(const eng_module *module, uint32_t i, eng_extern_info *info);

/* ---- Host functions and imports ------------------------------------------------------------- */

typedef struct eng_instance eng_instance;

/* What a host function sees of its caller: checked access to the calling instance's memory. */
typedef struct eng_caller eng_caller;

/* The single checked gateway from a guest (offset, length) to host memory: returns a pointer to
 * len bytes at guest offset ptr of the caller's memory 0, or NULL when any byte of the range lies
 * outside it (or the instance has no memory). The pointer is valid until the guest runs again
 * (memory.grow may move it). */
uint8_t *eng_caller_memory(eng_caller *caller, uint64_t ptr, uint64_t len);
/* Current size of the caller's memory 0 in bytes (0 without memory). */
uint64_t eng_caller_memory_size(eng_caller *caller);
/* The instance that made the call and its embedder data (eng_instance_set_user). */
eng_instance *eng_caller_instance(eng_caller *caller);
void *eng_caller_user(eng_caller *caller);

/* A host function. args holds the parameters, results receives the results, both as slots in
 * signature order. Return ENG_TRAP_NONE to continue, or a trap kind to stop the guest (usually
 * ENG_TRAP_HOST, after eng_caller_set_message). */
typedef eng_trap (*eng_host_fn)(eng_caller *caller, const eng_slot *args, eng_slot *results,
                                void *data);

/* Attaches a reason to the trap a host function is about to return (printf-style). */
void eng_caller_set_message(eng_caller *caller, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* For WASI proc_exit: records the exit code; the function then returns ENG_TRAP_EXIT. */
void eng_caller_set_exit_code(eng_caller *caller, int32_t code);

/* A set of named things a module may import: host functions and the exports of instances. */
typedef struct eng_imports eng_imports;

eng_imports *eng_imports_new(void);
void eng_imports_free(eng_imports *imports);

/* Adds a host function. signature is "(PARAMS)RESULTS" with one letter per value: i (i32),
 * I (i64), f (f32), F (f64), r (funcref), e (externref); e.g. "(iiii)i", "()I", "(i)".
 * A module that imports module.name with another signature fails to instantiate (unlinkable).
 * Later additions of the same name replace earlier ones. */
eng_status eng_imports_add_func(eng_imports *imports, const char *module, const char *name,
                                const char *signature, eng_host_fn fn, void *data);

/* Makes every export of instance importable as module.<export name>. The instance must outlive
 * every instance linked against it (its memories, tables and globals are shared, not copied).
 * Functions that an importer stores in a shared table stay reachable through it: an importer
 * whose instantiation fails after storing some is kept alive by the table's owner, but one that
 * the embedder frees must not be called through that table afterwards. */
eng_status eng_imports_add_instance(eng_imports *imports, const char *module,
                                    eng_instance *instance);

/* Adds the WASI preview1 functions ("wasi_snapshot_preview1") that modules built with clang and
 * wasi-libc need: fd_write to stdout/stderr goes to log_fn (or is discarded when it is NULL),
 * clock_time_get, random_get, proc_exit, empty args and environ; every other WASI function is
 * present and answers ERRNO_NOSYS. No filesystem or network access is possible through it. */
typedef void (*eng_log_fn)(void *data, int fd, const char *text, size_t len);
eng_status eng_imports_add_wasi(eng_imports *imports, eng_log_fn log_fn, void *log_data);

/* ---- Instances ---------------------------------------------------------------------------------
 */

typedef struct eng_limits {
    uint64_t max_memory_bytes; /* memory.grow past it returns -1; a larger minimum fails */
    uint32_t max_table_elems;  /* likewise for tables */
    uint32_t max_call_depth;   /* nested wasm calls; deeper traps ENG_TRAP_STACK_EXHAUSTED */
    uint32_t max_stack_slots;  /* value stack (locals + operands), in 8-byte slots */
    uint64_t fuel;             /* per call; 0 = unlimited. See eng_instance_set_fuel */
    uint64_t deadline_us;      /* per call wall-clock limit; 0 = none */
} eng_limits;

/* Sensible defaults: 64 MiB memory, 100,000 table elements, call depth 10,000, 1 Mi stack
 * slots, no fuel limit, no deadline. */
eng_limits eng_limits_default(void);

/* Instantiates: resolves imports (checking their types), allocates memory, tables and globals,
 * applies data and element segments and runs the start function (under limits). A trap in the
 * start function fails with ENG_ERR_TRAP. imports may be NULL for a module with no imports; it is
 * only read during the call. */
eng_instance *eng_instance_new(const eng_module *module, const eng_imports *imports,
                               const eng_limits *limits, eng_error *err);
void eng_instance_free(eng_instance *instance);

const eng_module *eng_instance_module(const eng_instance *instance);
void eng_instance_set_user(eng_instance *instance, void *user);
void *eng_instance_user(const eng_instance *instance);

/* Replaces the per-call limits of an instance (memory and table limits apply to later growth). */
void eng_instance_set_limits(eng_instance *instance, const eng_limits *limits);

/* Fuel budget for the following calls (0 = unlimited) and what is left after the last one.
 * Every instruction costs one unit; fuel is charged per straight-line block, so a call is stopped
 * at the same instruction on every run. */
void eng_instance_set_fuel(eng_instance *instance, uint64_t fuel);
uint64_t eng_instance_fuel_remaining(const eng_instance *instance);
/* Fuel consumed by the last call (or since the last set_fuel, with unlimited fuel). */
uint64_t eng_instance_fuel_used(const eng_instance *instance);

/* Asks a running call to stop with ENG_TRAP_INTERRUPTED at its next loop back-edge or call.
 * The only function that may be called from another thread. */
void eng_instance_interrupt(eng_instance *instance);

/* Fast re-instantiation: snapshot records memory, globals and tables as they are now (typically
 * right after instantiation and initialisation); restore puts them back, so an instance can serve
 * request after request from the same clean state in microseconds. Only what the instance
 * defines itself is recorded: an imported memory, table or global belongs to its exporter. */
eng_status eng_instance_snapshot(eng_instance *instance, eng_error *err);
eng_status eng_instance_restore(eng_instance *instance, eng_error *err);
/* Bytes of memory the last restore copied back: only the 4 KiB granules written since the
 * snapshot or the previous restore (by the guest, by data segments, or through
 * eng_instance_memory / eng_caller_memory, whose ranges count as written) are copied. */
uint64_t eng_instance_restored_bytes(const eng_instance *instance);

/* Memory 0 of an instance for the embedder: same checks as eng_caller_memory. */
uint8_t *eng_instance_memory(eng_instance *instance, uint64_t ptr, uint64_t len);
/* The same range for reading only: it is not marked as written, so the next restore does not
 * copy it back on its account. */
const uint8_t *eng_instance_memory_read(const eng_instance *instance, uint64_t ptr, uint64_t len);
uint64_t eng_instance_memory_size(const eng_instance *instance);

/* ---- Exports and calls
 * --------------------------------------------------------------------------- */

/* Index of an exported function, for eng_call; -1 when there is no function export of that name.
 * The signature is reported through info when it is not NULL. */
int32_t eng_instance_find_func(const eng_instance *instance, const char *name,
                               eng_extern_info *info);

/* Calls exported function func_index (from eng_instance_find_func) with nargs argument slots and
 * receives nresults result slots; the counts must match the signature (else ENG_ERR_ARG). A trap
 * returns ENG_ERR_TRAP with err->trap set; the instance stays usable. */
eng_status eng_call(eng_instance *instance, int32_t func_index, const eng_slot *args,
                    uint32_t nargs, eng_slot *results, uint32_t nresults, eng_error *err);

/* Reads an exported global; false when there is no global export of that name. */
bool eng_instance_get_global(const eng_instance *instance, const char *name, eng_valtype *type,
                             eng_slot *value);

#endif

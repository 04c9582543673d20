/*
 * Internal data structures of the engine, shared by the files of src/engine/ and never by other
 * components (they include engine.h only).
 *
 * A module (eng_module) is what decode.c and compile.c produce from the bytes: types, imports,
 * declarations, segments and, per defined function, its compiled code. It is never written after
 * eng_module_new returns, so threads share it freely.
 *
 * An instance owns the runtime objects (functions, tables, memories, globals) that it defines and
 * points at those it imports from other instances; exec.c runs compiled code against it.
 */
#ifndef AEGIS_ENGINE_INTERNAL_H
#define AEGIS_ENGINE_INTERNAL_H

#include "engine/engine.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ENG_PAGE_SIZE 65536u
/* The 32-bit address space allows 65536 pages; tables are limited the same way by the spec. */
#define ENG_MAX_PAGES 65536u
/* Hard caps on what a module may declare, so that hostile counts cannot make us allocate
 * unbounded amounts of memory before validation fails. */
#define ENG_MAX_FUNC_LOCALS 50000u
#define ENG_MAX_ITEMS 1000000u

/* Value type 0 is used internally as "unknown" (the polymorphic stack of unreachable code). */
#define VT_UNKNOWN 0

typedef struct functype {
    uint32_t nparams, nresults;
    eng_valtype *params; /* nparams, followed by the results in the same allocation */
    eng_valtype *results;
} functype;

typedef struct limits_t {
    uint64_t min, max;
    bool has_max;
} limits_t;

/* A constant expression: one instruction followed by end. */
enum { CE_CONST, CE_GLOBAL_GET, CE_REF_FUNC, CE_REF_NULL };
typedef struct cexpr {
    uint8_t op;
    eng_valtype type;
    eng_slot value; /* CE_CONST */
    uint32_t index; /* CE_GLOBAL_GET, CE_REF_FUNC */
} cexpr;

typedef struct import_desc {
    char *module, *name;
    eng_externkind kind;
    uint32_t type_index; /* func */
    eng_valtype vtype;   /* table element type, global value type */
    bool mut;            /* global */
    limits_t lim;        /* table, memory */
} import_desc;

typedef struct export_desc {
    char *name;
    uint32_t name_len;
    eng_externkind kind;
    uint32_t index;
} export_desc;

typedef struct global_desc {
    eng_valtype type;
    bool mut;
    cexpr init;
} global_desc;

typedef struct table_desc {
    eng_valtype type;
    limits_t lim;
} table_desc;

enum { SEG_ACTIVE, SEG_PASSIVE, SEG_DECLARATIVE };

typedef struct elem_seg {
    uint8_t mode;
    uint32_t table;
    cexpr offset;
    eng_valtype type;
    uint32_t count;
    cexpr *items;
} elem_seg;

typedef struct data_seg {
    uint8_t mode;
    uint32_t mem;
    cexpr offset;
    const uint8_t *bytes; /* points into eng_module.bytes */
    uint32_t len;
} data_seg;

/* One compiled function. The frame of a call is a window of slots:
 *   [params and locals][constants][operand stack]
 * Instructions address every operand as a slot index in that window (see ir.h). Frame setup
 * zeroes slots nparams..nlocals-1, then copies nconsts values from consts to const_base: the
 * entry values of the last locals, if the compiler gave them one (compile.c), then the
 * constants. */
typedef struct code_body {
    uint32_t *code;
    size_t code_len;
    eng_slot *consts;
    uint32_t nconsts;
    uint32_t nparams, nlocals; /* nlocals: the params and the locals that start at zero */
    uint32_t const_base;
    uint32_t frame_slots; /* whole window, at least the result count */
    const uint8_t *body;  /* raw body bytes (locals + expression) inside eng_module.bytes */
    uint32_t body_len;
    uint32_t body_offset; /* file offset, for error messages */
} code_body;

struct eng_module {
    /* Instances hold a reference, so a module lives until its last instance is freed (an
     * instance whose instantiation failed may stay reachable through another's table). The
     * count is the only field written after eng_module_new returns. */
    atomic_uint refs;
    uint8_t *bytes; /* private copy of the input; data segments point into it */
    size_t len;
    functype *types;
    uint32_t ntypes;
    import_desc *imports;
    uint32_t nimports;
    uint32_t nfuncs, nfunc_imports;
    uint32_t *func_types; /* type index per function index */
    table_desc *tables;
    uint32_t ntables, ntable_imports;
    limits_t *mems;
    uint32_t nmems, nmem_imports;
    global_desc *globals;
    uint32_t nglobals, nglobal_imports;
    export_desc *exports;
    uint32_t nexports;
    bool has_start;
    uint32_t start;
    elem_seg *elems;
    uint32_t nelems;
    data_seg *datas;
    uint32_t ndatas;
    bool has_datacount;
    uint32_t datacount;
    code_body *codes;  /* nfuncs - nfunc_imports */
    uint8_t *declared; /* per function index: may be referenced by ref.func */
};

/* ---- runtime objects ---- */

typedef struct eng_func {
    const functype *type;
    eng_instance *inst;    /* owner (wasm functions); the importing instance for host ones */
    const code_body *body; /* NULL for host functions */
    eng_host_fn host;
    void *host_data;
} eng_func;

/* Dirty tracking for snapshot restore (memory.c): one byte per 4 KiB granule of linear memory,
 * kept just below the memory's base (granule g at base[-1 - g]), so that a store marks its
 * granule with one byte store relative to the base register, without a register of its own.
 * A store marks only the granule of its first byte; one that crosses into the next granule
 * writes at most ENG_DIRTY_SPILL bytes there, which restore copies back with the granule. */
#define ENG_DIRTY_SHIFT 12u
#define ENG_DIRTY_GRANULE (1u << ENG_DIRTY_SHIFT)
#define ENG_DIRTY_SPILL 7u

typedef struct eng_memory {
    uint8_t *base;
    uint64_t size;      /* bytes, a multiple of the page size */
    uint64_t reserved;  /* bytes of address space reserved at base */
    uint64_t map_bytes; /* bytes of dirty map mapped below base */
    uint64_t max_pages; /* growth limit: declared maximum and embedder limit combined */
    uint64_t decl_max;  /* declared maximum in pages (ENG_MAX_PAGES when none) */
    bool has_max;
} eng_memory;

typedef struct eng_table {
    eng_slot *elems;
    uint32_t size;
    uint32_t max;      /* growth limit */
    uint64_t decl_max; /* declared maximum (UINT32_MAX + 1 when none) */
    bool has_max;
    eng_valtype type;
    eng_instance *owner;
} eng_table;

typedef struct eng_global {
    eng_slot value;
    eng_valtype type;
    bool mut;
} eng_global;

typedef struct call_frame {
    const uint32_t *pc;
    eng_slot *fp;
    eng_instance *inst;
} call_frame;

struct eng_caller {
    eng_instance *inst;
    char message[200];
    bool has_message;
    int32_t exit_code;
};

struct eng_instance {
    const eng_module *module;
    eng_func **funcs;
    eng_func *own_funcs;
    eng_table **tables;
    eng_table *own_tables;
    uint32_t nown_tables;
    eng_memory *mem; /* memory 0 or NULL */
    eng_memory own_mem;
    bool owns_mem;
    eng_global **globals;
    eng_global *own_globals;
    eng_slot **elem_items; /* per element segment: resolved references, NULL once dropped */
    uint32_t *elem_len;
    bool *data_dropped;
    eng_limits limits;
    /* fuel: fuel_budget for each call (0 = unlimited); fuel_left / fuel_used after it */
    uint64_t fuel_budget, fuel_left, fuel_used;
    atomic_bool interrupt;
    eng_slot *stack;
    size_t stack_slots, stack_map_bytes;
    call_frame *frames;
    uint32_t nframes_alloc;
    bool running;
    void *user;
    /* instances whose instantiation failed after storing their functions in our tables: they
     * must live as long as those tables */
    eng_instance **adopted;
    uint32_t nadopted;
    /* snapshot */
    bool has_snapshot;
    uint8_t *snap_mem;
    uint64_t snap_mem_size;
    eng_slot *snap_globals;
    eng_slot **snap_tables;
    uint32_t *snap_table_sizes;
    bool *snap_data_dropped;
    uint32_t *snap_elem_len;
    uint64_t restored_bytes; /* memory copied back by the last restore */
};

/* ---- errors.c ---- */
void eng_set_error(eng_error *err, eng_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void eng_set_trap(eng_error *err, eng_trap trap, const char *detail);

void eng_module_retain(const eng_module *m);

/* ---- compile.c ---- */
/* Validates and compiles body number i (defined function index); 0 on success, else fills err. */
eng_status eng_compile_function(eng_module *m, uint32_t defined_index, eng_error *err);
/* Structural equality of function types (call_indirect across modules, import matching). */
bool eng_functype_equal(const functype *a, const functype *b);

/* ---- exec.c ---- */
/* Offsets of the interpreter's handlers, indexed by ir.h opcode. */
const int32_t *eng_exec_handlers(void);
/* Runs function f on instance inst's stack with args, filling results. */
eng_status eng_exec_call(eng_instance *inst, eng_func *f, const eng_slot *args, eng_slot *results,
                         eng_error *err);

/* ---- memory.c ---- */
eng_status eng_memory_init(eng_memory *mem, uint64_t min_pages, bool has_max, uint64_t max_pages,
                           uint64_t limit_bytes, eng_error *err);
void eng_memory_release(eng_memory *mem);
/* Grows by delta pages; returns the old size in pages or -1 (limit or host failure). */
int64_t eng_memory_grow(eng_memory *mem, uint64_t delta);
/* Drops the memory back to size bytes (pages beyond are zeroed and released). */
void eng_memory_shrink(eng_memory *mem, uint64_t size);
/* Marks the granule holding byte off as written (off < size). */
static inline void eng_memory_mark(uint8_t *base, uint64_t off)
{
    base[-1 - (ptrdiff_t)(off >> ENG_DIRTY_SHIFT)] = 1;
}
/* Marks every granule of [off, off + len) as written (the range lies inside the memory). */
void eng_memory_mark_range(eng_memory *mem, uint64_t off, uint64_t len);
/* Forgets every mark: the memory now equals the snapshot. */
void eng_memory_clear_marks(eng_memory *mem);
/* Restores the memory to snap (snap_size bytes, the size at the snapshot): shrinks back to that
 * size, copies back the granules marked since the last restore or snapshot and clears the marks.
 * Returns the number of granules copied. */
uint64_t eng_memory_restore(eng_memory *mem, const uint8_t *snap, uint64_t snap_size);

/* ---- instance.c ---- */
int64_t eng_table_grow(eng_table *t, uint64_t delta, eng_slot init);

/* ---- imports.c ---- */
typedef struct imp_entry {
    char *module, *name;
    bool is_instance;
    eng_instance *instance;
    functype type;
    eng_host_fn fn;
    void *data;
} imp_entry;

struct eng_imports {
    imp_entry *items;
    size_t count, cap;
};
const imp_entry *eng_imports_find(const eng_imports *imps, const char *module, const char *name);

#endif

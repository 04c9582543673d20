/*
 * Decoding of the binary format: the header, every section in its required order, and the
 * module-level validation rules that need no function body (indices in range, limits, constant
 * expressions, export names). Function bodies are validated and compiled by compile.c once all
 * sections are known, because ref.func declarations and the data count come from other sections.
 */
#include "engine/internal.h"
#include "engine/reader.h"

#include <stdlib.h>
#include <string.h>

#define INVALID(r, ...) rd_fail((r), ENG_ERR_INVALID, __VA_ARGS__)
#define MALFORMED(r, ...) rd_fail((r), ENG_ERR_MALFORMED, __VA_ARGS__)

static void *xcalloc(reader *r, size_t n, size_t size)
{
    if (r->failed)
        return NULL;
    void *p = calloc(n ? n : 1, size);
    if (!p)
        rd_fail(r, ENG_ERR_NOMEM, "out of memory");
    return p;
}

/* Value types: SIMD's v128 is recognised only to say it is unsupported. */
static eng_valtype rd_valtype(reader *r)
{
    size_t at = rd_offset(r);
    uint8_t b = rd_u8(r);
    switch (b) {
    case ENG_I32:
    case ENG_I64:
    case ENG_F32:
    case ENG_F64:
    case ENG_FUNCREF:
    case ENG_EXTERNREF:
        return (eng_valtype)b;
    case ENG_V128:
        rd_fail_at(r, ENG_ERR_UNSUPPORTED, at, "unsupported feature: SIMD (v128 value type)");
        return VT_UNKNOWN;
    default:
        if (!r->failed)
            rd_fail_at(r, ENG_ERR_MALFORMED, at, "malformed value type 0x%02x", b);
        return VT_UNKNOWN;
    }
}

static eng_valtype rd_reftype(reader *r)
{
    size_t at = rd_offset(r);
    uint8_t b = rd_u8(r);
    if (b == ENG_FUNCREF || b == ENG_EXTERNREF)
        return (eng_valtype)b;
    if (!r->failed)
        rd_fail_at(r, ENG_ERR_MALFORMED, at, "malformed reference type 0x%02x", b);
    return VT_UNKNOWN;
}

static limits_t rd_limits(reader *r, bool memory)
{
    limits_t l = {0, 0, false};
    size_t at = rd_offset(r);
    uint8_t flags = rd_u8(r);
    if (r->failed)
        return l;
    if (flags > 1) {
        if (memory && flags == 3)
            rd_fail_at(r, ENG_ERR_UNSUPPORTED, at, "unsupported feature: threads (shared memory)");
        else if (memory && flags >= 4 && flags <= 7)
            rd_fail_at(r, ENG_ERR_UNSUPPORTED, at, "unsupported feature: memory64");
        else
            rd_fail_at(r, ENG_ERR_MALFORMED, at, "integer too large: malformed limits flags 0x%02x",
                       flags);
        return l;
    }
    l.min = rd_u32(r);
    if (flags & 1) {
        l.has_max = true;
        l.max = rd_u32(r);
    }
    if (r->failed)
        return l;
    if (memory) {
        if (l.min > ENG_MAX_PAGES || (l.has_max && l.max > ENG_MAX_PAGES)) {
            rd_fail_at(r, ENG_ERR_INVALID, at, "memory size must be at most 65536 pages (4GiB)");
            return l;
        }
    }
    if (l.has_max && l.min > l.max)
        rd_fail_at(r, ENG_ERR_INVALID, at, "size minimum must not be greater than maximum");
    return l;
}

static uint32_t total_globals_before_defined(const eng_module *m)
{
    return m->nglobal_imports;
}

/* Reads a constant expression of the expected type. Only imported globals are visible to it
 * (Wasm 2.0) and they must be immutable. */
static cexpr rd_cexpr(reader *r, eng_module *m, eng_valtype expected)
{
    cexpr e = {CE_CONST, VT_UNKNOWN, 0, 0};
    size_t at = rd_offset(r);
    uint8_t op = rd_u8(r);
    if (r->failed)
        return e;
    switch (op) {
    case 0x41:
        e.type = ENG_I32;
        e.value = (uint32_t)rd_s32(r);
        break;
    case 0x42:
        e.type = ENG_I64;
        e.value = (uint64_t)rd_s64(r);
        break;
    case 0x43:
        e.type = ENG_F32;
        e.value = rd_fixed32(r);
        break;
    case 0x44:
        e.type = ENG_F64;
        e.value = rd_fixed64(r);
        break;
    case 0xd0:
        e.op = CE_REF_NULL;
        e.type = rd_reftype(r);
        break;
    case 0xd2:
        e.op = CE_REF_FUNC;
        e.type = ENG_FUNCREF;
        e.index = rd_u32(r);
        if (!r->failed && e.index >= m->nfuncs) {
            rd_fail_at(r, ENG_ERR_INVALID, at, "unknown function %u", e.index);
            return e;
        }
        if (!r->failed)
            m->declared[e.index] = 1;
        break;
    case 0x23:
        e.op = CE_GLOBAL_GET;
        e.index = rd_u32(r);
        if (r->failed)
            return e;
        if (e.index >= total_globals_before_defined(m)) {
            rd_fail_at(r, ENG_ERR_INVALID, at, "unknown global %u", e.index);
            return e;
        }
        if (m->globals[e.index].mut) {
            rd_fail_at(r, ENG_ERR_INVALID, at, "constant expression required");
            return e;
        }
        e.type = m->globals[e.index].type;
        break;
    case 0x0b:
        rd_fail_at(r, ENG_ERR_INVALID, at, "type mismatch: empty constant expression");
        return e;
    default:
        if (op <= 0xc4 || op == 0xfc || op == 0xd1)
            rd_fail_at(r, ENG_ERR_INVALID, at, "constant expression required");
        else
            rd_fail_at(r, ENG_ERR_MALFORMED, at, "illegal opcode 0x%02x", op);
        return e;
    }
    if (r->failed)
        return e;
    at = rd_offset(r);
    uint8_t end = rd_u8(r);
    if (r->failed)
        return e;
    if (end != 0x0b) {
        if (end == 0x41 || end == 0x42 || end == 0x43 || end == 0x44 || end == 0xd0 ||
            end == 0xd2 || end == 0x23)
            rd_fail_at(r, ENG_ERR_INVALID, at,
                       "type mismatch: constant expression leaves extra "
                       "values");
        else
            rd_fail_at(r, ENG_ERR_INVALID, at, "constant expression required");
        return e;
    }
    if (e.type != expected)
        rd_fail_at(r, ENG_ERR_INVALID, at, "type mismatch: constant expression has the wrong type");
    return e;
}

static void sec_type(reader *r, eng_module *m)
{
    uint32_t n = rd_count(r, 3);
    m->types = xcalloc(r, n, sizeof *m->types);
    if (r->failed)
        return;
    m->ntypes = n;
    for (uint32_t i = 0; i < n && !r->failed; i++) {
        size_t at = rd_offset(r);
        uint8_t form = rd_u8(r);
        if (!r->failed && form != 0x60) {
            rd_fail_at(r, ENG_ERR_MALFORMED, at,
                       "integer representation too long: malformed "
                       "function type form 0x%02x",
                       form);
            return;
        }
        uint32_t np = rd_count(r, 1);
        if (r->failed)
            return;
        eng_valtype *buf = xcalloc(r, (size_t)np + 1, sizeof *buf);
        if (!buf)
            return;
        m->types[i].params = buf;
        m->types[i].nparams = np;
        for (uint32_t k = 0; k < np; k++)
            buf[k] = rd_valtype(r);
        uint32_t nr = rd_count(r, 1);
        if (r->failed)
            return;
        eng_valtype *all = realloc(buf, ((size_t)np + nr + 1) * sizeof *buf);
        if (!all) {
            rd_fail(r, ENG_ERR_NOMEM, "out of memory");
            return;
        }
        m->types[i].params = all;
        m->types[i].results = all + np;
        for (uint32_t k = 0; k < nr; k++)
            all[np + k] = rd_valtype(r);
        m->types[i].nresults = nr;
    }
}

static void sec_import(reader *r, eng_module *m)
{
    uint32_t n = rd_count(r, 4);
    m->imports = xcalloc(r, n, sizeof *m->imports);
    if (r->failed)
        return;
    /* upper bounds for the index spaces; the final counts are known after all sections */
    for (uint32_t i = 0; i < n && !r->failed; i++) {
        import_desc *im = &m->imports[i];
        m->nimports = i + 1;
        im->module = rd_name(r, NULL);
        im->name = rd_name(r, NULL);
        size_t at = rd_offset(r);
        uint8_t kind = rd_u8(r);
        if (r->failed)
            return;
        switch (kind) {
        case 0:
            im->kind = ENG_EXTERN_FUNC;
            im->type_index = rd_u32(r);
            if (!r->failed && im->type_index >= m->ntypes)
                INVALID(r, "unknown type %u", im->type_index);
            m->nfunc_imports++;
            break;
        case 1:
            im->kind = ENG_EXTERN_TABLE;
            im->vtype = rd_reftype(r);
            im->lim = rd_limits(r, false);
            m->ntable_imports++;
            break;
        case 2:
            im->kind = ENG_EXTERN_MEMORY;
            im->lim = rd_limits(r, true);
            m->nmem_imports++;
            break;
        case 3: {
            im->kind = ENG_EXTERN_GLOBAL;
            im->vtype = rd_valtype(r);
            size_t mat = rd_offset(r);
            uint8_t mut = rd_u8(r);
            if (!r->failed && mut > 1)
                rd_fail_at(r, ENG_ERR_MALFORMED, mat, "malformed mutability 0x%02x", mut);
            im->mut = mut == 1;
            m->nglobal_imports++;
            break;
        }
        default:
            rd_fail_at(r, ENG_ERR_MALFORMED, at, "malformed import kind 0x%02x", kind);
            return;
        }
    }
}

/* Lays out the import part of each index space once the import section is read. */
static void setup_import_spaces(reader *r, eng_module *m)
{
    m->nfuncs = m->nfunc_imports;
    m->ntables = m->ntable_imports;
    m->nmems = m->nmem_imports;
    m->nglobals = m->nglobal_imports;
    m->func_types = xcalloc(r, m->nfuncs, sizeof *m->func_types);
    m->tables = xcalloc(r, m->ntables, sizeof *m->tables);
    m->mems = xcalloc(r, m->nmems, sizeof *m->mems);
    m->globals = xcalloc(r, m->nglobals, sizeof *m->globals);
    m->declared = xcalloc(r, m->nfuncs, 1);
    if (r->failed)
        return;
    uint32_t f = 0, t = 0, mem = 0, g = 0;
    for (uint32_t i = 0; i < m->nimports; i++) {
        const import_desc *im = &m->imports[i];
        switch (im->kind) {
        case ENG_EXTERN_FUNC:
            m->func_types[f++] = im->type_index;
            break;
        case ENG_EXTERN_TABLE:
            m->tables[t].type = im->vtype;
            m->tables[t++].lim = im->lim;
            break;
        case ENG_EXTERN_MEMORY:
            m->mems[mem++] = im->lim;
            break;
        case ENG_EXTERN_GLOBAL:
            m->globals[g].type = im->vtype;
            m->globals[g++].mut = im->mut;
            break;
        }
    }
    if (m->nmems > 1)
        INVALID(r, "multiple memories");
}

static void sec_function(reader *r, eng_module *m)
{
    uint32_t n = rd_count(r, 1);
    if (r->failed)
        return;
    uint32_t *ft = realloc(m->func_types, ((size_t)m->nfuncs + n + 1) * sizeof *ft);
    uint8_t *decl = realloc(m->declared, (size_t)m->nfuncs + n + 1);
    if (ft)
        m->func_types = ft;
    if (decl)
        m->declared = decl;
    if (!ft || !decl) {
        rd_fail(r, ENG_ERR_NOMEM, "out of memory");
        return;
    }
    memset(m->declared + m->nfuncs, 0, n);
    for (uint32_t i = 0; i < n && !r->failed; i++) {
        uint32_t t = rd_u32(r);
        if (!r->failed && t >= m->ntypes) {
            INVALID(r, "unknown type %u", t);
            return;
        }
        m->func_types[m->nfuncs++] = t;
    }
}

static void sec_table(reader *r, eng_module *m)
{
    uint32_t n = rd_count(r, 2);
    if (r->failed)
        return;
    table_desc *t = realloc(m->tables, ((size_t)m->ntables + n + 1) * sizeof *t);
    if (!t) {
        rd_fail(r, ENG_ERR_NOMEM, "out of memory");
        return;
    }
    m->tables = t;
    for (uint32_t i = 0; i < n && !r->failed; i++) {
        table_desc *d = &m->tables[m->ntables];
        d->type = rd_reftype(r);
        d->lim = rd_limits(r, false);
        if (!r->failed)
            m->ntables++;
    }
}

static void sec_memory(reader *r, eng_module *m)
{
    uint32_t n = rd_count(r, 2);
    if (r->failed)
        return;
    if ((uint64_t)m->nmems + n > 1) {
        INVALID(r, "multiple memories");
        return;
    }
    limits_t *l = realloc(m->mems, ((size_t)m->nmems + n + 1) * sizeof *l);
    if (!l) {
        rd_fail(r, ENG_ERR_NOMEM, "out of memory");
        return;
    }
    m->mems = l;
    for (uint32_t i = 0; i < n && !r->failed; i++) {
        limits_t lim = rd_limits(r, true);
        if (!r->failed)
            m->mems[m->nmems++] = lim;
    }
}

static void sec_global(reader *r, eng_module *m)
{
    uint32_t n = rd_count(r, 3);
    if (r->failed)
        return;
    global_desc *g = realloc(m->globals, ((size_t)m->nglobals + n + 1) * sizeof *g);
    if (!g) {
        rd_fail(r, ENG_ERR_NOMEM, "out of memory");
        return;
    }
    m->globals = g;
    for (uint32_t i = 0; i < n && !r->failed; i++) {
        global_desc *d = &m->globals[m->nglobals];
        d->type = rd_valtype(r);
        size_t at = rd_offset(r);
        uint8_t mut = rd_u8(r);
        if (!r->failed && mut > 1) {
            rd_fail_at(r, ENG_ERR_MALFORMED, at, "malformed mutability 0x%02x", mut);
            return;
        }
        d->mut = mut == 1;
        if (r->failed)
            return;
        d->init = rd_cexpr(r, m, d->type);
        if (!r->failed)
            m->nglobals++;
    }
}

static void sec_export(reader *r, eng_module *m)
{
    uint32_t n = rd_count(r, 3);
    m->exports = xcalloc(r, n, sizeof *m->exports);
    if (r->failed)
        return;
    for (uint32_t i = 0; i < n && !r->failed; i++) {
        export_desc *e = &m->exports[i];
        size_t at = rd_offset(r);
        e->name = rd_name(r, &e->name_len);
        if (r->failed)
            return;
        m->nexports = i + 1;
        size_t kat = rd_offset(r);
        uint8_t kind = rd_u8(r);
        e->index = rd_u32(r);
        if (r->failed)
            return;
        uint32_t limit;
        switch (kind) {
        case 0:
            limit = m->nfuncs;
            break;
        case 1:
            limit = m->ntables;
            break;
        case 2:
            limit = m->nmems;
            break;
        case 3:
            limit = m->nglobals;
            break;
        default:
            rd_fail_at(r, ENG_ERR_MALFORMED, kat, "malformed export kind 0x%02x", kind);
            return;
        }
        e->kind = (eng_externkind)kind;
        if (e->index >= limit) {
            static const char *const what[] = {"function", "table", "memory", "global"};
            rd_fail_at(r, ENG_ERR_INVALID, kat, "unknown %s %u", what[kind], e->index);
            return;
        }
        if (kind == 0)
            m->declared[e->index] = 1;
        for (uint32_t k = 0; k < i; k++) {
            if (m->exports[k].name_len == e->name_len &&
                memcmp(m->exports[k].name, e->name, e->name_len) == 0) {
                rd_fail_at(r, ENG_ERR_INVALID, at, "duplicate export name \"%s\"", e->name);
                return;
            }
        }
    }
}

static void sec_start(reader *r, eng_module *m)
{
    size_t at = rd_offset(r);
    uint32_t f = rd_u32(r);
    if (r->failed)
        return;
    if (f >= m->nfuncs) {
        rd_fail_at(r, ENG_ERR_INVALID, at, "unknown function %u", f);
        return;
    }
    const functype *t = &m->types[m->func_types[f]];
    if (t->nparams || t->nresults) {
        rd_fail_at(r, ENG_ERR_INVALID, at, "start function must have type [] -> []");
        return;
    }
    m->has_start = true;
    m->start = f;
}

static void sec_element(reader *r, eng_module *m)
{
    uint32_t n = rd_count(r, 2);
    m->elems = xcalloc(r, n, sizeof *m->elems);
    if (r->failed)
        return;
    for (uint32_t i = 0; i < n && !r->failed; i++) {
        elem_seg *s = &m->elems[i];
        m->nelems = i + 1;
        size_t at = rd_offset(r);
        uint32_t flags = rd_u32(r);
        if (r->failed)
            return;
        if (flags > 7) {
            rd_fail_at(r, ENG_ERR_MALFORMED, at, "malformed elements segment kind %u", flags);
            return;
        }
        bool uses_exprs = flags & 4;
        s->type = ENG_FUNCREF;
        if (flags & 1)
            s->mode = (flags & 2) ? SEG_DECLARATIVE : SEG_PASSIVE;
        else
            s->mode = SEG_ACTIVE;
        if (s->mode == SEG_ACTIVE) {
            s->table = (flags & 2) ? rd_u32(r) : 0;
            if (r->failed)
                return;
            if (s->table >= m->ntables) {
                rd_fail_at(r, ENG_ERR_INVALID, at, "unknown table %u", s->table);
                return;
            }
            s->offset = rd_cexpr(r, m, ENG_I32);
        }
        if (flags & 3) {
            /* an element kind (0x00 = funcref) or a reference type */
            size_t kat = rd_offset(r);
            if (uses_exprs) {
                s->type = rd_reftype(r);
            } else {
                uint8_t kind = rd_u8(r);
                if (!r->failed && kind != 0) {
                    rd_fail_at(r, ENG_ERR_MALFORMED, kat, "malformed element kind 0x%02x", kind);
                    return;
                }
            }
        }
        uint32_t count = rd_count(r, 1);
        s->items = xcalloc(r, count, sizeof *s->items);
        if (r->failed)
            return;
        s->count = count;
        for (uint32_t k = 0; k < count && !r->failed; k++) {
            if (uses_exprs) {
                s->items[k] = rd_cexpr(r, m, s->type);
            } else {
                size_t fat = rd_offset(r);
                uint32_t f = rd_u32(r);
                if (!r->failed && f >= m->nfuncs) {
                    rd_fail_at(r, ENG_ERR_INVALID, fat, "unknown function %u", f);
                    return;
                }
                s->items[k] = (cexpr){CE_REF_FUNC, ENG_FUNCREF, 0, f};
                if (!r->failed)
                    m->declared[f] = 1;
            }
        }
        if (!r->failed && s->mode == SEG_ACTIVE && m->tables[s->table].type != s->type)
            rd_fail_at(r, ENG_ERR_INVALID, at,
                       "type mismatch: element segment of another type "
                       "than its table");
    }
}

static void sec_datacount(reader *r, eng_module *m)
{
    m->datacount = rd_u32(r);
    m->has_datacount = !r->failed;
}

static void sec_code(reader *r, eng_module *m)
{
    size_t at = rd_offset(r);
    uint32_t n = rd_count(r, 2);
    if (r->failed)
        return;
    uint32_t defined = m->nfuncs - m->nfunc_imports;
    if (n != defined) {
        rd_fail_at(r, ENG_ERR_MALFORMED, at,
                   "function and code section have inconsistent lengths (%u vs %u)", defined, n);
        return;
    }
    m->codes = xcalloc(r, n, sizeof *m->codes);
    if (r->failed)
        return;
    for (uint32_t i = 0; i < n && !r->failed; i++) {
        uint32_t size = rd_u32(r);
        if (r->failed)
            return;
        if (size > (size_t)(r->end - r->p)) {
            MALFORMED(r, "unexpected end: function body size %u out of bounds", size);
            return;
        }
        m->codes[i].body = r->p;
        m->codes[i].body_len = size;
        m->codes[i].body_offset = (uint32_t)rd_offset(r);
        r->p += size;
    }
}

static void sec_data(reader *r, eng_module *m)
{
    size_t at = rd_offset(r);
    uint32_t n = rd_count(r, 2);
    if (r->failed)
        return;
    if (m->has_datacount && n != m->datacount) {
        rd_fail_at(r, ENG_ERR_MALFORMED, at,
                   "data count and data section have inconsistent lengths (%u vs %u)", m->datacount,
                   n);
        return;
    }
    m->datas = xcalloc(r, n, sizeof *m->datas);
    if (r->failed)
        return;
    for (uint32_t i = 0; i < n && !r->failed; i++) {
        data_seg *d = &m->datas[i];
        size_t sat = rd_offset(r);
        uint32_t flags = rd_u32(r);
        if (r->failed)
            return;
        if (flags > 2) {
            rd_fail_at(r, ENG_ERR_MALFORMED, sat, "malformed data segment kind %u", flags);
            return;
        }
        d->mode = flags == 1 ? SEG_PASSIVE : SEG_ACTIVE;
        if (d->mode == SEG_ACTIVE) {
            d->mem = flags == 2 ? rd_u32(r) : 0;
            if (!r->failed && d->mem >= m->nmems) {
                rd_fail_at(r, ENG_ERR_INVALID, sat, "unknown memory %u", d->mem);
                return;
            }
            d->offset = rd_cexpr(r, m, ENG_I32);
        }
        uint32_t len = rd_u32(r);
        if (r->failed)
            return;
        if (len > (size_t)(r->end - r->p)) {
            MALFORMED(r, "unexpected end of section or function: data length %u out of bounds",
                      len);
            return;
        }
        d->bytes = r->p;
        d->len = len;
        r->p += len;
        m->ndatas = i + 1;
    }
}

static void sec_custom(reader *r)
{
    char *name = rd_name(r, NULL);
    free(name);
    r->p = r->end; /* contents are not interpreted */
}

/* Position of each known section id in the required order (datacount sits before code). */
static int section_rank(uint8_t id)
{
    static const int rank[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10};
    return id <= 12 ? rank[id] : -1;
}

void eng_module_retain(const eng_module *m)
{
    atomic_fetch_add(&((eng_module *)m)->refs, 1);
}

void eng_module_free(eng_module *m)
{
    if (!m || atomic_fetch_sub(&m->refs, 1) != 1)
        return;
    for (uint32_t i = 0; i < m->ntypes; i++)
        free(m->types[i].params);
    free(m->types);
    for (uint32_t i = 0; i < m->nimports; i++) {
        free(m->imports[i].module);
        free(m->imports[i].name);
    }
    free(m->imports);
    free(m->func_types);
    free(m->tables);
    free(m->mems);
    free(m->globals);
    for (uint32_t i = 0; i < m->nexports; i++)
        free(m->exports[i].name);
    free(m->exports);
    for (uint32_t i = 0; i < m->nelems; i++)
        free(m->elems[i].items);
    free(m->elems);
    free(m->datas);
    if (m->codes) {
        for (uint32_t i = 0; i < m->nfuncs - m->nfunc_imports; i++) {
            free(m->codes[i].code);
            free(m->codes[i].consts);
        }
    }
    free(m->codes);
    free(m->declared);
    free(m->bytes);
    free(m);
}

eng_module *eng_module_new(const uint8_t *bytes, size_t len, eng_error *err)
{
    if (err)
        memset(err, 0, sizeof *err);
    if (!bytes && len) {
        eng_set_error(err, ENG_ERR_ARG, "no module bytes");
        return NULL;
    }
    eng_module *m = calloc(1, sizeof *m);
    if (!m || !(m->bytes = malloc(len ? len : 1))) {
        free(m);
        eng_set_error(err, ENG_ERR_NOMEM, "out of memory");
        return NULL;
    }
    atomic_init(&m->refs, 1);
    if (len)
        memcpy(m->bytes, bytes, len);
    m->len = len;
    reader top = {m->bytes, m->bytes, m->bytes + len, -1, false, err};
    reader *r = &top;

    uint32_t magic = rd_fixed32(r);
    if (r->failed || magic != 0x6d736100) {
        r->failed = false;
        rd_fail_at(r, ENG_ERR_MALFORMED, 0, "magic header not detected");
        goto fail;
    }
    uint32_t version = rd_fixed32(r);
    if (r->failed || version != 1) {
        r->failed = false;
        rd_fail_at(r, ENG_ERR_MALFORMED, 4, "unknown binary version");
        goto fail;
    }
    int last_rank = 0;
    bool imports_done = false;
    while (!rd_eof(r)) {
        size_t at = rd_offset(r);
        uint8_t id = rd_u8(r);
        r->section = id <= 12 ? id : -1;
        uint32_t size = rd_u32(r);
        if (r->failed)
            goto fail;
        if (id > 12) {
            r->section = -1;
            rd_fail_at(r, ENG_ERR_MALFORMED, at, "malformed section id %u", id);
            goto fail;
        }
        if (size > (size_t)(r->end - r->p)) {
            rd_fail_at(r, ENG_ERR_MALFORMED, at, "unexpected end: section size %u out of bounds",
                       size);
            goto fail;
        }
        if (id != 0) {
            int rank = section_rank(id);
            if (rank <= last_rank) {
                rd_fail_at(r, ENG_ERR_MALFORMED, at,
                           "unexpected content after last section "
                           "(section out of order or repeated)");
                goto fail;
            }
            last_rank = rank;
        }
        if (id != 0 && id > 2 && !imports_done) {
            setup_import_spaces(r, m);
            imports_done = true;
            if (r->failed)
                goto fail;
        }
        reader sec = {m->bytes, r->p, r->p + size, id, false, err};
        switch (id) {
        case 0:
            sec_custom(&sec);
            break;
        case 1:
            sec_type(&sec, m);
            break;
        case 2:
            sec_import(&sec, m);
            break;
        case 3:
            sec_function(&sec, m);
            break;
        case 4:
            sec_table(&sec, m);
            break;
        case 5:
            sec_memory(&sec, m);
            break;
        case 6:
            sec_global(&sec, m);
            break;
        case 7:
            sec_export(&sec, m);
            break;
        case 8:
            sec_start(&sec, m);
            break;
        case 9:
            sec_element(&sec, m);
            break;
        case 10:
            sec_code(&sec, m);
            break;
        case 11:
            sec_data(&sec, m);
            break;
        case 12:
            sec_datacount(&sec, m);
            break;
        }
        if (sec.failed)
            goto fail;
        if (sec.p != sec.end) {
            rd_fail_at(&sec, ENG_ERR_MALFORMED, rd_offset(&sec), "section size mismatch");
            goto fail;
        }
        r->p += size;
    }
    r->section = -1;
    if (!imports_done) {
        setup_import_spaces(r, m);
        if (r->failed)
            goto fail;
    }
    if (m->nfuncs > m->nfunc_imports && !m->codes) {
        rd_fail(r, ENG_ERR_MALFORMED, "function and code section have inconsistent lengths");
        goto fail;
    }
    if (m->has_datacount && m->datacount != m->ndatas) {
        rd_fail(r, ENG_ERR_MALFORMED, "data count and data section have inconsistent lengths");
        goto fail;
    }
    for (uint32_t i = 0; i < m->nfuncs - m->nfunc_imports; i++) {
        if (eng_compile_function(m, i, err) != ENG_OK)
            goto fail;
    }
    return m;
fail:
    eng_module_free(m);
    return NULL;
}

/*
 * Instantiation and the instance API: import resolution with the spec's matching rules, creation
 * of functions, tables, memory and globals, element and data segment initialisation in order,
 * the start function, snapshots for fast reset, and calls from the embedder.
 */
#include "engine/internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

eng_limits eng_limits_default(void)
{
    eng_limits l = {
        .max_memory_bytes = 64ull << 20,
        .max_table_elems = 100000,
        .max_call_depth = 10000,
        .max_stack_slots = 1u << 20,
        .fuel = 0,
        .deadline_us = 0,
    };
    return l;
}

int64_t eng_table_grow(eng_table *t, uint64_t delta, eng_slot init)
{
    uint32_t old = t->size;
    if (delta == 0)
        return old;
    if (delta > t->max || (uint64_t)old + delta > t->max)
        return -1;
    uint32_t n = (uint32_t)(old + delta);
    eng_slot *e = realloc(t->elems, (size_t)n * sizeof *e);
    if (!e)
        return -1;
    for (uint32_t i = old; i < n; i++)
        e[i] = init;
    t->elems = e;
    t->size = n;
    return old;
}

static void apply_table_limit(eng_table *t, uint32_t limit)
{
    uint64_t max = t->decl_max < limit ? t->decl_max : limit;
    t->max = (uint32_t)(max > UINT32_MAX ? UINT32_MAX : max);
}

static void apply_memory_limit(eng_memory *m, uint64_t limit_bytes)
{
    uint64_t pages = limit_bytes / ENG_PAGE_SIZE;
    uint64_t max = m->decl_max < pages ? m->decl_max : pages;
    if (max > m->reserved / ENG_PAGE_SIZE)
        max = m->reserved / ENG_PAGE_SIZE; /* the reservation made at instantiation is final */
    m->max_pages = max;
}

void eng_instance_free(eng_instance *inst)
{
    if (!inst)
        return;
    for (uint32_t i = 0; i < inst->nadopted; i++)
        eng_instance_free(inst->adopted[i]);
    free(inst->adopted);
    const eng_module *m = inst->module;
    if (inst->own_tables) {
        for (uint32_t i = 0; i < inst->nown_tables; i++)
            free(inst->own_tables[i].elems);
    }
    free(inst->own_tables);
    if (inst->owns_mem)
        eng_memory_release(&inst->own_mem);
    if (inst->elem_items) {
        for (uint32_t i = 0; i < m->nelems; i++)
            free(inst->elem_items[i]);
    }
    free(inst->elem_items);
    free(inst->elem_len);
    free(inst->data_dropped);
    free(inst->funcs);
    free(inst->own_funcs);
    free(inst->tables);
    free(inst->globals);
    free(inst->own_globals);
    if (inst->stack)
        munmap(inst->stack, inst->stack_map_bytes);
    free(inst->frames);
    free(inst->snap_mem);
    free(inst->snap_globals);
    if (inst->snap_tables) {
        for (uint32_t i = 0; i < inst->nown_tables; i++)
            free(inst->snap_tables[i]);
    }
    free(inst->snap_tables);
    free(inst->snap_table_sizes);
    free(inst->snap_data_dropped);
    free(inst->snap_elem_len);
    free(inst);
    eng_module_free((eng_module *)m);
}

static const char *kind_name(eng_externkind k)
{
    static const char *const n[] = {"function", "table", "memory", "global"};
    return (unsigned)k < 4 ? n[k] : "extern";
}

static bool limits_match(uint64_t have_min, bool have_has_max, uint64_t have_max,
                         const limits_t *want)
{
    if (have_min < want->min)
        return false;
    if (want->has_max && (!have_has_max || have_max > want->max))
        return false;
    return true;
}

/* Resolves import i; sets the matching slot of the index spaces. */
static eng_status link_import(eng_instance *inst, const eng_imports *imps, const import_desc *im,
                              uint32_t *fi, uint32_t *ti, uint32_t *gi, eng_error *err)
{
    const eng_module *m = inst->module;
    const imp_entry *e = eng_imports_find(imps, im->module, im->name);
    if (!e) {
        eng_set_error(err, ENG_ERR_UNLINKABLE, "unknown import \"%s\".\"%s\" (%s)", im->module,
                      im->name, kind_name(im->kind));
        return ENG_ERR_UNLINKABLE;
    }
    if (!e->is_instance) {
        const functype *want = &m->types[im->type_index];
        if (im->kind != ENG_EXTERN_FUNC || !eng_functype_equal(&e->type, want)) {
            eng_set_error(err, ENG_ERR_UNLINKABLE,
                          "incompatible import type for \"%s\".\"%s\": the host provides a "
                          "function of another type",
                          im->module, im->name);
            return ENG_ERR_UNLINKABLE;
        }
        eng_func *f = &inst->own_funcs[*fi];
        f->type = want;
        f->inst = inst;
        f->host = e->fn;
        f->host_data = e->data;
        inst->funcs[(*fi)++] = f;
        return ENG_OK;
    }
    eng_instance *src = e->instance;
    const eng_module *sm = src->module;
    const export_desc *ex = NULL;
    for (uint32_t i = 0; i < sm->nexports; i++)
        if (strcmp(sm->exports[i].name, im->name) == 0)
            ex = &sm->exports[i];
    bool ok = ex && ex->kind == im->kind;
    if (ok) {
        switch (im->kind) {
        case ENG_EXTERN_FUNC: {
            eng_func *f = src->funcs[ex->index];
            ok = eng_functype_equal(f->type, &m->types[im->type_index]);
            if (ok)
                inst->funcs[(*fi)++] = f;
            break;
        }
        case ENG_EXTERN_TABLE: {
            eng_table *t = src->tables[ex->index];
            ok = t->type == im->vtype && limits_match(t->size, t->has_max, t->decl_max, &im->lim);
            if (ok)
                inst->tables[(*ti)++] = t;
            break;
        }
        case ENG_EXTERN_MEMORY: {
            eng_memory *mem = src->mem;
            ok = mem &&
                 limits_match(mem->size / ENG_PAGE_SIZE, mem->has_max, mem->decl_max, &im->lim);
            if (ok)
                inst->mem = mem;
            break;
        }
        case ENG_EXTERN_GLOBAL: {
            eng_global *g = src->globals[ex->index];
            ok = g->type == im->vtype && g->mut == im->mut;
            if (ok)
                inst->globals[(*gi)++] = g;
            break;
        }
        }
    }
    if (!ok) {
        eng_set_error(err, ENG_ERR_UNLINKABLE, "incompatible import type for \"%s\".\"%s\" (%s)",
                      im->module, im->name, kind_name(im->kind));
        return ENG_ERR_UNLINKABLE;
    }
    return ENG_OK;
}

static eng_slot eval_cexpr(const eng_instance *inst, const cexpr *e)
{
    switch (e->op) {
    case CE_CONST:
        return e->value;
    case CE_GLOBAL_GET:
        return inst->globals[e->index]->value;
    case CE_REF_FUNC:
        return (eng_slot)(uintptr_t)inst->funcs[e->index];
    default:
        return 0;
    }
}

static void adopt(eng_instance *owner, eng_instance *child)
{
    eng_instance **a = realloc(owner->adopted, (owner->nadopted + 1) * sizeof *a);
    if (!a) {
        /* cannot record it: keeping it alive (leaking) is the only memory-safe choice */
        return;
    }
    owner->adopted = a;
    owner->adopted[owner->nadopted++] = child;
}

/* Segments are applied in order; a failing one traps, earlier writes stay (Wasm 2.0). */
static eng_status init_segments(eng_instance *inst, bool *wrote_foreign, eng_error *err)
{
    const eng_module *m = inst->module;
    for (uint32_t i = 0; i < m->nelems; i++) {
        const elem_seg *s = &m->elems[i];
        if (s->mode != SEG_ACTIVE) {
            if (s->mode == SEG_DECLARATIVE)
                inst->elem_len[i] = 0;
            continue;
        }
        eng_table *t = inst->tables[s->table];
        uint64_t off = (uint32_t)eval_cexpr(inst, &s->offset);
        if (off + s->count > t->size) {
            eng_set_trap(err, ENG_TRAP_TABLE_OOB, "element segment does not fit its table");
            return ENG_ERR_TRAP;
        }
        if (s->count) {
            memcpy(t->elems + off, inst->elem_items[i], s->count * sizeof(eng_slot));
            if (t->owner != inst)
                *wrote_foreign = true;
        }
        inst->elem_len[i] = 0; /* active segments are dropped once applied */
    }
    for (uint32_t i = 0; i < m->ndatas; i++) {
        const data_seg *d = &m->datas[i];
        if (d->mode != SEG_ACTIVE)
            continue;
        uint64_t off = (uint32_t)eval_cexpr(inst, &d->offset);
        if (!inst->mem || off + d->len > inst->mem->size) {
            eng_set_trap(err, ENG_TRAP_MEMORY_OOB, "data segment does not fit its memory");
            return ENG_ERR_TRAP;
        }
        if (d->len) {
            memcpy(inst->mem->base + off, d->bytes, d->len);
            if (!inst->owns_mem) /* own memory: no snapshot yet, marks mean nothing */
                eng_memory_mark_range(inst->mem, off, d->len);
        }
        inst->data_dropped[i] = true;
    }
    return ENG_OK;
}

eng_instance *eng_instance_new(const eng_module *m, const eng_imports *imps,
                               const eng_limits *limits, eng_error *err)
{
    if (err)
        memset(err, 0, sizeof *err);
    if (!m) {
        eng_set_error(err, ENG_ERR_ARG, "no module");
        return NULL;
    }
    eng_instance *inst = calloc(1, sizeof *inst);
    if (!inst) {
        eng_set_error(err, ENG_ERR_NOMEM, "out of memory");
        return NULL;
    }
    inst->module = m;
    eng_module_retain(m);
    inst->limits = limits ? *limits : eng_limits_default();
    inst->fuel_budget = inst->limits.fuel;
    inst->fuel_left = inst->fuel_budget;
    atomic_init(&inst->interrupt, false);
    uint32_t ndef_tables = m->ntables - m->ntable_imports;
    uint32_t ndef_globals = m->nglobals - m->nglobal_imports;
    inst->funcs = calloc(m->nfuncs + 1, sizeof *inst->funcs);
    inst->own_funcs = calloc(m->nfuncs + 1, sizeof *inst->own_funcs);
    inst->tables = calloc(m->ntables + 1, sizeof *inst->tables);
    inst->own_tables = calloc(ndef_tables + 1, sizeof *inst->own_tables);
    inst->globals = calloc(m->nglobals + 1, sizeof *inst->globals);
    inst->own_globals = calloc(ndef_globals + 1, sizeof *inst->own_globals);
    inst->elem_items = calloc(m->nelems + 1, sizeof *inst->elem_items);
    inst->elem_len = calloc(m->nelems + 1, sizeof *inst->elem_len);
    inst->data_dropped = calloc(m->ndatas + 1, sizeof *inst->data_dropped);
    if (!inst->funcs || !inst->own_funcs || !inst->tables || !inst->own_tables || !inst->globals ||
        !inst->own_globals || !inst->elem_items || !inst->elem_len || !inst->data_dropped) {
        eng_set_error(err, ENG_ERR_NOMEM, "out of memory");
        goto fail;
    }
    inst->nown_tables = ndef_tables;

    uint32_t fi = 0, ti = 0, gi = 0;
    for (uint32_t i = 0; i < m->nimports; i++)
        if (link_import(inst, imps, &m->imports[i], &fi, &ti, &gi, err) != ENG_OK)
            goto fail;
    for (uint32_t i = m->nfunc_imports; i < m->nfuncs; i++) {
        eng_func *f = &inst->own_funcs[i];
        f->type = &m->types[m->func_types[i]];
        f->inst = inst;
        f->body = &m->codes[i - m->nfunc_imports];
        inst->funcs[i] = f;
    }
    for (uint32_t i = 0; i < ndef_tables; i++) {
        const table_desc *d = &m->tables[m->ntable_imports + i];
        eng_table *t = &inst->own_tables[i];
        if (d->lim.min > inst->limits.max_table_elems) {
            eng_set_error(err, ENG_ERR_LIMIT,
                          "table minimum of %llu elements exceeds the limit of %u",
                          (unsigned long long)d->lim.min, inst->limits.max_table_elems);
            goto fail;
        }
        t->type = d->type;
        t->has_max = d->lim.has_max;
        t->decl_max = d->lim.has_max ? d->lim.max : (uint64_t)UINT32_MAX;
        t->owner = inst;
        apply_table_limit(t, inst->limits.max_table_elems);
        t->size = (uint32_t)d->lim.min;
        t->elems = calloc(t->size + 1, sizeof *t->elems);
        if (!t->elems) {
            eng_set_error(err, ENG_ERR_NOMEM, "out of memory");
            goto fail;
        }
        inst->tables[m->ntable_imports + i] = t;
    }
    if (m->nmems > m->nmem_imports) {
        const limits_t *l = &m->mems[0];
        if (eng_memory_init(&inst->own_mem, l->min, l->has_max, l->max,
                            inst->limits.max_memory_bytes, err) != ENG_OK)
            goto fail;
        inst->owns_mem = true;
        inst->mem = &inst->own_mem;
    }
    for (uint32_t i = 0; i < ndef_globals; i++) {
        const global_desc *d = &m->globals[m->nglobal_imports + i];
        eng_global *g = &inst->own_globals[i];
        g->type = d->type;
        g->mut = d->mut;
        g->value = eval_cexpr(inst, &d->init);
        inst->globals[m->nglobal_imports + i] = g;
    }
    for (uint32_t i = 0; i < m->nelems; i++) {
        const elem_seg *s = &m->elems[i];
        inst->elem_items[i] = calloc(s->count + 1, sizeof(eng_slot));
        if (!inst->elem_items[i]) {
            eng_set_error(err, ENG_ERR_NOMEM, "out of memory");
            goto fail;
        }
        for (uint32_t k = 0; k < s->count; k++)
            inst->elem_items[i][k] = eval_cexpr(inst, &s->items[k]);
        inst->elem_len[i] = s->count;
    }
    bool wrote_foreign = false;
    if (init_segments(inst, &wrote_foreign, err) != ENG_OK)
        goto fail_linked;
    if (m->has_start) {
        eng_status s = eng_exec_call(inst, inst->funcs[m->start], NULL, NULL, err);
        if (s != ENG_OK) {
            /* the start function may have stored our functions in imported tables */
            wrote_foreign = wrote_foreign || m->ntable_imports > 0;
            if (!wrote_foreign)
                goto fail;
            goto fail_linked_set;
        }
    }
    return inst;

fail_linked:
    if (!wrote_foreign)
        goto fail;
fail_linked_set:
    /* Functions of this instance now sit in a table of another instance and stay callable
     * there: the table's owner keeps this instance alive until it is freed itself. */
    for (uint32_t i = 0; i < m->ntable_imports; i++) {
        if (inst->tables[i]->owner != inst) {
            adopt(inst->tables[i]->owner, inst);
            return NULL;
        }
    }
fail:
    eng_instance_free(inst);
    return NULL;
}

const eng_module *eng_instance_module(const eng_instance *inst)
{
    return inst->module;
}

void eng_instance_set_user(eng_instance *inst, void *user)
{
    inst->user = user;
}

void *eng_instance_user(const eng_instance *inst)
{
    return inst->user;
}

void eng_instance_set_limits(eng_instance *inst, const eng_limits *limits)
{
    if (!limits)
        return;
    inst->limits = *limits;
    inst->fuel_budget = limits->fuel;
    if (inst->owns_mem)
        apply_memory_limit(&inst->own_mem, limits->max_memory_bytes);
    for (uint32_t i = 0; i < inst->nown_tables; i++)
        apply_table_limit(&inst->own_tables[i], limits->max_table_elems);
}

void eng_instance_set_fuel(eng_instance *inst, uint64_t fuel)
{
    inst->fuel_budget = fuel;
    inst->limits.fuel = fuel;
    inst->fuel_left = fuel;
    inst->fuel_used = 0;
}

uint64_t eng_instance_fuel_remaining(const eng_instance *inst)
{
    return inst->fuel_left;
}

uint64_t eng_instance_fuel_used(const eng_instance *inst)
{
    return inst->fuel_used;
}

void eng_instance_interrupt(eng_instance *inst)
{
    atomic_store(&inst->interrupt, true);
}

uint8_t *eng_instance_memory(eng_instance *inst, uint64_t ptr, uint64_t len)
{
    if (!inst || !inst->mem)
        return NULL;
    uint64_t size = inst->mem->size;
    if (ptr > size || len > size - ptr)
        return NULL;
    /* the embedder may write through the pointer: the range counts as written */
    eng_memory_mark_range(inst->mem, ptr, len);
    return inst->mem->base + ptr;
}

const uint8_t *eng_instance_memory_read(const eng_instance *inst, uint64_t ptr, uint64_t len)
{
    if (!inst || !inst->mem)
        return NULL;
    uint64_t size = inst->mem->size;
    if (ptr > size || len > size - ptr)
        return NULL;
    return inst->mem->base + ptr;
}

uint64_t eng_instance_restored_bytes(const eng_instance *inst)
{
    return inst ? inst->restored_bytes : 0;
}

uint64_t eng_instance_memory_size(const eng_instance *inst)
{
    return inst && inst->mem ? inst->mem->size : 0;
}

/* ---- snapshots ---- */

eng_status eng_instance_snapshot(eng_instance *inst, eng_error *err)
{
    const eng_module *m = inst->module;
    if (inst->running) {
        eng_set_error(err, ENG_ERR_ARG, "cannot snapshot a running instance");
        return ENG_ERR_ARG;
    }
    uint32_t ndef_globals = m->nglobals - m->nglobal_imports;
    if (!inst->snap_globals) {
        inst->snap_globals = calloc(ndef_globals + 1, sizeof(eng_slot));
        inst->snap_tables = calloc(inst->nown_tables + 1, sizeof(eng_slot *));
        inst->snap_table_sizes = calloc(inst->nown_tables + 1, sizeof(uint32_t));
        inst->snap_data_dropped = calloc(m->ndatas + 1, sizeof(bool));
        inst->snap_elem_len = calloc(m->nelems + 1, sizeof(uint32_t));
        if (!inst->snap_globals || !inst->snap_tables || !inst->snap_table_sizes ||
            !inst->snap_data_dropped || !inst->snap_elem_len) {
            eng_set_error(err, ENG_ERR_NOMEM, "out of memory for the snapshot");
            return ENG_ERR_NOMEM;
        }
    }
    if (inst->owns_mem) {
        uint64_t size = inst->own_mem.size;
        uint8_t *copy = realloc(inst->snap_mem, size ? size : 1);
        if (!copy) {
            eng_set_error(err, ENG_ERR_NOMEM, "out of memory for the snapshot");
            return ENG_ERR_NOMEM;
        }
        if (size)
            memcpy(copy, inst->own_mem.base, size);
        inst->snap_mem = copy;
        inst->snap_mem_size = size;
        eng_memory_clear_marks(&inst->own_mem); /* from now on, marks mean "differs" */
    }
    for (uint32_t i = 0; i < inst->nown_tables; i++) {
        eng_table *t = &inst->own_tables[i];
        eng_slot *copy = realloc(inst->snap_tables[i], ((size_t)t->size + 1) * sizeof *copy);
        if (!copy) {
            eng_set_error(err, ENG_ERR_NOMEM, "out of memory for the snapshot");
            return ENG_ERR_NOMEM;
        }
        if (t->size)
            memcpy(copy, t->elems, t->size * sizeof *copy);
        inst->snap_tables[i] = copy;
        inst->snap_table_sizes[i] = t->size;
    }
    for (uint32_t i = 0; i < ndef_globals; i++)
        inst->snap_globals[i] = inst->own_globals[i].value;
    if (m->ndatas)
        memcpy(inst->snap_data_dropped, inst->data_dropped, m->ndatas * sizeof(bool));
    if (m->nelems)
        memcpy(inst->snap_elem_len, inst->elem_len, m->nelems * sizeof(uint32_t));
    inst->has_snapshot = true;
    return ENG_OK;
}

eng_status eng_instance_restore(eng_instance *inst, eng_error *err)
{
    const eng_module *m = inst->module;
    if (!inst->has_snapshot) {
        eng_set_error(err, ENG_ERR_ARG, "no snapshot to restore");
        return ENG_ERR_ARG;
    }
    if (inst->running) {
        eng_set_error(err, ENG_ERR_ARG, "cannot restore a running instance");
        return ENG_ERR_ARG;
    }
    inst->restored_bytes = 0;
    if (inst->owns_mem) {
        /* only the granules written since the snapshot or the last restore are copied back */
        uint64_t n = eng_memory_restore(&inst->own_mem, inst->snap_mem, inst->snap_mem_size);
        inst->restored_bytes = n << ENG_DIRTY_SHIFT;
        if (inst->own_mem.size != inst->snap_mem_size) {
            eng_set_error(err, ENG_ERR_NOMEM, "cannot restore the memory's size");
            return ENG_ERR_NOMEM;
        }
    }
    for (uint32_t i = 0; i < inst->nown_tables; i++) {
        eng_table *t = &inst->own_tables[i];
        t->size = inst->snap_table_sizes[i]; /* tables only grow: the buffer is large enough */
        if (t->size)
            memcpy(t->elems, inst->snap_tables[i], t->size * sizeof(eng_slot));
    }
    uint32_t ndef_globals = m->nglobals - m->nglobal_imports;
    for (uint32_t i = 0; i < ndef_globals; i++)
        inst->own_globals[i].value = inst->snap_globals[i];
    if (m->ndatas)
        memcpy(inst->data_dropped, inst->snap_data_dropped, m->ndatas * sizeof(bool));
    if (m->nelems)
        memcpy(inst->elem_len, inst->snap_elem_len, m->nelems * sizeof(uint32_t));
    return ENG_OK;
}

/* ---- exports and calls ---- */

static const export_desc *find_export(const eng_module *m, const char *name, eng_externkind kind)
{
    for (uint32_t i = 0; i < m->nexports; i++)
        if (m->exports[i].kind == kind && strcmp(m->exports[i].name, name) == 0)
            return &m->exports[i];
    return NULL;
}

int32_t eng_instance_find_func(const eng_instance *inst, const char *name, eng_extern_info *info)
{
    if (!inst || !name)
        return -1;
    const export_desc *e = find_export(inst->module, name, ENG_EXTERN_FUNC);
    if (!e)
        return -1;
    if (info) {
        const functype *t = inst->funcs[e->index]->type;
        memset(info, 0, sizeof *info);
        info->name = e->name;
        info->kind = ENG_EXTERN_FUNC;
        info->param_count = t->nparams;
        info->result_count = t->nresults;
        info->params = t->params;
        info->results = t->results;
    }
    return (int32_t)e->index;
}

eng_status eng_call(eng_instance *inst, int32_t func_index, const eng_slot *args, uint32_t nargs,
                    eng_slot *results, uint32_t nresults, eng_error *err)
{
    if (err)
        memset(err, 0, sizeof *err);
    if (!inst || func_index < 0 || (uint32_t)func_index >= inst->module->nfuncs) {
        eng_set_error(err, ENG_ERR_ARG, "no function %d", func_index);
        return ENG_ERR_ARG;
    }
    eng_func *f = inst->funcs[func_index];
    if (nargs != f->type->nparams || nresults != f->type->nresults || (nargs && !args) ||
        (nresults && !results)) {
        eng_set_error(err, ENG_ERR_ARG,
                      "function %d takes %u arguments and returns %u results (given %u and %u)",
                      func_index, f->type->nparams, f->type->nresults, nargs, nresults);
        return ENG_ERR_ARG;
    }
    return eng_exec_call(inst, f, args, results, err);
}

bool eng_instance_get_global(const eng_instance *inst, const char *name, eng_valtype *type,
                             eng_slot *value)
{
    if (!inst || !name)
        return false;
    const export_desc *e = find_export(inst->module, name, ENG_EXTERN_GLOBAL);
    if (!e)
        return false;
    const eng_global *g = inst->globals[e->index];
    if (type)
        *type = g->type;
    if (value)
        *value = g->value;
    return true;
}

/* ---- the caller view for host functions ---- */

uint8_t *eng_caller_memory(eng_caller *caller, uint64_t ptr, uint64_t len)
{
    return caller ? eng_instance_memory(caller->inst, ptr, len) : NULL;
}

uint64_t eng_caller_memory_size(eng_caller *caller)
{
    return caller ? eng_instance_memory_size(caller->inst) : 0;
}

eng_instance *eng_caller_instance(eng_caller *caller)
{
    return caller ? caller->inst : NULL;
}

void *eng_caller_user(eng_caller *caller)
{
    return caller && caller->inst ? caller->inst->user : NULL;
}

void eng_caller_set_message(eng_caller *caller, const char *fmt, ...)
{
    if (!caller)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(caller->message, sizeof caller->message, fmt, ap);
    va_end(ap);
    caller->has_message = true;
}

void eng_caller_set_exit_code(eng_caller *caller, int32_t code)
{
    if (caller)
        caller->exit_code = code;
}

/*
 * Read-only views of a module's imports and exports for tools (`aegis-wasm-cli inspect`) and
 * embedders that check a module's shape before instantiating it.
 */
#include "engine/internal.h"

#include <string.h>

uint32_t eng_module_import_count(const eng_module *m)
{
    return m ? m->nimports : 0;
}

uint32_t eng_module_export_count(const eng_module *m)
{
    return m ? m->nexports : 0;
}

static void describe(const eng_module *m, eng_externkind kind, uint32_t index,
                     eng_extern_info *info)
{
    info->kind = kind;
    switch (kind) {
    case ENG_EXTERN_FUNC: {
        const functype *t = &m->types[m->func_types[index]];
        info->param_count = t->nparams;
        info->result_count = t->nresults;
        info->params = t->params;
        info->results = t->results;
        break;
    }
    case ENG_EXTERN_TABLE:
        info->type = m->tables[index].type;
        info->min = m->tables[index].lim.min;
        info->max = m->tables[index].lim.max;
        info->has_max = m->tables[index].lim.has_max;
        break;
    case ENG_EXTERN_MEMORY:
        info->min = m->mems[index].min;
        info->max = m->mems[index].max;
        info->has_max = m->mems[index].has_max;
        break;
    case ENG_EXTERN_GLOBAL:
        info->type = m->globals[index].type;
        info->mutable_ = m->globals[index].mut;
        break;
    }
}

bool eng_module_import(const eng_module *m, uint32_t i, eng_extern_info *info)
{
    if (!m || !info || i >= m->nimports)
        return false;
    memset(info, 0, sizeof *info);
    const import_desc *im = &m->imports[i];
    info->module = im->module;
    info->name = im->name;
    /* the index of this import within its own index space */
    uint32_t index = 0;
    for (uint32_t k = 0; k < i; k++)
        if (m->imports[k].kind == im->kind)
            index++;
    describe(m, im->kind, index, info);
    return true;
}

bool eng_module_export(const eng_module *m, uint32_t i, eng_extern_info *info)
{
    if (!m || !info || i >= m->nexports)
        return false;
    memset(info, 0, sizeof *info);
    info->name = m->exports[i].name;
    describe(m, m->exports[i].kind, m->exports[i].index, info);
    return true;
}

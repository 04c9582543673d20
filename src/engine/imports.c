/*
 * eng_imports: the named things an instance may import. Host functions carry a signature parsed
 * from the compact "(PARAMS)RESULTS" string; instances contribute all of their exports under one
 * module name. Lookup runs from the newest entry back, so a later addition replaces an earlier
 * one of the same name.
 */
#include "engine/internal.h"

#include <stdlib.h>
#include <string.h>

/* A host signature has at most this many params and results, each. */
#define MAX_HOST_ARITY 64

eng_imports *eng_imports_new(void)
{
    return calloc(1, sizeof(eng_imports));
}

void eng_imports_free(eng_imports *imps)
{
    if (!imps)
        return;
    for (size_t i = 0; i < imps->count; i++) {
        free(imps->items[i].module);
        free(imps->items[i].name);
        free(imps->items[i].type.params);
    }
    free(imps->items);
    free(imps);
}

static imp_entry *add_entry(eng_imports *imps, const char *module, const char *name)
{
    if (imps->count == imps->cap) {
        size_t n = imps->cap ? imps->cap * 2 : 16;
        imp_entry *q = realloc(imps->items, n * sizeof *q);
        if (!q)
            return NULL;
        imps->items = q;
        imps->cap = n;
    }
    imp_entry *e = &imps->items[imps->count];
    memset(e, 0, sizeof *e);
    e->module = strdup(module);
    e->name = name ? strdup(name) : NULL;
    if (!e->module || (name && !e->name)) {
        free(e->module);
        free(e->name);
        return NULL;
    }
    imps->count++;
    return e;
}

static bool sig_type(char ch, eng_valtype *t)
{
    switch (ch) {
    case 'i':
        *t = ENG_I32;
        return true;
    case 'I':
        *t = ENG_I64;
        return true;
    case 'f':
        *t = ENG_F32;
        return true;
    case 'F':
        *t = ENG_F64;
        return true;
    case 'r':
        *t = ENG_FUNCREF;
        return true;
    case 'e':
        *t = ENG_EXTERNREF;
        return true;
    default:
        return false;
    }
}

static bool parse_signature(const char *sig, functype *out)
{
    if (!sig || sig[0] != '(')
        return false;
    const char *close = strchr(sig, ')');
    if (!close)
        return false;
    size_t np = (size_t)(close - sig - 1), nr = strlen(close + 1);
    if (np > MAX_HOST_ARITY || nr > MAX_HOST_ARITY)
        return false;
    eng_valtype *v = calloc(np + nr + 1, sizeof *v);
    if (!v)
        return false;
    for (size_t i = 0; i < np; i++)
        if (!sig_type(sig[1 + i], &v[i]))
            goto bad;
    for (size_t i = 0; i < nr; i++)
        if (!sig_type(close[1 + i], &v[np + i]))
            goto bad;
    out->params = v;
    out->results = v + np;
    out->nparams = (uint32_t)np;
    out->nresults = (uint32_t)nr;
    return true;
bad:
    free(v);
    return false;
}

eng_status eng_imports_add_func(eng_imports *imps, const char *module, const char *name,
                                const char *signature, eng_host_fn fn, void *data)
{
    if (!imps || !module || !name || !fn)
        return ENG_ERR_ARG;
    functype t;
    if (!parse_signature(signature, &t))
        return ENG_ERR_ARG;
    imp_entry *e = add_entry(imps, module, name);
    if (!e) {
        free(t.params);
        return ENG_ERR_NOMEM;
    }
    e->type = t;
    e->fn = fn;
    e->data = data;
    return ENG_OK;
}

eng_status eng_imports_add_instance(eng_imports *imps, const char *module, eng_instance *instance)
{
    if (!imps || !module || !instance)
        return ENG_ERR_ARG;
    imp_entry *e = add_entry(imps, module, NULL);
    if (!e)
        return ENG_ERR_NOMEM;
    e->is_instance = true;
    e->instance = instance;
    return ENG_OK;
}

static bool instance_exports(const eng_instance *inst, const char *name)
{
    const eng_module *m = inst->module;
    for (uint32_t i = 0; i < m->nexports; i++)
        if (strcmp(m->exports[i].name, name) == 0)
            return true;
    return false;
}

const imp_entry *eng_imports_find(const eng_imports *imps, const char *module, const char *name)
{
    if (!imps)
        return NULL;
    for (size_t i = imps->count; i-- > 0;) {
        const imp_entry *e = &imps->items[i];
        if (strcmp(e->module, module) != 0)
            continue;
        if (e->is_instance ? instance_exports(e->instance, name) : strcmp(e->name, name) == 0)
            return e;
    }
    return NULL;
}

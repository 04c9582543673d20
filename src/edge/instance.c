/*
 * Running a module for a request: the per-worker slot creates an instance from the version the
 * manager currently serves (checking the ABI exports, binding the host functions, running
 * _initialize, taking a snapshot), restores that snapshot before each later request so no state
 * survives from one request to the next, and moves to a new version on the first request after a
 * reload. A call passes the request JSON through alloc, calls the entry point under the slot's
 * limits, and reads the framed result with bounds checks: the returned pointer, its u32 LE
 * length and the JSON bytes must all lie inside linear memory, or the call counts as a trap.
 */
#include "edge_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static const char *entry_name(edge_module_type type)
{
    return type == EDGE_MODULE_WAF ? "analyze_request" : "handle_request";
}

/* Does export `name` exist with this kind and (for functions) exactly this i32 signature? */
static bool has_export(const eng_module *m, const char *name, eng_externkind kind, uint32_t params,
                       uint32_t results)
{
    eng_extern_info info;
    for (uint32_t i = 0; eng_module_export(m, i, &info); i++) {
        if (strcmp(info.name, name) != 0 || info.kind != kind)
            continue;
        if (kind != ENG_EXTERN_FUNC)
            return true;
        if (info.param_count != params || info.result_count != results)
            return false;
        for (uint32_t k = 0; k < params; k++)
            if (info.params[k] != ENG_I32)
                return false;
        return results == 0 || info.results[0] == ENG_I32;
    }
    return false;
}

bool edge_check_exports(const eng_module *m, edge_module_type type, char *err, size_t errlen)
{
    const char *missing = !has_export(m, "memory", ENG_EXTERN_MEMORY, 0, 0)  ? "memory"
                          : !has_export(m, "alloc", ENG_EXTERN_FUNC, 1, 1)   ? "alloc(i32) -> i32"
                          : !has_export(m, "dealloc", ENG_EXTERN_FUNC, 2, 0) ? "dealloc(i32, i32)"
                          : !has_export(m, entry_name(type), ENG_EXTERN_FUNC, 2, 1)
                              ? (type == EDGE_MODULE_WAF ? "analyze_request(i32, i32) -> i32"
                                                         : "handle_request(i32, i32) -> i32")
                              : NULL;
    if (missing != NULL)
        snprintf(err, errlen, "missing export %s required by guest ABI v1 for %s", missing,
                 type == EDGE_MODULE_WAF ? "a WAF module" : "an edge function");
    return missing == NULL;
}

static eng_limits engine_limits(const edge_limits *l)
{
    eng_limits el = eng_limits_default();
    el.max_memory_bytes = l->max_memory_bytes;
    el.fuel = l->fuel;
    el.deadline_us = l->deadline_ms * 1000;
    return el;
}

eng_instance *edge_instantiate(edge_entry *entry, const eng_module *m, const edge_limits *limits,
                               char *err, size_t errlen)
{
    eng_imports *im = edge_host_imports_new(entry);
    if (im == NULL) {
        snprintf(err, errlen, "out of memory binding host functions");
        return NULL;
    }
    /* The start function and _initialize run once per instance, not per request: they get the
     * initialisation budget; the request limits apply from the first request on. */
    eng_limits init = engine_limits(limits);
    init.fuel = EDGE_INIT_FUEL;
    init.deadline_us = EDGE_INIT_DEADLINE_MS * 1000;
    eng_error ee;
    eng_instance *inst = eng_instance_new(m, im, &init, &ee);
    eng_imports_free(im);
    if (inst == NULL) {
        snprintf(err, errlen, "instantiate: %s: %s", eng_status_name(ee.status), ee.message);
        return NULL;
    }
    int32_t f_init = eng_instance_find_func(inst, "_initialize", NULL);
    eng_instance_set_fuel(inst, init.fuel);
    if (f_init >= 0 && eng_call(inst, f_init, NULL, 0, NULL, 0, &ee) != ENG_OK) {
        snprintf(err, errlen, "_initialize: %s", ee.message);
        eng_instance_free(inst);
        return NULL;
    }
    eng_limits per_request = engine_limits(limits);
    eng_instance_set_limits(inst, &per_request);
    eng_instance_set_fuel(inst, limits->fuel);
    return inst;
}

void edge_slot_destroy(edge_slot *s)
{
    eng_instance_free(s->inst);
    edge_version_release(s->version);
    s->inst = NULL;
    s->version = NULL;
}

bool edge_slot_prepare(edge_slot *s, eng_error *err)
{
    edge_version *v = edge_entry_acquire(s->mods, s->entry);
    if (v == NULL) {
        snprintf(err->message, sizeof err->message, "module %s has no loaded version",
                 s->entry->id);
        return false;
    }
    if (v == s->version && s->inst != NULL) {
        edge_version_release(v); /* the slot already holds a reference */
        if (!s->dirty || eng_instance_restore(s->inst, err) == ENG_OK)
            return true;
        edge_slot_destroy(s); /* cannot happen short of memory: start from a fresh instance */
        v = edge_entry_acquire(s->mods, s->entry);
        if (v == NULL)
            return false;
    }
    char why[200];
    eng_instance *inst = edge_instantiate(s->entry, v->module, &s->limits, why, sizeof why);
    if (inst == NULL || eng_instance_snapshot(inst, err) != ENG_OK) {
        if (inst != NULL)
            snprintf(why, sizeof why, "snapshot: %.180s", err->message);
        eng_instance_free(inst);
        edge_version_release(v);
        snprintf(err->message, sizeof err->message, "%s", why);
        return false;
    }
    edge_slot_destroy(s);
    s->inst = inst;
    s->version = v;
    s->f_alloc = eng_instance_find_func(inst, "alloc", NULL);
    s->f_entry = eng_instance_find_func(inst, entry_name(s->entry->type), NULL);
    s->dirty = false;
    return true;
}

/* Calls alloc, copies the request in, calls the entry point and locates the result JSON. */
static int call_module(edge_slot *s, const char *json, size_t json_len, const char **out,
                       size_t *out_len, uint64_t *fuel, eng_error *err)
{
    eng_instance *inst = s->inst;
    eng_slot args[2] = {(eng_slot)(uint32_t)json_len, 0}, res[1] = {0};
    eng_instance_set_fuel(inst, s->limits.fuel);
    eng_status st = eng_call(inst, s->f_alloc, args, 1, res, 1, err);
    *fuel += eng_instance_fuel_used(inst);
    if (st != ENG_OK)
        return err->trap != ENG_TRAP_NONE ? (int)err->trap : EDGE_FAIL_BAD_RESULT;
    uint32_t ptr = (uint32_t)res[0];
    uint8_t *dst = eng_instance_memory(inst, ptr, json_len);
    if (ptr == 0 || dst == NULL) {
        snprintf(err->message, sizeof err->message,
                 "alloc(%zu) returned 0x%" PRIx32 ", not a usable block of memory", json_len, ptr);
        return EDGE_FAIL_BAD_RESULT;
    }
    memcpy(dst, json, json_len);
    args[0] = ptr;
    args[1] = (eng_slot)(uint32_t)json_len;
    eng_instance_set_fuel(inst, s->limits.fuel);
    st = eng_call(inst, s->f_entry, args, 2, res, 1, err);
    *fuel += eng_instance_fuel_used(inst);
    if (st != ENG_OK)
        return err->trap != ENG_TRAP_NONE ? (int)err->trap : EDGE_FAIL_BAD_RESULT;
    uint32_t rp = (uint32_t)res[0];
    uint64_t mem = eng_instance_memory_size(inst);
    const uint8_t *frame = eng_instance_memory_read(inst, rp, 4);
    if (frame == NULL) {
        snprintf(err->message, sizeof err->message,
                 "result pointer 0x%" PRIx32 " is outside memory (%" PRIu64 " bytes)", rp, mem);
        return ENG_TRAP_MEMORY_OOB;
    }
    uint32_t n = (uint32_t)frame[0] | (uint32_t)frame[1] << 8 | (uint32_t)frame[2] << 16 |
                 (uint32_t)frame[3] << 24;
    const uint8_t *body = eng_instance_memory_read(inst, (uint64_t)rp + 4, n);
    if (body == NULL) {
        snprintf(err->message, sizeof err->message,
                 "result of %" PRIu32 " bytes at 0x%" PRIx32 " runs past memory (%" PRIu64
                 " bytes)",
                 n, rp + 4, mem);
        return ENG_TRAP_MEMORY_OOB;
    }
    if (n > EDGE_MAX_RESULT_BYTES) {
        snprintf(err->message, sizeof err->message, "result of %" PRIu32 " bytes exceeds %u", n,
                 EDGE_MAX_RESULT_BYTES);
        return EDGE_FAIL_BAD_RESULT;
    }
    *out = (const char *)body;
    *out_len = n;
    return -1;
}

int edge_slot_run(edge_slot *s, edge_call *call, const char *json, size_t json_len,
                  const char **out, size_t *out_len, eng_error *err)
{
    uint64_t t0 = now_us(), fuel = 0;
    memset(err, 0, sizeof *err);
    int kind;
    if (!edge_slot_prepare(s, err)) {
        kind = EDGE_FAIL_INSTANTIATE;
    } else {
        s->dirty = true;
        eng_instance_set_user(s->inst, call);
        kind = call_module(s, json, json_len, out, out_len, &fuel, err);
        eng_instance_set_user(s->inst, NULL);
    }
    edge_counters_record(&s->entry->counters, kind, fuel, now_us() - t0);
    return kind;
}

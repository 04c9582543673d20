/*
 * Fixture loading for the engine tests (see fixture.h).
 */
#include "fixture.h"

#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

eng_module *fx_module(const char *name)
{
    char rel[256];
    snprintf(rel, sizeof rel, "wat/tests/engine/wat/%s.wasm", name);
    size_t len;
    uint8_t *bytes = test_read_file(test_build_path(rel), &len);
    eng_error err = {0};
    eng_module *m = eng_module_new(bytes, len, &err);
    free(bytes);
    CHECK_MSG(m != NULL, "fixture %s does not compile: %s: %s", name, eng_status_name(err.status),
              err.message);
    return m;
}

fx fx_open(const char *name, const eng_limits *limits, const eng_imports *imports)
{
    fx f = {fx_module(name), NULL};
    eng_limits def = eng_limits_default();
    eng_error err = {0};
    f.instance = eng_instance_new(f.module, imports, limits ? limits : &def, &err);
    CHECK_MSG(f.instance != NULL, "fixture %s does not instantiate: %s: %s", name,
              eng_status_name(err.status), err.message);
    return f;
}

void fx_close(fx *f)
{
    if (f->instance)
        eng_instance_free(f->instance);
    if (f->module)
        eng_module_free(f->module);
    f->instance = NULL;
    f->module = NULL;
}

eng_status fx_call(eng_instance *inst, const char *name, const eng_slot *args, uint32_t nargs,
                   eng_slot *results, uint32_t nresults, eng_error *err)
{
    int32_t fi = eng_instance_find_func(inst, name, NULL);
    CHECK_MSG(fi >= 0, "no function export \"%s\"", name);
    return eng_call(inst, fi, args, nargs, results, nresults, err);
}

uint32_t fx_call_i32(eng_instance *inst, const char *name, const eng_slot *args, uint32_t nargs)
{
    eng_slot result = 0;
    eng_error err = {0};
    eng_status st = fx_call(inst, name, args, nargs, &result, 1, &err);
    CHECK_MSG(st == ENG_OK, "%s failed: %s: %s", name, eng_status_name(st), err.message);
    return (uint32_t)result;
}

uint64_t fx_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

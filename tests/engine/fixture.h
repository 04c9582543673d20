/*
 * Helpers shared by the engine's hostile-module and API tests: load a compiled .wat fixture from
 * the build tree, instantiate it, and call its exports by name. Every helper fails the current
 * test (through the harness) when the fixture itself cannot be loaded, so a test body only checks
 * the behaviour it is named for.
 */
#ifndef AEGIS_TESTS_ENGINE_FIXTURE_H
#define AEGIS_TESTS_ENGINE_FIXTURE_H

#include "engine/engine.h"

typedef struct fx {
    eng_module *module;
    eng_instance *instance;
} fx;

/* Reads build/.../wat/tests/engine/wat/NAME.wasm and compiles it. */
eng_module *fx_module(const char *name);

/* Compiles and instantiates fixture NAME with limits (NULL: defaults) and imports (may be NULL). */
fx fx_open(const char *name, const eng_limits *limits, const eng_imports *imports);
void fx_close(fx *f);

/* Calls export NAME; fails the test when there is no such function export. */
eng_status fx_call(eng_instance *inst, const char *name, const eng_slot *args, uint32_t nargs,
                   eng_slot *results, uint32_t nresults, eng_error *err);

/* Same with one i32 result, checked to be a successful call. */
uint32_t fx_call_i32(eng_instance *inst, const char *name, const eng_slot *args, uint32_t nargs);

/* Microseconds of a monotonic clock. */
uint64_t fx_now_us(void);

#endif

/*
 * libFuzzer target for the engine's front end: every input is handed to eng_module_new (decode,
 * validate, compile). An input that compiles is then inspected through the public API (every
 * import and export described) and instantiated under tight limits without imports, which must
 * either succeed or fail with an error value. Any crash, hang, leak or sanitizer report in the
 * engine is a bug; a rejected input is the normal case.
 *
 * Built by mk/fuzz.mk with clang -fsanitize=fuzzer,address,undefined; see docs/FUZZING.md.
 */
#include "engine/engine.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Limits for instantiation inside the fuzzer: small enough that a hostile minimum or a start
 * function cannot make one input take long. */
#define FUZZ_MAX_MEMORY_BYTES (1u << 20)
#define FUZZ_MAX_TABLE_ELEMS 1024u
#define FUZZ_FUEL 10000u
#define FUZZ_DEADLINE_US 100000u

static void describe(const eng_module *m)
{
    eng_extern_info info;
    uint32_t n = eng_module_import_count(m);
    for (uint32_t i = 0; i < n; i++)
        if (eng_module_import(m, i, &info) && info.kind == ENG_EXTERN_FUNC)
            for (uint32_t p = 0; p < info.param_count; p++)
                (void)info.params[p]; /* touches every described type: ASan checks the array */
    n = eng_module_export_count(m);
    for (uint32_t i = 0; i < n; i++)
        if (eng_module_export(m, i, &info))
            (void)strlen(info.name);
    (void)eng_module_import(m, UINT32_MAX, &info);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    eng_error err;
    eng_module *m = eng_module_new(data, size, &err);
    if (!m) {
        /* a rejection must say why */
        if (err.status == ENG_OK || err.message[0] == '\0')
            __builtin_trap();
        return 0;
    }
    describe(m);
    eng_limits limits = eng_limits_default();
    limits.max_memory_bytes = FUZZ_MAX_MEMORY_BYTES;
    limits.max_table_elems = FUZZ_MAX_TABLE_ELEMS;
    limits.fuel = FUZZ_FUEL;
    limits.deadline_us = FUZZ_DEADLINE_US;
    eng_instance *inst = eng_instance_new(m, NULL, &limits, &err);
    if (inst)
        eng_instance_free(inst);
    eng_module_free(m);
    return 0;
}

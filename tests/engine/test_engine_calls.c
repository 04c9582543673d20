/*
 * The call path of the engine's compiler and interpreter (src/engine/compile.c, exec.c): frames
 * that copy only the constants a slot reads, results returned from where they are at a
 * function's end, calls to functions of the module (which carry the callee's body) and to
 * imports, with the exact fuel, call-depth bound and out-of-fuel boundary of the engine before
 * these changes. Fixture: tests/engine/wat/engine_calls.wat.
 */
#include "engine/internal.h"
#include "fixture.h"
#include "test.h"

/* the functions of engine_calls.wat, in order after its one import */
enum { FIB_BODY = 0, MIXED_BODY = 1 };

static eng_trap host_twice(eng_caller *caller, const eng_slot *args, eng_slot *results, void *data)
{
    (void)caller;
    int *calls = data;
    (*calls)++;
    results[0] = (uint32_t)((uint32_t)args[0] * 2u);
    return ENG_TRAP_NONE;
}

typedef struct calls_fx {
    fx f;
    eng_imports *imports;
    int twice_calls;
} calls_fx;

static void calls_open(calls_fx *c, uint32_t max_call_depth)
{
    c->twice_calls = 0;
    c->imports = eng_imports_new();
    CHECK(c->imports != NULL);
    CHECK_INT_EQ(
        eng_imports_add_func(c->imports, "env", "twice", "(i)i", host_twice, &c->twice_calls),
        ENG_OK);
    eng_limits limits = eng_limits_default();
    if (max_call_depth)
        limits.max_call_depth = max_call_depth;
    c->f = fx_open("engine_calls", &limits, c->imports);
}

static void calls_close(calls_fx *c)
{
    fx_close(&c->f);
    eng_imports_free(c->imports);
}

static uint64_t call_i64(eng_instance *inst, const char *name, eng_slot arg)
{
    eng_slot r = 0;
    eng_error err = {0};
    eng_status s = fx_call(inst, name, &arg, 1, &r, 1, &err);
    CHECK_MSG(s == ENG_OK, "%s: %s", name, err.message);
    return r;
}

static uint32_t fib(uint32_t n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

static int64_t mixed(int32_t x)
{
    return (int64_t)(uint32_t)((1000 - x) + (7 + 5)) + 0x123456789ll * -3 + (int64_t)(x * 2.5) +
           (x ? 5 : 11);
}

TEST(test_frames_copy_only_the_constants_that_slots_read)
{
    calls_fx c;
    calls_open(&c, 0);
    eng_instance *inst = c.f.instance;
    /* fib's constants are all immediates; mixed keeps its two locals' first values and the five
     * constants that slots read, not the copies of 7 and 0x123456789 that its sets dropped */
    CHECK_UINT_EQ(c.f.module->codes[FIB_BODY].nconsts, 0u);
    CHECK_UINT_EQ(c.f.module->codes[MIXED_BODY].nconsts, 7u);
    for (uint32_t n = 0; n <= 12; n++)
        CHECK_UINT_EQ(call_i64(inst, "fib", n), fib(n));
    const int32_t xs[] = {0, 7, -4, 1000, 123456};
    for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++)
        CHECK_UINT_EQ(call_i64(inst, "mixed", (uint32_t)xs[i]), (uint64_t)mixed(xs[i]));
    /* called by a function of the module after another call left its values in the same slots */
    CHECK_UINT_EQ(call_i64(inst, "mixed_nested", 7), (uint64_t)(mixed(7) - 3 + (int64_t)fib(3)));
    calls_close(&c);
}

TEST(test_function_end_returns_results_from_where_they_are)
{
    calls_fx c;
    calls_open(&c, 0);
    eng_instance *inst = c.f.instance;
    eng_error err = {0};
    CHECK_UINT_EQ(call_i64(inst, "ret_local", 5), 15u);
    eng_slot args[2] = {5, 9}, r[3] = {0, 0, 0};
    CHECK_INT_EQ(fx_call(inst, "ret_swapped", args, 2, r, 2, &err), ENG_OK);
    CHECK_UINT_EQ(r[0], 9u);
    CHECK_UINT_EQ(r[1], 5u);
    CHECK_INT_EQ(fx_call(inst, "ret_three", args, 2, r, 3, &err), ENG_OK);
    CHECK_UINT_EQ(r[0], 9u);
    CHECK_UINT_EQ(r[1], 9u);
    CHECK_UINT_EQ(r[2], 9u);
    CHECK_UINT_EQ(fx_call_i32(inst, "ret_param", args, 2), 14u);
    CHECK_UINT_EQ(call_i64(inst, "ret_br", 1), 40u);
    CHECK_UINT_EQ(call_i64(inst, "ret_br", 0), 42u);
    CHECK_UINT_EQ(fx_call_i32(inst, "call_swap", args, 2), 4u); /* 9 - 5 */
    calls_close(&c);
}

TEST(test_calls_to_the_module_and_to_an_import_mix)
{
    calls_fx c;
    calls_open(&c, 0);
    /* twice(fib(6)) + twice(6) */
    CHECK_UINT_EQ(call_i64(c.f.instance, "import_and_local", 6), 2u * 8u + 12u);
    CHECK_INT_EQ(c.twice_calls, 2);
    calls_close(&c);
}

TEST(test_call_fuel_and_depth_bounds_are_unchanged)
{
    calls_fx c;
    calls_open(&c, 100);
    eng_instance *inst = c.f.instance;
    eng_error err = {0};
    eng_slot arg, r = 0;
    /* the figures charged by the engine before the call path changed: fib(10) 1943 units
     * (177 calls), depth(3) 39, import_and_local(6) 278, mixed 29 */
    eng_instance_set_fuel(inst, 1000000);
    CHECK_UINT_EQ(call_i64(inst, "fib", 10), 55u);
    CHECK_UINT_EQ(eng_instance_fuel_used(inst), 1943u);
    CHECK_UINT_EQ(call_i64(inst, "depth", 3), 3u);
    CHECK_UINT_EQ(eng_instance_fuel_used(inst), 39u);
    CHECK_UINT_EQ(call_i64(inst, "import_and_local", 6), 28u);
    CHECK_UINT_EQ(eng_instance_fuel_used(inst), 278u);
    CHECK_UINT_EQ(call_i64(inst, "mixed", 7), (uint64_t)mixed(7));
    CHECK_UINT_EQ(eng_instance_fuel_used(inst), 29u);
    /* one unit short of the total: out of fuel, with the whole budget spent */
    const struct {
        const char *name;
        eng_slot arg;
        uint64_t need;
    } runs[] = {{"fib", 10, 1943}, {"depth", 3, 39}};
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        eng_instance_set_fuel(inst, runs[i].need - 1);
        arg = runs[i].arg;
        CHECK_INT_EQ(fx_call(inst, runs[i].name, &arg, 1, &r, 1, &err), ENG_ERR_TRAP);
        CHECK_INT_EQ(err.trap, ENG_TRAP_OUT_OF_FUEL);
        CHECK_UINT_EQ(eng_instance_fuel_used(inst), runs[i].need - 1);
        eng_instance_set_fuel(inst, runs[i].need);
        CHECK_UINT_EQ(call_i64(inst, runs[i].name, runs[i].arg), runs[i].name[0] == 'f' ? 55u : 3u);
    }
    /* depth(n) nests n calls below the entry: 100 fit a limit of 100, 101 do not; the same
     * through call_indirect, which takes the same path into a body of this instance */
    const char *depths[] = {"depth", "depth_indirect"};
    const uint64_t fuel_100[] = {1106, 1206};
    for (size_t i = 0; i < 2; i++) {
        eng_instance_set_fuel(inst, 1000000);
        CHECK_UINT_EQ(call_i64(inst, depths[i], 100), 100u);
        CHECK_UINT_EQ(eng_instance_fuel_used(inst), fuel_100[i]);
        arg = 101;
        CHECK_INT_EQ(fx_call(inst, depths[i], &arg, 1, &r, 1, &err), ENG_ERR_TRAP);
        CHECK_INT_EQ(err.trap, ENG_TRAP_STACK_EXHAUSTED);
        eng_instance_set_fuel(inst, 0);
        CHECK_UINT_EQ(call_i64(inst, depths[i], 100), 100u);
    }
    calls_close(&c);
}

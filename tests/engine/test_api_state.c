/*
 * Instance state through the API: snapshot/restore puts memory (contents and size), globals and
 * tables back; fuel is exact and deterministic (a loop of known instruction count consumes
 * exactly the predicted fuel, on every run); an instance is reusable after any trap; and calls
 * with the wrong arity or an unknown export are refused as bad arguments.
 */
#include "fixture.h"
#include "test.h"

/* Instructions per iteration of spin.wat's "count" loop body, from `local.get $i` to `br_if`. */
#define COUNT_LOOP_INSTRS 8u

static void poke(eng_instance *inst, uint32_t addr, uint32_t value)
{
    eng_slot args[2] = {addr, value};
    eng_error err = {0};
    CHECK_INT_EQ(fx_call(inst, "poke", args, 2, NULL, 0, &err), ENG_OK);
}

static uint32_t peek(eng_instance *inst, uint32_t addr)
{
    eng_slot arg = addr;
    return fx_call_i32(inst, "peek", &arg, 1);
}

static eng_slot global(eng_instance *inst, const char *name, eng_valtype want)
{
    eng_valtype type;
    eng_slot value = 0;
    CHECK_MSG(eng_instance_get_global(inst, name, &type, &value), "no global %s", name);
    CHECK_INT_EQ(type, want);
    return value;
}

TEST(test_restore_brings_back_memory_globals_and_tables)
{
    fx f = fx_open("state", NULL, NULL);
    eng_error err = {0};
    CHECK_INT_EQ(eng_instance_snapshot(f.instance, &err), ENG_OK);
    for (int round = 0; round < 3; round++) {
        poke(f.instance, 100, 'X');
        poke(f.instance, 5000, 0xee);
        eng_slot v = 99;
        CHECK_INT_EQ(fx_call(f.instance, "set_g", &v, 1, NULL, 0, &err), ENG_OK);
        v = 12345;
        CHECK_INT_EQ(fx_call(f.instance, "set_h", &v, 1, NULL, 0, &err), ENG_OK);
        CHECK_INT_EQ(fx_call(f.instance, "fill_slot", NULL, 0, NULL, 0, &err), ENG_OK);
        CHECK_UINT_EQ(fx_call_i32(f.instance, "slot_is_null", NULL, 0), 0);
        v = 2;
        CHECK_UINT_EQ(fx_call_i32(f.instance, "grow", &v, 1), 1);
        poke(f.instance, 3 * 65536 - 1, 1);
        CHECK_UINT_EQ(global(f.instance, "g", ENG_I32), 99);

        CHECK_INT_EQ(eng_instance_restore(f.instance, &err), ENG_OK);
        CHECK_UINT_EQ(peek(f.instance, 100), 'i');
        CHECK_UINT_EQ(peek(f.instance, 103), 't');
        CHECK_UINT_EQ(peek(f.instance, 5000), 0);
        CHECK_UINT_EQ((uint32_t)global(f.instance, "g", ENG_I32), 5);
        CHECK_UINT_EQ(global(f.instance, "h", ENG_I64), UINT64_MAX);
        CHECK_UINT_EQ(fx_call_i32(f.instance, "slot_is_null", NULL, 0), 1);
        CHECK_UINT_EQ(fx_call_i32(f.instance, "size", NULL, 0), 1);
        CHECK_UINT_EQ(eng_instance_memory_size(f.instance), 65536);
    }
    fx_close(&f);
}

TEST(test_snapshot_taken_later_is_what_restore_returns_to)
{
    fx f = fx_open("state", NULL, NULL);
    eng_error err = {0};
    poke(f.instance, 7, 42);
    CHECK_INT_EQ(eng_instance_snapshot(f.instance, &err), ENG_OK);
    poke(f.instance, 7, 43);
    poke(f.instance, 8, 44);
    CHECK_INT_EQ(eng_instance_restore(f.instance, &err), ENG_OK);
    CHECK_UINT_EQ(peek(f.instance, 7), 42);
    CHECK_UINT_EQ(peek(f.instance, 8), 0);
    fx_close(&f);
}

TEST(test_restore_without_snapshot_is_an_error)
{
    fx f = fx_open("state", NULL, NULL);
    eng_error err = {0};
    CHECK(eng_instance_restore(f.instance, &err) != ENG_OK);
    CHECK(err.message[0] != '\0');
    fx_close(&f);
}

static uint64_t count_fuel(eng_instance *inst, uint32_t n)
{
    eng_slot arg = n;
    CHECK_UINT_EQ(fx_call_i32(inst, "count", &arg, 1), n);
    return eng_instance_fuel_used(inst);
}

TEST(test_fuel_of_a_counted_loop_is_exact_and_repeatable)
{
    fx f = fx_open("spin", NULL, NULL);
    eng_instance_set_fuel(f.instance, 1000000);
    uint64_t base = count_fuel(f.instance, 1);
    /* every further iteration costs exactly the loop body's instruction count */
    for (uint32_t n = 2; n <= 50; n++)
        CHECK_UINT_EQ(count_fuel(f.instance, n), base + (n - 1) * COUNT_LOOP_INSTRS);
    uint64_t thousand = count_fuel(f.instance, 1000);
    CHECK_UINT_EQ(thousand, base + 999 * COUNT_LOOP_INSTRS);
    for (int run = 0; run < 5; run++)
        CHECK_UINT_EQ(count_fuel(f.instance, 1000), thousand);
    CHECK_UINT_EQ(eng_instance_fuel_remaining(f.instance), 1000000 - thousand);
    /* a prologue and epilogue of a handful of instructions around the loop */
    CHECK(base >= COUNT_LOOP_INSTRS && base <= COUNT_LOOP_INSTRS + 6);
    fx_close(&f);
}

TEST(test_fuel_budget_equal_to_cost_succeeds_and_one_less_traps)
{
    fx f = fx_open("spin", NULL, NULL);
    eng_instance_set_fuel(f.instance, 1000000);
    uint64_t cost = count_fuel(f.instance, 100);
    eng_instance_set_fuel(f.instance, cost);
    CHECK_UINT_EQ(count_fuel(f.instance, 100), cost);
    CHECK_UINT_EQ(eng_instance_fuel_remaining(f.instance), 0);
    eng_instance_set_fuel(f.instance, cost - 1);
    eng_slot arg = 100, result = 0;
    eng_error err = {0};
    CHECK_INT_EQ(fx_call(f.instance, "count", &arg, 1, &result, 1, &err), ENG_ERR_TRAP);
    CHECK_INT_EQ(err.trap, ENG_TRAP_OUT_OF_FUEL);
    CHECK_UINT_EQ(eng_instance_fuel_remaining(f.instance), 0);
    fx_close(&f);
}

TEST(test_instance_is_reusable_after_each_kind_of_trap)
{
    eng_limits limits = eng_limits_default();
    limits.max_call_depth = 200;
    fx f = fx_open("recursion", &limits, NULL);
    fx a = fx_open("arith_traps", NULL, NULL);
    eng_error err = {0};
    for (int round = 0; round < 20; round++) {
        eng_slot arg = 0, result;
        CHECK_INT_EQ(fx_call(f.instance, "forever", &arg, 1, &result, 1, &err), ENG_ERR_TRAP);
        CHECK_INT_EQ(err.trap, ENG_TRAP_STACK_EXHAUSTED);
        arg = 150;
        CHECK_UINT_EQ(fx_call_i32(f.instance, "depth", &arg, 1), 150);
        eng_slot div[2] = {1, 0};
        CHECK_INT_EQ(fx_call(a.instance, "div_u", div, 2, &result, 1, &err), ENG_ERR_TRAP);
        CHECK_INT_EQ(err.trap, ENG_TRAP_DIV_BY_ZERO);
        div[1] = 1;
        CHECK_UINT_EQ(fx_call_i32(a.instance, "div_u", div, 2), 1);
    }
    fx_close(&a);
    fx_close(&f);
}

TEST(test_wrong_arity_and_unknown_export_are_bad_arguments)
{
    fx f = fx_open("spin", NULL, NULL);
    int32_t add = eng_instance_find_func(f.instance, "add", NULL);
    CHECK(add >= 0);
    CHECK_INT_EQ(eng_instance_find_func(f.instance, "nope", NULL), -1);
    eng_extern_info info;
    CHECK_INT_EQ(eng_instance_find_func(f.instance, "add", &info), add);
    CHECK_UINT_EQ(info.param_count, 2);
    CHECK_UINT_EQ(info.result_count, 1);
    CHECK_INT_EQ(info.params[0], ENG_I32);
    eng_slot args[3] = {1, 2, 3}, result;
    eng_error err = {0};
    CHECK_INT_EQ(eng_call(f.instance, add, args, 1, &result, 1, &err), ENG_ERR_ARG);
    CHECK_INT_EQ(eng_call(f.instance, add, args, 3, &result, 1, &err), ENG_ERR_ARG);
    CHECK_INT_EQ(eng_call(f.instance, add, args, 2, &result, 0, &err), ENG_ERR_ARG);
    CHECK_INT_EQ(eng_call(f.instance, 9999, args, 2, &result, 1, &err), ENG_ERR_ARG);
    CHECK_INT_EQ(eng_call(f.instance, -1, args, 2, &result, 1, &err), ENG_ERR_ARG);
    CHECK_INT_EQ(eng_call(f.instance, add, args, 2, &result, 1, &err), ENG_OK);
    CHECK_UINT_EQ(result, 3);
    fx_close(&f);
}

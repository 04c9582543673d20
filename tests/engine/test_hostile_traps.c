/*
 * Arithmetic and indirect-call traps: division by zero, signed overflow, invalid float-to-int
 * conversions, unreachable, and call_indirect through a slot of the wrong type, a null slot or a
 * slot past the table. Each must come back as its own trap kind, with the instance still usable.
 */
#include "fixture.h"
#include "test.h"

#include <string.h>

static eng_error call_expect_trap(eng_instance *inst, const char *name, const eng_slot *args,
                                  uint32_t nargs, uint32_t nresults, eng_trap want)
{
    eng_slot results[2] = {0, 0};
    eng_error err = {0};
    eng_status st = fx_call(inst, name, args, nargs, results, nresults, &err);
    CHECK_MSG(st == ENG_ERR_TRAP && err.trap == want, "%s: expected trap \"%s\", got %s (%s): %s",
              name, eng_trap_name(want), eng_status_name(st), eng_trap_name(err.trap), err.message);
    CHECK_STR_HAS(err.message, eng_trap_name(want));
    return err;
}

static eng_slot f32_bits(float v)
{
    uint32_t bits;
    memcpy(&bits, &v, 4);
    return bits;
}

static eng_slot f64_bits(double v)
{
    uint64_t bits;
    memcpy(&bits, &v, 8);
    return bits;
}

TEST(test_integer_division_traps)
{
    fx f = fx_open("arith_traps", NULL, NULL);
    eng_slot zero[2] = {7, 0};
    call_expect_trap(f.instance, "div_s", zero, 2, 1, ENG_TRAP_DIV_BY_ZERO);
    call_expect_trap(f.instance, "div_u", zero, 2, 1, ENG_TRAP_DIV_BY_ZERO);
    call_expect_trap(f.instance, "rem_s", zero, 2, 1, ENG_TRAP_DIV_BY_ZERO);
    call_expect_trap(f.instance, "rem_u64", zero, 2, 1, ENG_TRAP_DIV_BY_ZERO);
    eng_slot min_by_minus_one[2] = {0x80000000u, 0xffffffffu};
    call_expect_trap(f.instance, "div_s", min_by_minus_one, 2, 1, ENG_TRAP_INT_OVERFLOW);
    /* INT_MIN % -1 is defined in Wasm: 0, no trap (and no host SIGFPE) */
    CHECK_UINT_EQ(fx_call_i32(f.instance, "rem_s", min_by_minus_one, 2), 0);
    eng_slot min64[2] = {0x8000000000000000ull, 0xffffffffffffffffull};
    call_expect_trap(f.instance, "div_s64", min64, 2, 1, ENG_TRAP_INT_OVERFLOW);
    /* still usable */
    eng_slot ok[2] = {0xfffffff9u, 2}; /* -7 / 2 = -3 */
    CHECK_UINT_EQ(fx_call_i32(f.instance, "div_s", ok, 2), 0xfffffffdu);
    fx_close(&f);
}

TEST(test_invalid_float_conversions_trap)
{
    fx f = fx_open("arith_traps", NULL, NULL);
    eng_slot nan = 0x7fc00000u;
    call_expect_trap(f.instance, "trunc_f32", &nan, 1, 1, ENG_TRAP_INVALID_CONVERSION);
    eng_slot big = f32_bits(3e9f);
    call_expect_trap(f.instance, "trunc_f32", &big, 1, 1, ENG_TRAP_INT_OVERFLOW);
    eng_slot neg = f64_bits(-1.0);
    call_expect_trap(f.instance, "trunc_f64_u", &neg, 1, 1, ENG_TRAP_INT_OVERFLOW);
    /* the saturating form never traps */
    CHECK_UINT_EQ(fx_call_i32(f.instance, "trunc_sat", &big, 1), 0x7fffffffu);
    CHECK_UINT_EQ(fx_call_i32(f.instance, "trunc_sat", &nan, 1), 0);
    eng_slot fine = f32_bits(-2.75f);
    CHECK_UINT_EQ(fx_call_i32(f.instance, "trunc_f32", &fine, 1), (uint32_t)-2);
    fx_close(&f);
}

TEST(test_unreachable_traps)
{
    fx f = fx_open("arith_traps", NULL, NULL);
    call_expect_trap(f.instance, "unreachable", NULL, 0, 0, ENG_TRAP_UNREACHABLE);
    call_expect_trap(f.instance, "unreachable", NULL, 0, 0, ENG_TRAP_UNREACHABLE);
    fx_close(&f);
}

TEST(test_call_indirect_checks_type_null_and_bounds)
{
    fx f = fx_open("indirect", NULL, NULL);
    eng_slot slot = 0;
    CHECK_UINT_EQ(fx_call_i32(f.instance, "call", &slot, 1), 1);
    slot = 3;
    CHECK_UINT_EQ(fx_call_i32(f.instance, "call", &slot, 1), 1);
    slot = 1; /* $inc takes a parameter: calling it as () -> i32 is a type mismatch */
    call_expect_trap(f.instance, "call", &slot, 1, 1, ENG_TRAP_INDIRECT_TYPE_MISMATCH);
    slot = 2;
    call_expect_trap(f.instance, "call", &slot, 1, 1, ENG_TRAP_UNINITIALIZED_ELEMENT);
    slot = 4;
    call_expect_trap(f.instance, "call", &slot, 1, 1, ENG_TRAP_UNDEFINED_ELEMENT);
    slot = 0xffffffffu;
    call_expect_trap(f.instance, "call", &slot, 1, 1, ENG_TRAP_UNDEFINED_ELEMENT);
    slot = 0;
    CHECK_UINT_EQ(fx_call_i32(f.instance, "call", &slot, 1), 1);
    fx_close(&f);
}

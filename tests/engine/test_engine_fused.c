/*
 * Execution of the instructions that the engine's compiler fuses from pairs of Wasm operators
 * (src/engine/ir.h, exec_fused.inc): each result is compared with the same computation in C,
 * including the cases where a fusion could go wrong (a contracted multiply-add, an operand that
 * is also the destination, shift counts of 0 and 33, copies that depend on each other, an address
 * that wraps around 2^32, a loop counter that overflows or goes negative).
 * Fixture: tests/engine/wat/engine_fused.wat.
 */
#include "engine/engine.h"
#include "fixture.h"
#include "test.h"

#include <string.h>

static uint64_t f64_bits(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

static uint32_t rotl32(uint32_t x, unsigned k)
{
    return k % 32 ? (x << (k % 32)) | (x >> (32 - k % 32)) : x;
}

static void call(eng_instance *inst, const char *name, const eng_slot *args, uint32_t nargs,
                 eng_slot *results, uint32_t nresults)
{
    eng_error err = {0};
    eng_status s = fx_call(inst, name, args, nargs, results, nresults, &err);
    CHECK_MSG(s == ENG_OK, "%s: %s", name, err.message);
}

/* x = y = 1 + 2^-30 and a = -(1 + 2^-29): x * y rounds to 1 + 2^-29, so a + x * y is +0 when
 * rounded twice, but 2^-60 with a single rounding (a fused multiply-add). */
TEST(test_f64_muladd_rounds_product_and_sum_separately)
{
    fx f = fx_open("engine_fused", NULL, NULL);
    double x = 1.0 + 0x1p-30, a = -(1.0 + 0x1p-29);
    const char *names[] = {"muladd", "muladd_loaded"};
    for (int i = 0; i < 2; i++) {
        eng_slot args[3] = {f64_bits(a), f64_bits(x), f64_bits(x)}, r = 1;
        call(f.instance, names[i], args, 3, &r, 1);
        CHECK_UINT_EQ(r, f64_bits(0.0));
        eng_slot args2[3] = {f64_bits(0.5), f64_bits(3.0), f64_bits(-2.25)};
        call(f.instance, names[i], args2, 3, &r, 1);
        CHECK_UINT_EQ(r, f64_bits(-6.25));
    }
    fx_close(&f);
}

TEST(test_f64_muladd_into_one_of_its_inputs_reads_the_old_value)
{
    fx f = fx_open("engine_fused", NULL, NULL);
    eng_slot args[2] = {f64_bits(3.0), f64_bits(4.0)}, r = 0;
    call(f.instance, "muladd_into_input", args, 2, &r, 1);
    CHECK_UINT_EQ(r, f64_bits(15.0)); /* 3 + 3 * 4 */
    fx_close(&f);
}

TEST(test_i32_rotates_combined_by_xor_match_sha256_sigma0)
{
    fx f = fx_open("engine_fused", NULL, NULL);
    const uint32_t in[] = {0, 1, 0x6a09e667u, 0x80000000u, 0xffffffffu, 0x12345678u};
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
        eng_slot arg = in[i];
        uint32_t want = rotl32(in[i], 30) ^ rotl32(in[i], 19) ^ rotl32(in[i], 10);
        CHECK_UINT_EQ(fx_call_i32(f.instance, "sigma0", &arg, 1), want);
    }
    fx_close(&f);
}

TEST(test_i32_operator_fused_with_constant_shift_in_either_position)
{
    fx f = fx_open("engine_fused", NULL, NULL);
    eng_slot args[2] = {0x80000001u, 0xf0000000u};
    CHECK_UINT_EQ(fx_call_i32(f.instance, "rotr_then_add", args, 2),
                  (uint32_t)(rotl32(0x80000001u, 25) + 0xf0000000u));
    CHECK_UINT_EQ(fx_call_i32(f.instance, "bytes_or", args, 2), 0x000001f0u);
    CHECK_UINT_EQ(fx_call_i32(f.instance, "and_shr", args, 2), 0x10000000u);
    CHECK_UINT_EQ(fx_call_i32(f.instance, "xor_shl_33", args, 2), 0xf0000000u ^ 0x00000002u);
    CHECK_UINT_EQ(fx_call_i32(f.instance, "add_rotl_0", args, 2), 0x70000001u);
    fx_close(&f);
}

TEST(test_shift_kept_in_a_local_is_still_stored)
{
    fx f = fx_open("engine_fused", NULL, NULL);
    eng_slot args[2] = {0xabcd1234u, 0x0000ffffu}, r[2] = {0};
    call(f.instance, "shr_kept", args, 2, r, 2);
    CHECK_UINT_EQ(r[0], 0x0abcd123u ^ 0x0000ffffu);
    CHECK_UINT_EQ(r[1], 0x0abcd123u);
    fx_close(&f);
}

TEST(test_five_copies_in_a_row_run_in_order)
{
    fx f = fx_open("engine_fused", NULL, NULL);
    eng_slot args[5] = {10, 20, 30, 40, 50}, r[5] = {0};
    call(f.instance, "shift_left", args, 5, r, 5);
    const uint64_t want[5] = {20, 30, 40, 50, 20};
    for (int i = 0; i < 5; i++)
        CHECK_UINT_EQ(r[i], want[i]);
    fx_close(&f);
}

static uint32_t call_i32(eng_instance *inst, const char *name, const eng_slot *args, uint32_t n)
{
    eng_slot r = 0;
    call(inst, name, args, n, &r, 1);
    return (uint32_t)r;
}

TEST(test_load_with_address_kept_in_a_local_reads_and_keeps_the_sum)
{
    fx f = fx_open("engine_fused", NULL, NULL);
    eng_slot a[2] = {40, 4};
    CHECK_UINT_EQ(call_i32(f.instance, "load_via_tee", a, 2), 0x55667788u + 44u);
    a[0] = 30, a[1] = 10;
    CHECK_UINT_EQ(call_i32(f.instance, "load_via_tee", a, 2), 0x11223344u + 40u);
    /* the sum wraps: 0xfffffff0 + 0x38 = 0x28 */
    a[0] = 0xfffffff0u, a[1] = 0x38;
    CHECK_UINT_EQ(call_i32(f.instance, "load_via_tee", a, 2), 0x11223344u + 40u);
    /* bytes of 0x0102030405060708 at 48: 08 07 06 05 04 03 02 01; p = 44 + 4, byte p + 2 */
    eng_slot b = 44;
    CHECK_UINT_EQ(call_i32(f.instance, "load_via_set", &b, 1), 0x06u + 48000u);
    /* (20 - 16) + 1: byte 5 of memory; an address past the memory traps */
    eng_slot c = 20;
    CHECK_UINT_EQ(call_i32(f.instance, "load_via_tee_wrap", &c, 1), 0);
    c = 65536 + 15;
    eng_slot r;
    eng_error err = {0};
    CHECK_INT_EQ(fx_call(f.instance, "load_via_tee_wrap", &c, 1, &r, 1, &err), ENG_ERR_TRAP);
    CHECK_INT_EQ(err.trap, ENG_TRAP_MEMORY_OOB);
    /* 15 - 16 wraps to 0xffffffff, plus offset 1 is past 4 GiB: out of bounds, not byte 0 */
    c = 15;
    CHECK_INT_EQ(fx_call(f.instance, "load_via_tee_wrap", &c, 1, &r, 1, &err), ENG_ERR_TRAP);
    CHECK_INT_EQ(err.trap, ENG_TRAP_MEMORY_OOB);
    fx_close(&f);
}

TEST(test_loop_counter_step_and_test_fused_count_exactly)
{
    fx f = fx_open("engine_fused", NULL, NULL);
    eng_slot a[3] = {0, 10, 3}; /* 3 6 9 12: four iterations */
    CHECK_UINT_EQ(call_i32(f.instance, "count_lt_u", a, 3), 4012u);
    a[0] = 0xfffffffeu, a[1] = 5, a[2] = 3; /* wraps: 1 4 7 */
    CHECK_UINT_EQ(call_i32(f.instance, "count_lt_u", a, 3), 3007u);
    a[0] = 0xfffffffcu, a[1] = 5, a[2] = 3; /* 0xffffffff is not below 5: one iteration */
    CHECK_UINT_EQ(call_i32(f.instance, "count_lt_u", a, 3), 999u);
    eng_slot b = 12; /* 9 6 3 0 */
    CHECK_UINT_EQ(call_i32(f.instance, "count_down_ne_k", &b, 1), 4000u);
    b = 2; /* -1 -2 -3 -4 -5: the signed compare stops at -5 */
    CHECK_UINT_EQ(call_i32(f.instance, "count_gt_s_k", &b, 1), (uint32_t)(7000 - 5));
    b = 3;
    CHECK_UINT_EQ(call_i32(f.instance, "count_br_if", &b, 1), 3u);
    b = 95; /* 102 >= 100 */
    CHECK_UINT_EQ(call_i32(f.instance, "if_step_ge_u", &b, 1), 1102u);
    b = 90; /* 97 */
    CHECK_UINT_EQ(call_i32(f.instance, "if_step_ge_u", &b, 1), 97u);
    /* fuel is charged per Wasm instruction, fused or not: an iteration of count_br_if is 9
     * (local.get, i32.const, i32.add, local.set, local.get, i32.const, i32.add, local.tee,
     * br_if) */
    eng_instance_set_fuel(f.instance, 1000000);
    b = 1;
    CHECK_UINT_EQ(call_i32(f.instance, "count_br_if", &b, 1), 1u);
    uint64_t one = eng_instance_fuel_used(f.instance);
    b = 11;
    CHECK_UINT_EQ(call_i32(f.instance, "count_br_if", &b, 1), 11u);
    CHECK_UINT_EQ(eng_instance_fuel_used(f.instance) - one, 10u * 9u);
    fx_close(&f);
}

/* The compiler drops a local.set of a constant when the frame setup can write it (before any
 * instruction has run) or when the local already holds it on every path (before the first loop):
 * the results stay those of the Wasm program, fuel still counts every instruction. */
TEST(test_constant_sets_dropped_only_when_the_local_holds_the_value)
{
    fx f = fx_open("engine_fused", NULL, NULL);
    eng_slot p = 10;
    uint64_t want = ((uint64_t)17 ^ (uint64_t)-5) ^ (f64_bits(-0.0) + 0);
    eng_slot r = 0;
    call(f.instance, "entry_values", &p, 1, &r, 1);
    CHECK_UINT_EQ(r, want);
    CHECK_UINT_EQ(call_i32(f.instance, "entry_set_after_read", NULL, 0), 5u);
    CHECK_UINT_EQ(call_i32(f.instance, "entry_tee", NULL, 0), 8u);
    p = 1;
    CHECK_UINT_EQ(call_i32(f.instance, "zero_after_if_write", &p, 1), 0u);
    p = 0;
    CHECK_UINT_EQ(call_i32(f.instance, "zero_after_if_write", &p, 1), 0u);
    p = 1;
    CHECK_UINT_EQ(call_i32(f.instance, "set_after_branch", &p, 1), 0u);
    p = 0;
    CHECK_UINT_EQ(call_i32(f.instance, "set_after_branch", &p, 1), 6u);
    p = 4; /* each iteration adds 0 + 1; the local ends at 3 */
    CHECK_UINT_EQ(call_i32(f.instance, "zero_in_loop", &p, 1), 3004u);
    /* a fresh frame after a call that left other values in the same stack slots */
    CHECK_UINT_EQ(call_i32(f.instance, "entry_tee", NULL, 0), 8u);
    p = 10;
    call(f.instance, "entry_values", &p, 1, &r, 1);
    CHECK_UINT_EQ(r, want);
    /* fuel counts every Wasm instruction, a dropped set too (with the function's end):
     * entry_set_after_read 6, entry_tee 5, zero_in_loop 8 + 17 per iteration */
    eng_instance_set_fuel(f.instance, 1000000);
    CHECK_UINT_EQ(call_i32(f.instance, "entry_set_after_read", NULL, 0), 5u);
    CHECK_UINT_EQ(eng_instance_fuel_used(f.instance), 6u);
    CHECK_UINT_EQ(call_i32(f.instance, "entry_tee", NULL, 0), 8u);
    CHECK_UINT_EQ(eng_instance_fuel_used(f.instance), 5u);
    p = 2;
    CHECK_UINT_EQ(call_i32(f.instance, "zero_in_loop", &p, 1), 3002u);
    CHECK_UINT_EQ(eng_instance_fuel_used(f.instance), 8u + 2u * 17u);
    fx_close(&f);
}

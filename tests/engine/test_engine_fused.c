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

static uint32_t rotr32(uint32_t x, unsigned k)
{
    return rotl32(x, 32 - k % 32);
}

/* Xors of constant rotates and shifts of one value become one instruction (I32_SIGMA); the
 * shapes next to it (two inputs, a label, a kept or changed input) must keep their meaning. */
TEST(test_i32_sigma_of_rotates_and_shifts_matches_c)
{
    fx f = fx_open("engine_fused", NULL, NULL);
    const uint32_t in[] = {0, 1, 0x6a09e667u, 0x80000000u, 0xffffffffu, 0x12345678u, 0xdeadbeefu};
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
        uint32_t x = in[i], y = in[(i + 3) % (sizeof in / sizeof in[0])];
        eng_slot a = x, ab[2] = {x, y}, r[2] = {0};
        CHECK_UINT_EQ(fx_call_i32(f.instance, "small_sigma0", &a, 1),
                      rotr32(x, 7) ^ rotr32(x, 18) ^ (x >> 3));
        CHECK_UINT_EQ(fx_call_i32(f.instance, "sigma_mod", &a, 1), rotl32(x, 1) ^ x ^ (x << 3));
        CHECK_UINT_EQ(fx_call_i32(f.instance, "sigma_two", &a, 1), rotl32(x, 5) ^ x);
        CHECK_UINT_EQ(fx_call_i32(f.instance, "sigma_loaded", &a, 1),
                      rotl32(x, 25) ^ rotl32(x, 14) ^ (x >> 10));
        CHECK_UINT_EQ(fx_call_i32(f.instance, "sigma_two_inputs", ab, 2),
                      rotl32(x, 3) ^ rotl32(y, 5) ^ rotl32(x, 7));
        CHECK_UINT_EQ(fx_call_i32(f.instance, "sigma_shift_first", &a, 1),
                      (x >> 3) ^ rotl32(x, 1) ^ rotl32(x, 2));
        call(f.instance, "sigma_kept", &a, 1, r, 2);
        CHECK_UINT_EQ(r[0], rotl32(x, 3) ^ rotl32(x, 5));
        CHECK_UINT_EQ(r[1], rotl32(x, 3));
        CHECK_UINT_EQ(fx_call_i32(f.instance, "sigma_across_label", &a, 1),
                      rotl32(x, 3) ^ rotl32(x, 5));
        CHECK_UINT_EQ(fx_call_i32(f.instance, "sigma_input_changes", &a, 1),
                      rotl32(x, 3) ^ rotl32(x, 5) ^ rotl32(x + 1, 7));
    }
    /* fuel is charged per Wasm operator, fused or not: 11 and the function's end */
    eng_instance_set_fuel(f.instance, 1000000);
    eng_slot a = 5;
    CHECK_UINT_EQ(fx_call_i32(f.instance, "small_sigma0", &a, 1),
                  rotr32(5, 7) ^ rotr32(5, 18) ^ (5u >> 3));
    CHECK_UINT_EQ(eng_instance_fuel_used(f.instance), 12u);
    fx_close(&f);
}

static void put_f64(eng_instance *inst, uint32_t at, double d)
{
    uint8_t *p = eng_instance_memory(inst, at, 8);
    CHECK(p != NULL);
    if (p)
        memcpy(p, &d, 8);
}

static uint64_t get_bits(eng_instance *inst, uint32_t at)
{
    uint64_t u = 0;
    uint8_t *p = eng_instance_memory(inst, at, 8);
    CHECK(p != NULL);
    if (p)
        memcpy(&u, p, 8);
    return u;
}

static void check_oob(eng_instance *inst, const char *name, const eng_slot *args, uint32_t n,
                      uint32_t nresults)
{
    eng_slot r = 0;
    eng_error err = {0};
    CHECK_INT_EQ(fx_call(inst, name, args, n, &r, nresults, &err), ENG_ERR_TRAP);
    CHECK_INT_EQ(err.trap, ENG_TRAP_MEMORY_OOB);
}

/* An f64.store of a + x * y is one instruction (F64_MULADD_ST), with the load of y too when it
 * comes from x + k or from a sum kept in a local (_LK, _LXW): both roundings, the offsets, the
 * address wrapping around 2^32, and a trap in the load or in the store, which then writes
 * nothing. */
TEST(test_f64_muladd_store_rounds_twice_and_traps_like_the_operators)
{
    fx f = fx_open("engine_fused", NULL, NULL);
    eng_instance *in = f.instance;
    double x = 1.0 + 0x1p-30, a = -(1.0 + 0x1p-29);
    eng_slot r = 1, s1[4] = {64, f64_bits(a), f64_bits(x), f64_bits(x)};
    call(in, "muladd_store", s1, 4, &r, 1);
    CHECK_UINT_EQ(r, f64_bits(0.0));
    CHECK_UINT_EQ(get_bits(in, 72), f64_bits(0.0));
    eng_slot s2[4] = {64, f64_bits(0.5), f64_bits(3.0), f64_bits(-2.25)};
    call(in, "muladd_store", s2, 4, &r, 1);
    CHECK_UINT_EQ(get_bits(in, 72), f64_bits(-6.25));
    put_f64(in, 96, x);
    eng_slot s3[4] = {80, f64_bits(a), f64_bits(x), 96};
    call(in, "muladd_store_loaded", s3, 4, &r, 1);
    CHECK_UINT_EQ(get_bits(in, 80), f64_bits(0.0));
    s1[0] = 65536 - 8; /* offset 8: the store's end is 8 bytes past the memory */
    check_oob(in, "muladd_store", s1, 4, 1);

    /* _LXW: q = b + i is kept and returned, y = [q + 8], [p] = a + x * y */
    put_f64(in, 216, 0.25);
    eng_slot l1[5] = {128, 200, 8, f64_bits(1.5), f64_bits(2.0)};
    CHECK_UINT_EQ(call_i32(in, "muladd_store_lxw", l1, 5), 208u);
    CHECK_UINT_EQ(get_bits(in, 128), f64_bits(2.0));
    put_f64(in, 16, 4.0); /* b + i wraps to 8, y at 16 */
    eng_slot l2[5] = {136, 0xfffffff8u, 16, f64_bits(1.5), f64_bits(2.0)};
    CHECK_UINT_EQ(call_i32(in, "muladd_store_lxw", l2, 5), 8u);
    CHECK_UINT_EQ(get_bits(in, 136), f64_bits(9.5));
    put_f64(in, 144, 7.0);
    eng_slot l3[5] = {144, 65536 - 16, 0, f64_bits(1.5), f64_bits(2.0)}; /* y at 65528: fits */
    put_f64(in, 65528, -1.0);
    CHECK_UINT_EQ(call_i32(in, "muladd_store_lxw", l3, 5), 65520u);
    CHECK_UINT_EQ(get_bits(in, 144), f64_bits(-0.5));
    l3[1] = 65536 - 8; /* y at 65536: the load traps, the store does not happen */
    check_oob(in, "muladd_store_lxw", l3, 5, 1);
    CHECK_UINT_EQ(get_bits(in, 144), f64_bits(-0.5));
    eng_slot l4[5] = {65536 - 4, 200, 8, f64_bits(1.5), f64_bits(2.0)}; /* the store traps */
    check_oob(in, "muladd_store_lxw", l4, 5, 1);

    /* _LK: y = [b + 8 + 8], [p + 16] = a + x * y */
    put_f64(in, 416, 0.75);
    eng_slot k1[4] = {300, 400, f64_bits(1.0), f64_bits(4.0)};
    call(in, "muladd_store_lk", k1, 4, &r, 0);
    CHECK_UINT_EQ(get_bits(in, 316), f64_bits(4.0));
    put_f64(in, 8, 0.5); /* b + 8 wraps to 0, y at 8 */
    eng_slot k2[4] = {300, 0xfffffff8u, f64_bits(1.0), f64_bits(4.0)};
    call(in, "muladd_store_lk", k2, 4, &r, 0);
    CHECK_UINT_EQ(get_bits(in, 316), f64_bits(3.0));
    eng_slot k3[4] = {300, 65536 - 16, f64_bits(1.0), f64_bits(4.0)}; /* y at 65536 */
    check_oob(in, "muladd_store_lk", k3, 4, 0);
    CHECK_UINT_EQ(get_bits(in, 316), f64_bits(3.0));
    fx_close(&f);
}

/* matmul's inner loop shape: c[i] += x * b[i], unrolled twice, each element one instruction
 * (F64_MULADD_RMW_*); also in place (c = b), with a trap part-way in b's load or in c's, the
 * shapes where c comes from another address, and the fuel of every Wasm operator. */
TEST(test_f64_axpy_loop_matches_c_and_counts_fuel)
{
    fx f = fx_open("engine_fused", NULL, NULL);
    eng_instance *in = f.instance;
    enum { N = 8, C = 1024, B = 2048 };
    double c[N], b[N], x = 0.1;
    for (int k = 0; k < N; k++) {
        c[k] = k * 0.5 + 0.25;
        b[k] = k - 3.5 + 0x1p-40;
        put_f64(in, C + 8 * k, c[k]);
        put_f64(in, B + 8 * k, b[k]);
    }
    eng_slot r = 0, args[4] = {C, B, 8 * N, f64_bits(x)};
    call(in, "axpy", args, 4, &r, 0);
    for (int k = 0; k < N; k++) {
        double want = c[k] + x * b[k];
        CHECK_UINT_EQ(get_bits(in, C + 8 * k), f64_bits(want));
        c[k] = want;
    }
    eng_slot same[4] = {B, B, 8 * N, f64_bits(x)}; /* b[i] += x * b[i] */
    call(in, "axpy", same, 4, &r, 0);
    for (int k = 0; k < N; k++)
        CHECK_UINT_EQ(get_bits(in, B + 8 * k), f64_bits(b[k] + x * b[k]));
    /* b's third element ends at the memory's end, the fourth is past it: three stores */
    for (int k = 0; k < 3; k++)
        put_f64(in, 65536 - 24 + 8 * k, 1.0);
    eng_slot part[4] = {C, 65536 - 24, 32, f64_bits(2.0)};
    check_oob(in, "axpy", part, 4, 0);
    for (int k = 0; k < 4; k++)
        CHECK_UINT_EQ(get_bits(in, C + 8 * k), f64_bits(k < 3 ? c[k] + 2.0 : c[k]));
    /* c's second element is past the memory: its load traps, after the first was stored */
    put_f64(in, 65528, 0.5);
    eng_slot cend[4] = {65528, B, 16, f64_bits(x)};
    check_oob(in, "axpy", cend, 4, 0);
    CHECK_UINT_EQ(get_bits(in, 65528), f64_bits(0.5 + x * (b[0] + x * b[0])));
    /* c loaded from elsewhere than the store's address: a store offset of 8, another local */
    put_f64(in, 3000, 1.5);
    put_f64(in, 3008, 9.0);
    put_f64(in, 3100, 0.25);
    eng_slot sh[3] = {3000, 3100, f64_bits(2.0)};
    call(in, "update_shifted", sh, 3, &r, 0);
    CHECK_UINT_EQ(get_bits(in, 3000), f64_bits(1.5));
    CHECK_UINT_EQ(get_bits(in, 3008), f64_bits(2.0));
    put_f64(in, 3200, 9.0);
    put_f64(in, 3300, 1.0);
    put_f64(in, 3408, 3.0);
    eng_slot ot[4] = {3200, 3300, 3400, f64_bits(2.0)};
    call(in, "update_other", ot, 4, &r, 0);
    CHECK_UINT_EQ(get_bits(in, 3200), f64_bits(7.0));
    CHECK_UINT_EQ(get_bits(in, 3300), f64_bits(1.0));
    /* 36 Wasm operators per iteration (two elements) */
    eng_instance_set_fuel(in, 1000000);
    args[2] = 16;
    call(in, "axpy", args, 4, &r, 0);
    uint64_t one = eng_instance_fuel_used(in);
    args[2] = 48;
    call(in, "axpy", args, 4, &r, 0);
    CHECK_UINT_EQ(eng_instance_fuel_used(in) - one, 2u * 36u);
    fx_close(&f);
}

static void put_u32(eng_instance *inst, uint32_t at, uint32_t v)
{
    uint8_t *p = eng_instance_memory(inst, at, 4);
    CHECK(p != NULL);
    if (p)
        memcpy(p, &v, 4);
}

/* An i32.add of a word just loaded from x + k is one instruction (I32_ADD_LOAD_K): the sum wraps,
 * the address wraps around 2^32 before the offset, a load past the memory traps. */
TEST(test_i32_add_of_a_loaded_word_matches_the_operators)
{
    fx f = fx_open("engine_fused", NULL, NULL);
    eng_instance *in = f.instance;
    put_u32(in, 20, 0xfffffff0u);
    put_u32(in, 16, 1000u);
    put_u32(in, 4, 77u);
    eng_slot a[2] = {8, 100}; /* [8 + 8 + 4] = 0xfffffff0 */
    CHECK_UINT_EQ(fx_call_i32(in, "add_loaded", a, 2), 100u - 16u);
    CHECK_UINT_EQ(fx_call_i32(in, "add_loaded_acc", a, 2), 300u + 1000u);
    CHECK_UINT_EQ(fx_call_i32(in, "loaded_add", a, 2), 1100u);
    a[0] = 0xfffffff8u; /* x + 8 wraps to 0: [0 + 4] */
    CHECK_UINT_EQ(fx_call_i32(in, "add_loaded", a, 2), 177u);
    a[0] = 65536 - 12; /* [65532 + 4] is past the memory */
    check_oob(in, "add_loaded", a, 2, 1);
    a[0] = 65536 - 12; /* [65532] fits */
    put_u32(in, 65532, 5u);
    CHECK_UINT_EQ(fx_call_i32(in, "add_loaded_acc", a, 2), 305u);
    a[0] = 65536 - 10;
    check_oob(in, "add_loaded_acc", a, 2, 1);
    check_oob(in, "loaded_add", a, 2, 1);
    /* fuel: six operators and the function's end */
    eng_instance_set_fuel(in, 1000000);
    a[0] = 8;
    CHECK_UINT_EQ(fx_call_i32(in, "add_loaded", a, 2), 100u - 16u);
    CHECK_UINT_EQ(eng_instance_fuel_used(in), 7u);
    fx_close(&f);
}

/* An i32.add of a sum just computed is one instruction (I32_ADD3), whichever operand was in the
 * accumulator; sums wrap modulo 2^32; a sum kept in a local is still written. */
TEST(test_i32_sum_of_three_matches_the_operators)
{
    fx f = fx_open("engine_fused", NULL, NULL);
    eng_instance *in = f.instance;
    const uint32_t v[][3] = {{1, 2, 3}, {0xfffffff0u, 0x20, 5}, {0x80000000u, 0x80000000u, 7}};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        uint32_t x = v[i][0], y = v[i][1], z = v[i][2];
        eng_slot a[3] = {x, y, z}, r[2] = {0};
        CHECK_UINT_EQ(fx_call_i32(in, "add3", a, 3), x + y + z);
        CHECK_UINT_EQ(fx_call_i32(in, "add3_a", a, 3), x * 3u + y + z);
        CHECK_UINT_EQ(fx_call_i32(in, "add3_b", a, 3), y + x * 5u + z);
        CHECK_UINT_EQ(fx_call_i32(in, "add3_other_acc", a, 3), z * 7u + (x + y));
        call(in, "add3_kept", a, 3, r, 2);
        CHECK_UINT_EQ(r[0], x + y + z);
        CHECK_UINT_EQ(r[1], x + y);
    }
    /* fuel: three local.get, two i32.add and the function's end */
    eng_instance_set_fuel(in, 1000000);
    eng_slot a[3] = {1, 2, 3};
    CHECK_UINT_EQ(fx_call_i32(in, "add3", a, 3), 6u);
    CHECK_UINT_EQ(eng_instance_fuel_used(in), 6u);
    fx_close(&f);
}

static void put_u8(eng_instance *inst, uint32_t at, uint8_t v)
{
    uint8_t *p = eng_instance_memory(inst, at, 1);
    CHECK(p != NULL);
    if (p)
        *p = v;
}

static void check_trap(eng_instance *inst, const char *name, const eng_slot *args, uint32_t n,
                       eng_trap trap)
{
    eng_slot r = 0;
    eng_error err = {0};
    CHECK_INT_EQ(fx_call(inst, name, args, n, &r, 1, &err), ENG_ERR_TRAP);
    CHECK_INT_EQ(err.trap, trap);
}

/* A byte loaded from x + k and compared with a constant by the branch that follows is one
 * instruction (LD8K_BR_*): every compare, signed ones against negative constants, bytes on both
 * sides of each constant, the byte kept in a local and read on both paths, the negated compare of
 * an if, the address wrapping around 2^32, a load past the memory, and fuel to the unit (the
 * values the unfused operators charged: 13 on either path, 9 up to a trapping load). */
TEST(test_byte_compare_and_branch_matches_the_operators)
{
    fx f = fx_open("engine_fused", NULL, NULL);
    eng_instance *in = f.instance;
    static const uint8_t bytes[] = {0,  1,  9,   10,  33,  34,  35,  47,  48, 57,
                                    58, 99, 100, 101, 127, 128, 200, 201, 255};
    for (size_t i = 0; i < sizeof bytes; i++) {
        uint32_t v = bytes[i];
        int32_t s = (int32_t)v;
        bool taken[10] = {v == 34, v != 34, s<-1, v<48, s> 100, v> 200, s <= 0, v <= 57,
                          s >= -5, v >= 128};
        static const char *const names[10] = {"byte_eq",   "byte_ne",   "byte_lt_s", "byte_lt_u",
                                              "byte_gt_s", "byte_gt_u", "byte_le_s", "byte_le_u",
                                              "byte_ge_s", "byte_ge_u"};
        put_u8(in, 17, (uint8_t)v);
        put_u8(in, 16, 0xff); /* a neighbour that a wrong offset would read */
        eng_slot p = 0;
        for (int c = 0; c < 10; c++)
            CHECK_UINT_EQ(fx_call_i32(in, names[c], &p, 1), v + (taken[c] ? 2000u : 1000u));
        CHECK_UINT_EQ(fx_call_i32(in, "byte_if_lt_u", &(eng_slot){1}, 1), v < 10 ? 1u : 2u);
    }
    /* p + 16 wraps to 0: the byte at 0 + 1 */
    put_u8(in, 1, 34);
    eng_slot p = 0xfffffff0u;
    CHECK_UINT_EQ(fx_call_i32(in, "byte_eq", &p, 1), 2034u);
    p = 65536 - 18; /* the last byte of the memory */
    put_u8(in, 65535, 7);
    CHECK_UINT_EQ(fx_call_i32(in, "byte_lt_u", &p, 1), 2007u);
    eng_instance_set_fuel(in, 1000000);
    CHECK_UINT_EQ(fx_call_i32(in, "byte_lt_u", &p, 1), 2007u);
    CHECK_UINT_EQ(eng_instance_fuel_used(in), 13u);
    CHECK_UINT_EQ(fx_call_i32(in, "byte_eq", &p, 1), 1007u);
    CHECK_UINT_EQ(eng_instance_fuel_used(in), 13u);
    /* the run after a not-taken branch is charged by the branch: 12 units stop there */
    eng_instance_set_fuel(in, 12);
    check_trap(in, "byte_eq", &p, 1, ENG_TRAP_OUT_OF_FUEL);
    eng_instance_set_fuel(in, 13);
    CHECK_UINT_EQ(fx_call_i32(in, "byte_eq", &p, 1), 1007u);
    eng_instance_set_fuel(in, 1000000);
    p = 65536 - 17;
    check_trap(in, "byte_eq", &p, 1, ENG_TRAP_MEMORY_OOB);
    CHECK_UINT_EQ(eng_instance_fuel_used(in), 9u);
    check_trap(in, "byte_if_lt_u", &(eng_slot){65536 - 16}, 1, ENG_TRAP_MEMORY_OOB);
    fx_close(&f);
}

/* An i32.add of a constant followed by a branch that compares another local with a constant:
 * one instruction for lt_u and ge_u (ADDK_THEN_BR_LT_U_K, _GE_U_K), two for the other compares,
 * all checked on values on both sides of the constant (signed ones against negative constants),
 * the sum wrapping around 2^32 and kept on both paths, a compare of
 * the add's own source (the value before the add), a loop that steps one counter and tests
 * another, and fuel to the unit (the values of the unfused operators: 13 on either path, the run
 * after a not-taken branch charged by the branch). */
TEST(test_step_then_branch_on_another_local_matches_the_operators)
{
    fx f = fx_open("engine_fused", NULL, NULL);
    eng_instance *in = f.instance;
    static const uint32_t vals[] = {
        0,           1,           33,          34,          35,          99,          100, 101,
        0x7fffffffu, 0x80000000u, 0x80000001u, 0xfffffffau, 0xfffffffbu, 0xfffffffcu, 0xffffffffu};
    static const char *const names[10] = {"step_then_eq",   "step_then_ne",   "step_then_lt_s",
                                          "step_then_lt_u", "step_then_gt_s", "step_then_gt_u",
                                          "step_then_le_s", "step_then_le_u", "step_then_ge_s",
                                          "step_then_ge_u"};
    static const uint32_t xs[] = {5, 0xfffffffcu};
    for (size_t j = 0; j < 2; j++) {
        for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
            uint32_t v = vals[i];
            int32_t s = (int32_t)v;
            bool taken[10] = {v == 34, v != 34, s<-5, v<100, s> - 5, v> 100, s <= 0, v <= 100,
                              s >= -5, v >= 0x80000000u};
            uint32_t d = xs[j] + 7u;
            for (int c = 0; c < 10; c++) {
                eng_slot a[2] = {xs[j], v};
                CHECK_UINT_EQ(call_i32(in, names[c], a, 2), d + (taken[c] ? 2000u : 1000u));
            }
        }
    }
    static const uint32_t src[] = {0, 6, 7, 8, 0xffffffffu};
    for (size_t i = 0; i < sizeof src / sizeof src[0]; i++) {
        eng_slot a = src[i];
        CHECK_UINT_EQ(call_i32(in, "step_then_lt_u_src", &a, 1),
                      src[i] - 7u + (src[i] < 7 ? 2000u : 1000u));
    }
    eng_slot p = 0; /* 3 6 ... 99 102: 34 iterations */
    CHECK_UINT_EQ(call_i32(in, "step_loop", &p, 1), 34102u);
    p = 200; /* one iteration: the body runs before the test */
    CHECK_UINT_EQ(call_i32(in, "step_loop", &p, 1), 1203u);
    p = 0xfffffffeu; /* wraps to 1, then 4 ... 100: 34 iterations */
    CHECK_UINT_EQ(call_i32(in, "step_loop", &p, 1), 34100u);
    eng_slot a[2] = {5, 34};
    eng_instance_set_fuel(in, 1000000);
    CHECK_UINT_EQ(call_i32(in, "step_then_lt_u", a, 2), 2012u);
    CHECK_UINT_EQ(eng_instance_fuel_used(in), 13u);
    a[1] = 135;
    CHECK_UINT_EQ(call_i32(in, "step_then_lt_u", a, 2), 1012u);
    CHECK_UINT_EQ(eng_instance_fuel_used(in), 13u);
    eng_instance_set_fuel(in, 12);
    check_trap(in, "step_then_lt_u", a, 2, ENG_TRAP_OUT_OF_FUEL);
    eng_instance_set_fuel(in, 13);
    CHECK_UINT_EQ(call_i32(in, "step_then_lt_u", a, 2), 1012u);
    eng_instance_set_fuel(in, 1000000);
    p = 90; /* 93 96 99 102: the loop's fuel as unfused */
    CHECK_UINT_EQ(call_i32(in, "step_loop", &p, 1), 4102u);
    CHECK_UINT_EQ(eng_instance_fuel_used(in), 56u);
    fx_close(&f);
}

/* br_table on a loaded byte (BR_TABLE_LOAD8_U_K) and on x + k (BR_TABLE_ADD_K): every case, the
 * default for indexes past the table (k makes small x wrap to large indexes), the value that the
 * table carries to its target, a load past the memory, and fuel (as the unfused operators). */
TEST(test_br_table_on_a_loaded_byte_or_a_sum_matches_the_operators)
{
    fx f = fx_open("engine_fused", NULL, NULL);
    eng_instance *in = f.instance;
    static const uint8_t idx[] = {0, 1, 2, 3, 4, 255};
    static const uint32_t want[] = {7010, 7011, 7012, 5099, 5099, 5099};
    eng_slot p = 100;
    for (size_t i = 0; i < sizeof idx; i++) {
        put_u8(in, 118, idx[i]);
        put_u8(in, 117, 1); /* neighbours */
        put_u8(in, 119, 2);
        CHECK_UINT_EQ(fx_call_i32(in, "switch_byte", &p, 1), want[i]);
    }
    static const uint32_t x[] = {9, 10, 11, 12, 13, 8, 0, 0xffffffffu, 0x80000008u};
    static const uint32_t sw[] = {10, 11, 12, 99, 99, 99, 99, 99, 99};
    for (size_t i = 0; i < sizeof x / sizeof x[0]; i++)
        CHECK_UINT_EQ(fx_call_i32(in, "switch_add", &(eng_slot){x[i]}, 1), sw[i]);
    eng_instance_set_fuel(in, 1000000);
    put_u8(in, 118, 0);
    CHECK_UINT_EQ(fx_call_i32(in, "switch_byte", &p, 1), 7010u);
    CHECK_UINT_EQ(eng_instance_fuel_used(in), 14u);
    put_u8(in, 118, 9);
    CHECK_UINT_EQ(fx_call_i32(in, "switch_byte", &p, 1), 5099u);
    CHECK_UINT_EQ(eng_instance_fuel_used(in), 15u);
    eng_instance_set_fuel(in, 14);
    check_trap(in, "switch_byte", &p, 1, ENG_TRAP_OUT_OF_FUEL);
    eng_instance_set_fuel(in, 1000000);
    CHECK_UINT_EQ(fx_call_i32(in, "switch_add", &(eng_slot){10}, 1), 11u);
    CHECK_UINT_EQ(eng_instance_fuel_used(in), 10u);
    p = 65536 - 18; /* byte 65536 */
    check_trap(in, "switch_byte", &p, 1, ENG_TRAP_MEMORY_OOB);
    CHECK_UINT_EQ(eng_instance_fuel_used(in), 11u);
    fx_close(&f);
}

/* Loads at a shifted index: (x << s) + k with the shifted value kept in a local or not, the shift
 * read from the accumulator, shift counts taken modulo 32 (34 is 2), sums that wrap around 2^32
 * (I32_LOAD_SK, I32_LOAD8_U_SK), a + (x << s) (I32_LOAD_AS, I64_LOAD_AS), and loads past the
 * memory, which trap. */
TEST(test_loads_at_a_shifted_index_match_the_operators)
{
    fx f = fx_open("engine_fused", NULL, NULL);
    eng_instance *in = f.instance;
    for (uint32_t i = 0; i < 64; i++)
        put_u32(in, 4 * i, 0x01010101u * i + 0x00ff0000u);
    put_u32(in, 65532, 0xabcdef01u);
    eng_slot r = 0;
    /* x = 5: kept 40, byte at 40 + 16 + 1 = 57 (word 14, byte 1) */
    call(in, "load8_shifted_kept", &(eng_slot){5}, 1, &r, 1);
    CHECK_UINT_EQ(r, (40ull << 32) | 14u);
    /* 8189 << 3 = 65512, + 17 = 65529: byte 1 of 0xabcdef01 at 65532 is at 65533 */
    call(in, "load8_shifted_kept", &(eng_slot){8189}, 1, &r, 1);
    CHECK_UINT_EQ(r, (65512ull << 32) | 0u);
    check_trap(in, "load8_shifted_kept", &(eng_slot){8190}, 1, ENG_TRAP_MEMORY_OOB);
    /* (x << 2) + 8 + 4: word x + 3 */
    CHECK_UINT_EQ(fx_call_i32(in, "load_shifted", &(eng_slot){7}, 1),
                  0x01010101u * 10 + 0x00ff0000u);
    /* 0x40000000 << 2 wraps to 0: word 3 */
    CHECK_UINT_EQ(fx_call_i32(in, "load_shifted", &(eng_slot){0x40000001u}, 1),
                  0x01010101u * 4 + 0x00ff0000u);
    CHECK_UINT_EQ(fx_call_i32(in, "load_shifted", &(eng_slot){16380}, 1), 0xabcdef01u);
    check_trap(in, "load_shifted", &(eng_slot){16381}, 1, ENG_TRAP_MEMORY_OOB);
    /* ((x + 1) << 34) + 8 = ((x + 1) << 2) + 8 */
    CHECK_UINT_EQ(fx_call_i32(in, "load_shifted_acc", &(eng_slot){4}, 1),
                  0x01010101u * 7 + 0x00ff0000u);
    CHECK_UINT_EQ(fx_call_i32(in, "load_shifted_acc", &(eng_slot){0xffffffffu}, 1),
                  0x01010101u * 2 + 0x00ff0000u);
    CHECK_UINT_EQ(fx_call_i32(in, "load_shifted_acc", &(eng_slot){16380}, 1), 0xabcdef01u);
    check_trap(in, "load_shifted_acc", &(eng_slot){16381}, 1, ENG_TRAP_MEMORY_OOB);
    /* a + (x << 2) + 4; a + (x << 3) */
    eng_slot a[2] = {8, 5};
    CHECK_UINT_EQ(fx_call_i32(in, "load_elem32", a, 2), 0x01010101u * 8 + 0x00ff0000u);
    call(in, "load_elem64", a, 2, &r, 1);
    CHECK_UINT_EQ(r, ((uint64_t)(0x01010101u * 13 + 0x00ff0000u) << 32) |
                         (0x01010101u * 12 + 0x00ff0000u));
    a[0] = 0xfffffff8u, a[1] = 3; /* wraps to 4 */
    CHECK_UINT_EQ(fx_call_i32(in, "load_elem32", a, 2), 0x01010101u * 2 + 0x00ff0000u);
    a[0] = 0, a[1] = 0x40000000u + 8; /* x << 3 wraps to 64 */
    call(in, "load_elem64", a, 2, &r, 1);
    CHECK_UINT_EQ(r, ((uint64_t)(0x01010101u * 17 + 0x00ff0000u) << 32) |
                         (0x01010101u * 16 + 0x00ff0000u));
    a[0] = 65528, a[1] = 1;
    check_trap(in, "load_elem64", a, 2, ENG_TRAP_MEMORY_OOB);
    a[0] = 65524, a[1] = 1;
    CHECK_UINT_EQ(fx_call_i32(in, "load_elem32", a, 2), 0xabcdef01u);
    a[0] = 65528;
    check_trap(in, "load_elem32", a, 2, ENG_TRAP_MEMORY_OOB);
    /* fuel: as the operators (local.get, i32.const, i32.shl, i32.const, i32.add, i32.load, end) */
    eng_instance_set_fuel(in, 1000000);
    CHECK_UINT_EQ(fx_call_i32(in, "load_shifted", &(eng_slot){7}, 1),
                  0x01010101u * 10 + 0x00ff0000u);
    CHECK_UINT_EQ(eng_instance_fuel_used(in), 7u);
    fx_close(&f);
}

/* (x ^ y) * z is one instruction (I64_XOR_MUL, _A): products wrap modulo 2^64, the xor's
 * operand from the accumulator on either side. */
TEST(test_i64_xor_then_multiply_matches_the_operators)
{
    fx f = fx_open("engine_fused", NULL, NULL);
    eng_instance *in = f.instance;
    const uint64_t v[][3] = {{0x1234, 0xff00, 16777619u},
                             {0x811c9dc5u, 0x1ff, 0x100000001b3ull},
                             {UINT64_MAX, 7, UINT64_MAX},
                             {0x8000000000000000ull, 0, 3}};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        uint64_t x = v[i][0], y = v[i][1], z = v[i][2];
        eng_slot a[3] = {x, y, z}, r = 0;
        call(in, "xor_mul", a, 3, &r, 1);
        CHECK_UINT_EQ(r, (x ^ y) * z);
        call(in, "xor_mul_acc", a, 3, &r, 1);
        CHECK_UINT_EQ(r, z * (x ^ (y & 255)));
        call(in, "xor_mul_b", a, 3, &r, 1);
        CHECK_UINT_EQ(r, ((x + 1) ^ y) * 1099511628211ull);
    }
    eng_instance_set_fuel(in, 1000000);
    eng_slot a[3] = {1, 2, 3}, r = 0;
    call(in, "xor_mul", a, 3, &r, 1);
    CHECK_UINT_EQ(eng_instance_fuel_used(in), 6u);
    fx_close(&f);
}

/* An i64.and of an i64.extend_i32_u and a constant runs as an i32 and of the low half of the
 * constant (I32_AND_K): i32 values with the top bit set (which must not sign-extend), constants
 * whose high half the extension clears, on either side of the and, the i32 from the accumulator
 * and a 64-bit sum after it, and a slot operand (not fused); fuel as unfused (a local.get, the
 * extension, a constant, the and, the end). */
TEST(test_i64_and_of_an_unsigned_extension_matches_the_operators)
{
    fx f = fx_open("engine_fused", NULL, NULL);
    eng_instance *in = f.instance;
    static const uint32_t v[] = {0, 1, 0xffu, 0x100u, 0x7fffffffu, 0x80000000u, 0xfffff0ffu,
                                 0xffffffffu};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        uint32_t x = v[i];
        eng_slot a[2] = {x, 0xfedcba9876543210ull}, r = 0;
        call(in, "ext_and", a, 1, &r, 1);
        CHECK_UINT_EQ(r, (uint64_t)(x & 255u));
        call(in, "ext_and_first", a, 1, &r, 1);
        CHECK_UINT_EQ(r, (uint64_t)x & 0xffffffff80000fffull);
        call(in, "ext_and_high", a, 1, &r, 1);
        CHECK_UINT_EQ(r, 0u);
        call(in, "ext_and_acc", a, 2, &r, 1);
        CHECK_UINT_EQ(r, 0xfedcba9876543210ull + (uint64_t)(uint32_t)(x + 1u));
        call(in, "ext_and_slot", a, 2, &r, 1);
        CHECK_UINT_EQ(r, (uint64_t)x & 0xfedcba9876543210ull);
    }
    eng_instance_set_fuel(in, 1000000);
    eng_slot a = 0x1234u, r = 0;
    call(in, "ext_and", &a, 1, &r, 1);
    CHECK_UINT_EQ(r, 0x34u);
    CHECK_UINT_EQ(eng_instance_fuel_used(in), 5u);
    eng_instance_set_fuel(in, 4);
    check_trap(in, "ext_and", &a, 1, ENG_TRAP_OUT_OF_FUEL);
    fx_close(&f);
}

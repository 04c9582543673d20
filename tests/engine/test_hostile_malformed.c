/*
 * Malformed and invalid binaries: truncation at every byte, bad magic and version, over-long and
 * over-large LEB128 integers, section sizes that lie in both directions, function and code
 * sections that disagree, unknown sections, type errors and SIMD. Each must be rejected with the
 * right status and a message that names the section and the offset; a burst of random mutations
 * must never crash.
 */
#include "fixture.h"
#include "test.h"

#include <stdio.h>
#include <string.h>

/* (module (type (func (result i32))) (func (export "f") (type 0) (i32.const 42))) */
static const uint8_t valid[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, /* header */
    0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f,       /* type: () -> i32, ends at 15 */
    0x03, 0x02, 0x01, 0x00,                         /* function: 1 of type 0 */
    0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x00,       /* export "f" func 0 */
    0x0a, 0x06, 0x01, 0x04, 0x00, 0x41, 0x2a, 0x0b, /* code: i32.const 42 */
};

/* Compiles bytes and checks the status and that the message holds each of the given parts. */
static void check_rejected(const uint8_t *bytes, size_t len, eng_status want, const char *part1,
                           const char *part2)
{
    eng_error err = {0};
    eng_module *m = eng_module_new(bytes, len, &err);
    if (m)
        eng_module_free(m);
    CHECK_MSG(m == NULL, "module of %zu bytes accepted, expected %s", len, eng_status_name(want));
    CHECK_MSG(err.status == want, "rejected as %s, expected %s: %s", eng_status_name(err.status),
              eng_status_name(want), err.message);
    CHECK_STR_HAS(err.message, part1);
    if (part2)
        CHECK_STR_HAS(err.message, part2);
}

TEST(test_valid_reference_module_compiles_and_runs)
{
    eng_error err = {0};
    eng_module *m = eng_module_new(valid, sizeof valid, &err);
    CHECK_MSG(m != NULL, "%s", err.message);
    eng_instance *inst = eng_instance_new(m, NULL, NULL, &err);
    CHECK_MSG(inst != NULL, "%s", err.message);
    CHECK_UINT_EQ(fx_call_i32(inst, "f", NULL, 0), 42);
    eng_instance_free(inst);
    eng_module_free(m);
}

TEST(test_truncation_at_every_byte_is_malformed)
{
    for (size_t len = 0; len < sizeof valid; len++) {
        eng_error err = {0};
        eng_module *m = eng_module_new(valid, len, &err);
        if (len == 8 || len == 15) { /* header alone, header + type section: complete modules */
            CHECK_MSG(m != NULL, "prefix of %zu bytes rejected: %s", len, err.message);
            eng_module_free(m);
            continue;
        }
        CHECK_MSG(m == NULL, "prefix of %zu bytes accepted", len);
        CHECK_MSG(err.status == ENG_ERR_MALFORMED, "prefix of %zu bytes: %s: %s", len,
                  eng_status_name(err.status), err.message);
        CHECK_STR_HAS(err.message, "offset 0x");
    }
}

TEST(test_bad_magic_is_malformed_at_offset_0)
{
    uint8_t b[sizeof valid];
    memcpy(b, valid, sizeof b);
    b[3] = 0x6e;
    check_rejected(b, sizeof b, ENG_ERR_MALFORMED, "offset 0x0", "magic");
    static const uint8_t elf[] = {0x7f, 'E', 'L', 'F', 1, 0, 0, 0};
    check_rejected(elf, sizeof elf, ENG_ERR_MALFORMED, "offset 0x0", "magic");
}

TEST(test_bad_version_is_malformed_at_offset_4)
{
    uint8_t b[sizeof valid];
    memcpy(b, valid, sizeof b);
    b[4] = 0x02;
    check_rejected(b, sizeof b, ENG_ERR_MALFORMED, "offset 0x4", "version");
    b[4] = 0x01;
    b[7] = 0x01; /* version 0x01000001 */
    check_rejected(b, sizeof b, ENG_ERR_MALFORMED, "offset 0x4", "version");
}

TEST(test_leb128_overflow_is_malformed_in_its_section)
{
    /* type count written with 6 bytes: too long for a u32 */
    static const uint8_t too_long[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0a,
                                       0x81, 0x80, 0x80, 0x80, 0x80, 0x00, 0x60, 0x00, 0x01, 0x7f};
    check_rejected(too_long, sizeof too_long, ENG_ERR_MALFORMED, "section 1 (type)", "offset 0xa");
    /* 5 bytes, but the last one sets bits above bit 31 */
    static const uint8_t too_big[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x09,
                                      0x81, 0x80, 0x80, 0x80, 0x70, 0x60, 0x00, 0x01, 0x7f};
    check_rejected(too_big, sizeof too_big, ENG_ERR_MALFORMED, "section 1 (type)", "offset 0xa");
    /* the section size itself is an over-long LEB */
    static const uint8_t size_leb[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
                                       0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f};
    check_rejected(size_leb, sizeof size_leb, ENG_ERR_MALFORMED, "offset 0x9", NULL);
}

TEST(test_section_size_lies_are_malformed)
{
    uint8_t b[sizeof valid];
    memcpy(b, valid, sizeof b);
    b[9] = 0x40; /* type section claims 64 bytes; the file has far fewer */
    check_rejected(b, sizeof b, ENG_ERR_MALFORMED, "section 1 (type)", "offset 0x");
    memcpy(b, valid, sizeof b);
    b[9] = 0x04; /* claims 4 bytes, its content needs 5 */
    check_rejected(b, sizeof b, ENG_ERR_MALFORMED, "section 1 (type)", "offset 0x");
    memcpy(b, valid, sizeof b);
    b[27] = 0x07; /* code section claims one byte more than it has: runs off the end */
    check_rejected(b, sizeof b, ENG_ERR_MALFORMED, "offset 0x", NULL);
    memcpy(b, valid, sizeof b);
    b[29] = 0x05; /* function body claims more bytes than its section */
    check_rejected(b, sizeof b, ENG_ERR_MALFORMED, "section 10 (code)", "offset 0x");
}

TEST(test_function_and_code_count_mismatch_is_malformed)
{
    uint8_t b[sizeof valid];
    memcpy(b, valid, sizeof b);
    /* function section: 2 functions of type 0 (size 3), code section still has one body */
    static const uint8_t two[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05,
                                  0x01, 0x60, 0x00, 0x01, 0x7f, 0x03, 0x03, 0x02, 0x00, 0x00,
                                  0x0a, 0x06, 0x01, 0x04, 0x00, 0x41, 0x2a, 0x0b};
    check_rejected(two, sizeof two, ENG_ERR_MALFORMED, "inconsistent lengths", NULL);
    /* a code section without a function section */
    static const uint8_t no_funcs[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
                                       0x0a, 0x06, 0x01, 0x04, 0x00, 0x41, 0x2a, 0x0b};
    check_rejected(no_funcs, sizeof no_funcs, ENG_ERR_MALFORMED, "inconsistent lengths", NULL);
}

TEST(test_unknown_and_misordered_sections_are_malformed)
{
    static const uint8_t unknown[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00,
                                      0x00, 0x00, 0x20, 0x01, 0x00};
    check_rejected(unknown, sizeof unknown, ENG_ERR_MALFORMED, "offset 0x8", "section id");
    /* function section before the type section */
    static const uint8_t order[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x03,
                                    0x01, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f};
    check_rejected(order, sizeof order, ENG_ERR_MALFORMED, "offset 0xb", NULL);
}

TEST(test_type_error_is_invalid_with_code_section_and_offset)
{
    uint8_t b[sizeof valid];
    memcpy(b, valid, sizeof b);
    b[14] = 0x7e; /* the type now says () -> i64, the body still leaves an i32 */
    check_rejected(b, sizeof b, ENG_ERR_INVALID, "section 10 (code) at offset 0x", "type mismatch");
}

TEST(test_simd_instruction_is_unsupported)
{
    /* body: v128.const 0 (0xfd 0x0c + 16 bytes), drop, i32.const 0, end */
    uint8_t b[64];
    static const uint8_t head[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01,
                                   0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, 0x03, 0x02, 0x01,
                                   0x00, 0x0a, 0x19, 0x01, 0x17, 0x00, 0xfd, 0x0c};
    size_t n = sizeof head;
    memcpy(b, head, n);
    memset(b + n, 0, 16);
    n += 16;
    b[n++] = 0x1a;
    b[n++] = 0x41;
    b[n++] = 0x00;
    b[n++] = 0x0b;
    check_rejected(b, n, ENG_ERR_UNSUPPORTED, "section 10 (code)", "offset 0x");
}

/* Found by fuzz/fuzz_module.c: two memory imports, then a data section whose count was read past
 * the end of the copied bytes (heap overflow in the LEB reader). */
TEST(test_fuzz_data_section_count_at_end_of_input_is_malformed)
{
    static const uint8_t input[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x02,
                                    0x0b, 0x02, 0x00, 0x00, 0x02, 0x00, 0x01, 0x00, 0x00,
                                    0x02, 0x00, 0x02, 0x0b, 0x02, 0x00, 0x00, 0x02, 0x00,
                                    0x01, 0x00, 0x00, 0x02, 0x00, 0x01};
    eng_error err = {0};
    eng_module *m = eng_module_new(input, sizeof input, &err);
    CHECK(m == NULL);
    CHECK_MSG(err.status == ENG_ERR_MALFORMED || err.status == ENG_ERR_INVALID, "%s: %s",
              eng_status_name(err.status), err.message);
    CHECK_STR_HAS(err.message, "offset 0x");
}

TEST(test_random_mutations_never_crash)
{
    /* a fixed-seed xorshift: the same 3000 mutants on every run */
    uint64_t state = 0x9e3779b97f4a7c15ull;
    uint8_t b[sizeof valid + 4];
    unsigned accepted = 0, rejected = 0;
    for (int round = 0; round < 3000; round++) {
        size_t len = sizeof valid;
        memcpy(b, valid, len);
        for (int k = 0; k < 1 + round % 4; k++) {
            state ^= state << 13, state ^= state >> 7, state ^= state << 17;
            b[8 + state % (len - 8)] = (uint8_t)(state >> 32);
        }
        if (round % 5 == 0)
            len -= (state >> 40) % 6;
        eng_error err = {0};
        eng_module *m = eng_module_new(b, len, &err);
        if (m) {
            accepted++;
            eng_module_free(m);
        } else {
            rejected++;
            CHECK_MSG(err.status == ENG_ERR_MALFORMED || err.status == ENG_ERR_INVALID ||
                          err.status == ENG_ERR_UNSUPPORTED,
                      "mutant %d: status %s", round, eng_status_name(err.status));
            CHECK_MSG(err.message[0] != '\0', "mutant %d: empty message", round);
        }
    }
    CHECK_UINT_EQ(accepted + rejected, 3000);
    CHECK(rejected > 1000);
}

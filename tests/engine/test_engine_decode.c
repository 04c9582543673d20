/*
 * Decoding and validation by the engine core: the binary format's exact rules (LEB128 length and
 * range, section order and sizes, UTF-8 names, data count) and validation errors, each checked for
 * its status and for a message naming the section, the offset and the reason.
 */
#include "engine/engine.h"
#include "test.h"

#include <stdlib.h>

#define HDR 0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00

static eng_status compile(const uint8_t *bytes, size_t len, eng_error *err)
{
    eng_module *m = eng_module_new(bytes, len, err);
    if (m) {
        eng_module_free(m);
        return ENG_OK;
    }
    return err->status;
}

TEST(test_empty_input_is_malformed_without_magic)
{
    eng_error err;
    CHECK_INT_EQ(compile((const uint8_t *)"", 0, &err), ENG_ERR_MALFORMED);
    CHECK_STR_EQ(err.message, "at offset 0x0: magic header not detected");
}

TEST(test_wrong_version_is_malformed)
{
    const uint8_t m[] = {0x00, 0x61, 0x73, 0x6d, 0x02, 0x00, 0x00, 0x00};
    eng_error err;
    CHECK_INT_EQ(compile(m, sizeof m, &err), ENG_ERR_MALFORMED);
    CHECK_STR_EQ(err.message, "at offset 0x4: unknown binary version");
}

TEST(test_header_only_module_is_valid)
{
    const uint8_t m[] = {HDR};
    eng_error err;
    CHECK_INT_EQ(compile(m, sizeof m, &err), ENG_OK);
}

TEST(test_leb128_longer_than_five_bytes_is_malformed)
{
    /* type section whose count 0 is padded to six bytes */
    const uint8_t m[] = {HDR, 0x01, 0x06, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
    eng_error err;
    CHECK_INT_EQ(compile(m, sizeof m, &err), ENG_ERR_MALFORMED);
    CHECK_STR_EQ(err.message, "section 1 (type) at offset 0xa: integer representation too long");
}

TEST(test_leb128_padding_within_five_bytes_is_accepted)
{
    /* count 0 as five bytes is a valid encoding */
    const uint8_t m[] = {HDR, 0x01, 0x05, 0x80, 0x80, 0x80, 0x80, 0x00};
    eng_error err;
    CHECK_INT_EQ(compile(m, sizeof m, &err), ENG_OK);
}

TEST(test_leb128_u32_with_bits_past_32_is_too_large)
{
    /* memory minimum 0xffffffff with an extra high bit in the fifth byte */
    const uint8_t m[] = {HDR, 0x05, 0x07, 0x01, 0x00, 0xff, 0xff, 0xff, 0xff, 0x1f};
    eng_error err;
    CHECK_INT_EQ(compile(m, sizeof m, &err), ENG_ERR_MALFORMED);
    CHECK_STR_EQ(err.message, "section 5 (memory) at offset 0xc: integer too large");
}

TEST(test_signed_leb128_with_wrong_sign_extension_is_too_large)
{
    /* (func (result i32) i32.const <5 bytes whose unused bits disagree with the sign>) */
    const uint8_t m[] = {HDR,  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, 0x03, 0x02, 0x01, 0x00,
                         0x0a, 0x0a, 0x01, 0x08, 0x00, 0x41, 0xff, 0xff, 0xff, 0xff, 0x4f, 0x0b};
    eng_error err;
    CHECK_INT_EQ(compile(m, sizeof m, &err), ENG_ERR_MALFORMED);
    CHECK_STR_HAS(err.message, "section 10 (code) at offset 0x19: integer too large");
}

TEST(test_sections_out_of_order_are_malformed)
{
    /* a function section (3) after a memory section (5) */
    const uint8_t m[] = {HDR, 0x05, 0x03, 0x01, 0x00, 0x01, 0x03, 0x01, 0x00};
    eng_error err;
    CHECK_INT_EQ(compile(m, sizeof m, &err), ENG_ERR_MALFORMED);
    CHECK_STR_HAS(err.message, "at offset 0xd: unexpected content after last section");
}

TEST(test_section_size_larger_than_content_is_a_size_mismatch)
{
    /* a memory section that declares 4 bytes but its one entry uses 3 */
    const uint8_t m[] = {HDR, 0x05, 0x04, 0x01, 0x00, 0x01, 0x00};
    eng_error err;
    CHECK_INT_EQ(compile(m, sizeof m, &err), ENG_ERR_MALFORMED);
    CHECK_STR_EQ(err.message, "section 5 (memory) at offset 0xd: section size mismatch");
}

TEST(test_custom_section_name_must_be_utf8)
{
    const uint8_t m[] = {HDR, 0x00, 0x03, 0x02, 0xc0, 0x80};
    eng_error err;
    CHECK_INT_EQ(compile(m, sizeof m, &err), ENG_ERR_MALFORMED);
    CHECK_STR_EQ(err.message, "section 0 (custom) at offset 0xb: malformed UTF-8 encoding");
}

TEST(test_custom_section_contents_are_skipped)
{
    const uint8_t m[] = {HDR, 0x00, 0x05, 0x01, 'x', 0xff, 0x00, 0x13};
    eng_error err;
    CHECK_INT_EQ(compile(m, sizeof m, &err), ENG_OK);
}

TEST(test_type_mismatch_names_code_section_offset_and_types)
{
    /* (func (result i32) i64.const 0) */
    const uint8_t m[] = {HDR,  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, 0x03, 0x02,
                         0x01, 0x00, 0x0a, 0x06, 0x01, 0x04, 0x00, 0x42, 0x00, 0x0b};
    eng_error err;
    CHECK_INT_EQ(compile(m, sizeof m, &err), ENG_ERR_INVALID);
    CHECK_STR_EQ(err.message,
                 "section 10 (code) at offset 0x1a: type mismatch: expected i32, got i64");
}

TEST(test_unreachable_code_is_typed_with_a_polymorphic_stack)
{
    /* (func (result i32) unreachable i32.add) is valid; (block unreachable) (i32.add) is not */
    const uint8_t ok[] = {HDR,  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, 0x03, 0x02,
                          0x01, 0x00, 0x0a, 0x06, 0x01, 0x04, 0x00, 0x00, 0x6a, 0x0b};
    eng_error err;
    CHECK_INT_EQ(compile(ok, sizeof ok, &err), ENG_OK);
    const uint8_t bad[] = {HDR,  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, 0x03, 0x02, 0x01, 0x00,
                           0x0a, 0x09, 0x01, 0x07, 0x00, 0x02, 0x40, 0x00, 0x0b, 0x6a, 0x0b};
    CHECK_INT_EQ(compile(bad, sizeof bad, &err), ENG_ERR_INVALID);
    CHECK_STR_HAS(err.message, "offset 0x1c: type mismatch: expected i32, but the stack is empty");
}

TEST(test_ref_func_needs_a_declared_function)
{
    /* (func (result funcref) ref.func 0) with no element segment or export naming function 0 */
    const uint8_t m[] = {HDR,  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x70, 0x03, 0x02,
                         0x01, 0x00, 0x0a, 0x06, 0x01, 0x04, 0x00, 0xd2, 0x00, 0x0b};
    eng_error err;
    CHECK_INT_EQ(compile(m, sizeof m, &err), ENG_ERR_INVALID);
    CHECK_STR_HAS(err.message, "undeclared function reference 0");
    /* the same function exported: now it is declared */
    const uint8_t ok[] = {HDR,  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x70, 0x03,
                          0x02, 0x01, 0x00, 0x07, 0x05, 0x01, 0x01, 'f',  0x00,
                          0x00, 0x0a, 0x06, 0x01, 0x04, 0x00, 0xd2, 0x00, 0x0b};
    CHECK_INT_EQ(compile(ok, sizeof ok, &err), ENG_OK);
}

TEST(test_simd_opcode_is_unsupported_not_malformed)
{
    /* (func) whose body is v128.const-prefixed: 0xfd 0x0c ... */
    const uint8_t m[] = {HDR,  0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01,
                         0x00, 0x0a, 0x06, 0x01, 0x04, 0x00, 0xfd, 0x0c, 0x0b};
    eng_error err;
    CHECK_INT_EQ(compile(m, sizeof m, &err), ENG_ERR_UNSUPPORTED);
    CHECK_STR_HAS(err.message, "unsupported feature: SIMD");
}

TEST(test_v128_value_type_is_unsupported)
{
    const uint8_t m[] = {HDR, 0x01, 0x05, 0x01, 0x60, 0x01, 0x7b, 0x00};
    eng_error err;
    CHECK_INT_EQ(compile(m, sizeof m, &err), ENG_ERR_UNSUPPORTED);
    CHECK_STR_EQ(err.message,
                 "section 1 (type) at offset 0xd: unsupported feature: SIMD (v128 value type)");
}

TEST(test_data_count_must_match_data_section)
{
    /* memory 1, datacount 2, data section with one passive segment */
    const uint8_t m[] = {HDR,  0x05, 0x03, 0x01, 0x00, 0x01, 0x0c, 0x01,
                         0x02, 0x0b, 0x04, 0x01, 0x01, 0x01, 'a'};
    eng_error err;
    CHECK_INT_EQ(compile(m, sizeof m, &err), ENG_ERR_MALFORMED);
    CHECK_STR_HAS(err.message, "data count and data section have inconsistent lengths");
}

TEST(test_memory_above_4gib_is_invalid)
{
    /* memory min 65537 pages */
    const uint8_t m[] = {HDR, 0x05, 0x05, 0x01, 0x00, 0x81, 0x80, 0x04};
    eng_error err;
    CHECK_INT_EQ(compile(m, sizeof m, &err), ENG_ERR_INVALID);
    CHECK_STR_HAS(err.message, "memory size must be at most 65536 pages");
}

TEST(test_duplicate_export_names_are_invalid)
{
    const uint8_t m[] = {HDR,  0x05, 0x03, 0x01, 0x00, 0x01, 0x07, 0x09, 0x02,
                         0x01, 'm',  0x02, 0x00, 0x01, 'm',  0x02, 0x00};
    eng_error err;
    CHECK_INT_EQ(compile(m, sizeof m, &err), ENG_ERR_INVALID);
    CHECK_STR_HAS(err.message, "duplicate export name \"m\"");
}

TEST(test_every_truncation_of_a_valid_module_fails_cleanly)
{
    /* a module with a type, function, memory, export and code: cut at every byte */
    const uint8_t m[] = {HDR,  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, 0x03, 0x02, 0x01, 0x00,
                         0x05, 0x03, 0x01, 0x00, 0x01, 0x07, 0x05, 0x01, 0x01, 'f',  0x00, 0x00,
                         0x0a, 0x09, 0x01, 0x07, 0x00, 0x41, 0x00, 0x28, 0x02, 0x00, 0x0b};
    eng_error err;
    CHECK_INT_EQ(compile(m, sizeof m, &err), ENG_OK);
    for (size_t len = 0; len < sizeof m; len++) {
        eng_status s = compile(m, len, &err);
        /* a cut exactly between sections leaves a valid prefix (a module without code) only
         * when no function was declared yet */
        if (s == ENG_OK)
            CHECK_MSG(len == 8 || len == 15, "prefix of %zu bytes accepted", len);
        else
            CHECK_MSG(s == ENG_ERR_MALFORMED, "prefix of %zu bytes: %s", len, err.message);
    }
}

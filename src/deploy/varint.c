/*
 * Multiformats unsigned varints (LEB128): the length prefixes of CAR sections and the numbers
 * inside CIDs and multihashes. The spec caps them at 9 bytes (63 bits) and requires the minimal
 * encoding, so that every number has exactly one spelling; both rules are enforced here because
 * a CID with two spellings would let two different byte strings name one block.
 */
#include "deploy/internal.h"

dep_status dep_varint_decode(const uint8_t *buf, size_t len, uint64_t *value, size_t *used,
                             dep_error *err)
{
    uint64_t v = 0;
    for (size_t i = 0; i < DEP_VARINT_MAX_BYTES; i++) {
        if (i == len)
            return dep_fail(err, DEP_ERR_MALFORMED, "varint truncated after %zu byte%s", i,
                            i == 1 ? "" : "s");
        uint8_t b = buf[i];
        v |= (uint64_t)(b & 0x7f) << (7 * i);
        if ((b & 0x80) == 0) {
            if (b == 0 && i > 0)
                return dep_fail(err, DEP_ERR_MALFORMED,
                                "varint not minimally encoded (%zu bytes, last is 0x00)", i + 1);
            *value = v;
            *used = i + 1;
            return DEP_OK;
        }
    }
    return dep_fail(err, DEP_ERR_MALFORMED, "varint longer than %d bytes (over 63 bits)",
                    DEP_VARINT_MAX_BYTES);
}

size_t dep_varint_encode(uint64_t value, uint8_t out[DEP_VARINT_MAX_BYTES])
{
    if (value >> 63)
        return 0;
    size_t n = 0;
    do {
        uint8_t b = value & 0x7f;
        value >>= 7;
        out[n++] = b | (value ? 0x80 : 0);
    } while (value);
    return n;
}

/*
 * The multibase encodings CIDs are written in: base58btc (CIDv0, and 'z' CIDv1), RFC 4648 base32
 * lower case without padding ('b', the CIDv1 default) and base36 lower case ('k', read only; used
 * for IPNS keys but valid for any CID). Inputs are short (a CID is under 80 bytes), so the
 * big-number conversions are the plain quadratic ones; callers cap the text length.
 */
#include "deploy/internal.h"

#include <string.h>

static const char b58_alphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
static const char b32_alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
static const char b36_alphabet[] = "0123456789abcdefghijklmnopqrstuvwxyz";

enum { MULTIBASE_MAX_BYTES = 512 }; /* scratch for conversions; CIDs are far shorter */

static int digit_of(const char *alphabet, char c)
{
    if (c == '\0')
        return -1;
    const char *p = strchr(alphabet, c);
    return p ? (int)(p - alphabet) : -1;
}

static const char *printable(char c, char buf[8])
{
    unsigned char u = (unsigned char)c;
    if (u >= 0x21 && u < 0x7f) {
        buf[0] = '\'';
        buf[1] = c;
        buf[2] = '\'';
        buf[3] = '\0';
    } else {
        static const char hex[] = "0123456789abcdef";
        buf[0] = '0';
        buf[1] = 'x';
        buf[2] = hex[u >> 4];
        buf[3] = hex[u & 15];
        buf[4] = '\0';
    }
    return buf;
}

size_t dep_base58_encode(const uint8_t *data, size_t len, char *out, size_t cap)
{
    uint8_t digits[MULTIBASE_MAX_BYTES * 138 / 100 + 1];
    size_t ndigits = 0, zeros = 0;
    if (len > MULTIBASE_MAX_BYTES)
        return 0;
    while (zeros < len && data[zeros] == 0)
        zeros++;
    for (size_t i = zeros; i < len; i++) {
        unsigned carry = data[i];
        for (size_t j = 0; j < ndigits; j++) {
            carry += (unsigned)digits[j] << 8;
            digits[j] = carry % 58;
            carry /= 58;
        }
        while (carry) {
            digits[ndigits++] = carry % 58;
            carry /= 58;
        }
    }
    if (zeros + ndigits + 1 > cap)
        return 0;
    size_t n = 0;
    for (size_t i = 0; i < zeros; i++)
        out[n++] = '1';
    for (size_t i = 0; i < ndigits; i++)
        out[n++] = b58_alphabet[digits[ndigits - 1 - i]];
    out[n] = '\0';
    return n;
}

/* Decodes big-endian digits of a radix into bytes; leading zero digits become zero bytes only for
 * base58 (its convention), which the caller selects with keep_leading_zeros. */
static dep_status radix_decode(const char *name, const char *alphabet, unsigned radix,
                               const char *text, size_t len, uint8_t *out, size_t cap,
                               size_t *out_len, dep_error *err)
{
    uint8_t bytes[MULTIBASE_MAX_BYTES];
    size_t nbytes = 0, zeros = 0;
    if (len == 0)
        return dep_fail(err, DEP_ERR_MALFORMED, "%s: empty string", name);
    if (len > MULTIBASE_MAX_BYTES)
        return dep_fail(err, DEP_ERR_LIMIT, "%s: %zu characters is longer than %d", name, len,
                        MULTIBASE_MAX_BYTES);
    while (zeros < len && text[zeros] == alphabet[0])
        zeros++;
    for (size_t i = 0; i < len; i++) {
        int d = digit_of(alphabet, text[i]);
        char pb[8];
        if (d < 0)
            return dep_fail(err, DEP_ERR_MALFORMED, "%s: invalid character %s at offset %zu", name,
                            printable(text[i], pb), i);
        unsigned carry = (unsigned)d;
        for (size_t j = 0; j < nbytes; j++) {
            carry += (unsigned)bytes[j] * radix;
            bytes[j] = carry & 0xff;
            carry >>= 8;
        }
        while (carry) {
            if (nbytes == sizeof bytes)
                return dep_fail(err, DEP_ERR_LIMIT, "%s: value too large", name);
            bytes[nbytes++] = carry & 0xff;
            carry >>= 8;
        }
    }
    if (zeros + nbytes > cap)
        return dep_fail(err, DEP_ERR_LIMIT, "%s: decodes to %zu bytes, more than %zu", name,
                        zeros + nbytes, cap);
    memset(out, 0, zeros);
    for (size_t i = 0; i < nbytes; i++)
        out[zeros + i] = bytes[nbytes - 1 - i];
    *out_len = zeros + nbytes;
    return DEP_OK;
}

dep_status dep_base58_decode(const char *text, size_t len, uint8_t *out, size_t cap,
                             size_t *out_len, dep_error *err)
{
    return radix_decode("base58btc", b58_alphabet, 58, text, len, out, cap, out_len, err);
}

dep_status dep_base36_decode(const char *text, size_t len, uint8_t *out, size_t cap,
                             size_t *out_len, dep_error *err)
{
    return radix_decode("base36", b36_alphabet, 36, text, len, out, cap, out_len, err);
}

size_t dep_base32_encode(const uint8_t *data, size_t len, char *out, size_t cap)
{
    size_t need = (len * 8 + 4) / 5;
    if (need + 1 > cap)
        return 0;
    size_t n = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        acc = (acc << 8) | data[i];
        bits += 8;
        while (bits >= 5) {
            out[n++] = b32_alphabet[(acc >> (bits - 5)) & 31];
            bits -= 5;
        }
    }
    if (bits > 0)
        out[n++] = b32_alphabet[(acc << (5 - bits)) & 31];
    out[n] = '\0';
    return n;
}

dep_status dep_base32_decode(const char *text, size_t len, uint8_t *out, size_t cap,
                             size_t *out_len, dep_error *err)
{
    size_t n = 0;
    uint32_t acc = 0;
    int bits = 0;
    /* 1, 3 and 6 characters leave 5, 7 or 6 bits: never a whole number of bytes plus padding. */
    size_t rem = len % 8;
    if (rem == 1 || rem == 3 || rem == 6)
        return dep_fail(err, DEP_ERR_MALFORMED, "base32: impossible length %zu", len);
    for (size_t i = 0; i < len; i++) {
        int d = digit_of(b32_alphabet, text[i]);
        char pb[8];
        if (d < 0)
            return dep_fail(err, DEP_ERR_MALFORMED, "base32: invalid character %s at offset %zu",
                            printable(text[i], pb), i);
        acc = (acc << 5) | (uint32_t)d;
        bits += 5;
        if (bits >= 8) {
            if (n == cap)
                return dep_fail(err, DEP_ERR_LIMIT, "base32: decodes to more than %zu bytes", cap);
            out[n++] = (acc >> (bits - 8)) & 0xff;
            bits -= 8;
        }
    }
    if (bits > 0 && (acc & ((1u << bits) - 1)) != 0)
        return dep_fail(err, DEP_ERR_MALFORMED, "base32: non-zero trailing bits");
    *out_len = n;
    return DEP_OK;
}

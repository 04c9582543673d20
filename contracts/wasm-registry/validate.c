/*
 * Input checks of the wasm-registry program: the Borsh reader over instruction arguments and
 * the rules for the three strings a route carries. The rules make every (domain, path) spelling
 * canonical, because the PDA is derived from the exact bytes: if "Example.com" and "example.com"
 * were both accepted, one owner could not stop another from registering the same route under a
 * second spelling. A CID must parse as an IPFS CID of a SHA-256 multihash, so nodes never fetch
 * something that cannot be verified.
 *
 * Runs on-chain (no libc, no floating point, small stack) and natively in the host tests.
 */
#include "registry.h"

bool borsh_read_u8(BorshReader *r, uint8_t *out)
{
    if (r->pos >= r->end)
        return false;
    *out = *r->pos++;
    return true;
}

bool borsh_read_string(BorshReader *r, RegStr *out)
{
    if ((uint64_t)(r->end - r->pos) < 4)
        return false;
    uint64_t len = (uint64_t)r->pos[0] | (uint64_t)r->pos[1] << 8 | (uint64_t)r->pos[2] << 16 |
                   (uint64_t)r->pos[3] << 24;
    r->pos += 4;
    if ((uint64_t)(r->end - r->pos) < len)
        return false;
    out->bytes = r->pos;
    out->len = len;
    r->pos += len;
    return true;
}

bool borsh_read_pubkey(BorshReader *r, const SolPubkey **out)
{
    if ((uint64_t)(r->end - r->pos) < SOL_PUBKEY_BYTES)
        return false;
    *out = (const SolPubkey *)r->pos;
    r->pos += SOL_PUBKEY_BYTES;
    return true;
}

static bool is_lower_alnum(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* Lowercase DNS name: labels of [a-z0-9-], 1..63 bytes, no hyphen at either end of a label,
 * optionally starting with a "*." wildcard label; no trailing dot. */
uint64_t route_validate_domain(const RegStr *domain)
{
    if (domain->len == 0)
        return REG_FAIL(REG_ERR_DOMAIN_EMPTY, "DomainEmpty: the domain is empty");
    if (domain->len > ROUTE_DOMAIN_MAX_BYTES)
        return REG_FAIL(REG_ERR_DOMAIN_TOO_LONG, "DomainTooLong: the domain exceeds 253 bytes");
    const uint8_t *d = domain->bytes;
    uint64_t i = 0;
    if (domain->len >= 2 && d[0] == '*' && d[1] == '.')
        i = 2;
    uint64_t label_len = 0;
    for (; i < domain->len; i++) {
        uint8_t c = d[i];
        if (c == '.') {
            if (label_len == 0 || d[i - 1] == '-')
                return REG_FAIL(REG_ERR_DOMAIN_INVALID,
                                "DomainInvalid: empty label or label ending in '-'");
            label_len = 0;
            continue;
        }
        if (c == '-') {
            if (label_len == 0)
                return REG_FAIL(REG_ERR_DOMAIN_INVALID, "DomainInvalid: label starts with '-'");
        } else if (!is_lower_alnum(c)) {
            return REG_FAIL(REG_ERR_DOMAIN_INVALID,
                            "DomainInvalid: only a-z, 0-9, '-' and '.' are allowed (lowercase)");
        }
        if (++label_len > ROUTE_DOMAIN_LABEL_MAX_BYTES)
            return REG_FAIL(REG_ERR_DOMAIN_INVALID, "DomainInvalid: a label exceeds 63 bytes");
    }
    if (label_len == 0 || d[domain->len - 1] == '-')
        return REG_FAIL(REG_ERR_DOMAIN_INVALID,
                        "DomainInvalid: empty last label or label ending in '-'");
    return REG_OK;
}

/* RFC 3986 path characters without percent-encoding (so that one path has one spelling), plus
 * '*' for patterns. */
static bool is_path_char(uint8_t c)
{
    if (is_lower_alnum(c) || (c >= 'A' && c <= 'Z'))
        return true;
    switch (c) {
    case '/':
    case '-':
    case '.':
    case '_':
    case '~':
    case '!':
    case '$':
    case '&':
    case '\'':
    case '(':
    case ')':
    case '*':
    case '+':
    case ',':
    case ';':
    case '=':
    case ':':
    case '@':
        return true;
    default:
        return false;
    }
}

/* Absolute path: starts with '/', no empty, "." or ".." segments (a trailing '/' is allowed). */
uint64_t route_validate_path(const RegStr *path)
{
    if (path->len == 0)
        return REG_FAIL(REG_ERR_PATH_EMPTY, "PathEmpty: the path pattern is empty");
    if (path->len > ROUTE_PATH_MAX_BYTES)
        return REG_FAIL(REG_ERR_PATH_TOO_LONG, "PathTooLong: the path pattern exceeds 256 bytes");
    const uint8_t *p = path->bytes;
    if (p[0] != '/')
        return REG_FAIL(REG_ERR_PATH_INVALID, "PathInvalid: the path pattern must start with '/'");
    uint64_t seg_start = 1;
    for (uint64_t i = 1; i <= path->len; i++) {
        if (i < path->len && !is_path_char(p[i]))
            return REG_FAIL(REG_ERR_PATH_INVALID,
                            "PathInvalid: character outside the RFC 3986 path set");
        if (i == path->len || p[i] == '/') {
            uint64_t seg_len = i - seg_start;
            bool last = i == path->len;
            if (seg_len == 0 && !last)
                return REG_FAIL(REG_ERR_PATH_INVALID, "PathInvalid: empty path segment");
            if ((seg_len == 1 && p[seg_start] == '.') ||
                (seg_len == 2 && p[seg_start] == '.' && p[seg_start + 1] == '.'))
                return REG_FAIL(REG_ERR_PATH_INVALID, "PathInvalid: '.' or '..' segment");
            seg_start = i + 1;
        }
    }
    return REG_OK;
}

/* CID bytes: a CIDv1 is <version 1><codec><0x12 sha2-256><0x20 length><32-byte digest>; a CIDv0
 * is the bare multihash <0x12><0x20><digest>. Codecs accepted: raw (0x55) and dag-pb (0x70). */
#define CID_DIGEST_BYTES 32
#define CID_V0_TEXT_BYTES 46
#define CID_V1_BINARY_BYTES (4 + CID_DIGEST_BYTES)
#define CID_BASE58_LIMBS 9 /* 9 x 32 bits hold the 34-byte CIDv0 value */

static int base58_digit(uint8_t c)
{
    if (c >= '1' && c <= '9')
        return c - '1';
    if (c >= 'A' && c <= 'H')
        return c - 'A' + 9;
    if (c >= 'J' && c <= 'N')
        return c - 'J' + 17;
    if (c >= 'P' && c <= 'Z')
        return c - 'P' + 22;
    if (c >= 'a' && c <= 'k')
        return c - 'a' + 33;
    if (c >= 'm' && c <= 'z')
        return c - 'm' + 44;
    return -1;
}

/* CIDv0: 46 base58btc characters decoding to exactly 0x12 0x20 + digest. The number is built in
 * 32-bit limbs (most significant first) and must fit 34 bytes with that prefix. */
static bool cid_v0_valid(const uint8_t *s, uint64_t len)
{
    if (len != CID_V0_TEXT_BYTES || s[0] != 'Q' || s[1] != 'm')
        return false;
    uint32_t limbs[CID_BASE58_LIMBS] = {0};
    for (uint64_t i = 0; i < len; i++) {
        int digit = base58_digit(s[i]);
        if (digit < 0)
            return false;
        uint64_t carry = (uint64_t)digit;
        for (int k = CID_BASE58_LIMBS - 1; k >= 0; k--) {
            uint64_t v = (uint64_t)limbs[k] * 58 + carry;
            limbs[k] = (uint32_t)v;
            carry = v >> 32;
        }
        if (carry != 0)
            return false;
    }
    /* 9 limbs = 36 bytes; a 34-byte value leaves the top 16 bits zero, then 0x12 0x20. */
    return limbs[0] == 0x1220;
}

static int base32_digit(uint8_t c)
{
    if (c >= 'a' && c <= 'z')
        return c - 'a';
    if (c >= '2' && c <= '7')
        return c - '2' + 26;
    return -1;
}

/* CIDv1 in multibase base32 (prefix 'b', lowercase RFC 4648 alphabet, no padding). */
static bool cid_v1_valid(const uint8_t *s, uint64_t len)
{
    uint8_t bin[CID_V1_BINARY_BYTES];
    uint64_t out = 0;
    uint32_t acc = 0;
    uint32_t bits = 0;
    if (len < 2 || s[0] != 'b')
        return false;
    for (uint64_t i = 1; i < len; i++) {
        int digit = base32_digit(s[i]);
        if (digit < 0)
            return false;
        acc = (acc << 5) | (uint32_t)digit;
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            if (out == CID_V1_BINARY_BYTES)
                return false;
            bin[out++] = (uint8_t)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    /* Leftover bits must be fewer than one character's worth and zero (canonical encoding). */
    if (bits >= 5 || acc != 0 || out != CID_V1_BINARY_BYTES)
        return false;
    return bin[0] == 0x01 && (bin[1] == 0x55 || bin[1] == 0x70) && bin[2] == 0x12 &&
           bin[3] == CID_DIGEST_BYTES;
}

uint64_t route_validate_cid(const RegStr *cid)
{
    if (cid->len == 0)
        return REG_FAIL(REG_ERR_CID_EMPTY, "CidEmpty: the CID is empty");
    if (cid->len > ROUTE_CID_MAX_BYTES)
        return REG_FAIL(REG_ERR_CID_TOO_LONG, "CidTooLong: the CID exceeds 100 bytes");
    if (cid_v0_valid(cid->bytes, cid->len) || cid_v1_valid(cid->bytes, cid->len))
        return REG_OK;
    return REG_FAIL(REG_ERR_CID_INVALID,
                    "CidInvalid: not a CIDv0 (Qm..., base58) or CIDv1 (b..., base32) of a "
                    "sha2-256 raw or dag-pb block");
}

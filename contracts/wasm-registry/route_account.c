/*
 * The route account of the wasm-registry program: its Borsh layout (ARCHITECTURE §7), parsing
 * with bounds checks (account data is read back from the chain, so it is checked like any input),
 * serialisation into the fixed-size account, and the derivation of its address,
 * PDA ["route", sha256(domain ‖ 0x00 ‖ path_pattern)].
 */
#include "registry.h"

uint64_t registry_fail(uint64_t code, const char *message, uint64_t message_len)
{
    sol_log_(message, message_len);
    return code;
}

static uint64_t read_le(const uint8_t *p, int bytes)
{
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static void write_le(uint8_t *p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
}

/* Reads one Borsh string at *off, at most `max` bytes, within `len`. */
static bool parse_string(const uint8_t *data, uint64_t len, uint64_t *off, uint64_t max,
                         RegStr *out)
{
    if (len - *off < 4)
        return false;
    uint64_t n = read_le(data + *off, 4);
    *off += 4;
    if (n > max || len - *off < n)
        return false;
    out->bytes = data + *off;
    out->len = n;
    *off += n;
    return true;
}

uint64_t route_parse(const uint8_t *data, uint64_t data_len, RouteView *view)
{
    uint64_t off = ROUTE_DOMAIN_OFFSET;
    if (data_len < ROUTE_ACCOUNT_BYTES)
        return REG_FAIL(REG_ERR_CORRUPT_ACCOUNT, "CorruptAccount: route account too small");
    view->authority = (const SolPubkey *)(data + ROUTE_AUTHORITY_OFFSET);
    if (!parse_string(data, data_len, &off, ROUTE_DOMAIN_MAX_BYTES, &view->domain) ||
        !parse_string(data, data_len, &off, ROUTE_PATH_MAX_BYTES, &view->path) ||
        !parse_string(data, data_len, &off, ROUTE_CID_MAX_BYTES, &view->cid) || data_len - off < 18)
        return REG_FAIL(REG_ERR_CORRUPT_ACCOUNT, "CorruptAccount: stored string overruns");
    view->module_type = data[off];
    if (view->module_type > MODULE_TYPE_FUNCTION || data[off + 1] > 1)
        return REG_FAIL(REG_ERR_CORRUPT_ACCOUNT, "CorruptAccount: stored flag out of range");
    view->enabled = data[off + 1] == 1;
    view->created_at = (int64_t)read_le(data + off + 2, 8);
    view->updated_at = (int64_t)read_le(data + off + 10, 8);
    return REG_OK;
}

static uint64_t write_string(uint8_t *data, uint64_t off, const RegStr *s)
{
    write_le(data + off, s->len, 4);
    off += 4;
    /* Equal pointers: the string is already in place (update keeps domain and path). */
    if (s->len > 0 && s->bytes != data + off)
        sol_memcpy_(data + off, s->bytes, s->len);
    return off + s->len;
}

void route_write(uint8_t *data, const RouteView *view)
{
    static const uint8_t discriminator[ROUTE_DISCRIMINATOR_BYTES] = ROUTE_ACCOUNT_DISCRIMINATOR;
    /* The tail fields move when the CID length changes; keep them before overwriting. */
    uint8_t module_type = view->module_type;
    uint8_t enabled = view->enabled ? 1 : 0;
    int64_t created_at = view->created_at;
    int64_t updated_at = view->updated_at;
    RegStr domain = view->domain, path = view->path, cid = view->cid;
    SolPubkey authority = *view->authority;

    sol_memcpy_(data, discriminator, ROUTE_DISCRIMINATOR_BYTES);
    sol_memcpy_(data + ROUTE_AUTHORITY_OFFSET, authority.x, SOL_PUBKEY_BYTES);
    uint64_t off = write_string(data, ROUTE_DOMAIN_OFFSET, &domain);
    off = write_string(data, off, &path);
    off = write_string(data, off, &cid);
    data[off] = module_type;
    data[off + 1] = enabled;
    write_le(data + off + 2, (uint64_t)created_at, 8);
    write_le(data + off + 10, (uint64_t)updated_at, 8);
    off += 18;
    sol_memset_(data + off, 0, ROUTE_ACCOUNT_BYTES - off);
}

void route_key_hash(const RegStr *domain, const RegStr *path, uint8_t hash[ROUTE_KEY_HASH_BYTES])
{
    static const uint8_t separator[1] = {0};
    SolBytes parts[3] = {
        {domain->bytes, domain->len},
        {separator, 1},
        {path->bytes, path->len},
    };
    sol_sha256(parts, 3, hash);
}

bool route_find_pda(const uint8_t hash[ROUTE_KEY_HASH_BYTES], const SolPubkey *program_id,
                    SolPubkey *address, uint8_t *bump)
{
    SolSignerSeed seeds[2] = {
        {(const uint8_t *)ROUTE_SEED, ROUTE_SEED_BYTES},
        {hash, ROUTE_KEY_HASH_BYTES},
    };
    return sol_try_find_program_address(seeds, 2, program_id, address, bump) == SOL_SUCCESS;
}

/*
 * Borsh for the route registry: the WasmRoute account (ARCHITECTURE §7, docs/REGISTRY.md) and the
 * registry's five Anchor-style instructions (8-byte discriminator sha256("global:<name>")[..8],
 * then Borsh arguments), with the accounts each instruction takes, in idl.json's order.
 *
 * Account data arrives from a cluster, i.e. from anyone: every length is checked against the
 * field's limit and against the bytes left before anything is copied.
 */
#include "deploy/deploy.h"
#include "deploy/internal.h"

#include <sodium.h>
#include <string.h>

const uint8_t solana_route_discriminator[8] = {0x7d, 0x97, 0x10, 0xa4, 0x58, 0xd3, 0xeb, 0x38};

static const uint8_t ix_register_route[8] = {0x3d, 0x42, 0xf5, 0xb2, 0x50, 0xff, 0x17, 0xfa};
static const uint8_t ix_update_route[8] = {0xb1, 0x02, 0x56, 0xd1, 0x82, 0x7f, 0x8a, 0x6b};
static const uint8_t ix_set_enabled[8] = {0x6c, 0x97, 0xef, 0x97, 0xb5, 0xe9, 0x6e, 0x7b};
static const uint8_t ix_transfer_authority[8] = {0x30, 0xa9, 0x4c, 0x48, 0xe5, 0xb4, 0x37, 0xa1};
static const uint8_t ix_close_route[8] = {0xb5, 0x49, 0xd1, 0xec, 0x58, 0xfb, 0x2a, 0x94};

static const char route_seed[] = "route";

/* ---- reading ---- */

typedef struct reader {
    const uint8_t *data;
    size_t len;
    size_t pos;
} reader;

static dep_status read_bytes(reader *r, void *out, size_t n, const char *field, dep_error *err)
{
    if (r->len - r->pos < n)
        return dep_fail(err, DEP_ERR_MALFORMED,
                        "route account: %s at offset %zu needs %zu bytes, %zu left", field, r->pos,
                        n, r->len - r->pos);
    memcpy(out, r->data + r->pos, n);
    r->pos += n;
    return DEP_OK;
}

static uint64_t le_load(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = n; i-- > 0;)
        v = (v << 8) | p[i];
    return v;
}

/* A Borsh string (u32 LE length + bytes) of at most max bytes, copied NUL-terminated into out
 * (max + 1 bytes). A NUL inside would make the C string differ from the stored bytes. */
static dep_status read_string(reader *r, char *out, size_t max, const char *field, dep_error *err)
{
    uint8_t len_bytes[4] = {0};
    size_t at = r->pos;
    dep_status st = read_bytes(r, len_bytes, 4, field, err);
    if (st != DEP_OK)
        return st;
    uint64_t n = le_load(len_bytes, 4);
    if (n > max)
        return dep_fail(err, DEP_ERR_MALFORMED,
                        "route account: %s at offset %zu is %llu bytes, the limit is %zu", field,
                        at, (unsigned long long)n, max);
    st = read_bytes(r, out, (size_t)n, field, err);
    if (st != DEP_OK)
        return st;
    out[n] = '\0';
    if (memchr(out, '\0', (size_t)n) != NULL)
        return dep_fail(err, DEP_ERR_MALFORMED, "route account: %s at offset %zu contains a NUL",
                        field, at);
    return DEP_OK;
}

dep_status solana_route_decode(const uint8_t *data, size_t len, solana_route *out, dep_error *err)
{
    reader r = {data, len, 0};
    uint8_t disc[8] = {0}, flags[2] = {0}, times[16] = {0};
    dep_status st = read_bytes(&r, disc, sizeof disc, "discriminator", err);
    if (st != DEP_OK)
        return st;
    if (memcmp(disc, solana_route_discriminator, sizeof disc) != 0)
        return dep_fail(err, DEP_ERR_MALFORMED,
                        "route account: the discriminator is not WasmRoute's");
    if ((st = read_bytes(&r, out->authority.bytes, SOLANA_PUBKEY_BYTES, "authority", err)) ||
        (st = read_string(&r, out->domain, SOLANA_ROUTE_DOMAIN_MAX_BYTES, "domain", err)) ||
        (st = read_string(&r, out->path, SOLANA_ROUTE_PATH_MAX_BYTES, "path_pattern", err)) ||
        (st = read_string(&r, out->cid, SOLANA_ROUTE_CID_MAX_BYTES, "wasm_cid", err)) ||
        (st = read_bytes(&r, flags, sizeof flags, "module_type and enabled", err)) ||
        (st = read_bytes(&r, times, sizeof times, "timestamps", err)))
        return st;
    if (flags[0] > SOLANA_MODULE_TYPE_FUNCTION)
        return dep_fail(err, DEP_ERR_MALFORMED, "route account: module_type %u is not 0 or 1",
                        flags[0]);
    if (flags[1] > 1)
        return dep_fail(err, DEP_ERR_MALFORMED, "route account: enabled byte %u is not 0 or 1",
                        flags[1]);
    out->module_type = flags[0];
    out->enabled = flags[1] == 1;
    /* i64 from two's complement without a signed overflow: memcpy of the LE value. */
    uint64_t created = le_load(times, 8), updated = le_load(times + 8, 8);
    memcpy(&out->created_at, &created, sizeof created);
    memcpy(&out->updated_at, &updated, sizeof updated);
    for (size_t i = r.pos; i < len; i++)
        if (data[i] != 0)
            return dep_fail(err, DEP_ERR_MALFORMED,
                            "route account: byte %zu after the fields is not zero padding", i);
    return DEP_OK;
}

/* ---- writing ---- */

typedef struct writer {
    uint8_t *data;
    size_t cap;
    size_t len;
} writer;

static dep_status put(writer *w, const void *p, size_t n, dep_error *err)
{
    if (w->cap - w->len < n)
        return dep_fail(err, DEP_ERR_LIMIT, "borsh: %zu more bytes do not fit in %zu", n, w->cap);
    memcpy(w->data + w->len, p, n);
    w->len += n;
    return DEP_OK;
}

static dep_status put_le(writer *w, uint64_t v, size_t n, dep_error *err)
{
    uint8_t b[8];
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    return put(w, b, n, err);
}

static dep_status put_string(writer *w, const char *s, size_t max, const char *field,
                             dep_error *err)
{
    size_t n = strlen(s);
    if (n > max)
        return dep_fail(err, DEP_ERR_LIMIT, "%s: %zu bytes, the limit is %zu", field, n, max);
    dep_status st = put_le(w, n, 4, err);
    return st != DEP_OK ? st : put(w, s, n, err);
}

dep_status solana_route_encode(const solana_route *route, uint8_t out[SOLANA_ROUTE_ACCOUNT_BYTES],
                               dep_error *err)
{
    writer w = {out, SOLANA_ROUTE_ACCOUNT_BYTES, 0};
    uint64_t created, updated;
    uint8_t flags[2] = {route->module_type, route->enabled ? 1 : 0};
    memcpy(&created, &route->created_at, sizeof created);
    memcpy(&updated, &route->updated_at, sizeof updated);
    memset(out, 0, SOLANA_ROUTE_ACCOUNT_BYTES);
    dep_status st;
    if ((st = put(&w, solana_route_discriminator, 8, err)) ||
        (st = put(&w, route->authority.bytes, SOLANA_PUBKEY_BYTES, err)) ||
        (st = put_string(&w, route->domain, SOLANA_ROUTE_DOMAIN_MAX_BYTES, "domain", err)) ||
        (st = put_string(&w, route->path, SOLANA_ROUTE_PATH_MAX_BYTES, "path_pattern", err)) ||
        (st = put_string(&w, route->cid, SOLANA_ROUTE_CID_MAX_BYTES, "wasm_cid", err)) ||
        (st = put(&w, flags, sizeof flags, err)) || (st = put_le(&w, created, 8, err)) ||
        (st = put_le(&w, updated, 8, err)))
        return st;
    return DEP_OK;
}

const char *solana_module_type_name(uint8_t module_type)
{
    switch (module_type) {
    case SOLANA_MODULE_TYPE_WAF:
        return "waf";
    case SOLANA_MODULE_TYPE_FUNCTION:
        return "function";
    }
    return "unknown";
}

bool solana_module_type_parse(const char *name, uint8_t *out)
{
    if (strcmp(name, "waf") == 0)
        *out = SOLANA_MODULE_TYPE_WAF;
    else if (strcmp(name, "function") == 0)
        *out = SOLANA_MODULE_TYPE_FUNCTION;
    else
        return false;
    return true;
}

dep_status solana_route_address(const solana_pubkey *program, const char *domain, const char *path,
                                solana_pubkey *out, uint8_t *bump, dep_error *err)
{
    uint8_t key[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_state st;
    static const uint8_t zero = 0;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const uint8_t *)domain, strlen(domain));
    crypto_hash_sha256_update(&st, &zero, 1);
    crypto_hash_sha256_update(&st, (const uint8_t *)path, strlen(path));
    crypto_hash_sha256_final(&st, key);
    const uint8_t *seeds[2] = {(const uint8_t *)route_seed, key};
    size_t lens[2] = {sizeof route_seed - 1, sizeof key};
    return solana_find_program_address(seeds, lens, 2, program, out, bump, err);
}

/* ---- instructions ---- */

static void ix_init(solana_instruction *ix, const solana_pubkey *program,
                    const solana_pubkey *authority, bool authority_writable,
                    const solana_pubkey *route, const uint8_t disc[8])
{
    memset(ix, 0, sizeof *ix);
    ix->program = *program;
    ix->accounts[0] = (solana_account_meta){*authority, true, authority_writable};
    ix->accounts[1] = (solana_account_meta){*route, false, true};
    ix->account_count = 2;
    memcpy(ix->data, disc, 8);
    ix->data_len = 8;
}

dep_status solana_ix_register_route(const solana_pubkey *program, const solana_pubkey *authority,
                                    const char *domain, const char *path, const char *cid,
                                    uint8_t module_type, solana_instruction *ix, dep_error *err)
{
    solana_pubkey route, system;
    uint8_t bump;
    dep_status st;
    if (strlen(domain) > SOLANA_ROUTE_DOMAIN_MAX_BYTES ||
        strlen(path) > SOLANA_ROUTE_PATH_MAX_BYTES)
        return dep_fail(err, DEP_ERR_LIMIT, "register_route: domain over %d or path over %d bytes",
                        SOLANA_ROUTE_DOMAIN_MAX_BYTES, SOLANA_ROUTE_PATH_MAX_BYTES);
    if ((st = solana_route_address(program, domain, path, &route, &bump, err)) != DEP_OK)
        return st;
    memset(system.bytes, 0, sizeof system.bytes);
    ix_init(ix, program, authority, true, &route, ix_register_route);
    ix->accounts[2] = (solana_account_meta){system, false, false};
    ix->account_count = 3;
    writer w = {ix->data, sizeof ix->data, ix->data_len};
    if ((st = put_string(&w, domain, SOLANA_ROUTE_DOMAIN_MAX_BYTES, "domain", err)) ||
        (st = put_string(&w, path, SOLANA_ROUTE_PATH_MAX_BYTES, "path_pattern", err)) ||
        (st = put_string(&w, cid, SOLANA_ROUTE_CID_MAX_BYTES, "wasm_cid", err)) ||
        (st = put(&w, &module_type, 1, err)))
        return st;
    ix->data_len = w.len;
    return DEP_OK;
}

dep_status solana_ix_update_route(const solana_pubkey *program, const solana_pubkey *authority,
                                  const solana_pubkey *route, const char *new_cid,
                                  solana_instruction *ix, dep_error *err)
{
    ix_init(ix, program, authority, false, route, ix_update_route);
    writer w = {ix->data, sizeof ix->data, ix->data_len};
    dep_status st = put_string(&w, new_cid, SOLANA_ROUTE_CID_MAX_BYTES, "wasm_cid", err);
    if (st != DEP_OK)
        return st;
    ix->data_len = w.len;
    return DEP_OK;
}

void solana_ix_set_enabled(const solana_pubkey *program, const solana_pubkey *authority,
                           const solana_pubkey *route, bool enabled, solana_instruction *ix)
{
    ix_init(ix, program, authority, false, route, ix_set_enabled);
    ix->data[ix->data_len++] = enabled ? 1 : 0;
}

void solana_ix_transfer_authority(const solana_pubkey *program, const solana_pubkey *authority,
                                  const solana_pubkey *route, const solana_pubkey *new_authority,
                                  solana_instruction *ix)
{
    ix_init(ix, program, authority, false, route, ix_transfer_authority);
    memcpy(ix->data + ix->data_len, new_authority->bytes, SOLANA_PUBKEY_BYTES);
    ix->data_len += SOLANA_PUBKEY_BYTES;
}

void solana_ix_close_route(const solana_pubkey *program, const solana_pubkey *authority,
                           const solana_pubkey *route, solana_instruction *ix)
{
    ix_init(ix, program, authority, true, route, ix_close_route);
}

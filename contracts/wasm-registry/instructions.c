/*
 * The five instructions of the wasm-registry program and the account checks they share.
 *
 * Accounts (in this order):
 *   register_route     [authority: signer, writable] [route: writable] [system program]
 *   update_route, set_enabled, transfer_authority
 *                      [authority: signer] [route: writable]
 *   close_route        [authority: signer, writable] [route: writable]
 *
 * Every check a careful Anchor program makes is made here, in the order that gives the most
 * precise error: argument decoding, field rules, signer and writable flags, the system program's
 * identity, PDA re-derivation, ownership, discriminator, stored data, and authority. A route
 * account is created by a CPI to the system program signed with the PDA's seeds, so nobody else
 * can create an account at that address, and pre-funding the address (a way to block
 * create_account) does not stop registration: the program tops it up, allocates and assigns.
 */
#include "registry.h"

/* The system program's id is 32 zero bytes (base58 "11111111111111111111111111111111"). */
static const SolPubkey system_program_id = {{0}};

/* System program instruction tags (u32 little-endian at the start of its data). */
enum { SYS_CREATE_ACCOUNT = 0, SYS_ASSIGN = 1, SYS_TRANSFER = 2, SYS_ALLOCATE = 8 };

static void put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t now_unix(int64_t *out)
{
    SolClock clock;
    if (sol_get_clock_sysvar(&clock) != SOL_SUCCESS)
        return REG_FAIL(REG_ERR_SYSVAR_FAILED, "SysvarFailed: Clock sysvar unavailable");
    *out = clock.unix_timestamp;
    return REG_OK;
}

/*
 * Rent-exempt minimum for `space` bytes: (128 + space) * lamports_per_byte_year * threshold.
 * The threshold is an f64; BPF has no floating point, so it is decoded from its IEEE-754 bits
 * and accepted when it is an exact integer from 1 to 1024 (the cluster value is 2.0).
 */
static uint64_t rent_minimum(uint64_t space, uint64_t *out)
{
    SolRent rent;
    if (sol_get_rent_sysvar(&rent) != SOL_SUCCESS)
        return REG_FAIL(REG_ERR_SYSVAR_FAILED, "SysvarFailed: Rent sysvar unavailable");
    uint64_t bits = rent.exemption_threshold_bits;
    uint64_t exponent = (bits >> 52) & 0x7ff;
    uint64_t mantissa = bits & ((1ULL << 52) - 1);
    if ((bits >> 63) != 0 || exponent < 1023 || exponent > 1023 + 10)
        return REG_FAIL(REG_ERR_RENT_UNSUPPORTED,
                        "RentUnsupported: exemption threshold is not an integer in 1..1024");
    uint64_t shift = 52 - (exponent - 1023);
    if ((mantissa & ((1ULL << shift) - 1)) != 0)
        return REG_FAIL(REG_ERR_RENT_UNSUPPORTED,
                        "RentUnsupported: exemption threshold is not an integer in 1..1024");
    uint64_t threshold = ((1ULL << 52) | mantissa) >> shift;
    if (threshold > 1024)
        return REG_FAIL(REG_ERR_RENT_UNSUPPORTED,
                        "RentUnsupported: exemption threshold is not an integer in 1..1024");
    uint64_t bytes = SOL_ACCOUNT_STORAGE_OVERHEAD_BYTES + space;
    /* bytes < 2^11 and threshold <= 2^10: the product overflows only past 2^43 lamports/byte. */
    if (rent.lamports_per_byte_year > (UINT64_MAX / bytes) / threshold)
        return REG_FAIL(REG_ERR_RENT_UNSUPPORTED, "RentUnsupported: rent overflows u64");
    *out = bytes * rent.lamports_per_byte_year * threshold;
    return REG_OK;
}

/* Checks for the instructions that change an existing route: returns the route account and
 * its decoded view after verifying signer, writability, owner, discriminator, stored data,
 * PDA and authority. */
static uint64_t load_route(SolParameters *params, bool authority_writable,
                           SolAccountInfo **route_out, RouteView *view)
{
    static const uint8_t discriminator[ROUTE_DISCRIMINATOR_BYTES] = ROUTE_ACCOUNT_DISCRIMINATOR;
    if (params->ka_num < 2)
        return REG_FAIL(REG_ERR_MISSING_ACCOUNTS, "MissingAccounts: expected authority, route");
    SolAccountInfo *authority = &params->ka[0];
    SolAccountInfo *route = &params->ka[1];
    if (sol_pubkey_eq(authority->key, route->key))
        return REG_FAIL(REG_ERR_DUPLICATE_ACCOUNT,
                        "DuplicateAccount: authority and route are the same account");
    if (!authority->is_signer)
        return REG_FAIL(REG_ERR_AUTHORITY_NOT_SIGNER,
                        "AuthorityNotSigner: the authority must sign");
    if (authority_writable && !authority->is_writable)
        return REG_FAIL(REG_ERR_AUTHORITY_NOT_WRITABLE,
                        "AuthorityNotWritable: the authority must be writable");
    if (!route->is_writable)
        return REG_FAIL(REG_ERR_ROUTE_NOT_WRITABLE, "RouteNotWritable: the route must be writable");
    if (sol_pubkey_eq(route->owner, &system_program_id))
        return REG_FAIL(REG_ERR_ROUTE_NOT_FOUND,
                        "RouteNotFound: no route at this address (never registered or closed)");
    if (!sol_pubkey_eq(route->owner, params->program_id))
        return REG_FAIL(REG_ERR_WRONG_OWNER,
                        "WrongOwner: the route account belongs to another program");
    int diff = 1;
    if (route->data_len >= ROUTE_DISCRIMINATOR_BYTES)
        sol_memcmp_(route->data, discriminator, ROUTE_DISCRIMINATOR_BYTES, &diff);
    if (diff != 0)
        return REG_FAIL(REG_ERR_BAD_DISCRIMINATOR,
                        "BadDiscriminator: the account is not a WasmRoute");
    uint64_t err = route_parse(route->data, route->data_len, view);
    if (err != REG_OK)
        return err;
    if (!sol_pubkey_eq(authority->key, view->authority))
        return REG_FAIL(REG_ERR_AUTHORITY_MISMATCH,
                        "AuthorityMismatch: the signer is not the route's authority");
    uint8_t hash[ROUTE_KEY_HASH_BYTES];
    SolPubkey expected;
    uint8_t bump;
    route_key_hash(&view->domain, &view->path, hash);
    if (!route_find_pda(hash, params->program_id, &expected, &bump) ||
        !sol_pubkey_eq(&expected, route->key))
        return REG_FAIL(REG_ERR_ROUTE_PDA_MISMATCH,
                        "RoutePdaMismatch: the route is not at the PDA of its domain and path");
    *route_out = route;
    return REG_OK;
}

/* One system-program CPI with two accounts (the second may be the PDA and sign by seeds). */
static uint64_t system_call(SolParameters *params, SolAccountMeta *metas, uint64_t metas_len,
                            uint8_t *data, uint64_t data_len, const SolSignerSeeds *signer)
{
    SolInstruction ix = {(SolPubkey *)&system_program_id, metas, metas_len, data, data_len};
    if (sol_invoke_signed_c(&ix, params->ka, (int)params->ka_num, signer, signer ? 1 : 0) !=
        SOL_SUCCESS)
        return REG_FAIL(REG_ERR_CPI_FAILED, "CpiFailed: the system program refused");
    return REG_OK;
}

/* Creates the route account at the PDA, paid by the authority, owned by this program. */
static uint64_t create_route_account(SolParameters *params, const uint8_t *hash, uint8_t bump)
{
    SolAccountInfo *authority = &params->ka[0];
    SolAccountInfo *route = &params->ka[1];
    uint64_t minimum = 0;
    uint64_t err = rent_minimum(ROUTE_ACCOUNT_BYTES, &minimum);
    if (err != REG_OK)
        return err;
    uint64_t shortfall = *route->lamports >= minimum ? 0 : minimum - *route->lamports;
    if (*authority->lamports < shortfall)
        return REG_FAIL(REG_ERR_INSUFFICIENT_FUNDS,
                        "InsufficientFunds: the authority cannot pay the route's rent");

    uint8_t bump_seed[1] = {bump};
    SolSignerSeed seeds[3] = {
        {(const uint8_t *)ROUTE_SEED, ROUTE_SEED_BYTES},
        {hash, ROUTE_KEY_HASH_BYTES},
        {bump_seed, 1},
    };
    SolSignerSeeds signer = {seeds, 3};
    SolAccountMeta payer_and_route[2] = {{authority->key, true, true}, {route->key, true, true}};
    SolAccountMeta route_only[1] = {{route->key, true, true}};
    uint8_t data[4 + 8 + 8 + SOL_PUBKEY_BYTES];

    if (*route->lamports == 0) {
        put_u32(data, SYS_CREATE_ACCOUNT);
        put_u64(data + 4, minimum);
        put_u64(data + 12, ROUTE_ACCOUNT_BYTES);
        sol_memcpy_(data + 20, params->program_id->x, SOL_PUBKEY_BYTES);
        return system_call(params, payer_and_route, 2, data, sizeof data, &signer);
    }
    /* Someone sent lamports to the address first: create_account would refuse, so top up,
     * allocate and assign instead (each signed by the PDA). */
    if (shortfall > 0) {
        put_u32(data, SYS_TRANSFER);
        put_u64(data + 4, shortfall);
        payer_and_route[1].is_signer = false;
        err = system_call(params, payer_and_route, 2, data, 12, NULL);
        if (err != REG_OK)
            return err;
    }
    put_u32(data, SYS_ALLOCATE);
    put_u64(data + 4, ROUTE_ACCOUNT_BYTES);
    err = system_call(params, route_only, 1, data, 12, &signer);
    if (err != REG_OK)
        return err;
    put_u32(data, SYS_ASSIGN);
    sol_memcpy_(data + 4, params->program_id->x, SOL_PUBKEY_BYTES);
    return system_call(params, route_only, 1, data, 4 + SOL_PUBKEY_BYTES, &signer);
}

static uint64_t args_end(const BorshReader *r)
{
    if (r->pos != r->end)
        return REG_FAIL(REG_ERR_DATA_TRAILING,
                        "DataTrailing: bytes left after the instruction arguments");
    return REG_OK;
}

#define TRUNCATED()                                                                                \
    REG_FAIL(REG_ERR_DATA_TRUNCATED, "DataTruncated: instruction arguments end early")

uint64_t ix_register_route(SolParameters *params, const uint8_t *args, uint64_t args_len)
{
    BorshReader r = {args, args + args_len};
    RouteView view;
    if (!borsh_read_string(&r, &view.domain) || !borsh_read_string(&r, &view.path) ||
        !borsh_read_string(&r, &view.cid) || !borsh_read_u8(&r, &view.module_type))
        return TRUNCATED();
    uint64_t err = args_end(&r);
    if (err == REG_OK)
        err = route_validate_domain(&view.domain);
    if (err == REG_OK)
        err = route_validate_path(&view.path);
    if (err == REG_OK)
        err = route_validate_cid(&view.cid);
    if (err != REG_OK)
        return err;
    if (view.module_type > MODULE_TYPE_FUNCTION)
        return REG_FAIL(REG_ERR_MODULE_TYPE_INVALID,
                        "ModuleTypeInvalid: module_type must be 0 (waf) or 1 (function)");

    if (params->ka_num < 3)
        return REG_FAIL(REG_ERR_MISSING_ACCOUNTS,
                        "MissingAccounts: expected authority, route, system program");
    SolAccountInfo *authority = &params->ka[0];
    SolAccountInfo *route = &params->ka[1];
    if (sol_pubkey_eq(authority->key, route->key))
        return REG_FAIL(REG_ERR_DUPLICATE_ACCOUNT,
                        "DuplicateAccount: authority and route are the same account");
    if (!authority->is_signer)
        return REG_FAIL(REG_ERR_AUTHORITY_NOT_SIGNER,
                        "AuthorityNotSigner: the authority must sign");
    if (!authority->is_writable)
        return REG_FAIL(REG_ERR_AUTHORITY_NOT_WRITABLE,
                        "AuthorityNotWritable: the authority pays rent and must be writable");
    if (!route->is_writable)
        return REG_FAIL(REG_ERR_ROUTE_NOT_WRITABLE, "RouteNotWritable: the route must be writable");
    if (!sol_pubkey_eq(params->ka[2].key, &system_program_id))
        return REG_FAIL(REG_ERR_WRONG_SYSTEM_PROGRAM,
                        "WrongSystemProgram: third account is not the system program");

    uint8_t hash[ROUTE_KEY_HASH_BYTES];
    SolPubkey expected;
    uint8_t bump;
    route_key_hash(&view.domain, &view.path, hash);
    if (!route_find_pda(hash, params->program_id, &expected, &bump) ||
        !sol_pubkey_eq(&expected, route->key))
        return REG_FAIL(REG_ERR_ROUTE_PDA_MISMATCH,
                        "RoutePdaMismatch: route is not the PDA of [\"route\", "
                        "sha256(domain 0x00 path)]");
    if (sol_pubkey_eq(route->owner, params->program_id))
        return REG_FAIL(REG_ERR_ROUTE_EXISTS,
                        "RouteExists: this domain and path are already registered");
    if (!sol_pubkey_eq(route->owner, &system_program_id))
        return REG_FAIL(REG_ERR_WRONG_OWNER,
                        "WrongOwner: the route address holds an account of another program");
    if (route->data_len != 0)
        return REG_FAIL(REG_ERR_WRONG_OWNER,
                        "WrongOwner: the route address holds a system account with data");

    int64_t now = 0;
    err = now_unix(&now);
    if (err == REG_OK)
        err = create_route_account(params, hash, bump);
    if (err != REG_OK)
        return err;
    /* The CPI grew the account; its new length is in the account info the runtime updated. */
    if (route->data_len < ROUTE_ACCOUNT_BYTES)
        return REG_FAIL(REG_ERR_CPI_FAILED, "CpiFailed: route account was not allocated");
    view.authority = authority->key;
    view.enabled = true;
    view.created_at = now;
    view.updated_at = now;
    route_write(route->data, &view);
    sol_log("registry: route registered");
    return REG_OK;
}

uint64_t ix_update_route(SolParameters *params, const uint8_t *args, uint64_t args_len)
{
    BorshReader r = {args, args + args_len};
    RegStr cid;
    if (!borsh_read_string(&r, &cid))
        return TRUNCATED();
    uint64_t err = args_end(&r);
    if (err == REG_OK)
        err = route_validate_cid(&cid);
    SolAccountInfo *route = NULL;
    RouteView view;
    if (err == REG_OK)
        err = load_route(params, false, &route, &view);
    int64_t now = 0;
    if (err == REG_OK)
        err = now_unix(&now);
    if (err != REG_OK)
        return err;
    view.cid = cid;
    view.updated_at = now;
    route_write(route->data, &view);
    sol_log("registry: route updated");
    return REG_OK;
}

uint64_t ix_set_enabled(SolParameters *params, const uint8_t *args, uint64_t args_len)
{
    BorshReader r = {args, args + args_len};
    uint8_t enabled;
    if (!borsh_read_u8(&r, &enabled))
        return TRUNCATED();
    uint64_t err = args_end(&r);
    if (err != REG_OK)
        return err;
    if (enabled > 1)
        return REG_FAIL(REG_ERR_BOOL_INVALID, "BoolInvalid: enabled must be 0 or 1");
    SolAccountInfo *route = NULL;
    RouteView view;
    int64_t now = 0;
    err = load_route(params, false, &route, &view);
    if (err == REG_OK)
        err = now_unix(&now);
    if (err != REG_OK)
        return err;
    view.enabled = enabled == 1;
    view.updated_at = now;
    route_write(route->data, &view);
    sol_log("registry: route enabled flag set");
    return REG_OK;
}

uint64_t ix_transfer_authority(SolParameters *params, const uint8_t *args, uint64_t args_len)
{
    BorshReader r = {args, args + args_len};
    const SolPubkey *new_authority;
    if (!borsh_read_pubkey(&r, &new_authority))
        return TRUNCATED();
    uint64_t err = args_end(&r);
    if (err != REG_OK)
        return err;
    SolAccountInfo *route = NULL;
    RouteView view;
    int64_t now = 0;
    err = load_route(params, false, &route, &view);
    if (err != REG_OK)
        return err;
    /* Nobody can sign for the zero key or for the route's own address: either would lock the
     * route forever. */
    if (sol_pubkey_eq(new_authority, &system_program_id) ||
        sol_pubkey_eq(new_authority, route->key))
        return REG_FAIL(REG_ERR_NEW_AUTHORITY_INVALID,
                        "NewAuthorityInvalid: new authority is the zero key or the route itself");
    err = now_unix(&now);
    if (err != REG_OK)
        return err;
    view.authority = new_authority;
    view.updated_at = now;
    route_write(route->data, &view);
    sol_log("registry: route authority transferred");
    return REG_OK;
}

uint64_t ix_close_route(SolParameters *params, const uint8_t *args, uint64_t args_len)
{
    BorshReader r = {args, args + args_len};
    uint64_t err = args_end(&r);
    SolAccountInfo *route = NULL;
    RouteView view;
    if (err == REG_OK)
        err = load_route(params, true, &route, &view);
    if (err != REG_OK)
        return err;
    SolAccountInfo *authority = &params->ka[0];
    if (*authority->lamports > UINT64_MAX - *route->lamports)
        return REG_FAIL(REG_ERR_INSUFFICIENT_FUNDS, "InsufficientFunds: lamports overflow");
    /* Rent goes back to the authority; no lamports, no data and the system program as owner
     * make the account indistinguishable from one never created, even later in the same
     * transaction, so nothing can use it after close and the route can be registered anew. The
     * length shrinks through the serialised length the runtime reads back (the u64 just before
     * the data); the runtime accepts it because this program still owns the account then. */
    *authority->lamports += *route->lamports;
    *route->lamports = 0;
    sol_memset_(route->data, 0, route->data_len);
    sol_set_data_len(route, 0);
    sol_memcpy_(route->owner->x, system_program_id.x, SOL_PUBKEY_BYTES);
    sol_log("registry: route closed");
    return REG_OK;
}

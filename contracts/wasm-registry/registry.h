/*
 * Internal interface of the wasm-registry program: the route account layout (ARCHITECTURE §7),
 * the instruction discriminators, the error codes, and the functions the program's files share.
 * The program keeps one account per (domain, path pattern) at the PDA
 * ["route", sha256(domain ‖ 0x00 ‖ path_pattern)]; only the account's authority may change it.
 *
 * Everything here is Anchor-compatible: discriminators are sha256("global:<name>")[..8] for
 * instructions and sha256("account:WasmRoute")[..8] for the account, fields are Borsh, and error
 * codes start at 6000 as Anchor's custom errors do, so idl.json describes the program exactly.
 */
#ifndef AEGIS_WASM_REGISTRY_H
#define AEGIS_WASM_REGISTRY_H

#include "../sdk/solana_sdk.h"

/* Field limits in bytes (Borsh strings carry a u32 length before the bytes). */
#define ROUTE_DOMAIN_MAX_BYTES 253
#define ROUTE_DOMAIN_LABEL_MAX_BYTES 63
#define ROUTE_PATH_MAX_BYTES 256
#define ROUTE_CID_MAX_BYTES 100

/* Account data: discriminator, authority, three strings sized for their maximum, module_type,
 * enabled, created_at, updated_at. Every route account has exactly this size, so clients may
 * filter on it (getProgramAccounts dataSize). */
#define ROUTE_DISCRIMINATOR_BYTES 8
#define ROUTE_ACCOUNT_BYTES                                                                        \
    (ROUTE_DISCRIMINATOR_BYTES + SOL_PUBKEY_BYTES + 4 + ROUTE_DOMAIN_MAX_BYTES + 4 +               \
     ROUTE_PATH_MAX_BYTES + 4 + ROUTE_CID_MAX_BYTES + 1 + 1 + 8 + 8)
/* Offset of the authority field: fixed, so clients filter routes by authority with memcmp. */
#define ROUTE_AUTHORITY_OFFSET ROUTE_DISCRIMINATOR_BYTES
#define ROUTE_DOMAIN_OFFSET (ROUTE_AUTHORITY_OFFSET + SOL_PUBKEY_BYTES)

#define ROUTE_SEED "route"
#define ROUTE_SEED_BYTES 5

enum { MODULE_TYPE_WAF = 0, MODULE_TYPE_FUNCTION = 1 };

/* sha256("account:WasmRoute")[..8] */
#define ROUTE_ACCOUNT_DISCRIMINATOR                                                                \
    {                                                                                              \
        0x7d, 0x97, 0x10, 0xa4, 0x58, 0xd3, 0xeb, 0x38                                             \
    }
/* sha256("global:<instruction>")[..8], as little-endian u64 for a cheap compare. */
#define IX_REGISTER_ROUTE 0xfa17ff50b2f5423dULL
#define IX_UPDATE_ROUTE 0x6b8a7f82d15602b1ULL
#define IX_SET_ENABLED 0x7b6ee9b597ef976cULL
#define IX_TRANSFER_AUTHORITY 0xa137b4e5484ca930ULL
#define IX_CLOSE_ROUTE 0x942afb58ecd149b5ULL

/* Program errors: the runtime reports them as InstructionError::Custom(code). Each failure has
 * its own code and a log line "registry error <code> <Name>: <why>". Keep in step with idl.json
 * and docs/REGISTRY.md. */
typedef enum {
    REG_OK = 0,
    REG_ERR_UNKNOWN_INSTRUCTION = 6000,
    REG_ERR_DATA_TRUNCATED = 6001,
    REG_ERR_DATA_TRAILING = 6002,
    REG_ERR_MISSING_ACCOUNTS = 6003,
    REG_ERR_AUTHORITY_NOT_SIGNER = 6004,
    REG_ERR_AUTHORITY_NOT_WRITABLE = 6005,
    REG_ERR_ROUTE_NOT_WRITABLE = 6006,
    REG_ERR_WRONG_SYSTEM_PROGRAM = 6007,
    REG_ERR_ROUTE_PDA_MISMATCH = 6008,
    REG_ERR_ROUTE_EXISTS = 6009,
    REG_ERR_ROUTE_NOT_FOUND = 6010,
    REG_ERR_WRONG_OWNER = 6011,
    REG_ERR_BAD_DISCRIMINATOR = 6012,
    REG_ERR_CORRUPT_ACCOUNT = 6013,
    REG_ERR_AUTHORITY_MISMATCH = 6014,
    REG_ERR_DOMAIN_EMPTY = 6015,
    REG_ERR_DOMAIN_TOO_LONG = 6016,
    REG_ERR_DOMAIN_INVALID = 6017,
    REG_ERR_PATH_EMPTY = 6018,
    REG_ERR_PATH_TOO_LONG = 6019,
    REG_ERR_PATH_INVALID = 6020,
    REG_ERR_CID_EMPTY = 6021,
    REG_ERR_CID_TOO_LONG = 6022,
    REG_ERR_CID_INVALID = 6023,
    REG_ERR_MODULE_TYPE_INVALID = 6024,
    REG_ERR_BOOL_INVALID = 6025,
    REG_ERR_NEW_AUTHORITY_INVALID = 6026,
    REG_ERR_INSUFFICIENT_FUNDS = 6027,
    REG_ERR_RENT_UNSUPPORTED = 6028,
    REG_ERR_SYSVAR_FAILED = 6029,
    REG_ERR_CPI_FAILED = 6030,
    REG_ERR_DUPLICATE_ACCOUNT = 6031,
} RegError;

/* Reports a failure: logs "registry error: <Name>: <why>" and returns the code (the runtime adds
 * its own line with the number). Used as `return REG_FAIL(REG_ERR_X, "Name: why")` so that
 * every message is a literal at its call site: no table of pointers in read-only data. */
uint64_t registry_fail(uint64_t code, const char *message, uint64_t message_len);
#define REG_FAIL(code, literal)                                                                    \
    registry_fail((code), "registry error: " literal, sizeof("registry error: " literal) - 1)

/* A byte string borrowed from the instruction data or the account data. */
typedef struct {
    const uint8_t *bytes;
    uint64_t len;
} RegStr;

/* Borsh reader over the instruction arguments; never reads past `end`. */
typedef struct {
    const uint8_t *pos;
    const uint8_t *end;
} BorshReader;

/* Each returns false when the data ends early. */
bool borsh_read_u8(BorshReader *r, uint8_t *out);
bool borsh_read_string(BorshReader *r, RegStr *out);
bool borsh_read_pubkey(BorshReader *r, const SolPubkey **out);

/* Field validation; each returns REG_OK or the matching REG_ERR_* after logging it. */
uint64_t route_validate_domain(const RegStr *domain);
uint64_t route_validate_path(const RegStr *path);
uint64_t route_validate_cid(const RegStr *cid);

/* Decoded view of a route account's data (strings borrow the account data). */
typedef struct {
    const SolPubkey *authority;
    RegStr domain;
    RegStr path;
    RegStr cid;
    uint8_t module_type;
    bool enabled;
    int64_t created_at;
    int64_t updated_at;
} RouteView;

/* Parses account data after its discriminator was checked; REG_ERR_CORRUPT_ACCOUNT if a stored
 * length overruns the account or a flag is out of range. */
uint64_t route_parse(const uint8_t *data, uint64_t data_len, RouteView *view);

/* Serialises a route into `data` (ROUTE_ACCOUNT_BYTES long), zeroing the unused tail. The
 * strings must not overlap `data` except at their own offsets (update keeps domain and path in
 * place and writes a new CID from the instruction data). */
void route_write(uint8_t *data, const RouteView *view);

/* sha256(domain ‖ 0x00 ‖ path): the second seed of the route PDA. */
#define ROUTE_KEY_HASH_BYTES 32
void route_key_hash(const RegStr *domain, const RegStr *path, uint8_t hash[ROUTE_KEY_HASH_BYTES]);

/* Derives the route PDA from its key hash; false if no bump gives an off-curve address. */
bool route_find_pda(const uint8_t hash[ROUTE_KEY_HASH_BYTES], const SolPubkey *program_id,
                    SolPubkey *address, uint8_t *bump);

/* The instruction handlers: accounts and argument bytes after the discriminator. */
uint64_t ix_register_route(SolParameters *params, const uint8_t *args, uint64_t args_len);
uint64_t ix_update_route(SolParameters *params, const uint8_t *args, uint64_t args_len);
uint64_t ix_set_enabled(SolParameters *params, const uint8_t *args, uint64_t args_len);
uint64_t ix_transfer_authority(SolParameters *params, const uint8_t *args, uint64_t args_len);
uint64_t ix_close_route(SolParameters *params, const uint8_t *args, uint64_t args_len);

/* Dispatches one instruction (what `entrypoint` does after deserialising). */
uint64_t registry_process(SolParameters *params);

/* Most accounts any instruction takes; extra accounts are ignored. */
#define REGISTRY_MAX_ACCOUNTS 4

#endif

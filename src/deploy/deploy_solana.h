/*
 * The Solana client of the route registry (contracts/wasm-registry/, docs/REGISTRY.md): what a
 * tool or a node needs to read and change route accounts on a cluster, written from the public
 * formats alone.
 *   - keys: base58 public keys, keypair files in the Solana CLI's JSON format (64 numbers),
 *     program-derived addresses (sha256 + libsodium's curve check);
 *   - Borsh: the WasmRoute account and the five Anchor-style instructions, every length checked;
 *   - legacy transaction messages (compact-u16 arrays, the four account classes in order),
 *     ed25519 signatures from libsodium, wire encoding;
 *   - a JSON-RPC 2.0 client over libcurl and jansson for the methods the registry needs;
 *   - the program's error codes (6000+) with their names and messages, as in idl.json.
 *
 * Fallible functions return a dep_status (deploy.h) and fill the dep_error they are given with a
 * message the caller can print as is. Nothing from a file, a server or the chain can make them
 * read or write out of bounds.
 */
#ifndef AEGIS_DEPLOY_SOLANA_H
#define AEGIS_DEPLOY_SOLANA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Part of deploy.h, the component's one public header: include that instead. */
#ifndef AEGIS_DEPLOY_H
#error "include deploy/deploy.h"
#endif

enum {
    SOLANA_PUBKEY_BYTES = 32,
    SOLANA_HASH_BYTES = 32,
    SOLANA_SIGNATURE_BYTES = 64,
    SOLANA_SECRET_KEY_BYTES = 64,   /* ed25519 seed followed by the public key */
    SOLANA_PUBKEY_TEXT_MAX = 45,    /* 44 base58 characters at most, NUL included */
    SOLANA_SIGNATURE_TEXT_MAX = 89, /* 88 base58 characters at most, NUL included */
    SOLANA_TX_MAX_BYTES = 1232,     /* IPv6 MTU minus headers: the cluster's packet limit */
    SOLANA_MAX_SEEDS = 16,
    SOLANA_MAX_SEED_BYTES = 32,
    SOLANA_IX_MAX_ACCOUNTS = 4, /* the registry's instructions use at most three */
    SOLANA_MSG_MAX_ACCOUNTS = 16,
    SOLANA_MSG_MAX_INSTRUCTIONS = 4,
    SOLANA_KEYPAIR_FILE_MAX_BYTES = 4096, /* 64 numbers of at most 3 digits, with room for spaces */
};

/* ---- the registry's account and limits (contracts/wasm-registry/registry.h) ---- */
enum {
    SOLANA_ROUTE_DOMAIN_MAX_BYTES = 253,
    SOLANA_ROUTE_PATH_MAX_BYTES = 256,
    SOLANA_ROUTE_CID_MAX_BYTES = 100,
    SOLANA_ROUTE_ACCOUNT_BYTES = 679,
    SOLANA_ROUTE_AUTHORITY_OFFSET = 8,
    SOLANA_ROUTE_DOMAIN_OFFSET = 40,
    SOLANA_MODULE_TYPE_WAF = 0,
    SOLANA_MODULE_TYPE_FUNCTION = 1,
    SOLANA_REGISTRY_ERROR_FIRST = 6000,
    SOLANA_REGISTRY_ERROR_LAST = 6031,
};

/* The registry's program id as idl.json gives it (where the tests load it). */
#define SOLANA_REGISTRY_PROGRAM_ID "Fw6L5AfxYM6oKWJYxVEctgeD4L4RovwmP6bWfXuZoWHa"
#define SOLANA_SYSTEM_PROGRAM_ID "11111111111111111111111111111111"
/* sha256("account:WasmRoute")[..8] */
extern const uint8_t solana_route_discriminator[8];

typedef struct solana_pubkey {
    uint8_t bytes[SOLANA_PUBKEY_BYTES];
} solana_pubkey;

typedef struct solana_keypair {
    solana_pubkey pubkey;
    uint8_t secret[SOLANA_SECRET_KEY_BYTES]; /* libsodium's layout: seed ‖ public key */
} solana_keypair;

/* ---- keys ---- */

/* Parses a base58 public key; anything that is not exactly 32 bytes is an error. */
dep_status solana_pubkey_parse(const char *text, solana_pubkey *out, dep_error *err);

/* Prints key in base58 into out; returns out (for printf arguments). */
char *solana_pubkey_string(const solana_pubkey *key, char out[SOLANA_PUBKEY_TEXT_MAX]);

bool solana_pubkey_equal(const solana_pubkey *a, const solana_pubkey *b);

/* True when the 32 bytes are a point of the ed25519 curve (so no private key can exist for a
 * program-derived address, which must be off the curve). */
bool solana_pubkey_on_curve(const solana_pubkey *key);

/* Parses a keypair in the Solana CLI's JSON format: an array of 64 integers 0-255 (seed, then
 * public key). The public half must match the seed. */
dep_status solana_keypair_parse(const char *json, size_t len, solana_keypair *out, dep_error *err);

/* Reads and parses a keypair file; the error names the file. */
dep_status solana_keypair_load(const char *path, solana_keypair *out, dep_error *err);

/* A new random keypair; solana_keypair_json writes it in the CLI's format (malloc'd text). */
dep_status solana_keypair_generate(solana_keypair *out, dep_error *err);
char *solana_keypair_json(const solana_keypair *kp);

/* create_program_address: sha256(seeds ‖ program ‖ "ProgramDerivedAddress"), refused (UNSUPPORTED)
 * when the result lies on the curve. Each seed is at most 32 bytes, at most 16 seeds. */
dep_status solana_create_program_address(const uint8_t *const seeds[], const size_t seed_lens[],
                                         size_t seed_count, const solana_pubkey *program,
                                         solana_pubkey *out, dep_error *err);

/* find_program_address: the first bump from 255 down that gives an off-curve address, appended
 * to the seeds as one byte. */
dep_status solana_find_program_address(const uint8_t *const seeds[], const size_t seed_lens[],
                                       size_t seed_count, const solana_pubkey *program,
                                       solana_pubkey *out, uint8_t *bump, dep_error *err);

/* ---- instructions and the route account ---- */

typedef struct solana_account_meta {
    solana_pubkey pubkey;
    bool is_signer;
    bool is_writable;
} solana_account_meta;

enum { SOLANA_IX_DATA_MAX_BYTES = 1024 };

typedef struct solana_instruction {
    solana_pubkey program;
    solana_account_meta accounts[SOLANA_IX_MAX_ACCOUNTS];
    size_t account_count;
    uint8_t data[SOLANA_IX_DATA_MAX_BYTES];
    size_t data_len;
} solana_instruction;

/* A decoded WasmRoute account; the strings are NUL-terminated copies. */
typedef struct solana_route {
    solana_pubkey authority;
    char domain[SOLANA_ROUTE_DOMAIN_MAX_BYTES + 1];
    char path[SOLANA_ROUTE_PATH_MAX_BYTES + 1];
    char cid[SOLANA_ROUTE_CID_MAX_BYTES + 1];
    uint8_t module_type;
    bool enabled;
    int64_t created_at;
    int64_t updated_at;
} solana_route;

/* Decodes account data: discriminator, Borsh fields, each length within its limit and within
 * the data, module_type 0/1, enabled 0/1, no NUL inside a string. Zero padding after the fields
 * is allowed (the program sizes accounts for the longest fields), other trailing bytes are not. */
dep_status solana_route_decode(const uint8_t *data, size_t len, solana_route *out, dep_error *err);

/* Encodes a route as the program stores it (SOLANA_ROUTE_ACCOUNT_BYTES, zero-padded). */
dep_status solana_route_encode(const solana_route *route, uint8_t out[SOLANA_ROUTE_ACCOUNT_BYTES],
                               dep_error *err);

/* "waf" / "function" for a module type, "unknown" otherwise; the reverse returns false for a
 * name that is neither. */
const char *solana_module_type_name(uint8_t module_type);
bool solana_module_type_parse(const char *name, uint8_t *out);

/* The route PDA: ["route", sha256(domain ‖ 0x00 ‖ path)] of program. */
dep_status solana_route_address(const solana_pubkey *program, const char *domain, const char *path,
                                solana_pubkey *out, uint8_t *bump, dep_error *err);

/* The registry's instructions, accounts included, exactly as idl.json describes them. String
 * arguments are checked against the field limits here (the program checks their contents). */
dep_status solana_ix_register_route(const solana_pubkey *program, const solana_pubkey *authority,
                                    const char *domain, const char *path, const char *cid,
                                    uint8_t module_type, solana_instruction *ix, dep_error *err);
dep_status solana_ix_update_route(const solana_pubkey *program, const solana_pubkey *authority,
                                  const solana_pubkey *route, const char *new_cid,
                                  solana_instruction *ix, dep_error *err);
void solana_ix_set_enabled(const solana_pubkey *program, const solana_pubkey *authority,
                           const solana_pubkey *route, bool enabled, solana_instruction *ix);
void solana_ix_transfer_authority(const solana_pubkey *program, const solana_pubkey *authority,
                                  const solana_pubkey *route, const solana_pubkey *new_authority,
                                  solana_instruction *ix);
void solana_ix_close_route(const solana_pubkey *program, const solana_pubkey *authority,
                           const solana_pubkey *route, solana_instruction *ix);

/* ---- legacy transactions ---- */

/* Writes n (< 2^16) as compact-u16 (1-3 bytes) and returns the byte count. */
size_t solana_compact_u16_encode(uint16_t n, uint8_t out[3]);
/* Reads a compact-u16; rejects truncated, overlong and out-of-range encodings. */
dep_status solana_compact_u16_decode(const uint8_t *buf, size_t len, uint16_t *value, size_t *used,
                                     dep_error *err);

typedef struct solana_message {
    uint8_t bytes[SOLANA_TX_MAX_BYTES];
    size_t len;
    uint8_t signer_count;
    solana_pubkey signers[SOLANA_MSG_MAX_ACCOUNTS]; /* the first signer_count keys, in order */
} solana_message;

/* Compiles a legacy message: the fee payer first, then every account of the instructions (and
 * their program ids) once, flags merged, ordered signer-writable, signer-readonly,
 * nonsigner-writable, nonsigner-readonly (first appearance decides within a class); then the
 * blockhash and the instructions as indices. */
dep_status solana_message_compile(const solana_pubkey *payer,
                                  const uint8_t blockhash[SOLANA_HASH_BYTES],
                                  const solana_instruction *ixs, size_t ix_count,
                                  solana_message *out, dep_error *err);

/* Signs msg with every keypair it needs (matched by public key; a missing signer is an error)
 * and writes the wire transaction: compact-u16 signature count, signatures, message. */
dep_status solana_transaction_sign(const solana_message *msg, const solana_keypair *const keys[],
                                   size_t key_count, uint8_t *out, size_t cap, size_t *out_len,
                                   dep_error *err);

/* ---- the registry's errors ---- */

/* Name and message of a registry error code (6000-6031), or NULL for any other code. */
const char *solana_registry_error_name(int64_t code);
const char *solana_registry_error_message(int64_t code);

/* ---- JSON-RPC client ---- */

enum {
    SOLANA_RPC_TIMEOUT_MS_DEFAULT = 10000,     /* one HTTP request */
    SOLANA_CONFIRM_TIMEOUT_MS_DEFAULT = 60000, /* sendTransaction to a finalized status */
    SOLANA_RPC_MAX_RESPONSE_BYTES = 64 * 1024 * 1024,
    SOLANA_RPC_MAX_LOG_LINES = 200,
    SOLANA_RPC_MAX_ROUTES = 100000,
};

typedef struct solana_rpc solana_rpc;

/* A client for one endpoint ("http://127.0.0.1:8899"); timeout_ms 0 means the default. */
solana_rpc *solana_rpc_new(const char *url, uint32_t timeout_ms, dep_error *err);
void solana_rpc_free(solana_rpc *rpc);

/* Why a transaction failed, as the cluster said it: the JSON-RPC error message, the
 * instruction's custom code when there is one, and the program's log lines. */
typedef struct solana_tx_failure {
    bool failed;
    int64_t custom_code; /* -1 when the error is not InstructionError::Custom */
    int instruction_index;
    char message[512];
    char **logs;
    size_t log_count;
} solana_tx_failure;

void solana_tx_failure_clear(solana_tx_failure *f);

dep_status solana_rpc_get_health(solana_rpc *rpc, dep_error *err);
dep_status solana_rpc_get_latest_blockhash(solana_rpc *rpc, uint8_t hash[SOLANA_HASH_BYTES],
                                           dep_error *err);
dep_status solana_rpc_get_balance(solana_rpc *rpc, const solana_pubkey *key, uint64_t *lamports,
                                  dep_error *err);
dep_status solana_rpc_get_min_rent(solana_rpc *rpc, uint64_t data_bytes, uint64_t *lamports,
                                   dep_error *err);
dep_status solana_rpc_request_airdrop(solana_rpc *rpc, const solana_pubkey *key, uint64_t lamports,
                                      char signature[SOLANA_SIGNATURE_TEXT_MAX], dep_error *err);

/* Fetches an account (base64). A missing account is DEP_ERR_NOT_FOUND. *data is malloc'd. */
dep_status solana_rpc_get_account(solana_rpc *rpc, const solana_pubkey *key, solana_pubkey *owner,
                                  uint64_t *lamports, uint8_t **data, size_t *data_len,
                                  dep_error *err);

/* Sends a wire transaction (base64, with preflight). A transaction the cluster refuses fills
 * failure (program error, logs) and returns DEP_ERR_ARG; transport failures are other statuses. */
dep_status solana_rpc_send_transaction(solana_rpc *rpc, const uint8_t *tx, size_t tx_len,
                                       char signature[SOLANA_SIGNATURE_TEXT_MAX],
                                       solana_tx_failure *failure, dep_error *err);

/* Polls getSignatureStatuses until the signature is confirmed or finalized, or timeout_ms pass
 * (DEP_ERR_NETWORK, "not confirmed after N ms"). A transaction that landed with an error fills
 * failure and returns DEP_ERR_ARG. */
dep_status solana_rpc_confirm(solana_rpc *rpc, const char *signature, uint32_t timeout_ms,
                              solana_tx_failure *failure, dep_error *err);

/* getProgramAccounts filter: dataSize, or memcmp of bytes at offset (sent as base58). */
typedef struct solana_rpc_filter {
    bool is_memcmp;
    uint64_t data_size;
    uint64_t offset;
    const uint8_t *bytes;
    size_t bytes_len;
} solana_rpc_filter;

typedef struct solana_keyed_account {
    solana_pubkey pubkey;
    solana_pubkey owner;
    uint64_t lamports;
    uint8_t *data;
    size_t data_len;
} solana_keyed_account;

/* getProgramAccounts with up to 4 filters; *accounts is a malloc'd array (free with
 * solana_keyed_accounts_free). */
dep_status solana_rpc_get_program_accounts(solana_rpc *rpc, const solana_pubkey *program,
                                           const solana_rpc_filter *filters, size_t filter_count,
                                           solana_keyed_account **accounts, size_t *count,
                                           dep_error *err);
void solana_keyed_accounts_free(solana_keyed_account *accounts, size_t count);

/* ---- the registry over RPC ---- */

/* Compiles the instructions with signer as fee payer, signs, sends and confirms within
 * timeout_ms. The signature is stored even when confirmation fails. */
dep_status solana_submit(solana_rpc *rpc, const solana_keypair *signer,
                         const solana_instruction *ixs, size_t ix_count, uint32_t timeout_ms,
                         char signature[SOLANA_SIGNATURE_TEXT_MAX], solana_tx_failure *failure,
                         dep_error *err);

/* Every WasmRoute of program (optionally only those of one domain and/or one authority), sorted
 * by domain then path. An account that does not decode is skipped and counted in *skipped. */
dep_status solana_list_routes(solana_rpc *rpc, const solana_pubkey *program, const char *domain,
                              const solana_pubkey *authority, solana_route **routes,
                              solana_pubkey **addresses, size_t *count, size_t *skipped,
                              dep_error *err);

#endif

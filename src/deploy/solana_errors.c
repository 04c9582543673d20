/*
 * The wasm-registry program's error codes (6000 and up, Anchor's custom-error range) with the
 * names and messages of contracts/wasm-registry/idl.json, so that a client reports a refused
 * transaction in the program's own words. tests/deploy/test_solana_errors.c checks this table
 * against idl.json entry by entry.
 */
#include "deploy/deploy.h"

typedef struct registry_error {
    const char *name;
    const char *message;
} registry_error;

static const registry_error registry_errors[] = {
    {"UnknownInstruction",
     "Instruction data is shorter than 8 bytes or its discriminator matches no instruction"},
    {"DataTruncated", "Instruction arguments end early"},
    {"DataTrailing", "Bytes left after the instruction arguments"},
    {"MissingAccounts", "Fewer accounts than the instruction needs"},
    {"AuthorityNotSigner", "The authority must sign"},
    {"AuthorityNotWritable", "The authority must be writable (it pays or receives rent)"},
    {"RouteNotWritable", "The route account must be writable"},
    {"WrongSystemProgram", "The system program account is not the system program"},
    {"RoutePdaMismatch",
     "The route account is not the PDA of [\"route\", sha256(domain 0x00 path)]"},
    {"RouteExists", "This domain and path are already registered"},
    {"RouteNotFound", "No route at this address (never registered or closed)"},
    {"WrongOwner", "The route account belongs to another program"},
    {"BadDiscriminator", "The account is not a WasmRoute"},
    {"CorruptAccount", "The route account's stored data is malformed"},
    {"AuthorityMismatch", "The signer is not the route's authority"},
    {"DomainEmpty", "The domain is empty"},
    {"DomainTooLong", "The domain exceeds 253 bytes"},
    {"DomainInvalid",
     "The domain is not a lowercase DNS name (labels of a-z, 0-9, '-', optional leading '*.')"},
    {"PathEmpty", "The path pattern is empty"},
    {"PathTooLong", "The path pattern exceeds 256 bytes"},
    {"PathInvalid", "The path pattern must start with '/', use RFC 3986 path characters without "
                    "'%', and have no empty, '.' or '..' segments"},
    {"CidEmpty", "The CID is empty"},
    {"CidTooLong", "The CID exceeds 100 bytes"},
    {"CidInvalid",
     "Not a CIDv0 (Qm..., base58btc) or CIDv1 (b..., base32) of a sha2-256 raw or dag-pb block"},
    {"ModuleTypeInvalid", "module_type must be 0 (waf) or 1 (function)"},
    {"BoolInvalid", "enabled must be 0 or 1"},
    {"NewAuthorityInvalid", "The new authority is the zero key or the route itself"},
    {"InsufficientFunds", "The authority cannot pay the route's rent"},
    {"RentUnsupported", "The Rent sysvar's exemption threshold is not an integer from 1 to 1024"},
    {"SysvarFailed", "The Clock or Rent sysvar is unavailable"},
    {"CpiFailed", "The system program refused to create the route account"},
    {"DuplicateAccount", "The authority and the route are the same account"},
};

_Static_assert(sizeof registry_errors / sizeof registry_errors[0] ==
                   SOLANA_REGISTRY_ERROR_LAST - SOLANA_REGISTRY_ERROR_FIRST + 1,
               "one entry per error code");

static const registry_error *find(int64_t code)
{
    if (code < SOLANA_REGISTRY_ERROR_FIRST || code > SOLANA_REGISTRY_ERROR_LAST)
        return NULL;
    return &registry_errors[code - SOLANA_REGISTRY_ERROR_FIRST];
}

const char *solana_registry_error_name(int64_t code)
{
    const registry_error *e = find(code);
    return e ? e->name : NULL;
}

const char *solana_registry_error_message(int64_t code)
{
    const registry_error *e = find(code);
    return e ? e->message : NULL;
}

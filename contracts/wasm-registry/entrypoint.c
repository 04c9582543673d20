/*
 * Entry of the wasm-registry program: the runtime calls `entrypoint` with the serialised
 * accounts and instruction; this file deserialises them and dispatches on the instruction's
 * 8-byte Anchor discriminator.
 */
#include "registry.h"

uint64_t registry_process(SolParameters *params)
{
    if (params->data_len < 8)
        return REG_FAIL(REG_ERR_UNKNOWN_INSTRUCTION,
                        "UnknownInstruction: data shorter than the 8-byte discriminator");
    uint64_t tag = sol_read_u64(params->data);
    const uint8_t *args = params->data + 8;
    uint64_t args_len = params->data_len - 8;
    /* Accounts past the array were walked but not kept; handlers see only those kept. */
    if (params->ka_num > REGISTRY_MAX_ACCOUNTS)
        params->ka_num = REGISTRY_MAX_ACCOUNTS;
    switch (tag) {
    case IX_REGISTER_ROUTE:
        return ix_register_route(params, args, args_len);
    case IX_UPDATE_ROUTE:
        return ix_update_route(params, args, args_len);
    case IX_SET_ENABLED:
        return ix_set_enabled(params, args, args_len);
    case IX_TRANSFER_AUTHORITY:
        return ix_transfer_authority(params, args, args_len);
    case IX_CLOSE_ROUTE:
        return ix_close_route(params, args, args_len);
    default:
        return REG_FAIL(REG_ERR_UNKNOWN_INSTRUCTION,
                        "UnknownInstruction: discriminator matches no instruction");
    }
}

uint64_t entrypoint(uint8_t *input);

uint64_t entrypoint(uint8_t *input)
{
    SolAccountInfo accounts[REGISTRY_MAX_ACCOUNTS];
    SolParameters params = {accounts, 0, NULL, 0, NULL};
    sol_deserialize(input, &params, REGISTRY_MAX_ACCOUNTS);
    return registry_process(&params);
}

/*
 * The route registry over JSON-RPC: submitting the registry's instructions (recent blockhash,
 * compile, sign, send, confirm) and listing its routes with getProgramAccounts, filtered on the
 * server by account size, discriminator and, when asked, domain or authority (the fixed offsets
 * of docs/REGISTRY.md make those memcmp filters exact).
 */
#include "deploy/deploy.h"
#include "deploy/internal.h"

#include <stdlib.h>
#include <string.h>

dep_status solana_submit(solana_rpc *rpc, const solana_keypair *signer,
                         const solana_instruction *ixs, size_t ix_count, uint32_t timeout_ms,
                         char signature[SOLANA_SIGNATURE_TEXT_MAX], solana_tx_failure *failure,
                         dep_error *err)
{
    uint8_t blockhash[SOLANA_HASH_BYTES];
    uint8_t wire[SOLANA_TX_MAX_BYTES];
    size_t wire_len = 0;
    solana_message msg;
    const solana_keypair *keys[1] = {signer};
    signature[0] = '\0';
    dep_status st = solana_rpc_get_latest_blockhash(rpc, blockhash, err);
    if (st == DEP_OK)
        st = solana_message_compile(&signer->pubkey, blockhash, ixs, ix_count, &msg, err);
    if (st == DEP_OK)
        st = solana_transaction_sign(&msg, keys, 1, wire, sizeof wire, &wire_len, err);
    if (st == DEP_OK)
        st = solana_rpc_send_transaction(rpc, wire, wire_len, signature, failure, err);
    if (st == DEP_OK)
        st = solana_rpc_confirm(rpc, signature, timeout_ms, failure, err);
    return st;
}

static int route_order(const void *a, const void *b)
{
    const solana_route *x = a, *y = b;
    int c = strcmp(x->domain, y->domain);
    return c ? c : strcmp(x->path, y->path);
}

typedef struct addressed_route {
    solana_route route;
    solana_pubkey address;
} addressed_route;

static int addressed_order(const void *a, const void *b)
{
    return route_order(&((const addressed_route *)a)->route, &((const addressed_route *)b)->route);
}

dep_status solana_list_routes(solana_rpc *rpc, const solana_pubkey *program, const char *domain,
                              const solana_pubkey *authority, solana_route **routes,
                              solana_pubkey **addresses, size_t *count, size_t *skipped,
                              dep_error *err)
{
    /* Borsh string: u32 LE length then the bytes, right after the authority. */
    uint8_t domain_bytes[4 + SOLANA_ROUTE_DOMAIN_MAX_BYTES];
    solana_rpc_filter filters[4] = {
        {.is_memcmp = false, .data_size = SOLANA_ROUTE_ACCOUNT_BYTES},
        {.is_memcmp = true, .offset = 0, .bytes = solana_route_discriminator, .bytes_len = 8},
    };
    size_t nfilters = 2;
    *routes = NULL;
    *addresses = NULL;
    *count = 0;
    *skipped = 0;
    if (authority != NULL)
        filters[nfilters++] = (solana_rpc_filter){.is_memcmp = true,
                                                  .offset = SOLANA_ROUTE_AUTHORITY_OFFSET,
                                                  .bytes = authority->bytes,
                                                  .bytes_len = SOLANA_PUBKEY_BYTES};
    if (domain != NULL) {
        size_t n = strlen(domain);
        /* A memcmp filter carries at most 128 bytes; longer domains are filtered here below. */
        if (n > SOLANA_ROUTE_DOMAIN_MAX_BYTES)
            return dep_fail(err, DEP_ERR_ARG, "domain: %zu bytes, the limit is %d", n,
                            SOLANA_ROUTE_DOMAIN_MAX_BYTES);
        for (size_t i = 0; i < 4; i++)
            domain_bytes[i] = (uint8_t)(n >> (8 * i));
        memcpy(domain_bytes + 4, domain, n);
        filters[nfilters++] = (solana_rpc_filter){.is_memcmp = true,
                                                  .offset = SOLANA_ROUTE_DOMAIN_OFFSET,
                                                  .bytes = domain_bytes,
                                                  .bytes_len = 4 + n > 128 ? 128 : 4 + n};
    }
    solana_keyed_account *accounts;
    size_t n;
    dep_status st =
        solana_rpc_get_program_accounts(rpc, program, filters, nfilters, &accounts, &n, err);
    if (st != DEP_OK)
        return st;
    addressed_route *list = calloc(n ? n : 1, sizeof *list);
    if (list == NULL) {
        solana_keyed_accounts_free(accounts, n);
        return dep_fail(err, DEP_ERR_NOMEM, "routes: out of memory");
    }
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        addressed_route *r = &list[kept];
        /* The server's filters are a convenience: everything is checked again here. */
        if (!solana_pubkey_equal(&accounts[i].owner, program) ||
            solana_route_decode(accounts[i].data, accounts[i].data_len, &r->route, NULL) !=
                DEP_OK) {
            (*skipped)++;
            continue;
        }
        if ((domain && strcmp(r->route.domain, domain) != 0) ||
            (authority && !solana_pubkey_equal(&r->route.authority, authority)))
            continue;
        r->address = accounts[i].pubkey;
        kept++;
    }
    solana_keyed_accounts_free(accounts, n);
    qsort(list, kept, sizeof *list, addressed_order);
    solana_route *out = calloc(kept ? kept : 1, sizeof *out);
    solana_pubkey *addrs = calloc(kept ? kept : 1, sizeof *addrs);
    if (out == NULL || addrs == NULL) {
        free(out);
        free(addrs);
        free(list);
        return dep_fail(err, DEP_ERR_NOMEM, "routes: out of memory");
    }
    for (size_t i = 0; i < kept; i++) {
        out[i] = list[i].route;
        addrs[i] = list[i].address;
    }
    free(list);
    *routes = out;
    *addresses = addrs;
    *count = kept;
    return DEP_OK;
}

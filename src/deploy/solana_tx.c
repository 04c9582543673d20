/*
 * Legacy Solana transactions, built and signed here: the message (header, account keys, recent
 * blockhash, compiled instructions) and the wire form (signatures, then the message). The rules
 * come from the public format: arrays carry a compact-u16 length (7 bits per byte, at most 3
 * bytes); the fee payer is the first key; keys are grouped signer-writable, signer-readonly,
 * nonsigner-writable, nonsigner-readonly, and the header counts the signers and the read-only
 * keys of each kind so that the runtime can tell every key's role from its index.
 */
#include "deploy/deploy.h"
#include "deploy/internal.h"

#include <sodium.h>
#include <string.h>

size_t solana_compact_u16_encode(uint16_t n, uint8_t out[3])
{
    size_t i = 0;
    uint32_t v = n;
    for (;;) {
        uint8_t b = v & 0x7f;
        v >>= 7;
        if (v == 0) {
            out[i++] = b;
            return i;
        }
        out[i++] = b | 0x80;
    }
}

dep_status solana_compact_u16_decode(const uint8_t *buf, size_t len, uint16_t *value, size_t *used,
                                     dep_error *err)
{
    uint32_t v = 0;
    for (size_t i = 0; i < 3; i++) {
        if (i >= len)
            return dep_fail(err, DEP_ERR_MALFORMED, "compact-u16: truncated after %zu bytes", i);
        uint8_t b = buf[i];
        v |= (uint32_t)(b & 0x7f) << (7 * i);
        if ((b & 0x80) == 0) {
            /* A zero last byte after the first means a longer spelling of a shorter value. */
            if (i > 0 && b == 0)
                return dep_fail(err, DEP_ERR_MALFORMED, "compact-u16: overlong encoding");
            if (v > 0xffff)
                return dep_fail(err, DEP_ERR_MALFORMED, "compact-u16: %u exceeds 65535", v);
            *value = (uint16_t)v;
            *used = i + 1;
            return DEP_OK;
        }
        if (i == 2)
            break;
    }
    return dep_fail(err, DEP_ERR_MALFORMED, "compact-u16: more than 3 bytes");
}

typedef struct key_entry {
    solana_pubkey key;
    bool signer;
    bool writable;
} key_entry;

/* Adds key with its flags, merging with an earlier entry of the same key. */
static dep_status add_key(key_entry *keys, size_t *count, const solana_pubkey *key, bool signer,
                          bool writable, dep_error *err)
{
    for (size_t i = 0; i < *count; i++) {
        if (solana_pubkey_equal(&keys[i].key, key)) {
            keys[i].signer |= signer;
            keys[i].writable |= writable;
            return DEP_OK;
        }
    }
    if (*count == SOLANA_MSG_MAX_ACCOUNTS)
        return dep_fail(err, DEP_ERR_LIMIT, "message: more than %d distinct accounts",
                        SOLANA_MSG_MAX_ACCOUNTS);
    keys[(*count)++] = (key_entry){*key, signer, writable};
    return DEP_OK;
}

static int key_class(const key_entry *k)
{
    return k->signer ? (k->writable ? 0 : 1) : (k->writable ? 2 : 3);
}

static size_t key_index(const key_entry *keys, size_t count, const solana_pubkey *key)
{
    for (size_t i = 0; i < count; i++)
        if (solana_pubkey_equal(&keys[i].key, key))
            return i;
    return count; /* not reached: every key was added before the instructions are compiled */
}

typedef struct out_buf {
    uint8_t *data;
    size_t cap;
    size_t len;
} out_buf;

static dep_status emit(out_buf *b, const void *p, size_t n, dep_error *err)
{
    if (b->cap - b->len < n)
        return dep_fail(err, DEP_ERR_LIMIT, "message: longer than %zu bytes, the packet limit",
                        b->cap);
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return DEP_OK;
}

static dep_status emit_len(out_buf *b, size_t n, dep_error *err)
{
    uint8_t c[3];
    if (n > 0xffff)
        return dep_fail(err, DEP_ERR_LIMIT, "message: array of %zu items", n);
    return emit(b, c, solana_compact_u16_encode((uint16_t)n, c), err);
}

dep_status solana_message_compile(const solana_pubkey *payer,
                                  const uint8_t blockhash[SOLANA_HASH_BYTES],
                                  const solana_instruction *ixs, size_t ix_count,
                                  solana_message *out, dep_error *err)
{
    key_entry found[SOLANA_MSG_MAX_ACCOUNTS], keys[SOLANA_MSG_MAX_ACCOUNTS];
    size_t nfound = 0, nkeys = 0;
    dep_status st;
    if (ix_count == 0 || ix_count > SOLANA_MSG_MAX_INSTRUCTIONS)
        return dep_fail(err, DEP_ERR_ARG, "message: %zu instructions (1 to %d)", ix_count,
                        SOLANA_MSG_MAX_INSTRUCTIONS);
    if ((st = add_key(found, &nfound, payer, true, true, err)) != DEP_OK)
        return st;
    for (size_t i = 0; i < ix_count; i++) {
        if (ixs[i].account_count > SOLANA_IX_MAX_ACCOUNTS || ixs[i].data_len > sizeof ixs[i].data)
            return dep_fail(err, DEP_ERR_ARG, "message: instruction %zu is malformed", i);
        for (size_t a = 0; a < ixs[i].account_count; a++) {
            const solana_account_meta *m = &ixs[i].accounts[a];
            if ((st = add_key(found, &nfound, &m->pubkey, m->is_signer, m->is_writable, err)))
                return st;
        }
        if ((st = add_key(found, &nfound, &ixs[i].program, false, false, err)) != DEP_OK)
            return st;
    }
    /* Stable grouping by class; the payer, a writable signer added first, stays first. */
    for (int c = 0; c < 4; c++)
        for (size_t i = 0; i < nfound; i++)
            if (key_class(&found[i]) == c)
                keys[nkeys++] = found[i];

    uint8_t header[3] = {0, 0, 0};
    for (size_t i = 0; i < nkeys; i++) {
        header[0] += keys[i].signer;
        header[1] += keys[i].signer && !keys[i].writable;
        header[2] += !keys[i].signer && !keys[i].writable;
    }
    out_buf b = {out->bytes, sizeof out->bytes, 0};
    if ((st = emit(&b, header, 3, err)) || (st = emit_len(&b, nkeys, err)))
        return st;
    for (size_t i = 0; i < nkeys; i++)
        if ((st = emit(&b, keys[i].key.bytes, SOLANA_PUBKEY_BYTES, err)) != DEP_OK)
            return st;
    if ((st = emit(&b, blockhash, SOLANA_HASH_BYTES, err)) || (st = emit_len(&b, ix_count, err)))
        return st;
    for (size_t i = 0; i < ix_count; i++) {
        uint8_t program_index = (uint8_t)key_index(keys, nkeys, &ixs[i].program);
        if ((st = emit(&b, &program_index, 1, err)) ||
            (st = emit_len(&b, ixs[i].account_count, err)))
            return st;
        for (size_t a = 0; a < ixs[i].account_count; a++) {
            uint8_t idx = (uint8_t)key_index(keys, nkeys, &ixs[i].accounts[a].pubkey);
            if ((st = emit(&b, &idx, 1, err)) != DEP_OK)
                return st;
        }
        if ((st = emit_len(&b, ixs[i].data_len, err)) ||
            (st = emit(&b, ixs[i].data, ixs[i].data_len, err)))
            return st;
    }
    out->len = b.len;
    out->signer_count = header[0];
    for (size_t i = 0; i < header[0]; i++)
        out->signers[i] = keys[i].key;
    return DEP_OK;
}

dep_status solana_transaction_sign(const solana_message *msg, const solana_keypair *const keys[],
                                   size_t key_count, uint8_t *out, size_t cap, size_t *out_len,
                                   dep_error *err)
{
    out_buf b = {out, cap < SOLANA_TX_MAX_BYTES ? cap : SOLANA_TX_MAX_BYTES, 0};
    dep_status st = emit_len(&b, msg->signer_count, err);
    if (st != DEP_OK)
        return st;
    for (size_t s = 0; s < msg->signer_count; s++) {
        const solana_keypair *kp = NULL;
        for (size_t k = 0; k < key_count && kp == NULL; k++)
            if (solana_pubkey_equal(&keys[k]->pubkey, &msg->signers[s]))
                kp = keys[k];
        if (kp == NULL) {
            char text[SOLANA_PUBKEY_TEXT_MAX];
            return dep_fail(err, DEP_ERR_ARG, "transaction: no keypair for signer %s",
                            solana_pubkey_string(&msg->signers[s], text));
        }
        uint8_t sig[SOLANA_SIGNATURE_BYTES];
        crypto_sign_detached(sig, NULL, msg->bytes, msg->len, kp->secret);
        if ((st = emit(&b, sig, sizeof sig, err)) != DEP_OK)
            return st;
    }
    if ((st = emit(&b, msg->bytes, msg->len, err)) != DEP_OK)
        return dep_fail(err, DEP_ERR_LIMIT, "transaction: %zu bytes with signatures exceed %d",
                        msg->len + 1 + (size_t)msg->signer_count * SOLANA_SIGNATURE_BYTES,
                        SOLANA_TX_MAX_BYTES);
    *out_len = b.len;
    return DEP_OK;
}

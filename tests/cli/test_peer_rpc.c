/*
 * The loopback peer (tests/peers/solana/rpc-server.mjs) answers in the shapes of Solana's JSON-RPC
 * documentation, and the C client's methods read them: raw requests checked member by member
 * (base58 and base64 wire transactions, preflight errors with logs, signature statuses, filters),
 * then the typed client calls with exact values from LiteSVM's rent and fee rules.
 */
#include "peer.h"
#include "test.h"

#include "cli/cli.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CID_A "bafkreib447kycckrqtljlpyzmv3va5wwnlslhxockyfo6tmnbgztriab5u"
/* LiteSVM's default rent: (679 + 128 bytes of overhead) * 3480 lamports/byte-year * 2 years. */
#define ROUTE_RENT_LAMPORTS 5616720ULL
#define SIGNATURE_FEE_LAMPORTS 5000ULL

typedef struct text_buf {
    char data[262144];
    size_t len;
} text_buf;

static size_t on_data(char *p, size_t size, size_t n, void *ctx)
{
    text_buf *b = ctx;
    size_t len = size * n;
    if (len > sizeof b->data - 1 - b->len)
        return 0;
    memcpy(b->data + b->len, p, len);
    b->len += len;
    b->data[b->len] = '\0';
    return len;
}

/* Posts a JSON-RPC request and returns the parsed response (caller decrefs). */
static json_t *rpc_raw(const peer *p, const char *request)
{
    static text_buf body;
    body.len = 0;
    body.data[0] = '\0';
    CURL *c = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(c, CURLOPT_URL, p->url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, request);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
    CURLcode rc = curl_easy_perform(c);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    CHECK_MSG(rc == CURLE_OK, "POST %s: %s", p->url, curl_easy_strerror(rc));
    json_error_t jerr;
    json_t *j = json_loads(body.data, JSON_DECODE_INT_AS_REAL, &jerr);
    CHECK_MSG(j != NULL, "not JSON: %s", body.data);
    CHECK_STR_EQ(json_string_value(json_object_get(j, "jsonrpc")), "2.0");
    return j;
}

/* A signed close_route transaction of signer for route, in wire bytes. */
static size_t close_tx(const peer *p, const solana_keypair *signer, const solana_pubkey *route,
                       uint8_t *wire, size_t cap)
{
    solana_rpc *rpc = solana_rpc_new(p->url, 0, NULL);
    CHECK(rpc != NULL);
    uint8_t hash[SOLANA_HASH_BYTES];
    dep_error err;
    CHECK_MSG(solana_rpc_get_latest_blockhash(rpc, hash, &err) == DEP_OK, "%s", err.message);
    solana_rpc_free(rpc);
    solana_pubkey program;
    CHECK(solana_pubkey_parse(SOLANA_REGISTRY_PROGRAM_ID, &program, &err) == DEP_OK);
    solana_instruction ix;
    solana_message msg;
    solana_ix_close_route(&program, &signer->pubkey, route, &ix);
    CHECK(solana_message_compile(&signer->pubkey, hash, &ix, 1, &msg, &err) == DEP_OK);
    size_t len = 0;
    const solana_keypair *keys[] = {signer};
    CHECK(solana_transaction_sign(&msg, keys, 1, wire, cap, &len, &err) == DEP_OK);
    return len;
}

static void register_with_cli(const peer *p, const char *keypair, const char *domain)
{
    cli_run r;
    const char *argv[] = {"register", "--rpc",  p->url, "--keypair", keypair, "--domain",
                          domain,     "--path", "/",    "--cid",     CID_A,   NULL};
    cli_exec(&r, argv);
    CHECK_MSG(r.status == 0, "register: %s", r.err);
}

TEST(test_peer_answers_simple_methods_in_documented_shapes)
{
    peer p;
    peer_start(&p);
    json_t *j = rpc_raw(&p, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"getHealth\"}");
    CHECK_STR_EQ(json_string_value(json_object_get(j, "result")), "ok");
    CHECK(json_number_value(json_object_get(j, "id")) == 7.0);
    json_decref(j);

    j = rpc_raw(&p, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"getLatestBlockhash\",\"params\":[{"
                    "\"commitment\":\"finalized\"}]}");
    json_t *res = json_object_get(j, "result");
    CHECK(json_is_number(json_object_get(json_object_get(res, "context"), "slot")));
    CHECK(json_is_string(json_object_get(json_object_get(res, "value"), "blockhash")));
    CHECK(json_is_number(json_object_get(json_object_get(res, "value"), "lastValidBlockHeight")));
    json_decref(j);

    j = rpc_raw(&p, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
                    "\"getMinimumBalanceForRentExemption\",\"params\":[679]}");
    CHECK(json_number_value(json_object_get(j, "result")) == (double)ROUTE_RENT_LAMPORTS);
    json_decref(j);

    j = rpc_raw(&p, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"getAccountInfo\",\"params\":["
                    "\"" SOLANA_SYSTEM_PROGRAM_ID "x\",{\"encoding\":\"base64\"}]}");
    CHECK(json_number_value(json_object_get(json_object_get(j, "error"), "code")) == -32602.0);
    json_decref(j);

    j = rpc_raw(&p, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"getAccountInfo\",\"params\":["
                    "\"9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin\",{\"encoding\":\"base64\"}]}");
    CHECK(json_is_null(json_object_get(json_object_get(j, "result"), "value")));
    json_decref(j);

    /* A funded wallet: no data, owned by the system program, in base58 as asked. */
    j = rpc_raw(&p, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"requestAirdrop\",\"params\":["
                    "\"9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin\",1000000]}");
    CHECK(json_is_string(json_object_get(j, "result")));
    json_decref(j);
    j = rpc_raw(&p, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"getAccountInfo\",\"params\":["
                    "\"9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin\",{\"encoding\":\"base58\"}]}");
    json_t *acc = json_object_get(json_object_get(j, "result"), "value");
    CHECK_STR_EQ(json_string_value(json_array_get(json_object_get(acc, "data"), 1)), "base58");
    CHECK_STR_EQ(json_string_value(json_array_get(json_object_get(acc, "data"), 0)), "");
    CHECK(json_number_value(json_object_get(acc, "lamports")) == 1000000.0);
    CHECK_STR_EQ(json_string_value(json_object_get(acc, "owner")), SOLANA_SYSTEM_PROGRAM_ID);
    CHECK(json_number_value(json_object_get(acc, "rentEpoch")) == 18446744073709551615.0);
    CHECK(json_is_false(json_object_get(acc, "executable")));
    json_decref(j);
    /* The registry's program account: executable, owned by the upgradeable loader. */
    j = rpc_raw(&p, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"getAccountInfo\",\"params\":["
                    "\"" SOLANA_REGISTRY_PROGRAM_ID "\",{\"encoding\":\"base64\"}]}");
    acc = json_object_get(json_object_get(j, "result"), "value");
    CHECK(json_is_true(json_object_get(acc, "executable")));
    CHECK_STR_EQ(json_string_value(json_object_get(acc, "owner")),
                 "BPFLoaderUpgradeab1e11111111111111111111111");
    json_decref(j);

    j = rpc_raw(&p, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"getSlot\"}");
    CHECK(json_number_value(json_object_get(j, "result")) >= 1.0);
    json_decref(j);

    j = rpc_raw(&p, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"noSuchMethod\"}");
    CHECK(json_number_value(json_object_get(json_object_get(j, "error"), "code")) == -32601.0);
    CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(j, "error"), "message")),
                 "Method not found");
    json_decref(j);

    j = rpc_raw(&p, "{not json");
    CHECK(json_number_value(json_object_get(json_object_get(j, "error"), "code")) == -32700.0);
    json_decref(j);
    peer_stop(&p);
}

TEST(test_peer_takes_base58_and_base64_transactions_and_reports_failures)
{
    peer p;
    solana_keypair alice, bob;
    char alice_path[256], bob_path[256], req[8192];
    uint8_t wire[SOLANA_TX_MAX_BYTES];
    char wire_text[4096];
    peer_start(&p);
    peer_keypair(&p, "alice", true, &alice, alice_path, sizeof alice_path);
    peer_keypair(&p, "bob", true, &bob, bob_path, sizeof bob_path);
    register_with_cli(&p, alice_path, "a.example");
    solana_pubkey program, route;
    uint8_t bump;
    dep_error err;
    CHECK(solana_pubkey_parse(SOLANA_REGISTRY_PROGRAM_ID, &program, &err) == DEP_OK);
    CHECK(solana_route_address(&program, "a.example", "/", &route, &bump, &err) == DEP_OK);

    /* Bob closing Alice's route, base58: refused in preflight with the program's logs. */
    size_t len = close_tx(&p, &bob, &route, wire, sizeof wire);
    CHECK(dep_base58_encode(wire, len, wire_text, sizeof wire_text) > 0);
    snprintf(req, sizeof req,
             "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"sendTransaction\",\"params\":[\"%s\"]}",
             wire_text);
    json_t *j = rpc_raw(&p, req);
    json_t *e = json_object_get(j, "error");
    CHECK(json_number_value(json_object_get(e, "code")) == -32002.0);
    CHECK_STR_EQ(json_string_value(json_object_get(e, "message")),
                 "Transaction simulation failed: Error processing Instruction 0: custom program "
                 "error: 0x177e");
    json_t *ie =
        json_object_get(json_object_get(json_object_get(e, "data"), "err"), "InstructionError");
    CHECK(json_number_value(json_array_get(ie, 0)) == 0.0);
    CHECK(json_number_value(json_object_get(json_array_get(ie, 1), "Custom")) == 6014.0);
    json_t *logs = json_object_get(json_object_get(e, "data"), "logs");
    CHECK(json_array_size(logs) == 4);
    CHECK_STR_HAS(json_string_value(json_array_get(logs, 1)), "registry error: AuthorityMismatch:");
    json_decref(j);

    /* A damaged signature: the node's signature verification error. */
    len = close_tx(&p, &alice, &route, wire, sizeof wire);
    wire[5] ^= 0x40;
    CHECK(dep_base58_encode(wire, len, wire_text, sizeof wire_text) > 0);
    snprintf(req, sizeof req,
             "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"sendTransaction\",\"params\":[\"%s\",{"
             "\"encoding\":\"base58\"}]}",
             wire_text);
    j = rpc_raw(&p, req);
    e = json_object_get(j, "error");
    CHECK(json_number_value(json_object_get(e, "code")) == -32003.0);
    CHECK_STR_EQ(json_string_value(json_object_get(e, "message")),
                 "Transaction signature verification failure");
    json_decref(j);

    /* Alice's own close as base64 lands; its status is final and has no error. */
    wire[5] ^= 0x40;
    char b64[2048];
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = 0;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)wire[i] << 16 | (i + 1 < len ? (uint32_t)wire[i + 1] << 8 : 0) |
                     (i + 2 < len ? wire[i + 2] : 0);
        b64[n++] = alphabet[v >> 18 & 63];
        b64[n++] = alphabet[v >> 12 & 63];
        b64[n++] = i + 1 < len ? alphabet[v >> 6 & 63] : '=';
        b64[n++] = i + 2 < len ? alphabet[v & 63] : '=';
    }
    b64[n] = '\0';
    snprintf(req, sizeof req,
             "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"sendTransaction\",\"params\":[\"%s\",{"
             "\"encoding\":\"base64\"}]}",
             b64);
    j = rpc_raw(&p, req);
    const char *sig = json_string_value(json_object_get(j, "result"));
    CHECK_MSG(sig != NULL, "no signature: %s", json_dumps(j, 0));
    char sig_copy[SOLANA_SIGNATURE_TEXT_MAX];
    snprintf(sig_copy, sizeof sig_copy, "%s", sig);
    json_decref(j);
    snprintf(
        req, sizeof req,
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"getSignatureStatuses\",\"params\":[[\"%s\",\"%"
        "s\"],{\"searchTransactionHistory\":true}]}",
        sig_copy,
        "5FPAriHkg5HbxZLkyNddC5fZyKq16bx7GQM85SMpKKp8HALFkhDEBYH13CCTYGQ8FT9Lz62yE935RCNR7kcQvSYk");
    j = rpc_raw(&p, req);
    json_t *value = json_object_get(json_object_get(j, "result"), "value");
    CHECK_UINT_EQ(json_array_size(value), 2);
    json_t *st = json_array_get(value, 0);
    CHECK_STR_EQ(json_string_value(json_object_get(st, "confirmationStatus")), "finalized");
    CHECK(json_is_null(json_object_get(st, "err")));
    CHECK(json_is_null(json_object_get(json_object_get(st, "status"), "Ok")));
    CHECK(json_is_null(json_array_get(value, 1)));
    json_decref(j);
    peer_stop(&p);
}

TEST(test_peer_filters_program_accounts_and_client_reads_them)
{
    peer p;
    solana_keypair alice, bob;
    char alice_path[256], bob_path[256];
    peer_start(&p);
    peer_keypair(&p, "alice", true, &alice, alice_path, sizeof alice_path);
    peer_keypair(&p, "bob", true, &bob, bob_path, sizeof bob_path);
    register_with_cli(&p, alice_path, "a.example");
    register_with_cli(&p, bob_path, "b.example");

    dep_error err;
    solana_pubkey program;
    CHECK(solana_pubkey_parse(SOLANA_REGISTRY_PROGRAM_ID, &program, &err) == DEP_OK);
    solana_rpc *rpc = solana_rpc_new(p.url, 0, &err);
    CHECK(rpc != NULL);
    CHECK(solana_rpc_get_health(rpc, &err) == DEP_OK);

    solana_keyed_account *accs;
    size_t n;
    solana_rpc_filter size_only = {.data_size = SOLANA_ROUTE_ACCOUNT_BYTES};
    CHECK(solana_rpc_get_program_accounts(rpc, &program, &size_only, 1, &accs, &n, &err) == DEP_OK);
    CHECK_UINT_EQ(n, 2);
    for (size_t i = 0; i < n; i++) {
        CHECK_UINT_EQ(accs[i].data_len, SOLANA_ROUTE_ACCOUNT_BYTES);
        CHECK_UINT_EQ(accs[i].lamports, ROUTE_RENT_LAMPORTS);
        CHECK(solana_pubkey_equal(&accs[i].owner, &program));
    }
    solana_keyed_accounts_free(accs, n);
    solana_rpc_filter wrong_size = {.data_size = 678};
    CHECK(solana_rpc_get_program_accounts(rpc, &program, &wrong_size, 1, &accs, &n, &err) ==
          DEP_OK);
    CHECK_UINT_EQ(n, 0);
    solana_keyed_accounts_free(accs, n);
    solana_rpc_filter by_bob = {.is_memcmp = true,
                                .offset = SOLANA_ROUTE_AUTHORITY_OFFSET,
                                .bytes = bob.pubkey.bytes,
                                .bytes_len = 32};
    CHECK(solana_rpc_get_program_accounts(rpc, &program, &by_bob, 1, &accs, &n, &err) == DEP_OK);
    CHECK_UINT_EQ(n, 1);
    solana_route r;
    CHECK(solana_route_decode(accs[0].data, accs[0].data_len, &r, &err) == DEP_OK);
    CHECK_STR_EQ(r.domain, "b.example");
    CHECK_INT_EQ(r.created_at, PEER_UNIX_TIME);
    solana_keyed_accounts_free(accs, n);

    /* Route accounts are 679 bytes: base58 is refused in a validator's words. */
    json_t *j =
        rpc_raw(&p, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"getProgramAccounts\",\"params\":["
                    "\"" SOLANA_REGISTRY_PROGRAM_ID "\",{\"encoding\":\"base58\"}]}");
    CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(j, "error"), "message")),
                 "Encoded binary (base 58) data should be less than 128 bytes, please use Base64 "
                 "encoding.");
    json_decref(j);
    /* withContext wraps the list, as on a validator. */
    j = rpc_raw(
        &p, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"getProgramAccounts\",\"params\":["
            "\"" SOLANA_REGISTRY_PROGRAM_ID
            "\",{\"encoding\":\"base64\",\"withContext\":true,\"filters\":[{\"dataSize\":679}]}]}");
    CHECK_UINT_EQ(json_array_size(json_object_get(json_object_get(j, "result"), "value")), 2);
    CHECK(json_is_number(
        json_object_get(json_object_get(json_object_get(j, "result"), "context"), "slot")));
    json_decref(j);

    /* getAccountInfo of the route, and of an address nobody used. */
    solana_pubkey route, owner;
    uint8_t bump, *data;
    size_t len;
    uint64_t lamports;
    CHECK(solana_route_address(&program, "a.example", "/", &route, &bump, &err) == DEP_OK);
    CHECK(solana_rpc_get_account(rpc, &route, &owner, &lamports, &data, &len, &err) == DEP_OK);
    CHECK(solana_pubkey_equal(&owner, &program));
    CHECK_UINT_EQ(lamports, ROUTE_RENT_LAMPORTS);
    CHECK(solana_route_decode(data, len, &r, &err) == DEP_OK);
    CHECK(solana_pubkey_equal(&r.authority, &alice.pubkey));
    free(data);
    CHECK(solana_route_address(&program, "c.example", "/", &route, &bump, &err) == DEP_OK);
    CHECK(solana_rpc_get_account(rpc, &route, &owner, &lamports, &data, &len, &err) ==
          DEP_ERR_NOT_FOUND);

    /* Alice paid the rent and one signature's fee. */
    uint64_t balance = 0, rent = 0;
    CHECK(solana_rpc_get_balance(rpc, &alice.pubkey, &balance, &err) == DEP_OK);
    CHECK_UINT_EQ(balance, PEER_FUND_LAMPORTS - ROUTE_RENT_LAMPORTS - SIGNATURE_FEE_LAMPORTS);
    CHECK(solana_rpc_get_min_rent(rpc, SOLANA_ROUTE_ACCOUNT_BYTES, &rent, &err) == DEP_OK);
    CHECK_UINT_EQ(rent, ROUTE_RENT_LAMPORTS);
    solana_rpc_free(rpc);
    peer_stop(&p);
}

TEST(test_peer_exits_when_its_stdin_closes)
{
    peer p;
    peer_start(&p);
    pid_t pid = p.proc.pid;
    close(p.proc.stdin_fd);
    p.proc.stdin_fd = -1;
    int status = 0;
    bool exited = false;
    for (int waited = 0; waited < 5000 && !exited; waited += 20) {
        exited = waitpid(pid, &status, WNOHANG) == pid;
        if (!exited) {
            struct timespec pause = {0, 20 * 1000000L};
            nanosleep(&pause, NULL);
        }
    }
    CHECK_MSG(exited, "the peer still runs 5 s after its stdin closed");
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    p.proc.pid = 0;
    peer_stop(&p);
}

TEST(test_outside_text_is_printed_without_control_bytes)
{
    char buf[256] = {0};
    FILE *f = fmemopen(buf, sizeof buf - 1, "w");
    CHECK(f != NULL);
    cli_print_safe(f, "ok \x1b[31mred\ttab\\ \x7f end");
    fclose(f);
    CHECK_STR_EQ(buf, "ok \\x1b[31mred\\x09tab\\x5c \\x7f end");
}

TEST(test_confirmation_gives_up_after_its_timeout)
{
    peer p;
    peer_start(&p);
    dep_error err;
    solana_rpc *rpc = solana_rpc_new(p.url, 0, &err);
    CHECK(rpc != NULL);
    solana_tx_failure failure = {.custom_code = -1};
    static const char unknown[] =
        "5FPAriHkg5HbxZLkyNddC5fZyKq16bx7GQM85SMpKKp8HALFkhDEBYH13CCTYGQ8FT9Lz62yE935RCNR7kcQvSYk";
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK(solana_rpc_confirm(rpc, unknown, 500, &failure, &err) == DEP_ERR_NETWORK);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    CHECK_MSG(ms >= 500 && ms < 5000, "gave up after %ld ms", ms);
    CHECK_STR_EQ(err.message,
                 "transaction 5FPAriHkg5HbxZLkyNddC5fZyKq16bx7GQM85SMpKKp8HALFkhDEBYH13"
                 "CCTYGQ8FT9Lz62yE935RCNR7kcQvSYk: not confirmed after 500 ms (it may "
                 "still land)");
    CHECK(!failure.failed);
    solana_rpc_free(rpc);
    peer_stop(&p);
}

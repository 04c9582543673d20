/*
 * The JSON-RPC client against a server that answers badly: a canned HTTP server on loopback
 * replays one prepared response per request (wrong status, not JSON, wrong shapes, numbers out
 * of range, bad base64), and every answer must end in a precise error, never in a crash or a
 * value taken on trust. The good answers here carry what real nodes send and jansson's integers
 * cannot hold (rentEpoch 2^64-1).
 */
#include "deploy/deploy.h"
#include "test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum { CANNED_MAX = 8, CANNED_REQUEST_MAX_BYTES = 65536 };

typedef struct canned {
    int listen_fd;
    char url[64];
    const char *status[CANNED_MAX]; /* "200 OK" */
    const char *body[CANNED_MAX];
    size_t count;
    pthread_t thread;
} canned;

/* Reads one HTTP request (headers and Content-Length body) and discards it. */
static void read_request(int fd)
{
    char buf[CANNED_REQUEST_MAX_BYTES];
    size_t n = 0;
    long want = -1;
    while (n < sizeof buf - 1) {
        ssize_t got = read(fd, buf + n, sizeof buf - 1 - n);
        if (got <= 0)
            return;
        n += (size_t)got;
        buf[n] = '\0';
        char *end = strstr(buf, "\r\n\r\n");
        if (end != NULL && want < 0) {
            char *cl = strcasestr(buf, "content-length:");
            want = (long)(end + 4 - buf) + (cl ? strtol(cl + 15, NULL, 10) : 0);
        }
        if (want >= 0 && (long)n >= want)
            return;
    }
}

static void *serve(void *arg)
{
    canned *c = arg;
    for (size_t i = 0; i < c->count; i++) {
        int fd = accept(c->listen_fd, NULL, NULL);
        if (fd < 0)
            return NULL;
        read_request(fd);
        char head[256];
        int len = snprintf(head, sizeof head,
                           "HTTP/1.1 %s\r\nContent-Type: application/json\r\nContent-Length: "
                           "%zu\r\nConnection: close\r\n\r\n",
                           c->status[i], strlen(c->body[i]));
        if (write(fd, head, (size_t)len) < 0 || write(fd, c->body[i], strlen(c->body[i])) < 0)
            fprintf(stderr, "canned server: write failed\n");
        close(fd);
    }
    return NULL;
}

static void canned_start(canned *c)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    c->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(c->listen_fd >= 0);
    CHECK(bind(c->listen_fd, (struct sockaddr *)&a, sizeof a) == 0);
    CHECK(listen(c->listen_fd, 8) == 0);
    CHECK(getsockname(c->listen_fd, (struct sockaddr *)&a, &len) == 0);
    snprintf(c->url, sizeof c->url, "http://127.0.0.1:%u", ntohs(a.sin_port));
    CHECK(pthread_create(&c->thread, NULL, serve, c) == 0);
}

static void canned_stop(canned *c)
{
    pthread_join(c->thread, NULL);
    close(c->listen_fd);
}

/* One canned answer, one client, started. */
static solana_rpc *one_answer(canned *c, const char *status, const char *body)
{
    memset(c, 0, sizeof *c);
    c->status[0] = status;
    c->body[0] = body;
    c->count = 1;
    canned_start(c);
    dep_error err;
    solana_rpc *rpc = solana_rpc_new(c->url, 5000, &err);
    CHECK_MSG(rpc != NULL, "%s", err.message);
    return rpc;
}

static void expect_error(canned *c, solana_rpc *rpc, dep_status got, dep_status want,
                         const dep_error *err, const char *message_after_url)
{
    char full[1024];
    canned_stop(c);
    solana_rpc_free(rpc);
    CHECK_INT_EQ(got, want);
    snprintf(full, sizeof full, "rpc %s %s", c->url, message_after_url);
    CHECK_STR_EQ(err->message, full);
}

TEST(test_rpc_refuses_http_errors_and_non_json)
{
    canned c;
    dep_error err;
    solana_rpc *rpc = one_answer(&c, "503 Service Unavailable", "{}");
    expect_error(&c, rpc, solana_rpc_get_health(rpc, &err), DEP_ERR_NETWORK, &err,
                 "getHealth: HTTP status 503");
    rpc = one_answer(&c, "200 OK", "<html>");
    expect_error(&c, rpc, solana_rpc_get_health(rpc, &err), DEP_ERR_MALFORMED, &err,
                 "getHealth: the response is not JSON ('[' or '{' expected near '<')");
    rpc = one_answer(&c, "200 OK", "{\"jsonrpc\":\"2.0\",\"id\":1}");
    expect_error(&c, rpc, solana_rpc_get_health(rpc, &err), DEP_ERR_MALFORMED, &err,
                 "getHealth: the response has no result");
    rpc = one_answer(&c, "200 OK",
                     "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32005,\"message\":\"Node "
                     "is behind by 42 slots\"}}");
    expect_error(&c, rpc, solana_rpc_get_health(rpc, &err), DEP_ERR_ARG, &err,
                 "getHealth: error -32005: Node is behind by 42 slots");
    rpc = one_answer(&c, "200 OK", "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"behind\"}");
    expect_error(&c, rpc, solana_rpc_get_health(rpc, &err), DEP_ERR_MALFORMED, &err,
                 "getHealth: unexpected answer: not \"ok\"");
}

TEST(test_rpc_refuses_wrong_shapes_and_numbers)
{
    canned c;
    dep_error err;
    uint8_t hash[32];
    uint64_t lamports = 0;
    solana_pubkey key = {{0}};
    solana_rpc *rpc =
        one_answer(&c, "200 OK",
                   "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"context\":{\"slot\":1},\"value\":"
                   "{\"blockhash\":\"3yZe7d\",\"lastValidBlockHeight\":9}}}");
    expect_error(&c, rpc, solana_rpc_get_latest_blockhash(rpc, hash, &err), DEP_ERR_MALFORMED, &err,
                 "getLatestBlockhash: unexpected answer: no 32-byte base58 value.blockhash");
    static const char *const bad_lamports[] = {"-1", "1.5", "1e300", "9007199254740992", "\"5\""};
    for (size_t i = 0; i < sizeof bad_lamports / sizeof bad_lamports[0]; i++) {
        char body[256];
        snprintf(
            body, sizeof body,
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"context\":{\"slot\":1},\"value\":%s}}",
            bad_lamports[i]);
        rpc = one_answer(&c, "200 OK", body);
        expect_error(&c, rpc, solana_rpc_get_balance(rpc, &key, &lamports, &err), DEP_ERR_MALFORMED,
                     &err, "getBalance: unexpected answer: value is not a lamport count");
    }
    rpc = one_answer(&c, "200 OK",
                     "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"context\":{\"slot\":1},\"value\":"
                     "9007199254740991}}");
    CHECK(solana_rpc_get_balance(rpc, &key, &lamports, &err) == DEP_OK);
    CHECK_UINT_EQ(lamports, 9007199254740991ULL);
    canned_stop(&c);
    solana_rpc_free(rpc);
}

TEST(test_rpc_reads_accounts_with_huge_rent_epoch_and_refuses_bad_data)
{
    canned c;
    dep_error err;
    solana_pubkey key = {{0}}, owner, program = {{0}};
    uint64_t lamports;
    uint8_t *data;
    size_t len;
    solana_rpc *rpc = one_answer(
        &c, "200 OK",
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"context\":{\"apiVersion\":\"2.2.0\",\"slot\":"
        "9},\"value\":{\"data\":[\"AQID\",\"base64\"],\"executable\":false,\"lamports\":890880,"
        "\"owner\":\"11111111111111111111111111111111\",\"rentEpoch\":18446744073709551615,"
        "\"space\":3}}}");
    CHECK(solana_rpc_get_account(rpc, &key, &owner, &lamports, &data, &len, &err) == DEP_OK);
    CHECK_UINT_EQ(len, 3);
    CHECK(data[0] == 1 && data[1] == 2 && data[2] == 3);
    CHECK_UINT_EQ(lamports, 890880);
    free(data);
    canned_stop(&c);
    solana_rpc_free(rpc);

    static const char *const bad_data[] = {"[\"AQI*\",\"base64\"]", "[\"AQID\",\"base58\"]",
                                           "\"AQID\"", "[\"AQID\"]"};
    for (size_t i = 0; i < sizeof bad_data / sizeof bad_data[0]; i++) {
        char body[512];
        snprintf(body, sizeof body,
                 "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"context\":{\"slot\":9},\"value\":{"
                 "\"data\":%s,\"executable\":false,\"lamports\":1,\"owner\":"
                 "\"11111111111111111111111111111111\",\"space\":3}}}",
                 bad_data[i]);
        rpc = one_answer(&c, "200 OK", body);
        expect_error(
            &c, rpc, solana_rpc_get_account(rpc, &key, &owner, &lamports, &data, &len, &err),
            DEP_ERR_MALFORMED, &err, "getAccountInfo: unexpected answer: malformed account");
    }

    solana_keyed_account *accs;
    size_t n;
    rpc = one_answer(&c, "200 OK", "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"value\":[]}}");
    expect_error(&c, rpc, solana_rpc_get_program_accounts(rpc, &program, NULL, 0, &accs, &n, &err),
                 DEP_ERR_MALFORMED, &err, "getProgramAccounts: unexpected answer: not an array");
    rpc = one_answer(&c, "200 OK",
                     "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":[{\"pubkey\":\"1111\",\"account\":"
                     "{}}]}");
    expect_error(&c, rpc, solana_rpc_get_program_accounts(rpc, &program, NULL, 0, &accs, &n, &err),
                 DEP_ERR_MALFORMED, &err, "getProgramAccounts: entry 0 is not {pubkey, account}");
}

TEST(test_rpc_send_reports_a_refusal_without_custom_code)
{
    canned c;
    dep_error err;
    char sig[SOLANA_SIGNATURE_TEXT_MAX];
    solana_tx_failure failure = {.custom_code = -1};
    uint8_t tx[100] = {0};
    solana_rpc *rpc = one_answer(
        &c, "200 OK",
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32002,\"message\":\"Transaction "
        "simulation failed: Blockhash not found\",\"data\":{\"accounts\":null,\"err\":"
        "\"BlockhashNotFound\",\"logs\":[],\"unitsConsumed\":0}}}");
    dep_status st = solana_rpc_send_transaction(rpc, tx, sizeof tx, sig, &failure, &err);
    canned_stop(&c);
    solana_rpc_free(rpc);
    CHECK_INT_EQ(st, DEP_ERR_ARG);
    CHECK(failure.failed);
    CHECK_INT_EQ(failure.custom_code, -1);
    CHECK_STR_EQ(failure.message, "Transaction simulation failed: Blockhash not found");
    CHECK_UINT_EQ(failure.log_count, 0);
    solana_tx_failure_clear(&failure);

    rpc = one_answer(&c, "200 OK", "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"notasignature\"}");
    expect_error(&c, rpc, solana_rpc_send_transaction(rpc, tx, sizeof tx, sig, &failure, &err),
                 DEP_ERR_MALFORMED, &err,
                 "sendTransaction: unexpected answer: the result is not a base58 signature");

    rpc = one_answer(&c, "200 OK",
                     "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"context\":{\"slot\":1},\"value\":"
                     "[null,null]}}");
    expect_error(&c, rpc, solana_rpc_confirm(rpc, "x", 1000, &failure, &err), DEP_ERR_MALFORMED,
                 &err, "getSignatureStatuses: unexpected answer: value is not one status or null");

    /* A transaction that landed with an error (sent without preflight elsewhere). */
    rpc = one_answer(&c, "200 OK",
                     "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"context\":{\"slot\":1},\"value\":"
                     "[{\"slot\":5,\"confirmations\":null,\"err\":{\"InstructionError\":[0,{"
                     "\"Custom\":6010}]},\"status\":{\"Err\":{}},\"confirmationStatus\":"
                     "\"finalized\"}]}}");
    st = solana_rpc_confirm(rpc, "sig", 1000, &failure, &err);
    canned_stop(&c);
    solana_rpc_free(rpc);
    CHECK_INT_EQ(st, DEP_ERR_ARG);
    CHECK_INT_EQ(failure.custom_code, 6010);
    CHECK_INT_EQ(failure.instruction_index, 0);
    CHECK_STR_EQ(
        failure.message,
        "transaction sig failed: Error processing Instruction 0: custom program error: 0x177a");
    solana_tx_failure_clear(&failure);
}

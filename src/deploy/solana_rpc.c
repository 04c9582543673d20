/*
 * A JSON-RPC 2.0 client for a Solana cluster over libcurl and jansson: the methods the route
 * registry's tools and the node need, each answer checked against the shape Solana's JSON-RPC
 * documentation gives before a value is used. A response is hostile input: its size is capped,
 * numbers are range-checked before they become integers, and base64 data is decoded into buffers
 * of the decoded size.
 *
 * Numbers are read as doubles (JSON_DECODE_INT_AS_REAL) because real nodes send values jansson's
 * integers cannot hold (an account's rentEpoch is 2^64-1); the values used here (slots, lamports
 * of one account, sizes) stay far below 2^53 and are refused above it.
 */
#include "deploy/deploy.h"
#include "deploy/internal.h"

#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { RPC_URL_MAX_BYTES = 2048 };
#define JSON_SAFE_INTEGER_MAX 9007199254740992.0 /* 2^53: integers below it are exact */

struct solana_rpc {
    CURL *curl;
    char url[RPC_URL_MAX_BYTES];
    uint32_t timeout_ms;
    uint64_t next_id;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_status;

static void curl_init(void)
{
    curl_init_status = curl_global_init(CURL_GLOBAL_DEFAULT);
}

solana_rpc *solana_rpc_new(const char *url, uint32_t timeout_ms, dep_error *err)
{
    if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) {
        dep_fail(err, DEP_ERR_ARG, "rpc URL \"%s\" must start with http:// or https://", url);
        return NULL;
    }
    if (strlen(url) >= RPC_URL_MAX_BYTES) {
        dep_fail(err, DEP_ERR_ARG, "rpc URL longer than %d bytes", RPC_URL_MAX_BYTES - 1);
        return NULL;
    }
    pthread_once(&curl_once, curl_init);
    if (curl_init_status != CURLE_OK || sodium_init() < 0) {
        dep_fail(err, DEP_ERR_NOMEM, "libcurl or libsodium failed to initialise");
        return NULL;
    }
    solana_rpc *rpc = calloc(1, sizeof *rpc);
    if (rpc == NULL || (rpc->curl = curl_easy_init()) == NULL) {
        free(rpc);
        dep_fail(err, DEP_ERR_NOMEM, "rpc: out of memory");
        return NULL;
    }
    strcpy(rpc->url, url);
    rpc->timeout_ms = timeout_ms ? timeout_ms : SOLANA_RPC_TIMEOUT_MS_DEFAULT;
    rpc->next_id = 1;
    return rpc;
}

void solana_rpc_free(solana_rpc *rpc)
{
    if (rpc == NULL)
        return;
    curl_easy_cleanup(rpc->curl);
    free(rpc);
}

void solana_tx_failure_clear(solana_tx_failure *f)
{
    for (size_t i = 0; i < f->log_count; i++)
        free(f->logs[i]);
    free(f->logs);
    memset(f, 0, sizeof *f);
    f->custom_code = -1;
}

/* ---- transport ---- */

typedef struct body {
    dep_buf buf;
    bool over_cap;
} body;

static size_t on_body(char *data, size_t size, size_t nmemb, void *ctx)
{
    body *b = ctx;
    size_t n = size * nmemb;
    if (dep_buf_append(&b->buf, data, n, NULL) != DEP_OK) {
        b->over_cap = true;
        return 0; /* ends the transfer */
    }
    return n;
}

/* Posts one request; on DEP_OK *result holds the "result" member (a new reference). When the
 * server answers with a JSON-RPC error, *error_out (if given) receives the "error" object and
 * the status is DEP_ERR_ARG. Takes ownership of params. */
static dep_status rpc_call(solana_rpc *rpc, const char *method, json_t *params, json_t **result,
                           json_t **error_out, dep_error *err)
{
    *result = NULL;
    if (error_out)
        *error_out = NULL;
    json_t *req = json_pack("{s:s, s:I, s:s, s:o}", "jsonrpc", "2.0", "id",
                            (json_int_t)rpc->next_id++, "method", method, "params", params);
    char *text = req ? json_dumps(req, JSON_COMPACT) : NULL;
    json_decref(req);
    if (text == NULL)
        return dep_fail(err, DEP_ERR_NOMEM, "rpc %s: out of memory", method);

    body resp = {.buf = {.max = SOLANA_RPC_MAX_RESPONSE_BYTES}};
    char curl_err[CURL_ERROR_SIZE] = "";
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    CURL *c = rpc->curl;
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, rpc->url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, text);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)rpc->timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)rpc->timeout_ms);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &resp);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_err);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "aegis-wasm-cli");
    CURLcode rc = curl_easy_perform(c);
    long http_status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &http_status);
    curl_slist_free_all(headers);
    free(text);

    dep_status st = DEP_OK;
    if (resp.over_cap) {
        st = dep_fail(err, DEP_ERR_LIMIT, "rpc %s %s: response larger than %d bytes", rpc->url,
                      method, SOLANA_RPC_MAX_RESPONSE_BYTES);
    } else if (rc != CURLE_OK) {
        st = dep_fail(err, DEP_ERR_NETWORK, "rpc %s %s: %s", rpc->url, method,
                      curl_err[0] ? curl_err : curl_easy_strerror(rc));
    } else if (http_status != 200) {
        st = dep_fail(err, DEP_ERR_NETWORK, "rpc %s %s: HTTP status %ld", rpc->url, method,
                      http_status);
    }
    if (st != DEP_OK) {
        dep_buf_destroy(&resp.buf);
        return st;
    }
    json_error_t jerr;
    json_t *root =
        json_loadb((const char *)resp.buf.data, resp.buf.len, JSON_DECODE_INT_AS_REAL, &jerr);
    dep_buf_destroy(&resp.buf);
    if (root == NULL)
        return dep_fail(err, DEP_ERR_MALFORMED, "rpc %s %s: the response is not JSON (%s)",
                        rpc->url, method, jerr.text);
    json_t *error = json_object_get(root, "error");
    json_t *res = json_object_get(root, "result");
    if (json_is_object(error)) {
        json_t *code = json_object_get(error, "code");
        json_t *msg = json_object_get(error, "message");
        st = dep_fail(err, DEP_ERR_ARG, "rpc %s %s: error %.0f: %s", rpc->url, method,
                      json_is_number(code) ? json_number_value(code) : 0.0,
                      json_is_string(msg) ? json_string_value(msg) : "(no message)");
        if (error_out)
            *error_out = json_incref(error);
    } else if (res == NULL) {
        st = dep_fail(err, DEP_ERR_MALFORMED, "rpc %s %s: the response has no result", rpc->url,
                      method);
    } else {
        *result = json_incref(res);
    }
    json_decref(root);
    return st;
}

/* ---- reading answers ---- */

static bool get_u64(json_t *v, uint64_t *out)
{
    if (!json_is_number(v))
        return false;
    double d = json_number_value(v);
    /* Below 2^53 only: from 2^53 on, neighbouring integers read as the same double. */
    if (!(d >= 0.0 && d < JSON_SAFE_INTEGER_MAX) || d != (double)(uint64_t)d)
        return false;
    *out = (uint64_t)d;
    return true;
}

static dep_status bad_shape(solana_rpc *rpc, const char *method, const char *what, dep_error *err)
{
    return dep_fail(err, DEP_ERR_MALFORMED, "rpc %s %s: unexpected answer: %s", rpc->url, method,
                    what);
}

/* Decodes ["<base64>", "base64"] into a malloc'd buffer. */
static dep_status decode_data(json_t *data, uint8_t **out, size_t *out_len)
{
    const char *enc = json_string_value(json_array_get(data, 1));
    const char *text = json_string_value(json_array_get(data, 0));
    if (!json_is_array(data) || json_array_size(data) != 2 || text == NULL || enc == NULL ||
        strcmp(enc, "base64") != 0)
        return DEP_ERR_MALFORMED;
    size_t text_len = strlen(text);
    size_t cap = text_len / 4 * 3 + 3;
    uint8_t *buf = malloc(cap ? cap : 1);
    if (buf == NULL)
        return DEP_ERR_NOMEM;
    size_t n = 0;
    const char *end = NULL;
    if (sodium_base642bin(buf, cap, text, text_len, NULL, &n, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        end != text + text_len) {
        free(buf);
        return DEP_ERR_MALFORMED;
    }
    *out = buf;
    *out_len = n;
    return DEP_OK;
}

/* {data, executable, lamports, owner, ...} of getAccountInfo and getProgramAccounts. */
static dep_status read_account(json_t *acc, solana_pubkey *owner, uint64_t *lamports,
                               uint8_t **data, size_t *data_len)
{
    const char *owner_text = json_string_value(json_object_get(acc, "owner"));
    if (!json_is_object(acc) || owner_text == NULL ||
        solana_pubkey_parse(owner_text, owner, NULL) != DEP_OK ||
        !get_u64(json_object_get(acc, "lamports"), lamports))
        return DEP_ERR_MALFORMED;
    return decode_data(json_object_get(acc, "data"), data, data_len);
}

/* ---- methods ---- */

dep_status solana_rpc_get_health(solana_rpc *rpc, dep_error *err)
{
    json_t *res;
    dep_status st = rpc_call(rpc, "getHealth", json_array(), &res, NULL, err);
    if (st != DEP_OK)
        return st;
    bool ok = json_is_string(res) && strcmp(json_string_value(res), "ok") == 0;
    json_decref(res);
    return ok ? DEP_OK : bad_shape(rpc, "getHealth", "not \"ok\"", err);
}

dep_status solana_rpc_get_latest_blockhash(solana_rpc *rpc, uint8_t hash[SOLANA_HASH_BYTES],
                                           dep_error *err)
{
    json_t *res;
    dep_status st = rpc_call(rpc, "getLatestBlockhash",
                             json_pack("[{s:s}]", "commitment", "finalized"), &res, NULL, err);
    if (st != DEP_OK)
        return st;
    const char *text =
        json_string_value(json_object_get(json_object_get(res, "value"), "blockhash"));
    size_t n = 0;
    if (text == NULL || dep_base58_decode(text, strlen(text), hash, SOLANA_HASH_BYTES, &n, NULL) ||
        n != SOLANA_HASH_BYTES)
        st = bad_shape(rpc, "getLatestBlockhash", "no 32-byte base58 value.blockhash", err);
    json_decref(res);
    return st;
}

dep_status solana_rpc_get_balance(solana_rpc *rpc, const solana_pubkey *key, uint64_t *lamports,
                                  dep_error *err)
{
    char text[SOLANA_PUBKEY_TEXT_MAX];
    json_t *res;
    dep_status st = rpc_call(
        rpc, "getBalance",
        json_pack("[s, {s:s}]", solana_pubkey_string(key, text), "commitment", "confirmed"), &res,
        NULL, err);
    if (st != DEP_OK)
        return st;
    if (!get_u64(json_object_get(res, "value"), lamports))
        st = bad_shape(rpc, "getBalance", "value is not a lamport count", err);
    json_decref(res);
    return st;
}

dep_status solana_rpc_get_min_rent(solana_rpc *rpc, uint64_t data_bytes, uint64_t *lamports,
                                   dep_error *err)
{
    json_t *res;
    dep_status st = rpc_call(rpc, "getMinimumBalanceForRentExemption",
                             json_pack("[I]", (json_int_t)data_bytes), &res, NULL, err);
    if (st != DEP_OK)
        return st;
    if (!get_u64(res, lamports))
        st = bad_shape(rpc, "getMinimumBalanceForRentExemption", "not a lamport count", err);
    json_decref(res);
    return st;
}

static dep_status copy_signature(solana_rpc *rpc, const char *method, json_t *res,
                                 char signature[SOLANA_SIGNATURE_TEXT_MAX], dep_error *err)
{
    uint8_t raw[SOLANA_SIGNATURE_BYTES + 1];
    size_t n = 0;
    const char *text = json_string_value(res);
    if (text == NULL || strlen(text) >= SOLANA_SIGNATURE_TEXT_MAX ||
        dep_base58_decode(text, strlen(text), raw, sizeof raw, &n, NULL) != DEP_OK ||
        n != SOLANA_SIGNATURE_BYTES)
        return bad_shape(rpc, method, "the result is not a base58 signature", err);
    strcpy(signature, text);
    return DEP_OK;
}

dep_status solana_rpc_request_airdrop(solana_rpc *rpc, const solana_pubkey *key, uint64_t lamports,
                                      char signature[SOLANA_SIGNATURE_TEXT_MAX], dep_error *err)
{
    char text[SOLANA_PUBKEY_TEXT_MAX];
    json_t *res;
    dep_status st =
        rpc_call(rpc, "requestAirdrop",
                 json_pack("[s, I]", solana_pubkey_string(key, text), (json_int_t)lamports), &res,
                 NULL, err);
    if (st != DEP_OK)
        return st;
    st = copy_signature(rpc, "requestAirdrop", res, signature, err);
    json_decref(res);
    return st;
}

dep_status solana_rpc_get_account(solana_rpc *rpc, const solana_pubkey *key, solana_pubkey *owner,
                                  uint64_t *lamports, uint8_t **data, size_t *data_len,
                                  dep_error *err)
{
    char text[SOLANA_PUBKEY_TEXT_MAX];
    json_t *res;
    solana_pubkey_string(key, text);
    dep_status st = rpc_call(
        rpc, "getAccountInfo",
        json_pack("[s, {s:s, s:s}]", text, "encoding", "base64", "commitment", "confirmed"), &res,
        NULL, err);
    if (st != DEP_OK)
        return st;
    json_t *value = json_object_get(res, "value");
    if (json_is_null(value))
        st = dep_fail(err, DEP_ERR_NOT_FOUND, "account %s does not exist", text);
    else if ((st = read_account(value, owner, lamports, data, data_len)) != DEP_OK)
        st = st == DEP_ERR_NOMEM ? dep_fail(err, st, "rpc: out of memory")
                                 : bad_shape(rpc, "getAccountInfo", "malformed account", err);
    json_decref(res);
    return st;
}

/* err of a failed transaction: {"InstructionError": [index, {"Custom": code}]} or another
 * variant, kept as text for the message. */
static void read_tx_error(json_t *e, solana_tx_failure *f)
{
    json_t *ie = json_object_get(e, "InstructionError");
    uint64_t index = 0, code = 0;
    if (json_is_array(ie) && get_u64(json_array_get(ie, 0), &index) && index <= 255) {
        f->instruction_index = (int)index;
        if (get_u64(json_object_get(json_array_get(ie, 1), "Custom"), &code) && code <= UINT32_MAX)
            f->custom_code = (int64_t)code;
    }
}

/* The node's wording for a landed transaction's error: "Error processing Instruction 0: custom
 * program error: 0x177a", a variant's name, or the error value as JSON. */
static void describe_tx_error(json_t *e, solana_tx_failure *f, const char *signature)
{
    json_t *ie = json_object_get(e, "InstructionError");
    const char *variant = json_string_value(json_array_get(ie, 1));
    if (f->custom_code >= 0 && f->instruction_index >= 0) {
        snprintf(f->message, sizeof f->message,
                 "transaction %s failed: Error processing Instruction %d: custom program error: "
                 "0x%llx",
                 signature, f->instruction_index, (unsigned long long)f->custom_code);
    } else if (variant != NULL && f->instruction_index >= 0) {
        snprintf(f->message, sizeof f->message,
                 "transaction %s failed: Error processing Instruction %d: %s", signature,
                 f->instruction_index, variant);
    } else if (json_is_string(e)) {
        snprintf(f->message, sizeof f->message, "transaction %s failed: %s", signature,
                 json_string_value(e));
    } else {
        char *text = json_dumps(e, JSON_COMPACT | JSON_ENCODE_ANY);
        snprintf(f->message, sizeof f->message, "transaction %s failed: %s", signature,
                 text ? text : "(error)");
        free(text);
    }
}

static void read_logs(json_t *logs, solana_tx_failure *f)
{
    size_t n = json_is_array(logs) ? json_array_size(logs) : 0;
    if (n > SOLANA_RPC_MAX_LOG_LINES)
        n = SOLANA_RPC_MAX_LOG_LINES;
    if (n == 0 || (f->logs = calloc(n, sizeof *f->logs)) == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        const char *line = json_string_value(json_array_get(logs, i));
        if (line != NULL && (f->logs[f->log_count] = strdup(line)) != NULL)
            f->log_count++;
    }
}

dep_status solana_rpc_send_transaction(solana_rpc *rpc, const uint8_t *tx, size_t tx_len,
                                       char signature[SOLANA_SIGNATURE_TEXT_MAX],
                                       solana_tx_failure *failure, dep_error *err)
{
    char b64[sodium_base64_ENCODED_LEN(SOLANA_TX_MAX_BYTES, sodium_base64_VARIANT_ORIGINAL)];
    json_t *res, *error;
    if (tx_len > SOLANA_TX_MAX_BYTES)
        return dep_fail(err, DEP_ERR_LIMIT, "transaction of %zu bytes exceeds %d", tx_len,
                        SOLANA_TX_MAX_BYTES);
    sodium_bin2base64(b64, sizeof b64, tx, tx_len, sodium_base64_VARIANT_ORIGINAL);
    dep_status st = rpc_call(
        rpc, "sendTransaction",
        json_pack("[s, {s:s, s:s}]", b64, "encoding", "base64", "preflightCommitment", "confirmed"),
        &res, &error, err);
    if (st == DEP_ERR_ARG && error != NULL) {
        /* The cluster refused it (preflight): keep its words, its error value and the logs. */
        const char *msg = json_string_value(json_object_get(error, "message"));
        json_t *data = json_object_get(error, "data");
        failure->failed = true;
        failure->custom_code = -1;
        failure->instruction_index = -1;
        snprintf(failure->message, sizeof failure->message, "%s",
                 msg ? msg : "transaction refused");
        read_tx_error(json_object_get(data, "err"), failure);
        read_logs(json_object_get(data, "logs"), failure);
        json_decref(error);
        return st;
    }
    if (st != DEP_OK)
        return st;
    st = copy_signature(rpc, "sendTransaction", res, signature, err);
    json_decref(res);
    return st;
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

dep_status solana_rpc_confirm(solana_rpc *rpc, const char *signature, uint32_t timeout_ms,
                              solana_tx_failure *failure, dep_error *err)
{
    enum { POLL_INTERVAL_MS = 200 };
    uint64_t deadline = now_ms() + (timeout_ms ? timeout_ms : SOLANA_CONFIRM_TIMEOUT_MS_DEFAULT);
    for (;;) {
        json_t *res;
        dep_status st = rpc_call(
            rpc, "getSignatureStatuses",
            json_pack("[[s], {s:b}]", signature, "searchTransactionHistory", 0), &res, NULL, err);
        if (st != DEP_OK)
            return st;
        json_t *value = json_object_get(res, "value");
        json_t *status = json_array_get(value, 0);
        if (!json_is_array(value) || json_array_size(value) != 1 ||
            !(json_is_null(status) || json_is_object(status))) {
            json_decref(res);
            return bad_shape(rpc, "getSignatureStatuses", "value is not one status or null", err);
        }
        if (json_is_object(status)) {
            json_t *e = json_object_get(status, "err");
            const char *level = json_string_value(json_object_get(status, "confirmationStatus"));
            if (e != NULL && !json_is_null(e)) {
                failure->failed = true;
                failure->custom_code = -1;
                failure->instruction_index = -1;
                read_tx_error(e, failure);
                describe_tx_error(e, failure, signature);
                json_decref(res);
                return DEP_ERR_ARG;
            }
            if (level != NULL &&
                (strcmp(level, "confirmed") == 0 || strcmp(level, "finalized") == 0)) {
                json_decref(res);
                return DEP_OK;
            }
        }
        json_decref(res);
        if (now_ms() >= deadline)
            return dep_fail(err, DEP_ERR_NETWORK,
                            "transaction %s: not confirmed after %u ms (it may still land)",
                            signature, timeout_ms ? timeout_ms : SOLANA_CONFIRM_TIMEOUT_MS_DEFAULT);
        struct timespec pause = {0, POLL_INTERVAL_MS * 1000000L};
        nanosleep(&pause, NULL);
    }
}

void solana_keyed_accounts_free(solana_keyed_account *accounts, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(accounts[i].data);
    free(accounts);
}

static json_t *filter_json(const solana_rpc_filter *f)
{
    if (!f->is_memcmp)
        return json_pack("{s:I}", "dataSize", (json_int_t)f->data_size);
    /* base58 of at most 128 bytes, the limit real nodes apply to memcmp filters */
    char text[200];
    if (f->bytes_len == 0 || f->bytes_len > 128 ||
        dep_base58_encode(f->bytes, f->bytes_len, text, sizeof text) == 0)
        return NULL;
    return json_pack("{s:{s:I, s:s, s:s}}", "memcmp", "offset", (json_int_t)f->offset, "bytes",
                     text, "encoding", "base58");
}

dep_status solana_rpc_get_program_accounts(solana_rpc *rpc, const solana_pubkey *program,
                                           const solana_rpc_filter *filters, size_t filter_count,
                                           solana_keyed_account **accounts, size_t *count,
                                           dep_error *err)
{
    enum { MAX_FILTERS = 4 };
    char text[SOLANA_PUBKEY_TEXT_MAX];
    *accounts = NULL;
    *count = 0;
    if (filter_count > MAX_FILTERS)
        return dep_fail(err, DEP_ERR_ARG, "getProgramAccounts: %zu filters, at most %d",
                        filter_count, MAX_FILTERS);
    json_t *fs = json_array();
    for (size_t i = 0; i < filter_count; i++) {
        json_t *f = filter_json(&filters[i]);
        if (f == NULL) {
            json_decref(fs);
            return dep_fail(err, DEP_ERR_ARG, "getProgramAccounts: filter %zu: 1 to 128 bytes", i);
        }
        json_array_append_new(fs, f);
    }
    json_t *res;
    dep_status st =
        rpc_call(rpc, "getProgramAccounts",
                 json_pack("[s, {s:s, s:s, s:o}]", solana_pubkey_string(program, text), "encoding",
                           "base64", "commitment", "confirmed", "filters", fs),
                 &res, NULL, err);
    if (st != DEP_OK)
        return st;
    size_t n = json_is_array(res) ? json_array_size(res) : 0;
    if (!json_is_array(res)) {
        json_decref(res);
        return bad_shape(rpc, "getProgramAccounts", "not an array", err);
    }
    if (n > SOLANA_RPC_MAX_ROUTES) {
        json_decref(res);
        return dep_fail(err, DEP_ERR_LIMIT, "getProgramAccounts: %zu accounts, more than %d", n,
                        SOLANA_RPC_MAX_ROUTES);
    }
    solana_keyed_account *out = calloc(n ? n : 1, sizeof *out);
    if (out == NULL) {
        json_decref(res);
        return dep_fail(err, DEP_ERR_NOMEM, "getProgramAccounts: out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        json_t *item = json_array_get(res, i);
        const char *key = json_string_value(json_object_get(item, "pubkey"));
        dep_status s2 = DEP_ERR_MALFORMED;
        if (key != NULL && solana_pubkey_parse(key, &out[i].pubkey, NULL) == DEP_OK)
            s2 = read_account(json_object_get(item, "account"), &out[i].owner, &out[i].lamports,
                              &out[i].data, &out[i].data_len);
        if (s2 != DEP_OK) {
            solana_keyed_accounts_free(out, i);
            json_decref(res);
            return s2 == DEP_ERR_NOMEM
                       ? dep_fail(err, s2, "getProgramAccounts: out of memory")
                       : dep_fail(err, DEP_ERR_MALFORMED,
                                  "rpc %s getProgramAccounts: entry %zu is not {pubkey, account}",
                                  rpc->url, i);
        }
    }
    json_decref(res);
    *accounts = out;
    *count = n;
    return DEP_OK;
}

/*
 * Publishing a module: the `add` command of Kubo's RPC API, as `aegis-wasm-cli deploy --ipfs`
 * uses it. The CID is computed here first, in the profile asked for; the upload then asks the
 * node for exactly that layout (cid-version, raw-leaves, chunker=size-262144) and its answer is
 * believed only if its "Hash" is the local CID. A node that cut the file differently, or that
 * lies, is caught here, before an author registers a CID that no gateway will serve.
 *
 * The node's answer is hostile input like any other: it is capped while it arrives, parsed with
 * jansson line by line, and any text taken from it is cleaned of control bytes before it reaches
 * a message.
 */
#include "deploy/internal.h"

#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum {
    KUBO_URL_MAX_BYTES = 2048,
    KUBO_TEXT_MAX_BYTES = 200, /* node-supplied text quoted in a message */
    KUBO_NAME_BYTES = 256,
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_status;

static void curl_init(void)
{
    curl_init_status = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* Copies node-supplied text into out (cap bytes), control bytes and DEL as '?', cut at
 * KUBO_TEXT_MAX_BYTES, so that it can neither drive a terminal nor flood a message. */
static void clean_text(const char *text, size_t len, char *out, size_t cap)
{
    size_t n = 0, limit = cap - 1 < KUBO_TEXT_MAX_BYTES ? cap - 1 : KUBO_TEXT_MAX_BYTES;
    for (size_t i = 0; i < len && n < limit; i++) {
        unsigned char c = (unsigned char)text[i];
        out[n++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    out[n] = '\0';
}

/* Kubo sends "Size" as a decimal string; older nodes sent a number. */
static bool parse_size(const json_t *v, uint64_t *out)
{
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *out = (uint64_t)json_integer_value(v);
        return true;
    }
    if (!json_is_string(v))
        return false;
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (n == 0 || n > 19)
        return false;
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        x = x * 10 + (uint64_t)(s[i] - '0');
    }
    *out = x;
    return true;
}

/* One line of the answer: an error object, a progress object (ignored), or a file's result. */
static dep_status parse_line(const char *line, size_t len, size_t line_no, bool *found,
                             dep_cid *hash, uint64_t *dag_bytes, char *name, dep_error *err)
{
    json_error_t jerr;
    json_t *obj = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
    if (obj == NULL) {
        char why[KUBO_TEXT_MAX_BYTES + 1];
        clean_text(jerr.text, strlen(jerr.text), why, sizeof why);
        return dep_fail(err, DEP_ERR_MALFORMED, "answer line %zu is not JSON: %s", line_no, why);
    }
    dep_status st = DEP_OK;
    const json_t *message = json_object_get(obj, "Message");
    const json_t *type = json_object_get(obj, "Type");
    const json_t *h = json_object_get(obj, "Hash");
    if (!json_is_object(obj)) {
        st = dep_fail(err, DEP_ERR_MALFORMED, "answer line %zu is not a JSON object", line_no);
    } else if (json_is_string(message) &&
               (type == NULL ||
                (json_is_string(type) && strcmp(json_string_value(type), "error") == 0))) {
        char text[KUBO_TEXT_MAX_BYTES + 1];
        clean_text(json_string_value(message), json_string_length(message), text, sizeof text);
        st = dep_fail(err, DEP_ERR_NETWORK, "the node refused the add: %s", text);
    } else if (h != NULL) {
        dep_cid cid;
        uint64_t size = 0;
        const json_t *sz = json_object_get(obj, "Size");
        const json_t *nm = json_object_get(obj, "Name");
        char text[KUBO_TEXT_MAX_BYTES + 1];
        if (!json_is_string(h)) {
            st = dep_fail(err, DEP_ERR_MALFORMED, "answer line %zu: \"Hash\" is not a string",
                          line_no);
        } else if (dep_cid_parse(json_string_value(h), json_string_length(h), &cid, err) !=
                   DEP_OK) {
            clean_text(json_string_value(h), json_string_length(h), text, sizeof text);
            dep_error_prefix(err, "answer line %zu: \"Hash\" \"%s\"", line_no, text);
            st = DEP_ERR_MALFORMED;
            if (err != NULL)
                err->status = st;
        } else if (sz != NULL && !parse_size(sz, &size)) {
            st = dep_fail(err, DEP_ERR_MALFORMED, "answer line %zu: \"Size\" is not a byte count",
                          line_no);
        } else if (nm != NULL && !json_is_string(nm)) {
            st = dep_fail(err, DEP_ERR_MALFORMED, "answer line %zu: \"Name\" is not a string",
                          line_no);
        } else {
            *found = true;
            *hash = cid;
            if (dag_bytes != NULL)
                *dag_bytes = size;
            if (name != NULL)
                clean_text(nm ? json_string_value(nm) : "", nm ? json_string_length(nm) : 0, name,
                           KUBO_NAME_BYTES);
        }
    }
    json_decref(obj);
    return st;
}

dep_status dep_kubo_parse_add(const char *body, size_t len, dep_cid *hash, uint64_t *dag_bytes,
                              char *name, dep_error *err)
{
    if (body == NULL && len > 0)
        return dep_fail(err, DEP_ERR_ARG, "no answer");
    bool found = false;
    size_t line_no = 0;
    for (size_t pos = 0; pos < len;) {
        const char *nl = memchr(body + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - body) : len;
        size_t start = pos;
        pos = end + 1;
        line_no++;
        while (start < end && (body[start] == ' ' || body[start] == '\t' || body[start] == '\r'))
            start++;
        if (start == end)
            continue;
        dep_status st =
            parse_line(body + start, end - start, line_no, &found, hash, dag_bytes, name, err);
        if (st != DEP_OK)
            return st;
    }
    if (!found)
        return dep_fail(err, DEP_ERR_MALFORMED, "the answer names no \"Hash\" (%zu bytes)", len);
    return DEP_OK;
}

typedef struct answer {
    dep_buf body;
    bool over_cap;
    char stream_error[KUBO_TEXT_MAX_BYTES + 1]; /* the X-Stream-Error trailer, if any */
} answer;

static size_t on_body(char *data, size_t size, size_t nmemb, void *ctx)
{
    answer *a = ctx;
    size_t n = size * nmemb;
    if (dep_buf_append(&a->body, data, n, NULL) != DEP_OK) {
        a->over_cap = true;
        return 0;
    }
    return n;
}

/* Headers and trailers: Kubo reports an error that happens after the answer has started in the
 * X-Stream-Error trailer. */
static size_t on_header(char *data, size_t size, size_t nmemb, void *ctx)
{
    answer *a = ctx;
    size_t n = size * nmemb;
    static const char name[] = "X-Stream-Error:";
    if (n > sizeof name - 1 && strncasecmp(data, name, sizeof name - 1) == 0) {
        size_t start = sizeof name - 1, end = n;
        while (start < end && data[start] == ' ')
            start++;
        while (end > start && (data[end - 1] == '\r' || data[end - 1] == '\n'))
            end--;
        if (end > start)
            clean_text(data + start, end - start, a->stream_error, sizeof a->stream_error);
    }
    return n;
}

/* {api}/api/v0/add?... for the profile; an api that already ends in /api/v0 is not doubled. */
static dep_status add_url(const dep_kubo_options *o, char *url, size_t cap, dep_error *err)
{
    const char *base = o->api_url;
    size_t blen = strlen(base);
    while (blen > 0 && base[blen - 1] == '/')
        blen--;
    static const char api[] = "/api/v0";
    bool has_api =
        blen >= sizeof api - 1 && memcmp(base + blen - (sizeof api - 1), api, sizeof api - 1) == 0;
    int n = snprintf(url, cap,
                     "%.*s%s/add?cid-version=%u&raw-leaves=%s&chunker=size-%u&pin=%s"
                     "&progress=false",
                     (int)blen, base, has_api ? "" : api, (unsigned)o->cid_version,
                     o->cid_version == 1 ? "true" : "false", (unsigned)DEP_CHUNK_BYTES_DEFAULT,
                     o->pin ? "true" : "false");
    if (n < 0 || (size_t)n >= cap)
        return dep_fail(err, DEP_ERR_ARG, "the RPC address is too long");
    return DEP_OK;
}

/* POSTs the file and leaves the node's answer in a->body (on DEP_OK: HTTP 200, no trailer
 * error). */
static dep_status upload(const dep_kubo_options *o, const char *url, const uint8_t *data,
                         size_t len, answer *a, dep_error *err)
{
    pthread_once(&curl_once, curl_init);
    if (curl_init_status != CURLE_OK)
        return dep_fail(err, DEP_ERR_NETWORK, "libcurl: %s", curl_easy_strerror(curl_init_status));
    CURL *c = curl_easy_init();
    if (c == NULL)
        return dep_fail(err, DEP_ERR_NOMEM, "libcurl: cannot create a handle");
    dep_status st = DEP_OK;
    curl_mime *mime = curl_mime_init(c);
    curl_mimepart *part = mime ? curl_mime_addpart(mime) : NULL;
    /* No "Expect: 100-continue": some nodes never answer it, and the body is sent at once. */
    struct curl_slist *headers = curl_slist_append(NULL, "Expect:");
    if (part == NULL || headers == NULL || curl_mime_name(part, "file") != CURLE_OK ||
        curl_mime_filename(part, o->file_name ? o->file_name : "module.wasm") != CURLE_OK ||
        curl_mime_type(part, "application/octet-stream") != CURLE_OK ||
        curl_mime_data(part, len ? (const char *)data : "", len) != CURLE_OK) {
        st = dep_fail(err, DEP_ERR_NOMEM, "out of memory building the upload");
        goto done;
    }
    long connect_ms =
        o->connect_timeout_ms ? o->connect_timeout_ms : DEP_KUBO_CONNECT_TIMEOUT_MS_DEFAULT;
    long total_ms = o->total_timeout_ms ? o->total_timeout_ms : DEP_KUBO_TOTAL_TIMEOUT_MS_DEFAULT;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L); /* a POST is not replayed elsewhere */
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, total_ms);
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)DEP_KUBO_ANSWER_MAX_BYTES);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, a);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, a);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "aegis-wasm-cli");
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (rc == CURLE_FILESIZE_EXCEEDED || a->over_cap) {
        st = dep_fail(err, DEP_ERR_LIMIT, "the answer is over %d bytes", DEP_KUBO_ANSWER_MAX_BYTES);
    } else if (rc != CURLE_OK) {
        st = dep_fail(err, DEP_ERR_NETWORK, "%s", curl_easy_strerror(rc));
    } else if (status != 200) {
        /* Kubo explains a refusal in a JSON error object; quote it when it is one. */
        dep_cid ignored;
        dep_error why = {0};
        if (a->body.len > 0 && dep_kubo_parse_add((const char *)a->body.data, a->body.len, &ignored,
                                                  NULL, NULL, &why) == DEP_ERR_NETWORK)
            st = dep_fail(err, DEP_ERR_NETWORK, "HTTP status %ld: %s", status, why.message);
        else
            st = dep_fail(err, DEP_ERR_NETWORK, "HTTP status %ld", status);
    } else if (a->stream_error[0] != '\0') {
        st = dep_fail(err, DEP_ERR_NETWORK, "the node failed during the add: %s", a->stream_error);
    }
done:
    curl_slist_free_all(headers);
    curl_mime_free(mime);
    curl_easy_cleanup(c);
    return st;
}

dep_status dep_kubo_add(const dep_kubo_options *opts, const uint8_t *data, size_t len,
                        dep_kubo_result *result, dep_error *err)
{
    if (opts == NULL || opts->api_url == NULL || result == NULL || (data == NULL && len > 0))
        return dep_fail(err, DEP_ERR_ARG, "kubo add: missing argument");
    if (opts->cid_version > 1)
        return dep_fail(err, DEP_ERR_ARG, "kubo add: cid version %u (0 or 1)",
                        (unsigned)opts->cid_version);
    memset(result, 0, sizeof *result);
    char url[KUBO_URL_MAX_BYTES], local[DEP_CID_TEXT_MAX], remote[DEP_CID_TEXT_MAX];
    dep_import_options profile = dep_import_profile(opts->cid_version);
    dep_status st = dep_import_buffer(data, len, &profile, NULL, NULL, &result->local, err);
    if (st != DEP_OK)
        return st;
    if ((st = add_url(opts, url, sizeof url, err)) != DEP_OK)
        return st;
    answer a = {.body = {.max = DEP_KUBO_ANSWER_MAX_BYTES}};
    st = upload(opts, url, data, len, &a, err);
    if (st == DEP_OK)
        st = dep_kubo_parse_add((const char *)a.body.data, a.body.len, &result->remote,
                                &result->dag_bytes, result->name, err);
    dep_buf_destroy(&a.body);
    if (st != DEP_OK) {
        dep_error_prefix(err, "kubo add at %s", opts->api_url);
        return st;
    }
    if (!dep_cid_equal(&result->local, &result->remote))
        return dep_fail(err, DEP_ERR_HASH,
                        "kubo add at %s: the node answered Hash %s, but the file's CID is %s "
                        "(cid-version %u, raw-leaves %s, chunker size-%u): the node did not "
                        "store the DAG this CID names",
                        opts->api_url, dep_cid_string(&result->remote, remote),
                        dep_cid_string(&result->local, local), (unsigned)opts->cid_version,
                        opts->cid_version == 1 ? "true" : "false",
                        (unsigned)DEP_CHUNK_BYTES_DEFAULT);
    return DEP_OK;
}

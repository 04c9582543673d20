/*
 * The AEGIS WAF: the one public header of guest/waf/. The same sources build natively (tests,
 * benchmarks) and for wasm32-wasi (the module that aegis-node runs sandboxed; wasm_abi.c adds the
 * guest ABI v1 exports alloc, dealloc, analyze_request and configure).
 *
 * A waf holds a configuration and a per-request bump arena; waf_analyze parses one request
 * document (guest ABI v1 request JSON), inspects every part of it and returns the verdict both as
 * a structure and as the result JSON of the ABI. Everything a result points to lives in the arena
 * and stays valid until the next waf_analyze or waf_free.
 */
#ifndef AEGIS_WAF_H
#define AEGIS_WAF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest request document analyze accepts, in bytes. */
#define WAF_MAX_REQUEST_BYTES (512u * 1024u)
/* How many per-route exclusions a configuration may hold. */
#define WAF_MAX_EXCLUSIONS 16
/* How many rule ids or categories one exclusion may list. */
#define WAF_MAX_EXCLUSION_ITEMS 16
/* Default and bounds of waf_config.max_inspect_bytes. */
#define WAF_DEFAULT_INSPECT_BYTES (64u * 1024u)
#define WAF_MIN_INSPECT_BYTES 1024u
#define WAF_MAX_INSPECT_BYTES (1024u * 1024u)
/* Matches recorded in a result (the score counts every match, even past this). */
#define WAF_MAX_MATCHES 32
/* Storage per recorded match for its location and matched text (each cut to fit). */
#define WAF_MATCH_TEXT_BYTES 224

/* Anomaly scores of the four severities, the same scale as the OWASP Core Rule Set. */
typedef enum waf_severity {
    WAF_NOTICE = 2,
    WAF_WARNING = 3,
    WAF_ERROR = 4,
    WAF_CRITICAL = 5,
} waf_severity;

/* One per-route exclusion: for requests whose path starts with path_prefix (every path when it
 * is empty), the listed rule ids and categories are not applied. */
typedef struct waf_exclusion {
    char path_prefix[128];
    uint32_t rule_ids[WAF_MAX_EXCLUSION_ITEMS];
    unsigned rule_count;
    char categories[WAF_MAX_EXCLUSION_ITEMS][16];
    unsigned category_count;
} waf_exclusion;

typedef struct waf_config {
    int threshold; /* a request whose score reaches it is blocked; default 5 */
    int paranoia;  /* 1 (default) .. 4: higher levels add stricter rules */
    /* Bytes of values inspected per request (default WAF_DEFAULT_INSPECT_BYTES). Past it the
     * rest is not inspected and rule 920410 (critical) reports it, so that padding a request
     * cannot carry an attack past the WAF. Bounds the WAF's work (and fuel) per request. */
    uint32_t max_inspect_bytes;
    waf_exclusion exclusions[WAF_MAX_EXCLUSIONS];
    unsigned exclusion_count;
} waf_config;

/* The defaults: threshold 5, paranoia 1, 64 KiB inspected, no exclusions. */
waf_config waf_config_default(void);

/* Parses a configuration document into cfg (which starts from the defaults):
 *   {"threshold": 5, "paranoia": 1, "max_inspect_bytes": 65536,
 *    "exclusions": [{"path_prefix": "/api/", "rule_ids": [942100], "categories": ["sqli"]}]}
 * Every key is optional; unknown keys are errors. Returns false and writes a reason into err. */
bool waf_config_parse(waf_config *cfg, const char *json, size_t len, char *err, size_t err_len);

typedef struct waf_match {
    uint32_t rule_id;
    const char *category; /* "sqli", "xss", "rce", "lfi", "rfi", "php", "java", "ssti", "nosql",
                             "ldap", "crlf", "xxe", "protocol", "scanner" */
    waf_severity severity;
    const char *location; /* "ARGS:q", "REQUEST_HEADERS:User-Agent", "JSON:user.name", ... */
    const char *matched;  /* the part of the (decoded) value that matched, at most 64 bytes */
    const char *message;  /* what the rule detects */
} waf_match;

typedef struct waf_result {
    bool blocked;
    int score;
    unsigned match_count; /* recorded matches (at most WAF_MAX_MATCHES) */
    waf_match matches[WAF_MAX_MATCHES];
    uint64_t execution_time_us;
    const char *error; /* NULL, or why the request document could not be analyzed */
    const char *json;  /* the ABI result JSON, NUL-terminated */
    size_t json_len;
    char text_[WAF_MAX_MATCHES][WAF_MATCH_TEXT_BYTES]; /* where location and matched point */
} waf_result;

typedef struct waf waf;

/* A WAF with a copy of cfg (NULL: the defaults). NULL when out of memory. */
waf *waf_new(const waf_config *cfg);
void waf_free(waf *w);
/* Replaces the configuration. */
void waf_set_config(waf *w, const waf_config *cfg);

/* Analyzes one request document (guest ABI v1 request JSON, len bytes, need not be
 * NUL-terminated). A request document may carry "waf_config" (the waf_config_parse format),
 * which applies to this request only. A document that cannot be parsed yields a result with
 * error set, blocked false and score 0: that is a host fault, not a client's. Never fails
 * otherwise; the result is valid until the next call. */
const waf_result *waf_analyze(waf *w, const uint8_t *req, size_t len);

#endif

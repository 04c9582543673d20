/*
 * Anomaly scoring and the WAF's configuration. Detectors report matches here; a match adds its
 * severity's score unless a per-route exclusion removes its rule or category, and is recorded
 * once per (rule, location). The result JSON of guest ABI v1 is written from the recorded
 * matches. The configuration document is parsed with the same strict JSON parser as requests.
 */
#include "waf_int.h"

#include <stdio.h>
#include <string.h>

/* Bytes of the matched text kept in a report. */
#define WAF_MATCHED_MAX_BYTES 64

waf_config waf_config_default(void)
{
    waf_config c;
    memset(&c, 0, sizeof c);
    c.threshold = 5;
    c.paranoia = 1;
    c.max_inspect_bytes = WAF_DEFAULT_INSPECT_BYTES;
    return c;
}

static bool excluded(const inspect *in, uint32_t rule_id, const char *category)
{
    for (unsigned e = 0; e < in->cfg->exclusion_count; e++) {
        const waf_exclusion *x = &in->cfg->exclusions[e];
        size_t pl = strlen(x->path_prefix);
        if (pl > in->path_len || memcmp(in->path, x->path_prefix, pl) != 0)
            continue;
        for (unsigned i = 0; i < x->rule_count; i++)
            if (x->rule_ids[i] == rule_id)
                return true;
        for (unsigned i = 0; i < x->category_count; i++)
            if (strcmp(x->categories[i], category) == 0)
                return true;
    }
    return false;
}

static const char *loc_prefix(loc_kind k)
{
    switch (k) {
    case LOC_METHOD:
        return "REQUEST_METHOD";
    case LOC_URI:
        return "REQUEST_URI";
    case LOC_PATH:
        return "REQUEST_FILENAME";
    case LOC_ARG:
        return "ARGS";
    case LOC_ARG_NAME:
        return "ARGS_NAMES";
    case LOC_COOKIE:
        return "REQUEST_COOKIES";
    case LOC_HEADER:
        return "REQUEST_HEADERS";
    case LOC_FILE:
        return "FILES_CONTENT";
    case LOC_BODY:
        return "REQUEST_BODY";
    case LOC_JSON:
        return "JSON";
    case LOC_JSON_KEY:
        return "JSON_KEYS";
    case LOC_FILENAME:
        return "FILES";
    }
    return "REQUEST";
}

/* Location names are capped so that a hostile argument name cannot bloat every report. */
#define WAF_LOC_NAME_MAX_BYTES 96

void waf_report(inspect *in, uint32_t rule_id, const char *category, waf_severity sev,
                const char *matched, size_t n, const char *message)
{
    if (excluded(in, rule_id, category))
        return;
    waf_result *r = in->res;
    char loc[WAF_LOC_NAME_MAX_BYTES + 32];
    const char *pre = loc_prefix(in->kind);
    if (in->loc_name != NULL && in->loc_name_len > 0) {
        size_t ln =
            in->loc_name_len > WAF_LOC_NAME_MAX_BYTES ? WAF_LOC_NAME_MAX_BYTES : in->loc_name_len;
        snprintf(loc, sizeof loc, "%s:%.*s", pre, (int)ln, in->loc_name);
    } else {
        snprintf(loc, sizeof loc, "%s", pre);
    }
    for (unsigned i = 0; i < r->match_count; i++)
        if (r->matches[i].rule_id == rule_id && strcmp(r->matches[i].location, loc) == 0)
            return;
    r->score += (int)sev;
    if (r->match_count == WAF_MAX_MATCHES)
        return;
    waf_match *m = &r->matches[r->match_count];
    char *store = r->text_[r->match_count];
    size_t ll = strlen(loc);
    if (n > WAF_MATCHED_MAX_BYTES)
        n = WAF_MATCHED_MAX_BYTES;
    _Static_assert(WAF_LOC_NAME_MAX_BYTES + 32 + WAF_MATCHED_MAX_BYTES + 2 <= WAF_MATCH_TEXT_BYTES,
                   "match text storage too small");
    memcpy(store, loc, ll + 1);
    char *t = store + ll + 1;
    if (n > 0)
        memcpy(t, matched, n);
    t[n] = '\0';
    m->rule_id = rule_id;
    m->category = category;
    m->severity = sev;
    m->location = store;
    m->matched = t;
    m->message = message;
    r->match_count++;
}

static const char *sev_name(waf_severity s)
{
    switch (s) {
    case WAF_CRITICAL:
        return "critical";
    case WAF_ERROR:
        return "error";
    case WAF_WARNING:
        return "warning";
    case WAF_NOTICE:
        return "notice";
    }
    return "notice";
}

void waf_result_json(arena *a, waf_result *r)
{
    strbuf sb;
    sb_init(&sb, a, 512);
    /* written piece by piece: printf costs thousands of instructions per call in the sandbox,
     * and a literal's length is a constant (no strlen) */
#define PUT_LIT(lit) sb_putn(&sb, lit, sizeof(lit) - 1)
    if (r->blocked)
        PUT_LIT("{\"blocked\":true,\"score\":");
    else
        PUT_LIT("{\"blocked\":false,\"score\":");
    if (r->score < 0) {
        PUT_LIT("-");
        sb_putu(&sb, (unsigned long long)-(long long)r->score);
    } else {
        sb_putu(&sb, (unsigned long long)r->score);
    }
    PUT_LIT(",\"matches\":[");
    for (unsigned i = 0; i < r->match_count; i++) {
        const waf_match *m = &r->matches[i];
        if (i)
            PUT_LIT(",{\"rule_id\":");
        else
            PUT_LIT("{\"rule_id\":");
        sb_putu(&sb, (unsigned long long)m->rule_id);
        PUT_LIT(",\"category\":\"");
        sb_puts(&sb, m->category);
        PUT_LIT("\",\"severity\":\"");
        sb_puts(&sb, sev_name(m->severity));
        PUT_LIT("\",\"location\":");
        sb_json_str(&sb, m->location, strlen(m->location));
        PUT_LIT(",\"matched\":");
        sb_json_str(&sb, m->matched, strlen(m->matched));
        PUT_LIT(",\"message\":");
        sb_json_str(&sb, m->message, strlen(m->message));
        sb_putc(&sb, '}');
    }
    PUT_LIT("]");
    if (r->error != NULL) {
        PUT_LIT(",\"error\":");
        sb_json_str(&sb, r->error, strlen(r->error));
    }
    /* execution_time_us last: everything before it is identical across builds for one input. */
    PUT_LIT(",\"execution_time_us\":");
    sb_putu(&sb, (unsigned long long)r->execution_time_us);
    PUT_LIT("}");
#undef PUT_LIT
    r->json = sb_cstr(&sb);
    r->json_len = sb.failed ? 0 : sb.len;
    if (sb.failed) {
        static const char fallback[] =
            "{\"blocked\":false,\"score\":0,\"matches\":[],\"error\":\"out of memory\","
            "\"execution_time_us\":0}";
        r->json = fallback;
        r->json_len = sizeof fallback - 1;
    }
}

/* ---- Configuration document ----------------------------------------------------------------- */

static bool int_of(const jnode *n, long lo, long hi, long *out)
{
    if (n->type != J_NUMBER || n->len > 9)
        return false;
    long v = 0;
    size_t i = 0;
    bool neg = n->str[0] == '-';
    if (neg)
        i++;
    for (; i < n->len; i++) {
        if (!is_digit(n->str[i]))
            return false;
        v = v * 10 + (n->str[i] - '0');
    }
    if (neg)
        v = -v;
    if (v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

static bool parse_exclusion(const jnode *o, waf_exclusion *x, char *err, size_t err_len)
{
    memset(x, 0, sizeof *x);
    if (o->type != J_OBJECT) {
        snprintf(err, err_len, "exclusions: each exclusion must be an object");
        return false;
    }
    for (const jnode *m = o->child; m != NULL; m = m->next) {
        if (m->key_len == 11 && memcmp(m->key, "path_prefix", 11) == 0) {
            if (m->type != J_STRING || m->len >= sizeof x->path_prefix ||
                waf_memchr(m->str, '\0', m->len) != NULL) {
                snprintf(err, err_len, "exclusions: path_prefix must be a string under %zu bytes",
                         sizeof x->path_prefix);
                return false;
            }
            memcpy(x->path_prefix, m->str, m->len);
            x->path_prefix[m->len] = '\0';
        } else if (m->key_len == 8 && memcmp(m->key, "rule_ids", 8) == 0) {
            if (m->type != J_ARRAY || m->count > WAF_MAX_EXCLUSION_ITEMS) {
                snprintf(err, err_len, "exclusions: rule_ids must be an array of at most %d ids",
                         WAF_MAX_EXCLUSION_ITEMS);
                return false;
            }
            for (const jnode *e = m->child; e != NULL; e = e->next) {
                long v;
                if (!int_of(e, 1, 999999, &v)) {
                    snprintf(err, err_len, "exclusions: rule ids are integers 1..999999");
                    return false;
                }
                x->rule_ids[x->rule_count++] = (uint32_t)v;
            }
        } else if (m->key_len == 10 && memcmp(m->key, "categories", 10) == 0) {
            if (m->type != J_ARRAY || m->count > WAF_MAX_EXCLUSION_ITEMS) {
                snprintf(err, err_len,
                         "exclusions: categories must be an array of at most %d names",
                         WAF_MAX_EXCLUSION_ITEMS);
                return false;
            }
            for (const jnode *e = m->child; e != NULL; e = e->next) {
                if (e->type != J_STRING || e->len == 0 || e->len >= sizeof x->categories[0] ||
                    waf_memchr(e->str, '\0', e->len) != NULL) {
                    snprintf(err, err_len, "exclusions: a category is a short string");
                    return false;
                }
                memcpy(x->categories[x->category_count], e->str, e->len);
                x->categories[x->category_count++][e->len] = '\0';
            }
        } else {
            snprintf(err, err_len, "exclusions: unknown key \"%.*s\"",
                     (int)(m->key_len > 32 ? 32 : m->key_len), m->key);
            return false;
        }
    }
    return true;
}

bool waf_config_from_json(waf_config *cfg, const jnode *root, char *err, size_t err_len)
{
    if (root->type != J_OBJECT) {
        snprintf(err, err_len, "configuration must be a JSON object");
        return false;
    }
    for (const jnode *m = root->child; m != NULL; m = m->next) {
        long v;
        if (m->key_len == 9 && memcmp(m->key, "threshold", 9) == 0) {
            if (!int_of(m, 1, 100000, &v)) {
                snprintf(err, err_len, "threshold must be an integer 1..100000");
                return false;
            }
            cfg->threshold = (int)v;
        } else if (m->key_len == 8 && memcmp(m->key, "paranoia", 8) == 0) {
            if (!int_of(m, 1, 4, &v)) {
                snprintf(err, err_len, "paranoia must be an integer 1..4");
                return false;
            }
            cfg->paranoia = (int)v;
        } else if (m->key_len == 17 && memcmp(m->key, "max_inspect_bytes", 17) == 0) {
            if (!int_of(m, WAF_MIN_INSPECT_BYTES, WAF_MAX_INSPECT_BYTES, &v)) {
                snprintf(err, err_len, "max_inspect_bytes must be an integer %u..%u",
                         WAF_MIN_INSPECT_BYTES, WAF_MAX_INSPECT_BYTES);
                return false;
            }
            cfg->max_inspect_bytes = (uint32_t)v;
        } else if (m->key_len == 10 && memcmp(m->key, "exclusions", 10) == 0) {
            if (m->type != J_ARRAY || m->count > WAF_MAX_EXCLUSIONS) {
                snprintf(err, err_len, "exclusions must be an array of at most %d objects",
                         WAF_MAX_EXCLUSIONS);
                return false;
            }
            cfg->exclusion_count = 0;
            for (const jnode *e = m->child; e != NULL; e = e->next)
                if (!parse_exclusion(e, &cfg->exclusions[cfg->exclusion_count++], err, err_len))
                    return false;
        } else {
            snprintf(err, err_len, "unknown configuration key \"%.*s\"",
                     (int)(m->key_len > 32 ? 32 : m->key_len), m->key);
            return false;
        }
    }
    return true;
}

bool waf_config_parse(waf_config *cfg, const char *json, size_t len, char *err, size_t err_len)
{
    char scratch[8];
    if (err == NULL || err_len == 0) {
        err = scratch;
        err_len = sizeof scratch;
    }
    *cfg = waf_config_default();
    arena a;
    arena_init(&a);
    char jerr[128];
    jnode *root = json_parse(&a, json, len, jerr, sizeof jerr);
    bool ok;
    if (root == NULL) {
        snprintf(err, err_len, "configuration JSON: %s", jerr);
        ok = false;
    } else {
        ok = waf_config_from_json(cfg, root, err, err_len);
    }
    arena_destroy(&a);
    return ok;
}

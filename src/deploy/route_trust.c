/*
 * The trust policy of on-chain routes. The registry lets anyone register a route for any domain,
 * so the node decides whose routes it believes: per domain, the authorities allowed to route it,
 * and whether domains nobody listed are served at all. Lookups are a linear scan: the list is
 * the operator's, short, and read once per route per poll.
 */
#include "deploy/deploy.h"
#include "deploy/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct trust_domain {
    char domain[ROUTE_DOMAIN_MAX_BYTES + 1];
    solana_pubkey authorities[ROUTE_TRUST_MAX_AUTHORITIES];
    size_t authority_count;
} trust_domain;

struct route_trust {
    bool serve_unlisted;
    trust_domain *domains;
    size_t count;
};

route_trust *route_trust_new(bool serve_unlisted)
{
    route_trust *t = calloc(1, sizeof *t);
    if (t != NULL)
        t->serve_unlisted = serve_unlisted;
    return t;
}

route_trust *route_trust_copy(const route_trust *t)
{
    route_trust *c = route_trust_new(t ? t->serve_unlisted : false);
    if (c == NULL || t == NULL || t->count == 0)
        return c;
    c->domains = malloc(t->count * sizeof *c->domains);
    if (c->domains == NULL) {
        free(c);
        return NULL;
    }
    memcpy(c->domains, t->domains, t->count * sizeof *c->domains);
    c->count = t->count;
    return c;
}

void route_trust_free(route_trust *t)
{
    if (t == NULL)
        return;
    free(t->domains);
    free(t);
}

static trust_domain *find(const route_trust *t, const char *domain)
{
    for (size_t i = 0; t != NULL && i < t->count; i++)
        if (strcmp(t->domains[i].domain, domain) == 0)
            return &t->domains[i];
    return NULL;
}

dep_status route_trust_allow(route_trust *t, const char *domain, const char *authority,
                             dep_error *err)
{
    /* Validate the domain with the route rules, through a probe entry. */
    route_entry probe = {.module_type = ROUTE_MODULE_FUNCTION};
    snprintf(probe.domain, sizeof probe.domain, "%s", domain);
    snprintf(probe.path, sizeof probe.path, "/");
    snprintf(probe.cid, sizeof probe.cid, "bafkqaaa"); /* the empty identity CID */
    if (strlen(domain) > ROUTE_DOMAIN_MAX_BYTES || route_entry_validate(&probe, err) != DEP_OK)
        return dep_fail(err, DEP_ERR_ARG, "trust: domain \"%.64s\" is not a valid route domain",
                        domain);
    solana_pubkey key;
    dep_error key_err;
    if (solana_pubkey_parse(authority, &key, &key_err) != DEP_OK)
        return dep_fail(err, DEP_ERR_ARG, "trust: %s: authority \"%.64s\": %s", domain, authority,
                        key_err.message);
    trust_domain *d = find(t, domain);
    if (d == NULL) {
        if (t->count >= ROUTE_TRUST_MAX_DOMAINS)
            return dep_fail(err, DEP_ERR_LIMIT, "trust: more than %d domains",
                            ROUTE_TRUST_MAX_DOMAINS);
        trust_domain *n = realloc(t->domains, (t->count + 1) * sizeof *n);
        if (n == NULL)
            return dep_fail(err, DEP_ERR_NOMEM, "trust: out of memory");
        t->domains = n;
        d = &t->domains[t->count++];
        memset(d, 0, sizeof *d);
        snprintf(d->domain, sizeof d->domain, "%s", domain);
    }
    for (size_t i = 0; i < d->authority_count; i++)
        if (solana_pubkey_equal(&d->authorities[i], &key))
            return DEP_OK;
    if (d->authority_count >= ROUTE_TRUST_MAX_AUTHORITIES)
        return dep_fail(err, DEP_ERR_LIMIT, "trust: %s: more than %d authorities", domain,
                        ROUTE_TRUST_MAX_AUTHORITIES);
    d->authorities[d->authority_count++] = key;
    return DEP_OK;
}

bool route_trust_serve_unlisted(const route_trust *t)
{
    return t != NULL && t->serve_unlisted;
}

size_t route_trust_domain_count(const route_trust *t)
{
    return t ? t->count : 0;
}

const char *route_trust_domain(const route_trust *t, size_t i)
{
    return t && i < t->count ? t->domains[i].domain : NULL;
}

bool route_trust_accepts(const route_trust *t, const route_entry *r)
{
    if (!r->has_authority)
        return true;
    const trust_domain *d = find(t, r->domain);
    if (d == NULL)
        return route_trust_serve_unlisted(t);
    for (size_t i = 0; i < d->authority_count; i++)
        if (solana_pubkey_equal(&d->authorities[i], &r->authority))
            return true;
    return false;
}

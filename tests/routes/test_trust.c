/*
 * The trust policy: listed domains accept only their authorities, unlisted domains follow the
 * serve_unlisted switch (off by default), file routes carry no authority and are accepted, and
 * bad configuration is refused with the reason.
 */
#include "chain.h"
#include "test.h"

#include <stdio.h>
#include <string.h>

#define CID_A "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e"

static route_entry by(const char *domain, const solana_pubkey *authority)
{
    route_entry r = {.module_type = ROUTE_MODULE_FUNCTION, .enabled = true};
    snprintf(r.domain, sizeof r.domain, "%s", domain);
    snprintf(r.path, sizeof r.path, "/");
    snprintf(r.cid, sizeof r.cid, CID_A);
    if (authority) {
        r.has_authority = true;
        r.authority = *authority;
    }
    return r;
}

static solana_pubkey key_of(unsigned char fill, char text[SOLANA_PUBKEY_TEXT_MAX])
{
    solana_pubkey k;
    memset(k.bytes, fill, sizeof k.bytes);
    solana_pubkey_string(&k, text);
    return k;
}

TEST(trust_listed_domain_accepts_only_its_authorities)
{
    char a_text[SOLANA_PUBKEY_TEXT_MAX], b_text[SOLANA_PUBKEY_TEXT_MAX],
        c_text[SOLANA_PUBKEY_TEXT_MAX];
    solana_pubkey a = key_of(1, a_text), b = key_of(2, b_text), c = key_of(3, c_text);
    route_trust *t = route_trust_new(false);
    dep_error err;
    CHECK(route_trust_allow(t, "shop.example.com", a_text, &err) == DEP_OK);
    CHECK(route_trust_allow(t, "shop.example.com", b_text, &err) == DEP_OK);
    CHECK(route_trust_allow(t, "shop.example.com", a_text, &err) == DEP_OK); /* no duplicate */
    CHECK(route_trust_allow(t, "*.example.com", c_text, &err) == DEP_OK);
    /* The key of docs/ROUTES.md's example config. */
    CHECK(route_trust_allow(t, "docs.example.com", "7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU",
                            &err) == DEP_OK);
    CHECK_UINT_EQ(route_trust_domain_count(t), 3);
    CHECK_STR_EQ(route_trust_domain(t, 1), "*.example.com");
    route_entry r = by("shop.example.com", &a);
    CHECK(route_trust_accepts(t, &r));
    r = by("shop.example.com", &b);
    CHECK(route_trust_accepts(t, &r));
    r = by("shop.example.com", &c);
    CHECK(!route_trust_accepts(t, &r));
    r = by("*.example.com", &c);
    CHECK(route_trust_accepts(t, &r));
    r = by("*.example.com", &a);
    CHECK(!route_trust_accepts(t, &r));
    r = by("other.org", &a);
    CHECK(!route_trust_accepts(t, &r)); /* unlisted, not served by default */
    r = by("other.org", NULL);
    CHECK(route_trust_accepts(t, &r)); /* a file route has no authority */
    route_trust_free(t);
}

TEST(trust_serve_unlisted_accepts_any_authority_for_unlisted_domains_only)
{
    char a_text[SOLANA_PUBKEY_TEXT_MAX], b_text[SOLANA_PUBKEY_TEXT_MAX];
    solana_pubkey a = key_of(1, a_text), b = key_of(2, b_text);
    route_trust *t = route_trust_new(true);
    dep_error err;
    CHECK(route_trust_allow(t, "example.com", a_text, &err) == DEP_OK);
    route_trust *copy = route_trust_copy(t);
    route_trust_free(t);
    route_entry r = by("other.org", &b);
    CHECK(route_trust_accepts(copy, &r));
    r = by("example.com", &b);
    CHECK(!route_trust_accepts(copy, &r));
    r = by("example.com", &a);
    CHECK(route_trust_accepts(copy, &r));
    CHECK(route_trust_serve_unlisted(copy));
    route_trust_free(copy);
    CHECK(!route_trust_serve_unlisted(NULL));
}

TEST(trust_refuses_bad_domains_and_keys)
{
    route_trust *t = route_trust_new(false);
    dep_error err;
    CHECK_INT_EQ(route_trust_allow(t, "Example.com", "11111111111111111111111111111111", &err),
                 DEP_ERR_ARG);
    CHECK_STR_EQ(err.message, "trust: domain \"Example.com\" is not a valid route domain");
    CHECK_INT_EQ(route_trust_allow(t, "example.com", "not-base58!", &err), DEP_ERR_ARG);
    CHECK_STR_HAS(err.message, "trust: example.com: authority \"not-base58!\": ");
    CHECK_INT_EQ(route_trust_allow(t, "example.com", "2", &err), DEP_ERR_ARG);
    CHECK_STR_HAS(err.message, "trust: example.com: authority \"2\": ");
    CHECK_UINT_EQ(route_trust_domain_count(t), 0);
    char text[SOLANA_PUBKEY_TEXT_MAX];
    for (unsigned i = 0; i < ROUTE_TRUST_MAX_AUTHORITIES; i++) {
        key_of((unsigned char)(i + 1), text);
        CHECK(route_trust_allow(t, "example.com", text, &err) == DEP_OK);
    }
    key_of(200, text);
    CHECK_INT_EQ(route_trust_allow(t, "example.com", text, &err), DEP_ERR_LIMIT);
    CHECK_STR_EQ(err.message, "trust: example.com: more than 16 authorities");
    route_trust_free(t);
}

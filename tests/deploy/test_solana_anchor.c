/*
 * The C client's bytes against independent implementations: Anchor's BorshCoder fed
 * contracts/wasm-registry/idl.json (instructions and the WasmRoute account) and @solana/kit's
 * program-derived addresses, printed by tests/peers/solana/anchor-oracle.mjs; and the error
 * table against idl.json's errors. The npm peers come from scripts/peers-install.sh solana
 * (mk/cli.mk); without node or them these tests fail, they never pass empty.
 */
#include "deploy/deploy.h"
#include "test.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ORACLE_CID "bafkreib447kycckrqtljlpyzmv3va5wwnlslhxockyfo6tmnbgztriab5u"
#define ORACLE_AUTHORITY "Fw6L5AfxYM6oKWJYxVEctgeD4L4RovwmP6bWfXuZoWHa"
enum { ORACLE_OUTPUT_MAX_BYTES = 65536, ORACLE_PDA_COUNT = 48 };

/* Runs the oracle once per test process and returns its output. */
static const char *oracle_output(void)
{
    static char out[ORACLE_OUTPUT_MAX_BYTES];
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "node '%s' 2>&1",
             test_src_path("tests/peers/solana/anchor-oracle.mjs"));
    FILE *p = popen(cmd, "r");
    CHECK_MSG(p != NULL, "cannot run node");
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    int status = pclose(p);
    CHECK_MSG(status == 0,
              "anchor-oracle.mjs failed (node 20 and scripts/peers-install.sh solana needed): %s",
              out);
    return out;
}

/* The hex after "<prefix> " on its own line. */
static const char *oracle_line(const char *out, const char *prefix)
{
    static char value[4096];
    char key[128];
    snprintf(key, sizeof key, "%s ", prefix);
    for (const char *line = out; line && *line;
         line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        if (strncmp(line, key, strlen(key)) == 0) {
            const char *v = line + strlen(key);
            size_t n = strcspn(v, "\n");
            CHECK(n < sizeof value);
            memcpy(value, v, n);
            value[n] = '\0';
            return value;
        }
    }
    test_fail(__FILE__, __LINE__, "oracle printed no \"%s\" line: %s", prefix, out);
}

static void check_hex(const uint8_t *bytes, size_t len, const char *want_hex, const char *what)
{
    char hex[4096];
    CHECK(len * 2 < sizeof hex);
    for (size_t i = 0; i < len; i++)
        sprintf(hex + 2 * i, "%02x", bytes[i]);
    hex[2 * len] = '\0';
    CHECK_MSG(strcmp(hex, want_hex) == 0, "%s: ours %s, Anchor's %s", what, hex, want_hex);
}

TEST(test_instruction_bytes_equal_anchors)
{
    const char *out = oracle_output();
    solana_pubkey program, authority, route, next;
    solana_instruction ix;
    dep_error err;
    CHECK(solana_pubkey_parse(SOLANA_REGISTRY_PROGRAM_ID, &program, &err) == DEP_OK);
    CHECK(solana_pubkey_parse(ORACLE_AUTHORITY, &next, &err) == DEP_OK);
    memset(authority.bytes, 1, 32);
    memset(route.bytes, 2, 32);

    CHECK(solana_ix_register_route(&program, &authority, "example.com", "/api/*", ORACLE_CID, 1,
                                   &ix, &err) == DEP_OK);
    check_hex(ix.data, ix.data_len, oracle_line(out, "ix register_route"), "register_route");
    CHECK(solana_ix_update_route(&program, &authority, &route, ORACLE_CID, &ix, &err) == DEP_OK);
    check_hex(ix.data, ix.data_len, oracle_line(out, "ix update_route"), "update_route");
    solana_ix_set_enabled(&program, &authority, &route, false, &ix);
    check_hex(ix.data, ix.data_len, oracle_line(out, "ix set_enabled"), "set_enabled");
    solana_ix_transfer_authority(&program, &authority, &route, &next, &ix);
    check_hex(ix.data, ix.data_len, oracle_line(out, "ix transfer_authority"),
              "transfer_authority");
    solana_ix_close_route(&program, &authority, &route, &ix);
    check_hex(ix.data, ix.data_len, oracle_line(out, "ix close_route"), "close_route");
}

TEST(test_route_account_bytes_equal_anchors)
{
    const char *out = oracle_output();
    solana_route r, back;
    uint8_t data[SOLANA_ROUTE_ACCOUNT_BYTES];
    dep_error err;
    memset(&r, 0, sizeof r);
    CHECK(solana_pubkey_parse(ORACLE_AUTHORITY, &r.authority, &err) == DEP_OK);
    strcpy(r.domain, "*.shop.example");
    strcpy(r.path, "/cart");
    strcpy(r.cid, ORACLE_CID);
    r.module_type = SOLANA_MODULE_TYPE_WAF;
    r.enabled = true;
    r.created_at = 1750000000;
    r.updated_at = -5;
    CHECK(solana_route_encode(&r, data, &err) == DEP_OK);
    const char *anchor = oracle_line(out, "account");
    check_hex(data, sizeof data, anchor, "WasmRoute");

    /* And Anchor's bytes decode to the same fields. */
    uint8_t theirs[SOLANA_ROUTE_ACCOUNT_BYTES];
    CHECK_UINT_EQ(strlen(anchor), 2 * sizeof theirs);
    for (size_t i = 0; i < sizeof theirs; i++) {
        unsigned v;
        CHECK(sscanf(anchor + 2 * i, "%2x", &v) == 1);
        theirs[i] = (uint8_t)v;
    }
    CHECK(solana_route_decode(theirs, sizeof theirs, &back, &err) == DEP_OK);
    CHECK_STR_EQ(back.domain, "*.shop.example");
    CHECK_STR_EQ(back.path, "/cart");
    CHECK_STR_EQ(back.cid, ORACLE_CID);
    CHECK_INT_EQ(back.updated_at, -5);
    CHECK(back.enabled);
}

TEST(test_route_addresses_equal_kits_program_derived_addresses)
{
    const char *out = oracle_output();
    solana_pubkey program, addr;
    dep_error err;
    size_t seen = 0, below_255 = 0;
    CHECK(solana_pubkey_parse(SOLANA_REGISTRY_PROGRAM_ID, &program, &err) == DEP_OK);
    for (const char *line = strstr(out, "pda "); line != NULL; line = strstr(line + 1, "\npda ")) {
        if (*line == '\n')
            line++;
        char domain[64], path[64], want[64];
        unsigned want_bump;
        CHECK(sscanf(line, "pda %63s %63s %63s %u", domain, path, want, &want_bump) == 4);
        uint8_t bump = 0;
        char text[SOLANA_PUBKEY_TEXT_MAX];
        CHECK(solana_route_address(&program, domain, path, &addr, &bump, &err) == DEP_OK);
        CHECK_MSG(strcmp(solana_pubkey_string(&addr, text), want) == 0, "%s%s: ours %s, kit's %s",
                  domain, path, text, want);
        CHECK_UINT_EQ(bump, want_bump);
        seen++;
        below_255 += want_bump < 255;
    }
    CHECK_UINT_EQ(seen, ORACLE_PDA_COUNT);
    /* The curve check decided those: bump 255 (and more) gave points on the curve. */
    CHECK(below_255 >= 10);
}

TEST(test_error_table_equals_idl)
{
    json_error_t jerr;
    json_t *idl = json_load_file(test_src_path("contracts/wasm-registry/idl.json"), 0, &jerr);
    CHECK_MSG(idl != NULL, "idl.json: %s", jerr.text);
    json_t *errors = json_object_get(idl, "errors");
    CHECK_UINT_EQ(json_array_size(errors),
                  SOLANA_REGISTRY_ERROR_LAST - SOLANA_REGISTRY_ERROR_FIRST + 1);
    for (size_t i = 0; i < json_array_size(errors); i++) {
        json_t *e = json_array_get(errors, i);
        json_int_t code = json_integer_value(json_object_get(e, "code"));
        CHECK_STR_EQ(solana_registry_error_name(code),
                     json_string_value(json_object_get(e, "name")));
        CHECK_STR_EQ(solana_registry_error_message(code),
                     json_string_value(json_object_get(e, "msg")));
    }
    json_decref(idl);
    CHECK(solana_registry_error_name(5999) == NULL);
    CHECK(solana_registry_error_name(6032) == NULL);
    CHECK(solana_registry_error_message(-1) == NULL);
    CHECK_STR_EQ(solana_registry_error_name(6014), "AuthorityMismatch");
}

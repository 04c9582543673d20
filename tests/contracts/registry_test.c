/*
 * The wasm-registry program's instructions, run natively through its real entry point with the
 * loader's input format and host syscalls: every instruction's happy path with the exact bytes
 * it writes, and the failure paths, each with its own error code and log line.
 */
#include "host.h"
#include "test.h"

#include <sodium.h>

#define CID_A "bafkreib447kycckrqtljlpyzmv3va5wwnlslhxockyfo6tmnbgztriab5u"
#define CID_V0 "QmTRQs6Sy6XJ3uGNQxyhDr3pKeuYoK6mqUuu51gAXGW5R6"
#define RENT_LAMPORTS ((128 + 679) * 3480ULL * 2)
#define FUNDS 10000000000ULL

static const SolPubkey program = {{0x50, 0x52, 0x4f, 0x47}};

typedef struct {
    HostAccount authority, route, system, other;
    uint8_t data[1024];
    size_t len;
} Fx;

static void put(Fx *f, const void *bytes, size_t n)
{
    CHECK(f->len + n <= sizeof f->data);
    memcpy(f->data + f->len, bytes, n);
    f->len += n;
}

static void put_str(Fx *f, const char *text)
{
    uint32_t n = (uint32_t)strlen(text);
    uint8_t le[4] = {(uint8_t)n, (uint8_t)(n >> 8), (uint8_t)(n >> 16), (uint8_t)(n >> 24)};
    put(f, le, 4);
    put(f, text, n);
}

static void put_tag(Fx *f, uint64_t tag)
{
    f->len = 0;
    for (int i = 0; i < 8; i++) {
        uint8_t b = (uint8_t)(tag >> (8 * i));
        put(f, &b, 1);
    }
}

static void route_address(const char *domain, const char *path, SolPubkey *out)
{
    RegStr d = {(const uint8_t *)domain, strlen(domain)};
    RegStr p = {(const uint8_t *)path, strlen(path)};
    uint8_t hash[32];
    uint8_t bump;
    route_key_hash(&d, &p, hash);
    CHECK(route_find_pda(hash, &program, out, &bump));
}

static void setup(Fx *f, const char *domain, const char *path)
{
    memset(f, 0, sizeof *f);
    host_reset(&program);
    memset(f->authority.key.x, 0xa1, 32);
    f->authority.lamports = FUNDS;
    f->authority.is_signer = true;
    f->authority.is_writable = true;
    route_address(domain, path, &f->route.key);
    f->route.is_writable = true;
    f->system.executable = true;
    memset(f->other.key.x, 0xb2, 32);
    f->other.lamports = FUNDS;
    f->other.is_signer = true;
    f->other.is_writable = true;
}

static void register_data(Fx *f, const char *domain, const char *path, const char *cid,
                          uint8_t type)
{
    put_tag(f, IX_REGISTER_ROUTE);
    put_str(f, domain);
    put_str(f, path);
    put_str(f, cid);
    put(f, &type, 1);
}

static uint64_t run3(Fx *f)
{
    HostAccount *acc[3] = {&f->authority, &f->route, &f->system};
    return host_run(acc, 3, f->data, f->len);
}

static uint64_t run2(Fx *f, HostAccount *signer)
{
    HostAccount *acc[2] = {signer, &f->route};
    return host_run(acc, 2, f->data, f->len);
}

static void registered(Fx *f)
{
    setup(f, "example.com", "/api/*");
    register_data(f, "example.com", "/api/*", CID_A, MODULE_TYPE_FUNCTION);
    CHECK_UINT_EQ(run3(f), REG_OK);
    host.log_len = 0;
    host.log[0] = 0;
}

static RouteView view_of(const Fx *f)
{
    RouteView v;
    CHECK_UINT_EQ(route_parse(f->route.data, f->route.data_len, &v), REG_OK);
    return v;
}

static bool str_is(RegStr s, const char *text)
{
    return s.len == strlen(text) && memcmp(s.bytes, text, s.len) == 0;
}

TEST(test_register_creates_the_route_account_with_the_documented_bytes)
{
    Fx f;
    registered(&f);
    CHECK(memcmp(f.route.owner.x, program.x, 32) == 0);
    CHECK_UINT_EQ(f.route.data_len, 679);
    CHECK_UINT_EQ(f.route.lamports, RENT_LAMPORTS);
    CHECK_UINT_EQ(f.authority.lamports, FUNDS - RENT_LAMPORTS);
    static const uint8_t disc[8] = ROUTE_ACCOUNT_DISCRIMINATOR;
    CHECK(memcmp(f.route.data, disc, 8) == 0);
    CHECK(memcmp(f.route.data + 8, f.authority.key.x, 32) == 0);
    /* Borsh: u32 length then bytes, in field order */
    CHECK_UINT_EQ(f.route.data[40], 11);
    CHECK(memcmp(f.route.data + 44, "example.com", 11) == 0);
    CHECK_UINT_EQ(f.route.data[55], 6);
    CHECK(memcmp(f.route.data + 59, "/api/*", 6) == 0);
    CHECK_UINT_EQ(f.route.data[65], strlen(CID_A));
    size_t tail = 69 + strlen(CID_A);
    CHECK(memcmp(f.route.data + 69, CID_A, strlen(CID_A)) == 0);
    CHECK_UINT_EQ(f.route.data[tail], MODULE_TYPE_FUNCTION);
    CHECK_UINT_EQ(f.route.data[tail + 1], 1);
    CHECK_UINT_EQ(sol_read_u64(f.route.data + tail + 2), 1700000000);
    CHECK_UINT_EQ(sol_read_u64(f.route.data + tail + 10), 1700000000);
    for (size_t i = tail + 18; i < 679; i++)
        CHECK_UINT_EQ(f.route.data[i], 0);
    CHECK_INT_EQ(host.cpi_calls, 1);
}

TEST(test_register_twice_is_rejected_as_existing)
{
    Fx f;
    registered(&f);
    register_data(&f, "example.com", "/api/*", CID_A, 0);
    CHECK_UINT_EQ(run3(&f), REG_ERR_ROUTE_EXISTS);
    CHECK_STR_HAS(host.log, "registry error: RouteExists");
}

TEST(test_register_on_a_prefunded_address_tops_up_allocates_and_assigns)
{
    Fx f;
    setup(&f, "example.com", "/");
    f.route.lamports = 1000; /* someone tried to block create_account */
    register_data(&f, "example.com", "/", CID_V0, 0);
    CHECK_UINT_EQ(run3(&f), REG_OK);
    CHECK_INT_EQ(host.cpi_calls, 3);
    CHECK_UINT_EQ(f.route.lamports, RENT_LAMPORTS);
    CHECK_UINT_EQ(f.authority.lamports, FUNDS - (RENT_LAMPORTS - 1000));
    CHECK(memcmp(f.route.owner.x, program.x, 32) == 0);
    RouteView v = view_of(&f);
    CHECK(str_is(v.cid, CID_V0));
}

TEST(test_register_at_another_routes_address_is_a_pda_mismatch)
{
    Fx f;
    setup(&f, "example.com", "/a");
    register_data(&f, "example.com", "/b", CID_A, 0);
    CHECK_UINT_EQ(run3(&f), REG_ERR_ROUTE_PDA_MISMATCH);
    CHECK_INT_EQ(host.cpi_calls, 0);
}

TEST(test_register_checks_signer_writability_and_system_program)
{
    Fx f;
    setup(&f, "example.com", "/");
    register_data(&f, "example.com", "/", CID_A, 0);
    f.authority.is_signer = false;
    CHECK_UINT_EQ(run3(&f), REG_ERR_AUTHORITY_NOT_SIGNER);
    f.authority.is_signer = true;
    f.authority.is_writable = false;
    CHECK_UINT_EQ(run3(&f), REG_ERR_AUTHORITY_NOT_WRITABLE);
    f.authority.is_writable = true;
    f.route.is_writable = false;
    CHECK_UINT_EQ(run3(&f), REG_ERR_ROUTE_NOT_WRITABLE);
    f.route.is_writable = true;
    f.system.key.x[0] = 1;
    CHECK_UINT_EQ(run3(&f), REG_ERR_WRONG_SYSTEM_PROGRAM);
    HostAccount *two[2] = {&f.authority, &f.route};
    CHECK_UINT_EQ(host_run(two, 2, f.data, f.len), REG_ERR_MISSING_ACCOUNTS);
    HostAccount *dup[3] = {&f.authority, &f.authority, &f.system};
    CHECK_UINT_EQ(host_run(dup, 3, f.data, f.len), REG_ERR_DUPLICATE_ACCOUNT);
    CHECK_INT_EQ(host.cpi_calls, 0);
}

TEST(test_register_rejects_an_address_owned_by_another_program)
{
    Fx f;
    setup(&f, "example.com", "/");
    memset(f.route.owner.x, 0xcc, 32);
    register_data(&f, "example.com", "/", CID_A, 0);
    CHECK_UINT_EQ(run3(&f), REG_ERR_WRONG_OWNER);
    CHECK_STR_HAS(host.log, "an account of another program");
    memset(f.route.owner.x, 0, 32);
    f.route.data_len = 1;
    CHECK_UINT_EQ(run3(&f), REG_ERR_WRONG_OWNER);
    CHECK_STR_HAS(host.log, "a system account with data");
    CHECK_INT_EQ(host.cpi_calls, 0);
}

TEST(test_register_rejects_bad_fields_and_argument_framing)
{
    Fx f;
    setup(&f, "example.com", "/");
    register_data(&f, "example.com", "/", CID_A, 2);
    CHECK_UINT_EQ(run3(&f), REG_ERR_MODULE_TYPE_INVALID);
    register_data(&f, "example.com", "/", "not-a-cid", 0);
    CHECK_UINT_EQ(run3(&f), REG_ERR_CID_INVALID);
    register_data(&f, "", "/", CID_A, 0);
    CHECK_UINT_EQ(run3(&f), REG_ERR_DOMAIN_EMPTY);
    register_data(&f, "example.com", "", CID_A, 0);
    CHECK_UINT_EQ(run3(&f), REG_ERR_PATH_EMPTY);
    register_data(&f, "example.com", "/", CID_A, 0);
    f.len -= 1; /* module_type missing */
    CHECK_UINT_EQ(run3(&f), REG_ERR_DATA_TRUNCATED);
    register_data(&f, "example.com", "/", CID_A, 0);
    put(&f, "x", 1);
    CHECK_UINT_EQ(run3(&f), REG_ERR_DATA_TRAILING);
    f.len = 7;
    CHECK_UINT_EQ(run3(&f), REG_ERR_UNKNOWN_INSTRUCTION);
    put_tag(&f, 0x1122334455667788ULL);
    CHECK_UINT_EQ(run3(&f), REG_ERR_UNKNOWN_INSTRUCTION);
    CHECK_STR_HAS(host.log, "UnknownInstruction: discriminator matches no instruction");
    CHECK_INT_EQ(host.cpi_calls, 0);
}

TEST(test_register_without_funds_for_rent_fails_before_the_cpi)
{
    Fx f;
    setup(&f, "example.com", "/");
    f.authority.lamports = RENT_LAMPORTS - 1;
    register_data(&f, "example.com", "/", CID_A, 0);
    CHECK_UINT_EQ(run3(&f), REG_ERR_INSUFFICIENT_FUNDS);
    CHECK_INT_EQ(host.cpi_calls, 0);
}

TEST(test_rent_threshold_is_decoded_from_its_float_bits)
{
    Fx f;
    setup(&f, "example.com", "/");
    host.rent.exemption_threshold_bits = 0x3ff0000000000000ULL; /* 1.0 */
    register_data(&f, "example.com", "/", CID_A, 0);
    CHECK_UINT_EQ(run3(&f), REG_OK);
    CHECK_UINT_EQ(f.route.lamports, (128 + 679) * 3480ULL);

    setup(&f, "example.com", "/");
    host.rent.exemption_threshold_bits = 0x4004000000000000ULL; /* 2.5 */
    register_data(&f, "example.com", "/", CID_A, 0);
    CHECK_UINT_EQ(run3(&f), REG_ERR_RENT_UNSUPPORTED);
    host.rent.exemption_threshold_bits = 0x3fe0000000000000ULL; /* 0.5 */
    CHECK_UINT_EQ(run3(&f), REG_ERR_RENT_UNSUPPORTED);
    host.rent.exemption_threshold_bits = 0x4090040000000000ULL; /* 1025.0 */
    CHECK_UINT_EQ(run3(&f), REG_ERR_RENT_UNSUPPORTED);
    host.rent.exemption_threshold_bits = 0x4090000000000000ULL; /* 1024.0: accepted */
    CHECK_UINT_EQ(run3(&f), REG_OK);
    CHECK_UINT_EQ(f.route.lamports, (128 + 679) * 3480ULL * 1024);
}

TEST(test_update_replaces_the_cid_and_moves_the_tail_fields)
{
    Fx f;
    registered(&f);
    host.clock.unix_timestamp = 1700000500;
    put_tag(&f, IX_UPDATE_ROUTE);
    put_str(&f, CID_V0); /* shorter than CID_A: the tail moves left, the rest is zeroed */
    CHECK_UINT_EQ(run2(&f, &f.authority), REG_OK);
    RouteView v = view_of(&f);
    CHECK(str_is(v.cid, CID_V0));
    CHECK(str_is(v.domain, "example.com"));
    CHECK(str_is(v.path, "/api/*"));
    CHECK_UINT_EQ(v.module_type, MODULE_TYPE_FUNCTION);
    CHECK(v.enabled);
    CHECK_INT_EQ(v.created_at, 1700000000);
    CHECK_INT_EQ(v.updated_at, 1700000500);
    size_t end = 69 + strlen(CID_V0) + 18;
    for (size_t i = end; i < 679; i++)
        CHECK_UINT_EQ(f.route.data[i], 0);
    CHECK_STR_HAS(host.log, "registry: route updated");
}

TEST(test_update_by_someone_else_is_an_authority_mismatch)
{
    Fx f;
    registered(&f);
    put_tag(&f, IX_UPDATE_ROUTE);
    put_str(&f, CID_V0);
    CHECK_UINT_EQ(run2(&f, &f.other), REG_ERR_AUTHORITY_MISMATCH);
    f.authority.is_signer = false;
    CHECK_UINT_EQ(run2(&f, &f.authority), REG_ERR_AUTHORITY_NOT_SIGNER);
    f.authority.is_signer = true;
    f.route.is_writable = false;
    CHECK_UINT_EQ(run2(&f, &f.authority), REG_ERR_ROUTE_NOT_WRITABLE);
    RouteView v = view_of(&f);
    CHECK(str_is(v.cid, CID_A));
}

TEST(test_update_checks_owner_discriminator_and_stored_data)
{
    Fx f;
    registered(&f);
    put_tag(&f, IX_UPDATE_ROUTE);
    put_str(&f, CID_V0);
    memset(f.route.owner.x, 0xcc, 32);
    CHECK_UINT_EQ(run2(&f, &f.authority), REG_ERR_WRONG_OWNER);
    f.route.owner = program;
    f.route.data[0] ^= 1;
    CHECK_UINT_EQ(run2(&f, &f.authority), REG_ERR_BAD_DISCRIMINATOR);
    f.route.data[0] ^= 1;
    f.route.data[40] = 0xff; /* domain length 255 > 253 */
    CHECK_UINT_EQ(run2(&f, &f.authority), REG_ERR_CORRUPT_ACCOUNT);
    f.route.data[40] = 11;
    put_tag(&f, IX_UPDATE_ROUTE);
    put_str(&f, "");
    CHECK_UINT_EQ(run2(&f, &f.authority), REG_ERR_CID_EMPTY);
}

TEST(test_set_enabled_flips_the_flag_and_rejects_non_bool_bytes)
{
    Fx f;
    registered(&f);
    uint8_t flag = 0;
    put_tag(&f, IX_SET_ENABLED);
    put(&f, &flag, 1);
    CHECK_UINT_EQ(run2(&f, &f.authority), REG_OK);
    CHECK(!view_of(&f).enabled);
    flag = 2;
    put_tag(&f, IX_SET_ENABLED);
    put(&f, &flag, 1);
    CHECK_UINT_EQ(run2(&f, &f.authority), REG_ERR_BOOL_INVALID);
    put_tag(&f, IX_SET_ENABLED);
    CHECK_UINT_EQ(run2(&f, &f.authority), REG_ERR_DATA_TRUNCATED);
    flag = 1;
    put_tag(&f, IX_SET_ENABLED);
    put(&f, &flag, 1);
    CHECK_UINT_EQ(run2(&f, &f.authority), REG_OK);
    CHECK(view_of(&f).enabled);
}

TEST(test_transfer_hands_the_route_to_the_new_authority_only)
{
    Fx f;
    registered(&f);
    put_tag(&f, IX_TRANSFER_AUTHORITY);
    put(&f, f.other.key.x, 32);
    CHECK_UINT_EQ(run2(&f, &f.authority), REG_OK);
    CHECK(memcmp(view_of(&f).authority->x, f.other.key.x, 32) == 0);
    put_tag(&f, IX_UPDATE_ROUTE);
    put_str(&f, CID_V0);
    CHECK_UINT_EQ(run2(&f, &f.authority), REG_ERR_AUTHORITY_MISMATCH);
    CHECK_UINT_EQ(run2(&f, &f.other), REG_OK);
}

TEST(test_transfer_to_the_zero_key_or_the_route_itself_is_refused)
{
    Fx f;
    registered(&f);
    static const uint8_t zero[32];
    put_tag(&f, IX_TRANSFER_AUTHORITY);
    put(&f, zero, 32);
    CHECK_UINT_EQ(run2(&f, &f.authority), REG_ERR_NEW_AUTHORITY_INVALID);
    put_tag(&f, IX_TRANSFER_AUTHORITY);
    put(&f, f.route.key.x, 32);
    CHECK_UINT_EQ(run2(&f, &f.authority), REG_ERR_NEW_AUTHORITY_INVALID);
    put_tag(&f, IX_TRANSFER_AUTHORITY);
    put(&f, zero, 31);
    CHECK_UINT_EQ(run2(&f, &f.authority), REG_ERR_DATA_TRUNCATED);
}

TEST(test_close_returns_rent_and_leaves_nothing_to_use)
{
    Fx f;
    registered(&f);
    put_tag(&f, IX_CLOSE_ROUTE);
    CHECK_UINT_EQ(run2(&f, &f.authority), REG_OK);
    CHECK_UINT_EQ(f.route.lamports, 0);
    CHECK_UINT_EQ(f.authority.lamports, FUNDS);
    static const uint8_t zero[32];
    CHECK(memcmp(f.route.owner.x, zero, 32) == 0);
    CHECK_UINT_EQ(f.route.data_len, 0);
    put_tag(&f, IX_UPDATE_ROUTE);
    put_str(&f, CID_V0);
    CHECK_UINT_EQ(run2(&f, &f.authority), REG_ERR_ROUTE_NOT_FOUND);
    CHECK_STR_HAS(host.log, "RouteNotFound");
}

TEST(test_close_needs_a_writable_authority)
{
    Fx f;
    registered(&f);
    put_tag(&f, IX_CLOSE_ROUTE);
    f.authority.is_writable = false;
    CHECK_UINT_EQ(run2(&f, &f.authority), REG_ERR_AUTHORITY_NOT_WRITABLE);
    f.authority.is_writable = true;
    put(&f, "z", 1);
    CHECK_UINT_EQ(run2(&f, &f.authority), REG_ERR_DATA_TRAILING);
    HostAccount *one[1] = {&f.authority};
    put_tag(&f, IX_CLOSE_ROUTE);
    CHECK_UINT_EQ(host_run(one, 1, f.data, f.len), REG_ERR_MISSING_ACCOUNTS);
    CHECK_UINT_EQ(f.route.lamports, RENT_LAMPORTS);
}

TEST(test_a_closed_route_can_be_registered_again_at_once)
{
    Fx f;
    registered(&f);
    put_tag(&f, IX_CLOSE_ROUTE);
    CHECK_UINT_EQ(run2(&f, &f.authority), REG_OK);
    memset(f.other.key.x, 0xb2, 32);
    HostAccount *acc[3] = {&f.other, &f.route, &f.system};
    register_data(&f, "example.com", "/api/*", CID_V0, 0);
    CHECK_UINT_EQ(host_run(acc, 3, f.data, f.len), REG_OK);
    RouteView v = view_of(&f);
    CHECK(memcmp(v.authority->x, f.other.key.x, 32) == 0);
    CHECK(str_is(v.cid, CID_V0));
}

TEST(test_register_on_an_address_funded_past_rent_only_allocates_and_assigns)
{
    Fx f;
    setup(&f, "example.com", "/");
    f.route.lamports = RENT_LAMPORTS + 5;
    register_data(&f, "example.com", "/", CID_A, 0);
    CHECK_UINT_EQ(run3(&f), REG_OK);
    CHECK_INT_EQ(host.cpi_calls, 2); /* no transfer */
    CHECK_UINT_EQ(f.route.lamports, RENT_LAMPORTS + 5);
    CHECK_UINT_EQ(f.authority.lamports, FUNDS);
    CHECK_UINT_EQ(f.route.data_len, 679);
}

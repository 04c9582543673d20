/*
 * aegis-wasm-cli against a cluster: the real binary, the real registry program (built by `make
 * contracts`) on LiteSVM behind tests/peers/solana/rpc-server.mjs, over JSON-RPC on loopback.
 * Each test starts its own peer, so each starts from an empty chain at PEER_UNIX_TIME.
 */
#include "peer.h"
#include "test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CID_A "bafkreib447kycckrqtljlpyzmv3va5wwnlslhxockyfo6tmnbgztriab5u"
#define CID_B "bafkreidjitkdoip4743kmanl5mhqbhct2hjgdy4p65obfi4qgemamnplqq"
#define CID_V0 "QmTRQs6Sy6XJ3uGNQxyhDr3pKeuYoK6mqUuu51gAXGW5R6"
#define HEADER "DOMAIN\tPATH\tTYPE\tSTATE\tCID\tROUTE\tAUTHORITY\n"

typedef struct world {
    peer p;
    solana_keypair alice, bob;
    char alice_path[256], bob_path[256];
    char alice_key[SOLANA_PUBKEY_TEXT_MAX], bob_key[SOLANA_PUBKEY_TEXT_MAX];
} world;

static void world_start(world *w)
{
    peer_start(&w->p);
    peer_keypair(&w->p, "alice", true, &w->alice, w->alice_path, sizeof w->alice_path);
    peer_keypair(&w->p, "bob", true, &w->bob, w->bob_path, sizeof w->bob_path);
    solana_pubkey_string(&w->alice.pubkey, w->alice_key);
    solana_pubkey_string(&w->bob.pubkey, w->bob_key);
}

static const char *route_of(const char *domain, const char *path)
{
    static char text[SOLANA_PUBKEY_TEXT_MAX];
    solana_pubkey program, addr;
    uint8_t bump;
    dep_error err;
    CHECK(solana_pubkey_parse(SOLANA_REGISTRY_PROGRAM_ID, &program, &err) == DEP_OK);
    CHECK(solana_route_address(&program, domain, path, &addr, &bump, &err) == DEP_OK);
    return solana_pubkey_string(&addr, text);
}

/* Checks "signature: <64-byte base58>\n" at the end of out. */
static void check_signature_line(const char *out)
{
    const char *s = strstr(out, "signature: ");
    CHECK_MSG(s != NULL, "no signature line in \"%s\"", out);
    s += strlen("signature: ");
    const char *end = strchr(s, '\n');
    CHECK(end != NULL && end[1] == '\0');
    uint8_t raw[80];
    size_t n = 0;
    CHECK(dep_base58_decode(s, (size_t)(end - s), raw, sizeof raw, &n, NULL) == DEP_OK);
    CHECK_UINT_EQ(n, SOLANA_SIGNATURE_BYTES);
}

static void cli_ok(world *w, cli_run *r, const char *const argv[])
{
    cli_exec(r, argv);
    CHECK_MSG(r->status == 0, "%s exited %d; stderr: %s", argv[0], r->status, r->err);
    (void)w;
}

static void register_route(world *w, const char *keypair, const char *domain, const char *path,
                           const char *cid, const char *type)
{
    cli_run r;
    const char *argv[] = {"register", "--rpc",    w->p.url, "--keypair",
                          keypair,    "--domain", domain,   "--path",
                          path,       "--cid",    cid,      type ? "--type" : NULL,
                          type,       NULL};
    cli_ok(w, &r, argv);
}

static void list_routes(world *w, cli_run *r, const char *domain)
{
    const char *argv[] = {"routes", "--rpc", w->p.url, domain ? "--domain" : NULL, domain, NULL};
    cli_ok(w, r, argv);
}

TEST(test_register_prints_route_and_routes_lists_it)
{
    world w;
    cli_run r;
    char want[1024];
    world_start(&w);
    const char *argv[] = {"register",    "--rpc",  w.p.url,  "--keypair", w.alice_path, "--domain",
                          "example.com", "--path", "/api/*", "--cid",     CID_A,        NULL};
    cli_ok(&w, &r, argv);
    snprintf(want, sizeof want, "registered example.com/api/* -> " CID_A " (function)\nroute: %s\n",
             route_of("example.com", "/api/*"));
    CHECK_MSG(strncmp(r.out, want, strlen(want)) == 0, "got \"%s\"", r.out);
    check_signature_line(r.out);

    list_routes(&w, &r, NULL);
    snprintf(want, sizeof want,
             HEADER "example.com\t/api/*\tfunction\tenabled\t" CID_A "\t%s\t%s\n",
             route_of("example.com", "/api/*"), w.alice_key);
    CHECK_STR_EQ(r.out, want);
    CHECK_STR_EQ(r.err, "");
    peer_stop(&w.p);
}

TEST(test_update_by_address_then_by_domain_and_path)
{
    world w;
    cli_run r;
    char want[1024], route[SOLANA_PUBKEY_TEXT_MAX];
    world_start(&w);
    register_route(&w, w.alice_path, "example.com", "/", CID_A, "waf");
    snprintf(route, sizeof route, "%s", route_of("example.com", "/"));

    const char *by_addr[] = {"update",  "--rpc", w.p.url, "--keypair", w.alice_path,
                             "--route", route,   "--cid", CID_B,       NULL};
    cli_ok(&w, &r, by_addr);
    snprintf(want, sizeof want, "updated route %s -> " CID_B "\n", route);
    CHECK(strncmp(r.out, want, strlen(want)) == 0);
    check_signature_line(r.out);
    list_routes(&w, &r, NULL);
    snprintf(want, sizeof want, HEADER "example.com\t/\twaf\tenabled\t" CID_B "\t%s\t%s\n", route,
             w.alice_key);
    CHECK_STR_EQ(r.out, want);

    const char *by_name[] = {"update",     "--rpc",    w.p.url,       "--keypair",
                             w.alice_path, "--domain", "example.com", "--path",
                             "/",          "--cid",    CID_V0,        NULL};
    cli_ok(&w, &r, by_name);
    list_routes(&w, &r, NULL);
    snprintf(want, sizeof want, HEADER "example.com\t/\twaf\tenabled\t" CID_V0 "\t%s\t%s\n", route,
             w.alice_key);
    CHECK_STR_EQ(r.out, want);
    peer_stop(&w.p);
}

TEST(test_disable_then_enable_toggles_state)
{
    world w;
    cli_run r;
    char want[1024], route[SOLANA_PUBKEY_TEXT_MAX];
    world_start(&w);
    register_route(&w, w.alice_path, "shop.example", "/cart", CID_A, NULL);
    snprintf(route, sizeof route, "%s", route_of("shop.example", "/cart"));
    const char *disable[] = {"disable",    "--rpc",   w.p.url, "--keypair",
                             w.alice_path, "--route", route,   NULL};
    cli_ok(&w, &r, disable);
    snprintf(want, sizeof want, "disabled route %s\n", route);
    CHECK(strncmp(r.out, want, strlen(want)) == 0);
    list_routes(&w, &r, NULL);
    snprintf(want, sizeof want,
             HEADER "shop.example\t/cart\tfunction\tdisabled\t" CID_A "\t%s\t%s\n", route,
             w.alice_key);
    CHECK_STR_EQ(r.out, want);

    /* The same instruction twice in a row must be two transactions, not "already processed". */
    cli_ok(&w, &r, disable);
    const char *enable[] = {"enable",   "--rpc",        w.p.url,  "--keypair", w.alice_path,
                            "--domain", "shop.example", "--path", "/cart",     NULL};
    cli_ok(&w, &r, enable);
    snprintf(want, sizeof want, "enabled route %s\n", route);
    CHECK(strncmp(r.out, want, strlen(want)) == 0);
    list_routes(&w, &r, NULL);
    snprintf(want, sizeof want,
             HEADER "shop.example\t/cart\tfunction\tenabled\t" CID_A "\t%s\t%s\n", route,
             w.alice_key);
    CHECK_STR_EQ(r.out, want);
    peer_stop(&w.p);
}

TEST(test_transfer_hands_the_route_to_the_new_authority)
{
    world w;
    cli_run r;
    char want[1024], route[SOLANA_PUBKEY_TEXT_MAX];
    world_start(&w);
    register_route(&w, w.alice_path, "example.com", "/api/*", CID_A, NULL);
    snprintf(route, sizeof route, "%s", route_of("example.com", "/api/*"));
    const char *transfer[] = {"transfer", "--rpc", w.p.url,           "--keypair", w.alice_path,
                              "--route",  route,   "--new-authority", w.bob_key,   NULL};
    cli_ok(&w, &r, transfer);
    snprintf(want, sizeof want, "transferred route %s to %s\n", route, w.bob_key);
    CHECK(strncmp(r.out, want, strlen(want)) == 0);
    check_signature_line(r.out);

    /* Alice lost the route; Bob has it. */
    const char *alice_update[] = {"update",  "--rpc", w.p.url, "--keypair", w.alice_path,
                                  "--route", route,   "--cid", CID_B,       NULL};
    cli_exec(&r, alice_update);
    CHECK_INT_EQ(r.status, 1);
    CHECK_STR_HAS(r.err, "AuthorityMismatch (6014)");
    const char *bob_update[] = {"update",  "--rpc", w.p.url, "--keypair", w.bob_path,
                                "--route", route,   "--cid", CID_B,       NULL};
    cli_ok(&w, &r, bob_update);
    list_routes(&w, &r, NULL);
    snprintf(want, sizeof want,
             HEADER "example.com\t/api/*\tfunction\tenabled\t" CID_B "\t%s\t%s\n", route,
             w.bob_key);
    CHECK_STR_EQ(r.out, want);
    peer_stop(&w.p);
}

TEST(test_close_deletes_the_route_and_frees_it_for_registration)
{
    world w;
    cli_run r;
    char want[1024], route[SOLANA_PUBKEY_TEXT_MAX];
    world_start(&w);
    register_route(&w, w.alice_path, "example.com", "/api/*", CID_A, NULL);
    snprintf(route, sizeof route, "%s", route_of("example.com", "/api/*"));
    const char *close_argv[] = {"close",    "--rpc",       w.p.url,  "--keypair", w.alice_path,
                                "--domain", "example.com", "--path", "/api/*",    NULL};
    cli_ok(&w, &r, close_argv);
    snprintf(want, sizeof want, "closed route %s\n", route);
    CHECK(strncmp(r.out, want, strlen(want)) == 0);
    list_routes(&w, &r, NULL);
    CHECK_STR_EQ(r.out, HEADER);

    /* Closed means gone: the program's RouteNotFound, then anyone may register it. */
    cli_exec(&r, close_argv);
    CHECK_INT_EQ(r.status, 1);
    CHECK_STR_HAS(r.err,
                  "RouteNotFound (6010): No route at this address (never registered or closed)");
    register_route(&w, w.bob_path, "example.com", "/api/*", CID_B, NULL);
    list_routes(&w, &r, NULL);
    snprintf(want, sizeof want,
             HEADER "example.com\t/api/*\tfunction\tenabled\t" CID_B "\t%s\t%s\n", route,
             w.bob_key);
    CHECK_STR_EQ(r.out, want);
    peer_stop(&w.p);
}

TEST(test_routes_sorts_filters_by_domain_and_prints_json)
{
    world w;
    cli_run r;
    char want[4096];
    world_start(&w);
    register_route(&w, w.bob_path, "b.example", "/x", CID_B, "waf");
    register_route(&w, w.alice_path, "a.example", "/z", CID_A, NULL);
    register_route(&w, w.alice_path, "a.example", "/", CID_V0, NULL);

    char r_az[SOLANA_PUBKEY_TEXT_MAX], r_a[SOLANA_PUBKEY_TEXT_MAX], r_b[SOLANA_PUBKEY_TEXT_MAX];
    snprintf(r_az, sizeof r_az, "%s", route_of("a.example", "/z"));
    snprintf(r_a, sizeof r_a, "%s", route_of("a.example", "/"));
    snprintf(r_b, sizeof r_b, "%s", route_of("b.example", "/x"));
    list_routes(&w, &r, NULL);
    snprintf(want, sizeof want,
             HEADER "a.example\t/\tfunction\tenabled\t" CID_V0 "\t%s\t%s\n"
                    "a.example\t/z\tfunction\tenabled\t" CID_A "\t%s\t%s\n"
                    "b.example\t/x\twaf\tenabled\t" CID_B "\t%s\t%s\n",
             r_a, w.alice_key, r_az, w.alice_key, r_b, w.bob_key);
    CHECK_STR_EQ(r.out, want);

    list_routes(&w, &r, "b.example");
    snprintf(want, sizeof want, HEADER "b.example\t/x\twaf\tenabled\t" CID_B "\t%s\t%s\n", r_b,
             w.bob_key);
    CHECK_STR_EQ(r.out, want);
    list_routes(&w, &r, "nobody.example");
    CHECK_STR_EQ(r.out, HEADER);

    const char *by_auth[] = {"routes", "--rpc", w.p.url, "--authority", w.bob_key, "--json", NULL};
    cli_ok(&w, &r, by_auth);
    snprintf(want, sizeof want,
             "[\n  {\n    \"route\": \"%s\",\n    \"authority\": \"%s\",\n"
             "    \"domain\": \"b.example\",\n    \"path_pattern\": \"/x\",\n"
             "    \"wasm_cid\": \"" CID_B "\",\n    \"module_type\": \"waf\",\n"
             "    \"enabled\": true,\n    \"created_at\": %d,\n    \"updated_at\": %d\n  }\n]\n",
             r_b, w.bob_key, PEER_UNIX_TIME, PEER_UNIX_TIME);
    CHECK_STR_EQ(r.out, want);
    peer_stop(&w.p);
}

TEST(test_wrong_keypair_gets_the_programs_error_and_logs)
{
    world w;
    cli_run r;
    world_start(&w);
    register_route(&w, w.alice_path, "example.com", "/api/*", CID_A, NULL);
    const char *argv[] = {"disable",  "--rpc",       w.p.url,  "--keypair", w.bob_path,
                          "--domain", "example.com", "--path", "/api/*",    NULL};
    cli_exec(&r, argv);
    CHECK_INT_EQ(r.status, 1);
    CHECK_STR_EQ(r.out, "");
    CHECK(strncmp(r.err,
                  "aegis-wasm-cli disable: the registry refused the transaction: AuthorityMismatch "
                  "(6014): The signer is not the route's authority\n",
                  strlen("aegis-wasm-cli disable: the registry refused the transaction: "
                         "AuthorityMismatch (6014): The signer is not the route's authority\n")) ==
          0);
    CHECK_STR_HAS(r.err, "  log: Program log: registry error: AuthorityMismatch: ");
    CHECK_STR_HAS(r.err, "  log: Program " SOLANA_REGISTRY_PROGRAM_ID
                         " failed: custom program error: 0x177e\n");
    peer_stop(&w.p);
}

TEST(test_program_field_and_duplicate_errors_come_in_its_words)
{
    world w;
    cli_run r;
    world_start(&w);
    const char *bad_domain[] = {"register",   "--rpc",    w.p.url,       "--keypair",
                                w.alice_path, "--domain", "Example.COM", "--path",
                                "/",          "--cid",    CID_A,         NULL};
    cli_exec(&r, bad_domain);
    CHECK_INT_EQ(r.status, 1);
    CHECK_STR_HAS(r.err, "DomainInvalid (6017): The domain is not a lowercase DNS name");
    const char *bad_cid[] = {"register",   "--rpc",    w.p.url,       "--keypair",
                             w.alice_path, "--domain", "example.com", "--path",
                             "/",          "--cid",    "bafynotacid", NULL};
    cli_exec(&r, bad_cid);
    CHECK_INT_EQ(r.status, 1);
    CHECK_STR_HAS(r.err, "CidInvalid (6023)");

    register_route(&w, w.alice_path, "example.com", "/", CID_A, NULL);
    const char *again[] = {"register",    "--rpc",  w.p.url, "--keypair", w.bob_path, "--domain",
                           "example.com", "--path", "/",     "--cid",     CID_B,      NULL};
    cli_exec(&r, again);
    CHECK_INT_EQ(r.status, 1);
    CHECK_STR_HAS(r.err, "RouteExists (6009): This domain and path are already registered");
    peer_stop(&w.p);
}

TEST(test_unfunded_signer_gets_the_clusters_refusal)
{
    world w;
    cli_run r;
    solana_keypair poor;
    char poor_path[256];
    world_start(&w);
    peer_keypair(&w.p, "poor", false, &poor, poor_path, sizeof poor_path);
    const char *argv[] = {"register",    "--rpc",  w.p.url, "--keypair", poor_path, "--domain",
                          "example.com", "--path", "/",     "--cid",     CID_A,     NULL};
    cli_exec(&r, argv);
    CHECK_INT_EQ(r.status, 1);
    CHECK_STR_EQ(r.err, "aegis-wasm-cli register: the cluster refused the transaction: Transaction "
                        "simulation failed: Attempt to debit an account but found no record of a "
                        "prior credit.\n");
    peer_stop(&w.p);
}

/* A loopback port with nobody listening: bound, then closed. */
static unsigned dead_port(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(fd >= 0);
    CHECK(bind(fd, (struct sockaddr *)&a, sizeof a) == 0);
    CHECK(getsockname(fd, (struct sockaddr *)&a, &len) == 0);
    close(fd);
    return ntohs(a.sin_port);
}

TEST(test_rpc_down_is_a_clear_failure)
{
    peer p = {0};
    cli_run r;
    char url[64], want[256], keypair[256];
    solana_keypair kp;
    snprintf(p.dir, sizeof p.dir, "/tmp/aegis-cli-XXXXXX");
    CHECK(mkdtemp(p.dir) != NULL);
    unsigned port = dead_port();
    snprintf(url, sizeof url, "http://127.0.0.1:%u", port);
    dep_error err;
    CHECK(solana_keypair_generate(&kp, &err) == DEP_OK);
    char *json = solana_keypair_json(&kp);
    peer_write_file(&p, "k.json", json, keypair, sizeof keypair);
    free(json);

    const char *routes[] = {"routes", "--rpc", url, NULL};
    cli_exec(&r, routes);
    CHECK_INT_EQ(r.status, 1);
    snprintf(
        want, sizeof want,
        "aegis-wasm-cli routes: rpc %s getProgramAccounts: Failed to connect to 127.0.0.1 port %u",
        url, port);
    CHECK_MSG(strncmp(r.err, want, strlen(want)) == 0, "stderr: %s", r.err);

    const char *reg[] = {"register",    "--rpc",  url, "--keypair", keypair, "--domain",
                         "example.com", "--path", "/", "--cid",     CID_A,   NULL};
    cli_exec(&r, reg);
    CHECK_INT_EQ(r.status, 1);
    snprintf(want, sizeof want,
             "aegis-wasm-cli register: rpc %s getLatestBlockhash: Failed to connect", url);
    CHECK_MSG(strncmp(r.err, want, strlen(want)) == 0, "stderr: %s", r.err);
    CHECK_STR_EQ(r.out, "");
    peer_stop(&p);
}

TEST(test_malformed_keypair_files_are_refused_with_the_reason)
{
    peer p = {0};
    cli_run r;
    char path[256], want[512];
    snprintf(p.dir, sizeof p.dir, "/tmp/aegis-cli-XXXXXX");
    CHECK(mkdtemp(p.dir) != NULL);
    static const struct {
        const char *text, *reason;
    } cases[] = {
        {"not json", "not JSON (line 1 column 3: '[' or '{' expected near 'not')"},
        {"{\"secret\": 1}", "expected a JSON array of 64 numbers"},
        {"[1,2,3]", "expected 64 numbers, found 3"},
        {"[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,"
         "0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,256]",
         "element 63 is not an integer 0-255"},
        {"[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,"
         "0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]",
         "the public key (bytes 32-63) does not belong to the secret seed (bytes 0-31)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char name[32];
        snprintf(name, sizeof name, "bad%zu.json", i);
        peer_write_file(&p, name, cases[i].text, path, sizeof path);
        const char *argv[] = {"close", "--rpc",   "http://127.0.0.1:1",     "--keypair",
                              path,    "--route", SOLANA_SYSTEM_PROGRAM_ID, NULL};
        cli_exec(&r, argv);
        CHECK_INT_EQ(r.status, 1);
        snprintf(want, sizeof want, "aegis-wasm-cli close: keypair %s: %s", path, cases[i].reason);
        CHECK_MSG(strncmp(r.err, want, strlen(want)) == 0, "case %zu: stderr: %s", i, r.err);
    }
    snprintf(path, sizeof path, "%s/missing.json", p.dir);
    const char *argv[] = {"close", "--keypair", path, "--route", SOLANA_SYSTEM_PROGRAM_ID, NULL};
    cli_exec(&r, argv);
    CHECK_INT_EQ(r.status, 1);
    snprintf(want, sizeof want, "aegis-wasm-cli close: keypair %s: No such file or directory\n",
             path);
    CHECK_STR_EQ(r.err, want);
    peer_stop(&p);
}

TEST(test_help_usage_errors_and_unavailable_commands)
{
    cli_run r;
    const char *help[] = {"--help", NULL};
    cli_exec(&r, help);
    CHECK_INT_EQ(r.status, 0);
    CHECK_STR_HAS(r.out, "  register   register a route: domain + path -> module CID\n");
    CHECK_STR_HAS(r.out, "  routes     list the registry's routes\n");
    CHECK_STR_HAS(r.out, "  init       create a module project\n");
    CHECK_STR_HAS(r.out, "  test       run a module on a request file with the node's host API "
                         "and limits\n");
    CHECK_STR_HAS(r.out, "  deploy     publish a module to IPFS under its CID (Kubo RPC, CAR)\n");

    const char *none[] = {NULL};
    cli_exec(&r, none);
    CHECK_INT_EQ(r.status, 2);
    CHECK_STR_HAS(r.err, "usage: aegis-wasm-cli COMMAND");

    const char *sub_help[] = {"update", "--help", NULL};
    cli_exec(&r, sub_help);
    CHECK_INT_EQ(r.status, 0);
    CHECK_STR_HAS(r.out, "usage: aegis-wasm-cli update (--route ADDRESS | --domain DOMAIN --path "
                         "PATTERN) --cid CID");

    const char *unknown[] = {"frobnicate", NULL};
    cli_exec(&r, unknown);
    CHECK_INT_EQ(r.status, 2);
    CHECK_STR_EQ(r.err,
                 "aegis-wasm-cli: unknown command \"frobnicate\" (see aegis-wasm-cli --help)\n");

    const char *missing[] = {"register", "--domain", "example.com", "--path", "/", NULL};
    cli_exec(&r, missing);
    CHECK_INT_EQ(r.status, 2);
    CHECK_STR_EQ(r.err, "aegis-wasm-cli register: --domain, --path and --cid are required\n");

    const char *bad_type[] = {"register", "--domain", "a.b",    "--path", "/",
                              "--cid",    CID_A,      "--type", "lambda", NULL};
    cli_exec(&r, bad_type);
    CHECK_INT_EQ(r.status, 2);
    CHECK_STR_EQ(r.err, "aegis-wasm-cli register: --type \"lambda\": expected waf or function\n");

    const char *no_target[] = {"disable", NULL};
    cli_exec(&r, no_target);
    CHECK_INT_EQ(r.status, 2);
    CHECK_STR_EQ(
        r.err,
        "aegis-wasm-cli disable: which route? give --route ADDRESS, or --domain and --path\n");

    const char *bad_opt[] = {"routes", "--colour", NULL};
    cli_exec(&r, bad_opt);
    CHECK_INT_EQ(r.status, 2);
    CHECK_STR_EQ(
        r.err,
        "aegis-wasm-cli routes: unknown option --colour (see aegis-wasm-cli routes --help)\n");

    const char *bad_key[] = {"transfer",        "--route", SOLANA_SYSTEM_PROGRAM_ID,
                             "--new-authority", "0OIl",    NULL};
    cli_exec(&r, bad_key);
    CHECK_INT_EQ(r.status, 2);
    CHECK_STR_HAS(r.err, "aegis-wasm-cli transfer: --new-authority: public key \"0OIl\": "
                         "base58btc: invalid character");

    const char *bad_timeout[] = {"routes", "--timeout-ms", "0", NULL};
    cli_exec(&r, bad_timeout);
    CHECK_INT_EQ(r.status, 2);
    CHECK_STR_EQ(r.err, "aegis-wasm-cli routes: --timeout-ms \"0\": expected 1 to 600000\n");

    char long_domain[300];
    memset(long_domain, 'a', sizeof long_domain - 1);
    long_domain[sizeof long_domain - 1] = '\0';
    const char *too_long[] = {"close", "--domain", long_domain, "--path", "/", NULL};
    cli_exec(&r, too_long);
    CHECK_INT_EQ(r.status, 2);
    CHECK_STR_EQ(r.err,
                 "aegis-wasm-cli close: --domain is at most 253 bytes and --path at most 256\n");

    const char *bad_rpc[] = {"routes", "--rpc", "ftp://example.com", NULL};
    cli_exec(&r, bad_rpc);
    CHECK_INT_EQ(r.status, 2);
    CHECK_STR_EQ(r.err, "aegis-wasm-cli routes: --rpc: rpc URL \"ftp://example.com\" must start "
                        "with http:// or https://\n");
}

/*
 * `aegis-wasm-cli deploy`: publishes a module. The module is first loaded by the node's engine
 * and checked against guest ABI v1 (a node would refuse anything else), then its CID is computed
 * here. With --car the DAG is written as a CARv1 for a pinning service; with --ipfs it is
 * uploaded to a Kubo RPC endpoint, and the node's answer is accepted only if it names the same
 * CID (src/deploy/kubo.c): a mismatch fails loudly, since registering a CID that the node did not
 * store would point a route at nothing. The last line is the `register` command that points a
 * route at the CID.
 */
#include "cli/author.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum {
    DEPLOY_TIMEOUT_MS_MAX = 3600000,
    DEPLOY_LINE_MAX_BYTES = 2048,
};

static const char help[] =
    "usage: " CLI_PROGRAM " deploy [FILE] [--ipfs URL] [--cid-version 0|1] [--car OUT.car]\n"
    "                      [--type function|waf] [--domain DOMAIN] [--path PATTERN] [--no-pin]\n"
    "                      [--force] [--timeout-ms N] [--json]\n"
    "\n"
    "Publishes a module under its IPFS CID. FILE defaults to the build output of the project in\n"
    "the current directory (build/NAME.wasm, NAME = the directory's name, as `build` and the\n"
    "projects of `init` make it). The module is checked first as a node will load it (engine\n"
    "validation, guest ABI v1); then its CID is computed here, as `ipfs add` would.\n"
    "  --ipfs URL        upload to this Kubo RPC endpoint (POST URL/api/v0/add, e.g.\n"
    "                    http://127.0.0.1:5001) and check that the node's Hash is the local CID;\n"
    "                    a different Hash is an error\n"
    "  --cid-version N   0: Kubo's default profile, CIDv0 Qm... (default); 1: CIDv1 with raw\n"
    "                    leaves, as `ipfs add --cid-version 1`\n"
    "  --car OUT.car     also write the module's DAG as a CARv1 archive (for pinning services)\n"
    "  --type KIND       the kind the module must be: function or waf (default: what it is)\n"
    "  --domain DOMAIN, --path PATTERN\n"
    "                    fill in the printed register command (default DOMAIN and '/*')\n"
    "  --no-pin          ask the node not to pin the module (pin=false)\n"
    "  --force           publish even a file that is not a valid guest ABI v1 module\n"
    "  --timeout-ms N    the upload's time limit (default 300000)\n"
    "  --json            one object: {file, size, sha256, type, cid, cid_version, car, ipfs,\n"
    "                    register}\n"
    "\n"
    "exit status: 0 published (or computed), 1 invalid module, unreadable file, failed upload or\n"
    "a node that answered another CID, 2 usage error\n";

typedef struct deploy_options {
    const char *file, *ipfs, *version, *car, *type, *domain, *path, *timeout;
    bool no_pin, force, json;
    uint8_t cid_version;
    uint32_t timeout_ms;
    cli_abi_kind kind;
} deploy_options;

typedef struct deploy_result {
    uint8_t *bytes;
    size_t len;
    char sha256[AUTHOR_SHA256_HEX_BYTES];
    cli_abi_kind kind; /* CLI_ABI_NONE: not a conforming module (--force) */
    dep_cid cid;
    char cid_text[DEP_CID_TEXT_MAX];
    uint64_t car_bytes;
    bool uploaded;
    dep_kubo_result kubo;
    char register_line[DEPLOY_LINE_MAX_BYTES];
} deploy_result;

static int parse_options(const cli_command *cmd, deploy_options *o)
{
    int rc = author_cid_version(cmd, o->version, &o->cid_version);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (!author_kind_parse(o->type, &o->kind))
        return cli_fail(cmd, CLI_EXIT_USAGE, "--type \"%s\": expected function or waf", o->type);
    o->timeout_ms = 0;
    if (o->timeout != NULL) {
        char *end;
        errno = 0;
        unsigned long v = strtoul(o->timeout, &end, 10);
        if (errno != 0 || end == o->timeout || *end != '\0' || v == 0 || v > DEPLOY_TIMEOUT_MS_MAX)
            return cli_fail(cmd, CLI_EXIT_USAGE, "--timeout-ms \"%s\": expected 1..%d", o->timeout,
                            DEPLOY_TIMEOUT_MS_MAX);
        o->timeout_ms = (uint32_t)v;
    }
    if (o->ipfs != NULL && strncmp(o->ipfs, "http://", 7) != 0 &&
        strncmp(o->ipfs, "https://", 8) != 0)
        return cli_fail(cmd, CLI_EXIT_USAGE, "--ipfs \"%s\": expected an http:// or https:// URL",
                        o->ipfs);
    return CLI_EXIT_OK;
}

/* The build output of the project in the current directory: build/NAME.wasm, where NAME is the
 * directory's name (the default output of `build`, which a project made by `init` runs). */
static int default_module(const cli_command *cmd, char out[AUTHOR_PATH_MAX_BYTES])
{
    int rc = author_project_output(cmd, ".", out);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (access(out, R_OK) != 0)
        return cli_fail(cmd, CLI_EXIT_FAILED,
                        "no FILE given, and this directory has no build output %s: run `make` "
                        "(or " CLI_PROGRAM " build) in the project first, or name the module",
                        out);
    return CLI_EXIT_OK;
}

/* Loads the module as a node would and stores its kind; with --force a refusal is a warning. */
static int check_module(const cli_command *cmd, const deploy_options *o, deploy_result *r)
{
    r->kind = CLI_ABI_NONE;
    eng_error eerr = {0};
    eng_module *m = eng_module_new(r->bytes, r->len, &eerr);
    if (m == NULL) {
        cli_fail(cmd, CLI_EXIT_FAILED, "%s%s: not a valid WebAssembly module (%s): %s",
                 o->force ? "warning: " : "", o->file, eng_status_name(eerr.status), eerr.message);
        return o->force ? CLI_EXIT_OK : CLI_EXIT_FAILED;
    }
    cli_abi_report *abi = malloc(sizeof *abi);
    if (abi == NULL) {
        eng_module_free(m);
        return cli_fail(cmd, CLI_EXIT_FAILED, "out of memory");
    }
    bool ok = cli_abi_check(m, o->kind, abi);
    eng_module_free(m);
    if (ok) {
        r->kind = abi->kind;
        free(abi);
        return CLI_EXIT_OK;
    }
    size_t shown =
        abi->problem_count < CLI_ABI_PROBLEMS_MAX ? abi->problem_count : CLI_ABI_PROBLEMS_MAX;
    cli_fail(cmd, CLI_EXIT_FAILED, "%s%s does not conform to guest ABI v1%s%s (%zu problem%s):",
             o->force ? "warning: " : "", o->file, o->kind ? " as a " : "",
             o->kind ? cli_abi_kind_name(o->kind) : "", abi->problem_count,
             abi->problem_count == 1 ? "" : "s");
    for (size_t i = 0; i < shown; i++) {
        fputs("  - ", stderr);
        cli_print_safe(stderr, abi->problems[i]);
        fputc('\n', stderr);
    }
    free(abi);
    return o->force ? CLI_EXIT_OK : CLI_EXIT_FAILED;
}

/* Appends text to a shell command line, single-quoted when it holds anything but safe bytes. */
static void shell_word(char *line, size_t cap, const char *text)
{
    size_t n = strlen(line);
    bool plain = text[0] != '\0';
    for (const char *p = text; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              strchr("-_./:=@", *p) != NULL))
            plain = false;
    if (plain) {
        snprintf(line + n, cap - n, "%s", text);
        return;
    }
    if (n + 1 < cap)
        line[n++] = '\'';
    for (const char *p = text; *p && n + 5 < cap; p++) {
        if (*p == '\'') {
            memcpy(line + n, "'\\''", 4);
            n += 4;
        } else {
            line[n++] = *p;
        }
    }
    if (n + 1 < cap)
        line[n++] = '\'';
    line[n] = '\0';
}

static void build_register_line(const deploy_options *o, deploy_result *r)
{
    char *line = r->register_line;
    size_t cap = sizeof r->register_line;
    snprintf(line, cap, CLI_PROGRAM " register --domain ");
    shell_word(line, cap, o->domain ? o->domain : "DOMAIN");
    size_t n = strlen(line);
    snprintf(line + n, cap - n, " --path ");
    shell_word(line, cap, o->path ? o->path : "/*");
    n = strlen(line);
    cli_abi_kind kind = r->kind != CLI_ABI_NONE ? r->kind : o->kind;
    snprintf(line + n, cap - n, " --cid %s --type %s", r->cid_text,
             kind == CLI_ABI_WAF ? "waf" : "function");
}

static int publish(const cli_command *cmd, const deploy_options *o, deploy_result *r)
{
    dep_error err;
    dep_import_options profile = dep_import_profile(o->cid_version);
    if (dep_import_buffer(r->bytes, r->len, &profile, NULL, NULL, &r->cid, &err) != DEP_OK)
        return cli_fail(cmd, CLI_EXIT_FAILED, "%s: %s", o->file, err.message);
    dep_cid_string(&r->cid, r->cid_text);
    if (o->car != NULL) {
        uint8_t *car = NULL;
        size_t car_len = 0;
        dep_cid root;
        if (dep_car_write_buffer(r->bytes, r->len, &profile, &car, &car_len, &root, &err) != DEP_OK)
            return cli_fail(cmd, CLI_EXIT_FAILED, "--car: %s", err.message);
        FILE *f = fopen(o->car, "wb");
        bool ok = f != NULL && fwrite(car, 1, car_len, f) == car_len;
        int saved = errno;
        if (f != NULL && fclose(f) != 0 && ok) {
            ok = false;
            saved = errno;
        }
        free(car);
        if (!ok) {
            if (f != NULL)
                unlink(o->car);
            return cli_fail(cmd, CLI_EXIT_FAILED, "--car %s: %s", o->car, strerror(saved));
        }
        r->car_bytes = car_len;
    }
    if (o->ipfs != NULL) {
        const char *slash = strrchr(o->file, '/');
        dep_kubo_options k = {.api_url = o->ipfs,
                              .cid_version = o->cid_version,
                              .pin = !o->no_pin,
                              .file_name = slash ? slash + 1 : o->file,
                              .total_timeout_ms = o->timeout_ms};
        if (dep_kubo_add(&k, r->bytes, r->len, &r->kubo, &err) != DEP_OK)
            return cli_fail(cmd, CLI_EXIT_FAILED, "%s%s",
                            err.status == DEP_ERR_HASH ? "CID MISMATCH: " : "", err.message);
        r->uploaded = true;
    }
    build_register_line(o, r);
    return CLI_EXIT_OK;
}

static const char *kind_word(cli_abi_kind kind)
{
    return kind == CLI_ABI_NONE ? "not a checked module" : cli_abi_kind_name(kind);
}

static int report(const cli_command *cmd, const deploy_options *o, const deploy_result *r)
{
    if (o->json) {
        json_t *ipfs = r->uploaded ? json_pack("{s:s, s:s, s:I, s:b}", "url", o->ipfs, "hash",
                                               r->cid_text, "dag_bytes",
                                               (json_int_t)r->kubo.dag_bytes, "pinned", !o->no_pin)
                                   : json_null();
        json_t *car =
            o->car ? json_pack("{s:s, s:I}", "path", o->car, "bytes", (json_int_t)r->car_bytes)
                   : json_null();
        return author_print_json(
            cmd, json_pack("{s:s, s:I, s:s, s:s, s:s, s:i, s:o, s:o, s:s}", "file", o->file, "size",
                           (json_int_t)r->len, "sha256", r->sha256, "type",
                           r->kind == CLI_ABI_NONE ? "none" : cli_abi_kind_name(r->kind), "cid",
                           r->cid_text, "cid_version", (int)o->cid_version, "car", car, "ipfs",
                           ipfs, "register", r->register_line));
    }
    printf("module    ");
    cli_print_safe(stdout, o->file);
    printf(": %zu bytes, %s, sha256 %s\n", r->len, kind_word(r->kind), r->sha256);
    printf("cid       %s (%s)\n", r->cid_text,
           o->cid_version == 0 ? "CIDv0, Kubo's default profile" : "CIDv1, raw leaves");
    if (o->car != NULL) {
        printf("car       ");
        cli_print_safe(stdout, o->car);
        printf(": %llu bytes\n", (unsigned long long)r->car_bytes);
    }
    if (r->uploaded) {
        printf("ipfs      ");
        cli_print_safe(stdout, o->ipfs);
        printf(" stored it as %s (%s, DAG %llu bytes): matches the local CID\n", r->cid_text,
               o->no_pin ? "not pinned" : "pinned", (unsigned long long)r->kubo.dag_bytes);
    } else {
        printf("ipfs      not uploaded: pass --ipfs URL (a Kubo RPC endpoint)%s\n",
               o->car ? ", or pin the CAR with a pinning service" : ", or --car OUT.car");
    }
    printf("register  ");
    cli_print_safe(stdout, r->register_line);
    putchar('\n');
    return CLI_EXIT_OK;
}

static int run(const cli_command *cmd, int argc, char **argv)
{
    deploy_options o = {0};
    const cli_option opts[] = {{"ipfs", &o.ipfs, NULL},
                               {"cid-version", &o.version, NULL},
                               {"car", &o.car, NULL},
                               {"type", &o.type, NULL},
                               {"domain", &o.domain, NULL},
                               {"path", &o.path, NULL},
                               {"timeout-ms", &o.timeout, NULL},
                               {"no-pin", NULL, &o.no_pin},
                               {"force", NULL, &o.force},
                               {"json", NULL, &o.json}};
    author_args a;
    int rc = author_parse(cmd, argc, argv, opts, sizeof opts / sizeof opts[0], 1, &a);
    if (rc != CLI_EXIT_OK || a.help)
        return rc;
    if ((rc = parse_options(cmd, &o)) != CLI_EXIT_OK)
        return rc;
    char found[AUTHOR_PATH_MAX_BYTES];
    if (a.npos == 1) {
        o.file = a.pos[0];
    } else {
        if ((rc = default_module(cmd, found)) != CLI_EXIT_OK)
            return rc;
        o.file = found;
    }

    deploy_result *r = calloc(1, sizeof *r);
    if (r == NULL)
        return cli_fail(cmd, CLI_EXIT_FAILED, "out of memory");
    rc = author_read_module(cmd, o.file, &r->bytes, &r->len);
    if (rc == CLI_EXIT_OK) {
        author_sha256_hex(r->bytes, r->len, r->sha256);
        rc = check_module(cmd, &o, r);
    }
    if (rc == CLI_EXIT_OK)
        rc = publish(cmd, &o, r);
    if (rc == CLI_EXIT_OK)
        rc = report(cmd, &o, r);
    free(r->bytes);
    free(r);
    return rc;
}

const cli_command cli_cmd_deploy = {
    "deploy", "publish a module to IPFS under its CID (Kubo RPC, CAR)", help, run};

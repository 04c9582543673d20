/*
 * aegis-cid: the content-addressing tool of AEGIS Edge, until `aegis-wasm-cli deploy` takes it
 * over. It computes a file's CID exactly as `ipfs add --only-hash -Q` does, writes CARv1 archives
 * for pinning services, verifies a CAR against a CID, and fetches a module from gateways with the
 * same verification the node uses.
 */
#include "deploy/deploy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage:\n"
    "  aegis-cid add FILE [--cid-version 0|1] [--car OUT.car]\n"
    "      print FILE's CID as `ipfs add --only-hash -Q` does: CIDv0 by default, or CIDv1 with\n"
    "      raw leaves (--cid-version 1); --car also writes the DAG as a CARv1 archive\n"
    "  aegis-cid verify CID FILE.car [--out FILE] [--max-bytes N]\n"
    "      check every block of FILE.car against CID and the file DAG it forms; --out writes\n"
    "      the verified file\n"
    "  aegis-cid fetch CID --gateway URL [--gateway URL]... [--cache DIR] [--out FILE]\n"
    "      fetch and verify CID from trustless gateways, in order\n"
    "  aegis-cid --help\n"
    "exit status: 0 success, 1 failure (the reason goes to stderr), 2 usage error\n";

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "aegis-cid: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n%s", usage);
    return 2;
}

static int fail(const dep_error *e)
{
    fprintf(stderr, "aegis-cid: %s\n", e->message);
    return 1;
}

static int write_file(const char *path, const uint8_t *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "aegis-cid: %s: %s\n", path, strerror(errno));
        if (f)
            fclose(f);
        return 1;
    }
    return 0;
}

static int cmd_add(int argc, char **argv)
{
    const char *file = NULL, *car = NULL;
    int version = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--cid-version") == 0 && i + 1 < argc) {
            const char *v = argv[++i];
            if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0)
                return usage_error("--cid-version must be 0 or 1, not '%s'", v);
            version = v[0] - '0';
        } else if (strcmp(argv[i], "--car") == 0 && i + 1 < argc) {
            car = argv[++i];
        } else if (argv[i][0] == '-' || file != NULL) {
            return usage_error("add: unexpected argument '%s'", argv[i]);
        } else {
            file = argv[i];
        }
    }
    if (file == NULL)
        return usage_error("add: %s", "no FILE given");
    dep_import_options opts = dep_import_profile((uint8_t)version);
    dep_cid root;
    dep_error e;
    dep_status st = car ? dep_car_write_file(file, car, &opts, &root, &e)
                        : dep_import_file(file, &opts, NULL, NULL, &root, &e);
    if (st != DEP_OK)
        return fail(&e);
    char s[DEP_CID_TEXT_MAX];
    printf("%s\n", dep_cid_string(&root, s));
    return 0;
}

static int parse_cid(const char *text, dep_cid *cid)
{
    dep_error e;
    if (dep_cid_parse(text, strlen(text), cid, &e) != DEP_OK)
        return fail(&e);
    return 0;
}

static uint8_t *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "aegis-cid: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf != NULL) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        uint8_t *b = realloc(buf, cap * 2);
        if (b == NULL) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = b;
        cap *= 2;
    }
    if (buf == NULL || ferror(f)) {
        fprintf(stderr, "aegis-cid: %s: cannot read\n", path);
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = n;
    return buf;
}

static int cmd_verify(int argc, char **argv)
{
    const char *pos[2] = {NULL, NULL}, *out = NULL;
    int npos = 0;
    unsigned long long max = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--out") == 0 && i + 1 < argc) {
            out = argv[++i];
        } else if (strcmp(argv[i], "--max-bytes") == 0 && i + 1 < argc) {
            char *end;
            errno = 0;
            max = strtoull(argv[++i], &end, 10);
            if (errno || *end || max == 0)
                return usage_error("--max-bytes: bad number '%s'", argv[i]);
        } else if (argv[i][0] == '-' || npos == 2) {
            return usage_error("verify: unexpected argument '%s'", argv[i]);
        } else {
            pos[npos++] = argv[i];
        }
    }
    if (npos != 2)
        return usage_error("verify: %s", "needs CID and FILE.car");
    dep_cid cid;
    if (parse_cid(pos[0], &cid) != 0)
        return 1;
    size_t car_len;
    uint8_t *car = read_all(pos[1], &car_len);
    if (car == NULL)
        return 1;
    uint8_t *file;
    size_t len;
    dep_error e;
    dep_status st = dep_car_verify(car, car_len, &cid, max, &file, &len, &e);
    free(car);
    if (st != DEP_OK)
        return fail(&e);
    int rc = out ? write_file(out, file, len) : 0;
    if (rc == 0)
        printf("ok %s %zu bytes\n", pos[0], len);
    free(file);
    return rc;
}

static int cmd_fetch(int argc, char **argv)
{
    dep_fetch_options opts = {0};
    const char *cid_text = NULL, *out = NULL;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--gateway") == 0 && i + 1 < argc) {
            if (opts.gateway_count == DEP_MAX_GATEWAYS)
                return usage_error("fetch: more than %s gateways", "8");
            opts.gateways[opts.gateway_count++] = argv[++i];
        } else if (strcmp(argv[i], "--cache") == 0 && i + 1 < argc) {
            opts.cache_dir = argv[++i];
        } else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc) {
            out = argv[++i];
        } else if (argv[i][0] == '-' || cid_text != NULL) {
            return usage_error("fetch: unexpected argument '%s'", argv[i]);
        } else {
            cid_text = argv[i];
        }
    }
    if (cid_text == NULL || opts.gateway_count == 0)
        return usage_error("fetch: %s", "needs CID and at least one --gateway");
    dep_cid cid;
    if (parse_cid(cid_text, &cid) != 0)
        return 1;
    uint8_t *file;
    size_t len;
    const char *source;
    dep_error e;
    if (dep_fetch(&opts, &cid, &file, &len, &source, &e) != DEP_OK)
        return fail(&e);
    int rc = out ? write_file(out, file, len) : 0;
    if (rc == 0)
        printf("ok %s %zu bytes from %s\n", cid_text, len, source);
    free(file);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage_error("%s", "no command");
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        fputs(usage, stdout);
        return 0;
    }
    if (strcmp(argv[1], "add") == 0)
        return cmd_add(argc - 2, argv + 2);
    if (strcmp(argv[1], "verify") == 0)
        return cmd_verify(argc - 2, argv + 2);
    if (strcmp(argv[1], "fetch") == 0)
        return cmd_fetch(argc - 2, argv + 2);
    return usage_error("unknown command '%s'", argv[1]);
}

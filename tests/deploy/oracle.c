/*
 * Test helpers of the deploy suite (see oracle.h): pattern files, temp dirs and the CID oracles.
 */
#include "oracle.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

void fill_pattern(uint8_t *buf, size_t len, uint64_t seed)
{
    uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        buf[i] = (uint8_t)(x >> 24);
    }
}

const char *make_temp_dir(void)
{
    static char dir[64];
    snprintf(dir, sizeof dir, "/tmp/aegis-deploy-test-XXXXXX");
    CHECK_MSG(mkdtemp(dir) != NULL, "mkdtemp failed");
    return dir;
}

void write_pattern_file(const char *path, size_t len, uint64_t seed)
{
    uint8_t *buf = malloc(len ? len : 1);
    CHECK(buf != NULL);
    fill_pattern(buf, len, seed);
    FILE *f = fopen(path, "wb");
    CHECK_MSG(f != NULL, "cannot create %s", path);
    CHECK(fwrite(buf, 1, len, f) == len);
    CHECK(fclose(f) == 0);
    free(buf);
}

char *run_capture(const char *cmd)
{
    FILE *p = popen(cmd, "r");
    CHECK_MSG(p != NULL, "popen %s", cmd);
    size_t cap = 4096, n = 0;
    char *out = malloc(cap);
    CHECK(out != NULL);
    for (;;) {
        size_t got = fread(out + n, 1, cap - n - 1, p);
        n += got;
        if (got == 0)
            break;
        if (n + 1 == cap) {
            out = realloc(out, cap *= 2);
            CHECK(out != NULL);
        }
    }
    out[n] = '\0';
    int rc = pclose(p);
    CHECK_MSG(rc == 0, "command failed (status %d): %s\noutput: %s", rc, cmd, out);
    return out;
}

/* Copies the value of "key":"..." from a one-line JSON object. */
static void json_field(const char *json, const char *key, char *out)
{
    char pat[32];
    snprintf(pat, sizeof pat, "\"%s\":\"", key);
    const char *p = strstr(json, pat);
    CHECK_MSG(p != NULL, "no %s in %s", key, json);
    p += strlen(pat);
    size_t n = 0;
    while (p[n] && p[n] != '"' && n + 1 < DEP_CID_TEXT_MAX)
        n++;
    memcpy(out, p, n);
    out[n] = '\0';
}

void oracle_ipfs_cid(const char *path, char *v0, char *v1)
{
    CHECK_MSG(access("/usr/bin/ipfs_cid", X_OK) == 0,
              "the ipfs_cid oracle is missing: run scripts/install-deps.sh (package ipfs-cid)");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "/usr/bin/ipfs_cid '%s' 2>/dev/null", path);
    char *out = run_capture(cmd);
    json_field(out, "CIDv0", v0);
    json_field(out, "CIDv1", v1);
    free(out);
}

void oracle_js(const char *profile, const char *const *paths, size_t n,
               char (*out)[DEP_CID_TEXT_MAX], const char *car_dir)
{
    char script[1024];
    snprintf(script, sizeof script, "%s", test_src_path("tests/peers/unixfs/cid.mjs"));
    CHECK_MSG(access(test_src_path("tests/peers/unixfs/node_modules/ipfs-unixfs-importer"), R_OK) ==
                  0,
              "the JavaScript importer oracle is missing: run scripts/peers-install.sh");
    size_t cap = 4096 + n * 512;
    char *cmd = malloc(cap);
    CHECK(cmd != NULL);
    int len = snprintf(cmd, cap, "node '%s' --profile %s", script, profile);
    if (car_dir != NULL)
        len += snprintf(cmd + len, cap - (size_t)len, " --car-dir '%s'", car_dir);
    for (size_t i = 0; i < n; i++)
        len += snprintf(cmd + len, cap - (size_t)len, " '%s'", paths[i]);
    char *text = run_capture(cmd);
    free(cmd);
    char *line = text;
    for (size_t i = 0; i < n; i++) {
        char *nl = strchr(line, '\n');
        CHECK_MSG(nl != NULL, "oracle printed %zu lines, want %zu: %s", i, n, text);
        *nl = '\0';
        CHECK(strlen(line) < DEP_CID_TEXT_MAX);
        strcpy(out[i], line);
        line = nl + 1;
    }
    free(text);
}

uint8_t *slurp(const char *path, size_t *len)
{
    return test_read_file(path, len);
}

/*
 * Helpers of test_node_cid_util.h.
 */
#include "test_node_cid_util.h"
#include "edge_util.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static dep_status keep_block(void *ctx, const dep_cid *cid, const uint8_t *data, size_t len,
                             dep_error *err)
{
    (void)data;
    (void)len;
    (void)err;
    cu_module *m = ctx;
    for (size_t i = 0; i < m->block_count; i++)
        if (dep_cid_equal(&m->blocks[i].cid, cid))
            return DEP_OK;
    CHECK(m->block_count < CU_MAX_BLOCKS);
    m->blocks[m->block_count].cid = *cid;
    dep_cid_string(cid, m->blocks[m->block_count].text);
    m->block_count++;
    return DEP_OK;
}

void cu_module_make(cu_module *m, const char *build_rel, size_t pad_bytes, int cid_version)
{
    memset(m, 0, sizeof *m);
    size_t len;
    uint8_t *wasm = test_read_file(eu_build(0, build_rel), &len);
    if (pad_bytes > 0) {
        /* A custom section (id 0) named "pad": valid anywhere in a module, ignored by engines. */
        uint8_t head[16];
        size_t payload = 1 + 3 + pad_bytes, h = 0;
        head[h++] = 0;
        for (size_t v = payload;; v >>= 7) {
            head[h++] = (uint8_t)((v & 0x7f) | (v >= 0x80 ? 0x80 : 0));
            if (v < 0x80)
                break;
        }
        head[h++] = 3;
        memcpy(head + h, "pad", 3);
        h += 3;
        uint8_t *big = malloc(len + h + pad_bytes);
        CHECK(big != NULL);
        memcpy(big, wasm, len);
        memcpy(big + len, head, h);
        for (size_t i = 0; i < pad_bytes; i++)
            big[len + h + i] = (uint8_t)(i * 131 + (i >> 11)); /* chunks differ from each other */
        free(wasm);
        wasm = big;
        len += h + pad_bytes;
    }
    m->bytes = wasm;
    m->len = len;
    dep_import_options o = dep_import_profile((uint8_t)cid_version);
    dep_error e;
    CHECK_MSG(dep_car_write_buffer(wasm, len, &o, &m->car, &m->car_len, &m->cid, &e) == DEP_OK,
              "%s", e.message);
    dep_cid again;
    CHECK(dep_import_buffer(wasm, len, &o, keep_block, m, &again, &e) == DEP_OK);
    CHECK(dep_cid_equal(&again, &m->cid));
    dep_cid_string(&m->cid, m->text);
}

void cu_module_free(cu_module *m)
{
    free(m->bytes);
    free(m->car);
}

void cu_serve(gw_server *gw, const cu_module *m)
{
    char t[300];
    snprintf(t, sizeof t, "/ipfs/%s?format=car", m->text);
    gw_route(gw, t, GW_PLAIN, 200, "application/vnd.ipld.car", m->car, m->car_len);
}

void cu_state_dir(char *dir, size_t cap)
{
    eu_tmpdir(dir, cap);
}

void cu_rm_rf(const char *dir)
{
    char *argv[] = {"/bin/rm", "-rf", (char *)dir, NULL};
    char *out = NULL;
    CHECK_INT_EQ(e2e_run(argv, 10000, &out), 0);
    free(out);
}

void cu_fn_route(char *out, size_t cap, const char *name, const char *cid)
{
    snprintf(out, cap,
             "  - name: %s\n    host: %s.test\n    path: /headers\n    upstream: a\n"
             "    functions: [{cid: %s}]\n",
             name, name, cid);
}

int cu_get_version(uint16_t port, const char *name, char *v, size_t cap)
{
    char host[96];
    snprintf(host, sizeof host, "%s.test", name);
    e2e_response r;
    e2e_request(port, "GET", "/headers", host, NULL, NULL, &r);
    const char *x = e2e_header(&r, "X-Version");
    snprintf(v, cap, "%s", x != NULL ? x : "");
    int status = r.status;
    e2e_response_free(&r);
    return status;
}

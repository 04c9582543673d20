/*
 * A WAF module with an expensive one-time initialisation (a table built by a constructor, run by
 * _initialize): more instructions than one request may use, which the host allows because
 * initialisation has its own budget. Requests then use the prepared table cheaply: a URI whose
 * table checksum byte is odd would be blocked (none of the test URIs is), and X-Init reports the
 * checksum so the test can see the constructor ran.
 */
#include "aegis.h"

#include <stdio.h>

AEGIS_DEFINE_ALLOC()

#define TABLE_WORDS 4096
#define ROUNDS 250 /* 4096 x 250 xorshift steps: tens of millions of instructions */

static uint32_t table[TABLE_WORDS];

__attribute__((constructor)) static void build_table(void)
{
    uint32_t x = 2463534242u;
    for (int r = 0; r < ROUNDS; r++)
        for (int i = 0; i < TABLE_WORDS; i++) {
            x ^= x << 13, x ^= x >> 17, x ^= x << 5;
            table[i] += x;
        }
}

AEGIS_EXPORT("analyze_request") int32_t analyze_request(const char *ptr, int32_t len)
{
    (void)ptr;
    (void)len;
    uint32_t sum = 0;
    for (int i = 0; i < TABLE_WORDS; i++)
        sum += table[i];
    char n[16];
    snprintf(n, sizeof n, "%08x", sum);
    aegis_set_header("X-Init", n);
    aegis_buf b;
    aegis_buf_init(&b);
    aegis_buf_puts(&b, "{\"blocked\":false,\"score\":0,\"matches\":[],\"execution_time_us\":0}");
    return aegis_buf_finish(&b);
}

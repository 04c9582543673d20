/*
 * The on-chain build of the wasm-registry program as one translation unit: the project's link
 * step (contracts/tools/sbpf-link.c) takes a single relocatable object. The host tests compile
 * the same files one by one instead. The memory functions the compiler may call on its own are
 * routed to the runtime's syscalls, since there is no libc on-chain.
 */
#include <stddef.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);

#include "entrypoint.c"
#include "instructions.c"
#include "route_account.c"
#include "validate.c"

void *memcpy(void *dst, const void *src, size_t n)
{
    sol_memcpy_(dst, src, n);
    return dst;
}

/* sol_memmove_ would be the syscall; the program never copies overlapping ranges, and the
 * compiler only emits memmove for copies it cannot prove disjoint, so copy forward or back. */
void *memmove(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    if (d < s) {
        for (size_t i = 0; i < n; i++)
            d[i] = s[i];
    } else {
        for (size_t i = n; i > 0; i--)
            d[i - 1] = s[i - 1];
    }
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    sol_memset_(dst, c, n);
    return dst;
}

/*
 * Kernel "recurse": call-heavy code. Each iteration counts the solutions of the n-queens problem
 * by bitmask backtracking (n from 7 to 9), computes a Fibonacci number by naive double recursion
 * (fib(17) to fib(21)) and an Ackermann value A(2, m): millions of small calls whose frames hold a
 * handful of locals. This measures the engine's call and return path more than anything else.
 */
#include "kernel.h"

/* A(2, m) recurses about m levels deep and makes O(m^2) calls: bounded work per iteration. */
#define RECURSE_ACK_M_MAX 64u

static uint32_t recurse_queens(uint32_t all, uint32_t cols, uint32_t diag_left, uint32_t diag_right)
{
    if (cols == all)
        return 1;
    uint32_t count = 0;
    uint32_t free = all & ~(cols | diag_left | diag_right);
    while (free != 0) {
        uint32_t bit = free & (0u - free);
        free ^= bit;
        count += recurse_queens(all, cols | bit, ((diag_left | bit) << 1) & all,
                                (diag_right | bit) >> 1);
    }
    return count;
}

static uint32_t recurse_fib(uint32_t n)
{
    return n < 2 ? n : recurse_fib(n - 1) + recurse_fib(n - 2);
}

static uint32_t recurse_ack(uint32_t m, uint32_t n)
{
    if (m == 0)
        return n + 1;
    if (n == 0)
        return recurse_ack(m - 1, 1);
    return recurse_ack(m - 1, recurse_ack(m, n - 1));
}

int64_t KERNEL_RUN(int32_t iterations)
{
    uint64_t sum = KERNEL_CHECKSUM_SEED;
    for (int32_t it = 0; it < iterations; it++) {
        uint32_t u = (uint32_t)it;
        uint32_t queens_n = 7 + u % 3;
        uint32_t queens = recurse_queens((1u << queens_n) - 1, 0, 0, 0);
        uint32_t fib = recurse_fib(17 + u % 5);
        uint32_t ack = recurse_ack(2, u % RECURSE_ACK_M_MAX);
        sum = kernel_mix(sum, (uint64_t)queens << 32 | fib);
        sum = kernel_mix(sum, ack);
    }
    return (int64_t)sum;
}

/*
 * Kernel "matmul": dense double-precision matrix multiply, C = A x B with 64 x 64 matrices in the
 * cache-friendly i-k-j loop order, then a feedback step that folds a row of C back into A so the
 * next product differs. Floating-point loads, multiplies and adds in a regular loop nest. The
 * result is bit-exact everywhere: IEEE double arithmetic in a fixed order, no fused multiply-add
 * (wasm has none and the native build compiles with -ffp-contract=off).
 */
#include "kernel.h"

#define MATMUL_N 64u
#define MATMUL_SEED 0x3a73ULL

static double matmul_a[MATMUL_N][MATMUL_N];
static double matmul_b[MATMUL_N][MATMUL_N];
static double matmul_c[MATMUL_N][MATMUL_N];

/* A double in [-1, 1) with 30 significant bits: exactly representable, identical everywhere. */
static double matmul_value(uint64_t *rng)
{
    int32_t v = (int32_t)(kernel_rand_next(rng) >> 34) - (1 << 29);
    return (double)v / (double)(1 << 29);
}

static uint64_t matmul_bits(double d)
{
    union {
        double d;
        uint64_t u;
    } pun = {.d = d};
    return pun.u;
}

int64_t KERNEL_RUN(int32_t iterations)
{
    uint64_t rng = MATMUL_SEED;
    for (uint32_t i = 0; i < MATMUL_N; i++)
        for (uint32_t j = 0; j < MATMUL_N; j++) {
            matmul_a[i][j] = matmul_value(&rng);
            matmul_b[i][j] = matmul_value(&rng);
        }
    uint64_t sum = KERNEL_CHECKSUM_SEED;
    for (int32_t it = 0; it < iterations; it++) {
        for (uint32_t i = 0; i < MATMUL_N; i++) {
            for (uint32_t j = 0; j < MATMUL_N; j++)
                matmul_c[i][j] = 0.0;
            for (uint32_t k = 0; k < MATMUL_N; k++) {
                double aik = matmul_a[i][k];
                for (uint32_t j = 0; j < MATMUL_N; j++)
                    matmul_c[i][j] += aik * matmul_b[k][j];
            }
        }
        double trace = 0.0;
        for (uint32_t i = 0; i < MATMUL_N; i++)
            trace += matmul_c[i][i];
        sum = kernel_mix(sum, matmul_bits(trace));
        /* Feed one row of the product back, divided by its largest magnitude so that values
         * stay in [-1, 1] however long the run (no overflow, no slow denormals). */
        uint32_t row = (uint32_t)it % MATMUL_N;
        double largest = 0.0;
        for (uint32_t j = 0; j < MATMUL_N; j++) {
            double m = matmul_c[row][j] < 0.0 ? -matmul_c[row][j] : matmul_c[row][j];
            largest = m > largest ? m : largest;
        }
        if (largest == 0.0)
            largest = 1.0;
        for (uint32_t j = 0; j < MATMUL_N; j++)
            matmul_a[row][j] = matmul_c[row][j] / largest;
    }
    return (int64_t)sum;
}

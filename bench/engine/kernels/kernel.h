/*
 * What every engine benchmark kernel shares. A kernel is one C file with a fixed, deterministic,
 * CPU-bound workload behind one entry point, run(iterations) -> checksum, compiled unchanged to a
 * native object (gcc -O2) and to a wasm32-wasi module (clang -O2). The checksum lets the native
 * driver, our engine and V8 prove they computed the same thing before their times are compared.
 *
 * Kernels use no libc beyond what the compiler itself may emit (memcpy, memset): their inputs are
 * generated here, from a fixed seed, into static buffers. Arithmetic that may wrap is unsigned, so
 * the native build is free of undefined behaviour (the test suite runs it under UBSan). Each
 * iteration perturbs the input of the next one, so no compiler can hoist the work out of the loop.
 */
#ifndef BENCH_KERNEL_H
#define BENCH_KERNEL_H

#include <stddef.h>
#include <stdint.h>

/* The entry point's name. The wasm build exports it as "run"; the test suite, which links every
 * kernel into one native binary, renames it per kernel before including the source. */
#ifndef KERNEL_RUN
#define KERNEL_RUN run
#endif

int64_t KERNEL_RUN(int32_t iterations);

/* splitmix64: a tiny generator with a good spread of bits, enough to make inputs look random. */
static inline uint64_t kernel_rand_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* A value in [0, bound) for small bounds (bias is irrelevant for benchmark inputs). */
static inline uint32_t kernel_rand_below(uint64_t *state, uint32_t bound)
{
    return (uint32_t)((kernel_rand_next(state) >> 32) % bound);
}

/* Folds a value into a running checksum (FNV-1a style over 64-bit words). */
static inline uint64_t kernel_mix(uint64_t sum, uint64_t value)
{
    return (sum ^ value) * 0x100000001b3ULL;
}

#define KERNEL_CHECKSUM_SEED 0xcbf29ce484222325ULL

#endif

/*
 * The benchmark kernels of bench/engine compiled natively into the test binary, each entry point
 * renamed so that all of them link together (see native_kernels.c).
 */
#ifndef BENCHENGINE_NATIVE_KERNELS_H
#define BENCHENGINE_NATIVE_KERNELS_H

#include <stdint.h>

int64_t native_hash_run(int32_t iterations);
int64_t native_matmul_run(int32_t iterations);
int64_t native_recurse_run(int32_t iterations);
int64_t native_scan_run(int32_t iterations);
int64_t native_sort_run(int32_t iterations);
int64_t native_tokenize_run(int32_t iterations);
int64_t native_vm_run(int32_t iterations);
int64_t native_small_module_run(int32_t iterations);

#endif

/*
 * Compiles the very sources of the benchmark kernels into the test binary (under the test build's
 * sanitizers), renaming each one's run() through KERNEL_RUN. The kernels keep their helpers
 * static and prefixed with their name, so they can share this one translation unit.
 */
#include "native_kernels.h"

#define KERNEL_RUN native_hash_run
#include "../../bench/engine/kernels/hash.c"
#undef KERNEL_RUN

#define KERNEL_RUN native_matmul_run
#include "../../bench/engine/kernels/matmul.c"
#undef KERNEL_RUN

#define KERNEL_RUN native_recurse_run
#include "../../bench/engine/kernels/recurse.c"
#undef KERNEL_RUN

#define KERNEL_RUN native_scan_run
#include "../../bench/engine/kernels/scan.c"
#undef KERNEL_RUN

#define KERNEL_RUN native_sort_run
#include "../../bench/engine/kernels/sort.c"
#undef KERNEL_RUN

#define KERNEL_RUN native_tokenize_run
#include "../../bench/engine/kernels/tokenize.c"
#undef KERNEL_RUN

#define KERNEL_RUN native_vm_run
#include "../../bench/engine/kernels/vm.c"
#undef KERNEL_RUN

#define KERNEL_RUN native_small_module_run
#include "../../bench/engine/small_module.c"
#undef KERNEL_RUN

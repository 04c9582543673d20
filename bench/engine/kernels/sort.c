/*
 * Kernel "sort": each iteration fills an array of 20,000 generated 32-bit integers (a fresh seed
 * per iteration) and sorts it with an introsort-style quicksort: median-of-three pivots, insertion
 * sort for short ranges, recursion only into the smaller half so the depth stays logarithmic.
 * Compares, swaps and unpredictable branches over a working set that fits in cache.
 */
#include "kernel.h"

#define SORT_ELEMENTS 20000u
#define SORT_INSERTION_MAX 16u
#define SORT_SEED 0x5047ULL

static uint32_t sort_data[SORT_ELEMENTS];

static void sort_insertion(uint32_t *a, uint32_t n)
{
    for (uint32_t i = 1; i < n; i++) {
        uint32_t v = a[i];
        uint32_t j = i;
        while (j > 0 && a[j - 1] > v) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = v;
    }
}

static inline void sort_swap(uint32_t *a, uint32_t i, uint32_t j)
{
    uint32_t t = a[i];
    a[i] = a[j];
    a[j] = t;
}

static void sort_quick(uint32_t *a, uint32_t n)
{
    while (n > SORT_INSERTION_MAX) {
        uint32_t mid = n / 2, last = n - 1;
        /* Median of three into a[mid], then Hoare partition around its value. */
        if (a[mid] < a[0])
            sort_swap(a, mid, 0);
        if (a[last] < a[0])
            sort_swap(a, last, 0);
        if (a[last] < a[mid])
            sort_swap(a, last, mid);
        uint32_t pivot = a[mid];
        uint32_t i = 0, j = last;
        for (;;) {
            while (a[i] < pivot)
                i++;
            while (a[j] > pivot)
                j--;
            if (i >= j)
                break;
            sort_swap(a, i, j);
            i++;
            j--;
        }
        /* [0, j] and [j + 1, n) are the two halves; recurse into the smaller one. */
        uint32_t left = j + 1, right = n - left;
        if (left < right) {
            sort_quick(a, left);
            a += left;
            n = right;
        } else {
            sort_quick(a + left, right);
            n = left;
        }
    }
    sort_insertion(a, n);
}

int64_t KERNEL_RUN(int32_t iterations)
{
    uint64_t sum = KERNEL_CHECKSUM_SEED;
    for (int32_t it = 0; it < iterations; it++) {
        uint64_t rng = SORT_SEED + (uint64_t)it;
        for (uint32_t i = 0; i < SORT_ELEMENTS; i++)
            sort_data[i] = (uint32_t)(kernel_rand_next(&rng) >> 32);
        sort_quick(sort_data, SORT_ELEMENTS);
        uint64_t weighted = 0;
        for (uint32_t i = 0; i < SORT_ELEMENTS; i++) {
            if (i > 0 && sort_data[i - 1] > sort_data[i])
                return -1; /* not sorted: a wrong answer must not pass as a checksum */
            weighted += (uint64_t)sort_data[i] * (i + 1);
        }
        sum = kernel_mix(sum, weighted);
    }
    return (int64_t)sum;
}

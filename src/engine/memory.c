/*
 * Linear memory. The whole address range a memory may ever need (its declared maximum, capped by
 * the 4 GiB of 32-bit addressing and by the embedder's limit) is reserved once with PROT_NONE,
 * and pages are made accessible as the memory grows, so the base address never moves and growth
 * never copies. Every access is still bounds-checked explicitly by the interpreter; the
 * protection is only a second line of defence.
 *
 * Below the base lies the dirty map (internal.h): one byte per 4 KiB granule, set by every store,
 * bulk operation, data segment and host access that may write, so that restoring a snapshot
 * copies back only what a request touched instead of the whole memory.
 */
#include "engine/internal.h"

#include <string.h>
#include <sys/mman.h>

/* The dirty map is rounded up to whole host pages, so that the memory's base stays page-aligned. */
#define MAP_ALIGN 4096u

eng_status eng_memory_init(eng_memory *mem, uint64_t min_pages, bool has_max, uint64_t max_pages,
                           uint64_t limit_bytes, eng_error *err)
{
    memset(mem, 0, sizeof *mem);
    uint64_t limit_pages = limit_bytes / ENG_PAGE_SIZE;
    if (min_pages > limit_pages) {
        eng_set_error(err, ENG_ERR_LIMIT,
                      "memory minimum of %llu pages exceeds the limit of %llu bytes",
                      (unsigned long long)min_pages, (unsigned long long)limit_bytes);
        return ENG_ERR_LIMIT;
    }
    uint64_t decl = has_max ? max_pages : ENG_MAX_PAGES;
    uint64_t cap = decl < limit_pages ? decl : limit_pages;
    if (cap > ENG_MAX_PAGES)
        cap = ENG_MAX_PAGES;
    mem->has_max = has_max;
    mem->decl_max = decl;
    mem->max_pages = cap;
    mem->reserved = cap * ENG_PAGE_SIZE;
    if (mem->reserved) {
        uint64_t map = (mem->reserved >> ENG_DIRTY_SHIFT) + MAP_ALIGN - 1;
        map -= map % MAP_ALIGN;
        void *p = mmap(NULL, map + mem->reserved, PROT_NONE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        /* one call opens the map and the minimum size */
        uint64_t opened = map + (min_pages <= cap ? min_pages : 0) * ENG_PAGE_SIZE;
        if (p == MAP_FAILED || mprotect(p, opened, PROT_READ | PROT_WRITE) != 0) {
            if (p != MAP_FAILED)
                munmap(p, map + mem->reserved);
            eng_set_error(err, ENG_ERR_NOMEM, "cannot reserve %llu bytes for linear memory",
                          (unsigned long long)mem->reserved);
            mem->reserved = 0;
            return ENG_ERR_NOMEM;
        }
        mem->map_bytes = map;
        mem->base = (uint8_t *)p + map;
        mem->size = opened - map;
    }
    if (min_pages && mem->size != min_pages * ENG_PAGE_SIZE) {
        eng_memory_release(mem);
        eng_set_error(err, ENG_ERR_NOMEM, "cannot commit %llu pages of linear memory",
                      (unsigned long long)min_pages);
        return ENG_ERR_NOMEM;
    }
    return ENG_OK;
}

void eng_memory_release(eng_memory *mem)
{
    if (mem->base)
        munmap(mem->base - mem->map_bytes, mem->map_bytes + mem->reserved);
    memset(mem, 0, sizeof *mem);
}

int64_t eng_memory_grow(eng_memory *mem, uint64_t delta)
{
    uint64_t old = mem->size / ENG_PAGE_SIZE;
    if (delta == 0)
        return (int64_t)old;
    if (delta > mem->max_pages || old + delta > mem->max_pages)
        return -1;
    uint64_t new_size = (old + delta) * ENG_PAGE_SIZE;
    if (new_size > mem->reserved)
        return -1;
    if (mprotect(mem->base + mem->size, new_size - mem->size, PROT_READ | PROT_WRITE) != 0)
        return -1;
    mem->size = new_size;
    return (int64_t)old;
}

void eng_memory_shrink(eng_memory *mem, uint64_t size)
{
    if (size >= mem->size)
        return;
    /* the granules beyond the new size are gone: so are their marks */
    uint64_t from = size >> ENG_DIRTY_SHIFT, to = mem->size >> ENG_DIRTY_SHIFT;
    memset(mem->base - to, 0, to - from);
    /* giving the pages back also zeroes them for the next growth */
    madvise(mem->base + size, mem->size - size, MADV_DONTNEED);
    mprotect(mem->base + size, mem->size - size, PROT_NONE);
    mem->size = size;
}

void eng_memory_mark_range(eng_memory *mem, uint64_t off, uint64_t len)
{
    if (len == 0)
        return;
    uint64_t first = off >> ENG_DIRTY_SHIFT, last = (off + len - 1) >> ENG_DIRTY_SHIFT;
    memset(mem->base - 1 - last, 1, last - first + 1);
}

void eng_memory_clear_marks(eng_memory *mem)
{
    uint64_t n = mem->size >> ENG_DIRTY_SHIFT;
    if (n)
        memset(mem->base - n, 0, n);
}

/* Copies granule g back from snap (and the first bytes of the next one, which a store that
 * crossed the boundary may have written without marking it). */
static void restore_granule(eng_memory *mem, const uint8_t *snap, uint64_t g, uint64_t ngran)
{
    uint64_t at = g << ENG_DIRTY_SHIFT;
    size_t n = ENG_DIRTY_GRANULE;
    if (g + 1 < ngran)
        n += ENG_DIRTY_SPILL;
    memcpy(mem->base + at, snap + at, n);
}

uint64_t eng_memory_restore(eng_memory *mem, const uint8_t *snap, uint64_t snap_size)
{
    if (mem->size > snap_size)
        eng_memory_shrink(mem, snap_size);
    if (mem->size < snap_size) {
        /* cannot happen (memories only grow, restore shrinks to the snapshot's size); if it
         * did, the whole memory is copied */
        eng_memory_grow(mem, (snap_size - mem->size) / ENG_PAGE_SIZE);
        if (mem->size != snap_size)
            return 0;
        eng_memory_mark_range(mem, 0, snap_size);
    }
    uint64_t ngran = snap_size >> ENG_DIRTY_SHIFT, copied = 0;
    if (ngran == 0)
        return 0;
    /* The map of granules [0, ngran) is the bytes [base - ngran, base), granule 0 last. It is
     * read a word at a time: requests usually dirty a few granules of many. */
    uint8_t *lo = mem->base - ngran, *p = lo;
    while (p < mem->base) {
        uint64_t w = 0;
        size_t k = (size_t)(mem->base - p) < sizeof w ? (size_t)(mem->base - p) : sizeof w;
        memcpy(&w, p, k);
        if (w) {
            for (size_t i = 0; i < k; i++) {
                if (p[i]) {
                    restore_granule(mem, snap, (uint64_t)(mem->base - 1 - (p + i)), ngran);
                    copied++;
                }
            }
            memset(p, 0, k);
        }
        p += k;
    }
    return copied;
}

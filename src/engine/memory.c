/*
 * Linear memory. The whole address range a memory may ever need (its declared maximum, capped by
 * the 4 GiB of 32-bit addressing and by the embedder's limit) is reserved once with PROT_NONE,
 * and pages are made accessible as the memory grows, so the base address never moves and growth
 * never copies. Every access is still bounds-checked explicitly by the interpreter; the
 * protection is only a second line of defence.
 */
#include "engine/internal.h"

#include <string.h>
#include <sys/mman.h>

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
        void *p = mmap(NULL, mem->reserved, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                       -1, 0);
        if (p == MAP_FAILED) {
            eng_set_error(err, ENG_ERR_NOMEM, "cannot reserve %llu bytes for linear memory",
                          (unsigned long long)mem->reserved);
            mem->reserved = 0;
            return ENG_ERR_NOMEM;
        }
        mem->base = p;
    }
    if (min_pages && eng_memory_grow(mem, min_pages) < 0) {
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
        munmap(mem->base, mem->reserved);
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
    /* giving the pages back also zeroes them for the next growth */
    madvise(mem->base + size, mem->size - size, MADV_DONTNEED);
    mprotect(mem->base + size, mem->size - size, PROT_NONE);
    mem->size = size;
}

/*
 * Snapshot restore copies back only the 4 KiB granules written since the snapshot (or the last
 * restore). These tests write memory in every way a guest or host can (stores of each width,
 * stores that straddle two granules, memory.fill/copy/init, growth, host writes through
 * eng_instance_memory) and check, byte for byte against a copy taken at the snapshot, that the
 * restored instance is exactly the snapshot, and that the restore copied exactly the granules
 * that were written (eng_instance_restored_bytes).
 */
#include "fixture.h"
#include "test.h"

#include <stdlib.h>

#define GRANULE 4096u
#define PAGE 65536u
#define INITIAL_BYTES (4u * PAGE)

typedef struct snap {
    fx f;
    uint8_t *copy; /* the memory at the snapshot */
    uint64_t size;
} snap;

/* Opens restore.wat, records its memory and takes the snapshot (which clears every mark). */
static snap snap_open(void)
{
    snap s;
    s.f = fx_open("restore", NULL, NULL);
    s.size = eng_instance_memory_size(s.f.instance);
    CHECK_UINT_EQ(s.size, INITIAL_BYTES);
    const uint8_t *m = eng_instance_memory(s.f.instance, 0, s.size);
    CHECK(m != NULL);
    s.copy = malloc(s.size);
    CHECK(s.copy != NULL);
    memcpy(s.copy, m, s.size);
    eng_error err = {0};
    CHECK_INT_EQ(eng_instance_snapshot(s.f.instance, &err), ENG_OK);
    return s;
}

static void snap_close(snap *s)
{
    free(s->copy);
    fx_close(&s->f);
}

static void call(snap *s, const char *name, eng_slot a, eng_slot b, eng_slot c, eng_slot d,
                 uint32_t nargs)
{
    eng_slot args[4] = {a, b, c, d};
    eng_error err = {0};
    CHECK_INT_EQ(fx_call(s->f.instance, name, args, nargs, NULL, 0, &err), ENG_OK);
}

/* Restores, checks the bytes copied, then checks that memory, size, global and table are the
 * snapshot's. Reading memory through the API marks it, so the check ends with a restore that
 * leaves the instance clean again. */
static void restore_and_check(snap *s, uint64_t want_bytes)
{
    eng_error err = {0};
    CHECK_INT_EQ(eng_instance_restore(s->f.instance, &err), ENG_OK);
    CHECK_UINT_EQ(eng_instance_restored_bytes(s->f.instance), want_bytes);
    CHECK_UINT_EQ(eng_instance_memory_size(s->f.instance), s->size);
    CHECK_UINT_EQ(fx_call_i32(s->f.instance, "size", NULL, 0), s->size / PAGE);
    const uint8_t *m = eng_instance_memory(s->f.instance, 0, s->size);
    CHECK(m != NULL);
    for (uint64_t i = 0; i < s->size; i++)
        CHECK_MSG(m[i] == s->copy[i], "byte %" PRIu64 " is 0x%02x, the snapshot has 0x%02x", i,
                  m[i], s->copy[i]);
    eng_valtype t;
    eng_slot g = 0;
    CHECK(eng_instance_get_global(s->f.instance, "g", &t, &g));
    CHECK_UINT_EQ((uint32_t)g, 17);
    CHECK_UINT_EQ(fx_call_i32(s->f.instance, "slot_is_null", NULL, 0), 1);
    CHECK_INT_EQ(eng_instance_restore(s->f.instance, &err), ENG_OK);
    CHECK_UINT_EQ(eng_instance_restored_bytes(s->f.instance), s->size);
}

TEST(test_restore_without_writes_copies_nothing)
{
    snap s = snap_open();
    eng_error err = {0};
    CHECK_INT_EQ(eng_instance_restore(s.f.instance, &err), ENG_OK);
    CHECK_UINT_EQ(eng_instance_restored_bytes(s.f.instance), 0);
    /* loads do not mark */
    eng_slot a = 70000;
    CHECK_UINT_EQ(fx_call_i32(s.f.instance, "load8", &a, 1), 0);
    CHECK_INT_EQ(eng_instance_restore(s.f.instance, &err), ENG_OK);
    CHECK_UINT_EQ(eng_instance_restored_bytes(s.f.instance), 0);
    snap_close(&s);
}

TEST(test_restore_after_writes_in_many_pages_copies_only_those_granules)
{
    snap s = snap_open();
    for (int round = 0; round < 3; round++) {
        /* one byte in every other granule of all four pages: 32 granules */
        call(&s, "store_every", 100, 2 * GRANULE, 32, 0xa5, 4);
        restore_and_check(&s, 32 * GRANULE);
        /* every granule, at its last byte (no spill into the next one) */
        call(&s, "store_every", GRANULE - 1, GRANULE, INITIAL_BYTES / GRANULE, 0x5a, 4);
        restore_and_check(&s, INITIAL_BYTES);
    }
    snap_close(&s);
}

TEST(test_restore_brings_back_stores_that_straddle_two_granules)
{
    snap s = snap_open();
    /* 8 bytes from 3 before a granule boundary: 3 bytes in granule 0, 5 in granule 1 (over the
     * "across granules" data at 4093) */
    call(&s, "store64", GRANULE - 3, UINT64_MAX, 0, 0, 2);
    restore_and_check(&s, GRANULE);
    call(&s, "store32", 3 * GRANULE - 1, 0xffffffffu, 0, 0, 2);
    call(&s, "store16", 5 * GRANULE - 1, 0xffffu, 0, 0, 2);
    restore_and_check(&s, 2 * GRANULE);
    /* f64.store offset=3 whose 8 bytes end at the memory's last byte (over "the end!") */
    eng_slot args[2] = {INITIAL_BYTES - 11, 0x7ff8000000000001ull};
    eng_error err = {0};
    CHECK_INT_EQ(fx_call(s.f.instance, "storef64", args, 2, NULL, 0, &err), ENG_OK);
    restore_and_check(&s, GRANULE);
    snap_close(&s);
}

TEST(test_restore_after_bulk_operations)
{
    snap s = snap_open();
    /* fill 10 granules' worth starting mid-granule: 11 granules touched */
    call(&s, "fill", GRANULE / 2, 0x77, 10 * GRANULE, 0, 3);
    restore_and_check(&s, 11 * GRANULE);
    /* copy page 0's start over page 2: the destination's granules only (3 bytes short of 2) */
    call(&s, "copy", 2 * PAGE, 0, 2 * GRANULE - 3, 0, 3);
    restore_and_check(&s, 2 * GRANULE);
    /* memory.init of the passive segment across a granule boundary */
    call(&s, "init", 7 * GRANULE - 10, 0, 20, 0, 3);
    restore_and_check(&s, 2 * GRANULE);
    /* zero-length operations write nothing */
    call(&s, "fill", 3 * GRANULE, 1, 0, 0, 3);
    call(&s, "copy", 3 * GRANULE, 0, 0, 0, 3);
    call(&s, "init", 3 * GRANULE, 0, 0, 0, 3);
    restore_and_check(&s, 0);
    snap_close(&s);
}

TEST(test_restore_after_grow_returns_to_the_snapshot_size_and_zeroes_the_rest)
{
    snap s = snap_open();
    for (int round = 0; round < 3; round++) {
        eng_slot n = 3;
        CHECK_UINT_EQ(fx_call_i32(s.f.instance, "grow", &n, 1), 4);
        call(&s, "store_every", PAGE + 5, PAGE, 6, 0xc3, 4); /* pages 1..6: 3 old, 3 new */
        call(&s, "fill", 5 * PAGE, 0xee, 2 * PAGE, 0, 3);
        call(&s, "set_g", 99, 0, 0, 0, 1);
        call(&s, "fill_slot", 0, 0, 0, 0, 0);
        restore_and_check(&s, 3 * GRANULE);
        /* the grown pages come back zeroed, unmarked */
        CHECK_UINT_EQ(fx_call_i32(s.f.instance, "grow", &n, 1), 4);
        for (uint32_t a = 4 * PAGE; a < 7 * PAGE; a += 997) {
            eng_slot addr = a;
            CHECK_UINT_EQ(fx_call_i32(s.f.instance, "load8", &addr, 1), 0);
        }
        eng_error err = {0};
        CHECK_INT_EQ(eng_instance_restore(s.f.instance, &err), ENG_OK);
        CHECK_UINT_EQ(eng_instance_restored_bytes(s.f.instance), 0);
    }
    snap_close(&s);
}

TEST(test_restore_brings_back_host_writes_through_the_memory_pointer)
{
    snap s = snap_open();
    uint8_t *p = eng_instance_memory(s.f.instance, 3 * PAGE + 10, 5000);
    CHECK(p != NULL);
    memset(p, 0xab, 5000);
    restore_and_check(&s, 2 * GRANULE);
    snap_close(&s);
}

/* A deterministic mix of every kind of write, restored after each batch. */
TEST(test_restore_after_random_writes_is_exactly_the_snapshot)
{
    snap s = snap_open();
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (int round = 0; round < 40; round++) {
        int writes = 1 + round % 7;
        for (int w = 0; w < writes; w++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            /* addresses cluster around granule boundaries a third of the time */
            uint32_t addr = (uint32_t)(x >> 8) % (INITIAL_BYTES - 8);
            if (x % 3 == 0)
                addr = (addr & ~(GRANULE - 1)) + GRANULE - 1 - (uint32_t)(x >> 40) % 8;
            if (addr > INITIAL_BYTES - 8)
                addr = INITIAL_BYTES - 8;
            switch ((x >> 50) % 6) {
            case 0:
                call(&s, "store8", addr, (uint32_t)x, 0, 0, 2);
                break;
            case 1:
                call(&s, "store16", addr, (uint32_t)x, 0, 0, 2);
                break;
            case 2:
                call(&s, "store32", addr, (uint32_t)x, 0, 0, 2);
                break;
            case 3:
                call(&s, "store64", addr, x, 0, 0, 2);
                break;
            case 4: {
                uint32_t n = (uint32_t)(x >> 20) % (3 * GRANULE);
                if (n > INITIAL_BYTES - addr)
                    n = INITIAL_BYTES - addr;
                call(&s, "fill", addr, (uint32_t)x, n, 0, 3);
                break;
            }
            default: {
                uint32_t n = (uint32_t)(x >> 20) % (2 * GRANULE);
                uint32_t src = (uint32_t)(x >> 12) % (INITIAL_BYTES - n);
                if (n > INITIAL_BYTES - addr)
                    n = INITIAL_BYTES - addr;
                call(&s, "copy", addr, src, n, 0, 3);
                break;
            }
            }
        }
        eng_error err = {0};
        CHECK_INT_EQ(eng_instance_restore(s.f.instance, &err), ENG_OK);
        CHECK(eng_instance_restored_bytes(s.f.instance) <= (uint64_t)writes * 4 * GRANULE);
        const uint8_t *m = eng_instance_memory(s.f.instance, 0, s.size);
        CHECK(m != NULL);
        CHECK_MSG(memcmp(m, s.copy, s.size) == 0, "round %d: memory differs from the snapshot",
                  round);
        CHECK_INT_EQ(eng_instance_restore(s.f.instance, &err), ENG_OK);
    }
    snap_close(&s);
}

/* The embedder reads results through eng_instance_memory_read: reading must not make the next
 * restore copy anything, while the writable pointer to the same range counts it as written. */
TEST(test_reading_through_the_read_only_pointer_marks_nothing)
{
    snap s = snap_open();
    const uint8_t *r = eng_instance_memory_read(s.f.instance, 3 * PAGE + 10, 5000);
    CHECK(r != NULL);
    CHECK(memcmp(r, s.copy + 3 * PAGE + 10, 5000) == 0);
    CHECK(eng_instance_memory_read(s.f.instance, 0, INITIAL_BYTES) != NULL);
    CHECK(eng_instance_memory_read(s.f.instance, INITIAL_BYTES, 0) != NULL);
    CHECK(eng_instance_memory_read(s.f.instance, INITIAL_BYTES - 3, 4) == NULL);
    CHECK(eng_instance_memory_read(s.f.instance, UINT64_MAX, 2) == NULL);
    CHECK(eng_instance_memory_read(s.f.instance, 2, UINT64_MAX) == NULL);
    CHECK(eng_instance_memory_read(NULL, 0, 1) == NULL);
    eng_error err = {0};
    CHECK_INT_EQ(eng_instance_restore(s.f.instance, &err), ENG_OK);
    CHECK_UINT_EQ(eng_instance_restored_bytes(s.f.instance), 0);
    CHECK(eng_instance_memory(s.f.instance, 3 * PAGE + 10, 5000) != NULL);
    CHECK_INT_EQ(eng_instance_restore(s.f.instance, &err), ENG_OK);
    CHECK_UINT_EQ(eng_instance_restored_bytes(s.f.instance), 2 * GRANULE);
    snap_close(&s);
}

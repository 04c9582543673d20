/*
 * The interpreter: runs compiled code (ir.h) with threaded dispatch (computed goto).
 *
 * One C activation runs a whole call tree: a Wasm call pushes a call_frame on the instance's
 * frame array and jumps, it never recurses on the C stack, so call depth is bounded by
 * eng_limits.max_call_depth and not by the host's stack. Frames are windows of the instance's
 * value stack; a callee's window starts at its first argument in the caller's window, so
 * arguments are never copied and results land where the caller expects them.
 *
 * Fuel is a signed counter decremented once per straight-line run (by its FUEL instruction or
 * by the not-taken path of a conditional branch). The slow path is entered when it drops below
 * fuel_mark, which sits CHECK_INTERVAL units below the current value: there the real budget,
 * the interrupt flag and the deadline are checked, so the common path costs one subtraction and
 * one compare. Host calls and large bulk operations pull fuel_mark up so that the clock is read
 * at the next run.
 *
 * Registers of the loop: pc, fp (frame base), mem/memsize (memory 0 of the current instance,
 * reloaded after anything that may grow or switch it) and acc, the result of the last
 * value-producing instruction, which accumulator variants (ir.h) read instead of the frame.
 * The handlers of fused instructions live in exec_fused.inc and exec_fused_more.inc, included
 * inside run().
 */
#include "engine/internal.h"
#include "engine/ir.h"
#include "engine/numeric.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

/* Units of fuel between two looks at the clock and the interrupt flag. */
#define CHECK_INTERVAL 10000
/* A bulk memory or table operation larger than this many bytes makes the next FUEL instruction
 * look at the clock: one instruction may then have taken a long time. */
#define BULK_CHECK_BYTES (256u * 1024u)
#define UNLIMITED_FUEL (INT64_MAX / 2)

#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

typedef struct run_state {
    int64_t fuel;
    bool limited;
    uint64_t deadline_ns; /* 0 = none */
    eng_caller caller;
    char detail[sizeof(((eng_caller *)0)->message)];
} run_state;

/* Frames up to this many locals or constants are set up with inline stores: a call into
 * memset/memcpy costs more than the copy itself for the small frames of hot functions. */
#define FRAME_INLINE_SLOTS 16

/* Zeroes the declared locals and copies the constants of a new frame at fp. */
static inline void frame_setup(eng_slot *fp, const code_body *b)
{
    uint32_t nzero = b->nlocals - b->nparams;
    eng_slot *z = fp + b->nparams;
    if (nzero > FRAME_INLINE_SLOTS) {
        memset(z, 0, (size_t)nzero * sizeof *z);
    } else {
        for (uint32_t i = 0; i < nzero; i++)
            __atomic_store_n(&z[i], 0, __ATOMIC_RELAXED); /* kept a loop, not a memset call */
    }
    uint32_t nk = b->nconsts;
    eng_slot *k = fp + b->const_base;
    /* read once: the atomic stores would make the compiler reload it for every constant */
    const eng_slot *src = b->consts;
    if (nk > FRAME_INLINE_SLOTS) {
        memcpy(k, src, (size_t)nk * sizeof *k);
    } else {
        for (uint32_t i = 0; i < nk; i++)
            __atomic_store_n(&k[i], src[i], __ATOMIC_RELAXED);
    }
}

static eng_trap run(eng_instance *root, eng_func *entry, run_state *st, const int32_t **table_out);

const int32_t *eng_exec_handlers(void)
{
    /* The table is constant data inside run(), which hands it out without running anything. */
    const int32_t *t = NULL;
    run(NULL, NULL, NULL, &t);
    return t;
}

#define W32(v) ((eng_slot)(uint32_t)(v))
#define VU32(v) ((uint32_t)(v))
#define VI32(v) ((int32_t)(uint32_t)(v))
#define VU64(v) ((uint64_t)(v))
#define VI64(v) ((int64_t)(v))
#define S(i) fp[pc[i]]
#define U32(i) ((uint32_t)fp[pc[i]])

#ifdef ENG_PROFILE_OPS
#include "engine/exec_profile.inc"
#endif

/* Aligned so that the handlers' placement, to which the loop's speed is sensitive (see
 * docs/PERFORMANCE.md), does not shift with the size of the code linked before it. */
__attribute__((aligned(64))) static eng_trap run(eng_instance *root_arg, eng_func *entry,
                                                 run_state *st_arg, const int32_t **table_out)
{
    static const int32_t table[OP_COUNT] = {
#define IR_ADDR(name) [OP_##name] = (int32_t)((char *)&&L_##name - (char *)&&L_base),
        IR_OPS(IR_ADDR)
#undef IR_ADDR
    };
    if (table_out) {
        *table_out = table;
        return ENG_TRAP_NONE;
    }
    const char *const base = (const char *)&&L_base;
#ifdef ENG_PROFILE_OPS
    prof_init(table);
#define NEXT()                                                                                     \
    do {                                                                                           \
        prof_hit((int32_t)*pc);                                                                    \
        goto *(const void *)(base + (int32_t)*pc);                                                 \
    } while (0)
#else
#define NEXT() goto *(const void *)(base + (int32_t)*pc)
#endif

    /* The root instance and the run state are needed on slow paths only: read through volatile
     * pointers, they stay in memory and leave the registers to the handlers' state (pc, fp, acc,
     * fuel, the memory base and size). */
    eng_instance *volatile root = root_arg;
    run_state *volatile st = st_arg;
    /* the stack is the caller's; the code may belong to an instance it imported from */
    eng_instance *inst = entry->inst;
    call_frame *frames = root->frames;
    const uint32_t max_depth = root->limits.max_call_depth;
    uint32_t depth = 0;
    eng_slot *const stack_end = root->stack + root->stack_slots;
    eng_slot *fp = root->stack;
    const uint32_t *pc;
    uint8_t *mem;
    uint64_t memsize;
    eng_global **globals;
    int64_t fuel = st->fuel;
    int64_t fuel_mark;
    volatile eng_trap trap = ENG_TRAP_NONE; /* in memory: written on trap paths only */
    eng_slot acc = 0; /* the accumulator: the last result of a value-producing family */
    eng_func *callee;
    const code_body *callee_body;
    eng_slot *nfp;
    const uint32_t *ret_pc;

#define LOAD_INST()                                                                                \
    do {                                                                                           \
        mem = inst->mem ? inst->mem->base : NULL;                                                  \
        memsize = inst->mem ? inst->mem->size : 0;                                                 \
        globals = inst->globals;                                                                   \
    } while (0)
#define BULK_DONE(bytes)                                                                           \
    do {                                                                                           \
        if ((bytes) > BULK_CHECK_BYTES)                                                            \
            fuel_mark = INT64_MAX;                                                                 \
    } while (0)
/* One exit label per trap kind (at the end of run()), so that no handler has to keep the kind in
 * a register on its fast path. */
#define TRAP(k) goto trap_##k

    fuel_mark = fuel - CHECK_INTERVAL;
    if (st->limited && fuel_mark < 0)
        fuel_mark = 0;
    LOAD_INST();
    {
        const code_body *b = entry->body;
        if ((size_t)(stack_end - fp) < b->frame_slots)
            TRAP(ENG_TRAP_STACK_EXHAUSTED);
        frame_setup(fp, b);
        pc = b->code;
    }
    NEXT();

L_base:
L_FUEL:
    fuel -= (int64_t)pc[1];
    pc += 2;
    if (UNLIKELY(fuel < fuel_mark))
        goto fuel_slow;
    NEXT();
fuel_slow:
    /* pc already points past the charge: the run that does not fit is not started */
    if (st->limited && fuel < 0) {
        fuel = 0; /* the budget is spent */
        TRAP(ENG_TRAP_OUT_OF_FUEL);
    }
    if (atomic_load_explicit(&root->interrupt, memory_order_relaxed))
        TRAP(ENG_TRAP_INTERRUPTED);
    if (st->deadline_ns && now_ns() >= st->deadline_ns)
        TRAP(ENG_TRAP_DEADLINE);
    fuel_mark = fuel - CHECK_INTERVAL;
    if (st->limited && fuel_mark < 0)
        fuel_mark = 0;
    NEXT();
    /* A conditional branch charges the run that follows it when it is not taken (word k); a
     * taken branch (like JMP) always lands on a label, whose first instruction is the FUEL of
     * its run, so it continues there with a direct jump instead of a dispatch. */
#define NOT_TAKEN(k)                                                                               \
    do {                                                                                           \
        fuel -= (int64_t)pc[k];                                                                    \
        pc += (k) + 1;                                                                             \
        if (UNLIKELY(fuel < fuel_mark))                                                            \
            goto fuel_slow;                                                                        \
        NEXT();                                                                                    \
    } while (0)
L_JMP:
    pc += (int32_t)pc[1];
    goto L_FUEL;
L_BR_IF:
    if (U32(1)) {
        pc += (int32_t)pc[2];
        goto L_FUEL;
    }
    NOT_TAKEN(3);
L_BR_UNLESS:
    if (!U32(1)) {
        pc += (int32_t)pc[2];
        goto L_FUEL;
    }
    NOT_TAKEN(3);
L_BR_IF_A:
    if ((uint32_t)acc) {
        pc += (int32_t)pc[2];
        goto L_FUEL;
    }
    NOT_TAKEN(3);
L_BR_UNLESS_A:
    if (!(uint32_t)acc) {
        pc += (int32_t)pc[2];
        goto L_FUEL;
    }
    NOT_TAKEN(3);
    /* Each family macro defines the plain handler and its accumulator variants (ir.h). */
#define BRCMP(name, T, op)                                                                         \
    L_##name:                                                                                      \
    {                                                                                              \
        eng_slot x = S(1), y = S(2);                                                               \
        if (T(x) op T(y)) {                                                                        \
            pc += (int32_t)pc[3];                                                                  \
            goto L_FUEL;                                                                           \
        }                                                                                          \
        NOT_TAKEN(4);                                                                              \
    }                                                                                              \
    L_##name##_A:                                                                                  \
    {                                                                                              \
        eng_slot x = acc, y = S(2);                                                                \
        if (T(x) op T(y)) {                                                                        \
            pc += (int32_t)pc[3];                                                                  \
            goto L_FUEL;                                                                           \
        }                                                                                          \
        NOT_TAKEN(4);                                                                              \
    }                                                                                              \
    L_##name##_B:                                                                                  \
    {                                                                                              \
        eng_slot x = S(1), y = acc;                                                                \
        if (T(x) op T(y)) {                                                                        \
            pc += (int32_t)pc[3];                                                                  \
            goto L_FUEL;                                                                           \
        }                                                                                          \
        NOT_TAKEN(4);                                                                              \
    }
#define BRCMPK(name, T, op)                                                                        \
    L_##name##_K:                                                                                  \
    {                                                                                              \
        eng_slot x = S(1), y = pc[2];                                                              \
        if (T(x) op T(y)) {                                                                        \
            pc += (int32_t)pc[3];                                                                  \
            goto L_FUEL;                                                                           \
        }                                                                                          \
        NOT_TAKEN(4);                                                                              \
    }                                                                                              \
    L_##name##_K_A:                                                                                \
    {                                                                                              \
        eng_slot x = acc, y = pc[2];                                                               \
        if (T(x) op T(y)) {                                                                        \
            pc += (int32_t)pc[3];                                                                  \
            goto L_FUEL;                                                                           \
        }                                                                                          \
        NOT_TAKEN(4);                                                                              \
    }
    BRCMPK(BR_EQ, VU32, ==)
    BRCMPK(BR_NE, VU32, !=)
    BRCMPK(BR_LT_S, VI32, <)
    BRCMPK(BR_LT_U, VU32, <)
    BRCMPK(BR_GT_S, VI32, >)
    BRCMPK(BR_GT_U, VU32, >)
    BRCMPK(BR_LE_S, VI32, <=)
    BRCMPK(BR_LE_U, VU32, <=)
    BRCMPK(BR_GE_S, VI32, >=)
    BRCMPK(BR_GE_U, VU32, >=)
    BRCMP(BR_EQ, VU32, ==)
    BRCMP(BR_NE, VU32, !=)
    BRCMP(BR_LT_S, VI32, <)
    BRCMP(BR_LT_U, VU32, <)
    BRCMP(BR_GT_S, VI32, >)
    BRCMP(BR_GT_U, VU32, >)
    BRCMP(BR_LE_S, VI32, <=)
    BRCMP(BR_LE_U, VU32, <=)
    BRCMP(BR_GE_S, VI32, >=)
    BRCMP(BR_GE_U, VU32, >=)
    BRCMP(BR64_EQ, VU64, ==)
    BRCMP(BR64_NE, VU64, !=)
    BRCMP(BR64_LT_S, VI64, <)
    BRCMP(BR64_LT_U, VU64, <)
    BRCMP(BR64_GT_S, VI64, >)
    BRCMP(BR64_GT_U, VU64, >)
    BRCMP(BR64_LE_S, VI64, <=)
    BRCMP(BR64_LE_U, VU64, <=)
    BRCMP(BR64_GE_S, VI64, >=)
    BRCMP(BR64_GE_U, VU64, >=)
L_BR_TABLE : {
    uint32_t i = U32(1), n = pc[2];
    pc += (int32_t)pc[3 + (i < n ? i : n)];
    NEXT();
}
L_UNREACHABLE:
    TRAP(ENG_TRAP_UNREACHABLE);
L_MOV:
    fp[pc[1]] = fp[pc[2]];
    pc += 3;
    NEXT();
L_MOV2:
    fp[pc[1]] = fp[pc[2]];
    fp[pc[3]] = fp[pc[4]];
    pc += 5;
    NEXT();
#include "engine/exec_fused.inc"
#include "engine/exec_fused_more.inc"
L_SELECT:
    S(1) = U32(4) ? S(2) : S(3);
    pc += 5;
    NEXT();
L_GLOBAL_GET:
    S(2) = globals[pc[1]]->value;
    pc += 3;
    NEXT();
L_GLOBAL_SET:
    globals[pc[1]]->value = S(2);
    pc += 3;
    NEXT();

    /* ---- calls ---- */
L_CALL:
    /* a function of this module: it has a body and runs in this instance (ir.h), so the call
     * needs neither the function object nor the host and instance checks of do_call */
    memcpy(&callee_body, pc + 1, sizeof callee_body);
    nfp = fp + pc[3];
    ret_pc = pc + 4;
call_body : {
    /* callee_body runs in the current instance, with its frame at nfp */
    const code_body *b = callee_body;
    if (UNLIKELY(depth >= max_depth || (size_t)(stack_end - nfp) < b->frame_slots))
        TRAP(ENG_TRAP_STACK_EXHAUSTED);
    frames[depth].pc = ret_pc;
    frames[depth].fp = fp;
    frames[depth].inst = inst;
    depth++;
    frame_setup(nfp, b);
    fp = nfp;
    pc = b->code;
    goto L_FUEL; /* every function begins with its first run's charge */
}
L_CALL_IMPORT:
    callee = inst->funcs[pc[1]];
    nfp = fp + pc[2];
    ret_pc = pc + 3;
    goto do_call;
L_CALL_INDIRECT : {
    eng_table *t = inst->tables[pc[1]];
    uint32_t i = U32(3);
    if (UNLIKELY(i >= t->size))
        TRAP(ENG_TRAP_UNDEFINED_ELEMENT);
    callee = (eng_func *)(uintptr_t)t->elems[i];
    if (UNLIKELY(!callee))
        TRAP(ENG_TRAP_UNINITIALIZED_ELEMENT);
    const functype *want = &inst->module->types[pc[2]];
    if (UNLIKELY(callee->type != want && !eng_functype_equal(callee->type, want)))
        TRAP(ENG_TRAP_INDIRECT_TYPE_MISMATCH);
    nfp = fp + pc[4];
    ret_pc = pc + 5;
    goto do_call;
}
do_call:
    if (callee->body && callee->inst == inst) {
        callee_body = callee->body;
        goto call_body;
    }
    if (callee->body) {
        /* a function of another instance (an import of its export): the same, then switch */
        const code_body *b = callee->body;
        if (UNLIKELY(depth >= max_depth || (size_t)(stack_end - nfp) < b->frame_slots))
            TRAP(ENG_TRAP_STACK_EXHAUSTED);
        frames[depth].pc = ret_pc;
        frames[depth].fp = fp;
        frames[depth].inst = inst;
        depth++;
        frame_setup(nfp, b);
        fp = nfp;
        pc = b->code;
        if (callee->inst != inst) {
            inst = callee->inst;
            LOAD_INST();
        }
        goto L_FUEL; /* every function begins with its first run's charge */
    } else {
        const functype *t = callee->type;
        if (UNLIKELY((size_t)(stack_end - nfp) < (size_t)t->nparams + t->nresults))
            TRAP(ENG_TRAP_STACK_EXHAUSTED);
        eng_slot *res = nfp + t->nparams;
        st->caller.inst = inst;
        st->caller.has_message = false;
        eng_trap ht = callee->host(&st->caller, nfp, res, callee->host_data);
        if (ht != ENG_TRAP_NONE) {
            trap = ht;
            if (st->caller.has_message)
                snprintf(st->detail, sizeof st->detail, "%s", st->caller.message);
            goto trapped;
        }
        memmove(nfp, res, (size_t)t->nresults * sizeof *fp);
        pc = ret_pc;
        LOAD_INST();
        fuel_mark = INT64_MAX; /* the host may have taken long: look at the clock soon */
        NEXT();
    }
L_RET1:
    fp[0] = fp[pc[1]];
    goto L_RET;
L_RET:
    if (depth == 0)
        goto done;
    depth--;
    pc = frames[depth].pc;
    fp = frames[depth].fp;
    if (frames[depth].inst != inst) {
        /* mem and memsize follow memory.grow of the current instance and every host call, so
         * they are only stale when the return switches instances */
        inst = frames[depth].inst;
        LOAD_INST();
    }
    NEXT();

    /* ---- memory ---- */
#define LOAD_BODY(n, T, conv)                                                                      \
    uint64_t ea = (uint64_t)(uint32_t)x + pc[3];                                                   \
    if (UNLIKELY(ea + n > memsize))                                                                \
        TRAP(ENG_TRAP_MEMORY_OOB);                                                                 \
    T v;                                                                                           \
    memcpy(&v, mem + ea, n);                                                                       \
    acc = conv;                                                                                    \
    S(1) = acc;                                                                                    \
    pc += 4;                                                                                       \
    NEXT();
#define LOAD(name, n, T, conv)                                                                     \
    L_##name:                                                                                      \
    {                                                                                              \
        eng_slot x = S(2);                                                                         \
        LOAD_BODY(n, T, conv)                                                                      \
    }                                                                                              \
    L_##name##_A:                                                                                  \
    {                                                                                              \
        eng_slot x = acc;                                                                          \
        LOAD_BODY(n, T, conv)                                                                      \
    }
#define LOADK_BODY(n, T, conv)                                                                     \
    uint64_t ea = (uint64_t)(uint32_t)(x + pc[3]) + pc[4];                                         \
    if (UNLIKELY(ea + n > memsize))                                                                \
        TRAP(ENG_TRAP_MEMORY_OOB);                                                                 \
    T v;                                                                                           \
    memcpy(&v, mem + ea, n);                                                                       \
    acc = conv;                                                                                    \
    S(1) = acc;                                                                                    \
    pc += 5;                                                                                       \
    NEXT();
#define LOADK(name, n, T, conv)                                                                    \
    L_##name##_K:                                                                                  \
    {                                                                                              \
        eng_slot x = S(2);                                                                         \
        LOADK_BODY(n, T, conv)                                                                     \
    }                                                                                              \
    L_##name##_K_A:                                                                                \
    {                                                                                              \
        eng_slot x = acc;                                                                          \
        LOADK_BODY(n, T, conv)                                                                     \
    }
#define LOADX_BODY(n, T, conv)                                                                     \
    uint64_t ea = (uint64_t)(uint32_t)x + pc[4];                                                   \
    if (UNLIKELY(ea + n > memsize))                                                                \
        TRAP(ENG_TRAP_MEMORY_OOB);                                                                 \
    T v;                                                                                           \
    memcpy(&v, mem + ea, n);                                                                       \
    acc = conv;                                                                                    \
    S(1) = acc;                                                                                    \
    pc += 5;                                                                                       \
    NEXT();
#define LOADX(name, n, T, conv)                                                                    \
    L_##name##_X:                                                                                  \
    {                                                                                              \
        eng_slot x = S(2) + S(3);                                                                  \
        LOADX_BODY(n, T, conv)                                                                     \
    }                                                                                              \
    L_##name##_X_A:                                                                                \
    {                                                                                              \
        eng_slot x = acc + S(3);                                                                   \
        LOADX_BODY(n, T, conv)                                                                     \
    }                                                                                              \
    L_##name##_X_B:                                                                                \
    {                                                                                              \
        eng_slot x = S(2) + acc;                                                                   \
        LOADX_BODY(n, T, conv)                                                                     \
    }
/* The address sum is also kept in local w (ir.h, _XW and _KW). */
#define LOADW(name, n, T, conv)                                                                    \
    L_##name##_XW:                                                                                 \
    {                                                                                              \
        uint32_t w = U32(3) + U32(4);                                                              \
        S(2) = W32(w);                                                                             \
        uint64_t ea = (uint64_t)w + pc[5];                                                         \
        LOADW_BODY(n, T, conv)                                                                     \
    }                                                                                              \
    L_##name##_KW:                                                                                 \
    {                                                                                              \
        uint32_t w = U32(3) + pc[4];                                                               \
        S(2) = W32(w);                                                                             \
        uint64_t ea = (uint64_t)w + pc[5];                                                         \
        LOADW_BODY(n, T, conv)                                                                     \
    }
#define LOADW_BODY(n, T, conv)                                                                     \
    if (UNLIKELY(ea + n > memsize))                                                                \
        TRAP(ENG_TRAP_MEMORY_OOB);                                                                 \
    T v;                                                                                           \
    memcpy(&v, mem + ea, n);                                                                       \
    acc = conv;                                                                                    \
    S(1) = acc;                                                                                    \
    pc += 6;                                                                                       \
    NEXT();
#define LOAD2(name, n, T, conv)                                                                    \
    LOAD(name, n, T, conv) LOADK(name, n, T, conv) LOADX(name, n, T, conv) LOADW(name, n, T, conv)
    LOAD2(I32_LOAD, 4, uint32_t, v)
    LOAD2(I64_LOAD, 8, uint64_t, v)
    LOAD2(F32_LOAD, 4, uint32_t, v)
    LOAD2(F64_LOAD, 8, uint64_t, v)
    LOAD2(I32_LOAD8_S, 1, int8_t, W32((int32_t)v))
    LOAD2(I32_LOAD8_U, 1, uint8_t, v)
    LOAD2(I32_LOAD16_S, 2, int16_t, W32((int32_t)v))
    LOAD2(I32_LOAD16_U, 2, uint16_t, v)
    LOAD2(I64_LOAD8_S, 1, int8_t, (uint64_t)(int64_t)v)
    LOAD2(I64_LOAD8_U, 1, uint8_t, v)
    LOAD2(I64_LOAD16_S, 2, int16_t, (uint64_t)(int64_t)v)
    LOAD2(I64_LOAD16_U, 2, uint16_t, v)
    LOAD2(I64_LOAD32_S, 4, int32_t, (uint64_t)(int64_t)v)
    LOAD2(I64_LOAD32_U, 4, uint32_t, v)
#define STORE_BODY(n, T)                                                                           \
    uint64_t ea = (uint64_t)(uint32_t)x + pc[3];                                                   \
    if (UNLIKELY(ea + n > memsize))                                                                \
        TRAP(ENG_TRAP_MEMORY_OOB);                                                                 \
    T v = (T)y;                                                                                    \
    memcpy(mem + ea, &v, n);                                                                       \
    eng_memory_mark(mem, ea);                                                                      \
    pc += 4;                                                                                       \
    NEXT();
#define STORE(name, n, T)                                                                          \
    L_##name:                                                                                      \
    {                                                                                              \
        eng_slot x = S(1), y = S(2);                                                               \
        STORE_BODY(n, T)                                                                           \
    }                                                                                              \
    L_##name##_A:                                                                                  \
    {                                                                                              \
        eng_slot x = acc, y = S(2);                                                                \
        STORE_BODY(n, T)                                                                           \
    }                                                                                              \
    L_##name##_B:                                                                                  \
    {                                                                                              \
        eng_slot x = S(1), y = acc;                                                                \
        STORE_BODY(n, T)                                                                           \
    }
    STORE(I32_STORE, 4, uint32_t)
    STORE(I64_STORE, 8, uint64_t)
    STORE(F32_STORE, 4, uint32_t)
    STORE(F64_STORE, 8, uint64_t)
    STORE(I32_STORE8, 1, uint8_t)
    STORE(I32_STORE16, 2, uint16_t)
    STORE(I64_STORE8, 1, uint8_t)
    STORE(I64_STORE16, 2, uint16_t)
    STORE(I64_STORE32, 4, uint32_t)
L_MEMORY_SIZE:
    S(1) = W32(memsize / ENG_PAGE_SIZE);
    pc += 2;
    NEXT();
L_MEMORY_GROW : {
    int64_t old = eng_memory_grow(inst->mem, U32(2));
    S(1) = W32((int32_t)old);
    LOAD_INST();
    pc += 3;
    NEXT();
}
L_MEMORY_FILL : {
    uint64_t d = U32(1), n = U32(3);
    uint8_t v = (uint8_t)S(2);
    if (UNLIKELY(d + n > memsize))
        TRAP(ENG_TRAP_MEMORY_OOB);
    memset(mem + d, v, n);
    eng_memory_mark_range(inst->mem, d, n);
    BULK_DONE(n);
    pc += 4;
    NEXT();
}
L_MEMORY_COPY : {
    uint64_t d = U32(1), s = U32(2), n = U32(3);
    if (UNLIKELY(d + n > memsize || s + n > memsize))
        TRAP(ENG_TRAP_MEMORY_OOB);
    memmove(mem + d, mem + s, n);
    eng_memory_mark_range(inst->mem, d, n);
    BULK_DONE(n);
    pc += 4;
    NEXT();
}
L_MEMORY_INIT : {
    uint32_t seg = pc[1];
    uint64_t d = U32(2), s = U32(3), n = U32(4);
    const data_seg *ds = &inst->module->datas[seg];
    uint64_t len = inst->data_dropped[seg] ? 0 : ds->len;
    if (UNLIKELY(s + n > len || d + n > memsize))
        TRAP(ENG_TRAP_MEMORY_OOB);
    if (n)
        memcpy(mem + d, ds->bytes + s, n);
    eng_memory_mark_range(inst->mem, d, n);
    BULK_DONE(n);
    pc += 5;
    NEXT();
}
L_DATA_DROP:
    inst->data_dropped[pc[1]] = true;
    pc += 2;
    NEXT();

    /* ---- tables and references ---- */
L_TABLE_GET : {
    eng_table *t = inst->tables[pc[1]];
    uint32_t i = U32(3);
    if (UNLIKELY(i >= t->size))
        TRAP(ENG_TRAP_TABLE_OOB);
    S(2) = t->elems[i];
    pc += 4;
    NEXT();
}
L_TABLE_SET : {
    eng_table *t = inst->tables[pc[1]];
    uint32_t i = U32(2);
    if (UNLIKELY(i >= t->size))
        TRAP(ENG_TRAP_TABLE_OOB);
    t->elems[i] = S(3);
    pc += 4;
    NEXT();
}
L_TABLE_SIZE:
    S(2) = W32(inst->tables[pc[1]]->size);
    pc += 3;
    NEXT();
L_TABLE_GROW : {
    eng_slot init = S(3);
    uint32_t n = U32(4);
    int64_t old = eng_table_grow(inst->tables[pc[1]], n, init);
    S(2) = W32((int32_t)old);
    pc += 5;
    NEXT();
}
L_TABLE_FILL : {
    eng_table *t = inst->tables[pc[1]];
    uint64_t i = U32(2), n = U32(4);
    eng_slot v = S(3);
    if (UNLIKELY(i + n > t->size))
        TRAP(ENG_TRAP_TABLE_OOB);
    for (uint64_t k = 0; k < n; k++)
        t->elems[i + k] = v;
    BULK_DONE(n * sizeof(eng_slot));
    pc += 5;
    NEXT();
}
L_TABLE_COPY : {
    eng_table *dt = inst->tables[pc[1]], *stb = inst->tables[pc[2]];
    uint64_t d = U32(3), s = U32(4), n = U32(5);
    if (UNLIKELY(d + n > dt->size || s + n > stb->size))
        TRAP(ENG_TRAP_TABLE_OOB);
    if (n)
        memmove(dt->elems + d, stb->elems + s, n * sizeof(eng_slot));
    pc += 6;
    NEXT();
}
L_TABLE_INIT : {
    eng_table *t = inst->tables[pc[1]];
    uint32_t seg = pc[2];
    uint64_t d = U32(3), s = U32(4), n = U32(5);
    uint64_t len = inst->elem_len[seg];
    if (UNLIKELY(s + n > len || d + n > t->size))
        TRAP(ENG_TRAP_TABLE_OOB);
    if (n)
        memcpy(t->elems + d, inst->elem_items[seg] + s, n * sizeof(eng_slot));
    pc += 6;
    NEXT();
}
L_ELEM_DROP:
    inst->elem_len[pc[1]] = 0;
    pc += 2;
    NEXT();
L_REF_FUNC:
    S(2) = (eng_slot)(uintptr_t)inst->funcs[pc[1]];
    pc += 3;
    NEXT();

    /* ---- numeric ---- */
    /* UNS / BINS take a statement computing r from x (and y); it may trap. */
#define UNS(name, stmt)                                                                            \
    L_##name:                                                                                      \
    {                                                                                              \
        eng_slot x = S(2), r;                                                                      \
        stmt;                                                                                      \
        acc = r;                                                                                   \
        S(1) = r;                                                                                  \
        pc += 3;                                                                                   \
        NEXT();                                                                                    \
    }                                                                                              \
    L_##name##_A:                                                                                  \
    {                                                                                              \
        eng_slot x = acc, r;                                                                       \
        stmt;                                                                                      \
        acc = r;                                                                                   \
        S(1) = r;                                                                                  \
        pc += 3;                                                                                   \
        NEXT();                                                                                    \
    }
#define BINS(name, stmt)                                                                           \
    L_##name:                                                                                      \
    {                                                                                              \
        eng_slot x = S(2), y = S(3), r;                                                            \
        stmt;                                                                                      \
        acc = r;                                                                                   \
        S(1) = r;                                                                                  \
        pc += 4;                                                                                   \
        NEXT();                                                                                    \
    }                                                                                              \
    L_##name##_A:                                                                                  \
    {                                                                                              \
        eng_slot x = acc, y = S(3), r;                                                             \
        stmt;                                                                                      \
        acc = r;                                                                                   \
        S(1) = r;                                                                                  \
        pc += 4;                                                                                   \
        NEXT();                                                                                    \
    }                                                                                              \
    L_##name##_B:                                                                                  \
    {                                                                                              \
        eng_slot x = S(2), y = acc, r;                                                             \
        stmt;                                                                                      \
        acc = r;                                                                                   \
        S(1) = r;                                                                                  \
        pc += 4;                                                                                   \
        NEXT();                                                                                    \
    }
/* The same operators with a constant second operand carried in the code (ir.h, _K). */
#define BINK(name, e)                                                                              \
    L_##name##_K:                                                                                  \
    {                                                                                              \
        eng_slot x = S(2), y = pc[3];                                                              \
        acc = (e);                                                                                 \
        S(1) = acc;                                                                                \
        pc += 4;                                                                                   \
        NEXT();                                                                                    \
    }                                                                                              \
    L_##name##_K_A:                                                                                \
    {                                                                                              \
        eng_slot x = acc, y = pc[3];                                                               \
        acc = (e);                                                                                 \
        S(1) = acc;                                                                                \
        pc += 4;                                                                                   \
        NEXT();                                                                                    \
    }
#define BIN2(name, e) BINS(name, r = (e)) BINK(name, e)
#define UN(name, e) UNS(name, r = (e))
#define BIN(name, e) BINS(name, r = (e))
#define X32 VU32(x)
#define Y32 VU32(y)
#define XS32 VI32(x)
#define YS32 VI32(y)
#define XS64 VI64(x)
#define YS64 VI64(y)
#define XF f32_of(x)
#define YF f32_of(y)
#define XD f64_of(x)
#define YD f64_of(y)
    UN(I32_EQZ, X32 == 0)
    UN(I64_EQZ, x == 0)
    BIN2(I32_EQ, X32 == Y32)
    BIN2(I32_NE, X32 != Y32)
    BIN2(I32_LT_S, XS32 < YS32)
    BIN2(I32_LT_U, X32 < Y32)
    BIN2(I32_GT_S, XS32 > YS32)
    BIN2(I32_GT_U, X32 > Y32)
    BIN2(I32_LE_S, XS32 <= YS32)
    BIN2(I32_LE_U, X32 <= Y32)
    BIN2(I32_GE_S, XS32 >= YS32)
    BIN2(I32_GE_U, X32 >= Y32)
    BIN(I64_EQ, x == y)
    BIN(I64_NE, x != y)
    BIN(I64_LT_S, XS64 < YS64)
    BIN(I64_LT_U, x < y)
    BIN(I64_GT_S, XS64 > YS64)
    BIN(I64_GT_U, x > y)
    BIN(I64_LE_S, XS64 <= YS64)
    BIN(I64_LE_U, x <= y)
    BIN(I64_GE_S, XS64 >= YS64)
    BIN(I64_GE_U, x >= y)
    BIN(F32_EQ, XF == YF)
    BIN(F32_NE, XF != YF)
    BIN(F32_LT, XF < YF)
    BIN(F32_GT, XF > YF)
    BIN(F32_LE, XF <= YF)
    BIN(F32_GE, XF >= YF)
    BIN(F64_EQ, XD == YD)
    BIN(F64_NE, XD != YD)
    BIN(F64_LT, XD < YD)
    BIN(F64_GT, XD > YD)
    BIN(F64_LE, XD <= YD)
    BIN(F64_GE, XD >= YD)

    UN(I32_CLZ, X32 ? (uint32_t)__builtin_clz(X32) : 32)
    UN(I32_CTZ, X32 ? (uint32_t)__builtin_ctz(X32) : 32)
    UN(I32_POPCNT, (uint32_t)__builtin_popcount(X32))
    BIN2(I32_ADD, W32(X32 + Y32))
    BIN2(I32_SUB, W32(X32 - Y32))
    BIN2(I32_MUL, W32(X32 * Y32))
    BIN2(I32_AND, W32(X32 & Y32))
    BIN2(I32_OR, W32(X32 | Y32))
    BIN2(I32_XOR, W32(X32 ^ Y32))
    BIN2(I32_SHL, W32(X32 << (Y32 & 31)))
    BIN2(I32_SHR_S, W32(XS32 >> (Y32 & 31)))
    BIN2(I32_SHR_U, W32(X32 >> (Y32 & 31)))
    BIN2(I32_ROTL, W32((X32 << (Y32 & 31)) | (X32 >> ((32 - (Y32 & 31)) & 31))))
    BIN2(I32_ROTR, W32((X32 >> (Y32 & 31)) | (X32 << ((32 - (Y32 & 31)) & 31))))
    BINS(I32_DIV_S, {
        if (UNLIKELY(YS32 == 0))
            TRAP(ENG_TRAP_DIV_BY_ZERO);
        if (UNLIKELY(XS32 == INT32_MIN && YS32 == -1))
            TRAP(ENG_TRAP_INT_OVERFLOW);
        r = W32(XS32 / YS32);
    })
    BINS(I32_DIV_U, {
        if (UNLIKELY(Y32 == 0))
            TRAP(ENG_TRAP_DIV_BY_ZERO);
        r = W32(X32 / Y32);
    })
    BINS(I32_REM_S, {
        if (UNLIKELY(YS32 == 0))
            TRAP(ENG_TRAP_DIV_BY_ZERO);
        r = YS32 == -1 ? 0 : W32(XS32 % YS32);
    })
    BINS(I32_REM_U, {
        if (UNLIKELY(Y32 == 0))
            TRAP(ENG_TRAP_DIV_BY_ZERO);
        r = W32(X32 % Y32);
    })
    UN(I64_CLZ, x ? (uint64_t)__builtin_clzll(x) : 64)
    UN(I64_CTZ, x ? (uint64_t)__builtin_ctzll(x) : 64)
    UN(I64_POPCNT, (uint64_t)__builtin_popcountll(x))
    BIN(I64_ADD, x + y)
    BIN(I64_SUB, x - y)
    BIN(I64_MUL, x * y)
    BIN(I64_AND, x & y)
    BIN(I64_OR, x | y)
    BIN(I64_XOR, x ^ y)
    BIN(I64_SHL, x << (y & 63))
    BIN(I64_SHR_S, (uint64_t)(XS64 >> (y & 63)))
    BIN(I64_SHR_U, x >> (y & 63))
    BIN(I64_ROTL, (x << (y & 63)) | (x >> ((64 - (y & 63)) & 63)))
    BIN(I64_ROTR, (x >> (y & 63)) | (x << ((64 - (y & 63)) & 63)))
    BINS(I64_DIV_S, {
        if (UNLIKELY(y == 0))
            TRAP(ENG_TRAP_DIV_BY_ZERO);
        if (UNLIKELY(XS64 == INT64_MIN && YS64 == -1))
            TRAP(ENG_TRAP_INT_OVERFLOW);
        r = (uint64_t)(XS64 / YS64);
    })
    BINS(I64_DIV_U, {
        if (UNLIKELY(y == 0))
            TRAP(ENG_TRAP_DIV_BY_ZERO);
        r = x / y;
    })
    BINS(I64_REM_S, {
        if (UNLIKELY(y == 0))
            TRAP(ENG_TRAP_DIV_BY_ZERO);
        r = YS64 == -1 ? 0 : (uint64_t)(XS64 % YS64);
    })
    BINS(I64_REM_U, {
        if (UNLIKELY(y == 0))
            TRAP(ENG_TRAP_DIV_BY_ZERO);
        r = x % y;
    })
    UN(F32_ABS, W32(X32 & 0x7fffffffu))
    UN(F32_NEG, W32(X32 ^ 0x80000000u))
    UN(F32_CEIL, slot_f32(wasm_ceilf(XF)))
    UN(F32_FLOOR, slot_f32(wasm_floorf(XF)))
    UN(F32_TRUNC, slot_f32(wasm_truncf(XF)))
    UN(F32_NEAREST, slot_f32(wasm_nearestf(XF)))
    UN(F32_SQRT, slot_f32(sqrtf(XF)))
    BIN(F32_ADD, slot_f32(XF + YF))
    BIN(F32_SUB, slot_f32(XF - YF))
    BIN(F32_MUL, slot_f32(XF * YF))
    BIN(F32_DIV, slot_f32(XF / YF))
    BIN(F32_MIN, slot_f32(wasm_fminf(XF, YF)))
    BIN(F32_MAX, slot_f32(wasm_fmaxf(XF, YF)))
    BIN(F32_COPYSIGN, W32((X32 & 0x7fffffffu) | (Y32 & 0x80000000u)))
    UN(F64_ABS, x & 0x7fffffffffffffffull)
    UN(F64_NEG, x ^ 0x8000000000000000ull)
    UN(F64_CEIL, slot_f64(wasm_ceil(XD)))
    UN(F64_FLOOR, slot_f64(wasm_floor(XD)))
    UN(F64_TRUNC, slot_f64(wasm_trunc(XD)))
    UN(F64_NEAREST, slot_f64(wasm_nearest(XD)))
    UN(F64_SQRT, slot_f64(sqrt(XD)))
    BIN(F64_ADD, slot_f64(XD + YD))
    BIN(F64_SUB, slot_f64(XD - YD))
    BIN(F64_MUL, slot_f64(XD * YD))
    BIN(F64_DIV, slot_f64(XD / YD))
    BIN(F64_MIN, slot_f64(wasm_fmin(XD, YD)))
    BIN(F64_MAX, slot_f64(wasm_fmax(XD, YD)))
    BIN(F64_COPYSIGN, (x & 0x7fffffffffffffffull) | (y & 0x8000000000000000ull))

    UN(I32_WRAP_I64, W32(x))
#define TRUNC(name, src, fits, T, out)                                                             \
    UNS(name, {                                                                                    \
        double d = src;                                                                            \
        if (UNLIKELY(isnan(d)))                                                                    \
            TRAP(ENG_TRAP_INVALID_CONVERSION);                                                     \
        if (UNLIKELY(!fits(d)))                                                                    \
            TRAP(ENG_TRAP_INT_OVERFLOW);                                                           \
        r = out((T)d);                                                                             \
    })
    TRUNC(I32_TRUNC_F32_S, XF, fits_i32_s, int32_t, W32)
    TRUNC(I32_TRUNC_F32_U, XF, fits_i32_u, uint32_t, W32)
    TRUNC(I32_TRUNC_F64_S, XD, fits_i32_s, int32_t, W32)
    TRUNC(I32_TRUNC_F64_U, XD, fits_i32_u, uint32_t, W32)
    TRUNC(I64_TRUNC_F32_S, XF, fits_i64_s, int64_t, (uint64_t))
    TRUNC(I64_TRUNC_F32_U, XF, fits_i64_u, uint64_t, (uint64_t))
    TRUNC(I64_TRUNC_F64_S, XD, fits_i64_s, int64_t, (uint64_t))
    TRUNC(I64_TRUNC_F64_U, XD, fits_i64_u, uint64_t, (uint64_t))
    UN(I64_EXTEND_I32_S, (uint64_t)(int64_t)XS32)
    UN(I64_EXTEND_I32_U, (uint64_t)X32)
    UN(F32_CONVERT_I32_S, slot_f32((float)XS32))
    UN(F32_CONVERT_I32_U, slot_f32((float)X32))
    UN(F32_CONVERT_I64_S, slot_f32((float)XS64))
    UN(F32_CONVERT_I64_U, slot_f32((float)x))
    UN(F32_DEMOTE_F64, slot_f32((float)XD))
    UN(F64_CONVERT_I32_S, slot_f64((double)XS32))
    UN(F64_CONVERT_I32_U, slot_f64((double)X32))
    UN(F64_CONVERT_I64_S, slot_f64((double)XS64))
    UN(F64_CONVERT_I64_U, slot_f64((double)x))
    UN(F64_PROMOTE_F32, slot_f64((double)XF))
    UN(I32_EXTEND8_S, W32((int32_t)(int8_t)X32))
    UN(I32_EXTEND16_S, W32((int32_t)(int16_t)X32))
    UN(I64_EXTEND8_S, (uint64_t)(int64_t)(int8_t)x)
    UN(I64_EXTEND16_S, (uint64_t)(int64_t)(int16_t)x)
    UN(I64_EXTEND32_S, (uint64_t)(int64_t)(int32_t)x)
    UN(I32_TRUNC_SAT_F32_S, W32(sat_i32_s(XF)))
    UN(I32_TRUNC_SAT_F32_U, W32(sat_i32_u(XF)))
    UN(I32_TRUNC_SAT_F64_S, W32(sat_i32_s(XD)))
    UN(I32_TRUNC_SAT_F64_U, W32(sat_i32_u(XD)))
    UN(I64_TRUNC_SAT_F32_S, (uint64_t)sat_i64_s(XF))
    UN(I64_TRUNC_SAT_F32_U, sat_i64_u(XF))
    UN(I64_TRUNC_SAT_F64_S, (uint64_t)sat_i64_s(XD))
    UN(I64_TRUNC_SAT_F64_U, sat_i64_u(XD))

#define TRAP_EXIT(k)                                                                               \
    trap_##k : trap = k;                                                                           \
    goto trapped;
    TRAP_EXIT(ENG_TRAP_UNREACHABLE)
    TRAP_EXIT(ENG_TRAP_MEMORY_OOB)
    TRAP_EXIT(ENG_TRAP_TABLE_OOB)
    TRAP_EXIT(ENG_TRAP_UNDEFINED_ELEMENT)
    TRAP_EXIT(ENG_TRAP_UNINITIALIZED_ELEMENT)
    TRAP_EXIT(ENG_TRAP_INDIRECT_TYPE_MISMATCH)
    TRAP_EXIT(ENG_TRAP_DIV_BY_ZERO)
    TRAP_EXIT(ENG_TRAP_INT_OVERFLOW)
    TRAP_EXIT(ENG_TRAP_INVALID_CONVERSION)
    TRAP_EXIT(ENG_TRAP_STACK_EXHAUSTED)
    TRAP_EXIT(ENG_TRAP_OUT_OF_FUEL)
    TRAP_EXIT(ENG_TRAP_DEADLINE)
    TRAP_EXIT(ENG_TRAP_INTERRUPTED)
trapped:
    st->fuel = fuel;
    return trap;
done:
    st->fuel = fuel;
    return ENG_TRAP_NONE;

}

/* The value stack and frame array are made on first use and sized by the instance's limits. */
static eng_status ensure_stack(eng_instance *inst, eng_error *err)
{
    size_t slots = inst->limits.max_stack_slots ? inst->limits.max_stack_slots : 1;
    if (!inst->stack || inst->stack_slots != slots) {
        if (inst->stack)
            munmap(inst->stack, inst->stack_map_bytes);
        inst->stack = NULL;
        size_t bytes = slots * sizeof(eng_slot);
        void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED) {
            eng_set_error(err, ENG_ERR_NOMEM, "cannot map a value stack of %zu slots", slots);
            return ENG_ERR_NOMEM;
        }
        inst->stack = p;
        inst->stack_slots = slots;
        inst->stack_map_bytes = bytes;
    }
    uint32_t depth = inst->limits.max_call_depth;
    if (!inst->frames || inst->nframes_alloc != depth) {
        call_frame *f = realloc(inst->frames, ((size_t)depth + 1) * sizeof *f);
        if (!f) {
            eng_set_error(err, ENG_ERR_NOMEM, "cannot allocate %u call frames", depth);
            return ENG_ERR_NOMEM;
        }
        inst->frames = f;
        inst->nframes_alloc = depth;
    }
    return ENG_OK;
}

eng_status eng_exec_call(eng_instance *inst, eng_func *f, const eng_slot *args, eng_slot *results,
                         eng_error *err)
{
    if (inst->running) {
        eng_set_error(err, ENG_ERR_ARG, "re-entrant call: the instance is already running");
        return ENG_ERR_ARG;
    }
    eng_status s = ensure_stack(inst, err);
    if (s != ENG_OK)
        return s;
    const functype *t = f->type;
    if ((size_t)t->nparams + t->nresults > inst->stack_slots) {
        eng_set_trap(err, ENG_TRAP_STACK_EXHAUSTED, "arguments exceed the value stack");
        return ENG_ERR_TRAP;
    }
    run_state st;
    memset(&st, 0, sizeof st);
    st.limited = inst->fuel_budget != 0;
    st.fuel = st.limited ? (int64_t)(inst->fuel_budget > (uint64_t)UNLIMITED_FUEL
                                         ? (uint64_t)UNLIMITED_FUEL
                                         : inst->fuel_budget)
                         : UNLIMITED_FUEL;
    int64_t start_fuel = st.fuel;
    if (inst->limits.deadline_us)
        st.deadline_ns = now_ns() + inst->limits.deadline_us * 1000ull;
    inst->running = true;
    eng_trap trap;
    if (t->nparams)
        memcpy(inst->stack, args, (size_t)t->nparams * sizeof(eng_slot));
    if (f->body) {
        trap = run(inst, f, &st, NULL);
    } else {
        st.caller.inst = inst;
        trap = f->host(&st.caller, inst->stack, inst->stack + t->nparams, f->host_data);
        if (trap == ENG_TRAP_NONE)
            memmove(inst->stack, inst->stack + t->nparams, (size_t)t->nresults * sizeof(eng_slot));
        else if (st.caller.has_message)
            snprintf(st.detail, sizeof st.detail, "%s", st.caller.message);
    }
    inst->running = false;
    atomic_store(&inst->interrupt, false);
    uint64_t used = (uint64_t)(start_fuel - st.fuel);
    inst->fuel_used = used;
    inst->fuel_left = st.limited ? (uint64_t)st.fuel : 0;
    if (trap != ENG_TRAP_NONE) {
        eng_set_trap(err, trap, st.detail);
        if (err && trap == ENG_TRAP_EXIT)
            err->exit_code = st.caller.exit_code;
        return ENG_ERR_TRAP;
    }
    if (t->nresults)
        memcpy(results, inst->stack, (size_t)t->nresults * sizeof(eng_slot));
    return ENG_OK;
}

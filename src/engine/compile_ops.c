/*
 * Validation and compilation of the instruction families that are not control flow: numeric
 * operators, memory and table access, bulk operations, references, select and calls.
 */
#include "engine/compile.h"

#include <stdlib.h>
#include <string.h>

/* ---- instruction families ---- */

void cc_unop(cc *c, int op, eng_valtype in, eng_valtype out)
{
    operand a = cc_pop(c, in);
    if (!cc_dead(c)) {
        cc_emit_vop(c, op, a.loc, NO_POS);
        cc_emit_dst(c, cc_canon(c, c->height));
        cc_emit_src(c, a.loc);
        c->acc_slot = cc_canon(c, c->height);
    }
    cc_push_canon(c, out);
}

/* The form of an i32 operator with a constant second operand, or -1; *commutes when the
 * constant may equally be the first operand. */
static int k_form(int op, bool *commutes)
{
    *commutes = false;
    switch (op) {
#define K(name, comm)                                                                              \
    case OP_##name:                                                                                \
        *commutes = comm;                                                                          \
        return OP_##name##_K;
        // clang-format off
        K(I32_ADD, true) K(I32_SUB, false) K(I32_MUL, true) K(I32_AND, true) K(I32_OR, true)
        K(I32_XOR, true) K(I32_SHL, false) K(I32_SHR_S, false) K(I32_SHR_U, false)
        K(I32_ROTL, false) K(I32_ROTR, false) K(I32_EQ, true) K(I32_NE, true)
        K(I32_LT_S, false) K(I32_LT_U, false) K(I32_GT_S, false) K(I32_GT_U, false)
        K(I32_LE_S, false) K(I32_LE_U, false) K(I32_GE_S, false) K(I32_GE_U, false)
    default:
        return -1;
        // clang-format on
    }
#undef K
}

/* The fused form of a commutative i32 operator op whose operand was computed by last (a
 * rotate or shift by a constant), or -1. */
static int fused_k_form(int op, int last)
{
    int inner;
    switch (last) {
    case OP_I32_ROTL_K:
        inner = 0;
        break;
    case OP_I32_ROTR_K:
        inner = 1;
        break;
    case OP_I32_SHL_K:
        inner = 2;
        break;
    case OP_I32_SHR_U_K:
        inner = 3;
        break;
    default:
        return -1;
    }
    switch (op) {
    case OP_I32_XOR:
        return OP_I32_XOR_ROTL_K + inner;
    case OP_I32_ADD:
        return OP_I32_ADD_ROTL_K + inner;
    case OP_I32_OR:
        return OP_I32_OR_ROTL_K + inner;
    case OP_I32_AND:
        return OP_I32_AND_ROTL_K + inner;
    default:
        return -1;
    }
}

void cc_binop(cc *c, int op, eng_valtype in, eng_valtype out)
{
    operand b = cc_pop(c, in);
    operand a = cc_pop(c, in);
    bool commutes;
    int kop = k_form(op, &commutes);
    if (kop >= 0 && !cc_dead(c)) {
        if (!(b.loc & CONST_TAG) && commutes && (a.loc & CONST_TAG)) {
            operand t = a;
            a = b;
            b = t;
        }
        if ((b.loc & CONST_TAG) && !(a.loc & CONST_TAG)) {
            cc_emit_vop(c, kop, a.loc, NO_POS);
            cc_emit_dst(c, cc_canon(c, c->height));
            cc_emit_src(c, a.loc);
            cc_emit(c, (uint32_t)c->consts[b.loc & ~SLOT_TAGS]);
            c->acc_slot = cc_canon(c, c->height);
            cc_push_canon(c, out);
            return;
        }
    }
    if (op == OP_I32_ADD && !cc_dead(c) &&
        (cc_fuse_add_load(c, a.loc, b.loc) || cc_fuse_add3(c, a.loc, b.loc))) {
        cc_push_canon(c, out);
        return;
    }
    if (op == OP_I64_MUL && !cc_dead(c) && cc_fuse_xor_mul(c, a.loc, b.loc)) {
        cc_push_canon(c, out);
        return;
    }
    if (op == OP_I64_AND && !cc_dead(c) && cc_fuse_extend_and(c, a.loc, b.loc)) {
        cc_push_canon(c, out);
        return;
    }
    if (op == OP_I32_XOR && !cc_dead(c) && cc_fuse_sigma(c, a.loc, b.loc)) {
        cc_push_canon(c, out);
        return;
    }
    int fop = fused_k_form(op, c->last_op);
    if (fop >= 0 && !cc_dead(c) && c->last_dst_pos != NO_POS) {
        /* one operand was just computed as x OP1 k and nothing else uses it */
        uint32_t t = c->code[c->last_dst_pos], other = NO_POS;
        if (t == b.loc && b.loc == cc_canon(c, c->height + 1))
            other = a.loc;
        else if (t == a.loc && a.loc == cc_canon(c, c->height) && b.loc != a.loc)
            other = b.loc;
        if (other != NO_POS) {
            uint32_t at = c->last_op_pos, x = c->code[at + 2], k = c->code[at + 3];
            cc_unemit_last(c);
            cc_emit_op(c, fop);
            cc_emit_dst(c, cc_canon(c, c->height));
            cc_emit_src(c, other);
            cc_emit_src(c, x);
            cc_emit(c, k);
            c->acc_slot = cc_canon(c, c->height);
            cc_push_canon(c, out);
            return;
        }
    }
    if (op == OP_F64_ADD && !cc_dead(c) && c->last_op == OP_F64_MUL && c->last_dst_pos != NO_POS &&
        c->code[c->last_dst_pos] == b.loc && b.loc == cc_canon(c, c->height + 1)) {
        /* a + x * y where the product was just computed and nothing else uses it: one
         * instruction (the accumulator still holds what it held before the multiplication) */
        uint32_t at = c->last_op_pos, x = c->code[at + 2], y = c->code[at + 3];
        cc_history hist = cc_history_of(c);
        cc_unemit_last(c);
        bool y_acc = c->acc_slot != NO_POS && y == c->acc_slot;
        cc_emit_op(c, y_acc ? OP_F64_MULADD_Y : OP_F64_MULADD);
        cc_emit_dst(c, cc_canon(c, c->height));
        cc_emit_src(c, a.loc);
        cc_emit_src(c, x);
        cc_emit_src(c, y);
        c->acc_slot = cc_canon(c, c->height);
        cc_restore_history(c, hist);
        cc_push_canon(c, out);
        return;
    }
    if (!cc_dead(c)) {
        cc_emit_vop(c, op, a.loc, b.loc);
        cc_emit_dst(c, cc_canon(c, c->height));
        cc_emit_src(c, a.loc);
        cc_emit_src(c, b.loc);
        c->acc_slot = cc_canon(c, c->height);
    }
    cc_push_canon(c, out);
}

void cc_need_memory(cc *c)
{
    if (c->m->nmems == 0)
        FAIL(c, "unknown memory 0");
}

uint32_t cc_read_memarg(cc *c, uint32_t natural_log2)
{
    size_t at = rd_offset(&c->r);
    uint32_t align = rd_u32(&c->r);
    uint32_t offset = rd_u32(&c->r);
    if (c->r.failed)
        return 0;
    if (align >= 64) {
        rd_fail_at(&c->r, ENG_ERR_UNSUPPORTED, at,
                   "unsupported feature: multi-memory (memory index in memarg)");
        return 0;
    }
    cc_need_memory(c);
    if (!c->r.failed && align > natural_log2)
        rd_fail_at(&c->r, ENG_ERR_INVALID, at, "alignment must not be larger than natural");
    return offset;
}

/* The I32_LOAD_K just emitted (at x + k + offset) as sop (I32_LOAD_SK or I32_LOAD8_U_SK) when
 * the instruction before it computed x as a constant left shift (a table entry at a scaled
 * index): one instruction at the shift's place that still writes the shifted value, which may
 * be a local that stays live. */
static void fuse_shifted_base(cc *c, int sop, uint32_t x, uint32_t k, uint32_t offset)
{
    uint32_t sp = c->prev_op_pos, d = c->code[c->last_op_pos + 1];
    if (c->prev_op != OP_I32_SHL_K || sp + 4 != c->last_op_pos || c->code[sp + 1] != x ||
        c->len != c->last_op_pos + 5)
        return;
    bool x_acc = c->code[sp] == (uint32_t)c->handlers[OP_I32_SHL_K_A];
    uint32_t sx = c->code[sp + 2], s = c->code[sp + 3];
    c->len = sp;
    while (c->nfixups && c->fixups[c->nfixups - 1] >= sp)
        c->nfixups--;
    cc_emit_op(c, x_acc ? sop + 1 : sop);
    cc_emit_dst(c, d);
    cc_emit_src(c, x);
    cc_emit_src(c, sx);
    cc_emit(c, s);
    cc_emit(c, k);
    cc_emit(c, offset);
    c->acc_before = x_acc ? sx : NO_POS;
    c->acc_slot = d;
    c->prev_op = c->prev2_op = -1;
}

void cc_load(cc *c, int op, eng_valtype t, uint32_t natural)
{
    uint32_t offset = cc_read_memarg(c, natural);
    operand a = cc_pop(c, ENG_I32);
    cc_history hist = cc_history_of(c); /* a fused load replaces the address's i32.add */
    if (!cc_dead(c) && c->last_op == OP_I32_ADD_K && c->last_dst_pos != NO_POS &&
        c->code[c->last_dst_pos] == a.loc && a.loc == cc_canon(c, c->height)) {
        /* the address was just computed as x + k and nothing else uses it: one instruction */
        uint32_t at = c->last_op_pos, x = c->code[at + 2], k = c->code[at + 3];
        cc_unemit_last(c);
        cc_emit_vop(c, op - OP_I32_LOAD + OP_I32_LOAD_K, x, NO_POS);
        cc_emit_dst(c, cc_canon(c, c->height));
        cc_emit_src(c, x);
        cc_emit(c, k);
        cc_emit(c, offset);
        c->acc_slot = cc_canon(c, c->height);
        cc_restore_history(c, hist);
        if (op == OP_I32_LOAD || op == OP_I32_LOAD8_U)
            fuse_shifted_base(c, op == OP_I32_LOAD ? OP_I32_LOAD_SK : OP_I32_LOAD8_U_SK, x, k,
                              offset);
    } else if (!cc_dead(c) && (op == OP_I32_LOAD || op == OP_I64_LOAD) &&
               c->last_op == OP_I32_ADD_SHL_K && c->len == c->last_op_pos + 5 &&
               c->code[c->last_op_pos + 1] == a.loc && a.loc == cc_canon(c, c->height)) {
        /* the address was just computed as a + (x << s) and nothing else uses it: one
         * instruction (an array element at an index) */
        uint32_t at = c->last_op_pos, b = c->code[at + 2], x = c->code[at + 3], s = c->code[at + 4];
        cc_unemit_last(c);
        cc_emit_op(c, op == OP_I32_LOAD ? OP_I32_LOAD_AS : OP_I64_LOAD_AS);
        cc_emit_dst(c, cc_canon(c, c->height));
        cc_emit_src(c, b);
        cc_emit_src(c, x);
        cc_emit(c, s);
        cc_emit(c, offset);
        c->acc_slot = cc_canon(c, c->height);
        cc_restore_history(c, hist);
    } else if (!cc_dead(c) && c->last_op == OP_I32_ADD && c->last_dst_pos != NO_POS &&
               c->code[c->last_dst_pos] == a.loc && a.loc == cc_canon(c, c->height)) {
        /* the address was just computed as x + y and nothing else uses it: one instruction */
        uint32_t at = c->last_op_pos, x = c->code[at + 2], y = c->code[at + 3];
        cc_unemit_last(c);
        cc_emit_vop(c, op - OP_I32_LOAD + OP_I32_LOAD_X, x, y);
        cc_emit_dst(c, cc_canon(c, c->height));
        cc_emit_src(c, x);
        cc_emit_src(c, y);
        cc_emit(c, offset);
        c->acc_slot = cc_canon(c, c->height);
        cc_restore_history(c, hist);
    } else if (!cc_dead(c) && (c->last_op == OP_I32_ADD || c->last_op == OP_I32_ADD_K) &&
               a.loc < c->nlocals && c->code[c->last_op_pos + 1] == a.loc) {
        /* the address was just computed into a local that stays live (local.tee, or local.set
         * and local.get): one instruction that also writes the local */
        uint32_t at = c->last_op_pos, x = c->code[at + 2], y = c->code[at + 3];
        bool k = c->last_op == OP_I32_ADD_K;
        cc_unemit_last(c);
        cc_emit_op(c, op - OP_I32_LOAD + (k ? OP_I32_LOAD_KW : OP_I32_LOAD_XW));
        cc_emit_dst(c, cc_canon(c, c->height));
        cc_emit(c, a.loc);
        cc_emit_src(c, x);
        if (k)
            cc_emit(c, y); /* a constant, not a slot */
        else
            cc_emit_src(c, y);
        cc_emit(c, offset);
        c->acc_slot = cc_canon(c, c->height);
        cc_restore_history(c, hist);
    } else if (!cc_dead(c)) {
        cc_emit_vop(c, op, a.loc, NO_POS);
        cc_emit_dst(c, cc_canon(c, c->height));
        cc_emit_src(c, a.loc);
        cc_emit(c, offset);
        c->acc_slot = cc_canon(c, c->height);
    }
    cc_push_canon(c, t);
}

void cc_store(cc *c, int op, eng_valtype t, uint32_t natural)
{
    uint32_t offset = cc_read_memarg(c, natural);
    operand v = cc_pop(c, t);
    operand a = cc_pop(c, ENG_I32);
    if (!cc_dead(c) && op == OP_F64_STORE && cc_fuse_f64_store(c, a.loc, v.loc, offset))
        return;
    if (!cc_dead(c)) {
        cc_emit_vop(c, op, a.loc, v.loc);
        cc_emit_src(c, a.loc);
        cc_emit_src(c, v.loc);
        cc_emit(c, offset);
    }
}

void cc_zero_byte(cc *c)
{
    size_t at = rd_offset(&c->r);
    uint8_t b = rd_u8(&c->r);
    if (!c->r.failed && b != 0)
        rd_fail_at(&c->r, ENG_ERR_MALFORMED, at, "zero byte expected");
}

uint32_t cc_read_table(cc *c)
{
    uint32_t t = rd_u32(&c->r);
    if (!c->r.failed && t >= c->m->ntables)
        FAIL(c, "unknown table %u", t);
    return t;
}

uint32_t cc_read_elem(cc *c)
{
    uint32_t e = rd_u32(&c->r);
    if (!c->r.failed && e >= c->m->nelems)
        FAIL(c, "unknown elem segment %u", e);
    return e;
}

uint32_t cc_read_data(cc *c)
{
    uint32_t d = rd_u32(&c->r);
    if (c->r.failed)
        return 0;
    if (!c->m->has_datacount && c->m->ndatas == 0)
        FAIL(c, "unknown data segment %u", d);
    else if (!c->m->has_datacount)
        rd_fail(&c->r, ENG_ERR_MALFORMED, "data count section required");
    else if (d >= c->m->datacount)
        FAIL(c, "unknown data segment %u", d);
    return d;
}

/* Emits an instruction with n source operands popped in reverse order of types[]. */
void cc_emit_n(cc *c, int op, const eng_valtype *types, uint32_t n, const uint32_t *imm,
               uint32_t nimm, eng_valtype result)
{
    operand ops[5];
    for (uint32_t i = n; i-- > 0;)
        ops[i] = cc_pop(c, types[i]);
    if (!cc_dead(c)) {
        cc_emit_op(c, op);
        for (uint32_t i = 0; i < nimm; i++)
            cc_emit(c, imm[i]);
        if (result != VT_UNKNOWN)
            cc_emit_dst(c, cc_canon(c, c->height));
        for (uint32_t i = 0; i < n; i++)
            cc_emit_src(c, ops[i].loc);
    }
    if (result != VT_UNKNOWN)
        cc_push_canon(c, result);
}

void cc_emit_call(cc *c, const functype *t, int op, const uint32_t *imm, uint32_t nimm,
                  bool indirect)
{
    operand idx = {ENG_I32, 0};
    if (indirect)
        idx = cc_pop(c, ENG_I32);
    for (uint32_t i = t->nparams; i-- > 0;)
        cc_pop(c, t->params[i]);
    if (c->r.failed)
        return;
    uint32_t base = c->height;
    if (!cc_dead(c)) {
        /* the arguments are pushed back only to move them into their slots */
        for (uint32_t i = 0; i < t->nparams; i++) {
            /* re-read from the now popped entries: they are still in vt/loc */
            uint32_t h = base + i;
            uint32_t l = c->loc[h];
            if (l != cc_canon(c, h))
                cc_emit_mov(c, cc_canon(c, h), l);
        }
        cc_emit_op(c, op);
        for (uint32_t i = 0; i < nimm; i++)
            cc_emit(c, imm[i]);
        if (indirect)
            cc_emit_src(c, idx.loc);
        cc_emit_src(c, cc_canon(c, base));
    }
    for (uint32_t i = 0; i < t->nresults; i++)
        cc_push_canon(c, t->results[i]);
    /* the callee's window may extend past our operand stack; frames are sized accordingly */
}

/* Numeric opcodes 0x45..0xc4: IR op, operand type, result type, arity. */
typedef struct numinfo {
    int16_t op;
    uint8_t in, out, arity;
} numinfo;

#define N1(o, i, r)                                                                                \
    {                                                                                              \
        OP_##o, ENG_##i, ENG_##r, 1                                                                \
    }
#define N2(o, i, r)                                                                                \
    {                                                                                              \
        OP_##o, ENG_##i, ENG_##r, 2                                                                \
    }
#define NR(i, r)                                                                                   \
    {                                                                                              \
        -1, ENG_##i, ENG_##r, 1                                                                    \
    } /* reinterpretation: the bits stay */
static const numinfo num_ops[0xc5 - 0x45] = {
    N1(I32_EQZ, I32, I32),
    N2(I32_EQ, I32, I32),
    N2(I32_NE, I32, I32),
    N2(I32_LT_S, I32, I32),
    N2(I32_LT_U, I32, I32),
    N2(I32_GT_S, I32, I32),
    N2(I32_GT_U, I32, I32),
    N2(I32_LE_S, I32, I32),
    N2(I32_LE_U, I32, I32),
    N2(I32_GE_S, I32, I32),
    N2(I32_GE_U, I32, I32),
    N1(I64_EQZ, I64, I32),
    N2(I64_EQ, I64, I32),
    N2(I64_NE, I64, I32),
    N2(I64_LT_S, I64, I32),
    N2(I64_LT_U, I64, I32),
    N2(I64_GT_S, I64, I32),
    N2(I64_GT_U, I64, I32),
    N2(I64_LE_S, I64, I32),
    N2(I64_LE_U, I64, I32),
    N2(I64_GE_S, I64, I32),
    N2(I64_GE_U, I64, I32),
    N2(F32_EQ, F32, I32),
    N2(F32_NE, F32, I32),
    N2(F32_LT, F32, I32),
    N2(F32_GT, F32, I32),
    N2(F32_LE, F32, I32),
    N2(F32_GE, F32, I32),
    N2(F64_EQ, F64, I32),
    N2(F64_NE, F64, I32),
    N2(F64_LT, F64, I32),
    N2(F64_GT, F64, I32),
    N2(F64_LE, F64, I32),
    N2(F64_GE, F64, I32),
    N1(I32_CLZ, I32, I32),
    N1(I32_CTZ, I32, I32),
    N1(I32_POPCNT, I32, I32),
    N2(I32_ADD, I32, I32),
    N2(I32_SUB, I32, I32),
    N2(I32_MUL, I32, I32),
    N2(I32_DIV_S, I32, I32),
    N2(I32_DIV_U, I32, I32),
    N2(I32_REM_S, I32, I32),
    N2(I32_REM_U, I32, I32),
    N2(I32_AND, I32, I32),
    N2(I32_OR, I32, I32),
    N2(I32_XOR, I32, I32),
    N2(I32_SHL, I32, I32),
    N2(I32_SHR_S, I32, I32),
    N2(I32_SHR_U, I32, I32),
    N2(I32_ROTL, I32, I32),
    N2(I32_ROTR, I32, I32),
    N1(I64_CLZ, I64, I64),
    N1(I64_CTZ, I64, I64),
    N1(I64_POPCNT, I64, I64),
    N2(I64_ADD, I64, I64),
    N2(I64_SUB, I64, I64),
    N2(I64_MUL, I64, I64),
    N2(I64_DIV_S, I64, I64),
    N2(I64_DIV_U, I64, I64),
    N2(I64_REM_S, I64, I64),
    N2(I64_REM_U, I64, I64),
    N2(I64_AND, I64, I64),
    N2(I64_OR, I64, I64),
    N2(I64_XOR, I64, I64),
    N2(I64_SHL, I64, I64),
    N2(I64_SHR_S, I64, I64),
    N2(I64_SHR_U, I64, I64),
    N2(I64_ROTL, I64, I64),
    N2(I64_ROTR, I64, I64),
    N1(F32_ABS, F32, F32),
    N1(F32_NEG, F32, F32),
    N1(F32_CEIL, F32, F32),
    N1(F32_FLOOR, F32, F32),
    N1(F32_TRUNC, F32, F32),
    N1(F32_NEAREST, F32, F32),
    N1(F32_SQRT, F32, F32),
    N2(F32_ADD, F32, F32),
    N2(F32_SUB, F32, F32),
    N2(F32_MUL, F32, F32),
    N2(F32_DIV, F32, F32),
    N2(F32_MIN, F32, F32),
    N2(F32_MAX, F32, F32),
    N2(F32_COPYSIGN, F32, F32),
    N1(F64_ABS, F64, F64),
    N1(F64_NEG, F64, F64),
    N1(F64_CEIL, F64, F64),
    N1(F64_FLOOR, F64, F64),
    N1(F64_TRUNC, F64, F64),
    N1(F64_NEAREST, F64, F64),
    N1(F64_SQRT, F64, F64),
    N2(F64_ADD, F64, F64),
    N2(F64_SUB, F64, F64),
    N2(F64_MUL, F64, F64),
    N2(F64_DIV, F64, F64),
    N2(F64_MIN, F64, F64),
    N2(F64_MAX, F64, F64),
    N2(F64_COPYSIGN, F64, F64),
    N1(I32_WRAP_I64, I64, I32),
    N1(I32_TRUNC_F32_S, F32, I32),
    N1(I32_TRUNC_F32_U, F32, I32),
    N1(I32_TRUNC_F64_S, F64, I32),
    N1(I32_TRUNC_F64_U, F64, I32),
    N1(I64_EXTEND_I32_S, I32, I64),
    N1(I64_EXTEND_I32_U, I32, I64),
    N1(I64_TRUNC_F32_S, F32, I64),
    N1(I64_TRUNC_F32_U, F32, I64),
    N1(I64_TRUNC_F64_S, F64, I64),
    N1(I64_TRUNC_F64_U, F64, I64),
    N1(F32_CONVERT_I32_S, I32, F32),
    N1(F32_CONVERT_I32_U, I32, F32),
    N1(F32_CONVERT_I64_S, I64, F32),
    N1(F32_CONVERT_I64_U, I64, F32),
    N1(F32_DEMOTE_F64, F64, F32),
    N1(F64_CONVERT_I32_S, I32, F64),
    N1(F64_CONVERT_I32_U, I32, F64),
    N1(F64_CONVERT_I64_S, I64, F64),
    N1(F64_CONVERT_I64_U, I64, F64),
    N1(F64_PROMOTE_F32, F32, F64),
    NR(F32, I32),
    NR(F64, I64),
    NR(I32, F32),
    NR(I64, F64),
};

void cc_numeric(cc *c, uint8_t opcode)
{
    const numinfo *n = &num_ops[opcode - 0x45];
    if (n->op < 0) {
        operand a = cc_pop(c, (eng_valtype)n->in);
        if (c->r.failed)
            return;
        /* the value keeps its location; only its type changes */
        cc_push(c, (eng_valtype)n->out, a.loc);
        return;
    }
    if (n->arity == 1)
        cc_unop(c, n->op, (eng_valtype)n->in, (eng_valtype)n->out);
    else
        cc_binop(c, n->op, (eng_valtype)n->in, (eng_valtype)n->out);
}

void cc_op_fc(cc *c)
{
    size_t at = rd_offset(&c->r);
    uint32_t sub = rd_u32(&c->r);
    if (c->r.failed)
        return;
    static const int16_t sat[8] = {OP_I32_TRUNC_SAT_F32_S, OP_I32_TRUNC_SAT_F32_U,
                                   OP_I32_TRUNC_SAT_F64_S, OP_I32_TRUNC_SAT_F64_U,
                                   OP_I64_TRUNC_SAT_F32_S, OP_I64_TRUNC_SAT_F32_U,
                                   OP_I64_TRUNC_SAT_F64_S, OP_I64_TRUNC_SAT_F64_U};
    const eng_valtype three_i32[3] = {ENG_I32, ENG_I32, ENG_I32};
    if (sub < 8) {
        eng_valtype in = (sub & 2) ? ENG_F64 : ENG_F32;
        eng_valtype out = sub < 4 ? ENG_I32 : ENG_I64;
        cc_unop(c, sat[sub], in, out);
        return;
    }
    switch (sub) {
    case 8: { /* memory.init */
        const uint8_t *data_at = c->r.p;
        rd_u32(&c->r);
        cc_zero_byte(c);
        cc_need_memory(c);
        if (c->r.failed)
            return;
        const uint8_t *after = c->r.p;
        c->r.p = data_at;
        uint32_t d = cc_read_data(c);
        c->r.p = after;
        cc_emit_n(c, OP_MEMORY_INIT, three_i32, 3, &d, 1, VT_UNKNOWN);
        return;
    }
    case 9: { /* data.drop */
        uint32_t d = cc_read_data(c);
        if (!cc_dead(c)) {
            cc_emit_op(c, OP_DATA_DROP);
            cc_emit(c, d);
        }
        return;
    }
    case 10: /* memory.copy */
        cc_zero_byte(c);
        cc_zero_byte(c);
        cc_need_memory(c);
        cc_emit_n(c, OP_MEMORY_COPY, three_i32, 3, NULL, 0, VT_UNKNOWN);
        return;
    case 11: /* memory.fill */
        cc_zero_byte(c);
        cc_need_memory(c);
        cc_emit_n(c, OP_MEMORY_FILL, three_i32, 3, NULL, 0, VT_UNKNOWN);
        return;
    case 12: { /* table.init elem table */
        uint32_t imm[2];
        imm[1] = cc_read_elem(c);
        imm[0] = cc_read_table(c);
        if (c->r.failed)
            return;
        if (c->m->tables[imm[0]].type != c->m->elems[imm[1]].type) {
            FAIL(c, "type mismatch: element segment and table types differ");
            return;
        }
        cc_emit_n(c, OP_TABLE_INIT, three_i32, 3, imm, 2, VT_UNKNOWN);
        return;
    }
    case 13: { /* elem.drop */
        uint32_t e = cc_read_elem(c);
        if (!cc_dead(c)) {
            cc_emit_op(c, OP_ELEM_DROP);
            cc_emit(c, e);
        }
        return;
    }
    case 14: { /* table.copy dst src */
        uint32_t imm[2];
        imm[0] = cc_read_table(c);
        imm[1] = cc_read_table(c);
        if (c->r.failed)
            return;
        if (c->m->tables[imm[0]].type != c->m->tables[imm[1]].type) {
            FAIL(c, "type mismatch: table types differ");
            return;
        }
        cc_emit_n(c, OP_TABLE_COPY, three_i32, 3, imm, 2, VT_UNKNOWN);
        return;
    }
    case 15: { /* table.grow: init n -> old size */
        uint32_t t = cc_read_table(c);
        if (c->r.failed)
            return;
        eng_valtype ty[2] = {c->m->tables[t].type, ENG_I32};
        cc_emit_n(c, OP_TABLE_GROW, ty, 2, &t, 1, ENG_I32);
        return;
    }
    case 16: { /* table.size */
        uint32_t t = cc_read_table(c);
        if (c->r.failed)
            return;
        cc_emit_n(c, OP_TABLE_SIZE, NULL, 0, &t, 1, ENG_I32);
        return;
    }
    case 17: { /* table.fill: i val n */
        uint32_t t = cc_read_table(c);
        if (c->r.failed)
            return;
        eng_valtype ty[3] = {ENG_I32, c->m->tables[t].type, ENG_I32};
        cc_emit_n(c, OP_TABLE_FILL, ty, 3, &t, 1, VT_UNKNOWN);
        return;
    }
    default:
        rd_fail_at(&c->r, ENG_ERR_MALFORMED, at, "illegal opcode 0xfc 0x%x", sub);
    }
}

void cc_op_select(cc *c, bool typed)
{
    eng_valtype want = VT_UNKNOWN;
    if (typed) {
        uint32_t n = rd_u32(&c->r);
        if (c->r.failed)
            return;
        if (n != 1) {
            FAIL(c, "invalid result arity for typed select");
            return;
        }
        size_t at = rd_offset(&c->r);
        uint8_t b = rd_u8(&c->r);
        if (c->r.failed)
            return;
        if (b == ENG_V128) {
            rd_fail_at(&c->r, ENG_ERR_UNSUPPORTED, at, "unsupported feature: SIMD (v128 select)");
            return;
        }
        if (b != ENG_I32 && b != ENG_I64 && b != ENG_F32 && b != ENG_F64 && b != ENG_FUNCREF &&
            b != ENG_EXTERNREF) {
            rd_fail_at(&c->r, ENG_ERR_MALFORMED, at, "malformed value type 0x%02x", b);
            return;
        }
        want = (eng_valtype)b;
    }
    operand cond = cc_pop(c, ENG_I32);
    operand b = cc_pop(c, want);
    operand a = cc_pop(c, want);
    if (c->r.failed)
        return;
    eng_valtype t = want;
    if (!typed) {
        if (a.t != VT_UNKNOWN && b.t != VT_UNKNOWN && a.t != b.t) {
            FAIL(c, "type mismatch: select operands %s and %s", eng_valtype_name(a.t), eng_valtype_name(b.t));
            return;
        }
        t = a.t != VT_UNKNOWN ? a.t : b.t;
        if (cc_is_ref(t) || (a.t != VT_UNKNOWN && cc_is_ref(a.t)) ||
            (b.t != VT_UNKNOWN && cc_is_ref(b.t))) {
            FAIL(c, "type mismatch: select without a type needs numeric operands");
            return;
        }
    }
    if (!cc_dead(c)) {
        cc_emit_op(c, OP_SELECT);
        cc_emit_dst(c, cc_canon(c, c->height));
        cc_emit_src(c, a.loc);
        cc_emit_src(c, b.loc);
        cc_emit_src(c, cond.loc);
    }
    cc_push_canon(c, t);
}

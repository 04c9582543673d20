/*
 * Fusions of the function compiler that look two or three instructions back (ir.h, the
 * instructions of exec_fused_more.inc): xors of rotates and shifts of one value (SHA-2's sigma
 * functions), an i32.add of a loaded word, an i64.mul of an xor (FNV-1a), an i64.and of a
 * zero-extended i32 with a constant (an i32 and), and f64 stores of a multiply-add with the loads
 * that fed it (c[i] += x * b[j]). Each one replaces instructions that the compiler has just
 * emitted, whose intermediate results are stack temporaries that nothing else reads, by one
 * instruction at the first one's place; no label can lie between them (a label begins with a
 * FUEL instruction, which breaks the sequence).
 */
#include "engine/compile.h"

#include <string.h>

/* A constant rotate or shift as a left rotate and a mask (x >> s is rotl(x, 32 - s) with the top
 * s bits cleared), for I32_SIGMA; false for other operators, and for shifts when !shifts. */
static bool sigma_term(int op, uint32_t k, bool shifts, uint32_t *rot, uint32_t *mask)
{
    k &= 31;
    switch (op) {
    case OP_I32_ROTL_K:
        *rot = k, *mask = UINT32_MAX;
        return true;
    case OP_I32_ROTR_K:
        *rot = (32 - k) & 31, *mask = UINT32_MAX;
        return true;
    case OP_I32_SHL_K:
        *rot = k, *mask = UINT32_MAX << k;
        return shifts;
    case OP_I32_SHR_U_K:
        *rot = (32 - k) & 31, *mask = UINT32_MAX >> k;
        return shifts;
    default:
        return false;
    }
}

/* i32.xor of a (at stack height h) and b (at h + 1), both computed by the last two instructions
 * from the same value x: two constant rotates become an I32_SIGMA of two terms, and an I32_SIGMA
 * of two terms and a constant rotate or shift one of three. Nothing else reads the intermediate
 * values (they are stack temporaries that the xor consumed), and no label lies between the two
 * instructions (a label begins with a FUEL instruction). True when fused. */
bool cc_fuse_sigma(cc *c, uint32_t a, uint32_t b)
{
    uint32_t h = c->height, p = c->prev_op_pos, l = c->last_op_pos, rot, mask;
    bool prev_sigma = c->prev_op == OP_I32_SIGMA && p + 7 == l;
    bool prev_rot = (c->prev_op == OP_I32_ROTL_K || c->prev_op == OP_I32_ROTR_K) && p + 4 == l;
    if ((!prev_sigma && !prev_rot) || !sigma_term(c->last_op, 0, true, &rot, &mask) ||
        c->len != l + 4 || a != cc_canon(c, h) || b != cc_canon(c, h + 1) || c->code[p + 1] != a ||
        c->code[l + 1] != b)
        return false;
    uint32_t x = c->code[l + 2];
    if (c->code[p + 2] != x || x == a || x == b)
        return false;
    if (prev_sigma && c->code[p + 6] == 0 &&
        sigma_term(c->last_op, c->code[l + 3], true, &rot, &mask)) {
        /* the third term goes into the two-term instruction, which stays where it is */
        c->len = l;
        while (c->nfixups && c->fixups[c->nfixups - 1] >= l)
            c->nfixups--;
        c->code[p + 5] = rot;
        c->code[p + 6] = mask;
        c->last_op = OP_I32_SIGMA;
        c->last_op_pos = p;
        c->last_dst_pos = p + 1;
        c->acc_before = c->code[p] == (uint32_t)c->handlers[OP_I32_SIGMA_A] ? x : NO_POS;
        c->acc_slot = a;
        c->prev_op = c->prev2_op = -1;
        return true;
    }
    uint32_t rot1, mask1;
    if (!prev_rot || !sigma_term(c->prev_op, c->code[p + 3], false, &rot1, &mask1) ||
        !sigma_term(c->last_op, c->code[l + 3], false, &rot, &mask))
        return false;
    /* the first rotate read x from the accumulator: so does the fused instruction, which runs
     * where it ran */
    bool x_acc = c->code[p] == (uint32_t)c->handlers[OP_I32_ROTL_K_A] ||
                 c->code[p] == (uint32_t)c->handlers[OP_I32_ROTR_K_A];
    c->len = p;
    while (c->nfixups && c->fixups[c->nfixups - 1] >= p)
        c->nfixups--;
    cc_emit_op(c, x_acc ? OP_I32_SIGMA_A : OP_I32_SIGMA);
    cc_emit_dst(c, a);
    cc_emit_src(c, x);
    cc_emit(c, rot1);
    cc_emit(c, rot);
    cc_emit(c, 0);
    cc_emit(c, 0);
    c->last_op = OP_I32_SIGMA;
    c->prev_op = c->prev2_op = -1;
    c->acc_before = x_acc ? x : NO_POS;
    c->acc_slot = a;
    return true;
}

/* Whether t, the destination of the instruction just emitted, is one of the operands a and b as a
 * stack temporary that nothing else reads; *other is then the other operand. */
static bool temp_operand(cc *c, uint32_t t, uint32_t a, uint32_t b, uint32_t *other)
{
    if (t == b && b == cc_canon(c, c->height + 1))
        *other = a;
    else if (t == a && a == cc_canon(c, c->height) && b != a)
        *other = b;
    else
        return false;
    return true;
}

/* When the instruction just emitted is the binary operator op (layout d x y, in any accumulator
 * variant; ir.h) computing a or b into a temporary (temp_operand): removes it and gives its
 * operands, x first and *x_acc set when one of them was read from the accumulator, and the other
 * operand of the instruction being fused. */
static bool take_last_binop(cc *c, int op, uint32_t a, uint32_t b, uint32_t *x, uint32_t *y,
                            bool *x_acc, uint32_t *other)
{
    if (c->last_op != op || c->len != c->last_op_pos + 4)
        return false;
    uint32_t at = c->last_op_pos;
    if (!temp_operand(c, c->code[at + 1], a, b, other))
        return false;
    uint32_t h = c->code[at];
    *x = c->code[at + 2], *y = c->code[at + 3];
    *x_acc = h == (uint32_t)c->handlers[op + IR_VARIANT_A(I32_EQ)];
    if (h == (uint32_t)c->handlers[op + IR_VARIANT_B(I32_EQ)]) {
        uint32_t s = *x;
        *x = *y, *y = s, *x_acc = true;
    }
    cc_unemit_last(c);
    return true;
}

/* op (layout d x y z) into the next stack slot, which is then in the accumulator. */
static void emit_three(cc *c, int op, uint32_t x, uint32_t y, uint32_t z)
{
    cc_emit_op(c, op);
    cc_emit_dst(c, cc_canon(c, c->height));
    cc_emit_src(c, x);
    cc_emit_src(c, y);
    cc_emit_src(c, z);
    c->acc_slot = cc_canon(c, c->height);
}

bool cc_fuse_add3(cc *c, uint32_t a, uint32_t b)
{
    /* at the first sum's place; an operand that it read from the accumulator goes first */
    uint32_t x, y, other;
    bool x_acc;
    if (!take_last_binop(c, OP_I32_ADD, a, b, &x, &y, &x_acc, &other))
        return false;
    if (!x_acc && c->acc_slot != NO_POS && other == c->acc_slot) {
        uint32_t s = x;
        x = other, other = s, x_acc = true;
    }
    emit_three(c, x_acc ? OP_I32_ADD3_A : OP_I32_ADD3, x, y, other);
    return true;
}

/* i64.mul of a and b where one of them is an i64.xor just computed into a stack temporary that
 * nothing else reads: one I64_XOR_MUL at the xor's place, which reads the xor operand that was
 * in the accumulator from there (it commutes, so that operand goes first). True when fused. */
bool cc_fuse_xor_mul(cc *c, uint32_t a, uint32_t b)
{
    uint32_t x, y, other;
    bool x_acc;
    if (!take_last_binop(c, OP_I64_XOR, a, b, &x, &y, &x_acc, &other))
        return false;
    emit_three(c, x_acc ? OP_I64_XOR_MUL_A : OP_I64_XOR_MUL, x, y, other);
    return true;
}

bool cc_fuse_add_load(cc *c, uint32_t a, uint32_t b)
{
    if (c->last_op != OP_I32_LOAD_K || c->len != c->last_op_pos + 5 ||
        c->code[c->last_op_pos] != (uint32_t)c->handlers[OP_I32_LOAD_K])
        return false;
    /* the instruction takes the load's place and reads the other operand from the accumulator
     * when it was there before the load */
    uint32_t at = c->last_op_pos, other;
    if (!temp_operand(c, c->code[at + 1], a, b, &other))
        return false;
    uint32_t x = c->code[at + 2], k = c->code[at + 3], offset = c->code[at + 4];
    cc_unemit_last(c);
    bool o_acc = c->acc_slot != NO_POS && other == c->acc_slot;
    cc_emit_op(c, o_acc ? OP_I32_ADD_LOAD_K_A : OP_I32_ADD_LOAD_K);
    cc_emit_dst(c, cc_canon(c, c->height));
    cc_emit_src(c, other);
    cc_emit_src(c, x);
    cc_emit(c, k);
    cc_emit(c, offset);
    c->acc_slot = cc_canon(c, c->height);
    return true;
}

/* For an f64.store of F64_MULADD_Y's result: when y, in the accumulator, was loaded by the
 * instruction just before (F64_LOAD_K or F64_LOAD_XW, reading no accumulator) into a stack
 * temporary that nothing else reads (not the address, a or x: srcs), the fused form of all three
 * (F64_MULADD_ST_LK or _LXW), else -1. */
static int muladd_load_form(const cc *c, uint32_t y, const uint32_t srcs[3])
{
    uint32_t p = c->prev_op_pos, l = c->last_op_pos;
    int form;
    if (c->prev_op == OP_F64_LOAD_K && p + 5 == l &&
        c->code[p] == (uint32_t)c->handlers[OP_F64_LOAD_K])
        form = OP_F64_MULADD_ST_LK;
    else if (c->prev_op == OP_F64_LOAD_XW && p + 6 == l)
        form = OP_F64_MULADD_ST_LXW;
    else
        return -1;
    if (c->code[p + 1] != y || !(y & STACK_TAG) || (y & ~SLOT_TAGS) < c->height)
        return -1;
    for (int i = 0; i < 3; i++)
        if (srcs[i] == y)
            return -1;
    return form;
}

/* For the fused form lop of cc_store (F64_MULADD_ST_LK or _LXW, the words of its load in load[]):
 * true when a, the addend, was loaded by the instruction before y's load (F64_LOAD_XW or
 * F64_LOAD_KW) from the address the store writes, kept in local addr with the same offset, into
 * a stack temporary that nothing else reads: then the whole c[i] += x * y is one instruction
 * (F64_MULADD_RMW_*), with one bounds check for the load and the store of c[i]. */
static bool muladd_rmw_ok(const cc *c, int lop, uint32_t addr, uint32_t a, uint32_t x,
                          uint32_t offset, const uint32_t *load)
{
    uint32_t p2 = c->prev2_op_pos;
    if ((c->prev2_op != OP_F64_LOAD_XW && c->prev2_op != OP_F64_LOAD_KW) ||
        p2 + 6 != c->prev_op_pos || addr >= c->nlocals || c->code[p2 + 1] != a ||
        c->code[p2 + 2] != addr || c->code[p2 + 5] != offset || !(a & STACK_TAG) ||
        (a & ~SLOT_TAGS) < c->height || x == a)
        return false;
    /* the load of y must not read a (never written now) nor move addr (the store's address) */
    if (lop == OP_F64_MULADD_ST_LK)
        return load[0] != a;
    return load[0] != addr && load[1] != a && load[2] != a;
}

bool cc_fuse_f64_store(cc *c, uint32_t addr, uint32_t v, uint32_t offset)
{
    if ((c->last_op != OP_F64_MULADD && c->last_op != OP_F64_MULADD_Y) ||
        c->len != c->last_op_pos + 5 || c->code[c->last_op_pos + 1] != v ||
        v != cc_canon(c, c->height + 1))
        return false;
    /* the address is not the product's slot: it lies below it on the stack, or is a local */
    uint32_t at = c->last_op_pos, a = c->code[at + 2], x = c->code[at + 3], y = c->code[at + 4];
    bool y_acc = c->last_op == OP_F64_MULADD_Y;
    int lop = y_acc ? muladd_load_form(c, y, (uint32_t[]){addr, a, x}) : -1;
    if (lop < 0) {
        cc_unemit_last(c);
        cc_emit_op(c, y_acc ? OP_F64_MULADD_ST_Y : OP_F64_MULADD_ST);
        cc_emit_src(c, addr);
        cc_emit_src(c, a);
        cc_emit_src(c, x);
        cc_emit_src(c, y);
        cc_emit(c, offset);
        return true;
    }
    /* y was just loaded (into the accumulator): the load becomes part of the instruction too,
     * and so may a's (muladd_rmw_ok); the code goes back to the start of the first of them */
    uint32_t p = c->prev_op_pos, p2 = c->prev2_op_pos, load[4], cl[4];
    uint32_t n = lop == OP_F64_MULADD_ST_LK ? 3 : 4;
    memcpy(load, &c->code[p + 2], n * sizeof *load);
    bool rmw = muladd_rmw_ok(c, lop, addr, a, x, offset, load);
    bool kw = c->prev2_op == OP_F64_LOAD_KW;
    uint32_t start = rmw ? p2 : p;
    if (rmw)
        memcpy(cl, &c->code[p2 + 2], sizeof cl); /* w x y|k offset */
    c->len = start;
    while (c->nfixups && c->fixups[c->nfixups - 1] >= start)
        c->nfixups--;
    if (rmw) {
        cc_emit_op(c, lop == OP_F64_MULADD_ST_LK ? OP_F64_MULADD_RMW_LK : OP_F64_MULADD_RMW_LXW);
        cc_emit_src(c, cl[0]);
        cc_emit_src(c, cl[1]);
        cc_emit_src(c, kw ? cc_const_loc(c, cl[2]) : cl[2]); /* k as a constant slot */
        cc_emit(c, cl[3]);
        cc_emit_src(c, x);
    } else {
        cc_emit_op(c, lop);
        cc_emit_src(c, addr);
        cc_emit_src(c, a);
        cc_emit_src(c, x);
    }
    cc_emit_src(c, load[0]); /* _LK: bx, then the constant; _LXW: w, bx, by */
    if (lop == OP_F64_MULADD_ST_LK) {
        cc_emit(c, load[1]);
    } else {
        cc_emit_src(c, load[1]);
        cc_emit_src(c, load[2]);
    }
    cc_emit(c, load[n - 1]);
    if (!rmw)
        cc_emit(c, offset);
    c->prev_op = c->prev2_op = -1;
    return true;
}

/* i64.and of a and b where one of them is an i64.extend_i32_u of x just computed into a stack
 * temporary that nothing else reads and the other is a constant k (a byte widened for a hash,
 * `(uint64_t)c & 255`): the extension clears the high half, so the result is x & (uint32)k,
 * zero-extended, which is what I32_AND_K writes (slots hold i32 values zero-extended). One
 * existing instruction at the extension's place, reading x from the accumulator when the
 * extension did. True when fused. */
bool cc_fuse_extend_and(cc *c, uint32_t a, uint32_t b)
{
    uint32_t at = c->last_op_pos, other;
    if (c->last_op != OP_I64_EXTEND_I32_U || c->len != at + 3 ||
        !temp_operand(c, c->code[at + 1], a, b, &other) || !(other & CONST_TAG))
        return false;
    uint32_t x = c->code[at + 2], k = (uint32_t)c->consts[other & ~SLOT_TAGS];
    cc_unemit_last(c);
    cc_emit_vop(c, OP_I32_AND_K, x, NO_POS);
    cc_emit_dst(c, cc_canon(c, c->height));
    cc_emit_src(c, x);
    cc_emit(c, k);
    c->acc_slot = cc_canon(c, c->height);
    return true;
}

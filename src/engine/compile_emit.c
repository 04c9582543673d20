/*
 * The function compiler's emission layer: code words and their relocation tags, the constant
 * pool, fuel blocks, the operand stack with each value's location, and the moves, branches and
 * labels that keep locations consistent across control flow (see compile.c for the invariants).
 */
#include "engine/compile.h"

#include <stdlib.h>
#include <string.h>

bool cc_is_ref(eng_valtype t)
{
    return t == ENG_FUNCREF || t == ENG_EXTERNREF;
}

bool eng_functype_equal(const functype *a, const functype *b)
{
    if (a == b)
        return true;
    return a->nparams == b->nparams && a->nresults == b->nresults &&
           (a->nparams + a->nresults == 0 ||
            memcmp(a->params, b->params, (a->nparams + a->nresults) * sizeof(eng_valtype)) == 0);
}

bool cc_grow(cc *c, void **p, uint32_t *cap, uint32_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    uint32_t n = *cap ? *cap : 16;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, (size_t)n * elem);
    if (!q) {
        NOMEM(c);
        return false;
    }
    *p = q;
    *cap = n;
    return true;
}

/* ---- emission ---- */

void cc_emit(cc *c, uint32_t w)
{
    if (c->r.failed)
        return;
    if (c->len >= c->code_cap) {
        size_t n = c->code_cap ? c->code_cap * 2 : 256;
        if (n > MAX_CODE_WORDS) {
            rd_fail(&c->r, ENG_ERR_LIMIT, "function too large once compiled");
            return;
        }
        uint32_t *q = realloc(c->code, n * sizeof *q);
        if (!q) {
            NOMEM(c);
            return;
        }
        c->code = q;
        c->code_cap = n;
    }
    c->code[c->len++] = w;
}

uint32_t cc_pos(const cc *c)
{
    return (uint32_t)c->len;
}

void cc_emit_op(cc *c, int op)
{
    c->prev2_op = c->prev_op;
    c->prev2_op_pos = c->prev_op_pos;
    c->prev_op = c->last_op;
    c->prev_op_pos = c->last_op_pos;
    c->last_op = op;
    c->last_op_pos = cc_pos(c);
    c->last_dst_pos = NO_POS;
    c->acc_before = c->acc_slot;
    c->acc_slot = NO_POS;
    cc_emit(c, (uint32_t)c->handlers[op]);
}

/* Emits op, or its accumulator variant when operand a (or b) is the accumulator's value. */
void cc_emit_vop(cc *c, int op, uint32_t a, uint32_t b)
{
    int first = ir_family_first(op), chosen = op;
    uint32_t acc = c->acc_slot;
    if (first >= 0 && acc != NO_POS) {
        int da, db = 0;
        switch (first) {
        case OP_BR_EQ:
            da = IR_VARIANT_A(BR_EQ), db = IR_VARIANT_B(BR_EQ);
            break;
        case OP_I32_LOAD:
            da = IR_VARIANT_A(I32_LOAD);
            break;
        case OP_I32_LOAD_K:
            da = IR_VARIANT_A(I32_LOAD_K);
            break;
        case OP_I32_LOAD_X:
            da = IR_VARIANT_A(I32_LOAD_X), db = IR_VARIANT_B(I32_LOAD_X);
            break;
        case OP_I32_STORE:
            da = IR_VARIANT_A(I32_STORE), db = IR_VARIANT_B(I32_STORE);
            break;
        case OP_I32_EQZ:
            da = IR_VARIANT_A(I32_EQZ);
            break;
        case OP_I32_ADD_K:
            da = IR_VARIANT_A(I32_ADD_K);
            break;
        case OP_BR_EQ_K:
            da = IR_VARIANT_A(BR_EQ_K);
            break;
        default:
            da = IR_VARIANT_A(I32_EQ), db = IR_VARIANT_B(I32_EQ);
            break;
        }
        if (a == acc)
            chosen = op + da;
        else if (db && b == acc)
            chosen = op + db;
    }
    cc_emit_op(c, chosen);
    c->last_op = op;
}

void cc_emit_src(cc *c, uint32_t loc)
{
    if (loc & SLOT_TAGS) {
        if (c->nfixups >= c->fix_cap) {
            size_t n = c->fix_cap ? c->fix_cap * 2 : 64;
            uint32_t *q = realloc(c->fixups, n * sizeof *q);
            if (!q) {
                NOMEM(c);
                return;
            }
            c->fixups = q;
            c->fix_cap = n;
        }
        c->fixups[c->nfixups++] = cc_pos(c);
    }
    cc_emit(c, loc);
}

void cc_emit_dst(cc *c, uint32_t slot)
{
    uint32_t at = cc_pos(c);
    cc_emit_src(c, slot);
    c->last_dst_pos = at;
}

/* Removes the last instruction (for fusing it into a branch). */
void cc_unemit_last(cc *c)
{
    c->len = c->last_op_pos;
    c->acc_slot = c->acc_before;
    while (c->nfixups && c->fixups[c->nfixups - 1] >= c->last_op_pos)
        c->nfixups--;
    c->last_op = -1;
    c->last_dst_pos = NO_POS;
    c->prev_op = -1;
    c->prev2_op = -1;
}

cc_history cc_history_of(const cc *c)
{
    return (cc_history){c->prev_op, c->prev2_op, c->prev_op_pos, c->prev2_op_pos};
}

void cc_restore_history(cc *c, cc_history h)
{
    c->prev_op = h.op;
    c->prev_op_pos = h.pos;
    c->prev2_op = h.op2;
    c->prev2_op_pos = h.pos2;
}

/* The fused form of i32.add of a constant followed by conditional branch op on its result
 * (ir.h, ADDK_BR_*), or -1. */
static int addk_branch_form(int op)
{
    if (op >= OP_BR_EQ_K && op <= OP_BR_GE_U_K)
        return op - OP_BR_EQ_K + OP_ADDK_BR_EQ_K;
    if (op >= OP_BR_EQ && op <= OP_BR_GE_U)
        return op - OP_BR_EQ + OP_ADDK_BR_EQ;
    if (op == OP_BR_IF)
        return OP_ADDK_BR_IF;
    if (op == OP_BR_UNLESS)
        return OP_ADDK_BR_UNLESS;
    return -1;
}

uint32_t cc_const_loc(cc *c, eng_slot v)
{
    if (c->nconsts * 2 >= c->chash_cap) {
        uint32_t ncap = c->chash_cap ? c->chash_cap * 2 : 64;
        uint32_t *h = calloc(ncap, sizeof *h);
        if (!h) {
            NOMEM(c);
            return 0;
        }
        for (uint32_t i = 0; i < c->nconsts; i++) {
            uint64_t k = c->consts[i] * 0x9e3779b97f4a7c15ull;
            uint32_t j = (uint32_t)(k >> 32) & (ncap - 1);
            while (h[j])
                j = (j + 1) & (ncap - 1);
            h[j] = i + 1;
        }
        free(c->chash);
        c->chash = h;
        c->chash_cap = ncap;
    }
    uint64_t k = v * 0x9e3779b97f4a7c15ull;
    uint32_t j = (uint32_t)(k >> 32) & (c->chash_cap - 1);
    while (c->chash[j]) {
        if (c->consts[c->chash[j] - 1] == v)
            return CONST_TAG | (c->chash[j] - 1);
        j = (j + 1) & (c->chash_cap - 1);
    }
    if (c->nconsts >= MAX_FRAME_ITEMS) {
        rd_fail(&c->r, ENG_ERR_LIMIT, "more than %u distinct constants", MAX_FRAME_ITEMS);
        return 0;
    }
    if (!cc_grow(c, (void **)&c->consts, &c->consts_cap, c->nconsts + 1, sizeof *c->consts))
        return 0;
    c->consts[c->nconsts] = v;
    c->chash[j] = ++c->nconsts;
    return CONST_TAG | (c->nconsts - 1);
}

void cc_start_fuel_block(cc *c)
{
    if (c->fuel_pos != NO_POS)
        c->code[c->fuel_pos] = c->fuel_count;
    cc_emit_op(c, OP_FUEL);
    c->fuel_pos = cc_pos(c);
    cc_emit(c, 0);
    c->fuel_count = 0;
}

/* ---- operand stack ---- */

uint32_t cc_canon(const cc *c, uint32_t h)
{
    (void)c;
    return STACK_TAG | h;
}

void cc_push(cc *c, eng_valtype t, uint32_t loc)
{
    if (c->r.failed)
        return;
    if (c->height >= MAX_FRAME_ITEMS) {
        rd_fail(&c->r, ENG_ERR_LIMIT, "operand stack deeper than %u values", MAX_FRAME_ITEMS);
        return;
    }
    if (c->height + 1 > c->cap) {
        uint32_t n = c->cap ? c->cap * 2 : 64;
        eng_valtype *vt = realloc(c->vt, n * sizeof *vt);
        if (vt)
            c->vt = vt;
        uint32_t *loc = realloc(c->loc, n * sizeof *loc);
        if (loc)
            c->loc = loc;
        if (!vt || !loc) {
            NOMEM(c);
            return;
        }
        c->cap = n;
    }
    c->vt[c->height] = t;
    c->loc[c->height] = loc;
    if (loc < c->nlocals)
        c->local_refs[loc]++;
    c->height++;
    if (c->height > c->max_height)
        c->max_height = c->height;
}

void cc_push_canon(cc *c, eng_valtype t)
{
    cc_push(c, t, cc_canon(c, c->height));
}

/* Pops one operand, checking its type against expected (VT_UNKNOWN accepts any). */
operand cc_pop(cc *c, eng_valtype expected)
{
    operand o = {VT_UNKNOWN, 0};
    if (c->r.failed)
        return o;
    ctl *f = &c->ctls[c->nctl - 1];
    if (c->height == f->height) {
        if (f->unreachable) {
            o.t = expected;
            o.loc = cc_canon(c, c->height);
            return o;
        }
        FAIL(c, "type mismatch: expected %s, but the stack is empty",
             expected ? eng_valtype_name(expected) : "a value");
        return o;
    }
    c->height--;
    o.t = c->vt[c->height];
    o.loc = c->loc[c->height];
    if (o.loc < c->nlocals)
        c->local_refs[o.loc]--;
    if (expected != VT_UNKNOWN && o.t != VT_UNKNOWN && o.t != expected) {
        FAIL(c, "type mismatch: expected %s, got %s", eng_valtype_name(expected),
             eng_valtype_name(o.t));
        return o;
    }
    if (o.t == VT_UNKNOWN)
        o.t = expected;
    return o;
}

/* True when nothing is to be emitted: after a branch, or inside a block that began in such code.
 * (A block begun in unreachable code is still typed normally: only its code is discarded.) */
bool cc_dead(const cc *c)
{
    const ctl *f = &c->ctls[c->nctl - 1];
    return f->unreachable || f->dead_entry || c->r.failed;
}

void cc_emit_mov(cc *c, uint32_t dst, uint32_t src)
{
    if (dst == src)
        return;
    if (c->last_op == OP_MOV && c->last_op_pos + 3 == cc_pos(c)) {
        /* up to four copies in a row become one instruction (they still run in order) */
        c->code[c->last_op_pos] = (uint32_t)c->handlers[OP_MOV2];
        c->last_op = OP_MOV2;
    } else if (c->last_op == OP_MOV2 && c->last_op_pos + 5 == cc_pos(c)) {
        c->code[c->last_op_pos] = (uint32_t)c->handlers[OP_MOV3];
        c->last_op = OP_MOV3;
    } else if (c->last_op == OP_MOV3 && c->last_op_pos + 7 == cc_pos(c)) {
        c->code[c->last_op_pos] = (uint32_t)c->handlers[OP_MOV4];
        c->last_op = OP_MOV4;
    } else {
        cc_emit_op(c, OP_MOV);
    }
    cc_emit_src(c, dst);
    cc_emit_src(c, src);
}

/* Puts operand i in its canonical slot. */
void cc_materialize(cc *c, uint32_t i)
{
    uint32_t want = cc_canon(c, i);
    if (c->loc[i] == want)
        return;
    if (!cc_dead(c))
        cc_emit_mov(c, want, c->loc[i]);
    if (c->loc[i] < c->nlocals)
        c->local_refs[c->loc[i]]--;
    c->loc[i] = want;
}

void cc_materialize_local_refs(cc *c, uint32_t local)
{
    if (!c->local_refs[local])
        return;
    for (uint32_t i = 0; i < c->height; i++)
        if (c->loc[i] == local)
            cc_materialize(c, i);
}

/* At a control-flow boundary: the top n operands go to their slots and nothing may refer to a
 * local any more (constants may stay: they never change). */
void cc_settle(cc *c, uint32_t n)
{
    uint32_t from = n > c->height ? 0 : c->height - n;
    for (uint32_t i = 0; i < c->height; i++) {
        if (i >= from || c->loc[i] < c->nlocals)
            cc_materialize(c, i);
    }
}

/* ---- control ---- */

void cc_label_types(const ctl *f, const eng_valtype **types, uint32_t *n)
{
    if (f->kind == CTL_LOOP) {
        *types = f->params;
        *n = f->nparams;
    } else {
        *types = f->results;
        *n = f->nresults;
    }
}

void cc_add_patch(cc *c, ctl *f, uint32_t instr, uint32_t word)
{
    if (!cc_grow(c, (void **)&c->patch, &c->patch_cap, c->npatch + 1, sizeof *c->patch))
        return;
    c->patch[c->npatch] = (patch){word, instr, f->patches};
    f->patches = c->npatch++;
}

/* Emits the jump word of a branch at instr towards label f (backward now or patched later). */
void cc_emit_target(cc *c, ctl *f, uint32_t instr)
{
    if (f->kind == CTL_LOOP) {
        cc_emit(c, f->label_pc - instr);
    } else {
        cc_add_patch(c, f, instr, cc_pos(c));
        cc_emit(c, 0);
    }
}

void cc_set_unreachable(cc *c)
{
    ctl *f = &c->ctls[c->nctl - 1];
    while (c->height > f->height) {
        c->height--;
        if (c->loc[c->height] < c->nlocals)
            c->local_refs[c->loc[c->height]]--;
    }
    f->unreachable = true;
}

void cc_emit_return(cc *c)
{
    uint32_t n = c->type->nresults;
    if (n == 1) {
        uint32_t v = c->loc[c->height - 1];
        if (v != 0 && c->last_dst_pos != NO_POS && c->code[c->last_dst_pos] == v &&
            v == cc_canon(c, c->height - 1)) {
            /* the value was just computed: compute it straight into the result slot (code
             * after a return is unreachable, so no other path sees the change) */
            c->code[c->last_dst_pos] = 0;
            v = 0;
        }
        if (v != 0) {
            cc_emit_op(c, OP_RET1);
            cc_emit_src(c, v);
            return;
        }
    } else if (n > 1) {
        /* Two phases so that no result overwrites another's source: first every value to its
         * own stack slot (no other operand lives there), then ascending to slots 0..n-1, which
         * never lie above their sources. The compile-time state is left alone, because this may
         * be one of several alternative paths (br_if, br_table). */
        for (uint32_t i = c->height - n; i < c->height; i++)
            cc_emit_mov(c, cc_canon(c, i), c->loc[i]);
        for (uint32_t i = 0; i < n; i++)
            cc_emit_mov(c, i, cc_canon(c, c->height - n + i));
    }
    cc_emit_op(c, OP_RET);
}

/* Checks that the top of the stack holds the label's types (without popping). */
void cc_check_top(cc *c, const eng_valtype *types, uint32_t n)
{
    ctl *f = &c->ctls[c->nctl - 1];
    for (uint32_t i = 0; i < n && !c->r.failed; i++) {
        eng_valtype want = types[n - 1 - i];
        if (c->height - f->height <= i) {
            if (!f->unreachable)
                FAIL(c, "type mismatch: expected %s, but the stack is empty",
                     eng_valtype_name(want));
            return;
        }
        eng_valtype have = c->vt[c->height - 1 - i];
        if (have != VT_UNKNOWN && have != want)
            FAIL(c, "type mismatch: expected %s, got %s", eng_valtype_name(want),
                 eng_valtype_name(have));
    }
}

/* Copies the top n operands into label f's slots; true when any copy was needed. */
bool cc_needs_moves(const cc *c, const ctl *f, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (c->loc[c->height - n + i] != cc_canon(c, f->height + i))
            return true;
    return false;
}

void cc_emit_moves(cc *c, const ctl *f, uint32_t n)
{
    /* ascending order is safe: a destination is never above its own source */
    for (uint32_t i = 0; i < n; i++)
        cc_emit_mov(c, cc_canon(c, f->height + i), c->loc[c->height - n + i]);
}

void cc_emit_branch(cc *c, uint32_t depth)
{
    ctl *f = &c->ctls[c->nctl - 1 - depth];
    const eng_valtype *types;
    uint32_t n;
    cc_label_types(f, &types, &n);
    if (f->kind == CTL_FUNC) {
        cc_emit_return(c);
        return;
    }
    cc_emit_moves(c, f, n);
    uint32_t at = cc_pos(c);
    cc_emit_op(c, OP_JMP);
    cc_emit_target(c, f, at);
}

static const int cmp_to_br[][3] = {
    /* compare op, fused branch op, branch op of the negated compare */
    {OP_I32_EQ, OP_BR_EQ, OP_BR_NE},
    {OP_I32_NE, OP_BR_NE, OP_BR_EQ},
    {OP_I32_LT_S, OP_BR_LT_S, OP_BR_GE_S},
    {OP_I32_LT_U, OP_BR_LT_U, OP_BR_GE_U},
    {OP_I32_GT_S, OP_BR_GT_S, OP_BR_LE_S},
    {OP_I32_GT_U, OP_BR_GT_U, OP_BR_LE_U},
    {OP_I32_LE_S, OP_BR_LE_S, OP_BR_GT_S},
    {OP_I32_LE_U, OP_BR_LE_U, OP_BR_GT_U},
    {OP_I32_GE_S, OP_BR_GE_S, OP_BR_LT_S},
    {OP_I32_GE_U, OP_BR_GE_U, OP_BR_LT_U},
    {OP_I64_EQ, OP_BR64_EQ, OP_BR64_NE},
    {OP_I64_NE, OP_BR64_NE, OP_BR64_EQ},
    {OP_I64_LT_S, OP_BR64_LT_S, OP_BR64_GE_S},
    {OP_I64_LT_U, OP_BR64_LT_U, OP_BR64_GE_U},
    {OP_I64_GT_S, OP_BR64_GT_S, OP_BR64_LE_S},
    {OP_I64_GT_U, OP_BR64_GT_U, OP_BR64_LE_U},
    {OP_I64_LE_S, OP_BR64_LE_S, OP_BR64_GT_S},
    {OP_I64_LE_U, OP_BR64_LE_U, OP_BR64_GT_U},
    {OP_I64_GE_S, OP_BR64_GE_S, OP_BR64_LT_S},
    {OP_I64_GE_U, OP_BR64_GE_U, OP_BR64_LT_U},
    /* second operand a constant in the code */
    {OP_I32_EQ_K, OP_BR_EQ_K, OP_BR_NE_K},
    {OP_I32_NE_K, OP_BR_NE_K, OP_BR_EQ_K},
    {OP_I32_LT_S_K, OP_BR_LT_S_K, OP_BR_GE_S_K},
    {OP_I32_LT_U_K, OP_BR_LT_U_K, OP_BR_GE_U_K},
    {OP_I32_GT_S_K, OP_BR_GT_S_K, OP_BR_LE_S_K},
    {OP_I32_GT_U_K, OP_BR_GT_U_K, OP_BR_LE_U_K},
    {OP_I32_LE_S_K, OP_BR_LE_S_K, OP_BR_GT_S_K},
    {OP_I32_LE_U_K, OP_BR_LE_U_K, OP_BR_GT_U_K},
    {OP_I32_GE_S_K, OP_BR_GE_S_K, OP_BR_LT_S_K},
    {OP_I32_GE_U_K, OP_BR_GE_U_K, OP_BR_LT_U_K},
};

/* Conditional jump on the popped i32 condition, taken when the condition is when_true.
 * The condition's own compare is fused into the branch when it was the last instruction.
 * Before the jump, the remaining stack is settled (keep = operands that must be canonical).
 * Returns the instruction position; *word receives the position of its jump word. */
/* Drops the code from pos on (the instruction there is the last one emitted), with its fixups. */
static void unemit_from(cc *c, uint32_t pos)
{
    c->len = pos;
    while (c->nfixups && c->fixups[c->nfixups - 1] >= pos)
        c->nfixups--;
}

/* Ends the conditional branch that starts at at: its offset word, whose index goes to *word for
 * the caller to patch, and the fuel word of the run that follows when it is not taken. */
static uint32_t cjump_tail(cc *c, uint32_t at, uint32_t *word)
{
    *word = cc_pos(c);
    cc_emit(c, 0);
    cc_emit(c, 0);
    return at;
}

uint32_t cc_emit_cjump(cc *c, bool when_true, bool do_settle, uint32_t keep, uint32_t *word)
{
    operand cond = cc_pop(c, ENG_I32);
    int op = -1;
    uint32_t a = cond.loc, b = 0;
    bool two = false, kimm = false;
    /* the instruction before the condition's compare, or before the branch without one */
    int p_op = c->last_op;
    uint32_t p_pos = c->last_op_pos;
    if (c->last_op >= 0 && c->last_dst_pos != NO_POS && c->code[c->last_dst_pos] == cond.loc &&
        cond.loc == cc_canon(c, c->height)) {
        uint32_t at = c->last_op_pos;
        p_op = c->prev_op;
        p_pos = c->prev_op_pos;
        if (c->last_op == OP_I32_EQZ) {
            a = c->code[at + 2];
            cc_unemit_last(c);
            op = when_true ? OP_BR_UNLESS : OP_BR_IF;
        } else {
            for (size_t i = 0; i < sizeof cmp_to_br / sizeof cmp_to_br[0]; i++) {
                if (cmp_to_br[i][0] == c->last_op) {
                    a = c->code[at + 2];
                    b = c->code[at + 3];
                    cc_unemit_last(c);
                    op = when_true ? cmp_to_br[i][1] : cmp_to_br[i][2];
                    two = true;
                    kimm = op >= OP_BR_EQ_K && op < OP_BR_EQ_K_A;
                    break;
                }
            }
        }
    }
    if (op < 0)
        op = when_true ? OP_BR_IF : OP_BR_UNLESS;
    /* settling writes only canonical slots below the condition, never a compare input */
    if (do_settle)
        cc_settle(c, keep);
    int fused = op >= 0 ? addk_branch_form(op) : -1;
    if (fused >= 0 && p_op == OP_I32_ADD_K && !c->r.failed && cc_pos(c) == p_pos + 4 &&
        c->code[p_pos + 1] == a && (!two || kimm || b != a)) {
        /* the branch tests x + k computed just before (a loop counter): one instruction that
         * also keeps the sum (ir.h) */
        uint32_t d = c->code[p_pos + 1], x = c->code[p_pos + 2], k = c->code[p_pos + 3];
        unemit_from(c, p_pos);
        uint32_t at = cc_pos(c);
        cc_emit_op(c, fused);
        cc_emit_src(c, d);
        cc_emit_src(c, x);
        cc_emit(c, k);
        if (kimm)
            cc_emit(c, b); /* a constant, not a slot */
        else if (two)
            cc_emit_src(c, b);
        c->acc_slot = d;
        return cjump_tail(c, at, word);
    }
    if ((op == OP_BR_LT_U_K || op == OP_BR_GE_U_K) && p_op == OP_I32_ADD_K && !c->r.failed &&
        cc_pos(c) == p_pos + 4 && c->code[p_pos + 1] != a) {
        /* the branch tests a slot that the i32.add of a constant just before does not write (a
         * loop stepping one counter and testing another): one instruction, the add first, as
         * the compare does not read its result (ir.h, ADDK_THEN_BR_*) */
        uint32_t d = c->code[p_pos + 1], x = c->code[p_pos + 2], k = c->code[p_pos + 3];
        unemit_from(c, p_pos);
        uint32_t at = cc_pos(c);
        cc_emit_op(c, op == OP_BR_LT_U_K ? OP_ADDK_THEN_BR_LT_U_K : OP_ADDK_THEN_BR_GE_U_K);
        cc_emit_src(c, d);
        cc_emit_src(c, x);
        cc_emit(c, k);
        cc_emit_src(c, a);
        cc_emit(c, b); /* a constant, not a slot */
        c->acc_slot = d;
        return cjump_tail(c, at, word);
    }
    if (kimm && op <= OP_BR_GE_U_K && p_op == OP_I32_LOAD8_U_K && !c->r.failed &&
        cc_pos(c) == p_pos + 5 && c->code[p_pos] == (uint32_t)c->handlers[OP_I32_LOAD8_U_K] &&
        c->code[p_pos + 1] == a) {
        /* the branch tests a byte loaded just before against a constant (a lexer's character
         * test): one instruction that also keeps the byte (ir.h, LD8K_BR_*) */
        uint32_t at = p_pos;
        unemit_from(c, p_pos);
        uint32_t d = c->code[p_pos + 1], x = c->code[p_pos + 2], k = c->code[p_pos + 3],
                 offset = c->code[p_pos + 4];
        cc_emit_op(c, op - OP_BR_EQ_K + OP_LD8K_BR_EQ_K);
        cc_emit_src(c, d);
        cc_emit_src(c, x);
        cc_emit(c, k);
        cc_emit(c, offset);
        cc_emit(c, b); /* a constant, not a slot */
        c->acc_slot = d;
        return cjump_tail(c, at, word);
    }
    uint32_t at = cc_pos(c);
    if ((op == OP_BR_IF || op == OP_BR_UNLESS) && c->acc_slot != NO_POS && a == c->acc_slot)
        cc_emit_op(c, op == OP_BR_IF ? OP_BR_IF_A : OP_BR_UNLESS_A);
    else
        cc_emit_vop(c, op, a, two ? b : NO_POS);
    cc_emit_src(c, a);
    if (kimm)
        cc_emit(c, b); /* a constant, not a slot */
    else if (two)
        cc_emit_src(c, b);
    return cjump_tail(c, at, word);
}

/* Ends the current run; the next one is charged by the not-taken path of the conditional branch
 * whose fuel word is at word (instead of by a FUEL instruction of its own). */
void cc_continue_run(cc *c, uint32_t word)
{
    if (c->r.failed)
        return;
    c->code[c->fuel_pos] = c->fuel_count;
    c->fuel_pos = word;
    c->fuel_count = 0;
}

void cc_push_ctl(cc *c, uint8_t kind, const functype *bt)
{
    if (!cc_grow(c, (void **)&c->ctls, &c->ctl_cap, c->nctl + 1, sizeof *c->ctls))
        return;
    ctl *f = &c->ctls[c->nctl++];
    memset(f, 0, sizeof *f);
    f->kind = kind;
    f->params = bt->params;
    f->nparams = bt->nparams;
    f->results = bt->results;
    f->nresults = bt->nresults;
    f->patches = NO_POS;
    f->else_patch = NO_POS;
    f->height = c->height - bt->nparams;
}

/* Reads a block type into *bt (which may point at storage inside the returned control). */
bool cc_read_blocktype(cc *c, functype *bt)
{
    reader *r = &c->r;
    size_t at = rd_offset(r);
    if (rd_eof(r)) {
        rd_fail(r, ENG_ERR_MALFORMED, "unexpected end");
        return false;
    }
    uint8_t b = *r->p;
    memset(bt, 0, sizeof *bt);
    if (b == 0x40) {
        r->p++;
        return true;
    }
    if (b == ENG_I32 || b == ENG_I64 || b == ENG_F32 || b == ENG_F64 || b == ENG_FUNCREF ||
        b == ENG_EXTERNREF) {
        /* static storage: control entries move when the control stack grows */
        static const eng_valtype singles[] = {ENG_I32, ENG_I64,     ENG_F32,
                                              ENG_F64, ENG_FUNCREF, ENG_EXTERNREF};
        r->p++;
        for (size_t i = 0; i < sizeof singles / sizeof singles[0]; i++)
            if (singles[i] == b)
                bt->results = (eng_valtype *)&singles[i];
        bt->nresults = 1;
        return true;
    }
    if (b == ENG_V128) {
        rd_fail(r, ENG_ERR_UNSUPPORTED, "unsupported feature: SIMD (v128 block type)");
        return false;
    }
    int64_t idx = rd_s33(r);
    if (r->failed)
        return false;
    if (idx < 0 || (uint64_t)idx >= c->m->ntypes) {
        rd_fail_at(r, ENG_ERR_INVALID, at, "unknown type %lld", (long long)idx);
        return false;
    }
    *bt = c->m->types[idx];
    return true;
}

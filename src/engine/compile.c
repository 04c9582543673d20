/*
 * Validation and compilation of one function body, in a single pass.
 *
 * The validator follows the core spec's algorithm (operand stack of value types, control stack
 * with an "unreachable" flag that makes the stack polymorphic). Alongside each operand type it
 * tracks where the value lives at run time: in a local's slot, in a constant slot, or in the
 * operand's own stack slot (its "canonical" slot, at its height in the operand-stack part of the
 * frame [locals][constants][operand stack]). Instructions read their inputs from wherever the
 * values already are, so local.get and constants emit nothing, and a result that is immediately
 * stored with local.set (or returned) is computed straight into the local (or result slot).
 *
 * Invariants that keep this sound:
 *  - an operand that refers to a local is copied to its canonical slot before that local is
 *    written, and before any control-flow boundary (block entry, merges);
 *  - at every label, all operands the label carries sit in their canonical slots;
 *  - code emitted on one of several alternative paths (br_if, br_table) never changes the
 *    compile-time locations, which the other paths share.
 *
 * Peepholes on the instruction just emitted: compare + br_if/if become one compare-and-branch,
 * i32 operators with a constant take it from the code (_K forms), i32.add feeding a load folds
 * into the load (also when the sum is kept in a local), an i32.add of a constant tested by the
 * branch that follows fuses with it (loop counters), consecutive copies pair up, and an operand
 * produced by the previous instruction is read from the interpreter's accumulator register
 * (ir.h).
 *
 * Fuel: each straight-line run of instructions is charged once, with the number of Wasm
 * instructions in it: by a FUEL instruction at a label or function entry, or by the not-taken
 * path of the conditional branch that ends the previous run. The count is patched in when the
 * run ends.
 */
#include "engine/compile.h"

#include <stdlib.h>
#include <string.h>

/* Checks that exactly the block's result types are on top of its part of the stack. */
static void check_block_end(cc *c, const ctl *f)
{
    cc_check_top(c, f->results, f->nresults);
    if (c->r.failed)
        return;
    uint32_t have = c->height - f->height;
    if (have > f->nresults || (!f->unreachable && have != f->nresults))
        FAIL(c, "type mismatch: %u values remain at the end of a block that returns %u", have,
             f->nresults);
}

static void truncate_stack(cc *c, uint32_t h)
{
    while (c->height > h) {
        c->height--;
        if (c->loc[c->height] < c->nlocals)
            c->local_refs[c->loc[c->height]]--;
    }
}

static void op_end(cc *c)
{
    ctl *f = &c->ctls[c->nctl - 1];
    if (f->kind == CTL_IF &&
        (f->nparams != f->nresults ||
         (f->nparams && memcmp(f->params, f->results, f->nparams * sizeof(eng_valtype)) != 0))) {
        FAIL(c, "type mismatch: if without else must have matching param and result types");
        return;
    }
    check_block_end(c, f);
    if (c->r.failed)
        return;
    if (!cc_dead(c)) {
        /* no branch lands on the function's end (a branch to its label is a return), so the
         * results go straight from wherever they are to the result slots */
        if (f->kind == CTL_FUNC)
            cc_emit_return(c);
        else
            cc_settle(c, f->nresults);
    }
    truncate_stack(c, f->height);
    if (f->kind == CTL_FUNC) {
        c->nctl--;
        return;
    }
    bool label = !f->dead_entry && (f->patches != NO_POS || f->else_patch != NO_POS);
    ctl done = *f;
    c->nctl--;
    if (label) {
        cc_start_fuel_block(c);
        uint32_t target = c->last_op_pos;
        for (uint32_t p = done.patches; p != NO_POS; p = c->patch[p].next)
            c->code[c->patch[p].word] = target - c->patch[p].instr;
        if (done.else_patch != NO_POS)
            c->code[done.else_patch] = target - done.else_instr;
    }
    for (uint32_t i = 0; i < done.nresults; i++)
        cc_push_canon(c, done.results[i]);
}

static void op_else(cc *c)
{
    ctl *f = &c->ctls[c->nctl - 1];
    if (f->kind != CTL_IF) {
        FAIL(c, "else without if");
        return;
    }
    check_block_end(c, f);
    if (c->r.failed)
        return;
    if (!cc_dead(c)) {
        cc_settle(c, f->nresults);
        uint32_t at = cc_pos(c);
        cc_emit_op(c, OP_JMP);
        cc_add_patch(c, f, at, cc_pos(c));
        cc_emit(c, 0);
    }
    truncate_stack(c, f->height);
    f->kind = CTL_ELSE;
    f->unreachable = false;
    if (f->else_patch != NO_POS) {
        cc_start_fuel_block(c);
        c->code[f->else_patch] = c->last_op_pos - f->else_instr;
        f->else_patch = NO_POS;
    }
    for (uint32_t i = 0; i < f->nparams; i++)
        cc_push_canon(c, f->params[i]);
}

static void op_block(cc *c, uint8_t kind)
{
    functype bt;
    if (!cc_read_blocktype(c, &bt))
        return;
    uint32_t else_word = NO_POS, else_instr = 0;
    bool was_dead = cc_dead(c);
    if (kind == CTL_IF) {
        if (!was_dead)
            else_instr = cc_emit_cjump(c, false, true, bt.nparams, &else_word); /* settles params */
        else
            cc_pop(c, ENG_I32);
    }
    cc_check_top(c, bt.params, bt.nparams);
    if (c->r.failed)
        return;
    if (kind != CTL_IF && !was_dead)
        cc_settle(c, bt.nparams);
    for (uint32_t i = bt.nparams; i-- > 0;)
        cc_pop(c, bt.params[i]);
    for (uint32_t i = 0; i < bt.nparams; i++)
        cc_push_canon(c, bt.params[i]);
    cc_push_ctl(c, kind, &bt);
    if (c->r.failed)
        return;
    ctl *f = &c->ctls[c->nctl - 1];
    f->else_patch = else_word;
    f->else_instr = else_instr;
    if (was_dead) {
        f->dead_entry = true;
        return;
    }
    if (kind == CTL_LOOP) {
        c->known_ok = false; /* a back edge joins here */
        cc_start_fuel_block(c);
        f->label_pc = c->last_op_pos;
    } else if (kind == CTL_IF) {
        cc_continue_run(c, else_word + 1);
    }
}

static void op_br_table(cc *c)
{
    uint32_t n = rd_count(&c->r, 1);
    if (c->r.failed)
        return;
    if (n > ENG_MAX_ITEMS) {
        FAIL(c, "br_table too large");
        return;
    }
    uint32_t *depths = malloc(((size_t)n + 1) * sizeof *depths);
    if (!depths) {
        NOMEM(c);
        return;
    }
    for (uint32_t i = 0; i <= n; i++)
        depths[i] = rd_u32(&c->r);
    operand idx = cc_pop(c, ENG_I32);
    uint32_t arity = 0;
    for (uint32_t i = 0; i <= n && !c->r.failed; i++) {
        if (depths[i] >= c->nctl) {
            FAIL(c, "unknown label %u", depths[i]);
            break;
        }
        const eng_valtype *types;
        uint32_t k;
        cc_label_types(&c->ctls[c->nctl - 1 - depths[i]], &types, &k);
        if (i == 0)
            arity = k;
        else if (k != arity) {
            FAIL(c, "type mismatch: br_table labels have different arities");
            break;
        }
        cc_check_top(c, types, k);
    }
    if (!c->r.failed && !cc_dead(c)) {
        uint32_t at = cc_pos(c), l = c->last_op_pos;
        /* an index that the instruction just before computed into a stack temporary, which only
         * this reads: a byte load (an opcode fetch) or an add of a constant (a switch whose cases
         * do not start at 0) becomes part of the BR_TABLE (ir.h), at its place */
        bool load = c->last_op == OP_I32_LOAD8_U_K && c->len == l + 5 &&
                    c->code[l] == (uint32_t)c->handlers[OP_I32_LOAD8_U_K];
        bool add = c->last_op == OP_I32_ADD_K && c->len == l + 4;
        bool tmp = idx.loc == cc_canon(c, c->height) && (load || add) && c->code[l + 1] == idx.loc;
        if (tmp && load) {
            uint32_t x = c->code[l + 2], k = c->code[l + 3], offset = c->code[l + 4];
            cc_unemit_last(c);
            at = l;
            cc_emit_op(c, OP_BR_TABLE_LOAD8_U_K);
            cc_emit_src(c, x);
            cc_emit(c, k);
            cc_emit(c, offset);
        } else if (tmp) {
            uint32_t x = c->code[l + 2], k = c->code[l + 3];
            cc_unemit_last(c);
            at = l;
            cc_emit_op(c, OP_BR_TABLE_ADD_K);
            cc_emit_src(c, x);
            cc_emit(c, k);
        } else {
            cc_emit_op(c, OP_BR_TABLE);
            cc_emit_src(c, idx.loc);
        }
        cc_emit(c, n);
        uint32_t words = cc_pos(c);
        for (uint32_t i = 0; i <= n; i++)
            cc_emit(c, 0);
        for (uint32_t i = 0; i <= n && !c->r.failed; i++) {
            ctl *f = &c->ctls[c->nctl - 1 - depths[i]];
            if (f->kind == CTL_FUNC || cc_needs_moves(c, f, arity)) {
                /* a stub with the copies, then the jump */
                c->code[words + i] = cc_pos(c) - at;
                cc_emit_branch(c, depths[i]);
            } else if (f->kind == CTL_LOOP) {
                c->code[words + i] = f->label_pc - at;
            } else {
                cc_add_patch(c, f, at, words + i);
            }
        }
    }
    free(depths);
    cc_set_unreachable(c);
}

static eng_valtype local_type(cc *c, uint32_t x)
{
    if (x >= c->nlocals) {
        FAIL(c, "unknown local %u", x);
        return VT_UNKNOWN;
    }
    return c->local_types[x];
}

static void op_local_set(cc *c, uint32_t x, bool tee)
{
    eng_valtype t = local_type(c, x);
    if (c->r.failed)
        return;
    uint32_t top = c->height;
    operand v = cc_pop(c, t);
    if (c->r.failed)
        return;
    if (!cc_dead(c) && (v.loc & CONST_TAG) && x >= c->type->nparams && c->known_ok) {
        eng_slot k = c->consts[v.loc & ~SLOT_TAGS];
        if (c->known_valid[x] && c->known[x] == k) {
            /* the local already holds this value on every path that reaches here */
            if (tee)
                cc_push(c, t, x);
            return;
        }
        if (c->local_refs[x] == 0 && c->len == c->entry_len) {
            /* nothing has run yet: the frame setup writes the value */
            c->entry_init[x] = k;
            if (x < c->entry_lo)
                c->entry_lo = x;
            c->known[x] = k;
            c->known_valid[x] = 1;
            if (tee)
                cc_push(c, t, x);
            return;
        }
    }
    c->known_valid[x] = 0;
    if (!cc_dead(c)) {
        bool fused = false;
        if (c->local_refs[x] == 0 && v.loc == cc_canon(c, top - 1) && c->last_dst_pos != NO_POS &&
            c->code[c->last_dst_pos] == v.loc) {
            /* the value was just computed: compute it straight into the local */
            c->code[c->last_dst_pos] = x;
            c->last_dst_pos = NO_POS;
            if (c->acc_slot == v.loc)
                c->acc_slot = x;
            fused = true;
        }
        if (!fused) {
            cc_materialize_local_refs(c, x);
            cc_emit_mov(c, x, v.loc);
        }
    }
    if (tee)
        cc_push(c, t, cc_dead(c) ? cc_canon(c, c->height) : x);
}

static void op_call_indirect(cc *c)
{
    uint32_t ti = rd_u32(&c->r);
    uint32_t table = rd_u32(&c->r);
    if (c->r.failed)
        return;
    if (ti >= c->m->ntypes) {
        FAIL(c, "unknown type %u", ti);
        return;
    }
    if (table >= c->m->ntables) {
        FAIL(c, "unknown table %u", table);
        return;
    }
    if (c->m->tables[table].type != ENG_FUNCREF) {
        FAIL(c, "type mismatch: call_indirect through a table of externref");
        return;
    }
    uint32_t imm[2] = {table, ti};
    cc_emit_call(c, &c->m->types[ti], OP_CALL_INDIRECT, imm, 2, true);
}

/* One instruction; false at the function's final end. */
static bool instruction(cc *c)
{
    reader *r = &c->r;
    size_t at = rd_offset(r);
    c->instr_at = at;
    uint8_t op = rd_u8(r);
    if (r->failed)
        return false;
    if (!cc_dead(c))
        c->fuel_count++;
    switch (op) {
    case 0x00:
        if (!cc_dead(c))
            cc_emit_op(c, OP_UNREACHABLE);
        cc_set_unreachable(c);
        break;
    case 0x01:
        break;
    case 0x02:
        op_block(c, CTL_BLOCK);
        break;
    case 0x03:
        op_block(c, CTL_LOOP);
        break;
    case 0x04:
        op_block(c, CTL_IF);
        break;
    case 0x05:
        op_else(c);
        break;
    case 0x0b:
        op_end(c);
        return c->nctl > 0;
    case 0x0c: {
        uint32_t d = rd_u32(r);
        if (r->failed)
            return false;
        if (d >= c->nctl) {
            FAIL(c, "unknown label %u", d);
            return false;
        }
        const eng_valtype *types;
        uint32_t n;
        cc_label_types(&c->ctls[c->nctl - 1 - d], &types, &n);
        cc_check_top(c, types, n);
        if (!cc_dead(c))
            cc_emit_branch(c, d);
        cc_set_unreachable(c);
        break;
    }
    case 0x0d: {
        uint32_t d = rd_u32(r);
        if (r->failed)
            return false;
        if (d >= c->nctl) {
            FAIL(c, "unknown label %u", d);
            return false;
        }
        ctl *f = &c->ctls[c->nctl - 1 - d];
        const eng_valtype *types;
        uint32_t n;
        cc_label_types(f, &types, &n);
        if (cc_dead(c)) {
            cc_pop(c, ENG_I32);
            cc_check_top(c, types, n);
            /* the values pass through with the label's types */
            for (uint32_t i = n; i-- > 0;)
                cc_pop(c, types[i]);
            for (uint32_t i = 0; i < n; i++)
                cc_push_canon(c, types[i]);
            break;
        }
        /* the values sit under the condition */
        if (c->height - c->ctls[c->nctl - 1].height < 1) {
            cc_pop(c, ENG_I32);
            return false;
        }
        c->height--;
        cc_check_top(c, types, n);
        bool moves = f->kind == CTL_FUNC;
        for (uint32_t i = 0; i < n && !moves && !r->failed; i++)
            moves = c->loc[c->height - n + i] != cc_canon(c, f->height + i);
        c->height++;
        if (r->failed)
            return false;
        uint32_t word;
        if (!moves) {
            uint32_t instr = cc_emit_cjump(c, true, false, 0, &word);
            if (r->failed)
                return false; /* nothing was emitted: word is not in the code */
            if (f->kind == CTL_LOOP)
                c->code[word] = f->label_pc - instr;
            else
                cc_add_patch(c, f, instr, word);
            cc_continue_run(c, word + 1);
        } else {
            /* the copies for the branch sit on the not-taken side of an inverted test, whose
             * fuel word stays 0: the branch's target charges for itself */
            uint32_t instr = cc_emit_cjump(c, false, false, 0, &word);
            cc_emit_branch(c, d);
            if (r->failed)
                return false;
            c->code[word] = cc_pos(c) - instr;
            cc_start_fuel_block(c);
        }
        for (uint32_t i = 0; i < n; i++)
            c->vt[c->height - n + i] = types[i];
        break;
    }
    case 0x0e:
        op_br_table(c);
        break;
    case 0x0f: {
        cc_check_top(c, c->type->results, c->type->nresults);
        if (!cc_dead(c))
            cc_emit_return(c);
        cc_set_unreachable(c);
        break;
    }
    case 0x10: {
        uint32_t f = rd_u32(r);
        if (r->failed)
            return false;
        if (f >= c->m->nfuncs) {
            FAIL(c, "unknown function %u", f);
            return false;
        }
        const functype *ft = &c->m->types[c->m->func_types[f]];
        if (f < c->m->nfunc_imports) {
            cc_emit_call(c, ft, OP_CALL_IMPORT, &f, 1, false);
        } else {
            /* a function of this module runs in the caller's instance and has a body: the call
             * carries the body's address (ir.h); m->codes never moves once decoded */
            const code_body *b = &c->m->codes[f - c->m->nfunc_imports];
            uint32_t imm[2];
            memcpy(imm, &b, sizeof imm);
            cc_emit_call(c, ft, OP_CALL, imm, 2, false);
        }
        break;
    }
    case 0x11:
        op_call_indirect(c);
        break;
    case 0x1a:
        cc_pop(c, VT_UNKNOWN);
        break;
    case 0x1b:
        cc_op_select(c, false);
        break;
    case 0x1c:
        cc_op_select(c, true);
        break;
    case 0x20: {
        uint32_t x = rd_u32(r);
        eng_valtype t = local_type(c, x);
        if (!r->failed)
            cc_push(c, t, cc_dead(c) ? cc_canon(c, c->height) : x);
        break;
    }
    case 0x21:
    case 0x22: {
        uint32_t x = rd_u32(r);
        if (!r->failed)
            op_local_set(c, x, op == 0x22);
        break;
    }
    case 0x23: {
        uint32_t g = rd_u32(r);
        if (r->failed)
            return false;
        if (g >= c->m->nglobals) {
            FAIL(c, "unknown global %u", g);
            return false;
        }
        cc_emit_n(c, OP_GLOBAL_GET, NULL, 0, &g, 1, c->m->globals[g].type);
        break;
    }
    case 0x24: {
        uint32_t g = rd_u32(r);
        if (r->failed)
            return false;
        if (g >= c->m->nglobals) {
            FAIL(c, "unknown global %u", g);
            return false;
        }
        if (!c->m->globals[g].mut) {
            FAIL(c, "global is immutable");
            return false;
        }
        cc_emit_n(c, OP_GLOBAL_SET, &c->m->globals[g].type, 1, &g, 1, VT_UNKNOWN);
        break;
    }
    case 0x25:
    case 0x26: {
        uint32_t t = cc_read_table(c);
        if (r->failed)
            return false;
        eng_valtype et = c->m->tables[t].type;
        if (op == 0x25) {
            const eng_valtype i32 = ENG_I32;
            cc_emit_n(c, OP_TABLE_GET, &i32, 1, &t, 1, et);
        } else {
            eng_valtype ty[2] = {ENG_I32, et};
            cc_emit_n(c, OP_TABLE_SET, ty, 2, &t, 1, VT_UNKNOWN);
        }
        break;
    }
    case 0x28:
        cc_load(c, OP_I32_LOAD, ENG_I32, 2);
        break;
    case 0x29:
        cc_load(c, OP_I64_LOAD, ENG_I64, 3);
        break;
    case 0x2a:
        cc_load(c, OP_F32_LOAD, ENG_F32, 2);
        break;
    case 0x2b:
        cc_load(c, OP_F64_LOAD, ENG_F64, 3);
        break;
    case 0x2c:
        cc_load(c, OP_I32_LOAD8_S, ENG_I32, 0);
        break;
    case 0x2d:
        cc_load(c, OP_I32_LOAD8_U, ENG_I32, 0);
        break;
    case 0x2e:
        cc_load(c, OP_I32_LOAD16_S, ENG_I32, 1);
        break;
    case 0x2f:
        cc_load(c, OP_I32_LOAD16_U, ENG_I32, 1);
        break;
    case 0x30:
        cc_load(c, OP_I64_LOAD8_S, ENG_I64, 0);
        break;
    case 0x31:
        cc_load(c, OP_I64_LOAD8_U, ENG_I64, 0);
        break;
    case 0x32:
        cc_load(c, OP_I64_LOAD16_S, ENG_I64, 1);
        break;
    case 0x33:
        cc_load(c, OP_I64_LOAD16_U, ENG_I64, 1);
        break;
    case 0x34:
        cc_load(c, OP_I64_LOAD32_S, ENG_I64, 2);
        break;
    case 0x35:
        cc_load(c, OP_I64_LOAD32_U, ENG_I64, 2);
        break;
    case 0x36:
        cc_store(c, OP_I32_STORE, ENG_I32, 2);
        break;
    case 0x37:
        cc_store(c, OP_I64_STORE, ENG_I64, 3);
        break;
    case 0x38:
        cc_store(c, OP_F32_STORE, ENG_F32, 2);
        break;
    case 0x39:
        cc_store(c, OP_F64_STORE, ENG_F64, 3);
        break;
    case 0x3a:
        cc_store(c, OP_I32_STORE8, ENG_I32, 0);
        break;
    case 0x3b:
        cc_store(c, OP_I32_STORE16, ENG_I32, 1);
        break;
    case 0x3c:
        cc_store(c, OP_I64_STORE8, ENG_I64, 0);
        break;
    case 0x3d:
        cc_store(c, OP_I64_STORE16, ENG_I64, 1);
        break;
    case 0x3e:
        cc_store(c, OP_I64_STORE32, ENG_I64, 2);
        break;
    case 0x3f:
        cc_zero_byte(c);
        cc_need_memory(c);
        cc_emit_n(c, OP_MEMORY_SIZE, NULL, 0, NULL, 0, ENG_I32);
        break;
    case 0x40: {
        cc_zero_byte(c);
        cc_need_memory(c);
        const eng_valtype i32 = ENG_I32;
        cc_emit_n(c, OP_MEMORY_GROW, &i32, 1, NULL, 0, ENG_I32);
        break;
    }
    case 0x41: {
        int32_t v = rd_s32(r);
        if (!r->failed)
            cc_push(c, ENG_I32, cc_const_loc(c, (uint32_t)v));
        break;
    }
    case 0x42: {
        int64_t v = rd_s64(r);
        if (!r->failed)
            cc_push(c, ENG_I64, cc_const_loc(c, (uint64_t)v));
        break;
    }
    case 0x43: {
        uint32_t v = rd_fixed32(r);
        if (!r->failed)
            cc_push(c, ENG_F32, cc_const_loc(c, v));
        break;
    }
    case 0x44: {
        uint64_t v = rd_fixed64(r);
        if (!r->failed)
            cc_push(c, ENG_F64, cc_const_loc(c, v));
        break;
    }
    case 0xc0:
        cc_unop(c, OP_I32_EXTEND8_S, ENG_I32, ENG_I32);
        break;
    case 0xc1:
        cc_unop(c, OP_I32_EXTEND16_S, ENG_I32, ENG_I32);
        break;
    case 0xc2:
        cc_unop(c, OP_I64_EXTEND8_S, ENG_I64, ENG_I64);
        break;
    case 0xc3:
        cc_unop(c, OP_I64_EXTEND16_S, ENG_I64, ENG_I64);
        break;
    case 0xc4:
        cc_unop(c, OP_I64_EXTEND32_S, ENG_I64, ENG_I64);
        break;
    case 0xd0: {
        size_t tat = rd_offset(r);
        uint8_t t = rd_u8(r);
        if (r->failed)
            return false;
        if (t != ENG_FUNCREF && t != ENG_EXTERNREF) {
            rd_fail_at(r, ENG_ERR_MALFORMED, tat, "malformed reference type 0x%02x", t);
            return false;
        }
        cc_push(c, (eng_valtype)t, cc_const_loc(c, 0));
        break;
    }
    case 0xd1: {
        operand a = cc_pop(c, VT_UNKNOWN);
        if (!r->failed && a.t != VT_UNKNOWN && !cc_is_ref(a.t)) {
            FAIL(c, "type mismatch: ref.is_null expects a reference, got %s", eng_valtype_name(a.t));
            return false;
        }
        if (!cc_dead(c)) {
            cc_emit_op(c, OP_I64_EQZ);
            cc_emit_dst(c, cc_canon(c, c->height));
            cc_emit_src(c, a.loc);
        }
        cc_push_canon(c, ENG_I32);
        break;
    }
    case 0xd2: {
        uint32_t f = rd_u32(r);
        if (r->failed)
            return false;
        if (f >= c->m->nfuncs) {
            FAIL(c, "unknown function %u", f);
            return false;
        }
        if (!c->m->declared[f]) {
            FAIL(c, "undeclared function reference %u", f);
            return false;
        }
        cc_emit_n(c, OP_REF_FUNC, NULL, 0, &f, 1, ENG_FUNCREF);
        break;
    }
    case 0xfc:
        cc_op_fc(c);
        break;
    case 0xfd:
        rd_fail_at(r, ENG_ERR_UNSUPPORTED, at, "unsupported feature: SIMD (opcode prefix 0xfd)");
        return false;
    case 0xfe:
        rd_fail_at(r, ENG_ERR_UNSUPPORTED, at,
                   "unsupported feature: threads (atomic opcode prefix 0xfe)");
        return false;
    case 0x12:
    case 0x13:
        rd_fail_at(r, ENG_ERR_UNSUPPORTED, at, "unsupported feature: tail calls (opcode 0x%02x)",
                   op);
        return false;
    case 0x06:
    case 0x07:
    case 0x08:
    case 0x09:
    case 0x18:
    case 0x19:
        rd_fail_at(r, ENG_ERR_UNSUPPORTED, at, "unsupported feature: exceptions (opcode 0x%02x)",
                   op);
        return false;
    default:
        if (op >= 0x45 && op <= 0xbf) {
            cc_numeric(c, op);
            break;
        }
        rd_fail_at(r, ENG_ERR_MALFORMED, at, "illegal opcode 0x%02x", op);
        return false;
    }
    return !r->failed;
}

static void cc_free(cc *c)
{
    free(c->local_types);
    free(c->local_refs);
    free(c->vt);
    free(c->loc);
    free(c->ctls);
    free(c->code);
    free(c->fixups);
    free(c->patch);
    free(c->consts);
    free(c->chash);
    free(c->known);
    free(c->known_valid);
    free(c->entry_init);
}

static bool read_locals(cc *c)
{
    reader *r = &c->r;
    const functype *t = c->type;
    const uint8_t *save = r->p;
    uint32_t groups = rd_u32(r);
    uint64_t total = t->nparams;
    for (uint32_t i = 0; i < groups && !r->failed; i++) {
        size_t at = rd_offset(r);
        uint32_t n = rd_u32(r);
        uint8_t b = rd_u8(r);
        if (r->failed)
            return false;
        if (b == ENG_V128) {
            rd_fail_at(r, ENG_ERR_UNSUPPORTED, at, "unsupported feature: SIMD (v128 local)");
            return false;
        }
        total += n;
        if (total > UINT32_MAX) {
            rd_fail_at(r, ENG_ERR_MALFORMED, at, "too many locals");
            return false;
        }
    }
    if (r->failed)
        return false;
    if (total > ENG_MAX_FUNC_LOCALS) {
        rd_fail(r, ENG_ERR_LIMIT, "too many locals (%llu; the limit is %u)",
                (unsigned long long)total, ENG_MAX_FUNC_LOCALS);
        return false;
    }
    c->nlocals = (uint32_t)total;
    c->local_types = calloc(total + 1, sizeof *c->local_types);
    c->local_refs = calloc(total + 1, sizeof *c->local_refs);
    c->known = calloc(total + 1, sizeof *c->known);
    c->entry_init = calloc(total + 1, sizeof *c->entry_init);
    c->known_valid = malloc(total + 1);
    if (!c->local_types || !c->local_refs || !c->known || !c->entry_init || !c->known_valid) {
        NOMEM(c);
        return false;
    }
    memcpy(c->local_types, t->params, t->nparams * sizeof(eng_valtype));
    /* declared locals start at zero, parameters at what the caller passed */
    for (uint64_t i = 0; i < total; i++)
        c->known_valid[i] = i >= t->nparams;
    c->known_ok = true;
    c->entry_lo = (uint32_t)total;
    r->p = save;
    groups = rd_u32(r);
    uint32_t k = t->nparams;
    for (uint32_t i = 0; i < groups && !r->failed; i++) {
        uint32_t n = rd_u32(r);
        size_t at = rd_offset(r);
        uint8_t b = rd_u8(r);
        if (b != ENG_I32 && b != ENG_I64 && b != ENG_F32 && b != ENG_F64 && b != ENG_FUNCREF &&
            b != ENG_EXTERNREF) {
            rd_fail_at(r, ENG_ERR_MALFORMED, at, "malformed value type 0x%02x", b);
            return false;
        }
        for (uint32_t j = 0; j < n; j++)
            c->local_types[k++] = (eng_valtype)b;
    }
    return !r->failed;
}

/* Every call copies the constant area into the new frame, but most constants end up as
 * immediates of _K instructions, in fused branches or in dropped constant sets, and no slot
 * operand reads them (in `fib`, none of the five): keep only those a slot word still names, and
 * renumber them. The fixups list every word that holds a tagged constant index. */
static bool drop_unused_consts(cc *c)
{
    if (!c->nconsts)
        return true;
    uint32_t *map = calloc(c->nconsts, sizeof *map);
    if (!map) {
        NOMEM(c);
        return false;
    }
    for (size_t i = 0; i < c->nfixups; i++) {
        uint32_t w = c->code[c->fixups[i]];
        if (w & CONST_TAG)
            map[w & ~SLOT_TAGS] = 1;
    }
    uint32_t n = 0;
    for (uint32_t k = 0; k < c->nconsts; k++) {
        if (map[k]) {
            c->consts[n] = c->consts[k];
            map[k] = n++;
        }
    }
    for (size_t i = 0; i < c->nfixups; i++) {
        uint32_t *w = &c->code[c->fixups[i]];
        if (*w & CONST_TAG)
            *w = CONST_TAG | map[*w & ~SLOT_TAGS];
    }
    c->nconsts = n;
    free(map);
    return true;
}

eng_status eng_compile_function(eng_module *m, uint32_t index, eng_error *err)
{
    code_body *body = &m->codes[index];
    cc c0;
    cc *c = &c0;
    memset(c, 0, sizeof *c);
    c->m = m;
    c->body = body;
    c->r = (reader){m->bytes, body->body, body->body + body->body_len, 10, false, err};
    c->type = &m->types[m->func_types[m->nfunc_imports + index]];
    c->handlers = eng_exec_handlers();
    c->fuel_pos = NO_POS;
    c->instr_at = body->body_offset;
    c->last_op = -1;
    c->prev_op = -1;
    c->prev2_op = -1;
    c->last_dst_pos = NO_POS;
    c->acc_slot = c->acc_before = NO_POS;
    if (!read_locals(c))
        goto out;
    functype ft = *c->type;
    ft.nparams = 0; /* the function's label carries no params */
    cc_push_ctl(c, CTL_FUNC, &ft);
    cc_start_fuel_block(c);
    c->entry_len = c->len;
    while (!c->r.failed && instruction(c)) {
    }
    if (c->r.failed)
        goto out;
    if (c->nctl != 0) {
        rd_fail(&c->r, ENG_ERR_MALFORMED, "unexpected end of section or function");
        goto out;
    }
    if (!rd_eof(&c->r)) {
        rd_fail(&c->r, ENG_ERR_MALFORMED, "section size mismatch: code after the function's end");
        goto out;
    }
    c->code[c->fuel_pos] = c->fuel_count;
    if (!drop_unused_consts(c))
        goto out;
    uint32_t const_base = c->nlocals;
    uint32_t stack_base = c->nlocals + c->nconsts;
    for (size_t i = 0; i < c->nfixups; i++) {
        uint32_t *w = &c->code[c->fixups[i]];
        if (*w & CONST_TAG)
            *w = const_base + (*w & ~SLOT_TAGS);
        else if (*w & STACK_TAG)
            *w = stack_base + (*w & ~SLOT_TAGS);
        /* else: a destination retargeted to a local */
    }
    uint32_t ninit = c->nlocals - c->entry_lo;
    if (ninit) {
        /* the frame setup copies the locals' entry values and the constants in one run */
        if (!cc_grow(c, (void **)&c->consts, &c->consts_cap, c->nconsts + ninit, sizeof *c->consts))
            goto out;
        memmove(c->consts + ninit, c->consts, c->nconsts * sizeof *c->consts);
        memcpy(c->consts, c->entry_init + c->entry_lo, ninit * sizeof *c->consts);
    }
    body->code = c->code;
    body->code_len = c->len;
    c->code = NULL;
    body->consts = c->consts;
    body->nconsts = c->nconsts + ninit;
    c->consts = NULL;
    body->nparams = c->type->nparams;
    body->nlocals = c->nlocals - ninit; /* the frame setup zeroes the locals below the copy */
    body->const_base = const_base - ninit;
    uint32_t frame = stack_base + c->max_height;
    if (frame < c->type->nresults)
        frame = c->type->nresults;
    body->frame_slots = frame;
out:
    cc_free(c);
    return c->r.failed ? (err ? err->status : ENG_ERR_INVALID) : ENG_OK;
}

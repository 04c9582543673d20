/*
 * Internal interface of the function compiler, which is split by job: compile_emit.c emits code
 * and tracks operands and labels, compile_ops.c validates and compiles the instruction families
 * (numeric, memory, tables, calls), compile_fused.c fuses the last few instructions emitted into
 * one where that pays, compile.c drives a function body and its control flow.
 */
#ifndef AEGIS_ENGINE_COMPILE_H
#define AEGIS_ENGINE_COMPILE_H

#include "engine/internal.h"
#include "engine/ir.h"
#include "engine/reader.h"

/* Until the function is complete, the sizes of the constant area and of the operand stack are
 * unknown, so slot words name constants and stack positions with a tag and are relocated at the
 * end. The frame is [locals][constants][operand stack]: constants must sit below the operand
 * stack, because a callee's frame begins inside the caller's operand stack. */
#define CONST_TAG 0x80000000u
#define STACK_TAG 0x40000000u
#define SLOT_TAGS (CONST_TAG | STACK_TAG)
/* Operand stack depth and distinct constants per function, each. */
#define MAX_FRAME_ITEMS (1u << 24)
#define NO_POS UINT32_MAX
/* Upper bound on compiled code per function, in words, against br_table expansion bombs. */
#define MAX_CODE_WORDS (64u << 20)

enum { CTL_BLOCK, CTL_LOOP, CTL_IF, CTL_ELSE, CTL_FUNC };

typedef struct ctl {
    uint8_t kind;
    bool unreachable;
    const eng_valtype *params, *results;
    uint32_t nparams, nresults;
    uint32_t height;     /* operand stack height below the block's params */
    uint32_t label_pc;   /* loops: start of the loop */
    uint32_t patches;    /* forward branches to this label: head of a list in cc.patch */
    uint32_t else_patch; /* if: the branch taken when the condition is false */
    bool dead_entry;     /* the block began in unreachable code: nothing of it is emitted */
    uint32_t else_instr;
} ctl;

typedef struct patch {
    uint32_t word, instr, next;
} patch;

typedef struct cc {
    eng_module *m;
    const code_body *body;
    reader r;
    const functype *type;
    eng_valtype *local_types;
    uint32_t nlocals;
    uint32_t *local_refs; /* operands currently referring to each local */
    /* operand stack */
    eng_valtype *vt;
    uint32_t *loc;
    uint32_t height, cap, max_height;
    /* control stack */
    ctl *ctls;
    uint32_t nctl, ctl_cap;
    /* output */
    uint32_t *code;
    size_t len, code_cap;
    uint32_t *fixups; /* positions of words holding tagged constant indices */
    size_t nfixups, fix_cap;
    patch *patch;
    uint32_t npatch, patch_cap;
    eng_slot *consts;
    uint32_t nconsts, consts_cap;
    uint32_t *chash; /* open addressing: const index + 1 */
    uint32_t chash_cap;
    const int32_t *handlers;
    uint32_t fuel_pos, fuel_count;
    /* peephole state: the last instruction and the position of its destination word */
    uint32_t last_op_pos, last_dst_pos;
    int last_op;
    /* the instruction before the last one (-1 when unknown), for three-instruction fusions */
    uint32_t prev_op_pos;
    int prev_op;
    /* and the one before that, for the four-instruction f64 update (compile_ops.c, cc_store) */
    uint32_t prev2_op_pos;
    int prev2_op;
    size_t instr_at; /* file offset of the instruction being compiled */
    /* the slot whose value the interpreter's accumulator holds after the last instruction
     * (NO_POS when none), and its value before that instruction (for unemit_last) */
    uint32_t acc_slot, acc_before;
    /* Values of declared locals known at compile time, for the straight-line and forward-only
     * code before the first loop (known_ok): there every path from the entry has passed the
     * same writes, so a local.set of the value a local already holds can be dropped. The
     * frame's own setup writes the first constants (entry_init, from entry_lo: a local.set of a
     * constant before any emitted instruction costs nothing at run time). */
    eng_slot *known;
    uint8_t *known_valid;
    bool known_ok;
    eng_slot *entry_init;
    uint32_t entry_lo;
    size_t entry_len; /* code length after the function's first FUEL */
} cc;

typedef struct operand {
    eng_valtype t;
    uint32_t loc;
} operand;

/* Validation errors point at the start of the offending instruction. */
#define FAIL(c, ...) rd_fail_at(&(c)->r, ENG_ERR_INVALID, (c)->instr_at, __VA_ARGS__)
#define NOMEM(c) rd_fail(&(c)->r, ENG_ERR_NOMEM, "out of memory")

/* The two instructions before the last one (prev_op, prev2_op). */
typedef struct cc_history {
    int op, op2;
    uint32_t pos, pos2;
} cc_history;

/* ---- compile_emit.c ---- */
bool cc_is_ref(eng_valtype t);
bool cc_grow(cc *c, void **p, uint32_t *cap, uint32_t need, size_t elem);
void cc_emit(cc *c, uint32_t w);
uint32_t cc_pos(const cc *c);
void cc_emit_op(cc *c, int op);
void cc_emit_vop(cc *c, int op, uint32_t a, uint32_t b);
void cc_emit_src(cc *c, uint32_t loc);
void cc_emit_dst(cc *c, uint32_t slot);
void cc_unemit_last(cc *c);
/* A fused instruction that replaces the last one at its place has the same instructions before
 * it, which cc_unemit_last forgets: taken before it, given back after the replacement's
 * cc_emit_op. */
cc_history cc_history_of(const cc *c);
void cc_restore_history(cc *c, cc_history h);
uint32_t cc_const_loc(cc *c, eng_slot v);
void cc_start_fuel_block(cc *c);
uint32_t cc_canon(const cc *c, uint32_t h);
void cc_push(cc *c, eng_valtype t, uint32_t loc);
void cc_push_canon(cc *c, eng_valtype t);
operand cc_pop(cc *c, eng_valtype expected);
bool cc_dead(const cc *c);
void cc_emit_mov(cc *c, uint32_t dst, uint32_t src);
void cc_materialize(cc *c, uint32_t i);
void cc_materialize_local_refs(cc *c, uint32_t local);
void cc_settle(cc *c, uint32_t n);
void cc_label_types(const ctl *f, const eng_valtype **types, uint32_t *n);
void cc_add_patch(cc *c, ctl *f, uint32_t instr, uint32_t word);
void cc_emit_target(cc *c, ctl *f, uint32_t instr);
void cc_set_unreachable(cc *c);
void cc_emit_return(cc *c);
void cc_check_top(cc *c, const eng_valtype *types, uint32_t n);
bool cc_needs_moves(const cc *c, const ctl *f, uint32_t n);
void cc_emit_moves(cc *c, const ctl *f, uint32_t n);
void cc_emit_branch(cc *c, uint32_t depth);
uint32_t cc_emit_cjump(cc *c, bool when_true, bool do_settle, uint32_t keep, uint32_t *word);
void cc_continue_run(cc *c, uint32_t word);
void cc_push_ctl(cc *c, uint8_t kind, const functype *bt);
bool cc_read_blocktype(cc *c, functype *bt);

/* ---- compile_fused.c ---- */
/* Each emits the fused instruction in place of the last ones and returns true, or emits nothing
 * and returns false. After i32.xor's operands a (at height h) and b (h + 1) were popped: */
bool cc_fuse_sigma(cc *c, uint32_t a, uint32_t b);
/* after i32.add's operands were popped: */
bool cc_fuse_add_load(cc *c, uint32_t a, uint32_t b);
bool cc_fuse_xor_mul(cc *c, uint32_t a, uint32_t b);
bool cc_fuse_add3(cc *c, uint32_t a, uint32_t b);
/* after i64.and's operands were popped: */
bool cc_fuse_extend_and(cc *c, uint32_t a, uint32_t b);
/* after f64.store's address and value were popped: */
bool cc_fuse_f64_store(cc *c, uint32_t addr, uint32_t v, uint32_t offset);

/* ---- compile_ops.c ---- */
void cc_unop(cc *c, int op, eng_valtype in, eng_valtype out);
void cc_binop(cc *c, int op, eng_valtype in, eng_valtype out);
void cc_need_memory(cc *c);
uint32_t cc_read_memarg(cc *c, uint32_t natural_log2);
void cc_load(cc *c, int op, eng_valtype t, uint32_t natural);
void cc_store(cc *c, int op, eng_valtype t, uint32_t natural);
void cc_zero_byte(cc *c);
uint32_t cc_read_table(cc *c);
uint32_t cc_read_elem(cc *c);
uint32_t cc_read_data(cc *c);
void cc_emit_n(cc *c, int op, const eng_valtype *types, uint32_t n, const uint32_t *imm,
               uint32_t nimm, eng_valtype result);
void cc_emit_call(cc *c, const functype *t, int op, const uint32_t *imm, uint32_t nimm,
                  bool indirect);
void cc_numeric(cc *c, uint8_t opcode);
void cc_op_fc(cc *c);
void cc_op_select(cc *c, bool typed);

#endif

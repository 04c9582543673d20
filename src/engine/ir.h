/*
 * The internal instruction form that compile.c produces and exec.c runs.
 *
 * Code is an array of 32-bit words. An instruction is its handler (the byte offset of the
 * handler's label from a base label inside the interpreter, so dispatch is one load and one
 * indirect jump) followed by its operands. Operands are slot indices into the current frame
 * (locals, operand-stack positions and constants alike), so there is no runtime operand stack:
 * `local.get` and constants cost nothing and `i32.add` reads its inputs straight from locals.
 * Branch targets are word offsets relative to the start of the branching instruction.
 *
 * Operand layouts (d = destination slot, a/b/c/x/y = source slots, k = a constant):
 *   unary    d a               binary   d a b              binary _K   d a k
 *   LOAD*    d addr offset     LOAD*_K  d x k offset       LOAD*_X     d x y offset
 *   STORE*   addr value offset MOV      d a                MOV2..MOV4  (d a) x 2..4
 *   FUEL n   JMP rel           BR_IF / BR_UNLESS c rel n   BR_<cmp>    a b rel n (b: k for _K)
 *   BR_TABLE c n rel*(n+1)     CALL body arg_base          CALL_IMPORT func arg_base
 *   CALL_INDIRECT table type idx arg_base                  RET      RET1 a      SELECT d a b c
 *   CALL     a function of the same module, which has a body and runs in the caller's
 *            instance: body is the address of its code_body, in two words (CALL_IMPORT: others)
 *   F64_MULADD d a x y: d = a + x * y, an f64.mul whose result only feeds the f64.add that
 *            follows, rounded twice as in Wasm (_Y: y is the accumulator)
 *   F64_MULADD_ST p a x y offset: f64.store at p + offset of a + x * y, an F64_MULADD whose
 *            result only feeds the store that follows (_Y: y is the accumulator)
 *   F64_MULADD_ST_LK p a x bx bk boff soff, F64_MULADD_ST_LXW p a x w bx by boff soff: the same
 *            with y an f64.load (F64_LOAD_K, F64_LOAD_XW) fused in: c[i] += x * b[j]
 *   F64_MULADD_RMW_LK w x1 y1 off x bx bk boff, F64_MULADD_RMW_LXW w x1 y1 off x w2 bx by boff:
 *            the same where a was loaded from the address stored to, kept in local w = x1 + y1
 *            (F64_LOAD_XW or _KW): [w + off] += x * y, y loaded as in _LK or _LXW
 *   I32_ADD_LOAD_K d a x k offset: d = a + i32.load((uint32)(x + k) + offset), an I32_LOAD_K whose
 *            result only feeds the i32.add that follows (_A: a is the accumulator)
 *   I32_ADD3 d x y z: d = x + y + z, an i32.add whose result only feeds the i32.add that follows
 *            (_A: x is the accumulator)
 *   I32_SIGMA d x k1 k2 k3 m: d = rotl(x, k1) ^ rotl(x, k2) ^ (rotl(x, k3) & m), the xor of two
 *            or three constant rotates or shifts of one value (SHA-2's sigma functions; a shift
 *            is a rotate with a mask, m = 0 drops the third term; _A: x is the accumulator)
 *   LD8K_BR_<cmp>_K d x k offset k2 rel n: d = i32.load8_u((uint32)(x + k) + offset), kept (and
 *            in the accumulator), then BR_<cmp>_K on d against k2: a lexer's byte test
 *   ADDK_THEN_BR_LT_U_K d x k a k2 rel n (and _GE_U_K): d = x + k (kept, and in the
 *            accumulator), then BR_LT_U_K (BR_GE_U_K) on a, a slot other than d, against k2: a
 *            loop that steps one counter and tests another (`steps++; while (pc < n)`); the add
 *            does not feed the compare. Only this pair: each handler moves the others in the
 *            interpreter's code, and all ten compares measured a loss on kernels not using them
 *   BR_TABLE_LOAD8_U_K x k offset n rel*(n+1): BR_TABLE on i32.load8_u((uint32)(x + k) + offset)
 *            (an opcode fetch); BR_TABLE_ADD_K x k n rel*(n+1): BR_TABLE on x + k (a switch whose
 *            cases start at k); the index is a stack temporary that only the BR_TABLE reads
 *   I32_LOAD_SK d w x s k offset (and I32_LOAD8_U_SK): w = x << s, kept, then d = the load at
 *            (uint32)(w + k) + offset: an I32_LOAD_K whose base was just shifted (a table entry
 *            at an index; _A: x is the accumulator)
 *   I32_LOAD_AS d a x s offset (and I64_LOAD_AS): d = the load at (uint32)(a + (x << s)) + offset,
 *            an I32_ADD_SHL_K whose result only feeds the load that follows (r[i] of an array)
 *   I64_XOR_MUL d x y z: d = (x ^ y) * z, an i64.xor whose result only feeds the i64.mul that
 *            follows (the FNV-1a step; _A: x is the accumulator)
 * Other instructions put their immediates first: GLOBAL_GET g d, GLOBAL_SET g a, TABLE_GET t d i,
 * MEMORY_INIT seg d s n, REF_FUNC f d, ...
 * A conditional branch's last word n is the fuel of the run that follows when it is not taken
 * (that run has no FUEL instruction of its own).
 */
#ifndef AEGIS_ENGINE_IR_H
#define AEGIS_ENGINE_IR_H

// clang-format off
/* i32 operators fused with the constant rotate or shift that computed their other operand
 * (exec_fused.inc): name = OP2_OP1_K, layout d a x k, d = a OP2 (x OP1 k). */
#define IR_FUSEDK_OPS(X)                                                                           \
    X(I32_XOR_ROTL_K) X(I32_XOR_ROTR_K) X(I32_XOR_SHL_K) X(I32_XOR_SHR_U_K)                        \
    X(I32_ADD_ROTL_K) X(I32_ADD_ROTR_K) X(I32_ADD_SHL_K) X(I32_ADD_SHR_U_K)                        \
    X(I32_OR_ROTL_K) X(I32_OR_ROTR_K) X(I32_OR_SHL_K) X(I32_OR_SHR_U_K)                            \
    X(I32_AND_ROTL_K) X(I32_AND_ROTR_K) X(I32_AND_SHL_K) X(I32_AND_SHR_U_K)

/* i32.add of a constant fused with the conditional branch that tests its result (loop
 * counters): layout d x k1 [k2 | b] rel n; d = x + k1 (kept, and in the accumulator), then the
 * branch on d as BR_<cmp>_K (against k2), BR_<cmp> (against slot b), BR_IF or BR_UNLESS. */
#define IR_ADDK_BR_OPS(X)                                                                          \
    X(ADDK_BR_EQ_K) X(ADDK_BR_NE_K) X(ADDK_BR_LT_S_K) X(ADDK_BR_LT_U_K) X(ADDK_BR_GT_S_K)          \
    X(ADDK_BR_GT_U_K) X(ADDK_BR_LE_S_K) X(ADDK_BR_LE_U_K) X(ADDK_BR_GE_S_K) X(ADDK_BR_GE_U_K)      \
    X(ADDK_BR_EQ) X(ADDK_BR_NE) X(ADDK_BR_LT_S) X(ADDK_BR_LT_U) X(ADDK_BR_GT_S) X(ADDK_BR_GT_U)    \
    X(ADDK_BR_LE_S) X(ADDK_BR_LE_U) X(ADDK_BR_GE_S) X(ADDK_BR_GE_U) X(ADDK_BR_IF)                  \
    X(ADDK_BR_UNLESS)

/* Fused instructions whose handlers are in exec_fused_more.inc (layouts above). */
#define IR_MORE_FUSED_OPS(X)                                                                       \
    X(I32_SIGMA) X(I32_SIGMA_A) X(F64_MULADD_ST) X(F64_MULADD_ST_Y) X(F64_MULADD_ST_LK)            \
    X(F64_MULADD_ST_LXW) X(F64_MULADD_RMW_LK) X(F64_MULADD_RMW_LXW) X(I32_ADD_LOAD_K)              \
    X(I32_ADD_LOAD_K_A) X(I32_ADD3) X(I32_ADD3_A) X(BR_TABLE_LOAD8_U_K) X(BR_TABLE_ADD_K)          \
    X(LD8K_BR_EQ_K) X(LD8K_BR_NE_K) X(LD8K_BR_LT_S_K) X(LD8K_BR_LT_U_K) X(LD8K_BR_GT_S_K)          \
    X(LD8K_BR_GT_U_K) X(LD8K_BR_LE_S_K) X(LD8K_BR_LE_U_K) X(LD8K_BR_GE_S_K) X(LD8K_BR_GE_U_K)     \
    X(I32_LOAD_SK) X(I32_LOAD_SK_A) X(I32_LOAD8_U_SK) X(I32_LOAD8_U_SK_A) X(I32_LOAD_AS)            \
    X(I64_LOAD_AS) X(I64_XOR_MUL) X(I64_XOR_MUL_A) X(ADDK_THEN_BR_LT_U_K) X(ADDK_THEN_BR_GE_U_K)

/* Instructions without variants. */
#define IR_PLAIN_OPS(X)                                                                            \
    X(FUEL) X(JMP) X(RET1) X(BR_IF) X(BR_UNLESS) X(BR_IF_A) X(BR_UNLESS_A) X(BR_TABLE) X(RET)      \
    X(CALL) X(CALL_IMPORT) X(CALL_INDIRECT) X(UNREACHABLE) X(MOV) X(SELECT) X(GLOBAL_GET)          \
    X(GLOBAL_SET)                                                                                  \
    X(MEMORY_SIZE) X(MEMORY_GROW) X(MEMORY_INIT) X(DATA_DROP) X(MEMORY_COPY) X(MEMORY_FILL)        \
    X(TABLE_GET) X(TABLE_SET) X(TABLE_SIZE) X(TABLE_GROW) X(TABLE_FILL) X(TABLE_COPY)              \
    X(TABLE_INIT) X(ELEM_DROP) X(REF_FUNC) X(MOV2) X(MOV3) X(MOV4) X(F64_MULADD) X(F64_MULADD_Y) IR_FUSEDK_OPS(X) IR_ADDK_BR_OPS(X)

/*
 * Families with accumulator variants. Every value-producing instruction of these families also
 * leaves its result in a register of the interpreter (the accumulator). When the next
 * instruction consumes that value, the compiler picks its variant that takes the operand from
 * the accumulator (suffix _A: first operand, _B: second operand), which removes a store-to-load
 * round trip through the frame from the critical path of dependent code. S is the suffix.
 */
#define IR_BRCMP_OPS(X, S)                                                                         \
    X(BR_EQ##S) X(BR_NE##S) X(BR_LT_S##S) X(BR_LT_U##S) X(BR_GT_S##S) X(BR_GT_U##S)                \
    X(BR_LE_S##S) X(BR_LE_U##S) X(BR_GE_S##S) X(BR_GE_U##S) X(BR64_EQ##S) X(BR64_NE##S)            \
    X(BR64_LT_S##S) X(BR64_LT_U##S) X(BR64_GT_S##S) X(BR64_GT_U##S) X(BR64_LE_S##S)                \
    X(BR64_LE_U##S) X(BR64_GE_S##S) X(BR64_GE_U##S)
#define IR_LOAD_OPS(X, S)                                                                          \
    X(I32_LOAD##S) X(I64_LOAD##S) X(F32_LOAD##S) X(F64_LOAD##S) X(I32_LOAD8_S##S)                  \
    X(I32_LOAD8_U##S) X(I32_LOAD16_S##S) X(I32_LOAD16_U##S) X(I64_LOAD8_S##S) X(I64_LOAD8_U##S)    \
    X(I64_LOAD16_S##S) X(I64_LOAD16_U##S) X(I64_LOAD32_S##S) X(I64_LOAD32_U##S)
/* Loads whose address is an i32.add of a constant fused in: ea = (uint32)(x + k) + offset. */
#define IR_LOADK_OPS(X, S)                                                                         \
    X(I32_LOAD_K##S) X(I64_LOAD_K##S) X(F32_LOAD_K##S) X(F64_LOAD_K##S) X(I32_LOAD8_S_K##S)        \
    X(I32_LOAD8_U_K##S) X(I32_LOAD16_S_K##S) X(I32_LOAD16_U_K##S) X(I64_LOAD8_S_K##S)              \
    X(I64_LOAD8_U_K##S) X(I64_LOAD16_S_K##S) X(I64_LOAD16_U_K##S) X(I64_LOAD32_S_K##S)             \
    X(I64_LOAD32_U_K##S)
/* Loads whose address is an i32.add of two values fused in: ea = (uint32)(x + y) + offset. */
#define IR_LOADX_OPS(X, S)                                                                         \
    X(I32_LOAD_X##S) X(I64_LOAD_X##S) X(F32_LOAD_X##S) X(F64_LOAD_X##S) X(I32_LOAD8_S_X##S)        \
    X(I32_LOAD8_U_X##S) X(I32_LOAD16_S_X##S) X(I32_LOAD16_U_X##S) X(I64_LOAD8_S_X##S)              \
    X(I64_LOAD8_U_X##S) X(I64_LOAD16_S_X##S) X(I64_LOAD16_U_X##S) X(I64_LOAD32_S_X##S)             \
    X(I64_LOAD32_U_X##S)
/* Loads fused with the i32.add that computed their address into a local (local.tee, or
 * local.set then local.get), which is kept: w = x + y (_XW) or w = x + k (_KW), then
 * d = load((uint32)w + offset). Layout d w x y|k offset. */
#define IR_LOADW_OPS(X, S)                                                                         \
    X(I32_LOAD##S) X(I64_LOAD##S) X(F32_LOAD##S) X(F64_LOAD##S) X(I32_LOAD8_S##S)                  \
    X(I32_LOAD8_U##S) X(I32_LOAD16_S##S) X(I32_LOAD16_U##S) X(I64_LOAD8_S##S)                      \
    X(I64_LOAD8_U##S) X(I64_LOAD16_S##S) X(I64_LOAD16_U##S) X(I64_LOAD32_S##S)                     \
    X(I64_LOAD32_U##S)
#define IR_STORE_OPS(X, S)                                                                         \
    X(I32_STORE##S) X(I64_STORE##S) X(F32_STORE##S) X(F64_STORE##S) X(I32_STORE8##S)               \
    X(I32_STORE16##S) X(I64_STORE8##S) X(I64_STORE16##S) X(I64_STORE32##S)
#define IR_UN_OPS(X, S)                                                                            \
    X(I32_EQZ##S) X(I64_EQZ##S) X(I32_CLZ##S) X(I32_CTZ##S) X(I32_POPCNT##S) X(I64_CLZ##S)         \
    X(I64_CTZ##S) X(I64_POPCNT##S) X(F32_ABS##S) X(F32_NEG##S) X(F32_CEIL##S) X(F32_FLOOR##S)      \
    X(F32_TRUNC##S) X(F32_NEAREST##S) X(F32_SQRT##S) X(F64_ABS##S) X(F64_NEG##S) X(F64_CEIL##S)    \
    X(F64_FLOOR##S) X(F64_TRUNC##S) X(F64_NEAREST##S) X(F64_SQRT##S) X(I32_WRAP_I64##S)            \
    X(I32_TRUNC_F32_S##S) X(I32_TRUNC_F32_U##S) X(I32_TRUNC_F64_S##S) X(I32_TRUNC_F64_U##S)        \
    X(I64_EXTEND_I32_S##S) X(I64_EXTEND_I32_U##S) X(I64_TRUNC_F32_S##S) X(I64_TRUNC_F32_U##S)      \
    X(I64_TRUNC_F64_S##S) X(I64_TRUNC_F64_U##S) X(F32_CONVERT_I32_S##S) X(F32_CONVERT_I32_U##S)    \
    X(F32_CONVERT_I64_S##S) X(F32_CONVERT_I64_U##S) X(F32_DEMOTE_F64##S) X(F64_CONVERT_I32_S##S)   \
    X(F64_CONVERT_I32_U##S) X(F64_CONVERT_I64_S##S) X(F64_CONVERT_I64_U##S)                        \
    X(F64_PROMOTE_F32##S) X(I32_EXTEND8_S##S) X(I32_EXTEND16_S##S) X(I64_EXTEND8_S##S)             \
    X(I64_EXTEND16_S##S) X(I64_EXTEND32_S##S) X(I32_TRUNC_SAT_F32_S##S)                            \
    X(I32_TRUNC_SAT_F32_U##S) X(I32_TRUNC_SAT_F64_S##S) X(I32_TRUNC_SAT_F64_U##S)                  \
    X(I64_TRUNC_SAT_F32_S##S) X(I64_TRUNC_SAT_F32_U##S) X(I64_TRUNC_SAT_F64_S##S)                  \
    X(I64_TRUNC_SAT_F64_U##S)
#define IR_BIN_OPS(X, S)                                                                           \
    X(I32_EQ##S) X(I32_NE##S) X(I32_LT_S##S) X(I32_LT_U##S) X(I32_GT_S##S) X(I32_GT_U##S)          \
    X(I32_LE_S##S) X(I32_LE_U##S) X(I32_GE_S##S) X(I32_GE_U##S) X(I64_EQ##S) X(I64_NE##S)          \
    X(I64_LT_S##S) X(I64_LT_U##S) X(I64_GT_S##S) X(I64_GT_U##S) X(I64_LE_S##S) X(I64_LE_U##S)      \
    X(I64_GE_S##S) X(I64_GE_U##S) X(F32_EQ##S) X(F32_NE##S) X(F32_LT##S) X(F32_GT##S)              \
    X(F32_LE##S) X(F32_GE##S) X(F64_EQ##S) X(F64_NE##S) X(F64_LT##S) X(F64_GT##S) X(F64_LE##S)     \
    X(F64_GE##S) X(I32_ADD##S) X(I32_SUB##S) X(I32_MUL##S) X(I32_DIV_S##S) X(I32_DIV_U##S)         \
    X(I32_REM_S##S) X(I32_REM_U##S) X(I32_AND##S) X(I32_OR##S) X(I32_XOR##S) X(I32_SHL##S)         \
    X(I32_SHR_S##S) X(I32_SHR_U##S) X(I32_ROTL##S) X(I32_ROTR##S) X(I64_ADD##S) X(I64_SUB##S)      \
    X(I64_MUL##S) X(I64_DIV_S##S) X(I64_DIV_U##S) X(I64_REM_S##S) X(I64_REM_U##S) X(I64_AND##S)    \
    X(I64_OR##S) X(I64_XOR##S) X(I64_SHL##S) X(I64_SHR_S##S) X(I64_SHR_U##S) X(I64_ROTL##S)        \
    X(I64_ROTR##S) X(F32_ADD##S) X(F32_SUB##S) X(F32_MUL##S) X(F32_DIV##S) X(F32_MIN##S)           \
    X(F32_MAX##S) X(F32_COPYSIGN##S) X(F64_ADD##S) X(F64_SUB##S) X(F64_MUL##S) X(F64_DIV##S)       \
    X(F64_MIN##S) X(F64_MAX##S) X(F64_COPYSIGN##S)

/* i32 operators and branches whose second operand is a constant carried in the code (suffix _K):
 * the constant costs no frame access. */
#define IR_BINK_OPS(X, S)                                                                          \
    X(I32_ADD_K##S) X(I32_SUB_K##S) X(I32_MUL_K##S) X(I32_AND_K##S) X(I32_OR_K##S)                 \
    X(I32_XOR_K##S) X(I32_SHL_K##S) X(I32_SHR_S_K##S) X(I32_SHR_U_K##S) X(I32_ROTL_K##S)           \
    X(I32_ROTR_K##S) X(I32_EQ_K##S) X(I32_NE_K##S) X(I32_LT_S_K##S) X(I32_LT_U_K##S)               \
    X(I32_GT_S_K##S) X(I32_GT_U_K##S) X(I32_LE_S_K##S) X(I32_LE_U_K##S) X(I32_GE_S_K##S)           \
    X(I32_GE_U_K##S)
#define IR_BRK_OPS(X, S)                                                                           \
    X(BR_EQ_K##S) X(BR_NE_K##S) X(BR_LT_S_K##S) X(BR_LT_U_K##S) X(BR_GT_S_K##S) X(BR_GT_U_K##S)    \
    X(BR_LE_S_K##S) X(BR_LE_U_K##S) X(BR_GE_S_K##S) X(BR_GE_U_K##S)

#define IR_OPS(X)                                                                                  \
    IR_PLAIN_OPS(X) IR_BINK_OPS(X, ) IR_BINK_OPS(X, _A) IR_BRK_OPS(X, ) IR_BRK_OPS(X, _A)          \
    IR_BRCMP_OPS(X, ) IR_BRCMP_OPS(X, _A) IR_BRCMP_OPS(X, _B) IR_LOAD_OPS(X, )                     \
    IR_LOAD_OPS(X, _A) IR_LOADK_OPS(X, ) IR_LOADK_OPS(X, _A) IR_LOADX_OPS(X, ) IR_LOADX_OPS(X, _A) IR_LOADX_OPS(X, _B) IR_LOADW_OPS(X, _XW) IR_LOADW_OPS(X, _KW) IR_STORE_OPS(X, ) IR_STORE_OPS(X, _A) IR_STORE_OPS(X, _B) IR_UN_OPS(X, )    \
    IR_UN_OPS(X, _A) IR_BIN_OPS(X, ) IR_BIN_OPS(X, _A) IR_BIN_OPS(X, _B) IR_MORE_FUSED_OPS(X)
// clang-format on

enum ir_op {
#define IR_ENUM(name) OP_##name,
    IR_OPS(IR_ENUM)
#undef IR_ENUM
        OP_COUNT
};

/* Distance from an instruction to its accumulator variants, per family. */
#define IR_VARIANT_A(first) (OP_##first##_A - OP_##first)
#define IR_VARIANT_B(first) (OP_##first##_B - OP_##first)
static inline int ir_family_first(int op)
{
    if (op >= OP_I32_ADD_K && op < OP_I32_ADD_K_A)
        return OP_I32_ADD_K;
    if (op >= OP_BR_EQ_K && op < OP_BR_EQ_K_A)
        return OP_BR_EQ_K;
    if (op >= OP_BR_EQ && op < OP_BR_EQ_A)
        return OP_BR_EQ;
    if (op >= OP_I32_LOAD && op < OP_I32_LOAD_A)
        return OP_I32_LOAD;
    if (op >= OP_I32_LOAD_K && op < OP_I32_LOAD_K_A)
        return OP_I32_LOAD_K;
    if (op >= OP_I32_LOAD_X && op < OP_I32_LOAD_X_A)
        return OP_I32_LOAD_X;
    if (op >= OP_I32_STORE && op < OP_I32_STORE_A)
        return OP_I32_STORE;
    if (op >= OP_I32_EQZ && op < OP_I32_EQZ_A)
        return OP_I32_EQZ;
    if (op >= OP_I32_EQ && op < OP_I32_EQ_A)
        return OP_I32_EQ;
    return -1;
}

#endif

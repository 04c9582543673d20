/*
 * Kernel "vm": a register bytecode interpreter running a small program, the structure of every
 * embedded scripting or filter language: fetch, decode, a switch over opcodes (a br_table in
 * wasm), data-dependent branches. The program counts Collatz steps for every start value from 1
 * to a limit that changes per iteration, and sums them; the interpreter checks every register
 * index and jump target like a real one must, and stops on a step budget.
 */
#include "kernel.h"

#define VM_REGISTERS 8u
#define VM_MAX_STEPS 100000000u
#define VM_BASE_LIMIT 1500u

enum vm_op {
    VM_LOADI, /* r[a] = imm */
    VM_MOV,   /* r[a] = r[b] */
    VM_ADD,   /* r[a] = r[b] + r[c] */
    VM_ADDI,  /* r[a] = r[b] + imm */
    VM_MUL3,  /* r[a] = r[b] * 3 + 1 */
    VM_SHR1,  /* r[a] = r[b] >> 1 */
    VM_ANDI,  /* r[a] = r[b] & imm */
    VM_JZ,    /* if r[a] == 0: pc = imm */
    VM_JLE,   /* if r[a] <= r[b]: pc = imm */
    VM_JMP,   /* pc = imm */
    VM_HALT,  /* result = r[a] */
};

typedef struct {
    uint8_t op, a, b, c;
    uint32_t imm;
} vm_insn;

/* r0 = limit (input), r1 = n, r2 = x, r3 = steps total, r4 = scratch, r5 = constant 1. */
static const vm_insn vm_program[] = {
    /* 0 */ {VM_LOADI, 1, 0, 0, 1},
    /* 1 */ {VM_LOADI, 3, 0, 0, 0},
    /* 2 */ {VM_LOADI, 5, 0, 0, 1},
    /* 3 */ {VM_JLE, 1, 0, 0, 5}, /* outer: while n <= limit */
    /* 4 */ {VM_HALT, 3, 0, 0, 0},
    /* 5 */ {VM_MOV, 2, 1, 0, 0},
    /* 6 */ {VM_JLE, 2, 5, 0, 13}, /* inner: while x > 1 */
    /* 7 */ {VM_ANDI, 4, 2, 0, 1},
    /* 8 */ {VM_JZ, 4, 0, 0, 11},
    /* 9 */ {VM_MUL3, 2, 2, 0, 0},
    /* 10 */ {VM_JMP, 0, 0, 0, 12},
    /* 11 */ {VM_SHR1, 2, 2, 0, 0},
    /* 12 */ {VM_ADDI, 3, 3, 0, 1},
    /* 13 */ {VM_JLE, 2, 5, 0, 15}, /* x <= 1: next n */
    /* 14 */ {VM_JMP, 0, 0, 0, 7},
    /* 15 */ {VM_ADDI, 1, 1, 0, 1},
    /* 16 */ {VM_JMP, 0, 0, 0, 3},
};
#define VM_PROGRAM_LENGTH (sizeof vm_program / sizeof vm_program[0])

/* Runs the program with r0 = input; returns the halting register's value, or ~0 when the program
 * misbehaves (bad register, jump out of range, step budget exhausted). */
static uint64_t vm_execute(const vm_insn *code, uint32_t length, uint64_t input)
{
    uint64_t r[VM_REGISTERS] = {input};
    uint32_t pc = 0;
    for (uint32_t steps = 0; steps < VM_MAX_STEPS; steps++) {
        if (pc >= length)
            return ~0ULL;
        vm_insn in = code[pc++];
        if (in.a >= VM_REGISTERS || in.b >= VM_REGISTERS || in.c >= VM_REGISTERS)
            return ~0ULL;
        switch (in.op) {
        case VM_LOADI:
            r[in.a] = in.imm;
            break;
        case VM_MOV:
            r[in.a] = r[in.b];
            break;
        case VM_ADD:
            r[in.a] = r[in.b] + r[in.c];
            break;
        case VM_ADDI:
            r[in.a] = r[in.b] + in.imm;
            break;
        case VM_MUL3:
            r[in.a] = r[in.b] * 3 + 1;
            break;
        case VM_SHR1:
            r[in.a] = r[in.b] >> 1;
            break;
        case VM_ANDI:
            r[in.a] = r[in.b] & in.imm;
            break;
        case VM_JZ:
            if (r[in.a] == 0)
                pc = in.imm;
            break;
        case VM_JLE:
            if (r[in.a] <= r[in.b])
                pc = in.imm;
            break;
        case VM_JMP:
            pc = in.imm;
            break;
        case VM_HALT:
            return r[in.a];
        default:
            return ~0ULL;
        }
    }
    return ~0ULL;
}

int64_t KERNEL_RUN(int32_t iterations)
{
    uint64_t sum = KERNEL_CHECKSUM_SEED;
    for (int32_t it = 0; it < iterations; it++) {
        uint64_t limit = VM_BASE_LIMIT + (uint32_t)it % 64u;
        sum = kernel_mix(sum, vm_execute(vm_program, VM_PROGRAM_LENGTH, limit));
    }
    return (int64_t)sum;
}

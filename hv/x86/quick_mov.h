/*
 * quick_mov.h - recognise the few instruction forms that nearly every MMIO
 * register access uses, without the general decoder (decode.h):
 *   89 /r     mov r/m32, r32      (store a register)
 *   8B /r     mov r32, r/m32      (load into a register)
 *   C7 /0 id  mov r/m32, imm32    (store a constant, e.g. an APIC EOI)
 * in 32-bit or 64-bit code, with a memory operand, no legacy prefix and in
 * 64-bit mode at most one REX prefix without REX.W (so the access is 4
 * bytes; SDM Vol 2 2.2.1). Everything else (other opcodes and sizes, 16-bit
 * addressing, segment overrides, LOCK/REP, 66/67) is "not quick" and goes to
 * the general emulator, which is always correct; this is only a shortcut.
 *
 * Pure: bytes in, a description out; x86_mem_linear() (decode.h) gives the
 * operand's linear address from the x86_inst it fills in.
 */
#ifndef NESTOR_HV_X86_QUICK_MOV_H
#define NESTOR_HV_X86_QUICK_MOV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hv/x86/decode.h"

/*
 * Decode bytes[0..n) for mode. On success fill in insn as x86_decode_buf()
 * would for the same bytes, but only these fields: len, mode, mnem
 * (X86_MNEM_MOV), opcode, opsize = srcsize = 4, addrsize, has_mem, mem,
 * reg (num = -1 for C7), has_imm, imm. Anything else is left as it was.
 */
bool x86_quick_mov(const uint8_t *bytes, size_t n, enum x86_mode mode, struct x86_inst *insn);

#endif

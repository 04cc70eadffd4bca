/*
 * alu.h - the two-operand integer ALU operations and their RFLAGS results,
 * shared by the emulator (and testable against the host CPU).
 */
#ifndef NESTOR_HV_X86_ALU_H
#define NESTOR_HV_X86_ALU_H

#include <stdint.h>

#include "hv/x86/decode.h"

/*
 * Compute `dst OP src` on `size` bytes (1, 2, 4, 8) for op in ADD, OR, ADC,
 * SBB, AND, SUB, XOR, CMP, TEST. Operands are used modulo the size. Updates
 * CF PF AF ZF SF OF in *rflags (ADC/SBB also read CF from it); other bits of
 * *rflags are kept. Returns the result truncated to the size (for CMP it is
 * the difference, for TEST the AND: the caller does not store those).
 *
 * AF is architecturally undefined after AND/OR/XOR/TEST (SDM Vol 2 AND
 * "Flags Affected"); it is cleared here, as current CPUs do.
 */
uint64_t x86_alu(enum x86_mnem op, unsigned size, uint64_t dst, uint64_t src,
		 uint64_t *rflags);

#endif

/*
 * alu.c - ALU operations and flags (SDM Vol 1 3.4.3.1 status flags, Vol 2
 * ADD/ADC/SUB/SBB/CMP/AND/OR/XOR/TEST "Flags Affected").
 */
#include "hv/x86/alu.h"

/* PF is set when the least-significant byte of the result has an even
 * number of 1 bits (SDM Vol 1 3.4.3.1). */
static bool parity_even(uint8_t b)
{
	b ^= b >> 4;
	b ^= b >> 2;
	b ^= b >> 1;
	return !(b & 1);
}

uint64_t x86_alu(enum x86_mnem op, unsigned size, uint64_t dst, uint64_t src,
		 uint64_t *rflags)
{
	uint64_t mask = x86_size_mask(size);
	unsigned msb = size * 8 - 1;
	uint64_t cin = (*rflags & X86_FLAG_CF) ? 1 : 0;
	uint64_t r, cf = 0, of = 0, af = 0, fl;

	dst &= mask;
	src &= mask;
	switch (op) {
	case X86_MNEM_ADD:
	case X86_MNEM_ADC:
		if (op == X86_MNEM_ADD)
			cin = 0;
		r = (dst + src + cin) & mask;
		/* Carry out of the top bit: from the bit-wise full adder,
		 * carry_i = a&b | (a|b)&~sum at each position. */
		cf = (((dst & src) | ((dst | src) & ~r)) >> msb) & 1;
		/* Signed overflow: both inputs have the same sign and the
		 * result has the other one. */
		of = (((dst ^ r) & (src ^ r)) >> msb) & 1;
		af = ((dst ^ src ^ r) >> 4) & 1;
		break;
	case X86_MNEM_SUB:
	case X86_MNEM_SBB:
	case X86_MNEM_CMP:
		if (op != X86_MNEM_SBB)
			cin = 0;
		r = (dst - src - cin) & mask;
		/* Borrow out of the top bit: borrow_i = ~a&b | ~(a^b)&diff. */
		cf = (((~dst & src) | (~(dst ^ src) & r)) >> msb) & 1;
		/* Overflow: inputs of different signs and the result's sign
		 * differs from dst's. */
		of = (((dst ^ src) & (dst ^ r)) >> msb) & 1;
		af = ((dst ^ src ^ r) >> 4) & 1;
		break;
	case X86_MNEM_AND:
	case X86_MNEM_TEST:
		r = dst & src;
		break;
	case X86_MNEM_OR:
		r = dst | src;
		break;
	case X86_MNEM_XOR:
		r = dst ^ src;
		break;
	default:
		return dst; /* not an ALU op: flags untouched */
	}
	fl = *rflags & ~X86_FLAGS_ARITH;
	if (cf)
		fl |= X86_FLAG_CF;
	if (of)
		fl |= X86_FLAG_OF;
	if (af)
		fl |= X86_FLAG_AF;
	if (r == 0)
		fl |= X86_FLAG_ZF;
	if ((r >> msb) & 1)
		fl |= X86_FLAG_SF;
	if (parity_even((uint8_t)r))
		fl |= X86_FLAG_PF;
	*rflags = fl;
	return r;
}

/*
 * quick_mov.c - the 32-bit MOV forms of quick_mov.h. The encoding rules
 * are those of SDM Vol 2 chapter 2: REX (2.2.1; in 64-bit mode only, and
 * only right before the opcode), ModRM and SIB with 32/64-bit addressing
 * (tables 2-2 and 2-3), RIP-relative disp32 in 64-bit mode (2.2.1.6), and
 * the MOV pages (89 /r, 8B /r, C7 /0 id). host test: test_quick_mov, which
 * checks every accepted encoding against the general decoder.
 */
#include "hv/x86/quick_mov.h"

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

bool x86_quick_mov(const uint8_t *bytes, size_t n, enum x86_mode mode, struct x86_inst *insn)
{
	if (mode != X86_MODE_32 && mode != X86_MODE_64)
		return false;
	size_t i = 0;
	uint8_t rex = 0;
	if (mode == X86_MODE_64 && n > 0 && (bytes[0] & 0xf0) == 0x40) {
		rex = bytes[0];
		if (rex & 8)
			return false; /* REX.W: a 64-bit access */
		i = 1;
	}
	if (i + 2 > n)
		return false;
	uint8_t op = bytes[i], modrm = bytes[i + 1];
	unsigned mod = modrm >> 6, reg = (modrm >> 3) & 7, rm = modrm & 7;
	if ((op != 0x89 && op != 0x8b && op != 0xc7) || mod == 3 || (op == 0xc7 && reg != 0))
		return false;
	i += 2;

	struct x86_mem m = { .base = -1, .index = -1, .scale = 1, .seg = X86_SEG_DS };
	unsigned disp_size = mod == 1 ? 1 : mod == 2 ? 4 : 0;
	if (rm == 4) {
		if (i >= n)
			return false;
		uint8_t sib = bytes[i++];
		unsigned idx = ((sib >> 3) & 7) | (unsigned)((rex >> 1) & 1) << 3, b = sib & 7;
		if (idx != 4) { /* 100b without REX.X: no index */
			m.index = (int8_t)idx;
			m.scale = (uint8_t)(1u << (sib >> 6));
		}
		if (b == 5 && mod == 0)
			disp_size = 4; /* no base */
		else
			m.base = (int8_t)(b | (unsigned)(rex & 1) << 3);
	} else if (rm == 5 && mod == 0) {
		disp_size = 4;
		m.rip_rel = mode == X86_MODE_64;
	} else {
		m.base = (int8_t)(rm | (unsigned)(rex & 1) << 3);
	}
	if (disp_size == 1) {
		if (i >= n)
			return false;
		m.disp = (int8_t)bytes[i++];
	} else if (disp_size == 4) {
		if (i + 4 > n)
			return false;
		m.disp = (int32_t)le32(bytes + i);
		i += 4;
	}
	/* rSP/rBP as base default to SS (SDM Vol 1 3.7.5). */
	if (m.base == X86_RSP || m.base == X86_RBP)
		m.seg = X86_SEG_SS;
	bool imm = op == 0xc7;
	if (imm) {
		if (i + 4 > n)
			return false;
		insn->imm = le32(bytes + i); /* Iz with a 32-bit operand */
		i += 4;
	}
	insn->len = (uint8_t)i;
	insn->mode = (uint8_t)mode;
	insn->mnem = X86_MNEM_MOV;
	insn->opcode = op;
	insn->opsize = insn->srcsize = 4;
	insn->addrsize = mode == X86_MODE_64 ? 8 : 4;
	insn->has_mem = true;
	insn->mem = m;
	insn->reg = (struct x86_reg_op){ .num = (int8_t)(imm ? -1 : (int)(reg | (unsigned)((rex >> 2) & 1) << 3)),
					 .high8 = false };
	insn->has_imm = imm;
	return true;
}

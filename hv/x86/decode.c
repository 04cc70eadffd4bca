/*
 * decode.c - x86 instruction decoder (see decode.h).
 *
 * Layout of an instruction (SDM Vol 2 2.1, Figure 2-1):
 *   legacy prefixes (any order) | REX (64-bit mode only, last) | opcode
 *   (1 or 2 bytes here) | ModRM | SIB | displacement | immediate
 *
 * Only the opcodes the MMIO emulator handles are accepted. Prefix
 * combinations whose meaning is doubtful (REX followed by another prefix,
 * F2/F3 on a non-string instruction, LOCK where it would #UD) are refused
 * rather than decoded, so a "supported" answer is always the architectural
 * meaning of the bytes.
 */
#include "hv/x86/decode.h"

#include "hv/lib/string.h"

struct dec {
	struct x86_inst *insn;
	/* Source of bytes: a callback, or (fetch == NULL) a fixed buffer. */
	x86_fetch_fn fetch;
	void *ctx;
	const struct x86_regs *regs;
	const uint8_t *buf;
	size_t n;
	/* Outcome of the last failed step. */
	enum x86_dec_status st;
	int fault;
};

static bool refuse(struct dec *d, const char *why)
{
	d->st = X86_DEC_UNSUPPORTED;
	d->insn->reason = why;
	return false;
}

/* Next instruction byte. Fetches lazily so a fault is only ever reported
 * for a byte that belongs to the instruction (an instruction that ends just
 * before an unmapped page must not fault). */
static bool next(struct dec *d, uint8_t *out)
{
	struct x86_inst *insn = d->insn;

	if (insn->len >= insn->nbytes) {
		unsigned have = insn->nbytes, want, got = 0;

		/* SDM Vol 2 2.3.11: more than 15 bytes raises #GP. */
		if (have >= X86_MAX_INSN_LEN)
			return refuse(d, "instruction longer than 15 bytes");
		want = X86_MAX_INSN_LEN - have;
		if (!d->fetch) {
			if (have >= d->n)
				return refuse(d, "truncated");
			got = d->n - have < want ? (unsigned)(d->n - have) : want;
			memcpy(insn->bytes + have, d->buf + have, got);
		} else {
			uint64_t lin = x86_code_linear(d->regs, d->regs->rip + have);
			int rc = d->fetch(d->ctx, lin, insn->bytes + have, want, &got);

			if (rc) {
				d->st = X86_DEC_FAULT;
				d->fault = rc;
				insn->reason = "instruction fetch fault";
				return false;
			}
			if (got == 0 || got > want)
				return refuse(d, "fetch callback returned a bad count");
		}
		insn->nbytes = (uint8_t)(have + got);
	}
	*out = insn->bytes[insn->len++];
	return true;
}

/* Little-endian immediate/displacement of `size` bytes, zero-extended. */
static bool next_le(struct dec *d, unsigned size, uint64_t *out)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < size; i++) {
		uint8_t b;

		if (!next(d, &b))
			return false;
		v |= (uint64_t)b << (8 * i);
	}
	*out = v;
	return true;
}

static int64_t sext(uint64_t v, unsigned size)
{
	unsigned sh = 64 - 8 * size;

	return size >= 8 ? (int64_t)v : (int64_t)(v << sh) >> sh;
}

/* A register operand of `size` bytes numbered n (REX bits already added).
 * Without any REX prefix, byte registers 4-7 are AH, CH, DH, BH; with one
 * they are SPL, BPL, SIL, DIL (SDM Vol 2 2.2.1.2, Table 3-1). */
static struct x86_reg_op reg_op(const struct x86_inst *insn, unsigned n,
				unsigned size)
{
	struct x86_reg_op r = { .num = (int8_t)n, .high8 = false };

	if (size == 1 && !insn->rex && n >= 4 && n < 8) {
		r.num = (int8_t)(n - 4);
		r.high8 = true;
	}
	return r;
}

static uint8_t default_seg(const struct x86_inst *insn, bool ss_based)
{
	if (insn->seg_override != X86_SEG_NONE)
		return insn->seg_override;
	return ss_based ? X86_SEG_SS : X86_SEG_DS;
}

/* 16-bit addressing (SDM Vol 2 Table 2-1). */
static bool modrm16(struct dec *d, unsigned mod, unsigned rm)
{
	static const int8_t base[8] = { X86_RBX, X86_RBX, X86_RBP, X86_RBP,
					-1, -1, X86_RBP, X86_RBX };
	static const int8_t index[8] = { X86_RSI, X86_RDI, X86_RSI, X86_RDI,
					 X86_RSI, X86_RDI, -1, -1 };
	struct x86_inst *insn = d->insn;
	struct x86_mem *m = &insn->mem;
	uint64_t disp = 0;

	m->base = base[rm];
	m->index = index[rm];
	if (m->base < 0) {
		/* [si] / [di]: put the lone register in base, like a
		 * disassembler shows it. */
		m->base = m->index;
		m->index = -1;
	}
	m->scale = 1;
	if (mod == 0 && rm == 6) {
		m->base = -1; /* disp16 only */
		if (!next_le(d, 2, &disp))
			return false;
		m->disp = sext(disp, 2);
	} else if (mod == 1) {
		if (!next_le(d, 1, &disp))
			return false;
		m->disp = sext(disp, 1);
	} else if (mod == 2) {
		if (!next_le(d, 2, &disp))
			return false;
		m->disp = sext(disp, 2);
	}
	/* BP-based forms default to SS (SDM Vol 1 3.7.5 / Table 3-5). */
	m->seg = default_seg(insn, m->base == X86_RBP);
	return true;
}

/* 32/64-bit addressing (SDM Vol 2 Tables 2-2 and 2-3, 2.2.1.6). */
static bool modrm32(struct dec *d, unsigned mod, unsigned rm)
{
	struct x86_inst *insn = d->insn;
	struct x86_mem *m = &insn->mem;
	unsigned rex_b = insn->rex & 1, rex_x = (insn->rex >> 1) & 1;
	unsigned base_low = rm;
	uint64_t disp = 0;
	unsigned disp_size = mod == 1 ? 1 : mod == 2 ? 4 : 0;

	m->scale = 1;
	m->index = -1;
	if (rm == 4) {
		uint8_t sib;
		unsigned ss, idx, b;

		if (!next(d, &sib))
			return false;
		insn->has_sib = true;
		insn->sib = sib;
		ss = sib >> 6;
		idx = ((sib >> 3) & 7) | (rex_x << 3);
		b = sib & 7;
		/* Index 100b without REX.X means "no index"; with REX.X it
		 * is R12. */
		if (idx != 4) {
			m->index = (int8_t)idx;
			m->scale = (uint8_t)(1u << ss);
		}
		base_low = b;
		if (b == 5 && mod == 0) {
			/* No base, disp32 (REX.B does not matter). */
			m->base = -1;
			disp_size = 4;
		} else {
			m->base = (int8_t)(b | (rex_b << 3));
		}
	} else if (rm == 5 && mod == 0) {
		m->base = -1;
		disp_size = 4;
		/* In 64-bit mode this form is RIP-relative (SDM Vol 2
		 * 2.2.1.6); elsewhere it is disp32 only. */
		m->rip_rel = insn->mode == 64;
	} else {
		m->base = (int8_t)(rm | (rex_b << 3));
	}
	if (disp_size) {
		if (!next_le(d, disp_size, &disp))
			return false;
		m->disp = sext(disp, disp_size);
	}
	/* rSP/rBP as base default to SS (SDM Vol 1 3.7.5). */
	m->seg = default_seg(insn, m->base >= 0 && (base_low == 4 || base_low == 5) &&
					   m->base < 8);
	return true;
}

/* ModRM and everything that depends on it. rm_size is the size of the r/m
 * operand, reg_size that of the reg operand. */
static bool modrm(struct dec *d, unsigned rm_size, unsigned reg_size)
{
	struct x86_inst *insn = d->insn;
	uint8_t b;
	unsigned mod, reg, rm;

	if (!next(d, &b))
		return false;
	insn->has_modrm = true;
	insn->modrm = b;
	mod = b >> 6;
	reg = (b >> 3) & 7;
	rm = b & 7;
	insn->modrm_reg = (uint8_t)reg;
	insn->reg = reg_op(insn, reg | ((insn->rex >> 2) & 1) << 3, reg_size);
	if (mod == 3) {
		insn->rm = reg_op(insn, rm | (insn->rex & 1) << 3, rm_size);
		return true;
	}
	insn->has_mem = true;
	if (insn->addrsize == 2)
		return modrm16(d, mod, rm);
	return modrm32(d, mod, rm);
}

enum imm_kind { IMM_NONE, IMM_B, IMM_BS, IMM_Z };

static bool immediate(struct dec *d, enum imm_kind k)
{
	struct x86_inst *insn = d->insn;
	unsigned size;
	uint64_t v;

	if (k == IMM_NONE)
		return true;
	/* Iz is 16 bits with a 16-bit operand, else 32 bits, sign-extended
	 * to 64 for a 64-bit operand (SDM Vol 2 A.2.2). */
	size = k == IMM_Z ? (insn->opsize == 2 ? 2 : 4) : 1;
	if (!next_le(d, size, &v))
		return false;
	insn->has_imm = true;
	insn->imm_bytes = (uint8_t)size;
	if (k != IMM_B)
		v = (uint64_t)sext(v, size);
	insn->imm = v & x86_size_mask(k == IMM_B ? size : insn->opsize);
	return true;
}

static bool is_legacy_prefix(uint8_t b)
{
	switch (b) {
	case 0xF0: case 0xF2: case 0xF3: case 0x66: case 0x67:
	case 0x26: case 0x2E: case 0x36: case 0x3E: case 0x64: case 0x65:
		return true;
	}
	return false;
}

static bool decode(struct dec *d)
{
	struct x86_inst *insn = d->insn;
	uint8_t b, op;
	bool is64 = insn->mode == 64, byteop, w;
	unsigned v;
	enum imm_kind imm = IMM_NONE;
	bool lockable = false;

	/* Legacy prefixes (SDM Vol 2 2.1.1): any order, any number; the
	 * last segment override wins. */
	for (;;) {
		if (!next(d, &b))
			return false;
		if (!is_legacy_prefix(b))
			break;
		switch (b) {
		case 0xF0: insn->prefixes |= X86_PFX_LOCK; break;
		case 0xF2: insn->prefixes |= X86_PFX_REPNE; break;
		case 0xF3: insn->prefixes |= X86_PFX_REP; break;
		case 0x66: insn->prefixes |= X86_PFX_OPSIZE; break;
		case 0x67: insn->prefixes |= X86_PFX_ADSIZE; break;
		case 0x26: insn->seg_override = X86_SEG_ES; break;
		case 0x2E: insn->seg_override = X86_SEG_CS; break;
		case 0x36: insn->seg_override = X86_SEG_SS; break;
		case 0x3E: insn->seg_override = X86_SEG_DS; break;
		case 0x64: insn->seg_override = X86_SEG_FS; break;
		case 0x65: insn->seg_override = X86_SEG_GS; break;
		}
	}
	/* REX (SDM Vol 2 2.2.1): only in 64-bit mode, and only right before
	 * the opcode. A REX followed by another prefix is ignored by the CPU;
	 * such code is never produced by compilers, so refuse it rather than
	 * risk disagreeing with the CPU. */
	if (is64 && (b & 0xF0) == 0x40) {
		insn->rex = b;
		insn->prefixes |= X86_PFX_REX;
		if (!next(d, &b))
			return false;
		if (is_legacy_prefix(b) || (b & 0xF0) == 0x40)
			return refuse(d, "REX prefix not last before opcode");
	}
	w = insn->rex & 8;

	/* Operand size (SDM Vol 1 3.6.1, Table 3-4; Vol 2 2.2.1.2). */
	if (is64)
		v = w ? 8 : (insn->prefixes & X86_PFX_OPSIZE) ? 2 : 4;
	else
		v = ((insn->mode == 32) != !!(insn->prefixes & X86_PFX_OPSIZE)) ? 4 : 2;
	/* Address size: 67 toggles 16<->32, and 64->32 in 64-bit mode. */
	if (is64)
		insn->addrsize = (insn->prefixes & X86_PFX_ADSIZE) ? 4 : 8;
	else
		insn->addrsize = ((insn->mode == 32) != !!(insn->prefixes & X86_PFX_ADSIZE)) ? 4 : 2;

	op = b;
	if (op == 0x0F) {
		if (!next(d, &b))
			return false;
		insn->opcode = (uint16_t)(0x0F00 | b);
	} else {
		insn->opcode = op;
	}

	/* Repeat prefixes are only meaningful on the string instructions;
	 * on anything else F2/F3 either select another instruction (F3 0F B8
	 * is POPCNT) or are HLE hints. Refuse them there. */
	if (insn->opcode != 0xA4 && insn->opcode != 0xA5 &&
	    insn->opcode != 0xAA && insn->opcode != 0xAB &&
	    (insn->prefixes & (X86_PFX_REP | X86_PFX_REPNE)))
		return refuse(d, "F2/F3 prefix on a non-string instruction");

	byteop = false;
	switch (insn->opcode) {
	/* ALU Eb,Gb / Ev,Gv / Gb,Eb / Gv,Ev (opcode map rows 0-3). */
	case 0x00: case 0x01: case 0x02: case 0x03:
	case 0x08: case 0x09: case 0x0A: case 0x0B:
	case 0x10: case 0x11: case 0x12: case 0x13:
	case 0x18: case 0x19: case 0x1A: case 0x1B:
	case 0x20: case 0x21: case 0x22: case 0x23:
	case 0x28: case 0x29: case 0x2A: case 0x2B:
	case 0x30: case 0x31: case 0x32: case 0x33:
	case 0x38: case 0x39: case 0x3A: case 0x3B:
		insn->mnem = (enum x86_mnem)(X86_MNEM_ADD + (op >> 3));
		byteop = !(op & 1);
		/* LOCK only with a memory destination, never on CMP. */
		lockable = !(op & 2) && insn->mnem != X86_MNEM_CMP;
		break;
	case 0x63:
		/* MOVSXD Gq, Ed; without REX.W it is a deprecated form, and
		 * outside 64-bit mode this opcode is ARPL. */
		if (!is64)
			return refuse(d, "ARPL not supported");
		if (!w)
			return refuse(d, "MOVSXD without REX.W not supported");
		insn->mnem = X86_MNEM_MOVSXD;
		break;
	case 0x80: case 0x81: case 0x83:
		byteop = op == 0x80;
		imm = op == 0x81 ? IMM_Z : op == 0x83 ? IMM_BS : IMM_B;
		lockable = true; /* except CMP, checked below */
		break;
	case 0x84: case 0x85:
		insn->mnem = X86_MNEM_TEST;
		byteop = op == 0x84;
		break;
	case 0x86: case 0x87:
		insn->mnem = X86_MNEM_XCHG;
		byteop = op == 0x86;
		lockable = true;
		break;
	case 0x88: case 0x89: case 0x8A: case 0x8B:
		insn->mnem = X86_MNEM_MOV;
		byteop = !(op & 1);
		break;
	case 0xA0: case 0xA1: case 0xA2: case 0xA3:
		insn->mnem = X86_MNEM_MOV;
		byteop = !(op & 1);
		break;
	case 0xA4: case 0xA5:
		insn->mnem = X86_MNEM_MOVS;
		byteop = op == 0xA4;
		break;
	case 0xAA: case 0xAB:
		insn->mnem = X86_MNEM_STOS;
		byteop = op == 0xAA;
		break;
	case 0xC6: case 0xC7:
		insn->mnem = X86_MNEM_MOV;
		byteop = op == 0xC6;
		imm = byteop ? IMM_B : IMM_Z;
		break;
	case 0xF6: case 0xF7:
		insn->mnem = X86_MNEM_TEST;
		byteop = op == 0xF6;
		imm = byteop ? IMM_B : IMM_Z;
		break;
	case 0x0FA3: insn->mnem = X86_MNEM_BT; break;
	case 0x0FAB: insn->mnem = X86_MNEM_BTS; lockable = true; break;
	case 0x0FB3: insn->mnem = X86_MNEM_BTR; lockable = true; break;
	case 0x0FBB: insn->mnem = X86_MNEM_BTC; lockable = true; break;
	case 0x0FBA: imm = IMM_B; lockable = true; break;
	case 0x0FB6: case 0x0FB7: insn->mnem = X86_MNEM_MOVZX; break;
	case 0x0FBE: case 0x0FBF: insn->mnem = X86_MNEM_MOVSX; break;
	case 0x0FC3:
		/* MOVNTI My, Gy: 32 or 64 bits only; 66 0F C3 is undefined. */
		if (insn->prefixes & X86_PFX_OPSIZE)
			return refuse(d, "66 prefix on MOVNTI");
		insn->mnem = X86_MNEM_MOVNTI;
		break;
	default:
		return refuse(d, "opcode not supported");
	}

	insn->opsize = (uint8_t)(byteop ? 1 : v);
	/* MOVNTI's operands are "y": 32 bits, or 64 with REX.W, whatever
	 * the default operand size (SDM Vol 2 A.2.2). */
	if (insn->mnem == X86_MNEM_MOVNTI)
		insn->opsize = w ? 8 : 4;
	insn->srcsize = insn->opsize;
	if (insn->mnem == X86_MNEM_MOVSXD) {
		insn->srcsize = 4;
	} else if (insn->mnem == X86_MNEM_MOVZX || insn->mnem == X86_MNEM_MOVSX) {
		insn->srcsize = (insn->opcode & 1) ? 2 : 1;
	}

	switch (insn->opcode) {
	case 0xA0: case 0xA1: case 0xA2: case 0xA3: {
		/* MOV with a moffs: an address-size offset, no ModRM (SDM
		 * Vol 2 MOV, "moffs"). */
		uint64_t off;

		if (!next_le(d, insn->addrsize, &off))
			return false;
		insn->has_mem = true;
		insn->mem.base = insn->mem.index = -1;
		insn->mem.scale = 1;
		insn->mem.disp = (int64_t)off;
		insn->mem.seg = default_seg(insn, false);
		insn->reg = reg_op(insn, X86_RAX, insn->opsize);
		break;
	}
	case 0xA4: case 0xA5: case 0xAA: case 0xAB:
		if ((insn->prefixes & X86_PFX_REP) && (insn->prefixes & X86_PFX_REPNE))
			return refuse(d, "both F2 and F3 prefixes");
		if (insn->prefixes & X86_PFX_REPNE)
			return refuse(d, "REPNE on MOVS/STOS not supported");
		break;
	default:
		if (!modrm(d, insn->srcsize, insn->opsize))
			return false;
		break;
	}

	/* Groups: the operation is in ModRM.reg. */
	switch (insn->opcode) {
	case 0x80: case 0x81: case 0x83:
		insn->mnem = (enum x86_mnem)(X86_MNEM_ADD + insn->modrm_reg);
		if (insn->mnem == X86_MNEM_CMP)
			lockable = false;
		break;
	case 0xC6: case 0xC7:
		/* C6/C7 /0 is MOV; C6 F8 / C7 F8 are XABORT / XBEGIN. */
		if (insn->modrm_reg != 0)
			return refuse(d, "C6/C7 with ModRM.reg != 0");
		break;
	case 0xF6: case 0xF7:
		if (insn->modrm_reg != 0)
			return refuse(d, "group 3 other than TEST");
		break;
	case 0x0FBA:
		if (insn->modrm_reg < 4)
			return refuse(d, "0F BA with ModRM.reg < 4");
		insn->mnem = (enum x86_mnem)(X86_MNEM_BT + insn->modrm_reg - 4);
		lockable = insn->mnem != X86_MNEM_BT;
		break;
	case 0x0FC3:
		if (!insn->has_mem)
			return refuse(d, "MOVNTI with a register operand (#UD)");
		break;
	}

	/* In the group opcodes ModRM.reg is part of the opcode, not a
	 * register operand. */
	switch (insn->opcode) {
	case 0x80: case 0x81: case 0x83: case 0xC6: case 0xC7:
	case 0xF6: case 0xF7: case 0x0FBA:
		insn->reg.num = -1;
		insn->reg.high8 = false;
		break;
	}

	/* LOCK is only allowed on the listed read-modify-write forms with a
	 * memory destination; elsewhere it raises #UD (SDM Vol 2 LOCK). */
	if ((insn->prefixes & X86_PFX_LOCK) && !(lockable && insn->has_mem))
		return refuse(d, "LOCK prefix not allowed here (#UD)");

	if (!immediate(d, imm))
		return false;
	return true;
}

static enum x86_dec_status run(struct dec *d, enum x86_mode mode)
{
	struct x86_inst *insn = d->insn;

	memset(insn, 0, sizeof(*insn));
	insn->mode = (uint8_t)mode;
	insn->seg_override = X86_SEG_NONE;
	insn->mem.base = insn->mem.index = -1;
	insn->reg.num = insn->rm.num = -1;
	d->st = X86_DEC_OK;
	if (mode != X86_MODE_16 && mode != X86_MODE_32 && mode != X86_MODE_64) {
		insn->reason = "bad CPU mode";
		return X86_DEC_UNSUPPORTED;
	}
	if (!decode(d)) {
		insn->mnem = X86_MNEM_NONE;
		return d->st;
	}
	return X86_DEC_OK;
}

enum x86_dec_status x86_decode_fetch(const struct x86_regs *regs,
				     x86_fetch_fn fetch, void *ctx,
				     struct x86_inst *insn, int *fault)
{
	struct dec d = { .insn = insn, .fetch = fetch, .ctx = ctx, .regs = regs };
	enum x86_dec_status st = run(&d, regs->mode);

	if (st == X86_DEC_FAULT && fault)
		*fault = d.fault;
	return st;
}

enum x86_dec_status x86_decode_buf(const uint8_t *buf, size_t n,
				   enum x86_mode mode, struct x86_inst *insn)
{
	struct dec d = { .insn = insn, .buf = buf, .n = n };

	return run(&d, mode);
}

uint64_t x86_code_linear(const struct x86_regs *regs, uint64_t offset)
{
	return x86_seg_linear(regs, X86_SEG_CS,
			      regs->mode == X86_MODE_64 ? offset : offset & 0xFFFFFFFFull);
}

uint64_t x86_seg_linear(const struct x86_regs *regs, unsigned seg,
			uint64_t offset)
{
	if (regs->mode == X86_MODE_64) {
		/* SDM Vol 3 3.4.4: only FS and GS bases apply. */
		if (seg == X86_SEG_FS || seg == X86_SEG_GS)
			return regs->seg_base[seg] + offset;
		return offset;
	}
	if (seg >= X86_NR_SEGS)
		seg = X86_SEG_DS;
	return (regs->seg_base[seg] + offset) & 0xFFFFFFFFull;
}

uint64_t x86_mem_offset(const struct x86_inst *insn, const struct x86_regs *regs)
{
	const struct x86_mem *m = &insn->mem;
	uint64_t ea = (uint64_t)m->disp;

	if (m->rip_rel)
		ea += regs->rip + insn->len;
	if (m->base >= 0)
		ea += regs->gpr[m->base];
	if (m->index >= 0)
		ea += regs->gpr[m->index] * m->scale;
	/* The sum is computed modulo the address size (SDM Vol 1 3.7.5). */
	return ea & x86_size_mask(insn->addrsize);
}

uint64_t x86_mem_linear(const struct x86_inst *insn, const struct x86_regs *regs)
{
	return x86_seg_linear(regs, insn->mem.seg, x86_mem_offset(insn, regs));
}

size_t x86_inst_hex(const struct x86_inst *insn, char *buf, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;

	if (size == 0)
		return 0;
	for (unsigned i = 0; i < insn->nbytes && i < X86_MAX_INSN_LEN; i++) {
		if (n + (i ? 3 : 2) >= size)
			break;
		if (i)
			buf[n++] = ' ';
		buf[n++] = hex[insn->bytes[i] >> 4];
		buf[n++] = hex[insn->bytes[i] & 15];
	}
	buf[n] = 0;
	return n;
}

const char *x86_mnem_name(enum x86_mnem m)
{
	static const char *const names[X86_MNEM_COUNT] = {
		[X86_MNEM_NONE] = "(none)",
		[X86_MNEM_ADD] = "add", [X86_MNEM_OR] = "or",
		[X86_MNEM_ADC] = "adc", [X86_MNEM_SBB] = "sbb",
		[X86_MNEM_AND] = "and", [X86_MNEM_SUB] = "sub",
		[X86_MNEM_XOR] = "xor", [X86_MNEM_CMP] = "cmp",
		[X86_MNEM_TEST] = "test", [X86_MNEM_MOV] = "mov",
		[X86_MNEM_MOVZX] = "movzx", [X86_MNEM_MOVSX] = "movsx",
		[X86_MNEM_MOVSXD] = "movsxd", [X86_MNEM_MOVNTI] = "movnti",
		[X86_MNEM_XCHG] = "xchg", [X86_MNEM_BT] = "bt",
		[X86_MNEM_BTS] = "bts", [X86_MNEM_BTR] = "btr",
		[X86_MNEM_BTC] = "btc", [X86_MNEM_MOVS] = "movs",
		[X86_MNEM_STOS] = "stos",
	};

	return (unsigned)m < X86_MNEM_COUNT ? names[m] : "(bad)";
}

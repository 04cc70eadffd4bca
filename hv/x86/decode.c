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
 *
 * This runs on every emulated MMIO access, so the common path is kept
 * short: the legacy prefixes and the opcodes are looked up in tables, and
 * the byte reader only calls out when it has run out of fetched bytes.
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

/* Get more instruction bytes (all bytes fetched so far are used up).
 * Fetches lazily so a fault is only ever reported for a byte that belongs
 * to the instruction (an instruction that ends just before an unmapped page
 * must not fault). Inlined for the first fetch, which every instruction
 * needs; refill() below for any later one. */
static inline __attribute__((always_inline)) bool fill(struct dec *d)
{
	struct x86_inst *insn = d->insn;
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
	return true;
}

static __attribute__((noinline)) bool refill(struct dec *d)
{
	return fill(d);
}

/* Next instruction byte. */
static inline bool next(struct dec *d, uint8_t *out)
{
	struct x86_inst *insn = d->insn;

	if (__builtin_expect(insn->len >= insn->nbytes, 0) && !refill(d))
		return false;
	*out = insn->bytes[insn->len++];
	return true;
}

/* Little-endian immediate/displacement of `size` bytes (1, 2, 4 or 8),
 * zero-extended. */
static bool next_le(struct dec *d, unsigned size, uint64_t *out)
{
	struct x86_inst *insn = d->insn;
	uint64_t v = 0;

	if (insn->len + size <= insn->nbytes) {
		/* All there: assemble without per-byte checks. */
		const uint8_t *p = insn->bytes + insn->len;

		for (unsigned i = 0; i < size; i++)
			v |= (uint64_t)p[i] << (8 * i);
		insn->len = (uint8_t)(insn->len + size);
		*out = v;
		return true;
	}
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
	if (disp_size == 1) {
		uint8_t b;

		if (!next(d, &b))
			return false;
		m->disp = (int8_t)b;
	} else if (disp_size == 4) {
		uint64_t disp;

		if (!next_le(d, 4, &disp))
			return false;
		m->disp = (int32_t)(uint32_t)disp;
	}
	/* rSP/rBP as base default to SS (SDM Vol 1 3.7.5). */
	m->seg = default_seg(insn, m->base == X86_RSP || m->base == X86_RBP);
	return true;
}

/* ModRM and everything that depends on it. rm_size is the size of the r/m
 * operand, reg_size that of the reg operand; reg_operand is false for the
 * group opcodes, whose ModRM.reg is part of the opcode. */
static bool modrm(struct dec *d, unsigned rm_size, unsigned reg_size,
		  bool reg_operand)
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
	if (reg_operand)
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

/* Legacy prefixes (SDM Vol 2 2.1.1): the X86_PFX_* bit, or PFX_SEG | the
 * segment of an override; 0 for any other byte. */
#define PFX_SEG 0x80
static const uint8_t legacy_prefix[256] = {
	[0xF0] = X86_PFX_LOCK, [0xF2] = X86_PFX_REPNE, [0xF3] = X86_PFX_REP,
	[0x66] = X86_PFX_OPSIZE, [0x67] = X86_PFX_ADSIZE,
	[0x26] = PFX_SEG | X86_SEG_ES, [0x2E] = PFX_SEG | X86_SEG_CS,
	[0x36] = PFX_SEG | X86_SEG_SS, [0x3E] = PFX_SEG | X86_SEG_DS,
	[0x64] = PFX_SEG | X86_SEG_FS, [0x65] = PFX_SEG | X86_SEG_GS,
};

/* What the opcode tables say about an opcode. */
enum {
	OP_BYTE = 0x01,   /* byte operands */
	OP_LOCK = 0x02,   /* LOCK allowed (with a memory destination) */
	OP_IMM = 0x0C,    /* immediate: enum imm_kind << 2 */
	OP_IMM_SHIFT = 2,
	OP_GROUP = 0x10,  /* ModRM.reg is part of the opcode (see group()) */
	OP_CHECK = 0x20,  /* more conditions, see check_early()/check_late() */
	OP_MOFFS = 0x40,  /* A0-A3: a moffs instead of ModRM */
	OP_STRING = 0x80, /* MOVS/STOS: implicit operands; F2/F3 allowed */
};
#define OP_IB (IMM_B << OP_IMM_SHIFT)
#define OP_IBS (IMM_BS << OP_IMM_SHIFT)
#define OP_IZ (IMM_Z << OP_IMM_SHIFT)

struct opcode_info {
	uint8_t mnem;    /* enum x86_mnem: NONE = not supported; for a group
			  * the first of its operations */
	uint8_t flags;   /* OP_* */
	uint8_t srcsize; /* MOVZX/MOVSX/MOVSXD: source size; else 0 */
};

/* ALU Eb,Gb / Ev,Gv / Gb,Eb / Gv,Ev (opcode map rows 0-3): LOCK only with a
 * memory destination, and never on CMP. */
#define ALU_ROW(m) { m, OP_BYTE | OP_LOCK, 0 }, { m, OP_LOCK, 0 }, \
		   { m, OP_BYTE, 0 }, { m, 0, 0 }
#define CMP_ROW { X86_MNEM_CMP, OP_BYTE, 0 }, { X86_MNEM_CMP, 0, 0 }, \
		{ X86_MNEM_CMP, OP_BYTE, 0 }, { X86_MNEM_CMP, 0, 0 }

/* One-byte opcode map (SDM Vol 2 Table A-2). */
static const struct opcode_info map1[256] = {
	[0x00] = ALU_ROW(X86_MNEM_ADD), [0x08] = ALU_ROW(X86_MNEM_OR),
	[0x10] = ALU_ROW(X86_MNEM_ADC), [0x18] = ALU_ROW(X86_MNEM_SBB),
	[0x20] = ALU_ROW(X86_MNEM_AND), [0x28] = ALU_ROW(X86_MNEM_SUB),
	[0x30] = ALU_ROW(X86_MNEM_XOR), [0x38] = CMP_ROW,
	/* MOVSXD Gq, Ed (ARPL outside 64-bit mode). */
	[0x63] = { X86_MNEM_MOVSXD, OP_CHECK, 4 },
	/* Group 1: 80 Eb,Ib / 81 Ev,Iz / 83 Ev,Ib (sign-extended). */
	[0x80] = { X86_MNEM_ADD, OP_GROUP | OP_LOCK | OP_BYTE | OP_IB, 0 },
	[0x81] = { X86_MNEM_ADD, OP_GROUP | OP_LOCK | OP_IZ, 0 },
	[0x83] = { X86_MNEM_ADD, OP_GROUP | OP_LOCK | OP_IBS, 0 },
	[0x84] = { X86_MNEM_TEST, OP_BYTE, 0 },
	[0x85] = { X86_MNEM_TEST, 0, 0 },
	[0x86] = { X86_MNEM_XCHG, OP_BYTE | OP_LOCK, 0 },
	[0x87] = { X86_MNEM_XCHG, OP_LOCK, 0 },
	[0x88] = { X86_MNEM_MOV, OP_BYTE, 0 },
	[0x89] = { X86_MNEM_MOV, 0, 0 },
	[0x8A] = { X86_MNEM_MOV, OP_BYTE, 0 },
	[0x8B] = { X86_MNEM_MOV, 0, 0 },
	[0xA0] = { X86_MNEM_MOV, OP_MOFFS | OP_BYTE, 0 },
	[0xA1] = { X86_MNEM_MOV, OP_MOFFS, 0 },
	[0xA2] = { X86_MNEM_MOV, OP_MOFFS | OP_BYTE, 0 },
	[0xA3] = { X86_MNEM_MOV, OP_MOFFS, 0 },
	[0xA4] = { X86_MNEM_MOVS, OP_STRING | OP_BYTE, 0 },
	[0xA5] = { X86_MNEM_MOVS, OP_STRING, 0 },
	[0xAA] = { X86_MNEM_STOS, OP_STRING | OP_BYTE, 0 },
	[0xAB] = { X86_MNEM_STOS, OP_STRING, 0 },
	/* Group 11: C6 /0 MOV Eb,Ib / C7 /0 MOV Ev,Iz. */
	[0xC6] = { X86_MNEM_MOV, OP_GROUP | OP_BYTE | OP_IB, 0 },
	[0xC7] = { X86_MNEM_MOV, OP_GROUP | OP_IZ, 0 },
	/* Group 3: F6 /0 TEST Eb,Ib / F7 /0 TEST Ev,Iz. */
	[0xF6] = { X86_MNEM_TEST, OP_GROUP | OP_BYTE | OP_IB, 0 },
	[0xF7] = { X86_MNEM_TEST, OP_GROUP | OP_IZ, 0 },
};

/* Two-byte opcode map, 0F xx (SDM Vol 2 Table A-3). */
static const struct opcode_info map0f[256] = {
	[0xA3] = { X86_MNEM_BT, 0, 0 },
	[0xAB] = { X86_MNEM_BTS, OP_LOCK, 0 },
	[0xB3] = { X86_MNEM_BTR, OP_LOCK, 0 },
	[0xBB] = { X86_MNEM_BTC, OP_LOCK, 0 },
	/* Group 8: 0F BA /4-7 BT, BTS, BTR, BTC Ev,Ib. */
	[0xBA] = { X86_MNEM_BT, OP_GROUP | OP_LOCK | OP_IB, 0 },
	[0xB6] = { X86_MNEM_MOVZX, 0, 1 },
	[0xB7] = { X86_MNEM_MOVZX, 0, 2 },
	[0xBE] = { X86_MNEM_MOVSX, 0, 1 },
	[0xBF] = { X86_MNEM_MOVSX, 0, 2 },
	/* MOVNTI My, Gy. */
	[0xC3] = { X86_MNEM_MOVNTI, OP_CHECK, 0 },
};

static bool decode(struct dec *d)
{
	struct x86_inst *insn = d->insn;
	const struct opcode_info *oi;
	uint8_t b, p, flags;
	unsigned mode = insn->mode, pfx = 0, v, lockable;
	bool w;

	/* Legacy prefixes (SDM Vol 2 2.1.1): any order, any number; the
	 * last segment override wins. */
	if (!fill(d))
		return false;
	b = insn->bytes[insn->len++];
	while ((p = legacy_prefix[b]) != 0) {
		if (p & PFX_SEG)
			insn->seg_override = p & ~PFX_SEG;
		else
			pfx |= p;
		if (!next(d, &b))
			return false;
	}
	/* REX (SDM Vol 2 2.2.1): only in 64-bit mode, and only right before
	 * the opcode. A REX followed by another prefix is ignored by the CPU;
	 * such code is never produced by compilers, so refuse it rather than
	 * risk disagreeing with the CPU. */
	if (mode == 64 && (b & 0xF0) == 0x40) {
		insn->rex = b;
		pfx |= X86_PFX_REX;
		insn->prefixes = (uint8_t)pfx;
		if (!next(d, &b))
			return false;
		if (legacy_prefix[b] || (b & 0xF0) == 0x40)
			return refuse(d, "REX prefix not last before opcode");
	}
	insn->prefixes = (uint8_t)pfx;
	w = insn->rex & 8;

	/* Operand size (SDM Vol 1 3.6.1, Table 3-4; Vol 2 2.2.1.2). Address
	 * size: 67 toggles 16<->32, and 64->32 in 64-bit mode. */
	if (mode == 64) {
		v = w ? 8 : (pfx & X86_PFX_OPSIZE) ? 2 : 4;
		insn->addrsize = (pfx & X86_PFX_ADSIZE) ? 4 : 8;
	} else {
		/* 2 << 0 = 2 or 2 << 1 = 4: mode 16 or 32, toggled. */
		unsigned is32 = mode == 32;

		v = 2u << (is32 ^ ((pfx / X86_PFX_OPSIZE) & 1));
		insn->addrsize = (uint8_t)(2u << (is32 ^ ((pfx / X86_PFX_ADSIZE) & 1)));
	}

	if (b == 0x0F) {
		if (!next(d, &b))
			return false;
		insn->opcode = (uint16_t)(0x0F00 | b);
		oi = &map0f[b];
	} else {
		insn->opcode = b;
		oi = &map1[b];
	}
	flags = oi->flags;

	/* Repeat prefixes are only meaningful on the string instructions;
	 * on anything else F2/F3 either select another instruction (F3 0F B8
	 * is POPCNT) or are HLE hints. Refuse them there. */
	if ((pfx & (X86_PFX_REP | X86_PFX_REPNE)) && !(flags & OP_STRING))
		return refuse(d, "F2/F3 prefix on a non-string instruction");

	insn->opsize = (uint8_t)((flags & OP_BYTE) ? 1 : v);
	if (flags & OP_CHECK) {
		if (insn->opcode == 0x63) {
			/* MOVSXD Gq, Ed; without REX.W it is a deprecated
			 * form, and outside 64-bit mode this opcode is ARPL. */
			if (mode != 64)
				return refuse(d, "ARPL not supported");
			if (!w)
				return refuse(d, "MOVSXD without REX.W not supported");
		} else {
			/* MOVNTI: 66 0F C3 is undefined; the operands are "y":
			 * 32 bits, or 64 with REX.W, whatever the default
			 * operand size (SDM Vol 2 A.2.2). */
			if (pfx & X86_PFX_OPSIZE)
				return refuse(d, "66 prefix on MOVNTI");
			insn->opsize = w ? 8 : 4;
		}
	}
	if (oi->mnem == X86_MNEM_NONE)
		return refuse(d, "opcode not supported");
	insn->mnem = (enum x86_mnem)oi->mnem;
	insn->srcsize = oi->srcsize ? oi->srcsize : insn->opsize;

	if (flags & OP_MOFFS) {
		/* MOV with a moffs: an address-size offset, no ModRM (SDM
		 * Vol 2 MOV, "moffs"). */
		uint64_t off;

		if (!next_le(d, insn->addrsize, &off))
			return false;
		insn->has_mem = true;
		insn->mem.scale = 1;
		insn->mem.disp = (int64_t)off;
		insn->mem.seg = default_seg(insn, false);
		insn->reg = reg_op(insn, X86_RAX, insn->opsize);
	} else if (flags & OP_STRING) {
		if ((pfx & X86_PFX_REP) && (pfx & X86_PFX_REPNE))
			return refuse(d, "both F2 and F3 prefixes");
		if (pfx & X86_PFX_REPNE)
			return refuse(d, "REPNE on MOVS/STOS not supported");
	} else if (!modrm(d, insn->srcsize, insn->opsize, !(flags & OP_GROUP))) {
		return false;
	}

	lockable = flags & OP_LOCK;
	if (flags & OP_GROUP) {
		/* The operation is in ModRM.reg. */
		unsigned r = insn->modrm_reg;

		switch (insn->opcode) {
		case 0x80: case 0x81: case 0x83:
			insn->mnem = (enum x86_mnem)(X86_MNEM_ADD + r);
			if (insn->mnem == X86_MNEM_CMP)
				lockable = 0;
			break;
		case 0xC6: case 0xC7:
			/* C6/C7 /0 is MOV; C6 F8 / C7 F8 are XABORT / XBEGIN. */
			if (r != 0)
				return refuse(d, "C6/C7 with ModRM.reg != 0");
			break;
		case 0xF6: case 0xF7:
			if (r != 0)
				return refuse(d, "group 3 other than TEST");
			break;
		case 0x0FBA:
			if (r < 4)
				return refuse(d, "0F BA with ModRM.reg < 4");
			insn->mnem = (enum x86_mnem)(X86_MNEM_BT + r - 4);
			lockable = insn->mnem != X86_MNEM_BT;
			break;
		}
	} else if ((flags & OP_CHECK) && insn->opcode == 0x0FC3 && !insn->has_mem) {
		return refuse(d, "MOVNTI with a register operand (#UD)");
	}

	/* LOCK is only allowed on the listed read-modify-write forms with a
	 * memory destination; elsewhere it raises #UD (SDM Vol 2 LOCK). */
	if ((pfx & X86_PFX_LOCK) && !(lockable && insn->has_mem))
		return refuse(d, "LOCK prefix not allowed here (#UD)");

	if (flags & OP_IMM)
		return immediate(d, (enum imm_kind)((flags & OP_IMM) >> OP_IMM_SHIFT));
	return true;
}

static enum x86_dec_status run(struct dec *d, enum x86_mode mode)
{
	struct x86_inst *insn = d->insn;

	/* Field by field rather than a memset of the whole struct: bytes[]
	 * need not be cleared, and the stores below merge into a few wide
	 * ones (in the hypervisor a memset is a call to a word loop). */
	insn->nbytes = 0;
	insn->len = 0;
	insn->mode = (uint8_t)mode;
	insn->mnem = X86_MNEM_NONE;
	insn->opcode = 0;
	insn->opsize = insn->srcsize = insn->addrsize = 0;
	insn->prefixes = 0;
	insn->rex = 0;
	insn->seg_override = X86_SEG_NONE;
	insn->has_modrm = false;
	insn->modrm = 0;
	insn->has_sib = false;
	insn->sib = 0;
	insn->modrm_reg = 0;
	insn->has_mem = false;
	insn->mem = (struct x86_mem){ .base = -1, .index = -1 };
	insn->rm = (struct x86_reg_op){ .num = -1 };
	insn->reg = (struct x86_reg_op){ .num = -1 };
	insn->has_imm = false;
	insn->imm_bytes = 0;
	insn->imm = 0;
	insn->reason = NULL;
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

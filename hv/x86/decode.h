/*
 * decode.h - x86 instruction decoder for the instructions Nestor emulates
 * when a guest access hits MMIO or ROM.
 *
 * It decodes 16-, 32- and 64-bit code (legacy prefixes, REX, every ModRM /
 * SIB / displacement form including RIP-relative and the 16-bit forms) but
 * only claims success for the opcodes listed in enum x86_mnem below; any
 * other instruction is refused with X86_DEC_UNSUPPORTED and a reason, never
 * guessed at. Reference: Intel SDM Vol 2 chapter 2 (instruction format) and
 * appendix A (opcode map).
 *
 * Bytes are obtained through a fetch callback so that an instruction that
 * crosses a page boundary, or one whose second page is not mapped, is handled
 * exactly like the CPU does: a byte is only asked for when the decoder needs
 * it, so a fault is only reported for a byte that is part of the instruction.
 */
#ifndef NESTOR_HV_X86_DECODE_H
#define NESTOR_HV_X86_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hv/x86/regs.h"

/* An instruction is at most 15 bytes (SDM Vol 2 2.3.11). */
#define X86_MAX_INSN_LEN 15

/* Mnemonic identity of a decoded instruction. */
enum x86_mnem {
	X86_MNEM_NONE,
	X86_MNEM_ADD, X86_MNEM_OR, X86_MNEM_ADC, X86_MNEM_SBB,
	X86_MNEM_AND, X86_MNEM_SUB, X86_MNEM_XOR, X86_MNEM_CMP, /* = ModRM.reg of group 1 + 1 */
	X86_MNEM_TEST,
	X86_MNEM_MOV,
	X86_MNEM_MOVZX, X86_MNEM_MOVSX, X86_MNEM_MOVSXD, X86_MNEM_MOVNTI,
	X86_MNEM_XCHG,
	X86_MNEM_BT, X86_MNEM_BTS, X86_MNEM_BTR, X86_MNEM_BTC,
	X86_MNEM_MOVS, X86_MNEM_STOS,
	X86_MNEM_COUNT
};

/* Prefix bits in struct x86_inst.prefixes. */
#define X86_PFX_LOCK 0x01u  /* F0 */
#define X86_PFX_REP 0x02u   /* F3 */
#define X86_PFX_REPNE 0x04u /* F2 */
#define X86_PFX_OPSIZE 0x08u /* 66 */
#define X86_PFX_ADSIZE 0x10u /* 67 */
#define X86_PFX_REX 0x20u   /* a REX prefix is present (value in rex) */

/* A memory operand: seg:[base + index*scale + disp] (or [rip + disp]). */
struct x86_mem {
	int8_t base;     /* enum x86_gpr, or -1 */
	int8_t index;    /* enum x86_gpr, or -1 */
	uint8_t scale;   /* 1, 2, 4 or 8 (1 when there is no index) */
	bool rip_rel;    /* base is the address of the next instruction */
	uint8_t seg;     /* effective segment (enum x86_seg) */
	uint8_t pad[3];  /* always 0, so that struct x86_mem compares with memcmp */
	int64_t disp;    /* sign-extended displacement (moffs: zero-extended) */
};

/* A register operand. */
struct x86_reg_op {
	int8_t num;   /* enum x86_gpr, or -1 when absent */
	bool high8;   /* AH/CH/DH/BH: bits 15:8 of gpr[num] (num is 0..3) */
};

struct x86_inst {
	/* Raw bytes: the nbytes fetched so far (bytes[nbytes..] are not
	 * cleared). They can extend past the instruction (a fetch returns
	 * what the page holds, up to 15 bytes); kept on failure too, so an
	 * "unsupported" report can print them. */
	uint8_t bytes[X86_MAX_INSN_LEN];
	uint8_t nbytes;
	uint8_t len;        /* total instruction length (valid on success) */
	uint8_t mode;       /* code size used to decode: 16, 32 or 64 */
	enum x86_mnem mnem;
	uint16_t opcode;    /* one-byte opcode 0x00-0xFF, or 0x0F00 | byte 2 */
	uint8_t opsize;     /* operand size in bytes: 1, 2, 4 or 8 */
	uint8_t srcsize;    /* MOVZX/MOVSX/MOVSXD: size of the source, else = opsize */
	uint8_t addrsize;   /* address size in bytes: 2, 4 or 8 */
	uint8_t prefixes;   /* X86_PFX_* */
	uint8_t rex;        /* REX byte (0x40-0x4F) or 0 */
	uint8_t seg_override; /* last segment prefix (enum x86_seg) or X86_SEG_NONE */
	bool has_modrm;
	uint8_t modrm;
	bool has_sib;
	uint8_t sib;
	uint8_t modrm_reg;  /* ModRM.reg without REX.R (the /digit) */

	/* The r/m operand is a memory operand (has_mem) or a register (rm). For
	 * A0-A3 the memory operand is the moffs (base = index = -1); for MOVS /
	 * STOS the operands are implicit and has_mem is false. */
	bool has_mem;
	struct x86_mem mem;
	struct x86_reg_op rm;  /* ModRM.rm register when mod == 3 */
	/* ModRM.reg register, AL/rAX for A0-A3; num = -1 for the group
	 * opcodes (80/81/83, C6/C7, F6/F7, 0F BA) and MOVS/STOS. */
	struct x86_reg_op reg;

	bool has_imm;
	uint8_t imm_bytes;  /* encoded size of the immediate */
	/* Immediate as the instruction uses it: sign-extended to the operand
	 * size (Ib of 83, Iz with a 64-bit operand) and truncated to it; for
	 * 0F BA the raw imm8. */
	uint64_t imm;

	const char *reason; /* why it was refused (X86_DEC_UNSUPPORTED) */
};

enum x86_dec_status {
	X86_DEC_OK,
	X86_DEC_UNSUPPORTED, /* insn->reason says why; bytes/nbytes hold what was read */
	X86_DEC_FAULT,       /* the fetch callback failed; its code is returned */
};

/*
 * Fetch instruction bytes: copy up to len (>= 1) bytes starting at linear
 * address `linear` into buf and set *got to how many were copied (1..len).
 * It may stop early, e.g. at the end of a page; the decoder then asks again
 * for the rest, only if it needs it. Return 0 on success, or a nonzero fault
 * code of the caller's choosing (e.g. an encoded #PF) that is handed back
 * unchanged.
 */
typedef int (*x86_fetch_fn)(void *ctx, uint64_t linear, uint8_t *buf,
			    unsigned len, unsigned *got);

/*
 * Decode the instruction at CS:RIP of regs (only regs->mode, rip and
 * seg_base[CS] are used). On X86_DEC_FAULT, *fault gets the callback's code.
 */
enum x86_dec_status x86_decode_fetch(const struct x86_regs *regs,
				     x86_fetch_fn fetch, void *ctx,
				     struct x86_inst *insn, int *fault);

/* Decode from a buffer of n bytes; running out of bytes is "unsupported"
 * with reason "truncated". */
enum x86_dec_status x86_decode_buf(const uint8_t *buf, size_t n,
				   enum x86_mode mode, struct x86_inst *insn);

/* Address-size mask: 2 -> 0xFFFF, 4 -> 0xFFFFFFFF, 8 -> all ones. */
static inline uint64_t x86_size_mask(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

/* The address helpers below run on every emulated access, so they are
 * inline. */

/* Linear address of seg:offset: in 64-bit mode only FS/GS have a base; in
 * other modes the result wraps at 4 GiB (SDM Vol 3 3.4). */
static inline uint64_t x86_seg_linear(const struct x86_regs *regs, unsigned seg,
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

/* Linear address of CS:offset (the next fetch location for offset = RIP). */
static inline uint64_t x86_code_linear(const struct x86_regs *regs, uint64_t offset)
{
	return x86_seg_linear(regs, X86_SEG_CS,
			      regs->mode == X86_MODE_64 ? offset : offset & 0xFFFFFFFFull);
}

/* Offset of the memory operand (base + index*scale + disp, truncated to the
 * address size). RIP-relative uses regs->rip + insn->len, so call it with
 * regs->rip still at the start of the instruction. */
static inline uint64_t x86_mem_offset(const struct x86_inst *insn,
				      const struct x86_regs *regs)
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

/* x86_seg_linear(regs, insn->mem.seg, x86_mem_offset(insn, regs)). */
static inline uint64_t x86_mem_linear(const struct x86_inst *insn,
				      const struct x86_regs *regs)
{
	return x86_seg_linear(regs, insn->mem.seg, x86_mem_offset(insn, regs));
}

/* Write the fetched bytes (bytes[0..nbytes)) as "0f 01 d8" into buf
 * (NUL-terminated, truncated to size); returns the string length. For
 * printing an "unsupported" report without a printf %x loop. */
size_t x86_inst_hex(const struct x86_inst *insn, char *buf, size_t size);

/* Mnemonic as a lower-case string ("mov", ...), for messages and tests. */
const char *x86_mnem_name(enum x86_mnem m);

#endif

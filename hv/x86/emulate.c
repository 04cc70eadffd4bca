/*
 * emulate.c - execute one decoded memory-accessing instruction (see
 * emulate.h). The semantics follow the instruction pages of SDM Vol 2.
 *
 * Work is done on the caller's registers in place, but every register
 * update is made only after the last memory access that can fail, so a
 * fault reported by a callback leaves the guest state as the CPU would
 * (unchanged, but for the completed iterations of a REP string
 * instruction). This avoids copying struct x86_regs in and out on every
 * emulated access.
 */
#include "hv/x86/emulate.h"

#include "hv/lib/string.h"
#include "hv/x86/alu.h"

struct emu {
	struct x86_regs *r; /* the caller's registers, updated in place */
	const struct x86_emu_ops *ops;
	const struct x86_inst *insn;
	struct x86_emu_result *res;
};

/* Read a register operand of `size` bytes. */
static uint64_t get_reg(const struct x86_regs *r, struct x86_reg_op op,
			unsigned size)
{
	if (op.high8)
		return (r->gpr[op.num] >> 8) & 0xFF;
	return r->gpr[op.num] & x86_size_mask(size);
}

/* Write a register operand: 8/16-bit writes keep the other bits, 32-bit
 * writes zero-extend to 64 bits (SDM Vol 1 3.4.1.1). */
static inline void set_reg(struct x86_regs *r, struct x86_reg_op op,
			   unsigned size, uint64_t v)
{
	uint64_t *g = &r->gpr[op.num];

	if (op.high8)
		*g = (*g & ~0xFF00ull) | ((v & 0xFF) << 8);
	else if (size >= 4)
		*g = v & x86_size_mask(size);
	else
		*g = (*g & ~x86_size_mask(size)) | (v & x86_size_mask(size));
}

/* Write a register used as an address-size counter/pointer (rSI, rDI, rCX
 * of string instructions): same rule with a plain GPR. */
static void set_gpr_sized(struct x86_regs *r, unsigned num, unsigned size,
			  uint64_t v)
{
	struct x86_reg_op op = { .num = (int8_t)num, .high8 = false };

	set_reg(r, op, size, v);
}

static int64_t sext(uint64_t v, unsigned size)
{
	unsigned sh = 64 - 8 * size;

	return size >= 8 ? (int64_t)v : (int64_t)(v << sh) >> sh;
}

static enum x86_emu_status fail(struct emu *e, enum x86_emu_status st,
				const char *why, int fault)
{
	e->res->status = st;
	e->res->reason = why;
	e->res->fault = fault;
	return st;
}

static inline bool rd(struct emu *e, uint64_t lin, unsigned size, uint64_t *v,
		      enum x86_emu_status *st)
{
	int rc;

	*v = 0;
	rc = e->ops->read(e->ops->ctx, lin, size, v);
	if (__builtin_expect(rc != 0, 0)) {
		*st = fail(e, X86_EMU_FAULT, "memory read fault", rc);
		return false;
	}
	*v &= x86_size_mask(size);
	return true;
}

static inline bool wr(struct emu *e, uint64_t lin, unsigned size, uint64_t v,
		      enum x86_emu_status *st)
{
	int rc = e->ops->write(e->ops->ctx, lin, size, v & x86_size_mask(size));

	if (__builtin_expect(rc != 0, 0)) {
		*st = fail(e, X86_EMU_FAULT, "memory write fault", rc);
		return false;
	}
	return true;
}

/* The instruction is done: advance RIP (wrapping at the code size). */
static enum x86_emu_status done(struct emu *e)
{
	struct x86_regs *r = e->r;
	uint64_t rip = r->rip + e->insn->len;

	if (r->mode != X86_MODE_64)
		rip &= r->mode == X86_MODE_32 ? 0xFFFFFFFFull : 0xFFFFull;
	r->rip = rip;
	e->res->status = X86_EMU_DONE;
	return X86_EMU_DONE;
}

/*
 * MOVS / STOS (SDM Vol 2 MOVS, STOS, REP). The address size selects SI/ESI/
 * RSI, DI/EDI/RDI and CX/ECX/RCX; the destination is always ES:rDI (no
 * override), the source of MOVS is DS:rSI or the override. RFLAGS.DF
 * chooses increment or decrement. Each iteration updates the registers
 * after its accesses, so a fault keeps the completed iterations.
 */
static enum x86_emu_status string_op(struct emu *e)
{
	const struct x86_inst *insn = e->insn;
	struct x86_regs *r = e->r;
	unsigned size = insn->opsize, as = insn->addrsize;
	uint64_t amask = x86_size_mask(as);
	int64_t step = (r->rflags & X86_FLAG_DF) ? -(int64_t)size : (int64_t)size;
	bool rep = insn->prefixes & X86_PFX_REP;
	unsigned src_seg = insn->seg_override != X86_SEG_NONE ?
				   insn->seg_override : X86_SEG_DS;
	enum x86_emu_status st = X86_EMU_DONE;
	unsigned iters = 0;

	for (;;) {
		uint64_t v, di, si;

		if (rep) {
			if ((r->gpr[X86_RCX] & amask) == 0)
				break;
			if (iters == X86_EMU_REP_CHUNK) {
				/* Stop here; the guest re-executes the
				 * instruction with the updated registers. */
				e->res->status = X86_EMU_RESTART;
				return X86_EMU_RESTART;
			}
		}
		di = r->gpr[X86_RDI] & amask;
		si = r->gpr[X86_RSI] & amask;
		if (insn->mnem == X86_MNEM_MOVS) {
			if (!rd(e, x86_seg_linear(r, src_seg, si), size, &v, &st))
				break;
		} else {
			v = r->gpr[X86_RAX] & x86_size_mask(size);
		}
		if (!wr(e, x86_seg_linear(r, X86_SEG_ES, di), size, v, &st))
			break;
		set_gpr_sized(r, X86_RDI, as, di + (uint64_t)step);
		if (insn->mnem == X86_MNEM_MOVS)
			set_gpr_sized(r, X86_RSI, as, si + (uint64_t)step);
		iters++;
		if (!rep)
			break;
		set_gpr_sized(r, X86_RCX, as, (r->gpr[X86_RCX] & amask) - 1);
	}
	if (st == X86_EMU_FAULT) {
		/* Keep the iterations that completed; RIP stays on the
		 * instruction so it restarts after the fault is handled. */
		return st;
	}
	return done(e);
}

/* BT/BTS/BTR/BTC with a memory operand (SDM Vol 2 BT). */
static enum x86_emu_status bit_op(struct emu *e)
{
	const struct x86_inst *insn = e->insn;
	struct x86_regs *r = e->r;
	unsigned size = insn->opsize, bits = size * 8;
	uint64_t off = x86_mem_offset(insn, r), v, bit;
	enum x86_emu_status st;

	if (insn->opcode == 0x0FBA) {
		/* Immediate bit offset: taken modulo the operand size. */
		bit = insn->imm & (bits - 1);
	} else {
		/* Register bit offset: a signed value that can address bits
		 * outside the operand. The operand-size word containing the
		 * bit is at EA + (offset SAR log2(bits)) * size. */
		int64_t bo = sext(get_reg(r, insn->reg, size), size);
		int64_t words = bo >> (size == 2 ? 4 : size == 4 ? 5 : 6);

		off = (off + (uint64_t)words * size) & x86_size_mask(insn->addrsize);
		bit = (uint64_t)bo & (bits - 1);
	}
	uint64_t lin = x86_seg_linear(r, insn->mem.seg, off);

	if (!rd(e, lin, size, &v, &st))
		return st;
	/* CF = the selected bit; OF SF AF PF are undefined and ZF is
	 * unaffected, so leave them as they were. Set it only once the
	 * write below has succeeded. */
	uint64_t cf = (v >> bit) & 1;

	switch (insn->mnem) {
	case X86_MNEM_BTS: v |= 1ull << bit; break;
	case X86_MNEM_BTR: v &= ~(1ull << bit); break;
	case X86_MNEM_BTC: v ^= 1ull << bit; break;
	default: goto out;
	}
	if (!wr(e, lin, size, v, &st))
		return st;
out:
	r->rflags = (r->rflags & ~X86_FLAG_CF) | cf;
	return done(e);
}

/* A register operand under an operand-size mask (from x86_size_mask()). */
static inline uint64_t get_reg_m(const struct x86_regs *r, struct x86_reg_op op,
				 uint64_t mask)
{
	if (op.high8)
		return (r->gpr[op.num] >> 8) & 0xFF;
	return r->gpr[op.num] & mask;
}

/* Inlined into x86_emulate() and x86_emulate_insn(): one call less on every
 * emulated access. */
static inline __attribute__((always_inline)) enum x86_emu_status
execute(struct emu *e)
{
	const struct x86_inst *insn = e->insn;
	struct x86_regs *r = e->r;
	unsigned size = insn->opsize;
	uint64_t mask = x86_size_mask(size);
	uint64_t lin, v, src;
	enum x86_emu_status st;
	uint16_t opc = insn->opcode;
	int rc;

	if (insn->mnem == X86_MNEM_MOVS || insn->mnem == X86_MNEM_STOS)
		return string_op(e);
	if (!insn->has_mem)
		return fail(e, X86_EMU_UNSUPPORTED, "no memory operand", 0);
	if (insn->mnem >= X86_MNEM_BT && insn->mnem <= X86_MNEM_BTC)
		return bit_op(e);

	lin = x86_mem_linear(insn, r);
	switch (insn->mnem) {
	case X86_MNEM_MOV:
		if (opc == 0x89 || opc == 0x88 || opc == 0xA3 || opc == 0xA2) {
			v = get_reg_m(r, insn->reg, mask);
		} else if (opc == 0xC7 || opc == 0xC6) {
			v = insn->imm & mask;
		} else {
			/* 8B, 8A, A1, A0: load. */
			v = 0;
			rc = e->ops->read(e->ops->ctx, lin, size, &v);
			if (rc)
				return fail(e, X86_EMU_FAULT, "memory read fault", rc);
			set_reg(r, insn->reg, size, v & mask);
			return done(e);
		}
		rc = e->ops->write(e->ops->ctx, lin, size, v);
		if (rc)
			return fail(e, X86_EMU_FAULT, "memory write fault", rc);
		return done(e);
	case X86_MNEM_MOVNTI:
		if (!wr(e, lin, size, get_reg(r, insn->reg, size), &st))
			return st;
		return done(e);
	case X86_MNEM_MOVZX:
	case X86_MNEM_MOVSX:
	case X86_MNEM_MOVSXD:
		if (!rd(e, lin, insn->srcsize, &v, &st))
			return st;
		if (insn->mnem != X86_MNEM_MOVZX)
			v = (uint64_t)sext(v, insn->srcsize);
		set_reg(r, insn->reg, size, v);
		return done(e);
	case X86_MNEM_XCHG:
		/* XCHG with memory is always locked on hardware; here it is a
		 * read then a write, which is all an MMIO device can see. */
		if (!rd(e, lin, size, &v, &st))
			return st;
		if (!wr(e, lin, size, get_reg(r, insn->reg, size), &st))
			return st;
		set_reg(r, insn->reg, size, v);
		return done(e);
	case X86_MNEM_ADD: case X86_MNEM_OR: case X86_MNEM_ADC:
	case X86_MNEM_SBB: case X86_MNEM_AND: case X86_MNEM_SUB:
	case X86_MNEM_XOR: case X86_MNEM_CMP: case X86_MNEM_TEST:
		break;
	default:
		return fail(e, X86_EMU_UNSUPPORTED, "instruction not emulated", 0);
	}

	/* ALU with a memory operand. */
	v = 0;
	rc = e->ops->read(e->ops->ctx, lin, size, &v);
	if (rc)
		return fail(e, X86_EMU_FAULT, "memory read fault", rc);
	v &= mask;
	if (opc < 0x40 && (opc & 2)) {
		/* x2/x3: reg = reg OP mem. */
		uint64_t d = get_reg_m(r, insn->reg, mask);
		uint64_t res = x86_alu(insn->mnem, size, d, v, &r->rflags);

		if (insn->mnem != X86_MNEM_CMP)
			set_reg(r, insn->reg, size, res);
		return done(e);
	}
	/* x0/x1, 84/85: mem OP reg; 80/81/83, F6/F7: mem OP imm. */
	src = insn->has_imm ? insn->imm : get_reg_m(r, insn->reg, mask);
	{
		uint64_t fl = r->rflags;
		uint64_t res = x86_alu(insn->mnem, size, v, src, &fl);

		if (insn->mnem != X86_MNEM_CMP && insn->mnem != X86_MNEM_TEST &&
		    !wr(e, lin, size, res, &st))
			return st;
		r->rflags = fl;
	}
	return done(e);
}

enum x86_emu_status x86_emulate_insn(struct x86_regs *regs,
				     const struct x86_emu_ops *ops,
				     const struct x86_inst *insn,
				     struct x86_emu_result *res)
{
	struct emu e = { .r = regs, .ops = ops, .res = res };

	if (&res->insn != insn)
		res->insn = *insn;
	e.insn = &res->insn;
	res->status = X86_EMU_DONE;
	res->fault = 0;
	res->reason = NULL;
	if (insn->mnem == X86_MNEM_NONE || insn->len == 0)
		return fail(&e, X86_EMU_UNSUPPORTED, "instruction not decoded", 0);
	if (insn->mode != regs->mode)
		return fail(&e, X86_EMU_UNSUPPORTED, "decoded for another mode", 0);
	return execute(&e);
}

enum x86_emu_status x86_emulate(struct x86_regs *regs,
				const struct x86_emu_ops *ops,
				struct x86_emu_result *res)
{
	struct emu e = { .r = regs, .ops = ops, .insn = &res->insn, .res = res };
	enum x86_dec_status ds;

	res->fault = 0;
	res->reason = NULL;
	/* res->fault is only written on X86_DEC_FAULT. */
	ds = x86_decode_fetch(regs, ops->fetch, ops->ctx, &res->insn, &res->fault);
	if (__builtin_expect(ds == X86_DEC_OK, 1))
		return execute(&e); /* decoded for regs->mode: nothing to check */
	if (ds == X86_DEC_FAULT) {
		res->status = X86_EMU_FAULT;
		res->reason = res->insn.reason;
		return X86_EMU_FAULT;
	}
	res->status = X86_EMU_UNSUPPORTED;
	res->reason = res->insn.reason;
	return X86_EMU_UNSUPPORTED;
}

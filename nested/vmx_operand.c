/*
 * vmx_operand.c - VMX instruction memory operands (see vmx_operand.h).
 */
#include "nested/vmx_operand.h"

#define EXC_SS 12
#define EXC_GP 13

void vmx_insn_info_split(uint32_t info, struct vmx_insn_info *o)
{
	o->scale = 1u << (info & 3);
	unsigned as = (info >> 7) & 7;
	o->addr_size = as == 0 ? 2 : as == 1 ? 4 : 8;
	o->is_reg = (info >> 10) & 1;
	o->reg1 = (info >> 3) & 0xf;
	o->seg = (info >> 15) & 7;
	o->index = (info >> 18) & 0xf;
	o->has_index = !((info >> 22) & 1);
	o->base = (info >> 23) & 0xf;
	o->has_base = !((info >> 27) & 1);
	o->reg2 = (info >> 28) & 0xf;
}

static bool canonical(uint64_t a) { return (uint64_t)((int64_t)(a << 16) >> 16) == a; }

/* Protected-mode checks of an access to [off, off + len - 1] through a
 * segment (SDM 3A 3.4.5.1 types, 5.3 limits): unusable (null) segments,
 * execute-only code for reads, code or read-only data for writes, and
 * the limit (expand-down data segments allow offsets above it, up to
 * 0xFFFF or 0xFFFFFFFF by their B flag). */
static bool seg_access_ok(const struct vmx_seg *s, uint64_t off, unsigned len, bool write)
{
	uint32_t ar = s->ar;
	if (ar & (1u << 16))
		return false;
	unsigned type = ar & 0xf;
	bool code = type & 8;
	if (write && (code || !(type & 2)))
		return false;
	if (!write && code && !(type & 2))
		return false;
	uint64_t last = off + len - 1;
	if (!code && (type & 4)) {
		uint64_t top = (ar & (1u << 14)) ? 0xffffffffull : 0xffffull;
		return off > s->limit && last <= top;
	}
	return last <= s->limit;
}

struct vmx_mem_ref vmx_mem_operand(const struct vmx_insn_info *i, uint64_t displacement, const uint64_t gpr[16],
				   const struct vmx_seg *seg, bool long64, unsigned len, bool write)
{
	uint64_t ea = displacement;
	if (i->has_base)
		ea += gpr[i->base];
	if (i->has_index)
		ea += gpr[i->index] * i->scale;
	if (i->addr_size == 2)
		ea &= 0xffff;
	else if (i->addr_size == 4)
		ea &= 0xffffffffull;
	const struct vmx_seg *s = &seg[i->seg < 6 ? i->seg : 3];
	struct vmx_mem_ref r = { 0, 0 };
	uint8_t exc = i->seg == 2 ? EXC_SS : EXC_GP;
	if (long64) {
		/* 64-bit mode: only FS and GS have a base; no limits; the
		 * whole operand must be canonical. */
		r.linear = ea + ((i->seg == 4 || i->seg == 5) ? s->base : 0);
		if (!canonical(r.linear) || !canonical(r.linear + len - 1))
			r.fault = exc;
		return r;
	}
	r.linear = (s->base + ea) & 0xffffffffull;
	if (!seg_access_ok(s, ea, len, write))
		r.fault = exc;
	return r;
}

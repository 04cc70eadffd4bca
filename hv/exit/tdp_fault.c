/*
 * tdp_fault.c - TDP faults (EPT violation / misconfiguration, #NPF): guest
 * accesses to guest-physical memory that is not plain RAM (MMIO devices,
 * unbacked ranges, writes to ROM), and accesses the VM may not make.
 *
 * An access there exits (EPT violation / #NPF: not present for MMIO, a
 * write to a read-only leaf for ROM). Nestor fetches and decodes the
 * instruction at the guest's RIP through the guest's own paging, and
 * performs it with hv/x86/emulate.c, sending each data access to RAM or to
 * the region's handler. The first exit on an MMIO page also switches that
 * page to the cheap "this is MMIO" exit (EPT misconfiguration / #NPF with
 * RSVD, see ptb_mark_mmio); both exits lead here and give the same result.
 *
 * The common case, a 32-bit MOV to or from a device register (89, 8B,
 * C7 /0: hv/x86/quick_mov.h), takes a shorter way (mmio_quick): decoded by
 * quick_mov and performed at the guest-physical address the exit reports
 * (EPT violation and misconfiguration: the guest-physical-address field,
 * SDM Vol 3C 28.3.3.2 and 29.3.3.1; #NPF: EXITINFO2, APM Vol 2 15.25.6),
 * without the general emulator and a second walk of the guest's paging
 * for the operand. Anything else takes the general path.
 *
 * An instruction the emulator cannot perform stops the VM with an internal-
 * error report; it never loops and never affects another VM.
 */
#include "drivers/console.h"
#include "hv/exit/exits.h"
#include "hv/guest_abi.h"
#include "hv/core/guest_mem.h"
#include "hv/lib/format.h"
#include "hv/lib/string.h"
#include "hv/core/vm.h"
#include "hv/x86/emulate.h"
#include "hv/x86/quick_mov.h"
#include "mm/pages.h"
#include "mm/pf_error.h"

/* Fault codes handed back through the emulator. */
enum { MMIO_FAULT_GUEST_PF = 1, MMIO_FAULT_NOT_MEMORY = 2, MMIO_FAULT_SPACE = 3 };

struct mmio_ctx {
	struct vcpu *v;
	struct vcpu_paging_state ps; /* read once per exit */
	const struct tdp_guest_space *sp; /* NULL: the VM's own */
	struct walk_fault fault; /* MMIO_FAULT_GUEST_PF, MMIO_FAULT_SPACE */
	uint64_t bad_gpa;        /* MMIO_FAULT_NOT_MEMORY, MMIO_FAULT_SPACE */
};

/* Guest-linear to the VM's physical address, through the guest's paging
 * and, for an L2, its guest space. */
static int linear_to_vm(struct mmio_ctx *c, uint64_t gla, uint32_t acc, uint64_t *gpa)
{
	if (guest_linear_to_gpa_mem(c->v, &c->ps, c->sp ? &c->sp->tables : 0, gla, acc, gpa, &c->fault)) {
		/* One of an L2's tables that L1's NPT does not give: L1's #NPF. */
		if (c->sp && c->fault.dim == WALK_DIM_GUEST && c->fault.kind == WALK_FAULT_NO_MEMORY &&
		    c->sp->table_fault(c->sp->opaque, &c->fault)) {
			c->bad_gpa = c->fault.gpa;
			return MMIO_FAULT_SPACE;
		}
		return c->fault.dim == WALK_DIM_GUEST ? MMIO_FAULT_GUEST_PF : (c->bad_gpa = c->fault.gpa, MMIO_FAULT_NOT_MEMORY);
	}
	if (c->sp && c->sp->to_vm(c->sp->opaque, *gpa, acc, gpa, &c->fault)) {
		c->bad_gpa = *gpa;
		return MMIO_FAULT_SPACE;
	}
	return 0;
}

/* Physical access of size bytes at gpa: RAM, or a region's handler. */
static int phys_access(struct mmio_ctx *c, uint64_t gpa, unsigned size, uint64_t *val, bool write)
{
	struct vm *vm = c->v->vm;
	struct vm_mmio_region *r = vm_mmio_at(vm, gpa);
	if (r && gpa + size - r->gpa <= r->size) {
		if (write)
			r->ops->write(r, c->v, gpa - r->gpa, size, *val);
		else
			*val = r->ops->read(r, c->v, gpa - r->gpa, size);
		return 0;
	}
	uint8_t *p = r ? 0 : vm_gpa_ptr(vm, gpa, size);
	if (!p) {
		c->bad_gpa = gpa;
		return MMIO_FAULT_NOT_MEMORY;
	}
	if (write)
		memcpy(p, val, size);
	else {
		*val = 0;
		memcpy(val, p, size);
	}
	return 0;
}

static int linear_access(struct mmio_ctx *c, uint64_t gla, unsigned size, uint64_t *val, bool write)
{
	/* Split at a page boundary: the halves may translate anywhere. */
	unsigned first = (unsigned)(4096 - (gla & 4095));
	if (first < size) {
		uint64_t lo_mask = (1ull << (8 * first)) - 1; /* first < size <= 8 */
		uint64_t lo = write ? *val & lo_mask : 0, hi = write ? *val >> (8 * first) : 0;
		int rc = linear_access(c, gla, first, &lo, write);
		if (!rc)
			rc = linear_access(c, gla + first, size - first, &hi, write);
		if (!rc && !write)
			*val = (lo & lo_mask) | (hi << (8 * first));
		return rc;
	}
	uint64_t gpa;
	int rc = linear_to_vm(c, gla, write ? WALK_ACC_WRITE : WALK_ACC_READ, &gpa);
	return rc ? rc : phys_access(c, gpa, size, val, write);
}

static int emu_read(void *ctx, uint64_t linear, unsigned size, uint64_t *val)
{
	return linear_access(ctx, linear, size, val, false);
}

static int emu_write(void *ctx, uint64_t linear, unsigned size, uint64_t val)
{
	return linear_access(ctx, linear, size, &val, true);
}

static int emu_fetch(void *ctx, uint64_t linear, uint8_t *buf, unsigned len, unsigned *got)
{
	struct mmio_ctx *c = ctx;
	unsigned n = (unsigned)(4096 - (linear & 4095));
	if (n > len)
		n = len;
	uint64_t gpa;
	int rc = linear_to_vm(c, linear, WALK_ACC_FETCH, &gpa);
	if (rc)
		return rc;
	struct vm_mmio_region *r = vm_mmio_at(c->v->vm, gpa);
	const uint8_t *p;
	if (r && r->image_hpa)
		p = (const uint8_t *)pa_to_ptr(r->image_hpa) + (gpa - r->gpa);
	else
		p = vm_gpa_ptr(c->v->vm, gpa, n);
	if (!p) {
		c->bad_gpa = gpa;
		return MMIO_FAULT_NOT_MEMORY; /* executing from MMIO: not emulated */
	}
	memcpy(buf, p, n);
	*got = n;
	return 0;
}

static void load_regs(struct vcpu *v, const struct vcpu_paging_state *ps, struct x86_regs *r)
{
	memcpy(r->gpr, v->gpr, sizeof(r->gpr));
	r->rip = virt_ops->get_rip(v);
	r->rflags = ps->rflags;
	r->mode = x86_mode_from(ps->cr0 & 1, (ps->rflags >> 17) & 1, (ps->efer >> 10) & 1, ps->cs_l, ps->cs_d);
	r->seg_base[X86_SEG_ES] = ps->es_base;
	r->seg_base[X86_SEG_CS] = ps->cs_base;
	r->seg_base[X86_SEG_SS] = ps->ss_base;
	r->seg_base[X86_SEG_DS] = ps->ds_base;
	r->seg_base[X86_SEG_FS] = ps->fs_base;
	r->seg_base[X86_SEG_GS] = ps->gs_base;
}

static enum exit_action internal_error(struct vcpu *v, struct vm_exit *e, const struct x86_emu_result *res,
				       const char *what)
{
	char hex[64], why[200];
	x86_inst_hex(&res->insn, hex, sizeof(hex));
	fmt_snprintf(why, sizeof(why), "internal error: %s at guest-physical 0x%llx: %s (instruction bytes: %s)", what,
		     (unsigned long long)e->gpa, res->reason ? res->reason : "?", res->insn.nbytes ? hex : "none");
	vm_stop_with_report(v, e, why);
	return EXIT_ACTION_STOPPED;
}

bool mmio_fast_path = true;
bool mmio_quick_path = true;

/*
 * The quick path: true if it performed the instruction at RIP, a 4-byte
 * MOV whose operand is at gpa in region r; false to take the general path
 * (nothing done). The operand's linear address must have gpa's page offset
 * and the 4 bytes must stay in the page: the CPU translated that address
 * to gpa. (An access that crossed into this page from the one before, or an
 * instruction changed since the exit, fails that check.) An exit that says
 * it was a guest page-table access, or an access of the other direction or
 * a fetch, is not this MOV's operand. MOV leaves RFLAGS alone; a 32-bit
 * register load zero-extends (SDM Vol 1 3.4.1.1).
 */
static bool mmio_quick(struct vcpu *v, const struct vm_exit *e, struct vm_mmio_region *r, uint64_t gpa)
{
	if (!mmio_quick_path || r->image_hpa || (gpa & 0xfff) > 0xffc || gpa - r->gpa + 4 > r->size ||
	    e->table_walk || e->access == EXIT_ACCESS_FETCH)
		return false;
	struct mmio_ctx c = { .v = v };
	virt_ops->get_paging_state(v, &c.ps);
	const struct vcpu_paging_state *ps = &c.ps;
	enum x86_mode mode = x86_mode_from(ps->cr0 & 1, (ps->rflags >> 17) & 1, (ps->efer >> 10) & 1, ps->cs_l,
					   ps->cs_d);
	if (mode == X86_MODE_16)
		return false;
	uint64_t rip = virt_ops->get_rip(v);
	uint64_t wrap = mode == X86_MODE_64 ? ~0ull : 0xffffffffull;
	uint8_t bytes[X86_MAX_INSN_LEN];
	unsigned got;
	struct x86_inst insn;
	if (emu_fetch(&c, mode == X86_MODE_64 ? rip : (ps->cs_base + rip) & wrap, bytes, sizeof(bytes), &got) ||
	    !x86_quick_mov(bytes, got, mode, &insn))
		return false;
	const struct x86_mem *m = &insn.mem;
	uint64_t ea = (uint64_t)m->disp;
	if (m->rip_rel)
		ea += rip + insn.len;
	if (m->base >= 0)
		ea += v->gpr[m->base];
	if (m->index >= 0)
		ea += v->gpr[m->index] * m->scale;
	/* In 64-bit mode DS and SS have no base (SDM Vol 3A 3.4.4). */
	if (mode != X86_MODE_64)
		ea = ((m->seg == X86_SEG_SS ? ps->ss_base : ps->ds_base) + (uint32_t)ea) & wrap;
	if ((ea & 0xfff) != (gpa & 0xfff))
		return false;
	/* (VMX's EPT misconfiguration does not say the direction: 0.) */
	if (e->access && (e->access == EXIT_ACCESS_WRITE) != (insn.opcode != 0x8b))
		return false;
	uint64_t off = gpa - r->gpa;
	if (insn.opcode == 0x8b)
		v->gpr[insn.reg.num] = (uint32_t)r->ops->read(r, v, off, 4);
	else
		r->ops->write(r, v, off, 4, insn.has_imm ? insn.imm : (uint32_t)v->gpr[insn.reg.num]);
	virt_ops->set_rip(v, (rip + insn.len) & wrap);
	return true;
}

/* Switch an MMIO page to the cheap exit after its first (not-present) exit. */
static void mark_mmio_page(struct vcpu *v, uint64_t gpa, bool first, struct vm_mmio_region *r)
{
	if (!mmio_fast_path || !first || r->image_hpa)
		return;
	bool flush = false;
	if (ptb_mark_mmio(&v->vm->tdp, gpa & ~4095ull, 4096, &flush) == PTB_OK) {
		v->vm->mmio_pages_marked++;
		if (flush)
			vm_tdp_changed(v->vm);
	}
}

enum exit_action handle_tdp_fault(struct vcpu *v, struct vm_exit *e)
{
	if (__builtin_expect(v->vm->ntouch != 0, 0) && e->reason == EXIT_TDP_FAULT && tdp_touch_restore(v, e->gpa))
		return EXIT_ACTION_RESUME; /* the in-flight event, if any, is re-injected */
	struct vm_mmio_region *r = vm_mmio_at(v->vm, e->gpa);
	if (!r) {
		static const char *const what[] = { [EXIT_ACCESS_READ] = "read", [EXIT_ACCESS_WRITE] = "write",
						    [EXIT_ACCESS_FETCH] = "instruction fetch" };
		const char *acc = e->access < 5 && what[e->access] ? what[e->access] : "access";
		char why[160];
		if (!vm_region_at(v->vm, e->gpa))
			fmt_snprintf(why, sizeof(why), "%s of a guest-physical address that is not memory of this VM",
				     acc);
		else
			fmt_snprintf(why, sizeof(why), "%s of the VM's own memory that its TDP permissions forbid",
				     acc);
		vm_stop_with_report(v, e, why);
		return EXIT_ACTION_STOPPED;
	}
	return tdp_emulate_mmio(v, e, e->gpa, e->reason == EXIT_TDP_FAULT, 0);
}

enum exit_action tdp_emulate_mmio(struct vcpu *v, struct vm_exit *e, uint64_t vm_gpa, bool first,
				  const struct tdp_guest_space *sp)
{
	struct vm_mmio_region *r = vm_mmio_at(v->vm, vm_gpa);
	e->gpa = vm_gpa; /* the reports name the VM's physical address */
	if (!r) {
		vm_stop_with_report(v, e, "internal error: no device at the emulated access's address");
		return EXIT_ACTION_STOPPED;
	}
	if (v->ev.pending & EV_IN_FLIGHT) {
		/* The access was the CPU delivering an event (its IDT, GDT or
		 * stack), not the instruction at RIP: nothing to emulate. */
		char why[160];
		fmt_snprintf(why, sizeof(why),
			     "internal error: delivering vector %u touched the %s at guest-physical 0x%llx, which "
			     "Nestor cannot emulate for event delivery",
			     v->ev.in_flight.vector, r->ops->name, (unsigned long long)e->gpa);
		vm_stop_with_report(v, e, why);
		return EXIT_ACTION_STOPPED;
	}
	mark_mmio_page(v, vm_gpa, first, r);
	if (!sp && mmio_quick(v, e, r, vm_gpa))
		return EXIT_ACTION_RESUME;

	struct mmio_ctx c = { .v = v, .sp = sp };
	struct x86_emu_ops ops = { .ctx = &c, .fetch = emu_fetch, .read = emu_read, .write = emu_write };
	struct x86_regs regs;
	struct x86_emu_result res;
	virt_ops->get_paging_state(v, &c.ps);
	load_regs(v, &c.ps, &regs);
	enum x86_emu_status st = x86_emulate(&regs, &ops, &res);
	switch (st) {
	case X86_EMU_DONE:
	case X86_EMU_RESTART:
		memcpy(v->gpr, regs.gpr, sizeof(v->gpr));
		virt_ops->set_rflags(v, regs.rflags);
		virt_ops->set_rip(v, regs.rip);
		return EXIT_ACTION_RESUME;
	case X86_EMU_FAULT:
		memcpy(v->gpr, regs.gpr, sizeof(v->gpr)); /* completed REP iterations */
		if (res.fault == MMIO_FAULT_GUEST_PF) {
			vcpu_queue_pf(v, c.fault.gla, walk_pf_error_code(&c.fault));
			return EXIT_ACTION_RESUME;
		}
		if (res.fault == MMIO_FAULT_SPACE)
			return sp->fault(sp->opaque, c.bad_gpa, &c.fault);
		e->gpa = c.bad_gpa;
		return internal_error(v, e, &res, "the emulated instruction touched memory that is neither RAM nor a device");
	case X86_EMU_UNSUPPORTED:
		break;
	}
	return internal_error(v, e, &res,
			      r->image_hpa ? "cannot emulate this write to ROM" : "cannot emulate this MMIO access");
}

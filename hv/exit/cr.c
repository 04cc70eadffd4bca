/*
 * cr.c - control-register exits: MOV to/from CR0/CR3/CR4, CLTS, LMSW, for
 * both vendors. The backend only says which access it was (and, where the
 * hardware does not say, the bytes are decoded here); the architectural
 * checks are hv/x86/cr.c's, and the backend applies the value (set_cr).
 *
 * Which accesses exit is the backend's choice: VT-x the bits Nestor owns
 * in the CR0/CR4 guest/host masks (and CR3 if the CPU forces CR3 exiting),
 * SVM the CR4 write intercept. A nested L1 may ask for any of them.
 */
#include "drivers/console.h"
#include "hv/core/guest_mem.h"
#include "hv/core/vm.h"
#include "hv/exit/exits.h"
#include "hv/x86/asm.h"
#include "hv/x86/cr.h"
#include "nested/nested.h"

static uint8_t maxphyaddr(void)
{
	static uint8_t cached;
	if (!cached)
		cached = (uint8_t)(cpuid(0x80000008, 0).eax & 0xff);
	return cached;
}

/* SVM without decode assists: find the register in the instruction. */
static bool decode_register(struct vcpu *v, struct vm_exit *e)
{
	struct vcpu_paging_state ps;
	virt_ops->get_paging_state(v, &ps);
	uint64_t lin = (e->u.cr.lm64 ? 0 : ps.cs_base) + e->rip;
	uint8_t b[15];
	unsigned n = (unsigned)(4096 - (lin & 4095));
	struct walk_fault f;
	if (n > 15)
		n = 15;
	if (guest_read_linear(v, lin, b, n, WALK_ACC_FETCH, &f))
		return false;
	if (n < 15 && !guest_read_linear(v, lin + n, b + n, 15 - n, WALK_ACC_FETCH, &f))
		n = 15;
	struct mov_cr m;
	if (!decode_mov_to_cr(b, n, e->u.cr.lm64, &m) || m.cr != e->u.cr.cr)
		return false;
	e->u.cr.gpr = (uint8_t)m.gpr;
	e->insn_len = m.len;
	return true;
}

/* PAE paging outside IA-32e mode: a CR write that (re)loads the PDPTEs
 * faults if one is present with a reserved bit set (SDM 3A 4.4.1). */
static bool pdptes_bad(struct vcpu *v, uint64_t cr3)
{
	const uint64_t *pdpt = vm_gpa_ptr(v->vm, cr3 & 0xffffffe0ull, 32);
	if (!pdpt)
		return true;
	uint64_t rsvd = pae_pdpte_reserved(maxphyaddr());
	for (unsigned i = 0; i < 4; i++)
		if ((pdpt[i] & 1) && (pdpt[i] & rsvd))
			return true;
	return false;
}

static bool write_faults(struct vcpu *v, const struct vm_exit *e, unsigned cr, uint64_t val)
{
	struct cr_state s = {
		.cr0 = virt_ops->get_cr(v, 0),
		.cr3 = virt_ops->get_cr(v, 3),
		.cr4 = virt_ops->get_cr(v, 4),
		.cs_l = e->u.cr.lm64,
		.maxphyaddr = maxphyaddr(),
		.cr4_allowed = virt_ops->cr4_allowed(),
	};
	/* A nested VMX L1 may set CR4.VMXE, and keeps the fixed bits in VMX
	 * operation (nested/nested.h). */
	if (v->nested) {
		s.cr4_allowed |= nested_cr4_extra(v);
		if (nested_cr_write_faults(v, cr, val))
			return true;
	}
	virt_ops->state_msr(v, MSR_EFER, false, &s.efer);
	if (cr_write_faults(&s, cr, val))
		return true;
	/* The state after the write, for the PDPTE rule (what KVM's
	 * load_pdptrs calls cover: CR3 loads, and CR0/CR4 changes of the
	 * bits that decide PAE paging). */
	uint64_t cr0 = cr == 0 ? val : s.cr0, cr4 = cr == 4 ? val : s.cr4, cr3 = cr == 3 ? val : s.cr3;
	bool pae_paging = (cr0 & CR0_PG) && (cr4 & CR4_PAE) && !(s.efer & EFER_LME);
	bool reload = cr == 3 || (cr == 0 && ((val ^ s.cr0) & (CR0_PG | CR0_CD | CR0_NW))) ||
		      (cr == 4 && ((val ^ s.cr4) & (CR4_PSE | CR4_PAE | CR4_PGE | (1ull << 20))));
	return pae_paging && reload && pdptes_bad(v, cr3);
}

enum exit_action handle_cr_access(struct vcpu *v, struct vm_exit *e)
{
	unsigned cr = e->u.cr.cr;
	uint64_t val;
	if (cr != 0 && cr != 3 && cr != 4) {
		vm_stop_with_report(v, e, "access to a control register Nestor does not intercept");
		return EXIT_ACTION_STOPPED;
	}
	switch (e->u.cr.type) {
	case CR_ACCESS_MOV_FROM:
		val = virt_ops->get_cr(v, cr);
		v->gpr[e->u.cr.gpr] = e->u.cr.lm64 ? val : (uint32_t)val;
		return exit_skip_instruction(v, e);
	case CR_ACCESS_MOV_TO:
		if (e->u.cr.gpr == CR_GPR_UNKNOWN && !decode_register(v, e)) {
			vm_stop_with_report(v, e, "CR write exit, but the bytes at RIP are not a MOV to that CR");
			return EXIT_ACTION_STOPPED;
		}
		val = v->gpr[e->u.cr.gpr];
		if (!e->u.cr.lm64)
			val = (uint32_t)val;
		if (cr == 3)
			val = cr3_load_value(val);
		break;
	case CR_ACCESS_CLTS:
		val = virt_ops->get_cr(v, 0) & ~CR0_TS;
		break;
	case CR_ACCESS_LMSW:
		/* LMSW loads CR0[3:0] but cannot clear PE (SDM 2A LMSW). */
		val = virt_ops->get_cr(v, 0);
		val = (val & ~0xeull) | (e->u.cr.lmsw_src & 0xf) | (val & CR0_PE);
		break;
	default:
		vm_stop_with_report(v, e, "unknown control-register access type");
		return EXIT_ACTION_STOPPED;
	}
	if (write_faults(v, e, cr, val)) {
		vm_inject_gp(v);
		return EXIT_ACTION_RESUME;
	}
	virt_ops->set_cr(v, cr, val);
	return exit_skip_instruction(v, e);
}

/*
 * cr.c - control-register exits: MOV to/from CR0/CR3/CR4, CLTS, LMSW, for
 * both vendors. The backend only says which access it was (and, where the
 * hardware does not say, the bytes are decoded here); the architectural
 * checks are hv/x86/cr.c's, and the backend applies the value (set_cr).
 *
 * Which accesses exit is the backend's choice: VT-x the bits Nestor owns
 * in the CR0/CR4 guest/host masks (and CR3 if the CPU forces CR3 exiting),
 * SVM the CR4 write intercept. A nested L1 may ask for any of them.
 *
 * CR8 is the task-priority register (SDM 3A 11.8.6.1). VT-x exits on
 * every MOV to/from CR8 (CR8-load/store exiting): without them and
 * without a TPR shadow, the guest's MOV to CR8 would write the physical
 * APIC's TPR and could hold off Nestor's own interrupts. It goes to the
 * vCPU's emulated local APIC. (SVM: with V_INTR_MASKING the guest's CR8
 * is V_TPR and never the host's, APM 15.21.1; SVM intercepts CR8 writes
 * and enters with V_TPR = TPR[7:4], so reads need no exit.)
 */
#include "drivers/console.h"
#include "hv/core/guest_mem.h"
#include "hv/core/vm.h"
#include "hv/dev/lapic_dev.h"
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

/* SVM without decode assists: find the register in the instruction. The
 * bytes are the current guest's (an L2's through L1's nested paging,
 * hv/core/guest_mem.h). 0: decoded; -1: not a MOV to that CR;
 * GUEST_MEM_NESTED: L1's NPT faulted on the fetch (*f). */
static int decode_register(struct vcpu *v, struct vm_exit *e, struct walk_fault *f)
{
	struct vcpu_paging_state ps;
	virt_ops->get_paging_state(v, &ps);
	uint64_t lin = (e->u.cr.lm64 ? 0 : ps.cs_base) + e->rip;
	uint8_t b[15];
	unsigned n = (unsigned)(4096 - (lin & 4095));
	if (n > 15)
		n = 15;
	int rc = guest_read_linear(v, lin, b, n, WALK_ACC_FETCH, f);
	if (rc)
		return rc == GUEST_MEM_NESTED ? rc : -1;
	struct walk_fault f2;
	if (n < 15 && !guest_read_linear(v, lin + n, b + n, 15 - n, WALK_ACC_FETCH, &f2))
		n = 15;
	struct mov_cr m;
	if (!decode_mov_to_cr(b, n, e->u.cr.lm64, &m) || m.cr != e->u.cr.cr)
		return -1;
	e->u.cr.gpr = (uint8_t)m.gpr;
	e->insn_len = m.len;
	return 0;
}

/* PAE paging outside IA-32e mode: a CR write that (re)loads the PDPTEs
 * faults if one is present with a reserved bit set (SDM 3A 4.4.1). CR3
 * is a physical address of the current guest: an L2's PDPT is at an
 * L2-physical address, read through L1's nested paging. */
enum { PDPTES_OK, PDPTES_BAD, PDPTES_NESTED };
static int pdptes_bad(struct vcpu *v, uint64_t cr3, struct walk_fault *f)
{
	uint64_t pdpt[4];
	int rc = guest_read_phys(v, cr3 & 0xffffffe0ull, pdpt, sizeof(pdpt), WALK_ACC_READ, f);
	if (rc)
		return rc == GUEST_MEM_NESTED ? PDPTES_NESTED : PDPTES_BAD;
	/* Bit 5 (accessed) aside: QEMU TCG's CPU sets it in the PDPTEs it
	 * walks (hv/core/guest_mem.c), so a guest's own PDPTEs have it after
	 * the CPU used them; a MOV to CR4 must not #GP for that. */
	uint64_t rsvd = pae_pdpte_reserved(maxphyaddr()) & ~(1ull << 5);
	for (unsigned i = 0; i < 4; i++)
		if ((pdpt[i] & 1) && (pdpt[i] & rsvd))
			return PDPTES_BAD;
	return PDPTES_OK;
}

/* PDPTES_OK: the write may happen; PDPTES_BAD: it raises #GP;
 * PDPTES_NESTED: reading the PDPTEs faulted in L1's NPT (*f). */
static int write_faults(struct vcpu *v, const struct vm_exit *e, unsigned cr, uint64_t val, struct walk_fault *f)
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
		return PDPTES_BAD;
	/* The state after the write, for the PDPTE rule (what KVM's
	 * load_pdptrs calls cover: CR3 loads, and CR0/CR4 changes of the
	 * bits that decide PAE paging). */
	uint64_t cr0 = cr == 0 ? val : s.cr0, cr4 = cr == 4 ? val : s.cr4, cr3 = cr == 3 ? val : s.cr3;
	bool pae_paging = (cr0 & CR0_PG) && (cr4 & CR4_PAE) && !(s.efer & EFER_LME);
	bool reload = cr == 3 || (cr == 0 && ((val ^ s.cr0) & (CR0_PG | CR0_CD | CR0_NW))) ||
		      (cr == 4 && ((val ^ s.cr4) & (CR4_PSE | CR4_PAE | CR4_PGE | (1ull << 20))));
	return pae_paging && reload ? pdptes_bad(v, cr3, f) : PDPTES_OK;
}

/* MOV to/from CR8 (64-bit mode only; the exit says the register). A
 * write with bits 63:4 set raises #GP (SDM 2B MOV to/from control
 * registers). */
static enum exit_action cr8_access(struct vcpu *v, struct vm_exit *e)
{
	if (e->u.cr.gpr == CR_GPR_UNKNOWN) {
		struct walk_fault f;
		int rc = e->u.cr.type == CR_ACCESS_MOV_TO ? decode_register(v, e, &f) : -1;
		if (rc == GUEST_MEM_NESTED)
			return guest_mem_nested_fault(v, &f);
		if (rc) {
			vm_stop_with_report(v, e, "CR8 access exit, but the bytes at RIP are not a MOV to CR8");
			return EXIT_ACTION_STOPPED;
		}
	}
	if (e->u.cr.type == CR_ACCESS_MOV_FROM) {
		v->gpr[e->u.cr.gpr] = lapic_dev_cr8_read(v);
		return exit_skip_instruction(v, e);
	}
	if (e->u.cr.type != CR_ACCESS_MOV_TO) {
		vm_stop_with_report(v, e, "CR8 access exit of an unknown type");
		return EXIT_ACTION_STOPPED;
	}
	uint64_t val = v->gpr[e->u.cr.gpr];
	if (val & ~0xfull) {
		vm_inject_gp(v);
		return EXIT_ACTION_RESUME;
	}
	lapic_dev_cr8_write(v, val);
	return exit_skip_instruction(v, e);
}

enum exit_action handle_cr_access(struct vcpu *v, struct vm_exit *e)
{
	unsigned cr = e->u.cr.cr;
	uint64_t val;
	struct walk_fault f;
	if (cr == 8)
		return cr8_access(v, e);
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
		if (e->u.cr.gpr == CR_GPR_UNKNOWN) {
			int rc = decode_register(v, e, &f);
			if (rc == GUEST_MEM_NESTED)
				return guest_mem_nested_fault(v, &f);
			if (rc) {
				vm_stop_with_report(v, e, "CR write exit, but the bytes at RIP are not a MOV to that CR");
				return EXIT_ACTION_STOPPED;
			}
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
	switch (write_faults(v, e, cr, val, &f)) {
	case PDPTES_OK:
		break;
	case PDPTES_NESTED:
		return guest_mem_nested_fault(v, &f);
	default:
		vm_inject_gp(v);
		return EXIT_ACTION_RESUME;
	}
	virt_ops->set_cr(v, cr, val);
	return exit_skip_instruction(v, e);
}

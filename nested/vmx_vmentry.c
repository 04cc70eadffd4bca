/*
 * vmx_vmentry.c - VMLAUNCH/VMRESUME by L1 (SDM Vol 3C ch. 27 "VM
 * Entries", ch. 31 for the instructions), and the VM exits L1 receives.
 *
 * VMLAUNCH/VMRESUME: #UD/#GP as every VMX instruction; VMfailInvalid
 * without a current VMCS; VMfailValid 26 in MOV-SS blocking, 4 (VMLAUNCH
 * of a launched VMCS), 5 (VMRESUME of a clear one); then the checks of
 * nested/vmx_entry_checks: controls (VMfailValid 7), host state
 * (VMfailValid 8), guest state (a VM-entry failure: exit reason 33 with
 * bit 31 into L1, which resumes at its host state, SDM 3C 27.8).
 *
 * The VM exit into L1 (vmx_exit_emul's result loaded into vmcs01): L1's
 * control registers, EFER/PAT, segments, descriptor tables, RIP/RSP and
 * RFLAGS from VMCS12's host-state area (SDM 3C 28.5).
 */
#include "nested/vmx_nested.h"
#include "drivers/console.h"
#include "hv/core/vm.h"
#include "hv/exit/exits.h"
#include "hv/lib/string.h"
#include "hv/vmx/vmx.h"
#include "mm/pages.h"
#include "nested/vmx_entry_checks.h"
#include "nested/vmx_exit_emul.h"

#define RFLAGS_VM (1ull << 17)
#define INTR_BLOCK_MOV_SS (1u << 1)

int nested_vmx_vcpu_init_entry(struct vcpu *v)
{
	(void)v;
	return 0;
}

void nested_vmx_vcpu_free_entry(struct vcpu *v) { (void)v; }

void nested_vmx_invalidate(struct vcpu *v, bool ept)
{
	(void)ept;
	/* L2 never runs yet: nothing of it is kept. */
	(void)v;
}

void nested_vmx_tdp_flushed(struct vcpu *v) { (void)v; }

static bool read_u64(void *mem, uint64_t gpa, uint64_t *val)
{
	const uint64_t *p = vm_gpa_ptr(mem, gpa, 8);
	if (!p)
		return false;
	*val = *p;
	return true;
}

/* RFLAGS for an outcome and the next instruction. */
static enum exit_action insn_done(struct vcpu *v, struct vm_exit *e, enum vmx_outcome o)
{
	vmwrite(VMCS_GUEST_RFLAGS, vmx_outcome_rflags(vmread(VMCS_GUEST_RFLAGS), o));
	return exit_skip_instruction(v, e);
}

static enum exit_action vmfail_valid(struct vcpu *v, struct vm_exit *e, uint32_t err)
{
	VMCS12_F(&NV(v)->st.cache, VM_INSTRUCTION_ERROR) = err;
	return insn_done(v, e, VMX_FAIL_VALID);
}

static void set_seg(unsigned i, const struct vmx_seg *s)
{
	vmwrite((enum vmcs_field)(VMCS_GUEST_ES_SEL + 2 * i), s->sel);
	vmwrite((enum vmcs_field)(VMCS_GUEST_ES_BASE + 2 * i), s->base);
	vmwrite((enum vmcs_field)(VMCS_GUEST_ES_LIMIT + 2 * i), s->limit);
	vmwrite((enum vmcs_field)(VMCS_GUEST_ES_AR + 2 * i), s->ar);
}

/* L1's registers after a VM exit (SDM 3C 28.5) into vmcs01 (current). */
static void load_l1_state(struct vcpu *v, const struct vmx_l1_state *l1)
{
	vmx_set_cr(v, 0, l1->cr0);
	vmx_set_cr(v, 4, l1->cr4);
	vmwrite(VMCS_GUEST_CR3, l1->cr3);
	vmwrite(VMCS_GUEST_DR7, l1->dr7);
	vmwrite(VMCS_GUEST_IA32_DEBUGCTL, l1->debugctl);
	uint64_t efer = l1->efer, pat = l1->pat;
	vmwrite(VMCS_GUEST_IA32_EFER, efer);
	virt_ops->state_msr(v, MSR_PAT, true, &pat);
	vmwrite(VMCS_GUEST_SYSENTER_CS, l1->sysenter_cs);
	vmwrite(VMCS_GUEST_SYSENTER_ESP, l1->sysenter_esp);
	vmwrite(VMCS_GUEST_SYSENTER_EIP, l1->sysenter_eip);
	for (unsigned i = 0; i < VMX_NSEG; i++)
		set_seg(i, &l1->seg[i]);
	vmwrite(VMCS_GUEST_GDTR_BASE, l1->gdtr_base);
	vmwrite(VMCS_GUEST_GDTR_LIMIT, l1->gdtr_limit);
	vmwrite(VMCS_GUEST_IDTR_BASE, l1->idtr_base);
	vmwrite(VMCS_GUEST_IDTR_LIMIT, l1->idtr_limit);
	vmwrite(VMCS_GUEST_RIP, l1->rip);
	vmwrite(VMCS_GUEST_RFLAGS, l1->rflags);
	vmwrite(VMCS_GUEST_INTERRUPTIBILITY, 0);
	v->gpr[GPR_RSP] = l1->rsp;
	/* EFER.LMA/IA-32e mode and a PAE host's PDPTEs (28.5.1, 28.5.4). */
	vmx_sync_paging_mode(v);
	VX(v)->flush_pending = true;
}

/* L1's registers a VM exit keeps (their values now, in vmcs01). */
static struct vmx_l1_kept l1_kept(struct vcpu *v)
{
	struct vmx_l1_kept k = { .cr0 = vmx_get_cr(v, 0), .efer = vmread(VMCS_GUEST_IA32_EFER) };
	virt_ops->state_msr(v, MSR_PAT, false, &k.pat);
	return k;
}

/* A VM-entry failure (reason 33/34 with bit 31, qualification) into L1:
 * only the reason and qualification are written (27.8), L1 resumes at its
 * host state. */
static enum exit_action entry_failure(struct vcpu *v, uint32_t reason, uint32_t qual)
{
	struct nested_vmx *x = NV(v);
	struct vmx_l2_exit ex = { .reason = reason | VMX_EXIT_REASON_ENTRY_FAILURE, .qual = qual };
	struct vmx_l1_kept kept = l1_kept(v);
	struct vmx_l1_state l1;
	vmx_exit_emulate(&x->st.cache, &ex, 0, 0, 0, &kept, &l1);
	load_l1_state(v, &l1);
	return EXIT_ACTION_RESUME;
}

enum exit_action nested_vmx_vmentry(struct vcpu *v, struct vm_exit *e, bool launch)
{
	struct nested_vmx *x = NV(v);
	uint64_t cr0 = vmx_get_cr(v, 0), rflags = vmread(VMCS_GUEST_RFLAGS);
	bool lma = vmread(VMCS_GUEST_IA32_EFER) & EFER_LMA, cs_l = (vmread(VMCS_GUEST_CS_AR) >> 13) & 1;
	/* #UD: not in VMX operation, real/virtual-8086/compatibility mode;
	 * #GP(0): CPL > 0 (SDM 3C 31.3 VMLAUNCH/VMRESUME). */
	if (!x->st.vmxon || !(cr0 & CR0_PE) || (rflags & RFLAGS_VM) || (lma && !cs_l)) {
		vm_inject_ud(v);
		return EXIT_ACTION_RESUME;
	}
	if ((vmread(VMCS_GUEST_SS_AR) >> 5) & 3) {
		vm_inject_gp(v);
		return EXIT_ACTION_RESUME;
	}
	if (x->st.current == VMX_NO_VMCS)
		return insn_done(v, e, VMX_FAIL_INVALID);
	if (vmread(VMCS_GUEST_INTERRUPTIBILITY) & INTR_BLOCK_MOV_SS)
		return vmfail_valid(v, e, VMXERR_ENTRY_MOV_SS);
	struct vmcs12 *c12 = &x->st.cache;
	if (launch && c12->launch != VMCS12_CLEAR)
		return vmfail_valid(v, e, VMXERR_VMLAUNCH_NOT_CLEAR);
	if (!launch && c12->launch != VMCS12_LAUNCHED)
		return vmfail_valid(v, e, VMXERR_VMRESUME_NOT_LAUNCHED);
	struct vmx_entry_ctx ec = {
		.caps = &x->caps, .maxphyaddr = x->maxphyaddr, .l1_long_mode = lma,
		.read_u64 = read_u64, .mem = v->vm,
	};
	struct vmx_check_result k = vmx_check_controls(c12, &ec);
	if (!k.error)
		k = vmx_check_host_state(c12, &ec);
	if (k.error == VMXERR_ENTRY_BAD_CONTROLS || k.error == VMXERR_ENTRY_BAD_HOST_STATE) {
		log_debug("nested", "%s: %s: VMfailValid %d (%s)", v->vm->opts.name, launch ? "VMLAUNCH" : "VMRESUME",
			  k.error, k.what);
		return vmfail_valid(v, e, (uint32_t)k.error);
	}
	k = vmx_check_guest_state(c12, &ec);
	if (k.error) {
		log_debug("nested", "%s: %s: VM-entry failure, exit 33 qualification %u (%s)", v->vm->opts.name,
			  launch ? "VMLAUNCH" : "VMRESUME", k.qual, k.what);
		/* The instruction is done: the exit is L1's next event. */
		return entry_failure(v, VMX_EXIT_ENTRY_FAIL_GUEST, k.qual);
	}
	vm_stop_with_report(v, e, "VMLAUNCH/VMRESUME that passes every VM-entry check: running L2 is not "
				  "emulated yet on VT-x");
	return EXIT_ACTION_STOPPED;
}

enum exit_action nested_vmx_l2_exit(struct vcpu *v, struct vm_exit *e)
{
	/* L2 never runs (nested_vmx_vmentry stops first). */
	return exit_handle(v, e);
}

void nested_vmx_print_stats(const struct vcpu *v)
{
	const struct nested_vcpu *n = v->nested;
	kprintf("vm: %s vCPU %u nested: %llu L2 exits, %llu reflected to L1\n", v->vm->opts.name, v->index,
		(unsigned long long)n->l2_exits, (unsigned long long)n->l2_reflected);
}

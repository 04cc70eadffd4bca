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
 * An entry that passes: vmcs02 (a second hardware VMCS of the vCPU,
 * hv/vmx vmx_swap_vmcs) gets nested/vmx_vmcs02's fields from VMCS12 and
 * L0's needs (vmcs01's controls, its VPID, EPT01 or the shadow EPT02, its
 * all-ones bitmaps, which make every merged bitmap all ones too), and the
 * vCPU runs L2 on it. L2's general registers are the vCPU's (VM entry and
 * exit leave them, SDM 3C 27.3, 28.5), RSP/RIP are vmcs02's.
 *
 * L2's exits (nested_vmx_l2_exit) take the two questions of
 * nested/reflect.h: L0's own need (host interrupt, slice, an EPT01
 * fault), then "did L1 ask" (nested/vmx_reflect, an EPT12 walk for EPT
 * exits). L1's are emulated into VMCS12 by nested/vmx_exit_emul and L1
 * resumes on vmcs01 at its host state (SDM 3C 28.5); the rest L0 does
 * for L2 (the ordinary handlers, on vmcs02).
 *
 * EPT02 (L1 with EPT) and L0's MMIO/ROM behind L1's EPT: nested/vmx_ept02.c.
 *
 * Not done: VMCS shadowing, L1's VM-entry/exit MSR-load/store lists (their
 * addresses are checked, their entries not processed), L1's preemption timer, the activity states other than
 * active (HLT entry runs L2 active), NMIs for L1 and interrupts for an L1
 * without external-interrupt exiting while L2 runs (they wait for the
 * next exit to L1).
 */
#include "nested/vmx_nested.h"
#include "drivers/console.h"
#include "hv/core/vm.h"
#include "hv/exit/exits.h"
#include "hv/lib/string.h"
#include "hv/vmx/vmx.h"
#include "mm/pages.h"
#include "ept/ept_fmt.h"
#include "mm/ptbuild.h"
#include "mm/walk.h"
#include "nested/reflect.h"
#include "nested/vmx_entry_checks.h"
#include "nested/vmx_ept12.h"
#include "nested/vmx_exit_emul.h"
#include "nested/vmx_reflect.h"
#include "nested/vmx_vmcs02.h"
#include "nested/vmx_l2.h"

#define RFLAGS_VM (1ull << 17)
#define INTR_BLOCK_MOV_SS (1u << 1)
#define C12P(c, name) ((uint32_t)VMCS12_F(c, name))


int nested_vmx_vcpu_init_entry(struct vcpu *v)
{
	struct nested_vmx *x = NV(v);
	struct vmx_vcpu *s = VX(v);
	_Static_assert(sizeof(struct vmx_l2) <= 3 * 4096, "vmx_l2 fits its pages");
	x->l2_pa = pages_alloc_contig(3, 4096);
	if (!x->l2_pa)
		return -1;
	x->l2 = pa_to_ptr(x->l2_pa);
	memset(x->l2, 0, sizeof(*x->l2));
	s->alt_vmcs_pa = vmx_new_vmcs();
	return s->alt_vmcs_pa ? 0 : -1;
}

void nested_vmx_vcpu_free_entry(struct vcpu *v)
{
	struct nested_vmx *x = NV(v);
	struct vmx_vcpu *s = VX(v);
	if (x->l2) {
		if (x->l2->ept02_ready)
			ptb_destroy(&x->l2->ept02);
		pages_free(x->l2_pa, 3);
		x->l2 = 0;
	}
	/* The VMCS not in use (vmx_vcpu_unload VMCLEARed both). */
	if (s && s->alt_vmcs_pa) {
		pages_free(s->alt_vmcs_pa, 1);
		s->alt_vmcs_pa = 0;
	}
}

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

/* L0's needs while L2 runs (vmx_vmcs02.h), from vmcs01 (current). */
static void l0_needs(struct vcpu *v, const struct vmcs12 *c12, struct vmx_l0_needs *l0)
{
	struct vmx_vcpu *s = VX(v);
	uint32_t pin, proc, proc2, exit, entry;
	vmx_l0_controls(&pin, &proc, &proc2, &exit, &entry);
	const struct vmx_cr_fixed *fx = vmx_crfix();
	uint32_t l1p2 = (C12P(c12, PROC_BASED_CTLS) & PROC_SECONDARY) ? C12P(c12, PROC_BASED_CTLS2) : 0;
	bool unrestricted02 = l1p2 & PROC2_UNRESTRICTED;
	uint32_t exc = (uint32_t)vmread(VMCS_EXCEPTION_BITMAP);
	*l0 = (struct vmx_l0_needs){
		.pin = pin,
		/* L0's windows are for L1's events, not L2's. */
		.proc = proc & ~(PROC_INTR_WINDOW | PROC_NMI_WINDOW),
		.proc2 = proc2,
		.exit = exit,
		.entry = entry,
		/* L1's preemption timer is not offered (vmx_caps). */
		.pin_emulated = PIN_PREEMPTION_TIMER,
		.exc_bitmap = exc,
		.pf = { (exc >> 14) & 1, (uint32_t)vmread(VMCS_PF_ERROR_CODE_MASK), (uint32_t)vmread(VMCS_PF_ERROR_CODE_MATCH) },
		.cr0_mask = vmx_cr0_mask(fx),
		.cr4_mask = vmx_cr4_mask(fx),
		/* What VMX non-root operation needs (SDM 3C 24.8); PE/PG may be
		 * 0 only with unrestricted guest, which is L1's choice. */
		.cr0_must1 = fx->cr0_fixed0 & ~(unrestricted02 ? CR0_PE | CR0_PG : 0),
		.cr4_must1 = fx->cr4_fixed0 | CR4_VMXE,
		.tsc_offset = vmread(VMCS_TSC_OFFSET),
		.vpid02 = s->vpid,
		.eptp02 = s->eptp,
		/* L0's bitmaps are all ones (hv/vmx/vmx.c): L0 | L1 = L0's. */
		.msr_bitmap02 = s->msr_bitmap_pa,
		.io_bitmap02_a = s->io_bitmap_pa,
		.io_bitmap02_b = s->io_bitmap_pa + 4096,
		.l1_efer = vmread(VMCS_GUEST_IA32_EFER),
		.l1_dr7 = vmread(VMCS_GUEST_DR7),
		.l1_debugctl = vmread(VMCS_GUEST_IA32_DEBUGCTL),
	};
	virt_ops->state_msr(v, MSR_PAT, false, &l0->l1_pat);
}

static enum exit_action enter_l2(struct vcpu *v, struct vm_exit *e, bool launch)
{
	struct nested_vmx *x = NV(v);
	struct nested_vcpu *n = v->nested;
	struct vmx_l2 *l = L2(v);
	struct vmcs12 *c12 = &x->st.cache;
	(void)e;
	uint32_t l1p2 = (C12P(c12, PROC_BASED_CTLS) & PROC_SECONDARY) ? C12P(c12, PROC_BASED_CTLS2) : 0;
	l->ept = l1p2 & PROC2_EPT;
	if (l->ept && !nested_vmx_ept12_enter(v, c12)) {
		vm_stop(v->vm, -1, "out of memory for the nested EPT of L2 (EPT02)");
		return EXIT_ACTION_STOPPED;
	}
	l0_needs(v, c12, &l->l0);
	if (l->ept)
		l->l0.eptp02 = ept_make_eptp(l->ept02.root, 4, false);
	vmx_vmcs02_build(&l->b, c12, &l->l0);
	x->vmentries++;
	if (launch)
		c12->launch = VMCS12_LAUNCHED;
	/* L1's RSP stays in vmcs01 (the exit loads HOST_RSP anyway). */
	vmwrite(VMCS_GUEST_RSP, v->gpr[GPR_RSP]);
	vmx_swap_vmcs(v);
	for (unsigned i = 0; i < VMCS12_NFIELDS; i++) {
		uint32_t enc = vmcs12_encoding(i);
		if (l->b.set[i] && vmcs_field_type(enc) != VMCS_T_EXIT_INFO && vmcs_field_type(enc) != VMCS_T_HOST)
			vmwrite((enum vmcs_field)enc, l->b.val[i]);
	}
	vmwrite(VMCS_EXIT_MSR_STORE_COUNT, 0);
	vmwrite(VMCS_EXIT_MSR_LOAD_COUNT, 0);
	vmwrite(VMCS_ENTRY_MSR_LOAD_COUNT, 0);
	vmwrite(VMCS_PREEMPTION_TIMER_VALUE, VX(v)->preempt_value);
	VX(v)->proc_ctls = (uint32_t)l->b.val[VMCS12_PROC_BASED_CTLS];
	VX(v)->eptp = l->l0.eptp02;
	/* A PAE L2 without L1's EPT: its PDPTEs from its CR3 (27.3.2.4). */
	if (l->b.pdptes_from_cr3)
		vmx_sync_paging_mode(v);
	v->gpr[GPR_RSP] = VMCS12_F(c12, GUEST_RSP);
	n->guest_mode = true;
	return EXIT_ACTION_RESUME;
}

/* The VM exit into L1 for the exit x of L2 (vmcs02 current). */
enum exit_action nested_vmx_exit_to_l1(struct vcpu *v, const struct vmx_l2_exit *x)
{
	struct nested_vmx *nx = NV(v);
	struct vmx_l2 *l = L2(v);
	uint64_t *g02 = l->g02;
	for (unsigned i = 0; i < VMCS12_NFIELDS; i++) {
		uint32_t enc = vmcs12_encoding(i);
		g02[i] = vmcs_field_type(enc) == VMCS_T_GUEST ? vmread((enum vmcs_field)enc) : 0;
	}
	g02[VMCS12_CR0_READ_SHADOW] = vmread(VMCS_CR0_READ_SHADOW);
	g02[VMCS12_CR4_READ_SHADOW] = vmread(VMCS_CR4_READ_SHADOW);
	g02[VMCS12_GUEST_RSP] = v->gpr[GPR_RSP];
	vmx_swap_vmcs(v);
	v->nested->guest_mode = false;
	/* The event L2 was delivering is L1's to redo (IDT-vectoring). */
	v->ev.in_flight.valid = false;
	events_clear(&v->ev, EV_IN_FLIGHT);
	struct vmx_l1_kept kept = l1_kept(v);
	struct vmx_l1_state l1;
	vmx_exit_emulate(&nx->st.cache, x, g02, l->l0.cr0_mask | l->l0.cr0_must1, l->l0.cr4_mask | l->l0.cr4_must1,
			 &kept, &l1);
	load_l1_state(v, &l1);
	v->nested->l2_reflected++;
	return EXIT_ACTION_RESUME;
}

/* An external interrupt for L1 while L2 runs (SDM 3C 26.2, 25.6.1: with
 * "external-interrupt exiting" it is a VM exit, reason 1, whatever L2's
 * RFLAGS.IF; with "acknowledge interrupt on exit" the vector is accepted
 * and in the exit's interruption information, else it stays pending for
 * L1, 28.2.2). Without external-interrupt exiting it waits for L1's next
 * exit (not delivered into L2: not emulated). An event L2 was being
 * given when it last exited goes into IDT-vectoring information. */
bool nested_vmx_l1_event_exit(struct vcpu *v)
{
	struct vcpu_events *ev = &v->ev;
	const struct vmcs12 *c12 = &NV(v)->st.cache;
	if (!(ev->pending & (EV_INTR | EV_INTR_HELD)) || !(C12P(c12, PIN_BASED_CTLS) & PIN_EXTINT_EXITING))
		return false;
	int vector = -1;
	if (ev->pending & EV_INTR_HELD)
		vector = ev->held_vector;
	else if (ev->intr_ops)
		vector = ev->intr_ops->highest(ev->intr_ctx, v);
	if (vector < 0)
		return false;
	struct vmx_l2_exit x = { .reason = VMX_EXIT_EXTINT };
	if (C12P(c12, EXIT_CTLS) & EXIT_CTL_ACK_INTR) {
		if (ev->pending & EV_INTR_HELD)
			events_clear(ev, EV_INTR_HELD);
		else
			ev->intr_ops->ack(ev->intr_ctx, v, (uint8_t)vector);
		x.ext_vector = (uint8_t)vector;
	}
	const struct vcpu_event *f = &ev->in_flight;
	if ((ev->pending & EV_IN_FLIGHT) && f->valid) {
		x.idt_info = f->vector | ((uint32_t)f->type << INTR_TYPE_SHIFT) | INTR_INFO_VALID |
			     (f->has_error ? INTR_INFO_ERROR_VALID : 0);
		x.idt_error = f->error;
		x.insn_len = f->insn_len;
	}
	vmx_load(v);
	nested_vmx_exit_to_l1(v, &x);
	return true;
}

/* The exit as the hardware reported it in vmcs02. */
struct vmx_l2_exit nested_vmx_hw_exit(void)
{
	struct vmx_l2_exit x = {
		.reason = (uint32_t)vmread(VMCS_EXIT_REASON),
		.qual = vmread(VMCS_EXIT_QUALIFICATION),
		.gla = vmread(VMCS_GUEST_LINEAR_ADDRESS),
		.gpa = vmread(VMCS_GUEST_PHYSICAL_ADDRESS),
		.intr_info = (uint32_t)vmread(VMCS_EXIT_INTR_INFO),
		.intr_error = (uint32_t)vmread(VMCS_EXIT_INTR_ERROR_CODE),
		.idt_info = (uint32_t)vmread(VMCS_IDT_VECTORING_INFO),
		.idt_error = (uint32_t)vmread(VMCS_IDT_VECTORING_ERROR_CODE),
		.insn_len = (uint32_t)vmread(VMCS_EXIT_INSTRUCTION_LEN),
		.insn_info = (uint32_t)vmread(VMCS_EXIT_INSTRUCTION_INFO),
	};
	return x;
}

/* An exception L0 raised for L2 while doing what its instruction does
 * (#UD, #GP, #PF of an emulated access) is the virtual CPU's: L1's
 * exception bitmap (and #PF MASK/MATCH) applies to it as to one the
 * hardware raised (SDM 3C 26.2): then it is L1's exit 0. */
enum exit_action nested_vmx_after_emulation(struct vcpu *v, enum exit_action a)
{
	struct vcpu_events *ev = &v->ev;
	if (a != EXIT_ACTION_RESUME || !(ev->pending & EV_EXCEPTION))
		return a;
	const struct vmcs12 *c12 = &NV(v)->st.cache;
	uint32_t info = ev->exc.vector | (INTR_TYPE_HW_EXCEPTION << INTR_TYPE_SHIFT) | INTR_INFO_VALID |
			(ev->exc.has_error ? INTR_INFO_ERROR_VALID : 0);
	struct vmx_exit_facts f = { .reason = VMX_EXIT_EXCEPTION_NMI, .intr_info = info, .intr_error = ev->exc.error };
	struct vmx_l1_mem mem;
	if (!vmx_l1_wants_exit(c12, &f, nested_vmx_l1_mem(v, &mem)))
		return a;
	struct vmx_l2_exit x = {
		.reason = VMX_EXIT_EXCEPTION_NMI,
		.qual = ev->exc.vector == EXC_PF ? ev->exc.payload : 0, /* #PF: the linear address (28.2.1) */
		.intr_info = info,
		.intr_error = ev->exc.error,
	};
	events_clear(ev, EV_EXCEPTION);
	return nested_vmx_exit_to_l1(v, &x);
}

enum exit_action nested_vmx_l2_exit(struct vcpu *v, struct vm_exit *e)
{
	struct nested_vcpu *n = v->nested;
	struct nested_vmx *x = NV(v);
	struct vmx_l2 *l = L2(v);
	n->l2_exits++;
	n->l2_by_reason[(unsigned)e->reason < EXIT_REASON_COUNT ? e->reason : EXIT_UNHANDLED]++;
	if (e->hw_reason == VMX_HW_REASON_VMFAIL) {
		vm_stop_with_report(v, e, "internal error: the CPU refused vmcs02 (VMfail), L1's VMCS12 passed Nestor's checks");
		return EXIT_ACTION_STOPPED;
	}
	vmx_load(v);
	uint32_t full = (uint32_t)vmread(VMCS_EXIT_REASON);
	if (full & VMX_EXIT_REASON_ENTRY_FAILURE) {
		/* The CPU refused L2's state after Nestor's checks passed: L1
		 * gets the failure the CPU reported (27.8). */
		log_warn("nested", "%s: the CPU refused L2's guest state (exit %u): VM-entry failure to L1",
			 v->vm->opts.name, full & 0xffff);
		struct vmx_l2_exit xe = { .reason = full, .qual = vmread(VMCS_EXIT_QUALIFICATION) };
		vmx_swap_vmcs(v);
		n->guest_mode = false;
		struct vmx_l1_kept kept = l1_kept(v);
		struct vmx_l1_state l1;
		vmx_exit_emulate(&x->st.cache, &xe, 0, 0, 0, &kept, &l1);
		load_l1_state(v, &l1);
		return EXIT_ACTION_RESUME;
	}
	bool tdp = e->reason == EXIT_TDP_FAULT || e->reason == EXIT_TDP_MISCONFIG;
	if (tdp && l->ept)
		return nested_vmx_ept_fault(v, e);
	/* Question 1 (nested/reflect.h); without L1's EPT an EPT fault is
	 * in EPT01: L0's. */
	struct nested_exit_facts f = {
		.reason = e->reason,
		.exc_vector = e->reason == EXIT_EXCEPTION ? e->u.exc.vector : 0,
		.tdp_origin = tdp ? NESTED_TDP_L0 : NESTED_TDP_NONE,
	};
	struct vmx_exit_facts xf = {
		.reason = full & 0xffff,
		.qual = e->qual,
		.intr_info = (uint32_t)vmread(VMCS_EXIT_INTR_INFO),
		.intr_error = (uint32_t)vmread(VMCS_EXIT_INTR_ERROR_CODE),
		.msr = (uint32_t)v->gpr[GPR_RCX],
	};
	if (e->reason == EXIT_CR_ACCESS && e->u.cr.gpr < GPR_COUNT)
		xf.cr_value = v->gpr[e->u.cr.gpr];
	bool l0 = nested_l0_needs(&f);
	struct vmx_l1_mem mem;
	enum nested_route route = nested_route(l0, !l0 && vmx_l1_wants_exit(&x->st.cache, &xf, nested_vmx_l1_mem(v, &mem)));
	if (route == NESTED_ROUTE_L1) {
		struct vmx_l2_exit hx = nested_vmx_hw_exit();
		return nested_vmx_exit_to_l1(v, &hx);
	}
	if (route == NESTED_ROUTE_EMULATE && e->reason == EXIT_EXCEPTION && (e->u.exc.vector == 1 || e->u.exc.vector == 17)) {
		/* #DB/#AC only L0 intercepts: L2 takes it as it would have. */
		n->l2_exc_reinjected++;
		vcpu_queue_exception(v, e->u.exc.vector, e->u.exc.has_error, e->u.exc.error);
		return EXIT_ACTION_RESUME;
	}
	return nested_vmx_after_emulation(v, exit_handle(v, e));
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
	return enter_l2(v, e, launch);
}

void nested_vmx_print_stats(const struct vcpu *v)
{
	const struct nested_vcpu *n = v->nested;
	kprintf("vm: %s vCPU %u nested: %llu VM entries, %llu L2 exits, %llu reflected to L1, %llu L2 #DB/#AC "
		"re-injected, %llu L2 MMIO emulated\n",
		v->vm->opts.name, v->index, (unsigned long long)v->nested->vmx->vmentries, (unsigned long long)n->l2_exits,
		(unsigned long long)n->l2_reflected, (unsigned long long)n->l2_exc_reinjected,
		(unsigned long long)n->l2_mmio);
	kprintf("vm: %s vCPU %u L2 exits:", v->vm->opts.name, v->index);
	for (int r = 1; r < EXIT_REASON_COUNT; r++)
		if (n->l2_by_reason[r])
			kprintf(" %s=%llu", exit_reason_name((enum exit_reason)r), (unsigned long long)n->l2_by_reason[r]);
	kprintf(" total=%llu\n", (unsigned long long)n->l2_exits);
}

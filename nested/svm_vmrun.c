/*
 * svm_vmrun.c - VMRUN and #VMEXIT emulation for L1 (AMD APM Vol 2 15.5,
 * 15.6), and the routing of every exit taken while L2 runs.
 *
 * VMRUN: copy the VMCB12 out of L1 memory, check the copy (15.5.1; a
 * failure is EXITCODE VMEXIT_INVALID in the VMCB12, GIF=0, L1 resumes
 * after its VMRUN), sanitise it, and build VMCB02 from L0's needs and the
 * copy: intercepts L0's OR L1's, permission maps L0's OR L1's, TSC offset
 * L0's + L1's, EVENTINJ and V_TPR/V_IRQ/V_INTR_PRIO/V_INTR_VECTOR from L1,
 * L2's state from the copy, and the state VMRUN does not load (FS, GS,
 * TR, LDTR, KernelGsBase, the SYSCALL/SYSENTER MSRs: what L1's VMLOAD put
 * in the CPU) from VMCB01. The vCPU's backend then runs VMCB02; VMCB01
 * keeps L1's state untouched until #VMEXIT (it is the host save area).
 *
 * L2 translations: without NP_ENABLE, L2's physical addresses are L1's and
 * VMCB02 uses L0's NPT01 directly. With it, VMCB02 uses NPT02, the shadow
 * of L1's NPT through NPT01 built on #NPF by the shared walk engine
 * (nested/tdp02.h). L1's NPT changes: Nestor re-walks, it does not
 * write-protect: NPT02 behaves as a TLB and is dropped whenever the
 * architecture says L1's changes take effect (VMRUN with TLB_CONTROL
 * non-zero, a new ASID or nCR3, INVLPGA) and whenever NPT01 changes.
 * L1 and L2 share the vCPU's ASID and every switch between them flushes
 * it, which also gives every TLB_CONTROL value at least its effect.
 * L0's MMIO and ROM regions that L1 maps to L2 are never in NPT02 (ROM
 * reads map through NPT01's read-only image): the access exits and L0
 * emulates L2's instruction in L2's physical space (l2_npf).
 *
 * #VMEXIT: L2's state and the exit information (EXITCODE, EXITINFO1/2,
 * EXITINTINFO = the event L2 was delivering, NEXT_RIP when NRIPS is
 * offered, V_TPR/V_IRQ, the interrupt shadow) are written to the VMCB12
 * in L1 memory; L1 resumes from VMCB01 with GIF=0, DR7=0x400, CPL 0.
 */
#include "nested/svm_nested.h"
#include "drivers/console.h"
#include "hv/core/vm.h"
#include "hv/exit/exits.h"
#include "hv/lib/string.h"
#include "hv/svm/svm.h"
#include "mm/pages.h"
#include "mm/walk.h"
#include "nested/reflect.h"
#include "nested/svm_reflect.h"
#include "nested/svm_npt.h"
#include "npt/npt_fmt.h"
#include "nested/svm_vmcb12.h"
#include "nested/tdp02.h"

#define CPUID81_EDX_LM (1u << 29)
#define L0_EXC_ALWAYS ((1u << EXC_DB) | (1u << EXC_AC))
#define CPUID81_EDX_1G (1u << 26)

/* --- NPT02 (nested/tdp02.h) ------------------------------------------------
 * Table pages are freed at once when NPT02 is dropped: the vCPU's next
 * entry flushes its ASID (SVM_WORK_FLUSH) before NPT02 can be walked again,
 * and no other vCPU ever uses this NPT02. */

static void npt02_drop(struct vcpu *v)
{
	struct nested_vcpu *n = v->nested;
	if (n->npt02_ready) {
		ptb_destroy(&n->npt02);
		n->npt02_ready = false;
		svm_entry_work_add(S(v), SVM_WORK_FLUSH);
	}
}

static bool npt02_ensure(struct vcpu *v)
{
	struct nested_vcpu *n = v->nested;
	if (!n->npt02_ready && ptb_init(&n->npt02, &v->vm->tdp_fmt, &nested_shadow_ops) == PTB_OK)
		n->npt02_ready = true;
	return n->npt02_ready;
}

void nested_svm_tdp_flushed(struct vcpu *v)
{
	struct nested_vcpu *n = v->nested;
	npt02_drop(v);
	if (!n->guest_mode || !n->np)
		return;
	if (!npt02_ensure(v)) {
		vm_stop(v->vm, -1, "out of memory for the nested page table of L2 (NPT02)");
		return;
	}
	n->vmcb02->control.ncr3 = n->npt02.root;
}

/* Host memory (NPT01's tables and L1's RAM) for the walk: identity map. */
static void *host_ptr(void *opaque, uint64_t pa, unsigned size)
{
	(void)opaque;
	return pa + size <= (4ull << 30) ? pa_to_ptr(pa) : 0;
}

/* The walk L2-GPA -> L1's NPT -> NPT01 (the guest part filled by the caller). */
static struct walk_ctx l0_walk(struct vcpu *v)
{
	return (struct walk_ctx){
		.tdp = { .fmt = &v->vm->tdp_fmt, .root = v->vm->tdp.root },
		.mem = { .ptr = host_ptr },
		.flags = WALK_F_SET_AD,
	};
}

/* At VMRUN with NP_ENABLE: L1's NPT format (its CR4/EFER; CR0.PG does not
 * matter: the format follows the host's PAE/long-mode state, as KVM does)
 * and the architectural flush points for NPT02: TLB_CONTROL non-zero, a new
 * ASID, a new nCR3 or format. Otherwise NPT02 is kept, like a TLB: a change
 * L1 made to its NPT without a flush may or may not be seen (APM 15.16). */
static bool npt12_enter(struct vcpu *v, const struct vmcb *c12)
{
	struct nested_vcpu *n = v->nested;
	const struct vmcb_save *l1 = &S(v)->vmcb->save;
	struct svm_npt12_params p = {
		.cr0 = CR0_PG, .cr4 = l1->cr4, .efer = l1->efer, .ncr3 = c12->control.ncr3,
		.maxphyaddr = n->caps.maxphyaddr,
		.gbpages = (vm_cpuid(v, 0x80000001, 0).edx & CPUID81_EDX_1G) != 0,
	};
	struct walk_ctx c01 = l0_walk(v);
	if (svm_npt12_guest(&n->npt12, &n->npt12_fmt, &p, &c01) != WALK_OK)
		return false;
	n->npt12.fmt = &n->npt12_fmt;
	uint64_t key = (l1->cr4 & (CR4_PAE | CR4_PSE)) | (l1->efer & (EFER_LMA | EFER_NXE));
	if (c12->control.tlb_control || c12->control.asid != n->asid12 || p.ncr3 != n->ncr3_12 || key != n->npt12_key)
		npt02_drop(v);
	n->asid12 = c12->control.asid;
	n->ncr3_12 = p.ncr3;
	n->npt12_key = key;
	return npt02_ensure(v);
}

/* What L1's CPU has (its CPUID never changes): judged once. */
static const struct svm_nested_caps *caps_for(struct vcpu *v)
{
	struct nested_vcpu *n = v->nested;
	if (n->caps_known)
		return &n->caps;
	n->caps_known = true;
	n->caps = (struct svm_nested_caps){
		.maxphyaddr = (uint8_t)nested_l1_maxphyaddr(v),
		.long_mode = (vm_cpuid(v, 0x80000001, 0).edx & CPUID81_EDX_LM) != 0,
		.npt = true,
		.vmcb_clean = true,
		.cr4_allowed = virt_ops->cr4_allowed(),
		.efer_allowed = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE | EFER_SVME,
	};
	return &n->caps;
}

/* Does L0's map intercept everything? (then it is VMCB02's as it is:
 * L0 | L1 = L0, and nothing needs merging at each VMRUN) */
static bool all_ones(uint64_t pa, size_t len)
{
	const uint64_t *p = pa_to_ptr(pa);
	for (size_t i = 0; i < len / 8; i++)
		if (p[i] != ~0ull)
			return false;
	return true;
}

/* The map for VMCB02: L0's when it intercepts everything, else L1's at
 * l1_pa merged with L0's into dst (a map L1 placed outside its RAM
 * intercepts everything, as all-ones memory would). */
static uint64_t merge_map(struct vcpu *v, uint64_t dst_pa, uint64_t l0_pa, bool l0_full, bool l1_on, uint64_t l1_pa,
			  size_t len)
{
	if (l0_full)
		return l0_pa;
	const uint8_t *l1 = l1_on ? vm_gpa_ptr(v->vm, l1_pa & SVM_BITMAP_BASE_MASK, len) : 0;
	if (l1_on && !l1)
		memset(pa_to_ptr(dst_pa), 0xff, len);
	else
		nested_bitmap_merge(pa_to_ptr(dst_pa), pa_to_ptr(l0_pa), l1, len);
	return dst_pa;
}

static void build_vmcb02(struct vcpu *v, const struct vmcb *c12)
{
	struct nested_vcpu *n = v->nested;
	struct svm_vcpu *s = S(v);
	struct vmcb *v01 = s->vmcb, *v02 = n->vmcb02;
	struct svm_l1_intercepts l1;
	svm_l1_intercepts_from(&l1, &c12->control);
	n->l1i = l1;
	n->l1_vintr = c12->control.vintr;

	/* Every input field of the control area is set here; the others
	 * (AVIC, GHCB, LBR, pause filter) stay 0 from vCPU setup. */
	struct vmcb_control *c = &v02->control;
	svm_merge_intercepts(c, &v01->control, &l1);
	/* #DB and #AC always exit L2: a guest that makes their delivery
	 * raise them again would otherwise hold the CPU in microcode with
	 * no exit (the CVE-2015-5307/8104 loops); L0 re-injects them. */
	c->intercept_exc |= L0_EXC_ALWAYS;
	/* L0's windows are for L1's events, not L2's. */
	c->intercept_misc1 = (v01->control.intercept_misc1 & ~(SVM_INTERCEPT1_VINTR | SVM_INTERCEPT1_IRET)) | l1.misc1;
	if (!n->maps_known) { /* L0's maps never change after vCPU setup */
		n->iopm01_full = all_ones(s->iopm_pa, SVM_IOPM_SIZE);
		n->msrpm01_full = all_ones(s->msrpm_pa, SVM_MSRPM_SIZE);
		n->maps_known = true;
	}
	c->iopm_base_pa = merge_map(v, n->iopm02_pa, s->iopm_pa, n->iopm01_full, l1.misc1 & SVM_INTERCEPT1_IOIO,
				    c12->control.iopm_base_pa, SVM_IOPM_SIZE);
	c->msrpm_base_pa = merge_map(v, n->msrpm02_pa, s->msrpm_pa, n->msrpm01_full, l1.misc1 & SVM_INTERCEPT1_MSR,
				     c12->control.msrpm_base_pa, SVM_MSRPM_SIZE);
	c->tsc_offset = v01->control.tsc_offset + c12->control.tsc_offset;
	c->asid = v01->control.asid;
	/* Host interrupts must exit L2 whatever its IF (V_INTR_MASKING). */
	c->vintr = (c12->control.vintr & ~SVM_VINTR_MASKING) | SVM_VINTR_MASKING;
	c->interrupt_shadow = c12->control.interrupt_shadow;
	c->eventinj = c12->control.eventinj;
	svm_eventinj_written(s, c->eventinj);
	/* A software interrupt's return address is NEXT_RIP with NRIPS
	 * (offered to L1), RIP without (APM 15.20). */
	n->soft_inj = 0;
	if ((c->eventinj & SVM_EVENT_VALID) && ((c->eventinj >> SVM_EVENT_TYPE_SHIFT) & 7) == EVENT_SW_INT) {
		n->soft_inj = c->eventinj;
		n->soft_rip = c12->save.rip;
		n->soft_next_rip = (nested_svm_features() & (1u << 3)) ? c12->control.next_rip : c12->save.rip;
		c->next_rip = n->soft_next_rip;
	}
	c->np_enable = 1;
	/* With L1's nested paging: NPT02; without: L2-physical = L1-physical. */
	c->ncr3 = n->np ? n->npt02.root : v01->control.ncr3;
	c->clean_bits = 0;            /* nothing of VMCB02 is cached */

	memcpy(&v02->save, &c12->save, SVM_VMCB12_SAVE_BYTES);
	nested_svm_copy_vmload_state(&v02->save, &v01->save);
	if (!n->np)
		v02->save.g_pat = v01->save.g_pat; /* no nested paging: L1's PAT */
	v02->save.dbgctl = 0;               /* no LBR virtualization */
}

enum exit_action nested_svm_vmrun(struct vcpu *v, struct vm_exit *e, uint64_t pa)
{
	struct nested_vcpu *n = v->nested;
	struct svm_vcpu *s = S(v);
	volatile struct vmcb *l1 = vm_gpa_ptr(v->vm, pa, 4096);
	if (!l1) {
		vm_stop_with_report(v, e, "VMRUN of a VMCB that is not RAM (not emulated)");
		return EXIT_ACTION_STOPPED;
	}
	/* L1 resumes after its VMRUN whatever happens (the saved host RIP). */
	if (exit_skip_instruction(v, e) != EXIT_ACTION_RESUME)
		return EXIT_ACTION_STOPPED;
	n->vmruns++;
	struct vmcb *c12 = n->vmcb12_copy;
	svm_vmcb12_copy(c12, l1);
	const struct svm_nested_caps *caps = caps_for(v);
	enum vmcb12_check k = svm_vmcb12_check(c12, caps);
	/* Not emulated: an L2 in virtual-8086 mode (Bochs stops the whole
	 * machine on a VMRUN with RFLAGS.VM from a long-mode host). Refused
	 * like a failed check, and said so. */
	bool vm86 = k == VMCB12_OK && (c12->save.rflags & (1ull << 17));
	if (vm86 && !n->warned_vm86) {
		n->warned_vm86 = true;
		log_warn("nested", "%s: VMRUN of an L2 in virtual-8086 mode is not emulated: VMEXIT_INVALID (logged once)",
			 v->vm->opts.name);
	}
	if (k != VMCB12_OK || vm86) {
		n->vmruns_failed++;
		log_debug("nested", "%s: VMRUN of VMCB 0x%llx: %s: VMEXIT_INVALID", v->vm->opts.name,
			  (unsigned long long)pa, vm86 ? "virtual-8086 mode" : vmcb12_check_name(k));
		l1->control.exitcode = SVM_EXIT_INVALID;
		l1->control.exitinfo1 = 0;
		l1->control.exitinfo2 = 0;
		n->gif = false; /* as after any #VMEXIT */
		return EXIT_ACTION_RESUME;
	}
	svm_vmcb12_sanitise(c12, caps);
	n->np = c12->control.np_enable & SVM_NESTED_CTL_NP;
	if (n->np && !npt12_enter(v, c12)) {
		/* L1's PAE PDPT is not in its RAM, or no memory for NPT02. */
		n->vmruns_failed++;
		log_warn("nested", "%s: VMRUN with nested paging: L1's nested page table (nCR3 0x%llx) is not usable",
			 v->vm->opts.name, (unsigned long long)c12->control.ncr3);
		l1->control.exitcode = SVM_EXIT_INVALID;
		n->gif = false;
		return EXIT_ACTION_RESUME;
	}
	struct vmcb *v01 = s->vmcb;
	v01->save.rax = v->gpr[GPR_RAX];
	v01->save.rsp = v->gpr[GPR_RSP];
	build_vmcb02(v, c12);
	n->vmcb12_pa = pa;
	n->vmcb01 = v01;
	n->vmcb01_pa = s->vmcb_pa;
	n->guest_mode = true;
	n->gif = true; /* VMRUN sets GIF (APM 15.17) */
	s->vmcb = n->vmcb02;
	s->vmcb_pa = n->vmcb02_pa;
	v->gpr[GPR_RAX] = c12->save.rax;
	v->gpr[GPR_RSP] = c12->save.rsp;
	/* VMRUN loads CR2 (see svm_run); L1 and L2 share the ASID. */
	svm_entry_work_add(s, SVM_WORK_CR2 | SVM_WORK_FLUSH | SVM_WORK_VTPR);
	/* The inject step must run for L2 (it keeps L1's events held). */
	events_set(&v->ev, EV_BACKEND);
	return EXIT_ACTION_RESUME;
}

/* #VMEXIT into L1 with the exit VMCB02 recorded. */
static enum exit_action emulate_vmexit(struct vcpu *v)
{
	struct nested_vcpu *n = v->nested;
	struct svm_vcpu *s = S(v);
	struct vmcb *v01 = n->vmcb01, *v02 = n->vmcb02;
	struct vmcb *l1 = vm_gpa_ptr(v->vm, n->vmcb12_pa, 4096);
	if (l1) { /* RAM at VMRUN stays RAM: the check is for safety */
		struct vmcb_save *d = &l1->save;
		const struct vmcb_save *g = &v02->save;
		d->es = g->es;
		d->cs = g->cs;
		d->ss = g->ss;
		d->ds = g->ds;
		d->gdtr = g->gdtr;
		d->idtr = g->idtr;
		d->efer = g->efer;
		d->cr0 = g->cr0;
		d->cr2 = g->cr2;
		d->cr3 = g->cr3;
		d->cr4 = g->cr4;
		d->dr6 = g->dr6;
		d->dr7 = g->dr7;
		d->rflags = g->rflags;
		d->rip = g->rip;
		d->rsp = v->gpr[GPR_RSP];
		d->rax = v->gpr[GPR_RAX];
		d->cpl = g->cpl;
		struct vmcb_control *dc = &l1->control;
		const uint64_t vsync = SVM_VINTR_V_TPR | SVM_VINTR_V_IRQ;
		dc->vintr = (n->l1_vintr & ~vsync) | (v02->control.vintr & vsync);
		dc->interrupt_shadow = v02->control.interrupt_shadow & SVM_INTERRUPT_SHADOW;
		/* VMRUN of VMCB02 failed: L1 gets the architectural -1. */
		dc->exitcode = (uint32_t)v02->control.exitcode == 0xffffffffu ? SVM_EXIT_INVALID : v02->control.exitcode;
		dc->exitinfo1 = v02->control.exitinfo1;
		dc->exitinfo2 = v02->control.exitinfo2;
		dc->exitintinfo = v02->control.exitintinfo;
		if (nested_svm_features() & (1u << 3))
			dc->next_rip = v02->control.next_rip;
	}
	/* The event L2 was delivering is L1's to redo (EXITINTINFO). */
	n->soft_inj = 0;
	v->ev.in_flight.valid = false;
	events_clear(&v->ev, EV_IN_FLIGHT);
	/* Back to L1: what L2 left in FS/GS/TR/LDTR and the MSRs VMSAVE
	 * saves stays in the CPU (APM 15.6); the rest from the host save. */
	nested_svm_copy_vmload_state(&v01->save, &v02->save);
	v01->control.asid = v02->control.asid;
	v01->save.dr7 = 0x400;
	v01->save.cpl = 0;
	s->vmcb = v01;
	s->vmcb_pa = n->vmcb01_pa;
	v->gpr[GPR_RAX] = v01->save.rax;
	v->gpr[GPR_RSP] = v01->save.rsp;
	n->guest_mode = false;
	n->gif = false;
	svm_entry_work_add(s, SVM_WORK_CR2 | SVM_WORK_FLUSH);
	return EXIT_ACTION_RESUME;
}

/* #VMEXIT for the exception queued for L2: EXITINFO1 its error code,
 * EXITINFO2 CR2 for #PF (APM 15.12); RIP at the faulting instruction. */
static enum exit_action reflect_exception(struct vcpu *v)
{
	struct nested_vcpu *n = v->nested;
	struct vmcb_control *c02 = &n->vmcb02->control;
	const struct vcpu_events *ev = &v->ev;
	c02->exitcode = SVM_EXIT_EXCP_BASE + ev->exc.vector;
	c02->exitinfo1 = ev->exc.has_error ? ev->exc.error : 0;
	c02->exitinfo2 = ev->exc.vector == EXC_PF ? ev->exc.payload : 0;
	c02->next_rip = 0;
	events_clear(&v->ev, EV_EXCEPTION);
	n->l2_reflected++;
	return emulate_vmexit(v);
}

static void *l1_mem_ptr(void *opaque, uint64_t pa, unsigned size) { return vm_gpa_ptr(opaque, pa, size); }

/* An exception Nestor raised for L2 while doing what its instruction does
 * (#UD, #GP, #PF of an emulated access...) is the virtual CPU's: L1's
 * exception intercept applies to it as to one the hardware raised (APM
 * 15.12). */
static enum exit_action l2_after_emulation(struct vcpu *v, enum exit_action a)
{
	if (a == EXIT_ACTION_RESUME && (v->ev.pending & EV_EXCEPTION) && ((v->nested->l1i.exc >> v->ev.exc.vector) & 1))
		return reflect_exception(v);
	return a;
}

/* #VMEXIT(#NPF) for a fault of L1's NPT at L2-GPA l2gpa; hw_info1 gives
 * the hardware's bits 32/33 (where L2's access was). */
static enum exit_action reflect_npf(struct vcpu *v, uint64_t l2gpa, const struct walk_fault *f, uint64_t hw_info1)
{
	struct nested_vcpu *n = v->nested;
	struct vmcb_control *c02 = &n->vmcb02->control;
	n->l2_reflected++;
	c02->exitcode = SVM_EXIT_NPF;
	c02->exitinfo1 = svm_nested_npf_exitinfo1(f, hw_info1);
	c02->exitinfo2 = l2gpa;
	c02->next_rip = 0;
	return emulate_vmexit(v);
}

/* --- L2's physical space for L0's emulator (hv/exit/tdp_fault.c) ----------
 * L2-physical -> L1's NPT -> L1-physical, walked as the CPU does (L1's A/D
 * bits set). A fault of L1's NPT is L1's #NPF for the emulated access; a
 * fault of NPT01 at the final address is L1-physical memory that is not
 * RAM: the address is the VM's (its MMIO or ROM, or nothing). */
static int l2_to_l1(void *opaque, uint64_t l2gpa, uint32_t acc, uint64_t *l1gpa, struct walk_fault *f)
{
	struct vcpu *v = opaque;
	struct walk_ctx c = l0_walk(v);
	c.guest = v->nested->npt12;
	/* The CPU walks L1's NPT with user accesses (APM Vol 2 15.25). */
	return nested_l2_to_l1(&c, l2gpa, acc | WALK_ACC_USER, l1gpa, f);
}

/* L2's page tables (at L2-physical addresses) as host memory. A refusal
 * of L1's NPT is kept for l2_table_fault: the CPU's walk of L2's tables
 * through L1's NPT is a user write (it may set A/D bits: QEMU TCG and
 * Bochs both report EXITINFO1 0x200000006 for a not-present table page on
 * a load), so the fault L1 gets is that walk's. */
static void *l2_table_ptr(void *opaque, uint64_t l2gpa, unsigned size)
{
	struct vcpu *v = opaque;
	struct nested_vcpu *n = v->nested;
	struct walk_ctx c = l0_walk(v);
	c.guest = n->npt12;
	struct walk_result r;
	n->table_fault_valid = false;
	if ((l2gpa & 4095) + size > 4096)
		return 0;
	if (walk_translate(&c, l2gpa, WALK_ACC_READ | WALK_ACC_USER, &r) != WALK_OK) {
		if (r.fault.dim == WALK_DIM_GUEST) {
			struct walk_result w;
			if (walk_translate(&c, l2gpa, WALK_ACC_WRITE | WALK_ACC_USER, &w) == WALK_OK)
				return 0; /* cannot happen: a write needs more than a read */
			n->table_fault = w.fault.dim == WALK_DIM_GUEST ? w.fault : r.fault;
			n->table_fault.gpa = l2gpa;
			n->table_fault.at_guest_table = true;
			n->table_fault_valid = true;
		}
		return 0;
	}
	return host_ptr(0, (r.hpa & ~4095ull) | (l2gpa & 4095), size);
}

static bool l2_table_fault(void *opaque, struct walk_fault *f)
{
	struct nested_vcpu *n = ((struct vcpu *)opaque)->nested;
	if (!n->table_fault_valid)
		return false;
	*f = n->table_fault;
	return true;
}

static enum exit_action l2_space_fault(void *opaque, uint64_t l2gpa, const struct walk_fault *f)
{
	if (f->dim != WALK_DIM_GUEST) {
		struct vcpu *v = opaque;
		vm_stop(v->vm, -1, "internal error: the emulated access of L2 reached memory L1's nested paging "
				   "cannot map (not emulated)");
		return EXIT_ACTION_STOPPED;
	}
	/* Bit 33 for an access to L2's page tables, else bit 32 (the final
	 * translation), as the CPU's #NPF of VMCB02 would say. */
	return reflect_npf(opaque, l2gpa, f, f->at_guest_table ? NPF_INFO1_GUEST_TABLE : 0);
}

void nested_svm_space_init(struct vcpu *v)
{
	v->nested->l2_space = (struct tdp_guest_space){
		.tables = { .ptr = l2_table_ptr, .opaque = v },
		.to_vm = l2_to_l1,
		.fault = l2_space_fault,
		.table_fault = l2_table_fault,
		.opaque = v,
	};
}

/* An #NPF of L2 under L1's nested paging: build the NPT02 entry, or give
 * L1 its #NPF, or it is L0's (NPT01): a page unmapped until touched, or
 * L0's MMIO/ROM region at the L1-physical address, emulated for L2. */
static enum exit_action l2_npf(struct vcpu *v, struct vm_exit *e)
{
	struct nested_vcpu *n = v->nested;
	struct vmcb_control *c02 = &n->vmcb02->control;
	uint64_t info1 = c02->exitinfo1, l2gpa = c02->exitinfo2;
	struct walk_ctx c = l0_walk(v);
	c.guest = n->npt12;
	struct walk_result r;
	bool flush;
	int k = nested_tdp02_fill(&n->npt02, &c, l2gpa, svm_npf_walk_access(info1), &r, &flush);
	if (k == WALK_OK) {
		if (flush)
			svm_entry_work_add(S(v), SVM_WORK_FLUSH);
		return EXIT_ACTION_RESUME;
	}
	if (nested_tdp_classify(k, &r) == NESTED_TDP_L1)
		return reflect_npf(v, l2gpa, &r.fault, info1);
	if (r.fault.dim == WALK_DIM_TDP && v->vm->ntouch && tdp_touch_restore(v, r.fault.gpa))
		return EXIT_ACTION_RESUME; /* an HC_SET_PERM page of L1, mapped back */
	if (r.fault.dim == WALK_DIM_TDP && !r.fault.at_guest_table && vm_mmio_at(v->vm, r.fault.gpa)) {
		n->l2_mmio++;
		return l2_after_emulation(v, tdp_emulate_mmio(v, e, r.fault.gpa, r.fault.kind == WALK_FAULT_NOT_PRESENT,
							      &n->l2_space));
	}
	vm_stop_with_report(v, e, r.fault.dim == WALK_DIM_NONE
					  ? "out of memory for the nested page table of L2 (NPT02)"
					  : "L2 reached L1-physical memory that L0 does not back (not RAM nor a device)");
	return EXIT_ACTION_STOPPED;
}

bool nested_svm_soft_reinject(struct vcpu *v, uint64_t info, uint64_t rip, uint64_t *next_rip)
{
	struct nested_vcpu *n = v->nested;
	if (!n || !n->guest_mode || !n->soft_inj || rip != n->soft_rip ||
	    (uint32_t)(info & ~SVM_EVENT_ERROR_VALID) != (uint32_t)(n->soft_inj & ~SVM_EVENT_ERROR_VALID))
		return false;
	*next_rip = n->soft_next_rip;
	return true;
}

bool nested_svm_l1_event_exit(struct vcpu *v)
{
	struct nested_vcpu *n = v->nested;
	uint8_t pending = __atomic_load_n(&v->ev.pending, __ATOMIC_ACQUIRE);
	/* An event L0 queued for L2 (an exception of an instruction it
	 * emulated) goes in first; the next entry looks again. */
	if (pending & EV_EXCEPTION)
		return false;
	uint32_t code;
	if ((pending & EV_NMI) && (n->l1i.misc1 & SVM_INTERCEPT1_NMI))
		code = SVM_EXIT_NMI;
	else if ((n->l1i.misc1 & SVM_INTERCEPT1_INTR) &&
		 ((pending & EV_INTR_HELD) ||
		  ((pending & EV_INTR) && v->ev.intr_ops && v->ev.intr_ops->highest(v->ev.intr_ctx, v) >= 0)))
		code = SVM_EXIT_INTR;
	else
		return false;
	/* APM 15.13.1/15.13.2: a physical INTR or NMI while the guest runs
	 * with the intercept set is a #VMEXIT with EXITINFO1/2 0; an event
	 * L2 was being given when it last exited is in EXITINTINFO (kept
	 * from that exit). The interrupt itself stays pending for L1, which
	 * takes it once it sets GIF and IF. */
	struct vmcb_control *c02 = &n->vmcb02->control;
	c02->exitcode = code;
	c02->exitinfo1 = c02->exitinfo2 = 0;
	if (!(pending & EV_IN_FLIGHT))
		c02->exitintinfo = 0;
	c02->next_rip = 0;
	n->l2_reflected++;
	n->l1_event_exits++;
	emulate_vmexit(v);
	return true;
}

enum exit_action nested_svm_l2_exit(struct vcpu *v, struct vm_exit *e)
{
	struct nested_vcpu *n = v->nested;
	const struct vmcb_control *c02 = &n->vmcb02->control;
	n->l2_exits++;
	n->l2_by_reason[(unsigned)e->reason < EXIT_REASON_COUNT ? e->reason : EXIT_UNHANDLED]++;
	if (!(v->ev.pending & EV_IN_FLIGHT))
		n->soft_inj = 0; /* L1's software interrupt (if any) was delivered */
	bool tdp = e->reason == EXIT_TDP_FAULT || e->reason == EXIT_TDP_MISCONFIG;
	if (tdp && n->np)
		return l2_npf(v, e);
	/* Without L1's nested paging every #NPF is in NPT01: L0's. */
	struct nested_exit_facts f = {
		.reason = e->reason,
		.exc_vector = e->reason == EXIT_EXCEPTION ? e->u.exc.vector : 0,
		.tdp_origin = tdp ? NESTED_TDP_L0 : NESTED_TDP_NONE,
	};
	struct svm_l2_exit x = {
		.exitcode = c02->exitcode, .exitinfo1 = c02->exitinfo1,
		.msr = (uint32_t)v->gpr[GPR_RCX], .tdp_origin = f.tdp_origin,
	};
	struct walk_mem mem = { .ptr = l1_mem_ptr, .opaque = v->vm };
	enum nested_route route = nested_route(nested_l0_needs(&f), svm_l1_wants(&n->l1i, &x, &mem));
	if (route == NESTED_ROUTE_L1) {
		n->l2_reflected++;
		return emulate_vmexit(v);
	}
	if (route == NESTED_ROUTE_EMULATE && e->reason == EXIT_EXCEPTION && ((L0_EXC_ALWAYS >> e->u.exc.vector) & 1)) {
		/* Only L0 intercepts it: L2 takes it as it would have. For #DB
		 * the CPU has already updated DR6 in VMCB02 (APM 15.12). */
		n->l2_exc_reinjected++;
		vcpu_queue_exception(v, e->u.exc.vector, e->u.exc.has_error, e->u.exc.error);
		return EXIT_ACTION_RESUME;
	}
	if (e->reason == EXIT_HYPERCALL) {
		/* L1 does not intercept VMMCALL: a VMMCALL that is not
		 * intercepted raises #UD in the guest (APM Vol 3, VMMCALL;
		 * VMCB02 intercepts it only for L0). Nestor's hypercalls are
		 * L1's ABI, never L2's: L2 takes #UD, or L1 gets it if it
		 * intercepts #UD. */
		vm_inject_ud(v);
		return l2_after_emulation(v, EXIT_ACTION_RESUME);
	}
	return l2_after_emulation(v, exit_handle(v, e));
}

void nested_svm_print_stats(const struct vcpu *v)
{
	const struct nested_vcpu *n = v->nested;
	kprintf("vm: %s vCPU %u nested: %llu VMRUNs (%llu VMEXIT_INVALID), %llu L2 exits, %llu reflected to L1, "
		"%llu L2 MMIO emulated, %llu L2 #DB/#AC re-injected\n",
		v->vm->opts.name, v->index, (unsigned long long)n->vmruns, (unsigned long long)n->vmruns_failed,
		(unsigned long long)n->l2_exits, (unsigned long long)n->l2_reflected, (unsigned long long)n->l2_mmio,
		(unsigned long long)n->l2_exc_reinjected);
	kprintf("vm: %s vCPU %u L2 exits:", v->vm->opts.name, v->index);
	for (int r = 1; r < EXIT_REASON_COUNT; r++)
		if (n->l2_by_reason[r])
			kprintf(" %s=%llu", exit_reason_name((enum exit_reason)r), (unsigned long long)n->l2_by_reason[r]);
	kprintf(" total=%llu\n", (unsigned long long)n->l2_exits);
}


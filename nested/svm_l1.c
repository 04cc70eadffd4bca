/*
 * svm_l1.c - what a nested-capable L1 sees of AMD SVM (APM Vol 2 ch. 15,
 * Vol 3 for the instructions): CPUID 0x80000001 ECX.SVM and leaf
 * 0x8000000A, EFER.SVME, VM_CR, VM_HSAVE_PA, and the SVM instructions
 * with their #UD/#GP rules. VMRUN itself is nested/svm_vmrun.c.
 *
 * Every SVM instruction is intercepted in VMCB01 (hv/svm/svm.c), so L1's
 * execute only here:
 *   #UD  EFER.SVME=0 (L1's virtual bit), real or virtual-8086 mode;
 *        SKINIT always (not offered: CPUID 0x80000001 ECX[12] clear);
 *   #GP  CPL>0; VMRUN/VMLOAD/VMSAVE with rAX not page-aligned or beyond
 *        MAXPHYADDR (rAX is EAX outside 64-bit code).
 * The host save area is not written: L1's state while L2 runs stays in
 * VMCB01, which L1 cannot reach (the HSAVE format is the implementation's,
 * APM 15.30.4); VM_HSAVE_PA is kept and checked for L1's sake.
 */
#include "nested/svm_nested.h"
#include "drivers/console.h"
#include "hv/core/vm.h"
#include "hv/exit/exits.h"
#include "hv/lib/format.h"
#include "hv/lib/string.h"
#include "hv/svm/svm.h"
#include "hv/svm/svm_exit.h"
#include "mm/pages.h"

#define CPUID81_ECX_SVM (1u << 2)
/* CPUID 0x8000000A EDX (APM Vol 3 appendix E.4.10): what Nestor emulates
 * for L1. NP (nested/tdp02.h); NRIPS only when the host has it (NEXT_RIP
 * of VMCB02 is what L1 gets); VMCB clean bits are honoured by never
 * caching a VMCB12 field; flush-by-ASID because every L1/L2 switch
 * flushes the vCPU's ASID. No LBRV, vGIF, AVIC, pause filter. */
#define SVM_FEAT_NP (1u << 0)
#define SVM_FEAT_NRIPS (1u << 3)
#define SVM_FEAT_VMCB_CLEAN (1u << 5)
#define SVM_FEAT_FLUSH_BY_ASID (1u << 6)
#define NESTED_SVM_ASIDS 64
#define RFLAGS_VM (1ull << 17)

bool nested_svm_vm_supported(char *err, size_t len)
{
	(void)err, (void)len;
	/* The SVM backend runs only with NPT (hv/host/virt_detect.c). */
	return true;
}

int nested_svm_vcpu_init(struct vcpu *v)
{
	struct nested_vcpu *n = nested_vcpu_alloc(v);
	if (!n)
		return -1;
	n->gif = true; /* GIF is 1 at reset (APM 15.17) */
	nested_svm_space_init(v);
	n->vmcb02_pa = page_alloc();
	n->vmcb12_copy_pa = page_alloc();
	n->iopm02_pa = pages_alloc_contig(3, 4096);
	n->msrpm02_pa = pages_alloc_contig(2, 4096);
	if (!n->vmcb02_pa || !n->vmcb12_copy_pa || !n->iopm02_pa || !n->msrpm02_pa)
		return -1;
	n->vmcb02 = pa_to_ptr(n->vmcb02_pa);
	n->vmcb12_copy = pa_to_ptr(n->vmcb12_copy_pa);
	memset(n->vmcb02, 0, 4096);
	return 0;
}

void nested_svm_vcpu_free(struct vcpu *v)
{
	struct nested_vcpu *n = v->nested;
	if (!n)
		return;
	if (n->vmcb02_pa)
		pages_free(n->vmcb02_pa, 1);
	if (n->vmcb12_copy_pa)
		pages_free(n->vmcb12_copy_pa, 1);
	if (n->iopm02_pa)
		pages_free(n->iopm02_pa, 3);
	if (n->msrpm02_pa)
		pages_free(n->msrpm02_pa, 2);
	if (n->npt02_ready)
		ptb_destroy(&n->npt02);
	v->nested = 0;
	pages_free(n->self_pa, 1);
}

uint32_t nested_svm_features(void)
{
	uint32_t host = cpuid(0x8000000a, 0).edx;
	return SVM_FEAT_NP | SVM_FEAT_VMCB_CLEAN | SVM_FEAT_FLUSH_BY_ASID | (host & SVM_FEAT_NRIPS);
}

void nested_svm_cpuid(struct vcpu *v, uint32_t leaf, struct cpuid_regs *r)
{
	(void)v;
	if (leaf == 0x80000001)
		r->ecx |= CPUID81_ECX_SVM;
	else if (leaf == 0x8000000a) /* revision 1, ASIDs, features */
		*r = (struct cpuid_regs){ 1, NESTED_SVM_ASIDS, 0, nested_svm_features() };
}

unsigned nested_l1_maxphyaddr(struct vcpu *v) { return vm_cpuid(v, 0x80000008, 0).eax & 0xff; }

int nested_svm_msr(struct vcpu *v, uint32_t msr, bool write, uint64_t *val)
{
	struct nested_vcpu *n = v->nested;
	switch (msr) {
	case MSR_EFER: {
		if (n->guest_mode)
			return -1; /* L2's EFER: the ordinary path on VMCB02 */
		if (!write) {
			if (!virt_ops->state_msr(v, msr, false, val))
				return 0;
			*val |= n->svme ? EFER_SVME : 0;
			return 1;
		}
		bool svme = *val & EFER_SVME;
		/* SVMDIS makes SVME must-be-zero (APM 15.30.1). */
		if (svme && (n->vm_cr & VM_CR_SVMDIS))
			return 0;
		uint64_t rest = *val & ~(uint64_t)EFER_SVME;
		if (!msr_write_valid(MSR_EFER, rest) || !virt_ops->state_msr(v, MSR_EFER, true, &rest))
			return 0;
		n->svme = svme;
		return 1;
	}
	case MSR_VM_CR:
		if (!write) {
			*val = n->vm_cr;
			return 1;
		}
		/* Bits 63:5 reserved; with LOCK set, LOCK and SVMDIS cannot
		 * change; SVMDIS cannot be set while SVM is on. */
		if (*val & ~0x1full)
			return 0;
		if ((n->vm_cr & VM_CR_LOCK) && ((*val ^ n->vm_cr) & (VM_CR_LOCK | VM_CR_SVMDIS)))
			return 0;
		if ((*val & VM_CR_SVMDIS) && n->svme)
			return 0;
		n->vm_cr = *val;
		return 1;
	case MSR_VM_HSAVE_PA:
		if (!write) {
			*val = n->hsave_pa;
			return 1;
		}
		/* Page-aligned and a physical address (APM 15.30.4). */
		if ((*val & 0xfff) || (*val >> nested_l1_maxphyaddr(v)))
			return 0;
		n->hsave_pa = *val;
		return 1;
	}
	return -1;
}

/* VMLOAD/VMSAVE state (APM 15.5.2): FS, GS, TR, LDTR with their hidden
 * parts, KernelGsBase, STAR, LSTAR, CSTAR, SFMASK, SYSENTER_CS/ESP/EIP.
 * Addresses are made canonical: the hardware VMLOAD of the VMCB loads
 * them into real registers, where a non-canonical one would fault. */
static uint64_t canon(uint64_t a) { return (uint64_t)(((int64_t)a << 16) >> 16); }

void nested_svm_copy_vmload_state(struct vmcb_save *dst, const struct vmcb_save *src)
{
	dst->fs = src->fs;
	dst->gs = src->gs;
	dst->tr = src->tr;
	dst->ldtr = src->ldtr;
	dst->fs.base = canon(dst->fs.base);
	dst->gs.base = canon(dst->gs.base);
	dst->tr.base = canon(dst->tr.base);
	dst->ldtr.base = canon(dst->ldtr.base);
	dst->kernel_gs_base = canon(src->kernel_gs_base);
	dst->star = src->star;
	dst->lstar = canon(src->lstar);
	dst->cstar = canon(src->cstar);
	dst->sfmask = src->sfmask;
	dst->sysenter_cs = src->sysenter_cs;
	dst->sysenter_esp = canon(src->sysenter_esp);
	dst->sysenter_eip = canon(src->sysenter_eip);
}

/* rAX as the instruction's address operand: EAX outside 64-bit code. */
static uint64_t insn_rax(struct vcpu *v, const struct vmcb *vmcb)
{
	bool lm64 = (vmcb->save.efer & EFER_LMA) && ((vmcb->save.cs.attrib >> 9) & 1);
	return lm64 ? v->gpr[GPR_RAX] : (uint32_t)v->gpr[GPR_RAX];
}

static enum exit_action vmload_vmsave(struct vcpu *v, struct vm_exit *e, uint64_t pa, bool load)
{
	struct vmcb *l1 = vm_gpa_ptr(v->vm, pa, 4096);
	if (!l1) {
		vm_stop_with_report(v, e, load ? "VMLOAD from an address that is not RAM (not emulated)"
					       : "VMSAVE to an address that is not RAM (not emulated)");
		return EXIT_ACTION_STOPPED;
	}
	struct vmcb_save *cur = &S(v)->vmcb->save;
	if (load)
		nested_svm_copy_vmload_state(cur, &l1->save);
	else
		nested_svm_copy_vmload_state(&l1->save, cur);
	return exit_skip_instruction(v, e);
}

enum exit_action nested_svm_virt_insn(struct vcpu *v, struct vm_exit *e)
{
	struct nested_vcpu *n = v->nested;
	const struct vmcb *vmcb = S(v)->vmcb;
	uint64_t code = e->hw_reason;

	if (n->guest_mode) {
		/* L2 ran an SVM instruction L1 did not intercept: a third level
		 * is not emulated. */
		log_warn("nested", "%s: L2 executed %s, which its L1 does not intercept: #UD (no third level)",
			 v->vm->opts.name, svm_exit_name((uint32_t)code));
		vm_inject_ud(v);
		return EXIT_ACTION_RESUME;
	}
	if (code == SVM_EXIT_SKINIT || !n->svme || !(vmcb->save.cr0 & CR0_PE) || (vmcb->save.rflags & RFLAGS_VM)) {
		vm_inject_ud(v);
		return EXIT_ACTION_RESUME;
	}
	if (vmcb->save.cpl) {
		vm_inject_gp(v);
		return EXIT_ACTION_RESUME;
	}
	uint64_t pa = insn_rax(v, vmcb);
	switch (code) {
	case SVM_EXIT_VMRUN:
	case SVM_EXIT_VMLOAD:
	case SVM_EXIT_VMSAVE:
		if ((pa & 0xfff) || (pa >> nested_l1_maxphyaddr(v))) {
			vm_inject_gp(v);
			return EXIT_ACTION_RESUME;
		}
		if (code == SVM_EXIT_VMRUN)
			return nested_svm_vmrun(v, e, pa);
		return vmload_vmsave(v, e, pa, code == SVM_EXIT_VMLOAD);
	case SVM_EXIT_STGI:
		n->gif = true; /* held interrupts/NMIs: the next inject step */
		break;
	case SVM_EXIT_CLGI:
		n->gif = false;
		break;
	case SVM_EXIT_INVLPGA:
		/* L2 translations of any ASID are flushed at every switch to L2,
		 * and NPT02 is dropped (flush_tdp -> nested_tdp_flushed); L1's
		 * own are flushed too (more than asked: allowed). */
		virt_ops->flush_tdp(v);
		break;
	}
	return exit_skip_instruction(v, e);
}

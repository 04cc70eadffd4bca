/*
 * nested.h - a nested-capable vCPU (module option nested=on): the state
 * L1 sees of the virtualization extension, and the hooks the exit
 * handlers call. nested/nested.c sends each hook to the host's vendor:
 * SVM (nested/svm_l1.c, svm_vmrun.c) or VMX (nested/vmx_l1.c,
 * vmx_vmentry.c, whose state is struct nested_vmx behind n->vmx).
 *
 * Cost: only nested VMs reach any of this. The hooks sit on the MSR, CR
 * write and SVM/VMX-instruction exits and on CPUID leaves 1 (VMX) and
 * 0x80000001/0x8000000A (SVM), each behind a v->nested test, and a
 * nested vCPU takes its own run loop (hv/core/sched.c), so an ordinary
 * VM's exits (the CPUID round trip) test nothing new.
 *
 * State: struct nested_vcpu is the vCPU's (one page), touched only by the
 * CPU running it.
 */
#ifndef NESTOR_NESTED_NESTED_H
#define NESTOR_NESTED_NESTED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hv/core/vcpu.h"
#include "hv/exit/exits.h"
#include "hv/svm/vmcb.h"
#include "hv/x86/asm.h"
#include "mm/ptbuild.h"
#include "mm/walk.h"
#include "nested/svm_reflect.h"
#include "nested/svm_vmcb12.h"

/* VM_CR (APM Vol 2 15.30.1). */
#define MSR_VM_CR 0xc0010114u
#define VM_CR_DPD (1ull << 0)
#define VM_CR_R_INIT (1ull << 1)
#define VM_CR_DIS_A20M (1ull << 2)
#define VM_CR_LOCK (1ull << 3)
#define VM_CR_SVMDIS (1ull << 4)

struct nested_vmx;

struct nested_vcpu {
	/* The vendor: VMX (state behind vmx) or SVM (the fields below). */
	bool is_vmx;
	struct nested_vmx *vmx;
	/* What L1 sees (SVM): its EFER.SVME (the VMCB's stays set for the
	 * hardware), VM_CR, VM_HSAVE_PA and the virtual GIF (APM 15.17). */
	bool svme;
	bool gif;
	uint64_t vm_cr;
	uint64_t hsave_pa;
	/* Running L2 (between an emulated VMRUN and #VMEXIT). */
	bool guest_mode;
	uint64_t vmcb12_pa;
	/* VMCB02 and the merged permission maps, host-physical; the
	 * private copy of the VMCB12 that VMRUN judges. */
	struct vmcb *vmcb02, *vmcb12_copy;
	uint64_t vmcb02_pa, iopm02_pa, msrpm02_pa, vmcb12_copy_pa, self_pa;
	/* L1's VMCB (Nestor's VMCB01) while L2 runs. */
	struct vmcb *vmcb01;
	uint64_t vmcb01_pa;
	/* From the checked, sanitised VMCB12: what L1 intercepts, and its
	 * int_ctl (written back with L2's V_TPR/V_IRQ at #VMEXIT). */
	struct svm_l1_intercepts l1i;
	uint64_t l1_vintr;
	bool maps_known, iopm01_full, msrpm01_full; /* L0's maps intercept all */
	bool caps_known, warned_vm86;
	/* L1's nested paging for L2 (nested/tdp02.h): the shadow NPT02, built
	 * on demand and dropped at each point the architecture says L1's NPT
	 * changes take effect (TLB_CONTROL flush, ASID or nCR3 change, INVLPGA)
	 * and when L0's NPT01 changes; L1's NPT as a walk format. */
	bool np;               /* this L2 runs with L1's nested paging */
	bool npt02_ready;      /* npt02 holds a root */
	struct ptb npt02;
	struct pg_format npt12_fmt;
	struct walk_guest npt12;
	uint64_t ncr3_12, npt12_key;
	uint32_t asid12;
	struct svm_nested_caps caps;  /* what L1's CPU offers (its CPUID) */
	/* L2's physical space under L1's nested paging (L2-GPA -> L1's NPT
	 * -> L1-physical) for every access L0 makes to L2's memory itself:
	 * MMIO emulation, instruction decode, PDPTE loads, string I/O. */
	struct tdp_guest_space l2_space;
	/* The last access to L2's page tables through it that L1's NPT
	 * refused (l2_table_ptr), for the #NPF L1 gets. */
	struct walk_fault table_fault;
	bool table_fault_valid;
	/* A software interrupt L1 injected (VMCB12 EVENTINJ type 4) that has
	 * not reached L2 yet: an exit during its delivery leaves RIP at
	 * soft_rip and the event in EXITINTINFO; there is no INT instruction
	 * to run again, so it is re-injected with L1's return address. */
	uint64_t soft_inj, soft_rip, soft_next_rip;
	/* Statistics: exits taken in L2, and how many went to L1. */
	uint64_t l2_exits, l2_reflected, l2_mmio, l2_exc_reinjected, vmruns, vmruns_failed;
	uint64_t l1_event_exits; /* #VMEXIT(INTR/NMI) for L1's own events */
	/* L2's exits by reason (vm->exits counts only L1's). */
	uint64_t l2_by_reason[EXIT_REASON_COUNT];
};

/* vm_create: may this VM be nested-capable here? (false: err says why) */
bool nested_vm_supported(char *err, size_t len);
int nested_vcpu_init(struct vcpu *v);
void nested_vcpu_free(struct vcpu *v);

/* CPUID leaves L1 sees differently (SVM: 0x80000001, 0x8000000A; VMX: 1). */
void nested_cpuid(struct vcpu *v, uint32_t leaf, struct cpuid_regs *r);
/* SVM: EFER (SVME), VM_CR, VM_HSAVE_PA; VMX: IA32_FEATURE_CONTROL and the
 * IA32_VMX_* capability MSRs. -1 not handled here, 0 #GP, 1 done. */
int nested_msr(struct vcpu *v, uint32_t msr, bool write, uint64_t *val);
/* VMRUN, VMLOAD, VMSAVE, STGI, CLGI, INVLPGA, SKINIT executed by L1; on
 * VMX the VMX instructions (VMXON ... INVVPID). */
enum exit_action nested_virt_insn(struct vcpu *v, struct vm_exit *e);
/* An exit taken while v runs L2 (the nested run loop calls it). */
enum exit_action nested_l2_exit(struct vcpu *v, struct vm_exit *e);
/* L0's NPT01 changed (svm_flush_tdp): drop NPT02. */
void nested_tdp_flushed(struct vcpu *v);
/* The VM's statistics: L1 and L2 exits counted apart (HC_PRINT_STATS,
 * at VM stop); nested_l2_exit_count() for the summary line. */
void nested_print_stats(const struct vcpu *v);
uint64_t nested_l2_exit_count(const struct vcpu *v);

/* Before an entry into L2 (the nested run loop; on VMX also the inject
 * step): an interrupt or NMI pending for L1 that L1 exits for (SVM: the
 * INTR/NMI intercepts; VMX: "external-interrupt exiting") becomes that
 * exit into L1 now: true, and the vCPU is back in L1. False: nothing to
 * do (L1's events wait: they are not routed through L2's IDT). */
bool nested_l1_event_exit(struct vcpu *v);

/* For the vendor files: the page ops of a shadow table (NPT02/EPT02),
 * and a zeroed nested_vcpu page set as v->nested (NULL: out of memory). */
extern const struct ptb_ops nested_shadow_ops;
struct nested_vcpu *nested_vcpu_alloc(struct vcpu *v);

/* CR writes of a nested L1 (hv/exit/cr.c): the CR4 bits it may set beyond
 * the backend's (VMX: VMXE), and the VMX-operation rule that CR0/CR4 keep
 * their fixed bits (SDM 3C 24.8): true = #GP. */
uint64_t nested_cr4_extra(const struct vcpu *v);
bool nested_cr_write_faults(struct vcpu *v, unsigned cr, uint64_t val);

/* The MSRs nested_msr() answers (their #GP is a rule, not "unknown"). */
static inline bool nested_owns_msr(const struct vcpu *v, uint32_t msr)
{
	if (!v->nested)
		return false;
	if (v->nested->is_vmx)
		return msr == 0x3a || (msr >= 0x480 && msr <= 0x492); /* FEATURE_CONTROL, IA32_VMX_* */
	return msr == MSR_EFER || msr == MSR_VM_CR || msr == MSR_VM_HSAVE_PA;
}

/* GIF as the event code sees it: held interrupts and NMIs while 0. */
static inline bool nested_gif(const struct vcpu *v) { return !v->nested || v->nested->gif; }
static inline bool nested_in_l2(const struct vcpu *v) { return v->nested && v->nested->guest_mode; }
/* The physical space of the vCPU's current guest when it is not the VM's
 * own (an L2 under L1's nested paging), else NULL: what L0 reads or
 * writes of that guest's memory goes through it (hv/core/guest_mem.c). */
static inline const struct tdp_guest_space *nested_guest_space(const struct vcpu *v)
{
	return v->nested && v->nested->guest_mode && v->nested->np ? &v->nested->l2_space : 0;
}
/* EXITINTINFO info of an L2 exit holds a software interrupt: is it L1's
 * injected one (re-inject it: true, and *next_rip is the return address
 * VMCB02's NEXT_RIP must give) or one of L2's INT instructions (false:
 * the instruction runs again)? */
bool nested_svm_soft_reinject(struct vcpu *v, uint64_t info, uint64_t rip, uint64_t *next_rip);

#endif

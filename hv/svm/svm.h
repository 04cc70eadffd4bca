/*
 * svm.h - internals shared by the SVM backend's files (generic code sees
 * only svm_ops). AMD APM Vol 2 chapter 15.
 */
#ifndef NESTOR_SVM_SVM_H
#define NESTOR_SVM_SVM_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/core/vcpu.h"
#include "hv/svm/vmcb.h"

/* Per-vCPU backend state: one page, touched only by the vCPU's CPU. */
struct svm_vcpu {
	struct vmcb *vmcb;
	uint64_t vmcb_pa, iopm_pa, msrpm_pa, self_pa;
	/* Work for the next VMRUN, one byte so the common entry tests it
	 * once: SVM_WORK_FLUSH (flush this ASID's TLB: a TDP change, an
	 * intercepted CR/EFER write) and SVM_WORK_CR2 (Nestor set the guest's
	 * CR2 for an injected #PF). Set with svm_entry_work_add(). */
	uint8_t entry_work;
	/* NMIs (APM 15.20): after Nestor injects one the CPU blocks further
	 * NMIs until the guest's IRET, which Nestor intercepts to know. */
	bool nmi_masked;
	bool awaiting_iret;   /* IRET intercepted: unmasked once it retired */
	uint64_t iret_rip;
	uint32_t asid;
	unsigned asid_cpu;
	uint64_t asid_gen;
};

/* Per physical CPU: touched only by that CPU. */
struct svm_cpu {
	uint64_t host_save_pa, host_vmcb_pa;
	uint32_t next_asid;
	uint64_t asid_gen;
};

static inline struct svm_vcpu *S(struct vcpu *v) { return v->backend; }

#define SVM_WORK_FLUSH 0x01
#define SVM_WORK_CR2 0x02
/* V_TPR from the emulated APIC's TPR (it changed, or L1 is entered
 * again after L2); an L2's V_TPR is L1's. */
#define SVM_WORK_VTPR 0x04
/* The QEMU TCG EVENTINJ quirk (svm_eventinj_written in svm.c). */
#define SVM_WORK_KICK_SELF 0x08
/* Atomic: a TDP flush may be requested from another CPU. */
static inline void svm_entry_work_add(struct svm_vcpu *s, uint8_t bits)
{
	__atomic_fetch_or(&s->entry_work, bits, __ATOMIC_RELEASE);
}

/* svm_events.c: before VMRUN, the vCPU's events into EVENTINJ and the
 * window intercepts; after #VMEXIT, EXITINTINFO into the event state.
 * The checks inline here keep the common exit (nothing pending) cheap. */
void svm_inject_events_slow(struct vcpu *v);
void svm_complete_events_slow(struct vcpu *v);
static inline void svm_inject_events(struct vcpu *v)
{
	if (__builtin_expect(v->ev.pending != 0, 0))
		svm_inject_events_slow(v);
}
/* svm.c: EVENTINJ of the VMCB that runs next was just set to eventinj
 * (every writer calls it). */
void svm_eventinj_written(struct svm_vcpu *s, uint64_t eventinj);

static inline void svm_complete_events(struct vcpu *v, const struct vmcb *vmcb)
{
	if (__builtin_expect(vmcb->control.exitintinfo & SVM_EVENT_VALID, 0))
		svm_complete_events_slow(v);
}

#endif

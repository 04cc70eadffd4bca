/*
 * svm.h - a little VMCB-building library for test L1 hypervisors (32-bit
 * guests, AMD APM Vol 2 ch. 15, appendix B). The layout is Nestor's own
 * hv/svm/vmcb.h, so the two cannot drift apart.
 *
 *   struct vmcb *v = svm_vmcb_flat32(l2_entry, l2_stack_top);  // L2 shares L1's GDT
 *   v->control.intercept_misc1 |= SVM_INTERCEPT1_CPUID;
 *   svm_run(v);      // VMRUN; returns at #VMEXIT with v->control.exitcode
 */
#ifndef GUEST_SVM_H
#define GUEST_SVM_H

#include <stdint.h>

#include "hv/svm/vmcb.h"

#define MSR_VM_CR 0xc0010114u
#define MSR_EFER_G 0xc0000080u
#define EFER_SVME_G (1ull << 12)

/* SVM instructions (APM Vol 3), rAX as given. */
static inline void svm_vmload(uint32_t pa) { __asm__ volatile("vmload %%eax" ::"a"(pa) : "memory"); }
static inline void svm_vmsave(uint32_t pa) { __asm__ volatile("vmsave %%eax" ::"a"(pa) : "memory"); }
static inline void svm_stgi(void) { __asm__ volatile("stgi" ::: "memory"); }
static inline void svm_clgi(void) { __asm__ volatile("clgi" ::: "memory"); }
static inline void svm_skinit(void) { __asm__ volatile("skinit %%eax" ::"a"(0) : "memory"); }
static inline void svm_invlpga(uint32_t va, uint32_t asid)
{
	__asm__ volatile("invlpga %%eax, %%ecx" ::"a"(va), "c"(asid) : "memory");
}

/* Set EFER.SVME (the VMCB pages need it on). */
void svm_enable(void);

/* One page-aligned VMCB and the permission maps (all zero: nothing
 * intercepted) for the test; svm_vmcb_flat32 fills a VMCB for an L2 in
 * 32-bit protected mode, paging off, flat segments of L1's GDT, ASID 1,
 * the VMRUN intercept. */
extern struct vmcb svm_vmcb_page;
extern uint8_t svm_iopm[3 * 4096], svm_msrpm[2 * 4096];
struct vmcb *svm_vmcb_flat32(void (*entry)(void), void *stack_top);

/* L2's general registers other than RAX/RSP (those are in the VMCB):
 * VMRUN and #VMEXIT leave them to the hypervisor (APM 15.5), so the
 * library keeps them here across L1's own code. */
struct svm_gprs {
	uint32_t ebx, ecx, edx, esi, edi, ebp;
};
extern struct svm_gprs svm_l2_gprs;

/* VMRUN with rAX = v: L2 runs with svm_l2_gprs, which hold its registers
 * again after the #VMEXIT; L1's own registers survive. */
void svm_run(struct vmcb *v);
void svm_run_gprs(uint32_t pa, struct svm_gprs *g);
/* VMRUN with any EAX (for the #GP rules). */
void svm_vmrun_at(uint32_t pa);

/* Permission-map bits: intercept port / MSR access. */
void svm_iopm_set(uint16_t port);
void svm_msrpm_set(uint32_t msr, int write);

#endif

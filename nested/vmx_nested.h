/*
 * vmx_nested.h - nested VMX's running parts (nested/vmx_l1.c: what L1 sees
 * and its VMX instructions; nested/vmx_vmentry.c: VMLAUNCH/VMRESUME, L2's
 * exits, the emulated VM exit). The pure rules are vmcs12, vmx_caps,
 * vmx_insn, vmx_operand, vmx_entry_checks, vmx_vmcs02, vmx_reflect,
 * vmx_exit_emul and vmx_ept12; these files only wire them to VT-x.
 */
#ifndef NESTOR_NESTED_VMX_NESTED_H
#define NESTOR_NESTED_VMX_NESTED_H

#include "nested/nested.h"
#include "nested/vmx_caps.h"
#include "nested/vmx_insn.h"

/* A nested VMX vCPU's state (its own pages: the VMCS12 cache is 4 KiB). */
struct vmx_l2;

struct nested_vmx {
	struct nvmx st;               /* L1's VMX operation and current VMCS12 (cached) */
	struct vmx_l1_caps caps;      /* the IA32_VMX_* MSRs L1 reads */
	uint64_t feature_control;     /* IA32_FEATURE_CONTROL as L1 sees it */
	uint8_t maxphyaddr;           /* L1's (CPUID 0x80000008) */
	uint64_t self_pa;
	unsigned npages;
	struct vmx_l2 *l2;            /* vmcs02's build and EPT02 (vmx_vmentry.c) */
	uint64_t l2_pa;
	uint64_t vmentries;           /* L2 entries (VMLAUNCH/VMRESUME that ran it) */
};

static inline struct nested_vmx *NV(struct vcpu *v) { return v->nested->vmx; }

bool nested_vmx_vm_supported(char *err, size_t len);
int nested_vmx_vcpu_init(struct vcpu *v);
void nested_vmx_vcpu_free(struct vcpu *v);
void nested_vmx_cpuid(struct vcpu *v, uint32_t leaf, struct cpuid_regs *r);
int nested_vmx_msr(struct vcpu *v, uint32_t msr, bool write, uint64_t *val);
enum exit_action nested_vmx_virt_insn(struct vcpu *v, struct vm_exit *e);
enum exit_action nested_vmx_l2_exit(struct vcpu *v, struct vm_exit *e);
void nested_vmx_tdp_flushed(struct vcpu *v);
void nested_vmx_print_stats(const struct vcpu *v);
bool nested_vmx_l1_event_exit(struct vcpu *v);
bool nested_vmx_cr_write_faults(struct vcpu *v, unsigned cr, uint64_t val);

/* L1 memory for the pure code (struct vmx_l1_mem, ctx = the VM). */
extern const struct vmx_l1_mem *nested_vmx_l1_mem(struct vcpu *v, struct vmx_l1_mem *m);

/* vmx_vmentry.c's part of vCPU setup and teardown (vmcs02 and its pages). */
int nested_vmx_vcpu_init_entry(struct vcpu *v);
void nested_vmx_vcpu_free_entry(struct vcpu *v);
/* A successful INVEPT (ept) or INVVPID by L1: what L2's translations L0
 * keeps for L1 are dropped. */
void nested_vmx_invalidate(struct vcpu *v, bool ept);

/* VMLAUNCH (launch true) / VMRESUME by L1 in root operation (vmx_vmentry.c). */
enum exit_action nested_vmx_vmentry(struct vcpu *v, struct vm_exit *e, bool launch);

#endif

/*
 * vmx_l2.h - internals shared by nested/vmx_vmentry.c (entering and
 * leaving L2) and nested/vmx_ept02.c (EPT02 and L2's physical space).
 */
#ifndef NESTOR_NESTED_VMX_L2_H
#define NESTOR_NESTED_VMX_L2_H

#include "hv/exit/exits.h"
#include "mm/ptbuild.h"
#include "mm/walk.h"
#include "nested/vmx_exit_emul.h"
#include "nested/vmx_nested.h"
#include "nested/vmx_vmcs02.h"

/* vmcs02, EPT02 and the last build of vmcs02 (its pages). */
struct vmx_l2 {
	struct vmcs02 b;                 /* the fields written into vmcs02 */
	struct vmx_l0_needs l0;
	bool ept;                        /* L2 runs under L1's EPT (EPT02) */
	bool ept02_ready;
	struct ptb ept02;
	struct pg_format ept12_fmt;
	struct walk_guest ept12;
	uint64_t eptp12;
	uint64_t g02[VMCS12_NFIELDS];    /* vmcs02's guest state at an exit to L1 */
};

static inline struct vmx_l2 *L2(struct vcpu *v) { return NV(v)->l2; }

/* vmx_vmentry.c: the VM exit into L1 for x (vmcs02 current); the exit as
 * vmcs02 reports it; an exception L0 raised for L2 that L1 intercepts
 * becomes L1's exit 0. */
enum exit_action nested_vmx_exit_to_l1(struct vcpu *v, const struct vmx_l2_exit *x);
struct vmx_l2_exit nested_vmx_hw_exit(void);
enum exit_action nested_vmx_after_emulation(struct vcpu *v, enum exit_action a);

/* vmx_ept02.c: EPT02 kept or dropped; EPT12's format at an entry with
 * L1's EPT (false: no memory for EPT02); an EPT exit of vmcs02. */
void nested_vmx_ept02_drop(struct vcpu *v);
bool nested_vmx_ept02_ensure(struct vcpu *v);
bool nested_vmx_ept12_enter(struct vcpu *v, const struct vmcs12 *c12);
enum exit_action nested_vmx_ept_fault(struct vcpu *v, struct vm_exit *e);

#endif

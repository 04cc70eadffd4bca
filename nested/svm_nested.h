/* svm_nested.h - internals shared by nested/svm_l1.c and svm_vmrun.c. */
#ifndef NESTOR_NESTED_SVM_NESTED_H
#define NESTOR_NESTED_SVM_NESTED_H

#include "nested/nested.h"

/* The hooks of nested.h for SVM (nested/nested.c picks the vendor). */
bool nested_svm_vm_supported(char *err, size_t len);
int nested_svm_vcpu_init(struct vcpu *v);
void nested_svm_vcpu_free(struct vcpu *v);
void nested_svm_cpuid(struct vcpu *v, uint32_t leaf, struct cpuid_regs *r);
int nested_svm_msr(struct vcpu *v, uint32_t msr, bool write, uint64_t *val);
enum exit_action nested_svm_virt_insn(struct vcpu *v, struct vm_exit *e);
enum exit_action nested_svm_l2_exit(struct vcpu *v, struct vm_exit *e);
bool nested_svm_l1_event_exit(struct vcpu *v);
void nested_svm_tdp_flushed(struct vcpu *v);
void nested_svm_print_stats(const struct vcpu *v);

/* CPUID 0x8000000A EDX as L1 sees it. */
uint32_t nested_svm_features(void);
/* MAXPHYADDR as L1's CPUID says. */
unsigned nested_l1_maxphyaddr(struct vcpu *v);
/* The state VMLOAD/VMSAVE move (APM 15.5.2), bases made canonical. */
void nested_svm_copy_vmload_state(struct vmcb_save *dst, const struct vmcb_save *src);
/* Set v->nested->l2_space once (vCPU setup; it never changes). */
void nested_svm_space_init(struct vcpu *v);
/* VMRUN by L1 with a checked address (svm_vmrun.c). */
enum exit_action nested_svm_vmrun(struct vcpu *v, struct vm_exit *e, uint64_t vmcb12_pa);

#endif

/* exits.h - exit dispatch and the handlers it calls. */
#ifndef NESTOR_EXITS_H
#define NESTOR_EXITS_H

#include "hv/core/vcpu.h"
#include "hv/x86/asm.h"

enum exit_action {
	EXIT_ACTION_RESUME, /* enter the same vCPU again */
	EXIT_ACTION_YIELD,  /* let the scheduler pick another vCPU */
	EXIT_ACTION_STOPPED /* the VM stopped (or the vCPU halted) */
};

typedef enum exit_action (*exit_handler_fn)(struct vcpu *v, struct vm_exit *e);

enum exit_action exit_dispatch(struct vcpu *v, struct vm_exit *e);
/* Advance RIP past the exiting instruction (length from the exit record,
 * or decoded when the hardware did not say). */
enum exit_action exit_skip_instruction(struct vcpu *v, struct vm_exit *e);
void vm_inject_gp(struct vcpu *v);
void vm_inject_ud(struct vcpu *v);

struct cpuid_regs vm_cpuid(struct vcpu *v, uint32_t leaf, uint32_t subleaf);
enum exit_action handle_cpuid(struct vcpu *v, struct vm_exit *e);
enum exit_action handle_rdmsr(struct vcpu *v, struct vm_exit *e);
enum exit_action handle_wrmsr(struct vcpu *v, struct vm_exit *e);
enum exit_action handle_io(struct vcpu *v, struct vm_exit *e);
enum exit_action handle_hypercall(struct vcpu *v, struct vm_exit *e);
enum exit_action handle_tdp_fault(struct vcpu *v, struct vm_exit *e);
enum exit_action handle_cr_access(struct vcpu *v, struct vm_exit *e);
/* A TDP fault in an HC_PERM_UNMAP_UNTIL_TOUCHED range: map the page back
 * and return true (the guest retries the access). */
bool tdp_touch_restore(struct vcpu *v, uint64_t gpa);

#endif

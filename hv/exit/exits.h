/*
 * exits.h - exit dispatch and the handlers it calls.
 *
 * hv/exit/ holds the vendor-neutral exit handlers: one table indexed by
 * enum exit_reason (dispatch.c), CPUID, MSRs, port I/O, control
 * registers, hypercalls, TDP faults (MMIO/ROM emulation). Handlers see
 * only struct vcpu and struct vm_exit, queue events through
 * hv/core/event.h, reach devices through the VM's registry, and call the
 * backend only through virt_ops. Nested virtualization will ask its own
 * layer first while a vCPU runs L2. State: none of their own beyond the
 * vCPU/VM they are handed (only that vCPU's CPU touches it).
 */
#ifndef NESTOR_EXITS_H
#define NESTOR_EXITS_H

#include "hv/core/vcpu.h"
#include "hv/x86/asm.h"
#include "mm/walk.h"

enum exit_action {
	EXIT_ACTION_RESUME, /* enter the same vCPU again */
	EXIT_ACTION_YIELD,  /* let the scheduler pick another vCPU */
	EXIT_ACTION_STOPPED /* the VM stopped (or the vCPU halted) */
};

typedef enum exit_action (*exit_handler_fn)(struct vcpu *v, struct vm_exit *e);

/* Count the exit in the VM's statistics (L1's, for a nested VM), then
 * handle it. */
enum exit_action exit_dispatch(struct vcpu *v, struct vm_exit *e);
/* Handle it without counting: an L2 exit L0 handles is counted with L2's
 * (nested/nested.h). */
enum exit_action exit_handle(struct vcpu *v, struct vm_exit *e);
/* Advance RIP past the exiting instruction (length from the exit record,
 * or decoded when the hardware did not say). */
enum exit_action exit_skip_instruction(struct vcpu *v, struct vm_exit *e);
void vm_inject_gp(struct vcpu *v);
void vm_inject_ud(struct vcpu *v);

struct cpuid_regs vm_cpuid(struct vcpu *v, uint32_t leaf, uint32_t subleaf);
/* Read the host's CPUID leaf 0 once (boot CPU, before any guest runs). */
void cpuid_init(void);
enum exit_action handle_cpuid(struct vcpu *v, struct vm_exit *e);
/* Would a real CPU accept this WRMSR value (no #GP)? */
bool msr_write_valid(uint32_t msr, uint64_t val);
enum exit_action handle_rdmsr(struct vcpu *v, struct vm_exit *e);
enum exit_action handle_wrmsr(struct vcpu *v, struct vm_exit *e);
enum exit_action handle_io(struct vcpu *v, struct vm_exit *e);
enum exit_action handle_hypercall(struct vcpu *v, struct vm_exit *e);
enum exit_action handle_tdp_fault(struct vcpu *v, struct vm_exit *e);
/* The physical address space of the vCPU's current guest when it is not
 * the VM's own: an L2 under L1's nested paging (nested/svm_vmrun.c). */
struct tdp_guest_space {
	struct walk_mem tables; /* the guest's page tables at its physical addresses */
	/* The guest-physical gpa accessed for acc (WALK_ACC_*) as the VM's
	 * physical address: 0, or non-zero with *fault (the nested table's
	 * own fault, to be reflected by fault()). */
	int (*to_vm)(void *opaque, uint64_t gpa, uint32_t acc, uint64_t *vm_gpa, struct walk_fault *fault);
	/* The instruction stopped at a fault of to_vm for guest-physical gpa. */
	enum exit_action (*fault)(void *opaque, uint64_t gpa, const struct walk_fault *fault);
	/* A walk through `tables` stopped for lack of memory (kind
	 * WALK_FAULT_NO_MEMORY in the guest dimension): was it the nested
	 * table's fault on that guest page-table access? true with *fault
	 * (at_guest_table set, gpa the guest-physical address of the entry)
	 * for fault() to deliver; false: the memory is not there at all. */
	bool (*table_fault)(void *opaque, struct walk_fault *fault);
	void *opaque;
};
/* Emulate the instruction at the current guest's RIP that accessed the
 * VM's MMIO or ROM region at vm_gpa (first: the TDP entry was not present,
 * the fast MMIO path may mark it); sp NULL: the VM's own space. */
enum exit_action tdp_emulate_mmio(struct vcpu *v, struct vm_exit *e, uint64_t vm_gpa, bool first,
				  const struct tdp_guest_space *sp);
enum exit_action handle_cr_access(struct vcpu *v, struct vm_exit *e);
/* The host CPU has IA32_TSC_AUX (RDTSCP or RDPID). */
bool host_has_tsc_aux(void);
/* A TDP fault in an HC_PERM_UNMAP_UNTIL_TOUCHED range: map the page back
 * and return true (the guest retries the access). */
bool tdp_touch_restore(struct vcpu *v, uint64_t gpa);

#endif

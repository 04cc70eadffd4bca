/* guest_mem.h - read and write guest memory by linear address, through the
 * guest's own paging (mm/walk.c), for string I/O and instruction fetch. */
#ifndef NESTOR_GUEST_MEM_H
#define NESTOR_GUEST_MEM_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/core/vcpu.h"
#include "hv/exit/exits.h"
#include "mm/walk.h"

/* Translate a guest-linear address for access acc (WALK_ACC_*). Returns
 * 0 with *gpa, or the walk's fault kind with *fault filled (a guest-
 * dimension fault is the guest's #PF; its error code is walk_pf_error_code). */
int guest_linear_to_gpa(struct vcpu *v, uint64_t gla, uint32_t acc, uint64_t *gpa, struct walk_fault *fault);
/* The same with the paging state already read (one exit, many accesses). */
int guest_linear_to_gpa_ps(struct vcpu *v, const struct vcpu_paging_state *ps, uint64_t gla, uint32_t acc,
			   uint64_t *gpa, struct walk_fault *fault);
/* The same with the guest's page tables read through tables (NULL: the
 * VM's memory): an L2's tables are at L2-physical addresses, reached
 * through L1's nested paging (nested/svm_vmrun.c). */
int guest_linear_to_gpa_mem(struct vcpu *v, const struct vcpu_paging_state *ps, const struct walk_mem *tables,
			    uint64_t gla, uint32_t acc, uint64_t *gpa, struct walk_fault *fault);
/* Copy between the current guest's linear memory and buf, page by page.
 * The current guest is the vCPU's: L1, or an L2 whose physical addresses
 * go through L1's nested paging (nested_guest_space(): L2's tables and
 * data are read at L2-physical addresses, then through L1's NPT), so
 * exits L0 handles for an L2 read the L2's memory, not L1's. Returns 0;
 * -1 with *fault: a guest-dimension fault is the guest's #PF, any other
 * means the memory is not RAM of the VM (fault->gpa the VM's address);
 * or GUEST_MEM_NESTED: L1's nested page table does not allow the access
 * to the guest-physical fault->gpa, *fault being L1's walk:
 * guest_mem_nested_fault() gives L1 its #NPF. */
#define GUEST_MEM_NESTED (-2)
int guest_read_linear(struct vcpu *v, uint64_t gla, void *buf, uint64_t len, uint32_t acc, struct walk_fault *fault);
int guest_write_linear(struct vcpu *v, uint64_t gla, const void *buf, uint64_t len, struct walk_fault *fault);
/* The same for the current guest's physical memory (the PAE PDPTEs CR3
 * names, a guest-physical address of that guest). */
int guest_read_phys(struct vcpu *v, uint64_t gpa, void *buf, uint64_t len, uint32_t acc, struct walk_fault *fault);
/* The exit for a GUEST_MEM_NESTED result (the #VMEXIT(#NPF) into L1). */
enum exit_action guest_mem_nested_fault(struct vcpu *v, const struct walk_fault *fault);

#endif

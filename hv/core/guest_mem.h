/* guest_mem.h - read and write guest memory by linear address, through the
 * guest's own paging (mm/walk.c), for string I/O and instruction fetch. */
#ifndef NESTOR_GUEST_MEM_H
#define NESTOR_GUEST_MEM_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/core/vcpu.h"
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
/* Copy between guest-linear memory and buf, page by page. Returns 0, or
 * -1 when a page is not guest RAM or a translation faults (*fault set). */
int guest_read_linear(struct vcpu *v, uint64_t gla, void *buf, uint64_t len, uint32_t acc, struct walk_fault *fault);
int guest_write_linear(struct vcpu *v, uint64_t gla, const void *buf, uint64_t len, struct walk_fault *fault);

#endif

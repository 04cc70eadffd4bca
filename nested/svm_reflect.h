/*
 * svm_reflect.h - question 2 of nested/reflect.h for SVM ("did L1 ask for
 * this L2 exit?") and the intercept merge for VMCB02. Pure, host-tested by
 * tests/host/test_nested_svm.c.
 *
 * An EXITCODE maps to one intercept bit (AMD APM Vol 2 appendix C and
 * table B-1): CR reads/writes 0x00-0x1f and DR 0x20-0x3f to the CR/DR
 * vectors, exceptions 0x40-0x5f to the exception vector, 0x60-0x7f to
 * vector 3 (misc1), 0x80-0x9f to vector 4 (misc2), 0xa0-0xbf to vector 5
 * (misc3). IOIO and MSR exits also need their permission-map bit (15.10,
 * 15.11); #NPF goes to L1 only when L1 uses nested paging and its own
 * table forbids the access; VMEXIT_INVALID (a failed VMRUN of L2) always
 * goes to L1. Physical INTR/NMI/SMI/INIT exits are L0's: L1's own
 * interrupt intercepts are served from L1's virtual events instead.
 */
#ifndef NESTOR_NESTED_SVM_REFLECT_H
#define NESTOR_NESTED_SVM_REFLECT_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/svm/vmcb.h"

struct walk_mem;

/* What L1 intercepts, from its checked VMCB12. */
struct svm_l1_intercepts {
	uint32_t cr, dr, exc, misc1, misc2, misc3;
	uint64_t iopm_pa, msrpm_pa; /* bits 11:0 already ignored */
	bool np;                    /* L1 runs L2 with nested paging */
};

/* One L2 #VMEXIT as the hardware reported it (VMCB02). */
struct svm_l2_exit {
	uint64_t exitcode, exitinfo1;
	uint32_t msr;        /* MSR exits: ECX */
	uint8_t tdp_origin;  /* #NPF: enum nested_tdp_origin */
};

void svm_l1_intercepts_from(struct svm_l1_intercepts *i, const struct vmcb_control *c12);

/* The MSRPM bit of an MSR access (even = read, odd = write), or -1 for an
 * MSR outside the three mapped ranges (always intercepted). */
int32_t svm_msrpm_bit(uint32_t msr, bool write);

/* Does L1 intercept this exit? l1mem reaches L1's guest-physical memory
 * (for its permission maps; an unreadable byte intercepts). */
bool svm_l1_wants(const struct svm_l1_intercepts *i, const struct svm_l2_exit *x, const struct walk_mem *l1mem);

/* VMCB02's intercept vectors: L0's for L2 OR L1's. */
void svm_merge_intercepts(struct vmcb_control *c02, const struct vmcb_control *l0,
			  const struct svm_l1_intercepts *l1);

#endif

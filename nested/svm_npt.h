/*
 * svm_npt.h - L1's nested page table (NPT12) as the guest dimension of the
 * shared walk, and the #NPF L1 receives from it (pure, host-tested).
 *
 * AMD APM Vol 2 15.25.3/15.25.5: nested page tables use the paging mode
 * L1 (their host) is in at VMRUN: 4-level long mode, legacy PAE (whose
 * four PDPTEs are read from nCR3 with nCR3 bits 4:0 ignored) or 32-bit
 * with CR4.PSE; NX only with L1's EFER.NXE. Every nested-table access is
 * a user access (15.25.5), so the walk is made with WALK_ACC_USER and an
 * entry with U/S=0 forbids it.
 *
 * #NPF for L1 (15.25.6): EXITINFO1 bits 4:0 from the walk of L1's table
 * (P, W, U, RSVD, I/D: npt_npf_exitinfo1 on the fault record), bit 32 when
 * L2's access was the final translation, bit 33 when it was L2's own
 * page-table access: the hardware #NPF of VMCB02 says which (the shadow
 * walk sees the same L2 access); EXITINFO2 = the L2 guest-physical address.
 */
#ifndef NESTOR_NESTED_SVM_NPT_H
#define NESTOR_NESTED_SVM_NPT_H

#include <stdbool.h>
#include <stdint.h>

#include "mm/pgfmt.h"
#include "mm/walk.h"

/* L1's state at VMRUN that selects the NPT12 format, and nCR3. */
struct svm_npt12_params {
	uint64_t cr0, cr4, efer; /* L1's (the host's of L2) */
	uint64_t ncr3;
	uint8_t maxphyaddr;      /* as L1 sees it */
	bool gbpages;            /* CPUID 0x80000001 EDX[26] as L1 sees it */
};

/*
 * Fill *f and the guest dimension g (fmt, root, PAE PDPTEs) for L1's
 * NPT. The PDPTEs are read through c01 (L0's TDP and memory; its guest
 * part is ignored). Returns WALK_OK; false-y failure: -1 when L1's paging
 * mode has no NPT format (paging off), or the PDPTE load's fault kind.
 */
int svm_npt12_guest(struct walk_guest *g, struct pg_format *f, const struct svm_npt12_params *p,
		    const struct walk_ctx *c01);

/* Access of the L2 access that faulted in NPT02, from the hardware
 * EXITINFO1 (W bit 1, I/D bit 4), as a user access. */
uint32_t svm_npf_walk_access(uint64_t hw_exitinfo1);

/* EXITINFO1 for L1 from the fault of L1's dimension and the hardware's. */
uint64_t svm_nested_npf_exitinfo1(const struct walk_fault *l1_fault, uint64_t hw_exitinfo1);

#endif

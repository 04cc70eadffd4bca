/*
 * pf_error.c - #PF error code from a walk fault record (SDM Vol 3 4.7).
 *
 * Built only from the record of the current access, so a write after an
 * earlier read of the same page reports W=1 (never cached state).
 */
#include "mm/pf_error.h"

uint32_t walk_pf_error_code(const struct walk_fault *f)
{
	uint32_t ec = 0;

	if (f->kind != WALK_FAULT_NOT_PRESENT)
		ec |= PFEC_P;
	if (f->access & WALK_ACC_WRITE)
		ec |= PFEC_W;
	if (f->access & WALK_ACC_USER)
		ec |= PFEC_U;
	if (f->kind == WALK_FAULT_RSVD)
		ec |= PFEC_RSVD;
	/* I/D only when fetches are distinguishable: CR4.SMEP=1, or PAE or
	 * 4/5-level paging with EFER.NXE=1. */
	if ((f->access & WALK_ACC_FETCH) && f->fetch_sets_id)
		ec |= PFEC_ID;
	if (f->pk)
		ec |= PFEC_PK;
	return ec;
}

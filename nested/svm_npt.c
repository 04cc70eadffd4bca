/*
 * svm_npt.c - NPT12 format and the reflected #NPF (see svm_npt.h).
 */
#include "nested/svm_npt.h"
#include "mm/guest_fmt.h"
#include "npt/npt_fmt.h"
#include "hv/x86/asm.h"

int svm_npt12_guest(struct walk_guest *g, struct pg_format *f, const struct svm_npt12_params *p,
		    const struct walk_ctx *c01)
{
	enum guest_paging mode = guest_paging_mode(p->cr0, p->cr4, p->efer);
	struct guest_fmt_params gp = {
		.mode = (uint8_t)mode, .maxphyaddr = p->maxphyaddr, .pse = (p->cr4 & CR4_PSE) != 0,
		.nxe = (p->efer & EFER_NXE) != 0, .gbpages = p->gbpages, .amd = true,
	};
	if (mode == GUEST_PAGING_OFF || mode == GUEST_PAGING_5LEVEL || !guest_fmt_build(f, &gp))
		return -1;
	*g = (struct walk_guest){ .fmt = f, .root = guest_cr3_root(mode, p->ncr3, p->maxphyaddr) };
	if (mode == GUEST_PAGING_PAE) {
		struct walk_result r;
		int k = walk_load_pae_pdptes(c01, g->root, g->pdpte, &r);
		if (k != WALK_OK)
			return k;
	}
	return WALK_OK;
}

uint32_t svm_npf_walk_access(uint64_t hw_exitinfo1)
{
	uint32_t acc = WALK_ACC_USER;
	if (hw_exitinfo1 & NPF_INFO1_W)
		acc |= WALK_ACC_WRITE;
	else if (hw_exitinfo1 & NPF_INFO1_ID)
		acc |= WALK_ACC_FETCH;
	else
		acc |= WALK_ACC_READ;
	return acc;
}

uint64_t svm_nested_npf_exitinfo1(const struct walk_fault *l1_fault, uint64_t hw_exitinfo1)
{
	/* The record's bits 4:0 are dimension-independent; only where L2's
	 * access was comes from the hardware. */
	struct walk_fault f = *l1_fault;
	f.at_guest_table = (hw_exitinfo1 & NPF_INFO1_GUEST_TABLE) != 0;
	return npt_npf_exitinfo1(&f);
}

/*
 * tdp02.c - one shadow entry from one 2D walk (see tdp02.h).
 */
#include "nested/tdp02.h"

int nested_tdp02_fill(struct ptb *shadow, const struct walk_ctx *c, uint64_t l2gpa, uint32_t acc,
		      struct walk_result *r, bool *flush)
{
	*flush = false;
	int k = walk_translate(c, l2gpa, acc, r);
	if (k != WALK_OK)
		return k;
	unsigned shift = r->guest_shift < r->tdp_shift ? r->guest_shift : r->tdp_shift;
	if (shift > 30)
		shift = 30; /* no TDP dimension (a test's identity L0): 1 GiB at most */
	/* A 32-bit L1 table's 4 MiB page maps as 2 MiB halves. */
	if (shift == 22)
		shift = 21;
	uint64_t size = 1ull << shift;
	unsigned perm = r->guest_perm & r->tdp_perm & (PG_PERM_R | PG_PERM_W | PG_PERM_X);
	if (!(acc & WALK_ACC_WRITE))
		perm &= ~(unsigned)PG_PERM_W;
	int e = ptb_map(shadow, l2gpa & ~(size - 1), r->hpa & ~(size - 1), size, perm, 0, flush);
	if (e == PTB_OK)
		return WALK_OK;
	r->fault = (struct walk_fault){ .kind = WALK_FAULT_NO_MEMORY, .dim = WALK_DIM_NONE };
	return WALK_FAULT_NO_MEMORY;
}

int nested_l2_to_l1(const struct walk_ctx *c, uint64_t l2gpa, uint32_t acc, uint64_t *l1gpa, struct walk_fault *f)
{
	struct walk_result r;
	int k = walk_translate(c, l2gpa, acc, &r);
	if (k == WALK_OK) {
		*l1gpa = r.gpa | (l2gpa & 4095);
		return 0;
	}
	if (r.fault.dim == WALK_DIM_TDP && !r.fault.at_guest_table) {
		*l1gpa = r.fault.gpa;
		return 0;
	}
	*f = r.fault;
	*l1gpa = l2gpa;
	return k;
}

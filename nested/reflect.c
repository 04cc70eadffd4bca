/*
 * reflect.c - question 1 of nested/reflect.h (does L0 need this L2 exit?)
 * and the permission-map merge. Pure.
 */
#include "nested/reflect.h"
#include "mm/walk.h"

#define EXC_MC 18

bool nested_l0_needs(const struct nested_exit_facts *x)
{
	switch (x->reason) {
	case EXIT_EXTINT:  /* a host interrupt (or NMI/SMI) */
	case EXIT_PREEMPT: /* L0's time slice */
	case EXIT_INIT:    /* a physical INIT */
		return true;
	case EXIT_TDP_FAULT:
	case EXIT_TDP_MISCONFIG:
		return x->tdp_origin != NESTED_TDP_L1;
	case EXIT_EXCEPTION:
		/* #MC is the host's; #DB/#AC are intercepted only so that L2
		 * cannot loop in exception delivery: they go to L1 if it asks,
		 * else back into L2. */
		return x->exc_vector == EXC_MC;
	case EXIT_INTR_WINDOW:
	case EXIT_NMI_WINDOW:
		return x->l0_window;
	default:
		return false;
	}
}

enum nested_tdp_origin nested_tdp_classify(int walk_kind, const struct walk_result *r)
{
	if (walk_kind == WALK_OK)
		return NESTED_TDP_SHADOW;
	if (r->fault.dim == WALK_DIM_NONE)
		return NESTED_TDP_L0; /* L0 could not build the shadow */
	return r->fault.dim == WALK_DIM_GUEST ? NESTED_TDP_L1 : NESTED_TDP_L0;
}

void nested_bitmap_merge(uint8_t *dst, const uint8_t *l0, const uint8_t *l1, size_t len)
{
	for (size_t i = 0; i < len; i++)
		dst[i] = l0[i] | (l1 ? l1[i] : 0);
}

/*
 * reflect.h - the vendor-neutral half of "who handles this L2 exit?".
 *
 * Every exit taken while a vCPU runs L2 is judged by two pure questions:
 *   1. does L0 need it for itself? (nested_l0_needs, here: a host
 *      interrupt, its time slice, a host machine check, a TDP fault that
 *      is L0's: the shadow (NPT02/EPT02) was not built yet, NPT01/EPT01
 *      lacks the page, or the page is L0-emulated MMIO);
 *   2. did L1 ask for it? (the vendor's: svm_l1_wants() in
 *      nested/svm_reflect.h reads the intercept vectors, MSRPM/IOPM and
 *      the L1 NPT verdict).
 * nested_route() combines them: L0's own exits are handled by L0 and L2
 * resumes without L1 seeing anything; an exit L1 asked for becomes a
 * #VMEXIT (VM exit) into L1; anything else is what L2's instruction does
 * on the virtual CPU, which L0 emulates on L2's state (a CPUID, a port or
 * MSR L1 lets through, an exception L0 intercepts only for safety).
 */
#ifndef NESTOR_NESTED_REFLECT_H
#define NESTOR_NESTED_REFLECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hv/core/vcpu.h"

struct walk_result;

/* Where a TDP fault taken in L2 belongs (from the 2D walk L2-GPA ->
 * L1's TDP -> L0's TDP, see nested/tdp02.h). */
enum nested_tdp_origin {
	NESTED_TDP_NONE = 0,  /* not a TDP fault */
	NESTED_TDP_L1,        /* L1's own table (NPT12/EPT12) forbids it */
	NESTED_TDP_SHADOW,    /* both allow it: the shadow lacked the entry */
	NESTED_TDP_L0,        /* L0's table (NPT01/EPT01): L0's MMIO, unbacked, touch */
};

/* The classified facts of one L2 exit that question 1 needs. */
struct nested_exit_facts {
	enum exit_reason reason; /* the L2 exit, translated by the backend */
	uint8_t exc_vector;      /* EXIT_EXCEPTION */
	uint8_t tdp_origin;      /* EXIT_TDP_FAULT / EXIT_TDP_MISCONFIG */
	bool l0_window;          /* an interrupt/NMI window L0 armed for itself */
};

enum nested_route {
	NESTED_ROUTE_L0,      /* L0's own exit: handle, resume L2 */
	NESTED_ROUTE_L1,      /* reflect to L1 as a #VMEXIT */
	NESTED_ROUTE_EMULATE, /* neither: L0 does what the CPU would for L2 */
};

bool nested_l0_needs(const struct nested_exit_facts *x);

static inline enum nested_route nested_route(bool l0_needs, bool l1_wants)
{
	return l0_needs ? NESTED_ROUTE_L0 : l1_wants ? NESTED_ROUTE_L1 : NESTED_ROUTE_EMULATE;
}

/* A 2D walk's outcome as an origin: WALK_OK means the shadow lacked the
 * entry, a guest-dimension fault is L1's table, a TDP one (or a shadow
 * out of table pages, dimension none) is L0's. */
enum nested_tdp_origin nested_tdp_classify(int walk_kind, const struct walk_result *r);

/* Permission maps (SVM MSRPM/IOPM, VMX MSR/IO bitmaps): a set bit
 * intercepts, so the map for L2 is L0's OR L1's (l1 NULL: L1 intercepts
 * none of them). */
void nested_bitmap_merge(uint8_t *dst, const uint8_t *l0, const uint8_t *l1, size_t len);

#endif

/*
 * tdp02.h - the shadow TDP table for L2 (NPT02 / EPT02), built on demand
 * by the shared walk engine and table builder (vendor-neutral).
 *
 * L2's guest-physical addresses go through L1's TDP table (in L1 memory)
 * and then L0's (NPT01/EPT01). For the walk engine that is an ordinary 2D
 * walk: L1's table is the "guest" dimension (its format built by the
 * vendor file: nested/svm_npt.h for NPT), L0's table the TDP dimension,
 * and the L2-GPA plays the linear address. A successful walk gives the
 * host-physical page and both levels' permissions; the shadow maps it with
 * the smaller of the two page sizes (a large page of either level is split
 * only where the other level needs it) and the intersection of the
 * permissions. Write permission is granted only by a write access, so the
 * first write after a read takes one more fault, and the walk sets L1's
 * dirty bit then, as the CPU would.
 *
 * A fault of L1's dimension is L1's (#NPF / EPT violation reflected,
 * EXITINFO1 from the fault record); a fault of L0's dimension is L0's own
 * (MMIO it emulates, a hole, a page unmapped until touched).
 */
#ifndef NESTOR_NESTED_TDP02_H
#define NESTOR_NESTED_TDP02_H

#include <stdbool.h>
#include <stdint.h>

#include "mm/ptbuild.h"
#include "mm/walk.h"

/* Walk l2gpa for acc (c->guest = L1's TDP table, c->tdp = L0's, flags
 * WALK_F_SET_AD) and on success map it into the shadow. Returns the walk's
 * kind (WALK_OK: mapped; r->fault otherwise) or WALK_FAULT_NO_MEMORY with
 * r->fault.dim = WALK_DIM_NONE when the shadow could not get a table
 * page; *flush as ptb_map says. */
int nested_tdp02_fill(struct ptb *shadow, const struct walk_ctx *c, uint64_t l2gpa, uint32_t acc,
		      struct walk_result *r, bool *flush);

/* L0's emulator in L2's physical space (hv/exit/tdp_fault.c): l2gpa
 * through L1's TDP (c->guest) to an L1-physical address, walked as the CPU
 * does (c's flags: A/D). 0 with *l1gpa set, also when L0's dimension
 * faults at the final address (L1-physical memory that is not RAM: the
 * VM's MMIO or ROM, or nothing; L0 handles it there); else the walk's
 * kind with *f the fault (L1's #NPF / EPT violation for that access). */
int nested_l2_to_l1(const struct walk_ctx *c, uint64_t l2gpa, uint32_t acc, uint64_t *l1gpa, struct walk_fault *f);

#endif

/*
 * segments.h - the architectural register state a vCPU starts with, in a
 * vendor-neutral form both backends convert from.
 *
 * Segment access rights use the VMX layout (Intel SDM Vol 3C 25.4.1,
 * table 25-2): 3:0 type, 4 S, 6:5 DPL, 7 P, 12 AVL, 13 L, 14 D/B, 15 G,
 * 16 unusable. SVM's VMCB attribute is the same bits packed into 12
 * (hv/svm/svm.c converts).
 */
#ifndef NESTOR_X86_SEGMENTS_H
#define NESTOR_X86_SEGMENTS_H

#include <stdint.h>

#include "hv/core/vcpu.h"

#define SEG_AR_UNUSABLE (1u << 16)

struct seg_desc {
	uint16_t selector;
	uint64_t base;
	uint32_t limit;
	uint32_t access;
};

struct seg_state {
	struct seg_desc cs, ds, es, ss, fs, gs, tr, ldtr, gdtr, idtr;
	uint64_t cr0, cr3, cr4, efer;
};

/* The state a guest loader asks for: real mode (CS:IP), flat 32-bit
 * protected mode as a Multiboot loader leaves it (Multiboot 0.6.96 3.2),
 * or 64-bit mode with the loader's page tables. */
void seg_state_for_start(const struct vcpu_start *st, struct seg_state *out);

#endif

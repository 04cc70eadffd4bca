/* svm_cr.h - MOV to control register, for SVM CR-write intercepts on CPUs
 * without decode assists (QEMU TCG, Bochs): pure, host-tested. */
#ifndef NESTOR_SVM_CR_H
#define NESTOR_SVM_CR_H

#include <stdbool.h>
#include <stdint.h>

struct mov_cr {
	unsigned cr;  /* control register number (REX.R extends it) */
	unsigned gpr; /* source general register, x86 numbering */
	unsigned len; /* instruction length */
};

/* Decode "MOV CRn, r" (0F 22 /r, SDM 2B MOV-Move to/from Control
 * Registers) from the bytes at RIP. long_mode: 64-bit code (REX allowed).
 * Returns false for anything else. */
bool decode_mov_to_cr(const uint8_t *b, unsigned n, bool long_mode, struct mov_cr *out);

/* The CR4 bits a guest may set on this CPU (from CPUID leaves 1 and 7),
 * minus GUEST_CR4_HIDDEN. */
uint64_t guest_cr4_allowed(uint32_t cpuid1_ecx, uint32_t cpuid1_edx, uint32_t cpuid7_ebx, uint32_t cpuid7_ecx);

#endif

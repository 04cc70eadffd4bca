/*
 * cr.h - control-register rules of the architecture, as pure functions:
 * decoding MOV to CR from instruction bytes (for SVM CR intercepts on CPUs
 * without decode assists: QEMU TCG, Bochs), the CR4 bits a guest may set,
 * and the #GP conditions of a CR write (SDM Vol 2B "MOV-Move to/from
 * Control Registers", Vol 3A 2.5; the checks KVM's kvm_set_cr0/4/3 make).
 * Host-tested by tests/host/test_cr.c.
 */
#ifndef NESTOR_X86_CR_H
#define NESTOR_X86_CR_H

#include <stdbool.h>
#include <stdint.h>

struct mov_cr {
	unsigned cr;  /* control register number (REX.R extends it) */
	unsigned gpr; /* source general register, x86 numbering */
	unsigned len; /* instruction length */
};

/* Decode "MOV CRn, r" (0F 22 /r) from the bytes at RIP. long_mode: 64-bit
 * code (REX allowed). Returns false for anything else. */
bool decode_mov_to_cr(const uint8_t *b, unsigned n, bool long_mode, struct mov_cr *out);

/* The CR4 bits a guest may set on this CPU (from CPUID leaves 1 and 7),
 * minus GUEST_CR4_HIDDEN. */
uint64_t guest_cr4_allowed(uint32_t cpuid1_ecx, uint32_t cpuid1_edx, uint32_t cpuid7_ebx, uint32_t cpuid7_ecx);

/* The guest state a CR write is judged against. */
struct cr_state {
	uint64_t cr0, cr3, cr4, efer;
	bool cs_l;            /* executing 64-bit code (IA-32e mode, CS.L = 1) */
	uint8_t maxphyaddr;   /* CPUID 0x80000008 EAX[7:0] */
	uint64_t cr4_allowed; /* guest_cr4_allowed() or the backend's set */
};

/* Does writing val to CR cr raise #GP(0)? (val already truncated to 32
 * bits outside 64-bit mode.) */
bool cr_write_faults(const struct cr_state *s, unsigned cr, uint64_t val);

/* The value a MOV to CR3 loads (bit 63 with CR4.PCIDE only says "do not
 * flush" and is not stored, SDM Vol 3A 4.10.4.1). */
static inline uint64_t cr3_load_value(uint64_t val) { return val & ~(1ull << 63); }

/* Reserved bits of a PAE PDPTE (SDM Vol 3A 4.4.1, table 4-8) for this
 * MAXPHYADDR; a present PDPTE with one set makes the CR write #GP. */
uint64_t pae_pdpte_reserved(uint8_t maxphyaddr);

#endif

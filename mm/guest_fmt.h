/*
 * guest_fmt.h - describe the guest's paging mode as a struct pg_format.
 *
 * CR4.PGE only changes TLB behaviour (the G bit), never a walk's result,
 * so it has no parameter here; bit 8 is ignored except where AMD reserves
 * it in non-leaf PML4Es/PML5Es (params.amd).
 * Built once whenever the guest changes CR0/CR4/EFER (not per walk), from
 * the register bits that change the format itself. The bits that only
 * change the permission rules (CR0.WP, SMEP, SMAP, PKRU) live in
 * struct walk_guest in mm/walk.h.
 */
#ifndef NESTOR_MM_GUEST_FMT_H
#define NESTOR_MM_GUEST_FMT_H

#include <stdbool.h>
#include <stdint.h>

#include "mm/pgfmt.h"

enum guest_paging {
	GUEST_PAGING_OFF,    /* CR0.PG=0: linear == guest-physical */
	GUEST_PAGING_32,     /* CR4.PAE=0: 2 levels, 4-byte entries */
	GUEST_PAGING_PAE,    /* CR4.PAE=1, EFER.LMA=0: PDPTE registers + 2 levels */
	GUEST_PAGING_4LEVEL, /* EFER.LMA=1, CR4.LA57=0 */
	GUEST_PAGING_5LEVEL, /* EFER.LMA=1, CR4.LA57=1 */
};

struct guest_fmt_params {
	uint8_t mode;       /* enum guest_paging */
	uint8_t maxphyaddr; /* CPUID.80000008H:EAX[7:0] as the guest sees it */
	bool pse;           /* CR4.PSE (32-bit paging only) */
	bool nxe;           /* EFER.NXE */
	bool smep;          /* CR4.SMEP: only for the #PF I/D rule */
	bool pke;           /* CR4.PKE */
	bool gbpages;       /* CPUID 1 GiB pages */
	bool amd;           /* AMD reserves bit 8 in PML4E/PML5E (APM Vol 2 5.3.3) */
};

/* The mode a set of control registers selects (SDM Vol 3 4.1.1 Table 4-1). */
enum guest_paging guest_paging_mode(uint64_t cr0, uint64_t cr4, uint64_t efer);

/* Fill f for p. Returns false (f untouched) for an impossible combination. */
bool guest_fmt_build(struct pg_format *f, const struct guest_fmt_params *p);

/* CR3 bits that hold the root table address in this mode. */
uint64_t guest_cr3_root(enum guest_paging mode, uint64_t cr3, unsigned maxphyaddr);

/*
 * PAE PDPTE load check (SDM Vol 3 4.4.1): MOV to CR0/CR3/CR4 that loads the
 * PDPTEs faults with #GP if a present PDPTE has a reserved bit set
 * (bits 2:1, 8:5, 63:MAXPHYADDR). Returns true when all four are valid.
 */
bool guest_pae_pdptes_valid(const uint64_t pdpte[4], unsigned maxphyaddr);

#endif

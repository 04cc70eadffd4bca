/* cr.c - control-register rules (see cr.h). Pure. */
#include "hv/x86/cr.h"
#include "hv/core/vcpu.h"
#include "hv/x86/asm.h"

#define CR4_LA57 (1ull << 12)
#define CR4_PCIDE (1ull << 17)

bool decode_mov_to_cr(const uint8_t *b, unsigned n, bool long_mode, struct mov_cr *out)
{
	unsigned i = 0, rex = 0;
	/* Legacy prefixes do not change MOV CR (operand size is fixed). */
	while (i < n && i < 14 && (b[i] == 0x66 || b[i] == 0x67 || b[i] == 0xf2 || b[i] == 0xf3 || b[i] == 0x2e ||
				  b[i] == 0x36 || b[i] == 0x3e || b[i] == 0x26 || b[i] == 0x64 || b[i] == 0x65))
		i++;
	if (long_mode && i < n && (b[i] & 0xf0) == 0x40)
		rex = b[i++];
	if (i + 3 > n || b[i] != 0x0f || b[i + 1] != 0x22)
		return false;
	uint8_t modrm = b[i + 2];
	/* The mod field is ignored: MOV CR always takes a register (SDM 2B). */
	out->cr = ((modrm >> 3) & 7) | ((rex & 4) ? 8 : 0);
	out->gpr = (modrm & 7) | ((rex & 1) ? 8 : 0);
	out->len = i + 3;
	return out->len <= 15;
}

uint64_t guest_cr4_allowed(uint32_t c1ecx, uint32_t c1edx, uint32_t c7ebx, uint32_t c7ecx)
{
	/* CR4 bits by feature (SDM 3A 2.5, figure 2-7; CPUID in SDM 2A). */
	uint64_t a = (1u << 0) | (1u << 1) | (1u << 2) | (1u << 3) | (1u << 5) | (1u << 8) | (1u << 9) |
		     (1u << 10); /* VME PVI TSD DE PAE PCE OSFXSR OSXMMEXCPT */
	if (c1edx & (1u << 3))
		a |= 1u << 4; /* PSE */
	if (c1edx & (1u << 7))
		a |= 1u << 6; /* MCE */
	if (c1edx & (1u << 13))
		a |= 1u << 7; /* PGE */
	if (c7ecx & (1u << 2))
		a |= 1u << 11; /* UMIP */
	if (c7ecx & (1u << 16))
		a |= 1u << 12; /* LA57 */
	if (c7ebx & (1u << 0))
		a |= 1u << 16; /* FSGSBASE */
	if (c1ecx & (1u << 17))
		a |= 1u << 17; /* PCIDE */
	if (c7ebx & (1u << 7))
		a |= 1u << 20; /* SMEP */
	if (c7ebx & (1u << 20))
		a |= 1u << 21; /* SMAP */
	return a & ~GUEST_CR4_HIDDEN;
}

static uint64_t phys_reserved(uint8_t maxphyaddr)
{
	return maxphyaddr >= 64 ? 0 : ~0ull << maxphyaddr;
}

uint64_t pae_pdpte_reserved(uint8_t maxphyaddr)
{
	/* Bits 2:1, 8:5 and above MAXPHYADDR (bit 63 too: no XD in a PDPTE). */
	return phys_reserved(maxphyaddr) | 0x1e6ull;
}

bool cr_write_faults(const struct cr_state *s, unsigned cr, uint64_t val)
{
	bool lma = s->efer & EFER_LMA;
	switch (cr) {
	case 0:
		/* Reserved upper half; PG without PE; NW without CD. */
		if ((val >> 32) || ((val & CR0_PG) && !(val & CR0_PE)) || ((val & CR0_NW) && !(val & CR0_CD)))
			return true;
		/* Turning paging on with LME set enters IA-32e mode: it needs
		 * PAE and must not happen in 64-bit code (SDM 3A 10.8.5). */
		if ((val & CR0_PG) && !(s->cr0 & CR0_PG) && (s->efer & EFER_LME) && (!(s->cr4 & CR4_PAE) || s->cs_l))
			return true;
		/* Paging off while PCIDE is on (SDM 3A 4.10.1). */
		if (!(val & CR0_PG) && (s->cr4 & CR4_PCIDE))
			return true;
		return false;
	case 3:
		/* In IA-32e mode, bits above MAXPHYADDR (bit 63 is the PCIDE
		 * no-flush hint, SDM 3A 4.5) are reserved. */
		return lma && (cr3_load_value(val) & phys_reserved(s->maxphyaddr));
	case 4:
		if (val & ~s->cr4_allowed)
			return true;
		if (lma && (!(val & CR4_PAE) || ((val ^ s->cr4) & CR4_LA57)))
			return true;
		/* PCIDE 0 -> 1 needs IA-32e mode and CR3[11:0] = 0 (SDM 3A 4.10.1). */
		if ((val & CR4_PCIDE) && !(s->cr4 & CR4_PCIDE) && (!lma || (s->cr3 & 0xfff)))
			return true;
		return false;
	}
	return true; /* no other CR is written through here */
}

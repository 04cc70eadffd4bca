/* svm_cr.c - see svm_cr.h. */
#include "hv/svm/svm_cr.h"
#include "hv/vcpu.h"

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

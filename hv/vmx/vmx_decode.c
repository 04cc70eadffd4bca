/* vmx_decode.c - pure helpers of the VT-x backend (see vmx_decode.h). */
#include "hv/vmx/vmx_decode.h"
#include "hv/core/vcpu.h"

#define CR0_PE (1ull << 0)
#define CR0_PG (1ull << 31)
#define CR4_VMXE (1ull << 13)

uint32_t vmx_ctl_adjust(uint64_t cap_msr, uint32_t want)
{
	uint32_t allowed0 = (uint32_t)cap_msr, allowed1 = (uint32_t)(cap_msr >> 32);
	return (want | allowed0) & allowed1;
}

static uint64_t cr0_forced(const struct vmx_cr_fixed *f)
{
	return f->cr0_fixed0 & ~(f->unrestricted ? CR0_PE | CR0_PG : 0);
}

uint64_t vmx_cr0_mask(const struct vmx_cr_fixed *f)
{
	/* The upper half is reserved: a MOV setting it exits and faults. */
	return ((cr0_forced(f) | ~f->cr0_fixed1) & 0xffffffffull) | ~0xffffffffull;
}

/* Owned by Nestor: the bits VMX forces either way, and the ones guests may
 * not set (GUEST_CR4_HIDDEN, incl. VMXE): writes to them exit. */
uint64_t vmx_cr4_mask(const struct vmx_cr_fixed *f) { return f->cr4_fixed0 | ~f->cr4_fixed1 | GUEST_CR4_HIDDEN; }

uint64_t vmx_cr0_real(const struct vmx_cr_fixed *f, uint64_t guest)
{
	return (guest | cr0_forced(f)) & f->cr0_fixed1 & 0xffffffffull;
}

uint64_t vmx_cr4_real(const struct vmx_cr_fixed *f, uint64_t guest)
{
	return (guest | f->cr4_fixed0 | CR4_VMXE) & f->cr4_fixed1;
}

void vmx_decode_io(uint64_t q, uint32_t info, bool info_valid, uint32_t cs_ar, struct vm_exit *e)
{
	static const uint8_t sizes[4] = { 1, 2, 4, 4 }; /* 0: 1 byte, 1: 2, 3: 4 */
	static const uint8_t asz[4] = { 2, 4, 8, 8 };   /* 0: 16-bit, 1: 32, 2: 64 */
	e->u.io.size = sizes[q & 3];
	e->u.io.in = (q >> 3) & 1;
	e->u.io.string = (q >> 4) & 1;
	e->u.io.rep = (q >> 5) & 1;
	e->u.io.port = (uint16_t)(q >> 16);
	e->u.io.addr_size = 0;
	e->u.io.seg = 0;
	if (!e->u.io.string)
		return;
	if (info_valid) {
		/* Address size 9:7, segment 17:15 (OUTS only: INS always
		 * writes ES:rDI). */
		e->u.io.addr_size = asz[(info >> 7) & 3];
		e->u.io.seg = e->u.io.in ? 0 : (info >> 15) & 7;
	} else {
		/* CS.L, then CS.D/B: no address-size prefix assumed. */
		e->u.io.addr_size = (cs_ar >> 13) & 1 ? 8 : (cs_ar >> 14) & 1 ? 4 : 2;
		e->u.io.seg = e->u.io.in ? 0 : 3;
	}
}

unsigned vmx_decode_cr(uint64_t q, struct vm_exit *e)
{
	/* Bits 3:0 CR, 5:4 access type, 11:8 register (MOV), 31:16 the LMSW
	 * source data (SDM 3C table 28-3). */
	unsigned type = (q >> 4) & 3;
	e->u.cr.cr = q & 15;
	e->u.cr.type = (uint8_t)type;
	e->u.cr.write = type != CR_ACCESS_MOV_FROM;
	e->u.cr.gpr = (q >> 8) & 15;
	e->u.cr.lmsw_src = (uint16_t)(q >> 16);
	e->u.cr.lm64 = false; /* the caller knows the mode */
	return type;
}

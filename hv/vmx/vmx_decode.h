/*
 * vmx_decode.h - the pure parts of the VT-x backend: control words from
 * capability MSRs, CR0/CR4 fixed bits and masks, EPTP, and decoding of
 * exit qualifications. No VMCS access here, so host tests cover it.
 */
#ifndef NESTOR_VMX_VMX_DECODE_H
#define NESTOR_VMX_VMX_DECODE_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/core/vcpu.h"

/* A control word from its capability MSR (SDM 3D A.3-A.5): bits whose
 * allowed-0 setting is 1 (low half) must be 1, bits whose allowed-1
 * setting is 0 (high half) must be 0. */
uint32_t vmx_ctl_adjust(uint64_t cap_msr, uint32_t want);

/* CR0 bits VMX forces (IA32_VMX_CR0_FIXED0/1, SDM 3D A.7) except PE and
 * PG with unrestricted guest (SDM 3C 26.8). */
struct vmx_cr_fixed {
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	bool unrestricted;
};
/* Guest/host masks: the fixed bits, CR0's upper half, and CR4.VMXE. */
uint64_t vmx_cr0_mask(const struct vmx_cr_fixed *f);
uint64_t vmx_cr4_mask(const struct vmx_cr_fixed *f);
/* The value the CPU runs with for a guest's value (fixed bits forced,
 * CR4.VMXE set); the guest sees its own value through the read shadow. */
uint64_t vmx_cr0_real(const struct vmx_cr_fixed *f, uint64_t guest);
uint64_t vmx_cr4_real(const struct vmx_cr_fixed *f, uint64_t guest);


/* I/O exit (SDM 3C table 28-5) into e->u.io. insn_info is the VM-exit
 * instruction-information field (table 28-8), used for INS/OUTS when
 * info_valid (IA32_VMX_BASIC bit 54); otherwise the address size comes
 * from the guest's CS access rights and OUTS reads DS. */
void vmx_decode_io(uint64_t qual, uint32_t insn_info, bool info_valid, uint32_t cs_ar, struct vm_exit *e);

/* Control-register access (SDM 3C table 28-3) into e->u.cr; returns the
 * access type (0 MOV to CR, 1 MOV from CR, 2 CLTS, 3 LMSW). */
unsigned vmx_decode_cr(uint64_t qual, struct vm_exit *e);

#endif

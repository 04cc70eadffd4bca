/*
 * vmx_caps.h - the VMX capability MSRs an L1 hypervisor reads (SDM Vol 3D
 * appendix A), computed from the host's and from what Nestor's nested VMX
 * emulates: a control is offered only if the emulation supports it and
 * the host CPU can run vmcs02 with it.
 *
 * The offered set is the one the nested-VMX issue targets (what Linux
 * kvm_intel and Xen probe: see the issue). L1 reads it through
 * nested/vmx_l1.c (nested=on on VT-x).
 *
 * Pure: host-tested by tests/host/test_vmx_caps.c.
 */
#ifndef NESTOR_NESTED_VMX_CAPS_H
#define NESTOR_NESTED_VMX_CAPS_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/host/virt_detect.h"

#define MSR_IA32_VMX_BASIC 0x480u
#define MSR_IA32_VMX_PINBASED_CTLS 0x481u
#define MSR_IA32_VMX_PROCBASED_CTLS 0x482u
#define MSR_IA32_VMX_EXIT_CTLS 0x483u
#define MSR_IA32_VMX_ENTRY_CTLS 0x484u
#define MSR_IA32_VMX_MISC 0x485u
#define MSR_IA32_VMX_CR0_FIXED0 0x486u
#define MSR_IA32_VMX_CR0_FIXED1 0x487u
#define MSR_IA32_VMX_CR4_FIXED0 0x488u
#define MSR_IA32_VMX_CR4_FIXED1 0x489u
#define MSR_IA32_VMX_VMCS_ENUM 0x48au
#define MSR_IA32_VMX_PROCBASED_CTLS2 0x48bu
#define MSR_IA32_VMX_EPT_VPID_CAP 0x48cu
#define MSR_IA32_VMX_TRUE_PINBASED_CTLS 0x48du
#define MSR_IA32_VMX_TRUE_PROCBASED_CTLS 0x48eu
#define MSR_IA32_VMX_TRUE_EXIT_CTLS 0x48fu
#define MSR_IA32_VMX_TRUE_ENTRY_CTLS 0x490u
#define MSR_IA32_VMX_VMFUNC 0x491u
#define MSR_IA32_VMX_PROCBASED_CTLS3 0x492u

/* Default1 bits of each control (SDM 3D A.2): 1 in the plain capability
 * MSR's allowed-0 half; the TRUE MSR lets some of them be 0. */
#define VMX_PIN_DEFAULT1 0x00000016u
#define VMX_PROC_DEFAULT1 0x0401e172u
#define VMX_PROC_TRUE_DEFAULT1 0x04006172u  /* CR3-load/store exiting may be 0 */
#define VMX_EXIT_DEFAULT1 0x00036dffu
#define VMX_EXIT_TRUE_DEFAULT1 0x00036dfbu  /* save debug controls may be 0 */
#define VMX_ENTRY_DEFAULT1 0x000011ffu
#define VMX_ENTRY_TRUE_DEFAULT1 0x000011fbu /* load debug controls may be 0 */

/* What the host offers that the caps depend on beyond struct vmx_caps. */
struct vmx_l1_host {
	const struct vmx_caps *vmx;
	bool rdtscp;               /* CPUID 0x80000001 EDX bit 27 */
	uint64_t guest_cr4_allowed; /* CR4 bits Nestor lets a guest set */
};

struct vmx_l1_caps {
	uint64_t basic, pin, proc, exit, entry, misc;
	uint64_t true_pin, true_proc, true_exit, true_entry;
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	uint64_t vmcs_enum, proc2, ept_vpid_cap;
};

void vmx_l1_caps_compute(const struct vmx_l1_host *h, struct vmx_l1_caps *c);

/* RDMSR of a capability MSR by L1: true with *val, or false for #GP (an
 * MSR of a feature not offered, or not a VMX capability MSR). WRMSR of
 * any of them is #GP (SDM 3D appendix A: they are read-only). */
bool vmx_l1_caps_read(const struct vmx_l1_caps *c, uint32_t msr, uint64_t *val);

/* Does a control value fit a capability MSR (allowed-0 bits set, nothing
 * outside allowed-1)? The check of SDM 3C "Checks on VMX Controls". */
static inline bool vmx_ctl_fits(uint64_t cap_msr, uint32_t value)
{
	uint32_t must1 = (uint32_t)cap_msr, may1 = (uint32_t)(cap_msr >> 32);
	return (value & must1) == must1 && (value & ~may1) == 0;
}

#endif

/*
 * vmx_exit_emul.h - emulating a VM exit from L2 to L1 (pure, host-tested
 * by tests/host/test_vmx_exit_emul.c): VMCS12's exit-information and
 * guest-state fields written as the CPU writes them (SDM 3C 28.2, 28.3),
 * then L1's state loaded from VMCS12's host-state area (28.5) as a struct
 * the backend loads into vmcs01.
 *
 * An event L2 was delivering when the exit came (IDT-vectoring
 * information) is recorded in VMCS12 for L1 to re-inject, never
 * re-injected by L0 into L2. L1's VM-exit MSR-store/load lists (28.4,
 * 28.6) are the caller's: they need L1 memory.
 */
#ifndef NESTOR_NESTED_VMX_EXIT_EMUL_H
#define NESTOR_NESTED_VMX_EXIT_EMUL_H

#include <stdbool.h>
#include <stdint.h>

#include "nested/vmcs12.h"

/* The exit as L1 must see it: the hardware's vmcs02 exit fields, or, for
 * an exit L0 synthesises (an EPT12 fault, nested/vmx_ept12.h; an
 * emulated instruction), the computed ones. */
struct vmx_l2_exit {
	uint32_t reason;     /* basic reason, bit 31 for a VM-entry failure */
	uint64_t qual;
	uint64_t gla, gpa;   /* guest-linear / guest-physical address fields */
	uint32_t intr_info, intr_error;  /* VM-exit interruption information */
	uint32_t idt_info, idt_error;    /* IDT-vectoring information */
	uint32_t insn_len, insn_info;
	/* External-interrupt exit with L1's "acknowledge interrupt on
	 * exit": the vector L0 acknowledged for L1 (28.2.2). */
	uint8_t ext_vector;
	uint8_t l2_activity; /* enum vmcs02_activity L0 emulated for L2 */
	uint64_t preempt_timer; /* remaining L2 preemption-timer value */
};

struct vmx_seg {
	uint16_t sel;
	uint64_t base;
	uint32_t limit, ar; /* access rights in the VMCS format (bit 16 unusable) */
};

enum { VMX_ES, VMX_CS, VMX_SS, VMX_DS, VMX_FS, VMX_GS, VMX_LDTR, VMX_TR, VMX_NSEG };

/* L1's registers after the exit (28.5). */
struct vmx_l1_state {
	uint64_t cr0, cr3, cr4, dr7, debugctl, efer, pat;
	uint64_t rip, rsp, rflags;
	uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
	struct vmx_seg seg[VMX_NSEG];
	uint64_t gdtr_base, idtr_base;
	uint32_t gdtr_limit, idtr_limit;
	bool pdptes_from_cr3; /* L1 returns to PAE paging: load them (28.5.1) */
};

/* L1's registers that a VM exit keeps (the values of VMLAUNCH/VMRESUME
 * time): CR0 bits the exit does not load, EFER and PAT when VMCS12 does
 * not load them. */
struct vmx_l1_kept {
	uint64_t cr0, efer, pat;
};

/*
 * Write the exit into c12: exit information from x, guest state from
 * g02 (vmcs02's guest-state fields, VMCS12 slot order, as read at the
 * exit) composed back into L1's view (CR0/CR4 bits only L0 owns come from
 * vmcs02's read shadows: l0_cr0_mask/l0_cr4_mask are L0's own masks).
 * Then fill *l1 from c12's host-state area. For a VM-entry failure
 * (reason bit 31) no guest state is saved (27.8).
 */
void vmx_exit_emulate(struct vmcs12 *c12, const struct vmx_l2_exit *x, const uint64_t *g02,
		      uint64_t l0_cr0_mask, uint64_t l0_cr4_mask, const struct vmx_l1_kept *kept,
		      struct vmx_l1_state *l1);

#endif

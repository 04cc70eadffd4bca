/*
 * vmx_reflect.h - "did L1 ask for this exit?" for an exit that happened
 * while L2 ran: the L1 half of the reflection decision, from L1's VMCS12
 * controls and its I/O and MSR bitmaps (SDM Vol 3C 26.1, "Instructions
 * That Cause VM Exits Unconditionally / Conditionally", 26.2 "Other Causes
 * of VM Exits"). An exit reason this does not know is L1's: a reason
 * Nestor does not know must reach L1, never be swallowed.
 *
 * EPT violations and misconfigurations are decided by the EPT12 walk, not
 * here. Pure: host-tested by tests/host/test_vmx_reflect.c.
 */
#ifndef NESTOR_NESTED_VMX_REFLECT_H
#define NESTOR_NESTED_VMX_REFLECT_H

#include <stdbool.h>
#include <stdint.h>

#include "nested/vmcs12.h"
#include "hv/vmx/vmx_arch.h"
#include "nested/vmx_insn.h"

/* What the exit says, as the CPU reported it for L2. */
struct vmx_exit_facts {
	uint32_t reason;      /* basic exit reason, bits 15:0 */
	uint64_t qual;        /* exit qualification */
	uint32_t intr_info;   /* VM-exit interruption information */
	uint32_t intr_error;  /* its error code */
	uint32_t msr;         /* RDMSR/WRMSR: ECX */
	uint64_t cr_value;    /* MOV to CR: the source register's value */
};

bool vmx_l1_wants_exit(const struct vmcs12 *v, const struct vmx_exit_facts *f, const struct vmx_l1_mem *mem);

#endif

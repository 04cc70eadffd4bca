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
#include "nested/vmx_insn.h"

/* Basic exit reasons (SDM 3D appendix C). */
enum vmx_exit_reason {
	VMX_EXIT_EXCEPTION_NMI = 0,
	VMX_EXIT_EXTINT = 1,
	VMX_EXIT_TRIPLE_FAULT = 2,
	VMX_EXIT_INIT = 3,
	VMX_EXIT_SIPI = 4,
	VMX_EXIT_INTR_WINDOW = 7,
	VMX_EXIT_NMI_WINDOW = 8,
	VMX_EXIT_TASK_SWITCH = 9,
	VMX_EXIT_CPUID = 10,
	VMX_EXIT_HLT = 12,
	VMX_EXIT_INVD = 13,
	VMX_EXIT_INVLPG = 14,
	VMX_EXIT_RDPMC = 15,
	VMX_EXIT_RDTSC = 16,
	VMX_EXIT_VMCALL = 18,
	VMX_EXIT_CR_ACCESS = 28,
	VMX_EXIT_DR_ACCESS = 29,
	VMX_EXIT_IO = 30,
	VMX_EXIT_RDMSR = 31,
	VMX_EXIT_WRMSR = 32,
	VMX_EXIT_MWAIT = 36,
	VMX_EXIT_MTF = 37,
	VMX_EXIT_MONITOR = 39,
	VMX_EXIT_PAUSE = 40,
	VMX_EXIT_PREEMPTION_TIMER = 52,
	VMX_EXIT_RDTSCP = 51,
	VMX_EXIT_WBINVD = 54,
	VMX_EXIT_XSETBV = 55,
};

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

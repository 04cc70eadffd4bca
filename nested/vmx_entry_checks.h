/*
 * vmx_entry_checks.h - the checks VMLAUNCH/VMRESUME make on an L1's
 * VMCS12 before anything is loaded (SDM Vol 3C chapter "VM Entries":
 * "Checks on VMX Controls" and "Checks on Host Control Registers, MSRs and
 * Segment/Descriptor-Table Registers"). A failed control check is
 * VMfailValid with error 7, a failed host-state check VMfailValid with
 * error 8; the VM entry then does not happen and L1 continues after its
 * VMLAUNCH/VMRESUME.
 *
 * Each failure names the rule it broke (`what`), for the log, so an L1
 * developer sees which field is wrong.
 *
 * Pure: host-tested by tests/host/test_vmx_entry_checks.c.
 */
#ifndef NESTOR_NESTED_VMX_ENTRY_CHECKS_H
#define NESTOR_NESTED_VMX_ENTRY_CHECKS_H

#include <stdbool.h>
#include <stdint.h>

#include "nested/vmcs12.h"
#include "nested/vmx_caps.h"

#define VMXERR_ENTRY_BAD_CONTROLS 7
#define VMXERR_ENTRY_BAD_HOST_STATE 8

/* The L1 state the checks depend on, beyond the VMCS12. */
struct vmx_entry_ctx {
	const struct vmx_l1_caps *caps;
	uint8_t maxphyaddr; /* L1's physical-address width (CPUID 0x80000008) */
	bool l1_long_mode;  /* L1's EFER.LMA at the VMLAUNCH/VMRESUME */
};

struct vmx_check_result {
	int error;        /* 0, VMXERR_ENTRY_BAD_CONTROLS or VMXERR_ENTRY_BAD_HOST_STATE */
	const char *what; /* the rule that failed */
};

/* The control checks, then the host-state checks, in the SDM's order;
 * the first failure is returned. */
struct vmx_check_result vmx_check_controls(const struct vmcs12 *v, const struct vmx_entry_ctx *c);
struct vmx_check_result vmx_check_host_state(const struct vmcs12 *v, const struct vmx_entry_ctx *c);

/* Helpers shared with the guest-state checks. */
bool vmx_addr_fits(uint64_t addr, uint8_t maxphyaddr);
bool vmx_canonical(uint64_t addr);
bool vmx_pat_valid(uint64_t pat);

#endif

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
	/* Reads 8 bytes of L1 guest-physical memory (guest-state checks). */
	bool (*read_u64)(void *mem, uint64_t gpa, uint64_t *val);
	void *mem;
};

struct vmx_check_result {
	int error;        /* 0, VMXERR_ENTRY_BAD_CONTROLS, VMXERR_ENTRY_BAD_HOST_STATE,
			     or VMX_EXIT_ENTRY_FAIL_GUEST for a guest-state failure */
	uint32_t qual;    /* guest-state failures: the exit qualification */
	const char *what; /* the rule that failed */
};

/* A guest-state failure is not a VMfail: it is a VM exit into L1 with
 * basic reason 33 and bit 31 ("VM-entry failure") set (SDM 3C "Checks on
 * the Guest State Area" and "VM-Entry Failures During or After Loading
 * Guest State"), with these exit qualifications: */
#define VMX_EXIT_ENTRY_FAIL_GUEST 33
#define VMX_ENTRY_FAIL_QUAL_DEFAULT 0
#define VMX_ENTRY_FAIL_QUAL_PDPTE 2
#define VMX_ENTRY_FAIL_QUAL_NMI_STI 3 /* NMI injected while blocking by STI */
#define VMX_ENTRY_FAIL_QUAL_LINK_PTR 4

/* The control checks, then the host-state checks, then the guest-state
 * checks, in the SDM's order; each returns its first failure. */
struct vmx_check_result vmx_check_controls(const struct vmcs12 *v, const struct vmx_entry_ctx *c);
struct vmx_check_result vmx_check_host_state(const struct vmcs12 *v, const struct vmx_entry_ctx *c);
/* (nested/vmx_guest_checks.c.) The VMCS link pointer's revision word
 * and the PDPTEs without EPT are in L1 memory: read_u64 fetches them
 * (false: not L1 RAM, which fails the check). */
struct vmx_check_result vmx_check_guest_state(const struct vmcs12 *v, const struct vmx_entry_ctx *c);

/* Helpers shared with the guest-state checks. */
bool vmx_addr_fits(uint64_t addr, uint8_t maxphyaddr);
bool vmx_canonical(uint64_t addr);
bool vmx_pat_valid(uint64_t pat);
/* Is an EPTP one L1 may use (memory type, walk length, A/D, reserved
 * bits, width: SDM 3C 25.6.11)? */
bool vmx_eptp_valid(uint64_t eptp, uint64_t ept_vpid_cap, uint8_t maxphyaddr);

#endif

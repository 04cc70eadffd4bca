/*
 * vmx_insn.h - what the VMX instructions do when an L1 hypervisor executes
 * them in VMX root operation (SDM Vol 3C chapter 31, "VMX Instruction
 * Reference"): VMXON, VMXOFF, VMCLEAR, VMPTRLD, VMPTRST, VMREAD, VMWRITE,
 * INVEPT, INVVPID, each with its #UD/#GP conditions, VMfailInvalid /
 * VMfailValid outcomes and VM-instruction error numbers.
 *
 * L1's VMX state (in VMX operation or not, its VMXON region, the current
 * VMCS) is plain data here; L1 memory is reached through callbacks, so
 * this is pure and host-tested (tests/host/test_vmx_insn.c). The current
 * VMCS12 is cached in Nestor's memory while it is current (as a CPU caches
 * its current VMCS, SDM 3C 25.11.1): VMREAD/VMWRITE use the cache;
 * VMCLEAR of it, VMPTRLD of another and VMXOFF write it back to L1 memory.
 * VMLAUNCH/VMRESUME (entering L2) are nested/vmx_vmentry.c's.
 */
#ifndef NESTOR_NESTED_VMX_INSN_H
#define NESTOR_NESTED_VMX_INSN_H

#include <stdbool.h>
#include <stdint.h>

#include "nested/vmcs12.h"
#include "nested/vmx_caps.h"

#define VMXERR_VMCLEAR_BAD_ADDR 2
#define VMXERR_VMCLEAR_VMXON_PTR 3
#define VMXERR_VMLAUNCH_NOT_CLEAR 4
#define VMXERR_VMRESUME_NOT_LAUNCHED 5
#define VMXERR_VMPTRLD_BAD_ADDR 9
#define VMXERR_VMPTRLD_VMXON_PTR 10
#define VMXERR_VMPTRLD_BAD_REVISION 11
#define VMXERR_VMXON_IN_ROOT 15
#define VMXERR_ENTRY_MOV_SS 26
#define VMXERR_INVALID_INVEPT_INVVPID 28

#define VMX_NO_VMCS (~0ull)

/* L1 memory (guest-physical) for the instructions. Each returns false
 * when the range is not L1 RAM. */
struct vmx_l1_mem {
	bool (*read)(void *ctx, uint64_t gpa, void *buf, uint32_t len);
	bool (*write)(void *ctx, uint64_t gpa, const void *buf, uint32_t len);
	void *ctx;
};

/* One L1 vCPU's VMX state. */
struct nvmx {
	bool vmxon;
	uint64_t vmxon_ptr;
	uint64_t current;     /* current-VMCS pointer, VMX_NO_VMCS when invalid */
	struct vmcs12 cache;  /* the current VMCS12 while current != VMX_NO_VMCS */
};

/* L1's state the instructions are judged against. */
struct vmx_insn_ctx {
	const struct vmx_l1_caps *caps;
	const struct vmx_l1_mem *mem;
	uint8_t maxphyaddr;
	uint64_t cr0, cr4, rflags;
	bool long_mode;      /* EFER.LMA */
	bool cs_l;           /* 64-bit code */
	unsigned cpl;
	uint64_t feature_control; /* L1's IA32_FEATURE_CONTROL */
};

enum vmx_outcome { VMX_SUCCEED, VMX_FAIL_INVALID, VMX_FAIL_VALID, VMX_FAULT };

struct vmx_insn_result {
	enum vmx_outcome outcome;
	uint8_t vector;  /* VMX_FAULT: #UD (6) or #GP (13), error code 0 */
	uint32_t error;  /* VMX_FAIL_VALID: the VM-instruction error number */
	uint64_t value;  /* VMREAD: the value for the destination; VMPTRST: the pointer */
};

/* RFLAGS after the instruction (SDM 3C 31.2): VMsucceed clears CF, PF,
 * AF, ZF, SF and OF; VMfailInvalid sets CF; VMfailValid sets ZF. */
uint64_t vmx_outcome_rflags(uint64_t rflags, enum vmx_outcome o);

struct vmx_insn_result nvmx_vmxon(struct nvmx *n, const struct vmx_insn_ctx *c, uint64_t region);
struct vmx_insn_result nvmx_vmxoff(struct nvmx *n, const struct vmx_insn_ctx *c);
struct vmx_insn_result nvmx_vmclear(struct nvmx *n, const struct vmx_insn_ctx *c, uint64_t addr);
struct vmx_insn_result nvmx_vmptrld(struct nvmx *n, const struct vmx_insn_ctx *c, uint64_t addr);
struct vmx_insn_result nvmx_vmptrst(struct nvmx *n, const struct vmx_insn_ctx *c);
/* long64: the operand size (64-bit mode: 64, otherwise 32). */
struct vmx_insn_result nvmx_vmread(struct nvmx *n, const struct vmx_insn_ctx *c, uint64_t enc);
struct vmx_insn_result nvmx_vmwrite(struct nvmx *n, const struct vmx_insn_ctx *c, uint64_t enc, uint64_t val);
/* type from the register operand; the 128-bit descriptor from memory:
 * INVEPT {EPTP, reserved}, INVVPID {VPID in bits 15:0 (63:16 reserved),
 * linear address}. */
struct vmx_insn_result nvmx_invept(struct nvmx *n, const struct vmx_insn_ctx *c, uint64_t type,
				   const uint64_t desc[2]);
struct vmx_insn_result nvmx_invvpid(struct nvmx *n, const struct vmx_insn_ctx *c, uint64_t type,
				    const uint64_t desc[2]);

#endif

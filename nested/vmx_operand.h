/*
 * vmx_operand.h - where an L1's VMX instruction finds its operands, from
 * the VM-exit instruction-information field and exit qualification (SDM
 * Vol 3C 28.2.5, the instruction-information tables for VMCLEAR / VMPTRLD /
 * VMPTRST / VMXON, for VMREAD / VMWRITE, and for INVEPT / INVVPID), and
 * the segment checks the access makes (SDM 3A 5.3 limit checks, 3.4.5.1
 * types, 3.3.7.1 canonical addresses): #GP(0), or #SS(0) for SS.
 *
 * Pure: host-tested by tests/host/test_vmx_operand.c.
 */
#ifndef NESTOR_NESTED_VMX_OPERAND_H
#define NESTOR_NESTED_VMX_OPERAND_H

#include <stdbool.h>
#include <stdint.h>

/* The instruction-information field, split. */
struct vmx_insn_info {
	unsigned scale;      /* 1, 2, 4, 8 */
	unsigned addr_size;  /* 2, 4, 8 bytes */
	bool is_reg;         /* VMREAD/VMWRITE: register form (bit 10) */
	unsigned reg1;       /* VMREAD/VMWRITE register operand (bits 6:3) */
	unsigned seg;        /* 0 ES 1 CS 2 SS 3 DS 4 FS 5 GS */
	bool has_index, has_base;
	unsigned index, base;
	unsigned reg2;       /* bits 31:28: VMREAD/VMWRITE field, INVEPT/INVVPID type */
};
void vmx_insn_info_split(uint32_t info, struct vmx_insn_info *out);

/* A segment as the guest has it (from the VMCS guest-state area). */
struct vmx_seg {
	uint64_t base;
	uint32_t limit;
	uint32_t ar;  /* access rights in the VMCS format (bit 16 unusable) */
};

/* The memory operand. */
struct vmx_mem_ref {
	uint64_t linear;
	uint8_t fault;      /* 0, or 12 (#SS) / 13 (#GP), error code 0 */
};

/* The linear address of a memory operand of len bytes, and whether the
 * access faults. gpr: the 16 general registers in x86 order; long64: the
 * guest runs 64-bit code; write: the instruction stores (VMPTRST, VMREAD
 * to memory). */
struct vmx_mem_ref vmx_mem_operand(const struct vmx_insn_info *i, uint64_t displacement, const uint64_t gpr[16],
				   const struct vmx_seg *seg, bool long64, unsigned len, bool write);

#endif

/* test_vmx_operand - VMX instruction operands from the instruction-
 * information field: field split, effective and linear addresses in each
 * address size, and the segment faults of 64-bit and protected mode. */
#include "tests/host/check.h"

#include "nested/vmx_operand.h"

/* VMPTRLD [rax + rbx*8 + disp], DS, 64-bit addresses:
 * scale 3, address size 2 (64-bit), segment 3, index 3 (RBX), base 0 (RAX). */
#define INFO_RAX_RBX8_DS ((3u) | (2u << 7) | (3u << 15) | (3u << 18) | (0u << 23))

static const struct vmx_seg flat[6] = {
	{ 0, 0xffffffff, 0xc093 }, { 0, 0xffffffff, 0xc09b }, { 0, 0xffffffff, 0xc093 },
	{ 0, 0xffffffff, 0xc093 }, { 0x7000000000ull, 0xffffffff, 0xc093 }, { 0x10000, 0xffffffff, 0xc093 },
};

TEST(split)
{
	struct vmx_insn_info i;
	/* VMREAD rcx <- field in rdx, register form: reg1 1 (RCX), bit 10,
	 * reg2 2 (RDX). */
	vmx_insn_info_split((1u << 3) | (1u << 10) | (2u << 28) | (1u << 22) | (1u << 27), &i);
	CHECK(i.is_reg);
	CHECK_EQ(i.reg1, 1);
	CHECK_EQ(i.reg2, 2);
	CHECK(!i.has_index && !i.has_base);
	vmx_insn_info_split(INFO_RAX_RBX8_DS, &i);
	CHECK_EQ(i.scale, 8);
	CHECK_EQ(i.addr_size, 8);
	CHECK_EQ(i.seg, 3);
	CHECK(i.has_index && i.has_base);
	CHECK_EQ(i.index, 3);
	CHECK_EQ(i.base, 0);
}

TEST(addresses_64_bit)
{
	uint64_t gpr[16] = { 0 };
	gpr[0] = 0x100000;
	gpr[3] = 2;
	struct vmx_insn_info i;
	vmx_insn_info_split(INFO_RAX_RBX8_DS, &i);
	struct vmx_mem_ref r = vmx_mem_operand(&i, 0x20, gpr, flat, true, 8, false);
	CHECK_EQ(r.fault, 0);
	CHECK_EQ(r.linear, 0x100030);
	/* FS has a base in 64-bit mode; DS's does not count. */
	vmx_insn_info_split((INFO_RAX_RBX8_DS & ~(7u << 15)) | (4u << 15), &i);
	r = vmx_mem_operand(&i, 0, gpr, flat, true, 8, false);
	CHECK_EQ(r.linear, 0x7000100010ull);
	/* A negative displacement (sign-extended by the CPU into the
	 * qualification) wraps. */
	vmx_insn_info_split(INFO_RAX_RBX8_DS, &i);
	r = vmx_mem_operand(&i, (uint64_t)-0x10, gpr, flat, true, 8, false);
	CHECK_EQ(r.linear, 0x100000);
	/* Non-canonical: #GP, and #SS through SS. */
	gpr[0] = 0x00007ffffffffffcull;
	gpr[3] = 0;
	r = vmx_mem_operand(&i, 0, gpr, flat, true, 8, false);
	CHECK_EQ(r.fault, 13);
	vmx_insn_info_split((INFO_RAX_RBX8_DS & ~(7u << 15)) | (2u << 15), &i);
	r = vmx_mem_operand(&i, 0, gpr, flat, true, 8, false);
	CHECK_EQ(r.fault, 12);
}

TEST(address_sizes_truncate)
{
	uint64_t gpr[16] = { 0 };
	gpr[0] = 0x1234fff0;
	gpr[3] = 0x20;
	/* 32-bit addresses, no scaling: (0x1234fff0 + 0x20 + 0x10) mod 2^32. */
	uint32_t info32 = (1u << 7) | (3u << 15) | (3u << 18);
	struct vmx_insn_info i;
	vmx_insn_info_split(info32, &i);
	struct vmx_mem_ref r = vmx_mem_operand(&i, 0x10, gpr, flat, false, 8, false);
	CHECK_EQ(r.linear, 0x12350020);
	/* 16-bit addresses wrap at 64 KiB. */
	vmx_insn_info_split(info32 & ~(7u << 7), &i);
	r = vmx_mem_operand(&i, 0x10, gpr, flat, false, 8, false);
	CHECK_EQ(r.linear, 0x0020);
}

TEST(protected_mode_segments)
{
	uint64_t gpr[16] = { 0 };
	struct vmx_seg s[6];
	memcpy(s, flat, sizeof(s));
	uint32_t info = (1u << 7) | (3u << 15) | (1u << 22); /* [rax] in DS, 32-bit */
	struct vmx_insn_info i;
	vmx_insn_info_split(info, &i);
	s[3].base = 0x100000;
	s[3].limit = 0xfff;
	s[3].ar = 0x4093;
	gpr[0] = 0xff8;
	CHECK_EQ(vmx_mem_operand(&i, 0, gpr, s, false, 8, false).fault, 0);
	CHECK_EQ(vmx_mem_operand(&i, 0, gpr, s, false, 8, false).linear, 0x100ff8);
	gpr[0] = 0xff9; /* last byte past the limit */
	CHECK_EQ(vmx_mem_operand(&i, 0, gpr, s, false, 8, false).fault, 13);
	/* Read-only data: reads fine, a store (VMPTRST) faults. */
	gpr[0] = 0;
	s[3].ar = 0x4091;
	CHECK_EQ(vmx_mem_operand(&i, 0, gpr, s, false, 8, false).fault, 0);
	CHECK_EQ(vmx_mem_operand(&i, 0, gpr, s, false, 8, true).fault, 13);
	/* Execute-only code: no reads; readable code: reads only. */
	s[3].ar = 0x4099;
	CHECK_EQ(vmx_mem_operand(&i, 0, gpr, s, false, 8, false).fault, 13);
	s[3].ar = 0x409b;
	CHECK_EQ(vmx_mem_operand(&i, 0, gpr, s, false, 8, false).fault, 0);
	CHECK_EQ(vmx_mem_operand(&i, 0, gpr, s, false, 8, true).fault, 13);
	/* Unusable (null) segment. */
	s[3].ar = 0x10000;
	CHECK_EQ(vmx_mem_operand(&i, 0, gpr, s, false, 8, false).fault, 13);
	/* Expand-down, B = 1: offsets above the limit up to 4 GiB - 1. */
	s[3].ar = 0x4097;
	s[3].limit = 0xfff;
	gpr[0] = 0x1000;
	CHECK_EQ(vmx_mem_operand(&i, 0, gpr, s, false, 8, true).fault, 0);
	gpr[0] = 0xffc;
	CHECK_EQ(vmx_mem_operand(&i, 0, gpr, s, false, 8, true).fault, 13);
	/* SS faults are #SS. */
	vmx_insn_info_split((info & ~(7u << 15)) | (2u << 15), &i);
	s[2].limit = 0xff;
	gpr[0] = 0x100;
	CHECK_EQ(vmx_mem_operand(&i, 0, gpr, s, false, 8, false).fault, 12);
}

TEST_MAIN()

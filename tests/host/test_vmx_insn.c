/* test_vmx_insn - the VMX instructions in L1's root operation: #UD/#GP
 * conditions, VMfailInvalid vs VMfailValid with the error number in the
 * current VMCS12, VMCS12 caching and write-back, INVEPT/INVVPID types. */
#include "tests/host/check.h"

#include "hv/vmx/vmcs_fields.h"
#include "nested/vmx_insn.h"
#include "tests/host/vmx_caps_fixture.h"

#define L1_RAM (64 * 1024)
static uint8_t ram[L1_RAM];

static bool rd(void *ctx, uint64_t gpa, void *buf, uint32_t len)
{
	(void)ctx;
	if (gpa > L1_RAM || len > L1_RAM - gpa)
		return false;
	memcpy(buf, ram + gpa, len);
	return true;
}
static bool wr(void *ctx, uint64_t gpa, const void *buf, uint32_t len)
{
	(void)ctx;
	if (gpa > L1_RAM || len > L1_RAM - gpa)
		return false;
	memcpy(ram + gpa, buf, len);
	return true;
}

static struct vmx_caps hc;
static struct vmx_l1_caps caps;
static struct vmx_entry_ctx ectx;
static const struct vmx_l1_mem mem = { rd, wr, 0 };
static struct vmx_insn_ctx c;
static struct nvmx n;

static void put_rev(uint64_t gpa, uint32_t rev) { memcpy(ram + gpa, &rev, 4); }

static void setup(void)
{
	vmx_entry_fixture(&hc, &caps, &ectx);
	memset(ram, 0, sizeof(ram));
	memset(&n, 0, sizeof(n));
	n.current = VMX_NO_VMCS;
	c = (struct vmx_insn_ctx){
		.caps = &caps, .mem = &mem, .maxphyaddr = 39, .cr0 = 0x80000031, .cr4 = 0x2020,
		.rflags = 2, .long_mode = true, .cs_l = true, .cpl = 0, .feature_control = 5,
	};
	put_rev(0x1000, VMCS12_REVISION); /* VMXON region */
	put_rev(0x2000, VMCS12_REVISION); /* two VMCS regions */
	put_rev(0x3000, VMCS12_REVISION);
}

#define OUT(r, o) CHECK_EQ((r).outcome, (o))
#define FAULT(r, vec) do { OUT(r, VMX_FAULT); CHECK_EQ((r).vector, (vec)); } while (0)
#define FAILV(r, err) do { OUT(r, VMX_FAIL_VALID); CHECK_EQ((r).error, (err)); } while (0)

TEST(vmxon_rules)
{
	setup();
	c.cr4 = 0x20;
	FAULT(nvmx_vmxon(&n, &c, 0x1000), 6); /* CR4.VMXE clear */
	setup();
	c.cs_l = false;
	FAULT(nvmx_vmxon(&n, &c, 0x1000), 6); /* compatibility mode */
	setup();
	c.cpl = 3;
	FAULT(nvmx_vmxon(&n, &c, 0x1000), 13);
	setup();
	c.feature_control = 1; /* locked, VMX outside SMX off */
	FAULT(nvmx_vmxon(&n, &c, 0x1000), 13);
	setup();
	c.cr0 &= ~(1ull << 5); /* CR0.NE: fixed to 1 in VMX operation */
	FAULT(nvmx_vmxon(&n, &c, 0x1000), 13);
	setup();
	OUT(nvmx_vmxon(&n, &c, 0x1008), VMX_FAIL_INVALID);   /* not aligned */
	OUT(nvmx_vmxon(&n, &c, 1ull << 39), VMX_FAIL_INVALID); /* beyond the width */
	put_rev(0x1000, VMCS12_REVISION | (1u << 31));
	OUT(nvmx_vmxon(&n, &c, 0x1000), VMX_FAIL_INVALID);
	CHECK(!n.vmxon);
	put_rev(0x1000, VMCS12_REVISION);
	OUT(nvmx_vmxon(&n, &c, 0x1000), VMX_SUCCEED);
	CHECK(n.vmxon);
	CHECK_EQ(n.current, VMX_NO_VMCS);
	/* Again in root operation: VMfail, invalid without a current VMCS,
	 * valid (error 15) with one. */
	OUT(nvmx_vmxon(&n, &c, 0x1000), VMX_FAIL_INVALID);
	OUT(nvmx_vmptrld(&n, &c, 0x2000), VMX_SUCCEED);
	FAILV(nvmx_vmxon(&n, &c, 0x1000), 15);
	uint64_t e = 0;
	CHECK_EQ(vmcs12_read(&n.cache, VMCS_VM_INSTRUCTION_ERROR, true, &e), 0);
	CHECK_EQ(e, 15);
}

TEST(outside_vmx_operation_everything_is_ud)
{
	setup();
	FAULT(nvmx_vmxoff(&n, &c), 6);
	FAULT(nvmx_vmclear(&n, &c, 0x2000), 6);
	FAULT(nvmx_vmptrld(&n, &c, 0x2000), 6);
	FAULT(nvmx_vmptrst(&n, &c), 6);
	FAULT(nvmx_vmread(&n, &c, VMCS_GUEST_RIP), 6);
	FAULT(nvmx_vmwrite(&n, &c, VMCS_GUEST_RIP, 0), 6);
	uint64_t d[2] = { 0, 0 };
	FAULT(nvmx_invept(&n, &c, 2, d), 6);
	FAULT(nvmx_invvpid(&n, &c, 2, d), 6);
}

TEST(vmptrld_vmclear_vmptrst)
{
	setup();
	OUT(nvmx_vmxon(&n, &c, 0x1000), VMX_SUCCEED);
	c.cpl = 1;
	FAULT(nvmx_vmptrld(&n, &c, 0x2000), 13);
	c.cpl = 0;
	OUT(nvmx_vmptrld(&n, &c, 0x2004), VMX_FAIL_INVALID); /* error 9, but no current VMCS */
	OUT(nvmx_vmptrld(&n, &c, 0x2000), VMX_SUCCEED);
	FAILV(nvmx_vmptrld(&n, &c, 0x2004), 9);
	FAILV(nvmx_vmptrld(&n, &c, 0x1000), 10);
	put_rev(0x4000, 0x1234);
	FAILV(nvmx_vmptrld(&n, &c, 0x4000), 11);
	FAILV(nvmx_vmptrld(&n, &c, 0x20000), 11); /* not L1 RAM: no revision there */
	struct vmx_insn_result r = nvmx_vmptrst(&n, &c);
	OUT(r, VMX_SUCCEED);
	CHECK_EQ(r.value, 0x2000);
	FAILV(nvmx_vmclear(&n, &c, 0x2800), 2);
	FAILV(nvmx_vmclear(&n, &c, 0x1000), 3);
	OUT(nvmx_vmclear(&n, &c, 0x2000), VMX_SUCCEED);
	CHECK_EQ(n.current, VMX_NO_VMCS);
	r = nvmx_vmptrst(&n, &c);
	CHECK_EQ(r.value, VMX_NO_VMCS);
}

TEST(vmread_vmwrite_and_write_back)
{
	setup();
	OUT(nvmx_vmxon(&n, &c, 0x1000), VMX_SUCCEED);
	OUT(nvmx_vmread(&n, &c, VMCS_GUEST_RIP), VMX_FAIL_INVALID); /* no current VMCS */
	OUT(nvmx_vmwrite(&n, &c, VMCS_GUEST_RIP, 1), VMX_FAIL_INVALID);
	OUT(nvmx_vmptrld(&n, &c, 0x2000), VMX_SUCCEED);
	OUT(nvmx_vmwrite(&n, &c, VMCS_GUEST_RIP, 0xffffffff81000000ull), VMX_SUCCEED);
	struct vmx_insn_result r = nvmx_vmread(&n, &c, VMCS_GUEST_RIP);
	OUT(r, VMX_SUCCEED);
	CHECK_EQ(r.value, 0xffffffff81000000ull);
	FAILV(nvmx_vmread(&n, &c, 0x200e), 12);
	FAILV(nvmx_vmread(&n, &c, (1ull << 32) | VMCS_GUEST_RIP), 12); /* bits 63:32 of the encoding */
	/* IA32_VMX_MISC bit 29 is reported: exit information is writable. */
	OUT(nvmx_vmwrite(&n, &c, VMCS_EXIT_QUALIFICATION, 7), VMX_SUCCEED);
	caps.misc &= ~(1ull << 29);
	FAILV(nvmx_vmwrite(&n, &c, VMCS_EXIT_QUALIFICATION, 7), 13);
	/* The cache reaches L1 memory when another VMCS becomes current,
	 * and comes back with VMPTRLD. */
	OUT(nvmx_vmptrld(&n, &c, 0x3000), VMX_SUCCEED);
	struct vmcs12 in_mem;
	memcpy(&in_mem, ram + 0x2000, sizeof(in_mem));
	CHECK_EQ(in_mem.field[VMCS12_GUEST_RIP], 0xffffffff81000000ull);
	r = nvmx_vmread(&n, &c, VMCS_GUEST_RIP);
	CHECK_EQ(r.value, 0);
	OUT(nvmx_vmptrld(&n, &c, 0x2000), VMX_SUCCEED);
	r = nvmx_vmread(&n, &c, VMCS_GUEST_RIP);
	CHECK_EQ(r.value, 0xffffffff81000000ull);
	/* VMCLEAR of a VMCS that is not current clears its launch state in
	 * memory. */
	uint32_t launched = VMCS12_LAUNCHED;
	memcpy(ram + 0x3000 + __builtin_offsetof(struct vmcs12, launch), &launched, 4);
	OUT(nvmx_vmclear(&n, &c, 0x3000), VMX_SUCCEED);
	memcpy(&in_mem, ram + 0x3000, sizeof(in_mem));
	CHECK_EQ(in_mem.launch, VMCS12_CLEAR);
	CHECK_EQ(n.current, 0x2000);
	/* VMXOFF writes the current one back. */
	OUT(nvmx_vmwrite(&n, &c, VMCS_GUEST_RSP, 0x1234), VMX_SUCCEED);
	OUT(nvmx_vmxoff(&n, &c), VMX_SUCCEED);
	memcpy(&in_mem, ram + 0x2000, sizeof(in_mem));
	CHECK_EQ(in_mem.field[VMCS12_GUEST_RSP], 0x1234);
	CHECK(!n.vmxon);
}

TEST(thirty_two_bit_operands)
{
	setup();
	c.long_mode = false;
	c.cs_l = false;
	OUT(nvmx_vmxon(&n, &c, 0x1000), VMX_SUCCEED);
	OUT(nvmx_vmptrld(&n, &c, 0x2000), VMX_SUCCEED);
	OUT(nvmx_vmwrite(&n, &c, VMCS_GUEST_RIP, 0x1122334455667788ull), VMX_SUCCEED);
	struct vmx_insn_result r = nvmx_vmread(&n, &c, VMCS_GUEST_RIP);
	CHECK_EQ(r.value, 0x55667788ull);
	CHECK_EQ(n.cache.field[VMCS12_GUEST_RIP], 0x55667788ull);
}

TEST(invept_invvpid)
{
	setup();
	OUT(nvmx_vmxon(&n, &c, 0x1000), VMX_SUCCEED);
	uint64_t d[2] = { 0, 0 };
	OUT(nvmx_invept(&n, &c, 1, d), VMX_SUCCEED);
	OUT(nvmx_invept(&n, &c, 2, d), VMX_SUCCEED);
	OUT(nvmx_invept(&n, &c, 3, d), VMX_FAIL_INVALID);
	OUT(nvmx_vmptrld(&n, &c, 0x2000), VMX_SUCCEED);
	FAILV(nvmx_invept(&n, &c, 0, d), 28);
	FAILV(nvmx_invvpid(&n, &c, 1, d), 28); /* VPID 0 */
	d[0] = 5;
	OUT(nvmx_invvpid(&n, &c, 1, d), VMX_SUCCEED);
	OUT(nvmx_invvpid(&n, &c, 3, d), VMX_SUCCEED);
	d[1] = 0x0000800000000000ull;
	FAILV(nvmx_invvpid(&n, &c, 0, d), 28); /* non-canonical address */
	d[1] = 0xffff800000000000ull;
	OUT(nvmx_invvpid(&n, &c, 0, d), VMX_SUCCEED);
	d[0] = 1ull << 16;
	FAILV(nvmx_invvpid(&n, &c, 2, d), 28); /* descriptor bits 63:16 */
	FAILV(nvmx_invvpid(&n, &c, 4, d), 28);
	/* Not offered at all: #UD. */
	caps.ept_vpid_cap = 0;
	FAULT(nvmx_invept(&n, &c, 2, d), 6);
	FAULT(nvmx_invvpid(&n, &c, 2, d), 6);
}

TEST(rflags_outcomes)
{
	CHECK_EQ(vmx_outcome_rflags(0x8d7, VMX_SUCCEED), 0x2);
	CHECK_EQ(vmx_outcome_rflags(0x202, VMX_FAIL_INVALID), 0x203);
	CHECK_EQ(vmx_outcome_rflags(0x203, VMX_FAIL_VALID), 0x242);
}

TEST_MAIN()

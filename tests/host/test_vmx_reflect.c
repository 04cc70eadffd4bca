/* test_vmx_reflect - did L1 ask for an L2 exit: controls, I/O and MSR
 * bitmaps in L1 memory, CR masks and shadows, CR3 targets, the exception
 * bitmap with #PF MASK/MATCH, and unknown reasons going to L1. */
#include "tests/host/check.h"

#include "nested/vmx_reflect.h"

static uint8_t ram[0x10000];
static bool rd(void *ctx, uint64_t gpa, void *buf, uint32_t len)
{
	(void)ctx;
	if (gpa > sizeof(ram) || len > sizeof(ram) - gpa)
		return false;
	memcpy(buf, ram + gpa, len);
	return true;
}
static const struct vmx_l1_mem mem = { rd, 0, 0 };
static struct vmcs12 v;

#define SET(name, val) v.field[VMCS12_##name] = (val)
static void reset(void)
{
	memset(&v, 0, sizeof(v));
	memset(ram, 0, sizeof(ram));
}

static bool wants(uint32_t reason, uint64_t qual)
{
	struct vmx_exit_facts f = { .reason = reason, .qual = qual };
	return vmx_l1_wants_exit(&v, &f, &mem);
}

TEST(controls)
{
	reset();
	CHECK(!wants(VMX_EXIT_HLT, 0));
	CHECK(wants(VMX_EXIT_CPUID, 0));  /* unconditional */
	CHECK(wants(VMX_EXIT_XSETBV, 0));
	CHECK(wants(VMX_EXIT_TRIPLE_FAULT, 0));
	CHECK(wants(200, 0));            /* an exit reason nobody knows: L1's */
	CHECK(!wants(VMX_EXIT_EXTINT, 0));
	CHECK(!wants(VMX_EXIT_RDTSC, 0));
	SET(PROC_BASED_CTLS, (1u << 7) | (1u << 12));
	SET(PIN_BASED_CTLS, 1);
	CHECK(wants(VMX_EXIT_HLT, 0));
	CHECK(wants(VMX_EXIT_RDTSC, 0));
	CHECK(wants(VMX_EXIT_RDTSCP, 0));
	CHECK(wants(VMX_EXIT_EXTINT, 0));
	CHECK(!wants(VMX_EXIT_WBINVD, 0)); /* WBINVD exiting needs the secondary controls */
	SET(PROC_BASED_CTLS, (1u << 31));
	SET(PROC_BASED_CTLS2, 1u << 6);
	CHECK(wants(VMX_EXIT_WBINVD, 0));
}

TEST(io_bitmaps)
{
	reset();
	CHECK(!wants(VMX_EXIT_IO, 0x3f80000ull));
	SET(PROC_BASED_CTLS, 1u << 24); /* unconditional I/O */
	CHECK(wants(VMX_EXIT_IO, (0x3f8ull << 16)));
	SET(PROC_BASED_CTLS, (1u << 24) | (1u << 25)); /* bitmaps win over unconditional */
	SET(IO_BITMAP_A, 0x1000);
	SET(IO_BITMAP_B, 0x2000);
	CHECK(!wants(VMX_EXIT_IO, (0x3f8ull << 16)));
	ram[0x1000 + 0x3f9 / 8] |= 1 << (0x3f9 % 8);
	CHECK(!wants(VMX_EXIT_IO, (0x3f8ull << 16)));           /* 1-byte OUT to 0x3F8 */
	CHECK(wants(VMX_EXIT_IO, (0x3f8ull << 16) | 1));        /* 2 bytes touch 0x3F9 */
	ram[0x2000 + (0x8000 & 0x7fff) / 8] |= 1;
	CHECK(wants(VMX_EXIT_IO, (0x7fffull << 16) | 1));       /* 0x7FFF-0x8000: crosses into B */
	CHECK(wants(VMX_EXIT_IO, (0xffffull << 16) | 3));       /* wraps past 0xFFFF */
	SET(IO_BITMAP_A, 0x100000);                             /* outside L1 RAM: exits */
	CHECK(wants(VMX_EXIT_IO, (0x10ull << 16)));
}

TEST(msr_bitmaps)
{
	reset();
	struct vmx_exit_facts f = { .reason = VMX_EXIT_RDMSR, .msr = 0x10 };
	CHECK(vmx_l1_wants_exit(&v, &f, &mem)); /* no bitmaps: every MSR exits */
	SET(PROC_BASED_CTLS, 1u << 28);
	SET(MSR_BITMAP, 0x3000);
	CHECK(!vmx_l1_wants_exit(&v, &f, &mem));
	ram[0x3000 + 0x10 / 8] |= 1 << (0x10 % 8);
	CHECK(vmx_l1_wants_exit(&v, &f, &mem));
	f.reason = VMX_EXIT_WRMSR;
	CHECK(!vmx_l1_wants_exit(&v, &f, &mem));
	f.msr = 0xc0000080; /* EFER: write-high at byte 3072 */
	CHECK(!vmx_l1_wants_exit(&v, &f, &mem));
	ram[0x3000 + 3072 + 0x80 / 8] |= 1 << (0x80 % 8);
	CHECK(vmx_l1_wants_exit(&v, &f, &mem));
	f.reason = VMX_EXIT_RDMSR; /* read-high at 1024 is clear */
	CHECK(!vmx_l1_wants_exit(&v, &f, &mem));
	f.msr = 0x40000000; /* outside both ranges */
	CHECK(vmx_l1_wants_exit(&v, &f, &mem));
}

TEST(control_registers)
{
	reset();
	struct vmx_exit_facts f = { .reason = VMX_EXIT_CR_ACCESS, .qual = 0 /* MOV to CR0 */ };
	SET(CR0_GUEST_HOST_MASK, 0x80000001ull);
	SET(CR0_READ_SHADOW, 0x80000001ull);
	f.cr_value = 0x80000011ull; /* only ET changes: not owned by L1 */
	CHECK(!vmx_l1_wants_exit(&v, &f, &mem));
	f.cr_value = 0x00000011ull; /* clears PG, which L1 owns */
	CHECK(vmx_l1_wants_exit(&v, &f, &mem));
	f.qual = 4; /* MOV to CR4 */
	SET(CR4_GUEST_HOST_MASK, 0x2000);
	SET(CR4_READ_SHADOW, 0);
	f.cr_value = 0x20;
	CHECK(!vmx_l1_wants_exit(&v, &f, &mem));
	f.cr_value = 0x2020;
	CHECK(vmx_l1_wants_exit(&v, &f, &mem));
	/* CR3 loads: the target list. */
	f.qual = 3;
	f.cr_value = 0x5000;
	CHECK(!vmx_l1_wants_exit(&v, &f, &mem));
	SET(PROC_BASED_CTLS, 1u << 15);
	CHECK(vmx_l1_wants_exit(&v, &f, &mem));
	SET(CR3_TARGET_COUNT, 2);
	SET(CR3_TARGET1, 0x5000);
	CHECK(!vmx_l1_wants_exit(&v, &f, &mem));
	SET(CR3_TARGET_COUNT, 1);
	CHECK(vmx_l1_wants_exit(&v, &f, &mem));
	/* MOV from CR3 with CR3-store exiting off. */
	f.qual = 3 | (1u << 4);
	CHECK(!vmx_l1_wants_exit(&v, &f, &mem));
	/* CLTS: only with TS owned and set in the shadow. */
	f.qual = 2u << 4;
	CHECK(!vmx_l1_wants_exit(&v, &f, &mem));
	SET(CR0_GUEST_HOST_MASK, 0x8);
	SET(CR0_READ_SHADOW, 0x8);
	CHECK(vmx_l1_wants_exit(&v, &f, &mem));
	/* LMSW setting PE that L1 owns and shadows as clear. */
	SET(CR0_GUEST_HOST_MASK, 0x1);
	SET(CR0_READ_SHADOW, 0x0);
	f.qual = (3u << 4) | (1ull << 16);
	CHECK(vmx_l1_wants_exit(&v, &f, &mem));
	SET(CR0_READ_SHADOW, 0x1);
	f.qual = (3u << 4) | (0ull << 16); /* LMSW cannot clear PE: no exit */
	CHECK(!vmx_l1_wants_exit(&v, &f, &mem));
}

TEST(exceptions_and_nmi)
{
	reset();
	struct vmx_exit_facts f = { .reason = VMX_EXIT_EXCEPTION_NMI, .intr_info = (1u << 31) | (3u << 8) | 6 };
	CHECK(!vmx_l1_wants_exit(&v, &f, &mem));
	SET(EXCEPTION_BITMAP, 1u << 6);
	CHECK(vmx_l1_wants_exit(&v, &f, &mem));
	/* #PF: not-present writes only (bit 14, MASK 3, MATCH 2). */
	f.intr_info = (1u << 31) | (1u << 11) | (3u << 8) | 14;
	SET(EXCEPTION_BITMAP, 1u << 14);
	SET(PF_ERROR_CODE_MASK, 3);
	SET(PF_ERROR_CODE_MATCH, 2);
	f.intr_error = 2;
	CHECK(vmx_l1_wants_exit(&v, &f, &mem));
	f.intr_error = 3;
	CHECK(!vmx_l1_wants_exit(&v, &f, &mem));
	/* NMI: NMI exiting. */
	f.intr_info = (1u << 31) | (2u << 8) | 2;
	CHECK(!vmx_l1_wants_exit(&v, &f, &mem));
	SET(PIN_BASED_CTLS, 1u << 3);
	CHECK(vmx_l1_wants_exit(&v, &f, &mem));
}

TEST_MAIN()

/* test_vmx_entry_checks - VM-entry checks on controls (error 7) and host
 * state (error 8): a VMCS12 as a 64-bit L1 sets it up passes; each
 * single broken field fails with the right error and rule. */
#include "tests/host/check.h"

#include "hv/vmx/vmcs_fields.h"
#include "nested/vmx_entry_checks.h"
#include "tests/host/vmx_caps_fixture.h"


static struct vmx_caps hc;
static struct vmx_l1_caps caps;
static struct vmx_entry_ctx ctx;

static void good(struct vmcs12 *v)
{
	vmx_entry_fixture(&hc, &caps, &ctx);
	memset(v, 0, sizeof(*v));
	v->revision = VMCS12_REVISION;
#define SET(name, val) v->field[VMCS12_##name] = (val)
	SET(PIN_BASED_CTLS, 0x16 | 1 | 8 | 0x20);
	SET(PROC_BASED_CTLS, 0x04006172 | (1u << 7) | (1u << 25) | (1u << 28) | (1u << 31));
	SET(PROC_BASED_CTLS2, (1u << 1) | (1u << 5) | (1u << 7));
	SET(VPID, 1);
	SET(EPT_POINTER, 0x123000 | (3 << 3) | 6);
	SET(IO_BITMAP_A, 0x10000);
	SET(IO_BITMAP_B, 0x11000);
	SET(MSR_BITMAP, 0x12000);
	SET(EXIT_CTLS, 0x36dfb | (1u << 9) | (1u << 15) | (1u << 21));
	SET(ENTRY_CTLS, 0x11fb | (1u << 9) | (1u << 15));
	SET(HOST_CR0, 0x80050033);
	SET(HOST_CR3, 0x1000);
	SET(HOST_CR4, 0x2020);
	SET(HOST_IA32_EFER, 0xd01);
	SET(HOST_CS_SEL, 0x08);
	SET(HOST_SS_SEL, 0x10);
	SET(HOST_TR_SEL, 0x18);
	SET(HOST_RIP, 0xffffffff80001000ull);
	SET(HOST_GDTR_BASE, 0xffffffff80100000ull);
	SET(GUEST_CR0, 0x80000031);
#undef SET
}

TEST(a_good_vmcs12_passes)
{
	struct vmcs12 v;
	good(&v);
	struct vmx_check_result r = vmx_check_controls(&v, &ctx);
	CHECK_EQ(r.error, 0);
	if (r.what)
		printf("     unexpected: %s\n", r.what);
	r = vmx_check_host_state(&v, &ctx);
	CHECK_EQ(r.error, 0);
	if (r.what)
		printf("     unexpected: %s\n", r.what);
}

struct breakage {
	enum vmcs12_index field;
	uint64_t value;
	int error;
	const char *what_starts;
};

static const struct breakage breakages[] = {
	{ VMCS12_PIN_BASED_CTLS, 0x16 | 1 | 8 | (1u << 7), 7, "pin-based" },     /* posted interrupts: not offered */
	{ VMCS12_PIN_BASED_CTLS, 0x06 | 1 | 8 | 0x20, 7, "pin-based" },          /* default1 bit 4 clear */
	{ VMCS12_PIN_BASED_CTLS, 0x16 | 1 | 0x20, 7, "virtual NMIs" },
	{ VMCS12_PROC_BASED_CTLS, 0x04006172 | (1u << 21) | (1u << 31), 7, "primary" }, /* TPR shadow */
	{ VMCS12_PROC_BASED_CTLS2, (1u << 1) | (1u << 5) | (1u << 7) | (1u << 14), 7, "secondary" },
	{ VMCS12_PROC_BASED_CTLS2, (1u << 5) | (1u << 7), 7, "unrestricted" },
	{ VMCS12_CR3_TARGET_COUNT, 5, 7, "CR3-target" },
	{ VMCS12_IO_BITMAP_B, 0x11008, 7, "I/O-bitmap" },
	{ VMCS12_IO_BITMAP_A, 1ull << 39, 7, "I/O-bitmap" },
	{ VMCS12_MSR_BITMAP, 0x12800, 7, "MSR-bitmap" },
	{ VMCS12_VPID, 0, 7, "enable VPID" },
	{ VMCS12_EPT_POINTER, 0x123000 | (3 << 3) | 1, 7, "EPT pointer" },        /* WC type */
	{ VMCS12_EPT_POINTER, 0x123000 | (4 << 3) | 6, 7, "EPT pointer" },        /* 5-level */
	{ VMCS12_EPT_POINTER, 0x123000 | (1 << 6) | (3 << 3) | 6, 7, "EPT pointer" }, /* A/D not offered */
	{ VMCS12_EPT_POINTER, 0x123000 | (1 << 7) | (3 << 3) | 6, 7, "EPT pointer" }, /* reserved */
	{ VMCS12_EXIT_CTLS, 0x36dfb | (1u << 9) | (1u << 22), 7, "VM-exit controls" },
	{ VMCS12_EXIT_MSR_STORE_COUNT, 1, 7, "VM-exit MSR-store" }, /* with address 8 below */
	{ VMCS12_ENTRY_CTLS, 0x11fb | (1u << 9) | (1u << 13), 7, "VM-entry controls" },
	{ VMCS12_ENTRY_CTLS, 0x11fb | (1u << 9) | (1u << 10), 7, "VM-entry controls" },
	{ VMCS12_ENTRY_INTR_INFO, (1u << 31) | (1u << 8) | 32, 7, "VM-entry interruption" },
	{ VMCS12_ENTRY_INTR_INFO, (1u << 31) | (2u << 8) | 3, 7, "VM-entry interruption" },
	{ VMCS12_ENTRY_INTR_INFO, (1u << 31) | (3u << 8) | 32, 7, "VM-entry interruption" },
	{ VMCS12_ENTRY_INTR_INFO, (1u << 31) | (3u << 8) | 13, 7, "VM-entry interruption" }, /* #GP without code */
	{ VMCS12_ENTRY_INTR_INFO, (1u << 31) | (1u << 11) | (3u << 8) | 6, 7, "VM-entry interruption" },
	{ VMCS12_ENTRY_INTR_INFO, (1u << 31) | (1u << 12) | (3u << 8) | 6, 7, "VM-entry interruption" },
	{ VMCS12_ENTRY_INTR_INFO, (1u << 31) | (4u << 8) | 0x80, 7, "VM-entry instruction length" },
	{ VMCS12_HOST_CR0, 0x80050032, 8, "host CR0" },
	{ VMCS12_HOST_CR0, 0x180050033ull, 8, "host CR0" },
	{ VMCS12_HOST_CR4, 0x0020, 8, "host CR4" },
	{ VMCS12_HOST_CR3, 1ull << 39, 8, "host CR3" },
	{ VMCS12_HOST_SYSENTER_EIP, 0x0000800000000000ull, 8, "host IA32_SYSENTER" },
	{ VMCS12_HOST_IA32_EFER, 0x901, 8, "host IA32_EFER: LMA" }, /* LMA clear */
	{ VMCS12_HOST_IA32_EFER, 0xd01 | (1u << 12), 8, "host IA32_EFER: reserved" },
	{ VMCS12_HOST_DS_SEL, 0x13, 8, "host selector" },
	{ VMCS12_HOST_TR_SEL, 0, 8, "host CS or TR" },
	{ VMCS12_HOST_GS_BASE, 0x0000900000000000ull, 8, "host FS/GS" },
	{ VMCS12_HOST_RIP, 0x0000800000000000ull, 8, "64-bit host" },
	{ VMCS12_HOST_CR4, 0x2000, 8, "64-bit host" },
};

TEST(each_broken_field_fails_with_its_rule)
{
	for (unsigned i = 0; i < sizeof(breakages) / sizeof(breakages[0]); i++) {
		const struct breakage *b = &breakages[i];
		struct vmcs12 v;
		good(&v);
		v.field[b->field] = b->value;
		if (b->field == VMCS12_EXIT_MSR_STORE_COUNT)
			v.field[VMCS12_EXIT_MSR_STORE_ADDR] = 0x20008;
		struct vmx_check_result r = vmx_check_controls(&v, &ctx);
		if (!r.error)
			r = vmx_check_host_state(&v, &ctx);
		CHECK_EQ(r.error, b->error);
		if (!r.what || strncmp(r.what, b->what_starts, strlen(b->what_starts))) {
			printf("     breakage %u: got \"%s\", want \"%s...\"\n", i, r.what ? r.what : "(none)",
			       b->what_starts);
			CHECK(0);
		}
	}
}

TEST(error_codes_follow_the_event)
{
	struct vmcs12 v;
	good(&v);
	/* #PF with an error code: fine; with bits 31:16 of the code set: not. */
	v.field[VMCS12_ENTRY_INTR_INFO] = (1u << 31) | (1u << 11) | (3u << 8) | 14;
	v.field[VMCS12_ENTRY_EXCEPTION_ERROR_CODE] = 0x2;
	CHECK_EQ(vmx_check_controls(&v, &ctx).error, 0);
	v.field[VMCS12_ENTRY_EXCEPTION_ERROR_CODE] = 0x10002;
	CHECK_EQ(vmx_check_controls(&v, &ctx).error, 7);
	/* Unrestricted guest in real mode (CR0.PE = 0): no error code even
	 * for #GP; with one it fails. */
	v.field[VMCS12_GUEST_CR0] = 0x30;
	v.field[VMCS12_ENTRY_INTR_INFO] = (1u << 31) | (3u << 8) | 13;
	CHECK_EQ(vmx_check_controls(&v, &ctx).error, 0);
	v.field[VMCS12_ENTRY_INTR_INFO] |= 1u << 11;
	CHECK_EQ(vmx_check_controls(&v, &ctx).error, 7);
	/* INT n with a length of 2 is fine. */
	v.field[VMCS12_ENTRY_INTR_INFO] = (1u << 31) | (4u << 8) | 0x80;
	v.field[VMCS12_ENTRY_INSTRUCTION_LEN] = 2;
	CHECK_EQ(vmx_check_controls(&v, &ctx).error, 0);
}

TEST(address_space_size_follows_l1_mode)
{
	struct vmcs12 v;
	good(&v);
	ctx.l1_long_mode = false;
	CHECK_EQ(vmx_check_host_state(&v, &ctx).error, 8);
	/* A 32-bit L1 with a 32-bit host and 32-bit guest passes. */
	v.field[VMCS12_EXIT_CTLS] &= ~(1ull << 9);
	v.field[VMCS12_ENTRY_CTLS] &= ~(1ull << 9);
	v.field[VMCS12_HOST_IA32_EFER] = 0;
	v.field[VMCS12_HOST_RIP] = 0x100000;
	v.field[VMCS12_HOST_GDTR_BASE] = 0x2000;
	CHECK_EQ(vmx_check_host_state(&v, &ctx).error, 0);
	v.field[VMCS12_HOST_SS_SEL] = 0;
	CHECK_EQ(vmx_check_host_state(&v, &ctx).error, 8);
}

TEST(helpers)
{
	CHECK(vmx_canonical(0x00007fffffffffffull));
	CHECK(vmx_canonical(0xffff800000000000ull));
	CHECK(!vmx_canonical(0x0000800000000000ull));
	CHECK(vmx_pat_valid(0x0007040600070406ull));
	CHECK(!vmx_pat_valid(0x0007040600070402ull));
	CHECK(!vmx_pat_valid(0x0807040600070406ull));
	CHECK(vmx_addr_fits((1ull << 39) - 1, 39));
	CHECK(!vmx_addr_fits(1ull << 39, 39));
}

TEST_MAIN()

/*
 * test_vmx_vmcs02.c - vmcs02 from L0's needs and VMCS12: controls OR-ed
 * or taken from their owner, bitmaps, #PF rule, CR masks and shadows,
 * TSC offset, entry-time EFER/PAT/debug registers, activity state, PAE
 * PDPTEs, guest-state copy (SDM 3C 25.6-25.8, 27.3).
 */
#include "tests/host/check.h"
#include "hv/vmx/vmx_arch.h"
#include "hv/x86/asm.h"
#include "nested/vmx_vmcs02.h"

#define F(name) VMCS12_F(&c12, name)
#define V(name) (v.val[VMCS12_##name])
#define SET(name) (v.set[VMCS12_##name])

static struct vmcs12 c12;
static struct vmx_l0_needs l0;
static struct vmcs02 v;

/* L0 as Nestor's VT-x backend runs a guest: external interrupts and NMIs,
 * HLT, I/O and MSR bitmaps, EPT and VPID, #MC; L1 a plain 64-bit L2. */
static void base(void)
{
	memset(&c12, 0, sizeof(c12));
	l0 = (struct vmx_l0_needs){
		.pin = PIN_EXTINT_EXITING | PIN_NMI_EXITING,
		.proc = PROC_HLT_EXITING | PROC_USE_IO_BITMAPS | PROC_USE_MSR_BITMAPS | PROC_SECONDARY,
		.proc2 = PROC2_EPT | PROC2_VPID | PROC2_RDTSCP,
		.exit = EXIT_CTL_HOST_64 | EXIT_CTL_SAVE_EFER | EXIT_CTL_LOAD_EFER,
		.entry = ENTRY_CTL_LOAD_EFER | ENTRY_CTL_LOAD_DEBUG,
		.exc_bitmap = 1u << 18, .cr0_mask = CR0_NE, .cr0_must1 = CR0_NE,
		.cr4_mask = CR4_VMXE, .cr4_must1 = CR4_VMXE,
		.tsc_offset = 1000, .vpid02 = 7, .eptp02 = 0x123005e,
		.msr_bitmap02 = 0x40000, .io_bitmap02_a = 0x41000, .io_bitmap02_b = 0x42000,
		.l1_efer = EFER_LME | EFER_LMA | (1u << 11) | 1u, .l1_pat = 0x0007040600070406ull,
		.l1_dr7 = 0x400, .l1_debugctl = 1,
	};
	F(PIN_BASED_CTLS) = PIN_EXTINT_EXITING;
	F(PROC_BASED_CTLS) = PROC_RDTSC_EXITING;
	F(ENTRY_CTLS) = ENTRY_CTL_IA32E | ENTRY_CTL_LOAD_EFER;
	F(GUEST_CR0) = CR0_PE | CR0_PG | CR0_NE | CR0_ET;
	F(GUEST_CR4) = CR4_PAE | CR4_VMXE;
	F(GUEST_IA32_EFER) = EFER_LME | EFER_LMA;
	F(GUEST_RIP) = 0x401000;
	F(GUEST_CS_AR) = 0xa09b;
	F(GUEST_CS_SEL) = 8;
	F(GUEST_GDTR_BASE) = 0x5000;
	F(VMCS_LINK_POINTER) = ~0ull;
	F(HOST_RIP) = 0xffff8000;
	F(EXIT_REASON) = 12;
}

static void build(void)
{
	vmx_vmcs02_build(&v, &c12, &l0);
}

TEST(exits_either_side_wants_are_taken)
{
	base();
	F(PIN_BASED_CTLS) = PIN_EXTINT_EXITING | PIN_VIRTUAL_NMIS | PIN_NMI_EXITING;
	F(PROC_BASED_CTLS) = PROC_RDTSC_EXITING | PROC_MONITOR_TRAP_FLAG | PROC_TSC_OFFSETTING;
	l0.proc_emulated = PROC_MONITOR_TRAP_FLAG; /* L0 emulates L1's MTF */
	build();
	CHECK_EQ(V(PIN_BASED_CTLS), PIN_EXTINT_EXITING | PIN_NMI_EXITING | PIN_VIRTUAL_NMIS);
	/* L1's MSR accesses all exit (no bitmaps in VMCS12): no bitmap. */
	CHECK_EQ(V(PROC_BASED_CTLS), PROC_HLT_EXITING | PROC_RDTSC_EXITING | PROC_TSC_OFFSETTING |
					     PROC_USE_IO_BITMAPS | PROC_SECONDARY);
	CHECK(!v.msr_bitmap_merged);
	CHECK(!SET(MSR_BITMAP));
	CHECK(v.io_bitmap_merged);
	CHECK_EQ(V(IO_BITMAP_A), 0x41000);
	CHECK_EQ(V(IO_BITMAP_B), 0x42000);
	/* Exit controls are L0's, entry controls L0's with L1's IA-32e. */
	CHECK_EQ(V(EXIT_CTLS), l0.exit);
	CHECK_EQ(V(ENTRY_CTLS), ENTRY_CTL_LOAD_EFER | ENTRY_CTL_LOAD_DEBUG | ENTRY_CTL_IA32E);
	F(ENTRY_CTLS) = 0;
	build();
	CHECK_EQ(V(ENTRY_CTLS), ENTRY_CTL_LOAD_EFER | ENTRY_CTL_LOAD_DEBUG);
}

TEST(secondary_controls_by_owner)
{
	base();
	/* L1 uses EPT and VPID but not RDTSCP: L2's RDTSCP must #UD. */
	F(PROC_BASED_CTLS) = PROC_SECONDARY;
	F(PROC_BASED_CTLS2) = PROC2_EPT | PROC2_VPID | PROC2_UNRESTRICTED | PROC2_WBINVD_EXITING;
	F(VPID) = 3;
	F(EPT_POINTER) = 0x9905e;
	build();
	CHECK_EQ(V(PROC_BASED_CTLS2), PROC2_EPT | PROC2_VPID | PROC2_UNRESTRICTED | PROC2_WBINVD_EXITING);
	CHECK_EQ(V(VPID), 7);
	CHECK_EQ(V(EPT_POINTER), 0x123005e);
	/* Secondary controls off in L1's primary: its secondary field is
	 * ignored (25.6.2); L1 not asking for RDTSCP disables it. */
	F(PROC_BASED_CTLS) = 0;
	F(PROC_BASED_CTLS2) = PROC2_RDTSCP | PROC2_WBINVD_EXITING;
	build();
	CHECK_EQ(V(PROC_BASED_CTLS2), PROC2_EPT | PROC2_VPID);
	CHECK(V(PROC_BASED_CTLS) & PROC_SECONDARY);
	F(PROC_BASED_CTLS) = PROC_SECONDARY;
	build();
	CHECK_EQ(V(PROC_BASED_CTLS2), PROC2_EPT | PROC2_VPID | PROC2_RDTSCP | PROC2_WBINVD_EXITING);
}

TEST(io_and_msr_bitmap_controls)
{
	static const struct {
		uint32_t l0, l1, want;
		bool merged;
	} t[] = {
		{ 0, 0, 0, false },
		{ 0, PROC_UNCOND_IO_EXITING, PROC_UNCOND_IO_EXITING, false },
		{ PROC_UNCOND_IO_EXITING, 0, PROC_UNCOND_IO_EXITING, false },
		{ 0, PROC_USE_IO_BITMAPS, PROC_USE_IO_BITMAPS, true },
		{ PROC_UNCOND_IO_EXITING, PROC_USE_IO_BITMAPS, PROC_USE_IO_BITMAPS, true },
		{ PROC_USE_IO_BITMAPS, PROC_UNCOND_IO_EXITING, PROC_USE_IO_BITMAPS, true },
		{ PROC_USE_IO_BITMAPS, PROC_USE_IO_BITMAPS | PROC_UNCOND_IO_EXITING,
		  PROC_USE_IO_BITMAPS, true },
	};
	for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		base();
		l0.proc = (l0.proc & ~(uint32_t)(PROC_USE_IO_BITMAPS)) | t[i].l0;
		F(PROC_BASED_CTLS) = t[i].l1 | PROC_USE_MSR_BITMAPS;
		build();
		CHECK_EQ(V(PROC_BASED_CTLS) & (PROC_USE_IO_BITMAPS | PROC_UNCOND_IO_EXITING), t[i].want);
		CHECK_EQ(v.io_bitmap_merged, t[i].merged);
		CHECK_EQ(SET(IO_BITMAP_A), t[i].merged);
		CHECK(v.msr_bitmap_merged);
		CHECK_EQ(V(MSR_BITMAP), 0x40000);
	}
	base();
	l0.proc &= ~(uint32_t)PROC_USE_MSR_BITMAPS;
	F(PROC_BASED_CTLS) = PROC_USE_MSR_BITMAPS;
	build();
	CHECK(!(V(PROC_BASED_CTLS) & PROC_USE_MSR_BITMAPS));
}

TEST(bitmap02_is_the_or)
{
	uint8_t a[4] = { 0x01, 0x00, 0x80, 0x00 }, b[4] = { 0x10, 0x00, 0x80, 0x02 }, d[4];

	vmx_bitmap02(d, a, b, 4, false);
	CHECK_EQ(d[0], 0x11);
	CHECK_EQ(d[1], 0);
	CHECK_EQ(d[2], 0x80);
	CHECK_EQ(d[3], 0x02);
	vmx_bitmap02(d, a, NULL, 4, true);
	CHECK_EQ(d[1], 0xff);
	vmx_bitmap02(d, a, NULL, 4, false);
	CHECK_EQ(d[0], 0x01);
	CHECK_EQ(d[3], 0);
}

TEST(exception_bitmap_or_with_pf_rule_and_db_ac)
{
	base();
	F(EXCEPTION_BITMAP) = (1u << 13) | (1u << 14);
	F(PF_ERROR_CODE_MASK) = 1;
	F(PF_ERROR_CODE_MATCH) = 1;
	build();
	CHECK_EQ(V(EXCEPTION_BITMAP), (1u << 1) | (1u << 13) | (1u << 14) | (1u << 17) | (1u << 18));
	CHECK_EQ(V(PF_ERROR_CODE_MASK), 1);
	CHECK_EQ(V(PF_ERROR_CODE_MATCH), 1);
	/* L0 needs some #PFs too, with another rule: all exit. */
	l0.pf = (struct pf_rule){ true, 8, 8 };
	build();
	CHECK(V(EXCEPTION_BITMAP) & (1u << 14));
	CHECK_EQ(V(PF_ERROR_CODE_MASK), 0);
	CHECK_EQ(V(PF_ERROR_CODE_MATCH), 0);
	/* L1 stops intercepting #PF: L0's rule exactly. */
	F(EXCEPTION_BITMAP) = 0;
	F(PF_ERROR_CODE_MASK) = F(PF_ERROR_CODE_MATCH) = 0;
	build();
	CHECK_EQ(V(EXCEPTION_BITMAP), (1u << 1) | (1u << 14) | (1u << 17) | (1u << 18));
	CHECK_EQ(V(PF_ERROR_CODE_MASK), 8);
	CHECK_EQ(V(PF_ERROR_CODE_MATCH), 8);
}

TEST(cr_masks_and_shadows_composed)
{
	base();
	l0.cr0_mask = CR0_NE | CR0_WP; /* L0 owns WP too (say, for its own reasons) */
	F(CR0_GUEST_HOST_MASK) = CR0_TS | CR0_PE;
	F(CR0_READ_SHADOW) = CR0_PE; /* L1 makes L2 read TS = 0 */
	F(GUEST_CR0) = CR0_PE | CR0_PG | CR0_TS | CR0_WP | CR0_ET;
	build();
	CHECK_EQ(V(CR0_GUEST_HOST_MASK), CR0_NE | CR0_WP | CR0_TS | CR0_PE);
	/* L1's bits from L1's shadow, L0-only bits as L1 set L2's CR0. */
	CHECK_EQ(V(CR0_READ_SHADOW), CR0_PE | CR0_PG | CR0_WP | CR0_ET);
	/* NE needed by the CPU: set in the real CR0, L2 reads L1's 0. */
	CHECK_EQ(V(GUEST_CR0), CR0_PE | CR0_PG | CR0_TS | CR0_WP | CR0_ET | CR0_NE);
	F(GUEST_CR4) = CR4_PAE;
	F(CR4_GUEST_HOST_MASK) = 0;
	build();
	CHECK_EQ(V(GUEST_CR4), CR4_PAE | CR4_VMXE);
	CHECK_EQ(V(CR4_GUEST_HOST_MASK), CR4_VMXE);
	CHECK_EQ(V(CR4_READ_SHADOW), CR4_PAE);
}

TEST(tsc_offset_and_cr3_targets)
{
	base();
	F(TSC_OFFSET) = (uint64_t)-300;
	build();
	CHECK_EQ(V(TSC_OFFSET), 1000); /* L1 does not offset */
	F(PROC_BASED_CTLS) = PROC_TSC_OFFSETTING;
	build();
	CHECK_EQ(V(TSC_OFFSET), 700);
	F(CR3_TARGET_COUNT) = 2;
	F(CR3_TARGET1) = 0x7000;
	build();
	CHECK_EQ(V(CR3_TARGET_COUNT), 2);
	CHECK_EQ(V(CR3_TARGET1), 0x7000);
	l0.proc |= PROC_CR3_LOAD_EXITING;
	build();
	CHECK_EQ(V(CR3_TARGET_COUNT), 0);
}

TEST(entry_loaded_msrs_and_debug_registers)
{
	base();
	F(GUEST_DR7) = 0x401;
	F(GUEST_IA32_DEBUGCTL) = 2;
	F(GUEST_IA32_PAT) = 6;
	build();
	CHECK_EQ(V(GUEST_IA32_EFER), EFER_LME | EFER_LMA);
	CHECK_EQ(V(GUEST_DR7), 0x400); /* no "load debug controls": L1's */
	CHECK_EQ(V(GUEST_IA32_DEBUGCTL), 1);
	CHECK_EQ(V(GUEST_IA32_PAT), l0.l1_pat);
	F(ENTRY_CTLS) = ENTRY_CTL_LOAD_DEBUG | ENTRY_CTL_LOAD_PAT; /* 32-bit L2, L1's EFER */
	build();
	CHECK_EQ(V(GUEST_DR7), 0x401);
	CHECK_EQ(V(GUEST_IA32_DEBUGCTL), 2);
	CHECK_EQ(V(GUEST_IA32_PAT), 6);
	/* 27.3.2.1: LMA from IA-32e mode guest (0), LME too as CR0.PG = 1. */
	CHECK_EQ(V(GUEST_IA32_EFER), (1u << 11) | 1u);
	F(GUEST_CR0) = CR0_PE | CR0_NE; /* paging off: LME unchanged */
	build();
	CHECK_EQ(V(GUEST_IA32_EFER), EFER_LME | (1u << 11) | 1u);
	l0.l1_efer = 1;
	F(ENTRY_CTLS) = ENTRY_CTL_IA32E;
	F(GUEST_CR0) = CR0_PE | CR0_PG | CR0_NE;
	build();
	CHECK_EQ(V(GUEST_IA32_EFER), EFER_LME | EFER_LMA | 1u);
}

TEST(activity_state_emulated_not_copied)
{
	base();
	F(GUEST_ACTIVITY_STATE) = 1; /* HLT */
	build();
	CHECK_EQ(v.activity, VMCS02_HALTED);
	CHECK_EQ(V(GUEST_ACTIVITY_STATE), 0);
	CHECK(SET(GUEST_ACTIVITY_STATE));
	F(ENTRY_INTR_INFO) = INTR_INFO_VALID | 0x30;
	F(ENTRY_INSTRUCTION_LEN) = 2;
	build();
	CHECK_EQ(v.activity, VMCS02_RUN);
	CHECK_EQ(V(ENTRY_INTR_INFO), INTR_INFO_VALID | 0x30);
	CHECK_EQ(V(ENTRY_INSTRUCTION_LEN), 2);
	F(GUEST_ACTIVITY_STATE) = 2;
	build();
	CHECK_EQ(v.activity, VMCS02_SHUTDOWN);
	F(GUEST_ACTIVITY_STATE) = 3;
	build();
	CHECK_EQ(v.activity, VMCS02_WAIT_SIPI);
	CHECK_EQ(V(GUEST_ACTIVITY_STATE), 0);
}

TEST(guest_state_copied_host_and_exit_info_not)
{
	base();
	F(GUEST_INTERRUPTIBILITY) = 1;
	F(PREEMPTION_TIMER_VALUE) = 99;
	build();
	CHECK_EQ(V(GUEST_RIP), 0x401000);
	CHECK_EQ(V(GUEST_CS_AR), 0xa09b);
	CHECK_EQ(V(GUEST_CS_SEL), 8);
	CHECK_EQ(V(GUEST_GDTR_BASE), 0x5000);
	CHECK_EQ(V(GUEST_INTERRUPTIBILITY), 1);
	CHECK_EQ(V(VMCS_LINK_POINTER), ~0ull);
	CHECK(!SET(HOST_RIP));
	CHECK(!SET(EXIT_REASON));
	CHECK(!SET(GUEST_PHYSICAL_ADDRESS));
	CHECK(!SET(PREEMPTION_TIMER_VALUE));
	for (unsigned i = 0; i < VMCS12_NFIELDS; i++)
		if (vmcs_field_type(vmcs12_encoding(i)) == VMCS_T_HOST ||
		    vmcs_field_type(vmcs12_encoding(i)) == VMCS_T_EXIT_INFO)
			CHECK(!v.set[i]);
	F(PIN_BASED_CTLS) |= PIN_PREEMPTION_TIMER;
	build();
	CHECK_EQ(V(PREEMPTION_TIMER_VALUE), 99);
}

TEST(pae_pdptes_from_vmcs12_only_with_l1_ept)
{
	base();
	F(ENTRY_CTLS) = 0; /* PAE L2: CR0.PG, CR4.PAE, not IA-32e */
	F(GUEST_PDPTE2) = 0x8001;
	build();
	CHECK(v.pdptes_from_cr3);
	CHECK(!SET(GUEST_PDPTE2));
	F(PROC_BASED_CTLS) = PROC_SECONDARY;
	F(PROC_BASED_CTLS2) = PROC2_EPT;
	build();
	CHECK(!v.pdptes_from_cr3);
	CHECK(SET(GUEST_PDPTE2));
	CHECK_EQ(V(GUEST_PDPTE2), 0x8001);
	F(ENTRY_CTLS) = ENTRY_CTL_IA32E; /* 64-bit: no PDPTEs to load */
	F(PROC_BASED_CTLS) = 0;
	build();
	CHECK(!v.pdptes_from_cr3);
}

TEST_MAIN()

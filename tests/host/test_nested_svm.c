/*
 * test_nested_svm.c - the pure parts of nested SVM against AMD APM Vol 2:
 * VMCB12 copy/check/sanitise (15.5.1, 15.20, 15.21.1, table B-1), the two
 * reflection questions (appendix C, 15.10, 15.11), intercept and
 * permission-map merging, and the #NPF EXITINFO1 L1 receives (15.25.6).
 */
#include "tests/host/check.h"

#include "hv/x86/asm.h"
#include "mm/walk.h"
#include "nested/reflect.h"
#include "nested/svm_npt.h"
#include "nested/svm_reflect.h"
#include "nested/svm_vmcb12.h"
#include "npt/npt_fmt.h"

static const struct svm_nested_caps CAPS = {
	.maxphyaddr = 40, .long_mode = true, .npt = true, .vmcb_clean = false,
	.cr4_allowed = 0x3706ff, /* VME..PCE, OSFXSR, OSXMMEXCPT, FSGSBASE, SMEP, SMAP... */
	.efer_allowed = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE | EFER_SVME,
};

/* A VMCB12 that passes: 64-bit L2, the VMRUN intercept, ASID 1. */
static struct vmcb *good(void)
{
	static struct vmcb v;
	memset(&v, 0, sizeof(v));
	v.save.efer = EFER_SVME | EFER_LME | EFER_LMA | EFER_NXE;
	v.save.cr0 = CR0_PE | CR0_PG | CR0_ET | CR0_NE;
	v.save.cr4 = CR4_PAE;
	v.save.cr3 = 0x12345000;
	v.save.cs.attrib = 0x29b; /* L=1, D=0 */
	v.save.dr6 = 0xffff0ff0;
	v.save.dr7 = 0x400;
	v.control.intercept_misc2 = SVM_INTERCEPT2_VMRUN;
	v.control.asid = 1;
	v.control.iopm_base_pa = 0x100000;
	v.control.msrpm_base_pa = 0x104000;
	return &v;
}

static enum vmcb12_check chk(const struct vmcb *v) { return svm_vmcb12_check(v, &CAPS); }

TEST(vmcb12_good_passes)
{
	CHECK_EQ(chk(good()), VMCB12_OK);
	struct vmcb *v = good(); /* 32-bit protected mode, paging off */
	v->save.efer = EFER_SVME;
	v->save.cr0 = CR0_PE;
	v->save.cr4 = 0;
	v->save.cs.attrib = 0xc9b; /* D=1, L=0 */
	CHECK_EQ(chk(v), VMCB12_OK);
}

TEST(vmcb12_each_save_area_check)
{
	struct vmcb *v;
	v = good(); v->save.efer &= ~(uint64_t)EFER_SVME; CHECK_EQ(chk(v), VMCB12_EFER_SVME);
	v = good(); v->save.cr0 |= CR0_NW; CHECK_EQ(chk(v), VMCB12_CR0_NW_NOT_CD);
	v = good(); v->save.cr0 |= CR0_NW | CR0_CD; CHECK_EQ(chk(v), VMCB12_OK);
	v = good(); v->save.cr0 |= CR0_CD; CHECK_EQ(chk(v), VMCB12_OK);
	v = good(); v->save.cr0 |= 1ull << 32; CHECK_EQ(chk(v), VMCB12_CR0_HIGH);
	v = good(); v->save.cr0 |= 1ull << 63; CHECK_EQ(chk(v), VMCB12_CR0_HIGH);
	v = good(); v->save.cr3 |= 1ull << 40; CHECK_EQ(chk(v), VMCB12_CR3_MBZ);
	v = good(); v->save.cr3 |= 1ull << 39; CHECK_EQ(chk(v), VMCB12_OK);
	v = good(); v->save.cr4 |= 1ull << 13; CHECK_EQ(chk(v), VMCB12_CR4_MBZ); /* VMXE not offered */
	v = good(); v->save.cr4 |= 1ull << 11; CHECK_EQ(chk(v), VMCB12_CR4_MBZ); /* UMIP not offered */
	v = good(); v->save.dr6 |= 1ull << 32; CHECK_EQ(chk(v), VMCB12_DR6_HIGH);
	v = good(); v->save.dr7 |= 1ull << 40; CHECK_EQ(chk(v), VMCB12_DR7_HIGH);
	v = good(); v->save.efer |= 1ull << 14; CHECK_EQ(chk(v), VMCB12_EFER_MBZ); /* FFXSR */
	v = good(); v->save.efer |= 1ull << 1; CHECK_EQ(chk(v), VMCB12_EFER_MBZ);
	v = good(); v->save.cr4 &= ~CR4_PAE; CHECK_EQ(chk(v), VMCB12_LM_NO_PAE);
	v = good(); v->save.cr0 &= ~CR0_PE; CHECK_EQ(chk(v), VMCB12_LM_NO_PE);
	v = good(); v->save.cs.attrib |= 1u << 10; CHECK_EQ(chk(v), VMCB12_LM_CS_L_AND_D);
}

TEST(vmcb12_long_mode_rules_only_with_lme_and_pg)
{
	/* LME without PG (about to enable long mode): no PAE/PE/CS/CR3 rules. */
	struct vmcb *v = good();
	v->save.cr0 = CR0_PE;
	v->save.efer = EFER_SVME | EFER_LME;
	v->save.cr4 = 0;
	v->save.cs.attrib = 0xe9b; /* L and D */
	v->save.cr3 = 1ull << 45;
	CHECK_EQ(chk(v), VMCB12_OK);
	/* A CPU without long mode refuses LME and LMA. */
	struct svm_nested_caps c = CAPS;
	c.long_mode = false;
	CHECK_EQ(svm_vmcb12_check(v, &c), VMCB12_NO_LONG_MODE);
	v->save.efer = EFER_SVME | EFER_LMA;
	CHECK_EQ(svm_vmcb12_check(v, &c), VMCB12_NO_LONG_MODE);
}

TEST(vmcb12_each_control_area_check)
{
	struct vmcb *v;
	v = good(); v->control.intercept_misc2 = 0; CHECK_EQ(chk(v), VMCB12_NO_VMRUN_INTERCEPT);
	v = good(); v->control.intercept_misc2 = ~SVM_INTERCEPT2_VMRUN; CHECK_EQ(chk(v), VMCB12_NO_VMRUN_INTERCEPT);
	v = good(); v->control.asid = 0; CHECK_EQ(chk(v), VMCB12_ASID_ZERO);
	v = good(); v->control.eventinj = SVM_EVENT_VALID | (1u << 8) | 32; CHECK_EQ(chk(v), VMCB12_EVENTINJ);
	struct svm_nested_caps c = CAPS;
	c.npt = false;
	v = good(); v->control.np_enable = 1;
	CHECK_EQ(svm_vmcb12_check(v, &c), VMCB12_NP_NOT_OFFERED);
	CHECK_EQ(chk(v), VMCB12_OK);
	/* Every TLB_CONTROL value is accepted (not stricter than hardware). */
	for (unsigned t = 0; t < 256; t++) {
		v = good();
		v->control.tlb_control = (uint8_t)t;
		CHECK_EQ(chk(v), VMCB12_OK);
	}
}

/* The whole map must lie below 2^MAXPHYADDR; bits 11:0 of the base are ignored. */
TEST(vmcb12_permission_maps_whole_range)
{
	const uint64_t lim = 1ull << 40;
	struct vmcb *v;
	v = good(); v->control.msrpm_base_pa = lim - SVM_MSRPM_SIZE; CHECK_EQ(chk(v), VMCB12_OK);
	v = good(); v->control.msrpm_base_pa = lim - SVM_MSRPM_SIZE + 0xfff; CHECK_EQ(chk(v), VMCB12_OK);
	v = good(); v->control.msrpm_base_pa = lim - SVM_MSRPM_SIZE + 0x1000; CHECK_EQ(chk(v), VMCB12_MSRPM_RANGE);
	v = good(); v->control.msrpm_base_pa = lim - 0x1000; CHECK_EQ(chk(v), VMCB12_MSRPM_RANGE);
	v = good(); v->control.msrpm_base_pa = lim; CHECK_EQ(chk(v), VMCB12_MSRPM_RANGE);
	v = good(); v->control.msrpm_base_pa = ~0ull; CHECK_EQ(chk(v), VMCB12_MSRPM_RANGE);
	v = good(); v->control.iopm_base_pa = lim - SVM_IOPM_SIZE; CHECK_EQ(chk(v), VMCB12_OK);
	/* 8 KiB below the limit holds the port bits but not the third page. */
	v = good(); v->control.iopm_base_pa = lim - 0x2000; CHECK_EQ(chk(v), VMCB12_IOPM_RANGE);
	v = good(); v->control.iopm_base_pa = ~0ull - 0x1000; CHECK_EQ(chk(v), VMCB12_IOPM_RANGE);
	v = good(); v->control.iopm_base_pa = 1ull << 63; CHECK_EQ(chk(v), VMCB12_IOPM_RANGE);
}

TEST(eventinj_legality_table)
{
	struct { uint64_t ev; bool ok; } t[] = {
		{ 0, true },
		{ 0xffffffff7fffffffull, true },            /* V clear: anything */
		{ SVM_EVENT_VALID | 0x20, true },           /* INTR 32 */
		{ SVM_EVENT_VALID | (1u << 8) | 0x20, false }, /* type 1 reserved */
		{ SVM_EVENT_VALID | (2u << 8) | 0x77, true },  /* NMI: vector ignored */
		{ SVM_EVENT_VALID | (3u << 8) | 14 | SVM_EVENT_ERROR_VALID, true },
		{ SVM_EVENT_VALID | (3u << 8) | 2, false },    /* exception with NMI's vector */
		{ SVM_EVENT_VALID | (3u << 8) | 31, true },
		{ SVM_EVENT_VALID | (3u << 8) | 32, false },
		{ SVM_EVENT_VALID | (4u << 8) | 0x80, true },  /* INT 0x80 */
		{ SVM_EVENT_VALID | (5u << 8) | 1, false },
		{ SVM_EVENT_VALID | (6u << 8) | 3, false },
		{ SVM_EVENT_VALID | (7u << 8) | 3, false },
	};
	for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (svm_eventinj_legal(t[i].ev) != t[i].ok)
			CHECK_FAIL_AT(__FILE__, __LINE__, "EVENTINJ %#llx: expected %s", (unsigned long long)t[i].ev,
				      t[i].ok ? "legal" : "illegal");
}

TEST(vmcb12_copy_is_exact)
{
	static struct vmcb src, dst;
	for (unsigned i = 0; i < sizeof(src); i++)
		((uint8_t *)&src)[i] = (uint8_t)(i * 7 + 3);
	memset(&dst, 0, sizeof(dst));
	svm_vmcb12_copy(&dst, &src);
	CHECK(memcmp(&src, &dst, SVM_VMCB12_CONTROL_BYTES) == 0);
	CHECK(memcmp(&src.save, &dst.save, SVM_VMCB12_SAVE_BYTES) == 0);
	CHECK_EQ(dst.save.g_pat, src.save.g_pat); /* the last field VMRUN reads */
	CHECK_EQ(((uint8_t *)&dst)[0x100], 0);    /* reserved: not copied */
	CHECK_EQ(((uint8_t *)&dst)[0x680], 0);
}

TEST(sanitise_int_ctl_and_features_not_offered)
{
	struct vmcb *v = good();
	v->control.vintr = ~0ull;            /* AVIC, vGIF, vNMI... all set */
	v->control.np_enable = ~0ull;        /* SEV, SEV-ES, GMET... */
	v->control.lbr_virt = 3;             /* LBRV + virtual VMLOAD/VMSAVE */
	v->control.avic_apic_bar = 0xfee00000;
	v->control.ghcb_pa = 0x1000;
	v->control.pause_filter_count = 100;
	v->control.pause_filter_threshold = 5;
	v->control.interrupt_shadow = 3;
	v->control.clean_bits = ~0u;
	v->control.eventinj = SVM_EVENT_VALID | 0x7ffff000ull | 0x30 | (5ull << 32);
	v->control.exitcode = 0x72;
	v->control.exitintinfo = SVM_EVENT_VALID;
	v->control.next_rip = 0x1234;
	v->control.intercept_misc1 = SVM_INTERCEPT1_CPUID;
	svm_vmcb12_sanitise(v, &CAPS);
	CHECK_EQ(v->control.vintr, 0xff011f010full);
	CHECK_EQ(v->control.vintr & (1ull << 9 | 1ull << 11 | 1ull << 12 | 1ull << 25 | 1ull << 26 | 1ull << 31), 0);
	CHECK_EQ(v->control.np_enable, 1);
	CHECK_EQ(v->control.lbr_virt, 0);
	CHECK_EQ(v->control.avic_apic_bar, 0);
	CHECK_EQ(v->control.ghcb_pa, 0);
	CHECK_EQ(v->control.pause_filter_count, 0);
	CHECK_EQ(v->control.pause_filter_threshold, 0);
	CHECK_EQ(v->control.interrupt_shadow, 1);
	CHECK_EQ(v->control.clean_bits, 0);
	CHECK_EQ(v->control.eventinj, SVM_EVENT_VALID | 0x30 | (5ull << 32));
	CHECK_EQ(v->control.exitcode, 0);
	CHECK_EQ(v->control.exitintinfo, 0);
	CHECK_EQ(v->control.next_rip, 0x1234); /* NRIPS soft-interrupt injection input */
	CHECK_EQ(v->control.intercept_misc1, SVM_INTERCEPT1_CPUID);
	/* Clean bits are kept when offered; NP dropped when not. */
	struct svm_nested_caps c = CAPS;
	c.vmcb_clean = true;
	c.npt = false;
	v = good();
	v->control.clean_bits = 0x5;
	v->control.np_enable = 1;
	svm_vmcb12_sanitise(v, &c);
	CHECK_EQ(v->control.clean_bits, 5);
	CHECK_EQ(v->control.np_enable, 0);
}

/* ---- reflection ---------------------------------------------------------- */

static uint8_t L1MEM[0x10000];
static const struct walk_mem MEM = { .direct = L1MEM, .direct_size = sizeof(L1MEM) };
#define IOPM 0x1000
#define MSRPM 0x8000

static struct svm_l1_intercepts l1i(uint32_t misc1, uint32_t misc2)
{
	struct vmcb_control c = { 0 };
	struct svm_l1_intercepts i;
	c.intercept_misc1 = misc1;
	c.intercept_misc2 = misc2 | SVM_INTERCEPT2_VMRUN;
	c.iopm_base_pa = IOPM | 0xabc; /* low bits ignored */
	c.msrpm_base_pa = MSRPM | 0x123;
	svm_l1_intercepts_from(&i, &c);
	return i;
}

static bool wants(const struct svm_l1_intercepts *i, uint64_t code, uint64_t info1, uint32_t msr)
{
	struct svm_l2_exit x = { .exitcode = code, .exitinfo1 = info1, .msr = msr };
	return svm_l1_wants(i, &x, &MEM);
}

TEST(l1_wants_follows_intercept_vectors)
{
	struct svm_l1_intercepts none = l1i(0, 0);
	struct svm_l1_intercepts all = l1i(SVM_INTERCEPT1_CPUID | SVM_INTERCEPT1_HLT | SVM_INTERCEPT1_SHUTDOWN,
					   SVM_INTERCEPT2_VMMCALL | SVM_INTERCEPT2_RDTSCP);
	CHECK(!wants(&none, SVM_EXIT_CPUID, 0, 0));
	CHECK(wants(&all, SVM_EXIT_CPUID, 0, 0));
	CHECK(!wants(&none, SVM_EXIT_HLT, 0, 0));
	CHECK(wants(&all, SVM_EXIT_HLT, 0, 0));
	CHECK(wants(&all, SVM_EXIT_VMMCALL, 0, 0));
	CHECK(!wants(&none, SVM_EXIT_VMMCALL, 0, 0));
	CHECK(wants(&none, SVM_EXIT_VMRUN, 0, 0)); /* always set by the checks */
	CHECK(wants(&all, SVM_EXIT_RDTSCP, 0, 0));
	CHECK(!wants(&none, SVM_EXIT_RDTSCP, 0, 0));
	CHECK(wants(&all, SVM_EXIT_SHUTDOWN, 0, 0));
	CHECK(!wants(&none, SVM_EXIT_SHUTDOWN, 0, 0));
	CHECK(wants(&none, SVM_EXIT_INVALID, 0, 0));
	CHECK(wants(&none, 0xffffffffull, 0, 0)); /* -1 as QEMU writes it */
	/* Physical events are L0's even when L1 intercepts INTR/NMI. */
	struct svm_l1_intercepts intr = l1i(SVM_INTERCEPT1_INTR | SVM_INTERCEPT1_NMI | SVM_INTERCEPT1_SMI |
					    SVM_INTERCEPT1_INIT, 0);
	for (uint64_t c = SVM_EXIT_INTR; c <= SVM_EXIT_INIT; c++)
		CHECK(!wants(&intr, c, 0, 0));
	/* An exit code Nestor has no name for is still reflected by its bit. */
	struct svm_l1_intercepts x = l1i(1u << 30, 1u << 14);
	CHECK(wants(&x, 0x7e, 0, 0)); /* FERR_FREEZE */
	CHECK(wants(&x, 0x8e, 0, 0)); /* RDPRU */
	CHECK(!wants(&x, 0x8f, 0, 0));
	x.misc3 = 1u << 2;
	CHECK(wants(&x, 0xa2, 0, 0)); /* INVPCID */
	CHECK(!wants(&x, 0xa0, 0, 0));
	CHECK(!wants(&x, 0x401, 0, 0)); /* AVIC: not offered */
}

TEST(l1_wants_cr_dr_and_exceptions)
{
	struct svm_l1_intercepts i = l1i(0, 0);
	i.cr = (1u << 3) | (1u << (16 + 0)); /* CR3 reads, CR0 writes */
	i.dr = 1u << (16 + 7);
	i.exc = (1u << 14) | (1u << 1);
	CHECK(wants(&i, 0x03, 0, 0));
	CHECK(!wants(&i, 0x13, 0, 0));
	CHECK(wants(&i, 0x10, 0, 0));
	CHECK(!wants(&i, 0x00, 0, 0));
	CHECK(wants(&i, 0x37, 0, 0));
	CHECK(!wants(&i, 0x27, 0, 0));
	CHECK(wants(&i, SVM_EXIT_EXCP_BASE + 14, 0, 0));
	CHECK(wants(&i, SVM_EXIT_EXCP_BASE + 1, 0, 0));
	CHECK(!wants(&i, SVM_EXIT_EXCP_BASE + 17, 0, 0));
}

TEST(msrpm_bit_layout)
{
	CHECK_EQ(svm_msrpm_bit(0, false), 0);
	CHECK_EQ(svm_msrpm_bit(0, true), 1);
	CHECK_EQ(svm_msrpm_bit(0x10, true), 0x21);
	CHECK_EQ(svm_msrpm_bit(0x1fff, true), 0x3fff);
	CHECK_EQ(svm_msrpm_bit(0x2000, false), (uint64_t)-1);
	CHECK_EQ(svm_msrpm_bit(0xc0000080, false), 0x800 * 8 + 0x100);
	CHECK_EQ(svm_msrpm_bit(0xc0001fff, true), 0x1000 * 8 - 1);
	CHECK_EQ(svm_msrpm_bit(0xc0010117, true), 0x1000 * 8 + 0x117 * 2 + 1);
	CHECK_EQ(svm_msrpm_bit(0xc0012000, true), (uint64_t)-1);
	CHECK_EQ(svm_msrpm_bit(0xbfffffff, true), (uint64_t)-1);
	CHECK_EQ(svm_msrpm_bit(0x40000000, false), (uint64_t)-1);
}

TEST(l1_wants_msr_by_msrpm)
{
	memset(L1MEM, 0, sizeof(L1MEM));
	struct svm_l1_intercepts on = l1i(SVM_INTERCEPT1_MSR, 0), off = l1i(0, 0);
	/* Intercept writes of EFER (0xc0000080) and reads of 0x10 (TSC). */
	int32_t b = svm_msrpm_bit(0xc0000080, true);
	L1MEM[MSRPM + b / 8] |= (uint8_t)(1u << (b % 8));
	b = svm_msrpm_bit(0x10, false);
	L1MEM[MSRPM + b / 8] |= (uint8_t)(1u << (b % 8));
	CHECK(wants(&on, SVM_EXIT_MSR, 1, 0xc0000080));
	CHECK(!wants(&on, SVM_EXIT_MSR, 0, 0xc0000080));
	CHECK(wants(&on, SVM_EXIT_MSR, 0, 0x10));
	CHECK(!wants(&on, SVM_EXIT_MSR, 1, 0x10));
	CHECK(!wants(&on, SVM_EXIT_MSR, 0, 0xc0010117));
	CHECK(wants(&on, SVM_EXIT_MSR, 0, 0x40000000)); /* outside the map: intercepted */
	CHECK(!wants(&off, SVM_EXIT_MSR, 1, 0xc0000080)); /* MSR_PROT clear */
	CHECK(!wants(&off, SVM_EXIT_MSR, 0, 0x40000000));
	/* A map L1 placed where nothing is: intercepts. */
	struct svm_l1_intercepts far = on;
	far.msrpm_pa = 0x100000;
	CHECK(wants(&far, SVM_EXIT_MSR, 0, 0xc0010117));
}

static uint64_t ioio(uint16_t port, unsigned size, bool in)
{
	return ((uint64_t)port << SVM_IOIO_PORT_SHIFT) | ((uint64_t)size << SVM_IOIO_SIZE_SHIFT) | (in ? SVM_IOIO_IN : 0);
}

TEST(l1_wants_io_by_iopm_every_byte)
{
	memset(L1MEM, 0, sizeof(L1MEM));
	struct svm_l1_intercepts on = l1i(SVM_INTERCEPT1_IOIO, 0), off = l1i(0, 0);
	L1MEM[IOPM + 0x3f8 / 8] |= 1u << (0x3f9 % 8); /* port 0x3f9 */
	L1MEM[IOPM + 0x2000] |= 1u << 1;               /* bit 0x10001 (third page) */
	CHECK(!wants(&on, SVM_EXIT_IOIO, ioio(0x3f8, 1, false), 0));
	CHECK(wants(&on, SVM_EXIT_IOIO, ioio(0x3f9, 1, true), 0));
	CHECK(wants(&on, SVM_EXIT_IOIO, ioio(0x3f8, 2, false), 0)); /* 16-bit at 0x3f8 touches 0x3f9 */
	CHECK(wants(&on, SVM_EXIT_IOIO, ioio(0x3f6, 4, false), 0));
	CHECK(!wants(&on, SVM_EXIT_IOIO, ioio(0x3f5, 4, false), 0));
	CHECK(!wants(&on, SVM_EXIT_IOIO, ioio(0x3fa, 4, false), 0));
	CHECK(!wants(&on, SVM_EXIT_IOIO, ioio(0xffff, 2, false), 0)); /* bits 0xffff, 0x10000 */
	CHECK(wants(&on, SVM_EXIT_IOIO, ioio(0xfffe, 4, false), 0));  /* ... 0x10001 */
	CHECK(!wants(&off, SVM_EXIT_IOIO, ioio(0x3f9, 1, false), 0));
}

TEST(l1_wants_npf_only_for_its_own_table)
{
	struct svm_l1_intercepts np = l1i(0, 0), nonp = l1i(0, 0);
	np.np = true;
	struct svm_l2_exit x = { .exitcode = SVM_EXIT_NPF, .exitinfo1 = 0x100000004ull };
	x.tdp_origin = NESTED_TDP_L1;
	CHECK(svm_l1_wants(&np, &x, &MEM));
	CHECK(!svm_l1_wants(&nonp, &x, &MEM));
	x.tdp_origin = NESTED_TDP_SHADOW;
	CHECK(!svm_l1_wants(&np, &x, &MEM));
	x.tdp_origin = NESTED_TDP_L0;
	CHECK(!svm_l1_wants(&np, &x, &MEM));
}

TEST(l0_needs_table)
{
	struct { struct nested_exit_facts f; bool needs; } t[] = {
		{ { .reason = EXIT_EXTINT }, true },
		{ { .reason = EXIT_PREEMPT }, true },
		{ { .reason = EXIT_INIT }, true },
		{ { .reason = EXIT_CPUID }, false },
		{ { .reason = EXIT_HLT }, false },
		{ { .reason = EXIT_IO }, false },
		{ { .reason = EXIT_RDMSR }, false },
		{ { .reason = EXIT_HYPERCALL }, false },
		{ { .reason = EXIT_TRIPLE_FAULT }, false },
		{ { .reason = EXIT_ENTRY_FAILED }, false },
		{ { .reason = EXIT_TDP_FAULT, .tdp_origin = NESTED_TDP_L1 }, false },
		{ { .reason = EXIT_TDP_FAULT, .tdp_origin = NESTED_TDP_SHADOW }, true },
		{ { .reason = EXIT_TDP_FAULT, .tdp_origin = NESTED_TDP_L0 }, true },
		{ { .reason = EXIT_TDP_MISCONFIG, .tdp_origin = NESTED_TDP_L0 }, true },
		{ { .reason = EXIT_TDP_MISCONFIG, .tdp_origin = NESTED_TDP_L1 }, false },
		{ { .reason = EXIT_EXCEPTION, .exc_vector = 18 }, true },
		{ { .reason = EXIT_EXCEPTION, .exc_vector = 1 }, false },
		{ { .reason = EXIT_EXCEPTION, .exc_vector = 17 }, false },
		{ { .reason = EXIT_INTR_WINDOW, .l0_window = true }, true },
		{ { .reason = EXIT_INTR_WINDOW }, false },
		{ { .reason = EXIT_NMI_WINDOW, .l0_window = true }, true },
	};
	for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (nested_l0_needs(&t[i].f) != t[i].needs)
			CHECK_FAIL_AT(__FILE__, __LINE__, "case %u (reason %d): expected %d", i, t[i].f.reason,
				      t[i].needs);
	CHECK_EQ(nested_route(true, true), NESTED_ROUTE_L0);
	CHECK_EQ(nested_route(true, false), NESTED_ROUTE_L0);
	CHECK_EQ(nested_route(false, true), NESTED_ROUTE_L1);
	CHECK_EQ(nested_route(false, false), NESTED_ROUTE_EMULATE);
}

TEST(tdp_classify_from_walk)
{
	struct walk_result r = { 0 };
	CHECK_EQ(nested_tdp_classify(WALK_OK, &r), NESTED_TDP_SHADOW);
	r.fault.dim = WALK_DIM_GUEST;
	CHECK_EQ(nested_tdp_classify(WALK_FAULT_NOT_PRESENT, &r), NESTED_TDP_L1);
	r.fault.dim = WALK_DIM_TDP;
	CHECK_EQ(nested_tdp_classify(WALK_FAULT_RSVD, &r), NESTED_TDP_L0);
}

TEST(merge_intercepts_and_maps)
{
	struct vmcb_control l0 = { 0 }, c02 = { 0 };
	l0.intercept_cr = 1u << 20;
	l0.intercept_exc = (1u << 18) | (1u << 1) | (1u << 17);
	l0.intercept_misc1 = SVM_INTERCEPT1_INTR | SVM_INTERCEPT1_MSR;
	l0.intercept_misc2 = SVM_INTERCEPT2_VMRUN;
	l0.intercept_misc3 = 4;
	struct svm_l1_intercepts l1 = l1i(SVM_INTERCEPT1_CPUID, SVM_INTERCEPT2_VMMCALL);
	l1.cr = 1u << 3;
	l1.dr = 0x80;
	l1.exc = 1u << 14;
	l1.misc3 = 1;
	svm_merge_intercepts(&c02, &l0, &l1);
	CHECK_EQ(c02.intercept_cr, (1u << 20) | (1u << 3));
	CHECK_EQ(c02.intercept_dr, 0x80);
	CHECK_EQ(c02.intercept_exc, (1u << 18) | (1u << 1) | (1u << 17) | (1u << 14));
	CHECK_EQ(c02.intercept_misc1, SVM_INTERCEPT1_INTR | SVM_INTERCEPT1_MSR | SVM_INTERCEPT1_CPUID);
	CHECK_EQ(c02.intercept_misc2, SVM_INTERCEPT2_VMRUN | SVM_INTERCEPT2_VMMCALL);
	CHECK_EQ(c02.intercept_misc3, 5);
	uint8_t a[4] = { 0x01, 0x00, 0xf0, 0x00 }, b[4] = { 0x02, 0x00, 0x0f, 0x80 }, d[4];
	nested_bitmap_merge(d, a, b, 4);
	CHECK_EQ(d[0], 3); CHECK_EQ(d[1], 0); CHECK_EQ(d[2], 0xff); CHECK_EQ(d[3], 0x80);
	nested_bitmap_merge(d, a, NULL, 4);
	CHECK(memcmp(d, a, 4) == 0);
}

/* ---- #NPF EXITINFO1 for L1 ---------------------------------------------- */

TEST(npf_exitinfo1_from_l1_fault)
{
	struct walk_fault f = { .dim = WALK_DIM_GUEST, .kind = WALK_FAULT_NOT_PRESENT, .access = WALK_ACC_READ | WALK_ACC_USER };
	uint64_t final = NPF_INFO1_FINAL | NPF_INFO1_U, table = NPF_INFO1_GUEST_TABLE | NPF_INFO1_W | NPF_INFO1_U;
	CHECK_EQ(svm_nested_npf_exitinfo1(&f, final), 0x100000004ull);
	/* Bit 33 when L2's access was to its own page table, whatever L1's walk. */
	CHECK_EQ(svm_nested_npf_exitinfo1(&f, table), 0x200000004ull);
	f.access = WALK_ACC_WRITE | WALK_ACC_USER;
	CHECK_EQ(svm_nested_npf_exitinfo1(&f, table), 0x200000006ull);
	f.kind = WALK_FAULT_PERM; /* U/S=0 or R/W=0 in L1's table */
	CHECK_EQ(svm_nested_npf_exitinfo1(&f, final), 0x100000007ull);
	f.kind = WALK_FAULT_RSVD;
	f.access = WALK_ACC_READ | WALK_ACC_USER;
	CHECK_EQ(svm_nested_npf_exitinfo1(&f, final), 0x10000000dull);
	f.kind = WALK_FAULT_PERM;
	f.access = WALK_ACC_FETCH | WALK_ACC_USER;
	f.fetch_sets_id = true; /* L1's EFER.NXE */
	CHECK_EQ(svm_nested_npf_exitinfo1(&f, final | NPF_INFO1_ID), 0x100000015ull);
	f.fetch_sets_id = false;
	CHECK_EQ(svm_nested_npf_exitinfo1(&f, final | NPF_INFO1_ID), 0x100000005ull);
	/* The record's at_guest_table (L0's side) does not leak in. */
	f.at_guest_table = true;
	CHECK_EQ(svm_nested_npf_exitinfo1(&f, final), 0x100000005ull);
}

TEST(npf_walk_access_from_hardware)
{
	CHECK_EQ(svm_npf_walk_access(0x100000004ull), WALK_ACC_READ | WALK_ACC_USER);
	CHECK_EQ(svm_npf_walk_access(0x100000006ull), WALK_ACC_WRITE | WALK_ACC_USER);
	CHECK_EQ(svm_npf_walk_access(0x200000007ull), WALK_ACC_WRITE | WALK_ACC_USER);
	CHECK_EQ(svm_npf_walk_access(0x100000015ull), WALK_ACC_FETCH | WALK_ACC_USER);
}

TEST_MAIN()

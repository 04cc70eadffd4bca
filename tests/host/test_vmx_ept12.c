/*
 * test_vmx_ept12.c - L1's EPT walked as EPT in the guest dimension of the
 * shared walk (L2-GPA -> EPT12 in L1 memory -> EPT01), and the exit L1
 * receives: violation qualification from THIS exit's access and L1's
 * walk, misconfiguration for a bad EPT12 entry (SDM 3C 29.3, Table 28-7).
 */
#include "tests/host/check.h"
#include "tests/host/walk_fixture.h"
#include "hv/vmx/vmx_arch.h"
#include "nested/vmx_ept12.h"

/* EPT entry bits, spelled out here on purpose. */
#define ER 0x1ull
#define EW 0x2ull
#define EX 0x4ull
#define ERWX 0x7ull
#define EWB (6ull << 3)
#define EIPAT 0x40ull
#define EPS 0x80ull
#define EA 0x100ull
#define ED 0x200ull

/* What vmx_caps offers with EPT: 4-level walk, WB, INVEPT types. */
#define CAP_BASE ((1ull << 6) | (1ull << 14) | (1ull << 20) | (1ull << 25) | (1ull << 26))

static struct fx X;
static struct pg_format F12;

/* A machine whose guest dimension is L1's EPT12 at L1-GPA FX_GTABLE_BASE
 * (4-level, WB), over EPT01 (L1-GPA -> +1 MiB). */
static void setup(uint64_t cap, bool ad)
{
	fx_init(&X, GUEST_PAGING_OFF, FX_EPT4, false);
	struct vmx_ept12_params p = {
		.eptp = FX_GTABLE_BASE | (3u << 3) | 6u | (ad ? 0x40u : 0u),
		.ept_vpid_cap = cap, .maxphyaddr = 46,
	};
	CHECK(vmx_ept12_guest(&X.c.guest, &F12, &p));
	X.gf = F12; /* the fixture's index arithmetic */
	X.c.guest.fmt = &F12;
}

static void map12(uint64_t l2gpa, unsigned lvl, uint64_t v)
{
	fx_guest_set(&X, l2gpa, lvl, ERWX, v);
}

static struct vmx_l2_access final_access(uint32_t acc, uint64_t gla)
{
	return (struct vmx_l2_access){ .acc = acc, .gla_valid = true, .final = true, .gla = gla };
}

/* Walk as L0 would for a, and build L1's exit. */
static int reflect(uint64_t l2gpa, const struct vmx_l2_access *a, struct walk_result *r,
		   struct vmx_ept12_exit *e, bool *l1s)
{
	int k = walk_translate(&X.c, l2gpa, vmx_ept12_walk_access(a, &F12), r);
	*l1s = k != WALK_OK && vmx_ept12_exit(&r->fault, a, &F12, l2gpa, e);
	return k;
}

/* The walk for a faults in L1's dimension with kind k and L1's exit is
 * reason/qual/gpa/gla as given. */
static void expect_l1_exit(uint64_t l2gpa, const struct vmx_l2_access *a, int k, uint32_t reason,
			   uint64_t qual, uint64_t gla)
{
	struct walk_result r;
	struct vmx_ept12_exit e;
	bool l1s;

	CHECK_EQ(reflect(l2gpa, a, &r, &e, &l1s), k);
	CHECK(l1s);
	CHECK_EQ(e.reason, reason);
	CHECK_EQ(e.qual, qual);
	CHECK_EQ(e.gpa, l2gpa);
	CHECK_EQ(e.gla, gla);
}

TEST(eptp_refused_as_vm_entry_would)
{
	struct walk_guest g;
	struct pg_format f;
	struct vmx_ept12_params p = { .eptp = 0x10000 | (3u << 3) | 6u, .ept_vpid_cap = CAP_BASE,
				      .maxphyaddr = 46 };
	CHECK(vmx_ept12_guest(&g, &f, &p));
	CHECK_EQ(g.root, 0x10000);
	CHECK(!f.has_ad);
	p.eptp |= 0x40; /* A/D enable not offered */
	CHECK(!vmx_ept12_guest(&g, &f, &p));
	p.ept_vpid_cap |= EPTCAP_AD;
	CHECK(vmx_ept12_guest(&g, &f, &p));
	CHECK(f.has_ad);
	p.eptp = 0x10000 | (3u << 3) | 3u; /* memory type 3 */
	CHECK(!vmx_ept12_guest(&g, &f, &p));
	p.eptp = 0x10000 | (4u << 3) | 6u; /* 5-level not offered */
	CHECK(!vmx_ept12_guest(&g, &f, &p));
}

/* A final-translation access of L2 at l2gpa that L1's and L0's tables allow. */
static struct walk_result translate_ok(uint64_t l2gpa, uint32_t acc)
{
	struct walk_result r;
	struct vmx_l2_access a = final_access(acc, 0x7000);

	CHECK_EQ(walk_translate(&X.c, l2gpa, vmx_ept12_walk_access(&a, &F12), &r), WALK_OK);
	return r;
}

TEST(read_through_ept12_and_ept01)
{
	setup(CAP_BASE | EPTCAP_2M, false);
	map12(0x5000, 0, 0x8000 | ER | EWB);
	struct walk_result r = translate_ok(0x5123, WALK_ACC_READ);
	CHECK_EQ(r.gpa, 0x8123);
	CHECK_EQ(r.hpa, 0x8123 + FX_GOFF);
	CHECK_EQ(r.guest_perm & 7, PG_PERM_R);
}

TEST(not_present_read_is_violation_0x181)
{
	setup(CAP_BASE, false);
	map12(0x5000, 0, 0);
	struct vmx_l2_access a = final_access(WALK_ACC_READ, 0x7000);
	expect_l1_exit(0x5000, &a, WALK_FAULT_NOT_PRESENT, VMX_EXIT_EPT_VIOLATION, 0x181, 0x7000);
}

/* The seed scenario: L2 read the page (violation, L1 mapped it read-only
 * as an old L1 fixes only what the qualification asks), L0 made its EPT01
 * entry an MMIO misconfiguration, and L2's write now reaches L0 as an EPT
 * misconfiguration, without a qualification. The violation L1 gets must
 * say "write" (bit 1), with EPT12's R (bit 3): 0x18a, not the read's. */
TEST(write_after_misconfig_carries_write_bits_not_the_reads)
{
	setup(CAP_BASE, false);
	map12(0x5000, 0, 0);
	struct vmx_l2_access rd = vmx_l2_access_from_violation(0x181, 0x7000);
	expect_l1_exit(0x5000, &rd, WALK_FAULT_NOT_PRESENT, VMX_EXIT_EPT_VIOLATION, 0x181, 0x7000);
	map12(0x5000, 0, 0x9000 | ER | EWB); /* L1: read only */
	/* L0's decode of the faulting MOV: a write to linear 0x7008. */
	struct vmx_l2_access wr = final_access(WALK_ACC_WRITE, 0x7008);
	expect_l1_exit(0x5008, &wr, WALK_FAULT_PERM, VMX_EXIT_EPT_VIOLATION, 0x18a, 0x7008);
}

TEST(leaf_bits_3_to_6_are_memtype_and_ipat_not_ad)
{
	setup(CAP_BASE, false);
	map12(0x5000, 0, 0x8000 | ERWX | EWB | EIPAT);
	translate_ok(0x5000, WALK_ACC_WRITE);
	/* No A/D in L1's EPT without EPTP bit 6: nothing written. */
	CHECK_EQ(fx_guest_get(&X, 0x5000, 0), 0x8000 | ERWX | EWB | EIPAT);
	CHECK_EQ(fx_guest_get(&X, 0x5000, 1) & (EA | ED), 0);
	/* Memory type 2, 3, 7 in a leaf: misconfiguration, qual 0. */
	struct vmx_l2_access a = final_access(WALK_ACC_WRITE, 0x7000);
	for (uint64_t mt = 0; mt < 8; mt++) {
		map12(0x5000, 0, 0x8000 | ERWX | mt << 3);
		if (mt == 2 || mt == 3 || mt == 7)
			expect_l1_exit(0x5000, &a, WALK_FAULT_MISCONFIG, VMX_EXIT_EPT_MISCONFIG, 0, 0);
		else
			translate_ok(0x5000, WALK_ACC_WRITE);
	}
	/* Bits 6:3 of a table pointer are reserved: misconfiguration. */
	fx_guest_set(&X, 0x5000, 1, 0, (fx_guest_get(&X, 0x5000, 1) | EWB));
	map12(0x5000, 0, 0x8000 | ERWX | EWB);
	expect_l1_exit(0x5000, &a, WALK_FAULT_MISCONFIG, VMX_EXIT_EPT_MISCONFIG, 0, 0);
}

TEST(ad_set_in_ept12_only_when_enabled)
{
	setup(CAP_BASE | EPTCAP_AD, true);
	map12(0x5000, 0, 0x8000 | ERWX | EWB);
	translate_ok(0x5000, WALK_ACC_WRITE);
	CHECK_EQ(fx_guest_get(&X, 0x5000, 0), 0x8000 | ERWX | EWB | EA | ED);
	CHECK_EQ(fx_guest_get(&X, 0x5000, 1) & (EA | ED), EA);
	/* An L2 paging-structure access is a write in EPT12 with A/D
	 * (29.3.3.2): bits 0 and 1 set, R (bit 3) from the walk. */
	map12(0x5000, 0, 0x8000 | ER | EWB);
	struct vmx_l2_access t = vmx_l2_access_from_violation(0x83, 0x7000);
	expect_l1_exit(0x5000, &t, WALK_FAULT_PERM, VMX_EXIT_EPT_VIOLATION, 0x8b, 0x7000);
}

TEST(paging_structure_access_is_a_read_without_ept12_ad)
{
	setup(CAP_BASE, false);
	map12(0x5000, 0, 0);
	/* The CPU said read+write, bit 7 without bit 8 (EPT02 has A/D):
	 * L1, whose EPT has none, sees a read of a paging structure. */
	struct vmx_l2_access t = vmx_l2_access_from_violation(0x83, 0x7000);
	CHECK(!t.final);
	expect_l1_exit(0x5000, &t, WALK_FAULT_NOT_PRESENT, VMX_EXIT_EPT_VIOLATION, 0x81, 0x7000);
}

TEST(nmi_unblocking_and_no_linear_address)
{
	struct walk_result r;
	struct vmx_ept12_exit e;
	bool l1s;

	setup(CAP_BASE, false);
	map12(0x5000, 0, 0x8000 | ER | EX | EWB);
	/* Bit 12 from the hardware; bit 8 meaningless without bit 7. */
	struct vmx_l2_access a = vmx_l2_access_from_violation(0x1102, 0x7000);
	CHECK(!a.gla_valid);
	CHECK_EQ(reflect(0x5000, &a, &r, &e, &l1s), WALK_FAULT_PERM);
	CHECK_EQ(e.qual, 0x1000 | 0x2 | 0x8 | 0x20);
	CHECK_EQ(e.gla, 0);
}

TEST(execute_only_only_if_offered)
{
	struct walk_result r;
	struct vmx_ept12_exit e;
	bool l1s;
	struct vmx_l2_access f = final_access(WALK_ACC_FETCH, 0x1000);
	struct vmx_l2_access rd = final_access(WALK_ACC_READ, 0x1000);

	setup(CAP_BASE | EPTCAP_EXEC_ONLY, false);
	map12(0x5000, 0, 0x8000 | EX | EWB);
	CHECK_EQ(reflect(0x5000, &f, &r, &e, &l1s), WALK_OK);
	CHECK_EQ(reflect(0x5000, &rd, &r, &e, &l1s), WALK_FAULT_PERM);
	CHECK_EQ(e.qual, 0x181 | 0x20);
	setup(CAP_BASE, false);
	map12(0x5000, 0, 0x8000 | EX | EWB);
	CHECK_EQ(reflect(0x5000, &f, &r, &e, &l1s), WALK_FAULT_MISCONFIG);
	CHECK_EQ(e.reason, VMX_EXIT_EPT_MISCONFIG);
}

TEST(large_pages_only_if_offered)
{
	struct walk_result r;
	struct vmx_ept12_exit e;
	bool l1s;
	struct vmx_l2_access a = final_access(WALK_ACC_READ, 0);

	setup(CAP_BASE | EPTCAP_2M, false);
	map12(0x200000, 1, 0x0 | ERWX | EWB | EPS);
	CHECK_EQ(reflect(0x2345a, &a, &r, &e, &l1s), WALK_FAULT_NOT_PRESENT); /* other PDE */
	CHECK_EQ(reflect(0x20345a, &a, &r, &e, &l1s), WALK_OK);
	CHECK_EQ(r.gpa, 0x345a);
	CHECK_EQ(r.guest_shift, 21);
	setup(CAP_BASE, false);
	map12(0x200000, 1, 0x0 | ERWX | EWB | EPS);
	CHECK_EQ(reflect(0x20345a, &a, &r, &e, &l1s), WALK_FAULT_MISCONFIG);
	setup(CAP_BASE, false);
	map12(0x40000000, 2, 0x0 | ERWX | EWB | EPS);
	CHECK_EQ(reflect(0x40000000, &a, &r, &e, &l1s), WALK_FAULT_MISCONFIG);
}

TEST(l0_dimension_fault_is_not_l1s)
{
	struct walk_result r;
	struct vmx_ept12_exit e;
	bool l1s;

	setup(CAP_BASE, false);
	map12(0x5000, 0, 0x8000 | ERWX | EWB);
	*fx_tdp_entry(&X, 0x8000, 0) = 0; /* EPT01 hole: L0's */
	struct vmx_l2_access a = final_access(WALK_ACC_READ, 0);
	CHECK_EQ(reflect(0x5000, &a, &r, &e, &l1s), WALK_FAULT_NOT_PRESENT);
	CHECK_EQ(r.fault.dim, WALK_DIM_TDP);
	CHECK(!l1s);
}

TEST_MAIN()

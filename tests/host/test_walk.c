/*
 * test_walk.c - unit tests of the 2D walk engine and the fault encodings
 * (#PF error code, EPT violation qualification, #NPF EXITINFO1), with
 * hand-written tables in a fake memory (walk_fixture.h).
 */
#include "tests/host/check.h"
#include "tests/host/walk_fixture.h"
#include "mm/pf_error.h"

/* x86 entry bits, spelled out here on purpose (not taken from mm/). */
#define P 0x1ull
#define RW 0x2ull
#define US 0x4ull
#define A 0x20ull
#define D 0x40ull
#define PS 0x80ull
#define NX (1ull << 63)
#define TB (P | RW | US)
/* EPT */
#define ER 0x1ull
#define EW 0x2ull
#define EX 0x4ull
#define EWB (6ull << 3)
#define EA 0x100ull
#define ED 0x200ull

static struct fx X;

/* Map gva -> gpa with a 4 KiB guest leaf (guest formats with 4 KiB leaves). */
static void gmap4k(uint64_t gva, uint64_t gpa, uint64_t bits)
{
	fx_guest_set(&X, gva, 0, TB, gpa | bits);
}

static uint64_t *nleaf(uint64_t gpa)
{
	return fx_tdp_entry(&X, gpa, 0);
}

TEST(bochs_ept_violation_0x181_read_unmapped_gpa_paging_off)
{
	struct walk_result r;

	fx_init(&X, GUEST_PAGING_OFF, FX_EPT4, false);
	CHECK_EQ(walk_translate(&X.c, 0x200000, WALK_ACC_READ, &r), WALK_FAULT_NOT_PRESENT);
	CHECK_EQ(r.fault.dim, WALK_DIM_TDP);
	CHECK_EQ(r.fault.level, 2); /* the EPT PDE for 2 MiB is empty */
	CHECK_EQ(r.fault.gpa, 0x200000);
	CHECK(!r.fault.at_guest_table);
	CHECK_EQ(ept_violation_qual(&r.fault, false), 0x181);
	CHECK(!walk_fault_is_ept_misconfig(&r.fault));
}

TEST(qemu_npf_exitinfo1_0x100000004_user_read_final_not_present)
{
	struct walk_result r;

	fx_init(&X, GUEST_PAGING_4LEVEL, FX_NPT, false);
	gmap4k(0x400000, 0x300000, P | RW | US);
	CHECK_EQ(walk_translate(&X.c, 0x400000, WALK_ACC_READ | WALK_ACC_USER, &r),
		 WALK_FAULT_NOT_PRESENT);
	CHECK_EQ(r.fault.dim, WALK_DIM_TDP);
	CHECK_EQ(r.fault.gpa, 0x300000);
	CHECK_EQ(npt_npf_exitinfo1(&r.fault), 0x100000004ull);
}

TEST(four_level_guest_ept_ad_success_sets_accessed_dirty)
{
	struct walk_result r;
	uint64_t gva = 0x7f0000001234ull;

	fx_init(&X, GUEST_PAGING_4LEVEL, FX_EPT4, true);
	gmap4k(gva, 0x5000, P | RW | US);
	CHECK_EQ(walk_translate(&X.c, gva, WALK_ACC_WRITE | WALK_ACC_USER, &r), WALK_OK);
	CHECK_EQ(r.gpa, 0x5234);
	CHECK_EQ(r.hpa, 0x105234);
	CHECK_EQ(r.guest_shift, 12);
	CHECK_EQ(r.tdp_shift, 12);
	CHECK_EQ(r.memtype, 6);
	CHECK_EQ(r.guest_perm, PG_PERM_R | PG_PERM_W | PG_PERM_X | PG_PERM_U);
	for (unsigned l = 1; l < 4; l++)
		CHECK_EQ(fx_guest_get(&X, gva, l) & (A | D), A);
	CHECK_EQ(fx_guest_get(&X, gva, 0) & (A | D), A | D);
	/* Final page: EPT A and D. Guest table pages: A and D too, because
	 * with EPT A/D guest table accesses are writes (SDM 29.3.5). */
	CHECK_EQ(*nleaf(0x5000) & (EA | ED), EA | ED);
	CHECK_EQ(*nleaf(FX_GTABLE_BASE) & (EA | ED), EA | ED);
	CHECK_EQ(*fx_tdp_entry(&X, 0x5000, 1) & (EA | ED), EA);
	/* An unrelated page is untouched. */
	CHECK_EQ(*nleaf(0x9000) & (EA | ED), 0);
}

TEST(probe_walk_without_set_ad_changes_nothing)
{
	struct walk_result r;

	fx_init(&X, GUEST_PAGING_4LEVEL, FX_EPT4, true);
	gmap4k(0x1000, 0x5000, P | RW);
	X.c.flags = 0;
	CHECK_EQ(walk_translate(&X.c, 0x1000, WALK_ACC_WRITE, &r), WALK_OK);
	for (unsigned l = 0; l < 4; l++)
		CHECK_EQ(fx_guest_get(&X, 0x1000, l) & (A | D), 0);
	CHECK_EQ(*nleaf(0x5000) & (EA | ED), 0);
}

TEST(guest_not_present_at_every_level_4level)
{
	for (unsigned lvl = 0; lvl < 4; lvl++) {
		struct walk_result r;

		fx_init(&X, GUEST_PAGING_4LEVEL, FX_EPT4, false);
		gmap4k(0x12345000, 0x5000, P | RW | US);
		fx_guest_set(&X, 0x12345000, lvl, TB, fx_guest_get(&X, 0x12345000, lvl) & ~P);
		CHECK_EQ(walk_translate(&X.c, 0x12345678, WALK_ACC_READ, &r), WALK_FAULT_NOT_PRESENT);
		CHECK_EQ(r.fault.dim, WALK_DIM_GUEST);
		CHECK_EQ(r.fault.level, lvl + 1);
		CHECK_EQ(r.fault.gla, 0x12345678);
		CHECK_EQ(walk_pf_error_code(&r.fault), 0);
		CHECK_EQ(walk_translate(&X.c, 0x12345678, WALK_ACC_WRITE | WALK_ACC_USER, &r),
			 WALK_FAULT_NOT_PRESENT);
		CHECK_EQ(walk_pf_error_code(&r.fault), PFEC_W | PFEC_U);
		CHECK_EQ(walk_translate(&X.c, 0x12345678, WALK_ACC_FETCH | WALK_ACC_USER, &r),
			 WALK_FAULT_NOT_PRESENT);
		CHECK_EQ(walk_pf_error_code(&r.fault), PFEC_U | PFEC_ID);
	}
}

TEST(guest_reserved_bits_at_every_level_4level)
{
	/* MAXPHYADDR 46: bit 46 reserved everywhere; PS in PML4E; bit 13 in
	 * large leaves; a read gives error code P|RSVD. */
	struct {
		unsigned lvl;
		uint64_t bits;
		bool large;
	} cases[] = {
		{ 0, 1ull << 46, false }, { 1, 1ull << 46, false }, { 2, 1ull << 46, false },
		{ 3, 1ull << 46, false }, { 3, PS, false },           { 1, PS | (1ull << 13), true },
		{ 2, PS | (1ull << 13), true }, { 2, PS | (1ull << 29), true }, { 1, PS | (1ull << 20), true },
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct walk_result r;

		fx_init(&X, GUEST_PAGING_4LEVEL, FX_EPT4, false);
		gmap4k(0x40000000, 0x5000, P | RW | US);
		fx_guest_set(&X, 0x40000000, cases[i].lvl, TB,
			     (cases[i].large ? 0 : fx_guest_get(&X, 0x40000000, cases[i].lvl)) |
				     P | RW | US | cases[i].bits);
		CHECK_EQ(walk_translate(&X.c, 0x40000000, WALK_ACC_READ, &r), WALK_FAULT_RSVD);
		CHECK_EQ(r.fault.level, cases[i].lvl + 1);
		CHECK_EQ(walk_pf_error_code(&r.fault), PFEC_P | PFEC_RSVD);
		CHECK_EQ(walk_translate(&X.c, 0x40000000, WALK_ACC_FETCH | WALK_ACC_USER, &r),
			 WALK_FAULT_RSVD);
		CHECK_EQ(walk_pf_error_code(&r.fault), PFEC_P | PFEC_RSVD | PFEC_U | PFEC_ID);
	}
}

TEST(guest_xd_reserved_without_nxe_and_ignored_bits)
{
	struct walk_result r;
	struct guest_fmt_params gp = { .mode = GUEST_PAGING_4LEVEL, .maxphyaddr = 46, .gbpages = true };

	fx_init(&X, GUEST_PAGING_4LEVEL, FX_NONE, false);
	gmap4k(0x1000, 0x5000, P | RW | NX);
	CHECK_EQ(walk_translate(&X.c, 0x1000, WALK_ACC_FETCH, &r), WALK_FAULT_PERM);
	CHECK_EQ(walk_pf_error_code(&r.fault), PFEC_P | PFEC_ID);
	guest_fmt_build(&X.gf, &gp); /* NXE = 0 */
	CHECK_EQ(walk_translate(&X.c, 0x1000, WALK_ACC_READ, &r), WALK_FAULT_RSVD);
	CHECK_EQ(walk_pf_error_code(&r.fault), PFEC_P | PFEC_RSVD);
	/* 62:52 are ignored in 4-level paging (protection keys off). */
	gmap4k(0x1000, 0x5000, P | RW | (0x7ffull << 52));
	CHECK_EQ(walk_translate(&X.c, 0x1000, WALK_ACC_FETCH, &r), WALK_OK);
	/* ...but reserved in PAE paging. */
}

TEST(large_pages_guest_and_ept)
{
	struct walk_result r;

	/* Guest 2 MiB page at GPA 0 + EPT 4 KiB: hpa follows the 4K EPT leaf. */
	fx_init(&X, GUEST_PAGING_4LEVEL, FX_EPT4, false);
	fx_guest_set(&X, 0x40000000, 1, TB, 0x0 | P | RW | PS);
	CHECK_EQ(walk_translate(&X.c, 0x40012345, WALK_ACC_READ, &r), WALK_OK);
	CHECK_EQ(r.gpa, 0x12345);
	CHECK_EQ(r.hpa, 0x112345);
	CHECK_EQ(r.guest_shift, 21);
	CHECK_EQ(fx_guest_get(&X, 0x40000000, 1) & (A | D), A);
	/* Guest 1 GiB page. */
	fx_guest_set(&X, 0x80000000ull, 2, TB, 0x0 | P | RW | PS);
	CHECK_EQ(walk_translate(&X.c, 0x800f1234, WALK_ACC_WRITE, &r), WALK_OK);
	CHECK_EQ(r.gpa, 0xf1234);
	CHECK_EQ(r.guest_shift, 30);
	CHECK_EQ(fx_guest_get(&X, 0x80000000ull, 2) & (A | D), A | D);
	/* EPT 2 MiB and 1 GiB leaves. */
	*fx_tdp_entry(&X, 0x40000000, 1) = 0x200000 | ER | EW | EX | EWB | PS;
	*fx_tdp_entry(&X, 0x80000000ull, 2) = 0x0 | ER | EX | (0ull << 3) | PS | 0x40;
	X.c.guest.fmt = NULL;
	CHECK_EQ(walk_translate(&X.c, 0x40054321, WALK_ACC_WRITE, &r), WALK_OK);
	CHECK_EQ(r.hpa, 0x254321);
	CHECK_EQ(r.tdp_shift, 21);
	CHECK_EQ(walk_translate(&X.c, 0x80054321, WALK_ACC_FETCH, &r), WALK_OK);
	CHECK_EQ(r.hpa, 0x54321);
	CHECK_EQ(r.tdp_shift, 30);
	CHECK_EQ(r.memtype, 0);
	CHECK(r.ipat);
	CHECK_EQ(walk_translate(&X.c, 0x80054321, WALK_ACC_WRITE, &r), WALK_FAULT_PERM);
	CHECK_EQ(ept_violation_qual(&r.fault, false), 0x2 | 0x8 | 0x20 | 0x80 | 0x100);
	CHECK_EQ(r.fault.level, 3);
}

TEST(ept_guest_table_not_present_is_paging_structure_fault)
{
	struct walk_result r;

	for (int ad = 0; ad < 2; ad++) {
		fx_init(&X, GUEST_PAGING_4LEVEL, FX_EPT4, ad);
		gmap4k(0x1000, 0x5000, P | RW);
		*nleaf(FX_GTABLE_BASE) = 0; /* the guest PML4 page */
		CHECK_EQ(walk_translate(&X.c, 0x1000, WALK_ACC_FETCH, &r), WALK_FAULT_NOT_PRESENT);
		CHECK_EQ(r.fault.dim, WALK_DIM_TDP);
		CHECK(r.fault.at_guest_table);
		CHECK_EQ(r.fault.guest_level, 4);
		CHECK_EQ(r.fault.gpa, FX_GTABLE_BASE);
		CHECK_EQ(r.fault.level, 1);
		/* Read of a guest table (bit 0), or read+write with EPT A/D. */
		CHECK_EQ(ept_violation_qual(&r.fault, false), ad ? 0x83 : 0x81);
	}
}

TEST(ept_guest_table_read_only)
{
	struct walk_result r;
	uint64_t pml4_leaf;

	/* With EPT A/D: table accesses are writes, R-only page violates. */
	fx_init(&X, GUEST_PAGING_4LEVEL, FX_EPT4, true);
	gmap4k(0x1000, 0x5000, P | RW);
	pml4_leaf = *nleaf(FX_GTABLE_BASE);
	*nleaf(FX_GTABLE_BASE) = (pml4_leaf & ~(EW | EX));
	CHECK_EQ(walk_translate(&X.c, 0x1000, WALK_ACC_READ, &r), WALK_FAULT_PERM);
	CHECK(r.fault.at_guest_table);
	CHECK_EQ(ept_violation_qual(&r.fault, false), 0x1 | 0x2 | 0x8 | 0x80);
	/* Without A/D and A already set: plain reads, the walk succeeds. */
	fx_init(&X, GUEST_PAGING_4LEVEL, FX_EPT4, false);
	gmap4k(0x1000, 0x5000, P | RW | A);
	fx_guest_set(&X, 0x1000, 3, TB, fx_guest_get(&X, 0x1000, 3) | A);
	fx_guest_set(&X, 0x1000, 2, TB, fx_guest_get(&X, 0x1000, 2) | A);
	fx_guest_set(&X, 0x1000, 1, TB, fx_guest_get(&X, 0x1000, 1) | A);
	*nleaf(FX_GTABLE_BASE) &= ~(EW | EX);
	CHECK_EQ(walk_translate(&X.c, 0x1000, WALK_ACC_READ, &r), WALK_OK);
	/* ...but setting A in the PML4E is a write: violation, write only. */
	fx_guest_set(&X, 0x1000, 3, TB, fx_guest_get(&X, 0x1000, 3) & ~A);
	CHECK_EQ(walk_translate(&X.c, 0x1000, WALK_ACC_READ, &r), WALK_FAULT_PERM);
	CHECK(r.fault.at_guest_table);
	CHECK_EQ(r.fault.guest_level, 4);
	CHECK_EQ(ept_violation_qual(&r.fault, false), 0x2 | 0x8 | 0x80);
	/* A probe walk (no A/D updates) does not need the write. */
	X.c.flags = 0;
	CHECK_EQ(walk_translate(&X.c, 0x1000, WALK_ACC_READ, &r), WALK_OK);
}

TEST(ept_final_permission_violations)
{
	struct walk_result r;

	fx_init(&X, GUEST_PAGING_4LEVEL, FX_EPT4, false);
	gmap4k(0x1000, 0x5000, P | RW | US);
	*nleaf(0x5000) = (0x5000 + FX_GOFF) | ER | EWB;
	CHECK_EQ(walk_translate(&X.c, 0x1000, WALK_ACC_WRITE, &r), WALK_FAULT_PERM);
	CHECK_EQ(ept_violation_qual(&r.fault, false), 0x18a);
	CHECK_EQ(r.fault.gpa, 0x5000);
	CHECK_EQ(r.fault.gla, 0x1000);
	CHECK_EQ(walk_translate(&X.c, 0x1000, WALK_ACC_FETCH, &r), WALK_FAULT_PERM);
	CHECK_EQ(ept_violation_qual(&r.fault, false), 0x4 | 0x8 | 0x80 | 0x100);
	/* Advanced information: user, writable, executable linear address. */
	CHECK_EQ(ept_violation_qual(&r.fault, true), 0x4 | 0x8 | 0x80 | 0x100 | 0x200 | 0x400);
	*nleaf(0x5000) = (0x5000 + FX_GOFF) | ER | EW | EWB;
	CHECK_EQ(walk_translate(&X.c, 0x1000, WALK_ACC_FETCH, &r), WALK_FAULT_PERM);
	CHECK_EQ(ept_violation_qual(&r.fault, false), 0x19c);
	/* Upper level without W: AND over the levels. */
	*nleaf(0x5000) = (0x5000 + FX_GOFF) | ER | EW | EX | EWB;
	*fx_tdp_entry(&X, 0x5000, 1) &= ~EW;
	CHECK_EQ(walk_translate(&X.c, 0x1000, WALK_ACC_READ | WALK_ACC_WRITE, &r), WALK_FAULT_PERM);
	CHECK_EQ(ept_violation_qual(&r.fault, false), 0x3 | 0x8 | 0x20 | 0x180);
}

TEST(read_then_write_reports_the_write)
{
	struct walk_result r;

	fx_init(&X, GUEST_PAGING_4LEVEL, FX_EPT4, true);
	gmap4k(0x1000, 0x5000, P | RW | US);
	*nleaf(0x5000) = (0x5000 + FX_GOFF) | ER | EX | EWB;
	CHECK_EQ(walk_translate(&X.c, 0x1000, WALK_ACC_READ, &r), WALK_OK);
	CHECK_EQ(walk_translate(&X.c, 0x1000, WALK_ACC_WRITE, &r), WALK_FAULT_PERM);
	CHECK_EQ(ept_violation_qual(&r.fault, false), 0x2 | 0x8 | 0x20 | 0x180);
	/* Same in the guest dimension: read OK, write to a read-only page. */
	*nleaf(0x5000) |= EW;
	gmap4k(0x1000, 0x5000, P | US);
	CHECK_EQ(walk_translate(&X.c, 0x1000, WALK_ACC_READ | WALK_ACC_USER, &r), WALK_OK);
	CHECK_EQ(walk_translate(&X.c, 0x1000, WALK_ACC_WRITE | WALK_ACC_USER, &r), WALK_FAULT_PERM);
	CHECK_EQ(walk_pf_error_code(&r.fault), PFEC_P | PFEC_W | PFEC_U);
	CHECK_EQ(fx_guest_get(&X, 0x1000, 0) & D, 0);
	/* NPT: the same sequence gives W in EXITINFO1. */
	fx_init(&X, GUEST_PAGING_4LEVEL, FX_NPT, false);
	gmap4k(0x1000, 0x5000, P | RW | US);
	*nleaf(0x5000) = (0x5000 + FX_GOFF) | P | US;
	CHECK_EQ(walk_translate(&X.c, 0x1000, WALK_ACC_READ, &r), WALK_OK);
	CHECK_EQ(walk_translate(&X.c, 0x1000, WALK_ACC_WRITE, &r), WALK_FAULT_PERM);
	CHECK_EQ(npt_npf_exitinfo1(&r.fault), 0x100000007ull);
}

TEST(ept_misconfigurations)
{
	struct {
		unsigned lvl;
		uint64_t entry; /* 0 = keep, OR bits */
		uint64_t or_bits;
		bool exec_only;
	} cases[] = {
		{ 0, (0x5000 + FX_GOFF) | EW | EWB, 0, true },           /* write-only */
		{ 0, (0x5000 + FX_GOFF) | EW | EX | EWB, 0, true },      /* write+exec, no read */
		{ 0, (0x5000 + FX_GOFF) | EX | EWB, 0, false },          /* exec-only unsupported */
		{ 0, (0x5000 + FX_GOFF) | ER | (2ull << 3), 0, true },   /* memory type 2 */
		{ 0, (0x5000 + FX_GOFF) | ER | (3ull << 3), 0, true },   /* memory type 3 */
		{ 0, (0x5000 + FX_GOFF) | ER | (7ull << 3), 0, true },   /* memory type 7 */
		{ 0, 0, 1ull << 46, true },                              /* above MAXPHYADDR */
		{ 1, 0, 1ull << 3, true },                               /* PDE->table bits 6:3 */
		{ 1, 0, 1ull << 46, true },
		{ 2, 0, 1ull << 5, true },                               /* PDPTE->table bits 7:3 */
		{ 3, 0, PS, true },                                      /* PML4E bit 7 */
		{ 3, 0, 1ull << 51, true },
		{ 1, ER | EW | EWB | PS | (1ull << 12), 0, true },       /* 2 MiB leaf bits 20:12 */
		{ 2, ER | EW | EWB | PS | (1ull << 29), 0, true },       /* 1 GiB leaf bits 29:12 */
		{ 1, EW | EX | EWB | PS, 0, true },                      /* pointing W+X at a table */
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct walk_result r;
		struct ept_fmt_params ep = { .levels = 4, .maxphyaddr = 46, .exec_only = cases[i].exec_only,
					     .gbpages = true };
		uint64_t *e;

		fx_init(&X, GUEST_PAGING_OFF, FX_EPT4, false);
		ept_fmt_build(&X.nf, &ep);
		e = fx_tdp_entry(&X, 0x5000, cases[i].lvl);
		if (cases[i].entry)
			*e = cases[i].entry;
		*e |= cases[i].or_bits;
		CHECK_EQ(walk_translate(&X.c, 0x5000, WALK_ACC_READ, &r), WALK_FAULT_MISCONFIG);
		CHECK(walk_fault_is_ept_misconfig(&r.fault));
		CHECK_EQ(r.fault.level, cases[i].lvl + 1);
		CHECK_EQ(r.fault.gpa, 0x5000);
	}
}

TEST(ept_execute_only_and_ignored_bits)
{
	struct walk_result r;

	fx_init(&X, GUEST_PAGING_OFF, FX_EPT4, false);
	*nleaf(0x5000) = (0x5000 + FX_GOFF) | EX | EWB | (1ull << 11) | (0xfffull << 52);
	CHECK_EQ(walk_translate(&X.c, 0x5000, WALK_ACC_FETCH, &r), WALK_OK);
	CHECK_EQ(r.tdp_perm, PG_PERM_X | PG_PERM_U);
	CHECK_EQ(walk_translate(&X.c, 0x5000, WALK_ACC_READ, &r), WALK_FAULT_PERM);
	CHECK_EQ(ept_violation_qual(&r.fault, false), 0x1a1);
}

TEST(five_level_guest_and_ept)
{
	struct walk_result r;
	uint64_t gva = 0x00ff123456789000ull;

	fx_init(&X, GUEST_PAGING_5LEVEL, FX_EPT5, true);
	gmap4k(gva, 0x7000, P | RW);
	CHECK_EQ(walk_translate(&X.c, gva | 0x10, WALK_ACC_WRITE, &r), WALK_OK);
	CHECK_EQ(r.hpa, 0x107010);
	CHECK_EQ(fx_guest_get(&X, gva, 4) & A, A);
	fx_guest_set(&X, gva, 4, TB, fx_guest_get(&X, gva, 4) | PS);
	CHECK_EQ(walk_translate(&X.c, gva, WALK_ACC_WRITE, &r), WALK_FAULT_RSVD);
	CHECK_EQ(r.fault.level, 5);
	*fx_tdp_entry(&X, 0x7000, 4) |= PS;
	X.c.guest.fmt = NULL;
	CHECK_EQ(walk_translate(&X.c, 0x7000, WALK_ACC_WRITE, &r), WALK_FAULT_MISCONFIG);
	CHECK_EQ(r.fault.level, 5);
}

TEST(pae_pdpte_registers_and_pages)
{
	struct walk_result r;
	uint64_t bad[4] = { 0, P | (1ull << 5), 0, 0 }, good[4] = { P | 0x1000, 0, P | (0xfull << 9), 0 };

	CHECK(!guest_pae_pdptes_valid(bad, 46));
	CHECK(guest_pae_pdptes_valid(good, 46));
	bad[1] = P | (1ull << 52); /* 63:M reserved in a PDPTE (no XD there) */
	CHECK(!guest_pae_pdptes_valid(bad, 46));
	bad[1] = (1ull << 52); /* not present: not checked */
	CHECK(guest_pae_pdptes_valid(bad, 46));

	fx_init(&X, GUEST_PAGING_PAE, FX_EPT4, false);
	gmap4k(0xc0001000, 0x5000, P | RW);
	CHECK_EQ(walk_translate(&X.c, 0xc0001abc, WALK_ACC_WRITE, &r), WALK_OK);
	CHECK_EQ(r.hpa, 0x105abc);
	CHECK_EQ(X.c.guest.pdpte[3] & A, 0); /* PDPTE registers are not written */
	CHECK_EQ(walk_translate(&X.c, 0x80001000, WALK_ACC_READ, &r), WALK_FAULT_NOT_PRESENT);
	CHECK_EQ(r.fault.level, 3);
	/* 2 MiB page with XD; PAE reserves 62:M in PDEs. */
	fx_guest_set(&X, 0xc0200000, 1, TB, 0x0 | P | RW | PS | NX);
	CHECK_EQ(walk_translate(&X.c, 0xc0200010, WALK_ACC_FETCH, &r), WALK_FAULT_PERM);
	CHECK_EQ(walk_pf_error_code(&r.fault), PFEC_P | PFEC_ID);
	fx_guest_set(&X, 0xc0200000, 1, TB, 0x0 | P | RW | PS | (1ull << 55));
	CHECK_EQ(walk_translate(&X.c, 0xc0200010, WALK_ACC_READ, &r), WALK_FAULT_RSVD);
	/* Loading the PDPTEs through EPT, as MOV to CR3 does. */
	*(uint64_t *)fx_hptr(&X, FX_GOFF + 0x8000 + 16) = P | 0x3000;
	{
		uint64_t pd[4];

		CHECK_EQ(walk_load_pae_pdptes(&X.c, 0x8000, pd, &r), WALK_OK);
		CHECK_EQ(pd[2], P | 0x3000);
		*nleaf(0x8000) = 0;
		CHECK_EQ(walk_load_pae_pdptes(&X.c, 0x8000, pd, &r), WALK_FAULT_NOT_PRESENT);
		CHECK(!r.fault.gla_valid);
		CHECK_EQ(ept_violation_qual(&r.fault, false), 0x1);
	}
}

TEST(paging_32bit_pse36_and_pse_off)
{
	struct walk_result r;
	struct guest_fmt_params gp = { .mode = GUEST_PAGING_32, .maxphyaddr = 40, .pse = true };

	fx_init(&X, GUEST_PAGING_32, FX_NONE, false);
	guest_fmt_build(&X.gf, &gp);
	gmap4k(0x00401000, 0x5000, P | RW | US);
	CHECK_EQ(walk_translate(&X.c, 0x00401234, WALK_ACC_WRITE | WALK_ACC_USER, &r), WALK_OK);
	CHECK_EQ(r.gpa, 0x5234);
	CHECK_EQ((uint32_t)fx_guest_get(&X, 0x00401000, 0) & (A | D), A | D);
	/* 4 MiB page, PDE bits 20:13 = address bits 39:32 (PSE-36). */
	fx_guest_set(&X, 0x00800000, 1, TB, 0x00c00000 | (0x12 << 13) | P | PS);
	CHECK_EQ(walk_translate(&X.c, 0x00812345, WALK_ACC_READ, &r), WALK_OK);
	CHECK_EQ(r.gpa, 0x1200c12345ull);
	CHECK_EQ(r.guest_shift, 22);
	/* Fetch from a non-executable... no XD in 32-bit paging: allowed. */
	CHECK_EQ(walk_translate(&X.c, 0x00812345, WALK_ACC_FETCH, &r), WALK_OK);
	/* Bit 21 is reserved in a 4 MiB PDE. */
	fx_guest_set(&X, 0x00800000, 1, TB, 0x00c00000 | (1u << 21) | P | PS);
	CHECK_EQ(walk_translate(&X.c, 0x00812345, WALK_ACC_READ, &r), WALK_FAULT_RSVD);
	CHECK_EQ(walk_pf_error_code(&r.fault), PFEC_P | PFEC_RSVD);
	/* MAXPHYADDR 36: bits 21:17 reserved. */
	gp.maxphyaddr = 36;
	guest_fmt_build(&X.gf, &gp);
	fx_guest_set(&X, 0x00800000, 1, TB, 0x00c00000 | (0x10 << 13) | P | PS);
	CHECK_EQ(walk_translate(&X.c, 0x00812345, WALK_ACC_READ, &r), WALK_FAULT_RSVD);
	/* CR4.PSE=0: PS is ignored, the PDE points to a page table. */
	gp.pse = false;
	guest_fmt_build(&X.gf, &gp);
	fx_guest_set(&X, 0x00401000, 1, TB, fx_guest_get(&X, 0x00401000, 1) | PS);
	CHECK_EQ(walk_translate(&X.c, 0x00401234, WALK_ACC_READ, &r), WALK_OK);
	CHECK_EQ(r.gpa, 0x5234);
	/* Without NX and SMEP a fetch fault has no I/D bit. */
	gmap4k(0x00401000, 0x5000, P | RW);
	CHECK_EQ(walk_translate(&X.c, 0x00401234, WALK_ACC_FETCH | WALK_ACC_USER, &r), WALK_FAULT_PERM);
	CHECK_EQ(walk_pf_error_code(&r.fault), PFEC_P | PFEC_U);
}

TEST(npt_rules)
{
	struct walk_result r;

	/* U/S=0 in an NPT level: every access (the guest's own walk first). */
	fx_init(&X, GUEST_PAGING_4LEVEL, FX_NPT, false);
	gmap4k(0x1000, 0x5000, P | RW | US);
	*fx_tdp_entry(&X, 0x0, 3) &= ~US;
	CHECK_EQ(walk_translate(&X.c, 0x1000, WALK_ACC_READ, &r), WALK_FAULT_PERM);
	CHECK(r.fault.at_guest_table);
	CHECK_EQ(r.fault.guest_level, 4);
	CHECK_EQ(npt_npf_exitinfo1(&r.fault), 0x200000007ull);
	/* Guest table page not present: P=0, still W (table access) and U. */
	fx_init(&X, GUEST_PAGING_4LEVEL, FX_NPT, false);
	gmap4k(0x1000, 0x5000, P | RW | US);
	*nleaf(FX_GTABLE_BASE + 0x1000) = 0; /* the guest PDPT page */
	CHECK_EQ(walk_translate(&X.c, 0x1000, WALK_ACC_READ, &r), WALK_FAULT_NOT_PRESENT);
	CHECK_EQ(r.fault.guest_level, 3);
	CHECK_EQ(npt_npf_exitinfo1(&r.fault), 0x200000006ull);
	CHECK_EQ(r.fault.gpa, FX_GTABLE_BASE + 0x1000);
	/* Reserved bit in the final NPT leaf; fetch from an NX page. */
	fx_init(&X, GUEST_PAGING_OFF, FX_NPT, false);
	*nleaf(0x5000) |= 1ull << 50;
	CHECK_EQ(walk_translate(&X.c, 0x5000, WALK_ACC_READ, &r), WALK_FAULT_RSVD);
	CHECK_EQ(npt_npf_exitinfo1(&r.fault), 0x10000000dull);
	*nleaf(0x5000) = (0x5000 + FX_GOFF) | P | RW | US | NX;
	CHECK_EQ(walk_translate(&X.c, 0x5000, WALK_ACC_FETCH, &r), WALK_FAULT_PERM);
	CHECK_EQ(npt_npf_exitinfo1(&r.fault), 0x100000015ull);
	/* NPT sets A/D: the guest table page gets D (table writes). */
	fx_init(&X, GUEST_PAGING_4LEVEL, FX_NPT, false);
	gmap4k(0x1000, 0x5000, P | RW | US);
	CHECK_EQ(walk_translate(&X.c, 0x1000, WALK_ACC_READ, &r), WALK_OK);
	CHECK_EQ(*nleaf(FX_GTABLE_BASE) & (A | D), A | D);
	CHECK_EQ(*nleaf(0x5000) & (A | D), A);
}

TEST(supervisor_rules_wp_smep_smap)
{
	struct walk_result r;

	fx_init(&X, GUEST_PAGING_4LEVEL, FX_NONE, false);
	gmap4k(0x1000, 0x5000, P | US); /* user, read-only */
	CHECK_EQ(walk_translate(&X.c, 0x1000, WALK_ACC_WRITE, &r), WALK_FAULT_PERM);
	CHECK_EQ(walk_pf_error_code(&r.fault), PFEC_P | PFEC_W);
	X.c.guest.wp = false;
	CHECK_EQ(walk_translate(&X.c, 0x1000, WALK_ACC_WRITE, &r), WALK_OK);
	CHECK_EQ(walk_translate(&X.c, 0x1000, WALK_ACC_WRITE | WALK_ACC_USER, &r), WALK_FAULT_PERM);
	CHECK_EQ(walk_pf_error_code(&r.fault), PFEC_P | PFEC_W | PFEC_U);
	X.c.guest.smep = true;
	CHECK_EQ(walk_translate(&X.c, 0x1000, WALK_ACC_FETCH, &r), WALK_FAULT_PERM);
	CHECK_EQ(walk_pf_error_code(&r.fault), PFEC_P | PFEC_ID);
	CHECK_EQ(walk_translate(&X.c, 0x1000, WALK_ACC_FETCH | WALK_ACC_USER, &r), WALK_OK);
	X.c.guest.smap = true;
	CHECK_EQ(walk_translate(&X.c, 0x1000, WALK_ACC_READ, &r), WALK_FAULT_PERM);
	CHECK_EQ(walk_pf_error_code(&r.fault), PFEC_P);
	CHECK_EQ(walk_translate(&X.c, 0x1000, WALK_ACC_READ | WALK_ACC_AC, &r), WALK_OK);
	CHECK_EQ(walk_translate(&X.c, 0x1000, WALK_ACC_READ | WALK_ACC_AC | WALK_ACC_IMPLICIT, &r),
		 WALK_FAULT_PERM);
	/* U/S=0 in an upper level makes the page supervisor. */
	fx_guest_set(&X, 0x1000, 2, TB, fx_guest_get(&X, 0x1000, 2) & ~US);
	CHECK_EQ(walk_translate(&X.c, 0x1000, WALK_ACC_READ, &r), WALK_OK);
	CHECK_EQ(walk_translate(&X.c, 0x1000, WALK_ACC_READ | WALK_ACC_USER, &r), WALK_FAULT_PERM);
	CHECK_EQ(walk_pf_error_code(&r.fault), PFEC_P | PFEC_U);
}

TEST(protection_keys)
{
	struct walk_result r;
	struct guest_fmt_params gp = { .mode = GUEST_PAGING_4LEVEL, .maxphyaddr = 46, .nxe = true,
				       .pke = true, .gbpages = true };

	fx_init(&X, GUEST_PAGING_4LEVEL, FX_NONE, false);
	guest_fmt_build(&X.gf, &gp);
	gmap4k(0x1000, 0x5000, P | RW | US | (5ull << 59));
	X.c.guest.pkru = 1u << 10; /* AD for key 5 */
	CHECK_EQ(walk_translate(&X.c, 0x1000, WALK_ACC_READ | WALK_ACC_USER, &r), WALK_FAULT_PERM);
	CHECK_EQ(walk_pf_error_code(&r.fault), PFEC_P | PFEC_U | PFEC_PK);
	CHECK_EQ(walk_translate(&X.c, 0x1000, WALK_ACC_FETCH | WALK_ACC_USER, &r), WALK_OK);
	X.c.guest.pkru = 1u << 11; /* WD for key 5 */
	CHECK_EQ(walk_translate(&X.c, 0x1000, WALK_ACC_READ | WALK_ACC_USER, &r), WALK_OK);
	CHECK_EQ(walk_translate(&X.c, 0x1000, WALK_ACC_WRITE | WALK_ACC_USER, &r), WALK_FAULT_PERM);
	CHECK_EQ(walk_pf_error_code(&r.fault), PFEC_P | PFEC_W | PFEC_U | PFEC_PK);
	CHECK_EQ(walk_translate(&X.c, 0x1000, WALK_ACC_WRITE, &r), WALK_FAULT_PERM);
	CHECK_EQ(walk_pf_error_code(&r.fault), PFEC_P | PFEC_W | PFEC_PK);
	X.c.guest.wp = false;
	CHECK_EQ(walk_translate(&X.c, 0x1000, WALK_ACC_WRITE, &r), WALK_OK);
	/* Keys only apply to user pages. */
	X.c.guest.pkru = ~0u;
	gmap4k(0x2000, 0x5000, P | RW | (5ull << 59));
	CHECK_EQ(walk_translate(&X.c, 0x2000, WALK_ACC_WRITE, &r), WALK_OK);
}

TEST(one_dimension_walks)
{
	struct walk_result r;

	fx_init(&X, GUEST_PAGING_4LEVEL, FX_EPT4, false);
	gmap4k(0x1000, 0x5000, P | RW);
	/* gva->gpa only reads guest tables at their GPA as if gpa == hpa:
	 * copy the tables down so that works here. */
	memcpy(X.mem + 0x10000, X.mem + 0x10000 + FX_GOFF, 0x10000);
	CHECK_EQ(walk_gva_to_gpa(&X.c, 0x1234, WALK_ACC_READ, &r), WALK_OK);
	CHECK_EQ(r.gpa, 0x5234);
	CHECK_EQ(r.hpa, 0x5234);
	CHECK_EQ(walk_gpa_to_hpa(&X.c, 0x5234, WALK_ACC_READ, &r), WALK_OK);
	CHECK_EQ(r.hpa, 0x105234);
	CHECK_EQ(walk_gpa_to_hpa(&X.c, 0x200000, WALK_ACC_WRITE, &r), WALK_FAULT_NOT_PRESENT);
	CHECK(!r.fault.gla_valid);
	CHECK_EQ(ept_violation_qual(&r.fault, false), 0x2);
}

TEST(table_address_without_memory)
{
	struct walk_result r;

	fx_init(&X, GUEST_PAGING_4LEVEL, FX_NONE, false);
	fx_guest_set(&X, 0x1000, 3, TB, 0x7ff000000ull | TB);
	CHECK_EQ(walk_translate(&X.c, 0x1000, WALK_ACC_READ, &r), WALK_FAULT_NO_MEMORY);
	CHECK_EQ(r.fault.level, 3);
}

TEST(paging_mode_selection_and_cr3)
{
	const uint64_t PG = 1ull << 31, PAE = 1ull << 5, LA57 = 1ull << 12, LMA = 1ull << 10;

	CHECK_EQ(guest_paging_mode(0, PAE, LMA), GUEST_PAGING_OFF);
	CHECK_EQ(guest_paging_mode(PG, 0, 0), GUEST_PAGING_32);
	CHECK_EQ(guest_paging_mode(PG, PAE, 0), GUEST_PAGING_PAE);
	CHECK_EQ(guest_paging_mode(PG, PAE, LMA), GUEST_PAGING_4LEVEL);
	CHECK_EQ(guest_paging_mode(PG, PAE | LA57, LMA), GUEST_PAGING_5LEVEL);
	CHECK_EQ(guest_cr3_root(GUEST_PAGING_32, 0x12345fff, 46), 0x12345000);
	CHECK_EQ(guest_cr3_root(GUEST_PAGING_PAE, 0x12345fff, 46), 0x12345fe0);
	CHECK_EQ(guest_cr3_root(GUEST_PAGING_4LEVEL, 0xfff0123456789fffull, 46), 0x123456789000ull);
	CHECK_EQ(ept_eptp_levels(0x1234000 | (3 << 3) | 6), 4);
	CHECK_EQ(ept_make_eptp(0x1234000, 4, true), 0x1234000 | (3 << 3) | 0x40 | 6);
	CHECK_EQ(ept_make_eptp(0x1234000, 5, false), 0x1234000 | (4 << 3) | 6);
	CHECK_EQ(ept_eptp_root(0x1234000 | (4 << 3) | 0x40 | 6, 46), 0x1234000);
}

TEST(amd_reserves_bit8_only_in_pml4e)
{
	struct walk_result r;
	struct guest_fmt_params gp = { .mode = GUEST_PAGING_4LEVEL, .maxphyaddr = 46, .nxe = true,
				       .gbpages = true, .amd = true };

	fx_init(&X, GUEST_PAGING_4LEVEL, FX_NONE, false);
	gmap4k(0x1000, 0x5000, P | RW);
	fx_guest_set(&X, 0x1000, 3, TB, fx_guest_get(&X, 0x1000, 3) | 0x100);
	fx_guest_set(&X, 0x1000, 2, TB, fx_guest_get(&X, 0x1000, 2) | 0x100);
	CHECK_EQ(walk_translate(&X.c, 0x1000, WALK_ACC_READ, &r), WALK_OK); /* Intel: ignored */
	guest_fmt_build(&X.gf, &gp);
	CHECK_EQ(walk_translate(&X.c, 0x1000, WALK_ACC_READ, &r), WALK_FAULT_RSVD);
	CHECK_EQ(r.fault.level, 4);
	fx_guest_set(&X, 0x1000, 3, TB, fx_guest_get(&X, 0x1000, 3) & ~0x100ull);
	CHECK_EQ(walk_translate(&X.c, 0x1000, WALK_ACC_READ, &r), WALK_OK); /* PDPTE bit 8: fine */
	/* NPT is AMD: bit 8 of the tdp PML4E is reserved too. */
	fx_init(&X, GUEST_PAGING_OFF, FX_NPT, false);
	*fx_tdp_entry(&X, 0x5000, 3) |= 0x100;
	CHECK_EQ(walk_translate(&X.c, 0x5000, WALK_ACC_READ, &r), WALK_FAULT_RSVD);
	CHECK_EQ(npt_npf_exitinfo1(&r.fault), 0x10000000dull);
}

TEST(ept_without_1g_pages_and_advanced_info_paging_off)
{
	struct walk_result r;
	struct ept_fmt_params ep = { .levels = 4, .maxphyaddr = 46, .exec_only = true, .gbpages = false };

	fx_init(&X, GUEST_PAGING_OFF, FX_EPT4, false);
	ept_fmt_build(&X.nf, &ep);
	*fx_tdp_entry(&X, 0x40000000, 2) = 0 | ER | EW | EX | EWB | PS;
	CHECK_EQ(walk_translate(&X.c, 0x40000000, WALK_ACC_READ, &r), WALK_FAULT_MISCONFIG);
	CHECK_EQ(r.fault.level, 3);
	/* Paging off: the linear address counts as user, writable, executable. */
	*nleaf(0x5000) = (0x5000 + FX_GOFF) | ER | EWB;
	CHECK_EQ(walk_translate(&X.c, 0x5000, WALK_ACC_WRITE, &r), WALK_FAULT_PERM);
	CHECK_EQ(ept_violation_qual(&r.fault, true), 0x2 | 0x8 | 0x80 | 0x100 | 0x200 | 0x400);
	CHECK_EQ(ept_violation_qual(&r.fault, false), 0x18a);
}

TEST(paging_32bit_under_ept_translates_4_byte_entries)
{
	struct walk_result r;

	fx_init(&X, GUEST_PAGING_32, FX_EPT4, true);
	gmap4k(0xbfc01000, 0x6000, P | RW | US);
	CHECK_EQ(walk_translate(&X.c, 0xbfc01ffc, WALK_ACC_WRITE | WALK_ACC_USER, &r), WALK_OK);
	CHECK_EQ(r.hpa, 0x106ffc);
	CHECK_EQ(fx_guest_get(&X, 0xbfc01000, 0) & (A | D), A | D);
	CHECK_EQ(fx_guest_get(&X, 0xbfc01000, 1) & (A | D), A);
	/* The guest page table page is not in EPT: fault at guest level 1. */
	*nleaf(fx_guest_get(&X, 0xbfc01000, 1) & ~0xfffull) = 0;
	CHECK_EQ(walk_translate(&X.c, 0xbfc01ffc, WALK_ACC_READ, &r), WALK_FAULT_NOT_PRESENT);
	CHECK(r.fault.at_guest_table);
	CHECK_EQ(r.fault.guest_level, 1);
	CHECK_EQ(ept_violation_qual(&r.fault, false), 0x83);
}

TEST_MAIN()

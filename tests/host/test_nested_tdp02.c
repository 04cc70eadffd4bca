/*
 * test_nested_tdp02.c - NPT02 built on demand by the shared walk engine
 * (nested/tdp02.c with nested/svm_npt.c) over the fake machine of
 * tests/host/nested_fixture.h, L1's NPT12 written by the test entry by entry.
 *
 * Each case walks an L2-GPA as the #NPF handler would and checks the
 * shadow entry (page size, permissions, target), the fault record L1 gets
 * (dimension, EXITINFO1), and the A/D bits written into L1's table.
 */
#include "tests/host/check.h"

#include "tests/host/nested_fixture.h"

TEST(small_l1_page_over_large_l0_page)
{
	machine();
	struct walk_ctx c = ctx64();
	CHECK(c.guest.fmt != NULL);
	uint64_t *pte = npt12_entry(0x200000, 1);
	*pte = 0x300000 | TBL;
	struct walk_result r, s;
	CHECK_EQ(fill(&c, 0x200123, WALK_ACC_READ, &r), WALK_OK);
	CHECK_EQ(r.hpa, L1_HPA + 0x300123);
	CHECK_EQ(shadow(0x200123, &s), WALK_OK);
	CHECK_EQ(s.hpa, L1_HPA + 0x300123);
	CHECK_EQ(s.tdp_shift, 12);
	CHECK_EQ(s.tdp_perm & (PG_PERM_W | PG_PERM_X), PG_PERM_X); /* no W before a write */
	CHECK_EQ(*pte & (A | D), A);
	CHECK_EQ(shadow(0x201000, &s), WALK_FAULT_NOT_PRESENT); /* only what was asked */
	CHECK_EQ(fill(&c, 0x200456, WALK_ACC_WRITE, &r), WALK_OK);
	CHECK_EQ(shadow(0x200456, &s), WALK_OK);
	CHECK(s.tdp_perm & PG_PERM_W);
	CHECK_EQ(*pte & (A | D), A | D);
}

TEST(large_pages_at_both_levels_stay_large)
{
	machine();
	struct walk_ctx c = ctx64();
	CHECK(c.guest.fmt != NULL);
	*npt12_entry(0x40000000, 2) = 0x1000000 | TBL | PS; /* 2 MiB at L1-GPA 16 MiB */
	struct walk_result r, s;
	CHECK_EQ(fill(&c, 0x40012345, WALK_ACC_WRITE, &r), WALK_OK);
	CHECK_EQ(shadow(0x401fffff, &s), WALK_OK);
	CHECK_EQ(s.tdp_shift, 21);
	CHECK_EQ(s.hpa, L1_HPA + 0x11fffff);
	/* 1 GiB in L1's table over 2 MiB of NPT01: split to 2 MiB. */
	*npt12_entry(0x80000000, 3) = 0x0 | TBL | PS;
	CHECK_EQ(fill(&c, 0x80345678, WALK_ACC_READ, &r), WALK_OK);
	CHECK_EQ(shadow(0x80345678, &s), WALK_OK);
	CHECK_EQ(s.tdp_shift, 21);
	CHECK_EQ(s.hpa, L1_HPA + 0x345678);
	CHECK_EQ(shadow(0x80545678, &s), WALK_FAULT_NOT_PRESENT);
}

TEST(large_l1_page_over_small_l0_pages_splits)
{
	machine();
	struct walk_ctx c = ctx64();
	CHECK(c.guest.fmt != NULL);
	*npt12_entry(0x600000, 2) = (4ull << 20) | TBL | PS; /* over NPT01's 4 KiB range */
	struct walk_result r, s;
	CHECK_EQ(fill(&c, 0x601234, WALK_ACC_WRITE, &r), WALK_OK);
	CHECK_EQ(shadow(0x601234, &s), WALK_OK);
	CHECK_EQ(s.tdp_shift, 12);
	CHECK_EQ(s.hpa, L1_HPA + (4ull << 20) + 0x1234);
	/* NPT01's read-only page: a write is L0's fault, a read works read-only. */
	CHECK(fill(&c, 0x605000, WALK_ACC_WRITE, &r) != WALK_OK);
	CHECK_EQ(r.fault.dim, WALK_DIM_TDP);
	CHECK_EQ(nested_tdp_classify(WALK_FAULT_PERM, &r), NESTED_TDP_L0);
	CHECK_EQ(r.fault.gpa, (4ull << 20) + 0x5000);
	CHECK_EQ(fill(&c, 0x605000, WALK_ACC_READ, &r), WALK_OK);
	CHECK_EQ(shadow(0x605000, &s), WALK_OK);
	CHECK(!(s.tdp_perm & PG_PERM_W));
}

TEST(l1_faults_give_l1_exitinfo1)
{
	machine();
	struct walk_ctx c = ctx64();
	CHECK(c.guest.fmt != NULL);
	struct walk_result r;
	uint64_t hw_final = NPF_INFO1_FINAL | NPF_INFO1_U | NPF_INFO1_W, hw_table = NPF_INFO1_GUEST_TABLE | NPF_INFO1_U;
	/* Not present in L1's table. */
	int k = fill(&c, 0x10000000, svm_npf_walk_access(hw_final), &r);
	CHECK_EQ(k, WALK_FAULT_NOT_PRESENT);
	CHECK_EQ(nested_tdp_classify(k, &r), NESTED_TDP_L1);
	CHECK_EQ(svm_nested_npf_exitinfo1(&r.fault, hw_final), 0x100000006ull);
	CHECK_EQ(svm_nested_npf_exitinfo1(&r.fault, hw_table | NPF_INFO1_W), 0x200000006ull);
	/* Read-only in L1's table, written. */
	uint64_t *pte = npt12_entry(0x300000, 1);
	*pte = 0x300000 | P | US;
	k = fill(&c, 0x300000, svm_npf_walk_access(hw_final), &r);
	CHECK_EQ(k, WALK_FAULT_PERM);
	CHECK_EQ(svm_nested_npf_exitinfo1(&r.fault, hw_final), 0x100000007ull);
	/* Supervisor page: every nested access is a user access. */
	*pte = 0x300000 | P | RW;
	k = fill(&c, 0x300000, WALK_ACC_READ, &r);
	CHECK_EQ(k, WALK_FAULT_PERM);
	CHECK_EQ(svm_nested_npf_exitinfo1(&r.fault, NPF_INFO1_FINAL), 0x100000005ull);
	/* Reserved bit (51:48 with MAXPHYADDR 48). */
	*pte = 0x300000 | TBL | (1ull << 50);
	k = fill(&c, 0x300000, WALK_ACC_READ, &r);
	CHECK_EQ(k, WALK_FAULT_RSVD);
	CHECK_EQ(svm_nested_npf_exitinfo1(&r.fault, NPF_INFO1_FINAL), 0x10000000dull);
	/* NX with L1's EFER.NXE: a fetch gives P, U, I/D. */
	*pte = 0x300000 | TBL | NX;
	k = fill(&c, 0x300000, WALK_ACC_FETCH, &r);
	CHECK_EQ(k, WALK_FAULT_PERM);
	CHECK_EQ(svm_nested_npf_exitinfo1(&r.fault, NPF_INFO1_FINAL | NPF_INFO1_ID), 0x100000015ull);
	/* Without L1's NXE, bit 63 is reserved. */
	struct walk_ctx c2 = ctx12(CR0_PE | CR0_PG, CR4_PAE, EFER_LME | EFER_LMA | EFER_SVME, NPT12_GPA);
	k = fill(&c2, 0x300000, WALK_ACC_FETCH, &r);
	CHECK_EQ(k, WALK_FAULT_RSVD);
	CHECK_EQ(svm_nested_npf_exitinfo1(&r.fault, NPF_INFO1_FINAL), 0x10000000dull);
	/* Nothing was put in the shadow for any of them. */
	struct walk_result s;
	CHECK_EQ(shadow(0x300000, &s), WALK_FAULT_NOT_PRESENT);
}

TEST(l0_faults_stay_with_l0)
{
	machine();
	struct walk_ctx c = ctx64();
	CHECK(c.guest.fmt != NULL);
	struct walk_result r;
	*npt12_entry(0x300000, 1) = (8ull << 20) | TBL;       /* NPT01 hole */
	*npt12_entry(0x301000, 1) = (10ull << 20) | TBL;      /* L0 MMIO */
	int k = fill(&c, 0x300000, WALK_ACC_READ, &r);
	CHECK_EQ(r.fault.dim, WALK_DIM_TDP);
	CHECK_EQ(nested_tdp_classify(k, &r), NESTED_TDP_L0);
	CHECK_EQ(r.fault.gpa, 8ull << 20);
	CHECK(!r.fault.at_guest_table);
	k = fill(&c, 0x301008, WALK_ACC_WRITE, &r);
	CHECK_EQ(k, WALK_FAULT_RSVD);
	CHECK_EQ(nested_tdp_classify(k, &r), NESTED_TDP_L0);
	CHECK_EQ(r.fault.gpa, (10ull << 20) + 8);
	/* L1's table page itself in L0's hole. */
	*npt12_entry(0x40000000, 2) = (8ull << 20) | TBL;
	k = fill(&c, 0x40000000, WALK_ACC_READ, &r);
	CHECK_EQ(r.fault.dim, WALK_DIM_TDP);
	CHECK(r.fault.at_guest_table);
	CHECK_EQ(nested_tdp_classify(k, &r), NESTED_TDP_L0);
}

TEST(l2_to_l1_for_the_emulator)
{
	machine();
	struct walk_ctx c = ctx64();
	CHECK(c.guest.fmt != NULL);
	uint64_t l1 = 0;
	struct walk_fault f = { 0 };
	/* Mapped by L1: the L1-physical address with the page offset. */
	*npt12_entry(0x300000, 1) = 0x5000 | TBL;
	CHECK_EQ(nested_l2_to_l1(&c, 0x300123, WALK_ACC_READ | WALK_ACC_USER, &l1, &f), 0);
	CHECK_EQ(l1, 0x5123);
	/* L0's MMIO at the final L1-physical address: L0's to handle there. */
	*npt12_entry(0x301000, 1) = (10ull << 20) | TBL;
	CHECK_EQ(nested_l2_to_l1(&c, 0x301008, WALK_ACC_WRITE | WALK_ACC_USER, &l1, &f), 0);
	CHECK_EQ(l1, (10ull << 20) + 8);
	/* Not mapped by L1: L1's fault, the L2 address kept. */
	int k = nested_l2_to_l1(&c, 0x10000000, WALK_ACC_READ | WALK_ACC_USER, &l1, &f);
	CHECK_EQ(k, WALK_FAULT_NOT_PRESENT);
	CHECK_EQ(f.dim, WALK_DIM_GUEST);
	CHECK_EQ(l1, 0x10000000);
	/* L1's table page in L0's hole: not the final address, a fault. */
	*npt12_entry(0x40000000, 2) = (8ull << 20) | TBL;
	k = nested_l2_to_l1(&c, 0x40000000, WALK_ACC_READ | WALK_ACC_USER, &l1, &f);
	CHECK(k != 0);
	CHECK(f.at_guest_table);
}

TEST(legacy_pae_npt_ignores_ncr3_low_bits)
{
	machine();
	/* L1 in legacy PAE: PDPT at L1-GPA 0x100020, nCR3 with bits 4:0 set. */
	uint64_t pdpt = NPT12_GPA + 0x20, pd = NPT12_GPA + 0x2000;
	l1_ptr(pdpt)[1] = pd | P;           /* L2-GPA 1 GiB.. */
	l1_ptr(pd)[3] = 0xe00000 | TBL | PS; /* 2 MiB at L2-GPA 1 GiB + 6 MiB */
	struct walk_ctx c = ctx12(CR0_PE | CR0_PG, CR4_PAE, EFER_SVME, pdpt | 0x1f);
	struct walk_result r, s;
	CHECK_EQ(c.guest.root, pdpt);
	CHECK_EQ(c.guest.pdpte[1], pd | P);
	CHECK_EQ(fill(&c, 0x40654321, WALK_ACC_READ, &r), WALK_OK);
	CHECK_EQ(r.hpa, L1_HPA + 0xe54321);
	CHECK_EQ(shadow(0x40654321, &s), WALK_OK);
	CHECK_EQ(s.tdp_shift, 21);
	/* PDPTE 0 not present: L1's fault, not present. */
	CHECK_EQ(fill(&c, 0x1000, WALK_ACC_READ, &r), WALK_FAULT_NOT_PRESENT);
	CHECK_EQ(r.fault.dim, WALK_DIM_GUEST);
}

TEST(legacy_32bit_npt_4m_page_maps_as_2m)
{
	machine();
	uint32_t *pd = (uint32_t *)l1_ptr(NPT12_GPA);
	pd[1] = 0xc00000 | (uint32_t)(TBL | PS); /* 4 MiB at L2-GPA 4 MiB -> L1-GPA 12 MiB */
	struct walk_ctx c = ctx12(CR0_PE | CR0_PG, CR4_PSE, EFER_SVME, NPT12_GPA);
	struct walk_result r, s;
	CHECK_EQ(fill(&c, 0x7fffff, WALK_ACC_WRITE, &r), WALK_OK);
	CHECK_EQ(r.hpa, L1_HPA + 0xffffff);
	CHECK_EQ(shadow(0x7fffff, &s), WALK_OK);
	CHECK_EQ(s.tdp_shift, 21);
	CHECK_EQ(s.hpa, L1_HPA + 0xffffff);
	CHECK_EQ(shadow(0x400000, &s), WALK_FAULT_NOT_PRESENT); /* the other half: on demand */
}

TEST(shadow_out_of_table_pages_is_reported)
{
	machine();
	struct walk_ctx c = ctx64();
	CHECK(c.guest.fmt != NULL);
	*npt12_entry(0x200000, 1) = 0x300000 | TBL;
	pool_next = HOST_MEM; /* no page left for NPT02's tables */
	struct walk_result r;
	CHECK_EQ(fill(&c, 0x200000, WALK_ACC_READ, &r), WALK_FAULT_NO_MEMORY);
	CHECK_EQ(r.fault.dim, WALK_DIM_NONE);
}

TEST_MAIN()

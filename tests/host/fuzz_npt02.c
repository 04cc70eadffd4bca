/*
 * fuzz_npt02.c - libFuzzer target: the fuzzer's bytes seed L1's nested
 * page table (6 pages at L1-GPA 1 MiB of tests/host/nested_fixture.h's
 * machine, entries pointing mostly back into those pages or into L1 RAM)
 * and give a list of L2 accesses. For each, nested_tdp02_fill must not crash or
 * hit UB, and: a success maps exactly the walk's host-physical address in
 * NPT02 with no permission beyond both levels' (and W only after a write);
 * a failure is classified by its dimension, and L1's #NPF EXITINFO1 has U
 * and exactly one of bits 32/33.
 */
#include <stdio.h>

#include "tests/host/nested_fixture.h"

#define REQUIRE(c)                                                        \
	do {                                                              \
		if (!(c)) {                                               \
			fprintf(stderr, "fuzz_npt02: %s failed\n", #c);   \
			abort();                                          \
		}                                                         \
	} while (0)

#define NPT12_PAGES 6

static uint64_t take(const uint8_t **d, size_t *n)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < 8 && *n; i++, (*n)--)
		v |= (uint64_t)*(*d)++ << (8 * i);
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	if (!ready) {
		machine();
		ready = true;
	}
	/* Fresh NPT12 and NPT02 (NPT01 is the same for every input). */
	memset(l1_ptr(NPT12_GPA), 0, NPT12_PAGES * 4096);
	pool_next = pool_mark;
	ptb_init(&npt02, &host_fmt, &OPS);
	/* Every entry from a generator seeded by the input: mostly present
	 * user entries pointing at the table pages, so walks go deep. */
	uint64_t *e = l1_ptr(NPT12_GPA);
	uint64_t x = take(&data, &size) | 1;
	for (unsigned i = 0; i < NPT12_PAGES * 512; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		uint64_t f = ((x & 7) ? 1 : 0) | ((x >> 3 & 7) ? 4 : 0) | (x & 0x40 ? 2 : 0) |
			     ((x >> 7 & 3) ? 0 : 0x80) | (x & 0x60000ull ? 0 : 1ull << 63) | (x & 0x60);
		uint64_t addr = (x >> 20 & 3) ? NPT12_GPA + ((x >> 24) % NPT12_PAGES) * 4096
					      : (x >> 30 & 0x1fffull) << 12; /* L1 RAM, 32 MiB */
		if (!(x >> 44 & 63))
			addr = x & 0x000ffffffffff000ull; /* anything */
		e[i] = f | addr;
	}
	struct walk_ctx c = ctx64();
	REQUIRE(c.guest.fmt != NULL);
	for (int a = 0; a < 8 && size >= 3; a++) {
		/* An L2-GPA whose table indices are small (the filled pages
		 * hold every index, so any works) plus the input's offset. */
		uint64_t l2gpa = (take(&data, &size) * 0x9e3779b97f4a7c15ull) & 0xffffffffffffull;
		uint32_t acc = WALK_ACC_USER | ((size && (data[0] & 1)) ? WALK_ACC_WRITE : (size && (data[0] & 2)) ? WALK_ACC_FETCH : WALK_ACC_READ);
		if (size)
			data++, size--;
		struct walk_result r, s;
		int k = fill(&c, l2gpa, acc, &r);
		if (k == WALK_OK) {
			REQUIRE(shadow(l2gpa, &s) == WALK_OK);
			REQUIRE(s.hpa == r.hpa);
			unsigned both = r.guest_perm & r.tdp_perm;
			REQUIRE(!(s.tdp_perm & ~both & (PG_PERM_R | PG_PERM_W | PG_PERM_X)));
			if (!(acc & WALK_ACC_WRITE))
				REQUIRE(!(s.tdp_perm & PG_PERM_W));
			continue;
		}
		enum nested_tdp_origin o = nested_tdp_classify(k, &r);
		REQUIRE(o == (r.fault.dim == WALK_DIM_GUEST ? NESTED_TDP_L1 : NESTED_TDP_L0));
		if (o == NESTED_TDP_L1) {
			uint64_t hw = (a & 1) ? NPF_INFO1_GUEST_TABLE : NPF_INFO1_FINAL;
			uint64_t e1 = svm_nested_npf_exitinfo1(&r.fault, hw);
			REQUIRE(e1 & NPF_INFO1_U);
			REQUIRE(((e1 >> 32) & 3) == ((a & 1) ? 2 : 1));
		}
	}
	return 0;
}

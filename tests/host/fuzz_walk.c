/*
 * fuzz_walk.c - libFuzzer target: the fuzzer's bytes choose the paging
 * modes, fill the table pool and pick the accesses (walk_random.h); the
 * engine must not crash or misbehave under ASan/UBSan and must agree with
 * the reference walker, including the A/D bits it writes.
 */
#include <stdio.h>
#include <stdlib.h>

#include "tests/host/walk_random.h"

static uint8_t mem_e[WR_MEM], mem_r[WR_MEM];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wr_src src = { .data = data, .len = size, .fuzz = true };
	struct wr_machine m;

	wr_fill(&src, &m, mem_e);
	wr_copy_hot(mem_r, mem_e);
	m.rc.mem = mem_r;
	for (int a = 0; a < 8; a++) {
		uint64_t gla = wr_gla(&src, &m);
		unsigned acc = wr_access(&src);
		struct walk_result er;
		struct ref_out ro;
		int ek = walk_translate(&m.c, gla, wr_walk_acc(acc), &er);
		int rk = ref_walk(&m.rc, gla, acc, &ro);
		const char *why = wr_compare(&m, ek, &er, rk, &ro);

		if (why) {
			fprintf(stderr, "engine and reference differ: %s (gla %#llx acc %#x)\n", why,
				(unsigned long long)gla, acc);
			abort();
		}
	}
	if (!wr_same_hot(mem_e, mem_r)) {
		fprintf(stderr, "A/D updates differ\n");
		abort();
	}
	return 0;
}

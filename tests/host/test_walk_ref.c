/*
 * test_walk_ref.c - the engine against the independent reference walker
 * (ref_walk.c) over many random machines and accesses. Fixed seed;
 * WALK_REF_ITERS=N changes the number of accesses (default 2,000,000, 16 per random machine),
 * WALK_REF_SEED=S the seed.
 */
#include <stdlib.h>

#include "tests/host/check.h"
#include "tests/host/walk_random.h"

#define ACCESSES_PER_MACHINE 16

static uint8_t mem_e[WR_MEM], mem_r[WR_MEM];

static void dump(const struct wr_machine *m, uint64_t gla, unsigned acc, int ek,
		 const struct walk_result *er, int rk, const struct ref_out *ro)
{
	printf("  gmode %d nkind %d gmax %u nmax %u pse %d nxe %d pke %d gb %d amd %d wp %d smep %d smap %d\n"
	       "  ept_ad %d xo %d ngb %d npt_nxe %d set_ad %d groot %#llx nroot %#llx\n"
	       "  gla %#llx acc %#x\n  engine kind %d dim %d lvl %d tbl %d glvl %d gpa %#llx hpa %#llx fgpa %#llx\n"
	       "  ref    kind %d dim %d lvl %d tbl %d glvl %d gpa %#llx hpa %#llx fgpa %#llx pfec %#x qual %#llx ei1 %#llx\n",
	       m->rc.gmode, m->rc.nkind, m->rc.gmaxphy, m->rc.nmaxphy, m->rc.pse, m->rc.nxe, m->rc.pke,
	       m->rc.gbpages, m->rc.amd, m->rc.wp, m->rc.smep, m->rc.smap, m->rc.ept_ad, m->rc.exec_only,
	       m->rc.ngbpages, m->rc.npt_nxe, m->rc.set_ad, (unsigned long long)m->rc.groot,
	       (unsigned long long)m->rc.nroot, (unsigned long long)gla, acc, ek, er->fault.dim,
	       er->fault.level, er->fault.at_guest_table, er->fault.guest_level,
	       (unsigned long long)er->gpa, (unsigned long long)er->hpa, (unsigned long long)er->fault.gpa,
	       rk, ro->dim, ro->level, ro->at_table, ro->guest_level, (unsigned long long)ro->gpa,
	       (unsigned long long)ro->hpa, (unsigned long long)ro->fault_gpa, ro->pfec,
	       (unsigned long long)ro->qual, (unsigned long long)ro->exitinfo1);
}

TEST(engine_matches_reference_on_random_machines)
{
	const char *it = getenv("WALK_REF_ITERS"), *sd = getenv("WALK_REF_SEED");
	uint64_t iters = it ? strtoull(it, NULL, 0) : 2000000;
	struct wr_src src = { .s = sd ? strtoull(sd, NULL, 0) : 0x6e6573746f72ull };
	uint64_t kinds[6] = { 0 }, dims[3] = { 0 }, done = 0;
	int failures = 0;

	while (done < iters && failures < 5) {
		struct wr_machine m;

		wr_fill(&src, &m, mem_e);
		wr_copy_hot(mem_r, mem_e);
		m.rc.mem = mem_r;
		for (int a = 0; a < ACCESSES_PER_MACHINE && done < iters; a++, done++) {
			uint64_t gla = wr_gla(&src, &m);
			unsigned acc = wr_access(&src);
			struct walk_result er;
			struct ref_out ro;
			int ek = walk_translate(&m.c, gla, wr_walk_acc(acc), &er);
			int rk = ref_walk(&m.rc, gla, acc, &ro);
			const char *why = wr_compare(&m, ek, &er, rk, &ro);

			kinds[rk]++;
			if (rk != REF_OK)
				dims[ro.dim]++;
			if (why) {
				CHECK_FAIL_AT(__FILE__, __LINE__, "access %llu differs: %s",
					      (unsigned long long)done, why);
				dump(&m, gla, acc, ek, &er, rk, &ro);
				failures++;
				break;
			}
		}
		if (!failures && !wr_same_hot(mem_e, mem_r)) {
			CHECK_FAIL_AT(__FILE__, __LINE__, "A/D updates differ after access %llu",
				      (unsigned long long)done);
			failures++;
		}
	}
	printf("  %llu accesses: ok %llu notp %llu rsvd %llu perm %llu misconf %llu nomem %llu; "
	       "guest faults %llu tdp %llu\n",
	       (unsigned long long)done, (unsigned long long)kinds[0], (unsigned long long)kinds[1],
	       (unsigned long long)kinds[2], (unsigned long long)kinds[3], (unsigned long long)kinds[4],
	       (unsigned long long)kinds[5], (unsigned long long)dims[1], (unsigned long long)dims[2]);
	/* The generator must reach every outcome, or the comparison is weak. */
	for (int k = 0; k < 6; k++)
		CHECK(kinds[k] > done / 1000 || done < 100000);
}

TEST_MAIN()

/*
 * bench_walk.c - instruction-count benchmarks for the walker and builder.
 *
 *   bench_walk --list              the kinds, one per line
 *   bench_walk KIND ITERATIONS     run KIND ITERATIONS times
 *
 * Meant for callgrind: run with two iteration counts and subtract, so the
 * setup cost cancels: (Ir(N2) - Ir(N1)) / (N2 - N1) = instructions per
 * iteration. Kinds:
 *   walk2d       4-level guest x 4-level EPT (no EPT A/D), 4 KiB pages
 *                everywhere: 4 x (4 + 1) + 4 = 24 table reads per walk
 *   walk2d_npt   the same over NPT (A/D always on, table accesses writes)
 *   walk2d_kern  walk2d with kernel-style guest entries: supervisor tables
 *                (P|RW|A|D), a supervisor NX leaf, SMEP/SMAP on, a
 *                supervisor read: guest permissions are not all granted
 *   walk2d_fault walk2d whose final EPT entry is not present: an EPT
 *                violation on the final translation (as for MMIO)
 *   walk1d_ept   gpa -> hpa only through 4-level EPT (4 reads)
 *   map1g        builder: map 1 GiB of RAM given at 4 KiB granularity but
 *                1 GiB aligned (EPT with 1 GiB pages: one leaf), from an
 *                empty table; teardown excluded from callgrind collection
 *                when <valgrind/callgrind.h> is available
 *   map1g_2m     the same without 1 GiB page support (512 x 2 MiB leaves)
 *   map1g_4k     the same with a host address only 4 KiB aligned
 *                (262144 x 4 KiB leaves)
 *
 * Measured (gcc 12 -O2, valgrind 3.19 callgrind, (Ir(3000) - Ir(1000)) /
 * 2000): walk2d 348, walk2d_npt 341, walk2d_kern 388, walk2d_fault 492,
 * walk1d_ept 129 (before the fast walk of mm/walk.c: 988, 1053, 1069,
 * 952, 207). The fast walk reuses, within one walk, the TDP path to a
 * level-0 table for GPAs in the same 2 MiB region: in walk2d every guest
 * table and the page share one, so it performs 12 of the 24 table reads
 * (without that reuse: walk2d 485, walk2d_npt 478, walk2d_kern 543).
 * map1g 1537 (includes zeroing the 2 table pages), map1g_2m 41575;
 * map1g_4k 18.2 M per map (Ir(3) - Ir(1), / 2).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define HAVE_CALLGRIND 1
#endif
#endif
#ifndef HAVE_CALLGRIND
#define CALLGRIND_TOGGLE_COLLECT
#endif

#include "ept/ept_fmt.h"
#include "mm/guest_fmt.h"
#include "mm/ptbuild.h"
#include "mm/walk.h"
#include "npt/npt_fmt.h"

#define MEM_SIZE (8u << 20)
static uint8_t *mem;
static uint64_t next_table;
static volatile uint64_t sink;

static uint64_t *entry(uint64_t pa)
{
	return (uint64_t *)(mem + pa);
}

static uint64_t alloc_table(void)
{
	uint64_t pa = next_table;

	next_table += 4096;
	return pa;
}

/* Map gpa -> hpa with 4 KiB leaves in a 4-level TDP table. */
static void tdp_map(const struct pg_format *f, uint64_t root, uint64_t gpa, uint64_t hpa,
		       uint64_t leaf_bits)
{
	uint64_t table = root;

	for (int l = 3; l > 0; l--) {
		uint64_t *e = entry(table + 8 * pg_index(f, (unsigned)l, gpa));

		if (!*e)
			*e = alloc_table() | f->r | f->w | f->x | f->u;
		table = *e & f->table_addr;
	}
	*entry(table + 8 * pg_index(f, 0, gpa)) = hpa | leaf_bits;
}

/* Guest RAM: GPA [0, 2 MiB) -> HPA [2 MiB, 4 MiB); guest tables at GPA 0x1000+. */
static void setup_2d(struct walk_ctx *c, struct pg_format *gf, struct pg_format *nf, bool npt,
		     bool kern)
{
	struct guest_fmt_params gp = { .mode = GUEST_PAGING_4LEVEL, .maxphyaddr = 46, .nxe = true,
				       .gbpages = true };
	uint64_t nroot, gva = 0x00007f123456a000ull, gtable = 0x1000;

	guest_fmt_build(gf, &gp);
	if (npt) {
		struct npt_fmt_params np = { .maxphyaddr = 46, .nxe = true, .gbpages = true };

		npt_fmt_build(nf, &np);
	} else {
		struct ept_fmt_params ep = { .levels = 4, .maxphyaddr = 46, .exec_only = true,
					     .gbpages = true };

		ept_fmt_build(nf, &ep);
	}
	next_table = 4u << 20;
	nroot = alloc_table();
	for (uint64_t g = 0; g < (2u << 20); g += 4096)
		tdp_map(nf, nroot, g, g + (2u << 20),
			   npt ? (0x7ull | 0x60) : (0x7ull | (6ull << 3)));
	/* Guest 4-level tables: PML4 at 0x1000, PDPT 0x2000, PD 0x3000, PT 0x4000. */
	for (int l = 3; l >= 0; l--) {
		uint64_t next = l ? gtable + 0x1000 : 0x100000;

		*entry((2u << 20) + gtable + 8 * pg_index(gf, (unsigned)l, gva)) =
			next | (kern ? 0x63 | (l ? 0 : 1ull << 63) : 0x67);
		gtable += 0x1000;
	}
	memset(c, 0, sizeof(*c));
	c->guest.fmt = gf;
	c->guest.root = 0x1000;
	c->guest.wp = true;
	c->guest.smep = kern;
	c->guest.smap = kern;
	c->tdp.fmt = nf;
	c->tdp.root = nroot;
	c->mem.direct = mem;
	c->mem.direct_size = MEM_SIZE;
	c->flags = WALK_F_SET_AD;
}

static int bench_walk2d(unsigned long n, bool npt, bool kern, bool fault)
{
	struct pg_format gf, nf;
	struct walk_ctx c;
	struct walk_result r;
	uint64_t gva = 0x00007f123456a000ull;

	setup_2d(&c, &gf, &nf, npt, kern);
	if (fault) /* the data page's TDP leaf: not present */
		tdp_map(&nf, c.tdp.root, 0x100000, 0, 0);
	if (fault ? walk_translate(&c, gva + 0x10, WALK_ACC_READ, &r) != WALK_FAULT_NOT_PRESENT :
	    walk_translate(&c, gva + 0x10, WALK_ACC_READ, &r) || r.hpa != 0x300010) {
		fprintf(stderr, "bench setup broken: kind %d hpa %#llx\n", r.fault.kind,
			(unsigned long long)r.hpa);
		return 1;
	}
	for (unsigned long i = 0; i < n; i++) {
		walk_translate(&c, gva + (i & 0xff8), WALK_ACC_READ, &r);
		sink += r.hpa;
	}
	return 0;
}

static int bench_walk1d(unsigned long n)
{
	struct pg_format gf, nf;
	struct walk_ctx c;
	struct walk_result r;

	setup_2d(&c, &gf, &nf, false, false);
	for (unsigned long i = 0; i < n; i++) {
		walk_gpa_to_hpa(&c, 0x100000 + (i & 0xff8), WALK_ACC_READ, &r);
		sink += r.hpa;
	}
	return 0;
}

/* Builder page pool: a simple stack of free pages in mem. */
static uint64_t free_stack[2048];
static unsigned free_top;

static uint64_t pool_alloc(void *o)
{
	(void)o;
	if (!free_top)
		return PTB_NO_PAGE;
	uint64_t pa = free_stack[--free_top];
	memset(mem + pa, 0, 4096);
	return pa;
}

static void pool_free(void *o, uint64_t pa)
{
	(void)o;
	free_stack[free_top++] = pa;
}

static void *pool_ptr(void *o, uint64_t pa)
{
	(void)o;
	return mem + pa;
}

static int bench_map1g(unsigned long n, bool gbpages, uint64_t hpa)
{
	struct ept_fmt_params ep = { .levels = 4, .maxphyaddr = 46, .exec_only = true, .gbpages = gbpages };
	struct ptb_ops ops = { pool_alloc, pool_free, pool_ptr, NULL };
	struct pg_format f;

	ept_fmt_build(&f, &ep);
	free_top = 0;
	for (unsigned i = 0; i < 2048; i++)
		free_stack[free_top++] = (uint64_t)(2047 - i) * 4096;
	for (unsigned long i = 0; i < n; i++) {
		struct ptb b;

		if (ptb_init(&b, &f, &ops) ||
		    ptb_map(&b, 1ull << 30, hpa, 1ull << 30, 7, EPT_MT_WB, NULL)) {
			fprintf(stderr, "map failed\n");
			return 1;
		}
		sink += b.tables;
		CALLGRIND_TOGGLE_COLLECT;
		ptb_destroy(&b);
		CALLGRIND_TOGGLE_COLLECT;
	}
	return 0;
}

static const char *const kinds[] = { "walk2d", "walk2d_npt", "walk2d_kern", "walk2d_fault",
				     "walk1d_ept", "map1g", "map1g_2m",
				     "map1g_4k" };

int main(int argc, char **argv)
{
	unsigned long n;

	if (argc == 2 && !strcmp(argv[1], "--list")) {
		for (unsigned i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
			puts(kinds[i]);
		return 0;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: %s KIND ITERATIONS | --list\n", argv[0]);
		return 2;
	}
	n = strtoul(argv[2], NULL, 0);
	mem = calloc(1, MEM_SIZE);
	if (!strcmp(argv[1], "walk2d"))
		return bench_walk2d(n, false, false, false);
	if (!strcmp(argv[1], "walk2d_npt"))
		return bench_walk2d(n, true, false, false);
	if (!strcmp(argv[1], "walk2d_kern"))
		return bench_walk2d(n, false, true, false);
	if (!strcmp(argv[1], "walk2d_fault"))
		return bench_walk2d(n, false, false, true);
	if (!strcmp(argv[1], "walk1d_ept"))
		return bench_walk1d(n);
	if (!strcmp(argv[1], "map1g"))
		return bench_map1g(n, true, 2ull << 30);
	if (!strcmp(argv[1], "map1g_2m"))
		return bench_map1g(n, false, 2ull << 30);
	if (!strcmp(argv[1], "map1g_4k"))
		return bench_map1g(n, true, (2ull << 30) + 0x1000);
	fprintf(stderr, "unknown kind %s (see --list)\n", argv[1]);
	return 2;
}

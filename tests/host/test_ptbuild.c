/*
 * test_ptbuild.c - the EPT/NPT builder against a flat model.
 *
 * Random map/unmap/protect/MMIO-marker sequences over a 4 GiB guest-physical
 * window; after every step the tables are translated with the walker
 * (TDP dimension only) and compared with the model page by page, the
 * tables are checked to be in canonical form (no empty child table, no
 * child table that could be one large page), invalidation is reported
 * whenever a present translation was removed/reduced/changed, and no table
 * page leaks (allocs == frees after teardown).
 */
#include <stdlib.h>

#include "tests/host/check.h"
#include "ept/ept_fmt.h"
#include "mm/ptbuild.h"
#include "mm/walk.h"
#include "npt/npt_fmt.h"

/* ---- fake host memory for table pages ---------------------------------- */
#define POOL_PAGES 16384u
#define POOL_BASE 0x4000000000ull /* host-physical address of pool page 0 */

struct pool {
	uint8_t *mem;
	bool used[POOL_PAGES];
	unsigned next, allocs, frees, limit;
	bool bad_free;
};

static struct pool PL;

static uint64_t pool_alloc(void *o)
{
	struct pool *p = o;

	if (p->limit && p->allocs - p->frees >= p->limit)
		return PTB_NO_PAGE;
	for (unsigned n = 0; n < POOL_PAGES; n++) {
		unsigned i = (p->next + n) % POOL_PAGES;

		if (!p->used[i]) {
			p->used[i] = true;
			p->next = i + 1;
			p->allocs++;
			memset(p->mem + (uint64_t)i * 4096, 0, 4096);
			return POOL_BASE + (uint64_t)i * 4096;
		}
	}
	return PTB_NO_PAGE;
}

static void pool_free(void *o, uint64_t pa)
{
	struct pool *p = o;
	uint64_t i = (pa - POOL_BASE) / 4096;

	if (pa < POOL_BASE || i >= POOL_PAGES || !p->used[i]) {
		p->bad_free = true;
		return;
	}
	memset(p->mem + i * 4096, 0xa5, 4096); /* use-after-free shows up */
	p->used[i] = false;
	p->frees++;
}

static void *pool_ptr(void *o, uint64_t pa)
{
	struct pool *p = o;
	uint64_t i = (pa - POOL_BASE) / 4096;

	if (pa < POOL_BASE || i >= POOL_PAGES || !p->used[i])
		return NULL;
	return p->mem + (pa - POOL_BASE);
}

static void *walk_ptr(void *o, uint64_t pa, unsigned size)
{
	(void)size;
	return pool_ptr(o, pa);
}

static void pool_reset(void)
{
	if (!PL.mem)
		PL.mem = malloc((uint64_t)POOL_PAGES * 4096);
	memset(PL.used, 0, sizeof(PL.used));
	PL.next = PL.allocs = PL.frees = PL.limit = 0;
	PL.bad_free = false;
}

static const struct ptb_ops OPS = { pool_alloc, pool_free, pool_ptr, &PL };

/* ---- formats -------------------------------------------------------- */
enum { F_EPT4, F_EPT5, F_EPT4_NO1G, F_NPT, F_COUNT };
static const char *const FNAME[] = { "ept4", "ept5", "ept4-no1g", "npt" };

static void make_fmt(int which, struct pg_format *f)
{
	if (which == F_NPT) {
		struct npt_fmt_params np = { .maxphyaddr = 48, .nxe = true, .gbpages = true };

		npt_fmt_build(f, &np);
	} else {
		struct ept_fmt_params ep = { .levels = which == F_EPT5 ? 5 : 4, .maxphyaddr = 48,
					     .exec_only = true, .gbpages = which != F_EPT4_NO1G };

		ept_fmt_build(f, &ep);
	}
}

static void ctx_for(struct walk_ctx *c, const struct ptb *b)
{
	memset(c, 0, sizeof(*c));
	c->tdp.fmt = b->fmt;
	c->tdp.root = b->root;
	c->mem.ptr = walk_ptr;
	c->mem.opaque = &PL;
}

/* ---- the flat model ------------------------------------------------- */
#define WIN_PAGES (1u << 20) /* 4 GiB of 4 KiB pages */

struct mpage {
	uint64_t hpa;
	uint8_t perm; /* 0 = unmapped */
	uint8_t memtype;
	bool mmio;
};

static struct mpage *MODEL;

/* Compare one page with the model; returns false (and reports) on a mismatch. */
static bool check_page(const struct walk_ctx *c, bool npt, uint64_t pn)
{
	const struct mpage *m = &MODEL[pn];
	struct walk_result r;
	uint64_t gpa = pn << 12 | 0x123;
	uint32_t acc = (m->perm & PG_PERM_R) || !m->perm ? WALK_ACC_READ : WALK_ACC_FETCH;
	int k = walk_gpa_to_hpa(c, gpa, acc, &r);

	if (m->mmio) {
		if (k != (npt ? WALK_FAULT_RSVD : WALK_FAULT_MISCONFIG)) {
			CHECK_FAIL_AT(__FILE__, __LINE__, "gpa %#llx: MMIO marker gave %d",
				      (unsigned long long)gpa, k);
			return false;
		}
		return true;
	}
	if (!m->perm) {
		if (k != WALK_FAULT_NOT_PRESENT) {
			CHECK_FAIL_AT(__FILE__, __LINE__, "gpa %#llx: unmapped gave %d hpa %#llx",
				      (unsigned long long)gpa, k, (unsigned long long)r.hpa);
			return false;
		}
		return true;
	}
	if (k != WALK_OK || r.hpa != (m->hpa | 0x123) || (r.tdp_perm & 7) != m->perm ||
	    (!npt && r.memtype != m->memtype)) {
		CHECK_FAIL_AT(__FILE__, __LINE__,
			      "gpa %#llx: got k %d hpa %#llx perm %#x mt %u, want hpa %#llx perm %#x mt %u",
			      (unsigned long long)gpa, k, (unsigned long long)r.hpa, r.tdp_perm & 7,
			      r.memtype, (unsigned long long)m->hpa, m->perm, m->memtype);
		return false;
	}
	return true;
}

/* Canonical form: returns the number of tables under (and including) pa. */
static unsigned check_canonical(const struct ptb *b, uint64_t pa, unsigned lvl, bool *ok)
{
	const struct pg_format *f = b->fmt;
	const uint64_t *t = pool_ptr(&PL, pa);
	unsigned n = 1;

	if (!t) {
		*ok = false;
		return 0;
	}
	for (unsigned i = 0; i < 512 && lvl > 0; i++) {
		uint64_t e = t[i], *ct;
		bool uniform = true, empty = true, marker;

		if (!e || (e & f->ps))
			continue;
		ct = pool_ptr(&PL, e & f->table_addr);
		if (!ct) {
			*ok = false;
			continue;
		}
		marker = (ct[0] & ~f->ps) == f->mmio_marker;
		for (unsigned j = 0; j < 512; j++) {
			uint64_t child = 1ull << (12 + 9 * (lvl - 1));
			uint64_t want = marker ? ct[0] : ct[0] + j * child;

			if (ct[j])
				empty = false;
			if (ct[j] != want || (lvl - 1 > 0 && !(ct[j] & f->ps)))
				uniform = false;
		}
		if (!marker && (ct[0] & f->lvl[lvl - 1].leaf_addr & ((1ull << f->lvl[lvl].shift) - 1)))
			uniform = false;
		if (empty || (uniform && f->lvl[lvl].large_ok && ct[0])) {
			CHECK_FAIL_AT(__FILE__, __LINE__, "%s child table at level %u index %u",
				      empty ? "empty" : "mergeable", lvl + 1, i);
			*ok = false;
		}
		n += check_canonical(b, e & f->table_addr, lvl - 1, ok);
	}
	return n;
}

static uint64_t rnd_state = 12345;
static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static unsigned rand_perm(bool npt)
{
	static const unsigned ept[] = { 1, 3, 5, 7, 4 }, npt_p[] = { 1, 3, 5, 7 };

	return npt ? npt_p[rnd() % 4] : ept[rnd() % 5];
}

static void run_sequence(int which, unsigned steps)
{
	struct pg_format f;
	struct ptb b;
	struct walk_ctx c;
	bool npt = which == F_NPT;
	unsigned bad = 0;

	pool_reset();
	make_fmt(which, &f);
	if (!MODEL)
		MODEL = malloc(sizeof(*MODEL) * WIN_PAGES);
	memset(MODEL, 0, sizeof(*MODEL) * WIN_PAGES);
	CHECK_EQ(ptb_init(&b, &f, &OPS), PTB_OK);
	for (unsigned s = 0; s < steps && !bad; s++) {
		static const uint64_t grain[] = { 1, 512, 512 * 512 };
		uint64_t g = grain[rnd() % 3];
		uint64_t start = (rnd() % (WIN_PAGES / g)) * g;
		uint64_t npages = g * (1 + rnd() % 3);
		unsigned op = (unsigned)(rnd() % 10), perm = rand_perm(npt);
		unsigned mt = (unsigned[]){ EPT_MT_WB, EPT_MT_UC, EPT_MT_WT }[rnd() % 3];
		uint64_t hpa = ((rnd() % (1u << 20)) * g % (1ull << 24)) << 12;
		bool flush = false, want_flush = false;
		int err;

		if (rnd() % 4 == 0) /* unaligned edges split large pages */
			start += rnd() % 3, npages += rnd() % 3;
		if (start + npages > WIN_PAGES)
			npages = WIN_PAGES - start;
		if (op < 5)
			err = ptb_map(&b, start << 12, hpa, npages << 12, perm, mt, &flush);
		else if (op < 7)
			err = ptb_unmap(&b, start << 12, npages << 12, &flush);
		else if (op < 9)
			err = ptb_protect(&b, start << 12, npages << 12, perm, &flush);
		else
			err = ptb_mark_mmio(&b, start << 12, npages << 12, &flush);
		CHECK_EQ(err, PTB_OK);
		for (uint64_t p = start; p < start + npages; p++) {
			struct mpage *m = &MODEL[p], old = *m;
			bool was = old.perm || old.mmio;

			if (op < 5)
				*m = (struct mpage){ .hpa = hpa + ((p - start) << 12), .perm = (uint8_t)perm,
						     .memtype = (uint8_t)mt };
			else if (op < 7)
				*m = (struct mpage){ 0 };
			else if (op < 9) {
				if (old.perm)
					m->perm = (uint8_t)perm;
			} else
				*m = (struct mpage){ .mmio = true };
			if (was && (m->hpa != old.hpa || m->mmio != old.mmio || m->memtype != old.memtype ||
				    (old.perm & ~m->perm)))
				want_flush = true;
		}
		if (want_flush && !flush) {
			CHECK_FAIL_AT(__FILE__, __LINE__, "%s step %u: no invalidation reported",
				      FNAME[which], s);
			bad++;
		}
		ctx_for(&c, &b);
		for (int d = -2; d <= 2; d++) {
			uint64_t edges[2] = { start + (uint64_t)d, start + npages + (uint64_t)d };

			for (int e = 0; e < 2; e++)
				if (edges[e] < WIN_PAGES && !check_page(&c, npt, edges[e]))
					bad++;
		}
		for (int i = 0; i < 200 && !bad; i++)
			if (!check_page(&c, npt, rnd() % WIN_PAGES))
				bad++;
		if (!bad && (s % 97 == 96 || s + 1 == steps)) {
			bool ok = true;
			unsigned n = check_canonical(&b, b.root, f.levels - 1u, &ok);

			CHECK(ok);
			CHECK_EQ(n, b.tables);
			CHECK_EQ(PL.allocs - PL.frees, b.tables);
			for (uint64_t p = 0; p < WIN_PAGES && !bad; p += 1 + (rnd() % 8))
				if (!check_page(&c, npt, p))
					bad++;
		}
	}
	printf("  %s: %u steps, %u table pages at the end, %u allocs\n", FNAME[which], steps,
	       b.tables, PL.allocs);
	ptb_destroy(&b);
	CHECK_EQ(PL.allocs, PL.frees);
	CHECK(!PL.bad_free);
}

TEST(random_sequences_ept4)
{
	run_sequence(F_EPT4, 300);
}

TEST(random_sequences_ept5)
{
	run_sequence(F_EPT5, 200);
}

TEST(random_sequences_ept4_without_1g_pages)
{
	run_sequence(F_EPT4_NO1G, 200);
}

TEST(random_sequences_npt)
{
	run_sequence(F_NPT, 300);
}

TEST(large_pages_split_and_merge)
{
	struct pg_format f;
	struct ptb b;
	bool flush;

	pool_reset();
	make_fmt(F_EPT4, &f);
	CHECK_EQ(ptb_init(&b, &f, &OPS), PTB_OK);
	/* 1 GiB aligned: one PML4 + one PDPT, a 1 GiB leaf. */
	CHECK_EQ(ptb_map(&b, 1ull << 30, 5ull << 30, 1ull << 30, 7, EPT_MT_WB, &flush), PTB_OK);
	CHECK(!flush);
	CHECK_EQ(b.tables, 2);
	/* Write-protect one 4 KiB page: split 1G -> 2M -> 4K. */
	CHECK_EQ(ptb_protect(&b, (1ull << 30) + 0x3000, 0x1000, PG_PERM_R | PG_PERM_X, &flush), PTB_OK);
	CHECK(flush);
	CHECK_EQ(b.tables, 4);
	/* Give it back: merges up to the 1 GiB leaf again. */
	CHECK_EQ(ptb_protect(&b, (1ull << 30) + 0x3000, 0x1000, 7, &flush), PTB_OK);
	CHECK_EQ(b.tables, 2);
	/* Adding a permission alone needs no invalidation. */
	CHECK_EQ(ptb_protect(&b, 1ull << 30, 1ull << 30, 7, &flush), PTB_OK);
	CHECK(!flush);
	/* Unmap all: the tables below the root go away. */
	CHECK_EQ(ptb_unmap(&b, 0, 4ull << 30, &flush), PTB_OK);
	CHECK(flush);
	CHECK_EQ(b.tables, 1);
	/* Misaligned host address: 4 KiB pages only. */
	CHECK_EQ(ptb_map(&b, 0, 0x1000, 4ull << 20, 7, EPT_MT_WB, &flush), PTB_OK);
	CHECK_EQ(b.tables, 5); /* PML4 (root) + PDPT + PD + 2 PTs */
	ptb_destroy(&b);
	CHECK_EQ(PL.allocs, PL.frees);
	/* Bad arguments. */
	pool_reset();
	CHECK_EQ(ptb_init(&b, &f, &OPS), PTB_OK);
	CHECK_EQ(ptb_map(&b, 0x800, 0, 0x1000, 7, EPT_MT_WB, &flush), PTB_EINVAL);
	CHECK_EQ(ptb_map(&b, 0, 0, 0x1000, PG_PERM_W, EPT_MT_WB, &flush), PTB_EINVAL);
	CHECK_EQ(ptb_map(&b, 0, 0, 0x1000, 7, 2, &flush), PTB_EINVAL);
	PL.limit = 2;
	CHECK_EQ(ptb_map(&b, 0, 0x1000, 0x2000, 7, EPT_MT_WB, &flush), PTB_ENOMEM);
	ptb_destroy(&b);
	CHECK_EQ(PL.allocs, PL.frees);
}

TEST(regions_build_and_mmio_markers)
{
	static const struct ptb_region regions[] = {
		{ .gpa = 0, .size = 0xa0000, .hpa = 0x100000000ull, .perm = 7, .kind = PTB_REGION_RAM },
		{ .gpa = 0x100000, .size = (3ull << 30) - 0x100000, .hpa = 0x100100000ull, .perm = 7,
		  .kind = PTB_REGION_RAM },
		{ .gpa = 0xe0000000ull, .size = 16 << 20, .hpa = 0xe0000000ull, .perm = 3,
		  .kind = PTB_REGION_DEVICE },
		{ .gpa = 0xfee00000ull, .size = 0x1000, .kind = PTB_REGION_MMIO },
	};
	for (int which = F_EPT4; which <= F_NPT; which += F_NPT - F_EPT4) {
		struct pg_format f;
		struct ptb b;
		struct walk_ctx c;
		struct walk_result r;
		bool npt = which == F_NPT;

		pool_reset();
		make_fmt(which, &f);
		CHECK_EQ(ptb_init(&b, &f, &OPS), PTB_OK);
		CHECK_EQ(ptb_build_regions(&b, regions, 4), PTB_OK);
		ctx_for(&c, &b);
		CHECK_EQ(walk_gpa_to_hpa(&c, 0x9f123, WALK_ACC_WRITE, &r), WALK_OK);
		CHECK_EQ(r.hpa, 0x10009f123ull);
		CHECK_EQ(r.tdp_shift, 12);
		CHECK_EQ(walk_gpa_to_hpa(&c, 0xa0000, WALK_ACC_READ, &r), WALK_FAULT_NOT_PRESENT);
		CHECK_EQ(walk_gpa_to_hpa(&c, 0x40001234, WALK_ACC_FETCH, &r), WALK_OK);
		CHECK_EQ(r.hpa, 0x140001234ull);
		CHECK_EQ(r.tdp_shift, 30);
		CHECK_EQ(walk_gpa_to_hpa(&c, 0x200000, WALK_ACC_READ, &r), WALK_OK);
		CHECK_EQ(r.tdp_shift, 21);
		if (!npt)
			CHECK_EQ(r.memtype, EPT_MT_WB);
		CHECK_EQ(walk_gpa_to_hpa(&c, 0xe0001000ull, WALK_ACC_WRITE, &r), WALK_OK);
		CHECK_EQ(r.hpa, 0xe0001000ull);
		if (!npt)
			CHECK_EQ(r.memtype, EPT_MT_UC);
		CHECK_EQ(walk_gpa_to_hpa(&c, 0xe0001000ull, WALK_ACC_FETCH, &r), WALK_FAULT_PERM);
		/* The MMIO page: misconfiguration on EPT, RSVD #NPF on NPT. */
		c.guest.fmt = NULL;
		CHECK_EQ(walk_translate(&c, 0xfee00030ull, WALK_ACC_WRITE, &r),
			 npt ? WALK_FAULT_RSVD : WALK_FAULT_MISCONFIG);
		if (npt)
			CHECK_EQ(npt_npf_exitinfo1(&r.fault), 0x10000000full);
		else
			CHECK(walk_fault_is_ept_misconfig(&r.fault));
		CHECK_EQ(walk_gpa_to_hpa(&c, 0xfee01000ull, WALK_ACC_READ, &r), WALK_FAULT_NOT_PRESENT);
		ptb_destroy(&b);
		CHECK_EQ(PL.allocs, PL.frees);
		CHECK(!PL.bad_free);
	}
}

TEST_MAIN()

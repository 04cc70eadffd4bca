/*
 * walk_random.h - random machines for differential tests of the walker:
 * a small pool of pages filled with biased random entries (mostly valid,
 * sometimes reserved bits, large pages, odd permissions), random paging
 * modes and random accesses. Shared by test_walk_ref.c and fuzz_walk.c;
 * the randomness comes from a byte source so the fuzzer can drive it.
 */
#ifndef NESTOR_TESTS_WALK_RANDOM_H
#define NESTOR_TESTS_WALK_RANDOM_H

#include <stdint.h>
#include <string.h>

#include "ept/ept_fmt.h"
#include "mm/guest_fmt.h"
#include "mm/pf_error.h"
#include "mm/walk.h"
#include "npt/npt_fmt.h"
#include "tests/host/ref_walk.h"

#define WR_PAGES 24u
#define WR_TDP_PAGES 12u /* pages 0..11 hold TDP tables, 12..23 guest tables */
#define WR_MEM (WR_PAGES * 4096u)
/* Entries are written only at indices 0..31 and the last 36 (4- or 8-byte
 * entries): bytes [0, 256) and [4096 - 288, 4096) of each page. Entries
 * elsewhere stay 0 (not present), so A/D updates only land in these. */
#define WR_HOT_LO 256u
#define WR_HOT_HI 288u

/* Copy (dst from src) or compare the hot slices of two pools. */
static inline void wr_copy_hot(uint8_t *dst, const uint8_t *src)
{
	for (unsigned p = 0; p < WR_PAGES; p++) {
		memcpy(dst + p * 4096, src + p * 4096, WR_HOT_LO);
		memcpy(dst + p * 4096 + 4096 - WR_HOT_HI, src + p * 4096 + 4096 - WR_HOT_HI, WR_HOT_HI);
	}
}

static inline bool wr_same_hot(const uint8_t *a, const uint8_t *b)
{
	for (unsigned p = 0; p < WR_PAGES; p++)
		if (memcmp(a + p * 4096, b + p * 4096, WR_HOT_LO) ||
		    memcmp(a + p * 4096 + 4096 - WR_HOT_HI, b + p * 4096 + 4096 - WR_HOT_HI, WR_HOT_HI))
			return false;
	return true;
}

/* Byte source: a PRNG (tests) or fuzzer input (then zeros when exhausted). */
struct wr_src {
	uint64_t s;
	const uint8_t *data;
	size_t len, pos;
	bool fuzz;
};

static inline uint64_t wr_u64(struct wr_src *r)
{
	if (r->fuzz) {
		uint64_t v = 0;

		for (int i = 0; i < 8 && r->pos < r->len; i++)
			v |= (uint64_t)r->data[r->pos++] << (8 * i);
		return v;
	}
	/* splitmix64 */
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline unsigned wr_below(struct wr_src *r, unsigned n)
{
	if (r->fuzz && r->pos < r->len)
		return r->data[r->pos++] % n;
	return (unsigned)(wr_u64(r) % n);
}

/* true with probability pct/100 */
static inline bool wr_pct(struct wr_src *r, unsigned pct)
{
	return wr_below(r, 100) < pct;
}

/* Hot indices: every walk uses these, so only they are filled. */
static inline unsigned wr_index(struct wr_src *r, unsigned entries)
{
	unsigned i = wr_below(r, 36);

	return i < 32 ? i : entries - 36 + i;
}

static inline uint64_t wr_rare_bit(struct wr_src *r)
{
	return wr_pct(r, 4) ? (1ull << (12 + wr_below(r, 52))) : 0;
}

/* One entry for a tdp-format page. Page i at leaf index idx usually
 * maps GPA page idx to host page idx (so guest tables are found). */
static inline uint64_t wr_tdp_entry(struct wr_src *r, int nkind, unsigned idx)
{
	uint64_t e;
	bool to_table = wr_pct(r, 60);
	uint64_t addr = to_table ? (uint64_t)wr_below(r, WR_TDP_PAGES) << 12
				 : (wr_pct(r, 60) && idx < WR_PAGES ? (uint64_t)idx << 12
								     : (uint64_t)wr_below(r, WR_PAGES) << 12);

	if (wr_pct(r, 5))
		addr = (wr_u64(r) & 0xffffff000ull);
	if (nkind == REF_N_NPT) {
		e = addr | (wr_pct(r, 92) ? 1 : 0) | (wr_pct(r, 85) ? 2 : 0) | (wr_pct(r, 92) ? 4 : 0);
		if (wr_pct(r, 10))
			e |= 1ull << 63;
		if (wr_pct(r, 20))
			e |= 0x20;
		if (wr_pct(r, 10))
			e |= 0x40;
	} else {
		e = addr | (wr_pct(r, 92) ? 1 : 0) | (wr_pct(r, 80) ? 2 : 0) | (wr_pct(r, 80) ? 4 : 0);
		if (wr_pct(r, 4))
			e &= ~7ull;
		if (wr_pct(r, 3))
			e = (e & ~7ull) | wr_below(r, 8);
		/* Table pointers have bits 7:3 clear; leaves a memory type. */
		if (!to_table)
			e |= wr_pct(r, 92) ? (6ull << 3) : ((uint64_t)wr_below(r, 8) << 3);
		if (!to_table && wr_pct(r, 20))
			e |= 0x40;
		if (wr_pct(r, 20))
			e |= 0x100;
		if (wr_pct(r, 10))
			e |= 0x200;
		if (wr_pct(r, 10))
			e |= wr_u64(r) & 0xfff0000000000c00ull;
	}
	if (!to_table ? wr_pct(r, 60) : wr_pct(r, 3)) {
		e |= 0x80;
		if (wr_pct(r, 85)) /* large pages are mostly aligned */
			e &= ~0x3ffff000ull;
	}
	return e | wr_rare_bit(r);
}

static inline uint64_t wr_guest_entry(struct wr_src *r, bool small)
{
	uint64_t addr = (uint64_t)(WR_TDP_PAGES + wr_below(r, WR_PAGES - WR_TDP_PAGES)) << 12;
	uint64_t e;

	if (wr_pct(r, 25))
		addr = (uint64_t)wr_below(r, WR_PAGES) << 12;
	if (wr_pct(r, 4))
		addr = wr_u64(r) & (small ? 0xfffff000ull : 0xfffffff000ull);
	e = addr | (wr_pct(r, 90) ? 1 : 0) | (wr_pct(r, 75) ? 2 : 0) | (wr_pct(r, 75) ? 4 : 0);
	if (wr_pct(r, 30))
		e |= 0x20;
	if (wr_pct(r, 15))
		e |= 0x40;
	if (wr_pct(r, 25)) {
		e |= 0x80;
		if (wr_pct(r, 85))
			e &= ~0x3ffff000ull;
	}
	if (small) {
		if (wr_pct(r, 15))
			e |= (uint64_t)wr_below(r, 256) << 13;
		return e & 0xffffffffu;
	}
	if (wr_pct(r, 20))
		e |= 1ull << 63;
	if (wr_pct(r, 20))
		e |= (uint64_t)wr_below(r, 16) << 59;
	if (wr_pct(r, 5))
		e |= wr_u64(r) & 0x7ff0000000000000ull;
	return e | wr_rare_bit(r);
}

/* One random machine: ref config + the engine's formats and context. */
struct wr_machine {
	struct ref_cfg rc;
	struct pg_format gf, nf;
	struct walk_ctx c;
};

static inline void wr_fill(struct wr_src *r, struct wr_machine *m, uint8_t *mem)
{
	static const unsigned gmax[] = { 36, 39, 40, 46, 52 };
	static const unsigned nmax[] = { 36, 39, 46, 48 };
	struct ref_cfg *c = &m->rc;

	memset(c, 0, sizeof(*c));
	c->gmode = (int)wr_below(r, 5);
	c->nkind = (int)wr_below(r, 4);
	c->gmaxphy = gmax[wr_below(r, 5)];
	c->nmaxphy = nmax[wr_below(r, 4)];
	c->pse = wr_pct(r, 70);
	c->nxe = wr_pct(r, 70);
	c->pke = wr_pct(r, 30) && (c->gmode == REF_G_4L || c->gmode == REF_G_5L);
	c->gbpages = wr_pct(r, 70);
	c->amd = wr_pct(r, 30);
	c->wp = wr_pct(r, 70);
	c->smep = wr_pct(r, 40);
	c->smap = wr_pct(r, 40);
	c->pkru = (uint32_t)wr_u64(r) & (uint32_t)wr_u64(r);
	c->groot = (uint64_t)(WR_TDP_PAGES + wr_below(r, WR_PAGES - WR_TDP_PAGES)) << 12;
	if (c->gmode == REF_G_PAE)
		c->groot |= 32 * wr_below(r, 128) & 0xfe0;
	for (int i = 0; i < 4; i++) {
		c->pdpte[i] = wr_guest_entry(r, false) & ~(1ull << 63);
		if (wr_pct(r, 80))
			c->pdpte[i] &= ~0x1e6ull; /* usually valid */
	}
	c->ept_ad = wr_pct(r, 50);
	c->exec_only = wr_pct(r, 50);
	c->ngbpages = wr_pct(r, 70);
	c->npt_nxe = wr_pct(r, 70);
	c->nroot = (uint64_t)wr_below(r, WR_TDP_PAGES) << 12;
	c->set_ad = wr_pct(r, 80);
	c->mem = mem;
	c->memsize = WR_MEM;

	/* Only the hot slices of each page are ever non-zero (the rest of
	 * mem is zeroed once by the caller); clear them for this machine. */
	for (unsigned p = 0; p < WR_PAGES; p++) {
		memset(mem + p * 4096, 0, WR_HOT_LO);
		memset(mem + p * 4096 + 4096 - WR_HOT_HI, 0, WR_HOT_HI);
	}
	for (unsigned p = 0; p < WR_PAGES; p++) {
		bool tdp_page = p < WR_TDP_PAGES;
		bool small = !tdp_page && c->gmode == REF_G_32;
		unsigned entries = small ? 1024 : 512;

		for (unsigned i = 0; i < 36; i++) {
			/* Fuzzing: once the input is used up, leave the rest empty. */
			if (r->fuzz && r->pos >= r->len)
				break;
			unsigned idx = i < 32 ? i : entries - 36 + i;
			uint64_t e = tdp_page ? wr_tdp_entry(r, c->nkind, idx)
						 : wr_guest_entry(r, small);

			if (small)
				memcpy(mem + p * 4096 + idx * 4, &e, 4);
			else
				memcpy(mem + p * 4096 + idx * 8, &e, 8);
		}
	}

	/* The engine's view of the same machine. */
	memset(&m->c, 0, sizeof(m->c));
	m->c.mem.direct = mem;
	m->c.mem.direct_size = WR_MEM;
	m->c.flags = c->set_ad ? WALK_F_SET_AD : 0;
	if (c->gmode != REF_G_OFF) {
		static const uint8_t modes[] = { 0, GUEST_PAGING_32, GUEST_PAGING_PAE, GUEST_PAGING_4LEVEL,
						 GUEST_PAGING_5LEVEL };
		struct guest_fmt_params gp = { .mode = modes[c->gmode], .maxphyaddr = (uint8_t)c->gmaxphy,
					       .pse = c->pse, .nxe = c->nxe, .smep = c->smep, .pke = c->pke,
					       .gbpages = c->gbpages, .amd = c->amd };

		guest_fmt_build(&m->gf, &gp);
		m->c.guest.fmt = &m->gf;
		m->c.guest.root = guest_cr3_root(gp.mode, c->groot, c->gmaxphy);
		memcpy(m->c.guest.pdpte, c->pdpte, sizeof(c->pdpte));
		m->c.guest.wp = c->wp;
		m->c.guest.smep = c->smep;
		m->c.guest.smap = c->smap;
		m->c.guest.pkru = c->pkru;
	}
	if (c->nkind == REF_N_NPT) {
		struct npt_fmt_params np = { .maxphyaddr = (uint8_t)c->nmaxphy, .nxe = c->npt_nxe,
					     .gbpages = c->ngbpages };

		npt_fmt_build(&m->nf, &np);
	} else if (c->nkind != REF_N_NONE) {
		struct ept_fmt_params ep = { .levels = c->nkind == REF_N_EPT5 ? 5 : 4,
					     .maxphyaddr = (uint8_t)c->nmaxphy, .ad = c->ept_ad,
					     .exec_only = c->exec_only, .gbpages = c->ngbpages };

		ept_fmt_build(&m->nf, &ep);
	}
	if (c->nkind != REF_N_NONE) {
		m->c.tdp.fmt = &m->nf;
		m->c.tdp.root = c->nroot;
	}
}

static inline uint64_t wr_gla(struct wr_src *r, const struct wr_machine *m)
{
	uint64_t gla = wr_u64(r) & 0xfff;

	switch (m->rc.gmode) {
	case REF_G_32:
		return gla | (uint64_t)wr_index(r, 1024) << 12 | (uint64_t)wr_index(r, 1024) << 22;
	case REF_G_PAE:
		return gla | (uint64_t)wr_index(r, 512) << 12 | (uint64_t)wr_index(r, 512) << 21 |
		       (uint64_t)wr_below(r, 4) << 30;
	case REF_G_OFF:
		/* GPAs inside and around the pool, plus large-page offsets. */
		return gla | (uint64_t)wr_below(r, 40) << 12 | (wr_pct(r, 20) ? wr_u64(r) & 0x3fe00000ull : 0);
	default:
		for (unsigned l = 0; l < 5; l++)
			gla |= (uint64_t)wr_index(r, 512) << (12 + 9 * l);
		return gla;
	}
}

static inline unsigned wr_access(struct wr_src *r)
{
	static const unsigned kinds[] = { REF_R, REF_W, REF_R | REF_W, REF_X };
	unsigned a = kinds[wr_below(r, 4)];

	if (wr_pct(r, 10))
		a |= REF_IMPL;
	else if (wr_pct(r, 50))
		a |= REF_USER;
	if (wr_pct(r, 50))
		a |= REF_AC;
	return a;
}

/* REF_* access bits -> WALK_ACC_* (kept separate on purpose). */
static inline uint32_t wr_walk_acc(unsigned a)
{
	return ((a & REF_R) ? WALK_ACC_READ : 0) | ((a & REF_W) ? WALK_ACC_WRITE : 0) |
	       ((a & REF_X) ? WALK_ACC_FETCH : 0) | ((a & REF_USER) ? WALK_ACC_USER : 0) |
	       ((a & REF_IMPL) ? WALK_ACC_IMPLICIT : 0) | ((a & REF_AC) ? WALK_ACC_AC : 0);
}

/*
 * Compare one engine result with the reference. Returns NULL when they
 * agree, else a description of the first difference.
 */
static inline const char *wr_compare(const struct wr_machine *m, int ek, const struct walk_result *er,
				     int rk, const struct ref_out *ro)
{
	static const int kmap[] = { [WALK_OK] = REF_OK, [WALK_FAULT_NOT_PRESENT] = REF_NOTP,
				    [WALK_FAULT_RSVD] = REF_RSVD, [WALK_FAULT_PERM] = REF_PERM,
				    [WALK_FAULT_MISCONFIG] = REF_MISCONF, [WALK_FAULT_NO_MEMORY] = REF_NOMEM };
	const struct walk_fault *f = &er->fault;

	if (kmap[ek] != rk)
		return "fault kind";
	if (rk == REF_OK)
		return er->gpa != ro->gpa ? "gpa" : er->hpa != ro->hpa ? "hpa" : NULL;
	if (f->dim != ro->dim)
		return "dimension";
	if (f->level != ro->level)
		return "level";
	if (f->at_guest_table != ro->at_table)
		return "at guest table";
	if (ro->at_table && f->guest_level != ro->guest_level)
		return "guest level";
	if (rk == REF_NOMEM)
		return NULL;
	if (ro->dim == REF_DIM_GUEST)
		return walk_pf_error_code(f) != ro->pfec ? "#PF error code" : NULL;
	if (f->gpa != ro->fault_gpa)
		return "fault gpa";
	if (m->rc.nkind == REF_N_NPT)
		return npt_npf_exitinfo1(f) != ro->exitinfo1 ? "EXITINFO1" : NULL;
	if (rk == REF_MISCONF)
		return walk_fault_is_ept_misconfig(f) ? NULL : "misconfig";
	return ept_violation_qual(f, false) != ro->qual ? "EPT qualification" : NULL;
}

#endif

/*
 * walk_fixture.h - a fake machine for walker unit tests.
 *
 * 4 MiB of "host-physical" memory. With a TDP dimension, guest-physical
 * [0, 1 MiB) is mapped by 4 KiB tdp leaves to host-physical
 * [1 MiB, 2 MiB) (so every guest table address really is translated);
 * TDP tables live at 3 MiB+. Guest tables are allocated at GPA 64 KiB+.
 * The helpers use the format descriptions only for index arithmetic; the
 * entry bits each test writes are spelled out in the test.
 */
#ifndef NESTOR_TESTS_WALK_FIXTURE_H
#define NESTOR_TESTS_WALK_FIXTURE_H

#include <stdlib.h>
#include <string.h>

#include "ept/ept_fmt.h"
#include "mm/guest_fmt.h"
#include "mm/walk.h"
#include "npt/npt_fmt.h"

#define FX_MEM (4u << 20)
#define FX_GOFF 0x100000ull    /* hpa = gpa + FX_GOFF for guest RAM */
#define FX_TDP_BASE 0x300000ull
#define FX_GTABLE_BASE 0x10000ull

struct fx {
	uint8_t *mem;
	uint64_t tdp_next, guest_next;
	struct pg_format gf, nf;
	struct walk_ctx c;
	bool has_tdp;
};

static inline void *fx_hptr(struct fx *x, uint64_t hpa)
{
	if (hpa >= FX_MEM) {
		fprintf(stderr, "fixture: hpa %#llx out of range\n", (unsigned long long)hpa);
		abort();
	}
	return x->mem + hpa;
}

static inline uint64_t fx_g2h(struct fx *x, uint64_t gpa)
{
	return x->has_tdp ? gpa + FX_GOFF : gpa;
}

/* Pointer to the tdp entry at level lvl (0-based) for gpa, creating
 * tables on the way (full-permission table entries). */
static inline uint64_t *fx_tdp_entry(struct fx *x, uint64_t gpa, unsigned lvl)
{
	const struct pg_format *f = &x->nf;
	uint64_t table = x->c.tdp.root;
	uint64_t tbits = f->r | f->w | f->x | f->u;

	for (int l = f->levels - 1;; l--) {
		uint64_t *e = fx_hptr(x, table + 8 * pg_index(f, (unsigned)l, gpa));

		if ((unsigned)l == lvl)
			return e;
		if (!*e) {
			*e = x->tdp_next | tbits;
			x->tdp_next += 4096;
		}
		table = *e & f->table_addr;
	}
}

/* Pointer to the guest entry at level lvl for gva (tables created). */
static inline void *fx_guest_entry(struct fx *x, uint64_t gva, unsigned lvl, uint64_t tbits)
{
	const struct pg_format *f = &x->gf;
	uint64_t table = x->c.guest.root;
	unsigned es = 1u << f->entry_shift;

	for (int l = f->levels - 1;; l--) {
		unsigned idx = pg_index(f, (unsigned)l, gva);
		void *p;
		uint64_t e;

		if (f->lvl[l].from_regs) {
			if ((unsigned)l == lvl)
				return &x->c.guest.pdpte[idx];
			if (!x->c.guest.pdpte[idx]) {
				x->c.guest.pdpte[idx] = x->guest_next | 1;
				x->guest_next += 4096;
			}
			table = x->c.guest.pdpte[idx] & f->table_addr;
			continue;
		}
		p = fx_hptr(x, fx_g2h(x, table + es * idx));
		if ((unsigned)l == lvl)
			return p;
		e = es == 8 ? *(uint64_t *)p : *(uint32_t *)p;
		if (!e) {
			e = x->guest_next | tbits;
			x->guest_next += 4096;
			if (es == 8)
				*(uint64_t *)p = e;
			else
				*(uint32_t *)p = (uint32_t)e;
		}
		table = e & f->table_addr;
	}
}

static inline void fx_guest_set(struct fx *x, uint64_t gva, unsigned lvl, uint64_t tbits, uint64_t v)
{
	void *p = fx_guest_entry(x, gva, lvl, tbits);

	if (x->gf.entry_shift == 3)
		*(uint64_t *)p = v;
	else
		*(uint32_t *)p = (uint32_t)v;
}

static inline uint64_t fx_guest_get(struct fx *x, uint64_t gva, unsigned lvl)
{
	void *p = fx_guest_entry(x, gva, lvl, 0);

	return x->gf.entry_shift == 3 ? *(uint64_t *)p : *(uint32_t *)p;
}

enum fx_tdp { FX_NONE, FX_EPT4, FX_EPT5, FX_NPT };

/*
 * A fresh machine: guest mode gmode (enum guest_paging), tdp kind, EPT
 * A/D. TDP: GPA [0, 1 MiB) -> HPA +1 MiB with 4 KiB leaves, RWX, WB.
 */
static inline void fx_init(struct fx *x, unsigned gmode, unsigned tdp, bool ept_ad)
{
	static uint8_t *mem;

	if (!mem)
		mem = malloc(FX_MEM);
	memset(mem, 0, FX_MEM);
	memset(x, 0, sizeof(*x));
	x->mem = mem;
	x->c.mem.direct = mem;
	x->c.mem.direct_size = FX_MEM;
	x->c.flags = WALK_F_SET_AD;
	x->tdp_next = FX_TDP_BASE + 4096;
	x->guest_next = FX_GTABLE_BASE + 4096;
	if (gmode != GUEST_PAGING_OFF) {
		struct guest_fmt_params gp = { .mode = (uint8_t)gmode, .maxphyaddr = 46, .pse = true,
					       .nxe = true, .gbpages = true };
		guest_fmt_build(&x->gf, &gp);
		x->c.guest.fmt = &x->gf;
		x->c.guest.root = FX_GTABLE_BASE;
		x->c.guest.wp = true;
	}
	if (tdp == FX_EPT4 || tdp == FX_EPT5) {
		struct ept_fmt_params ep = { .levels = tdp == FX_EPT5 ? 5 : 4, .maxphyaddr = 46,
					     .ad = ept_ad, .exec_only = true, .gbpages = true };
		ept_fmt_build(&x->nf, &ep);
	} else if (tdp == FX_NPT) {
		struct npt_fmt_params np = { .maxphyaddr = 46, .nxe = true, .gbpages = true };
		npt_fmt_build(&x->nf, &np);
	}
	if (tdp != FX_NONE) {
		x->has_tdp = true;
		x->c.tdp.fmt = &x->nf;
		x->c.tdp.root = FX_TDP_BASE;
		for (uint64_t g = 0; g < 0x100000; g += 4096) {
			uint64_t leaf = (g + FX_GOFF) | x->nf.r | x->nf.w | x->nf.x | x->nf.u;

			if (x->nf.memtype_mask)
				leaf |= (uint64_t)EPT_MT_WB << EPT_MEMTYPE_SHIFT;
			*fx_tdp_entry(x, g, 0) = leaf;
		}
	}
}

#endif

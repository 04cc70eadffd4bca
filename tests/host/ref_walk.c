/*
 * ref_walk.c - the reference walker (see ref_walk.h). Levels are 1-based
 * here (1 = the level mapping 4 KiB pages), as in the SDM.
 */
#include "tests/host/ref_walk.h"

#include <string.h>

static uint64_t bits(unsigned hi, unsigned lo)
{
	uint64_t m = 0;

	for (unsigned b = lo; b <= hi; b++)
		m |= 1ull << b;
	return m;
}

static bool inmem(const struct ref_cfg *c, uint64_t pa, unsigned size)
{
	return pa < c->memsize && pa + size <= c->memsize;
}

static uint64_t rd(const struct ref_cfg *c, uint64_t pa, unsigned size)
{
	uint64_t v = 0;

	memcpy(&v, c->mem + pa, size);
	return v;
}

static void orbits(const struct ref_cfg *c, uint64_t pa, unsigned size, uint64_t b)
{
	uint64_t v = rd(c, pa, size) | b;

	memcpy(c->mem + pa, &v, size);
}

/* Result of a TDP translation. */
struct nres {
	uint64_t hpa;
	bool r, w, x, u;
};

/* TDP fault bookkeeping, filled by the tdp translators. */
static void nfault(struct ref_out *o, int kind, int level, uint64_t gpa)
{
	o->kind = kind;
	o->dim = REF_DIM_TDP;
	o->level = level;
	o->fault_gpa = gpa;
}

static uint64_t ept_qual(unsigned acc, bool r, bool w, bool x, bool gla_valid, bool final)
{
	uint64_t q = 0;

	q |= (acc & REF_R) ? 1 : 0;
	q |= (acc & REF_W) ? 2 : 0;
	q |= (acc & REF_X) ? 4 : 0;
	q |= r ? 8 : 0;
	q |= w ? 16 : 0;
	q |= x ? 32 : 0;
	if (gla_valid) {
		q |= 0x80;
		if (final)
			q |= 0x100;
	}
	return q;
}

/* EPT: SDM 29.3.2 / 29.3.3. acc has REF_R/W/X bits. */
static int ref_ept(const struct ref_cfg *c, uint64_t gpa, unsigned acc, struct nres *n,
		   struct ref_out *o)
{
	int levels = c->nkind == REF_N_EPT5 ? 5 : 4;
	unsigned M = c->nmaxphy;
	uint64_t hi = M < 52 ? bits(51, M) : 0;
	uint64_t table = c->nroot;
	bool r = true, w = true, x = true;

	for (int L = levels; L >= 1; L--) {
		unsigned shift = 12 + 9 * (L - 1);
		uint64_t ea = table + ((gpa >> shift) & 511) * 8, e;
		unsigned rwx;
		bool leaf, mis = false;

		if (!inmem(c, ea, 8)) {
			nfault(o, REF_NOMEM, L, gpa);
			return 1;
		}
		e = rd(c, ea, 8);
		rwx = e & 7;
		if (rwx == 0) {
			nfault(o, REF_NOTP, L, gpa);
			o->qual = ept_qual(acc, false, false, false, false, false);
			return 1;
		}
		if (L == 1)
			leaf = true;
		else if (L == 2)
			leaf = (e >> 7) & 1;
		else if (L == 3)
			leaf = ((e >> 7) & 1) && c->ngbpages;
		else
			leaf = false;
		if (rwx == 2 || rwx == 6)
			mis = true;
		if (rwx == 4 && !c->exec_only)
			mis = true;
		if (e & hi)
			mis = true;
		if (L >= 4 && (e & bits(7, 3)))
			mis = true;
		if (L == 3 && !leaf && (e & bits(7, 3)))
			mis = true;
		if (L == 2 && !leaf && (e & bits(6, 3)))
			mis = true;
		if (L == 3 && leaf && (e & bits(29, 12)))
			mis = true;
		if (L == 2 && leaf && (e & bits(20, 12)))
			mis = true;
		if (leaf) {
			unsigned mt = (e >> 3) & 7;

			if (mt == 2 || mt == 3 || mt == 7)
				mis = true;
		}
		if (mis) {
			nfault(o, REF_MISCONF, L, gpa);
			return 1;
		}
		r = r && (e & 1);
		w = w && (e & 2);
		x = x && (e & 4);
		if (!leaf) {
			if (c->set_ad && c->ept_ad && !(e & 0x100))
				orbits(c, ea, 8, 0x100);
			table = e & bits(M - 1, 12);
			continue;
		}
		if (((acc & REF_R) && !r) || ((acc & REF_W) && !w) || ((acc & REF_X) && !x)) {
			nfault(o, REF_PERM, L, gpa);
			o->qual = ept_qual(acc, r, w, x, false, false);
			return 1;
		}
		if (c->set_ad && c->ept_ad) {
			uint64_t b = 0x100 | ((acc & REF_W) ? 0x200 : 0);

			if ((e & b) != b)
				orbits(c, ea, 8, b);
		}
		n->hpa = (e & bits(M - 1, shift)) | (gpa & bits(shift - 1, 0));
		n->r = r;
		n->w = w;
		n->x = x;
		n->u = true;
		return 0;
	}
	return 1;
}

static uint64_t npf_info(int kind, unsigned acc, bool final, bool nxe)
{
	uint64_t e = 4;

	if (kind != REF_NOTP)
		e |= 1;
	if (acc & REF_W)
		e |= 2;
	if (kind == REF_RSVD)
		e |= 8;
	if ((acc & REF_X) && nxe)
		e |= 16;
	e |= final ? (1ull << 32) : (1ull << 33);
	return e;
}

/* NPT: host long-mode format, AMD reserved bits, every access is user. */
static int ref_npt(const struct ref_cfg *c, uint64_t gpa, unsigned acc, struct nres *n,
		   struct ref_out *o)
{
	unsigned M = c->nmaxphy;
	uint64_t hi = bits(51, M) | (c->npt_nxe ? 0 : (1ull << 63));
	uint64_t table = c->nroot;
	bool w = true, u = true, x = true;

	for (int L = 4; L >= 1; L--) {
		unsigned shift = 12 + 9 * (L - 1);
		uint64_t ea = table + ((gpa >> shift) & 511) * 8, e;
		bool leaf, rs = false;

		if (!inmem(c, ea, 8)) {
			nfault(o, REF_NOMEM, L, gpa);
			return 1;
		}
		e = rd(c, ea, 8);
		if (!(e & 1)) {
			nfault(o, REF_NOTP, L, gpa);
			return 1;
		}
		leaf = L == 1 || (L == 2 && (e & 0x80)) || (L == 3 && (e & 0x80) && c->ngbpages);
		if (e & hi)
			rs = true;
		if (L == 4 && (e & 0x180))
			rs = true;
		if (L == 3 && (e & 0x80) && !c->ngbpages)
			rs = true;
		if (L == 3 && leaf && (e & bits(29, 13)))
			rs = true;
		if (L == 2 && leaf && (e & bits(20, 13)))
			rs = true;
		if (rs) {
			nfault(o, REF_RSVD, L, gpa);
			return 1;
		}
		w = w && (e & 2);
		u = u && (e & 4);
		if (c->npt_nxe && (e >> 63))
			x = false;
		if (!leaf) {
			if (c->set_ad && !(e & 0x20))
				orbits(c, ea, 8, 0x20);
			table = e & bits(M - 1, 12);
			continue;
		}
		if (!u || ((acc & REF_W) && !w) || ((acc & REF_X) && !x)) {
			nfault(o, REF_PERM, L, gpa);
			return 1;
		}
		if (c->set_ad) {
			uint64_t b = 0x20 | ((acc & REF_W) ? 0x40 : 0);

			if ((e & b) != b)
				orbits(c, ea, 8, b);
		}
		n->hpa = (e & bits(M - 1, shift)) | (gpa & bits(shift - 1, 0));
		n->r = true;
		n->w = w;
		n->x = x;
		n->u = u;
		return 0;
	}
	return 1;
}

/* Translate gpa in the TDP dimension; on a fault, o has the tdp
 * record with its encodings (final tells which column). */
static int ref_tdp(const struct ref_cfg *c, uint64_t gpa, unsigned acc, bool final, bool gla_valid,
		  struct nres *n, struct ref_out *o)
{
	int k;

	if (c->nkind == REF_N_NONE) {
		n->hpa = gpa;
		n->r = n->w = n->x = n->u = true;
		return 0;
	}
	if (c->nkind == REF_N_NPT) {
		k = ref_npt(c, gpa, acc, n, o);
		if (k)
			o->exitinfo1 = npf_info(o->kind, acc, final, c->npt_nxe);
		return k;
	}
	k = ref_ept(c, gpa, acc, n, o);
	if (k && o->kind != REF_MISCONF) {
		o->qual &= ~0x180ull;
		if (gla_valid)
			o->qual |= final ? 0x180 : 0x80;
	}
	return k;
}

/* The state of one guest walk in progress. */
struct gw {
	const struct ref_cfg *c;
	uint64_t gla;
	unsigned acc;
	struct ref_out *o;
	unsigned esize;
	bool id_ok; /* fetch faults report I/D */
};

static bool table_writes(const struct ref_cfg *c)
{
	return c->nkind == REF_N_NPT || (c->nkind != REF_N_NONE && c->ept_ad);
}

/* Read the guest entry at guest-physical ea for level L. *hpa receives its
 * host address, *nw whether the TDP dimension allows writing it. */
static int gread(struct gw *g, uint64_t ea, int L, uint64_t *e, uint64_t *hpa, bool *nw)
{
	struct nres n;
	unsigned acc = REF_R | (table_writes(g->c) ? REF_W : 0);

	if (ref_tdp(g->c, ea, acc, false, true, &n, g->o)) {
		g->o->at_table = true;
		g->o->guest_level = L;
		return 1;
	}
	if (!inmem(g->c, n.hpa, g->esize)) {
		g->o->kind = REF_NOMEM;
		g->o->dim = REF_DIM_GUEST;
		g->o->level = L;
		return 1;
	}
	*hpa = n.hpa;
	*nw = n.w;
	*e = rd(g->c, n.hpa, g->esize);
	return 0;
}

/* Set A/D bits b in a guest entry; a write in the TDP dimension. */
static int gsetad(struct gw *g, uint64_t ea, int L, uint64_t hpa, bool nw, uint64_t b)
{
	if (!nw) {
		struct nres n;

		if (!ref_tdp(g->c, ea, REF_W, false, true, &n, g->o)) {
			g->o->kind = REF_PERM; /* cannot happen with stable tables */
			g->o->dim = REF_DIM_TDP;
		}
		g->o->at_table = true;
		g->o->guest_level = L;
		return 1;
	}
	orbits(g->c, hpa, g->esize, b);
	return 0;
}

static int gfault(struct gw *g, int kind, int L, bool pk)
{
	uint32_t ec = 0;

	g->o->kind = kind;
	g->o->dim = REF_DIM_GUEST;
	g->o->level = L;
	if (kind != REF_NOTP)
		ec |= 1;
	if (g->acc & REF_W)
		ec |= 2;
	if (g->acc & REF_USER)
		ec |= 4;
	if (kind == REF_RSVD)
		ec |= 8;
	if ((g->acc & REF_X) && g->id_ok)
		ec |= 16;
	if (pk)
		ec |= 32;
	g->o->pfec = ec;
	return 1;
}

/* SDM 4.6: can the access go ahead with these combined rights? */
static int gperm(struct gw *g, int L, bool user_page, bool writable, bool exec, unsigned pkey,
		 bool pk_on)
{
	const struct ref_cfg *c = g->c;
	unsigned a = g->acc;
	bool bad = false, pk = false;

	if (a & REF_USER) {
		if (!user_page)
			bad = true;
		if ((a & REF_W) && !writable)
			bad = true;
		if ((a & REF_X) && !exec)
			bad = true;
	} else if (a & REF_X) {
		if (!exec)
			bad = true;
		if (user_page && c->smep)
			bad = true;
	} else {
		if (user_page && c->smap && ((a & REF_IMPL) || !(a & REF_AC)))
			bad = true;
		if ((a & REF_W) && !writable && c->wp)
			bad = true;
	}
	if (pk_on && user_page && !(a & REF_X)) {
		bool ad = (c->pkru >> (2 * pkey)) & 1;
		bool wd = (c->pkru >> (2 * pkey + 1)) & 1;

		if (ad)
			pk = true;
		if (wd && (a & REF_W) && ((a & REF_USER) || c->wp))
			pk = true;
	}
	if (bad || pk)
		return gfault(g, REF_PERM, L, pk);
	return 0;
}

/* 32-bit paging: SDM 4.3. */
static int ref_g32(struct gw *g, uint64_t *gpa)
{
	const struct ref_cfg *c = g->c;
	unsigned M = c->gmaxphy > 40 ? 40 : c->gmaxphy;
	uint64_t pde_a = (c->groot & 0xfffff000u) + ((g->gla >> 22) & 1023) * 4;
	uint64_t pde, pte, h1, h0, pte_a;
	bool nw1, nw0, big;

	if (gread(g, pde_a, 2, &pde, &h1, &nw1))
		return 1;
	if (!(pde & 1))
		return gfault(g, REF_NOTP, 2, false);
	big = c->pse && (pde & 0x80);
	if (big) {
		if (pde & bits(21, M - 19))
			return gfault(g, REF_RSVD, 2, false);
		if (gperm(g, 2, pde & 4, pde & 2, true, 0, false))
			return 1;
		if (c->set_ad) {
			uint64_t b = 0x20 | ((g->acc & REF_W) ? 0x40 : 0);

			if ((pde & b) != b && gsetad(g, pde_a, 2, h1, nw1, b))
				return 1;
		}
		*gpa = (pde & 0xffc00000u) | (((pde >> 13) & 0xff) << 32) | (g->gla & 0x3fffff);
		return 0;
	}
	if (c->set_ad && !(pde & 0x20) && gsetad(g, pde_a, 2, h1, nw1, 0x20))
		return 1;
	pte_a = (pde & 0xfffff000u) + ((g->gla >> 12) & 1023) * 4;
	if (gread(g, pte_a, 1, &pte, &h0, &nw0))
		return 1;
	if (!(pte & 1))
		return gfault(g, REF_NOTP, 1, false);
	if (gperm(g, 1, (pde & pte) & 4, (pde & pte) & 2, true, 0, false))
		return 1;
	if (c->set_ad) {
		uint64_t b = 0x20 | ((g->acc & REF_W) ? 0x40 : 0);

		if ((pte & b) != b && gsetad(g, pte_a, 1, h0, nw0, b))
			return 1;
	}
	*gpa = (pte & 0xfffff000u) | (g->gla & 0xfff);
	return 0;
}

/* PAE paging: SDM 4.4. */
static int ref_gpae(struct gw *g, uint64_t *gpa)
{
	const struct ref_cfg *c = g->c;
	unsigned M = c->gmaxphy;
	uint64_t hi = bits(62, M) | (c->nxe ? 0 : (1ull << 63));
	uint64_t pdpte = c->pdpte[(g->gla >> 30) & 3];
	uint64_t pde, pte, h1, h0, pde_a, pte_a, b;
	bool nw1, nw0, user, wr, ex;

	if (!(pdpte & 1))
		return gfault(g, REF_NOTP, 3, false);
	if (pdpte & (bits(2, 1) | bits(8, 5) | bits(63, M)))
		return gfault(g, REF_RSVD, 3, false);
	pde_a = (pdpte & bits(M - 1, 12)) + ((g->gla >> 21) & 511) * 8;
	if (gread(g, pde_a, 2, &pde, &h1, &nw1))
		return 1;
	if (!(pde & 1))
		return gfault(g, REF_NOTP, 2, false);
	if (pde & 0x80) {
		if (pde & (hi | bits(20, 13)))
			return gfault(g, REF_RSVD, 2, false);
		ex = !(c->nxe && (pde >> 63));
		if (gperm(g, 2, pde & 4, pde & 2, ex, 0, false))
			return 1;
		b = 0x20 | ((g->acc & REF_W) ? 0x40 : 0);
		if (c->set_ad && (pde & b) != b && gsetad(g, pde_a, 2, h1, nw1, b))
			return 1;
		*gpa = (pde & bits(M - 1, 21)) | (g->gla & bits(20, 0));
		return 0;
	}
	if (pde & hi)
		return gfault(g, REF_RSVD, 2, false);
	if (c->set_ad && !(pde & 0x20) && gsetad(g, pde_a, 2, h1, nw1, 0x20))
		return 1;
	pte_a = (pde & bits(M - 1, 12)) + ((g->gla >> 12) & 511) * 8;
	if (gread(g, pte_a, 1, &pte, &h0, &nw0))
		return 1;
	if (!(pte & 1))
		return gfault(g, REF_NOTP, 1, false);
	if (pte & hi)
		return gfault(g, REF_RSVD, 1, false);
	user = (pde & 4) && (pte & 4);
	wr = (pde & 2) && (pte & 2);
	ex = !(c->nxe && ((pde >> 63) || (pte >> 63)));
	if (gperm(g, 1, user, wr, ex, 0, false))
		return 1;
	b = 0x20 | ((g->acc & REF_W) ? 0x40 : 0);
	if (c->set_ad && (pte & b) != b && gsetad(g, pte_a, 1, h0, nw0, b))
		return 1;
	*gpa = (pte & bits(M - 1, 12)) | (g->gla & 0xfff);
	return 0;
}

/* 4-level and 5-level paging: SDM 4.5. */
static int ref_g64(struct gw *g, int levels, uint64_t *gpa)
{
	const struct ref_cfg *c = g->c;
	unsigned M = c->gmaxphy;
	uint64_t hi = (M < 52 ? bits(51, M) : 0) | (c->nxe ? 0 : (1ull << 63));
	uint64_t table = c->groot & bits(M - 1, 12);
	bool user = true, wr = true, ex = true;

	for (int L = levels; L >= 1; L--) {
		unsigned shift = 12 + 9 * (L - 1);
		uint64_t ea = table + ((g->gla >> shift) & 511) * 8, e, h, rs;
		bool nw, leaf;

		if (gread(g, ea, L, &e, &h, &nw))
			return 1;
		if (!(e & 1))
			return gfault(g, REF_NOTP, L, false);
		if (L == 1)
			leaf = true;
		else if (L == 2)
			leaf = e & 0x80;
		else if (L == 3)
			leaf = (e & 0x80) && c->gbpages;
		else
			leaf = false;
		rs = hi;
		if (L >= 4)
			rs |= 0x80 | (c->amd ? 0x100 : 0);
		if (L == 3 && !c->gbpages)
			rs |= 0x80;
		if (L == 3 && leaf)
			rs |= bits(29, 13);
		if (L == 2 && leaf)
			rs |= bits(20, 13);
		if (e & rs)
			return gfault(g, REF_RSVD, L, false);
		user = user && (e & 4);
		wr = wr && (e & 2);
		if (c->nxe && (e >> 63))
			ex = false;
		if (!leaf) {
			if (c->set_ad && !(e & 0x20) && gsetad(g, ea, L, h, nw, 0x20))
				return 1;
			table = e & bits(M - 1, 12);
			continue;
		}
		if (gperm(g, L, user, wr, ex, (unsigned)(e >> 59) & 15, c->pke))
			return 1;
		if (c->set_ad) {
			uint64_t b = 0x20 | ((g->acc & REF_W) ? 0x40 : 0);

			if ((e & b) != b && gsetad(g, ea, L, h, nw, b))
				return 1;
		}
		*gpa = (e & bits(M - 1, shift)) | (g->gla & bits(shift - 1, 0));
		return 0;
	}
	return 1;
}

int ref_walk(const struct ref_cfg *c, uint64_t gla, unsigned acc, struct ref_out *o)
{
	struct gw g = { .c = c, .gla = gla, .acc = acc, .o = o, .esize = 8 };
	uint64_t gpa = gla;
	struct nres n;
	int k = 0;

	memset(o, 0, sizeof(*o));
	switch (c->gmode) {
	case REF_G_32:
		g.esize = 4;
		g.id_ok = c->smep;
		k = ref_g32(&g, &gpa);
		break;
	case REF_G_PAE:
		g.id_ok = c->smep || c->nxe;
		k = ref_gpae(&g, &gpa);
		break;
	case REF_G_4L:
	case REF_G_5L:
		g.id_ok = c->smep || c->nxe;
		k = ref_g64(&g, c->gmode == REF_G_5L ? 5 : 4, &gpa);
		break;
	default:
		break;
	}
	if (k)
		return o->kind;
	o->gpa = gpa;
	if (ref_tdp(c, gpa, acc & (REF_R | REF_W | REF_X), true, true, &n, o))
		return o->kind;
	o->hpa = n.hpa;
	return REF_OK;
}

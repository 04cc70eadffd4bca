/*
 * walk.c - the two-dimensional page walk (one engine for every format).
 *
 *   gla --> guest CR3 --> [gL4] --> [gL3] --> [gL2] --> [gL1] --> gpa
 *              |            |         |         |         |        |
 *              v            v         v         v         v        v
 *           TDP          TDP       TDP       TDP       TDP      TDP
 *           walk of      walk of   walk of   walk of   walk of  walk of
 *           &gL4[i]      &gL3[i]   &gL2[i]   &gL1[i]  (leaf A/D) gpa
 *          [nL4..nL1]    ...                                   [nL4..nL1]
 *                                                                  |
 *                                                                  v hpa
 *
 * Each guest entry address is a guest-physical address: it is translated
 * through the TDP tables (4 reads for 4-level EPT/NPT) before the guest
 * entry is read (1 read). 4-level guest x 4-level TDP = 4 x (4 + 1) + 4
 * = 24 table reads. A TDP fault in a column is "at a guest table"
 * (EPT qualification bit 8 = 0, #NPF EXITINFO1 bit 33); in the last column
 * it is on the final translation (bit 8 = 1, EXITINFO1 bit 32).
 *
 * Successful walks of the common shapes take the fast walk (fast_any()
 * below: unrolled, read-only, reusing the TDP path to a 2 MiB region
 * within one walk); anything else, and every fault, takes the full walk
 * (slow_translate()), which is the specification.
 *
 * Check order in one dimension follows the hardware and KVM's paging_tmpl.h:
 * per level, not-present, then reserved bits / EPT misconfiguration, then
 * descend; permissions are judged once on the AND of all levels (SDM Vol 3
 * 4.6, 29.3.3.2). A is set on each non-leaf entry as it is used and on the
 * leaf (with D for a write) only when the access is allowed (SDM 4.8,
 * 29.3.5). Setting a guest entry's A/D is a write in the TDP dimension.
 */
#include "mm/walk.h"

static_assert(PG_MAX_LEVELS == 5, "5-level paging is the deepest format");
static_assert((unsigned)PG_PERM_R == WALK_ACC_READ && (unsigned)PG_PERM_W == WALK_ACC_WRITE &&
		      (unsigned)PG_PERM_X == WALK_ACC_FETCH,
	      "access bits and permission bits line up so (acc & ~perm) works");

#define ACC_RWX (WALK_ACC_READ | WALK_ACC_WRITE | WALK_ACC_FETCH)

/* What one dimension produced. */
struct dim_out {
	uint64_t pa;
	uint64_t leaf;
	uint64_t bits; /* AND over the levels of (entry ^ perm_xor) */
	uint8_t shift;
	uint8_t level; /* 1-based level of the leaf */
};

/* The fast walk's loops run a constant number of times: unrolled by GCC
 * (clang unrolls them on its own and warns about a failed hint). */
#if defined(__GNUC__) && !defined(__clang__)
#define FAST_UNROLL _Pragma("GCC unroll 5")
#else
#define FAST_UNROLL
#endif

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

static inline void *mem_ptr(const struct walk_mem *m, uint64_t pa, unsigned size)
{
	/* pa comes from masked table addresses (< 2^52) plus an index, or from
	 * a leaf address plus an offset: pa + size cannot wrap. */
	if (likely(pa + size <= m->direct_size))
		return m->direct + pa;
	return m->ptr ? m->ptr(m->opaque, pa, size) : (void *)0;
}

/* Atomic OR, as the CPU's locked A/D update (other vCPUs share the tables). */
static inline void set_bits(void *p, unsigned entry_shift, uint64_t bits)
{
	if (entry_shift == 3)
		__atomic_fetch_or((uint64_t *)p, bits, __ATOMIC_RELAXED);
	else
		__atomic_fetch_or((uint32_t *)p, (uint32_t)bits, __ATOMIC_RELAXED);
}

/*
 * Permissions from b, the AND over the levels of (entry ^ perm_xor): a bit
 * survives only if every level granted it (XD inverted so that "every
 * level had XD=0" survives).
 */
static inline unsigned bits_perm(const struct pg_format *f, uint64_t b)
{
	unsigned p = 0;

	if (b & f->r)
		p |= PG_PERM_R;
	if (b & f->w)
		p |= PG_PERM_W;
	if (f->x ? (b & f->x) != 0 : (!f->nx || (b & f->nx)))
		p |= PG_PERM_X;
	if (!f->u || (b & f->u))
		p |= PG_PERM_U;
	return p;
}

/*
 * x86 permission rules for guest paging (SDM Vol 3 4.6, 4.6.2 protection
 * keys). Returns true when the access faults; *pk reports a key violation
 * (computed on its own, as KVM does, so PK can accompany other causes).
 */
static inline bool x86_guest_denies(const struct walk_guest *g, unsigned perm, uint32_t acc,
			     uint64_t leaf, bool *pk)
{
	bool user_page = perm & PG_PERM_U;
	bool write = acc & WALK_ACC_WRITE;
	bool fault;

	if (acc & WALK_ACC_USER) {
		fault = !user_page || (write && !(perm & PG_PERM_W)) ||
			((acc & WALK_ACC_FETCH) && !(perm & PG_PERM_X));
	} else if (acc & WALK_ACC_FETCH) {
		fault = !(perm & PG_PERM_X) || (user_page && g->smep);
	} else {
		/* SMAP: implicit accesses always, explicit ones unless AC=1. */
		fault = (user_page && g->smap &&
			 ((acc & WALK_ACC_IMPLICIT) || !(acc & WALK_ACC_AC))) ||
			(write && !(perm & PG_PERM_W) && g->wp);
	}
	*pk = false;
	if (g->fmt->pke && user_page && !(acc & WALK_ACC_FETCH)) {
		unsigned key = (unsigned)(leaf >> 59) & 15;
		bool ad = (g->pkru >> (2 * key)) & 1, wd = (g->pkru >> (2 * key + 1)) & 1;

		*pk = ad || (write && wd && ((acc & WALK_ACC_USER) || g->wp));
	}
	return fault || *pk;
}

/*
 * TDP rules as the raw bits every level must grant: EPT needs R/W/X for
 * read/write/fetch; NPT is an x86 user access (APM 15.25.5), so it needs
 * U/S=1 at every level too, W for writes and XD=0 (inverted) for fetches.
 */
static inline uint64_t tdp_need(const struct pg_format *f, uint32_t acc)
{
	uint64_t need = (acc & WALK_ACC_READ) ? f->r : 0;

	if (acc & WALK_ACC_WRITE)
		need |= f->w;
	if (acc & WALK_ACC_FETCH)
		need |= f->x ? f->x : f->nx;
	if (f->rules == PG_RULES_X86)
		need |= f->u | f->r;
	return need;
}

static int set_fault(struct walk_result *r, int kind, int dim, unsigned lvl, uint32_t acc,
		     unsigned allowed, const struct pg_format *f)
{
	r->fault.kind = (uint8_t)kind;
	r->fault.dim = (uint8_t)dim;
	r->fault.level = (uint8_t)(lvl + 1);
	r->fault.access = acc;
	r->fault.allowed = (uint8_t)allowed;
	r->fault.fetch_sets_id = f->fetch_sets_id;
	return kind;
}

/* Quick test on a present entry: any reserved bit or a misconfigured
 * R/W/X combination (EPT; bad_rwx is 0 for x86 formats)? */
static inline bool entry_bad(const struct pg_format *f, const struct pg_level *l, uint64_t e,
			     bool leaf)
{
	return (e & (leaf ? l->rsvd_leaf : l->rsvd_table)) | ((f->bad_rwx >> (e & 7)) & 1);
}

/* Leaf memory type reserved (EPT types 2, 3, 7; SDM 29.3.3.1)? */
static inline bool memtype_bad(const struct pg_format *f, uint64_t e)
{
	return (f->bad_memtypes >> ((e & f->memtype_mask) >> f->memtype_shift)) & 1;
}

/* Reserved bits are RSVD faults in x86 formats, misconfigurations in EPT. */
static inline int bad_kind(const struct pg_format *f)
{
	return f->rules == PG_RULES_EPT ? WALK_FAULT_MISCONFIG : WALK_FAULT_RSVD;
}

/* The TDP dimension: translate gpa for access acc (RWX bits only).
 * TDP formats (EPT, NPT) always have 8-byte entries. */
static inline __attribute__((always_inline)) int
tdp_walk(const struct walk_ctx *c, uint64_t gpa, uint32_t acc, uint64_t need,
	    struct walk_result *r, struct dim_out *o)
{
	const struct pg_format *f = c->tdp.fmt;
	const uint64_t ad = ((c->flags & WALK_F_SET_AD) && f->has_ad) ? f->a : 0;
	unsigned lvl = f->levels - 1u;
	const struct pg_level *l = &f->lvl[lvl];
	/* Masked like every table address, so pa + 8 below cannot wrap. */
	uint64_t table = c->tdp.root & f->table_addr, bits = ~0ull, e;
	uint64_t *p;

	r->fault.gpa = gpa;
	for (;; l--, lvl--) {
		bool leaf;

		uint64_t pa = table + (((gpa >> l->shift) & l->index_mask) << 3);

		/* Direct map first (no NULL test needed on that path). */
		if (likely(pa + 8 <= c->mem.direct_size)) {
			p = (uint64_t *)(c->mem.direct + pa);
		} else {
			p = mem_ptr(&c->mem, pa, 8);
			if (unlikely(!p))
				return set_fault(r, WALK_FAULT_NO_MEMORY, WALK_DIM_TDP, lvl, acc,
						 0, f);
		}
		e = *(volatile uint64_t *)p;
		if (likely((e & l->fast_mask) == l->fast_value)) {
			table = e & f->table_addr;
			continue;
		}
		if (likely((e & l->leaf_fast_mask) == l->leaf_fast_value) && bits == ~0ull)
			goto leaf_ok; /* every check below would pass */
		if (unlikely(!(e & f->present)))
			return set_fault(r, WALK_FAULT_NOT_PRESENT, WALK_DIM_TDP, lvl, acc, 0, f);
		leaf = (e & l->leaf_test) != 0;
		if (unlikely(entry_bad(f, l, e, leaf)))
			return set_fault(r, bad_kind(f), WALK_DIM_TDP, lvl, acc,
					 bits_perm(f, bits & (e ^ f->perm_xor)), f);
		bits &= e ^ f->perm_xor;
		if (leaf)
			break;
		if (unlikely(~e & ad))
			set_bits(p, 3, ad);
		table = e & f->table_addr;
	}
	if (unlikely(memtype_bad(f, e)))
		return set_fault(r, WALK_FAULT_MISCONFIG, WALK_DIM_TDP, lvl, acc,
				 bits_perm(f, bits), f);
	if (unlikely((bits & need) != need))
		return set_fault(r, WALK_FAULT_PERM, WALK_DIM_TDP, lvl, acc, bits_perm(f, bits), f);
leaf_ok:
	if (ad) {
		uint64_t want = ad | ((acc & WALK_ACC_WRITE) ? f->d : 0);

		if (unlikely((e & want) != want))
			set_bits(p, 3, want);
	}
	o->pa = (e & l->leaf_addr) | (gpa & ((1ull << l->shift) - 1));
	o->leaf = e;
	o->bits = bits;
	o->shift = l->shift;
	o->level = (uint8_t)(lvl + 1);
	return 0;
}

/*
 * Setting A/D in a guest entry writes guest memory: when table accesses
 * are reads (EPT without A/D) the entry was reached by a TDP read, so
 * the write needs TDP W too. The TDP fault is a write at the guest
 * table.
 */
static int guest_ad_write(const struct walk_ctx *c, void *p, uint64_t ea, unsigned lvl,
			  uint64_t nbits, uint64_t bits, struct walk_result *r)
{
	const struct pg_format *nf = c->tdp.fmt;

	if (nf && !(nbits & nf->w)) {
		struct dim_out no;
		int k = tdp_walk(c, ea, WALK_ACC_WRITE, tdp_need(nf, WALK_ACC_WRITE), r, &no);

		if (!k) /* tables changed under us: report what we saw */
			k = set_fault(r, WALK_FAULT_PERM, WALK_DIM_TDP, no.level - 1u,
				      WALK_ACC_WRITE, bits_perm(nf, nbits), nf);
		r->fault.at_guest_table = true;
		r->fault.guest_level = (uint8_t)(lvl + 1);
		return k;
	}
	set_bits(p, c->guest.fmt->entry_shift, bits);
	return 0;
}

/* The guest dimension: translate gla for access acc into o->pa (a GPA). */
static int guest_walk(const struct walk_ctx *c, uint64_t gla, uint32_t acc,
		      struct walk_result *r, struct dim_out *o)
{
	const struct pg_format *f = c->guest.fmt;
	const struct pg_format *nf = c->tdp.fmt;
	/* x86 paging always has A/D; an EPT12 guest dimension only with
	 * EPTP bit 6 (nested/vmx_ept12.h). */
	const uint64_t ad = ((c->flags & WALK_F_SET_AD) && f->has_ad) ? f->a : 0;
	/* A table access is a write when the TDP format has A/D (EPTP[6],
	 * or NPT): see walk.h. */
	const uint32_t table_acc = WALK_ACC_READ | (nf && nf->has_ad ? WALK_ACC_WRITE : 0);
	const uint64_t table_need = nf ? tdp_need(nf, table_acc) : 0;
	const unsigned es = f->entry_shift;
	unsigned lvl = f->levels - 1u;
	const struct pg_level *l = &f->lvl[lvl];
	/* Masked like every table address (the PAE root is not read here). */
	uint64_t table = c->guest.root & f->table_addr, bits = ~0ull, e, ea = 0;
	uint64_t nbits = ~0ull;
	unsigned perm;
	void *p = (void *)0;
	int k;

	for (;; l--, lvl--) {
		unsigned idx = (unsigned)(gla >> l->shift) & l->index_mask;
		bool leaf;

		if (unlikely(l->from_regs)) {
			e = c->guest.pdpte[idx & 3];
			p = (void *)0;
		} else {
			uint64_t ha;

			ea = table + ((uint64_t)idx << es);
			ha = ea;
			if (nf) {
				struct dim_out no;

				k = tdp_walk(c, ea, table_acc, table_need, r, &no);
				if (unlikely(k)) {
					r->fault.at_guest_table = true;
					r->fault.guest_level = (uint8_t)(lvl + 1);
					return k;
				}
				ha = no.pa;
				nbits = no.bits;
			}
			p = mem_ptr(&c->mem, ha, 1u << es);
			if (unlikely(!p))
				return set_fault(r, WALK_FAULT_NO_MEMORY, WALK_DIM_GUEST, lvl, acc, 0, f);
			e = es == 3 ? *(volatile uint64_t *)p : *(volatile uint32_t *)p;
			if (likely((e & l->fast_mask) == l->fast_value)) {
				table = e & f->table_addr;
				continue;
			}
		}
		if (unlikely(!(e & f->present)))
			return set_fault(r, WALK_FAULT_NOT_PRESENT, WALK_DIM_GUEST, lvl, acc, 0, f);
		leaf = (e & l->leaf_test) != 0;
		if (unlikely(entry_bad(f, l, e, leaf)))
			return set_fault(r, bad_kind(f), WALK_DIM_GUEST, lvl, acc, 0, f);
		bits &= (e | l->force) ^ f->perm_xor;
		if (leaf)
			break;
		if (unlikely(p && (~e & ad))) {
			k = guest_ad_write(c, p, ea, lvl, nbits, ad, r);
			if (k)
				return k;
		}
		table = e & f->table_addr;
	}
	perm = bits_perm(f, bits);
	if (unlikely(f->rules == PG_RULES_EPT)) {
		/* An EPT table as the guest dimension (nested EPT: L1's EPT12
		 * walked for an L2 guest-physical address, nested/vmx_ept12.h):
		 * a leaf's memory type is checked (SDM 29.3.3.1) and R/W/X are
		 * required at every level, with no U/S, WP, SMEP or keys. */
		uint64_t need = tdp_need(f, acc);

		r->fault.pk = false;
		if (unlikely(memtype_bad(f, e)))
			return set_fault(r, WALK_FAULT_MISCONFIG, WALK_DIM_GUEST, lvl, acc, 0, f);
		if (unlikely((bits & need) != need))
			return set_fault(r, WALK_FAULT_PERM, WALK_DIM_GUEST, lvl, acc, perm, f);
	} else if (unlikely(x86_guest_denies(&c->guest, perm, acc, e, &r->fault.pk)))
		return set_fault(r, WALK_FAULT_PERM, WALK_DIM_GUEST, lvl, acc, perm, f);
	if (ad) {
		uint64_t want = ad | ((acc & WALK_ACC_WRITE) ? f->d : 0);

		if (unlikely((e & want) != want)) {
			k = guest_ad_write(c, p, ea, lvl, nbits, want, r);
			if (k)
				return k;
		}
	}
	o->pa = (e & l->leaf_addr) | (gla & ((1ull << l->shift) - 1));
	if (f->pse36 && lvl == 1) /* PDE bits 20:13 = address bits 39:32 */
		o->pa |= ((e >> 13) & 0xff) << 32;
	o->leaf = e;
	o->bits = perm;
	o->shift = l->shift;
	o->level = (uint8_t)(lvl + 1);
	return 0;
}

/*
 * The fast walk: the common case of a walk that succeeds with no A/D bit
 * left to set and every table in the direct map, for 4-/5-level guest
 * paging (or none) over 4-/5-level EPT/NPT (or none). TDP entries must
 * take the fast accept (pg_level.fast_mask / leaf_fast: every permission,
 * no reserved bit, A set, WB); guest entries must be present, without
 * reserved bits and with A set (D on the leaf of a write), their
 * permissions ANDed and judged by x86_guest_denies() as in the full walk.
 * It only reads memory; on anything else it returns false having written
 * nothing, and the caller runs the full walk from the start, which then
 * finds the same entries and fills the same result (including the fault
 * record). Whatever the fast walk returns is what the full walk would:
 * test_walk_ref and a field-by-field comparison with the previous engine
 * over random machines check it.
 */
/* A leaf at level i (a constant) of the standard geometry. */
static inline __attribute__((always_inline)) bool
fast_leaf(const struct pg_level *l, const unsigned i, uint64_t e, uint64_t va, unsigned wd,
	  uint64_t *pa, uint64_t *leaf, uint8_t *shift)
{
	if (unlikely((e & l->leaf_fast[wd][0]) != l->leaf_fast[wd][1]))
		return false;
	*pa = (e & l->leaf_addr) | (va & ((1ull << (12 + 9 * i)) - 1));
	*leaf = e;
	*shift = (uint8_t)(12 + 9 * i);
	return true;
}

/*
 * One dimension of L levels (a constant, so the walk unrolls). Every table
 * address here is at most limt = direct_size - 4096 (checked as it is
 * produced), so every entry of the table is in the direct map.
 * wd: the leaf must have D already.
 * *cva, *ctab: the last va walked down to a level-0 table through fast
 * table pointers, and that table. A va in the same 2 MiB region reaches
 * the same table through the same entries, which the fast walk has not
 * written: it starts at level 0 (as a paging-structure cache does, but
 * only within one walk, so it never holds a stale entry).
 * lf0: f->lvl[0].leaf_fast[wd], looked up once per walk.
 */
static inline __attribute__((always_inline)) bool
fast_dim(const struct pg_format *f, const unsigned L, const uint8_t *direct, uint64_t limt,
	 uint64_t table, uint64_t va, unsigned wd, uint64_t *pa, uint64_t *leaf, uint8_t *shift,
	 uint64_t *cva, uint64_t *ctab, const uint64_t *lf0)
{
	uint64_t e;

	if (((va ^ *cva) >> 21) == 0) {
		table = *ctab;
	} else {
		FAST_UNROLL
		for (unsigned i = L - 1; i > 0; i--) {
			const struct pg_level *l = &f->lvl[i];

			e = *(const volatile uint64_t *)(direct + table +
							 ((va >> (9 * i + 9)) & 0xff8));
			if ((e & l->fast_mask) != l->fast_value)
				return fast_leaf(l, i, e, va, wd, pa, leaf, shift);
			table = e & f->table_addr;
			if (unlikely(table > limt))
				return false;
		}
		*cva = va;
		*ctab = table;
	}
	e = *(const volatile uint64_t *)(direct + table + ((va >> 9) & 0xff8));
	if (unlikely((e & lf0[0]) != lf0[1]))
		return false;
	*pa = (e & f->lvl[0].leaf_addr) | (va & 0xfff);
	*leaf = e;
	*shift = 12;
	return true;
}

/*
 * The 2D fast walk: GL guest levels (0: paging off) and NL TDP levels
 * (0: none), both constants; each guest entry address is first translated
 * through the TDP dimension.
 */
/* What the fast walk did: nothing usable, the whole walk, the guest
 * dimension only (the final TDP translation needs the full walk), or
 * found a guest entry not present (*gpa_out: its GPA when there is a
 * TDP dimension, *gshift: its 0-based level). */
enum { FAST_NO = 0, FAST_OK = 1, FAST_GUEST_DONE = 2, FAST_GUEST_NOTP = 3 };

static inline __attribute__((always_inline)) int
fast_translate(const struct walk_ctx *c, const struct pg_format *gf, const struct pg_format *nf,
	       const unsigned GL, const unsigned NL, uint64_t gla, uint32_t acc, uint64_t *gpa_out,
	       uint64_t *hpa_out, uint64_t *nleaf_out, uint8_t *gshift, uint8_t *nshift,
	       uint8_t *gperm)
{
	const uint8_t *direct = c->mem.direct;
	const uint64_t lim = c->mem.direct_size - 8, limt = c->mem.direct_size - 4096;
	const bool set_ad = c->flags & WALK_F_SET_AD;
	const bool write = acc & WALK_ACC_WRITE;
	/* cva starts out matching no va: the GPAs of guest entries are below
	 * 2^52; without a guest dimension the one va walked is gla. */
	uint64_t nroot = 0, gpa = gla, e, cva = GL ? ~0ull : gla ^ (1ull << 63), ctab = 0;
	unsigned nwd_tbl = 0, nwd_fin = 0;
	const uint64_t *lf0_tbl = (const uint64_t *)0, *lf0_fin = (const uint64_t *)0;

	if (unlikely(c->mem.direct_size < 4096))
		return false;
	if (NL) {
		nroot = c->tdp.root & nf->table_addr;
		if (unlikely(nroot > limt))
			return false;
		/* Table accesses are writes when the format has A/D (walk.h). */
		nwd_tbl = set_ad && nf->has_ad;
		nwd_fin = nwd_tbl & write;
		lf0_tbl = nf->lvl[0].leaf_fast[nwd_tbl];
		lf0_fin = nf->lvl[0].leaf_fast[nwd_fin];
	}
	if (GL) {
		const struct walk_guest *g = &c->guest;
		const struct pg_level *l;
		const unsigned gwd = set_ad & write;
		uint64_t table = g->root & gf->table_addr, bits = ~0ull;
		const uint64_t px = gf->perm_xor;
		unsigned i, perm;
		bool pk;

FAST_UNROLL
		for (i = GL - 1; i > 0; i--) {
			uint64_t ea = table + ((gla >> (9 * i + 9)) & 0xff8), ha = ea;

			l = &gf->lvl[i];
			if (NL) {
				uint64_t nl;
				uint8_t ns;

				if (!fast_dim(nf, NL, direct, limt, nroot, ea, nwd_tbl, &ha, &nl, &ns, &cva,
					      &ctab, lf0_tbl))
					return false;
			}
			if (unlikely(ha > lim))
				return false;
			e = *(const volatile uint64_t *)(direct + ha);
			if ((e & l->fast_mask) != l->fast_value) {
				/* Not every permission: AND them (a fast table
				 * entry would leave every permission bit set). */
				if ((e & l->tbl_ok[0]) != l->tbl_ok[1])
					goto leaf;
				bits &= e ^ px;
			}
			table = e & gf->table_addr;
		}
		{
			uint64_t ea = table + ((gla >> 9) & 0xff8), ha = ea;

			l = &gf->lvl[0];
			if (NL) {
				uint64_t nl;
				uint8_t ns;

				if (!fast_dim(nf, NL, direct, limt, nroot, ea, nwd_tbl, &ha, &nl, &ns, &cva,
					      &ctab, lf0_tbl))
					return false;
			}
			if (unlikely(ha > lim))
				return false;
			e = *(const volatile uint64_t *)(direct + ha);
		}
leaf:
		if (likely((e & l->leaf_fast[gwd][0]) == l->leaf_fast[gwd][1] && bits == ~0ull)) {
			/* Every permission granted at every level (a user
			 * page): only SMEP, SMAP and protection keys can
			 * deny, as x86_guest_denies() would decide. */
			if (!(acc & WALK_ACC_USER)) {
				if (acc & WALK_ACC_FETCH) {
					if (g->smep)
						return false;
				} else if (g->smap &&
					   ((acc & WALK_ACC_IMPLICIT) || !(acc & WALK_ACC_AC))) {
					return false;
				}
			}
			if (gf->pke && !(acc & WALK_ACC_FETCH)) {
				unsigned key = (unsigned)(e >> 59) & 15;
				bool kad = (g->pkru >> (2 * key)) & 1;
				bool kwd = (g->pkru >> (2 * key + 1)) & 1;

				if (kad || (write && kwd && ((acc & WALK_ACC_USER) || g->wp)))
					return false;
			}
			perm = PG_PERM_ALL;
		} else {
			if (unlikely((e & l->leaf_ok[gwd][0]) != l->leaf_ok[gwd][1])) {
				if (e & gf->present)
					return FAST_NO;
				/* The full walk's first check on this entry:
				 * a #PF, the TDP walks before it left
				 * fault.gpa at the entry's GPA. */
				i = (unsigned)(l - gf->lvl);
				*gpa_out = NL ? table + ((gla >> (9 * i + 9)) & 0xff8) : 0;
				*gshift = (uint8_t)i;
				return FAST_GUEST_NOTP;
			}
			/* bits_perm() for the x86 bit positions (see
			 * fast_guest_levels): R = P, W = R/W, U = U/S, X =
			 * no XD at any level (always, without XD). */
			uint64_t b = bits & (e ^ px);

			perm = (unsigned)(b & 3) | (unsigned)((b >> 2) & 1) << 3 |
			       (unsigned)((b | (~px & PG_BIT(63))) >> 63) << 2;
			if (unlikely(x86_guest_denies(g, perm, acc, e, &pk)))
				return false;
		}
		*gperm = (uint8_t)perm;
		gpa = (e & l->leaf_addr) | (gla & l->page_mask);
		*gshift = l->shift;
	}
	*gpa_out = gpa;
	if (NL) {
		if (likely(fast_dim(nf, NL, direct, limt, nroot, gpa, nwd_fin, hpa_out, nleaf_out,
				    nshift, &cva, &ctab, lf0_fin)))
			return FAST_OK;
		return GL ? FAST_GUEST_DONE : FAST_NO;
	}
	*hpa_out = gpa;
	return FAST_OK;
}

#define FAST_GUEST(GL)                                                                             \
	do {                                                                                     \
		if (nl == 4)                                                                     \
			return fast_translate(c, gf, nf, GL, 4, gla, acc, gpa, hpa, nleaf, gshift,  \
					      nshift, gperm);                                    \
		if (nl == 5)                                                                     \
			return fast_translate(c, gf, nf, GL, 5, gla, acc, gpa, hpa, nleaf, gshift,  \
					      nshift, gperm);                                    \
		return fast_translate(c, gf, nf, GL, 0, gla, acc, gpa, hpa, nleaf, gshift, nshift,  \
				      gperm);                                                    \
	} while (0)

/* Dispatch on the depths so each variant unrolls. */
static inline __attribute__((always_inline)) int
fast_any(const struct walk_ctx *c, const struct pg_format *gf, const struct pg_format *nf,
	 uint64_t gla, uint32_t acc, uint64_t *gpa, uint64_t *hpa, uint64_t *nleaf, uint8_t *gshift,
	 uint8_t *nshift, uint8_t *gperm)
{
	unsigned nl = 0, gl = 0;

	if (nf) {
		nl = nf->fast_levels;
		if (unlikely(!nl))
			return FAST_NO;
	}
	if (gf) {
		gl = gf->fast_guest_levels;
		if (unlikely(!gl))
			return FAST_NO;
	}
	if (likely(gl == 4))
		FAST_GUEST(4);
	if (gl == 5)
		FAST_GUEST(5);
	FAST_GUEST(0);
}

/* Fill *r as the full walk does for a successful translation on the fast
 * path (every permission granted in both dimensions). */
static inline __attribute__((always_inline)) void
fast_result(struct walk_result *r, const struct pg_format *nf, uint64_t gla, bool gla_valid,
	    uint64_t gpa, uint64_t hpa, uint64_t nleaf, uint8_t gshift, uint8_t nshift, uint8_t gperm)
{
	r->fault = (struct walk_fault){ .gla = gla, .gla_valid = gla_valid };
	r->gpa = gpa;
	r->hpa = hpa;
	r->guest_shift = gshift;
	r->tdp_shift = nshift;
	r->guest_perm = gperm;
	r->tdp_perm = PG_PERM_ALL;
	r->memtype = 0;
	r->ipat = false;
	if (nf && nf->memtype_mask) {
		r->memtype = (uint8_t)((nleaf & nf->memtype_mask) >> nf->memtype_shift);
		r->ipat = (nleaf >> 6) & 1;
	}
}

static inline void result_init(struct walk_result *r, uint64_t gla, bool gla_valid)
{
	r->fault = (struct walk_fault){ .gla = gla, .gla_valid = gla_valid };
	r->guest_shift = 64;
	r->tdp_shift = 64;
	r->guest_perm = PG_PERM_ALL;
	r->tdp_perm = PG_PERM_ALL;
	r->memtype = 0;
	r->ipat = false;
}

static int finish_tdp(const struct walk_ctx *c, uint64_t gpa, uint32_t acc,
			 struct walk_result *r)
{
	const struct pg_format *nf = c->tdp.fmt;
	struct dim_out no;
	int k;

	r->gpa = gpa;
	if (!nf) {
		r->hpa = gpa;
		return 0;
	}
	k = tdp_walk(c, gpa, acc & ACC_RWX, tdp_need(nf, acc), r, &no);
	if (k) {
		r->fault.guest_perm = r->guest_perm;
		return k;
	}
	r->hpa = no.pa;
	r->tdp_shift = no.shift;
	r->tdp_perm = (uint8_t)bits_perm(nf, no.bits);
	if (nf->memtype_mask) {
		r->memtype = (uint8_t)((no.leaf & nf->memtype_mask) >> nf->memtype_shift);
		r->ipat = (no.leaf >> 6) & 1;
	}
	r->fault.gpa = 0;
	return 0;
}

/* The full walk (out of line: the fast walk's frame stays small). */
static __attribute__((noinline)) int slow_translate(const struct walk_ctx *c, uint64_t gla,
						    uint32_t acc, struct walk_result *r)
{
	uint64_t gpa = gla;

	result_init(r, gla, true);
	if (c->guest.fmt) {
		struct dim_out go;
		int k = guest_walk(c, gla, acc, r, &go);

		if (k)
			return k;
		gpa = go.pa;
		r->guest_shift = go.shift;
		r->guest_perm = (uint8_t)go.bits; /* guest_walk stores PG_PERM_* */
	}
	return finish_tdp(c, gpa, acc, r);
}

/* The full walk's final TDP translation after a fast guest dimension:
 * the full guest walk would have found the same entries (the fast walk
 * wrote nothing and needed no A/D update) and the same gpa, size and
 * permissions. */
static __attribute__((noinline)) int slow_final(const struct walk_ctx *c, uint64_t gla,
						uint64_t gpa, uint8_t gshift, uint8_t gperm,
						uint32_t acc, struct walk_result *r)
{
	result_init(r, gla, true);
	r->guest_shift = gshift;
	r->guest_perm = gperm;
	return finish_tdp(c, gpa, acc, r);
}

/* The full walk's result for a guest entry not present at 0-based level
 * lvl (fgpa: what the TDP walks left in fault.gpa). */
static __attribute__((noinline)) int slow_guest_notp(const struct walk_ctx *c, uint64_t gla,
						     uint64_t fgpa, unsigned lvl, uint32_t acc,
						     struct walk_result *r)
{
	result_init(r, gla, true);
	r->fault.gpa = fgpa;
	return set_fault(r, WALK_FAULT_NOT_PRESENT, WALK_DIM_GUEST, lvl, acc, 0, c->guest.fmt);
}

static __attribute__((noinline)) int slow_gpa_to_hpa(const struct walk_ctx *c, uint64_t gpa,
						     uint32_t acc, struct walk_result *r)
{
	result_init(r, 0, false);
	return finish_tdp(c, gpa, acc, r);
}

int walk_translate(const struct walk_ctx *c, uint64_t gla, uint32_t acc, struct walk_result *r)
{
	uint64_t gpa, hpa, nleaf = 0;
	uint8_t gshift = 64, nshift = 64, gperm = PG_PERM_ALL;

	int f = fast_any(c, c->guest.fmt, c->tdp.fmt, gla, acc, &gpa, &hpa, &nleaf, &gshift,
			 &nshift, &gperm);

	if (likely(f == FAST_OK)) {
		fast_result(r, c->tdp.fmt, gla, true, gpa, hpa, nleaf, gshift, nshift, gperm);
		return 0;
	}
	if (f == FAST_GUEST_DONE)
		return slow_final(c, gla, gpa, gshift, gperm, acc, r);
	if (f == FAST_GUEST_NOTP)
		return slow_guest_notp(c, gla, gpa, gshift, acc, r);
	return slow_translate(c, gla, acc, r);
}

int walk_gva_to_gpa(const struct walk_ctx *c, uint64_t gla, uint32_t acc, struct walk_result *r)
{
	struct walk_ctx g = *c;
	uint64_t gpa, hpa, nleaf = 0;
	uint8_t gshift = 64, nshift = 64, gperm = PG_PERM_ALL;

	int f = fast_any(c, c->guest.fmt, (const struct pg_format *)0, gla, acc, &gpa, &hpa, &nleaf,
			 &gshift, &nshift, &gperm);

	if (likely(f == FAST_OK)) {
		fast_result(r, (const struct pg_format *)0, gla, true, gpa, hpa, nleaf, gshift,
			    nshift, gperm);
		return 0;
	}
	if (f == FAST_GUEST_NOTP)
		return slow_guest_notp(c, gla, gpa, gshift, acc, r);
	g.tdp.fmt = (const struct pg_format *)0;
	return slow_translate(&g, gla, acc, r);
}

int walk_gpa_to_hpa(const struct walk_ctx *c, uint64_t gpa, uint32_t acc, struct walk_result *r)
{
	uint64_t g = gpa, hpa = gpa, nleaf = 0;
	uint8_t gshift = 64, nshift = 64, gperm = PG_PERM_ALL;

	if (likely(fast_any(c, (const struct pg_format *)0, c->tdp.fmt, gpa, acc, &g, &hpa,
				  &nleaf, &gshift, &nshift, &gperm) == FAST_OK)) {
		fast_result(r, c->tdp.fmt, 0, false, gpa, hpa, nleaf, gshift, nshift, gperm);
		return 0;
	}
	return slow_gpa_to_hpa(c, gpa, acc, r);
}

int walk_load_pae_pdptes(const struct walk_ctx *c, uint64_t cr3_root, uint64_t out[4],
			 struct walk_result *r)
{
	for (unsigned i = 0; i < 4; i++) {
		uint64_t ga = cr3_root + 8 * i;
		const void *p;
		int k = walk_gpa_to_hpa(c, ga, WALK_ACC_READ, r);

		if (k)
			return k;
		p = mem_ptr(&c->mem, r->hpa, 8);
		if (!p)
			return set_fault(r, WALK_FAULT_NO_MEMORY, WALK_DIM_TDP, 0, WALK_ACC_READ,
					 0, c->tdp.fmt ? c->tdp.fmt : &(struct pg_format){ 0 });
		out[i] = *(const volatile uint64_t *)p;
	}
	return 0;
}

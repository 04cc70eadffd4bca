/*
 * walk.c - the two-dimensional page walk (one engine for every format).
 *
 *   gla --> guest CR3 --> [gL4] --> [gL3] --> [gL2] --> [gL1] --> gpa
 *              |            |         |         |         |        |
 *              v            v         v         v         v        v
 *           nested       nested    nested    nested    nested   nested
 *           walk of      walk of   walk of   walk of   walk of  walk of
 *           &gL4[i]      &gL3[i]   &gL2[i]   &gL1[i]  (leaf A/D) gpa
 *          [nL4..nL1]    ...                                   [nL4..nL1]
 *                                                                  |
 *                                                                  v hpa
 *
 * Each guest entry address is a guest-physical address: it is translated
 * through the nested tables (4 reads for 4-level EPT/NPT) before the guest
 * entry is read (1 read). 4-level guest x 4-level nested = 4 x (4 + 1) + 4
 * = 24 table reads. A nested fault in a column is "at a guest table"
 * (EPT qualification bit 8 = 0, #NPF EXITINFO1 bit 33); in the last column
 * it is on the final translation (bit 8 = 1, EXITINFO1 bit 32).
 *
 * Check order in one dimension follows the hardware and KVM's paging_tmpl.h:
 * per level, not-present, then reserved bits / EPT misconfiguration, then
 * descend; permissions are judged once on the AND of all levels (SDM Vol 3
 * 4.6, 29.3.3.2). A is set on each non-leaf entry as it is used and on the
 * leaf (with D for a write) only when the access is allowed (SDM 4.8,
 * 29.3.5). Setting a guest entry's A/D is a write in the nested dimension.
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
	uint8_t shift;
	uint8_t perm;
	uint8_t level; /* 1-based level of the leaf */
};

static inline void *mem_ptr(const struct walk_mem *m, uint64_t pa, unsigned size)
{
	if (pa < m->direct_size && m->direct_size - pa >= size)
		return m->direct + pa;
	return m->ptr ? m->ptr(m->opaque, pa, size) : (void *)0;
}

static inline uint64_t read_entry(const void *p, unsigned entry_shift)
{
	return entry_shift == 3 ? *(const volatile uint64_t *)p : *(const volatile uint32_t *)p;
}

/* Atomic OR, as the CPU's locked A/D update (other vCPUs share the tables). */
static inline void set_bits(void *p, unsigned entry_shift, uint64_t bits)
{
	if (entry_shift == 3)
		__atomic_fetch_or((uint64_t *)p, bits, __ATOMIC_RELAXED);
	else
		__atomic_fetch_or((uint32_t *)p, (uint32_t)bits, __ATOMIC_RELAXED);
}

static inline unsigned entry_perm(const struct pg_format *f, uint64_t e)
{
	unsigned p = 0;

	if (e & f->r)
		p |= PG_PERM_R;
	if (e & f->w)
		p |= PG_PERM_W;
	if (f->x ? (e & f->x) != 0 : (e & f->nx) == 0)
		p |= PG_PERM_X;
	if (!f->u || (e & f->u))
		p |= PG_PERM_U;
	return p;
}

/*
 * x86 permission rules for guest paging (SDM Vol 3 4.6, 4.6.2 protection
 * keys). Returns true when the access faults; *pk reports a key violation
 * (computed on its own, as KVM does, so PK can accompany other causes).
 */
static bool x86_guest_denies(const struct walk_guest *g, unsigned perm, uint32_t acc,
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

/* Nested rules: EPT needs R/W/X for read/write/fetch; NPT is an x86 user
 * access (APM 15.25.5) and so needs U/S=1 at every level too. */
static inline bool nested_denies(const struct pg_format *f, unsigned perm, uint32_t acc)
{
	if ((acc & ACC_RWX) & ~perm)
		return true;
	return f->rules == PG_RULES_X86 && !(perm & PG_PERM_U);
}

static inline int set_fault(struct walk_result *r, int kind, int dim, unsigned lvl,
			    uint32_t acc, unsigned allowed, const struct pg_format *f)
{
	r->fault.kind = (uint8_t)kind;
	r->fault.dim = (uint8_t)dim;
	r->fault.level = (uint8_t)(lvl + 1);
	r->fault.access = acc;
	r->fault.allowed = (uint8_t)allowed;
	r->fault.fetch_sets_id = f->fetch_sets_id;
	return kind;
}

/*
 * Checks common to both dimensions for one present entry: reserved bits
 * and EPT misconfiguration (SDM 29.3.3.1). Returns 0 or a fault kind.
 */
static inline int entry_check(const struct pg_format *f, const struct pg_level *l,
			      uint64_t e, bool leaf)
{
	bool ept = f->rules == PG_RULES_EPT;

	if (e & (leaf ? l->rsvd_leaf : l->rsvd_table))
		return ept ? WALK_FAULT_MISCONFIG : WALK_FAULT_RSVD;
	if ((f->bad_rwx >> (e & 7)) & 1)
		return WALK_FAULT_MISCONFIG;
	if (leaf && ((f->bad_memtypes >> ((e & f->memtype_mask) >> f->memtype_shift)) & 1))
		return WALK_FAULT_MISCONFIG;
	return 0;
}

/* The nested dimension: translate gpa for access acc (RWX bits only). */
static int nested_walk(const struct walk_ctx *c, uint64_t gpa, uint32_t acc,
		       struct walk_result *r, struct dim_out *o)
{
	const struct pg_format *f = c->nested.fmt;
	const bool set_ad = (c->flags & WALK_F_SET_AD) && f->has_ad;
	const unsigned es = f->entry_shift;
	uint64_t table = c->nested.root;
	unsigned perm = PG_PERM_ALL;

	r->fault.gpa = gpa;
	for (int lvl = f->levels - 1;; lvl--) {
		const struct pg_level *l = &f->lvl[lvl];
		uint64_t idx = (gpa >> l->shift) & ((1u << l->index_bits) - 1);
		void *p = mem_ptr(&c->mem, table + (idx << es), 1u << es);
		uint64_t e;
		bool leaf;
		int k;

		if (!p)
			return set_fault(r, WALK_FAULT_NO_MEMORY, WALK_DIM_NESTED, (unsigned)lvl, acc,
					 0, f);
		e = read_entry(p, es);
		if (!(e & f->present))
			return set_fault(r, WALK_FAULT_NOT_PRESENT, WALK_DIM_NESTED, (unsigned)lvl,
					 acc, 0, f);
		leaf = lvl == 0 || (l->large_ok && (e & f->ps));
		k = entry_check(f, l, e, leaf);
		if (k)
			return set_fault(r, k, WALK_DIM_NESTED, (unsigned)lvl, acc, perm & entry_perm(f, e), f);
		perm &= entry_perm(f, e);
		if (!leaf) {
			if (set_ad && !(e & f->a))
				set_bits(p, es, f->a);
			table = e & f->table_addr;
			continue;
		}
		if (nested_denies(f, perm, acc))
			return set_fault(r, WALK_FAULT_PERM, WALK_DIM_NESTED, (unsigned)lvl, acc, perm, f);
		if (set_ad) {
			uint64_t bits = f->a | ((acc & WALK_ACC_WRITE) ? f->d : 0);

			if ((e & bits) != bits)
				set_bits(p, es, bits);
		}
		o->pa = (e & l->leaf_addr) | (gpa & ((1ull << l->shift) - 1));
		o->leaf = e;
		o->shift = l->shift;
		o->perm = (uint8_t)perm;
		o->level = (uint8_t)(lvl + 1);
		return 0;
	}
}

/*
 * Reach the guest entry at guest-physical ea for guest level lvl: translate
 * it through the nested dimension (as a read, or a write when table accesses
 * are writes) and return a pointer, plus the nested permissions in *nperm.
 */
static void *guest_entry_ptr(const struct walk_ctx *c, uint64_t ea, unsigned lvl,
			     struct walk_result *r, unsigned *nperm, int *err)
{
	const struct pg_format *g = c->guest.fmt;
	uint64_t ha = ea;
	void *p;

	*nperm = PG_PERM_ALL;
	if (c->nested.fmt) {
		/* A table access is a write when the nested format has A/D
		 * (EPTP[6], or NPT): see walk.h. */
		uint32_t acc = WALK_ACC_READ | (c->nested.fmt->has_ad ? WALK_ACC_WRITE : 0);
		struct dim_out no;
		int k = nested_walk(c, ea, acc, r, &no);

		if (k) {
			r->fault.at_guest_table = true;
			r->fault.guest_level = (uint8_t)(lvl + 1);
			*err = k;
			return (void *)0;
		}
		ha = no.pa;
		*nperm = no.perm;
	}
	p = mem_ptr(&c->mem, ha, 1u << g->entry_shift);
	if (!p)
		*err = set_fault(r, WALK_FAULT_NO_MEMORY, WALK_DIM_GUEST, lvl, 0, 0, g);
	return p;
}

/*
 * Setting A/D in a guest entry writes guest memory: when table accesses
 * are reads (EPT without A/D) the entry was reached by a nested read, so the write
 * needs nested W too. The nested fault is a write at the guest table.
 */
static int guest_ad_write(const struct walk_ctx *c, void *p, uint64_t ea, unsigned lvl,
			  unsigned nperm, uint64_t bits, struct walk_result *r)
{
	if (c->nested.fmt && !(nperm & PG_PERM_W)) {
		struct dim_out no;
		int k = nested_walk(c, ea, WALK_ACC_WRITE, r, &no);

		if (!k) /* tables changed under us: report what we saw */
			k = set_fault(r, WALK_FAULT_PERM, WALK_DIM_NESTED, no.level - 1u,
				      WALK_ACC_WRITE, nperm, c->nested.fmt);
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
	const bool set_ad = c->flags & WALK_F_SET_AD;
	const unsigned es = f->entry_shift;
	uint64_t table = c->guest.root;
	unsigned perm = PG_PERM_ALL;

	for (int lvl = f->levels - 1;; lvl--) {
		const struct pg_level *l = &f->lvl[lvl];
		unsigned idx = (unsigned)(gla >> l->shift) & ((1u << l->index_bits) - 1);
		uint64_t ea = table + ((uint64_t)idx << es);
		unsigned nperm = PG_PERM_ALL;
		void *p = (void *)0;
		uint64_t e;
		bool leaf;
		int k = 0;

		if (l->from_regs) {
			e = c->guest.pdpte[idx & 3];
		} else {
			p = guest_entry_ptr(c, ea, (unsigned)lvl, r, &nperm, &k);
			if (!p)
				return k;
			e = read_entry(p, es);
		}
		if (!(e & f->present))
			return set_fault(r, WALK_FAULT_NOT_PRESENT, WALK_DIM_GUEST, (unsigned)lvl,
					 acc, 0, f);
		leaf = lvl == 0 || (l->large_ok && (e & f->ps));
		k = entry_check(f, l, e, leaf);
		if (k)
			return set_fault(r, k, WALK_DIM_GUEST, (unsigned)lvl, acc, 0, f);
		perm &= entry_perm(f, e | l->force);
		if (!leaf) {
			if (set_ad && p && !(e & f->a)) {
				k = guest_ad_write(c, p, ea, (unsigned)lvl, nperm, f->a, r);
				if (k)
					return k;
			}
			table = e & f->table_addr;
			continue;
		}
		if (x86_guest_denies(&c->guest, perm, acc, e, &r->fault.pk))
			return set_fault(r, WALK_FAULT_PERM, WALK_DIM_GUEST, (unsigned)lvl, acc, perm, f);
		if (set_ad) {
			uint64_t bits = f->a | ((acc & WALK_ACC_WRITE) ? f->d : 0);

			if ((e & bits) != bits) {
				k = guest_ad_write(c, p, ea, (unsigned)lvl, nperm, bits, r);
				if (k)
					return k;
			}
		}
		o->pa = (e & l->leaf_addr) | (gla & ((1ull << l->shift) - 1));
		if (f->pse36 && lvl == 1) /* PDE bits 20:13 = address bits 39:32 */
			o->pa |= ((e >> 13) & 0xff) << 32;
		o->leaf = e;
		o->shift = l->shift;
		o->perm = (uint8_t)perm;
		o->level = (uint8_t)(lvl + 1);
		return 0;
	}
}

static inline void result_init(struct walk_result *r, uint64_t gla, bool gla_valid)
{
	r->fault = (struct walk_fault){ .gla = gla, .gla_valid = gla_valid };
	r->guest_shift = 64;
	r->nested_shift = 64;
	r->guest_perm = PG_PERM_ALL;
	r->nested_perm = PG_PERM_ALL;
	r->memtype = 0;
	r->ipat = false;
}

static int finish_nested(const struct walk_ctx *c, uint64_t gpa, uint32_t acc,
			 struct walk_result *r)
{
	const struct pg_format *nf = c->nested.fmt;
	struct dim_out no;
	int k;

	r->gpa = gpa;
	if (!nf) {
		r->hpa = gpa;
		return 0;
	}
	k = nested_walk(c, gpa, acc & ACC_RWX, r, &no);
	if (k) {
		r->fault.guest_perm = r->guest_perm;
		return k;
	}
	r->hpa = no.pa;
	r->nested_shift = no.shift;
	r->nested_perm = no.perm;
	if (nf->memtype_mask) {
		r->memtype = (uint8_t)((no.leaf & nf->memtype_mask) >> nf->memtype_shift);
		r->ipat = (no.leaf >> 6) & 1;
	}
	r->fault.gpa = 0;
	return 0;
}

int walk_translate(const struct walk_ctx *c, uint64_t gla, uint32_t acc, struct walk_result *r)
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
		r->guest_perm = go.perm;
	}
	return finish_nested(c, gpa, acc, r);
}

int walk_gva_to_gpa(const struct walk_ctx *c, uint64_t gla, uint32_t acc, struct walk_result *r)
{
	struct walk_ctx g = *c;

	g.nested.fmt = (const struct pg_format *)0;
	return walk_translate(&g, gla, acc, r);
}

int walk_gpa_to_hpa(const struct walk_ctx *c, uint64_t gpa, uint32_t acc, struct walk_result *r)
{
	result_init(r, 0, false);
	return finish_nested(c, gpa, acc, r);
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
			return set_fault(r, WALK_FAULT_NO_MEMORY, WALK_DIM_NESTED, 0, WALK_ACC_READ,
					 0, c->nested.fmt ? c->nested.fmt : &(struct pg_format){ 0 });
		out[i] = read_entry(p, 3);
	}
	return 0;
}

/*
 * ptbuild.c - EPT/NPT table builder over struct pg_format.
 *
 * One recursive range operation (map, unmap, protect, MMIO marker) per call.
 * At each level an entry the range covers whole becomes a leaf when the
 * level allows it and the host address is aligned; otherwise the builder
 * descends, creating a table or splitting a large leaf into 512 copies one
 * level down. On the way back up a child table that became empty is freed
 * and one that became 512 contiguous identical leaves is merged into a
 * large leaf.
 */
#include "mm/ptbuild.h"

enum op_kind { OP_MAP, OP_UNMAP, OP_PROTECT, OP_MMIO };

struct op {
	int kind;
	uint64_t start, end; /* guest-physical [start, end) */
	uint64_t hpa;        /* host-physical address of start (OP_MAP) */
	uint64_t leaf;       /* attribute bits of new leaves, without PS/address */
	unsigned perm;
	bool flush;
	int err;
};

#define ENTRIES 512u

static inline uint64_t *table_ptr(struct ptb *b, uint64_t pa)
{
	return (uint64_t *)b->ops.ptr(b->ops.opaque, pa);
}

static inline bool is_leaf(const struct pg_format *f, unsigned lvl, uint64_t e)
{
	return e && (lvl == 0 || (e & f->ps));
}

static inline bool is_table(const struct pg_format *f, unsigned lvl, uint64_t e)
{
	return e && lvl > 0 && !(e & f->ps);
}

static inline bool is_marker(const struct pg_format *f, uint64_t e)
{
	return e && (e & ~f->ps) == f->mmio_marker;
}

/* Address bits of a leaf at lvl (markers carry none). */
static inline uint64_t leaf_addr(const struct pg_format *f, unsigned lvl, uint64_t e)
{
	return is_marker(f, e) ? 0 : (e & f->lvl[lvl].leaf_addr);
}

/* The permission/memory-type bits of a leaf for perm (no address, no PS). */
static uint64_t leaf_attrs(const struct pg_format *f, unsigned perm, unsigned memtype)
{
	uint64_t e = f->u;

	if (perm & PG_PERM_R)
		e |= f->r;
	if (perm & PG_PERM_W)
		e |= f->w;
	if (f->x) {
		if (perm & PG_PERM_X)
			e |= f->x;
	} else if (!(perm & PG_PERM_X)) {
		e |= f->nx;
	}
	if (f->memtype_mask)
		e |= ((uint64_t)memtype << f->memtype_shift) & f->memtype_mask;
	return e;
}

/* perm normalised for the format; false if it cannot be expressed. */
static bool perm_ok(const struct pg_format *f, unsigned *perm)
{
	*perm &= PG_PERM_R | PG_PERM_W | PG_PERM_X;
	if (f->rules == PG_RULES_X86) {
		/* NPT: present means readable; write- or execute-only is R+. */
		if (*perm)
			*perm |= PG_PERM_R;
		return true;
	}
	return !((f->bad_rwx >> *perm) & 1);
}

static inline unsigned leaf_perm(const struct pg_format *f, uint64_t e)
{
	unsigned p = 0;

	if (e & f->r)
		p |= PG_PERM_R;
	if (e & f->w)
		p |= PG_PERM_W;
	if (f->x ? (e & f->x) != 0 : (e & f->nx) == 0)
		p |= PG_PERM_X;
	return p;
}

/* Does replacing present leaf old by new need an invalidation? Only a pure
 * permission upgrade of the same page does not. */
static bool leaf_change_flush(const struct pg_format *f, unsigned lvl, uint64_t old, uint64_t new)
{
	uint64_t perm_bits = f->r | f->w | f->x | f->nx;

	if (!old || old == new)
		return false;
	if (!new || is_marker(f, old) || is_marker(f, new))
		return true;
	if ((old & ~perm_bits) != (new & ~perm_bits) || leaf_addr(f, lvl, old) != leaf_addr(f, lvl, new))
		return true;
	return (leaf_perm(f, old) & ~leaf_perm(f, new)) != 0;
}

static uint64_t table_entry(const struct pg_format *f, uint64_t pa)
{
	return pa | f->r | f->w | f->x | f->u;
}

static void free_subtree(struct ptb *b, unsigned lvl, uint64_t pa)
{
	const struct pg_format *f = b->fmt;
	uint64_t *t = table_ptr(b, pa);

	/* pa is a table at level lvl; its table entries point one level down. */
	if (lvl > 0)
		for (unsigned i = 0; i < ENTRIES; i++)
			if (is_table(f, lvl, t[i]))
				free_subtree(b, lvl - 1, t[i] & f->table_addr);
	b->ops.free(b->ops.opaque, pa);
	b->tables--;
}

static uint64_t new_table(struct ptb *b, struct op *op)
{
	uint64_t pa = b->ops.alloc(b->ops.opaque);

	if (pa == PTB_NO_PAGE)
		op->err = PTB_ENOMEM;
	else
		b->tables++;
	return pa;
}

/* Replace large leaf e at lvl by a table of 512 leaves one level down. */
static uint64_t split(struct ptb *b, struct op *op, unsigned lvl, uint64_t e)
{
	const struct pg_format *f = b->fmt;
	uint64_t pa = new_table(b, op), *t, child = 1ull << f->lvl[lvl - 1].shift;
	uint64_t attrs = (e & ~f->lvl[lvl].leaf_addr & ~f->ps) | (lvl - 1 ? f->ps : 0);
	uint64_t addr = leaf_addr(f, lvl, e);

	if (pa == PTB_NO_PAGE)
		return 0;
	t = table_ptr(b, pa);
	for (unsigned i = 0; i < ENTRIES; i++)
		t[i] = is_marker(f, e) ? (f->mmio_marker | (lvl - 1 ? f->ps : 0))
				       : (attrs | (addr + i * child));
	return table_entry(f, pa);
}

/* Leaf for lvl if the child table at pa is 512 contiguous identical leaves. */
static uint64_t mergeable(struct ptb *b, unsigned lvl, uint64_t pa)
{
	const struct pg_format *f = b->fmt;
	const uint64_t *t = table_ptr(b, pa);
	uint64_t child = 1ull << f->lvl[lvl - 1].shift, e0 = t[0];
	uint64_t addr0, attrs;

	if (!f->lvl[lvl].large_ok || !is_leaf(f, lvl - 1, e0))
		return 0;
	if (is_marker(f, e0)) {
		for (unsigned i = 1; i < ENTRIES; i++)
			if (t[i] != e0)
				return 0;
		return f->mmio_marker | f->ps;
	}
	addr0 = leaf_addr(f, lvl - 1, e0);
	if (addr0 & ((1ull << f->lvl[lvl].shift) - 1))
		return 0;
	attrs = e0 & ~f->lvl[lvl - 1].leaf_addr;
	for (unsigned i = 1; i < ENTRIES; i++)
		if (t[i] != (attrs | (addr0 + i * child)))
			return 0;
	return (attrs & ~f->ps) | f->ps | addr0;
}

static bool table_empty(struct ptb *b, uint64_t pa)
{
	const uint64_t *t = table_ptr(b, pa);

	for (unsigned i = 0; i < ENTRIES; i++)
		if (t[i])
			return false;
	return true;
}

/* The new leaf for an entry [es, es+size) at lvl that op covers whole, or
 * *descend when it must be handled one level down. */
static uint64_t whole_entry(const struct pg_format *f, const struct op *op, unsigned lvl,
			    uint64_t es, uint64_t old, bool *descend)
{
	uint64_t size = 1ull << f->lvl[lvl].shift;
	uint64_t ps = lvl ? f->ps : 0;
	bool leaf_ok = lvl == 0 || f->lvl[lvl].large_ok;

	*descend = false;
	switch (op->kind) {
	case OP_UNMAP:
		return 0;
	case OP_MMIO:
		if (!leaf_ok)
			break;
		return f->mmio_marker | ps;
	case OP_MAP: {
		uint64_t hpa = op->hpa + (es - op->start);

		if (!leaf_ok || (hpa & (size - 1)))
			break;
		return op->leaf | ps | hpa;
	}
	case OP_PROTECT:
		if (is_table(f, lvl, old))
			break;
		if (!old || is_marker(f, old))
			return old;
		if (!op->perm)
			return 0;
		return op->leaf | (old & ~(f->r | f->w | f->x | f->nx | f->u));
	}
	*descend = true;
	return 0;
}

static void set_range(struct ptb *b, struct op *op, uint64_t table, unsigned lvl, uint64_t base)
{
	const struct pg_format *f = b->fmt;
	const struct pg_level *l = &f->lvl[lvl];
	uint64_t size = 1ull << l->shift;
	uint64_t *t = table_ptr(b, table);
	uint64_t lo = op->start > base ? op->start : base;
	unsigned first = (unsigned)((lo - base) >> l->shift);

	for (unsigned i = first; i < ENTRIES && !op->err; i++) {
		uint64_t es = base + i * size, ee = es + size, old = t[i], e;
		bool descend = true;

		if (es >= op->end)
			break;
		if (op->start <= es && op->end >= ee) {
			e = whole_entry(f, op, lvl, es, old, &descend);
			if (!descend) {
				if (is_table(f, lvl, old)) {
					free_subtree(b, lvl - 1, old & f->table_addr);
					op->flush = true;
				} else {
					op->flush |= leaf_change_flush(f, lvl, old, e);
				}
				t[i] = e;
				continue;
			}
		}
		/* Part of this entry changes (or it cannot be a leaf): go down. */
		if (!old) {
			uint64_t pa;

			if (op->kind == OP_UNMAP || op->kind == OP_PROTECT)
				continue;
			pa = new_table(b, op);
			if (pa == PTB_NO_PAGE)
				return;
			t[i] = old = table_entry(f, pa);
		} else if (is_leaf(f, lvl, old)) {
			if (op->kind == OP_PROTECT && is_marker(f, old))
				continue;
			e = split(b, op, lvl, old);
			if (!e)
				return;
			t[i] = old = e;
			op->flush = true; /* page size changed (SDM 4.10.2.3) */
		}
		set_range(b, op, old & f->table_addr, lvl - 1, es);
		/* Collapse the child if it became empty or uniform. */
		if (table_empty(b, old & f->table_addr)) {
			t[i] = 0;
			free_subtree(b, lvl - 1, old & f->table_addr);
			op->flush = true;
		} else if ((e = mergeable(b, lvl, old & f->table_addr)) != 0) {
			t[i] = e;
			free_subtree(b, lvl - 1, old & f->table_addr);
			op->flush = true;
		}
	}
}

static int run(struct ptb *b, struct op *op, uint64_t gpa, uint64_t size, bool *flush)
{
	const struct pg_format *f = b->fmt;
	unsigned top = f->levels - 1u;
	uint64_t span = 1ull << (f->lvl[top].shift + 9);

	if ((gpa | size) & (PG_PAGE_SIZE - 1) || gpa + size < gpa || gpa + size > span)
		return PTB_EINVAL;
	op->start = gpa;
	op->end = gpa + size;
	op->flush = false;
	op->err = PTB_OK;
	if (size)
		set_range(b, op, b->root, top, 0);
	if (flush)
		*flush = op->flush;
	return op->err;
}

int ptb_init(struct ptb *b, const struct pg_format *f, const struct ptb_ops *ops)
{
	b->fmt = f;
	b->ops = *ops;
	b->tables = 0;
	b->root = ops->alloc(ops->opaque);
	if (b->root == PTB_NO_PAGE)
		return PTB_ENOMEM;
	b->tables = 1;
	return PTB_OK;
}

int ptb_map(struct ptb *b, uint64_t gpa, uint64_t hpa, uint64_t size, unsigned perm,
	    unsigned memtype, bool *flush)
{
	struct op op = { .kind = OP_MAP, .hpa = hpa };

	if (hpa & (PG_PAGE_SIZE - 1) || !perm_ok(b->fmt, &perm) ||
	    ((b->fmt->bad_memtypes >> (memtype & 7)) & 1) || memtype > 7)
		return PTB_EINVAL;
	if (!perm)
		return ptb_unmap(b, gpa, size, flush);
	op.perm = perm;
	op.leaf = leaf_attrs(b->fmt, perm, memtype);
	return run(b, &op, gpa, size, flush);
}

int ptb_unmap(struct ptb *b, uint64_t gpa, uint64_t size, bool *flush)
{
	struct op op = { .kind = OP_UNMAP };

	return run(b, &op, gpa, size, flush);
}

int ptb_protect(struct ptb *b, uint64_t gpa, uint64_t size, unsigned perm, bool *flush)
{
	struct op op = { .kind = OP_PROTECT };

	if (!perm_ok(b->fmt, &perm))
		return PTB_EINVAL;
	op.perm = perm;
	/* Memory type stays with the old leaf: only permission bits change. */
	op.leaf = perm ? leaf_attrs(b->fmt, perm, 0) & (b->fmt->r | b->fmt->w | b->fmt->x |
							 b->fmt->nx | b->fmt->u)
		       : 0;
	return run(b, &op, gpa, size, flush);
}

int ptb_mark_mmio(struct ptb *b, uint64_t gpa, uint64_t size, bool *flush)
{
	struct op op = { .kind = OP_MMIO };

	return run(b, &op, gpa, size, flush);
}

void ptb_destroy(struct ptb *b)
{
	if (b->root == PTB_NO_PAGE || !b->tables)
		return;
	free_subtree(b, b->fmt->levels - 1u, b->root);
	b->root = PTB_NO_PAGE;
}

int ptb_build_regions(struct ptb *b, const struct ptb_region *regions, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		const struct ptb_region *r = &regions[i];
		int err;

		switch (r->kind) {
		case PTB_REGION_RAM:
			err = ptb_map(b, r->gpa, r->hpa, r->size, r->perm, 6 /* WB */, (bool *)0);
			break;
		case PTB_REGION_DEVICE:
			err = ptb_map(b, r->gpa, r->hpa, r->size, r->perm, 0 /* UC */, (bool *)0);
			break;
		case PTB_REGION_MMIO:
			err = ptb_mark_mmio(b, r->gpa, r->size, (bool *)0);
			break;
		default:
			err = PTB_EINVAL;
		}
		if (err)
			return err;
	}
	return PTB_OK;
}

/*
 * pgfmt.h - a page-table format as data: the per-level facts one walker needs.
 *
 * Every x86 translation structure Nestor meets (guest 32-bit, PAE, 4-level,
 * 5-level paging; EPT; NPT, which is the host long-mode format) is a radix
 * tree of 4- or 8-byte entries. They differ only in: how many levels, how
 * many index bits per level, which bits say present / writable / user /
 * executable / large / accessed / dirty, and which bits are reserved at each
 * level for a table pointer or for a leaf. A struct pg_format holds exactly
 * those facts so mm/walk.c and mm/ptbuild.c are the only code that walks.
 * Builders: mm/guest_fmt.h (guest paging), ept/ept_fmt.h, npt/npt_fmt.h.
 *
 * Level numbering: lvl[0] is the level that maps 4 KiB pages (PTE), lvl[1]
 * the page directory, ... lvl[levels-1] the root table. Public fault records
 * use 1-based levels (1 = PTE) like the SDM's figures.
 */
#ifndef NESTOR_MM_PGFMT_H
#define NESTOR_MM_PGFMT_H

#include <stdbool.h>
#include <stdint.h>

/* <assert.h> is not ours to include in pure code; C11 has the keyword. */
#ifndef static_assert
#define static_assert _Static_assert
#endif

#define PG_MAX_LEVELS 5
#define PG_PAGE_SHIFT 12
#define PG_PAGE_SIZE (1ull << PG_PAGE_SHIFT)

/* Inclusive bit range hi:lo as a mask (hi >= lo, hi <= 63). */
#define PG_BITS(hi, lo) ((~0ull >> (63 - (hi))) & ~((1ull << (lo)) - 1))
#define PG_BIT(n) (1ull << (n))

/* Normalised permissions: what one entry or a whole walk allows. */
enum pg_perm {
	PG_PERM_R = 1u << 0,
	PG_PERM_W = 1u << 1,
	PG_PERM_X = 1u << 2,
	PG_PERM_U = 1u << 3, /* x86 U/S=1 (user-mode address); 1 for EPT */
	PG_PERM_ALL = 0xf,
};

/* How a format's permissions are judged after the walk. */
enum pg_rules {
	PG_RULES_X86, /* CR0.WP, U/S, SMEP/SMAP/PK: guest paging and NPT */
	PG_RULES_EPT, /* R/W/X only, reserved bits are misconfigurations */
};

struct pg_level {
	uint8_t shift;      /* lowest address bit this level's index covers */
	uint8_t index_bits; /* 9 (10 for 32-bit paging, 2 for PAE PDPTEs) */
	bool large_ok;      /* a leaf may live here (PS=1 means a page) */
	bool from_regs;     /* PAE PDPTEs: entries come from registers */
	/* Derived by pg_format_finish() so the walk loop has no branches on
	 * the level: index mask, and "e & leaf_test" != 0 iff e is a leaf
	 * (PS where large pages exist, every present entry at level 0). */
	uint16_t index_mask;
	uint64_t leaf_test;
	/* Fast accept: (e & fast_mask) == fast_value means a present table
	 * pointer granting every permission, with no reserved bit and (when
	 * the format has A/D) A already set: every other per-level check
	 * would be a no-op for it. Never true at level 0. */
	uint64_t fast_mask, fast_value;
	/* Fast accept for a leaf: present, every permission, no reserved
	 * bit, A set (when the format has A/D), and for EPT memory type WB.
	 * Never true where no leaf can be. */
	uint64_t leaf_fast_mask, leaf_fast_value;
	uint64_t rsvd_table; /* bits that must be 0 in an entry pointing to a table */
	uint64_t rsvd_leaf;  /* bits that must be 0 in an entry mapping a page */
	uint64_t force;      /* bits ORed in before judging permissions (PAE PDPTE has no R/W, U/S) */
	uint64_t leaf_addr;  /* address bits of a page mapped at this level */
	/* Derived: a leaf here maps (e & leaf_addr) | (va & page_mask). */
	uint64_t page_mask;
	/* Derived: leaf_fast_mask/value as [0], and [1] also requiring D
	 * (when the format has A/D): a write that needs no D update. */
	uint64_t leaf_fast[2][2];
	/* Derived for a guest dimension (x86 rules, one present bit), where
	 * the fast walk ANDs permissions instead of requiring them all:
	 * (e & tbl_ok[0]) == tbl_ok[1] for a present table pointer without
	 * reserved bits and with A set (never at level 0); (e & leaf_ok[d][0])
	 * == leaf_ok[d][1] for a present leaf without reserved bits, with A
	 * (and D when d) set (never where no leaf can be). */
	uint64_t tbl_ok[2];
	uint64_t leaf_ok[2][2];
};

struct pg_format {
	const char *name;
	uint8_t levels;      /* number of levels walked, root is lvl[levels-1] */
	uint8_t entry_shift; /* log2 of the entry size: 2 or 3 */
	uint8_t rules;       /* enum pg_rules */
	bool pse36;          /* 32-bit 4 MiB PDE bits 20:13 are address bits 39:32 */
	bool has_ad;         /* hardware sets A/D in this format */
	bool fetch_sets_id;  /* #PF I/D is reported for fetches (SDM 4.7) */
	bool pke;            /* protection keys apply (CR4.PKE with IA-32e paging) */
	uint8_t maxphyaddr;
	uint64_t present;    /* entry is present when (e & present) != 0 */
	uint64_t r, w, x;    /* bits granting read/write/execute (0 = n/a) */
	uint64_t nx;         /* bit that removes execute (x86 XD with NXE) */
	uint64_t u;          /* x86 U/S (0 = every entry is "user") */
	uint64_t ps;         /* page-size bit at levels >= 1 */
	uint64_t a, d;       /* accessed and dirty bits (valid when has_ad) */
	uint64_t table_addr; /* address bits of a next-level table pointer */
	/* EPT misconfiguration facts (SDM Vol 3 29.3.3.1). */
	uint8_t bad_rwx;      /* bit n set: RWX value n in bits 2:0 is a misconfig */
	uint8_t bad_memtypes; /* bit n set: leaf memory type n is a misconfig */
	uint8_t memtype_shift;
	uint64_t memtype_mask;
	/* Leaf bits of a deliberately broken "this is MMIO" entry. */
	uint64_t mmio_marker;
	/* Derived: entries are XORed with this before AND-ing permissions
	 * across levels, so an inverted bit (XD) ANDs like the others. */
	uint64_t perm_xor;
	/* Derived: the fast walk of mm/walk.c may be used (8-byte entries,
	 * 9 index bits per level from bit 12, none from registers, 4 or 5
	 * levels): the number of levels, else 0. Set only by
	 * pg_format_finish(). fast_guest_levels: the same for use as a guest
	 * dimension (x86 rules and bit positions: tbl_ok and leaf_ok apply). */
	uint8_t fast_levels;
	uint8_t fast_guest_levels;
	struct pg_level lvl[PG_MAX_LEVELS];
};

/* Fill the derived fields; every format builder calls it last. */
static inline void pg_format_finish(struct pg_format *f)
{
	for (unsigned i = 0; i < f->levels; i++) {
		struct pg_level *l = &f->lvl[i];

		l->index_mask = (uint16_t)((1u << l->index_bits) - 1);
		uint64_t grant = f->r | f->w | f->x | f->u | (f->has_ad ? f->a : 0);

		l->leaf_test = i == 0 ? ~0ull : l->large_ok ? f->ps : 0;
		l->fast_mask = i == 0 ? 0 : grant | f->nx | f->ps | l->rsvd_table;
		l->fast_value = i == 0 ? 1 : grant;
		if (i == 0 || l->large_ok) {
			uint64_t ps = i ? f->ps : 0;

			l->leaf_fast_mask = grant | f->nx | ps | l->rsvd_leaf | f->memtype_mask;
			l->leaf_fast_value = grant | ps | ((uint64_t)6 << f->memtype_shift & f->memtype_mask);
		} else {
			l->leaf_fast_mask = 0;
			l->leaf_fast_value = 1;
		}
	}
	f->perm_xor = f->nx;
	/* The fast walk (mm/walk.c) unrolls the standard geometry: 8-byte
	 * entries, 9 index bits per level above bit 12, no PDPTE registers. */
	bool fast = f->entry_shift == 3 && !f->pse36 && (f->levels == 4 || f->levels == 5);

	for (unsigned i = 0; i < f->levels && i < PG_MAX_LEVELS; i++) {
		struct pg_level *l = &f->lvl[i];
		uint64_t a = f->has_ad ? f->a : 0, d = f->has_ad ? f->d : 0;

		l->page_mask = (1ull << l->shift) - 1;
		l->leaf_fast[0][0] = l->leaf_fast_mask;
		l->leaf_fast[0][1] = l->leaf_fast_value;
		l->leaf_fast[1][0] = l->leaf_fast_mask | d;
		l->leaf_fast[1][1] = l->leaf_fast_value | d;
		l->tbl_ok[0] = i == 0 ? 0 : f->present | l->leaf_test | l->rsvd_table | a;
		l->tbl_ok[1] = i == 0 ? 1 : f->present | a;
		if (i == 0 || l->large_ok) {
			uint64_t ps = i ? f->ps : 0;

			l->leaf_ok[0][0] = f->present | ps | l->rsvd_leaf | a;
			l->leaf_ok[0][1] = f->present | ps | a;
			l->leaf_ok[1][0] = l->leaf_ok[0][0] | d;
			l->leaf_ok[1][1] = l->leaf_ok[0][1] | d;
		} else {
			l->leaf_ok[0][0] = l->leaf_ok[1][0] = 0;
			l->leaf_ok[0][1] = l->leaf_ok[1][1] = 1;
		}
		if (l->from_regs || l->index_bits != 9 || l->shift != 12 + 9 * i)
			fast = false;
	}
	f->fast_levels = fast ? f->levels : 0;
	/* As a guest: x86 bit positions (P=R bit 0, R/W bit 1, U/S bit 2,
	 * XD bit 63 or none), which the fast walk's permission sum assumes. */
	f->fast_guest_levels = fast && f->rules == PG_RULES_X86 && !f->bad_rwx &&
					       f->present == 1 && f->r == 1 && f->w == 2 &&
					       f->u == 4 && !f->x && (!f->nx || f->nx == PG_BIT(63)) &&
					       f->perm_xor == f->nx
				       ? f->levels
				       : 0;
}

/* Entry address of level lvl for address va (index only). */
static inline unsigned pg_index(const struct pg_format *f, unsigned lvl, uint64_t va)
{
	const struct pg_level *l = &f->lvl[lvl];
	return (unsigned)(va >> l->shift) & ((1u << l->index_bits) - 1);
}

/* Bits (maxphyaddr-1):lo, the physical-address bits an entry may hold. */
static inline uint64_t pg_addr_bits(unsigned maxphyaddr, unsigned lo)
{
	return PG_BITS(maxphyaddr - 1, lo);
}

#endif

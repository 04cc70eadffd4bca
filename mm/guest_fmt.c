/*
 * guest_fmt.c - guest paging formats (Intel SDM Vol 3 ch. 4; AMD APM Vol 2 ch. 5).
 *
 * Reserved bits per level come from SDM Tables 4-4..4-6 (32-bit), 4-8..4-11
 * (PAE) and 4-14..4-20 (4-/5-level). "M" below is MAXPHYADDR.
 */
#include "mm/guest_fmt.h"
#include "hv/lib/string.h"

#define X86_P PG_BIT(0)
#define X86_RW PG_BIT(1)
#define X86_US PG_BIT(2)
#define X86_A PG_BIT(5)
#define X86_D PG_BIT(6)
#define X86_PS PG_BIT(7)
#define X86_XD PG_BIT(63)

enum guest_paging guest_paging_mode(uint64_t cr0, uint64_t cr4, uint64_t efer)
{
	if (!(cr0 & PG_BIT(31)))
		return GUEST_PAGING_OFF;
	if (!(cr4 & PG_BIT(5)))
		return GUEST_PAGING_32;
	if (!(efer & PG_BIT(10)))
		return GUEST_PAGING_PAE;
	return (cr4 & PG_BIT(12)) ? GUEST_PAGING_5LEVEL : GUEST_PAGING_4LEVEL;
}

uint64_t guest_cr3_root(enum guest_paging mode, uint64_t cr3, unsigned maxphyaddr)
{
	switch (mode) {
	case GUEST_PAGING_32:
		return cr3 & 0xfffff000u;
	case GUEST_PAGING_PAE:
		return cr3 & 0xffffffe0u; /* 32-byte aligned PDPT */
	case GUEST_PAGING_4LEVEL:
	case GUEST_PAGING_5LEVEL:
		return cr3 & pg_addr_bits(maxphyaddr, 12);
	default:
		return 0;
	}
}

bool guest_pae_pdptes_valid(const uint64_t pdpte[4], unsigned maxphyaddr)
{
	uint64_t rsvd = PG_BITS(2, 1) | PG_BITS(8, 5) | PG_BITS(63, maxphyaddr);

	for (int i = 0; i < 4; i++)
		if ((pdpte[i] & X86_P) && (pdpte[i] & rsvd))
			return false;
	return true;
}

static void common_x86(struct pg_format *f, const struct guest_fmt_params *p)
{
	f->rules = PG_RULES_X86;
	f->has_ad = true;
	f->maxphyaddr = p->maxphyaddr;
	f->present = X86_P;
	f->r = X86_P;
	f->w = X86_RW;
	f->u = X86_US;
	f->ps = X86_PS;
	f->a = X86_A;
	f->d = X86_D;
}

static void build_32(struct pg_format *f, const struct guest_fmt_params *p)
{
	/* PSE-36 carries at most 40 physical-address bits (SDM 4.3). */
	unsigned m = p->maxphyaddr > 40 ? 40 : p->maxphyaddr;

	f->name = "x86-32";
	f->levels = 2;
	f->entry_shift = 2;
	f->pse36 = true;
	f->table_addr = 0xfffff000u;
	f->fetch_sets_id = p->smep; /* no NX without PAE: only SMEP gives I/D */
	f->lvl[0] = (struct pg_level){ .shift = 12, .index_bits = 10, .leaf_addr = 0xfffff000u };
	/* 4 MiB PDE (Table 4-4): bits 21:(M-19) reserved; without CR4.PSE the
	 * PS bit is ignored and the entry always points to a page table. */
	f->lvl[1] = (struct pg_level){ .shift = 22, .index_bits = 10, .large_ok = p->pse,
				       .rsvd_leaf = PG_BITS(21, m - 19),
				       .leaf_addr = 0xffc00000u };
}

static void build_pae(struct pg_format *f, const struct guest_fmt_params *p)
{
	uint64_t hi = PG_BITS(62, p->maxphyaddr) | (p->nxe ? 0 : X86_XD);
	uint64_t addr = pg_addr_bits(p->maxphyaddr, 12);

	f->name = "x86-pae";
	f->levels = 3;
	f->entry_shift = 3;
	f->nx = p->nxe ? X86_XD : 0;
	f->table_addr = addr;
	f->fetch_sets_id = p->nxe || p->smep;
	f->lvl[0] = (struct pg_level){ .shift = 12, .index_bits = 9, .rsvd_leaf = hi, .leaf_addr = addr };
	f->lvl[1] = (struct pg_level){ .shift = 21, .index_bits = 9, .large_ok = true,
				       .rsvd_table = hi, .rsvd_leaf = hi | PG_BITS(20, 13),
				       .leaf_addr = pg_addr_bits(p->maxphyaddr, 21) };
	/* PDPTE registers (Table 4-8): no R/W, U/S or XD; they do not restrict. */
	f->lvl[2] = (struct pg_level){ .shift = 30, .index_bits = 2, .from_regs = true,
				       .rsvd_table = PG_BITS(2, 1) | PG_BITS(8, 5) |
						     PG_BITS(63, p->maxphyaddr),
				       .force = X86_RW | X86_US };
}

static void build_long(struct pg_format *f, const struct guest_fmt_params *p, unsigned levels)
{
	/* Bits 51:M are reserved; 62:52 are ignored (or protection keys). */
	uint64_t hi = (p->maxphyaddr < 52 ? PG_BITS(51, p->maxphyaddr) : 0) |
		      (p->nxe ? 0 : X86_XD);
	uint64_t addr = pg_addr_bits(p->maxphyaddr, 12);

	f->name = levels == 5 ? "x86-5level" : "x86-4level";
	f->levels = (uint8_t)levels;
	f->entry_shift = 3;
	f->nx = p->nxe ? X86_XD : 0;
	f->pke = p->pke;
	f->table_addr = addr;
	f->fetch_sets_id = p->nxe || p->smep;
	f->lvl[0] = (struct pg_level){ .shift = 12, .index_bits = 9, .rsvd_leaf = hi, .leaf_addr = addr };
	f->lvl[1] = (struct pg_level){ .shift = 21, .index_bits = 9, .large_ok = true,
				       .rsvd_table = hi, .rsvd_leaf = hi | PG_BITS(20, 13),
				       .leaf_addr = pg_addr_bits(p->maxphyaddr, 21) };
	f->lvl[2] = (struct pg_level){ .shift = 30, .index_bits = 9, .large_ok = p->gbpages,
				       .rsvd_table = hi | (p->gbpages ? 0 : X86_PS),
				       .rsvd_leaf = hi | PG_BITS(29, 13),
				       .leaf_addr = pg_addr_bits(p->maxphyaddr, 30) };
	/* PML4E/PML5E: PS is reserved (Table 4-15); AMD also reserves bit 8. */
	for (unsigned l = 3; l < levels; l++)
		f->lvl[l] = (struct pg_level){ .shift = (uint8_t)(12 + 9 * l), .index_bits = 9,
					       .rsvd_table = hi | X86_PS | (p->amd ? PG_BIT(8) : 0) };
}

bool guest_fmt_build(struct pg_format *f, const struct guest_fmt_params *p)
{
	if (p->maxphyaddr < 32 || p->maxphyaddr > 52)
		return false;
	memset(f, 0, sizeof(*f));
	common_x86(f, p);
	switch (p->mode) {
	case GUEST_PAGING_32:
		build_32(f, p);
		break;
	case GUEST_PAGING_PAE:
		build_pae(f, p);
		break;
	case GUEST_PAGING_4LEVEL:
		build_long(f, p, 4);
		break;
	case GUEST_PAGING_5LEVEL:
		build_long(f, p, 5);
		break;
	default:
		return false;
	}
	pg_format_finish(f);
	return true;
}

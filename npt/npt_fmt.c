/*
 * npt_fmt.c - NPT format description and #NPF EXITINFO1.
 *
 * The host long-mode format with AMD's reserved bits (APM Vol 2 5.3.3,
 * Figures 5-18..5-23): bits 51:M, PS and bit 8 in the PML4E, 20:13 in a
 * 2 MiB PDE, 29:13 in a 1 GiB PDPE, NX when host EFER.NXE=0.
 */
#include "npt/npt_fmt.h"
#include "mm/walk.h"
#include "hv/lib/string.h"

bool npt_fmt_build(struct pg_format *f, const struct npt_fmt_params *p)
{
	uint64_t hi, addr;

	if (p->maxphyaddr < 32 || p->maxphyaddr > 51)
		return false; /* the MMIO marker needs a reserved high bit */
	hi = PG_BITS(51, p->maxphyaddr) | (p->nxe ? 0 : NPT_NX);
	addr = pg_addr_bits(p->maxphyaddr, 12);
	memset(f, 0, sizeof(*f));
	f->name = "npt";
	f->levels = 4;
	f->entry_shift = 3;
	f->rules = PG_RULES_X86;
	f->has_ad = true;
	f->fetch_sets_id = p->nxe;
	f->maxphyaddr = p->maxphyaddr;
	f->present = NPT_P;
	f->r = NPT_P;
	f->w = NPT_RW;
	f->u = NPT_US;
	f->nx = p->nxe ? NPT_NX : 0;
	f->ps = NPT_PS;
	f->a = PG_BIT(5);
	f->d = PG_BIT(6);
	f->table_addr = addr;
	/* Present, user, with the top reserved address bit: #NPF with RSVD. */
	f->mmio_marker = NPT_P | NPT_RW | NPT_US | PG_BIT(51);
	f->lvl[0] = (struct pg_level){ .shift = 12, .index_bits = 9, .rsvd_leaf = hi, .leaf_addr = addr };
	f->lvl[1] = (struct pg_level){ .shift = 21, .index_bits = 9, .large_ok = true,
				       .rsvd_table = hi, .rsvd_leaf = hi | PG_BITS(20, 13),
				       .leaf_addr = pg_addr_bits(p->maxphyaddr, 21) };
	f->lvl[2] = (struct pg_level){ .shift = 30, .index_bits = 9, .large_ok = p->gbpages,
				       .rsvd_table = hi | (p->gbpages ? 0 : NPT_PS),
				       .rsvd_leaf = hi | PG_BITS(29, 13),
				       .leaf_addr = pg_addr_bits(p->maxphyaddr, 30) };
	f->lvl[3] = (struct pg_level){ .shift = 39, .index_bits = 9,
				       .rsvd_table = hi | NPT_PS | PG_BIT(8) };
	pg_format_finish(f);
	return true;
}

uint64_t npt_npf_exitinfo1(const struct walk_fault *f)
{
	uint64_t e = NPF_INFO1_U; /* all TDP accesses are user accesses */

	if (f->kind != WALK_FAULT_NOT_PRESENT)
		e |= NPF_INFO1_P;
	if (f->access & WALK_ACC_WRITE)
		e |= NPF_INFO1_W;
	if (f->kind == WALK_FAULT_RSVD)
		e |= NPF_INFO1_RSVD;
	if ((f->access & WALK_ACC_FETCH) && f->fetch_sets_id)
		e |= NPF_INFO1_ID;
	e |= f->at_guest_table ? NPF_INFO1_GUEST_TABLE : NPF_INFO1_FINAL;
	return e;
}

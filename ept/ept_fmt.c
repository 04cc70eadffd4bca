/*
 * ept_fmt.c - EPT format description and exit qualification.
 *
 * Reserved bits (SDM Vol 3 29.3.2, Tables 29-1..29-6), M = MAXPHYADDR:
 *   PML5E/PML4E      7:3, 51:M
 *   PDPTE -> table   7:3, 51:M       PDPTE 1 GiB   29:12, 51:M
 *   PDE   -> table   6:3, 51:M       PDE 2 MiB     20:12, 51:M
 *   PTE              51:M
 * Bits 11, 63:52 (and 10 without mode-based execute control) are ignored.
 * Misconfigurations (29.3.3.1): a present entry (bits 2:0 != 0) that is
 * write-only or write+execute without read, execute-only without CPU
 * support, has a reserved bit set, or is a leaf with memory type 2, 3 or 7.
 */
#include "ept/ept_fmt.h"
#include "mm/walk.h"
#include "hv/lib/string.h"

bool ept_fmt_build(struct pg_format *f, const struct ept_fmt_params *p)
{
	uint64_t hi, addr;

	if ((p->levels != 4 && p->levels != 5) || p->maxphyaddr < 32 || p->maxphyaddr > 52)
		return false;
	hi = p->maxphyaddr < 52 ? PG_BITS(51, p->maxphyaddr) : 0;
	addr = pg_addr_bits(p->maxphyaddr, 12);
	memset(f, 0, sizeof(*f));
	f->name = p->levels == 5 ? "ept-5level" : "ept-4level";
	f->levels = p->levels;
	f->entry_shift = 3;
	f->rules = PG_RULES_EPT;
	f->has_ad = p->ad;
	f->maxphyaddr = p->maxphyaddr;
	f->present = EPT_R | EPT_W | EPT_X;
	f->r = EPT_R;
	f->w = EPT_W;
	f->x = EPT_X;
	f->ps = EPT_PS;
	f->a = EPT_A;
	f->d = EPT_D;
	f->table_addr = addr;
	f->bad_rwx = (1u << 2) | (1u << 6) | (p->exec_only ? 0 : 1u << 4);
	f->bad_memtypes = (1u << 2) | (1u << 3) | (1u << 7);
	f->memtype_shift = EPT_MEMTYPE_SHIFT;
	f->memtype_mask = EPT_MEMTYPE_MASK;
	/* Write-only is a misconfiguration on every EPT implementation. */
	f->mmio_marker = EPT_W;
	f->lvl[0] = (struct pg_level){ .shift = 12, .index_bits = 9, .rsvd_leaf = hi, .leaf_addr = addr };
	f->lvl[1] = (struct pg_level){ .shift = 21, .index_bits = 9, .large_ok = true,
				       .rsvd_table = hi | PG_BITS(6, 3),
				       .rsvd_leaf = hi | PG_BITS(20, 12),
				       .leaf_addr = pg_addr_bits(p->maxphyaddr, 21) };
	f->lvl[2] = (struct pg_level){ .shift = 30, .index_bits = 9, .large_ok = p->gbpages,
				       .rsvd_table = hi | PG_BITS(7, 3),
				       .rsvd_leaf = hi | PG_BITS(29, 12),
				       .leaf_addr = pg_addr_bits(p->maxphyaddr, 30) };
	for (unsigned l = 3; l < p->levels; l++)
		f->lvl[l] = (struct pg_level){ .shift = (uint8_t)(12 + 9 * l), .index_bits = 9,
					       .rsvd_table = hi | PG_BITS(7, 3) };
	pg_format_finish(f);
	return true;
}

uint64_t ept_make_eptp(uint64_t root, unsigned levels, bool ad)
{
	return (root & ~0xfffull) | (uint64_t)(levels - 1) << 3 | (ad ? EPTP_AD : 0) | EPT_MT_WB;
}

uint64_t ept_eptp_root(uint64_t eptp, unsigned maxphyaddr)
{
	return eptp & pg_addr_bits(maxphyaddr, 12);
}

unsigned ept_eptp_levels(uint64_t eptp)
{
	return (unsigned)((eptp >> 3) & 7) + 1;
}

uint64_t ept_violation_qual(const struct walk_fault *f, bool advanced)
{
	uint64_t q = 0;

	/* Bits 2:0: the access that caused the violation, as performed now. */
	if (f->access & WALK_ACC_READ)
		q |= EPT_QUAL_READ;
	if (f->access & WALK_ACC_WRITE)
		q |= EPT_QUAL_WRITE;
	if (f->access & WALK_ACC_FETCH)
		q |= EPT_QUAL_FETCH;
	/* Bits 5:3: AND of bits 2:0 over the EPT entries used (0 if one was
	 * not present). Bit 6 (user-mode executable) needs mode-based
	 * execute control, which Nestor does not expose: left 0. */
	if (f->allowed & PG_PERM_R)
		q |= EPT_QUAL_READABLE;
	if (f->allowed & PG_PERM_W)
		q |= EPT_QUAL_WRITABLE;
	if (f->allowed & PG_PERM_X)
		q |= EPT_QUAL_EXECUTABLE;
	/* Bit 7: guest-linear address valid; bit 8 (only if bit 7): the
	 * access was the final translation, not a guest paging-structure
	 * access. */
	if (f->gla_valid) {
		q |= EPT_QUAL_GLA_VALID;
		if (!f->at_guest_table) {
			q |= EPT_QUAL_FINAL;
			/* Bits 11:9 (only with bits 7 and 8, and only on CPUs
			 * with advanced VM-exit information): the guest paging's
			 * view of the linear address: user-mode (9), writable
			 * (10), execute-disable (11). With paging off the walk
			 * reports guest_perm = all, i.e. user, writable,
			 * executable. Bits 13-16 (shadow stacks, guest-paging
			 * verification, asynchronous) do not arise here and
			 * stay 0. */
			if (advanced) {
				if (f->guest_perm & PG_PERM_U)
					q |= EPT_QUAL_LIN_USER;
				if (f->guest_perm & PG_PERM_W)
					q |= EPT_QUAL_LIN_WRITABLE;
				if (!(f->guest_perm & PG_PERM_X))
					q |= EPT_QUAL_LIN_NX;
			}
		}
	}
	return q;
}

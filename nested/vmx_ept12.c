/*
 * vmx_ept12.c - EPT12 format and the exits L1 receives from it (see
 * vmx_ept12.h).
 */
#include "nested/vmx_ept12.h"
#include "ept/ept_fmt.h"
#include "hv/vmx/vmx_arch.h"
#include "nested/vmx_entry_checks.h"

bool vmx_ept12_guest(struct walk_guest *g, struct pg_format *f, const struct vmx_ept12_params *p)
{
	uint64_t cap = p->ept_vpid_cap;

	if (!vmx_eptp_valid(p->eptp, cap, p->maxphyaddr))
		return false;
	struct ept_fmt_params ep = {
		.levels = (uint8_t)ept_eptp_levels(p->eptp), .maxphyaddr = p->maxphyaddr,
		/* EPTP bit 6 is valid only when offered (checked above). */
		.ad = (p->eptp & EPTP_AD) != 0, .exec_only = (cap & EPTCAP_EXEC_ONLY) != 0,
		.gbpages = (cap & EPTCAP_1G) != 0,
	};
	if (!ept_fmt_build(f, &ep))
		return false;
	if (!(cap & EPTCAP_2M)) {
		/* No 2 MiB pages offered: PDE bit 7 is reserved (SDM 3C
		 * 29.3.3.1), like PDPTE bit 7 without 1 GiB pages. */
		f->lvl[1].large_ok = false;
		f->lvl[1].rsvd_table |= EPT_PS;
		pg_format_finish(f);
	}
	f->name = "ept12";
	*g = (struct walk_guest){ .fmt = f, .root = ept_eptp_root(p->eptp, p->maxphyaddr) };
	return true;
}

struct vmx_l2_access vmx_l2_access_from_violation(uint64_t hw_qual, uint64_t hw_gla)
{
	struct vmx_l2_access a = { 0 };

	if (hw_qual & EPT_QUAL_READ)
		a.acc |= WALK_ACC_READ;
	if (hw_qual & EPT_QUAL_WRITE)
		a.acc |= WALK_ACC_WRITE;
	if (hw_qual & EPT_QUAL_FETCH)
		a.acc |= WALK_ACC_FETCH;
	a.gla_valid = (hw_qual & EPT_QUAL_GLA_VALID) != 0;
	/* Bit 8 is defined only with bit 7 (Table 28-7). */
	a.final = a.gla_valid && (hw_qual & EPT_QUAL_FINAL);
	a.nmi_unblock = (hw_qual & EPT_QUAL_NMI_UNBLOCK) != 0;
	a.gla = a.gla_valid ? hw_gla : 0;
	return a;
}

uint32_t vmx_ept12_walk_access(const struct vmx_l2_access *a, const struct pg_format *ept12)
{
	if (a->gla_valid && !a->final)
		return WALK_ACC_READ | (ept12->has_ad ? WALK_ACC_WRITE : 0);
	uint32_t acc = a->acc & (WALK_ACC_READ | WALK_ACC_WRITE | WALK_ACC_FETCH);
	return acc ? acc : WALK_ACC_READ;
}

bool vmx_ept12_exit(const struct walk_fault *f, const struct vmx_l2_access *a,
		    const struct pg_format *ept12, uint64_t l2gpa, struct vmx_ept12_exit *out)
{
	if (f->dim != WALK_DIM_GUEST)
		return false;
	*out = (struct vmx_ept12_exit){ .gpa = l2gpa };
	switch (f->kind) {
	case WALK_FAULT_MISCONFIG:
		/* SDM 3C 28.2.1: no qualification; the guest-linear address
		 * field is not written (0 in VMCS12). */
		out->reason = VMX_EXIT_EPT_MISCONFIG;
		return true;
	case WALK_FAULT_NOT_PRESENT:
	case WALK_FAULT_PERM:
		break;
	default:
		return false;
	}
	/* Everything the qualification says about the access comes from a,
	 * the exit being reflected; only bits 5:3 come from L1's walk. */
	struct walk_fault q = *f;
	q.access = vmx_ept12_walk_access(a, ept12);
	q.gla_valid = a->gla_valid;
	q.at_guest_table = !a->final;
	out->reason = VMX_EXIT_EPT_VIOLATION;
	/* Bits 11:9 exist only with advanced VM-exit information
	 * (IA32_VMX_EPT_VPID_CAP bit 22), which vmx_caps does not offer:
	 * they would need L2's paging view of the hardware walk. */
	out->qual = ept_violation_qual(&q, false);
	/* Bit 12 (Table 28-7): NMI unblocking due to IRET, as the CPU
	 * reported it for this access (with virtual NMIs). */
	if (a->nmi_unblock)
		out->qual |= EPT_QUAL_NMI_UNBLOCK;
	out->gla = a->gla_valid ? a->gla : 0;
	return true;
}

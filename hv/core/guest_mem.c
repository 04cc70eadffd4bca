/* guest_mem.c - see guest_mem.h. */
#include "hv/core/guest_mem.h"
#include "hv/lib/string.h"
#include "hv/core/vm.h"
#include "mm/guest_fmt.h"
#include "nested/nested.h"

static void *gpa_ptr_cb(void *opaque, uint64_t pa, unsigned size)
{
	return vm_gpa_ptr(opaque, pa, size);
}

int guest_linear_to_gpa(struct vcpu *v, uint64_t gla, uint32_t acc, uint64_t *gpa, struct walk_fault *fault)
{
	struct vcpu_paging_state ps;
	virt_ops->get_paging_state(v, &ps);
	return guest_linear_to_gpa_ps(v, &ps, gla, acc, gpa, fault);
}

int guest_linear_to_gpa_ps(struct vcpu *v, const struct vcpu_paging_state *psp, uint64_t gla, uint32_t acc,
			   uint64_t *gpa, struct walk_fault *fault)
{
	return guest_linear_to_gpa_mem(v, psp, 0, gla, acc, gpa, fault);
}

int guest_linear_to_gpa_mem(struct vcpu *v, const struct vcpu_paging_state *psp, const struct walk_mem *tables,
			    uint64_t gla, uint32_t acc, uint64_t *gpa, struct walk_fault *fault)
{
	const struct vcpu_paging_state *ps = psp;
	if (!(ps->cr0 & (1ull << 31))) { /* paging off: linear = physical (32 bits) */
		*gpa = gla & 0xffffffffull;
		return 0;
	}
	enum guest_paging mode = guest_paging_mode(ps->cr0, ps->cr4, ps->efer);
	if (mode == GUEST_PAGING_OFF) {
		*gpa = gla & 0xffffffffull;
		return 0;
	}
	struct pg_format fmt;
	struct guest_fmt_params p = {
		.mode = (uint8_t)mode,
		.maxphyaddr = 40,
		.pse = (ps->cr4 >> 4) & 1,
		.nxe = (ps->efer >> 11) & 1,
		.smep = (ps->cr4 >> 20) & 1,
		.pke = (ps->cr4 >> 22) & 1,
		.gbpages = true,
	};
	if (!guest_fmt_build(&fmt, &p))
		return WALK_FAULT_RSVD;
	struct walk_ctx c = {
		.guest = { .fmt = &fmt, .root = guest_cr3_root(mode, ps->cr3, 40), .wp = (ps->cr0 >> 16) & 1,
			   .smep = (ps->cr4 >> 20) & 1, .smap = (ps->cr4 >> 21) & 1 },
		.mem = { .ptr = gpa_ptr_cb, .opaque = v->vm },
		.flags = WALK_F_SET_AD,
	};
	if (tables)
		c.mem = *tables;
	if (mode == GUEST_PAGING_PAE) {
		struct walk_result pr;
		if (walk_load_pae_pdptes(&c, c.guest.root, c.guest.pdpte, &pr)) {
			*fault = pr.fault;
			return pr.fault.kind;
		}
		/* QEMU TCG's CPU sets the accessed bit (5) in the PDPTEs it
		 * walks, a bit real CPUs never write and treat as reserved
		 * (APM Vol 2 5.3.3, SDM Vol 3 Table 4-8); the CPU this guest
		 * runs on accepted them, so Nestor's walk ignores that bit
		 * rather than fail an instruction the CPU already ran. */
		for (unsigned i = 0; i < 4; i++)
			c.guest.pdpte[i] &= ~(1ull << 5);
	}
	if (ps->cpl == 3)
		acc |= WALK_ACC_USER;
	struct walk_result r;
	int rc = walk_gva_to_gpa(&c, gla, acc, &r);
	if (rc) {
		*fault = r.fault;
		return rc;
	}
	*gpa = r.gpa;
	return 0;
}

/* The VM's memory for len bytes (one page at most) at the current
 * guest's physical address gpa, through sp when it has its own space. */
static int guest_phys_page(struct vcpu *v, const struct tdp_guest_space *sp, uint64_t gpa, uint64_t len, uint32_t acc,
			   uint8_t **p, struct walk_fault *fault)
{
	uint64_t vm_gpa = gpa;
	if (sp && sp->to_vm(sp->opaque, gpa, acc, &vm_gpa, fault)) {
		fault->gpa = gpa; /* the nested guest's address, for L1's #NPF */
		return GUEST_MEM_NESTED;
	}
	*p = vm_gpa_ptr(v->vm, vm_gpa, len);
	if (!*p) {
		memset(fault, 0, sizeof(*fault));
		fault->kind = WALK_FAULT_NOT_PRESENT;
		fault->dim = WALK_DIM_TDP;
		fault->gpa = vm_gpa;
		fault->access = acc;
		return -1;
	}
	return 0;
}

static int guest_copy_linear(struct vcpu *v, uint64_t gla, uint8_t *buf, uint64_t len, uint32_t acc, bool write,
			     struct walk_fault *fault)
{
	const struct tdp_guest_space *sp = nested_guest_space(v);
	struct vcpu_paging_state ps;
	virt_ops->get_paging_state(v, &ps);
	while (len) {
		uint64_t chunk = 4096 - (gla & 4095);
		if (chunk > len)
			chunk = len;
		uint64_t gpa;
		if (guest_linear_to_gpa_mem(v, &ps, sp ? &sp->tables : 0, gla, acc, &gpa, fault)) {
			/* One of the guest's tables that L1's NPT does not give. */
			if (sp && fault->dim == WALK_DIM_GUEST && fault->kind == WALK_FAULT_NO_MEMORY &&
			    sp->table_fault(sp->opaque, fault))
				return GUEST_MEM_NESTED;
			return -1;
		}
		uint8_t *p;
		int rc = guest_phys_page(v, sp, gpa, chunk, acc, &p, fault);
		if (rc) {
			fault->gla = gla;
			fault->gla_valid = true;
			return rc;
		}
		if (write)
			memcpy(p, buf, chunk);
		else
			memcpy(buf, p, chunk);
		gla += chunk;
		buf += chunk;
		len -= chunk;
	}
	return 0;
}

int guest_read_phys(struct vcpu *v, uint64_t gpa, void *buf, uint64_t len, uint32_t acc, struct walk_fault *fault)
{
	const struct tdp_guest_space *sp = nested_guest_space(v);
	uint8_t *out = buf;
	while (len) {
		uint64_t chunk = 4096 - (gpa & 4095);
		if (chunk > len)
			chunk = len;
		uint8_t *p;
		int rc = guest_phys_page(v, sp, gpa, chunk, acc, &p, fault);
		if (rc)
			return rc;
		memcpy(out, p, chunk);
		gpa += chunk;
		out += chunk;
		len -= chunk;
	}
	return 0;
}

enum exit_action guest_mem_nested_fault(struct vcpu *v, const struct walk_fault *fault)
{
	const struct tdp_guest_space *sp = nested_guest_space(v);
	if (!sp) { /* cannot happen: only a nested space returns GUEST_MEM_NESTED */
		vm_stop(v->vm, -1, "internal error: a nested-paging fault without a nested guest");
		return EXIT_ACTION_STOPPED;
	}
	return sp->fault(sp->opaque, fault->gpa, fault);
}

int guest_read_linear(struct vcpu *v, uint64_t gla, void *buf, uint64_t len, uint32_t acc, struct walk_fault *fault)
{
	return guest_copy_linear(v, gla, buf, len, acc, false, fault);
}

int guest_write_linear(struct vcpu *v, uint64_t gla, const void *buf, uint64_t len, struct walk_fault *fault)
{
	return guest_copy_linear(v, gla, (uint8_t *)buf, len, WALK_ACC_WRITE, true, fault);
}

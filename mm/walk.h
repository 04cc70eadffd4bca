/*
 * walk.h - the one two-dimensional page-walk engine.
 *
 * A walk translates a guest-linear address through the guest's paging
 * (dimension "guest", any format from mm/guest_fmt.h, or paging off) and
 * then through the TDP tables (dimension "TDP": EPT or NPT, or none).
 * Each guest paging-structure entry lives at a guest-physical address, so it
 * is itself translated through the TDP dimension before it is read.
 * A walk returns either the translation or one fault record; it never
 * injects anything. The record feeds walk_pf_error_code() (mm/pf_error.h),
 * ept_violation_qual() (ept/ept_fmt.h) or npt_npf_exitinfo1() (npt/npt_fmt.h).
 *
 * Memory is reached only through struct walk_mem, so the same code runs in
 * the hypervisor (direct map) and in host tests (a fake array).
 *
 * Typical use on an exit while a guest runs (formats built once, when the
 * guest's CR0/CR4/EFER or the EPTP/nCR3 change):
 *
 *   struct pg_format gfmt, nfmt;          // guest_fmt_build(), ept_fmt_build()
 *   struct walk_ctx c = {
 *       .guest = { .fmt = &gfmt, .root = guest_cr3_root(mode, cr3, maxpa),
 *                  .wp = cr0 & CR0_WP, .smep = ..., .smap = ..., .pkru = ... },
 *       .tdp = { .fmt = &nfmt, .root = ept_eptp_root(eptp, maxpa) },
 *       .mem = { .direct = directmap_base, .direct_size = phys_limit },
 *       .flags = WALK_F_SET_AD,             // 0 for a side-effect-free probe
 *   };
 *   struct walk_result r;
 *   int k = walk_translate(&c, rip, WALK_ACC_FETCH | (cpl == 3 ? WALK_ACC_USER : 0), &r);
 *   if (k == WALK_OK)                         use r.hpa
 *   else if (r.fault.dim == WALK_DIM_GUEST)   inject #PF(walk_pf_error_code(&r.fault)), CR2 = r.fault.gla
 *   else if (walk_fault_is_ept_misconfig(&r.fault))  EPT misconfiguration at r.fault.gpa
 *   else  EPT violation: qualification ept_violation_qual(&r.fault, adv), GPA r.fault.gpa,
 *         linear r.fault.gla; or #NPF: EXITINFO1 npt_npf_exitinfo1(&r.fault), EXITINFO2 r.fault.gpa
 */
#ifndef NESTOR_MM_WALK_H
#define NESTOR_MM_WALK_H

#include <stdbool.h>
#include <stdint.h>

#include "mm/pgfmt.h"

/* Access kind of one walk: a combination of these bits. Bits 2:0 have the
 * positions of EPT exit-qualification bits 2:0 (SDM Table 28-7). */
enum walk_access {
	WALK_ACC_READ = 1u << 0,
	WALK_ACC_WRITE = 1u << 1,  /* READ|WRITE = a read-modify-write */
	WALK_ACC_FETCH = 1u << 2,
	WALK_ACC_USER = 1u << 3,   /* CPL=3 and not an implicit supervisor access */
	WALK_ACC_IMPLICIT = 1u << 4, /* implicit supervisor access (GDT/IDT/TSS...) */
	WALK_ACC_AC = 1u << 5,     /* EFLAGS.AC=1 at the access (SMAP override) */
};

enum walk_dim {
	WALK_DIM_NONE = 0,
	WALK_DIM_GUEST = 1,  /* guest paging: becomes a #PF for the guest; or, with an
			      * EPT format as the guest (nested EPT12), L1's violation
			      * or misconfiguration (nested/vmx_ept12.h) */
	WALK_DIM_TDP = 2, /* EPT/NPT: EPT violation/misconfig or #NPF */
};

enum walk_fault_kind {
	WALK_OK = 0,
	WALK_FAULT_NOT_PRESENT = 1, /* an entry was not present */
	WALK_FAULT_RSVD = 2,        /* x86/NPT reserved bit set in a present entry */
	WALK_FAULT_PERM = 3,        /* walk completed, access not allowed */
	WALK_FAULT_MISCONFIG = 4,   /* EPT misconfiguration (its own VM exit) */
	WALK_FAULT_NO_MEMORY = 5,   /* a table address is not backed by memory */
};

struct walk_fault {
	uint8_t kind;          /* enum walk_fault_kind */
	uint8_t dim;           /* enum walk_dim */
	uint8_t level;         /* 1-based level of the faulting dimension (1 = PTE) */
	uint8_t guest_level;   /* TDP fault at a guest table: that table's level */
	bool at_guest_table;   /* TDP fault while accessing a guest paging entry */
	bool gla_valid;        /* the walk started from a guest-linear address */
	bool pk;               /* guest: protection-key violation (#PF bit 5) */
	bool fetch_sets_id;    /* the faulting format reports I/D for fetches */
	uint8_t allowed;       /* PG_PERM_* AND-ed over the entries walked (0 if not present) */
	uint8_t guest_perm;    /* TDP final fault: what the guest paging allowed */
	uint32_t access;       /* WALK_ACC_* of the access that faulted, as performed now */
	uint64_t gla;          /* guest-linear address (if gla_valid) */
	uint64_t gpa;          /* TDP fault: the guest-physical address translated */
};

struct walk_result {
	uint64_t gpa;          /* guest-physical address (output of the guest dimension) */
	uint64_t hpa;          /* host-physical address (output of the TDP dimension) */
	uint8_t guest_shift;   /* log2 guest page size (12, 21, 22, 30; 64 with paging off) */
	uint8_t tdp_shift;  /* log2 TDP page size (64 without TDP) */
	uint8_t guest_perm;    /* PG_PERM_* combined over the guest entries */
	uint8_t tdp_perm;   /* PG_PERM_* combined over the TDP entries */
	uint8_t memtype;       /* EPT leaf memory type (bits 5:3) */
	bool ipat;             /* EPT leaf ignore-PAT */
	struct walk_fault fault; /* valid when the walk returned non-zero */
};

struct walk_mem {
	/* Fast path: physical address pa is at direct + pa when pa+size <= direct_size. */
	uint8_t *direct;
	uint64_t direct_size;
	/* Otherwise: a pointer for pa, or NULL when nothing backs it. */
	void *(*ptr)(void *opaque, uint64_t pa, unsigned size);
	void *opaque;
};

struct walk_guest {
	const struct pg_format *fmt; /* NULL: paging off (CR0.PG=0) */
	uint64_t root;               /* guest_cr3_root() */
	uint64_t pdpte[4];           /* PAE: the PDPTE registers loaded with CR3 */
	bool wp;                     /* CR0.WP */
	bool smep, smap;             /* CR4.SMEP, CR4.SMAP */
	uint32_t pkru;               /* PKRU (used when fmt->pke) */
};

struct walk_tdp {
	const struct pg_format *fmt; /* NULL: no TDP dimension (gpa == hpa) */
	uint64_t root;               /* EPTP or nCR3 address bits */
};

/* Walk flags. */
enum walk_flags {
	/* Perform the walk as the CPU does on the guest's behalf: set A on the
	 * entries used and D on the leaf of a write, in both dimensions. */
	WALK_F_SET_AD = 1u << 0,
};
/* Guest paging-structure accesses are writes in the TDP dimension
 * exactly when the TDP format has A/D: EPT with EPTP[6] (SDM 29.3.5)
 * and always for NPT (APM 15.25.5); otherwise they are reads. */

struct walk_ctx {
	struct walk_guest guest;
	struct walk_tdp tdp;
	struct walk_mem mem;
	uint32_t flags; /* enum walk_flags */
};

/* Full 2D walk of gla for access acc. Returns WALK_OK (r->gpa, r->hpa...)
 * or a fault kind with r->fault filled. */
int walk_translate(const struct walk_ctx *c, uint64_t gla, uint32_t acc, struct walk_result *r);

/* Guest dimension only: guest tables are read at their GPA as if gpa == hpa. */
int walk_gva_to_gpa(const struct walk_ctx *c, uint64_t gla, uint32_t acc, struct walk_result *r);

/* TDP dimension only (gla_valid = false), e.g. for an EPT-violation GPA. */
int walk_gpa_to_hpa(const struct walk_ctx *c, uint64_t gpa, uint32_t acc, struct walk_result *r);

/*
 * Load the four PAE PDPTEs from guest-physical cr3_root through the tdp
 * dimension (a read, guest-linear address not valid, as on MOV to CR3).
 * Does not check them: see guest_pae_pdptes_valid().
 */
int walk_load_pae_pdptes(const struct walk_ctx *c, uint64_t cr3_root, uint64_t out[4],
			 struct walk_result *r);

/* True when a walk fault is an EPT misconfiguration (exit 49, no
 * qualification) rather than an EPT violation (exit 48). */
static inline bool walk_fault_is_ept_misconfig(const struct walk_fault *f)
{
	return f->dim == WALK_DIM_TDP && f->kind == WALK_FAULT_MISCONFIG;
}

#endif

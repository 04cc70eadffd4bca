/*
 * ptbuild.h - build and edit EPT or NPT tables for a guest-physical range.
 *
 * The same struct pg_format that the walker reads (ept_fmt_build() or
 * npt_fmt_build()) tells the builder which bits to write. Ranges are mapped
 * with the largest pages that fit (1 GiB where the format allows it, 2 MiB,
 * 4 KiB); a large page is split when part of it changes and tables are
 * merged back into a large page (or freed) when they become uniform (or
 * empty).
 *
 * Invalidation: every call reports in *flush whether a previously present
 * translation was removed, reduced, retargeted, or a table page was
 * unlinked; the caller then does INVEPT (single-context) or an ASID/TLB
 * flush. Table pages are handed to ops.free as soon as they are unlinked:
 * the frame allocator must not reuse them before that invalidation has
 * happened (paging-structure caches may still point at them).
 *
 * A/D bits the CPU set in leaves are kept by ptb_protect(); a table whose
 * leaves differ only in A/D is not merged (harmless: it stays split).
 *
 * Typical use (one EPT per guest):
 *   struct ept_fmt_params ep = { .levels = 4, .maxphyaddr = maxpa, .ad = false,
 *                                .exec_only = cap & 1, .gbpages = cap >> 17 & 1 };
 *   ept_fmt_build(&vm->ept_fmt, &ep);
 *   ptb_init(&vm->ept, &vm->ept_fmt, &frame_ops);
 *   ptb_build_regions(&vm->ept, vm->regions, vm->nregions);
 *   eptp = ept_make_eptp(vm->ept.root, ep.levels, ep.ad);  // NPT: nCR3 = root
 */
#ifndef NESTOR_MM_PTBUILD_H
#define NESTOR_MM_PTBUILD_H

#include <stdbool.h>
#include <stdint.h>

#include "mm/pgfmt.h"

#define PTB_NO_PAGE (~0ull)

struct ptb_ops {
	/* Host-physical address of a zeroed 4 KiB page, or PTB_NO_PAGE. */
	uint64_t (*alloc)(void *opaque);
	void (*free)(void *opaque, uint64_t pa);
	/* Pointer for the table page at host-physical pa (direct map). */
	void *(*ptr)(void *opaque, uint64_t pa);
	void *opaque;
};

struct ptb {
	const struct pg_format *fmt;
	struct ptb_ops ops;
	uint64_t root;    /* host-physical address of the root table */
	unsigned tables;  /* table pages currently owned, root included */
};

enum ptb_err {
	PTB_OK = 0,
	PTB_EINVAL = -1, /* misaligned range, or permissions the format cannot express */
	PTB_ENOMEM = -2, /* alloc failed: the range may be partly done */
};

/* Allocate the root. perm arguments below are PG_PERM_R/W/X. */
int ptb_init(struct ptb *b, const struct pg_format *f, const struct ptb_ops *ops);

/* Map [gpa, gpa+size) to [hpa, ...) with perm and, for EPT, memtype. All
 * 4 KiB aligned. Overwrites what was there. */
int ptb_map(struct ptb *b, uint64_t gpa, uint64_t hpa, uint64_t size, unsigned perm,
	    unsigned memtype, bool *flush);

/* Remove every translation in the range. */
int ptb_unmap(struct ptb *b, uint64_t gpa, uint64_t size, bool *flush);

/* Set the permissions of the mapped pages in the range (unmapped pages stay
 * unmapped; perm 0 unmaps). */
int ptb_protect(struct ptb *b, uint64_t gpa, uint64_t size, unsigned perm, bool *flush);

/*
 * Make every page of the range take the cheap "this is MMIO" exit: EPT leaves
 * become write-only (an EPT misconfiguration, exit 49), NPT leaves carry a
 * reserved bit (#NPF with EXITINFO1.RSVD). The walker reports them as
 * WALK_FAULT_MISCONFIG / WALK_FAULT_RSVD.
 */
int ptb_mark_mmio(struct ptb *b, uint64_t gpa, uint64_t size, bool *flush);

/* Free every table page, root included. */
void ptb_destroy(struct ptb *b);

enum ptb_region_kind {
	PTB_REGION_RAM,    /* cacheable guest RAM (EPT memory type WB) */
	PTB_REGION_DEVICE, /* passed-through device memory (EPT memory type UC) */
	PTB_REGION_MMIO,   /* emulated by the hypervisor: MMIO marker leaves */
};

struct ptb_region {
	uint64_t gpa, size, hpa;
	uint8_t perm; /* PG_PERM_R/W/X (ignored for PTB_REGION_MMIO) */
	uint8_t kind; /* enum ptb_region_kind */
};

/* Build the table for a guest's whole region list (on a fresh ptb). */
int ptb_build_regions(struct ptb *b, const struct ptb_region *regions, unsigned n);

#endif

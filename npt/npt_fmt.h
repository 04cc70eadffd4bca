/*
 * npt_fmt.h - AMD NPT tables as a struct pg_format, and the #NPF
 * EXITINFO1 computed from a walk's fault record.
 *
 * AMD APM Vol 2 15.25 ("Nested Paging", the APM's name for NPT): TDP tables use the host's
 * long-mode 4-level format (5.3, Figures 5-18..5-23); every TDP access
 * is a user access, so every level needs U/S=1; guest page-table accesses
 * are treated as writes (15.25.5/15.25.6). #NPF EXITINFO1 (15.25.6):
 * bits 31:0 are a #PF-style error code, bit 32 set for a fault on the final
 * GPA translation, bit 33 for a fault on a guest page-table access.
 * EXITINFO2 is the faulting GPA.
 */
#ifndef NESTOR_NPT_NPT_FMT_H
#define NESTOR_NPT_NPT_FMT_H

#include <stdbool.h>
#include <stdint.h>

#include "mm/pgfmt.h"

struct walk_fault;

#define NPT_P PG_BIT(0)
#define NPT_RW PG_BIT(1)
#define NPT_US PG_BIT(2)
#define NPT_PS PG_BIT(7)
#define NPT_NX PG_BIT(63)

struct npt_fmt_params {
	uint8_t maxphyaddr; /* host physical-address width */
	bool nxe;           /* host EFER.NXE at VMRUN (enables NX in TDP tables) */
	bool gbpages;       /* CPUID Fn8000_0001 EDX[26] */
};

bool npt_fmt_build(struct pg_format *f, const struct npt_fmt_params *p);

#define NPF_INFO1_P PG_BIT(0)
#define NPF_INFO1_W PG_BIT(1)
#define NPF_INFO1_U PG_BIT(2)
#define NPF_INFO1_RSVD PG_BIT(3)
#define NPF_INFO1_ID PG_BIT(4)
#define NPF_INFO1_FINAL PG_BIT(32)
#define NPF_INFO1_GUEST_TABLE PG_BIT(33)

/* EXITINFO1 for a TDP-dimension fault f; EXITINFO2 is f->gpa. */
uint64_t npt_npf_exitinfo1(const struct walk_fault *f);

#endif

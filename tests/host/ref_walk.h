/*
 * ref_walk.h - an independent reference walker for differential testing.
 *
 * Written separately from mm/walk.c on purpose: no struct pg_format, no
 * shared helpers; one straight-line function per format, reserved bits
 * spelled out per level from the SDM/APM tables, and its own encoders for
 * the #PF error code, EPT qualification and #NPF EXITINFO1. Slow and plain.
 */
#ifndef NESTOR_TESTS_REF_WALK_H
#define NESTOR_TESTS_REF_WALK_H

#include <stdbool.h>
#include <stdint.h>

enum { REF_G_OFF, REF_G_32, REF_G_PAE, REF_G_4L, REF_G_5L };
enum { REF_N_NONE, REF_N_EPT4, REF_N_EPT5, REF_N_NPT };
enum { REF_OK, REF_NOTP, REF_RSVD, REF_PERM, REF_MISCONF, REF_NOMEM };
enum { REF_DIM_GUEST = 1, REF_DIM_TDP = 2 };
/* Access bits. */
#define REF_R 1u
#define REF_W 2u
#define REF_X 4u
#define REF_USER 8u
#define REF_IMPL 16u
#define REF_AC 32u

struct ref_cfg {
	int gmode;
	unsigned gmaxphy;
	bool pse, nxe, pke, gbpages, amd, wp, smep, smap;
	uint32_t pkru;
	uint64_t groot;
	uint64_t pdpte[4];
	int nkind;
	unsigned nmaxphy;
	bool ept_ad, exec_only, ngbpages, npt_nxe;
	uint64_t nroot;
	bool set_ad;
	uint8_t *mem;
	uint64_t memsize;
};

struct ref_out {
	int kind, dim, level;
	bool at_table;
	int guest_level;
	uint64_t fault_gpa;
	uint64_t gpa, hpa;
	uint32_t pfec;      /* guest faults */
	uint64_t qual;      /* EPT violations */
	uint64_t exitinfo1; /* NPT faults */
};

int ref_walk(const struct ref_cfg *c, uint64_t gla, unsigned acc, struct ref_out *o);

#endif

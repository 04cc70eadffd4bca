/*
 * nested_fixture.h - the fake machine of the NPT02 tests
 * (test_nested_tdp02.c, fuzz_npt02.c):
 *
 *   host-physical [0, 64 MiB) is one array; L0's NPT01 maps L1-GPA
 *   [0, 32 MiB) to HPA [16 MiB, 48 MiB) with 2 MiB pages, except L1-GPA
 *   [4 MiB, 6 MiB) in 4 KiB pages (one of them read-only), a hole at
 *   [8 MiB, 10 MiB) and an L0 MMIO page at 10 MiB. Table pages (NPT01,
 *   NPT02) come from HPA [48 MiB, 64 MiB) (pool_mark: the first after
 *   NPT01's). L1's NPT12 lives in L1 memory at L1-GPA 1 MiB+.
 */
#ifndef NESTOR_TESTS_NESTED_FIXTURE_H
#define NESTOR_TESTS_NESTED_FIXTURE_H

#include <stdlib.h>
#include <string.h>

#include "hv/x86/asm.h"
#include "mm/guest_fmt.h"
#include "mm/ptbuild.h"
#include "mm/walk.h"
#include "nested/reflect.h"
#include "nested/svm_npt.h"
#include "nested/tdp02.h"
#include "npt/npt_fmt.h"

#define HOST_MEM (64ull << 20)
#define L1_HPA (16ull << 20) /* L1-GPA 0 */
#define POOL_HPA (48ull << 20)
#define NPT12_GPA (1ull << 20)

static uint8_t *MEM;
static uint64_t pool_next, pool_mark, npt12_next;
static struct pg_format host_fmt, l1_fmt;
static struct ptb npt01, npt02;
static struct walk_ctx c01;

static uint64_t pool_alloc(void *o)
{
	(void)o;
	if (pool_next >= HOST_MEM)
		return PTB_NO_PAGE;
	uint64_t pa = pool_next;
	pool_next += 4096;
	memset(MEM + pa, 0, 4096);
	return pa;
}
static void pool_free(void *o, uint64_t pa) { (void)o, (void)pa; }
static void *pool_ptr(void *o, uint64_t pa) { (void)o; return MEM + pa; }
static const struct ptb_ops OPS = { pool_alloc, pool_free, pool_ptr, 0 };

static inline uint64_t *l1_ptr(uint64_t l1gpa) { return (uint64_t *)(MEM + L1_HPA + l1gpa); }

static inline void machine(void)
{
	if (!MEM)
		MEM = malloc(HOST_MEM);
	memset(MEM, 0, HOST_MEM);
	pool_next = POOL_HPA;
	npt12_next = NPT12_GPA + 0x1000;
	struct npt_fmt_params np = { .maxphyaddr = 48, .nxe = true, .gbpages = true };
	npt_fmt_build(&host_fmt, &np);
	bool fl;
	ptb_init(&npt01, &host_fmt, &OPS);
	ptb_map(&npt01, 0, L1_HPA, 32ull << 20, PG_PERM_R | PG_PERM_W | PG_PERM_X, 0, &fl);
	for (uint64_t p = 4ull << 20; p < 6ull << 20; p += 4096)
		ptb_map(&npt01, p, L1_HPA + p, 4096,
			p == (4ull << 20) + 0x5000 ? PG_PERM_R | PG_PERM_X : PG_PERM_R | PG_PERM_W | PG_PERM_X, 0, &fl);
	ptb_unmap(&npt01, 8ull << 20, 2ull << 20, &fl);
	ptb_mark_mmio(&npt01, 10ull << 20, 4096, &fl);
	pool_mark = pool_next;
	ptb_init(&npt02, &host_fmt, &OPS);
	c01 = (struct walk_ctx){ .tdp = { .fmt = &host_fmt, .root = npt01.root },
				 .mem = { .direct = MEM, .direct_size = HOST_MEM }, .flags = WALK_F_SET_AD };
}

/* The 2D context: L1's NPT (4-level unless told) through NPT01. */
static inline struct walk_ctx ctx12(uint64_t cr0, uint64_t cr4, uint64_t efer, uint64_t ncr3)
{
	struct walk_ctx c = c01;
	struct svm_npt12_params p = { .cr0 = cr0, .cr4 = cr4, .efer = efer, .ncr3 = ncr3, .maxphyaddr = 48,
				      .gbpages = true };
	if (svm_npt12_guest(&c.guest, &l1_fmt, &p, &c01) != WALK_OK)
		c.guest.fmt = NULL; /* the tests check this */
	return c;
}
static inline struct walk_ctx ctx64(void)
{
	return ctx12(CR0_PE | CR0_PG, CR4_PAE, EFER_LME | EFER_LMA | EFER_NXE | EFER_SVME, NPT12_GPA);
}

#define P 1ull
#define RW 2ull
#define US 4ull
#define A (1ull << 5)
#define D (1ull << 6)
#define PS (1ull << 7)
#define NX (1ull << 63)
#define TBL (P | RW | US)

/* Entry of L1's 4-level NPT at level lvl (1 = PTE) for l2gpa, creating
 * full-permission tables on the way. */
static inline uint64_t *npt12_entry(uint64_t l2gpa, unsigned lvl)
{
	uint64_t table = NPT12_GPA;
	for (unsigned l = 4;; l--) {
		uint64_t *e = l1_ptr(table + 8 * ((l2gpa >> (12 + 9 * (l - 1))) & 511));
		if (l == lvl)
			return e;
		if (!*e) {
			*e = npt12_next | TBL;
			npt12_next += 4096;
		}
		table = *e & 0xffffffffff000ull;
	}
}

/* What the shadow now says for l2gpa. */
static inline int shadow(uint64_t l2gpa, struct walk_result *r)
{
	struct walk_ctx c = { .tdp = { .fmt = &host_fmt, .root = npt02.root },
			      .mem = { .direct = MEM, .direct_size = HOST_MEM } };
	return walk_gpa_to_hpa(&c, l2gpa, WALK_ACC_READ, r);
}

static inline int fill(const struct walk_ctx *c, uint64_t l2gpa, uint32_t acc, struct walk_result *r)
{
	bool fl;
	return nested_tdp02_fill(&npt02, c, l2gpa, acc | WALK_ACC_USER, r, &fl);
}

#endif

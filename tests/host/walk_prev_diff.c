/*
 * walk_prev_diff.c - field-by-field differential of mm/walk.c against an
 * earlier version of itself (not built by make; used for the fast walk):
 * every walk_result field, the PDPTEs and the whole memory pool (A/D
 * writes) must be identical, over random machines (walk_random.h) made
 * friendlier to the fast walk, with direct maps of odd sizes, the ptr
 * callback, GPAs with high bits set, and all four entry points.
 *
 *   git show cb73092:mm/walk.c > /tmp/old_walk.c
 *   R="-Dwalk_translate=old_walk_translate -Dwalk_gva_to_gpa=old_walk_gva_to_gpa \
 *      -Dwalk_gpa_to_hpa=old_walk_gpa_to_hpa -Dwalk_load_pae_pdptes=old_walk_load_pae_pdptes"
 *   CF="-std=gnu11 -O1 -g -I. -DNESTOR_HOST_TEST -fsanitize=address,undefined"
 *   gcc $CF $R -c /tmp/old_walk.c -o /tmp/old_walk.o
 *   gcc $CF tests/host/walk_prev_diff.c /tmp/old_walk.o mm/walk.c mm/guest_fmt.c \
 *       mm/pf_error.c ept/ept_fmt.c npt/npt_fmt.c tests/host/ref_walk.c -o /tmp/walk_prev_diff
 *   /tmp/walk_prev_diff [ACCESSES [SEED]]
 */
#include <stdio.h>
#include <stdlib.h>
#include "tests/host/walk_random.h"

int old_walk_translate(const struct walk_ctx *c, uint64_t gla, uint32_t acc, struct walk_result *r);
int old_walk_gva_to_gpa(const struct walk_ctx *c, uint64_t gla, uint32_t acc, struct walk_result *r);
int old_walk_gpa_to_hpa(const struct walk_ctx *c, uint64_t gpa, uint32_t acc, struct walk_result *r);
int old_walk_load_pae_pdptes(const struct walk_ctx *c, uint64_t cr3_root, uint64_t out[4], struct walk_result *r);

static uint8_t mem_a[WR_MEM], mem_b[WR_MEM];

static void *cb(void *o, uint64_t pa, unsigned size)
{
	return pa + size <= WR_MEM ? (uint8_t *)o + pa : NULL;
}

#define F(x) if (a->x != b->x) return #x;
static const char *cmp(const struct walk_result *a, const struct walk_result *b)
{
	F(gpa) F(hpa) F(guest_shift) F(tdp_shift) F(guest_perm) F(tdp_perm) F(memtype) F(ipat)
	F(fault.kind) F(fault.dim) F(fault.level) F(fault.guest_level) F(fault.at_guest_table)
	F(fault.gla_valid) F(fault.pk) F(fault.fetch_sets_id) F(fault.allowed) F(fault.guest_perm)
	F(fault.access) F(fault.gla) F(fault.gpa)
	return NULL;
}

static void friendly(struct wr_src *s, struct wr_machine *m, uint8_t *mem)
{
	unsigned pct = 50 + wr_below(s, 51);
	for (unsigned p = 0; p < WR_PAGES; p++) {
		bool np = p < WR_TDP_PAGES;
		bool small = !np && m->rc.gmode == REF_G_32;
		unsigned n = small ? 1024 : 512;
		for (unsigned i = 0; i < 36; i++) {
			unsigned idx = i < 32 ? i : n - 36 + i;
			if (!wr_pct(s, pct))
				continue;
			if (small) {
				uint32_t e; memcpy(&e, mem + p * 4096 + idx * 4, 4);
				e |= 0x27 | (wr_pct(s, 50) ? 0x40 : 0);
				memcpy(mem + p * 4096 + idx * 4, &e, 4);
			} else {
				uint64_t e; memcpy(&e, mem + p * 4096 + idx * 8, 8);
				if (np && m->rc.nkind != REF_N_NPT)
					e |= 7 | 0x100 | (wr_pct(s, 50) ? 0x200 : 0);
				else {
					e |= 0x27 | (wr_pct(s, 50) ? 0x40 : 0);
					if (wr_pct(s, 80)) e &= ~(1ull << 63);
				}
				if (wr_pct(s, 70)) e &= 0x800fffffffffffffull; /* clear many rsvd / ignored */
				if (wr_pct(s, 30)) e &= ~(0xfffull << 36);
				memcpy(mem + p * 4096 + idx * 8, &e, 8);
			}
		}
	}
}

int main(int argc, char **argv)
{
	uint64_t iters = argc > 1 ? strtoull(argv[1], 0, 0) : 2000000;
	struct wr_src src = { .s = argc > 2 ? strtoull(argv[2], 0, 0) : 12345 };
	uint64_t done = 0, ok = 0, fails = 0;

	while (done < iters) {
		struct wr_machine m, mb;
		memset(mem_a, 0, WR_MEM);
		wr_fill(&src, &m, mem_a);
		if (wr_pct(&src, 60))
			friendly(&src, &m, mem_a);
		if (wr_pct(&src, 25)) {
			static const uint64_t ds[] = { 0, 4, 8, 4096, 8 * 4096, WR_MEM - 4, WR_MEM };
			m.c.mem.direct_size = ds[wr_below(&src, 7)];
			m.c.mem.ptr = wr_pct(&src, 70) ? cb : NULL;
		}
		memcpy(mem_b, mem_a, WR_MEM);
		mb = m;
		m.c.mem.opaque = mem_a;
		m.c.mem.direct = mem_a;
		if (m.c.guest.fmt) m.c.guest.fmt = &m.gf;
		if (m.c.tdp.fmt) m.c.tdp.fmt = &m.nf;
		mb.c.mem.opaque = mem_b;
		mb.c.mem.direct = mem_b;
		if (mb.c.guest.fmt) mb.c.guest.fmt = &mb.gf;
		if (mb.c.tdp.fmt) mb.c.tdp.fmt = &mb.nf;
		for (int a = 0; a < 16; a++, done++) {
			uint64_t gla = wr_gla(&src, &m);
			if (wr_pct(&src, 5))
				gla |= ~0ull << (21 + wr_below(&src, 43));
			if (wr_pct(&src, 2))
				gla = wr_u64(&src);
			uint32_t acc = wr_walk_acc(wr_access(&src));
			struct walk_result ra, rb;
			uint64_t pa[4], pb[4];
			unsigned op = wr_below(&src, 20);
			int ka, kb;
			memset(&ra, 0xa5, sizeof ra); memset(&rb, 0xa5, sizeof rb);
			memset(pa, 0x5a, sizeof pa); memset(pb, 0x5a, sizeof pb);
			if (op < 14) { ka = old_walk_translate(&m.c, gla, acc, &ra); kb = walk_translate(&mb.c, gla, acc, &rb); }
			else if (op < 16) { ka = old_walk_gva_to_gpa(&m.c, gla, acc, &ra); kb = walk_gva_to_gpa(&mb.c, gla, acc, &rb); }
			else if (op < 19) { ka = old_walk_gpa_to_hpa(&m.c, gla, acc & 7, &ra); kb = walk_gpa_to_hpa(&mb.c, gla, acc & 7, &rb); }
			else { ka = old_walk_load_pae_pdptes(&m.c, gla & 0xffffffe0u, pa, &ra); kb = walk_load_pae_pdptes(&mb.c, gla & 0xffffffe0u, pb, &rb); }
			const char *why = ka != kb ? "kind" : cmp(&ra, &rb);
			if (!why && memcmp(pa, pb, sizeof pa)) why = "pdptes";
			if (!why && memcmp(mem_a, mem_b, WR_MEM)) why = "memory";
			if (!ka) ok++;
			if (why) {
				printf("DIFF op %u: %s gla %#llx acc %#x ka %d kb %d gmode %d nkind %d\n", op, why,
				       (unsigned long long)gla, acc, ka, kb, m.rc.gmode, m.rc.nkind);
				if (++fails > 5) return 1;
				memcpy(mem_b, mem_a, WR_MEM);
			}
		}
	}
	printf("%llu accesses, %llu ok, %llu diffs\n", (unsigned long long)done, (unsigned long long)ok, (unsigned long long)fails);
	return fails != 0;
}

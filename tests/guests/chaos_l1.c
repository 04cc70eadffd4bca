/*
 * chaos_l1 - a hostile L1 hypervisor (module option nested=on), seeded
 * ("seed=N"), to show that nothing an L1 does with SVM crashes Nestor or
 * another VM:
 *   phase 1: VMRUNs of a VMCB12 with random fields (a random subset of the
 *            save and control areas set to random values each time, some
 *            with L1's nested paging on a 32-bit NPT12 whose entries are
 *            random: present or not, reserved bits, large pages, addresses
 *            inside and far outside L1's RAM, the test device), random
 *            nCR3, IOPM/MSRPM bases (high and unaligned ones included).
 *            L2 starts in a page of HLTs and every exception, HLT,
 *            shutdown and VMMCALL is intercepted, so each run ends;
 *   phase 2: VMLOAD/VMSAVE/VMRUN at random addresses: unaligned and beyond
 *            MAXPHYADDR (each must raise #GP), random pages of a scratch
 *            area (VMSAVE/VMRUN write there) and random RAM pages (VMLOAD);
 *   phase 3: phase 1 again with wild NPT12 entries (random L1 pages as
 *            tables, addresses anywhere: Nestor may stop the VM; not
 *            with the word "nowild");
 *   phase 4: one VMLOAD, VMSAVE or VMRUN at an address that is not RAM
 *            (Nestor-ish: just below 4 GiB, the LAPIC page, the test
 *            device, the firmware hole), which Nestor may refuse by
 *            stopping this VM with a report.
 * Lines: "chaos_l1: phase 1 done (N VMRUNs: I VMEXIT_INVALID, R ran)",
 * "chaos_l1: phase 2 done (N accesses, G #GP as required)", "chaos_l1:
 * phase 3: ..." and then either Nestor's stop report or "chaos_l1: ok".
 */
#include "lib/guest.h"
#include "lib/svm.h"

const char guest_name[] = "chaos_l1";

static uint32_t rng_state;
static uint32_t rnd(void)
{
	uint32_t x = rng_state; /* xorshift32 */
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return rng_state = x;
}
static uint64_t rnd64(void) { return (uint64_t)rnd() << 32 | rnd(); }

static uint8_t hlt_page[4096] __attribute__((aligned(4096)));
static uint8_t scratch[8][4096] __attribute__((aligned(4096)));
static uint8_t good_state[4096] __attribute__((aligned(4096)));
static uint32_t npt_pd[1024] __attribute__((aligned(4096)));
static uint32_t npt_pt[1024] __attribute__((aligned(4096)));
static uint8_t l2_stack[4096] __attribute__((aligned(16)));
static uint32_t dev, ram_top;

/* An address L1 might give: its RAM, the device, the hole, the top. */
static uint32_t random_pa(void)
{
	switch (rnd() % 6) {
	case 0: return rnd() % ram_top;
	case 1: return dev ? dev + (rnd() & 0xfff) : rnd();
	case 2: return 0xfee00000u + (rnd() & 0xfff);
	case 3: return 0xfffff000u | (rnd() & 0xfff);
	case 4: return (uint32_t)(uintptr_t)scratch + (rnd() & 0x7fff);
	default: return rnd();
	}
}

/* Where L2's own accesses may lead: L1's RAM or the device. Nestor stops
 * a VM whose guest (L2 included) touches anything else, as it stops any
 * VM that does (README "What a guest sees"); phase 3 does that once. */
static uint32_t random_backed(void)
{
	return dev && (rnd() & 7) == 0 ? dev + (rnd() & 0xfff) : rnd() % ram_top;
}

/* NPT12 with random flags (present, W, U, PS, PWT/PCD/A/D, reserved
 * bit 21 of a 4 MiB entry): with wild, every entry a random address and
 * random L1 pages as tables (which lead anywhere: Nestor stops the VM when
 * L2 reaches what is not backed); without, the tables are these two pages
 * and the leaves backed addresses. */
static void random_npt(bool wild)
{
	for (unsigned i = 0; i < 1024; i++) {
		uint32_t r = rnd(), f = rnd() & 0x1ff, a = random_backed() & ~0xfffu;
		if (wild)
			npt_pd[i] = r & 1 ? (rnd() & ~0x1ffu) | f : 0;
		else
			npt_pd[i] = !(r & 1) ? 0 : f & 0x80 ? ((rnd() % ram_top) & 0xffc00000u) | f | (r & 0x10 ? 1u << 21 : 0)
							 : (uint32_t)(uintptr_t)npt_pt | f;
		npt_pt[i] = r & 2 ? a | f : 0;
	}
	/* Often a usable path for L2's code, so the walks go deeper. */
	if (rnd() & 1)
		npt_pd[0] = (uint32_t)(uintptr_t)npt_pt | 7;
	if (rnd() & 1)
		npt_pd[0] = 0x87;
	npt_pt[((uint32_t)(uintptr_t)hlt_page >> 12) & 1023] = (uint32_t)(uintptr_t)hlt_page | 7;
}

/* Set a random 8-byte field of the VMCB (save or control) to random bits. */
static void scramble(struct vmcb *v)
{
	uint64_t *w = (uint64_t *)v;
	unsigned n = 1 + rnd() % 6;
	for (unsigned i = 0; i < n; i++) {
		unsigned at = rnd() & 1 ? rnd() % (0x100 / 8) : (0x400 + rnd() % 0x298) / 8;
		uint64_t x = rnd64();
		w[at] = rnd() & 1 ? x : w[at] ^ (1ull << (x & 63));
	}
}

static void phase1(unsigned runs, bool wild)
{
	memset(hlt_page, 0xf4, sizeof(hlt_page));
	memset(svm_iopm, 0xff, sizeof(svm_iopm));
	memset(svm_msrpm, 0xff, sizeof(svm_msrpm));
	unsigned invalid = 0, ran = 0;
	for (unsigned i = 0; i < runs; i++) {
		struct vmcb *v = svm_vmcb_flat32((void (*)(void))hlt_page, l2_stack + sizeof(l2_stack));
		struct vmcb_control *c = &v->control;
		if (rnd() % 3 == 0) {
			random_npt(wild);
			c->np_enable = 1;
			c->ncr3 = rnd() & 3 ? (uint32_t)(uintptr_t)npt_pd : wild ? random_pa() : (uint32_t)(uintptr_t)npt_pd;
		}
		if (rnd() & 3)
			c->iopm_base_pa = rnd() & 1 ? rnd64() : random_pa();
		if (rnd() & 3)
			c->msrpm_base_pa = rnd() & 1 ? rnd64() : random_pa();
		scramble(v);
		/* Bounded: L2 cannot run forever without an exit L1 sees. */
		c->intercept_misc1 |= SVM_INTERCEPT1_SHUTDOWN | SVM_INTERCEPT1_HLT | SVM_INTERCEPT1_IOIO |
				      SVM_INTERCEPT1_MSR | SVM_INTERCEPT1_CPUID;
		c->intercept_misc2 |= SVM_INTERCEPT2_VMMCALL | SVM_INTERCEPT2_VMRUN;
		c->intercept_exc = 0xffffffffu;
		/* L2's code and tables stay in L1's RAM (see random_backed),
		 * also when the scramble turned nested paging on. */
		if (!wild && (c->np_enable & 1) && c->ncr3 != (uint32_t)(uintptr_t)npt_pd) {
			random_npt(false);
			c->ncr3 = (uint32_t)(uintptr_t)npt_pd;
		}
		struct vmcb_save *sv = &v->save;
		struct vmcb_seg *segs[] = { &sv->cs, &sv->ds, &sv->es, &sv->ss, &sv->fs, &sv->gs,
					    &sv->gdtr, &sv->idtr, &sv->tr, &sv->ldtr };
		for (unsigned k = 0; k < sizeof(segs) / sizeof(segs[0]); k++)
			if (segs[k]->base >= ram_top / 2)
				segs[k]->base %= ram_top / 2;
		sv->cs.base = 0;
		if (!wild) /* L2's own page tables would be random RAM: not here */
			sv->cr0 &= ~(1ull << 31);
		if (sv->cr3 >= ram_top)
			sv->cr3 %= ram_top;
		sv->rip = (uint32_t)(uintptr_t)hlt_page + (rnd() & 0xfff);
		v->save.rflags &= ~(1ull << 8 | 1ull << 9); /* no TF, IF: nothing to wait for */
		c->exitcode = 0x5a5a;
		svm_run(v);
		svm_stgi();
		if (c->exitcode == SVM_EXIT_INVALID)
			invalid++;
		else if (c->exitcode != 0x5a5a)
			ran++;
	}
	guest_say("phase %u done (%u VMRUNs: %u VMEXIT_INVALID, %u ran)", wild ? 3 : 1, runs, invalid, ran);
	guest_check(invalid + ran == runs, "every random VMRUN ended in VMEXIT_INVALID or a #VMEXIT");
}

static void do_vmload(void *a) { svm_vmload((uint32_t)(uintptr_t)a); }
static void do_vmsave(void *a) { svm_vmsave((uint32_t)(uintptr_t)a); }
static void do_vmrun(void *a) { svm_vmrun_at((uint32_t)(uintptr_t)a); }

static void phase2(unsigned n)
{
	unsigned gp = 0, want_gp = 0;
	void (*const fns[3])(void *) = { do_vmload, do_vmsave, do_vmrun };
	for (unsigned i = 0; i < n; i++) {
		unsigned which = rnd() % 3;
		uint32_t pa;
		bool bad = rnd() & 1;
		if (bad)
			pa = rnd() & 1 ? random_pa() | (1 + (rnd() & 0xffe)) : 0; /* unaligned (or 0: fine) */
		else if (which == 0)
			pa = (rnd() % ram_top) & ~0xfffu;
		else
			pa = (uint32_t)(uintptr_t)scratch[rnd() % 8];
		if (which != 0 && !bad) /* VMSAVE / VMRUN: random bytes in the page */
			for (unsigned k = 0; k < 4096; k += 4)
				*(uint32_t *)&((uint8_t *)(uintptr_t)pa)[k] = rnd();
		want_gp += (pa & 0xfff) != 0;
		int vec = guest_catch(fns[which], (void *)(uintptr_t)pa);
		svm_stgi();
		gp += vec == VEC_GP && (pa & 0xfff);
		if (which == 0)
			svm_vmload((uint32_t)(uintptr_t)good_state); /* L1's own FS/GS/TR/LDTR back */
	}
	guest_say("phase 2 done (%u accesses, %u #GP as required)", n, gp);
	guest_check(gp == want_gp, "every unaligned VMLOAD/VMSAVE/VMRUN raised #GP (%u of %u)", gp, want_gp);
}

int guest_main(const struct mb_info *mbi)
{
	if (!nestor_present() || !(cpuid(0x80000001, 0).ecx & (1u << 2))) {
		guest_fail("no SVM offered (run under Nestor with nested=on)");
		return 1;
	}
	uint32_t seed = 1, runs = 400;
	cmdline_get_u32("seed", &seed);
	cmdline_get_u32("runs", &runs);
	cmdline_get_u32("dev", &dev);
	rng_state = seed ? seed : 1;
	ram_top = (mbi->mem_upper + 1024) * 1024;
	guest_say("seed %u, %u runs, RAM below 0x%x", seed, runs, ram_top);
	uint32_t cr4;
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	__asm__ volatile("mov %0, %%cr4" ::"r"(cr4 | (1u << 4))); /* PSE: NPT12 4 MiB pages */
	svm_enable();
	svm_vmsave((uint32_t)(uintptr_t)good_state);
	phase1(runs, false);
	phase2(runs);
	if (!cmdline_has_word("nowild")) {
		guest_say("phase 3: wild NPT12 entries (Nestor may stop this VM)");
		phase1(runs / 4, true);
	}
	static const uint32_t high[] = { 0xfffff000u, 0xfee00000u, 0xc0000000u, 0xfec00000u, 0xe0000000u };
	uint32_t pa = high[rnd() % 5];
	unsigned which = rnd() % 3;
	guest_say("phase 4: %s at 0x%x (not RAM: Nestor may stop this VM)",
		  which == 0 ? "VMLOAD" : which == 1 ? "VMSAVE" : "VMRUN", pa);
	int vec = guest_catch(which == 0 ? do_vmload : which == 1 ? do_vmsave : do_vmrun, (void *)(uintptr_t)pa);
	svm_stgi();
	svm_vmload((uint32_t)(uintptr_t)good_state);
	guest_say("phase 4 returned (vector %d)", vec);
	return 0;
}

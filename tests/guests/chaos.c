/*
 * chaos - a hostile guest, to show that nothing a guest does crashes Nestor
 * or another VM. Seeded (command line "seed=N"), so a failure is
 * reproducible:
 *   phase 1: random MSR reads/writes (MSRs Nestor emulates are skipped for
 *            writes that would wreck this guest: EFER, FS/GS bases...),
 *            random port I/O of all sizes, including string forms (the
 *            debug-exit port 0xf4 is avoided so the run goes on), random
 *            CPUID leaves, hypercalls with random arguments;
 *   phase 2: random instruction bytes executed at a scratch page, each
 *            attempt inside guest_catch; the guest may well wreck itself
 *            here (that is allowed: Nestor must stop it with a report).
 * It prints "chaos: phase 1 done (N actions)" and "chaos: phase 2: N
 * attempts survived" when it gets that far, then exits 0.
 */
#include "lib/guest.h"
#include "hv/guest_abi.h"

const char guest_name[] = "chaos";

static uint32_t rng_state;

static uint32_t rnd(void)
{
	/* xorshift32 */
	uint32_t x = rng_state;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return rng_state = x;
}

static bool msr_write_is_self_harm(uint32_t msr)
{
	return msr == 0xc0000080 || msr == 0xc0000100 || msr == 0xc0000101 || msr == 0x174 || msr == 0x175 ||
	       msr == 0x176 || msr == 0x277;
}

static uint32_t random_msr(void)
{
	static const uint32_t bases[] = { 0, 0x100, 0x1a0, 0x200, 0x400, 0x480, 0xc0000000, 0xc0010000, 0x40000000 };
	return bases[rnd() % (sizeof(bases) / sizeof(bases[0]))] + (rnd() % 0x120);
}

static uint16_t random_port(void)
{
	uint16_t p;
	do
		p = (uint16_t)rnd();
	while (p == 0xf4 || (p >= 0x20 && p <= 0x21) || (p >= 0xa0 && p <= 0xa1));
	return p;
}

static uint8_t scratch[4096] __attribute__((aligned(4096)));
static uint8_t buf[256];

static void run_scratch(void *arg)
{
	(void)arg;
	/* Save what the random code is most likely to clobber, call it. */
	__asm__ volatile("pushal\n\t"
			 "call *%0\n\t"
			 "popal"
			 :
			 : "r"(scratch)
			 : "memory", "cc");
}

int guest_main(const struct mb_info *mbi)
{
	(void)mbi;
	uint32_t seed = 1;
	cmdline_get_u32("seed", &seed);
	rng_state = seed ? seed : 1;
	guest_say("seed %u", (unsigned)seed);

	/* Optional device regions (module testdev= rom= unbacked=): random
	 * accesses of random sizes at random offsets in their first page. */
	uint32_t regions[3];
	unsigned nregions = 0;
	static const char *const keys[] = { "dev", "rom", "unbacked" };
	for (unsigned k = 0; k < 3; k++)
		if (cmdline_get_u32(keys[k], &regions[nregions]))
			nregions++;

	unsigned actions = 0;
	for (int i = 0; i < 3000; i++, actions++) {
		uint64_t v;
		unsigned pick = rnd() % (nregions ? 10 : 8);
		if (pick >= 8) {
			volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)(regions[rnd() % nregions] + rnd() % 0xffd);
			uint32_t x = rnd();
			switch (rnd() % 6) {
			case 0: (void)*p; break;
			case 1: (void)*(volatile uint16_t *)p; break;
			case 2: (void)*(volatile uint32_t *)p; break;
			case 3: *p = (uint8_t)x; break;
			case 4: *(volatile uint16_t *)p = (uint16_t)x; break;
			default: *(volatile uint32_t *)p = x; break;
			}
			continue;
		}
		switch (pick) {
		case 0:
			rdmsr_safe(random_msr(), &v);
			break;
		case 1: {
			uint32_t msr = random_msr();
			if (!msr_write_is_self_harm(msr))
				wrmsr_safe(msr, ((uint64_t)rnd() << 32) | rnd());
			break;
		}
		case 2: {
			uint16_t p = random_port();
			switch (rnd() % 3) {
			case 0: (void)inb(p); break;
			case 1: (void)inw(p); break;
			default: (void)inl(p); break;
			}
			break;
		}
		case 3: {
			uint16_t p = random_port();
			if (p >= 0x3f8 && p <= 0x3ff)
				break; /* keep the console readable */
			switch (rnd() % 3) {
			case 0: outb(p, (uint8_t)rnd()); break;
			case 1: outw(p, (uint16_t)rnd()); break;
			default: outl(p, rnd()); break;
			}
			break;
		}
		case 4:
			rep_insb(random_port(), buf, rnd() % sizeof(buf));
			break;
		case 5:
			(void)cpuid(rnd() % 3 ? rnd() % 0x20 : 0x40000000 + rnd() % 0x10, rnd() % 4);
			break;
		case 6: {
			/* Hypercalls with hostile arguments; not exit. */
			uint32_t fn = rnd() % 10;
			if (fn == HC_EXIT || fn == HC_SET_PERM)
				fn = HC_YIELD;
			nestor_hypercall(fn, rnd(), rnd() % 8192, rnd());
			break;
		}
		default:
			(void)inb(0x510 + rnd() % 2); /* fw_cfg data with random selectors */
			outw(0x510, (uint16_t)rnd());
			break;
		}
	}
	guest_say("phase 1 done (%u actions)", actions);

	unsigned survived = 0;
	for (int i = 0; i < 300; i++) {
		for (int j = 0; j < 16; j++)
			scratch[j] = (uint8_t)rnd();
		scratch[16] = 0xc3; /* ret, if the bytes fall through */
		if (guest_catch(run_scratch, 0) < 0)
			survived++;
		else
			survived++; /* an exception came back through the IDT: also fine */
	}
	guest_say("phase 2: %u attempts survived", survived);
	return 0;
}

/*
 * bench_cpuid - cost of a CPUID exit round trip, measured in TSC ticks
 * around 10000 CPUIDs (leaf 0) after 100 warm-up ones. The TSC scale
 * depends on the emulator (QEMU -icount shift=7: 128 per instruction;
 * Bochs sync=none: 1 per instruction), which the guest cannot know, so it
 * prints raw deltas and the harness divides. An empty loop of the same
 * shape is measured too so the harness can subtract the loop overhead:
 *   cpuid loop:  xor eax,eax; cpuid; dec esi; jnz  (4 instructions)
 *   empty loop:  xor eax,eax; dec esi; jnz         (3 instructions)
 */
#include "lib/guest.h"

const char guest_name[] = "bench";

#define WARMUP 100
#define ITERATIONS 10000

static uint64_t cpuid_loop(uint32_t n)
{
	uint64_t t0 = rdtsc();
	__asm__ volatile("1:\n\t"
			 "xor %%eax, %%eax\n\t"
			 "cpuid\n\t"
			 "dec %%esi\n\t"
			 "jnz 1b"
			 : "+S"(n)
			 :
			 : "eax", "ebx", "ecx", "edx", "memory");
	return rdtsc() - t0;
}

static uint64_t empty_loop(uint32_t n)
{
	uint64_t t0 = rdtsc();
	__asm__ volatile("1:\n\t"
			 "xor %%eax, %%eax\n\t"
			 "dec %%esi\n\t"
			 "jnz 1b"
			 : "+S"(n)
			 :
			 : "eax", "memory");
	return rdtsc() - t0;
}

int guest_main(const struct mb_info *mbi)
{
	(void)mbi;

	guest_say("nestor present: %s", nestor_present() ? "yes" : "no");
	cpuid_loop(WARMUP);
	uint64_t d = cpuid_loop(ITERATIONS);
	uint64_t d0 = empty_loop(ITERATIONS);
	guest_say("cpuid %u iterations: tsc delta %llu", ITERATIONS,
		  (unsigned long long)d);
	guest_say("empty loop %u iterations: tsc delta %llu", ITERATIONS,
		  (unsigned long long)d0);
	return 0;
}

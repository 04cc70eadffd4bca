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
#include "lib/bench.h"

const char guest_name[] = "bench";

#define WARMUP 100
#define ITERATIONS 10000

int guest_main(const struct mb_info *mbi)
{
	(void)mbi;

	guest_say("nestor present: %s", nestor_present() ? "yes" : "no");
	bench_cpuid_loop(WARMUP);
	uint64_t d = bench_cpuid_loop(ITERATIONS);
	uint64_t d0 = bench_empty_loop(ITERATIONS);
	guest_say("cpuid %u iterations: tsc delta %llu", ITERATIONS,
		  (unsigned long long)d);
	guest_say("empty loop %u iterations: tsc delta %llu", ITERATIONS,
		  (unsigned long long)d0);
	return 0;
}

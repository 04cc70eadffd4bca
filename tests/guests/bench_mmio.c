/*
 * bench_mmio - cost of an emulated MMIO write round trip: 10000 32-bit
 * stores to the test device's scratch register (module option
 * testdev=0xC0000000, the address this guest uses), timed with RDTSC like
 * bench_cpuid:
 *   mmio loop:   mov [edi], eax; dec esi; jnz   (3 instructions)
 *   empty loop:  xor eax, eax; dec esi; jnz     (3 instructions)
 * Nestor's mmio_fast=off keeps every access on the first-access path (EPT
 * violation / not-present #NPF) so both paths can be measured.
 */
#include "lib/guest.h"
#include "lib/bench.h"

const char guest_name[] = "bench";

#define WARMUP 100
#define ITERATIONS 10000

static uint64_t mmio_loop(uint32_t n, uint32_t addr)
{
	uint64_t t0 = rdtsc();
	__asm__ volatile("1:\n\t"
			 "movl %%eax, (%%edi)\n\t"
			 "dec %%esi\n\t"
			 "jnz 1b"
			 : "+S"(n)
			 : "D"(addr), "a"(0x1234)
			 : "memory");
	return rdtsc() - t0;
}

int guest_main(const struct mb_info *mbi)
{
	(void)mbi;
	const uint32_t dev = 0xc0000000u;
	if (!nestor_present()) {
		guest_say("skipped (no Nestor): needs the MMIO test device");
		return 0;
	}
	mmio_loop(WARMUP, dev);
	uint64_t d = mmio_loop(ITERATIONS, dev);
	uint64_t d0 = bench_empty_loop(ITERATIONS);
	guest_say("mmio write %u iterations: tsc delta %llu", ITERATIONS, (unsigned long long)d);
	guest_say("empty loop %u iterations: tsc delta %llu", ITERATIONS, (unsigned long long)d0);
	return 0;
}

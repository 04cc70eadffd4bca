/*
 * bench.h - the timed loops of the benchmark guests (bench_*.c), one
 * definition each so every benchmark measures exactly the same shape:
 *   cpuid loop:  xor eax,eax; cpuid; dec esi; jnz  (4 instructions)
 *   empty loop:  xor eax,eax; dec esi; jnz         (3 instructions)
 * Each returns the TSC ticks of n iterations.
 */
#ifndef GUEST_BENCH_H
#define GUEST_BENCH_H

#include <stdint.h>

#include "x86.h"

static inline uint64_t bench_cpuid_loop(uint32_t n)
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

static inline uint64_t bench_empty_loop(uint32_t n)
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

#endif

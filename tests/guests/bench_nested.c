/*
 * bench_nested - cost of an L2 CPUID round trip under a nested=on L1
 * (this guest is the L1; its L2 is a function of it, in 32-bit protected
 * mode with paging off). Command line "l1": L1 intercepts CPUID, so each
 * is L2 -> L0 -> #VMEXIT into L1 -> L1 skips it and VMRUNs -> L2 (the
 * whole nested round trip); "l0": L1 does not intercept it and Nestor
 * answers it for L2 without L1 seeing anything. With L1's nested paging
 * (a 32-bit NPT, L2-GPA 0-8 MiB identity): "npf": L2 reads L2-GPA
 * 0x40000000, which L1's NPT does not map, so each read is L2 -> L0 ->
 * #VMEXIT(#NPF) into L1 -> L1 skips the 2-byte MOV and VMRUNs -> L2;
 * "mmio": L1 maps that page to L0's test device (module option
 * testdev=0xC0000000) and each 32-bit store of L2 is emulated by L0 in
 * L2's space without L1 seeing it. L2 times the loops with RDTSC as
 * bench_cpuid does; the harness divides and subtracts.
 */
#include "lib/guest.h"
#include "lib/bench.h"
#include "lib/svm.h"

const char guest_name[] = "bench";

#define WARMUP 100
#define ITERATIONS 2000

static uint64_t d_cpuid, d_empty;
static bool want_npf, want_mmio;
#define L2_WIN 0x40000000u
static uint32_t npt_pd[1024] __attribute__((aligned(4096)));

/* npf loop:  xor eax,eax; mov eax,[edi] (8B 07, skipped by L1); dec esi; jnz */
static uint64_t npf_loop(uint32_t n)
{
	uint64_t t0 = rdtsc();
	__asm__ volatile("1:\n\t"
			 "xor %%eax, %%eax\n\t"
			 "movl (%%edi), %%eax\n\t"
			 "dec %%esi\n\t"
			 "jnz 1b"
			 : "+S"(n)
			 : "D"(L2_WIN)
			 : "eax", "memory");
	return rdtsc() - t0;
}

/* mmio loop: mov [edi], eax; dec esi; jnz (as bench_mmio) */
static uint64_t mmio_loop(uint32_t n)
{
	uint64_t t0 = rdtsc();
	__asm__ volatile("1:\n\t"
			 "movl %%eax, (%%edi)\n\t"
			 "dec %%esi\n\t"
			 "jnz 1b"
			 : "+S"(n)
			 : "D"(L2_WIN), "a"(0x1234)
			 : "memory");
	return rdtsc() - t0;
}
static uint8_t l2_stack[8192] __attribute__((aligned(16)));

/* L2: measure, then VMMCALL to L1 for good. */
static void l2_main(void)
{
	uint64_t (*loop)(uint32_t) = want_npf ? npf_loop : want_mmio ? mmio_loop : bench_cpuid_loop;
	loop(WARMUP);
	d_cpuid = loop(ITERATIONS);
	d_empty = bench_empty_loop(ITERATIONS);
	for (;;)
		__asm__ volatile("vmmcall");
}

int guest_main(const struct mb_info *mbi)
{
	(void)mbi;
	bool via_l1 = cmdline_has_word("l1");
	want_npf = cmdline_has_word("npf");
	want_mmio = cmdline_has_word("mmio");
	svm_enable();
	struct vmcb *v = svm_vmcb_flat32(l2_main, l2_stack + sizeof(l2_stack));
	v->control.intercept_misc2 |= SVM_INTERCEPT2_VMMCALL;
	if (want_npf || want_mmio) {
		/* L1's NPT: 4 MiB pages (CR4.PSE), U/S at every level. */
		uint32_t cr4;
		__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
		__asm__ volatile("mov %0, %%cr4" ::"r"(cr4 | (1u << 4)));
		npt_pd[0] = 0x000000 | 0x87;
		npt_pd[1] = 0x400000 | 0x87;
		if (want_mmio)
			npt_pd[L2_WIN >> 22] = 0xc0000000u | 0x87;
		v->control.np_enable = 1;
		v->control.ncr3 = (uint32_t)(uintptr_t)npt_pd;
	}
	if (via_l1)
		v->control.intercept_misc1 |= SVM_INTERCEPT1_CPUID;
	bool nrips = cpuid(0x8000000a, 0).edx & (1u << 3);
	for (;;) {
		svm_run(v); /* GIF stays 0 meanwhile: nothing here needs interrupts */
		if (v->control.exitcode == SVM_EXIT_CPUID) {
			/* What an L1 does for a CPUID: emulate (here: leave the
			 * registers) and skip it. */
			v->save.rip = nrips ? v->control.next_rip : v->save.rip + 2;
			continue;
		}
		if (v->control.exitcode == SVM_EXIT_NPF && want_npf && v->control.exitinfo2 == L2_WIN) {
			v->save.rip += 2; /* what an L1 emulating the read would do */
			continue;
		}
		if (v->control.exitcode == SVM_EXIT_VMMCALL)
			break;
		guest_fail("unexpected #VMEXIT 0x%llx", (unsigned long long)v->control.exitcode);
		return 1;
	}
	svm_stgi();
	const char *what = want_npf ? "l2 npf via l1" : want_mmio ? "l2 mmio write via l0" :
			   via_l1 ? "l2 cpuid via l1" : "l2 cpuid via l0";
	guest_say("%s %u iterations: tsc delta %llu", what, ITERATIONS, (unsigned long long)d_cpuid);
	guest_say("empty loop %u iterations: tsc delta %llu", ITERATIONS, (unsigned long long)d_empty);
	return 0;
}

/*
 * bench_nested - cost of an L2 CPUID round trip under a nested=on L1
 * (this guest is the L1; its L2 is a function of it, in 32-bit protected
 * mode with paging off). Command line "l1": L1 intercepts CPUID, so each
 * is L2 -> L0 -> #VMEXIT into L1 -> L1 skips it and VMRUNs -> L2 (the
 * whole nested round trip); "l0": L1 does not intercept it and Nestor
 * answers it for L2 without L1 seeing anything. L2 times the loops with
 * RDTSC as bench_cpuid does; the harness divides and subtracts.
 */
#include "lib/guest.h"
#include "lib/bench.h"
#include "lib/svm.h"

const char guest_name[] = "bench";

#define WARMUP 100
#define ITERATIONS 2000

static uint64_t d_cpuid, d_empty;
static uint8_t l2_stack[8192] __attribute__((aligned(16)));

/* L2: measure, then VMMCALL to L1 for good. */
static void l2_main(void)
{
	bench_cpuid_loop(WARMUP);
	d_cpuid = bench_cpuid_loop(ITERATIONS);
	d_empty = bench_empty_loop(ITERATIONS);
	for (;;)
		__asm__ volatile("vmmcall");
}

int guest_main(const struct mb_info *mbi)
{
	(void)mbi;
	bool via_l1 = cmdline_has_word("l1");
	svm_enable();
	struct vmcb *v = svm_vmcb_flat32(l2_main, l2_stack + sizeof(l2_stack));
	v->control.intercept_misc2 |= SVM_INTERCEPT2_VMMCALL;
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
		if (v->control.exitcode == SVM_EXIT_VMMCALL)
			break;
		guest_fail("unexpected #VMEXIT 0x%llx", (unsigned long long)v->control.exitcode);
		return 1;
	}
	svm_stgi();
	const char *what = via_l1 ? "l2 cpuid via l1" : "l2 cpuid via l0";
	guest_say("%s %u iterations: tsc delta %llu", what, ITERATIONS, (unsigned long long)d_cpuid);
	guest_say("empty loop %u iterations: tsc delta %llu", ITERATIONS, (unsigned long long)d_empty);
	return 0;
}

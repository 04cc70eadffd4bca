/*
 * smp_info - where does this vCPU run, and does another physical CPU run
 * a guest at the same time? Shared-nothing: the guest only counts on its
 * own and asks Nestor (HC_SMP_INFO, hv/guest_abi.h), once per round, which
 * other physical CPUs are running a vCPU's slice at that moment. Two such
 * VMs on two CPUs each see the other; on one CPU (smp=off, or both pinned
 * to the same CPU) neither ever does.
 *
 * Command line: expect=overlap | expect=alone (required), cpu=N (the
 * physical CPU it must be on, optional), rounds=N (expect=alone: how many
 * rounds, default 200), linger=TICKS (expect=overlap: how many TSC ticks
 * to go on after the first overlap, so the other VM sees this one too;
 * default 600M, about 0.25 s of QEMU's wall-clock TSC, longer than the
 * 100 ms its single-threaded TCG gives one CPU before the next), and
 * "forever" to spin without end after the rounds (a VM another CPU stops).
 */
#include "lib/guest.h"
#include "hv/guest_abi.h"

const char guest_name[] = "smp_info";

struct smp_info {
	uint32_t ret, pcpu, vcpu, ncpus, busy;
};

static struct smp_info smp_info(void)
{
	struct smp_info i = { .ret = HC_SMP_INFO };
	if (cpu_vendor() == VENDOR_INTEL)
		__asm__ volatile(".byte 0x0f, 0x01, 0xc1 /* vmcall */"
				 : "+a"(i.ret), "=b"(i.pcpu), "=c"(i.vcpu), "=d"(i.ncpus), "=S"(i.busy)
				 :
				 : "memory");
	else
		__asm__ volatile(".byte 0x0f, 0x01, 0xd9 /* vmmcall */"
				 : "+a"(i.ret), "=b"(i.pcpu), "=c"(i.vcpu), "=d"(i.ncpus), "=S"(i.busy)
				 :
				 : "memory");
	return i;
}

int guest_main(const struct mb_info *mbi)
{
	(void)mbi;
	if (!nestor_present()) {
		guest_skip("HC_SMP_INFO needs Nestor");
		return 0;
	}
	bool want_overlap = cmdline_has("expect", "overlap");
	if (!want_overlap && !cmdline_has("expect", "alone")) {
		guest_fail("give expect=overlap or expect=alone");
		return 1;
	}
	uint32_t rounds = 200, want_cpu, linger = 600000000u;
	cmdline_get_u32("rounds", &rounds);
	cmdline_get_u32("linger", &linger);
	struct smp_info first = smp_info();
	guest_say("on physical CPU %u as vCPU %u; Nestor runs vCPUs on %u CPU%s", first.pcpu, first.vcpu,
		  first.ncpus, first.ncpus == 1 ? "" : "s");
	if (cmdline_get_u32("cpu", &want_cpu))
		guest_check(first.pcpu == want_cpu, "runs on CPU %u as cpus= asked", want_cpu);

	/* Interrupts on while spinning: Bochs leaves guest mode for a host
	 * interrupt (the kick IPI) only when the guest's IF=1. */
	__asm__ volatile("sti");
	uint32_t overlap = 0, busy_seen = 0, r;
	uint64_t t0 = rdtsc(), t_first = 0;
	for (r = 0; want_overlap || r < rounds; r++) {
		if (want_overlap) {
			uint64_t now = rdtsc();
			if (overlap && now - t_first >= linger)
				break;
			if (now - t0 >= 20ull * linger) /* never saw one */
				break;
		}
		volatile uint32_t counter = 0;
		while (counter < 5000)
			counter++;
		struct smp_info i = smp_info();
		if (i.ret != 0 || i.pcpu != first.pcpu) {
			guest_fail("round %u: HC_SMP_INFO returned %d, CPU %u (was %u)", r, (int)i.ret, i.pcpu,
				   first.pcpu);
			break;
		}
		if (i.busy) {
			if (!overlap++)
				t_first = rdtsc();
			busy_seen |= i.busy;
		}
	}
	guest_say("another CPU ran a guest in %u of %u rounds (CPUs seen busy: 0x%x)", overlap, r, busy_seen);
	if (want_overlap)
		guest_check(overlap > 0, "ran at the same time as a guest on another CPU");
	else
		guest_check(overlap == 0, "no other CPU ran a guest meanwhile");
	if (cmdline_has_word("forever")) {
		guest_say("spinning forever");
		for (;;)
			__asm__ volatile("pause");
	}
	return guest_failures() ? 1 : 0;
}

/*
 * clocks - how a guest learns time without calibrating: CPUID 0x15/0x16
 * (Intel vendor, where the host has them), the timing leaf 0x40000010,
 * and the KVM-compatible paravirtual clock (CPUID 0x40000100/0x40000101,
 * MSRs 0x4b564d00 and 0x4b564d01) read exactly as Linux's kvmclock reads it: monotonic and
 * consistent with RDTSC. A bad kvmclock address is ignored without a
 * fault. Nestor only (bare emulators have no such leaves).
 */
#include "lib/guest.h"

const char guest_name[] = "clocks";

struct pvclock_vcpu_time_info {
	uint32_t version, pad0;
	uint64_t tsc_timestamp, system_time;
	uint32_t tsc_to_system_mul;
	int8_t tsc_shift;
	uint8_t flags, pad[2];
} __attribute__((packed));
_Static_assert(sizeof(struct pvclock_vcpu_time_info) == 32, "pvclock layout");

struct pvclock_wall_clock {
	uint32_t version, sec, nsec;
} __attribute__((packed));

static volatile struct pvclock_vcpu_time_info pvti __attribute__((aligned(64)));
static volatile struct pvclock_wall_clock wall __attribute__((aligned(16)));

/* ((d << shift) * mul) >> 32 with a 96-bit product, in 32-bit code. */
static uint64_t scale(uint64_t d, uint32_t mul, int8_t shift)
{
	d = shift >= 0 ? d << shift : d >> -shift;
	uint64_t lo = (uint64_t)(uint32_t)d * mul, hi = (d >> 32) * mul;
	return hi + (lo >> 32);
}

/* The pvclock read loop (msr.rst): retry while the version is odd or changed. */
static uint64_t pvclock_read(uint64_t *tsc_out)
{
	uint32_t v;
	uint64_t ns, tsc;
	do {
		v = pvti.version;
		__asm__ volatile("" ::: "memory");
		tsc = rdtsc();
		ns = pvti.system_time + scale(tsc - pvti.tsc_timestamp, pvti.tsc_to_system_mul, pvti.tsc_shift);
		__asm__ volatile("" ::: "memory");
	} while ((v & 1) || v != pvti.version);
	if (tsc_out)
		*tsc_out = tsc;
	return ns;
}

static uint32_t check_leaves(void)
{
	struct cpuid_regs base = cpuid(NESTOR_CPUID_BASE, 0);
	guest_check(base.eax >= NESTOR_CPUID_TIMING, "CPUID 0x40000000 max leaf 0x%x covers the timing leaf", base.eax);
	struct cpuid_regs t = cpuid(NESTOR_CPUID_TIMING, 0);
	guest_check(t.eax > 1000 && t.ebx == 25000, "CPUID 0x40000010: TSC %u kHz, bus %u kHz", t.eax, t.ebx);
	uint32_t max = cpuid(0, 0).eax;
	if (cpu_vendor() == VENDOR_INTEL && max >= 0x15) {
		struct cpuid_regs l15 = cpuid(0x15, 0);
		uint64_t hz = l15.eax ? (uint64_t)l15.ecx * l15.ebx / l15.eax : 0;
		guest_check(l15.ecx == 25000000 && l15.eax && hz / 1000 == t.eax,
			    "CPUID 0x15: crystal %u Hz * %u / %u = the timing leaf's TSC rate", l15.ecx, l15.ebx, l15.eax);
	} else {
		guest_say("CPU vendor %s, max leaf 0x%x: leaf 0x15 not checked", cpu_vendor_string(), max);
	}
	if (cpu_vendor() == VENDOR_INTEL && max >= 0x16) {
		struct cpuid_regs l16 = cpuid(0x16, 0);
		guest_check(l16.eax == t.eax / 1000 && l16.ecx == 25, "CPUID 0x16: base %u MHz, bus %u MHz", l16.eax,
			    l16.ecx);
	}
	return t.eax;
}

/* Linux's kvm_cpuid_base: the signature in any 0x100 step of the range. */
static uint32_t find_kvm(void)
{
	for (uint32_t leaf = 0x40000000; leaf < 0x40010000; leaf += 0x100) {
		struct cpuid_regs r = cpuid(leaf, 0);
		char sig[13];
		memcpy(sig, &r.ebx, 4);
		memcpy(sig + 4, &r.ecx, 4);
		memcpy(sig + 8, &r.edx, 4);
		sig[12] = 0;
		if (!memcmp(sig, "KVMKVMKVM\0\0\0", 12))
			return leaf;
	}
	return 0;
}

static void check_kvmclock(uint32_t tsc_khz)
{
	uint32_t base = find_kvm();
	if (!guest_check(base == KVM_CPUID_BASE, "KVM signature found at CPUID 0x%x", base))
		return;
	guest_check(cpuid(base, 0).eax >= base + 1, "KVM range max leaf 0x%x", cpuid(base, 0).eax);
	uint32_t f = cpuid(base + 1, 0).eax;
	guest_check((f & KVM_FEATURE_CLOCKSOURCE2) && !(f & ~(KVM_FEATURE_CLOCKSOURCE2 | KVM_FEATURE_CLOCKSOURCE_STABLE_BIT)),
		    "KVM features 0x%x: CLOCKSOURCE2, nothing but the clock", f);

	uint32_t addr = (uint32_t)(uintptr_t)&pvti;
	int fault = wrmsr_safe(MSR_KVM_SYSTEM_TIME_NEW, addr | 1);
	uint64_t back = 0;
	rdmsr_safe(MSR_KVM_SYSTEM_TIME_NEW, &back);
	guest_check(fault < 0 && back == (addr | 1), "MSR 0x4b564d01 = 0x%x accepted, reads back 0x%llx", addr | 1,
		    (unsigned long long)back);
	uint64_t now = rdtsc();
	guest_check(pvti.version && !(pvti.version & 1) && pvti.tsc_timestamp && pvti.tsc_timestamp <= now &&
			    pvti.tsc_to_system_mul >= 0x80000000u,
		    "pvclock: version %u even, tsc_timestamp <= RDTSC, mul 0x%x shift %d flags 0x%x", pvti.version,
		    pvti.tsc_to_system_mul, pvti.tsc_shift, pvti.flags);
	guest_check(!!(pvti.flags & PVCLOCK_TSC_STABLE_BIT) == !!(f & KVM_FEATURE_CLOCKSOURCE_STABLE_BIT),
		    "pvclock TSC_STABLE flag agrees with the stable-bit feature");
	/* Both say the same as the invariant-TSC bit (CPUID 0x80000007
	 * EDX[8]): one host fact, the TSC is constant and in step. */
	bool invariant = cpuid(0x80000000, 0).eax >= 0x80000007 && ((cpuid(0x80000007, 0).edx >> 8) & 1);
	guest_check(invariant == !!(f & KVM_FEATURE_CLOCKSOURCE_STABLE_BIT),
		    "invariant TSC %s, and the pvclock is %s", invariant ? "set" : "clear",
		    (f & KVM_FEATURE_CLOCKSOURCE_STABLE_BIT) ? "stable" : "not stable");

	/* Monotonic over many reads; the elapsed time over a busy loop agrees
	 * with RDTSC at the advertised TSC rate (within 0.1%). */
	uint64_t t0_tsc, t1_tsc, prev = pvclock_read(&t0_tsc), t0 = prev;
	bool mono = true;
	for (int i = 0; i < 20000; i++) {
		uint64_t ns = pvclock_read(0);
		if (ns < prev)
			mono = false;
		prev = ns;
	}
	uint64_t t1 = pvclock_read(&t1_tsc);
	guest_check(mono && t1 > t0, "pvclock monotonic over 20000 reads");
	uint64_t want_ns = (t1_tsc - t0_tsc) * 1000000ull / tsc_khz, got = t1 - t0;
	uint64_t diff = got > want_ns ? got - want_ns : want_ns - got;
	guest_check(diff <= want_ns / 1000 + 2, "pvclock elapsed %llu ns, RDTSC at %u kHz says %llu ns",
		    (unsigned long long)got, tsc_khz, (unsigned long long)want_ns);

	fault = wrmsr_safe(MSR_KVM_WALL_CLOCK_NEW, (uint32_t)(uintptr_t)&wall);
	guest_check(fault < 0 && !(wall.version & 1) && wall.version && wall.sec > 1577836800u && wall.nsec < 1000000000u,
		    "wall clock at system time 0: %u s %u ns after 1970 (version %u)", wall.sec, wall.nsec,
		    wall.version);

	/* A page outside the VM's RAM: nothing written, no fault. */
	uint32_t before = pvti.version;
	fault = wrmsr_safe(MSR_KVM_SYSTEM_TIME_NEW, 0xfff00000u | 1);
	rdmsr_safe(MSR_KVM_SYSTEM_TIME_NEW, &back);
	guest_check(fault < 0 && back == (0xfff00000u | 1) && pvti.version == before,
		    "MSR 0x4b564d01 with an address outside RAM: no fault, reads back, nothing written");
	wrmsr_safe(MSR_KVM_SYSTEM_TIME_NEW, 0);
}

int guest_main(const struct mb_info *mbi)
{
	(void)mbi;
	if (!nestor_present()) {
		guest_skip("clocks (no Nestor)");
		return 0;
	}
	uint32_t khz = check_leaves();
	check_kvmclock(khz ? khz : 1);
	guest_say("%d checks failed", guest_failures());
	return 0;
}

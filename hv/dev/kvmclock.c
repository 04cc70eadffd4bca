/*
 * kvmclock.c - the KVM paravirtual clock MSRs (see kvmclock.h).
 */
#include "hv/dev/kvmclock.h"
#include "drivers/console.h"
#include "hv/core/vm.h"
#include "hv/dev/clock_math.h"
#include "hv/guest_abi.h"
#include "hv/host/host_rtc.h"
#include "hv/host/tsc.h"
#include "hv/x86/asm.h"

#define WALL_CLOCK_SIZE 12
#define TIME_INFO_SIZE 32

uint32_t kvmclock_features(void)
{
	return KVM_FEATURE_CLOCKSOURCE2 | (host_tsc_stable() ? KVM_FEATURE_CLOCKSOURCE_STABLE_BIT : 0);
}

/* The guest's structure at gpa, or NULL (logged once per VM). */
static volatile uint8_t *guest_struct(struct vcpu *v, uint64_t gpa, uint64_t size, const char *what)
{
	struct vm *vm = v->vm;
	volatile uint8_t *p = vm_gpa_ptr(vm, gpa, size);
	if (!p && !vm->kvmclock_warned) {
		vm->kvmclock_warned = true;
		log_warn("vm", "%s vCPU %u: kvmclock %s at 0x%llx is not in the VM's RAM: not written (logged once)",
			 vm->opts.name, v->index, what, (unsigned long long)gpa);
	}
	return p;
}

/* The odd/even version protocol around an update of p's fields. */
static void version_open(volatile uint8_t *p, uint32_t *version)
{
	*version = (*version + 1) | 1;
	*(volatile uint32_t *)p = *version;
	__asm__ volatile("" ::: "memory"); /* stores stay in order (x86 TSO); the compiler must keep them so too */
}

static void version_close(volatile uint8_t *p, uint32_t *version)
{
	__asm__ volatile("" ::: "memory");
	*version += 1;
	*(volatile uint32_t *)p = *version;
}

static void write_wall_clock(struct vcpu *v, uint64_t gpa)
{
	struct vm *vm = v->vm;
	volatile uint8_t *p = guest_struct(v, gpa, WALL_CLOCK_SIZE, "wall clock");
	if (!p)
		return;
	/* Wall time at system time 0 = now - system time now. */
	uint64_t tsc = rdtsc();
	uint32_t nsec;
	uint64_t sec = host_unix_time(tsc, &nsec);
	uint64_t now_ns = sec * 1000000000ull + nsec;
	uint64_t sys_ns = pvclock_scale_delta(tsc, pvclock_scale_for(tsc_hz()));
	uint64_t boot_ns = now_ns > sys_ns ? now_ns - sys_ns : 0;
	version_open(p, &vm->wall_clock_version);
	*(volatile uint32_t *)(p + 4) = (uint32_t)(boot_ns / 1000000000ull);
	*(volatile uint32_t *)(p + 8) = (uint32_t)(boot_ns % 1000000000ull);
	version_close(p, &vm->wall_clock_version);
}

static void write_system_time(struct vcpu *v, uint64_t gpa)
{
	volatile uint8_t *p = guest_struct(v, gpa, TIME_INFO_SIZE, "system time");
	if (!p)
		return;
	struct pvclock_scale s = pvclock_scale_for(tsc_hz());
	uint64_t tsc = rdtsc();
	version_open(p, &v->pvclock_version);
	*(volatile uint64_t *)(p + 8) = tsc;
	*(volatile uint64_t *)(p + 16) = pvclock_scale_delta(tsc, s);
	*(volatile uint32_t *)(p + 24) = s.mul;
	*(volatile int8_t *)(p + 28) = s.shift;
	*(volatile uint8_t *)(p + 29) = host_tsc_stable() ? PVCLOCK_TSC_STABLE_BIT : 0;
	version_close(p, &v->pvclock_version);
}

bool kvmclock_msr(struct vcpu *v, uint32_t msr, bool write, uint64_t *val)
{
	switch (msr) {
	case MSR_KVM_WALL_CLOCK_NEW:
		if (!write) {
			*val = v->vm->msr_kvm_wall_clock;
			return true;
		}
		v->vm->msr_kvm_wall_clock = *val;
		write_wall_clock(v, *val);
		return true;
	case MSR_KVM_SYSTEM_TIME_NEW:
		if (!write) {
			*val = v->msr_kvm_system_time;
			return true;
		}
		v->msr_kvm_system_time = *val;
		if (*val & 1)
			write_system_time(v, *val & ~1ull);
		return true;
	}
	return false;
}

/*
 * clock_math.h - the arithmetic of the guest-visible clocks derived from
 * the host TSC: the kvmclock (pvclock) scale factors and the CPUID 0x15
 * TSC/crystal ratio.
 *
 * pvclock (Linux Documentation/virt/kvm/x86/msr.rst, MSR_KVM_SYSTEM_TIME_NEW):
 *     time_ns = system_time + scale(tsc - tsc_timestamp)
 *     scale(d) = ((shift >= 0 ? d << shift : d >> -shift) * mul) >> 32
 * with mul a 32-bit fraction and shift a signed byte.
 *
 * Pure logic (host-tested by tests/host/test_clock_math.c).
 */
#ifndef NESTOR_DEV_CLOCK_MATH_H
#define NESTOR_DEV_CLOCK_MATH_H

#include <stdint.h>

struct pvclock_scale {
	uint32_t mul;
	int8_t shift;
};

/* The scale that turns ticks of a hz clock (hz >= 1) into nanoseconds,
 * with mul in [2^31, 2^32) for the most precision. */
struct pvclock_scale pvclock_scale_for(uint64_t hz);
/* scale(d) above, for any d whose result fits in 64 bits. */
uint64_t pvclock_scale_delta(uint64_t d, struct pvclock_scale s);

/* CPUID 0x15: EBX/EAX = tsc_hz/crystal_hz as a reduced fraction whose
 * terms fit in 32 bits (approximate only when tsc_hz needs more). */
void tsc_crystal_ratio(uint64_t tsc_hz, uint64_t crystal_hz, uint32_t *num, uint32_t *den);

#endif

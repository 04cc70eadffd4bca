/*
 * tsc.h - the host's TSC rate, and the guest-visible clocks derived from it.
 *
 * Nestor measures the host TSC once at boot (tsc_calibrate). Guests see:
 *  - their TSC at the host rate (no scaling);
 *  - a virtual crystal clock of GUEST_CRYSTAL_HZ: CPUID 0x15 reports it
 *    (ECX) with EBX/EAX = TSC/crystal, and the guest's local APIC timer
 *    counts at this rate before its divider (as on Intel CPUs whose CPUID
 *    0x15 gives the crystal: Linux then takes it as the LAPIC timer rate).
 */
#ifndef NESTOR_HOST_TSC_H
#define NESTOR_HOST_TSC_H

#include <stdbool.h>
#include <stdint.h>

#define GUEST_CRYSTAL_HZ 25000000ull

/* Measure the host TSC: CPUID 0x15 when it gives the crystal and ratio,
 * else 50 ms of PIT channel 2 (ports 0x42/0x43/0x61). Logs the result. */
void tsc_calibrate(void);
/* The host TSC ticks at a constant rate and in step on every CPU:
 * invariant TSC (CPUID 0x80000007 EDX[8]; SDM 3B 18.17.1, APM 3 E.4.8),
 * or the tsc=stable option said so (hosts that do not report it, such as
 * QEMU's TCG, whose CPUs all read one host clock). Then guests are told
 * too (the same CPUID bit, kvmclock's stable bit). */
bool host_tsc_stable(void);
void tsc_set_stable(bool stable);
/* Host TSC ticks per second (after tsc_calibrate; a 2 GHz guess before). */
uint64_t tsc_hz(void);

/* Convert between TSC ticks and the guest crystal clock (LAPIC timer
 * ticks before its divider), without overflow for any 64-bit input. */
uint64_t tsc_to_crystal(uint64_t tsc_ticks);
uint64_t crystal_to_tsc(uint64_t crystal_ticks);
/* The same for any clock of hz (the PIT's, the RTC's). */
uint64_t tsc_to_clock(uint64_t tsc_ticks, uint64_t hz);
uint64_t clock_to_tsc(uint64_t clock_ticks, uint64_t hz);

#endif

/*
 * kvmclock.h - the KVM paravirtual clock, as Linux's kvmclock driver and
 * other KVM guests use it (Linux Documentation/virt/kvm/x86/msr.rst and
 * cpuid.rst): CPUID 0x40000100 says "KVMKVMKVM\0\0\0", 0x40000101 offers
 * only the clock features, and two MSRs tell Nestor where to write:
 *
 *   MSR_KVM_WALL_CLOCK_NEW (0x4b564d00), write-only in effect: the
 *     guest-physical address (4-byte aligned) of a pvclock_wall_clock
 *     { u32 version; u32 sec; u32 nsec; }: the wall-clock time (UTC, from
 *     the host RTC) at which the system time below was 0; written once
 *     per MSR write.
 *   MSR_KVM_SYSTEM_TIME_NEW (0x4b564d01), per vCPU: bit 0 enable, the rest
 *     the guest-physical address of a 32-byte pvclock_vcpu_time_info
 *     { u32 version; u32 pad; u64 tsc_timestamp; u64 system_time;
 *       u32 tsc_to_system_mul; s8 tsc_shift; u8 flags; u8 pad[2]; }.
 *
 * The version is odd while Nestor writes a structure and even once it is
 * consistent; a guest reads until it sees the same even version before
 * and after. Guests run on the host TSC unscaled and unoffset, so the
 * structure written at the MSR write stays right: system time =
 * nanoseconds of the host TSC since it was 0, and PVCLOCK_TSC_STABLE_BIT
 * (flags bit 0) with KVM_FEATURE_CLOCKSOURCE_STABLE_BIT when the host
 * TSC is invariant (CPUID 0x80000007 EDX bit 8).
 *
 * An address that is not in the VM's RAM gets nothing written (logged
 * once per VM); the MSR still reads back what was written.
 * Locking: the system-time MSR is the vCPU's own; the wall clock MSR is
 * the VM's (written under the VM's exit lock on SMP).
 */
#ifndef NESTOR_DEV_KVMCLOCK_H
#define NESTOR_DEV_KVMCLOCK_H

#include <stdbool.h>
#include <stdint.h>

struct vcpu;

/* CPUID.0x40000101:EAX: what is offered (the clock only). */
uint32_t kvmclock_features(void);
/* RDMSR/WRMSR of the two MSRs: false for any other MSR. */
bool kvmclock_msr(struct vcpu *v, uint32_t msr, bool write, uint64_t *val);

#endif

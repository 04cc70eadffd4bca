/*
 * lapic_dev.h - the local APIC of each vCPU of an isolated VM, connected
 * (lapic_dev.c): the pure model (lapic.h) behind the xAPIC page at
 * GUEST_LAPIC_GPA, the x2APIC MSRs 0x800-0x8FF, IA32_APIC_BASE and
 * IA32_TSC_DEADLINE; a software timer (hv/core/vtimer.h) for its timer;
 * IPIs between the VM's vCPUs; the vCPU's interrupt source (what the
 * event core asks at each entry).
 */
#ifndef NESTOR_DEV_LAPIC_DEV_H
#define NESTOR_DEV_LAPIC_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm;
struct vcpu;

#define MSR_IA32_APIC_BASE 0x1b
#define MSR_IA32_TSC_DEADLINE 0x6e0
#define MSR_X2APIC_FIRST 0x800
#define MSR_X2APIC_LAST 0x8ff

/* A local APIC for every vCPU of vm (after the PIC: vCPU 0's LINT0 takes
 * its ExtINT output). 0, or -1 with a message. */
int lapic_dev_create(struct vm *vm, char *err, size_t errlen);

/* RDMSR/WRMSR of an APIC MSR by v: 1 done, 0 #GP, -1 not an APIC MSR
 * (or the VM has no local APICs). */
int lapic_dev_msr(struct vcpu *v, uint32_t msr, bool write, uint64_t *val);

/* MOV from/to CR8 by v (64-bit mode): CR8[3:0] is TPR[7:4], and a write
 * clears TPR[3:0] (SDM 3A 11.8.6.1). A vCPU without a local APIC keeps
 * the value for itself. */
uint64_t lapic_dev_cr8_read(struct vcpu *v);
void lapic_dev_cr8_write(struct vcpu *v, uint64_t cr8);

/* INIT (on v's CPU): the APIC's INIT reset (SDM 3A 11.4.7.1). */
void lapic_dev_init_signal(struct vcpu *v);

/* Is msr one of the APIC's (a #GP from it is architectural, not an
 * unknown MSR worth a warning)? */
bool lapic_dev_owns_msr(const struct vcpu *v, uint32_t msr);

/* Does v have a local APIC (CPUID shows it)? */
bool lapic_dev_present(const struct vcpu *v);

#endif

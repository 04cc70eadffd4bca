/*
 * lapic_timer.h - this CPU's local APIC timer (Intel SDM Vol 3A 11.5.4)
 * as a one-shot alarm at a host TSC value: it ends SVM time slices (no
 * preemption timer there) at min(slice, next software-timer deadline),
 * and wakes an idle CPU for its next software timer (hv/core/vtimer.h).
 * TSC-deadline mode where CPUID.1:ECX[24] offers it (11.5.4.1), else a
 * one-shot count converted from TSC ticks with a boot-time calibration.
 *
 * hv/host/ holds the machine Nestor itself runs on: per-CPU descriptor
 * tables and stacks (percpu.h, gdt.c, idt.c, isr.asm), the exception
 * reporter and backtraces, this timer, TSC calibration (tsc.c), Nestor's
 * own command line (options.c), VT-x/SVM detection (virt_detect.c),
 * shutdown and self-tests. Nothing here knows about VMs.
 */
#ifndef NESTOR_TIMER_H
#define NESTOR_TIMER_H

#include <stdbool.h>
#include <stdint.h>

#define TIMER_VECTOR 0x20
#define SPURIOUS_VECTOR 0xff

/* Mask the legacy 8259 PICs so only the local APIC interrupts the host. */
void pic_mask_all(void);
/* This CPU's timer: handler, mode, stopped (after lapic_init). The first
 * call (boot CPU, after tsc_calibrate) measures the APIC timer against
 * the TSC when TSC-deadline mode is missing. guard_ticks != 0: after each
 * interrupt the timer re-arms itself that many TSC ticks later, so a
 * guest entered just after the alarm went off in the host still exits
 * (SVM enters with host IF=1, hv/svm/svm.c). */
void lapic_timer_init(uint64_t guard_ticks);
/* Interrupt at (about) TSC value deadline; UINT64_MAX stops the timer.
 * Does nothing if that alarm is already set. */
void lapic_timer_set(uint64_t deadline_tsc);
/* The mode in use, for the boot log. */
bool lapic_timer_tsc_deadline(void);
/* One-shot count mode: the measured APIC timer rate (divide by 1). */
uint64_t lapic_timer_hz(void);
extern volatile uint64_t timer_ticks;
/* Arm the timer a little ahead and wait (interrupts on) for it, at most
 * tsc_budget TSC ticks: does it interrupt? */
bool lapic_timer_check(uint64_t tsc_budget);

#endif

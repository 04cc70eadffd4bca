/*
 * lapic_timer.h - the local APIC timer as the host's time-slice clock
 * (used by backends without a preemption timer: SVM).
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
/* Start a periodic local-APIC timer interrupt every `count` bus ticks / 16. */
void lapic_timer_start(uint32_t count);
extern volatile uint64_t timer_ticks;
/* Wait (interrupts on) for one tick, at most tsc_budget TSC ticks. */
bool lapic_timer_check(uint64_t tsc_budget);

#endif

/*
 * vtimer.h - software timers on the host TSC, one queue per physical CPU:
 * the clocks of emulated devices (guest LAPIC timer, PIT, RTC) arm one
 * for their next event; fire() runs in host context on the CPU that armed
 * it, between guest entries (hv/core/sched.c), never in an interrupt
 * handler.
 *
 * The run loop makes its CPU leave the guest by the earliest deadline:
 * the slice timer (VMX preemption timer, or the host LAPIC timer on SVM)
 * is set to min(end of slice, earliest deadline) when a slice starts and
 * again when arming changes the earliest deadline; nothing is looked at
 * per exit. A CPU with nothing to run but an armed timer waits for it in
 * sti;hlt with the host LAPIC timer set to the deadline.
 *
 * Locking: a timer lives on the queue of the CPU that armed it, and fires
 * there. Each queue has a lock, so a timer may be re-armed or cancelled
 * from another CPU (a device of a VM of several vCPUs, touched by any of
 * them under vm->lock); such a VM's timers fire under vm->lock. `vm`,
 * when set, counts the VM's armed timers (vm->timers_armed), which tells
 * the scheduler a halted VM may still be woken.
 */
#ifndef NESTOR_CORE_VTIMER_H
#define NESTOR_CORE_VTIMER_H

#include <stdbool.h>
#include <stdint.h>

struct vm;

struct vtimer {
	uint64_t deadline;             /* host TSC */
	void (*fire)(struct vtimer *t); /* runs once per arm, after deadline */
	struct vtimer *next;
	bool armed;
	unsigned cpu;                  /* whose queue it is on, while armed */
	struct vm *vm;                 /* optional owner (vm->timers_armed) */
};

/* Put t on this CPU's queue for deadline_tsc; an armed t is moved. A
 * deadline already past fires at the next point between entries. */
void vtimer_arm(struct vtimer *t, uint64_t deadline_tsc);
/* Take t off its queue (nothing if it is not armed). */
void vtimer_cancel(struct vtimer *t);

/* For the run loop (this CPU): the earliest deadline, or UINT64_MAX. */
uint64_t vtimer_next_deadline(void);
/* Fire every timer whose deadline is at or before now. */
void vtimer_run_due(uint64_t now);

#endif

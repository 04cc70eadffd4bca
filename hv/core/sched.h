/* sched.h - run every VM's vCPUs, on every CPU, until all VMs have stopped. */
#ifndef NESTOR_SCHED_H
#define NESTOR_SCHED_H

#include <stdbool.h>
#include <stdint.h>

/* On the boot CPU: start the APs' loops, run its own (round-robin over
 * its runnable vCPUs), wait for the APs, print the summary. Returns true
 * if every VM that was waited for exited with 0. */
bool sched_run(void);
/* On an AP that is up: wait for sched_run, then run this CPU's loop. */
void sched_run_ap(unsigned cpu);
/* The CPUs that are running a vCPU's slice right now (bit i = CPU i). */
uint64_t sched_busy_cpus(void);
/* This CPU's earliest software-timer deadline changed (vtimer_arm): the
 * vCPU it is running must exit by it. */
void sched_deadline_changed(void);
/* The running slice's end (or the timer deadline that cut it) has passed
 * on the host's clock. Exits that come often and cost much (MMIO, port
 * I/O) ask it: the slice timer may not have fired yet (its interrupt is
 * taken only at the next entry; VT-x's saved preemption timer counts
 * guest time only), and a timer must not wait for it. */
bool sched_slice_over(void);

#endif

/* sched.h - run every VM's vCPUs until all VMs have stopped. */
#ifndef NESTOR_SCHED_H
#define NESTOR_SCHED_H

#include <stdbool.h>

/* Round-robin over runnable vCPUs of all VMs on this CPU. Returns when
 * every VM has stopped; the result is true if every VM exited with 0. */
bool sched_run(void);

#endif

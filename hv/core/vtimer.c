/*
 * vtimer.c - per-CPU software timer queues (see vtimer.h): a list sorted
 * by deadline, so the earliest is the head and arming costs a walk over
 * the (few) timers due before it.
 */
#include "hv/core/vtimer.h"
#include "hv/core/sched.h"
#include "hv/core/vm.h"
#include "hv/host/percpu.h"
#include "hv/lib/spinlock.h"
#include "hv/x86/asm.h"

static struct vtimer *queue[MAX_CPUS];
/* Each queue's lock: a device timer of a VM of several vCPUs may be
 * re-armed or cancelled from another CPU than the one whose queue holds it
 * (its device was touched by another vCPU), under vm->lock. */
static struct spinlock qlock[MAX_CPUS];

/* Caller holds qlock[t->cpu]. uncount: take it off vm->timers_armed
 * (vtimer_run_due does that only after fire(), see there). */
static void unlink_timer(struct vtimer *t, bool uncount)
{
	struct vtimer **p = &queue[t->cpu];
	while (*p && *p != t)
		p = &(*p)->next;
	if (*p)
		*p = t->next;
	t->next = 0;
	t->armed = false;
	if (t->vm && uncount)
		__atomic_sub_fetch(&t->vm->timers_armed, 1, __ATOMIC_RELEASE);
}

void vtimer_cancel(struct vtimer *t)
{
	if (!__atomic_load_n(&t->armed, __ATOMIC_ACQUIRE))
		return;
	unsigned cpu = t->cpu;
	spin_lock(&qlock[cpu]);
	if (t->armed && t->cpu == cpu)
		unlink_timer(t, true);
	spin_unlock(&qlock[cpu]);
}

void vtimer_arm(struct vtimer *t, uint64_t deadline_tsc)
{
	unsigned cpu = this_cpu();
	uint64_t before = vtimer_next_deadline();
	vtimer_cancel(t);
	spin_lock(&qlock[cpu]);
	t->deadline = deadline_tsc;
	t->cpu = cpu;
	t->armed = true;
	if (t->vm)
		__atomic_add_fetch(&t->vm->timers_armed, 1, __ATOMIC_RELEASE);
	struct vtimer **p = &queue[cpu];
	while (*p && (*p)->deadline <= deadline_tsc)
		p = &(*p)->next;
	t->next = *p;
	*p = t;
	spin_unlock(&qlock[cpu]);
	if (vtimer_next_deadline() != before)
		sched_deadline_changed();
}

uint64_t vtimer_next_deadline(void)
{
	struct vtimer *head = queue[this_cpu()];
	return head ? head->deadline : UINT64_MAX;
}

void vtimer_run_due(uint64_t now)
{
	unsigned cpu = this_cpu();
	for (;;) {
		spin_lock(&qlock[cpu]);
		struct vtimer *t = queue[cpu];
		if (!t || t->deadline > now) {
			spin_unlock(&qlock[cpu]);
			return;
		}
		unlink_timer(t, false);
		spin_unlock(&qlock[cpu]);
		/* The device's state is the VM's: a VM of several vCPUs has its
		 * exits under vm->lock, so its timers fire under it too. (A
		 * timer re-armed elsewhere in between fires once more than
		 * needed; fire() recomputes from the device's state.) */
		bool shared = t->vm && t->vm->nvcpus > 1;
		if (shared)
			spin_lock(&t->vm->lock);
		t->fire(t); /* may arm t or others again */
		if (shared)
			spin_unlock(&t->vm->lock);
		/* Counted until fire() has run (and perhaps armed it again):
		 * another CPU's stuck-VM check must not see a VM whose timer is
		 * firing as one nothing can wake. */
		if (t->vm)
			__atomic_sub_fetch(&t->vm->timers_armed, 1, __ATOMIC_RELEASE);
	}
}

/*
 * vtimer.c - per-CPU software timer queues (see vtimer.h): a list sorted
 * by deadline, so the earliest is the head and arming costs a walk over
 * the (few) timers due before it.
 */
#include "hv/core/vtimer.h"
#include "hv/core/sched.h"
#include "hv/core/vm.h"
#include "hv/host/percpu.h"
#include "hv/x86/asm.h"

static struct vtimer *queue[MAX_CPUS];

static void unlink(struct vtimer *t)
{
	struct vtimer **p = &queue[t->cpu];
	while (*p && *p != t)
		p = &(*p)->next;
	if (*p)
		*p = t->next;
	t->next = 0;
	t->armed = false;
	if (t->vm)
		__atomic_sub_fetch(&t->vm->timers_armed, 1, __ATOMIC_RELEASE);
}

void vtimer_cancel(struct vtimer *t)
{
	if (t->armed)
		unlink(t);
}

void vtimer_arm(struct vtimer *t, uint64_t deadline_tsc)
{
	unsigned cpu = this_cpu();
	uint64_t before = vtimer_next_deadline();
	vtimer_cancel(t);
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
	struct vtimer **q = &queue[this_cpu()];
	while (*q && (*q)->deadline <= now) {
		struct vtimer *t = *q;
		unlink(t);
		t->fire(t); /* may arm t or others again */
	}
}

/*
 * test_intr.c - the interrupt source of a vCPU that has no interrupt
 * controller: it holds what HC_RAISE_EVENT asked for (256 vectors, highest
 * delivered first, as a local APIC's IRR would be) so the event core can be
 * tested on both vendors. An isolated VM's local APIC (lapic_dev.c) asks
 * it after its own IRR, so these test interrupts keep their meaning there.
 *
 * HC_TEST_TIMER arms a software timer (hv/core/vtimer.h) that raises a
 * vector here when it fires: it tests the timer queues and HLT wake-up
 * before a guest-visible timer exists.
 *
 * State: per vCPU; touched only by that vCPU's CPU (its timer is on that
 * CPU's queue and fires there).
 */
#include "hv/core/vm.h"
#include "hv/core/vtimer.h"
#include "hv/x86/asm.h"
#include "hv/dev/device.h"
#include "hv/dev/simple_devices.h"

struct test_intr {
	uint32_t pending[8];
	struct vtimer timer;
	struct vcpu *v;
	uint8_t timer_vector;
};

static int test_intr_highest(void *ctx, struct vcpu *v)
{
	(void)v;
	struct test_intr *t = ctx;
	for (int w = 7; w >= 0; w--)
		if (t->pending[w])
			return w * 32 + 31 - __builtin_clz(t->pending[w]);
	return -1;
}

static void test_intr_ack(void *ctx, struct vcpu *v, uint8_t vector)
{
	(void)v;
	struct test_intr *t = ctx;
	t->pending[vector / 32] &= ~(1u << (vector % 32));
}

static void test_intr_raise(void *ctx, struct vcpu *v, uint8_t vector)
{
	struct test_intr *t = ctx;
	t->pending[vector / 32] |= 1u << (vector % 32);
	vcpu_kick_interrupt(v);
}

static const struct intr_source_ops test_intr_ops = {
	.name = "test interrupts (HC_RAISE_EVENT)",
	.highest = test_intr_highest,
	.ack = test_intr_ack,
	.raise = test_intr_raise,
};

static void test_timer_fire(struct vtimer *t)
{
	struct test_intr *ti = (struct test_intr *)((char *)t - __builtin_offsetof(struct test_intr, timer));
	test_intr_raise(ti, ti->v, ti->timer_vector);
	vcpu_wake(ti->v);
}

const struct intr_source_ops *test_intr_source_ops(void) { return &test_intr_ops; }

int test_intr_arm_timer(struct vcpu *v, unsigned vector, uint64_t delay_tsc)
{
	struct test_intr *t = v->test_source;
	if (!t || vector < 32 || vector > 255)
		return -1;
	t->timer_vector = (uint8_t)vector;
	vtimer_arm(&t->timer, rdtsc() + delay_tsc);
	return 0;
}

int test_intr_create(struct vm *vm, char *err, size_t errlen)
{
	for (unsigned i = 0; i < vm->opts.vcpus; i++) {
		struct test_intr *t = vm_dev_alloc(vm, sizeof(*t), err, errlen);
		if (!t)
			return -1;
		t->v = &vm->vcpus[i];
		t->timer.fire = test_timer_fire;
		t->timer.vm = vm;
		vm->vcpus[i].test_source = t;
		vcpu_set_intr_source(&vm->vcpus[i], &test_intr_ops, t);
	}
	return 0;
}

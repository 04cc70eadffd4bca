/*
 * test_intr.c - the interrupt source of a vCPU that has no interrupt
 * controller: it holds what HC_RAISE_EVENT asked for (256 vectors, highest
 * delivered first, as a local APIC's IRR would be) so the event core can be
 * tested on both vendors. An emulated local APIC replaces it as the vCPU's
 * source.
 *
 * State: per vCPU; touched only by that vCPU's CPU.
 */
#include "hv/core/vm.h"
#include "hv/dev/device.h"
#include "hv/dev/simple_devices.h"

struct test_intr {
	uint32_t pending[8];
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

int test_intr_create(struct vm *vm, char *err, size_t errlen)
{
	for (unsigned i = 0; i < vm->opts.vcpus; i++) {
		struct test_intr *t = vm_dev_alloc(vm, sizeof(*t), err, errlen);
		if (!t)
			return -1;
		vcpu_set_intr_source(&vm->vcpus[i], &test_intr_ops, t);
	}
	return 0;
}

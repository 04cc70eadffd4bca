/*
 * debug_exit.c - QEMU's isa-debug-exit for guests: a write of V to the
 * port ends the VM with exit status V. Stateless.
 */
#include "hv/dev/simple_devices.h"
#include "hv/core/vm.h"
#include "hv/dev/device.h"

static uint32_t debug_exit_read(void *dev, struct vcpu *v, uint16_t port, unsigned size)
{
	(void)dev, (void)v, (void)port, (void)size;
	return 0xffffffff;
}

static void debug_exit_write(void *dev, struct vcpu *v, uint16_t port, unsigned size, uint32_t value)
{
	(void)dev, (void)port;
	uint32_t mask = size == 4 ? 0xffffffff : (1u << (size * 8)) - 1;
	vm_stop(v->vm, (int)(value & mask), "wrote %u to the debug-exit port", value & mask);
}

static const struct pio_ops debug_exit_ops = { "debug-exit", debug_exit_read, debug_exit_write };

int debug_exit_create(struct vm *vm, uint16_t port, char *err, size_t errlen)
{
	return vm_pio_register(vm, port, 1, &debug_exit_ops, 0, err, errlen);
}

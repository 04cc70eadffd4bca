/* debug_exit.c - QEMU's isa-debug-exit for guests: a write of V to port
 * 0xf4 ends the VM with exit status V. */
#include "hv/dev/port_devices.h"
#include "hv/guest_abi.h"
#include "hv/vm.h"

static uint32_t debug_exit_read(struct vcpu *v, uint16_t port, unsigned size)
{
	(void)v, (void)port, (void)size;
	return 0xffffffff;
}

static void debug_exit_write(struct vcpu *v, uint16_t port, unsigned size, uint32_t value)
{
	(void)port;
	uint32_t mask = size == 4 ? 0xffffffff : (1u << (size * 8)) - 1;
	vm_stop(v->vm, (int)(value & mask), "wrote %u to the debug-exit port", value & mask);
}

const struct port_device vm_debug_exit_device = { "debug-exit", GUEST_DEBUG_EXIT_PORT, 1, debug_exit_read,
						  debug_exit_write };

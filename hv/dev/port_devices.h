/* port_devices.h - emulated port-I/O devices of an isolated VM. */
#ifndef NESTOR_DEV_PORT_DEVICES_H
#define NESTOR_DEV_PORT_DEVICES_H

#include <stdint.h>

#include "hv/vcpu.h"

struct port_device {
	const char *name;
	uint16_t base, count;
	uint32_t (*read)(struct vcpu *v, uint16_t port, unsigned size);
	void (*write)(struct vcpu *v, uint16_t port, unsigned size, uint32_t value);
};

extern const struct port_device vm_uart_device, vm_debug_exit_device, vm_fw_cfg_device;

/* One character of the guest's console output (UART and HC_PRINT): lines
 * appear on Nestor's console as "[NAME] line". */
struct vm;
void vm_console_putc(struct vm *vm, char c);

/* The device claiming port, or NULL (unclaimed: reads all ones). */
const struct port_device *port_device_find(uint16_t port);

#endif

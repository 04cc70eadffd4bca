/*
 * console_input.c - input=on (see console_input.h). Nestor takes no
 * interrupt from its own UART, so it polls it: a software timer of the VM
 * (hv/core/vtimer.h) every POLL_MS moves the bytes waiting there into the
 * guest UART's receive FIFO, which raises the guest's received-data
 * interrupt (hv/dev/uart.c). As a VM timer it fires under the VM's lock
 * when the VM has several vCPUs; it is first armed by the guest's own
 * access to its UART, so it lives on the CPU of a vCPU of this VM and a
 * one-vCPU VM's UART is never touched from another CPU. Bytes wait in the
 * host UART's FIFO while the guest's is full.
 */
#include "hv/dev/console_input.h"
#include "drivers/uart16550.h"
#include "hv/core/vm.h"
#include "hv/core/vtimer.h"
#include "hv/dev/device.h"
#include "hv/dev/uart.h"
#include "hv/host/tsc.h"
#include "hv/x86/asm.h"

#define POLL_MS 10

struct console_input {
	struct vtimer timer;
	struct vuart *u;
};

static void poll(struct vtimer *t)
{
	struct console_input *ci = (struct console_input *)t; /* timer is the first member */
	int c;
	while (!vuart_rx_full(ci->u) && (c = uart_getc()) >= 0)
		vuart_receive(ci->u, (uint8_t)c);
	vtimer_arm(t, rdtsc() + tsc_hz() / (1000 / POLL_MS));
}

static void first_access(void *ctx) { poll(&((struct console_input *)ctx)->timer); }

int console_input_attach(struct vm *vm, struct vuart *u, char *err, size_t errlen)
{
	struct console_input *ci = vm_dev_alloc(vm, sizeof(*ci), err, errlen);
	if (!ci)
		return -1;
	ci->u = u;
	ci->timer.fire = poll;
	ci->timer.vm = vm;
	vuart_on_access(u, first_access, ci);
	return 0;
}

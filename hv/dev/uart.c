/*
 * uart.c - an emulated 16550 at COM1 for isolated guests. Output is
 * collected per line and printed on Nestor's console as "[NAME] line".
 * No input, no interrupts: LSR always says the transmitter is empty.
 */
#include "drivers/console.h"
#include "hv/dev/port_devices.h"
#include "hv/guest_abi.h"
#include "hv/vm.h"

#define LCR_DLAB 0x80
#define LSR_THRE_TEMT 0x60

static void uart_flush_line(struct vm *vm)
{
	struct vm_uart *u = &vm->uart;
	u->line[u->len] = 0;
	kprintf("[%s] %s\n", vm->opts.name, u->line);
	u->len = 0;
}

void vm_console_putc(struct vm *vm, char c)
{
	struct vm_uart *u = &vm->uart;
	if (c == '\n') {
		uart_flush_line(vm);
		return;
	}
	if (c == '\r')
		return;
	if ((unsigned char)c < 0x20 && c != '\t')
		c = '?'; /* keep the host console readable */
	u->line[u->len++] = c;
	if (u->len == sizeof(u->line) - 1)
		uart_flush_line(vm);
}

static uint32_t uart_read(struct vcpu *v, uint16_t port, unsigned size)
{
	(void)size;
	struct vm_uart *u = &v->vm->uart;
	switch (port - GUEST_COM1_PORT) {
	case 0: return (u->lcr & LCR_DLAB) ? u->dll : 0; /* RBR: no input */
	case 1: return (u->lcr & LCR_DLAB) ? u->dlm : u->ier;
	case 2: return 0x01; /* IIR: no interrupt pending */
	case 3: return u->lcr;
	case 4: return u->mcr;
	case 5: return LSR_THRE_TEMT;
	case 6: return 0xb0; /* MSR: DCD, DSR, CTS */
	default: return u->scr;
	}
}

static void uart_write(struct vcpu *v, uint16_t port, unsigned size, uint32_t value)
{
	(void)size;
	struct vm_uart *u = &v->vm->uart;
	uint8_t b = (uint8_t)value;
	switch (port - GUEST_COM1_PORT) {
	case 0:
		if (u->lcr & LCR_DLAB)
			u->dll = b;
		else
			vm_console_putc(v->vm, (char)b);
		break;
	case 1:
		if (u->lcr & LCR_DLAB)
			u->dlm = b;
		else
			u->ier = b & 0x0f;
		break;
	case 3: u->lcr = b; break;
	case 4: u->mcr = b & 0x1f; break;
	case 7: u->scr = b; break;
	default: break; /* FCR and read-only registers */
	}
}

const struct port_device vm_uart_device = { "uart16550", GUEST_COM1_PORT, 8, uart_read, uart_write };

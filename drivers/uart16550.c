/*
 * uart16550.c - polled 16550 UART (register map from the NS16550A data
 * sheet: THR/RBR at +0, IER +1, FCR +2, LCR +3, MCR +4, LSR +5, SCR +7).
 */
#include "drivers/uart16550.h"
#include "hv/x86/asm.h"

#define UART_THR 0
#define UART_IER 1
#define UART_DLL 0
#define UART_DLM 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_SCR 7
#define LSR_DR 0x01   /* data ready */
#define LSR_THRE 0x20 /* transmit holding register empty */
#define LSR_TEMT 0x40 /* transmitter completely empty */
#define LCR_DLAB 0x80
#define LCR_8N1 0x03

static uint16_t uart_base;

bool uart_init(uint16_t port, uint32_t baud)
{
	if (baud == 0 || 115200 % baud != 0)
		return false;
	uint16_t divisor = (uint16_t)(115200 / baud);

	/* The scratch register holds what we write on a real 16550; an
	 * absent port reads back 0xff. */
	outb(port + UART_SCR, 0x5a);
	if (inb(port + UART_SCR) != 0x5a)
		return false;

	outb(port + UART_IER, 0x00); /* polled: no interrupts */
	outb(port + UART_LCR, LCR_DLAB);
	outb(port + UART_DLL, divisor & 0xff);
	outb(port + UART_DLM, divisor >> 8);
	outb(port + UART_LCR, LCR_8N1);
	outb(port + UART_FCR, 0x07); /* enable and clear FIFOs */
	outb(port + UART_MCR, 0x03); /* DTR | RTS */
	uart_base = port;
	return true;
}

void uart_putc(char c)
{
	if (!uart_base)
		return;
	if (c == '\n')
		uart_putc('\r');
	for (unsigned spins = 0; !(inb(uart_base + UART_LSR) & LSR_THRE); spins++)
		if (spins > 1000000)
			return; /* a dead UART must not hang the hypervisor */
	outb(uart_base + UART_THR, (uint8_t)c);
}

void uart_drain(void)
{
	if (!uart_base)
		return;
	for (unsigned spins = 0; !(inb(uart_base + UART_LSR) & LSR_TEMT); spins++)
		if (spins > 1000000)
			return;
}

void uart_disable(void) { uart_base = 0; }

int uart_getc(void)
{
	uint16_t base = uart_base;
	if (!base || !(inb(base + UART_LSR) & LSR_DR))
		return -1;
	return inb(base + UART_THR); /* RBR */
}

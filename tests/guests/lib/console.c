/*
 * console.c - output on COM1 and the pass/fail/skip line helpers.
 *
 * We program the UART only when nobody has: in passthrough mode COM1 may
 * be the very port Nestor's own console uses, and reprogramming it would
 * garble Nestor's output. "Nobody has" = the line control register does
 * not say 8 data bits; its reset value 0 means 5 bits, and Bochs really
 * transmits only the low 5 bits of each byte then (QEMU ignores the word
 * length, which is why bare QEMU works either way). We wait for the
 * transmit holding register with a bound, so a UART model that never
 * reports "empty" cannot hang a test.
 */
#include "guest.h"
#include "hv/lib/format.h"

#define UART_THR 0      /* transmit holding register (write) */
#define UART_DLL 0      /* divisor latch low (with LCR.DLAB) */
#define UART_IER 1      /* interrupt enable; divisor latch high with DLAB */
#define UART_LCR 3      /* line control register */
#define UART_LSR 5      /* line status register */
#define LCR_8N1 0x03    /* 8 data bits, no parity, 1 stop bit */
#define LCR_WLEN_MASK 0x03
#define LCR_DLAB 0x80
#define LSR_THRE 0x20   /* THR empty: may write the next byte */
#define LSR_TEMT 0x40   /* transmitter empty: everything is on the wire */
#define UART_SPIN_LIMIT 100000

static int failures;

static void uart_wait(uint8_t bit)
{
	for (int i = 0; i < UART_SPIN_LIMIT; i++)
		if (inb(GUEST_COM1_PORT + UART_LSR) & bit)
			return;
}

void guest_console_init(void)
{
	uint16_t p = GUEST_COM1_PORT;

	if ((inb(p + UART_LCR) & LCR_WLEN_MASK) == LCR_8N1)
		return;
	outb(p + UART_IER, 0);          /* we poll */
	outb(p + UART_LCR, LCR_DLAB);
	outb(p + UART_DLL, 1);          /* 115200 baud */
	outb(p + UART_IER, 0);          /* divisor high byte */
	outb(p + UART_LCR, LCR_8N1);
}

void guest_putc(char c)
{
	uart_wait(LSR_THRE);
	outb(GUEST_COM1_PORT + UART_THR, (uint8_t)c);
}

/* Called before the VM ends, so the last line is not lost in the FIFO
 * (Bochs drops it otherwise; see PLATFORM.md). */
void guest_console_drain(void)
{
	uart_wait(LSR_TEMT);
}

void guest_write(const void *s, size_t n)
{
	const char *p = s;

	while (n--)
		guest_putc(*p++);
}

static void put_fn(void *ctx, char c)
{
	(void)ctx;
	guest_putc(c);
}

int guest_vprintf(const char *fmt, va_list ap)
{
	return fmt_vformat(put_fn, NULL, fmt, ap);
}

int guest_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = guest_vprintf(fmt, ap);
	va_end(ap);
	return n;
}

/* "NAME: <prefix><formatted>\n" */
static void line(const char *prefix, const char *fmt, va_list ap)
{
	guest_printf("%s: %s", guest_name, prefix);
	guest_vprintf(fmt, ap);
	guest_putc('\n');
}

void guest_say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	line("", fmt, ap);
	va_end(ap);
}

void guest_fail(const char *fmt, ...)
{
	va_list ap;

	failures++;
	va_start(ap, fmt);
	line("FAIL: ", fmt, ap);
	va_end(ap);
}

bool guest_check(bool ok, const char *fmt, ...)
{
	va_list ap;

	if (!ok)
		failures++;
	va_start(ap, fmt);
	line(ok ? "pass: " : "FAIL: ", fmt, ap);
	va_end(ap);
	return ok;
}

void guest_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	line("skipped (no Nestor): ", fmt, ap);
	va_end(ap);
}

bool guest_check_nestor(bool nestor, bool ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (nestor) {
		if (!ok)
			failures++;
		line(ok ? "pass: " : "FAIL: ", fmt, ap);
	} else {
		line("skipped (no Nestor): ", fmt, ap);
	}
	va_end(ap);
	return ok || !nestor;
}

int guest_failures(void)
{
	return failures;
}

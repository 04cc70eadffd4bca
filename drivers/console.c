/* console.c - fan-out of characters to the console sinks, and logging. */
#include "drivers/console.h"
#include "drivers/uart16550.h"
#include "drivers/vga_text.h"
#include "hv/lib/format.h"

enum log_level console_log_level = LOG_LEVEL_INFO;
static int vga_enabled;

void console_enable_vga(int on) { vga_enabled = on; }

void console_putc(char c)
{
	uart_putc(c);
	if (vga_enabled)
		vga_text_putc(c);
}

void console_puts(const char *s)
{
	while (*s)
		console_putc(*s++);
}

void console_flush(void) { uart_drain(); }

static void console_put_cb(void *ctx, char c)
{
	(void)ctx;
	console_putc(c);
}

void kvprintf(const char *fmt, va_list ap) { fmt_vformat(console_put_cb, 0, fmt, ap); }

void kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
}

static const char *const level_tag[] = {
	[LOG_LEVEL_ERROR] = "error: ",
	[LOG_LEVEL_WARN] = "warning: ",
	[LOG_LEVEL_INFO] = "",
	[LOG_LEVEL_DEBUG] = "debug: ",
};

void klog(enum log_level level, const char *subsys, const char *fmt, ...)
{
	if (level > console_log_level)
		return;
	va_list ap;
	va_start(ap, fmt);
	kprintf("%s: %s", subsys, level_tag[level]);
	kvprintf(fmt, ap);
	console_putc('\n');
	va_end(ap);
}

/* console.c - fan-out of characters to the console sinks, and logging. */
#include "drivers/console.h"
#include "drivers/uart16550.h"
#include "drivers/vga_text.h"
#include "hv/host/percpu.h"
#include "hv/lib/format.h"
#include "hv/lib/spinlock.h"

enum log_level console_log_level = LOG_LEVEL_INFO;
static int vga_enabled;

/*
 * Locking: one console for every CPU. The lock is held for a whole
 * kprintf / log line (so lines from two CPUs do not mix) and may be taken
 * again by the CPU holding it (a fault report printed while printing, or
 * a caller that groups several lines with console_lock()).
 */
static struct spinlock console_spin = SPINLOCK_INIT;
static volatile unsigned console_owner; /* this_cpu() + 1 of the holder, or 0 */
static unsigned console_depth;

void console_lock(void)
{
	unsigned me = this_cpu() + 1;
	if (console_owner != me) {
		spin_lock(&console_spin);
		console_owner = me;
	}
	console_depth++;
}

void console_unlock(void)
{
	if (--console_depth)
		return;
	console_owner = 0;
	spin_unlock(&console_spin);
}

void console_enable_vga(int on) { vga_enabled = on; }

void console_putc(char c)
{
	uart_putc(c);
	if (vga_enabled)
		vga_text_putc(c);
}

void console_puts(const char *s)
{
	console_lock();
	while (*s)
		console_putc(*s++);
	console_unlock();
}

void console_flush(void) { uart_drain(); }

static void console_put_cb(void *ctx, char c)
{
	(void)ctx;
	console_putc(c);
}

void kvprintf(const char *fmt, va_list ap)
{
	console_lock();
	fmt_vformat(console_put_cb, 0, fmt, ap);
	console_unlock();
}

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
	console_lock();
	kprintf("%s: %s", subsys, level_tag[level]);
	kvprintf(fmt, ap);
	console_putc('\n');
	console_unlock();
	va_end(ap);
}

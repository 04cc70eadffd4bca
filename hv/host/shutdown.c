/* shutdown.c - end the run with the pass/fail contract of shutdown.h. */
#include "hv/host/shutdown.h"
#include "drivers/console.h"
#include "hv/host/backtrace.h"
#include "hv/host/percpu.h"
#include "hv/x86/asm.h"

enum exit_mode hv_exit_mode = EXIT_MODE_HALT;

#define QEMU_DEBUG_EXIT_PORT 0xf4
#define BOCHS_SHUTDOWN_PORT 0x8900

static __attribute__((noreturn)) void halt_forever(void)
{
	for (;;) {
		cli();
		hlt();
	}
}

void hv_finish(bool pass, const char *why)
{
	static int finishing;
	if (finishing++) /* a fault while finishing: just stop */
		halt_forever();
	kprintf("nestor: %s (%s)\n", pass ? "PASS" : "FAIL", why);
	console_flush();
	switch (hv_exit_mode) {
	case EXIT_MODE_QEMU:
		outb(QEMU_DEBUG_EXIT_PORT, pass ? 0 : 1);
		break;
	case EXIT_MODE_BOCHS:
		if (pass) {
			__asm__ volatile("xchg %%bx, %%bx" ::: "memory");
		} else {
			for (const char *s = "Shutdown"; *s; s++)
				outb(BOCHS_SHUTDOWN_PORT, (uint8_t)*s);
		}
		break;
	case EXIT_MODE_HALT:
		break;
	}
	halt_forever();
}

void panic(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	console_lock(); /* the report in one piece; hv_finish ends the run */
	kprintf("\n*** Nestor panic: ");
	kvprintf(fmt, ap);
	va_end(ap);
	kprintf("\n    on CPU %u, backtrace:\n", this_cpu());
	backtrace_here();
	hv_finish(false, "panic");
}

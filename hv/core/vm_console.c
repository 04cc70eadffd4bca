/*
 * vm_console.c - a VM's console output (its UARTs and HC_PRINT), printed
 * on Nestor's console one line at a time as "[NAME] line". Written only by
 * the vCPU whose exit is being handled.
 */
#include "drivers/console.h"
#include "hv/core/vm.h"

static void flush_line(struct vm *vm)
{
	struct vm_console *c = &vm->console;
	c->line[c->len] = 0;
	kprintf("[%s] %s\n", vm->opts.name, c->line);
	c->len = 0;
}

void vm_console_putc(struct vm *vm, char ch)
{
	struct vm_console *c = &vm->console;
	if (ch == '\n') {
		flush_line(vm);
		return;
	}
	if (ch == '\r')
		return;
	if ((unsigned char)ch < 0x20 && ch != '\t')
		ch = '?'; /* keep the host console readable */
	c->line[c->len++] = ch;
	if (c->len == sizeof(c->line) - 1)
		flush_line(vm);
}

/*
 * console_input.h - input=on: what arrives on Nestor's own serial port
 * goes to one VM's COM1 receiver (hv/dev/console_input.c).
 */
#ifndef NESTOR_DEV_CONSOLE_INPUT_H
#define NESTOR_DEV_CONSOLE_INPUT_H

#include <stddef.h>

struct vm;
struct vuart;

/* Feed u from the host serial port from the guest's first access to u
 * on. 0, or -1 with a message. */
int console_input_attach(struct vm *vm, struct vuart *u, char *err, size_t errlen);

#endif

/* uart.h - the emulated 16550 (hv/dev/uart.c). */
#ifndef NESTOR_DEV_UART_H
#define NESTOR_DEV_UART_H

#include <stddef.h>
#include <stdint.h>

struct vm;
struct vuart;

/* A UART at ports [port, port+8) raising IRQ line irq. NULL with a
 * message on failure. */
struct vuart *vuart_create(struct vm *vm, uint16_t port, unsigned irq, char *err, size_t errlen);
/* The same UART's registers also at the page gpa (one byte each). */
int vuart_map_mmio(struct vm *vm, struct vuart *u, uint64_t gpa, char *err, size_t errlen);

#endif

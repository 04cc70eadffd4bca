/* uart.h - the emulated 16550 (hv/dev/uart.c). */
#ifndef NESTOR_DEV_UART_H
#define NESTOR_DEV_UART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm;
struct vuart;

/* A UART at ports [port, port+8) raising IRQ line irq. NULL with a
 * message on failure. */
struct vuart *vuart_create(struct vm *vm, uint16_t port, unsigned irq, char *err, size_t errlen);
/* A byte arrives on the UART's line: into its receive FIFO (false if the
 * FIFO is full: the byte is lost). Caller holds what guards the VM's
 * devices (its exits' context, or a VM timer). */
bool vuart_receive(struct vuart *u, uint8_t b);
bool vuart_rx_full(const struct vuart *u);
/* fn(ctx) runs once, at the guest's first access to u. */
void vuart_on_access(struct vuart *u, void (*fn)(void *ctx), void *ctx);
/* The same UART's registers also at the page gpa (one byte each). */
int vuart_map_mmio(struct vm *vm, struct vuart *u, uint64_t gpa, char *err, size_t errlen);

#endif

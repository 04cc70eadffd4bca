/* uart16550.h - polled 16550 UART, the hypervisor's primary console. */
#ifndef NESTOR_DRIVERS_UART16550_H
#define NESTOR_DRIVERS_UART16550_H

#include <stdbool.h>
#include <stdint.h>

#define UART_COM1 0x3f8
#define UART_COM2 0x2f8
#define UART_COM3 0x3e8
#define UART_COM4 0x2e8

/* Program the UART at I/O port base for baud 8N1; false if baud is not a
 * divisor of 115200 or no UART answers at that port. */
bool uart_init(uint16_t port, uint32_t baud);
void uart_putc(char c);
/* Stop using the UART (serial=off, console=vga). */
void uart_disable(void);
/* Wait until the transmitter is completely empty (LSR.TEMT): emulators end
 * the run right after the last byte otherwise, losing the last line. */
void uart_drain(void);
/* A received byte (LSR.DR), or -1 when none is waiting or the UART is off. */
int uart_getc(void);

#endif

/* vga_text.h - 80x25 VGA/EGA text console for machines without a serial port. */
#ifndef NESTOR_DRIVERS_VGA_TEXT_H
#define NESTOR_DRIVERS_VGA_TEXT_H

#include <stdint.h>

/* base: the text buffer's address (0xb8000 on PC BIOS), width x height cells. */
void vga_text_init(uint64_t base, uint32_t width, uint32_t height);
void vga_text_putc(char c);

#endif

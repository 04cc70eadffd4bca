/*
 * vga_text.c - text-mode console: each cell is a character byte and an
 * attribute byte. Scrolls by copying rows up.
 */
#include "drivers/vga_text.h"
#include "hv/lib/string.h"

#define VGA_ATTR 0x07 /* light grey on black */

static volatile uint16_t *vga_cells;
static uint32_t vga_width, vga_height, vga_col, vga_row;

void vga_text_init(uint64_t base, uint32_t width, uint32_t height)
{
	vga_cells = (volatile uint16_t *)base;
	vga_width = width;
	vga_height = height;
	vga_col = vga_row = 0;
	for (uint32_t i = 0; i < width * height; i++)
		vga_cells[i] = (VGA_ATTR << 8) | ' ';
}

static void vga_newline(void)
{
	vga_col = 0;
	if (++vga_row < vga_height)
		return;
	vga_row = vga_height - 1;
	for (uint32_t i = 0; i < vga_width * (vga_height - 1); i++)
		vga_cells[i] = vga_cells[i + vga_width];
	for (uint32_t i = 0; i < vga_width; i++)
		vga_cells[vga_width * (vga_height - 1) + i] = (VGA_ATTR << 8) | ' ';
}

void vga_text_putc(char c)
{
	if (!vga_cells)
		return;
	if (c == '\n') {
		vga_newline();
		return;
	}
	if (c == '\r') {
		vga_col = 0;
		return;
	}
	vga_cells[vga_row * vga_width + vga_col] = (uint16_t)((VGA_ATTR << 8) | (uint8_t)c);
	if (++vga_col >= vga_width)
		vga_newline();
}

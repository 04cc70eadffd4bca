/*
 * pic.c - program the 8259 pair as Linux's init_8259A does (8259A data
 * sheet: ICW1 edge-triggered, cascaded, ICW4 needed; ICW2 vector base;
 * ICW3 slave on IR2 / slave ID 2; ICW4 8086 mode), then set the masks.
 */
#include "guest.h"

void guest_pic_init(uint8_t vector_base, uint8_t master_mask, uint8_t slave_mask)
{
	outb(0x20, 0x11);
	outb(0x21, vector_base);
	outb(0x21, 0x04);
	outb(0x21, 0x01);
	outb(0xa0, 0x11);
	outb(0xa1, (uint8_t)(vector_base + 8));
	outb(0xa1, 0x02);
	outb(0xa1, 0x01);
	outb(0x21, master_mask);
	outb(0xa1, slave_mask);
}

uint32_t guest_tsc_khz(void)
{
	return nestor_present() ? cpuid(NESTOR_CPUID_TIMING, 0).eax : 0;
}

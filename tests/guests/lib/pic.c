/*
 * pic.c - program the 8259 pair as Linux's init_8259A does (8259A data
 * sheet: ICW1 edge-triggered, cascaded, ICW4 needed; ICW2 vector base;
 * ICW3 slave on IR2 / slave ID 2; ICW4 8086 mode), then set the masks.
 * With a local APIC (CPUID.1:EDX bit 9), first the virtual-wire mode a
 * BIOS sets up (MP spec 3.6.2.2; Linux's init_bsp_APIC): software-
 * enabled, LINT0 ExtINT (the PIC's INTR), LINT1 NMI.
 */
#include "guest.h"

#define MSR_APIC_BASE 0x1b
#define APIC_SVR 0xf0
#define APIC_LVT_LINT0 0x350
#define APIC_LVT_LINT1 0x360

static void apic_virtual_wire(void)
{
	if (!((cpuid(1, 0).edx >> 9) & 1))
		return;
	uint32_t base = (uint32_t)rdmsr(MSR_APIC_BASE) & 0xfffff000u;
	volatile uint32_t *apic = (volatile uint32_t *)(uintptr_t)base;
	apic[APIC_SVR / 4] = 0x1ff;          /* enabled, spurious vector 0xff */
	apic[APIC_LVT_LINT0 / 4] = 0x700;    /* ExtINT, unmasked */
	apic[APIC_LVT_LINT1 / 4] = 0x400;    /* NMI */
}

void guest_pic_init(uint8_t vector_base, uint8_t master_mask, uint8_t slave_mask)
{
	apic_virtual_wire();
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

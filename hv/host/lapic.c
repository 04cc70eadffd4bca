/*
 * lapic.c - this CPU's local APIC, xAPIC MMIO (Intel SDM Vol 3A 11.4).
 * The host paging maps the APIC page with the firmware's MTRR type (UC).
 */
#include "hv/host/lapic.h"
#include "hv/host/idt.h"
#include "hv/host/lapic_timer.h"
#include "hv/host/percpu.h"
#include "hv/x86/asm.h"

#define MSR_APIC_BASE 0x1b
#define APIC_BASE_ENABLE (1u << 11)
#define SVR_ENABLE (1u << 8)
/* Wait at most this many polls for the ICR's delivery status (an idle
 * APIC clears it within a few bus cycles, SDM 3A 11.6.1). */
#define ICR_POLLS 1000000

static volatile uint32_t *lapic;

uint32_t lapic_read(uint32_t reg) { return lapic[reg / 4]; }
void lapic_write(uint32_t reg, uint32_t v) { lapic[reg / 4] = v; }
uint8_t lapic_id(void) { return (uint8_t)(lapic_read(LAPIC_ID) >> 24); }
void lapic_eoi(void) { lapic_write(LAPIC_EOI, 0); }

static void kick_irq(struct int_frame *f)
{
	(void)f;
	this_percpu()->kicks++;
	lapic_eoi();
}

static void spurious_irq(struct int_frame *f) { (void)f; } /* no EOI (SDM 3A 11.9) */

void lapic_init(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);
	wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
	lapic = (volatile uint32_t *)(base & 0xfffff000ull);
	idt_set_handler(KICK_VECTOR, kick_irq);
	idt_set_handler(SPURIOUS_VECTOR, spurious_irq);
	lapic_write(LAPIC_SVR, SVR_ENABLE | SPURIOUS_VECTOR);
	lapic_write(LAPIC_TPR, 0);
}

bool lapic_send_ipi(uint8_t apic_id, uint32_t icr_lo)
{
	lapic_write(LAPIC_ICR_HI, (uint32_t)apic_id << 24);
	lapic_write(LAPIC_ICR_LO, icr_lo); /* this write sends it */
	for (unsigned i = 0; i < ICR_POLLS; i++)
		if (!(lapic_read(LAPIC_ICR_LO) & ICR_DELIVERY_PENDING))
			return true;
	return false;
}

uint64_t lapic_kicks_taken(void) { return this_percpu()->kicks; }

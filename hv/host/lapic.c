/*
 * lapic.c - this CPU's local APIC (Intel SDM Vol 3A 11.4): xAPIC MMIO
 * (the host paging maps the APIC page with the firmware's MTRR type, UC),
 * or the x2APIC MSRs when the firmware left x2APIC mode on (11.12: MSR
 * 0x800 + offset / 16, a 32-bit ID, the ICR as one 64-bit MSR without a
 * delivery-status bit).
 */
#include "hv/host/lapic.h"
#include "hv/host/idt.h"
#include "hv/host/lapic_timer.h"
#include "hv/host/percpu.h"
#include "hv/x86/asm.h"

#define MSR_APIC_BASE 0x1b
#define APIC_BASE_ENABLE (1u << 11)
#define APIC_BASE_X2APIC (1u << 10)
#define MSR_X2APIC_BASE 0x800
#define MSR_X2APIC_ICR 0x830
#define SVR_ENABLE (1u << 8)
/* Wait at most this many polls for the ICR's delivery status (an idle
 * APIC clears it within a few bus cycles, SDM 3A 11.6.1). */
#define ICR_POLLS 1000000

static volatile uint32_t *lapic;
static bool x2apic; /* the same mode on every CPU (the firmware's choice) */

uint32_t lapic_read(uint32_t reg) { return x2apic ? (uint32_t)rdmsr(MSR_X2APIC_BASE + reg / 16) : lapic[reg / 4]; }

void lapic_write(uint32_t reg, uint32_t v)
{
	if (x2apic)
		wrmsr(MSR_X2APIC_BASE + reg / 16, v);
	else
		lapic[reg / 4] = v;
}

uint8_t lapic_id(void) { return (uint8_t)(x2apic ? lapic_read(LAPIC_ID) : lapic_read(LAPIC_ID) >> 24); }
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
	if (!(base & APIC_BASE_X2APIC))
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
	x2apic = base & APIC_BASE_X2APIC;
	lapic = (volatile uint32_t *)(base & 0xfffff000ull);
	idt_set_handler(KICK_VECTOR, kick_irq);
	idt_set_handler(SPURIOUS_VECTOR, spurious_irq);
	lapic_write(LAPIC_SVR, SVR_ENABLE | SPURIOUS_VECTOR);
	lapic_write(LAPIC_TPR, 0);
}

bool lapic_send_ipi(uint8_t apic_id, uint32_t icr_lo)
{
	if (x2apic) {
		wrmsr(MSR_X2APIC_ICR, (uint64_t)apic_id << 32 | icr_lo);
		return true;
	}
	lapic_write(LAPIC_ICR_HI, (uint32_t)apic_id << 24);
	lapic_write(LAPIC_ICR_LO, icr_lo); /* this write sends it */
	for (unsigned i = 0; i < ICR_POLLS; i++)
		if (!(lapic_read(LAPIC_ICR_LO) & ICR_DELIVERY_PENDING))
			return true;
	return false;
}

uint64_t lapic_kicks_taken(void) { return this_percpu()->kicks; }

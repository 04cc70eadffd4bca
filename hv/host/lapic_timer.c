/*
 * lapic_timer.c - the host local APIC (Intel SDM Vol 3A 11.5.4) periodic
 * timer, one per CPU. Its interrupt only matters while a guest runs: it
 * forces an exit (SVM INTR intercept) so the scheduler can rotate. The
 * host itself runs with interrupts off.
 */
#include "hv/host/lapic_timer.h"
#include "hv/host/idt.h"
#include "hv/host/lapic.h"
#include "hv/x86/asm.h"

#define LVT_PERIODIC (1u << 17)

volatile uint64_t timer_ticks;

void pic_mask_all(void)
{
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
}

static void timer_irq(struct int_frame *f)
{
	(void)f;
	__atomic_add_fetch(&timer_ticks, 1, __ATOMIC_RELAXED);
	lapic_eoi();
}

void lapic_timer_start(uint32_t count)
{
	lapic_init();
	idt_set_handler(TIMER_VECTOR, timer_irq);
	lapic_write(LAPIC_TIMER_DIV, 0x3); /* divide by 16 */
	lapic_write(LAPIC_LVT_TIMER, LVT_PERIODIC | TIMER_VECTOR);
	lapic_write(LAPIC_TIMER_ICR, count);
}

bool lapic_timer_check(uint64_t tsc_budget)
{
	uint64_t start_ticks = timer_ticks, t0 = rdtsc();
	sti();
	while (timer_ticks == start_ticks && rdtsc() - t0 < tsc_budget)
		cpu_relax();
	cli();
	return timer_ticks != start_ticks;
}

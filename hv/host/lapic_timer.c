/*
 * lapic_timer.c - the host local APIC (xAPIC, Intel SDM Vol 3A 11.4-11.5.4) periodic timer.
 * Its interrupt only matters while a guest runs: it forces an exit (SVM
 * INTR intercept) so the scheduler can rotate. The host itself runs with
 * interrupts off.
 */
#include "hv/host/lapic_timer.h"
#include "hv/host/idt.h"
#include "hv/x86/asm.h"

#define MSR_APIC_BASE 0x1b
#define APIC_BASE_ENABLE (1u << 11)
#define LAPIC_TPR 0x080
#define LAPIC_EOI 0x0b0
#define LAPIC_SVR 0x0f0
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_TIMER_ICR 0x380
#define LAPIC_TIMER_DIV 0x3e0
#define LVT_PERIODIC (1u << 17)
#define SVR_ENABLE (1u << 8)

volatile uint64_t timer_ticks;
static volatile uint32_t *lapic;

static void lapic_write(uint32_t reg, uint32_t v) { lapic[reg / 4] = v; }

void pic_mask_all(void)
{
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
}

static void timer_irq(struct int_frame *f)
{
	(void)f;
	timer_ticks++;
	lapic_write(LAPIC_EOI, 0);
}

static void spurious_irq(struct int_frame *f) { (void)f; }

void lapic_timer_start(uint32_t count)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);
	wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
	lapic = (volatile uint32_t *)(base & 0xfffff000ull);
	idt_set_handler(TIMER_VECTOR, timer_irq);
	idt_set_handler(SPURIOUS_VECTOR, spurious_irq);
	lapic_write(LAPIC_SVR, SVR_ENABLE | SPURIOUS_VECTOR);
	lapic_write(LAPIC_TPR, 0);
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

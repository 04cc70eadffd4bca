/*
 * lapic_timer.c - the host local APIC timer as a one-shot alarm (see
 * lapic_timer.h). Its interrupt only ends a guest's run (SVM INTR
 * intercept) or an idle HLT; the handler counts it, re-arms the guard and
 * acknowledges it. The host itself runs with interrupts off.
 */
#include "hv/host/lapic_timer.h"
#include "hv/host/idt.h"
#include "hv/host/lapic.h"
#include "hv/host/percpu.h"
#include "hv/host/tsc.h"
#include "hv/x86/asm.h"

#define LVT_MASKED (1u << 16)
#define LVT_TSC_DEADLINE (2u << 17) /* timer mode bits 18:17 (SDM 3A figure 11-8) */
#define TIMER_DIV_1 0xb             /* divide configuration 1011b: by 1 (figure 11-10) */
#define MSR_TSC_DEADLINE 0x6e0
#define CPUID1_ECX_TSC_DEADLINE (1u << 24)

volatile uint64_t timer_ticks;

static bool use_tsc_deadline;
static bool calibrated;
/* APIC timer ticks (divide by 1) per TSC tick, 32.32 fixed point. */
static uint64_t apic_per_tsc;
static uint64_t guard;
static uint64_t armed_at[MAX_CPUS]; /* the alarm set on each CPU, or UINT64_MAX */

void pic_mask_all(void)
{
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
}

static void program(unsigned cpu, uint64_t deadline)
{
	armed_at[cpu] = deadline;
	if (use_tsc_deadline) {
		/* 0 disarms (SDM 3A 11.5.4.1). */
		wrmsr(MSR_TSC_DEADLINE, deadline == UINT64_MAX ? 0 : deadline);
		return;
	}
	if (deadline == UINT64_MAX) {
		lapic_write(LAPIC_TIMER_ICR, 0); /* 0 stops a one-shot count */
		return;
	}
	uint64_t now = rdtsc();
	uint64_t delta = deadline > now ? deadline - now : 1;
	unsigned __int128 count = ((unsigned __int128)delta * apic_per_tsc) >> 32;
	if (count < 1)
		count = 1;
	if (count > 0xffffffffu)
		count = 0xffffffffu;
	lapic_write(LAPIC_TIMER_ICR, (uint32_t)count);
}

static void timer_irq(struct int_frame *f)
{
	(void)f;
	unsigned cpu = this_cpu();
	__atomic_add_fetch(&timer_ticks, 1, __ATOMIC_RELAXED);
	armed_at[cpu] = UINT64_MAX;
	if (guard)
		program(cpu, rdtsc() + guard);
	lapic_eoi();
}

/* One-shot count against the TSC for 10 ms (the count starts at the
 * largest value and must not reach 0 within it at any real APIC rate). */
static void calibrate(void)
{
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | TIMER_VECTOR);
	lapic_write(LAPIC_TIMER_DIV, TIMER_DIV_1);
	uint64_t span = tsc_hz() / 100;
	uint64_t t0 = rdtsc();
	lapic_write(LAPIC_TIMER_ICR, 0xffffffffu);
	while (rdtsc() - t0 < span)
		cpu_relax();
	uint32_t left = lapic_read(LAPIC_TIMER_CCR);
	uint64_t t1 = rdtsc();
	lapic_write(LAPIC_TIMER_ICR, 0);
	uint64_t counted = 0xffffffffull - left;
	apic_per_tsc = (counted << 32) / (t1 - t0); /* counted < 2^32 */
	if (!apic_per_tsc)
		apic_per_tsc = 1;
}

void lapic_timer_init(uint64_t guard_ticks)
{
	unsigned cpu = this_cpu();
	idt_set_handler(TIMER_VECTOR, timer_irq);
	if (!calibrated) {
		use_tsc_deadline = cpuid(1, 0).ecx & CPUID1_ECX_TSC_DEADLINE;
		if (!use_tsc_deadline)
			calibrate();
		guard = guard_ticks;
		calibrated = true;
	}
	lapic_write(LAPIC_TIMER_DIV, TIMER_DIV_1);
	lapic_write(LAPIC_LVT_TIMER, (use_tsc_deadline ? LVT_TSC_DEADLINE : 0) | TIMER_VECTOR);
	/* The LVT write must reach the APIC before the first IA32_TSC_DEADLINE
	 * write (SDM 3A 11.5.4.1: an MFENCE between them in xAPIC mode). */
	__asm__ volatile("mfence" ::: "memory");
	program(cpu, UINT64_MAX);
}

void lapic_timer_set(uint64_t deadline_tsc)
{
	unsigned cpu = this_cpu();
	if (armed_at[cpu] != deadline_tsc)
		program(cpu, deadline_tsc);
}

bool lapic_timer_tsc_deadline(void) { return use_tsc_deadline; }
uint64_t lapic_timer_hz(void) { return (uint64_t)(((unsigned __int128)tsc_hz() * apic_per_tsc) >> 32); }

bool lapic_timer_check(uint64_t tsc_budget)
{
	uint64_t start_ticks = timer_ticks, t0 = rdtsc();
	lapic_timer_set(t0 + tsc_hz() / 1000);
	sti();
	while (timer_ticks == start_ticks && rdtsc() - t0 < tsc_budget)
		cpu_relax();
	cli();
	lapic_timer_set(UINT64_MAX);
	return timer_ticks != start_ticks;
}

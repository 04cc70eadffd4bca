/*
 * pitpic - the 8254 PIT and the 8259 PIC as an OS uses them: counter
 * reads in modes 0, 2 and 3 agree with the TSC (latch and read-back),
 * channel 2 through port 0x61 calibrates the TSC as Linux does, and IRQ0
 * of a 1 kHz rate generator reaches the guest's handler through the PIC
 * with the ISR bit set, held by the mask (IRR latched) and by a missing
 * EOI, and delivered again once unmasked / EOIed. The numeric TSC
 * comparisons use Nestor's TSC rate (CPUID 0x40000010).
 */
#include "lib/guest.h"

const char guest_name[] = "pitpic";

#define PIT_HZ 1193182u
#define PIC1 0x20
#define PIC2 0xa0
#define VEC_BASE 0x20
#define VEC_IRQ0 VEC_BASE

static uint32_t tsc_khz;
static volatile uint32_t irq0_count, irq0_isr_seen;
static volatile bool irq0_no_eoi;

__attribute__((used)) static void irq0_body(void)
{
	outb(PIC1, 0x0b); /* OCW3: read ISR */
	if (inb(PIC1) & 1)
		irq0_isr_seen++;
	outb(PIC1, 0x0a);
	irq0_count++;
	if (!irq0_no_eoi)
		outb(PIC1, 0x20); /* non-specific EOI */
}
GUEST_INTR_STUB(irq0_stub, irq0_body);

/* COM1's transmitter-empty interrupt: note IIR, turn ETBEI off (the
 * 8250 driver's stop_tx), EOI. */
static volatile uint32_t irq4_count;
static volatile uint8_t irq4_iir;
__attribute__((used)) static void irq4_body(void)
{
	irq4_iir = inb(GUEST_COM1_PORT + 2);
	outb(GUEST_COM1_PORT + 1, 0x00);
	irq4_count++;
	outb(PIC1, 0x20);
}
GUEST_INTR_STUB(irq4_stub, irq4_body);

/* A latched channel 0 count with the TSC just before and after. */
struct sample {
	uint16_t count;
	uint64_t before, after;
};

static struct sample latch0(void)
{
	struct sample s;
	s.before = rdtsc();
	outb(0x43, 0x00);
	uint8_t lo = inb(0x40);
	s.count = (uint16_t)(lo | inb(0x40) << 8);
	s.after = rdtsc();
	return s;
}

static uint64_t tsc_to_pit(uint64_t tsc) { return tsc * (PIT_HZ / 1000) / tsc_khz; }

static void spin_tsc(uint64_t ticks)
{
	uint64_t t0 = rdtsc();
	while (rdtsc() - t0 < ticks)
		(void)inb(0x61); /* an exit each time: the PIT looks at its IRQ */
}

static void check_counting(void)
{
	/* Mode 2 with count 0 (65536): counts every PIT clock. */
	outb(0x43, 0x34);
	outb(0x40, 0);
	outb(0x40, 0);
	struct sample a = latch0();
	spin_tsc((uint64_t)tsc_khz * 20); /* 20 ms */
	struct sample b = latch0();
	uint32_t pit = (uint16_t)(a.count - b.count);
	uint64_t lo = tsc_to_pit(b.before - a.after), hi = tsc_to_pit(b.after - a.before);
	guest_check(pit + 2 >= lo && pit <= hi + 2,
		    "PIT mode 2 latched counts: %u clocks while the TSC says %u-%u", pit, (unsigned)lo, (unsigned)hi);

	/* Mode 0: OUT (read-back status bit 7) rises after N clocks. */
	outb(0x43, 0x30);
	outb(0x40, 0xe8);
	/* The TSC before the MSB write: the count starts during that exit,
	 * and a vCPU descheduled right after it must not shorten the span. */
	uint64_t t0 = rdtsc();
	outb(0x40, 0x03); /* 1000 */
	outb(0x43, 0xe2); /* read-back: status of channel 0 */
	uint8_t st = inb(0x40);
	bool low_first = !(st & 0x80) && (st & 0x3f) == 0x30;
	uint8_t out;
	uint64_t t1;
	do {
		outb(0x43, 0xe2);
		out = inb(0x40);
		t1 = rdtsc();
	} while (!(out & 0x80) && t1 - t0 < (uint64_t)tsc_khz * 100);
	uint64_t clocks = tsc_to_pit(t1 - t0);
	guest_check(low_first && (out & 0x80) && clocks >= 999,
		    "PIT mode 0: OUT low after the count (status 0x%x), high after %u clocks (>= 1000)", st,
		    (unsigned)clocks);

	/* Mode 3: the counter steps by two and stays within N. */
	outb(0x43, 0x36);
	outb(0x40, 0x64);
	outb(0x40, 0x00); /* 100 */
	bool even = true, in_range = true;
	for (int i = 0; i < 50; i++) {
		uint16_t c = latch0().count;
		even &= !(c & 1);
		in_range &= c >= 2 && c <= 100;
	}
	guest_check(even && in_range, "PIT mode 3 (N=100): latched counts even, within 2-100");
}

/* Linux's pit_calibrate_tsc: channel 2, mode 0, gate on through port
 * 0x61, spin until OUT2 (port 0x61 bit 5) rises. */
static void check_port61(void)
{
	outb(0x61, (uint8_t)((inb(0x61) & ~0x02) | 0x01));
	outb(0x43, 0xb0);
	const uint32_t ms = 10, count = PIT_HZ * ms / 1000;
	outb(0x42, (uint8_t)count);
	/* OUT2 rose after the last poll that saw it low was sampled (after
	 * the TSC read before that poll) and before the TSC read after the
	 * poll that saw it high; the count began between the two TSC reads
	 * around the MSB write. (The bracket stays true when the vCPU is
	 * descheduled anywhere in the loop: a loaded host only widens it.) */
	uint64_t t0a = rdtsc();
	outb(0x42, (uint8_t)(count >> 8));
	uint64_t t0b = rdtsc(), before = t0b, after = t0b, prev_before = t0b;
	bool low = !(inb(0x61) & 0x20);
	unsigned long spins = 0;
	for (;;) {
		prev_before = before;
		before = rdtsc();
		bool high = inb(0x61) & 0x20;
		after = rdtsc();
		if (high || ++spins > 10000000ul)
			break;
	}
	uint64_t want = (uint64_t)tsc_khz * ms, lo = prev_before - t0b, hi = after - t0a;
	guest_check(low && lo <= want + want / 100 && hi + want / 100 >= want,
		    "port 0x61 calibration: TSC %u-%u kHz from OUT2, CPUID 0x40000010 says %u kHz",
		    (unsigned)(lo / ms), (unsigned)(hi / ms), tsc_khz);

	/* Gate off: channel 2 holds its count. */
	outb(0x43, 0xb0);
	outb(0x42, 0xff);
	outb(0x42, 0xff);
	outb(0x61, (uint8_t)(inb(0x61) & ~0x01));
	outb(0x43, 0x80);
	uint16_t c1 = (uint16_t)(inb(0x42) | inb(0x42) << 8);
	spin_tsc((uint64_t)tsc_khz * 2);
	outb(0x43, 0x80);
	uint16_t c2 = (uint16_t)(inb(0x42) | inb(0x42) << 8);
	guest_check(c1 == c2, "port 0x61 gate off: channel 2 holds 0x%x (then 0x%x)", c1, c2);
}

/* IF=1 until count passes want or ms elapse (the guest's own loop makes
 * exits; the interrupt comes between them). */
static uint32_t wait_irqs(uint32_t want, uint32_t ms)
{
	uint64_t t0 = rdtsc();
	__asm__ volatile("sti");
	while (irq0_count < want && rdtsc() - t0 < (uint64_t)tsc_khz * ms)
		(void)inb(0x61);
	__asm__ volatile("cli");
	return irq0_count;
}

static void check_pic(void)
{
	outb(PIC2 + 1, 0xff);
	outb(PIC1 + 1, 0xfb);
	guest_check(inb(PIC1 + 1) == 0xfb, "8259 probe: IMR 0xfb reads back");
	outb(0x4d0, 0xff);
	outb(0x4d1, 0xff);
	guest_check(inb(0x4d0) == 0xf8 && inb(0x4d1) == 0xde, "ELCR writable bits 0xf8/0xde");
	outb(0x4d0, 0);
	outb(0x4d1, 0);

	guest_set_intr_gate(VEC_IRQ0, irq0_stub);
	guest_pic_init(VEC_BASE, 0xfe, 0xff);
	outb(0x43, 0x34);
	outb(0x40, (uint8_t)(PIT_HZ / 1000));
	outb(0x40, (uint8_t)((PIT_HZ / 1000) >> 8));
	uint64_t t0 = rdtsc();
	uint32_t n = wait_irqs(10, 2000);
	uint32_t ms = (uint32_t)((rdtsc() - t0) / tsc_khz);
	guest_check(n >= 10 && n <= ms + 2, "IRQ0 from the PIT (1 kHz) through the PIC: %u interrupts in %u ms", n, ms);
	guest_check(irq0_isr_seen == n, "ISR bit 0 set in every IRQ0 handler (%u of %u)", irq0_isr_seen, n);
	outb(PIC1, 0x0b);
	guest_check(inb(PIC1) == 0, "ISR clear after the handlers' EOIs");
	outb(PIC1, 0x0a);

	outb(PIC1 + 1, 0xff);
	uint32_t before = irq0_count;
	__asm__ volatile("sti");
	spin_tsc((uint64_t)tsc_khz * 5);
	__asm__ volatile("cli");
	guest_check(irq0_count == before && (inb(PIC1) & 1), "masked IRQ0: no interrupt, IRR bit 0 set");
	outb(PIC1 + 1, 0xfe);
	n = wait_irqs(before + 1, 100);
	guest_check(n > before, "unmasked: IRQ0 delivered again");

	irq0_no_eoi = true;
	before = irq0_count;
	n = wait_irqs(before + 1, 100);
	spin_tsc((uint64_t)tsc_khz * 1);
	uint32_t held = wait_irqs(before + 5, 5);
	guest_check(n == before + 1 && held == n, "without EOI: one IRQ0, then none while it is in service (%u, %u)",
		    n - before, held - before);
	irq0_no_eoi = false;
	outb(PIC1, 0x60); /* specific EOI, level 0 */
	n = wait_irqs(held + 1, 100);
	guest_check(n > held, "after a specific EOI: IRQ0 delivered again");
	outb(PIC1 + 1, 0xff);
}

static void check_uart_irq(void)
{
	const uint16_t com = GUEST_COM1_PORT;
	guest_console_drain();
	guest_set_intr_gate(VEC_BASE + GUEST_COM1_IRQ, irq4_stub);
	outb(PIC1 + 1, (uint8_t)~(1u << GUEST_COM1_IRQ));
	uint8_t mcr = inb(com + 4);
	outb(com + 4, mcr | 0x08); /* OUT2: the PC wires the interrupt through it */
	outb(com + 1, 0x02);       /* ETBEI with the THR empty: an interrupt */
	uint64_t t0 = rdtsc();
	__asm__ volatile("sti");
	while (!irq4_count && rdtsc() - t0 < (uint64_t)tsc_khz * 50)
		(void)inb(0x61);
	__asm__ volatile("cli");
	uint8_t after = inb(com + 2);
	uint32_t first = irq4_count;

	outb(com + 4, mcr & ~0x08); /* OUT2 off: the line stays low */
	outb(com + 1, 0x02);
	__asm__ volatile("sti");
	spin_tsc((uint64_t)tsc_khz * 2);
	__asm__ volatile("cli");
	uint32_t gated = irq4_count;
	uint8_t iir = inb(com + 2);
	uint8_t iir2 = inb(com + 2);
	outb(com + 1, 0x00);
	outb(com + 4, mcr);
	outb(PIC1 + 1, 0xff);
	guest_check(first == 1 && (irq4_iir & 0x0f) == 0x02 && (after & 0x0f) == 0x01,
		    "UART IRQ4: transmitter empty (IIR 0x%02x) delivered once, then IIR 0x%02x", irq4_iir, after);
	guest_check(gated == first && (iir & 0x0f) == 0x02 && (iir2 & 0x0f) == 0x01,
		    "UART with OUT2 clear: no IRQ4; IIR 0x%02x pending, cleared by reading it (0x%02x)", iir, iir2);
}

int guest_main(const struct mb_info *mbi)
{
	(void)mbi;
	tsc_khz = guest_tsc_khz();
	if (!tsc_khz) {
		guest_skip("pitpic (no Nestor: no known TSC rate)");
		return 0;
	}
	check_counting();
	check_port61();
	check_pic();
	check_uart_irq();
	guest_say("%d checks failed", guest_failures());
	return 0;
}

/*
 * pit_ioapic - the PIT's IRQ0 to the local APIC end to end, the two ways
 * Linux's check_timer() tries (arch/x86/kernel/apic/io_apic.c):
 *
 *  1. through the I/O APIC: the pin is the GSI of the MADT's interrupt
 *     source override for ISA IRQ0 (2 on a PC), the 8259's IRQ0 masked;
 *     redirection entry: vector V_IOAPIC, fixed, physical destination the
 *     BSP's APIC ID, edge, active high (82093AA 3.2.4);
 *  2. through the 8259 in virtual-wire mode: the IOAPIC pin masked, the
 *     8259 (vector base 0x20) with IRQ0 unmasked, LVT LINT0 ExtINT
 *     (MP spec 3.6.2.2, SDM 3A 11.5.1).
 *
 * PIT channel 0 in mode 2 (rate generator) with count 1193: 1000.15 Hz.
 * Each way counts its handler's runs over a window of the TSC (CPUID
 * 0x40000010's rate) with the vCPU halted in between: at most the PIT's
 * periods in the window + 2 (none doubled; one edge may be pending from
 * before the window), at least min= percent of them (default 70: the PIT
 * coalesces periods the host was late for, and QEMU's TSC follows a
 * loaded host's wall clock). In the IOAPIC way the
 * handler also sees the vector in service in the local APIC's ISR and
 * EOIs there; in the 8259 way ExtINT bypasses the local APIC (no ISR
 * bit, no LAPIC EOI) and the handler EOIs the 8259.
 */
#include "lib/guest.h"

const char guest_name[] = "pit_ioapic";

#define V_IOAPIC 0x32
#define V_PIC_BASE 0x20
#define PIT_COUNT 1193u
#define PIT_HZ 1193182ull
#define WINDOW_MS 200u

#define R_ID 0x20
#define R_EOI 0xb0
#define R_SVR 0xf0
#define R_ISR 0x100
#define R_LVT_LINT0 0x350

static volatile uint32_t *const apic = (volatile uint32_t *)0xfee00000u;
static uint32_t ioapic_base;

static void io_wr(uint8_t index, uint32_t v)
{
	*(volatile uint32_t *)(uintptr_t)ioapic_base = index;
	*(volatile uint32_t *)(uintptr_t)(ioapic_base + 0x10) = v;
}
static uint32_t io_rd(uint8_t index)
{
	*(volatile uint32_t *)(uintptr_t)ioapic_base = index;
	return *(volatile uint32_t *)(uintptr_t)(ioapic_base + 0x10);
}

/* Per way: handler runs, and whether the local APIC's ISR had the
 * vector in service at the time. */
static volatile uint32_t io_hits, io_isr_seen, pic_hits, pic_isr_seen;

__attribute__((used)) static void on_ioapic(void)
{
	io_hits++;
	if ((apic[(R_ISR + (V_IOAPIC / 32) * 0x10) / 4] >> (V_IOAPIC % 32)) & 1)
		io_isr_seen++;
	apic[R_EOI / 4] = 0;
}
__attribute__((used)) static void on_pic(void)
{
	pic_hits++;
	if ((apic[(R_ISR + (V_PIC_BASE / 32) * 0x10) / 4] >> (V_PIC_BASE % 32)) & 1)
		pic_isr_seen++;
	outb(0x20, 0x20); /* non-specific EOI to the 8259 */
}
GUEST_INTR_STUB(pic_stub, on_pic);
GUEST_INTR_STUB(ioapic_stub, on_ioapic);


static void pit_start(void)
{
	outb(0x43, 0x34); /* channel 0, lo/hi, mode 2, binary */
	outb(0x40, (uint8_t)PIT_COUNT);
	outb(0x40, (uint8_t)(PIT_COUNT >> 8));
}
static void pit_stop(void)
{
	outb(0x43, 0x30); /* mode 0 with no count written: OUT stays low */
}

static void reset(void) { io_hits = io_isr_seen = pic_hits = pic_isr_seen = 0; }

/* Wait through a window of ms_tsc TSC ticks, halted (woken by the
 * interrupts counted) or, where none may come, spinning with IF=1. */
static void window(uint64_t len, uint64_t *ticks, bool halt)
{
	reset();
	uint64_t t0 = rdtsc(), t;
	while ((t = rdtsc()) - t0 < len)
		if (halt)
			__asm__ volatile("sti; hlt; cli" ::: "memory");
		else
			__asm__ volatile("sti; pause; pause; cli" ::: "memory");
	*ticks = t - t0;
}

/* Take what was accepted before a mask took effect (an edge between the
 * last look and the mask write is a legal pending interrupt). */
static void drain(void)
{
	for (int i = 0; i < 16; i++)
		__asm__ volatile("sti; nop; nop; cli" ::: "memory");
}

static void check_rate(const char *way, uint32_t n, uint64_t ticks, uint64_t tsc_khz, uint32_t min_pct)
{
	/* PIT periods in the window: ticks / tsc_hz * PIT_HZ / count. */
	uint64_t periods = ticks * PIT_HZ / (tsc_khz * 1000) / PIT_COUNT;
	/* At most two more: one edge latched before the window (while IF
	 * was 0, or while ICW1 had cleared the 8259's mask) and the part
	 * period at its end. */
	guest_check(n <= periods + 2 && n * 100ull >= periods * min_pct,
		    "%s: %u IRQ0s in %u ms, the PIT's periods %u (at least %u%%, at most 2 more)", way, n,
		    (unsigned)(ticks / tsc_khz), (unsigned)periods, min_pct);
}

int guest_main(const struct mb_info *mbi)
{
	(void)mbi;
	if (!nestor_present()) {
		guest_skip("needs Nestor's TSC rate (CPUID 0x40000010)");
		return 0;
	}
	uint64_t tsc_khz = guest_tsc_khz();
	uint32_t min_pct = 70;
	cmdline_get_u32("min", &min_pct);
	int gsi = guest_madt_isa_gsi(0, &ioapic_base);
	if (!guest_check(gsi >= 0 && gsi < 24 && ioapic_base, "MADT: ISA IRQ0 on GSI %d, IOAPIC at 0x%x", gsi,
			 ioapic_base))
		return 0;
	guest_check(gsi == 2, "the MADT overrides IRQ0 to GSI 2 (got %d)", gsi);
	guest_idt_init();
	guest_set_intr_gate(V_IOAPIC, ioapic_stub);
	guest_set_intr_gate(V_PIC_BASE, pic_stub);
	uint32_t bsp = apic[R_ID / 4] >> 24;

	/* 1. IOAPIC: the 8259 initialised but all masked, LINT0 masked. */
	guest_pic_init(V_PIC_BASE, 0xff, 0xff);
	apic[R_LVT_LINT0 / 4] = 0x10700; /* ExtINT, masked */
	uint8_t pin = (uint8_t)gsi;
	io_wr((uint8_t)(0x11 + 2 * pin), bsp << 24);
	io_wr((uint8_t)(0x10 + 2 * pin), V_IOAPIC); /* fixed, physical, edge, high, unmasked */
	guest_check(io_rd((uint8_t)(0x10 + 2 * pin)) == V_IOAPIC, "IOAPIC pin %u: vector 0x%x, fixed, edge, unmasked",
		    pin, io_rd((uint8_t)(0x10 + 2 * pin)) & 0x1ffff);
	pit_start();
	uint64_t ticks, win = tsc_khz * WINDOW_MS;
	window(win, &ticks, true);
	check_rate("IOAPIC pin 2 -> local APIC", io_hits, ticks, tsc_khz, min_pct);
	guest_check(io_hits > 0 && io_isr_seen == io_hits && pic_hits == 0,
		    "IOAPIC: the vector in the local APIC's ISR in each handler (%u of %u), none through the 8259 (%u)",
		    io_isr_seen, io_hits, pic_hits);
	/* Masked at the IOAPIC: none. */
	io_wr((uint8_t)(0x10 + 2 * pin), (1u << 16) | V_IOAPIC);
	drain();
	window(win / 4, &ticks, false);
	guest_check(io_hits == 0 && pic_hits == 0, "IOAPIC pin %u masked: no IRQ0 (%u, %u through the 8259)", pin,
		    io_hits, pic_hits);

	/* 2. Virtual wire: 8259 IRQ0 unmasked, LINT0 ExtINT. */
	guest_pic_init(V_PIC_BASE, 0xfe, 0xff);
	guest_check(apic[R_LVT_LINT0 / 4] == 0x700, "LVT LINT0 ExtINT, unmasked (0x%x)", apic[R_LVT_LINT0 / 4]);
	window(win, &ticks, true);
	check_rate("8259 -> LINT0 ExtINT (virtual wire)", pic_hits, ticks, tsc_khz, min_pct);
	guest_check(pic_hits > 0 && pic_isr_seen == 0 && io_hits == 0,
		    "ExtINT: no local APIC ISR bit in the handlers (%u of %u), nothing from the masked IOAPIC pin (%u)",
		    pic_isr_seen, pic_hits, io_hits);
	/* LINT0 masked: the 8259's INTR goes nowhere. */
	apic[R_LVT_LINT0 / 4] = 0x10700;
	drain();
	window(win / 4, &ticks, false);
	guest_check(pic_hits == 0 && io_hits == 0, "LINT0 masked: no IRQ0 through the 8259 (%u)", pic_hits);
	pit_stop();
	outb(0x21, 0xff);
	guest_say("%d checks failed", guest_failures());
	return 0;
}

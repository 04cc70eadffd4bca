/*
 * ioapic - the VM's I/O APIC seen through its MMIO page (82093AA /
 * ICH programming model, hv/dev/ioapic.h): the MADT's IOAPIC entry is at
 * GUEST_IOAPIC_GPA, ID / VERSION / ARB read back, ID's writable bits and
 * the arbitration ID that follows it, every redirection entry's writable
 * and read-only bits, unknown indexes, accesses that are not aligned
 * dwords, and a level-triggered pin driven by COM1's transmitter-empty
 * interrupt (IRQ4, gated by OUT2): remote IRR set when the entry is
 * unmasked while the pin is asserted, kept until an EOI (register 0x40)
 * for its vector, set again by an EOI while the pin is still asserted,
 * polarity, edge entries never setting it. No local APIC takes the
 * messages yet (IF stays 0 throughout), so this checks the IOAPIC alone.
 * Exact values are Nestor's; on bare QEMU (its own IOAPIC) only the
 * structure is checked.
 */
#include "lib/guest.h"

const char guest_name[] = "ioapic";

#define REGSEL 0x00
#define IOWIN 0x10
#define EOIR 0x40

#define LEVEL (1u << 15)
#define LOW (1u << 13)
#define MASK (1u << 16)
#define RIRR (1u << 14)
#define DELIVS (1u << 12)

#define UART_IER 1
#define UART_IIR 2
#define UART_MCR 4
#define IER_ETBEI 0x02
#define MCR_OUT2 0x08

static uint32_t base = GUEST_IOAPIC_GPA;

static volatile uint32_t *reg32(uint32_t off) { return (volatile uint32_t *)(uintptr_t)(base + off); }
static uint32_t rd(uint8_t index)
{
	*reg32(REGSEL) = index;
	return *reg32(IOWIN);
}
static void wr(uint8_t index, uint32_t v)
{
	*reg32(REGSEL) = index;
	*reg32(IOWIN) = v;
}
static uint32_t lo(unsigned pin) { return rd((uint8_t)(0x10 + 2 * pin)); }
static void set_lo(unsigned pin, uint32_t v) { wr((uint8_t)(0x10 + 2 * pin), v); }

static const uint8_t *phys(uint32_t a) { return (const uint8_t *)(uintptr_t)a; }
static uint32_t r32(uint32_t a) { const uint8_t *p = phys(a); return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }

/* The MADT's IOAPIC address (through the RSDP and RSDT), 0 if none. */
static uint32_t madt_ioapic(unsigned *count)
{
	*count = 0;
	uint32_t rsdp = 0;
	for (uint32_t a = 0xe0000; a < 0x100000 && !rsdp; a += 16)
		if (!memcmp(phys(a), "RSD PTR ", 8))
			rsdp = a;
	if (!rsdp)
		return 0;
	uint32_t rsdt = r32(rsdp + 16), madt = 0;
	for (uint32_t i = 0, n = (r32(rsdt + 4) - 36) / 4; i < n; i++)
		if (!memcmp(phys(r32(rsdt + 36 + 4 * i)), "APIC", 4))
			madt = r32(rsdt + 36 + 4 * i);
	if (!madt)
		return 0;
	uint32_t addr = 0;
	for (uint32_t e = madt + 44, end = madt + r32(madt + 4); e < end && phys(e)[1]; e += phys(e)[1]) {
		if (phys(e)[0] == 1) {
			(*count)++;
			addr = r32(e + 4);
		}
	}
	return addr;
}

static void check_registers(bool nestor)
{
	uint32_t id = rd(0x00), ver = rd(0x01), arb = rd(0x02);
	unsigned pins = ((ver >> 16) & 0xff) + 1;
	guest_check_nestor(nestor, id == (uint32_t)GUEST_IOAPIC_ID << 24, "ID register 0x%08x (ID %u)", id, id >> 24);
	guest_check_nestor(nestor, ver == 0x00170020, "VERSION 0x%08x: version 0x%02x, %u pins", ver, ver & 0xff, pins);
	guest_check(pins >= 24, "at least 24 redirection entries (%u)", pins);
	guest_check_nestor(nestor, arb == id, "ARB 0x%08x equals the ID", arb);
	wr(0x00, 0xffffffff);
	uint32_t id_all = rd(0x00), arb_all = rd(0x02);
	wr(0x00, 0x05000000);
	uint32_t id5 = rd(0x00), arb5 = rd(0x02);
	wr(0x00, id);
	guest_check_nestor(nestor, id_all == 0x0f000000 && arb_all == 0x0f000000 && id5 == 0x05000000 &&
					   arb5 == 0x05000000,
			   "ID bits 27:24 writable (0x%08x, 0x%08x), ARB follows (0x%08x, 0x%08x)", id_all, id5, arb_all,
			   arb5);
	wr(0x01, 0);
	guest_check(rd(0x01) == ver && rd(0x00) == id, "VERSION read-only, ID restored (0x%08x)", rd(0x00));
	*reg32(REGSEL) = 0x12345601;
	uint32_t sel = *reg32(REGSEL);
	guest_check_nestor(nestor, sel == 0x01, "IOREGSEL keeps bits 7:0 (0x%x)", sel);
}

static void check_entries(bool nestor)
{
	bool reset_masked = true, ones_ok = true, pattern_ok = true;
	uint32_t ones_lo = 0, ones_hi = 0;
	for (unsigned pin = 0; pin < 24; pin++)
		reset_masked &= (lo(pin) & MASK) != 0;
	guest_check(reset_masked, "every entry masked at reset");
	for (unsigned pin = 0; pin < 24; pin++) {
		wr((uint8_t)(0x11 + 2 * pin), 0xffffffff);
		set_lo(pin, 0xffffffff);
	}
	for (unsigned pin = 0; pin < 24; pin++) {
		uint32_t l = lo(pin), h = rd((uint8_t)(0x11 + 2 * pin));
		if (pin == 0)
			ones_lo = l, ones_hi = h;
		ones_ok &= l == 0x0001afff && h == 0xff000000;
	}
	/* A level entry masked: remote IRR and delivery status stay 0 even
	 * with all ones written; reserved bits 55:17 read 0. */
	guest_check_nestor(nestor, ones_ok, "all ones written: every entry reads 0x%08x_%08x (RO and reserved bits 0)",
			   ones_hi, ones_lo);
	guest_check((ones_lo & (RIRR | DELIVS)) == 0, "remote IRR and delivery status not writable (0x%08x)", ones_lo);
	for (unsigned pin = 0; pin < 24; pin++) {
		wr((uint8_t)(0x11 + 2 * pin), (pin * 9u) << 24);
		set_lo(pin, MASK | LOW | (0x30 + pin) | (pin & 1 ? 0x800 : 0) | ((pin % 3) << 8));
	}
	for (unsigned pin = 0; pin < 24; pin++) {
		uint32_t want = MASK | LOW | (0x30 + pin) | (pin & 1 ? 0x800 : 0) | ((pin % 3) << 8);
		pattern_ok &= lo(pin) == want && rd((uint8_t)(0x11 + 2 * pin)) == (pin * 9u) << 24;
	}
	guest_check(pattern_ok, "24 distinct entries read back (vector, delivery, dest mode, polarity, mask, dest)");
	for (unsigned pin = 0; pin < 24; pin++) {
		wr((uint8_t)(0x11 + 2 * pin), 0);
		set_lo(pin, MASK);
	}
}

static void check_bad_accesses(bool nestor)
{
	uint32_t bad = 0;
	for (unsigned i = 0x03; i < 0x10; i++)
		bad |= rd((uint8_t)i);
	for (unsigned i = 0x40; i < 0x100; i++)
		bad |= rd((uint8_t)i);
	guest_check_nestor(nestor, bad == 0, "indexes 0x03-0x0f and 0x40-0xff read 0 (OR 0x%x)", bad);
	uint32_t id = rd(0x00), ver = rd(0x01), e0 = lo(0);
	wr(0x03, 0xffffffff);
	wr(0x50, 0xffffffff);
	wr(0xff, 0xffffffff);
	guest_check(rd(0x00) == id && rd(0x01) == ver && lo(0) == e0 && rd(0x03) == 0 && rd(0x50) == 0,
		    "writes to unknown indexes change nothing");
	if (!nestor) {
		guest_skip("accesses other than aligned dwords (QEMU's IOAPIC decodes them differently)");
		return;
	}
	*reg32(REGSEL) = 0x01;
	uint8_t b = *(volatile uint8_t *)(uintptr_t)(base + IOWIN);
	uint16_t w = *(volatile uint16_t *)(uintptr_t)(base + IOWIN);
	uint32_t unaligned = *(volatile uint32_t *)(uintptr_t)(base + IOWIN + 4);
	uint32_t other = *reg32(0x20) | *reg32(0x80) | *reg32(0xffc) | *reg32(EOIR);
	*(volatile uint8_t *)(uintptr_t)(base + REGSEL) = 0x00;
	*(volatile uint16_t *)(uintptr_t)(base + REGSEL) = 0x0000;
	uint32_t sel = *reg32(REGSEL);
	*(volatile uint16_t *)(uintptr_t)(base + IOWIN) = 0xffff;
	guest_check(b == 0 && w == 0 && unaligned == 0 && other == 0 && sel == 0x01 && rd(0x01) == 0x00170020,
		    "byte/word/unaligned accesses and other offsets read 0, writes ignored (IOREGSEL still 0x%x)", sel);
}

/* COM1's transmitter-empty interrupt as a level source on IRQ4 / pin 4. */
static void irq4(bool high)
{
	const uint16_t com = GUEST_COM1_PORT;
	if (high) {
		outb(com + UART_IER, 0);
		outb(com + UART_IER, IER_ETBEI); /* ETBEI 0 -> 1 with THR empty: pending */
	} else {
		(void)inb(com + UART_IIR);       /* reading IIR clears it */
		outb(com + UART_IER, 0);
	}
}

static void check_level_pin(bool nestor)
{
	if (!nestor) {
		guest_skip("remote IRR on pin 4 (a bare machine's local APIC takes the interrupt)");
		return;
	}
	const uint16_t com = GUEST_COM1_PORT;
	const unsigned pin = GUEST_COM1_IRQ;
	const uint32_t vec = 0x44;
	uint8_t mcr = inb(com + UART_MCR);
	/* Nothing is printed in between: a THR write would change the pin. */
	outb(com + UART_MCR, mcr | MCR_OUT2);
	set_lo(pin, MASK | LEVEL | vec);
	irq4(true);
	uint32_t masked = lo(pin);
	set_lo(pin, LEVEL | vec); /* unmask while asserted: sent */
	uint32_t unmasked = lo(pin);
	*reg32(EOIR) = vec + 1; /* another vector: nothing */
	uint32_t other_eoi = lo(pin);
	irq4(false);
	uint32_t low_still_set = lo(pin);
	*reg32(EOIR) = vec;
	uint32_t after_eoi = lo(pin);
	irq4(true); /* asserted again: sent */
	uint32_t reasserted = lo(pin);
	*reg32(EOIR) = 0xffffff00 | vec; /* still asserted: sent again */
	uint32_t resent = lo(pin);
	set_lo(pin, MASK | vec); /* edge clears remote IRR */
	uint32_t to_edge = lo(pin);
	irq4(false);
	set_lo(pin, vec); /* edge, unmasked */
	irq4(true);
	uint32_t edge = lo(pin);
	irq4(false);
	set_lo(pin, LEVEL | LOW | vec); /* active low, pin low: asserted */
	uint32_t active_low = lo(pin);
	set_lo(pin, MASK);
	*reg32(EOIR) = vec;
	uint32_t cleaned = lo(pin);
	outb(com + UART_MCR, mcr);

	guest_check(masked == (MASK | LEVEL | vec), "pin 4 asserted, entry masked: remote IRR clear (0x%08x)", masked);
	guest_check(unmasked == (LEVEL | RIRR | vec), "unmasked while asserted: sent, remote IRR set (0x%08x)", unmasked);
	guest_check(other_eoi == (LEVEL | RIRR | vec), "EOI for vector 0x45 leaves it (0x%08x)", other_eoi);
	guest_check(low_still_set == (LEVEL | RIRR | vec), "pin deasserted: remote IRR kept until EOI (0x%08x)",
		    low_still_set);
	guest_check(after_eoi == (LEVEL | vec), "EOI register (0x40) for 0x44: remote IRR clear (0x%08x)", after_eoi);
	guest_check(reasserted == (LEVEL | RIRR | vec), "pin asserted again: sent (0x%08x)", reasserted);
	guest_check(resent == (LEVEL | RIRR | vec), "EOI while asserted: sent again, remote IRR set (0x%08x)", resent);
	guest_check(to_edge == (MASK | vec), "switched to edge: remote IRR cleared (0x%08x)", to_edge);
	guest_check(edge == vec, "edge entry on a rising edge: remote IRR stays clear (0x%08x)", edge);
	guest_check(active_low == (LEVEL | LOW | RIRR | vec), "active-low level entry on a low pin: sent (0x%08x)",
		    active_low);
	guest_check(cleaned == MASK, "masked and EOIed at the end (0x%08x)", cleaned);
}

/* End to end: pin 4 -> IOAPIC -> local APIC -> the guest's handler, and
 * the local APIC's EOI of the level-triggered vector back to the IOAPIC
 * (SDM 3A 11.8.5): remote IRR set while the handler runs, cleared by the
 * EOI; an EOI while the pin is still asserted brings the interrupt again. */
#define VEC_E2E 0x46
#define LAPIC_EOI 0xfee000b0u
#define LAPIC_TMR 0xfee00180u
static volatile unsigned e2e_hits;
static volatile uint32_t e2e_rirr, e2e_tmr;
static volatile bool e2e_keep_asserted;
__attribute__((used)) static void on_e2e(void)
{
	e2e_hits++;
	e2e_rirr = lo(GUEST_COM1_IRQ) & RIRR;
	e2e_tmr = (*(volatile uint32_t *)(uintptr_t)(LAPIC_TMR + (VEC_E2E / 32) * 0x10) >> (VEC_E2E % 32)) & 1;
	if (!e2e_keep_asserted || e2e_hits >= 2)
		irq4(false);
	*(volatile uint32_t *)(uintptr_t)LAPIC_EOI = 0;
}
GUEST_INTR_STUB(e2e_stub, on_e2e);
static volatile unsigned drained;
__attribute__((used)) static void on_drain(void)
{
	drained++;
	*(volatile uint32_t *)(uintptr_t)LAPIC_EOI = 0;
}
GUEST_INTR_STUB(drain_stub, on_drain);

static void check_delivery(bool nestor)
{
	if (!nestor || !((cpuid(1, 0).edx >> 9) & 1)) {
		guest_skip("IOAPIC -> local APIC delivery (needs Nestor's local APIC)");
		return;
	}
	const uint16_t com = GUEST_COM1_PORT;
	const unsigned pin = GUEST_COM1_IRQ;
	guest_idt_init();
	guest_idt_set_handler(VEC_E2E, e2e_stub);
	/* What the register checks sent (vector 0x44, IF was 0) waits in
	 * the local APIC's IRR: take it now, with the pin masked. */
	guest_idt_set_handler(0x44, drain_stub);
	set_lo(pin, MASK);
	__asm__ volatile("sti; nop; nop; cli" ::: "memory");
	guest_check(drained == 1, "the register checks' level message waited in IRR (%u delivery)", drained);
	uint8_t mcr = inb(com + UART_MCR);
	outb(com + UART_MCR, mcr | MCR_OUT2);
	/* 1: the handler deasserts the pin, then EOIs. */
	e2e_hits = 0;
	e2e_keep_asserted = false;
	set_lo(pin, LEVEL | VEC_E2E);
	irq4(true);
	__asm__ volatile("sti; nop; nop; nop; cli" ::: "memory");
	uint32_t after1 = lo(pin);
	unsigned hits1 = e2e_hits;
	uint32_t rirr1 = e2e_rirr, tmr1 = e2e_tmr;
	/* 2: the first EOI finds the pin still asserted: sent again. */
	e2e_hits = 0;
	e2e_keep_asserted = true;
	irq4(true);
	__asm__ volatile("sti; nop; nop; nop; nop; cli" ::: "memory");
	unsigned hits2 = e2e_hits;
	uint32_t after2 = lo(pin);
	set_lo(pin, MASK);
	outb(com + UART_MCR, mcr);
	guest_check(hits1 == 1, "pin 4 level interrupt reached the guest through the local APIC (%u delivery)", hits1);
	guest_check(rirr1 && tmr1, "in the handler: IOAPIC remote IRR set, local APIC TMR bit set (level)");
	guest_check((after1 & RIRR) == 0, "local APIC EOI cleared remote IRR (entry 0x%08x)", after1);
	guest_check(hits2 == 2 && (after2 & RIRR) == 0,
		    "EOI with the pin still asserted: delivered again (%u deliveries), then clear", hits2);
}

int guest_main(const struct mb_info *mbi)
{
	(void)mbi;
	bool nestor = nestor_present();
	unsigned count;
	uint32_t addr = madt_ioapic(&count);
	guest_check_nestor(nestor, count == 1 && addr == GUEST_IOAPIC_GPA, "MADT: %u IOAPIC at 0x%x", count, addr);
	if (!guest_check(addr != 0, "MADT lists an IOAPIC"))
		return 0;
	base = addr;
	check_registers(nestor);
	check_entries(nestor);
	check_bad_accesses(nestor);
	check_level_pin(nestor);
	check_delivery(nestor);
	guest_say("%d checks failed", guest_failures());
	return 0;
}

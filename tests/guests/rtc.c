/*
 * rtc - the CMOS RTC as Linux reads it: the date and time (BCD and
 * binary, 24 and 12 hours) agree with the kvmclock wall clock, UIP is set
 * around each update and the seconds advance as it clears, the periodic
 * interrupt (1024 Hz) and the update-ended interrupt arrive on IRQ8
 * through the slave PIC, register C clears on read, D says the RAM is
 * valid, the CMOS RAM keeps what is written, and port 0x70's bit 7 (the
 * NMI mask) does not change the register selected.
 */
#include "lib/guest.h"

const char guest_name[] = "rtc";

#define PIC1 0x20
#define PIC2 0xa0
#define VEC_BASE 0x20
#define VEC_IRQ8 (VEC_BASE + 8)

static uint32_t tsc_khz;
static volatile uint32_t irq8_count, irq8_flags;

static uint8_t cmos(uint8_t reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

static void cmos_write(uint8_t reg, uint8_t v)
{
	outb(0x70, reg);
	outb(0x71, v);
}

__attribute__((used)) static void irq8_body(void)
{
	irq8_flags |= cmos(0x0c);
	irq8_count++;
	outb(PIC2, 0x20);
	outb(PIC1, 0x20);
}
GUEST_INTR_STUB(irq8_stub, irq8_body);

static unsigned bcd(uint8_t v) { return (v >> 4) * 10u + (v & 15); }

/* Poll status A with the index set once: one exit per read. */
static bool wait_uip(bool want, uint32_t ms)
{
	uint64_t t0 = rdtsc();
	outb(0x70, 0x0a);
	while (!!(inb(0x71) & 0x80) != want)
		if (rdtsc() - t0 > (uint64_t)tsc_khz * ms)
			return false;
	return true;
}

/* Days since 1970 of a date (for the comparison with the wall clock). */
static uint32_t days_from_civil(unsigned y, unsigned m, unsigned d)
{
	static const uint16_t before[12] = { 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334 };
	uint32_t days = (y - 1970) * 365 + ((y - 1) / 4 - (y - 1) / 100 + (y - 1) / 400) - 477;
	bool leap = (y % 4 == 0 && y % 100) || y % 400 == 0;
	return days + before[m - 1] + (m > 2 && leap) + d - 1;
}

static void check_time(void)
{
	guest_check(wait_uip(false, 100), "UIP clear within 100 ms");
	uint8_t s = cmos(0), mi = cmos(2), h = cmos(4), d = cmos(7), mo = cmos(8), y = cmos(9), c = cmos(0x32);
	uint8_t b = cmos(0x0b);
	guest_check(!(b & 0x04) && (b & 0x02), "status B 0x%02x: BCD, 24-hour", b);
	unsigned year = bcd(c) * 100 + bcd(y);
	guest_say("RTC %04u-%02u-%02u %02u:%02u:%02u", year, bcd(mo), bcd(d), bcd(h), bcd(mi), bcd(s));
	bool sane = year >= 2024 && year < 2100 && bcd(mo) >= 1 && bcd(mo) <= 12 && bcd(d) >= 1 && bcd(d) <= 31 &&
		    bcd(h) < 24 && bcd(mi) < 60 && bcd(s) < 60;
	guest_check(sane, "RTC date and time valid BCD");
	if (!sane)
		return;
	/* The kvmclock wall clock plus the system time is now. */
	static volatile struct { uint32_t version, sec, nsec; } __attribute__((packed)) wall;
	static volatile struct {
		uint32_t version, pad;
		uint64_t tsc, system_time;
		uint32_t mul;
		int8_t shift;
		uint8_t flags, pad2[2];
	} __attribute__((packed, aligned(32))) pv;
	wrmsr(MSR_KVM_WALL_CLOCK_NEW, (uint32_t)(uintptr_t)&wall);
	wrmsr(MSR_KVM_SYSTEM_TIME_NEW, (uint32_t)(uintptr_t)&pv | 1);
	uint64_t delta = rdtsc() - pv.tsc;
	uint64_t now = wall.sec + (pv.system_time + delta * 1000 / tsc_khz) / 1000000000ull;
	wrmsr(MSR_KVM_SYSTEM_TIME_NEW, 0);
	uint64_t rtc = (uint64_t)days_from_civil(year, bcd(mo), bcd(d)) * 86400 + bcd(h) * 3600u + bcd(mi) * 60u + bcd(s);
	uint64_t diff = rtc > now ? rtc - now : now - rtc;
	guest_check(diff <= 2, "RTC agrees with the kvmclock wall clock (%llu vs %llu s since 1970)",
		    (unsigned long long)rtc, (unsigned long long)now);

	cmos_write(0x0b, 0x06); /* binary, 24 h */
	uint8_t hb = cmos(4), sb = cmos(0);
	guest_check(hb == bcd(h) || hb == (bcd(h) + 1) % 24, "binary mode: hour %u", hb);
	guest_check(sb < 60, "binary mode: seconds %u", sb);
	cmos_write(0x0b, 0x00); /* BCD, 12 h */
	uint8_t h12 = cmos(4);
	unsigned hh = bcd(h12 & 0x7f) % 12 + (h12 & 0x80 ? 12 : 0);
	guest_check(hh == bcd(h) || hh == (bcd(h) + 1) % 24, "12-hour mode: 0x%02x is hour %u", h12, hh);
	cmos_write(0x0b, 0x02);
}

/* One update: from a moment UIP is clear, catch its rise (244 us before
 * the update) and time it until it falls. */
struct uip_sample {
	bool rose, cleared;
	uint64_t us;
	unsigned before, after;
};

static struct uip_sample sample_uip(void)
{
	struct uip_sample u = { 0 };
	u.rose = wait_uip(false, 100) && wait_uip(true, 1200);
	u.before = bcd(cmos(0));
	uint64_t t0 = rdtsc();
	u.cleared = u.rose && wait_uip(false, 100);
	u.us = (rdtsc() - t0) * 1000 / tsc_khz;
	u.after = bcd(cmos(0));
	return u;
}

static void check_uip(void)
{
	/* Set 244 us before the update and through its 1984 us; the polling
	 * loop adds its own latency. An emulator thread the host deschedules
	 * for longer than the window misses it: up to six updates are
	 * tried (printing only afterwards: console output takes exits). */
	struct uip_sample u;
	for (int i = 0; i < 6; i++) {
		u = sample_uip();
		if (u.rose && u.cleared && u.us >= 2000 && u.us <= 2228 + 3000 && u.after == (u.before + 1) % 60)
			break;
	}
	if (!guest_check(u.rose, "UIP seen set (polling up to six updates)"))
		return;
	guest_check(u.cleared && u.us >= 2000 && u.us <= 2228 + 3000, "UIP cleared after %llu us (244 + 1984 us expected)",
		    (unsigned long long)u.us);
	guest_check(u.after == (u.before + 1) % 60, "seconds advanced across the update: %u -> %u", u.before, u.after);
}

static uint32_t wait_irq8(uint32_t want, uint32_t ms)
{
	uint64_t t0 = rdtsc();
	__asm__ volatile("sti");
	while (irq8_count < want && rdtsc() - t0 < (uint64_t)tsc_khz * ms)
		(void)cmos(0x0a); /* touches the RTC: it looks at its interrupts */
	__asm__ volatile("cli");
	return irq8_count;
}

static void check_interrupts(void)
{
	guest_set_intr_gate(VEC_IRQ8, irq8_stub);
	guest_pic_init(VEC_BASE, 0xfb, 0xfe);
	(void)cmos(0x0c);
	cmos_write(0x0a, 0x26); /* 1024 Hz */
	cmos_write(0x0b, 0x42); /* PIE */
	uint64_t t0 = rdtsc();
	uint32_t n = wait_irq8(20, 2000);
	uint32_t us = (uint32_t)((rdtsc() - t0) * 1000 / tsc_khz);
	guest_check(n >= 20 && n <= us * 1024ull / 1000000 + 2 && (irq8_flags & 0xc0) == 0xc0,
		    "periodic interrupt (1024 Hz) on IRQ8: %u in %u us, register C had IRQF|PF", n, us);
	cmos_write(0x0b, 0x02);
	cmos_write(0x0a, 0x20); /* no periodic rate: PF would be set again without PIE */
	(void)cmos(0x0c);
	guest_check(cmos(0x0c) == 0, "register C clear after a read");

	/* A periodic edge that reached the PIC while IF was 0 is still in
	 * its IRR (edge-triggered, as on a PC): take it before counting. */
	__asm__ volatile("sti; nop; nop; cli" ::: "memory");
	irq8_flags = 0;
	uint32_t before = irq8_count;
	cmos_write(0x0b, 0x12); /* UIE */
	n = wait_irq8(before + 1, 1500);
	guest_check(n == before + 1 && (irq8_flags & 0x90) == 0x90,
		    "update-ended interrupt on IRQ8 (C had IRQF|UF; %u interrupt(s), C 0x%02x)", n - before,
		    (unsigned)irq8_flags);
	cmos_write(0x0b, 0x02);
	(void)cmos(0x0c);
	outb(PIC2 + 1, 0xff);
}

static void check_ram(void)
{
	for (uint8_t i = 0x38; i < 0x40; i++)
		cmos_write(i, (uint8_t)(i ^ 0x5a));
	bool ok = true;
	for (uint8_t i = 0x38; i < 0x40; i++)
		ok &= cmos(i) == (uint8_t)(i ^ 0x5a);
	guest_check(ok, "CMOS RAM 0x38-0x3f keeps what was written");
	guest_check(cmos(0x0d) == 0x80, "register D: valid RAM and time");
	outb(0x70, 0x80 | 0x38);
	guest_check(inb(0x71) == (0x38 ^ 0x5a), "port 0x70 bit 7 (NMI mask) leaves the index alone");
	outb(0x70, 0x0d);
	uint16_t base = (uint16_t)(cmos(0x15) | cmos(0x16) << 8), ext = (uint16_t)(cmos(0x17) | cmos(0x18) << 8);
	guest_say("CMOS memory: base %u KiB, extended %u KiB", base, ext);
}

int guest_main(const struct mb_info *mbi)
{
	(void)mbi;
	tsc_khz = guest_tsc_khz();
	if (!tsc_khz) {
		guest_skip("rtc (no Nestor: no known TSC rate)");
		return 0;
	}
	check_time();
	check_uip();
	check_interrupts();
	check_ram();
	guest_say("%d checks failed", guest_failures());
	return 0;
}

/*
 * host_rtc.c - read the host's CMOS clock once (see host_rtc.h). Written
 * by the boot CPU before any other CPU starts; read-only afterwards.
 *
 * MC146818A data sheet: registers 0 (seconds), 2 (minutes), 4 (hours),
 * 7 (day), 8 (month), 9 (year), status A bit 7 UIP (an update is under
 * way: the time registers are not valid for up to 2 ms), status B bit 2
 * DM (1 = binary, 0 = BCD) and bit 1 (1 = 24-hour; in 12-hour mode bit 7
 * of the hours is PM). The century is at index 0x32 on PCs (the FADT's
 * CENTURY field names it).
 */
#include "hv/host/host_rtc.h"
#include "drivers/console.h"
#include "hv/host/tsc.h"
#include "hv/lib/date.h"
#include "hv/x86/asm.h"

#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71
#define CMOS_NMI_DISABLE 0x80

static uint64_t base_unix, base_tsc;

static uint8_t cmos(uint8_t reg)
{
	outb(CMOS_INDEX, CMOS_NMI_DISABLE | reg);
	return inb(CMOS_DATA);
}

static unsigned from_bcd(uint8_t v, bool binary) { return binary ? v : (v >> 4) * 10u + (v & 15); }

struct raw_time {
	uint8_t sec, min, hour, day, mon, year, century, b;
};

static bool read_raw(struct raw_time *t)
{
	for (unsigned spins = 0; cmos(0x0a) & 0x80; spins++)
		if (spins > 1000000)
			return false;
	*t = (struct raw_time){ cmos(0), cmos(2), cmos(4), cmos(7), cmos(8), cmos(9), cmos(0x32), cmos(0x0b) };
	return true;
}

void host_rtc_read(void)
{
	struct raw_time a, b;
	bool ok = false;
	/* Read until two reads agree (an update may fall between them). */
	for (int tries = 0; tries < 4 && !ok; tries++)
		ok = read_raw(&a) && read_raw(&b) && !__builtin_memcmp(&a, &b, sizeof(a));
	base_tsc = rdtsc();
	struct date_time d = { 0 };
	if (ok) {
		bool bin = a.b & 0x04;
		unsigned hour = from_bcd(a.hour & 0x7f, bin);
		if (!(a.b & 0x02)) /* 12-hour: 12 AM is 0, PM adds 12 */
			hour = hour % 12 + ((a.hour & 0x80) ? 12 : 0);
		unsigned century = from_bcd(a.century, bin);
		if (century < 19 || century > 99)
			century = 20;
		d = (struct date_time){ (uint16_t)(century * 100 + from_bcd(a.year, bin)),
					(uint8_t)from_bcd(a.mon, bin),
					(uint8_t)from_bcd(a.day, bin),
					(uint8_t)hour,
					(uint8_t)from_bcd(a.min, bin),
					(uint8_t)from_bcd(a.sec, bin),
					0 };
		ok = date_is_valid(&d);
	}
	if (!ok) {
		base_unix = HOST_RTC_FALLBACK_UNIX;
		log_warn("rtc", "no valid host CMOS clock: guests' clocks start at 2026-01-01 00:00:00 UTC");
		return;
	}
	base_unix = date_to_unix(&d);
	log_info("rtc", "host clock %04u-%02u-%02u %02u:%02u:%02u", d.year, d.month, d.day, d.hour, d.minute,
		 d.second);
}

uint64_t host_unix_time(uint64_t tsc, uint32_t *nsec)
{
	uint64_t hz = tsc_hz(), dt = tsc > base_tsc ? tsc - base_tsc : 0;
	uint64_t secs = dt / hz;
	if (nsec)
		*nsec = (uint32_t)((dt % hz) * 1000000000ull / hz);
	return base_unix + secs;
}

uint64_t host_time_to_tsc(uint64_t unix_ns)
{
	uint64_t base_ns = base_unix * 1000000000ull;
	if (unix_ns <= base_ns)
		return base_tsc;
	uint64_t d = unix_ns - base_ns;
	/* d seconds and the rest, each scaled to TSC ticks, +1 to round up. */
	return base_tsc + d / 1000000000ull * tsc_hz() + clock_to_tsc(d % 1000000000ull, 1000000000ull) + 1;
}

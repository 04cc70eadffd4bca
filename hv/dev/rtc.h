/*
 * rtc.h - the PC's CMOS real-time clock, a Motorola MC146818A (data
 * sheet), at ports 0x70 (index; bit 7 masks NMI on PCs) and 0x71 (data).
 *
 * 64 registers: 0-9 time, alarm and date (seconds, alarm seconds,
 * minutes, alarm minutes, hours, alarm hours, day of week, date, month,
 * year), A-D status, 50 bytes of RAM at 0x0E-0x3F (0x32 is the PC's
 * century byte, kept in step with the clock as QEMU does). Indexes wrap
 * at 64 (the chip has six address lines).
 *
 * Modelled: binary or BCD (status B DM) and 12/24-hour (B bit 1, PM in
 * hour bit 7) for every time read and write; SET (B bit 7: updates stop,
 * the time registers are written freely, UIE cleared); the divider (A
 * bits 6:4; 010 runs, 11x holds the clock in reset); the update-in-
 * progress bit (A bit 7) from the time: set from 244 us before each
 * second's update until the 1984 us update ends; periodic interrupts at
 * the A bits 3:0 rate, update-ended and alarm interrupts (alarm bytes
 * 0xC0-0xFF match anything), their flags in C (read clears, IRQF =
 * enabled flags), the IRQ8 output high while IRQF is set; D's valid-RAM
 * bit. Not modelled: daylight saving (B bit 0 kept, no effect), the
 * square-wave pin; the day of week is the date's (writes are kept only
 * while SET holds the clock); a date the guest sets is clamped to
 * 1970-2199 and to valid fields when the clock runs again.
 *
 * Time is passed in as nanoseconds since 1970 (UTC) of the host clock;
 * the RTC keeps its own offset from it once the guest sets it. Nothing
 * ticks: flags are brought up to date on each access (rtc_update) and
 * rtc_next_event says when the next interrupt is due.
 *
 * Pure logic (host-tested by tests/host/test_rtc.c).
 */
#ifndef NESTOR_DEV_RTC_H
#define NESTOR_DEV_RTC_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/lib/date.h"

#define RTC_REGS 64
#define RTC_NEVER (~0ull)

struct rtc {
	uint8_t reg[RTC_REGS]; /* alarms, A (DV, RS), B, RAM; time registers are computed */
	uint8_t index;
	bool nmi_masked;
	int64_t offset_ns;        /* RTC time = host time + offset */
	bool held;                /* SET or divider reset: the time stands at `held_time` */
	struct date_time held_time;
	uint64_t checked_ns;      /* host time up to which flags are accounted */
	uint64_t periodic_ref_ns; /* host time the periodic divider chain started */
	uint8_t flags;            /* register C's PF, AF, UF */
};

void rtc_reset(struct rtc *r, uint64_t now_ns);
void rtc_write(struct rtc *r, unsigned port_offset, uint8_t val, uint64_t now_ns);
uint8_t rtc_read(struct rtc *r, unsigned port_offset, uint64_t now_ns);
/* Account the events up to now (reads and writes do it too). */
void rtc_update(struct rtc *r, uint64_t now_ns);
/* The IRQ8 output: IRQF. */
bool rtc_irq(const struct rtc *r);
/* The host time of the next event that would raise IRQ8, or RTC_NEVER. */
uint64_t rtc_next_event(const struct rtc *r, uint64_t now_ns);

#endif

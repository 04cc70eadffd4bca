/* test_rtc - the MC146818A model: time in BCD and binary, 12/24 hours,
 * SET, UIP from the time, periodic / update-ended / alarm flags and
 * IRQF, register C clearing, the divider, RAM, NMI mask bit. */
#include "tests/host/check.h"

#include "hv/dev/rtc.h"

#define NS 1000000000ull
/* 2026-03-04 05:06:07 UTC, a Wednesday */
#define T0 (1772600767ull * NS)

static uint8_t rd(struct rtc *r, uint8_t reg, uint64_t now)
{
	rtc_write(r, 0, reg, now);
	return rtc_read(r, 1, now);
}

static void wr(struct rtc *r, uint8_t reg, uint8_t val, uint64_t now)
{
	rtc_write(r, 0, reg, now);
	rtc_write(r, 1, val, now);
}

TEST(time_reads_in_bcd_and_binary_12_and_24_hours)
{
	struct rtc r;
	rtc_reset(&r, T0);
	uint64_t t = T0 + NS / 2;
	CHECK_EQ(rd(&r, 0, t), 0x07);
	CHECK_EQ(rd(&r, 2, t), 0x06);
	CHECK_EQ(rd(&r, 4, t), 0x05);
	CHECK_EQ(rd(&r, 6, t), 4); /* Wednesday: Sunday = 1 */
	CHECK_EQ(rd(&r, 7, t), 0x04);
	CHECK_EQ(rd(&r, 8, t), 0x03);
	CHECK_EQ(rd(&r, 9, t), 0x26);
	CHECK_EQ(rd(&r, 0x32, t), 0x20);
	CHECK_EQ(rd(&r, 0, T0 + 13 * NS + 1), 0x20); /* 07 + 13 = 20 seconds */
	wr(&r, 0x0b, 0x06, t); /* binary, 24 h */
	CHECK_EQ(rd(&r, 9, t), 26);
	CHECK_EQ(rd(&r, 0, T0 + 13 * NS + 1), 20);
	wr(&r, 0x0b, 0x00, t); /* BCD, 12 h: 05 AM */
	CHECK_EQ(rd(&r, 4, t), 0x05);
	uint64_t pm = T0 + 10 * 3600 * NS; /* 15:06 */
	CHECK_EQ(rd(&r, 4, pm), 0x83);
	CHECK_EQ(rd(&r, 4, T0 + 19 * 3600 * NS), 0x12); /* 00:06 next day: 12 AM */
	CHECK_EQ(rd(&r, 0x0d, t), 0x80);
}

TEST(set_holds_the_clock_and_writes_take_effect_on_release)
{
	struct rtc r;
	rtc_reset(&r, T0);
	wr(&r, 0x0b, 0x82 | 0x10, T0); /* SET (UIE is cleared by it) */
	CHECK_EQ(rd(&r, 0x0b, T0), 0x82);
	wr(&r, 0x09, 0x99, T0);
	wr(&r, 0x08, 0x12, T0);
	wr(&r, 0x07, 0x31, T0);
	wr(&r, 0x04, 0x23, T0);
	wr(&r, 0x02, 0x59, T0);
	wr(&r, 0x00, 0x58, T0);
	wr(&r, 0x32, 0x19, T0);
	CHECK_EQ(rd(&r, 0, T0 + 5 * NS), 0x58); /* held */
	CHECK_EQ(rd(&r, 0x0a, T0 + 5 * NS) & 0x80, 0); /* no UIP while SET */
	wr(&r, 0x0b, 0x02, T0 + 5 * NS);
	uint64_t t = T0 + 5 * NS + 2 * NS + 1; /* two updates later: 2000-01-01 00:00:00 */
	CHECK_EQ(rd(&r, 0, t), 0x00);
	CHECK_EQ(rd(&r, 9, t), 0x00);
	CHECK_EQ(rd(&r, 0x32, t), 0x20);
	CHECK_EQ(rd(&r, 8, t), 0x01);
	CHECK_EQ(rd(&r, 6, t), 7); /* a Saturday */
}

TEST(uip_set_before_and_during_each_update)
{
	struct rtc r;
	rtc_reset(&r, T0);
	CHECK(rd(&r, 0x0a, T0 + 1000) & 0x80);              /* inside the update */
	CHECK(!(rd(&r, 0x0a, T0 + 1984000) & 0x80));        /* ended */
	CHECK(!(rd(&r, 0x0a, T0 + NS / 2) & 0x80));
	CHECK(!(rd(&r, 0x0a, T0 + NS - 244001) & 0x80));
	CHECK(rd(&r, 0x0a, T0 + NS - 244000) & 0x80);        /* 244 us before */
	CHECK_EQ(rd(&r, 0x0a, T0 + NS / 2) & 0x7f, 0x26);
	/* Over a second, UIP is set 2228 us of it. */
	unsigned set = 0;
	for (uint64_t us = 0; us < 1000000; us += 4)
		set += (rd(&r, 0x0a, T0 + 3 * NS + us * 1000) >> 7) & 1;
	CHECK_EQ(set, 2228 / 4);
}

TEST(periodic_update_and_alarm_interrupts)
{
	struct rtc r;
	rtc_reset(&r, T0 + NS / 2);
	uint64_t t = T0 + NS / 2;
	CHECK(!rtc_irq(&r));
	wr(&r, 0x0b, 0x42, t); /* PIE */
	CHECK_EQ(rtc_next_event(&r, t), t + 976563); /* 1024 Hz: 976.5625 us */
	rtc_update(&r, t + 976562);
	CHECK(!rtc_irq(&r));
	rtc_update(&r, t + 976563);
	CHECK(rtc_irq(&r));
	CHECK_EQ(rd(&r, 0x0c, t + 976600), 0xc0); /* IRQF | PF */
	CHECK(!rtc_irq(&r));
	CHECK_EQ(rd(&r, 0x0c, t + 976700), 0x00);
	/* PF is set without PIE, but IRQF is not. */
	wr(&r, 0x0b, 0x02, t + 976700);
	rtc_update(&r, t + 3 * 976563);
	CHECK(!rtc_irq(&r));
	CHECK_EQ(rd(&r, 0x0c, t + 3 * 976563), 0x40);
	/* Update-ended: once per second, 1984 us after the second. */
	wr(&r, 0x0b, 0x12, t + 3 * 976563);
	uint64_t ue = T0 + NS + 1984000;
	CHECK_EQ(rtc_next_event(&r, t + 3 * 976563), ue);
	rtc_update(&r, ue - 1);
	CHECK(!rtc_irq(&r));
	rtc_update(&r, ue);
	CHECK(rtc_irq(&r));
	CHECK_EQ(rd(&r, 0x0c, ue) & 0x90, 0x90);
	/* Alarm at 05:06:10 (and a don't-care hour). */
	wr(&r, 0x0b, 0x22, ue);
	wr(&r, 0x01, 0x10, ue);
	wr(&r, 0x03, 0x06, ue);
	wr(&r, 0x05, 0xc0, ue);
	rtc_update(&r, T0 + 2 * NS + UINT64_C(1984000));
	CHECK(!rtc_irq(&r)); /* 05:06:09 */
	rtc_update(&r, T0 + 3 * NS + UINT64_C(1984000));
	CHECK(rtc_irq(&r)); /* 05:06:10 */
	CHECK_EQ(rd(&r, 0x0c, T0 + 3 * NS + 2000000) & 0xa0, 0xa0);
	/* A periodic rate of 2 Hz (RS 15). */
	wr(&r, 0x0a, 0x2f, T0 + 4 * NS);
	wr(&r, 0x0b, 0x42, T0 + 4 * NS);
	uint64_t n = rtc_next_event(&r, T0 + 4 * NS);
	CHECK(n > T0 + 4 * NS && n <= T0 + 4 * NS + NS / 2);
}

TEST(divider_reset_stops_the_clock_ram_and_index)
{
	struct rtc r;
	rtc_reset(&r, T0);
	wr(&r, 0x0a, 0x70, T0 + NS / 2); /* divider reset */
	CHECK_EQ(rd(&r, 0, T0 + 10 * NS), 0x07);
	CHECK(!(rd(&r, 0x0a, T0 + 10 * NS) & 0x80));
	wr(&r, 0x0a, 0x26, T0 + 10 * NS);
	CHECK_EQ(rd(&r, 0, T0 + 10 * NS + NS / 2 - 1), 0x07);
	CHECK_EQ(rd(&r, 0, T0 + 10 * NS + NS / 2), 0x08); /* first update 500 ms later */
	for (unsigned i = 0x0e; i < 0x40; i++)
		if (i != 0x32)
			wr(&r, (uint8_t)i, (uint8_t)(i * 7), T0);
	bool ok = true;
	for (unsigned i = 0x0e; i < 0x40; i++)
		if (i != 0x32 && rd(&r, (uint8_t)i, T0) != (uint8_t)(i * 7))
			ok = false;
	CHECK(ok);
	CHECK_EQ(rd(&r, 0x4e, T0), (uint8_t)(0x0e * 7)); /* six address lines */
	rtc_write(&r, 0, 0x8f, T0);
	CHECK(r.nmi_masked);
	rtc_write(&r, 0, 0x0f, T0);
	CHECK(!r.nmi_masked);
	CHECK_EQ(rtc_read(&r, 0, T0), 0xff);
	uint64_t t = T0 + 11 * NS;
	CHECK(rd(&r, 0x0c, t) & 0x50); /* PF and UF were set meanwhile (not enabled) */
	wr(&r, 0x0c, 0xff, t); /* read-only */
	CHECK_EQ(rd(&r, 0x0c, t), 0);
}

/* Random guest accesses over time: time reads stay valid BCD in BCD
 * mode, the next event lies ahead, nothing overflows (UBSan). */
TEST(random_accesses_stay_sane)
{
	struct rtc r;
	uint64_t now = T0;
	rtc_reset(&r, now);
	uint32_t x = 4242;
	for (int i = 0; i < 200000; i++) {
		x = x * 1103515245 + 12345;
		uint8_t reg = (uint8_t)((x >> 8) & 0x3f), val = (uint8_t)(x >> 16);
		now += ((x >> 24) & 0xff) * 100000ull;
		if ((x >> 4) & 1) {
			if (reg == 0x0b && (val & 0x04))
				val &= (uint8_t)~0x04; /* keep BCD for the check below */
			wr(&r, reg, val, now);
		} else {
			static const uint8_t time_regs[] = { 0, 2, 6, 7, 8, 9, 0x32 }; /* not the alarms, kept raw */
			uint8_t reg_t = time_regs[x % 7];
			uint8_t v = rd(&r, reg_t, now);
			if (!(rd(&r, 0x0b, now) & 0x04))
				CHECK((v & 15) < 10 && (v >> 4) < 10);
		}
		uint64_t n = rtc_next_event(&r, now);
		CHECK(n == RTC_NEVER || n > now);
		if (check_failed_in_case)
			break;
	}
}

TEST_MAIN()

/* test_pit - the 8254 counter model: every mode's counter and OUT over
 * time, latches, read-back, byte access, BCD, gates, next rising edge. */
#include "tests/host/check.h"

#include "hv/dev/pit.h"

static void program(struct pit *p, unsigned ch, uint8_t mode_bits, uint16_t count, uint64_t now)
{
	pit_write_control(p, (uint8_t)(ch << 6 | 0x30 | mode_bits << 1), now);
	pit_write_count(p, ch, (uint8_t)count, now);
	pit_write_count(p, ch, (uint8_t)(count >> 8), now);
}

static uint16_t read16(struct pit *p, unsigned ch, uint64_t now)
{
	uint8_t lo = pit_read_count(p, ch, now);
	return (uint16_t)(lo | pit_read_count(p, ch, now) << 8);
}

TEST(mode0_counts_down_and_raises_out_at_zero)
{
	struct pit p;
	pit_reset(&p);
	program(&p, 0, 0, 1000, 5000);
	CHECK(!pit_out(&p, 0, 5000));
	CHECK_EQ(pit_counter(&p, 0, 5100), 900);
	CHECK_EQ(read16(&p, 0, 5100), 900);
	CHECK(!pit_out(&p, 0, 5999));
	CHECK(pit_out(&p, 0, 6000));
	CHECK_EQ(pit_next_rise(&p, 0, 5100), 6000);
	CHECK_EQ(pit_next_rise(&p, 0, 6000), PIT_NEVER);
	CHECK_EQ(pit_counter(&p, 0, 6001), 0xffff); /* on through zero */
	CHECK(pit_out(&p, 0, 70000));
}

TEST(latch_holds_the_value_until_read)
{
	struct pit p;
	pit_reset(&p);
	program(&p, 0, 2, 10000, 0);
	pit_write_control(&p, 0x00, 200); /* latch channel 0 */
	pit_write_control(&p, 0x00, 300); /* ignored: already latched */
	CHECK_EQ(read16(&p, 0, 500), 9800);
	CHECK_EQ(read16(&p, 0, 500), 9500); /* live again */
}

TEST(mode2_rate_generator)
{
	struct pit p;
	pit_reset(&p);
	program(&p, 0, 2, 100, 0);
	CHECK_EQ(pit_counter(&p, 0, 0), 100);
	CHECK_EQ(pit_counter(&p, 0, 1), 99);
	CHECK_EQ(pit_counter(&p, 0, 99), 1);
	CHECK(!pit_out(&p, 0, 99));
	CHECK(pit_out(&p, 0, 98));
	CHECK(pit_out(&p, 0, 100));
	CHECK_EQ(pit_counter(&p, 0, 100), 100);
	CHECK_EQ(pit_next_rise(&p, 0, 50), 100);
	CHECK_EQ(pit_next_rise(&p, 0, 100), 200);
	CHECK_EQ(pit_next_rise(&p, 0, 12345), 12400);
}

TEST(mode3_square_wave_even_and_odd)
{
	struct pit p;
	pit_reset(&p);
	program(&p, 0, 3, 10, 0);
	for (uint64_t t = 0; t < 30; t++)
		CHECK_EQ(pit_out(&p, 0, t), t % 10 < 5);
	CHECK_EQ(pit_counter(&p, 0, 0), 10);
	CHECK_EQ(pit_counter(&p, 0, 1), 8);
	CHECK_EQ(pit_counter(&p, 0, 4), 2);
	CHECK_EQ(pit_counter(&p, 0, 5), 10);
	CHECK_EQ(pit_counter(&p, 0, 9), 2);
	CHECK_EQ(pit_next_rise(&p, 0, 3), 10);
	program(&p, 0, 7, 11, 0); /* mode bits 7 are mode 3 */
	unsigned high = 0;
	for (uint64_t t = 0; t < 11; t++)
		high += pit_out(&p, 0, t);
	CHECK_EQ(high, 6); /* (N+1)/2 high, (N-1)/2 low */
	CHECK_EQ(p.ch[0].mode, 3);
}

TEST(byte_access_modes_and_bcd)
{
	struct pit p;
	pit_reset(&p);
	pit_write_control(&p, 0x10, 0); /* ch0 LSB only, mode 0 */
	pit_write_count(&p, 0, 0x80, 0);
	CHECK_EQ(pit_read_count(&p, 0, 0x10), 0x70);
	CHECK_EQ(pit_read_count(&p, 0, 0x10), 0x70); /* no flip-flop */
	pit_write_control(&p, 0x20, 0); /* MSB only */
	pit_write_count(&p, 0, 0x02, 0);
	CHECK_EQ(pit_counter(&p, 0, 0), 0x200);
	CHECK_EQ(pit_read_count(&p, 0, 0x100), 0x01);
	pit_write_control(&p, 0x31, 0); /* LSB/MSB, mode 0, BCD */
	pit_write_count(&p, 0, 0x00, 0);
	pit_write_count(&p, 0, 0x01, 0); /* 100 in BCD */
	CHECK_EQ(pit_counter(&p, 0, 1), 0x0099);
	CHECK_EQ(pit_counter(&p, 0, 100), 0x0000);
	CHECK_EQ(pit_counter(&p, 0, 101), 0x9999);
	CHECK(pit_out(&p, 0, 100));
}

TEST(read_back_status_then_count)
{
	struct pit p;
	pit_reset(&p);
	program(&p, 2, 0, 50, 0);
	pit_set_gate(&p, 2, true, 0);
	pit_write_control(&p, 0xc8, 20); /* read-back count and status of ch2 */
	CHECK_EQ(pit_read_count(&p, 2, 30), 0x30); /* OUT 0, NULL 0, RW 3, mode 0, binary */
	CHECK_EQ(read16(&p, 2, 40), 30);
	pit_write_control(&p, 0xe8, 60); /* status only */
	CHECK_EQ(pit_read_count(&p, 2, 70), 0xb0); /* OUT high now */
	pit_write_control(&p, 0xb4, 70);           /* new control word: NULL COUNT */
	pit_write_control(&p, 0xe8, 70);
	CHECK_EQ(pit_read_count(&p, 2, 70), 0xf4); /* OUT high (mode 2), null count */
}

TEST(gate_pauses_mode0_and_restarts_mode2)
{
	struct pit p;
	pit_reset(&p);
	program(&p, 2, 0, 500, 0); /* gate 2 is low after reset */
	CHECK_EQ(pit_counter(&p, 2, 90), 500);
	CHECK_EQ(pit_next_rise(&p, 2, 90), PIT_NEVER);
	pit_set_gate(&p, 2, true, 100);
	CHECK_EQ(pit_counter(&p, 2, 150), 450);
	pit_set_gate(&p, 2, false, 200);
	CHECK_EQ(pit_counter(&p, 2, 1000), 400);
	pit_set_gate(&p, 2, true, 1000);
	CHECK_EQ(pit_counter(&p, 2, 1100), 300);
	CHECK(pit_out(&p, 2, 1400));
	CHECK(!pit_out(&p, 2, 1399));

	program(&p, 2, 2, 100, 2000);
	CHECK_EQ(pit_counter(&p, 2, 2030), 70);
	pit_set_gate(&p, 2, false, 2040);
	CHECK(pit_out(&p, 2, 2099));
	pit_set_gate(&p, 2, true, 2500); /* reload */
	CHECK_EQ(pit_counter(&p, 2, 2510), 90);
}

TEST(mode1_and_mode5_wait_for_a_gate_trigger_mode4_strobes)
{
	struct pit p;
	pit_reset(&p);
	program(&p, 2, 1, 50, 0);
	CHECK(pit_out(&p, 2, 5));
	pit_set_gate(&p, 2, true, 10);
	CHECK(!pit_out(&p, 2, 11));
	CHECK(pit_out(&p, 2, 60));
	pit_set_gate(&p, 2, false, 70);
	pit_set_gate(&p, 2, true, 80); /* retrigger */
	CHECK(!pit_out(&p, 2, 100));
	CHECK_EQ(pit_next_rise(&p, 2, 100), 130);

	program(&p, 0, 4, 20, 0);
	CHECK(pit_out(&p, 0, 19));
	CHECK(!pit_out(&p, 0, 20));
	CHECK(pit_out(&p, 0, 21));
	CHECK_EQ(pit_next_rise(&p, 0, 5), 21);

	pit_set_gate(&p, 2, false, 200);
	program(&p, 2, 5, 20, 200);
	CHECK(pit_out(&p, 2, 300));
	pit_set_gate(&p, 2, true, 300);
	CHECK(!pit_out(&p, 2, 320));
	CHECK(pit_out(&p, 2, 321));
}

/* Random guest programming over time: counters stay within range (BCD
 * digits valid in BCD mode) and the next rising edge is in the future. */
TEST(random_programming_stays_sane)
{
	struct pit p;
	pit_reset(&p);
	uint32_t x = 777;
	uint64_t now = 1000;
	for (int i = 0; i < 200000; i++) {
		x = x * 1103515245 + 12345;
		unsigned op = (x >> 8) % 5, ch = ((x >> 12) & 3) % 3;
		uint8_t val = (uint8_t)(x >> 16);
		now += (x >> 24) & 0x3ff;
		switch (op) {
		case 0: pit_write_control(&p, val, now); break;
		case 1: pit_write_count(&p, ch, val, now); break;
		case 2: (void)pit_read_count(&p, ch, now); break;
		case 3: pit_set_gate(&p, 2, val & 1, now); break;
		default: {
			uint16_t c = pit_counter(&p, ch, now);
			if (p.ch[ch].bcd)
				CHECK((c & 15) < 10 && ((c >> 4) & 15) < 10 && ((c >> 8) & 15) < 10 && (c >> 12) < 10);
			uint64_t r = pit_next_rise(&p, ch, now);
			CHECK(r == PIT_NEVER || r > now);
			(void)pit_out(&p, ch, now);
		}
		}
		if (check_failed_in_case)
			break;
	}
}

TEST_MAIN()

/* test_clock_math - kvmclock scale factors against exact 128-bit
 * arithmetic, and the CPUID 0x15 ratio. */
#include "tests/host/check.h"

#include "hv/dev/clock_math.h"

static const uint64_t rates[] = { 1, 1193182, 25000000, 999999999, 1000000000, 1000000001, 1999999999,
				  2000000000, 2000000001, 2893284123ull, 3600000000ull, 4294967295ull,
				  5000000000ull, 7999999999ull, 10000000000ull };

TEST(mul_is_a_normalised_fraction)
{
	for (unsigned i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		struct pvclock_scale s = pvclock_scale_for(rates[i]);
		CHECK(s.mul >= 0x80000000u);
		CHECK(s.shift >= -31 && s.shift <= 31);
	}
	CHECK_EQ(pvclock_scale_for(1000000000).mul, 0x80000000u); /* 1 GHz: 1 ns = 2 ticks >> 1 ... */
	CHECK_EQ(pvclock_scale_for(1000000000).shift, 1);
	CHECK_EQ(pvclock_scale_for(2000000000).mul, 0x80000000u);
	CHECK_EQ(pvclock_scale_for(2000000000).shift, 0);
}

/* The exact answer d * 1e9 / hz, and what the pvclock formula gives, as a
 * guest computes it (128-bit product, as Linux's pvclock does). */
TEST(scaled_time_matches_exact_within_one_part_in_2e9)
{
	for (unsigned i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		uint64_t hz = rates[i];
		struct pvclock_scale s = pvclock_scale_for(hz);
		uint64_t deltas[] = { 0, 1, hz / 1000, hz, 10 * hz, 3600 * hz };
		for (unsigned j = 0; j < sizeof(deltas) / sizeof(deltas[0]); j++) {
			uint64_t d = deltas[j];
			unsigned __int128 exact = (unsigned __int128)d * 1000000000u / hz;
			uint64_t dd = s.shift >= 0 ? d << s.shift : d >> -s.shift;
			uint64_t guest = (uint64_t)(((unsigned __int128)dd * s.mul) >> 32);
			uint64_t mine = pvclock_scale_delta(d, s);
			CHECK_EQ(mine, guest);
			/* Truncations: mul loses < 1 part in 2^31, the right
			 * shift of d less than one tick's worth. */
			uint64_t tol = (uint64_t)(exact >> 30) + 1 + (s.shift < 0 ? (1000000000ull << -s.shift) / hz : 0);
			CHECK((uint64_t)exact >= mine && (uint64_t)exact - mine <= tol);
		}
	}
}

TEST(crystal_ratio_is_exact_and_reduced)
{
	uint32_t n, d;
	tsc_crystal_ratio(2000000000ull, 25000000ull, &n, &d);
	CHECK_EQ(n, 80);
	CHECK_EQ(d, 1);
	tsc_crystal_ratio(2893284123ull, 25000000ull, &n, &d);
	CHECK_EQ((uint64_t)25000000ull * n / d, 2893284123ull);
	CHECK_EQ(n, 2893284123ull);
	CHECK_EQ(d, 25000000u);
	tsc_crystal_ratio(3600000000ull, 25000000ull, &n, &d);
	CHECK_EQ(n, 144);
	CHECK_EQ(d, 1);
	/* More than 32 bits: approximate, both terms fit. */
	tsc_crystal_ratio(10000000001ull, 25000000ull, &n, &d);
	uint64_t back = (uint64_t)25000000ull * n / d;
	CHECK(back > 9990000000ull && back < 10010000000ull);
}

TEST_MAIN()

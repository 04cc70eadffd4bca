/*
 * clock_math.c - pvclock scale factors and the CPUID 0x15 ratio (see
 * clock_math.h).
 */
#include "hv/dev/clock_math.h"

#define NS_PER_SEC 1000000000ull

/* floor(a * 2^32 / b) for a < b < 2^63, by binary long division of the
 * fraction a/b (no 128-bit division in a freestanding kernel). */
static uint32_t frac32(uint64_t a, uint64_t b)
{
	uint32_t q = 0;
	for (int i = 0; i < 32; i++) {
		a <<= 1;
		q <<= 1;
		if (a >= b) {
			a -= b;
			q |= 1;
		}
	}
	return q;
}

struct pvclock_scale pvclock_scale_for(uint64_t hz)
{
	/* Find the shift s with 1e9 < hz * 2^s <= 2e9: then
	 * 1e9 / (hz * 2^s) lies in [1/2, 1) and is mul / 2^32. */
	int s = 0;
	uint64_t a = NS_PER_SEC, b = hz ? hz : 1;
	while (b <= a) {
		b <<= 1;
		s++;
	}
	while (b > 2 * a) {
		a <<= 1; /* hz > 2e9: shift the ticks right, i.e. scale ns up */
		s--;
	}
	return (struct pvclock_scale){ frac32(a, b), (int8_t)s };
}

uint64_t pvclock_scale_delta(uint64_t d, struct pvclock_scale s)
{
	d = s.shift >= 0 ? d << s.shift : d >> -s.shift;
	/* (d * mul) >> 32 as two 64-bit products. */
	return (d >> 32) * s.mul + (((d & 0xffffffffull) * s.mul) >> 32);
}

static uint64_t gcd(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;
		a = b;
		b = t;
	}
	return a;
}

void tsc_crystal_ratio(uint64_t tsc_hz, uint64_t crystal_hz, uint32_t *num, uint32_t *den)
{
	uint64_t g = gcd(tsc_hz, crystal_hz);
	uint64_t n = tsc_hz / g, d = crystal_hz / g;
	while (n > 0xffffffffull || d > 0xffffffffull) {
		n = (n + 1) >> 1;
		d = (d + 1) >> 1;
	}
	*num = (uint32_t)n;
	*den = (uint32_t)(d ? d : 1);
}

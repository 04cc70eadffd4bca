/*
 * runtime.c - the libgcc helpers a freestanding 32-bit C program needs for
 * 64-bit division (i386 has no instruction for it; printf of a uint64_t
 * divides). We write them here instead of linking a 32-bit libgcc,
 * because the build machines have no gcc-multilib. The string functions
 * come from the hypervisor's own hv/lib/string.c, compiled with -m32.
 */
#include "guest.h"

/*
 * Unsigned 64-bit division by shift-and-subtract: one bit of quotient per
 * step, at most 64 steps. Slow but obviously right, and the guests only
 * divide when printing numbers.
 */
static uint64_t udivmod64(uint64_t num, uint64_t den, uint64_t *rem)
{
	uint64_t quot = 0, r = 0;

	if (den == 0) {
		/* Stop loudly (the unexpected-exception line) rather than
		 * print a made-up number. */
		__asm__ volatile("ud2");
	}
	for (int bit = 63; bit >= 0; bit--) {
		r = r << 1 | ((num >> bit) & 1);
		if (r >= den) {
			r -= den;
			quot |= (uint64_t)1 << bit;
		}
	}
	if (rem)
		*rem = r;
	return quot;
}

uint64_t __udivmoddi4(uint64_t num, uint64_t den, uint64_t *rem);
uint64_t __udivdi3(uint64_t num, uint64_t den);
uint64_t __umoddi3(uint64_t num, uint64_t den);
int64_t __divdi3(int64_t num, int64_t den);
int64_t __moddi3(int64_t num, int64_t den);

/* GCC 12 asks for quotient and remainder at once when it needs both. */
uint64_t __udivmoddi4(uint64_t num, uint64_t den, uint64_t *rem)
{
	return udivmod64(num, den, rem);
}

uint64_t __udivdi3(uint64_t num, uint64_t den)
{
	return udivmod64(num, den, NULL);
}

uint64_t __umoddi3(uint64_t num, uint64_t den)
{
	uint64_t r;

	udivmod64(num, den, &r);
	return r;
}

/* C99 6.5.5: the quotient truncates toward zero; the remainder has the
 * sign of the dividend. */
int64_t __divdi3(int64_t num, int64_t den)
{
	uint64_t n = num < 0 ? 0 - (uint64_t)num : (uint64_t)num;
	uint64_t d = den < 0 ? 0 - (uint64_t)den : (uint64_t)den;
	uint64_t q = udivmod64(n, d, NULL);

	return (num < 0) != (den < 0) ? -(int64_t)q : (int64_t)q;
}

int64_t __moddi3(int64_t num, int64_t den)
{
	uint64_t n = num < 0 ? 0 - (uint64_t)num : (uint64_t)num;
	uint64_t d = den < 0 ? 0 - (uint64_t)den : (uint64_t)den;
	uint64_t r;

	udivmod64(n, d, &r);
	return num < 0 ? -(int64_t)r : (int64_t)r;
}

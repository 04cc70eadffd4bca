/*
 * runtime.c - what a freestanding 32-bit C program still needs: the
 * string functions GCC may emit calls to (struct copies, memset of local
 * arrays) and the libgcc helpers for 64-bit division, which i386 has no
 * instruction for. We write them here instead of linking a 32-bit libgcc,
 * because the build machines have no gcc-multilib.
 */
#include "guest.h"

void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;

	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

void *memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	while (n--)
		*d++ = *s++;
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d < s) {
		while (n--)
			*d++ = *s++;
	} else {
		while (n--)
			d[n] = s[n];
	}
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x < *y ? -1 : 1;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			break;
	}
	return 0;
}

/*
 * Unsigned 64-bit division by shift-and-subtract: one bit of quotient per
 * step, at most 64 steps. Slow but obviously right, and the guests only
 * divide when printing numbers.
 */
static uint64_t udivmod64(uint64_t num, uint64_t den, uint64_t *rem)
{
	uint64_t quot = 0, r = 0;

	if (den == 0) {
		/* What the hardware would do for a 32-bit divide. */
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

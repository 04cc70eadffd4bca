/* Host tests for hv/lib/format.c: every case is compared with libc. */
#include "check.h"
#include "hv/lib/format.h"

#include <limits.h>
#include <stdlib.h>

/* Run the same format through fmt_snprintf and the host's snprintf. */
#define SAME(...)                                                              \
	do {                                                                   \
		char mine_[512], host_[512];                                   \
		int rm_ = fmt_snprintf(mine_, sizeof mine_, __VA_ARGS__);     \
		int rh_ = snprintf(host_, sizeof host_, __VA_ARGS__);         \
		CHECK_STR(mine_, host_);                                       \
		CHECK_EQ(rm_, rh_);                                            \
	} while (0)

TEST(plain_text_and_percent)
{
	SAME("hello");
	SAME("");
	SAME("100%% sure");
	SAME("%%%d%%", 5);
}

TEST(signed_decimal_limits)
{
	SAME("%d %d %d", 0, INT_MAX, INT_MIN);
	SAME("%i", -1);
	SAME("%lld", (long long)INT64_MIN);
	SAME("%lld", (long long)INT64_MAX);
	SAME("%ld %ld", LONG_MIN, LONG_MAX);
	SAME("%jd", (intmax_t)INT64_MIN);
	SAME("%zd %td", (ssize_t)-5, (ptrdiff_t)-7);
	SAME("%hhd %hhd %hhd", 127, 128, -129);
	SAME("%hd %hd", 32767, 65535);
}

TEST(unsigned_conversions)
{
	SAME("%u %u", 0u, UINT_MAX);
	SAME("%llu", (unsigned long long)UINT64_MAX);
	SAME("%x %X %o", 0xdeadbeefu, 0xdeadbeefu, 0777u);
	SAME("%llx %llX %llo", (unsigned long long)UINT64_MAX,
	     (unsigned long long)UINT64_MAX, (unsigned long long)UINT64_MAX);
	SAME("%zx %zu", (size_t)SIZE_MAX, (size_t)12345);
	SAME("%jx %tx", (uintmax_t)0x123456789abcull, (ptrdiff_t)0x77);
	SAME("%hhx %hhu %hx", 0x1ff, 0x1ff, 0x12345);
}

TEST(flags_and_widths)
{
	SAME("[%5d] [%-5d] [%05d] [%+d] [% d] [%+ d]", 42, 42, 42, 42, 42, 42);
	SAME("[%05d] [%-05d] [%+05d] [% 05d]", -42, -42, 42, 42);
	SAME("[%#x] [%#X] [%#o] [%#x] [%#o]", 255, 255, 8, 0, 0);
	SAME("[%#10x] [%#-10x] [%#010x]", 255, 255, 255);
	SAME("[%20lld] [%-20lld] [%020lld]", (long long)INT64_MIN,
	     (long long)INT64_MIN, (long long)INT64_MIN);
	SAME("[%+u] [% u]", 5u, 5u); /* + and space ignored for unsigned */
}

TEST(integer_precision)
{
	SAME("[%.0d] [%.0x] [%.0u] [%5.0d] [%.0o] [%#.0o]", 0, 0, 0u, 0, 0u, 0u);
	SAME("[%.5d] [%.5d] [%8.5d] [%-8.5d] [%08.5d]", 42, -42, 42, -42, 42);
	SAME("[%#.5x] [%#.3o] [%#.1o] [%.3x]", 0x1f, 8u, 8u, 0xabcdu);
	SAME("[%+.3d] [% .3d] [%.1d]", 7, 7, 0);
}

TEST(star_width_and_precision)
{
	SAME("[%*d]", 6, 42);
	SAME("[%*d]", -6, 42); /* negative width = '-' flag */
	SAME("[%.*d]", 4, 42);
	SAME("[%.*d]", -1, 42); /* negative precision = none */
	SAME("[%*.*s]", 8, 3, "abcdef");
	SAME("[%-*.*x]", 10, 6, 0xabcu);
	SAME("[%0*d]", 7, -3);
}

TEST(chars_and_strings)
{
	SAME("[%c] [%3c] [%-3c]", 'a', 'b', 'c');
	SAME("[%s] [%10s] [%-10s]", "x", "right", "left");
	SAME("[%.3s] [%.0s] [%10.2s] [%-10.2s]", "abcdef", "abc", "abc", "abc");
	const char *volatile null_str = NULL;
	SAME("[%s]", null_str);
	SAME("[%10s] [%-8s]", null_str, null_str);
	SAME("[%.3s]", null_str);
	SAME("[%.6s]", null_str);
}

TEST(precision_on_unterminated_string)
{
	/* With a precision, nothing past it may be read (ASan checks). */
	char *p = malloc(3);
	memcpy(p, "xyz", 3);
	char out[16];
	CHECK_EQ(fmt_snprintf(out, sizeof out, "%.3s", p), 3);
	CHECK_STR(out, "xyz");
	free(p);
}

TEST(pointers)
{
	int x;
	void *volatile null_ptr = NULL;
	SAME("%p", (void *)&x);
	SAME("%p", (void *)0x1000);
	SAME("[%20p] [%-20p]", (void *)0xabc, (void *)0xabc);
	SAME("%p", null_ptr);
	SAME("[%10p]", null_ptr);
}

TEST(unknown_conversion_is_shown)
{
	char out[32];
	/* Non-literal formats so the compiler's own check stays quiet. */
	const char *volatile bad1 = "a%qb", *volatile bad2 = "end%";
	CHECK_EQ(fmt_snprintf(out, sizeof out, bad1), 4);
	CHECK_STR(out, "a%qb");
	CHECK_EQ(fmt_snprintf(out, sizeof out, bad2), 4);
	CHECK_STR(out, "end%");
}

TEST(truncation_and_return_value)
{
	char out[8];
	memset(out, 'Z', sizeof out);
	CHECK_EQ(fmt_snprintf(out, 5, "%s", "abcdefgh"), 8);
	CHECK_STR(out, "abcd");
	CHECK_EQ(out[5], 'Z'); /* nothing written past size */
	CHECK_EQ(fmt_snprintf(out, 1, "%d", 12345), 5);
	CHECK_STR(out, "");
	CHECK_EQ(fmt_snprintf(NULL, 0, "%d", 12345), 5);
}

static void count_put(void *ctx, char c)
{
	char **p = ctx;
	*(*p)++ = c;
}

TEST(callback_receives_every_char)
{
	char buf[64] = { 0 }, *p = buf;
	CHECK_EQ(fmt_format(count_put, &p, "%s=%#x", "cr0", 0x80000011u), 14);
	CHECK_STR(buf, "cr0=0x80000011");
}

/* Random specs: flags x width x precision x length x conversion. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

TEST(random_specs_match_libc)
{
	static const char *const lens[] = { "", "hh", "h", "l", "ll", "z", "j", "t" };
	static const char convs[] = "diuxXo";
	static const uint64_t interesting[] = {
		0, 1, 7, 8, 9, 10, 15, 16, 255, 256, 0x7f, 0x80, 0x7fff, 0x8000,
		0xffff, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ull,
		0x7fffffffffffffffull, 0x8000000000000000ull, UINT64_MAX,
	};
	int mismatches = 0;

	for (int i = 0; i < 20000 && mismatches < 5; i++) {
		char spec[32];
		int n = 0;
		spec[n++] = '%';
		const char *flagset = "-0+ #";
		for (int f = 0; f < 5; f++)
			if (rnd() % 3 == 0)
				spec[n++] = flagset[f];
		if (rnd() % 2)
			n += sprintf(spec + n, "%d", (int)(rnd() % 25));
		if (rnd() % 2)
			n += sprintf(spec + n, ".%d", (int)(rnd() % 25));
		const char *len = lens[rnd() % 8];
		n += sprintf(spec + n, "%s%c", len, convs[rnd() % 6]);
		spec[n] = '\0';

		uint64_t v = rnd() % 2 ? interesting[rnd() % 22] : rnd();
		if (rnd() % 2)
			v = 0 - v;
		char mine[128], host[128];
		int rm, rh;
		/* Pass the value with the width the length modifier reads. */
		if (len[0] == 'l' || len[0] == 'z' || len[0] == 'j' ||
		    len[0] == 't') {
			rm = fmt_snprintf(mine, sizeof mine, spec, v);
			rh = snprintf(host, sizeof host, spec, v);
		} else {
			rm = fmt_snprintf(mine, sizeof mine, spec, (int)v);
			rh = snprintf(host, sizeof host, spec, (int)v);
		}
		if (strcmp(mine, host) != 0 || rm != rh) {
			CHECK_FAIL_AT(__FILE__, __LINE__,
				      "spec %s value 0x%" PRIx64
				      ": mine \"%s\" (%d) host \"%s\" (%d)",
				      spec, v, mine, rm, host, rh);
			mismatches++;
		}
	}
}

TEST_MAIN()

/*
 * format.c - printf formatting core (see format.h for what is supported).
 *
 * The rules for flags, width and precision follow C11 7.21.6.1:
 *  - integer precision is the minimum number of digits; a zero value with
 *    precision 0 prints no digits (except "%#o", which prints "0");
 *  - the '0' flag is ignored when '-' is given or, for integers, when a
 *    precision is given;
 *  - '+' beats ' ', and both apply to signed conversions only;
 *  - '#' adds "0x"/"0X" to a non-zero %x/%X and forces a leading 0 for %o.
 */
#include "hv/lib/format.h"

#include <stdbool.h>
#include <stdint.h>

struct fmt_out {
	fmt_put_fn put;
	void *ctx;
	int count;
};

struct fmt_spec {
	bool left;      /* '-' */
	bool zero;      /* '0' */
	bool plus;      /* '+' */
	bool space;     /* ' ' */
	bool alt;       /* '#' */
	int width;      /* 0 = none */
	int precision;  /* -1 = none */
};

static void out_char(struct fmt_out *o, char c)
{
	o->put(o->ctx, c);
	o->count++;
}

static void out_repeat(struct fmt_out *o, char c, int n)
{
	while (n-- > 0)
		out_char(o, c);
}

/* Emit a string of known length padded to the field width. */
static void out_padded(struct fmt_out *o, const struct fmt_spec *s,
		       const char *str, int len)
{
	int pad = s->width > len ? s->width - len : 0;

	if (!s->left)
		out_repeat(o, ' ', pad);
	for (int i = 0; i < len; i++)
		out_char(o, str[i]);
	if (s->left)
		out_repeat(o, ' ', pad);
}

/*
 * Emit an integer: [padding][sign or prefix][zeros][digits][padding].
 * The magnitude comes in as unsigned; negative says a '-' is needed.
 */
static void out_integer(struct fmt_out *o, const struct fmt_spec *s,
			uint64_t mag, bool negative, bool is_signed,
			unsigned base, bool upper)
{
	/* 64 bits in octal is 22 digits. */
	char digits[24];
	int ndigits = 0;
	const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";

	/* C11: "The result of converting a zero value with a precision of
	 * zero is no characters." */
	if (!(mag == 0 && s->precision == 0)) {
		do {
			digits[ndigits++] = set[mag % base];
			mag /= base;
		} while (mag);
	}

	const char *prefix = "";
	if (is_signed) {
		if (negative)
			prefix = "-";
		else if (s->plus)
			prefix = "+";
		else if (s->space)
			prefix = " ";
	} else if (s->alt && base == 16 && ndigits > 0 &&
		   !(ndigits == 1 && digits[0] == '0')) {
		prefix = upper ? "0X" : "0x";
	}
	int prefix_len = 0;
	while (prefix[prefix_len])
		prefix_len++;

	/* Zeros demanded by the precision (and by '#' for octal). */
	int zeros = s->precision > ndigits ? s->precision - ndigits : 0;
	if (s->alt && base == 8 && zeros == 0 &&
	    (ndigits == 0 || digits[ndigits - 1] != '0'))
		zeros = 1;

	int body = prefix_len + zeros + ndigits;
	int pad = s->width > body ? s->width - body : 0;

	if (s->zero && !s->left && s->precision < 0) {
		/* '0' flag: the padding becomes leading zeros after the sign. */
		zeros += pad;
		pad = 0;
	}
	if (!s->left)
		out_repeat(o, ' ', pad);
	for (int i = 0; i < prefix_len; i++)
		out_char(o, prefix[i]);
	out_repeat(o, '0', zeros);
	while (ndigits > 0)
		out_char(o, digits[--ndigits]);
	if (s->left)
		out_repeat(o, ' ', pad);
}

enum fmt_length { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z, LEN_J, LEN_T };

static int64_t fetch_signed(va_list *ap, enum fmt_length len)
{
	switch (len) {
	case LEN_HH: return (signed char)va_arg(*ap, int);
	case LEN_H:  return (short)va_arg(*ap, int);
	case LEN_L:  return va_arg(*ap, long);
	case LEN_LL: return va_arg(*ap, long long);
	/* The signed type matching size_t is ptrdiff_t on every ABI we build. */
	case LEN_Z:  return va_arg(*ap, ptrdiff_t);
	case LEN_J:  return va_arg(*ap, intmax_t);
	case LEN_T:  return va_arg(*ap, ptrdiff_t);
	default:     return va_arg(*ap, int);
	}
}

static uint64_t fetch_unsigned(va_list *ap, enum fmt_length len)
{
	switch (len) {
	case LEN_HH: return (unsigned char)va_arg(*ap, unsigned int);
	case LEN_H:  return (unsigned short)va_arg(*ap, unsigned int);
	case LEN_L:  return va_arg(*ap, unsigned long);
	case LEN_LL: return va_arg(*ap, unsigned long long);
	case LEN_Z:  return va_arg(*ap, size_t);
	case LEN_J:  return va_arg(*ap, uintmax_t);
	case LEN_T:  return (uint64_t)va_arg(*ap, ptrdiff_t);
	default:     return va_arg(*ap, unsigned int);
	}
}

int fmt_vformat(fmt_put_fn put, void *ctx, const char *fmt, va_list ap_in)
{
	struct fmt_out o = { put, ctx, 0 };
	va_list ap;

	/* A local copy lets helpers take a pointer to it portably (va_list
	 * is an array type on x86-64, so &parameter has the wrong type). */
	va_copy(ap, ap_in);

	while (*fmt) {
		if (*fmt != '%') {
			out_char(&o, *fmt++);
			continue;
		}
		const char *start = fmt++;
		struct fmt_spec s = { .precision = -1 };

		for (;; fmt++) {
			if (*fmt == '-')
				s.left = true;
			else if (*fmt == '0')
				s.zero = true;
			else if (*fmt == '+')
				s.plus = true;
			else if (*fmt == ' ')
				s.space = true;
			else if (*fmt == '#')
				s.alt = true;
			else
				break;
		}

		if (*fmt == '*') {
			int w = va_arg(ap, int);
			fmt++;
			if (w < 0) {
				s.left = true;
				/* -INT_MIN overflows; clamp, no real field is that wide. */
				w = w == INT32_MIN ? INT32_MAX : -w;
			}
			s.width = w;
		} else {
			while (*fmt >= '0' && *fmt <= '9') {
				if (s.width < 100000000)
					s.width = s.width * 10 + (*fmt - '0');
				fmt++;
			}
		}

		if (*fmt == '.') {
			fmt++;
			if (*fmt == '*') {
				int p = va_arg(ap, int);
				fmt++;
				s.precision = p < 0 ? -1 : p;
			} else {
				s.precision = 0;
				while (*fmt >= '0' && *fmt <= '9') {
					if (s.precision < 100000000)
						s.precision = s.precision * 10 +
							      (*fmt - '0');
					fmt++;
				}
			}
		}

		enum fmt_length len = LEN_NONE;
		switch (*fmt) {
		case 'h':
			fmt++;
			len = LEN_H;
			if (*fmt == 'h') {
				fmt++;
				len = LEN_HH;
			}
			break;
		case 'l':
			fmt++;
			len = LEN_L;
			if (*fmt == 'l') {
				fmt++;
				len = LEN_LL;
			}
			break;
		case 'z': fmt++; len = LEN_Z; break;
		case 'j': fmt++; len = LEN_J; break;
		case 't': fmt++; len = LEN_T; break;
		default: break;
		}

		char conv = *fmt;
		if (conv == '\0') {
			/* A lone '%' at the end: print what we have literally. */
			while (start < fmt)
				out_char(&o, *start++);
			break;
		}
		fmt++;

		switch (conv) {
		case 'd':
		case 'i': {
			int64_t v = fetch_signed(&ap, len);
			/* Negate in unsigned arithmetic: -INT64_MIN overflows. */
			uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
			out_integer(&o, &s, mag, v < 0, true, 10, false);
			break;
		}
		case 'u':
			out_integer(&o, &s, fetch_unsigned(&ap, len), false,
				    false, 10, false);
			break;
		case 'x':
		case 'X':
			out_integer(&o, &s, fetch_unsigned(&ap, len), false,
				    false, 16, conv == 'X');
			break;
		case 'o':
			out_integer(&o, &s, fetch_unsigned(&ap, len), false,
				    false, 8, false);
			break;
		case 'p': {
			void *p = va_arg(ap, void *);
			if (!p) {
				struct fmt_spec ps = s;
				ps.precision = -1;
				out_padded(&o, &ps, "(nil)", 5);
			} else {
				s.alt = true;
				out_integer(&o, &s, (uintptr_t)p, false, false,
					    16, false);
			}
			break;
		}
		case 'c': {
			char c = (char)va_arg(ap, int);
			out_padded(&o, &s, &c, 1);
			break;
		}
		case 's': {
			const char *str = va_arg(ap, const char *);
			if (!str) {
				str = "(null)";
				/* glibc prints nothing rather than a cut-off
				 * "(nu"; match it so output compares equal. */
				if (s.precision >= 0 && s.precision < 6)
					str = "";
			}
			/* Never read past the precision: the string need not
			 * be NUL-terminated within it (C11 7.21.6.1p8). */
			int n = 0;
			while ((s.precision < 0 || n < s.precision) && str[n])
				n++;
			out_padded(&o, &s, str, n);
			break;
		}
		case '%':
			out_char(&o, '%');
			break;
		default:
			/* Unknown conversion: show it rather than guess. */
			while (start < fmt)
				out_char(&o, *start++);
			break;
		}
	}
	va_end(ap);
	return o.count;
}

int fmt_format(fmt_put_fn put, void *ctx, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = fmt_vformat(put, ctx, fmt, ap);
	va_end(ap);
	return n;
}

struct fmt_buffer {
	char *buf;
	size_t size;
	size_t used; /* characters stored, excluding the NUL */
};

static void buffer_put(void *ctx, char c)
{
	struct fmt_buffer *b = ctx;

	/* Keep one byte for the terminating NUL. */
	if (b->used + 1 < b->size)
		b->buf[b->used++] = c;
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct fmt_buffer b = { buf, size, 0 };
	int n = fmt_vformat(buffer_put, &b, fmt, ap);

	if (size > 0)
		buf[b.used] = '\0';
	return n;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

int fmt_error(char *err, size_t errlen, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		fmt_vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

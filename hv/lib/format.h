/*
 * format.h - printf-style formatting without a C library.
 *
 * The hypervisor prints through a put-char callback (serial port, VGA, a
 * log ring), so the core formatter emits one character at a time and the
 * buffer variants are thin wrappers over it. Pure code: no globals, no
 * floating point, so it links into the hypervisor and into host tests.
 *
 * Supported (C11 7.21.6.1 subset):
 *   conversions  %d %i %u %x %X %o %c %s %p %%
 *   length       hh h l ll z j t
 *   flags        - 0 + space #
 *   width and precision, either may be '*' (taken from the argument list;
 *   a negative '*' width means '-' flag, a negative '*' precision means
 *   "no precision"), exactly as C11 specifies.
 * Differences from glibc, on purpose:
 *   %s with a NULL pointer prints "(null)" (glibc does too; C says UB).
 *   %p prints like %#lx ("0x1234"), and "(nil)" for NULL like glibc.
 *   An unknown conversion such as %q is printed literally ("%q") so a typo
 *   in a format string is visible instead of silently eating arguments.
 *   No %n, no floating point, no positional ("%1$d") arguments.
 */
#ifndef NESTOR_LIB_FORMAT_H
#define NESTOR_LIB_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

/* Receives each output character in order; ctx is passed through. */
typedef void (*fmt_put_fn)(void *ctx, char c);

/* Format into put(); returns the number of characters emitted. */
int fmt_vformat(fmt_put_fn put, void *ctx, const char *fmt, va_list ap);
int fmt_format(fmt_put_fn put, void *ctx, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Format into buf[0..size). The output is always NUL-terminated when
 * size > 0 (truncated if needed); buf may be NULL when size is 0. Returns
 * the length the full output would have had (like C's snprintf), so
 * "ret >= size" means truncation.
 */
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Format a message into err (if err and errlen) and return -1: the
 * parsers' "report and fail" in one call. */
int fmt_error(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif

/*
 * console.h - kprintf and leveled logging to every console sink (serial,
 * VGA text). One line per event, prefixed by subsystem.
 */
#ifndef NESTOR_DRIVERS_CONSOLE_H
#define NESTOR_DRIVERS_CONSOLE_H

#include <stdarg.h>

enum log_level { LOG_LEVEL_ERROR, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

extern enum log_level console_log_level;

void console_putc(char c);
void console_puts(const char *s);
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kvprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
void klog(enum log_level level, const char *subsys, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define log_err(subsys, ...) klog(LOG_LEVEL_ERROR, subsys, __VA_ARGS__)
#define log_warn(subsys, ...) klog(LOG_LEVEL_WARN, subsys, __VA_ARGS__)
#define log_info(subsys, ...) klog(LOG_LEVEL_INFO, subsys, __VA_ARGS__)
#define log_debug(subsys, ...) klog(LOG_LEVEL_DEBUG, subsys, __VA_ARGS__)

/* Which sinks are on; serial is on once uart_init succeeded. */
void console_enable_vga(int on);
/* Hold the console across several prints (one CPU's report stays in one
 * piece); nests, and kprintf/klog take it themselves. */
void console_lock(void);
void console_unlock(void);
void console_flush(void);

#endif

/*
 * host_rtc.h - the wall-clock time of the machine Nestor runs on, read
 * once at boot from its CMOS RTC (ports 0x70/0x71, MC146818) and carried
 * forward with the TSC. The guests' RTCs and kvmclock wall clocks start
 * from it.
 */
#ifndef NESTOR_HOST_HOST_RTC_H
#define NESTOR_HOST_HOST_RTC_H

#include <stdint.h>

/* Read the host RTC (boot CPU, before any guest runs; after
 * tsc_calibrate). Falls back to HOST_RTC_FALLBACK_UNIX, logged, when the
 * RTC is absent or gives an invalid date. */
void host_rtc_read(void);
/* Seconds since 1970 UTC (the RTC is taken to run in UTC) at the TSC
 * value tsc, and the nanoseconds within that second. */
uint64_t host_unix_time(uint64_t tsc, uint32_t *nsec);
/* The TSC value at which the host time is unix_ns (nanoseconds since
 * 1970), the inverse of host_unix_time (rounded up). */
uint64_t host_time_to_tsc(uint64_t unix_ns);

#define HOST_RTC_FALLBACK_UNIX 1767225600ull /* 2026-01-01 00:00:00 UTC */

#endif

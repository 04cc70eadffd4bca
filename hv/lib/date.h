/*
 * date.h - calendar dates and times as the CMOS RTC keeps them, and
 * their conversion to and from seconds since 1970-01-01 00:00:00 UTC
 * (proleptic Gregorian calendar, no leap seconds).
 */
#ifndef NESTOR_LIB_DATE_H
#define NESTOR_LIB_DATE_H

#include <stdbool.h>
#include <stdint.h>

struct date_time {
	uint16_t year;                 /* 1970-9999 */
	uint8_t month, day;            /* 1-12, 1-31 */
	uint8_t hour, minute, second;  /* 0-23, 0-59, 0-59 */
	uint8_t weekday;               /* 1-7, Sunday = 1 (MC146818 register 6) */
};

bool date_is_valid(const struct date_time *d);
/* Seconds since the epoch; the weekday is ignored. */
uint64_t date_to_unix(const struct date_time *d);
/* The date of secs (weekday filled in). */
void date_from_unix(uint64_t secs, struct date_time *d);

#endif

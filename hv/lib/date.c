/*
 * date.c - calendar arithmetic (see date.h).
 */
#include "hv/lib/date.h"

static bool leap(unsigned y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static unsigned month_days(unsigned y, unsigned m)
{
	static const uint8_t days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return days[m - 1] + (m == 2 && leap(y));
}

/* Days from 1970-01-01 to January 1st of year y (y >= 1970). */
static uint64_t days_before_year(unsigned y)
{
	uint64_t n = y - 1970;
	/* Leap years in [1970, y): those divisible by 4, less by 100, plus by 400. */
	unsigned p = y - 1;
	uint64_t leaps = (p / 4 - p / 100 + p / 400) - (1969 / 4 - 1969 / 100 + 1969 / 400);
	return n * 365 + leaps;
}

bool date_is_valid(const struct date_time *d)
{
	return d->year >= 1970 && d->year <= 9999 && d->month >= 1 && d->month <= 12 && d->day >= 1 &&
	       d->day <= month_days(d->year, d->month) && d->hour < 24 && d->minute < 60 && d->second < 60;
}

uint64_t date_to_unix(const struct date_time *d)
{
	uint64_t days = days_before_year(d->year);
	for (unsigned m = 1; m < d->month; m++)
		days += month_days(d->year, m);
	days += d->day - 1u;
	return days * 86400 + d->hour * 3600u + d->minute * 60u + d->second;
}

void date_from_unix(uint64_t secs, struct date_time *d)
{
	uint64_t days = secs / 86400, rem = secs % 86400;
	d->hour = (uint8_t)(rem / 3600);
	d->minute = (uint8_t)(rem / 60 % 60);
	d->second = (uint8_t)(rem % 60);
	d->weekday = (uint8_t)((days + 4) % 7 + 1); /* 1970-01-01 was a Thursday (5) */
	unsigned y = 1970 + (unsigned)(days / 366);
	while (days_before_year(y + 1) <= days)
		y++;
	days -= days_before_year(y);
	unsigned m = 1;
	while (days >= month_days(y, m))
		days -= month_days(y, m++);
	d->year = (uint16_t)y;
	d->month = (uint8_t)m;
	d->day = (uint8_t)(days + 1);
}

/* test_date - calendar conversion against libc's gmtime/timegm. */
#define _GNU_SOURCE
#include "tests/host/check.h"

#include <time.h>

#include "hv/lib/date.h"

TEST(known_dates)
{
	struct date_time d = { 1970, 1, 1, 0, 0, 0, 0 };
	CHECK_EQ(date_to_unix(&d), 0);
	d = (struct date_time){ 2000, 2, 29, 12, 34, 56, 0 };
	CHECK_EQ(date_to_unix(&d), 951827696);
	date_from_unix(951827696, &d);
	CHECK_EQ(d.year, 2000);
	CHECK_EQ(d.month, 2);
	CHECK_EQ(d.day, 29);
	CHECK_EQ(d.weekday, 3); /* a Tuesday */
	CHECK(date_is_valid(&d));
	d.year = 1900;
	CHECK(!date_is_valid(&d));
	d = (struct date_time){ 2023, 2, 29, 0, 0, 0, 0 };
	CHECK(!date_is_valid(&d));
}

TEST(agrees_with_gmtime_over_centuries)
{
	for (uint64_t t = 0; t < 8000000000ull; t += 86400ull * 37 + 3671) {
		time_t tt = (time_t)t;
		struct tm tm;
		gmtime_r(&tt, &tm);
		struct date_time d;
		date_from_unix(t, &d);
		CHECK_EQ(d.year, tm.tm_year + 1900);
		CHECK_EQ(d.month, tm.tm_mon + 1);
		CHECK_EQ(d.day, tm.tm_mday);
		CHECK_EQ(d.hour, tm.tm_hour);
		CHECK_EQ(d.minute, tm.tm_min);
		CHECK_EQ(d.second, tm.tm_sec);
		CHECK_EQ(d.weekday, tm.tm_wday + 1);
		CHECK_EQ(date_to_unix(&d), t);
		if (check_failed_in_case)
			break;
	}
}

TEST_MAIN()

/* test_placement - the cpus= list parser and formatter, and where vCPUs
 * go: spread round-robin by default, dealt over cpus=, errors naming the
 * option for CPUs that do not run. */
#include "tests/host/check.h"

#include "hv/core/placement.h"
#include "hv/lib/cpu_list.h"

static bool parse(const char *s, uint64_t *m) { return cpu_list_parse(s, strlen(s), m); }

TEST(cpu_lists)
{
	uint64_t m = 0;
	CHECK(parse("0", &m));
	CHECK_EQ(m, 1);
	CHECK(parse("1", &m));
	CHECK_EQ(m, 2);
	CHECK(parse("0-1", &m));
	CHECK_EQ(m, 3);
	CHECK(parse("0,2-3,7", &m));
	CHECK_EQ(m, 0x8d);
	CHECK(parse("3-3", &m));
	CHECK_EQ(m, 8);
	CHECK(parse("63", &m));
	CHECK_EQ(m, 1ull << 63);
	CHECK(parse("0-63", &m));
	CHECK_EQ(m, ~0ull);
	CHECK(parse("1,1", &m));
	CHECK_EQ(m, 2);
}

TEST(bad_cpu_lists)
{
	static const char *const bad[] = { "", "-", "1-", "-1", "1-0", "0,,1", ",0", "0,", "64", "0-64", "a", "1a",
					   "1 2", "0x1", "99999999999" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t m = 12345;
		if (parse(bad[i], &m))
			CHECK_FAIL_AT(__FILE__, __LINE__, "'%s' parsed as 0x%llx", bad[i], (unsigned long long)m);
		CHECK_EQ(m, 12345); /* untouched */
	}
}

TEST(formatting)
{
	char b[64];
	cpu_list_format(0, b, sizeof(b));
	CHECK_STR(b, "none");
	cpu_list_format(1, b, sizeof(b));
	CHECK_STR(b, "0");
	cpu_list_format(3, b, sizeof(b));
	CHECK_STR(b, "0-1");
	cpu_list_format(0x8d, b, sizeof(b));
	CHECK_STR(b, "0,2-3,7");
	cpu_list_format(1ull << 63 | 1, b, sizeof(b));
	CHECK_STR(b, "0,63");
	cpu_list_format(0x8d, b, 4); /* truncated, still terminated */
	CHECK_STR(b, "0,2");
}

TEST(default_spreads_round_robin_across_vms)
{
	unsigned rr = 0, out[8];
	char err[160];
	CHECK_EQ(place_vcpus(0, 3, 1, &rr, out, err, sizeof(err)), 0);
	CHECK_EQ(out[0], 0);
	CHECK_EQ(place_vcpus(0, 3, 1, &rr, out, err, sizeof(err)), 0);
	CHECK_EQ(out[0], 1);
	CHECK_EQ(place_vcpus(0, 3, 3, &rr, out, err, sizeof(err)), 0);
	CHECK_EQ(out[0], 0);
	CHECK_EQ(out[1], 1);
	CHECK_EQ(out[2], 0);
	/* CPU 1 failed to start: 0 and 2 run. */
	rr = 0;
	CHECK_EQ(place_vcpus(0, 5, 3, &rr, out, err, sizeof(err)), 0);
	CHECK_EQ(out[0], 0);
	CHECK_EQ(out[1], 2);
	CHECK_EQ(out[2], 0);
	/* One CPU: everything on it. */
	rr = 7;
	CHECK_EQ(place_vcpus(0, 1, 2, &rr, out, err, sizeof(err)), 0);
	CHECK_EQ(out[0], 0);
	CHECK_EQ(out[1], 0);
}

TEST(cpus_option_pins)
{
	unsigned rr = 5, out[8];
	char err[160];
	CHECK_EQ(place_vcpus(2, 3, 2, &rr, out, err, sizeof(err)), 0);
	CHECK_EQ(out[0], 1);
	CHECK_EQ(out[1], 1);
	CHECK_EQ(rr, 5); /* pinned VMs leave the default rotation alone */
	CHECK_EQ(place_vcpus(0xc, 0xf, 3, &rr, out, err, sizeof(err)), 0);
	CHECK_EQ(out[0], 2);
	CHECK_EQ(out[1], 3);
	CHECK_EQ(out[2], 2);
}

TEST(cpus_not_running_is_an_error)
{
	unsigned rr = 0, out[8];
	char err[160] = "";
	CHECK_EQ(place_vcpus(1ull << 5, 3, 1, &rr, out, err, sizeof(err)), -1);
	CHECK_STR(err, "option 'cpus': CPU 5 is not running (Nestor runs on CPU 0-1)");
	CHECK_EQ(place_vcpus(0xe, 1, 1, &rr, out, err, sizeof(err)), -1);
	CHECK_STR(err, "option 'cpus': CPU 1-3 are not running (Nestor runs on CPU 0)");
	CHECK_EQ(rr, 0);
}

TEST_MAIN()

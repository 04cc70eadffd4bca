/* Host tests for hv/lib/cmdline.c. */
#include "check.h"
#include "hv/lib/cmdline.h"

/* Collects every error message the parser reports. */
struct errors {
	int count;
	char msg[8][CMDLINE_MESSAGE_MAX];
};

static void collect(void *ctx, const char *message)
{
	struct errors *e = ctx;
	if (e->count < 8)
		snprintf(e->msg[e->count], CMDLINE_MESSAGE_MAX, "%s", message);
	e->count++;
}

/* A serial port: com1..com4 or a hex I/O port, to show CMDLINE_CUSTOM. */
static bool parse_serial(const char *v, size_t len, void *dest)
{
	static const uint16_t ports[] = { 0x3f8, 0x2f8, 0x3e8, 0x2e8 };
	if (len == 4 && strncmp(v, "com", 3) == 0 && v[3] >= '1' && v[3] <= '4') {
		*(uint16_t *)dest = ports[v[3] - '1'];
		return true;
	}
	uint64_t port;
	if (len > 2 && v[0] == '0' && v[1] == 'x' &&
	    cmdline_parse_uint(v, len, &port) && port <= 0xffff) {
		*(uint16_t *)dest = (uint16_t)port;
		return true;
	}
	return false;
}

static const char *const log_words[] = { "error", "warn", "info", "debug", NULL };

struct settings {
	char name[16];
	uint64_t mem;
	uint64_t vcpus;
	bool verbose;
	bool nested;
	unsigned log;
	uint16_t serial;
};

static struct settings s;
static struct errors errs;

static const struct cmdline_option table[] = {
	{ .name = "name", .type = CMDLINE_STRING, .dest = s.name,
	  .dest_size = sizeof s.name, .help = "a label" },
	{ .name = "mem", .type = CMDLINE_UINT, .dest = &s.mem,
	  .min = 1 << 20, .max = 64ull << 30, .help = "guest RAM" },
	{ .name = "vcpus", .type = CMDLINE_UINT, .dest = &s.vcpus, .min = 1,
	  .max = 8, .help = "virtual CPUs" },
	{ .name = "verbose", .type = CMDLINE_FLAG, .dest = &s.verbose,
	  .help = "print more" },
	{ .name = "nested", .type = CMDLINE_BOOL, .dest = &s.nested,
	  .help = "allow nested virtualization" },
	{ .name = "log", .type = CMDLINE_ENUM, .dest = &s.log, .words = log_words,
	  .help = "log level" },
	{ .name = "serial", .type = CMDLINE_CUSTOM, .dest = &s.serial,
	  .parse = parse_serial, .expect = "one of com1|com2|com3|com4|0xPORT",
	  .help = "console port" },
};
#define NOPTS (sizeof table / sizeof table[0])

static int parse(const char *line)
{
	memset(&s, 0, sizeof s);
	memset(&errs, 0, sizeof errs);
	return cmdline_parse(line, strlen(line), table, NOPTS, collect, &errs);
}

TEST(all_types_parse)
{
	CHECK_EQ(parse("name=alpha mem=512M vcpus=4 verbose nested=yes log=debug serial=com2"), 0);
	CHECK_STR(s.name, "alpha");
	CHECK_EQ(s.mem, 512ull << 20);
	CHECK_EQ(s.vcpus, 4);
	CHECK(s.verbose);
	CHECK(s.nested);
	CHECK_EQ(s.log, 3);
	CHECK_EQ(s.serial, 0x2f8);
	CHECK_EQ(errs.count, 0);
}

TEST(empty_and_whitespace_lines)
{
	CHECK_EQ(parse(""), 0);
	CHECK_EQ(parse("   \t  "), 0);
	CHECK_EQ(parse("  mem=2M\t\tvcpus=1  "), 0);
	CHECK_EQ(s.mem, 2 << 20);
	CHECK_EQ(cmdline_parse(NULL, 0, table, NOPTS, collect, &errs), 0);
}

TEST(numbers_and_suffixes)
{
	uint64_t v;
	CHECK(cmdline_parse_uint("4096", 4, &v) && v == 4096);
	CHECK(cmdline_parse_uint("0x1000", 6, &v) && v == 0x1000);
	CHECK(cmdline_parse_uint("0XfF", 4, &v) && v == 255);
	CHECK(cmdline_parse_uint("4k", 2, &v) && v == 4096);
	CHECK(cmdline_parse_uint("3G", 2, &v) && v == 3ull << 30);
	CHECK(cmdline_parse_uint("2T", 2, &v) && v == 2ull << 40);
	CHECK(cmdline_parse_uint("0x10M", 5, &v) && v == 16ull << 20);
	CHECK(cmdline_parse_uint("18446744073709551615", 20, &v) && v == UINT64_MAX);
	CHECK(!cmdline_parse_uint("18446744073709551616", 20, &v));
	CHECK(!cmdline_parse_uint("16777216T", 9, &v)); /* 2^64 overflows */
	CHECK(!cmdline_parse_uint("", 0, &v));
	CHECK(!cmdline_parse_uint("0x", 2, &v));
	CHECK(!cmdline_parse_uint("12Q", 3, &v));
	CHECK(!cmdline_parse_uint("1MB", 3, &v));
	CHECK(!cmdline_parse_uint("-1", 2, &v));
	CHECK(!cmdline_parse_uint("M", 1, &v));
}

TEST(unknown_key_is_named)
{
	CHECK_EQ(parse("foo=1 mem=4M"), 1);
	CHECK_STR(errs.msg[0], "unknown option 'foo'");
	CHECK_EQ(s.mem, 4 << 20); /* the valid one is still applied */
	CHECK_EQ(parse("bareword"), 1);
	CHECK_STR(errs.msg[0], "unknown option 'bareword'");
}

TEST(bad_values_name_key_value_and_expectation)
{
	CHECK_EQ(parse("serial=com9"), 1);
	CHECK_STR(errs.msg[0], "option 'serial': 'com9' is not one of com1|com2|com3|com4|0xPORT");
	CHECK_EQ(parse("log=loud"), 1);
	CHECK_STR(errs.msg[0], "option 'log': 'loud' is not one of error|warn|info|debug");
	CHECK_EQ(parse("mem=12Q"), 1);
	CHECK_STR(errs.msg[0], "option 'mem': '12Q' is not a number (expected e.g. 512M, 0x1000, 4096)");
	CHECK_EQ(parse("nested=maybe"), 1);
	CHECK_STR(errs.msg[0], "option 'nested': 'maybe' is not one of on|off|yes|no|true|false|1|0");
	CHECK_EQ(parse("name=abcdefghijklmnopq"), 1);
	CHECK_STR(errs.msg[0], "option 'name': value 'abcdefghijklmnopq' is too long (at most 15 characters)");
}

TEST(range_limits)
{
	CHECK_EQ(parse("vcpus=0"), 1);
	CHECK_STR(errs.msg[0], "option 'vcpus': '0' is below the minimum 1");
	CHECK_EQ(parse("vcpus=9"), 1);
	CHECK_STR(errs.msg[0], "option 'vcpus': '9' is above the maximum 8");
	CHECK_EQ(parse("mem=128G"), 1);
	CHECK_STR(errs.msg[0], "option 'mem': '128G' is above the maximum 64G");
	CHECK_EQ(parse("mem=64G vcpus=8"), 0);
}

TEST(every_error_is_reported)
{
	CHECK_EQ(parse("a=1 mem=x vcpus=2 b log=z name=ok"), 4);
	CHECK_EQ(errs.count, 4);
	CHECK_STR(errs.msg[0], "unknown option 'a'");
	CHECK_STR(errs.msg[1], "option 'mem': 'x' is not a number (expected e.g. 512M, 0x1000, 4096)");
	CHECK_STR(errs.msg[2], "unknown option 'b'");
	CHECK_STR(errs.msg[3], "option 'log': 'z' is not one of error|warn|info|debug");
	CHECK_EQ(s.vcpus, 2);
	CHECK_STR(s.name, "ok");
}

TEST(flags_and_bools)
{
	CHECK_EQ(parse("verbose=off"), 0);
	CHECK(!s.verbose);
	CHECK_EQ(parse("verbose=1"), 0);
	CHECK(s.verbose);
	CHECK_EQ(parse("nested"), 1); /* plain bools need a value */
	CHECK_STR(errs.msg[0], "option 'nested' needs a value (nested=...)");
	CHECK_EQ(parse("mem"), 1);
	CHECK_STR(errs.msg[0], "option 'mem' needs a value (mem=...)");
}

TEST(quoted_values)
{
	CHECK_EQ(parse("name=\"my guest\" vcpus=3"), 0);
	CHECK_STR(s.name, "my guest");
	CHECK_EQ(s.vcpus, 3);
	CHECK_EQ(parse("name=\"\""), 0);
	CHECK_STR(s.name, "");
	CHECK_EQ(parse("vcpus=2 name=\"open"), 1);
	CHECK_STR(errs.msg[0], "option 'name': missing closing quote in value");
	CHECK_EQ(s.vcpus, 2);
	CHECK_EQ(parse("name=\"a\"b vcpus=5"), 1);
	CHECK_STR(errs.msg[0], "option 'name': unexpected 'b' after the closing quote");
	CHECK_EQ(s.vcpus, 5);
}

TEST(odd_tokens)
{
	CHECK_EQ(parse("=5"), 1);
	CHECK_STR(errs.msg[0], "missing option name before '=5'");
	CHECK_EQ(parse("mem="), 1); /* empty value is not a number */
	CHECK_EQ(parse("name="), 0);
	CHECK_STR(s.name, "");
	CHECK_EQ(parse("name=a=b"), 0); /* only the first '=' splits */
	CHECK_STR(s.name, "a=b");
	CHECK_EQ(parse("vcpus=1 vcpus=6"), 0); /* later wins */
	CHECK_EQ(s.vcpus, 6);
}

TEST(long_value_is_shortened_in_message)
{
	char line[200] = "log=";
	memset(line + 4, 'x', 150);
	line[154] = '\0';
	CHECK_EQ(parse(line), 1);
	CHECK(strstr(errs.msg[0], "xxx...' is not one of") != NULL);
	CHECK(strlen(errs.msg[0]) < CMDLINE_MESSAGE_MAX);
}

TEST(length_bound_is_respected)
{
	/* Only the first 7 bytes belong to the line; no NUL after them. */
	char buf[7];
	memcpy(buf, "vcpus=3", 7);
	memset(&s, 0, sizeof s);
	CHECK_EQ(cmdline_parse(buf, sizeof buf, table, NOPTS, collect, &errs), 0);
	CHECK_EQ(s.vcpus, 3);
	/* An embedded NUL ends the line early. */
	CHECK_EQ(cmdline_parse("vcpus=4\0junk", 12, table, NOPTS, collect, &errs), 0);
	CHECK_EQ(s.vcpus, 4);
}

TEST(null_error_callback_still_counts)
{
	CHECK_EQ(cmdline_parse("x y", 3, table, NOPTS, NULL, NULL), 2);
}

TEST(skip_image_name)
{
	CHECK_STR(cmdline_skip_image_name("/boot/nestor.elf serial=com1"), "serial=com1");
	CHECK_STR(cmdline_skip_image_name("  (hd0,gpt2)/boot/n.elf  a=b"), "a=b");
	CHECK_STR(cmdline_skip_image_name("/boot/nestor.elf"), "");
	CHECK_STR(cmdline_skip_image_name("serial=com1 x"), "serial=com1 x");
	CHECK_STR(cmdline_skip_image_name("/odd=path a"), "/odd=path a");
	CHECK_STR(cmdline_skip_image_name(""), "");
	CHECK(cmdline_skip_image_name(NULL) == NULL);
}

static void put_buf(void *ctx, char c)
{
	char **p = ctx;
	*(*p)++ = c;
	**p = '\0';
}

TEST(help_listing)
{
	char out[2048], *p = out;
	cmdline_print_help(table, NOPTS, put_buf, &p);
	CHECK(strstr(out, "  name=<text>") == out);
	CHECK(strstr(out, "mem=<number>") != NULL);
	CHECK(strstr(out, "guest RAM (1M..64G)\n") != NULL);
	CHECK(strstr(out, "verbose[=on|off]") != NULL);
	CHECK(strstr(out, "log=error|warn|info|debug") != NULL);
	CHECK(strstr(out, "console port\n") != NULL);
	/* Help texts start in one column. */
	const char *a = strstr(out, "a label"), *b = strstr(out, "virtual CPUs");
	const char *la = a, *lb = b;
	while (la > out && la[-1] != '\n') la--;
	while (lb > out && lb[-1] != '\n') lb--;
	CHECK_EQ(a - la, b - lb);
}

TEST_MAIN()

/*
 * options.c - the table of Nestor's command-line options (README.md lists
 * the same). The table drives parsing, error messages and `help`.
 */
#include "hv/host/options.h"
#include "drivers/console.h"
#include "hv/lib/cmdline.h"
#include "hv/lib/string.h"
#include "hv/host/shutdown.h"

static const char *const console_words[] = { "serial", "vga", "both", 0 };
static const char *const loglevel_words[] = { "error", "warn", "info", "debug", 0 };
static const char *const exit_words[] = { "halt", "qemu", "bochs", 0 };
static const char *const tsc_words[] = { "cpuid", "stable", 0 };
static const char *const selftest_words[] = { "none", "pagefault", "panic", "stackoverflow", "nosipi", 0 };

/* serial=com1..com4, off, or an I/O port number. */
static bool parse_serial(const char *v, size_t len, void *dest)
{
	static const struct {
		const char *name;
		uint16_t port;
	} named[] = { { "com1", 0x3f8 }, { "com2", 0x2f8 }, { "com3", 0x3e8 }, { "com4", 0x2e8 }, { "off", 0 } };
	uint64_t *port = dest;
	for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
		if (strlen(named[i].name) == len && !strncmp(v, named[i].name, len)) {
			*port = named[i].port;
			return true;
		}
	}
	uint64_t n;
	if (!cmdline_parse_uint(v, len, &n) || n == 0 || n > 0xfff8)
		return false;
	*port = n;
	return true;
}

static struct hv_options parsed;

static const struct cmdline_option hv_option_table[] = {
	{ .name = "serial", .type = CMDLINE_CUSTOM, .dest = &parsed.serial_port, .parse = parse_serial,
	  .expect = "one of com1|com2|com3|com4|off|0xPORT", .help = "serial console port (default com1)" },
	{ .name = "baud", .type = CMDLINE_UINT, .dest = &parsed.baud, .min = 1, .max = 115200,
	  .help = "serial speed, a divisor of 115200 (default 115200)" },
	{ .name = "console", .type = CMDLINE_ENUM, .dest = &parsed.console, .words = console_words,
	  .help = "where messages go (default both: serial and the VGA text screen)" },
	{ .name = "loglevel", .type = CMDLINE_ENUM, .dest = &parsed.loglevel, .words = loglevel_words,
	  .help = "how much to print (default info)" },
	{ .name = "exit", .type = CMDLINE_ENUM, .dest = &parsed.exit, .words = exit_words,
	  .help = "at the end: halt, or end the emulator with pass/fail (qemu: isa-debug-exit 0xf4; bochs)" },
	{ .name = "selftest", .type = CMDLINE_ENUM, .dest = &parsed.selftest, .words = selftest_words,
	  .help = "deliberately fail, to test the fault reporter (nosipi: send the first AP no start-up IPI, "
		  "to test that a CPU that does not start is left out)" },
	{ .name = "mmio_fast", .type = CMDLINE_BOOL, .dest = &parsed.mmio_fast,
	  .help = "switch an MMIO page to the cheap exit after its first access (default on)" },
	{ .name = "mmio_quick", .type = CMDLINE_BOOL, .dest = &parsed.mmio_quick,
	  .help = "perform a 32-bit MOV to or from MMIO without the general emulator (default on)" },
	{ .name = "smp", .type = CMDLINE_BOOL, .dest = &parsed.smp,
	  .help = "start every CPU the ACPI MADT lists and run vCPUs on all of them (default on)" },
	{ .name = "tsc", .type = CMDLINE_ENUM, .dest = &parsed.tsc, .words = tsc_words,
	  .help = "cpuid: the TSC is constant only if CPUID says invariant TSC (default); stable: it is "
		  "(e.g. QEMU TCG), so guests are told so" },
	{ .name = "help", .type = CMDLINE_FLAG, .dest = &parsed.help, .help = "print this list and stop" },
};
#define NOPTS (sizeof(hv_option_table) / sizeof(hv_option_table[0]))

static void report_option_error(void *ctx, const char *msg)
{
	(void)ctx;
	log_err("cmdline", "%s", msg);
}

int hv_options_parse(const char *cmdline, struct hv_options *opts)
{
	parsed = (struct hv_options){
		.serial_port = 0x3f8,
		.baud = 115200,
		.console = CONSOLE_BOTH,
		.loglevel = LOG_LEVEL_INFO,
		.exit = EXIT_MODE_HALT,
		.selftest = SELFTEST_NONE,
		.mmio_fast = true,
		.mmio_quick = true,
		.smp = true,
	};
	int errors = cmdline_parse(cmdline, strlen(cmdline), hv_option_table, NOPTS, report_option_error, 0);
	if (parsed.baud == 0 || 115200 % parsed.baud) {
		log_err("cmdline", "option 'baud': %llu is not a divisor of 115200 (e.g. 115200, 57600, 38400, 9600)",
			(unsigned long long)parsed.baud);
		parsed.baud = 115200;
		errors++;
	}
	*opts = parsed;
	return errors;
}

static void put_console(void *ctx, char c)
{
	(void)ctx;
	console_putc(c);
}

void hv_options_print_help(void)
{
	kprintf("Nestor command-line options (key=value, separated by spaces):\n");
	cmdline_print_help(hv_option_table, NOPTS, put_console, 0);
}

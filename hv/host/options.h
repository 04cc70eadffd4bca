/* options.h - the hypervisor's own command-line options. */
#ifndef NESTOR_OPTIONS_H
#define NESTOR_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

enum console_kind { CONSOLE_SERIAL, CONSOLE_VGA, CONSOLE_BOTH };
enum selftest_kind { SELFTEST_NONE, SELFTEST_PAGEFAULT, SELFTEST_PANIC, SELFTEST_STACK_OVERFLOW, SELFTEST_NO_SIPI };

struct hv_options {
	uint64_t serial_port; /* 0 = no serial console */
	uint64_t baud;
	unsigned console;  /* enum console_kind */
	unsigned loglevel; /* enum log_level */
	unsigned exit;     /* enum exit_mode */
	unsigned selftest; /* enum selftest_kind */
	bool help;
	bool mmio_fast;
	bool mmio_quick;
	bool smp;
	unsigned tsc;      /* enum tsc_trust */
};

enum tsc_trust { TSC_TRUST_CPUID = 0, TSC_TRUST_STABLE = 1 };

/* Parse the multiboot2 command line into opts (defaults first). Every
 * problem is printed by name; returns the number of problems. */
int hv_options_parse(const char *cmdline, struct hv_options *opts);
void hv_options_print_help(void);

#endif

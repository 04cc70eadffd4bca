/*
 * main.c - the boot CPU's path from boot_entry64 to running guests.
 */
#include "drivers/console.h"
#include "drivers/uart16550.h"
#include "drivers/vga_text.h"
#include "hv/cpu/idt.h"
#include "hv/cpu/percpu.h"
#include "hv/lib/string.h"
#include "hv/options.h"
#include "hv/selftest.h"
#include "hv/shutdown.h"
#include "hv/virt_detect.h"
#include "mm/host_paging.h"

#define NESTOR_VERSION "0.1"
#define MB2_BOOT_MAGIC 0x36d76289u

void kmain(uint32_t magic, uint64_t info);

static struct hv_options options;
static struct virt_caps virt;

/* Provisional: find the command line (tag 1). */
static const char *mb2_cmdline(uint64_t info)
{
	uint32_t total = *(const uint32_t *)info;
	for (uint32_t off = 8; off + 8 <= total;) {
		const uint32_t *tag = (const uint32_t *)(info + off);
		if (tag[0] == 0)
			break;
		if (tag[0] == 1)
			return (const char *)(tag + 2);
		off += (tag[1] + 7) & ~7u;
	}
	return "";
}

void kmain(uint32_t magic, uint64_t info)
{
	/* COM1 first, so that even a bad boot block can be reported. */
	uart_init(UART_COM1, 115200);
	idt_init();
	cpu_tables_init(0);

	if (magic != MB2_BOOT_MAGIC)
		panic("not started by a Multiboot2 loader (EAX=0x%x, expected 0x%x): boot Nestor with GRUB's "
		      "'multiboot2' command",
		      magic, MB2_BOOT_MAGIC);

	const char *cmdline = mb2_cmdline(info);
	int bad = hv_options_parse(cmdline, &options);
	hv_exit_mode = (enum exit_mode)options.exit;
	console_log_level = (enum log_level)options.loglevel;
	if (options.serial_port != UART_COM1 || options.baud != 115200) {
		if (options.serial_port && !uart_init((uint16_t)options.serial_port, (uint32_t)options.baud))
			log_warn("console", "no UART answers at port 0x%llx", (unsigned long long)options.serial_port);
		if (!options.serial_port)
			uart_init(0, 0);
	}

	kprintf("\nNestor %s - a microhypervisor for nested virtualization\n", NESTOR_VERSION);
	log_info("boot", "command line: '%s'", cmdline);
	if (bad) {
		hv_options_print_help();
		hv_finish(false, "bad command line: fix the options named above in grub.cfg");
	}
	if (options.help) {
		hv_options_print_help();
		hv_finish(true, "help");
	}

	uint64_t mapped = host_paging_init(4ull << 30);
	log_info("mm", "host page tables: %llu GiB identity-mapped, W^X", (unsigned long long)(mapped >> 30));

	virt_detect(&virt);
	if (virt.vendor == VIRT_NONE) {
		log_err("virt", "%s", virt.why_not);
		hv_finish(false, "no usable hardware virtualization");
	}
	virt_print(&virt);

	selftest_run((enum selftest_kind)options.selftest);
	hv_finish(true, "boot complete, no guests");
}

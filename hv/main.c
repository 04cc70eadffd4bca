/*
 * main.c - the boot CPU's path from boot_entry64 to running guests, and
 * an AP's from ap_entry64 (hv/host/ap_boot.asm) to its run loop.
 */
#include "boot/mb2_info.h"
#include "drivers/console.h"
#include "drivers/uart16550.h"
#include "drivers/vga_text.h"
#include "hv/host/idt.h"
#include "hv/host/percpu.h"
#include "hv/lib/string.h"
#include "hv/host/options.h"
#include "hv/core/sched.h"
#include "hv/host/selftest.h"
#include "hv/host/lapic.h"
#include "hv/host/lapic_timer.h"
#include "hv/host/tsc.h"
#include "hv/host/host_rtc.h"
#include "hv/exit/exits.h"
#include "hv/core/vm.h"
#include "hv/x86/asm.h"
#include "hv/host/shutdown.h"
#include "hv/host/smp.h"
#include "hv/host/virt_detect.h"
#include "mm/host_paging.h"
#include "mm/mem_map.h"
#include "mm/pages.h"

#define NESTOR_VERSION "0.1"

void kmain(uint32_t magic, uint64_t info);
void ap_main(unsigned cpu);

static struct hv_options options;
static struct virt_caps virt;

static struct mb2_info boot_info;
static struct mem_range mem_ranges[256];
static struct mem_map phys_map;

static const char *const mmap_source_name[] = {
	[MB2_MMAP_FROM_EFI] = "EFI memory map (tag 17)",
	[MB2_MMAP_FROM_BIOS] = "BIOS memory map (tag 6)",
	[MB2_MMAP_FROM_BASIC] = "basic meminfo (tag 4)",
};

static void print_memory_map(int source)
{
	log_info("mm", "memory map from the %s:", mmap_source_name[source]);
	for (size_t i = 0; i < phys_map.count; i++) {
		const struct mem_range *r = &phys_map.ranges[i];
		log_info("mm", "  %016llx-%016llx %s", (unsigned long long)r->base,
			 (unsigned long long)r->end, mem_type_name(r->type));
	}
	log_info("mm", "usable RAM: %llu MiB", (unsigned long long)(mem_map_total(&phys_map, MEM_USABLE) >> 20));
}

/* When a module is handled: 0 ROM and initrd images (VMs refer to them), 1
 * isolated VMs, 2 the passthrough VM (it gets all memory still free).
 * Errors in the string are reported when the VM is created (pass 1). */
static int module_pass(const char *s)
{
	char copy[256];
	struct guest_opts o;
	size_t n = strlen(s);
	if (n >= sizeof(copy) || guest_opts_parse(memcpy(copy, s, n + 1), &o, 0, 0))
		return 1;
	return o.kind == GUEST_KIND_ROM || o.kind == GUEST_KIND_INITRD ? 0 : o.mode == GUEST_MODE_PASSTHROUGH ? 2 : 1;
}

/* The text screen: GRUB's framebuffer tag says where (EGA text mode on
 * BIOS). A pixel framebuffer (UEFI GOP) has no text console yet. */
static void setup_screen_console(enum console_kind kind)
{
	if (kind == CONSOLE_SERIAL)
		return;
	const struct mb2_framebuffer *fb = &boot_info.framebuffer;
	if (boot_info.has_framebuffer && fb->type == MB2_FB_EGA_TEXT && fb->width && fb->height) {
		vga_text_init(fb->addr, fb->width, fb->height);
		console_enable_vga(1);
	} else if (!boot_info.has_framebuffer && !boot_info.efi_mmap) {
		vga_text_init(0xb8000, 80, 25); /* BIOS without a framebuffer tag: text mode */
		console_enable_vga(1);
	} else if (kind == CONSOLE_VGA) {
		log_warn("console", "the boot framebuffer is a %ux%u pixel mode, which Nestor cannot print to yet: "
				    "messages go to the serial port only",
			 fb->width, fb->height);
	}
}

/* What every CPU turns on for itself: x87/SSE state is switched per vCPU
 * with FXSAVE, which needs CR4.OSFXSR; the APIC timer wakes an idle CPU
 * for its next software timer and, on SVM, ends slices (with a 10 ms
 * guard re-arm, hv/host/lapic_timer.h). */
static void cpu_setup_common(void)
{
	write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
	lapic_init();
	lapic_timer_init(virt_ops->needs_host_timer ? tsc_hz() / 100 : 0);
}

/* An AP, on its own stack (ap_boot.asm): its tables, virtualization on,
 * then its run loop. */
void ap_main(unsigned cpu)
{
	if (!smp_ap_claim(cpu))
		return; /* given up by the boot CPU: halt */
	cpu_tables_init(cpu);
	lapic_init(); /* kick IPIs reach it (SDM 3A 11.4.7.2: software enable) */
	bool ok = virt_ops->cpu_enable(cpu) == 0;
	if (ok)
		cpu_setup_common();
	smp_ap_report(cpu, ok);
	if (ok)
		sched_run_ap(cpu);
}

void kmain(uint32_t magic, uint64_t info)
{
	/* COM1 first, so that even a bad boot block can be reported. */
	uart_init(UART_COM1, 115200);
	idt_init();
	cpu_tables_init(0);

	if (magic != MB2_BOOTLOADER_MAGIC)
		panic("not started by a Multiboot2 loader (EAX=0x%x, expected 0x%x): boot Nestor with GRUB's "
		      "'multiboot2' command",
		      magic, MB2_BOOTLOADER_MAGIC);

	char err[160];
	if (mb2_parse(magic, (const void *)info, MB2_INFO_MAX_SIZE, &boot_info, err, sizeof(err)) < 0)
		panic("bad multiboot2 boot information: %s", err);
	const char *cmdline = boot_info.cmdline ? boot_info.cmdline : "";
	int bad = hv_options_parse(cmdline, &options);
	hv_exit_mode = (enum exit_mode)options.exit;
	mmio_fast_path = options.mmio_fast;
	mmio_quick_path = options.mmio_quick;
	tsc_set_stable(options.tsc == TSC_TRUST_STABLE);
	console_log_level = (enum log_level)options.loglevel;
	if (options.console == CONSOLE_VGA)
		uart_disable(); /* console=vga: keep the serial port free */
	else if (options.serial_port != UART_COM1 || options.baud != 115200) {
		if (options.serial_port && !uart_init((uint16_t)options.serial_port, (uint32_t)options.baud))
			log_warn("console", "no UART answers at port 0x%llx", (unsigned long long)options.serial_port);
		if (!options.serial_port)
			uart_disable();
	}

	setup_screen_console((enum console_kind)options.console);
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

	if (boot_info.loader_name)
		log_info("boot", "loaded by %s", boot_info.loader_name);
	mem_map_init(&phys_map, mem_ranges, sizeof(mem_ranges) / sizeof(mem_ranges[0]));
	int source = mb2_memory_map(&boot_info, &phys_map, err, sizeof(err));
	if (source < 0)
		panic("no usable memory map: %s", err);
	print_memory_map(source);
	for (size_t i = 0; i < boot_info.module_count; i++) {
		const struct mb2_module *m = &boot_info.modules[i];
		log_info("boot", "module %zu: %08x-%08x '%s'", i, m->start, m->end, m->string);
	}

	uint64_t top = 0;
	for (size_t i = 0; i < phys_map.count; i++)
		if (phys_map.ranges[i].type == MEM_USABLE && phys_map.ranges[i].end > top)
			top = phys_map.ranges[i].end;
	smp_note_ebda(); /* page 0 is unmapped from here on */
	uint64_t mapped = host_paging_init(top);
	log_info("mm", "host page tables: %llu GiB identity-mapped, W^X", (unsigned long long)(mapped >> 30));
	pages_init(&phys_map, &boot_info);

	virt_detect(&virt);
	if (virt.vendor == VIRT_NONE) {
		log_err("virt", "%s", virt.why_not);
		hv_finish(false, "no usable hardware virtualization");
	}
	virt_print(&virt);
	tsc_calibrate();
	host_rtc_read();
	cpuid_init();

	selftest_run((enum selftest_kind)options.selftest);

	pages_hold_low();
	virt_ops = virt.vendor == VIRT_VMX ? &vmx_ops : &svm_ops;
	if (virt_ops->cpu_enable(0) < 0)
		panic("could not turn on %s on the boot CPU", virt_ops->name);
	/* Guests run with host interrupts enabled (so the APIC timer can end
	 * a slice, and kick IPIs reach a CPU): the legacy PICs must not
	 * deliver anything. */
	pic_mask_all();
	smp_selftest_no_sipi = options.selftest == SELFTEST_NO_SIPI;
	smp_start(&boot_info, &phys_map, mapped, options.smp);
	cpu_setup_common();
	if (lapic_timer_tsc_deadline())
		log_info("sched", "host APIC timer: TSC-deadline mode");
	else
		log_info("sched", "host APIC timer: one-shot count at %llu kHz (measured against the TSC)",
			 (unsigned long long)(lapic_timer_hz() / 1000));
	if (!lapic_timer_check(1ull << 32))
		log_warn("sched", "the local APIC timer does not tick: %s",
			 virt_ops->needs_host_timer ? "a guest that spins will not be preempted"
						    : "an idle CPU will miss its timers");

	for (int pass = 0; pass < 3; pass++) {
		for (size_t i = 0; i < boot_info.module_count; i++) {
			const struct mb2_module *m = &boot_info.modules[i];
			if (module_pass(m->string) != pass)
				continue;
			vm_create(m->string, (const void *)(uint64_t)m->start, m->end - m->start);
		}
	}
	pages_release_low(); /* no passthrough VM took it: back to the pool */
	if (!nvms)
		hv_finish(boot_info.module_count == 0,
			  boot_info.module_count ? "no VM could be created" : "boot complete, no guests");
	bool all_ok = sched_run();
	hv_finish(all_ok, all_ok ? "all VMs exited with status 0" : "some VMs did not exit with status 0");
}

/*
 * platform.c - the devices every VM gets, and those its module options
 * add. A new device model is one file plus one line here.
 *
 *   every VM:  UART at COM1 (0x3f8, IRQ4), debug-exit (0xf4), fw_cfg (0x510),
 *              each vCPU's test interrupt source (HC_RAISE_EVENT)
 *   isolated:  the PC's 8259 pair (0x20, 0xa0, ELCR 0x4d0), 8254 PIT
 *              (0x40-0x43, port B 0x61), CMOS RTC (0x70-0x71), I/O APIC
 *              (0xfec00000);
 *              testdev= / mmio_uart= / unbacked= / rom= / romd= regions
 *   (a passthrough VM reaches the host's own PIC, PIT and RTC)
 *
 * MMIO pages stay out of the TDP tables until their first access.
 */
#include "hv/dev/console_input.h"
#include "hv/core/vm.h"
#include "hv/dev/device.h"
#include "hv/dev/lapic_dev.h"
#include "hv/dev/ioapic_dev.h"
#include "hv/dev/pic_dev.h"
#include "hv/dev/pit_dev.h"
#include "hv/dev/rtc_dev.h"
#include "hv/dev/simple_devices.h"
#include "hv/dev/uart.h"
#include "hv/guest_abi.h"
#include "hv/lib/format.h"
#include "hv/load/module_image.h"

static int add_rom(struct vm *vm, const struct guest_rom_ref *ref, struct testdev *romd, char *err, size_t errlen)
{
	const char *opt = romd ? "romd" : "rom";
	const struct module_image *img = module_image_find(GUEST_KIND_ROM, ref->name);
	if (!img) {
		fmt_snprintf(err, errlen, "option '%s': no module with kind=rom name=%s", opt,
			     ref->name);
		return -1;
	}
	char why[120];
	if (rom_create(vm, ref->gpa, img->image, img->size, romd, why, sizeof(why))) {
		fmt_snprintf(err, errlen, "option '%s': %s", opt, why);
		return -1;
	}
	return 0;
}

int vm_platform_create(struct vm *vm, char *err, size_t errlen)
{
	const struct guest_opts *o = &vm->opts;
	struct vuart *com1 = vuart_create(vm, GUEST_COM1_PORT, GUEST_COM1_IRQ, err, errlen);
	if (!com1 || debug_exit_create(vm, GUEST_DEBUG_EXIT_PORT, err, errlen) || fw_cfg_create(vm, err, errlen) ||
	    test_intr_create(vm, err, errlen))
		return -1;
	if (o->input && console_input_attach(vm, com1, err, errlen))
		return -1;
	if (o->mode == GUEST_MODE_ISOLATED &&
	    (!(vm->pic = pic_create(vm, err, errlen)) || pit_create(vm, err, errlen) ||
	     !(vm->rtc = rtc_create(vm, err, errlen)) || ioapic_create(vm, err, errlen) || acpi_pm_create(vm, err, errlen) ||
	     lapic_dev_create(vm, err, errlen)))
		return -1;

	bool any = o->rom.set || o->romd.set || o->testdev.set || o->mmio_uart.set || o->unbacked.set;
	if (!any)
		return 0;
	if (o->mode != GUEST_MODE_ISOLATED) {
		fmt_snprintf(err, errlen, "rom=, romd=, testdev=, mmio_uart= and unbacked= need mode=isolated");
		return -1;
	}
	/* One test device serves testdev= and the log of romd= writes. */
	struct testdev *td = 0;
	if (o->testdev.set || o->romd.set) {
		td = testdev_create(vm, err, errlen);
		if (!td)
			return -1;
	}
	if (o->testdev.set && testdev_map(vm, td, o->testdev.gpa, err, errlen))
		return -1;
	if (o->mmio_uart.set && vuart_map_mmio(vm, com1, o->mmio_uart.gpa, err, errlen))
		return -1;
	if (o->unbacked.set && unbacked_create(vm, o->unbacked.gpa, o->unbacked.size, err, errlen))
		return -1;
	if (o->rom.set && add_rom(vm, &o->rom, 0, err, errlen))
		return -1;
	if (o->romd.set && add_rom(vm, &o->romd, td, err, errlen))
		return -1;
	return 0;
}

/*
 * ioapic_dev.c - the I/O APIC of an isolated VM (model: ioapic.c): one
 * MMIO page at GUEST_IOAPIC_GPA (ID GUEST_IOAPIC_ID, as the ACPI MADT and
 * the MP table say, hv/load/fw_tables.c), a sink of the VM's IRQ lines,
 * and the source of APIC messages for the local APICs (vm->apic_deliver).
 *
 * Lines to pins follow the firmware tables: the MADT's interrupt source
 * override puts ISA IRQ0 (the PIT) on GSI 2, every other ISA IRQ n is on
 * GSI n, and lines 16-23 are GSIs 16-23 (pin = GSI, the IOAPIC's GSI base
 * is 0). ISA IRQ2 is the 8259 cascade, on no pin. Pin 0, which on a PC
 * chipset carries the 8259's INTR as an ExtINT input, is not connected
 * (the PIC is vCPU 0's INTR pin, later the local APIC's LINT0 input).
 *
 * Accesses: only aligned dwords at IOREGSEL (0x00), IOWIN (0x10) and EOI
 * (0x40) do anything; every other size or offset reads 0 and writes are
 * dropped. The ICH datasheets define only dword accesses to these
 * registers and leave the rest of the page reserved; the 82093AA
 * datasheet says IOWIN must be accessed as a dword. Neither says what
 * other accesses do, so Nestor makes them harmless.
 *
 * Until the local APIC exists, vm->apic_deliver is NULL: each message is
 * counted as dropped and the first one logged. Remote IRR of a level
 * entry is still set (the model cannot know nobody accepted it), as on a
 * machine whose local APICs never answer with an EOI.
 *
 * State: one per VM; touched by the exits of the VM's vCPUs and by the
 * IRQ line changes of its devices (one CPU, or under the VM's exit lock
 * on SMP), as the PIC is.
 */
#include "drivers/console.h"
#include "hv/core/vm.h"
#include "hv/dev/device.h"
#include "hv/dev/ioapic.h"
#include "hv/dev/ioapic_dev.h"
#include "hv/guest_abi.h"
#include "hv/lib/format.h"

struct ioapic_dev {
	struct ioapic io;
	struct vm *vm;
	uint64_t dropped;
	bool drop_logged, reserved_logged;
	uint64_t reserved_seen; /* io.reserved_mode already reported */
};

static void ioapic_send(void *ctx, const struct apic_msg *m)
{
	struct ioapic_dev *d = ctx;
	struct vm *vm = d->vm;
	if (vm->apic_deliver) {
		vm->apic_deliver(vm, m);
		return;
	}
	d->dropped++;
	if (!d->drop_logged) {
		d->drop_logged = true;
		log_warn("vm", "%s: IOAPIC: no local APIC yet, message dropped (vector 0x%x, delivery %u, dest 0x%x; "
			 "logged once)", vm->opts.name, m->vector, m->delivery, m->dest);
	}
}

/* An entry with a reserved delivery mode sent nothing: said once. */
static void check_reserved(struct ioapic_dev *d)
{
	if (d->io.reserved_mode != d->reserved_seen && !d->reserved_logged) {
		d->reserved_logged = true;
		log_warn("vm", "%s: IOAPIC: interrupt on an entry with a reserved delivery mode (3 or 6) not sent "
			 "(logged once)", d->vm->opts.name);
	}
	d->reserved_seen = d->io.reserved_mode;
}

static uint64_t ioapic_mmio_rd(struct vm_mmio_region *r, struct vcpu *v, uint64_t off, unsigned size)
{
	(void)v;
	return ioapic_mmio_read(&((struct ioapic_dev *)r->dev)->io, off, size);
}

static void ioapic_mmio_wr(struct vm_mmio_region *r, struct vcpu *v, uint64_t off, unsigned size, uint64_t val)
{
	(void)v;
	struct ioapic_dev *d = r->dev;
	ioapic_mmio_write(&d->io, off, size, (uint32_t)val);
	check_reserved(d);
}

static const struct mmio_ops ioapic_mmio_ops = { "IOAPIC", ioapic_mmio_rd, ioapic_mmio_wr };

/* ISA IRQ0 -> pin 2 (MADT interrupt source override); IRQ2 -> none. */
static int line_to_pin(unsigned gsi)
{
	if (gsi == 0)
		return 2;
	if (gsi == 2 || gsi >= IOAPIC_PINS)
		return -1;
	return (int)gsi;
}

static void ioapic_irq_set(void *ctx, unsigned gsi, bool level)
{
	struct ioapic_dev *d = ctx;
	int pin = line_to_pin(gsi);
	if (pin >= 0) {
		ioapic_set_pin(&d->io, (unsigned)pin, level);
		check_reserved(d);
	}
}

void ioapic_dev_eoi(struct ioapic_dev *d, uint8_t vector)
{
	ioapic_eoi(&d->io, vector);
	check_reserved(d);
}

uint64_t ioapic_dev_sent(const struct ioapic_dev *d) { return d->io.sent; }
uint64_t ioapic_dev_dropped(const struct ioapic_dev *d) { return d->dropped; }

int ioapic_create(struct vm *vm, char *err, size_t errlen)
{
	if (vm->ram_size > GUEST_IOAPIC_GPA) {
		/* RAM is one block from GPA 0 (no PCI hole): the page is RAM. */
		log_warn("vm", "%s: no IOAPIC: the VM's RAM (0-0x%llx) covers its page at 0x%x", vm->opts.name,
			 (unsigned long long)vm->ram_size, GUEST_IOAPIC_GPA);
		return 0;
	}
	struct ioapic_dev *d = vm_dev_alloc(vm, sizeof(*d), err, errlen);
	if (!d)
		return -1;
	d->vm = vm;
	ioapic_reset(&d->io, GUEST_IOAPIC_ID, ioapic_send, d);
	if (vm_mmio_register(vm, GUEST_IOAPIC_GPA, 4096, &ioapic_mmio_ops, d, 0, err, errlen))
		return -1;
	if (irq_sink_add(&vm->irq, ioapic_irq_set, d)) {
		fmt_snprintf(err, errlen, "no room for the IOAPIC among the IRQ line sinks");
		return -1;
	}
	vm->ioapic = d;
	return 0;
}

/*
 * pic_dev.c - the 8259A pair of an isolated VM (model: pic.c): ports
 * 0x20-0x21 (master), 0xA0-0xA1 (slave), 0x4D0-0x4D1 (ELCR); a sink of
 * the VM's IRQ lines 0-15; its INTR output is the VM's ExtINT input
 * (hv/dev/extint.h), which vCPU 0's local APIC takes through LINT0 in
 * ExtINT mode, or as the INTR pin while that APIC is hardware-disabled
 * (SDM 3A 11.4.3; hv/dev/lapic_dev.c).
 *
 * State: one per VM; touched by the exits of the VM's vCPUs (one CPU, or
 * under the VM's exit lock on SMP).
 */
#include "drivers/console.h"
#include "hv/core/vm.h"
#include "hv/dev/device.h"
#include "hv/dev/pic.h"
#include "hv/dev/pic_dev.h"
#include "hv/lib/format.h"

#include "hv/dev/extint.h"

struct pic_dev {
	struct pic_pair pic;
	struct vm *vm;
	bool mcs80_warned;
};

/* INTR went (or may have gone) high: vCPU 0 looks at it before its next
 * entry, and a halted vCPU 0 runs again to take it. */
static void pic_changed(struct pic_dev *d)
{
	if (pic_output(&d->pic)) {
		vcpu_kick_interrupt(&d->vm->vcpus[0]);
		vcpu_wake(&d->vm->vcpus[0]);
	}
}

static void warn_mcs80(struct pic_dev *d)
{
	for (unsigned i = 0; i < 2; i++) {
		if (d->pic.chip[i].mcs80 && !d->pic.chip[i].icw_step && !d->mcs80_warned) {
			d->mcs80_warned = true;
			log_warn("vm", "%s: 8259 %s initialised for MCS-80/85 mode (no ICW4 or its bit 0 clear): "
				 "Nestor gives 8086-style vectors anyway (logged once)",
				 d->vm->opts.name, i ? "slave" : "master");
		}
	}
}

static uint32_t pic_pio_read(void *dev, struct vcpu *v, uint16_t port, unsigned size)
{
	(void)v, (void)size;
	struct pic_dev *d = dev;
	uint8_t val;
	if (port >= PIC_ELCR_PORT)
		val = pic_read_elcr(&d->pic, port - PIC_ELCR_PORT);
	else
		val = pic_read(&d->pic, port >= PIC_SLAVE_PORT, port & 1);
	pic_changed(d); /* a poll may have changed what is pending */
	return val;
}

static void pic_pio_write(void *dev, struct vcpu *v, uint16_t port, unsigned size, uint32_t value)
{
	(void)v, (void)size;
	struct pic_dev *d = dev;
	if (port >= PIC_ELCR_PORT)
		pic_write_elcr(&d->pic, port - PIC_ELCR_PORT, (uint8_t)value);
	else
		pic_write(&d->pic, port >= PIC_SLAVE_PORT, port & 1, (uint8_t)value);
	warn_mcs80(d);
	pic_changed(d);
}

static const struct pio_ops pic_pio_ops = {
	.name = "8259 PIC",
	.read = pic_pio_read,
	.write = pic_pio_write,
};

static void pic_irq_set(void *ctx, unsigned gsi, bool level)
{
	struct pic_dev *d = ctx;
	if (gsi < 16) {
		pic_set_irq(&d->pic, gsi, level);
		pic_changed(d);
	}
}

int pic_extint_pending(void *ctx) { return pic_peek_vector(&((struct pic_dev *)ctx)->pic); }

uint8_t pic_extint_ack(void *ctx)
{
	struct pic_dev *d = ctx;
	return pic_intack(&d->pic);
}

static const struct extint_ops pic_extint_ops = {
	.pending = pic_extint_pending,
	.ack = pic_extint_ack,
};

struct pic_dev *pic_create(struct vm *vm, char *err, size_t errlen)
{
	struct pic_dev *d = vm_dev_alloc(vm, sizeof(*d), err, errlen);
	if (!d)
		return 0;
	d->vm = vm;
	pic_reset(&d->pic);
	if (vm_pio_register(vm, PIC_MASTER_PORT, 2, &pic_pio_ops, d, err, errlen) ||
	    vm_pio_register(vm, PIC_SLAVE_PORT, 2, &pic_pio_ops, d, err, errlen) ||
	    vm_pio_register(vm, PIC_ELCR_PORT, 2, &pic_pio_ops, d, err, errlen))
		return 0;
	if (irq_sink_add(&vm->irq, pic_irq_set, d)) {
		fmt_snprintf(err, errlen, "no room for the PIC among the IRQ line sinks");
		return 0;
	}
	/* The VM's ExtINT input, for vCPU 0's local APIC (LINT0). */
	vm->extint_ops = &pic_extint_ops;
	vm->extint_ctx = d;
	return d;
}

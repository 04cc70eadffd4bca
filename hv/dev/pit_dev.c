/*
 * pit_dev.c - the 8254 of an isolated VM (model: pit.c) at ports
 * 0x40-0x43, and port 0x61 (the PC's system control port B) which holds
 * channel 2's GATE (bit 0) and shows its OUT (bit 5), the speaker data
 * enable (bit 1), the parity/channel-check enables (bits 2, 3, kept) and
 * the refresh request toggle (bit 4, every 15.085 us). Channel 0's OUT
 * rising edge pulses IRQ line 0 (ISA IRQ0; the MADT/MP tables route it to
 * IOAPIC pin 2).
 *
 * Time is the host TSC in PIT clocks (PIT_HZ), read lazily. IRQ0 edges
 * that passed since the last look are raised, coalesced into one, when
 * the guest touches the PIT or port 0x61, and when a software timer
 * (hv/core/vtimer.h) armed for channel 0's next rising edge fires.
 *
 * State: one per VM; touched by the exits of the VM's vCPUs (one CPU, or
 * under the VM's exit lock on SMP).
 */
#include "hv/core/vm.h"
#include "hv/dev/device.h"
#include "hv/dev/pit.h"
#include "hv/dev/pit_dev.h"
#include "hv/host/tsc.h"
#include "hv/lib/format.h"
#include "hv/x86/asm.h"

#include "hv/core/vtimer.h"

#include <stddef.h>

#define PIT_PORT 0x40
#define PORT_B 0x61
#define PORT_B_GATE2 0x01
#define PORT_B_SPEAKER 0x02
#define PORT_B_KEPT 0x0c /* parity and channel check enables */
#define PORT_B_REFRESH 0x10
#define PORT_B_OUT2 0x20
#define REFRESH_CLOCKS 18 /* 15.085 us in PIT clocks */

struct pit_dev {
	struct pit pit;
	struct vm *vm;
	int irq_src;
	uint8_t port_b; /* bits 1-3 as written */
	uint64_t irq0_next; /* PIT clock of channel 0's next rising OUT edge */
	struct vtimer timer; /* fires at irq0_next */
};

static void pit_arm(struct pit_dev *d);

static uint64_t pit_now(void) { return tsc_to_clock(rdtsc(), PIT_HZ); }

/* Raise IRQ0 for a rising edge of channel 0's OUT since the last look. */
static void pit_irq0_update(struct pit_dev *d, uint64_t now)
{
	if (d->irq0_next != PIT_NEVER && now >= d->irq0_next)
		irq_line_pulse(&d->vm->irq, d->irq_src, 0);
	if (d->irq0_next == PIT_NEVER || now >= d->irq0_next)
		d->irq0_next = pit_next_rise(&d->pit, 0, now);
}

static uint32_t pit_pio_read(void *dev, struct vcpu *v, uint16_t port, unsigned size)
{
	(void)v, (void)size;
	struct pit_dev *d = dev;
	uint64_t now = pit_now();
	uint8_t val;
	if (port == PORT_B)
		val = (uint8_t)(d->pit.ch[2].gate | d->port_b | ((now / REFRESH_CLOCKS) & 1 ? PORT_B_REFRESH : 0) |
				(pit_out(&d->pit, 2, now) ? PORT_B_OUT2 : 0));
	else if (port == PIT_PORT + 3)
		val = 0xff; /* the control word register cannot be read */
	else
		val = pit_read_count(&d->pit, port - PIT_PORT, now);
	pit_irq0_update(d, now);
	return val;
}

static void pit_pio_write(void *dev, struct vcpu *v, uint16_t port, unsigned size, uint32_t value)
{
	(void)v, (void)size;
	struct pit_dev *d = dev;
	uint64_t now = pit_now();
	pit_irq0_update(d, now);
	if (port == PORT_B) {
		d->port_b = (uint8_t)value & (PORT_B_SPEAKER | PORT_B_KEPT);
		pit_set_gate(&d->pit, 2, value & PORT_B_GATE2, now);
		return;
	}
	if (port == PIT_PORT + 3)
		pit_write_control(&d->pit, (uint8_t)value, now);
	else
		pit_write_count(&d->pit, port - PIT_PORT, (uint8_t)value, now);
	d->irq0_next = pit_next_rise(&d->pit, 0, now); /* channel 0 may have a new period */
	pit_arm(d);
}

/* One PIT clock late at most, so that the edge has passed when it fires. */
static void pit_arm(struct pit_dev *d)
{
	if (d->irq0_next == PIT_NEVER)
		vtimer_cancel(&d->timer);
	else
		vtimer_arm(&d->timer, clock_to_tsc(d->irq0_next + 1, PIT_HZ));
}

static void pit_timer_fire(struct vtimer *t)
{
	struct pit_dev *d = (struct pit_dev *)((char *)t - offsetof(struct pit_dev, timer));
	pit_irq0_update(d, pit_now());
	pit_arm(d);
}

static const struct pio_ops pit_pio_ops = {
	.name = "8254 PIT",
	.read = pit_pio_read,
	.write = pit_pio_write,
};

int pit_create(struct vm *vm, char *err, size_t errlen)
{
	struct pit_dev *d = vm_dev_alloc(vm, sizeof(*d), err, errlen);
	if (!d)
		return -1;
	d->vm = vm;
	pit_reset(&d->pit);
	d->irq0_next = PIT_NEVER;
	d->timer.fire = pit_timer_fire;
	/* The owner: the scheduler then knows a guest halted waiting for
	 * IRQ0 can be woken (vm->timers_armed; without it such a VM was
	 * stopped as stuck), and on a VM of several vCPUs the timer fires
	 * under vm->lock like the exits that touch this state (vtimer.h). */
	d->timer.vm = vm;
	d->irq_src = irq_source_alloc(&vm->irq);
	if (d->irq_src < 0)
		return fmt_error(err, errlen, "no IRQ source left for the PIT");
	if (vm_pio_register(vm, PIT_PORT, 4, &pit_pio_ops, d, err, errlen) ||
	    vm_pio_register(vm, PORT_B, 1, &pit_pio_ops, d, err, errlen))
		return -1;
	return 0;
}

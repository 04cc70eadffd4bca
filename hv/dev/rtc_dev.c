/*
 * rtc_dev.c - the CMOS RTC of an isolated VM (model: rtc.c) at ports
 * 0x70/0x71, running from the host's clock (hv/host/host_rtc.h, in UTC),
 * its IRQ output on IRQ line 8 (high while register C's IRQF is set; the
 * ISA line is edge-triggered at the PIC and IOAPIC).
 *
 * The CMOS RAM also holds the memory sizes a PC BIOS leaves there: base
 * memory in KiB (0x15-0x16), extended memory above 1 MiB in KiB up to
 * 63 MiB (0x17-0x18 and 0x30-0x31), memory above 16 MiB in 64 KiB units
 * (0x34-0x35).
 *
 * Interrupts are brought up to date when the guest touches the RTC and
 * when a software timer (hv/core/vtimer.h) armed for the next periodic,
 * alarm or update-ended event fires while IRQ8 is low, so they come on
 * time while the guest runs elsewhere or halts.
 * Port 0x70's bit 7 masks NMIs on a PC; Nestor keeps it (rtc_nmi_masked)
 * for the NMI sources to come.
 *
 * State: one per VM; touched by the exits of the VM's vCPUs (one CPU, or
 * under the VM's exit lock on SMP).
 */
#include "hv/core/vm.h"
#include "hv/dev/device.h"
#include "hv/dev/rtc.h"
#include "hv/dev/rtc_dev.h"
#include "hv/host/host_rtc.h"
#include "hv/lib/format.h"
#include "hv/host/tsc.h"
#include "hv/x86/asm.h"

#include "hv/core/vtimer.h"

#include <stddef.h>

#define RTC_PORT 0x70
#define RTC_IRQ 8

struct rtc_dev {
	struct rtc rtc;
	struct vm *vm;
	int irq_src;
	struct vtimer timer; /* the next event while IRQ8 is low */
};

static uint64_t host_now_ns(void)
{
	uint32_t nsec;
	uint64_t sec = host_unix_time(rdtsc(), &nsec);
	return sec * 1000000000ull + nsec;
}

static void rtc_irq_update(struct rtc_dev *d, uint64_t now)
{
	bool level = rtc_irq(&d->rtc);
	irq_line_set(&d->vm->irq, d->irq_src, RTC_IRQ, level);
	uint64_t next = level ? RTC_NEVER : rtc_next_event(&d->rtc, now);
	if (next == RTC_NEVER)
		vtimer_cancel(&d->timer);
	else
		vtimer_arm(&d->timer, host_time_to_tsc(next));
}

static void rtc_timer_fire(struct vtimer *t)
{
	struct rtc_dev *d = (struct rtc_dev *)((char *)t - offsetof(struct rtc_dev, timer));
	uint64_t now = host_now_ns();
	rtc_update(&d->rtc, now);
	rtc_irq_update(d, now);
}

static uint32_t rtc_pio_read(void *dev, struct vcpu *v, uint16_t port, unsigned size)
{
	(void)v, (void)size;
	struct rtc_dev *d = dev;
	uint64_t now = host_now_ns();
	uint8_t val = rtc_read(&d->rtc, port - RTC_PORT, now);
	rtc_irq_update(d, now);
	return val;
}

static void rtc_pio_write(void *dev, struct vcpu *v, uint16_t port, unsigned size, uint32_t value)
{
	(void)v, (void)size;
	struct rtc_dev *d = dev;
	uint64_t now = host_now_ns();
	rtc_write(&d->rtc, port - RTC_PORT, (uint8_t)value, now);
	rtc_irq_update(d, now);
}

static const struct pio_ops rtc_pio_ops = {
	.name = "CMOS RTC",
	.read = rtc_pio_read,
	.write = rtc_pio_write,
};

static void put16(struct rtc *r, unsigned reg, uint64_t v)
{
	if (v > 0xffff)
		v = 0xffff;
	r->reg[reg] = (uint8_t)v;
	r->reg[reg + 1] = (uint8_t)(v >> 8);
}

struct rtc_dev *rtc_create(struct vm *vm, char *err, size_t errlen)
{
	struct rtc_dev *d = vm_dev_alloc(vm, sizeof(*d), err, errlen);
	if (!d)
		return 0;
	d->vm = vm;
	rtc_reset(&d->rtc, host_now_ns());
	d->timer.fire = rtc_timer_fire;
	d->timer.vm = vm;
	uint64_t kib = vm->ram_size >> 10;
	put16(&d->rtc, 0x15, 640);
	uint64_t ext = kib > 1024 ? kib - 1024 : 0;
	put16(&d->rtc, 0x17, ext > 0xfc00 ? 0xfc00 : ext);
	put16(&d->rtc, 0x30, ext > 0xfc00 ? 0xfc00 : ext);
	put16(&d->rtc, 0x34, kib > 16384 ? (kib - 16384) / 64 : 0);
	d->irq_src = irq_source_alloc(&vm->irq);
	if (d->irq_src < 0) {
		fmt_snprintf(err, errlen, "no IRQ source left for the RTC");
		return 0;
	}
	if (vm_pio_register(vm, RTC_PORT, 2, &rtc_pio_ops, d, err, errlen))
		return 0;
	return d;
}

bool rtc_nmi_masked(const struct rtc_dev *d) { return d->rtc.nmi_masked; }

/*
 * ioapic_dev.h - the I/O APIC as a device of an isolated VM
 * (hv/dev/ioapic_dev.c; the model is hv/dev/ioapic.h).
 */
#ifndef NESTOR_DEV_IOAPIC_DEV_H
#define NESTOR_DEV_IOAPIC_DEV_H

#include <stddef.h>
#include <stdint.h>

struct vm;
struct ioapic_dev;

/* Give vm (isolated) its IOAPIC in vm->ioapic: its page at
 * GUEST_IOAPIC_GPA, its IRQ-line sink (ISA IRQ0 on pin 2, line n on pin n
 * otherwise). A VM whose RAM covers that page gets none (said in the log;
 * vm->ioapic stays NULL). 0, or -1 with err. */
int ioapic_create(struct vm *vm, char *err, size_t errlen);

/* A local APIC's EOI broadcast for a level-triggered vector (SDM 3A
 * 11.8.5): clears remote IRR of the entries with that vector and sends
 * again those whose pin is still asserted. Called under the rule every
 * IRQ line change follows (irq.h: the VM's exit lock today, its IRQ lock
 * once the SMP work adds one). */
void ioapic_dev_eoi(struct ioapic_dev *d, uint8_t vector);

/* Messages the IOAPIC sent and how many of them found no local APIC side
 * (vm->apic_deliver NULL) and were dropped. */
uint64_t ioapic_dev_sent(const struct ioapic_dev *d);
uint64_t ioapic_dev_dropped(const struct ioapic_dev *d);

#endif

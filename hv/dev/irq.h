/*
 * irq.h - a VM's interrupt lines: devices raise them, interrupt
 * controllers (PIC, IOAPIC: the interrupts issue) route them.
 *
 *   device --irq_line_set(src, gsi, level)--> [line gsi: OR of sources]
 *                                                 |  on every change of the OR
 *                                                 v
 *                                   each sink: set(ctx, gsi, level)
 *
 * Lines are numbered as global system interrupts (GSI): 0-15 are the ISA
 * IRQs, 16-23 the extra IOAPIC pins. A line is the wired-OR of every
 * source driving it (level-triggered sharing, as PCI INTx does); an edge
 * device pulses it (irq_line_pulse). Sinks see only changes of the OR.
 *
 * Pure logic (no hypervisor globals): host-tested by tests/host/test_irq.c.
 * Locking: the owner's (the VM's devices run on its vCPUs' CPU; the SMP
 * work gives the VM one IRQ lock that callers hold around these calls).
 */
#ifndef NESTOR_DEV_IRQ_H
#define NESTOR_DEV_IRQ_H

#include <stdbool.h>
#include <stdint.h>

#define IRQ_LINES 24
#define IRQ_MAX_SOURCES 32
#define IRQ_MAX_SINKS 4

struct irq_sink {
	void (*set)(void *ctx, unsigned gsi, bool level);
	void *ctx;
};

struct irq_lines {
	uint32_t drivers[IRQ_LINES]; /* bit s: source s drives the line high */
	uint32_t sources_used;       /* allocated source ids */
	struct irq_sink sinks[IRQ_MAX_SINKS];
	unsigned nsinks;
};

/* A new source id (for one device output), or -1 when all are taken. */
int irq_source_alloc(struct irq_lines *l);
/* Add an interrupt controller's input; 0, or -1 when the table is full. */
int irq_sink_add(struct irq_lines *l, void (*set)(void *ctx, unsigned gsi, bool level), void *ctx);
/* Source src drives line gsi to level; sinks hear of a change of the
 * line's OR. A bad gsi or src is ignored (false). */
bool irq_line_set(struct irq_lines *l, int src, unsigned gsi, bool level);
/* An edge: the line goes high and low again (sinks see both if it was
 * low; a line other sources hold high stays high, so no edge). */
bool irq_line_pulse(struct irq_lines *l, int src, unsigned gsi);
/* The line's current level. */
bool irq_line_level(const struct irq_lines *l, unsigned gsi);

#endif

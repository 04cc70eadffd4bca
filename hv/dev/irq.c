/* irq.c - a VM's interrupt lines (see irq.h). */
#include "hv/dev/irq.h"

int irq_source_alloc(struct irq_lines *l)
{
	for (int s = 0; s < IRQ_MAX_SOURCES; s++) {
		if (!(l->sources_used & (1u << s))) {
			l->sources_used |= 1u << s;
			return s;
		}
	}
	return -1;
}

int irq_sink_add(struct irq_lines *l, void (*set)(void *ctx, unsigned gsi, bool level), void *ctx)
{
	if (l->nsinks == IRQ_MAX_SINKS || !set)
		return -1;
	l->sinks[l->nsinks++] = (struct irq_sink){ set, ctx };
	return 0;
}

static void notify(struct irq_lines *l, unsigned gsi, bool level)
{
	for (unsigned i = 0; i < l->nsinks; i++)
		l->sinks[i].set(l->sinks[i].ctx, gsi, level);
}

bool irq_line_set(struct irq_lines *l, int src, unsigned gsi, bool level)
{
	if (gsi >= IRQ_LINES || src < 0 || src >= IRQ_MAX_SOURCES || !(l->sources_used & (1u << src)))
		return false;
	bool was = l->drivers[gsi] != 0;
	if (level)
		l->drivers[gsi] |= 1u << src;
	else
		l->drivers[gsi] &= ~(1u << src);
	bool now = l->drivers[gsi] != 0;
	if (now != was)
		notify(l, gsi, now);
	return true;
}

bool irq_line_pulse(struct irq_lines *l, int src, unsigned gsi)
{
	if (!irq_line_set(l, src, gsi, true))
		return false;
	return irq_line_set(l, src, gsi, false);
}

bool irq_line_level(const struct irq_lines *l, unsigned gsi)
{
	return gsi < IRQ_LINES && l->drivers[gsi] != 0;
}

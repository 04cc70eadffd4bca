/*
 * pic.c - the 8259A pair (see pic.h). Section names are the 8259A data
 * sheet's ("Programming the 8259A": initialization command words,
 * operation command words; "Interrupt sequence"; "The special fully
 * nested mode"; "Poll command"; "Edge and level triggered modes").
 *
 * One deliberate difference from the chip: an edge-triggered request
 * stays latched in the IRR until acknowledged even if its input falls
 * first (devices in Nestor signal edges as instant pulses; the real part
 * wants the input held until INTA and would answer IRQ7).
 */
#include "hv/dev/pic.h"

#define MASTER 0
#define SLAVE 1
#define CASCADE_IRQ 2
/* PIIX ELCR: IRQ 0, 1, 2 (master) and 8, 13 (slave) are always edge. */
static const uint8_t elcr_writable[2] = { 0xf8, 0xde };

static uint8_t level_mask(const struct i8259 *c) { return c->ltim ? 0xff : c->elcr; }

static uint8_t chip_irr(const struct i8259 *c) { return c->irr_edge | (c->line & level_mask(c)); }

/* Priority 0 (highest) .. 7 of the best request in mask, 8 if none: the
 * level after `lowest` has priority 0 ("rotation"). */
static unsigned best_priority(const struct i8259 *c, uint8_t mask)
{
	for (unsigned p = 0; p < 8; p++)
		if (mask & (1u << ((c->lowest + 1 + p) & 7)))
			return p;
	return 8;
}

static unsigned level_of(const struct i8259 *c, unsigned prio) { return (c->lowest + 1 + prio) & 7; }

/* The level this chip would present on INTA now, or -1. */
static int chip_pending(const struct i8259 *c, bool master)
{
	if (c->icw_step)
		return -1;
	uint8_t req = chip_irr(c) & (uint8_t)~c->imr;
	unsigned p = best_priority(c, req);
	if (p == 8)
		return -1;
	uint8_t in_service = c->isr;
	if (c->special_mask)
		in_service &= (uint8_t)~c->imr; /* masked levels do not block lower ones */
	if (master && c->sfnm && !c->single)
		in_service &= (uint8_t)~c->icw3; /* a slave's higher request may nest */
	return p < best_priority(c, in_service) ? (int)level_of(c, p) : -1;
}

static void chip_input(struct i8259 *c, unsigned irq, bool level)
{
	uint8_t m = (uint8_t)(1u << irq);
	if (level && !(c->line & m) && !(level_mask(c) & m))
		c->irr_edge |= m; /* rising edge of an edge-triggered input */
	c->line = level ? c->line | m : c->line & (uint8_t)~m;
}

/* The slave's INT output drives master IR2. Unlike device inputs it is a
 * true level: when the slave drops INT before the INTA (its request was
 * masked or went away) the master's request goes too, as on the chip. */
static void update_cascade(struct pic_pair *p)
{
	bool high = chip_pending(&p->chip[SLAVE], false) >= 0;
	chip_input(&p->chip[MASTER], CASCADE_IRQ, high);
	if (!high)
		p->chip[MASTER].irr_edge &= (uint8_t)~(1u << CASCADE_IRQ);
}

/* Level irq is being serviced (INTA or poll): IRR -> ISR. */
static void accept(struct i8259 *c, unsigned irq)
{
	uint8_t m = (uint8_t)(1u << irq);
	c->irr_edge &= (uint8_t)~m;
	if (!c->auto_eoi)
		c->isr |= m;
	else if (c->rotate_in_auto_eoi)
		c->lowest = (uint8_t)irq;
}

void pic_reset(struct pic_pair *p)
{
	/* What a PC BIOS leaves (and Linux and SeaBIOS program): cascaded on
	 * IR2, 8086 mode, vectors 0x08 and 0x70, everything masked but the
	 * cascade. */
	for (unsigned i = 0; i < 2; i++)
		p->chip[i] = (struct i8259){ .lowest = 7, .icw4_needed = true };
	p->chip[MASTER].vector_base = 0x08;
	p->chip[MASTER].icw3 = 1u << CASCADE_IRQ;
	p->chip[MASTER].imr = (uint8_t)~(1u << CASCADE_IRQ);
	p->chip[SLAVE].vector_base = 0x70;
	p->chip[SLAVE].icw3 = CASCADE_IRQ;
	p->chip[SLAVE].imr = 0xff;
}

static void icw1(struct i8259 *c, uint8_t val)
{
	/* ICW1: the edge sense circuit is reset, the IMR cleared, IR7 gets
	 * the lowest priority, special mask mode is cleared and reads select
	 * the IRR; without IC4 every ICW4 function is zero (MCS-80 mode). */
	c->icw4_needed = val & 0x01;
	c->single = val & 0x02;
	c->ltim = val & 0x08;
	c->irr_edge = 0;
	c->isr = 0;
	c->imr = 0;
	c->lowest = 7;
	c->special_mask = c->read_isr = c->poll = false;
	c->auto_eoi = c->sfnm = c->rotate_in_auto_eoi = false;
	c->mcs80 = !c->icw4_needed;
	c->icw_step = 2;
}

static void ocw2(struct i8259 *c, uint8_t val)
{
	unsigned cmd = val >> 5, level = val & 7;
	unsigned p = best_priority(c, c->isr);
	switch (cmd) {
	case 1: /* non-specific EOI: the highest level in service */
	case 5: /* ... and rotate: it becomes the lowest priority */
		if (p < 8) {
			unsigned irq = level_of(c, p);
			c->isr &= (uint8_t)~(1u << irq);
			if (cmd == 5)
				c->lowest = (uint8_t)irq;
		}
		break;
	case 3: /* specific EOI */
	case 7: /* ... and rotate */
		c->isr &= (uint8_t)~(1u << level);
		if (cmd == 7)
			c->lowest = (uint8_t)level;
		break;
	case 4:
	case 0:
		c->rotate_in_auto_eoi = cmd == 4;
		break;
	case 6: /* set priority: level becomes the lowest */
		c->lowest = (uint8_t)level;
		break;
	default: /* 2: no operation */
		break;
	}
}

static void ocw3(struct i8259 *c, uint8_t val)
{
	if (val & 0x04)
		c->poll = true;
	if (val & 0x02)
		c->read_isr = val & 0x01;
	if (val & 0x40)
		c->special_mask = val & 0x20;
}

void pic_write(struct pic_pair *p, unsigned chip, unsigned a0, uint8_t val)
{
	struct i8259 *c = &p->chip[chip & 1];
	if (!a0) {
		if (val & 0x10)
			icw1(c, val);
		else if (val & 0x08)
			ocw3(c, val);
		else
			ocw2(c, val);
	} else {
		switch (c->icw_step) {
		case 2:
			c->vector_base = val & 0xf8;
			c->icw_step = c->single ? (c->icw4_needed ? 4 : 0) : 3;
			break;
		case 3:
			c->icw3 = val;
			c->icw_step = c->icw4_needed ? 4 : 0;
			break;
		case 4:
			c->mcs80 = !(val & 0x01);
			c->auto_eoi = val & 0x02;
			c->sfnm = val & 0x10;
			c->icw_step = 0;
			break;
		default:
			c->imr = val; /* OCW1 */
			break;
		}
	}
	update_cascade(p);
}

/* Poll command: the next read is an INTA without the vector cycle. */
static uint8_t poll(struct pic_pair *p, unsigned chip)
{
	struct i8259 *c = &p->chip[chip];
	c->poll = false;
	int irq = chip_pending(c, chip == MASTER);
	if (irq < 0)
		return 0;
	accept(c, (unsigned)irq);
	update_cascade(p);
	return (uint8_t)(0x80 | irq);
}

uint8_t pic_read(struct pic_pair *p, unsigned chip, unsigned a0)
{
	struct i8259 *c = &p->chip[chip & 1];
	if (a0)
		return c->imr;
	if (c->poll)
		return poll(p, chip & 1);
	return c->read_isr ? c->isr : chip_irr(c);
}

void pic_write_elcr(struct pic_pair *p, unsigned chip, uint8_t val)
{
	p->chip[chip & 1].elcr = val & elcr_writable[chip & 1];
	update_cascade(p);
}

uint8_t pic_read_elcr(const struct pic_pair *p, unsigned chip) { return p->chip[chip & 1].elcr; }

void pic_set_irq(struct pic_pair *p, unsigned irq, bool level)
{
	if (irq >= 16 || irq == CASCADE_IRQ)
		return;
	chip_input(&p->chip[irq >> 3], irq & 7, level);
	if (irq >= 8)
		update_cascade(p);
}

bool pic_output(const struct pic_pair *p) { return chip_pending(&p->chip[MASTER], true) >= 0; }

/* Does master level irq get its vector from the slave? */
static bool from_slave(const struct i8259 *m, unsigned irq)
{
	return irq == CASCADE_IRQ && !m->single && (m->icw3 & (1u << CASCADE_IRQ));
}

int pic_peek_vector(const struct pic_pair *p)
{
	const struct i8259 *m = &p->chip[MASTER], *s = &p->chip[SLAVE];
	int irq = chip_pending(m, true);
	if (irq < 0)
		return -1;
	if (!from_slave(m, (unsigned)irq))
		return m->vector_base + irq;
	int sirq = chip_pending(s, false);
	return s->vector_base + (sirq < 0 ? 7 : sirq);
}

uint8_t pic_intack(struct pic_pair *p)
{
	struct i8259 *m = &p->chip[MASTER], *s = &p->chip[SLAVE];
	int irq = chip_pending(m, true);
	uint8_t vector;
	if (irq < 0)
		return m->vector_base + 7; /* the request went away: spurious IRQ7 */
	accept(m, (unsigned)irq);
	if (from_slave(m, (unsigned)irq)) {
		int sirq = chip_pending(s, false);
		if (sirq < 0) {
			vector = s->vector_base + 7; /* spurious IRQ15 */
		} else {
			accept(s, (unsigned)sirq);
			vector = (uint8_t)(s->vector_base + sirq);
		}
	} else {
		vector = (uint8_t)(m->vector_base + irq);
	}
	update_cascade(p);
	return vector;
}

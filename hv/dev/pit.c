/*
 * pit.c - the 8254 (see pit.h). Mode names and waveforms are the 8254
 * data sheet's: mode 0 interrupt on terminal count, 1 hardware-
 * retriggerable one-shot, 2 rate generator, 3 square wave, 4 software-
 * triggered strobe, 5 hardware-triggered strobe; "Read-Back Command",
 * "Counter Latch Command", "Status Byte".
 */
#include "hv/dev/pit.h"

static unsigned from_bcd(uint16_t v)
{
	return (v >> 12 & 15) * 1000u + (v >> 8 & 15) * 100u + (v >> 4 & 15) * 10u + (v & 15);
}

static uint16_t to_bcd(unsigned v)
{
	return (uint16_t)((v / 1000 % 10) << 12 | (v / 100 % 10) << 8 | (v / 10 % 10) << 4 | (v % 10));
}

/* The initial count N in clocks, and the counter's range. */
static uint64_t count_n(const struct pit_channel *c)
{
	if (c->reload == 0)
		return c->bcd ? 10000 : 65536;
	return c->bcd ? from_bcd(c->reload) : c->reload;
}

static uint64_t modulus(const struct pit_channel *c) { return c->bcd ? 10000 : 65536; }

static uint64_t elapsed(const struct pit_channel *c, uint64_t now)
{
	return c->counting ? now - c->start : c->frozen;
}

/* The counting element in binary (0 .. modulus-1). */
static uint64_t value_bin(const struct pit_channel *c, uint64_t now)
{
	uint64_t n = count_n(c), m = modulus(c);
	if (!c->armed)
		return n % m;
	uint64_t d = elapsed(c, now);
	switch (c->mode) {
	case 2: /* N, N-1, ..., 1, N, ... */
		return n - d % n;
	case 3: { /* by twos, twice per period: N (even part) .. 2 */
		uint64_t p = d % n, high = (n + 1) / 2;
		uint64_t half = p < high ? p : p - high;
		return ((n & ~1ull) - 2 * half) % m;
	}
	default: /* 0, 1, 4, 5: down through 0 and on around */
		return (n + m - d % m) % m;
	}
}

uint16_t pit_counter(const struct pit *p, unsigned ch, uint64_t now)
{
	const struct pit_channel *c = &p->ch[ch];
	uint64_t v = value_bin(c, now);
	return c->bcd ? to_bcd((unsigned)v) : (uint16_t)v;
}

bool pit_out(const struct pit *p, unsigned ch, uint64_t now)
{
	const struct pit_channel *c = &p->ch[ch];
	if (!c->armed)
		return c->out_before;
	uint64_t n = count_n(c), d = elapsed(c, now);
	switch (c->mode) {
	case 0:
	case 1:
		return d >= n;
	case 2: /* low for the one clock the count is 1; gate low: high */
		return !c->counting || n < 2 || d % n != n - 1;
	case 3:
		return !c->counting || d % n < (n + 1) / 2;
	default: /* 4, 5: low for one clock at terminal count */
		return d != n;
	}
}

uint64_t pit_next_rise(const struct pit *p, unsigned ch, uint64_t now)
{
	const struct pit_channel *c = &p->ch[ch];
	if (!c->armed || !c->counting)
		return PIT_NEVER;
	uint64_t n = count_n(c), d = now - c->start;
	switch (c->mode) {
	case 0:
	case 1:
		return d < n ? c->start + n : PIT_NEVER;
	case 2:
		if (n < 2)
			return PIT_NEVER;
		__attribute__((fallthrough)); /* both rise at every multiple of N */
	case 3:
		return c->start + (d / n + 1) * n;
	default:
		return d < n + 1 ? c->start + n + 1 : PIT_NEVER;
	}
}

void pit_reset(struct pit *p)
{
	for (unsigned i = 0; i < 3; i++)
		p->ch[i] = (struct pit_channel){ .rw = 3, .gate = i != 2, .null_count = true };
}

static void latch_count(struct pit_channel *c, uint64_t now)
{
	if (c->count_latched)
		return; /* the first latch holds until read */
	c->latched = (uint16_t)(c->bcd ? to_bcd((unsigned)value_bin(c, now)) : value_bin(c, now));
	c->count_latched = true;
	c->latch_msb_next = false;
}

/* Start counting from N now (modes 1 and 5 wait for a gate trigger). */
static void load(struct pit_channel *c, uint64_t now)
{
	c->null_count = false;
	if (c->mode == 1 || c->mode == 5)
		return;
	c->armed = true;
	c->counting = c->gate;
	c->start = now;
	c->frozen = 0;
}

void pit_write_control(struct pit *p, uint8_t val, uint64_t now)
{
	unsigned sc = val >> 6, rw = (val >> 4) & 3;
	if (sc == 3) { /* read-back: bit 5 = 0 latch count, bit 4 = 0 latch status */
		for (unsigned i = 0; i < 3; i++) {
			struct pit_channel *c = &p->ch[i];
			if (!(val & (2u << i)))
				continue;
			if (!(val & 0x20))
				latch_count(c, now);
			if (!(val & 0x10) && !c->status_latched) {
				c->status = (uint8_t)(pit_out(p, i, now) << 7 | c->null_count << 6 | c->rw << 4 |
						      c->mode << 1 | c->bcd);
				c->status_latched = true;
			}
		}
		return;
	}
	struct pit_channel *c = &p->ch[sc];
	if (rw == 0) {
		latch_count(c, now);
		return;
	}
	unsigned mode = (val >> 1) & 7;
	bool gate = c->gate;
	*c = (struct pit_channel){ .mode = (uint8_t)(mode > 5 ? mode - 4 : mode), .rw = (uint8_t)rw,
				   .bcd = val & 1, .gate = gate, .null_count = true };
	c->out_before = c->mode != 0; /* mode 0: OUT low after the control word */
}

void pit_write_count(struct pit *p, unsigned ch, uint8_t val, uint64_t now)
{
	struct pit_channel *c = &p->ch[ch];
	switch (c->rw) {
	case 1:
		c->reload = val;
		break;
	case 2:
		c->reload = (uint16_t)(val << 8);
		break;
	default:
		if (!c->write_msb_next) {
			c->write_lsb = val;
			c->write_msb_next = true;
			c->null_count = true;
			if (c->mode == 0) { /* the first byte stops counting, OUT low */
				c->armed = false;
				c->counting = false;
			}
			return;
		}
		c->write_msb_next = false;
		c->reload = (uint16_t)(c->write_lsb | val << 8);
		break;
	}
	load(c, now);
}

/* One byte of v per the read/write mode; *msb_next is the flip-flop.
 * Returns true when the value has been read completely. */
static bool read_byte(const struct pit_channel *c, uint16_t v, bool *msb_next, uint8_t *out)
{
	if (c->rw == 1 || (c->rw == 3 && !*msb_next)) {
		*out = (uint8_t)v;
		if (c->rw == 3) {
			*msb_next = true;
			return false;
		}
		return true;
	}
	*out = (uint8_t)(v >> 8);
	*msb_next = false;
	return true;
}

uint8_t pit_read_count(struct pit *p, unsigned ch, uint64_t now)
{
	struct pit_channel *c = &p->ch[ch];
	uint8_t b;
	if (c->status_latched) {
		c->status_latched = false;
		return c->status;
	}
	if (c->count_latched) {
		if (read_byte(c, c->latched, &c->latch_msb_next, &b))
			c->count_latched = false;
		return b;
	}
	read_byte(c, pit_counter(p, ch, now), &c->read_msb_next, &b);
	return b;
}

void pit_set_gate(struct pit *p, unsigned ch, bool gate, uint64_t now)
{
	struct pit_channel *c = &p->ch[ch];
	bool rising = gate && !c->gate;
	if (gate == c->gate)
		return;
	c->gate = gate;
	switch (c->mode) {
	case 0:
	case 4: /* gate low pauses the count */
		if (!c->armed)
			break;
		if (!gate) {
			c->frozen = now - c->start;
			c->counting = false;
		} else {
			c->start = now - c->frozen;
			c->counting = true;
		}
		break;
	case 2:
	case 3: /* gate low stops (OUT high); the rising edge reloads */
		if (!c->armed)
			break;
		c->counting = gate;
		c->frozen = 0;
		if (rising)
			c->start = now;
		break;
	default: /* 1, 5: the rising edge (re)triggers a loaded count */
		if (rising && !c->null_count) {
			c->armed = true;
			c->counting = true;
			c->start = now;
			c->frozen = 0;
		}
		break;
	}
}

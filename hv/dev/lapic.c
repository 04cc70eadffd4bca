/* lapic.c - local APIC registers, priorities and timer (see lapic.h;
 * Intel SDM Vol 3A chapter 11). Pure logic. */
#include "hv/dev/lapic.h"

/* Index in lvt[] of an LVT register offset, or -1. */
static int lvt_index(uint32_t off)
{
	if (off == LAPIC_LVT_CMCI)
		return 0;
	if (off >= LAPIC_LVT_TIMER && off <= LAPIC_LVT_ERROR)
		return 1 + (int)((off - LAPIC_LVT_TIMER) >> 4);
	return -1;
}
#define LVT_TIMER_IDX 1

/* Writable bits of each LVT (SDM 3A figure 11-8): CMCI, timer, thermal,
 * perf: vector, delivery mode, mask; LINT0/1 add polarity and trigger
 * mode (remote IRR is read-only); error: vector and mask. Timer: see
 * lvt_write. */
static const uint32_t lvt_writable[7] = { 0x107ff, 0x300ff, 0x107ff, 0x107ff, 0x1a7ff, 0x1a7ff, 0x100ff };

bool lapic_x2apic(const struct lapic *l) { return (l->apic_base & (APIC_BASE_EN | APIC_BASE_EXTD)) == (APIC_BASE_EN | APIC_BASE_EXTD); }
bool lapic_hw_enabled(const struct lapic *l) { return l->apic_base & APIC_BASE_EN; }
bool lapic_sw_enabled(const struct lapic *l) { return l->svr & SVR_APIC_ENABLED; }

static uint32_t x2apic_ldr(uint32_t id) { return ((id >> 4) << 16) | (1u << (id & 0xf)); }

void lapic_init_signal(struct lapic *l)
{
	/* SDM 3A 11.4.7.1: after INIT the APIC is as at power-up except for
	 * its ID (and IA32_APIC_BASE). */
	l->tpr = 0;
	l->ldr = lapic_x2apic(l) ? x2apic_ldr(l->id) : 0;
	l->dfr = 0xffffffff;
	l->svr = 0xff;
	l->esr = l->esr_pending = 0;
	l->icr_lo = l->icr_hi = 0;
	for (int i = 0; i < 8; i++)
		l->isr[i] = l->tmr[i] = l->irr[i] = 0;
	for (int i = 0; i < 7; i++)
		l->lvt[i] = LVT_MASK;
	l->timer_icr = l->timer_dcr = 0;
	l->timer_running = false;
	l->tsc_deadline = 0;
}

void lapic_reset(struct lapic *l, uint32_t id, bool bsp)
{
	l->id = l->initial_id = id;
	l->apic_base = APIC_BASE_DEFAULT | APIC_BASE_EN | (bsp ? APIC_BASE_BSP : 0);
	lapic_init_signal(l);
}

bool lapic_set_apic_base(struct lapic *l, uint64_t val, uint64_t reserved)
{
	/* Bits 7:0 and 9 are reserved; BSP is the processor's to set. */
	if (val & (reserved | 0x2ffull))
		return false;
	bool en = val & APIC_BASE_EN, extd = val & APIC_BASE_EXTD;
	bool was_en = lapic_hw_enabled(l), was_x2 = lapic_x2apic(l);
	if (extd && !en)
		return false; /* invalid state */
	if (was_x2 && en && !extd)
		return false; /* x2APIC -> xAPIC must go through disabled */
	if (!was_en && extd)
		return false; /* disabled -> x2APIC must go through xAPIC */
	l->apic_base = (val & ~APIC_BASE_BSP) | (l->apic_base & APIC_BASE_BSP);
	if (!en && was_en) {
		/* Disabled: the APIC returns to its reset state (11.4.3). */
		l->id = l->initial_id;
		lapic_init_signal(l);
	} else if (extd && !was_x2) {
		l->id = l->initial_id;
		l->ldr = x2apic_ldr(l->id);
	}
	return true;
}

static int highest_bit(const uint32_t r[8])
{
	for (int w = 7; w >= 0; w--) {
		uint32_t x = __atomic_load_n(&r[w], __ATOMIC_ACQUIRE);
		if (x)
			return w * 32 + 31 - __builtin_clz(x);
	}
	return -1;
}

uint32_t lapic_ppr(const struct lapic *l)
{
	int isrv = highest_bit(l->isr);
	uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;
	return (l->tpr & 0xf0) >= isr_class ? l->tpr & 0xff : isr_class;
}

/* SDM 3A 11.6.2.4 (xAPIC only): the lowest-priority arbitration value. */
static uint32_t lapic_apr(const struct lapic *l)
{
	int irrv = highest_bit(l->irr), isrv = highest_bit(l->isr);
	int top = irrv > isrv ? irrv : isrv;
	uint32_t cls = top < 0 ? 0 : (uint32_t)top & 0xf0;
	return (l->tpr & 0xf0) >= cls ? l->tpr & 0xff : cls;
}

int lapic_highest(const struct lapic *l)
{
	if (!lapic_hw_enabled(l))
		return -1;
	int irrv = highest_bit(l->irr);
	if (irrv < 0 || ((uint32_t)irrv & 0xf0) <= (lapic_ppr(l) & 0xf0))
		return -1;
	return irrv;
}

static void bit_clear(uint32_t r[8], uint8_t v) { __atomic_and_fetch(&r[v / 32], ~(1u << (v % 32)), __ATOMIC_ACQ_REL); }
static void bit_set(uint32_t r[8], uint8_t v) { __atomic_or_fetch(&r[v / 32], 1u << (v % 32), __ATOMIC_ACQ_REL); }
static bool bit_test(const uint32_t r[8], uint8_t v) { return (__atomic_load_n(&r[v / 32], __ATOMIC_ACQUIRE) >> (v % 32)) & 1; }

void lapic_ack(struct lapic *l, uint8_t vector)
{
	bit_clear(l->irr, vector);
	bit_set(l->isr, vector);
}

#define LVT_ERROR_IDX 6

bool lapic_error(struct lapic *l, uint32_t bits)
{
	__atomic_or_fetch(&l->esr_pending, bits, __ATOMIC_ACQ_REL);
	/* SDM 3A 11.5.3: the error interrupts through LVT Error unless it is
	 * masked. A vector below 16 there is not delivered (it would be an
	 * error of its own, and so on). */
	uint32_t lvt = l->lvt[LVT_ERROR_IDX];
	if ((lvt & LVT_MASK) || (lvt & 0xff) < 16 || !lapic_hw_enabled(l) || !lapic_sw_enabled(l))
		return false;
	bit_clear(l->tmr, (uint8_t)lvt);
	bit_set(l->irr, (uint8_t)lvt);
	return true;
}

bool lapic_accept(struct lapic *l, uint8_t vector, bool level)
{
	/* A software-disabled APIC accepts no fixed interrupts (11.4.7.2). */
	if (!lapic_hw_enabled(l) || !lapic_sw_enabled(l))
		return false;
	if (vector < 16)
		return lapic_error(l, ESR_RECEIVE_ILLEGAL_VECTOR);
	/* TMR first: the IRR bit is what makes it visible. */
	if (level)
		bit_set(l->tmr, vector);
	else
		bit_clear(l->tmr, vector);
	bit_set(l->irr, vector);
	return true;
}

static void eoi(struct lapic *l, struct lapic_effects *fx)
{
	int isrv = highest_bit(l->isr);
	if (isrv < 0)
		return;
	bit_clear(l->isr, (uint8_t)isrv);
	if (bit_test(l->tmr, (uint8_t)isrv)) {
		fx->eoi_level = true;
		fx->eoi_vector = (uint8_t)isrv;
	}
}

unsigned lapic_timer_divisor(uint32_t dcr)
{
	/* Bits 0, 1 and 3: 000 = 2, 001 = 4, ..., 110 = 128, 111 = 1. */
	unsigned code = (dcr & 3) | ((dcr >> 1) & 4);
	return code == 7 ? 1 : 2u << code;
}

static uint32_t timer_mode(const struct lapic *l) { return l->lvt[LVT_TIMER_IDX] & LVT_TIMER_MODE; }
uint32_t lapic_timer_mode(const struct lapic *l) { return timer_mode(l); }

static uint64_t timer_period(const struct lapic *l) { return (uint64_t)l->timer_icr * lapic_timer_divisor(l->timer_dcr); }

static uint32_t timer_ccr(const struct lapic *l, uint64_t now)
{
	if (!l->timer_running || timer_mode(l) == LVT_TIMER_TSC_DEADLINE || !l->timer_icr)
		return 0;
	uint64_t elapsed = (now - l->timer_start) / lapic_timer_divisor(l->timer_dcr);
	if (timer_mode(l) == LVT_TIMER_PERIODIC)
		return l->timer_icr - (uint32_t)(elapsed % l->timer_icr);
	return elapsed >= l->timer_icr ? 0 : l->timer_icr - (uint32_t)elapsed;
}

uint64_t lapic_timer_next(const struct lapic *l, bool *tsc)
{
	*tsc = timer_mode(l) == LVT_TIMER_TSC_DEADLINE;
	if (*tsc)
		return l->tsc_deadline ? l->tsc_deadline : UINT64_MAX;
	if (!l->timer_running)
		return UINT64_MAX;
	return l->timer_start + timer_period(l);
}

bool lapic_timer_fire(struct lapic *l, uint64_t now_crystal)
{
	(void)now_crystal;
	if (timer_mode(l) == LVT_TIMER_TSC_DEADLINE) {
		if (!l->tsc_deadline)
			return false;
		l->tsc_deadline = 0; /* one shot: disarmed once it fires (11.5.4.1) */
	} else {
		if (!l->timer_running)
			return false;
		if (timer_mode(l) == LVT_TIMER_PERIODIC)
			l->timer_start += timer_period(l);
		else
			l->timer_running = false;
	}
	uint32_t lvt = l->lvt[LVT_TIMER_IDX];
	if (lvt & LVT_MASK)
		return false;
	return lapic_accept(l, (uint8_t)lvt, false);
}

void lapic_timer_catch_up(struct lapic *l, uint64_t now)
{
	if (timer_mode(l) != LVT_TIMER_PERIODIC || !l->timer_running || !l->timer_icr)
		return;
	uint64_t period = timer_period(l);
	if (now >= l->timer_start + period)
		l->timer_start += (now - l->timer_start) / period * period;
}

void lapic_set_tsc_deadline(struct lapic *l, uint64_t deadline)
{
	/* Ignored outside TSC-deadline mode (11.5.4.1). */
	if (timer_mode(l) == LVT_TIMER_TSC_DEADLINE)
		l->tsc_deadline = deadline;
}

static void lvt_write(struct lapic *l, int i, uint32_t val, struct lapic_effects *fx)
{
	uint32_t w = lvt_writable[i];
	if (i == LVT_TIMER_IDX) {
		if (l->has_tsc_deadline)
			w |= LVT_TIMER_TSC_DEADLINE;
		if ((val & LVT_TIMER_MODE) == LVT_TIMER_MODE)
			val &= ~LVT_TIMER_MODE; /* reserved mode: treated as one-shot */
		uint32_t old_mode = timer_mode(l);
		uint32_t new_mode = val & w & LVT_TIMER_MODE;
		/* Switching to or from TSC-deadline mode disarms the timer. */
		if ((old_mode == LVT_TIMER_TSC_DEADLINE) != (new_mode == LVT_TIMER_TSC_DEADLINE)) {
			l->tsc_deadline = 0;
			l->timer_running = false;
			l->timer_icr = 0;
		}
		fx->timer_changed = true;
	}
	uint32_t v = (l->lvt[i] & ~w) | (val & w);
	/* A software-disabled APIC keeps every LVT masked (11.4.7.2). */
	if (!lapic_sw_enabled(l))
		v |= LVT_MASK;
	l->lvt[i] = v;
}

bool vlapic_read(struct lapic *l, uint32_t off, uint64_t now, uint64_t *val)
{
	bool x2 = lapic_x2apic(l);
	int li = lvt_index(off);
	*val = 0;
	if (li >= 0) {
		*val = l->lvt[li];
		return true;
	}
	if (off >= LAPIC_ISR && off < LAPIC_ISR + 0x180) {
		unsigned which = (off - LAPIC_ISR) >> 7, w = ((off - LAPIC_ISR) >> 4) & 7;
		const uint32_t *r = which == 0 ? l->isr : which == 1 ? l->tmr : l->irr;
		*val = __atomic_load_n(&r[w], __ATOMIC_ACQUIRE);
		return true;
	}
	switch (off) {
	case LAPIC_ID: *val = x2 ? l->id : l->id << 24; return true;
	case LAPIC_VERSION: *val = 0x14 | (6u << 16); return true; /* integrated APIC, 7 LVT entries */
	case LAPIC_TPR: *val = l->tpr; return true;
	case LAPIC_APR:
		if (x2)
			return false; /* no APR in x2APIC mode (table 11-6) */
		*val = lapic_apr(l);
		return true;
	case LAPIC_PPR: *val = lapic_ppr(l); return true;
	case LAPIC_LDR: *val = l->ldr; return true;
	case LAPIC_DFR:
		if (x2)
			return false;
		*val = l->dfr | 0x0fffffff;
		return true;
	case LAPIC_SVR: *val = l->svr; return true;
	case LAPIC_ESR: *val = l->esr; return true;
	case LAPIC_ICR_LO: *val = x2 ? ((uint64_t)l->icr_hi << 32) | l->icr_lo : l->icr_lo; return true;
	case LAPIC_ICR_HI:
		if (x2)
			return false;
		*val = l->icr_hi;
		return true;
	case LAPIC_TIMER_ICR: *val = l->timer_icr; return true;
	case LAPIC_TIMER_CCR: *val = timer_ccr(l, now); return true;
	case LAPIC_TIMER_DCR: *val = l->timer_dcr; return true;
	case LAPIC_EOI:
		return !x2; /* write-only; xAPIC reads give 0 */
	}
	return false;
}

bool vlapic_write(struct lapic *l, uint32_t off, uint64_t val, uint64_t now, struct lapic_effects *fx)
{
	bool x2 = lapic_x2apic(l);
	uint32_t v32 = (uint32_t)val;
	int li = lvt_index(off);
	if (x2 && off != LAPIC_ICR_LO && (val >> 32))
		return false; /* reserved upper half (11.12.1.2) */
	if (li >= 0) {
		lvt_write(l, li, v32, fx);
		return true;
	}
	switch (off) {
	case LAPIC_ID:
		if (x2)
			return false; /* read-only in x2APIC mode */
		l->id = v32 >> 24;
		return true;
	case LAPIC_TPR:
		l->tpr = v32 & 0xff;
		fx->tpr_changed = true;
		return true;
	case LAPIC_EOI:
		if (x2 && v32)
			return false; /* x2APIC: a non-zero EOI write is #GP (11.12.1.2) */
		eoi(l, fx);
		return true;
	case LAPIC_LDR:
		if (x2)
			return false;
		l->ldr = v32 & 0xff000000u;
		return true;
	case LAPIC_DFR:
		if (x2)
			return false;
		l->dfr = v32 | 0x0fffffff;
		return true;
	case LAPIC_SVR:
		/* Vector, APIC enable, focus check (EOI-broadcast suppression
		 * is not offered: version bit 24 is 0). */
		l->svr = v32 & 0x3ff;
		if (!lapic_sw_enabled(l))
			for (int i = 0; i < 7; i++)
				l->lvt[i] |= LVT_MASK;
		return true;
	case LAPIC_ESR:
		if (x2 && v32)
			return false;
		/* A write latches the errors since the last one (11.5.3). */
		l->esr = __atomic_exchange_n(&l->esr_pending, 0, __ATOMIC_ACQ_REL);
		return true;
	case LAPIC_ICR_LO:
		if (x2)
			l->icr_hi = (uint32_t)(val >> 32);
		l->icr_lo = v32 & 0xccfff;
		fx->send_ipi = true;
		fx->icr = ((uint64_t)l->icr_hi << 32) | l->icr_lo;
		return true;
	case LAPIC_ICR_HI:
		if (x2)
			return false;
		l->icr_hi = v32 & 0xff000000u;
		return true;
	case LAPIC_TIMER_ICR:
		if (timer_mode(l) == LVT_TIMER_TSC_DEADLINE)
			return true; /* ignored in TSC-deadline mode */
		l->timer_icr = v32;
		l->timer_start = now;
		l->timer_running = v32 != 0; /* 0 stops the timer (11.5.4) */
		fx->timer_changed = true;
		return true;
	case LAPIC_TIMER_DCR: {
		/* Keep the current count where it is: restart the count from
		 * now with the elapsed part already taken off. */
		uint32_t cur = timer_ccr(l, now);
		bool running = l->timer_running;
		l->timer_dcr = v32 & 0xb;
		if (running && cur) {
			uint64_t done = (uint64_t)(l->timer_icr - cur) * lapic_timer_divisor(l->timer_dcr);
			l->timer_start = now - done;
		}
		fx->timer_changed = true;
		return true;
	}
	case LAPIC_SELF_IPI:
		if (!x2)
			return false;
		fx->self_ipi = true;
		fx->self_vector = (uint8_t)v32;
		return true;
	}
	return false;
}

void lapic_icr_decode(uint64_t icr, bool x2apic, struct lapic_ipi *ipi)
{
	ipi->vector = (uint8_t)icr;
	ipi->delivery = (enum icr_delivery)((icr >> 8) & 7);
	ipi->logical = (icr >> 11) & 1;
	ipi->level_assert = (icr >> 14) & 1;
	ipi->level_trigger = (icr >> 15) & 1;
	ipi->shorthand = (enum icr_shorthand)((icr >> 18) & 3);
	ipi->dest = x2apic ? (uint32_t)(icr >> 32) : (uint32_t)(icr >> 56) & 0xff;
}

bool lapic_is_destination(const struct lapic *l, const struct lapic_ipi *ipi, uint32_t self_id)
{
	switch (ipi->shorthand) {
	case ICR_SELF: return l->id == self_id;
	case ICR_ALL_INCL_SELF: return true;
	case ICR_ALL_EXCL_SELF: return l->id != self_id;
	case ICR_DEST_FIELD: break;
	}
	bool x2 = lapic_x2apic(l);
	uint32_t broadcast = x2 ? 0xffffffffu : 0xff;
	if (ipi->dest == broadcast)
		return true;
	if (!ipi->logical)
		return ipi->dest == l->id;
	if (x2) /* cluster in 31:16, member bitmap in 15:0 (11.12.10.2) */
		return (ipi->dest >> 16) == (l->ldr >> 16) && (ipi->dest & l->ldr & 0xffff);
	uint32_t ldr8 = l->ldr >> 24, d = ipi->dest & 0xff;
	if ((l->dfr >> 28) == 0xf) /* flat model (11.6.2.2) */
		return d & ldr8;
	return (d >> 4) == (ldr8 >> 4) && (d & ldr8 & 0xf); /* cluster model */
}

/*
 * rtc.c - the MC146818A (see rtc.h). Register and bit names are the data
 * sheet's: "Register A" UIP, DV2-DV0, RS3-RS0; "Register B" SET, PIE,
 * AIE, UIE, SQWE, DM, 24/12, DSE; "Register C" IRQF, PF, AF, UF;
 * "Register D" VRT; "Update Cycle" (tBUC = 244 us, tUC = 1984 us with a
 * 32.768 kHz time base); "Periodic Interrupt Rate" table.
 */
#include "hv/dev/rtc.h"

#define REG_SEC 0x00
#define REG_ALARM_SEC 0x01
#define REG_MIN 0x02
#define REG_ALARM_MIN 0x03
#define REG_HOUR 0x04
#define REG_ALARM_HOUR 0x05
#define REG_WDAY 0x06
#define REG_DAY 0x07
#define REG_MONTH 0x08
#define REG_YEAR 0x09
#define REG_A 0x0a
#define REG_B 0x0b
#define REG_C 0x0c
#define REG_D 0x0d
#define REG_CENTURY 0x32

#define A_UIP 0x80
#define A_DV_MASK 0x70
#define A_DV_NORMAL 0x20 /* 010: 32.768 kHz time base, running */
#define A_RS_MASK 0x0f
#define B_SET 0x80
#define B_PIE 0x40
#define B_AIE 0x20
#define B_UIE 0x10
#define B_DM_BINARY 0x04
#define B_24H 0x02
#define C_IRQF 0x80
#define C_FLAGS 0x70 /* PF 0x40, AF 0x20, UF 0x10: the same bits as PIE, AIE, UIE */
#define C_PF 0x40
#define C_AF 0x20
#define C_UF 0x10
#define D_VRT 0x80

#define NS 1000000000ull
/* Nanoseconds since 1970 in 64 bits last until 2554; later dates the
 * guest writes are taken as the end of this year. */
#define RTC_YEAR_MAX 2199
#define UPDATE_BEFORE_NS 244000ull  /* UIP before the update */
#define UPDATE_NS 1984000ull        /* the update cycle */
#define TIME_BASE_HZ 32768ull

static bool divider_running(const struct rtc *r) { return (r->reg[REG_A] & A_DV_MASK) == A_DV_NORMAL; }

/* Unsigned: the offset wraps modulo 2^64 like a signed add would, without overflow. */
static uint64_t rtc_ns(const struct rtc *r, uint64_t now) { return now + (uint64_t)r->offset_ns; }

static void current_time(const struct rtc *r, uint64_t now, struct date_time *d)
{
	if (r->held)
		*d = r->held_time;
	else
		date_from_unix(rtc_ns(r, now) / NS, d);
}

static unsigned bcd_to_bin(uint8_t v) { return (v >> 4) * 10u + (v & 15); }
static uint8_t bin_to_bcd(unsigned v) { return (uint8_t)((v / 10 % 10) << 4 | v % 10); }

static uint8_t encode(const struct rtc *r, unsigned v)
{
	return r->reg[REG_B] & B_DM_BINARY ? (uint8_t)v : bin_to_bcd(v);
}

static unsigned decode(const struct rtc *r, uint8_t v) { return r->reg[REG_B] & B_DM_BINARY ? v : bcd_to_bin(v); }

static uint8_t encode_hour(const struct rtc *r, unsigned h)
{
	if (r->reg[REG_B] & B_24H)
		return encode(r, h);
	unsigned h12 = h % 12 ? h % 12 : 12;
	return (uint8_t)(encode(r, h12) | (h >= 12 ? 0x80 : 0));
}

static unsigned decode_hour(const struct rtc *r, uint8_t v)
{
	if (r->reg[REG_B] & B_24H)
		return decode(r, v);
	return decode(r, v & 0x7f) % 12 + (v & 0x80 ? 12 : 0);
}

/* Periodic interrupt period in 32.768 kHz ticks (0: none). */
static uint64_t periodic_ticks(const struct rtc *r)
{
	unsigned rs = r->reg[REG_A] & A_RS_MASK;
	if (!rs)
		return 0;
	return rs <= 2 ? 1ull << (rs + 6) : 1ull << (rs - 1);
}

/* Periodic boundaries passed between the divider's start and t. */
static uint64_t periodic_count(const struct rtc *r, uint64_t t, uint64_t ticks)
{
	if (t <= r->periodic_ref_ns)
		return 0;
	uint64_t d = t - r->periodic_ref_ns;
	uint64_t d32 = d / NS * TIME_BASE_HZ + d % NS * TIME_BASE_HZ / NS;
	return d32 / ticks;
}

/* Update cycles ended up to host time t: the one for second s ends at
 * RTC time s + 1984 us. */
static uint64_t updates_ended(const struct rtc *r, uint64_t t)
{
	uint64_t x = rtc_ns(r, t);
	return x < UPDATE_NS ? 0 : (x - UPDATE_NS) / NS;
}

static bool alarm_field(const struct rtc *r, unsigned reg, unsigned value, bool hour)
{
	uint8_t a = r->reg[reg];
	if ((a & 0xc0) == 0xc0)
		return true; /* "don't care" */
	return (hour ? decode_hour(r, a) : decode(r, a)) == value;
}

static bool alarm_matches(const struct rtc *r, uint64_t secs)
{
	unsigned sod = (unsigned)(secs % 86400);
	return alarm_field(r, REG_ALARM_SEC, sod % 60, false) && alarm_field(r, REG_ALARM_MIN, sod / 60 % 60, false) &&
	       alarm_field(r, REG_ALARM_HOUR, sod / 3600, true);
}

void rtc_update(struct rtc *r, uint64_t now)
{
	if (now <= r->checked_ns)
		return;
	if (divider_running(r)) {
		uint64_t ticks = periodic_ticks(r);
		if (ticks && periodic_count(r, now, ticks) > periodic_count(r, r->checked_ns, ticks))
			r->flags |= C_PF;
		if (!r->held) {
			uint64_t e0 = updates_ended(r, r->checked_ns), e1 = updates_ended(r, now);
			if (e1 > e0) {
				r->flags |= C_UF;
				/* Every time-of-day occurs within a day of seconds. */
				for (uint64_t s = e1 - e0 > 86400 ? e1 - 86399 : e0 + 1; s <= e1; s++) {
					if (alarm_matches(r, s)) {
						r->flags |= C_AF;
						break;
					}
				}
			}
		}
	}
	r->checked_ns = now;
}

bool rtc_irq(const struct rtc *r) { return (r->flags & r->reg[REG_B] & C_FLAGS) != 0; }

static void hold(struct rtc *r, uint64_t now)
{
	if (r->held)
		return;
	current_time(r, now, &r->held_time);
	r->held = true;
}

/* Keep a date the guest wrote usable by the calendar arithmetic. */
static void clamp_date(struct date_time *d)
{
	if (d->year < 1970)
		d->year = 1970;
	if (d->year > RTC_YEAR_MAX)
		d->year = RTC_YEAR_MAX;
	if (d->month < 1 || d->month > 12)
		d->month = 1;
	if (d->day < 1 || d->day > 31)
		d->day = 1;
	if (d->hour > 23)
		d->hour = 0;
	if (d->minute > 59)
		d->minute = 0;
	if (d->second > 59)
		d->second = 0;
}

/* The clock runs again from held_time; first_update_ns after now the
 * seconds advance (1 s after SET is cleared, 500 ms after a divider reset). */
static void release(struct rtc *r, uint64_t now, uint64_t first_update_ns)
{
	if (!r->held || (r->reg[REG_B] & B_SET) || !divider_running(r))
		return;
	clamp_date(&r->held_time);
	uint64_t t = date_to_unix(&r->held_time) * NS + (NS - first_update_ns);
	r->offset_ns = (int64_t)(t - now);
	r->held = false;
}

static void write_time(struct rtc *r, unsigned reg, uint8_t val, uint64_t now)
{
	bool was_held = r->held;
	hold(r, now);
	struct date_time *d = &r->held_time;
	unsigned v = reg == REG_HOUR ? decode_hour(r, val) : decode(r, val);
	switch (reg) {
	case REG_SEC:
		d->second = (uint8_t)v;
		break;
	case REG_MIN:
		d->minute = (uint8_t)v;
		break;
	case REG_HOUR:
		d->hour = (uint8_t)v;
		break;
	case REG_WDAY:
		d->weekday = (uint8_t)v;
		break;
	case REG_DAY:
		d->day = (uint8_t)v;
		break;
	case REG_MONTH:
		d->month = (uint8_t)v;
		break;
	case REG_YEAR:
		d->year = (uint16_t)(d->year / 100 * 100 + v % 100);
		break;
	default: /* REG_CENTURY */
		d->year = (uint16_t)(v * 100 + d->year % 100);
		break;
	}
	if (!was_held)
		release(r, now, NS);
}

static uint8_t read_time(const struct rtc *r, unsigned reg, uint64_t now)
{
	struct date_time d;
	current_time(r, now, &d);
	switch (reg) {
	case REG_SEC:
		return encode(r, d.second);
	case REG_MIN:
		return encode(r, d.minute);
	case REG_HOUR:
		return encode_hour(r, d.hour);
	case REG_WDAY:
		return encode(r, d.weekday);
	case REG_DAY:
		return encode(r, d.day);
	case REG_MONTH:
		return encode(r, d.month);
	case REG_YEAR:
		return encode(r, d.year % 100);
	default:
		return encode(r, d.year / 100);
	}
}

static bool is_time_reg(unsigned reg)
{
	return reg == REG_SEC || reg == REG_MIN || reg == REG_HOUR || (reg >= REG_WDAY && reg <= REG_YEAR) ||
	       reg == REG_CENTURY;
}

static bool uip(const struct rtc *r, uint64_t now)
{
	if (r->held || !divider_running(r))
		return false;
	uint64_t phase = rtc_ns(r, now) % NS;
	return phase >= NS - UPDATE_BEFORE_NS || phase < UPDATE_NS;
}

void rtc_reset(struct rtc *r, uint64_t now)
{
	*r = (struct rtc){ 0 };
	r->reg[REG_A] = A_DV_NORMAL | 0x06; /* what PC BIOSes set: running, 1024 Hz */
	r->reg[REG_B] = B_24H;              /* BCD, 24-hour */
	r->checked_ns = now;
	r->periodic_ref_ns = now;
}

void rtc_write(struct rtc *r, unsigned port, uint8_t val, uint64_t now)
{
	if (!(port & 1)) {
		r->index = val & (RTC_REGS - 1);
		r->nmi_masked = val & 0x80;
		return;
	}
	rtc_update(r, now);
	unsigned reg = r->index;
	if (is_time_reg(reg)) {
		write_time(r, reg, val, now);
		r->checked_ns = now;
		return;
	}
	switch (reg) {
	case REG_A: {
		bool was_running = divider_running(r);
		r->reg[REG_A] = val & (uint8_t)~A_UIP;
		if (!divider_running(r)) {
			hold(r, now);
		} else if (!was_running) {
			r->periodic_ref_ns = now;
			release(r, now, NS / 2);
		}
		break;
	}
	case REG_B:
		if (val & B_SET) {
			val &= (uint8_t)~B_UIE;
			hold(r, now);
		}
		r->reg[REG_B] = val;
		release(r, now, NS);
		break;
	case REG_C:
	case REG_D:
		break; /* read-only */
	default:
		r->reg[reg] = val;
		break;
	}
	r->checked_ns = now;
}

uint8_t rtc_read(struct rtc *r, unsigned port, uint64_t now)
{
	if (!(port & 1))
		return 0xff; /* the index register cannot be read back on PCs */
	rtc_update(r, now);
	unsigned reg = r->index;
	if (is_time_reg(reg))
		return read_time(r, reg, now);
	switch (reg) {
	case REG_A:
		return (uint8_t)(r->reg[REG_A] | (uip(r, now) ? A_UIP : 0));
	case REG_C: {
		uint8_t v = (uint8_t)(r->flags | (rtc_irq(r) ? C_IRQF : 0));
		r->flags = 0;
		return v;
	}
	case REG_D:
		return D_VRT;
	default:
		return r->reg[reg];
	}
}

uint64_t rtc_next_event(const struct rtc *r, uint64_t now)
{
	uint64_t next = RTC_NEVER;
	if (!divider_running(r))
		return next;
	uint64_t ticks = periodic_ticks(r);
	if (ticks && (r->reg[REG_B] & B_PIE)) {
		uint64_t k = periodic_count(r, now, ticks) + 1;
		uint64_t t32 = k * ticks; /* in 1/32768 s from the reference */
		next = r->periodic_ref_ns + t32 / TIME_BASE_HZ * NS + (t32 % TIME_BASE_HZ * NS + TIME_BASE_HZ - 1) / TIME_BASE_HZ;
	}
	if (!r->held && (r->reg[REG_B] & (B_UIE | B_AIE))) {
		uint64_t e = updates_ended(r, now) + 1;
		uint64_t t = e * NS + UPDATE_NS - (uint64_t)r->offset_ns;
		if (t < next)
			next = t;
	}
	return next;
}

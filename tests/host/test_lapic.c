/* test_lapic - local APIC logic: priorities (PPR, TPR masking, IRR order),
 * ack/EOI, ESR latching, IA32_APIC_BASE transitions, x2APIC register
 * rules, ICR decoding and destinations, timer arithmetic. */
#include "tests/host/check.h"

#include "hv/dev/lapic.h"

static struct lapic_effects fx;

static void enabled(struct lapic *l, uint32_t id)
{
	lapic_reset(l, id, id == 0);
	memset(&fx, 0, sizeof(fx));
	CHECK(vlapic_write(l, LAPIC_SVR, SVR_APIC_ENABLED | 0xff, 0, &fx));
}

static uint64_t rd(struct lapic *l, uint32_t off, uint64_t now)
{
	uint64_t v = 0xdead;
	CHECK(vlapic_read(l, off, now, &v));
	return v;
}

TEST(reset_state)
{
	struct lapic l;
	lapic_reset(&l, 3, false);
	CHECK_EQ(l.apic_base, 0xfee00800ull);
	lapic_reset(&l, 0, true);
	CHECK_EQ(l.apic_base, 0xfee00900ull);
	CHECK_EQ(rd(&l, LAPIC_SVR, 0), 0xff);
	CHECK_EQ(rd(&l, LAPIC_DFR, 0), 0xffffffffull);
	CHECK_EQ(rd(&l, LAPIC_LVT_LINT0, 0), LVT_MASK);
	CHECK_EQ(rd(&l, LAPIC_VERSION, 0), 0x60014);
	lapic_reset(&l, 5, false);
	CHECK_EQ(rd(&l, LAPIC_ID, 0), 5u << 24);
}

TEST(priority_order_and_tpr_masking)
{
	struct lapic l;
	enabled(&l, 0);
	CHECK(lapic_accept(&l, 0x41, false));
	CHECK(lapic_accept(&l, 0x62, false));
	CHECK(lapic_accept(&l, 0x35, false));
	CHECK_EQ(lapic_highest(&l), 0x62);
	/* TPR class 6 holds 0x62 (class must be above it) but not ... */
	vlapic_write(&l, LAPIC_TPR, 0x60, 0, &fx);
	CHECK_EQ(lapic_highest(&l), -1);
	vlapic_write(&l, LAPIC_TPR, 0x5f, 0, &fx);
	CHECK_EQ(lapic_highest(&l), 0x62);
	vlapic_write(&l, LAPIC_TPR, 0, 0, &fx);
	lapic_ack(&l, 0x62);
	CHECK_EQ(rd(&l, LAPIC_PPR, 0), 0x60);
	/* In service 0x62 holds 0x41 (lower class) until EOI. */
	CHECK_EQ(lapic_highest(&l), -1);
	CHECK(lapic_accept(&l, 0x71, false));
	CHECK_EQ(lapic_highest(&l), 0x71); /* nests above */
	lapic_ack(&l, 0x71);
	memset(&fx, 0, sizeof(fx));
	vlapic_write(&l, LAPIC_EOI, 0, 0, &fx); /* ends 0x71, the highest */
	CHECK(!fx.eoi_level);
	CHECK_EQ(rd(&l, LAPIC_ISR + 0x30, 0), 1u << 2); /* 0x62 still in service */
	vlapic_write(&l, LAPIC_EOI, 0, 0, &fx);
	CHECK_EQ(lapic_highest(&l), 0x41);
	CHECK_EQ(rd(&l, LAPIC_PPR, 0), 0);
}

TEST(level_eoi_reported_and_illegal_vectors_latched)
{
	struct lapic l;
	enabled(&l, 0);
	CHECK(lapic_accept(&l, 0x90, true));
	lapic_ack(&l, 0x90);
	memset(&fx, 0, sizeof(fx));
	vlapic_write(&l, LAPIC_EOI, 0, 0, &fx);
	CHECK(fx.eoi_level);
	CHECK_EQ(fx.eoi_vector, 0x90);
	CHECK(!lapic_accept(&l, 7, false));
	CHECK_EQ(rd(&l, LAPIC_ESR, 0), 0); /* not latched until written */
	vlapic_write(&l, LAPIC_ESR, 0, 0, &fx);
	CHECK_EQ(rd(&l, LAPIC_ESR, 0), ESR_RECEIVE_ILLEGAL_VECTOR);
	vlapic_write(&l, LAPIC_ESR, 0, 0, &fx);
	CHECK_EQ(rd(&l, LAPIC_ESR, 0), 0);
}

TEST(software_disable_masks_lvts_and_refuses_interrupts)
{
	struct lapic l;
	enabled(&l, 0);
	vlapic_write(&l, LAPIC_LVT_TIMER, 0x40, 0, &fx);
	CHECK_EQ(rd(&l, LAPIC_LVT_TIMER, 0), 0x40);
	vlapic_write(&l, LAPIC_SVR, 0xff, 0, &fx);
	CHECK_EQ(rd(&l, LAPIC_LVT_TIMER, 0), 0x40 | LVT_MASK);
	vlapic_write(&l, LAPIC_LVT_TIMER, 0x41, 0, &fx);
	CHECK_EQ(rd(&l, LAPIC_LVT_TIMER, 0), 0x41 | LVT_MASK);
	CHECK(!lapic_accept(&l, 0x50, false));
}

TEST(apic_base_transitions)
{
	struct lapic l;
	enabled(&l, 2);
	uint64_t rsvd = ~((1ull << 36) - 1);
	uint64_t b = APIC_BASE_DEFAULT;
	CHECK(!lapic_set_apic_base(&l, b | APIC_BASE_EXTD, rsvd));                /* EXTD without EN */
	CHECK(!lapic_set_apic_base(&l, b | APIC_BASE_EN | 1, rsvd));              /* reserved bit 0 */
	CHECK(!lapic_set_apic_base(&l, (1ull << 40) | APIC_BASE_EN, rsvd));       /* above MAXPHYADDR */
	vlapic_write(&l, LAPIC_ID, 9u << 24, 0, &fx);
	CHECK(lapic_set_apic_base(&l, b | APIC_BASE_EN | APIC_BASE_EXTD, rsvd)); /* xAPIC -> x2APIC */
	CHECK(lapic_x2apic(&l));
	CHECK_EQ(rd(&l, LAPIC_ID, 0), 2); /* the initial ID again */
	CHECK_EQ(rd(&l, LAPIC_LDR, 0), (0u << 16) | (1u << 2));
	CHECK_EQ(rd(&l, LAPIC_SVR, 0), SVR_APIC_ENABLED | 0xff); /* state kept */
	CHECK(!lapic_set_apic_base(&l, b | APIC_BASE_EN, rsvd));                  /* x2APIC -> xAPIC */
	CHECK(lapic_set_apic_base(&l, b, rsvd));                                   /* -> disabled */
	CHECK_EQ(l.svr, 0xff);                                                     /* reset */
	CHECK(!lapic_set_apic_base(&l, b | APIC_BASE_EN | APIC_BASE_EXTD, rsvd)); /* disabled -> x2APIC */
	CHECK(lapic_set_apic_base(&l, b | APIC_BASE_EN, rsvd));
	CHECK(!lapic_x2apic(&l) && lapic_hw_enabled(&l));
	CHECK_EQ(lapic_highest(&l), -1);
}

TEST(x2apic_register_rules)
{
	struct lapic l;
	enabled(&l, 1);
	CHECK(lapic_set_apic_base(&l, APIC_BASE_DEFAULT | APIC_BASE_EN | APIC_BASE_EXTD, 0));
	uint64_t v;
	CHECK(!vlapic_read(&l, LAPIC_DFR, 0, &v));
	CHECK(!vlapic_read(&l, LAPIC_APR, 0, &v));
	CHECK(!vlapic_read(&l, LAPIC_EOI, 0, &v));
	CHECK(!vlapic_read(&l, LAPIC_ICR_HI, 0, &v));
	CHECK(!vlapic_write(&l, LAPIC_ID, 5, 0, &fx));
	CHECK(!vlapic_write(&l, LAPIC_EOI, 1, 0, &fx));
	CHECK(!vlapic_write(&l, LAPIC_TPR, 1ull << 32, 0, &fx));
	CHECK(!vlapic_read(&l, 0x3f0, 0, &v)); /* SELF_IPI is write-only */
	memset(&fx, 0, sizeof(fx));
	CHECK(vlapic_write(&l, LAPIC_SELF_IPI, 0x55, 0, &fx));
	CHECK(fx.self_ipi && fx.self_vector == 0x55);
	memset(&fx, 0, sizeof(fx));
	CHECK(vlapic_write(&l, LAPIC_ICR_LO, (7ull << 32) | 0x4031, 0, &fx));
	CHECK(fx.send_ipi);
	CHECK_EQ(fx.icr, (7ull << 32) | 0x4031);
	CHECK_EQ(rd(&l, LAPIC_ICR_LO, 0), (7ull << 32) | 0x4031);
	/* xAPIC mode has no SELF_IPI. */
	struct lapic x;
	enabled(&x, 0);
	CHECK(!vlapic_write(&x, LAPIC_SELF_IPI, 0x55, 0, &fx));
}

TEST(icr_decode_and_destinations)
{
	struct lapic_ipi ipi;
	lapic_icr_decode((3ull << 56) | (1u << 14) | (5u << 8) | 0x00, false, &ipi);
	CHECK_EQ(ipi.delivery, ICR_INIT);
	CHECK_EQ(ipi.dest, 3);
	CHECK(ipi.level_assert && !ipi.logical);
	lapic_icr_decode((0x12345ull << 32) | (3u << 18) | (1u << 11) | 0x40, true, &ipi);
	CHECK_EQ(ipi.shorthand, ICR_ALL_EXCL_SELF);
	CHECK_EQ(ipi.dest, 0x12345);
	CHECK(ipi.logical);

	struct lapic a;
	enabled(&a, 3);
	struct lapic_ipi p = { .shorthand = ICR_DEST_FIELD, .dest = 3 };
	CHECK(lapic_is_destination(&a, &p, 0));
	p.dest = 4;
	CHECK(!lapic_is_destination(&a, &p, 0));
	p.dest = 0xff;
	CHECK(lapic_is_destination(&a, &p, 0));
	/* Logical flat: LDR 0x04 matches a destination bit. */
	vlapic_write(&a, LAPIC_LDR, 0x04u << 24, 0, &fx);
	p = (struct lapic_ipi){ .logical = true, .dest = 0x06 };
	CHECK(lapic_is_destination(&a, &p, 0));
	p.dest = 0x01;
	CHECK(!lapic_is_destination(&a, &p, 0));
	/* Logical cluster: cluster 2, member bit 1. */
	vlapic_write(&a, LAPIC_DFR, 0x0fffffff, 0, &fx);
	vlapic_write(&a, LAPIC_LDR, 0x22u << 24, 0, &fx);
	p.dest = 0x23;
	CHECK(lapic_is_destination(&a, &p, 0));
	p.dest = 0x32;
	CHECK(!lapic_is_destination(&a, &p, 0));
	/* Shorthands. */
	p = (struct lapic_ipi){ .shorthand = ICR_ALL_EXCL_SELF };
	CHECK(!lapic_is_destination(&a, &p, 3));
	CHECK(lapic_is_destination(&a, &p, 1));
	p.shorthand = ICR_SELF;
	CHECK(lapic_is_destination(&a, &p, 3));
	CHECK(!lapic_is_destination(&a, &p, 1));
	/* x2APIC cluster: ID 0x13 is cluster 1, bit 3. */
	struct lapic x;
	enabled(&x, 0x13);
	CHECK(lapic_set_apic_base(&x, APIC_BASE_DEFAULT | APIC_BASE_EN | APIC_BASE_EXTD, 0));
	p = (struct lapic_ipi){ .logical = true, .dest = (1u << 16) | 0x8 };
	CHECK(lapic_is_destination(&x, &p, 0));
	p.dest = (2u << 16) | 0x8;
	CHECK(!lapic_is_destination(&x, &p, 0));
}

TEST(timer_divisor_and_counts)
{
	CHECK_EQ(lapic_timer_divisor(0x0), 2);
	CHECK_EQ(lapic_timer_divisor(0x3), 16);
	CHECK_EQ(lapic_timer_divisor(0x8), 32);
	CHECK_EQ(lapic_timer_divisor(0xa), 128);
	CHECK_EQ(lapic_timer_divisor(0xb), 1);
	struct lapic l;
	enabled(&l, 0);
	vlapic_write(&l, LAPIC_TIMER_DCR, 0x1, 0, &fx); /* /4 */
	vlapic_write(&l, LAPIC_LVT_TIMER, 0x30, 0, &fx);
	vlapic_write(&l, LAPIC_TIMER_ICR, 1000, 100, &fx);
	bool tsc;
	CHECK_EQ(lapic_timer_next(&l, &tsc), 100 + 4000);
	CHECK(!tsc);
	CHECK_EQ(rd(&l, LAPIC_TIMER_CCR, 100 + 400), 900);
	CHECK_EQ(rd(&l, LAPIC_TIMER_CCR, 100 + 4000), 0);
	CHECK(lapic_timer_fire(&l, 4100));
	CHECK_EQ(lapic_highest(&l), 0x30);
	CHECK_EQ(lapic_timer_next(&l, &tsc), UINT64_MAX); /* one-shot */
	/* Periodic: reloads. */
	vlapic_write(&l, LAPIC_LVT_TIMER, LVT_TIMER_PERIODIC | 0x31, 0, &fx);
	vlapic_write(&l, LAPIC_TIMER_ICR, 10, 0, &fx);
	CHECK_EQ(rd(&l, LAPIC_TIMER_CCR, 41), 10 - (10 % 10)); /* 10 ticks done: reloaded */
	CHECK(lapic_timer_fire(&l, 40));
	CHECK_EQ(lapic_timer_next(&l, &tsc), 80);
	/* Masked: counts but delivers nothing. */
	vlapic_write(&l, LAPIC_LVT_TIMER, LVT_MASK | LVT_TIMER_PERIODIC | 0x31, 0, &fx);
	CHECK(!lapic_timer_fire(&l, 80));
	CHECK_EQ(lapic_timer_next(&l, &tsc), 120);
	/* Writing 0 stops it. */
	vlapic_write(&l, LAPIC_TIMER_ICR, 0, 0, &fx);
	CHECK_EQ(lapic_timer_next(&l, &tsc), UINT64_MAX);
}

TEST(periodic_catch_up)
{
	struct lapic l;
	enabled(&l, 0);
	bool tsc;
	vlapic_write(&l, LAPIC_TIMER_DCR, 0xb, 0, &fx); /* /1 */
	vlapic_write(&l, LAPIC_LVT_TIMER, LVT_TIMER_PERIODIC | 0x32, 0, &fx);
	vlapic_write(&l, LAPIC_TIMER_ICR, 100, 1000, &fx);
	CHECK_EQ(lapic_timer_next(&l, &tsc), 1100);
	/* Fired 350 ticks late: the periods ending at 1200 and 1300 are
	 * skipped, the next ends at 1500, in phase with the start. */
	CHECK(lapic_timer_fire(&l, 1450));
	CHECK_EQ(lapic_timer_next(&l, &tsc), 1200);
	lapic_timer_catch_up(&l, 1450);
	CHECK_EQ(lapic_timer_next(&l, &tsc), 1500);
	CHECK_EQ(rd(&l, LAPIC_TIMER_CCR, 1450), 50);
	/* On time: nothing skipped. */
	CHECK(lapic_timer_fire(&l, 1500));
	lapic_timer_catch_up(&l, 1500);
	CHECK_EQ(lapic_timer_next(&l, &tsc), 1600);
	/* One-shot mode: untouched. */
	vlapic_write(&l, LAPIC_LVT_TIMER, 0x32, 0, &fx);
	vlapic_write(&l, LAPIC_TIMER_ICR, 100, 2000, &fx);
	lapic_timer_catch_up(&l, 5000);
	CHECK_EQ(lapic_timer_next(&l, &tsc), 2100);
}

TEST(error_interrupt)
{
	struct lapic l;
	enabled(&l, 0);
	/* Masked (the reset state): ESR latches, no interrupt. */
	CHECK(!lapic_accept(&l, 3, false));
	CHECK_EQ(lapic_highest(&l), -1);
	vlapic_write(&l, LAPIC_ESR, 0, 0, &fx);
	CHECK_EQ(rd(&l, LAPIC_ESR, 0), ESR_RECEIVE_ILLEGAL_VECTOR);
	/* Unmasked: the LVT Error vector comes (SDM 3A 11.5.3). */
	vlapic_write(&l, LAPIC_LVT_ERROR, 0x33, 0, &fx);
	CHECK(lapic_accept(&l, 5, false));
	CHECK_EQ(lapic_highest(&l), 0x33);
	CHECK(lapic_error(&l, ESR_SEND_ILLEGAL_VECTOR));
	vlapic_write(&l, LAPIC_ESR, 0, 0, &fx);
	CHECK_EQ(rd(&l, LAPIC_ESR, 0), ESR_RECEIVE_ILLEGAL_VECTOR | ESR_SEND_ILLEGAL_VECTOR);
	/* An illegal vector in LVT Error itself is not delivered. */
	struct lapic m;
	enabled(&m, 0);
	vlapic_write(&m, LAPIC_LVT_ERROR, 0x07, 0, &fx);
	CHECK(!lapic_error(&m, ESR_ILLEGAL_REGISTER));
	CHECK_EQ(lapic_highest(&m), -1);
}

TEST(tsc_deadline_mode)
{
	struct lapic l;
	enabled(&l, 0);
	bool tsc;
	lapic_set_tsc_deadline(&l, 5000); /* not in deadline mode: ignored */
	CHECK_EQ(l.tsc_deadline, 0);
	l.has_tsc_deadline = true;
	vlapic_write(&l, LAPIC_LVT_TIMER, LVT_TIMER_TSC_DEADLINE | 0x40, 0, &fx);
	CHECK_EQ(rd(&l, LAPIC_LVT_TIMER, 0), LVT_TIMER_TSC_DEADLINE | 0x40);
	vlapic_write(&l, LAPIC_TIMER_ICR, 100, 0, &fx); /* ignored */
	CHECK_EQ(rd(&l, LAPIC_TIMER_ICR, 0), 0);
	lapic_set_tsc_deadline(&l, 5000);
	CHECK_EQ(lapic_timer_next(&l, &tsc), 5000);
	CHECK(tsc);
	CHECK(lapic_timer_fire(&l, 0));
	CHECK_EQ(lapic_timer_next(&l, &tsc), UINT64_MAX);
	CHECK_EQ(lapic_highest(&l), 0x40);
	/* Leaving deadline mode disarms it. */
	lapic_set_tsc_deadline(&l, 9000);
	vlapic_write(&l, LAPIC_LVT_TIMER, 0x40, 0, &fx);
	CHECK_EQ(l.tsc_deadline, 0);
	/* Without the CPUID bit the mode bit 18 is not writable. */
	struct lapic m;
	enabled(&m, 0);
	vlapic_write(&m, LAPIC_LVT_TIMER, LVT_TIMER_TSC_DEADLINE | 0x40, 0, &fx);
	CHECK_EQ(rd(&m, LAPIC_LVT_TIMER, 0), 0x40);
}

TEST_MAIN()

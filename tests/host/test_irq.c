/* test_irq - a VM's interrupt lines: wired-OR of sources, sinks see only
 * changes, pulses, bad arguments. */
#include "tests/host/check.h"

#include "hv/dev/irq.h"

struct rec {
	unsigned n;
	unsigned gsi[16];
	bool level[16];
};

static void record(void *ctx, unsigned gsi, bool level)
{
	struct rec *r = ctx;
	if (r->n < 16) {
		r->gsi[r->n] = gsi;
		r->level[r->n] = level;
	}
	r->n++;
}

TEST(shared_line_is_wired_or)
{
	struct irq_lines l = { 0 };
	struct rec r = { 0 };
	CHECK_EQ(irq_sink_add(&l, record, &r), 0);
	int a = irq_source_alloc(&l), b = irq_source_alloc(&l);
	CHECK_EQ(a, 0);
	CHECK_EQ(b, 1);
	CHECK(irq_line_set(&l, a, 10, true));
	CHECK(irq_line_set(&l, b, 10, true)); /* already high: no new edge */
	CHECK_EQ(r.n, 1);
	CHECK(irq_line_set(&l, a, 10, false)); /* b still holds it */
	CHECK_EQ(r.n, 1);
	CHECK(irq_line_level(&l, 10));
	CHECK(irq_line_set(&l, b, 10, false));
	CHECK_EQ(r.n, 2);
	CHECK_EQ(r.gsi[0], 10);
	CHECK_EQ(r.level[0], true);
	CHECK_EQ(r.gsi[1], 10);
	CHECK_EQ(r.level[1], false);
	CHECK(!irq_line_level(&l, 10));
}

TEST(pulse_gives_both_edges_to_every_sink)
{
	struct irq_lines l = { 0 };
	struct rec r1 = { 0 }, r2 = { 0 };
	CHECK_EQ(irq_sink_add(&l, record, &r1), 0);
	CHECK_EQ(irq_sink_add(&l, record, &r2), 0);
	int s = irq_source_alloc(&l);
	CHECK(irq_line_pulse(&l, s, 0));
	CHECK_EQ(r1.n, 2);
	CHECK_EQ(r2.n, 2);
	CHECK_EQ(r1.level[0], true);
	CHECK_EQ(r1.level[1], false);
	/* A line held high by another source: a pulse is no edge. */
	int t = irq_source_alloc(&l);
	CHECK(irq_line_set(&l, t, 4, true));
	r1.n = 0;
	CHECK(irq_line_pulse(&l, s, 4));
	CHECK_EQ(r1.n, 0); /* the OR never changed */
	CHECK(irq_line_level(&l, 4));
}

TEST(bad_arguments_are_ignored)
{
	struct irq_lines l = { 0 };
	struct rec r = { 0 };
	CHECK_EQ(irq_sink_add(&l, record, &r), 0);
	CHECK(!irq_line_set(&l, 0, 1, true)); /* source not allocated */
	int s = irq_source_alloc(&l);
	CHECK(!irq_line_set(&l, s, IRQ_LINES, true));
	CHECK(!irq_line_set(&l, -1, 1, true));
	CHECK(!irq_line_set(&l, IRQ_MAX_SOURCES, 1, true));
	CHECK(!irq_line_level(&l, IRQ_LINES + 5));
	CHECK_EQ(r.n, 0);
	for (int i = 1; i < IRQ_MAX_SOURCES; i++)
		CHECK(irq_source_alloc(&l) >= 0);
	CHECK_EQ(irq_source_alloc(&l), -1);
	CHECK_EQ(irq_sink_add(&l, 0, &r), -1);
	for (int i = 1; i < IRQ_MAX_SINKS; i++)
		CHECK_EQ(irq_sink_add(&l, record, &r), 0);
	CHECK_EQ(irq_sink_add(&l, record, &r), -1);
}

TEST_MAIN()

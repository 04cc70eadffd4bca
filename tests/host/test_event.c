/* test_event - the vendor-neutral event logic: exception classes and
 * merging (SDM Vol 3A 6.15 tables 6-4/6-5), what is delivered first, when
 * a window is asked for, and what an in-flight event becomes when an exit
 * handler raises an exception. */
#include "tests/host/check.h"

#include "hv/core/event.h"

TEST(exception_classes_and_error_codes)
{
	CHECK_EQ(exception_class(EXC_DE), EXC_CONTRIBUTORY);
	CHECK_EQ(exception_class(EXC_GP), EXC_CONTRIBUTORY);
	CHECK_EQ(exception_class(EXC_TS), EXC_CONTRIBUTORY);
	CHECK_EQ(exception_class(EXC_PF), EXC_PAGE_FAULT);
	CHECK_EQ(exception_class(EXC_DF), EXC_DOUBLE_FAULT);
	CHECK_EQ(exception_class(EXC_DB), EXC_BENIGN);
	CHECK_EQ(exception_class(EXC_UD), EXC_BENIGN);
	CHECK_EQ(exception_class(2), EXC_BENIGN);
	CHECK(exception_has_error(EXC_DF) && exception_has_error(EXC_GP) && exception_has_error(EXC_PF));
	CHECK(exception_has_error(17)); /* #AC */
	CHECK(!exception_has_error(EXC_UD) && !exception_has_error(EXC_DB) && !exception_has_error(EXC_BP));
}

TEST(merge_table_6_5)
{
	/* benign first: the second serially */
	CHECK_EQ(exception_merge(EXC_DB, EXC_GP), EXC_GP);
	CHECK_EQ(exception_merge(EXC_UD, EXC_PF), EXC_PF);
	/* contributory first */
	CHECK_EQ(exception_merge(EXC_GP, EXC_NP), EXC_DF);
	CHECK_EQ(exception_merge(EXC_DE, EXC_GP), EXC_DF);
	CHECK_EQ(exception_merge(EXC_GP, EXC_PF), EXC_PF);
	CHECK_EQ(exception_merge(EXC_GP, EXC_UD), EXC_UD);
	/* page fault first */
	CHECK_EQ(exception_merge(EXC_PF, EXC_PF), EXC_DF);
	CHECK_EQ(exception_merge(EXC_PF, EXC_GP), EXC_DF);
	CHECK_EQ(exception_merge(EXC_PF, EXC_UD), EXC_UD);
	/* double fault first: contributory or #PF shuts down */
	CHECK_EQ(exception_merge(EXC_DF, EXC_GP), -1);
	CHECK_EQ(exception_merge(EXC_DF, EXC_PF), -1);
	CHECK_EQ(exception_merge(EXC_DF, EXC_DB), EXC_DB);
}

static int fake_vector = -1;
static unsigned acks;
static int fake_highest(void *ctx, struct vcpu *v)
{
	(void)ctx, (void)v;
	return fake_vector;
}
static void fake_ack(void *ctx, struct vcpu *v, uint8_t vector)
{
	(void)ctx, (void)v;
	CHECK_EQ(vector, fake_vector);
	acks++;
	fake_vector = -1;
}
static const struct intr_source_ops fake_source = { "fake", fake_highest, fake_ack, 0 };

static const struct event_gate open_gate = { true, true }, closed_gate = { false, false };

TEST(order_in_flight_exception_nmi_interrupt)
{
	struct vcpu_events ev = { 0 };
	struct event_plan p;
	ev.intr_ops = &fake_source;
	fake_vector = 0x41;
	acks = 0;
	ev.in_flight = (struct vcpu_event){ .valid = true, .type = EVENT_HW_EXCEPTION, .vector = EXC_DB };
	ev.pending = EV_IN_FLIGHT | EV_NMI | EV_INTR;
	events_queue_exception(&ev, EXC_UD, false, 0, false, 0); /* #DB was benign: #UD replaces it */
	CHECK_EQ(ev.pending & EV_IN_FLIGHT, 0);

	event_plan_entry(&ev, 0, &open_gate, &p);
	CHECK(p.inject.valid && p.inject.type == EVENT_HW_EXCEPTION && p.inject.vector == EXC_UD);
	CHECK(p.nmi_window && p.intr_window); /* both wait behind the exception */
	events_delivered(&ev, 0, &p);

	event_plan_entry(&ev, 0, &open_gate, &p);
	CHECK(p.inject.valid && p.inject.type == EVENT_NMI && p.inject.vector == 2);
	CHECK(!p.nmi_window && p.intr_window);
	events_delivered(&ev, 0, &p);

	event_plan_entry(&ev, 0, &open_gate, &p);
	CHECK(p.inject.valid && p.inject.type == EVENT_EXTINT && p.inject.vector == 0x41);
	CHECK(!p.intr_window);
	CHECK_EQ(acks, 0); /* acknowledged only once in the VM-entry fields */
	events_delivered(&ev, 0, &p);
	CHECK_EQ(acks, 1);

	/* The source has nothing more: the request is dropped, no window. */
	event_plan_entry(&ev, 0, &open_gate, &p);
	CHECK(!p.inject.valid && !p.intr_window && !p.nmi_window);
	CHECK_EQ(ev.pending, 0);
}

TEST(held_while_the_gate_is_closed)
{
	struct vcpu_events ev = { 0 };
	struct event_plan p;
	ev.intr_ops = &fake_source;
	fake_vector = 0x80;
	acks = 0;
	ev.pending = EV_INTR | EV_NMI;
	event_plan_entry(&ev, 0, &closed_gate, &p);
	CHECK(!p.inject.valid && p.intr_window && p.nmi_window);
	CHECK_EQ(ev.pending, EV_INTR | EV_NMI);
	/* An exception is not held by IF or NMI blocking. */
	events_queue_exception(&ev, EXC_PF, true, 2, true, 0x1234);
	event_plan_entry(&ev, 0, &closed_gate, &p);
	CHECK(p.inject.valid && p.inject.vector == EXC_PF && p.inject.has_error && p.inject.error == 2);
	CHECK(p.has_payload && p.payload == 0x1234);
	CHECK_EQ(acks, 0);
}

/* Another CPU raises a vector while this one asks the source: the source
 * had nothing yet when it was read, then the other CPU set IRR and
 * EV_INTR. The request must survive the plan (it did not when EV_INTR
 * was cleared after asking: the vCPU then took no more interrupts). */
static struct vcpu_events *racing_ev;
static int racing_highest(void *ctx, struct vcpu *v)
{
	(void)ctx, (void)v;
	int seen = fake_vector;
	fake_vector = 0x30;
	events_set(racing_ev, EV_INTR);
	return seen;
}
static const struct intr_source_ops racing_source = { "racing", racing_highest, fake_ack, 0 };

TEST(interrupt_raised_while_the_source_is_asked_is_kept)
{
	struct vcpu_events ev = { 0 };
	struct event_plan p;
	ev.intr_ops = &racing_source;
	racing_ev = &ev;
	fake_vector = -1;
	acks = 0;
	events_set(&ev, EV_INTR);
	event_plan_entry(&ev, 0, &open_gate, &p);
	CHECK(!p.inject.valid);
	CHECK_EQ(ev.pending, EV_INTR);
	/* The next entry finds it. */
	ev.intr_ops = &fake_source;
	event_plan_entry(&ev, 0, &open_gate, &p);
	CHECK(p.inject.valid && p.inject.type == EVENT_EXTINT && p.inject.vector == 0x30);
	events_delivered(&ev, 0, &p);
	CHECK_EQ(acks, 1);
}

TEST(in_flight_is_reinjected_unchanged)
{
	struct vcpu_events ev = { 0 };
	struct event_plan p;
	ev.in_flight = (struct vcpu_event){ .valid = true, .type = EVENT_SW_INT, .vector = 0x80, .insn_len = 2 };
	ev.pending = EV_IN_FLIGHT;
	/* Even with the gate closed: it was already being delivered. */
	event_plan_entry(&ev, 0, &closed_gate, &p);
	CHECK(p.inject.valid && p.inject.type == EVENT_SW_INT && p.inject.vector == 0x80 && p.inject.insn_len == 2);
	CHECK(!p.has_payload);
	events_delivered(&ev, 0, &p);
	CHECK_EQ(ev.pending, 0);
	CHECK(!ev.in_flight.valid);
}

TEST(in_flight_interrupt_or_nmi_kept_behind_a_new_exception)
{
	struct vcpu_events ev = { 0 };
	struct event_plan p;
	ev.intr_ops = &fake_source;
	fake_vector = -1;
	acks = 0;
	ev.in_flight = (struct vcpu_event){ .valid = true, .type = EVENT_EXTINT, .vector = 0x55 };
	ev.pending = EV_IN_FLIGHT;
	events_queue_exception(&ev, EXC_GP, true, 0, false, 0);
	CHECK_EQ(ev.pending, EV_EXCEPTION | EV_INTR_HELD);
	event_plan_entry(&ev, 0, &open_gate, &p);
	CHECK(p.inject.vector == EXC_GP && p.intr_window);
	events_delivered(&ev, 0, &p);
	event_plan_entry(&ev, 0, &open_gate, &p);
	CHECK(p.inject.valid && p.inject.type == EVENT_EXTINT && p.inject.vector == 0x55);
	events_delivered(&ev, 0, &p);
	CHECK_EQ(acks, 0); /* already accepted before the exit: not again */
	CHECK_EQ(ev.pending, 0);

	ev.in_flight = (struct vcpu_event){ .valid = true, .type = EVENT_NMI, .vector = 2 };
	ev.pending = EV_IN_FLIGHT;
	events_queue_exception(&ev, EXC_UD, false, 0, false, 0);
	CHECK_EQ(ev.pending, EV_EXCEPTION | EV_NMI);

	/* A software interrupt runs again from its instruction: dropped. */
	ev.in_flight = (struct vcpu_event){ .valid = true, .type = EVENT_SW_INT, .vector = 0x80, .insn_len = 2 };
	ev.pending = EV_IN_FLIGHT;
	events_queue_exception(&ev, EXC_GP, true, 0, false, 0);
	CHECK_EQ(ev.pending, EV_EXCEPTION);
}

TEST(double_and_triple_fault)
{
	struct vcpu_events ev = { 0 };
	ev.in_flight = (struct vcpu_event){ .valid = true, .type = EVENT_HW_EXCEPTION, .vector = EXC_PF,
					    .has_error = true, .error = 2 };
	ev.pending = EV_IN_FLIGHT;
	events_queue_exception(&ev, EXC_PF, true, 0, true, 0x5000);
	CHECK_EQ(ev.pending, EV_EXCEPTION);
	CHECK_EQ(ev.exc.vector, EXC_DF);
	CHECK(ev.exc.has_error && ev.exc.error == 0 && !ev.exc.has_payload);
	CHECK(!ev.shutdown);
	/* A #GP while the #DF is pending: shutdown. */
	events_queue_exception(&ev, EXC_GP, true, 0, false, 0);
	CHECK(ev.shutdown);
	CHECK_EQ(ev.pending & EV_EXCEPTION, 0);
	/* Nothing more is queued after shutdown. */
	events_queue_exception(&ev, EXC_UD, false, 0, false, 0);
	CHECK_EQ(ev.pending & EV_EXCEPTION, 0);
}

TEST_MAIN()

/*
 * event.c - the vendor-neutral event logic of event.h: exception classes
 * and merging (SDM Vol 3A 6.15), and the choice of what to deliver at the
 * next VM entry. Pure: no hypervisor globals.
 */
#include "hv/core/event.h"

enum exc_class exception_class(uint8_t vector)
{
	/* SDM Vol 3A 6.15, table 6-4; #CP (21) is contributory too. */
	switch (vector) {
	case EXC_DE:
	case EXC_TS:
	case EXC_NP:
	case EXC_SS:
	case EXC_GP:
	case 21:
		return EXC_CONTRIBUTORY;
	case EXC_PF:
		return EXC_PAGE_FAULT;
	case EXC_DF:
		return EXC_DOUBLE_FAULT;
	}
	return EXC_BENIGN;
}

bool exception_has_error(uint8_t vector)
{
	/* SDM Vol 3A 6.13 and table 6-1: #DF, #TS, #NP, #SS, #GP, #PF, #AC,
	 * #CP; AMD's #VC (29) and #SX (30). */
	switch (vector) {
	case EXC_DF:
	case EXC_TS:
	case EXC_NP:
	case EXC_SS:
	case EXC_GP:
	case EXC_PF:
	case 17:
	case 21:
	case 29:
	case 30:
		return true;
	}
	return false;
}

int exception_merge(uint8_t first, uint8_t second)
{
	/* Table 6-5: rows are the first exception's class, columns the second's. */
	enum exc_class a = exception_class(first), b = exception_class(second);
	bool bad = b == EXC_CONTRIBUTORY || b == EXC_PAGE_FAULT;
	switch (a) {
	case EXC_CONTRIBUTORY:
		return b == EXC_CONTRIBUTORY ? EXC_DF : second;
	case EXC_PAGE_FAULT:
		return bad ? EXC_DF : second;
	case EXC_DOUBLE_FAULT:
		return bad ? -1 : second;
	case EXC_BENIGN:
		break;
	}
	/* Handled serially: the second is delivered; a first that was a fault
	 * comes back when its instruction runs again. */
	return second;
}

static void set_exception(struct vcpu_events *ev, uint8_t vector, bool has_error, uint32_t error, bool has_payload,
			  uint64_t payload)
{
	ev->exc.vector = vector;
	ev->exc.has_error = has_error;
	ev->exc.error = error;
	ev->exc.has_payload = has_payload;
	ev->exc.payload = payload;
	events_set(ev, EV_EXCEPTION);
}

/* Deliver `second` after `first` was interrupted: merge per table 6-5. */
static bool merge_into(struct vcpu_events *ev, uint8_t first, uint8_t *second, bool *has_error, uint32_t *error,
		       bool *has_payload)
{
	int r = exception_merge(first, *second);
	if (r < 0) {
		ev->shutdown = true;
		events_clear(ev, EV_EXCEPTION);
		return false;
	}
	if (r == EXC_DF && *second != EXC_DF) {
		*second = EXC_DF;
		*has_error = true;
		*error = 0;
		*has_payload = false;
	}
	return true;
}

void events_queue_exception(struct vcpu_events *ev, uint8_t vector, bool has_error, uint32_t error,
			    bool has_payload, uint64_t payload)
{
	if (ev->shutdown)
		return;
	if (ev->pending & EV_IN_FLIGHT) {
		/* The event the exit interrupted gives way to the new
		 * exception; what must not be lost is kept for later. */
		struct vcpu_event *f = &ev->in_flight;
		events_clear(ev, EV_IN_FLIGHT);
		f->valid = false;
		switch (f->type) {
		case EVENT_HW_EXCEPTION:
			if (!merge_into(ev, f->vector, &vector, &has_error, &error, &has_payload))
				return;
			break;
		case EVENT_NMI:
			events_set(ev, EV_NMI);
			break;
		case EVENT_EXTINT:
			ev->held_vector = f->vector; /* already accepted by its source */
			events_set(ev, EV_INTR_HELD);
			break;
		default:
			break; /* software events: the instruction runs again */
		}
	}
	if ((ev->pending & EV_EXCEPTION) &&
	    !merge_into(ev, ev->exc.vector, &vector, &has_error, &error, &has_payload))
		return;
	set_exception(ev, vector, has_error, error, has_payload, payload);
}

void event_plan_entry(struct vcpu_events *ev, struct vcpu *v, const struct event_gate *g, struct event_plan *p)
{
	uint8_t want = __atomic_load_n(&ev->pending, __ATOMIC_SEQ_CST);
	*p = (struct event_plan){ 0 };
	if (want & EV_IN_FLIGHT) {
		p->inject = ev->in_flight;
		p->from = EV_IN_FLIGHT;
	} else if (want & EV_EXCEPTION) {
		p->inject = (struct vcpu_event){ .valid = true, .type = EVENT_HW_EXCEPTION, .vector = ev->exc.vector,
						 .has_error = ev->exc.has_error, .error = ev->exc.error };
		p->has_payload = ev->exc.has_payload;
		p->payload = ev->exc.payload;
		p->from = EV_EXCEPTION;
	} else if ((want & EV_NMI) && g->nmi_ok) {
		p->inject = (struct vcpu_event){ .valid = true, .type = EVENT_NMI, .vector = 2 };
		p->from = EV_NMI;
	} else if ((want & EV_INTR_HELD) && g->intr_ok) {
		p->inject = (struct vcpu_event){ .valid = true, .type = EVENT_EXTINT, .vector = ev->held_vector };
		p->from = EV_INTR_HELD;
	} else if ((want & EV_INTR) && g->intr_ok) {
		/* Clear first, then ask: a source that raises a vector sets it
		 * (IRR) before it sets EV_INTR, so one raised while we ask is
		 * either seen now or leaves EV_INTR set again. */
		events_clear(ev, EV_INTR);
		int vec = ev->intr_ops ? ev->intr_ops->highest(ev->intr_ctx, v) : -1;
		if (vec >= 0) {
			p->inject = (struct vcpu_event){ .valid = true, .type = EVENT_EXTINT, .vector = (uint8_t)vec };
			p->from = EV_INTR;
			/* More may be waiting behind it: asked again next entry. */
			events_set(ev, EV_INTR);
		} else {
			/* Nothing deliverable: the source kicks again when
			 * that changes (a new request, EOI, TPR). */
			want &= (uint8_t)~EV_INTR;
		}
	}
	/* What stays pending waits for the first moment it can be delivered. */
	p->nmi_window = (want & EV_NMI) && p->from != EV_NMI;
	p->intr_window = (want & (EV_INTR | EV_INTR_HELD)) && p->from != EV_INTR && p->from != EV_INTR_HELD;
}

void events_delivered(struct vcpu_events *ev, struct vcpu *v, const struct event_plan *p)
{
	if (!p->inject.valid)
		return;
	if (p->from == EV_INTR) {
		/* More may be waiting: the source is asked again next entry. */
		if (ev->intr_ops)
			ev->intr_ops->ack(ev->intr_ctx, v, p->inject.vector);
		return;
	}
	events_clear(ev, p->from);
	if (p->from == EV_IN_FLIGHT)
		ev->in_flight.valid = false;
}

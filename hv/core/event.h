/*
 * event.h - a vCPU's events (exceptions, NMIs, external interrupts) in one
 * vendor-neutral form, and the choice of what to deliver at the next entry.
 *
 *   exit --> backend "complete": IDT-vectoring info / EXITINTINFO --> in_flight
 *        --> exit handlers: vcpu_queue_exception(), vcpu_request_nmi(),
 *                           vcpu_kick_interrupt() (a source has one)
 *        --> backend "inject": event_plan_entry() --> VM-entry interruption
 *            info / EVENTINJ, plus an interrupt or NMI window when the
 *            pending one cannot be delivered yet
 *
 * Order of delivery (SDM Vol 3A 6.9, and what KVM does): an event that was
 * being delivered when the exit happened is completed first; then a pending
 * exception; then an NMI; then an external interrupt. A second exception
 * raised while one is being delivered merges as SDM Vol 3A 6.15 table 6-5
 * says (#DF, or shutdown). Nested virtualization will move the in-flight
 * event into L1's exit record instead of re-injecting it.
 *
 * The planning functions are pure (host-tested by tests/host/test_event.c).
 * Locking: only the CPU running the vCPU touches its events, except
 * vcpu_request_nmi / vcpu_kick_interrupt, which other CPUs call (an IPI,
 * an IOAPIC message, a timer): they set bits in `pending` atomically. So
 * every change of `pending`, on the vCPU's own CPU too, is an atomic
 * read-modify-write (events_set / events_clear): a plain `|=` or `&=`
 * is a load and a store, and a bit another CPU set in between would be
 * lost (an interrupt left in IRR with nothing to say so until the next
 * one). EV_INTR is cleared before its source is asked (event_plan_entry),
 * never after, for the same reason.
 */
#ifndef NESTOR_CORE_EVENT_H
#define NESTOR_CORE_EVENT_H

#include <stdbool.h>
#include <stdint.h>

struct vcpu;

/* Interruption types of SDM Vol 3C 25.8.3 (VM-entry interruption info);
 * SVM EVENTINJ / EXITINTINFO (APM Vol 2 15.20) use the same numbers for
 * INTR (0), NMI (2), exception (3) and software interrupt (4). */
enum event_type {
	EVENT_EXTINT = 0,
	EVENT_NMI = 2,
	EVENT_HW_EXCEPTION = 3,
	EVENT_SW_INT = 4,            /* INT n */
	EVENT_PRIV_SW_EXCEPTION = 5, /* INT1 (ICEBP) */
	EVENT_SW_EXCEPTION = 6,      /* INT3, INTO */
};

#define EXC_DE 0
#define EXC_DB 1
#define EXC_BP 3
#define EXC_UD 6
#define EXC_DF 8
#define EXC_TS 10
#define EXC_NP 11
#define EXC_SS 12
#define EXC_GP 13
#define EXC_PF 14
#define EXC_AC 17

struct vcpu_event {
	bool valid;
	uint8_t type; /* enum event_type */
	uint8_t vector;
	bool has_error;
	uint32_t error;
	uint8_t insn_len; /* software events: the INT instruction's length */
};

/* Who has an external interrupt for this vCPU (the local APIC, or the
 * test source of HC_RAISE_EVENT until it exists). Asked at each entry. */
struct intr_source_ops {
	const char *name;
	/* The vector to deliver now, or -1 (none, or held by priority). */
	int (*highest)(void *ctx, struct vcpu *v);
	/* vector is being injected: accept it (LAPIC: IRR -> ISR). */
	void (*ack)(void *ctx, struct vcpu *v, uint8_t vector);
	/* Test hook (HC_RAISE_EVENT): make vector pending as an
	 * edge-triggered self-interrupt would (LAPIC: set its IRR bit). */
	void (*raise)(void *ctx, struct vcpu *v, uint8_t vector);
};

/* Bits of vcpu_events.pending: anything for the inject step to look at. */
#define EV_EXCEPTION 0x01
#define EV_NMI 0x02
#define EV_INTR 0x04     /* ask the interrupt source */
#define EV_IN_FLIGHT 0x08
#define EV_INTR_HELD 0x10 /* an accepted interrupt waiting for re-delivery */
/* The backend wants its inject step to run although nothing above is
 * pending (a window is armed, an NMI it injected is still masking): one
 * byte to test on the common entry path. */
#define EV_BACKEND 0x80

struct vcpu_events {
	uint8_t pending; /* EV_* bits: change only with events_set/events_clear */
	struct {
		uint8_t vector;
		bool has_error;
		uint32_t error;
		bool has_payload;
		uint64_t payload; /* #PF: the CR2 value */
	} exc;
	uint8_t held_vector;  /* EV_INTR_HELD */
	struct vcpu_event in_flight;
	const struct intr_source_ops *intr_ops;
	void *intr_ctx;
	bool shutdown;        /* an exception during #DF delivery: triple fault */
};

static inline void events_set(struct vcpu_events *ev, uint8_t bits)
{
	__atomic_or_fetch(&ev->pending, bits, __ATOMIC_SEQ_CST);
}
static inline void events_clear(struct vcpu_events *ev, uint8_t bits)
{
	__atomic_and_fetch(&ev->pending, (uint8_t)~bits, __ATOMIC_SEQ_CST);
}

/* What the hardware allows right now (the backend reads it). */
struct event_gate {
	bool intr_ok; /* RFLAGS.IF = 1 and no STI / MOV SS shadow (GIF for SVM) */
	bool nmi_ok;  /* no NMI blocking, no MOV SS shadow */
};

/* What to do at this entry. */
struct event_plan {
	struct vcpu_event inject; /* valid: deliver this */
	bool has_payload;
	uint64_t payload;         /* #PF: write CR2 first */
	bool intr_window, nmi_window;
	uint8_t from;             /* the EV_* bit the event came from */
};

/* Exception classes of SDM Vol 3A 6.15 table 6-4. */
enum exc_class { EXC_BENIGN, EXC_CONTRIBUTORY, EXC_PAGE_FAULT, EXC_DOUBLE_FAULT };
enum exc_class exception_class(uint8_t vector);
/* Does vector push an error code (SDM Vol 3A 6.13, table 6-1)? */
bool exception_has_error(uint8_t vector);

/* Merge a new exception into one being delivered (table 6-5):
 * returns the vector to deliver, EXC_DF for a double fault, or -1 for
 * shutdown (triple fault). */
int exception_merge(uint8_t first, uint8_t second);

/* Queue an exception (from an exit handler), merging with one already
 * queued or in flight. A triple fault sets ev->shutdown. */
void events_queue_exception(struct vcpu_events *ev, uint8_t vector, bool has_error, uint32_t error,
			    bool has_payload, uint64_t payload);

/* Choose this entry's event and windows (pure apart from the source's
 * highest() callback; the caller calls events_delivered() once injected). */
void event_plan_entry(struct vcpu_events *ev, struct vcpu *v, const struct event_gate *g, struct event_plan *p);
/* The plan's event is in the VM-entry fields: clear what it consumed. */
void events_delivered(struct vcpu_events *ev, struct vcpu *v, const struct event_plan *p);

/* Wrappers for exit handlers (hv/core/event.c). */
void vcpu_queue_exception(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error);
void vcpu_queue_pf(struct vcpu *v, uint64_t cr2, uint32_t error);
void vcpu_request_nmi(struct vcpu *v);
void vcpu_kick_interrupt(struct vcpu *v);
void vcpu_set_intr_source(struct vcpu *v, const struct intr_source_ops *ops, void *ctx);

#endif

/*
 * svm_events.c - the SVM half of hv/core/event.h: EXITINTINFO after each
 * #VMEXIT becomes the in-flight event; before each VMRUN the planned event
 * goes into EVENTINJ (APM Vol 2 15.20), and a pending interrupt or NMI
 * that cannot be taken yet asks for a window:
 *
 *   interrupt: V_IRQ with V_IGN_TPR and the VINTR intercept: #VMEXIT 0x64
 *              as soon as the guest could take an interrupt (APM 15.21.4);
 *   NMI:       the IRET intercept while an NMI Nestor injected is being
 *              handled; NMIs are unmasked once that IRET has retired
 *              (RIP moved past it at a later exit), as KVM does without vNMI.
 *
 * Software interrupts (INT n) and the INT3/INTO exceptions in EXITINTINFO
 * are not re-injected: the guest's RIP still points at the instruction
 * (APM 15.7.2), which runs again and raises the event again; re-injecting
 * would need NRIPS and the instruction's length (KVM: "retry the
 * instruction, it's the least awful option").
 */
#include "hv/svm/svm.h"
#include "hv/core/event.h"
#include "nested/nested.h"

#define RFLAGS_IF (1ull << 9)

void svm_complete_events_slow(struct vcpu *v)
{
	struct svm_vcpu *s = S(v);
	uint64_t info = s->vmcb->control.exitintinfo;
	uint8_t type = (info >> SVM_EVENT_TYPE_SHIFT) & 7, vector = (uint8_t)info;
	uint64_t next_rip;
	if (type == EVENT_SW_INT && nested_svm_soft_reinject(v, info, s->vmcb->save.rip, &next_rip)) {
		/* L1 injected it into L2: no instruction to run again; the
		 * inject step gives it L1's return address again. */
	} else if (type == EVENT_SW_INT || (type == EVENT_HW_EXCEPTION && (vector == EXC_BP || vector == 4)))
		return; /* the instruction runs again (see above) */
	else if (type != EVENT_EXTINT && type != EVENT_NMI && type != EVENT_HW_EXCEPTION)
		return; /* reserved types */
	if (type == EVENT_NMI)
		s->nmi_masked = false; /* delivery did not complete: not blocking yet */
	v->ev.in_flight = (struct vcpu_event){
		.valid = true, .type = type, .vector = vector,
		.has_error = (info & SVM_EVENT_ERROR_VALID) != 0, .error = (uint32_t)(info >> 32),
	};
	events_set(&v->ev, EV_IN_FLIGHT);
}

static void set_windows(struct vcpu *v, struct svm_vcpu *s, bool intr, bool nmi)
{
	struct vmcb_control *c = &s->vmcb->control;
	if (intr) {
		c->vintr |= SVM_VINTR_V_IRQ | SVM_VINTR_V_IGN_TPR;
		c->intercept_misc1 |= SVM_INTERCEPT1_VINTR;
	} else {
		c->vintr &= ~(SVM_VINTR_V_IRQ | SVM_VINTR_V_IGN_TPR);
		c->intercept_misc1 &= ~SVM_INTERCEPT1_VINTR;
	}
	if ((nmi || s->nmi_masked) && !s->awaiting_iret)
		c->intercept_misc1 |= SVM_INTERCEPT1_IRET;
	else
		c->intercept_misc1 &= ~SVM_INTERCEPT1_IRET;
	/* Keep the inject step running while a window is armed or an NMI
	 * masks others (it watches for the end of the NMI handler). */
	if (intr || nmi || s->nmi_masked)
		events_set(&v->ev, EV_BACKEND);
	else
		events_clear(&v->ev, EV_BACKEND);
}

/* EVENTINJ for one event (APM 15.20). */
static uint64_t eventinj_of(const struct vcpu_event *ev)
{
	return ev->vector | ((uint64_t)ev->type << SVM_EVENT_TYPE_SHIFT) | SVM_EVENT_VALID |
	       (ev->has_error ? SVM_EVENT_ERROR_VALID | ((uint64_t)ev->error << 32) : 0);
}

/* Events while the vCPU runs L2 (nested/): what L0 raised for L2 (an
 * exception of an instruction it emulated, an event whose delivery an
 * exit interrupted) goes into VMCB02; L1's interrupts and NMIs wait for
 * its #VMEXIT (they are not routed into L2 yet), and L1's windows stay
 * in VMCB01. */
static void inject_l2_events(struct vcpu *v, struct vmcb *vmcb)
{
	struct event_gate g = { .intr_ok = false, .nmi_ok = false };
	struct event_plan p;
	event_plan_entry(&v->ev, v, &g, &p);
	if (!p.inject.valid)
		return;
	const struct vcpu_event *ev = &p.inject;
	vmcb->control.eventinj = eventinj_of(ev);
	svm_eventinj_written(S(v), vmcb->control.eventinj);
	uint64_t next_rip;
	if (ev->type == EVENT_SW_INT && nested_svm_soft_reinject(v, vmcb->control.eventinj, vmcb->save.rip, &next_rip))
		vmcb->control.next_rip = next_rip; /* the return address (NRIPS) */
	if (p.has_payload) {
		vmcb->save.cr2 = p.payload;
		svm_entry_work_add(S(v), SVM_WORK_CR2);
	}
	events_delivered(&v->ev, v, &p);
}

void svm_inject_events_slow(struct vcpu *v)
{
	struct svm_vcpu *s = S(v);
	struct vmcb *vmcb = s->vmcb;
	if (nested_in_l2(v)) {
		inject_l2_events(v, vmcb);
		return;
	}
	if (s->nmi_masked) {
		/* The end of the guest's NMI handler: its IRET was
		 * intercepted; NMIs are unmasked once it has retired. */
		if (s->awaiting_iret && vmcb->save.rip != s->iret_rip) {
			s->awaiting_iret = false;
			s->nmi_masked = false;
		} else if (vmcb->control.exitcode == SVM_EXIT_IRET && !s->awaiting_iret) {
			s->awaiting_iret = true;
			s->iret_rip = vmcb->save.rip;
		}
	}
	bool shadow = vmcb->control.interrupt_shadow & SVM_INTERRUPT_SHADOW;
	/* A nested L1's GIF=0 holds interrupts and NMIs (APM 15.17); no
	 * window then: STGI is intercepted and the next entry looks again. */
	bool gif = nested_gif(v);
	struct event_gate g = {
		.intr_ok = (vmcb->save.rflags & RFLAGS_IF) && !shadow && gif,
		.nmi_ok = !s->nmi_masked && !s->awaiting_iret && !shadow && gif,
	};
	struct event_plan p;
	event_plan_entry(&v->ev, v, &g, &p);
	if (!gif)
		p.intr_window = p.nmi_window = false;
	if (p.inject.valid) {
		const struct vcpu_event *ev = &p.inject;
		vmcb->control.eventinj = eventinj_of(ev);
		svm_eventinj_written(s, vmcb->control.eventinj);
		if (p.has_payload) {
			vmcb->save.cr2 = p.payload;
			svm_entry_work_add(s, SVM_WORK_CR2);
		}
		if (ev->type == EVENT_NMI) {
			s->nmi_masked = true;
			s->awaiting_iret = false;
		}
		events_delivered(&v->ev, v, &p);
	}
	set_windows(v, s, p.intr_window, p.nmi_window);
}

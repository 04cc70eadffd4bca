/*
 * vmx_events.c - the VT-x half of hv/core/event.h (SDM Vol 3C 28.2.4:
 * IDT-vectoring information; 27.6: event injection; 26.7.5-26.7.6:
 * interrupt- and NMI-window exiting).
 *
 * After each exit the IDT-vectoring information (an event whose delivery
 * the exit interrupted) becomes the vCPU's in-flight event; before each
 * entry the planned event goes into the VM-entry interruption fields, and
 * an interrupt or NMI that cannot be delivered yet turns on the matching
 * window exiting control. The VM-entry interruption field's valid bit is
 * cleared by every VM exit (SDM 3C 28.2), so nothing is left to clear.
 */
#include "hv/vmx/vmx.h"
#include "hv/core/event.h"
#include "hv/x86/asm.h"
#include "nested/nested.h"

#define RFLAGS_IF (1ull << 9)
/* Interruptibility state (SDM 3C 25.4.2, table 25-3). */
#define INTR_BLOCK_STI 1u
#define INTR_BLOCK_MOV_SS 2u
#define INTR_BLOCK_NMI 8u

static bool soft_event(unsigned type)
{
	return type == EVENT_SW_INT || type == EVENT_PRIV_SW_EXCEPTION || type == EVENT_SW_EXCEPTION;
}

void vmx_complete_events_slow(struct vcpu *v, uint32_t idt)
{
	struct vcpu_event *f = &v->ev.in_flight;
	f->valid = true;
	f->type = (idt >> INTR_TYPE_SHIFT) & 7;
	f->vector = (uint8_t)idt;
	f->has_error = idt & INTR_INFO_ERROR_VALID;
	f->error = f->has_error ? (uint32_t)vmread(VMCS_IDT_VECTORING_ERROR_CODE) : 0;
	/* Software events are re-injected with their instruction's length
	 * (SDM 3C 28.2.4: the VM-exit instruction-length field has it). */
	f->insn_len = soft_event(f->type) ? (uint8_t)vmread(VMCS_EXIT_INSTRUCTION_LEN) : 0;
	events_set(&v->ev, EV_IN_FLIGHT);
}

static void write_entry_event(struct vcpu *v, const struct event_plan *p)
{
	const struct vcpu_event *ev = &p->inject;
	bool has_error = ev->has_error;
	/* No error code in real mode (SDM 3C 27.2.1.3: deliver-error-code
	 * must be 0 when CR0.PE is 0 with unrestricted guest). */
	if (has_error && !(vmread(VMCS_GUEST_CR0) & CR0_PE))
		has_error = false;
	uint32_t info = ev->vector | ((uint32_t)ev->type << INTR_TYPE_SHIFT) | INTR_INFO_VALID |
			(has_error ? INTR_INFO_ERROR_VALID : 0);
	vmwrite(VMCS_ENTRY_INTR_INFO, info);
	if (has_error)
		vmwrite(VMCS_ENTRY_EXCEPTION_ERROR_CODE, ev->error);
	if (soft_event(ev->type))
		vmwrite(VMCS_ENTRY_INSTRUCTION_LEN, ev->insn_len);
	if (p->has_payload)
		VX(v)->cr2 = p->payload; /* #PF: CR2 first (vmx_enter loads it) */
}

/* Events while the vCPU runs L2 (nested/vmx_vmentry.c): what L0 raised
 * for L2 (an exception of an instruction it emulated, an event whose
 * delivery an exit interrupted) goes into vmcs02; L1's interrupts and NMIs
 * wait for its next VM exit (not routed into L2 yet), and no window of
 * L1's is armed in vmcs02. */
static void inject_l2_events(struct vcpu *v)
{
	struct event_gate g = { .intr_ok = false, .nmi_ok = false };
	struct event_plan p;
	event_plan_entry(&v->ev, v, &g, &p);
	if (p.inject.valid) {
		write_entry_event(v, &p);
		events_delivered(&v->ev, v, &p);
	}
	events_clear(&v->ev, EV_BACKEND);
}

void vmx_inject_events_slow(struct vcpu *v)
{
	struct vmx_vcpu *s = VX(v);
	if (nested_in_l2(v)) {
		if (!nested_l1_event_exit(v)) {
			inject_l2_events(v);
			return;
		}
		/* Back in L1 (vmcs01 current): its RSP, then its events. */
		vmwrite(VMCS_GUEST_RSP, v->gpr[GPR_RSP]);
	}
	uint32_t intr = (uint32_t)vmread(VMCS_GUEST_INTERRUPTIBILITY);
	struct event_gate g = {
		.intr_ok = (vmread(VMCS_GUEST_RFLAGS) & RFLAGS_IF) && !(intr & (INTR_BLOCK_STI | INTR_BLOCK_MOV_SS)),
		/* KVM's rule: no NMI in an STI or MOV SS shadow, nor while one
		 * is blocking NMIs (tracked by the CPU with virtual NMIs). */
		.nmi_ok = !(intr & (INTR_BLOCK_STI | INTR_BLOCK_MOV_SS | INTR_BLOCK_NMI)),
	};
	struct event_plan p;
	event_plan_entry(&v->ev, v, &g, &p);
	if (p.inject.valid) {
		write_entry_event(v, &p);
		events_delivered(&v->ev, v, &p);
	}
	uint32_t proc = s->proc_ctls & ~(PROC_INTR_WINDOW | PROC_NMI_WINDOW);
	if (p.intr_window)
		proc |= PROC_INTR_WINDOW;
	if (p.nmi_window)
		proc |= vmx_virtual_nmis() ? PROC_NMI_WINDOW : PROC_INTR_WINDOW;
	if (proc != s->proc_ctls) {
		vmwrite(VMCS_PROC_BASED_CTLS, proc);
		s->proc_ctls = proc;
	}
	/* Keep the inject step running while a window is armed. */
	if (p.intr_window || p.nmi_window)
		events_set(&v->ev, EV_BACKEND);
	else
		events_clear(&v->ev, EV_BACKEND);
}

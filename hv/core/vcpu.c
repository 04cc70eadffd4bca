/* vcpu.c - the backend chosen at boot (hv/main.c), and the event requests
 * exit handlers and devices make of a vCPU (hv/core/event.h). */
#include "hv/core/vcpu.h"
#include "hv/core/vm.h"
#include "hv/dev/lapic_dev.h"
#include "hv/host/smp.h"
#include "hv/x86/asm.h"

const struct vcpu_ops *virt_ops;

static void check_shutdown(struct vcpu *v)
{
	/* SDM Vol 3A 6.15: an exception while delivering #DF is a triple
	 * fault; the processor shuts down, which stops the VM. */
	if (v->ev.shutdown)
		vm_stop(v->vm, -1, "triple fault (shutdown): vCPU %u raised an exception while delivering #DF",
			v->index);
}

void vcpu_queue_exception(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error)
{
	events_queue_exception(&v->ev, vector, has_error, error, false, 0);
	check_shutdown(v);
}

void vcpu_queue_pf(struct vcpu *v, uint64_t cr2, uint32_t error)
{
	events_queue_exception(&v->ev, EXC_PF, true, error, true, cr2);
	check_shutdown(v);
}

void vcpu_request_nmi(struct vcpu *v)
{
	__atomic_or_fetch(&v->ev.pending, EV_NMI, __ATOMIC_RELEASE);
	vcpu_wake(v);
}

void vcpu_kick_interrupt(struct vcpu *v) { __atomic_or_fetch(&v->ev.pending, EV_INTR, __ATOMIC_RELEASE); }

void vcpu_set_intr_source(struct vcpu *v, const struct intr_source_ops *ops, void *ctx)
{
	v->ev.intr_ops = ops;
	v->ev.intr_ctx = ctx;
}

void vcpu_kick(struct vcpu *v)
{
	if (v->pcpu != this_cpu() && __atomic_load_n(&v->in_guest, __ATOMIC_SEQ_CST))
		smp_kick(v->pcpu);
}

_Static_assert(sizeof(((struct vcpu *)0)->state) == sizeof(unsigned), "vcpu_wake's compare-and-swap");

bool vcpu_wakeup_pending(struct vcpu *v)
{
	uint8_t pending = __atomic_load_n(&v->ev.pending, __ATOMIC_ACQUIRE);
	if (pending & (EV_NMI | EV_EXCEPTION))
		return true;
	return v->halted_if && (pending & EV_INTR_HELD ||
				(v->ev.intr_ops && v->ev.intr_ops->highest(v->ev.intr_ctx, v) >= 0));
}

bool vcpu_stay_halted(struct vcpu *v)
{
	__atomic_store_n((unsigned *)&v->state, VCPU_HALTED, __ATOMIC_SEQ_CST);
	if (!vcpu_wakeup_pending(v))
		return true;
	unsigned halted = VCPU_HALTED;
	__atomic_compare_exchange_n((unsigned *)&v->state, &halted, VCPU_RUNNABLE, false, __ATOMIC_ACQ_REL,
				    __ATOMIC_ACQUIRE);
	v->in_hlt = false;
	return false;
}

bool vcpu_halt(struct vcpu *v)
{
	struct vcpu_paging_state st;
	virt_ops->get_paging_state(v, &st);
	v->halted_if = st.rflags & (1u << 9);
	v->in_hlt = true;
	return vcpu_stay_halted(v);
}

void vcpu_send_init(struct vcpu *v)
{
	/* In wait-for-SIPI from now on, so a SIPI sent right after the INIT
	 * (before v's CPU has run the rest) is taken; the APIC reset and
	 * the events go on v's CPU (vcpu_take_start). */
	__atomic_store_n(&v->sipi_vector, -1, __ATOMIC_RELEASE);
	__atomic_store_n(&v->wait_sipi, true, __ATOMIC_RELEASE);
	__atomic_store_n(&v->init_pending, true, __ATOMIC_RELEASE);
	vcpu_wake(v);
	vcpu_kick(v); /* out of guest mode, so its loop sees it */
}

void vcpu_send_sipi(struct vcpu *v, uint8_t vector)
{
	/* Only a vCPU in wait-for-SIPI takes it (SDM 3A 9.4.4: a second
	 * SIPI to a started AP is ignored). */
	if (!__atomic_load_n(&v->wait_sipi, __ATOMIC_ACQUIRE))
		return;
	int none = -1;
	if (__atomic_compare_exchange_n(&v->sipi_vector, &none, vector, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		vcpu_wake(v);
}

bool vcpu_take_start(struct vcpu *v)
{
	if (__atomic_exchange_n(&v->init_pending, false, __ATOMIC_ACQ_REL)) {
		/* INIT (table 9-1): the APIC resets but keeps its ID; pending
		 * events go; the vCPU waits for a start-up IPI. */
		lapic_dev_init_signal(v);
		__atomic_store_n(&v->ev.pending, 0, __ATOMIC_SEQ_CST);
		v->ev.in_flight.valid = false;
		v->in_hlt = false;
	}
	if (!v->wait_sipi)
		return true;
	int vec = __atomic_exchange_n(&v->sipi_vector, -1, __ATOMIC_ACQ_REL);
	if (vec < 0) {
		/* Halt again; a SIPI racing with this is not lost: it set
		 * sipi_vector before its wake, which is re-checked here. */
		__atomic_store_n((unsigned *)&v->state, VCPU_HALTED, __ATOMIC_SEQ_CST);
		vec = __atomic_exchange_n(&v->sipi_vector, -1, __ATOMIC_ACQ_REL);
		if (vec < 0)
			return false;
		__atomic_store_n((unsigned *)&v->state, VCPU_RUNNABLE, __ATOMIC_SEQ_CST);
	}
	/* Start-up (9.4.4): real mode, CS = vector << 8 (base vector << 12),
	 * IP 0; EDX holds the processor signature (table 9-1). */
	struct vcpu_start st = { .mode = START_REAL, .rip = 0, .rflags = 2, .cs_selector = (uint16_t)(vec << 8) };
	st.gpr[GPR_RDX] = cpuid(1, 0).eax;
	v->wait_sipi = false;
	virt_ops->vcpu_reset(v, &st);
	return true;
}

void vcpu_wake(struct vcpu *v)
{
	unsigned halted = VCPU_HALTED;
	if (__atomic_compare_exchange_n((unsigned *)&v->state, &halted, VCPU_RUNNABLE, false, __ATOMIC_ACQ_REL,
					__ATOMIC_ACQUIRE) &&
	    v->pcpu != this_cpu())
		smp_kick(v->pcpu); /* its CPU may be idle in HLT */
	else
		vcpu_kick(v);
}

/*
 * lapic_dev.c - local APICs of an isolated VM (see lapic_dev.h): the
 * pure model hv/dev/lapic.c behind the guest's interfaces.
 *
 * Interrupt source of each vCPU, in the order it is asked:
 *   1. the PIC's INTR (vm->extint_ops), on vCPU 0 only, when LINT0 takes
 *      it: the APIC hardware-disabled (LINT0 is then the INTR pin, SDM 3A
 *      11.4.3) or LVT LINT0 unmasked in ExtINT mode (11.5.1). ExtINT
 *      bypasses IRR/ISR and priorities.
 *   2. the APIC's IRR, above PPR (11.8.3.1).
 *   3. the HC_RAISE_EVENT / HC_TEST_TIMER test source (test_intr.c), which
 *      stays outside the APIC so the event-core tests keep their meaning.
 *
 * Start state: what PC firmware leaves a loaded OS (MP spec 1.4 3.6.2.2,
 * "virtual wire"): the BSP's APIC software-enabled, spurious vector 0xFF,
 * LINT0 ExtINT and LINT1 NMI; APs as after INIT (all LVTs masked).
 *
 * Timer: counts the guest crystal clock (hv/host/tsc.h) through the
 * divider, or the TSC in TSC-deadline mode (guest TSC = host TSC); one
 * vtimer per APIC fires at the next expiry. Periodic periods below
 * LAPIC_MIN_PERIOD_NS are stretched to it (a guest cannot make Nestor
 * spend its CPU on timer exits); periods missed while the vCPU did not
 * run are coalesced (lapic_timer_catch_up), as one IRR bit holds them.
 *
 * IOAPIC messages (vm->apic_deliver) are routed as IPIs with a
 * destination field; a level-triggered vector's EOI goes back to it.
 *
 * INIT and start-up IPIs: APs begin in wait-for-SIPI; INIT puts one
 * back there, a SIPI starts it in real mode (hv/core/vcpu.c).
 *
 * Not done (issue 9): relocating the xAPIC page (a new base is kept in
 * IA32_APIC_BASE and logged; the page stays at GUEST_LAPIC_GPA); INIT of
 * the BSP (logged and dropped). SMIs are refused by design.
 *
 * Locking: an APIC's registers and timer belong to its vCPU's CPU (its
 * exits, its vtimer). IRR/TMR/ESR-pending bits are set by other CPUs'
 * IPIs with atomics (lapic.c); destination checks read other APICs' ID,
 * LDR and DFR under vm->lock, which every exit of a VM of several vCPUs
 * holds (hv/core/sched.c).
 */
#include "hv/dev/lapic_dev.h"
#include "drivers/console.h"
#include "hv/core/vm.h"
#include "hv/core/vtimer.h"
#include "hv/dev/apic_msg.h"
#include "hv/dev/device.h"
#include "hv/dev/ioapic_dev.h"
#include "hv/dev/extint.h"
#include "hv/dev/lapic.h"
#include "hv/dev/simple_devices.h"
#include "hv/guest_abi.h"
#include "hv/host/tsc.h"
#include "hv/lib/format.h"
#include "hv/x86/asm.h"

#define LAPIC_MIN_PERIOD_NS 50000ull
#define LVT_LINT0_IDX 4
#define LVT_DELIVERY(lvt) (((lvt) >> 8) & 7)
#define LVT_EXTINT 7

enum src_kind { SRC_NONE, SRC_EXTINT, SRC_APIC, SRC_TEST };

struct lapic_dev {
	struct lapic l;
	struct vcpu *v;
	struct vtimer timer;
	const struct intr_source_ops *test_ops; /* the source it replaced */
	void *test_ctx;
	enum src_kind last; /* where the vector highest() gave came from */
	bool warned_reloc, warned_smi, warned_init, warned_access;
};

bool lapic_dev_present(const struct vcpu *v) { return v->lapic != 0; }

static uint64_t now_crystal(void) { return tsc_to_crystal(rdtsc()); }

static uint64_t apic_base_reserved(void)
{
	static uint64_t cached;
	if (!cached)
		cached = ~0ull << (cpuid(0x80000008, 0).eax & 0xff);
	return cached;
}

/* --- interrupt source ---------------------------------------------------- */

static bool lint0_takes_extint(const struct lapic_dev *d)
{
	if (d->v->index != 0 || !d->v->vm->extint_ops)
		return false;
	if (!lapic_hw_enabled(&d->l))
		return true;
	uint32_t lvt = d->l.lvt[LVT_LINT0_IDX];
	return !(lvt & LVT_MASK) && LVT_DELIVERY(lvt) == LVT_EXTINT;
}

static int src_highest(void *ctx, struct vcpu *v)
{
	struct lapic_dev *d = ctx;
	struct vm *vm = v->vm;
	int vec;
	if (lint0_takes_extint(d) && (vec = vm->extint_ops->pending(vm->extint_ctx)) >= 0) {
		d->last = SRC_EXTINT;
		return vec;
	}
	if ((vec = lapic_highest(&d->l)) >= 0) {
		d->last = SRC_APIC;
		return vec;
	}
	if (d->test_ops && (vec = d->test_ops->highest(d->test_ctx, v)) >= 0) {
		d->last = SRC_TEST;
		return vec;
	}
	d->last = SRC_NONE;
	return -1;
}

static void src_ack(void *ctx, struct vcpu *v, uint8_t vector)
{
	struct lapic_dev *d = ctx;
	struct vm *vm = v->vm;
	switch (d->last) {
	case SRC_EXTINT: vm->extint_ops->ack(vm->extint_ctx); break;
	case SRC_APIC: lapic_ack(&d->l, vector); break;
	case SRC_TEST: d->test_ops->ack(d->test_ctx, v, vector); break;
	case SRC_NONE: break;
	}
	d->last = SRC_NONE;
}

static void src_raise(void *ctx, struct vcpu *v, uint8_t vector)
{
	struct lapic_dev *d = ctx;
	if (d->test_ops && d->test_ops->raise)
		d->test_ops->raise(d->test_ctx, v, vector);
}

static const struct intr_source_ops lapic_src_ops = {
	.name = "local APIC",
	.highest = src_highest,
	.ack = src_ack,
	.raise = src_raise,
};

/* Something may be deliverable to d's vCPU now: its next entry looks, a
 * halted vCPU wakes, one in guest mode elsewhere is kicked out. */
static void poke(struct lapic_dev *d)
{
	vcpu_kick_interrupt(d->v);
	vcpu_wake(d->v);
}

/* --- timer ------------------------------------------------------------- */

static void timer_arm(struct lapic_dev *d)
{
	bool tsc;
	uint64_t next = lapic_timer_next(&d->l, &tsc);
	if (next == UINT64_MAX) {
		vtimer_cancel(&d->timer);
		return;
	}
	/* Crystal ticks round down in tsc_to_crystal: one more TSC tick
	 * makes sure the count has run out when the timer fires. */
	uint64_t deadline = tsc ? next : crystal_to_tsc(next) + 1;
	uint64_t now = rdtsc();
	if (!tsc && deadline < now + LAPIC_MIN_PERIOD_NS * tsc_hz() / 1000000000ull &&
	    lapic_timer_mode(&d->l) == LVT_TIMER_PERIODIC)
		deadline = now + LAPIC_MIN_PERIOD_NS * tsc_hz() / 1000000000ull;
	vtimer_arm(&d->timer, deadline);
}

static void timer_fire(struct vtimer *t)
{
	struct lapic_dev *d = (struct lapic_dev *)((char *)t - __builtin_offsetof(struct lapic_dev, timer));
	uint64_t now = now_crystal();
	if (lapic_timer_fire(&d->l, now))
		poke(d);
	lapic_timer_catch_up(&d->l, now);
	timer_arm(d);
}

/* --- IPIs -------------------------------------------------------------- */

static void deliver(struct lapic_dev *src, struct lapic_dev *dst, const struct lapic_ipi *ipi)
{
	switch (ipi->delivery) {
	case ICR_FIXED:
	case ICR_LOWEST:
		if (lapic_accept(&dst->l, ipi->vector, ipi->level_trigger))
			poke(dst);
		break;
	case ICR_NMI:
		vcpu_request_nmi(dst->v);
		vcpu_wake(dst->v);
		break;
	case ICR_INIT:
		/* The BSP's INIT would restart the VM at the reset vector: not
		 * emulated (no firmware there), logged. */
		if (dst->v->index == 0) {
			if (!src->warned_init) {
				src->warned_init = true;
				log_warn("vm", "%s: vCPU %u sent INIT to the BSP: not emulated (it would restart the VM "
					 "at the reset vector), dropped (logged once)", src->v->vm->opts.name, src->v->index);
			}
			break;
		}
		vcpu_send_init(dst->v);
		break;
	case ICR_STARTUP:
		vcpu_send_sipi(dst->v, ipi->vector);
		break;
	case ICR_SMI:
	default:
		if (!src->warned_smi) {
			src->warned_smi = true;
			log_warn("vm", "%s: vCPU %u sent an IPI of delivery mode %u (SMI or reserved): Nestor has no SMM, "
				 "dropped (logged once)", src->v->vm->opts.name, src->v->index, (unsigned)ipi->delivery);
		}
		break;
	}
}

/* Deliver ipi to every APIC of vm it names; src is the sending APIC, or
 * NULL for an IOAPIC message (then shorthands do not occur). */
static void route(struct vm *vm, struct lapic_dev *src, const struct lapic_ipi *ipi)
{
	uint32_t self_id = src ? src->l.id : ~0u;
	struct lapic_dev *lowest = 0;
	for (unsigned i = 0; i < vm->nvcpus; i++) {
		struct lapic_dev *dst = vm->vcpus[i].lapic;
		if (!dst || !lapic_hw_enabled(&dst->l) || !lapic_is_destination(&dst->l, ipi, self_id))
			continue;
		if (ipi->delivery != ICR_LOWEST) {
			deliver(src ? src : dst, dst, ipi);
			continue;
		}
		/* Lowest priority: the destination of lowest processor
		 * priority takes it (11.6.2.4; the tie-break is model-
		 * specific, here the lowest vCPU index). */
		if (!lowest || (lapic_ppr(&dst->l) & 0xf0) < (lapic_ppr(&lowest->l) & 0xf0))
			lowest = dst;
	}
	if (lowest)
		deliver(src ? src : lowest, lowest, ipi);
}

static void send_ipi(struct lapic_dev *src, uint64_t icr)
{
	struct lapic_ipi ipi;
	lapic_icr_decode(icr, lapic_x2apic(&src->l), &ipi);
	/* A fixed or lowest-priority IPI with a vector below 16 is not sent
	 * (send illegal vector, SDM 3A 11.5.3). */
	if ((ipi.delivery == ICR_FIXED || ipi.delivery == ICR_LOWEST) && ipi.vector < 16) {
		if (lapic_error(&src->l, ESR_SEND_ILLEGAL_VECTOR))
			poke(src);
		return;
	}
	/* INIT level de-assert only resets arbitration IDs (11.6.1): nothing. */
	if (ipi.delivery == ICR_INIT && !ipi.level_assert && ipi.level_trigger)
		return;
	route(src->v->vm, src, &ipi);
}

/* An IOAPIC redirection entry's message (82093AA 3.2.4): the fields of
 * an IPI with a destination field, never a shorthand. ExtINT through
 * the IOAPIC (a PIC behind pin 0) is not wired: pin 0 is unconnected. */
static void deliver_msg(struct vm *vm, const struct apic_msg *m)
{
	struct lapic_ipi ipi = {
		.vector = m->vector,
		.delivery = (enum icr_delivery)m->delivery,
		.logical = m->logical,
		.level_assert = true,
		.level_trigger = m->level,
		.shorthand = ICR_DEST_FIELD,
		.dest = m->dest,
	};
	if (m->delivery == APIC_MSG_EXTINT)
		return;
	route(vm, 0, &ipi);
}

/* --- register access ------------------------------------------------------ */

/* TPR written or reset (INIT, APIC disabled): the backend may mirror it. */
static void tpr_changed(struct lapic_dev *d)
{
	if (virt_ops->tpr_changed)
		virt_ops->tpr_changed(d->v);
}

static void apply(struct lapic_dev *d, const struct lapic_effects *fx)
{
	if (fx->tpr_changed)
		tpr_changed(d);
	if (fx->send_ipi)
		send_ipi(d, fx->icr);
	if (fx->self_ipi && lapic_accept(&d->l, fx->self_vector, false))
		poke(d);
	if (fx->timer_changed)
		timer_arm(d);
	/* The EOI of a level-triggered vector goes on to the IOAPIC, which
	 * clears remote IRR and sends again if the pin is still asserted
	 * (SDM 3A 11.8.5; no directed-EOI: SVR bit 12 is not offered). */
	if (fx->eoi_level && d->v->vm->ioapic)
		ioapic_dev_eoi(d->v->vm->ioapic, fx->eoi_vector);
	/* EOI, TPR, SVR: what can be delivered may have changed. */
	vcpu_kick_interrupt(d->v);
}

static void illegal_access(struct lapic_dev *d, uint64_t off, unsigned size, bool write)
{
	if (d->warned_access)
		return;
	d->warned_access = true;
	log_warn("vm", "%s: vCPU %u: %u-byte xAPIC %s at offset 0x%llx: only aligned 32-bit accesses to a register "
		 "(SDM 3A 11.4.1) are emulated; reads give 0, writes are dropped (logged once)",
		 d->v->vm->opts.name, d->v->index, size, write ? "write" : "read", (unsigned long long)off);
}

/* The page is the accessing vCPU's own APIC, in xAPIC mode only. */
static uint64_t xapic_mmio_read(struct vm_mmio_region *r, struct vcpu *v, uint64_t off, unsigned size)
{
	(void)r;
	struct lapic_dev *d = v->lapic;
	uint64_t val = 0;
	if (!d || !lapic_hw_enabled(&d->l) || lapic_x2apic(&d->l))
		return ~0ull >> (64 - 8 * size); /* no xAPIC there: open bus */
	if ((off & 0xf) || size != 4) {
		illegal_access(d, off, size, false);
		return 0;
	}
	vlapic_read(&d->l, (uint32_t)off, now_crystal(), &val);
	return (uint32_t)val;
}

static void xapic_mmio_write(struct vm_mmio_region *r, struct vcpu *v, uint64_t off, unsigned size, uint64_t val)
{
	(void)r;
	struct lapic_dev *d = v->lapic;
	if (!d || !lapic_hw_enabled(&d->l) || lapic_x2apic(&d->l))
		return;
	if ((off & 0xf) || size != 4) {
		illegal_access(d, off, size, true);
		return;
	}
	struct lapic_effects fx = { 0 };
	if (!vlapic_write(&d->l, (uint32_t)off, (uint32_t)val, now_crystal(), &fx))
		if (lapic_error(&d->l, ESR_ILLEGAL_REGISTER))
			poke(d);
	apply(d, &fx);
}

static const struct mmio_ops xapic_mmio_ops = {
	.name = "local APIC (xAPIC page)",
	.read = xapic_mmio_read,
	.write = xapic_mmio_write,
};

bool lapic_dev_owns_msr(const struct vcpu *v, uint32_t msr)
{
	return v->lapic && (msr == MSR_IA32_APIC_BASE || msr == MSR_IA32_TSC_DEADLINE ||
			    (msr >= MSR_X2APIC_FIRST && msr <= MSR_X2APIC_LAST));
}

int lapic_dev_msr(struct vcpu *v, uint32_t msr, bool write, uint64_t *val)
{
	struct lapic_dev *d = v->lapic;
	if (!lapic_dev_owns_msr(v, msr))
		return -1;
	struct lapic *l = &d->l;
	if (msr == MSR_IA32_APIC_BASE) {
		if (!write) {
			*val = l->apic_base;
			return 1;
		}
		uint64_t old = l->apic_base;
		if (!lapic_set_apic_base(l, *val, apic_base_reserved()))
			return 0;
		if ((l->apic_base & ~0xfffull) != GUEST_LAPIC_GPA && !d->warned_reloc) {
			d->warned_reloc = true;
			log_warn("vm", "%s: vCPU %u moved its xAPIC page to 0x%llx: not emulated, the page stays at 0x%x "
				 "(logged once)", v->vm->opts.name, v->index,
				 (unsigned long long)(l->apic_base & ~0xfffull), GUEST_LAPIC_GPA);
		}
		if ((old ^ l->apic_base) & APIC_BASE_EN) {
			/* Disabled: the timer stops with the reset (11.4.3). */
			timer_arm(d);
			tpr_changed(d);
			vcpu_kick_interrupt(v);
		}
		return 1;
	}
	if (msr == MSR_IA32_TSC_DEADLINE) {
		if (!write) {
			/* Reads give 0 outside TSC-deadline mode (11.5.4.1). */
			*val = lapic_timer_mode(l) == LVT_TIMER_TSC_DEADLINE ? l->tsc_deadline : 0;
			return 1;
		}
		lapic_set_tsc_deadline(l, *val);
		timer_arm(d);
		return 1;
	}
	/* x2APIC registers exist only in x2APIC mode (SDM 3A 11.12.1.2). */
	if (!lapic_x2apic(l))
		return 0;
	uint32_t off = (msr - MSR_X2APIC_FIRST) << 4;
	if (!write)
		return vlapic_read(l, off, now_crystal(), val) ? 1 : 0;
	struct lapic_effects fx = { 0 };
	if (!vlapic_write(l, off, *val, now_crystal(), &fx))
		return 0;
	apply(d, &fx);
	return 1;
}

uint64_t lapic_dev_cr8_read(struct vcpu *v)
{
	struct lapic_dev *d = v->lapic;
	return d ? (d->l.tpr >> 4) & 0xf : v->cr8_no_apic;
}

void lapic_dev_cr8_write(struct vcpu *v, uint64_t cr8)
{
	struct lapic_dev *d = v->lapic;
	if (!d) {
		v->cr8_no_apic = cr8 & 0xf;
		return;
	}
	struct lapic_effects fx = { 0 };
	vlapic_write(&d->l, LAPIC_TPR, (uint32_t)(cr8 & 0xf) << 4, now_crystal(), &fx);
	apply(d, &fx); /* a lower TPR may let a pending interrupt through */
}

void lapic_dev_init_signal(struct vcpu *v)
{
	struct lapic_dev *d = v->lapic;
	if (!d)
		return;
	lapic_init_signal(&d->l);
	tpr_changed(d);
	vtimer_cancel(&d->timer);
	d->last = SRC_NONE;
}

int lapic_dev_create(struct vm *vm, char *err, size_t errlen)
{
	/* Devices come before the vCPUs are set up: vm->nvcpus is not yet. */
	for (unsigned i = 0; i < vm->opts.vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];
		struct lapic_dev *d = vm_dev_alloc(vm, sizeof(*d), err, errlen);
		if (!d)
			return -1;
		d->v = v;
		lapic_reset(&d->l, i, i == 0);
		d->l.has_tsc_deadline = true; /* emulated on the host TSC */
		if (i == 0) {
			struct lapic_effects fx = { 0 };
			vlapic_write(&d->l, LAPIC_SVR, 0x1ff, 0, &fx);
			vlapic_write(&d->l, LAPIC_LVT_LINT0, LVT_EXTINT << 8, 0, &fx);
			vlapic_write(&d->l, LAPIC_LVT_LINT1, ICR_NMI << 8, 0, &fx);
		}
		d->timer.fire = timer_fire;
		d->timer.vm = vm;
		/* The test source sits behind the APIC; on vCPU 0 the PIC
		 * had wrapped it (its ExtINT output is asked directly now). */
		d->test_ops = test_intr_source_ops();
		d->test_ctx = v->test_source;
		v->lapic = d;
		vcpu_set_intr_source(v, &lapic_src_ops, d);
	}
	vm->apic_deliver = deliver_msg;
	return vm_mmio_register(vm, GUEST_LAPIC_GPA, 0x1000, &xapic_mmio_ops, 0, 0, err, errlen);
}

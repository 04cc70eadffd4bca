/*
 * tdp.c - a VM's TDP tables (EPT/NPT) over time: building them, telling
 * every vCPU to flush after a change, and freeing unlinked table pages only
 * once no CPU can still use them.
 *
 * A CPU may cache TDP translations and paging-structure entries (SDM Vol 3C
 * 29.4; APM Vol 2 15.16) until it flushes them (INVEPT / TLB_CONTROL). So:
 *  - a change that removes or reduces a translation (ptb_* reported
 *    *flush) calls vm_tdp_changed(): every vCPU of the VM flushes before
 *    its next entry, and the VM's TDP generation goes up;
 *  - a table page the builder unlinks is not returned to the frame
 *    allocator at once: it waits, tagged with the generation whose flush
 *    makes it unreachable, until no vCPU that ever ran still has a TDP
 *    flush pending (the backends flush at their next entry, before any
 *    TDP use): then every change so far is flushed everywhere. The check
 *    runs off the exit path: when a vCPU takes the CPU, and before new
 *    pages are queued.
 *
 * Locking: the VM's TDP tables and this state are changed only while the
 * VM is created or by exits of the VM's own vCPUs, under vm->lock when it
 * has more than one (hv/core/vm.h). Its vCPUs may be in guest mode on
 * other CPUs meanwhile, using the old entries: vm_tdp_changed() marks each
 * one's flush, kicks those in guest mode elsewhere and waits until each
 * has left guest mode or entered again with the flush done, so when it
 * returns no CPU uses a removed translation.
 */
#include "drivers/console.h"
#include "hv/core/vm.h"
#include "hv/host/percpu.h"
#include "hv/x86/asm.h"
#include "mm/pages.h"

static uint64_t tdp_page_alloc(void *opaque)
{
	(void)opaque;
	uint64_t pa = page_alloc();
	return pa ? pa : PTB_NO_PAGE;
}

static void tdp_page_free(void *opaque, uint64_t pa)
{
	struct vm *vm = opaque;
	bool ran = false;
	for (unsigned i = 0; i < vm->nvcpus; i++)
		ran |= vm->vcpus[i].tdp_ran;
	if (!ran) {
		pages_free(pa, 1); /* nothing can have cached it */
		return;
	}
	struct vm_tdp_deferred *d = &vm->tdp_deferred;
	if (d->n == VM_TDP_DEFERRED_MAX)
		vm_tdp_release(vm);
	if (d->n == VM_TDP_DEFERRED_MAX) {
		/* Never reuse what might still be cached: keep it out of the
		 * allocator for good, and say so once. */
		if (!d->leak_warned)
			log_warn("vm", "%s: more than %d TDP table pages awaiting a flush: keeping the rest unused",
				 vm->opts.name, VM_TDP_DEFERRED_MAX);
		d->leak_warned = true;
		return;
	}
	/* The caller's vm_tdp_changed() for this change bumps the generation. */
	d->page[d->n] = pa;
	d->gen[d->n] = vm->tdp_gen + 1;
	d->n++;
}

static void *tdp_page_ptr(void *opaque, uint64_t pa)
{
	(void)opaque;
	return pa_to_ptr(pa);
}

int vm_tdp_build(struct vm *vm)
{
	struct ptb_ops ops = { tdp_page_alloc, tdp_page_free, tdp_page_ptr, vm };
	if (!virt_ops->tdp_format(&vm->tdp_fmt) || ptb_init(&vm->tdp, &vm->tdp_fmt, &ops))
		return -1;
	return ptb_build_regions(&vm->tdp, vm->regions, vm->nregions) ? -1 : 0;
}

void vm_tdp_destroy(struct vm *vm)
{
	/* Only for a VM none of whose vCPUs ran: nothing is cached. */
	if (vm->tdp.root)
		ptb_destroy(&vm->tdp);
	vm->tdp.root = 0;
}

void vm_tdp_changed(struct vm *vm)
{
	if (vm->tdp_deferred.n)
		vm_tdp_release(vm); /* what earlier flushes already cover */
	vm->tdp_gen++;
	for (unsigned i = 0; i < vm->nvcpus; i++)
		virt_ops->flush_tdp(&vm->vcpus[i]);
	if (vm->nvcpus == 1)
		return; /* only the caller's vCPU, which is not in guest mode */
	/* Pairs with the barrier after in_guest is set (sched.c): either that
	 * entry sees the flush request, or this sees in_guest. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	unsigned me = this_cpu();
	for (unsigned i = 0; i < vm->nvcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];
		if (v->pcpu == me || !v->in_guest)
			continue;
		vcpu_kick(v);
		while (__atomic_load_n(&v->in_guest, __ATOMIC_ACQUIRE) && virt_ops->tdp_flush_pending(v))
			cpu_relax();
	}
}

/* Free the waiting pages every vCPU that ran has flushed past. */
void vm_tdp_release(struct vm *vm)
{
	struct vm_tdp_deferred *d = &vm->tdp_deferred;
	bool pending = false;
	if (!vm->stopped) /* a stopped VM's vCPUs never enter again */
		for (unsigned i = 0; i < vm->nvcpus; i++)
			pending |= vm->vcpus[i].tdp_ran && virt_ops->tdp_flush_pending(&vm->vcpus[i]);
	if (!pending)
		vm->tdp_gen_flushed = vm->tdp_gen;
	uint64_t done = vm->tdp_gen_flushed;
	unsigned keep = 0;
	for (unsigned i = 0; i < d->n; i++) {
		if (d->gen[i] <= done) {
			pages_free(d->page[i], 1);
		} else {
			d->page[keep] = d->page[i];
			d->gen[keep] = d->gen[i];
			keep++;
		}
	}
	d->n = keep;
}

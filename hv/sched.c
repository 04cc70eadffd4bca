/*
 * sched.c - the per-physical-CPU run loop: pick the next runnable vCPU
 * round-robin, enter it, dispatch its exit, repeat. A time slice (VMX
 * preemption timer, or the host's APIC timer on SVM) makes a spinning
 * guest give up the CPU; HLT and the yield hypercall give it up early.
 */
#include "hv/sched.h"
#include "drivers/console.h"
#include "hv/exits.h"
#include "hv/vm.h"

/* About 10 ms of a few-GHz TSC. */
#define SLICE_TSC_TICKS 20000000ull

/* x87/SSE state of each vCPU, swapped when another vCPU takes the CPU so
 * no guest sees another's registers. FXSAVE needs 16-byte alignment. */
static uint8_t fpu_area[MAX_VMS][GUEST_VCPUS_MAX][512] __attribute__((aligned(16)));
static uint8_t host_fpu_area[512] __attribute__((aligned(16)));

static uint8_t *fpu_of(const struct vcpu *v) { return fpu_area[v->vm->id][v->index]; }

static struct vcpu *pick_next(unsigned *cursor)
{
	unsigned total = nvms * GUEST_VCPUS_MAX;
	for (unsigned n = 0; n < total; n++) {
		unsigned i = (*cursor + 1 + n) % total;
		struct vm *vm = &vms[i / GUEST_VCPUS_MAX];
		unsigned vi = i % GUEST_VCPUS_MAX;
		if (vm->stopped || vi >= vm->nvcpus || vm->vcpus[vi].state != VCPU_RUNNABLE)
			continue;
		*cursor = i;
		return &vm->vcpus[vi];
	}
	return 0;
}

/* No vCPU can run: every VM left has all its vCPUs halted, and nothing
 * can wake them (no interrupts are delivered yet), so stop them all. */
static void stop_stuck_vms(void)
{
	for (unsigned i = 0; i < nvms; i++)
		if (!vms[i].stopped)
			vm_stop(&vms[i], -1,
				"all vCPUs halted and nothing can wake them (Nestor delivers no interrupts yet)");
}

/* When only VMs that are not waited for (wait=no) remain, stop them. */
static bool foreground_running(void)
{
	bool fg = false, bg = false;
	for (unsigned i = 0; i < nvms; i++) {
		if (vms[i].stopped)
			continue;
		if (vms[i].opts.wait)
			fg = true;
		else
			bg = true;
	}
	if (!fg && bg)
		for (unsigned i = 0; i < nvms; i++)
			if (!vms[i].stopped)
				vm_stop(&vms[i], 0, "wait=no and every other VM has finished");
	return fg;
}

bool sched_run(void)
{
	unsigned cursor = ~0u;
	struct vcpu *last = 0;
	__asm__ volatile("fxsave %0" : "=m"(host_fpu_area));
	while (foreground_running()) {
		struct vcpu *v = pick_next(&cursor);
		if (!v) {
			stop_stuck_vms();
			break;
		}
		if (v != last) {
			if (last)
				__asm__ volatile("fxsave %0" : "=m"(*(uint8_t(*)[512])fpu_of(last)));
			__asm__ volatile("fxrstor %0" ::"m"(*(uint8_t(*)[512])fpu_of(v)));
			last = v;
		}
		v->pcpu = 0;
		virt_ops->set_slice(v, SLICE_TSC_TICKS);
		enum exit_action a;
		do {
			struct vm_exit e;
			virt_ops->run(v, &e);
			a = exit_dispatch(v, &e);
		} while (a == EXIT_ACTION_RESUME && !v->vm->stopped);
	}
	if (last)
		__asm__ volatile("fxsave %0" : "=m"(*(uint8_t(*)[512])fpu_of(last)));
	__asm__ volatile("fxrstor %0" ::"m"(host_fpu_area));

	unsigned passed = 0, counted = 0;
	kprintf("summary:\n");
	for (unsigned i = 0; i < nvms; i++) {
		struct vm *vm = &vms[i];
		uint64_t total = 0;
		for (int r = 0; r < EXIT_REASON_COUNT; r++)
			total += vm->exits[r];
		kprintf("summary: vm %s: status %d (%s), %llu exits%s\n", vm->opts.name, vm->exit_status,
			vm->stop_reason, (unsigned long long)total, vm->opts.wait ? "" : ", not waited for");
		if (vm->opts.wait) {
			counted++;
			passed += vm->exit_status == 0;
		}
	}
	kprintf("summary: %u VM%s, %u exited with status 0, %u did not\n", nvms, nvms == 1 ? "" : "s", passed,
		counted - passed);
	return passed == counted;
}

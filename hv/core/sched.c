/*
 * sched.c - the per-physical-CPU run loop: pick the next runnable vCPU
 * round-robin, enter it, dispatch its exit, repeat. A time slice (VMX
 * preemption timer, or the host's APIC timer on SVM) makes a spinning
 * guest give up the CPU; HLT and the yield hypercall give it up early.
 *
 * Each vCPU belongs to one physical CPU (v->pcpu); only the boot CPU runs
 * vCPUs until the SMP issue starts the others. A vCPU that moves to
 * another CPU is first unloaded on its old one (virt_ops->vcpu_unload).
 */
#include "hv/core/sched.h"
#include "drivers/console.h"
#include "hv/exit/exits.h"
#include "hv/core/vm.h"
#include "hv/x86/asm.h"
#include "nested/nested.h"

/* About 10 ms of a few-GHz TSC. */
#define SLICE_TSC_TICKS 20000000ull

/* x87/SSE state: each vCPU's lives in struct vcpu (v->fpu), swapped when
 * another vCPU takes the CPU so no guest sees another's registers. */
static void fpu_save(uint8_t *area) { __asm__ volatile("fxsave %0" : "=m"(*(uint8_t(*)[512])area)); }
static void fpu_restore(const uint8_t *area) { __asm__ volatile("fxrstor %0" ::"m"(*(const uint8_t(*)[512])area)); }

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

/* v gets this CPU: its x87/SSE state, its IA32_TSC_AUX (no VMCS/VMCB
 * field holds it; RDTSCP and RDPID read the real MSR), the backend's
 * per-CPU state (SVM: its ASID here). */
static void switch_in(struct vcpu *v)
{
	fpu_restore(v->fpu);
	if (host_has_tsc_aux())
		wrmsr(MSR_TSC_AUX, v->msr_tsc_aux);
	virt_ops->switch_in(v);
	v->tdp_ran = true;
	if (v->vm->tdp_deferred.n)
		vm_tdp_release(v->vm);
}

/* A nested=on vCPU's loop: an exit taken in L2 is routed by nested/
 * (L0's own, reflected to L1, or emulated for L2). A loop of its own so
 * that ordinary vCPUs test nothing of it per exit. */
static void run_nested_vcpu(struct vcpu *v)
{
	struct vm *vm = v->vm;
	enum exit_action a;
	do {
		struct vm_exit e;
		virt_ops->run(v, &e);
		a = nested_in_l2(v) ? nested_l2_exit(v, &e) : exit_dispatch(v, &e);
	} while (a == EXIT_ACTION_RESUME && !vm->stopped);
}

/* Enter v until it yields, halts or its VM stops. */
static void run_vcpu(struct vcpu *v)
{
	struct vm *vm = v->vm;
	enum exit_action a;
	/* Nothing here but entering and dispatching: everything else is off
	 * the common exit path (CPUID round trip in `make bench`). */
	do {
		struct vm_exit e;
		/* Every TDP change up to this generation is flushed by this
		 * entry (the backend flushes before it enters). */
		virt_ops->run(v, &e);
		a = exit_dispatch(v, &e);
	} while (a == EXIT_ACTION_RESUME && !vm->stopped);
}

bool sched_run(void)
{
	unsigned cursor = ~0u;
	struct vcpu *last = 0;
	uint8_t host_fpu[512] __attribute__((aligned(16)));
	fpu_save(host_fpu);
	while (foreground_running()) {
		struct vcpu *v = pick_next(&cursor);
		if (!v) {
			stop_stuck_vms();
			break;
		}
		if (v != last) {
			if (last)
				fpu_save(last->fpu);
			switch_in(v);
			last = v;
		}
		virt_ops->set_slice(v, SLICE_TSC_TICKS);
		if (v->nested)
			run_nested_vcpu(v);
		else
			run_vcpu(v);
	}
	if (last)
		fpu_save(last->fpu);
	fpu_restore(host_fpu);

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

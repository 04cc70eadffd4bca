/*
 * sched.c - the per-physical-CPU run loops: each CPU picks its next
 * runnable vCPU round-robin (those with v->pcpu == this CPU), enters it,
 * dispatches its exits, repeats. A time slice (VMX preemption timer, or
 * the host's APIC timer on SVM) makes a spinning guest give up the CPU;
 * HLT and the yield hypercall give it up early. A CPU with nothing to run
 * waits in HLT for a kick (hv/host/smp.h).
 *
 * The boot CPU starts the others' loops (sched_run), runs its own, waits
 * for every AP's loop to end and prints the summary. A loop ends when no
 * VM that is waited for (wait=no) is left; whichever CPU sees that first
 * stops the rest, which kicks their CPUs.
 *
 * Locking: a vCPU is run only by its CPU. A VM of more than one vCPU may
 * have exits on several CPUs at once: vm->lock serializes their dispatch
 * (devices, TDP tables, statistics); v->in_guest says whether v may be
 * in guest mode, for kicks and TDP flushes (hv/core/tdp.c). A VM of one
 * vCPU takes no lock and never clears in_guest, keeping its exit path
 * as short as on one CPU (CPUID round trip in `make bench`).
 */
#include "hv/core/sched.h"
#include "drivers/console.h"
#include "hv/exit/exits.h"
#include "hv/core/vm.h"
#include "hv/core/vtimer.h"
#include "hv/host/lapic.h"
#include "hv/host/lapic_timer.h"
#include "hv/host/smp.h"
#include "hv/lib/format.h"
#include "hv/x86/asm.h"
#include "nested/nested.h"

/* About 10 ms of a few-GHz TSC. */
#define SLICE_TSC_TICKS 20000000ull

static volatile bool sched_started;
static volatile unsigned aps_running;
/* The vCPU each CPU is running a slice of, or NULL (HC_SMP_INFO). */
static struct vcpu *volatile cpu_current[MAX_CPUS];
static uint64_t cpu_slices[MAX_CPUS];
/* When the current slice of each CPU ends (host TSC). */
static uint64_t slice_end[MAX_CPUS];

/* x87/SSE state: each vCPU's lives in struct vcpu (v->fpu), swapped when
 * another vCPU takes the CPU so no guest sees another's registers. */
static void fpu_save(uint8_t *area) { __asm__ volatile("fxsave %0" : "=m"(*(uint8_t(*)[512])area)); }
static void fpu_restore(const uint8_t *area) { __asm__ volatile("fxrstor %0" ::"m"(*(const uint8_t(*)[512])area)); }

static struct vcpu *pick_next(unsigned cpu, unsigned *cursor)
{
	unsigned total = nvms * GUEST_VCPUS_MAX;
	for (unsigned n = 0; n < total; n++) {
		unsigned i = (*cursor + 1 + n) % total;
		struct vm *vm = &vms[i / GUEST_VCPUS_MAX];
		unsigned vi = i % GUEST_VCPUS_MAX;
		if (vm->stopped || vi >= vm->nvcpus || vm->vcpus[vi].pcpu != cpu ||
		    vm->vcpus[vi].state != VCPU_RUNNABLE)
			continue;
		*cursor = i;
		return &vm->vcpus[vi];
	}
	return 0;
}

/* A VM none of whose vCPUs can run, and nothing can wake them, is
 * stopped: all halted with IF=0 (only an NMI or INIT would end HLT, and
 * no vCPU is left to send one), or with no timer of the VM armed (no
 * device of an isolated VM raises interrupts without one). */
static void stop_stuck_vms(void)
{
	for (unsigned i = 0; i < nvms; i++) {
		struct vm *vm = &vms[i];
		bool runnable = false, any_if = false;
		for (unsigned k = 0; k < vm->nvcpus; k++) {
			runnable |= __atomic_load_n(&vm->vcpus[k].state, __ATOMIC_ACQUIRE) == VCPU_RUNNABLE;
			any_if |= vm->vcpus[k].halted_if;
		}
		if (vm->stopped || runnable)
			continue;
		if (!any_if)
			vm_stop(vm, -1, "all vCPUs halted with interrupts disabled (IF=0): nothing can wake them");
		else if (!__atomic_load_n(&vm->timers_armed, __ATOMIC_ACQUIRE))
			vm_stop(vm, -1, "all vCPUs halted and nothing can wake them (no timer armed, no interrupt pending)");
	}
}

/* Make this CPU leave v's guest mode by the end of its slice or the
 * earliest software timer, whichever comes first (vtimer.h). */
/* Where the slice set last ends (its own end or a timer's deadline). */
static uint64_t slice_cut[MAX_CPUS];

static void program_slice(unsigned cpu, struct vcpu *v)
{
	uint64_t now = rdtsc(), end = slice_end[cpu], next = vtimer_next_deadline();
	if (next < end)
		end = next;
	slice_cut[cpu] = end;
	virt_ops->set_slice(v, end > now ? end - now : 1);
}

bool sched_slice_over(void) { return rdtsc() >= slice_cut[this_cpu()]; }

void sched_deadline_changed(void)
{
	unsigned cpu = this_cpu();
	if (cpu_current[cpu])
		program_slice(cpu, cpu_current[cpu]);
}

/* Nothing to run here: wait for a kick, or for the earliest timer. */
static void idle(void)
{
	uint64_t next = vtimer_next_deadline();
	if (next != UINT64_MAX) {
		if (next <= rdtsc())
			return;
		lapic_timer_set(next);
	}
	smp_idle();
	lapic_timer_set(UINT64_MAX);
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
	struct vm *vm = v->vm;
	fpu_restore(v->fpu);
	if (host_has_tsc_aux())
		wrmsr(MSR_TSC_AUX, v->msr_tsc_aux);
	virt_ops->switch_in(v);
	v->tdp_ran = true;
	if (vm->tdp_deferred.n) {
		if (vm->nvcpus > 1)
			spin_lock(&vm->lock);
		vm_tdp_release(vm);
		if (vm->nvcpus > 1)
			spin_unlock(&vm->lock);
	}
}

/* Enter v until it yields, halts or its VM stops. */
static void run_vcpu(struct vcpu *v)
{
	struct vm *vm = v->vm;
	enum exit_action a;
	if (vm->nvcpus == 1 && !v->nested) {
		/* Nothing here but entering and dispatching: everything else
		 * is off the common exit path (CPUID round trip in `make bench`). */
		do {
			struct vm_exit e;
			/* Every TDP change up to this generation is flushed by
			 * this entry (the backend flushes before it enters). */
			virt_ops->run(v, &e);
			a = exit_dispatch(v, &e);
		} while (a == EXIT_ACTION_RESUME && !vm->stopped);
		return;
	}
	/* Several vCPUs share the VM's state: exits are dispatched under
	 * vm->lock and in_guest is exact. A nested vCPU's exits taken in L2
	 * go through the two questions (nested/reflect.h) first. */
	bool shared = vm->nvcpus > 1;
	do {
		struct vm_exit e;
		/* in_guest before the entry's flush check, with a full
		 * barrier: a TDP change on another CPU either is seen by
		 * this entry or sees in_guest and waits for it (tdp.c). */
		/* L1's own interrupt or NMI ends L2 first if L1 asks (this
		 * vCPU's state and its VMCB12 only: no lock). */
		if (v->nested && nested_in_l2(v))
			nested_l1_event_exit(v);
		if (shared)
			__atomic_store_n(&v->in_guest, true, __ATOMIC_SEQ_CST);
		virt_ops->run(v, &e);
		if (shared) {
			__atomic_store_n(&v->in_guest, false, __ATOMIC_RELEASE);
			spin_lock(&vm->lock);
		}
		a = v->nested && nested_in_l2(v) ? nested_l2_exit(v, &e) : exit_dispatch(v, &e);
		if (shared)
			spin_unlock(&vm->lock);
	} while (a == EXIT_ACTION_RESUME && !vm->stopped && !v->init_pending);
}

/* One CPU's loop, until no VM that is waited for is left. */
static void cpu_loop(unsigned cpu)
{
	unsigned cursor = ~0u;
	struct vcpu *last = 0;
	/* The vCPU whose slice a software timer cut short, or which halted
	 * before its slice ended, goes on with the rest of it when a timer
	 * has just given it an event (its own LAPIC timer): that interrupt
	 * must not wait a whole slice of another vCPU on this CPU. Otherwise
	 * the round robin moves on as usual, so a vCPU another's timer woke
	 * gets its turn. */
	struct vcpu *resume = 0;
	uint8_t host_fpu[512] __attribute__((aligned(16)));
	fpu_save(host_fpu);
	while (foreground_running()) {
		vtimer_run_due(rdtsc());
		struct vcpu *v = resume && resume->state == VCPU_RUNNABLE && !resume->vm->stopped &&
					 __atomic_load_n(&resume->ev.pending, __ATOMIC_ACQUIRE) ? resume : 0;
		bool rest_of_slice = v != 0;
		resume = 0;
		if (!v)
			v = pick_next(cpu, &cursor);
		if (!v) {
			stop_stuck_vms();
			if (!pick_next(cpu, &cursor) && foreground_running())
				idle();
			continue;
		}
		/* INIT first: it ends HLT too (SDM 2A HLT). */
		if (__builtin_expect(v->wait_sipi || v->init_pending, 0) && !vcpu_take_start(v))
			continue; /* an AP waiting for its start-up IPI */
		if (v->in_hlt && vcpu_stay_halted(v))
			continue; /* woken by an interrupt it cannot take */
		if (v != last) {
			if (last)
				fpu_save(last->fpu);
			switch_in(v);
			last = v;
		}
		if (!rest_of_slice)
			slice_end[cpu] = rdtsc() + SLICE_TSC_TICKS;
		program_slice(cpu, v);
		cpu_current[cpu] = v;
		cpu_slices[cpu]++;
		v->yield_requested = false;
		run_vcpu(v);
		cpu_current[cpu] = 0;
		if (!v->yield_requested && rdtsc() < slice_end[cpu])
			resume = v;
	}
	if (last)
		fpu_save(last->fpu);
	fpu_restore(host_fpu);
}

uint64_t sched_busy_cpus(void)
{
	uint64_t m = 0;
	for (unsigned c = 0; c < MAX_CPUS; c++)
		if (cpu_current[c])
			m |= 1ull << c;
	return m;
}

void sched_run_ap(unsigned cpu)
{
	while (!sched_started)
		smp_idle();
	cpu_loop(cpu);
	__atomic_sub_fetch(&aps_running, 1, __ATOMIC_RELEASE);
	smp_kick(0);
}

bool sched_run(void)
{
	aps_running = smp_ncpus() - 1;
	sched_started = true;
	smp_kick_others();
	cpu_loop(0);
	while (__atomic_load_n(&aps_running, __ATOMIC_ACQUIRE))
		smp_idle();

	unsigned passed = 0, counted = 0;
	console_lock();
	kprintf("summary:\n");
	if (smp_ncpus() > 1)
		for (unsigned c = 0; c < smp_ncpus(); c++)
			kprintf("summary: cpu %u (APIC ID %u): %llu vCPU slices, %llu kick IPIs taken\n", c,
				percpu_area[c].apic_id, (unsigned long long)cpu_slices[c],
				(unsigned long long)percpu_area[c].kicks);
	for (unsigned i = 0; i < nvms; i++) {
		struct vm *vm = &vms[i];
		uint64_t total = 0;
		for (int r = 0; r < EXIT_REASON_COUNT; r++)
			total += vm->exits[r];
		/* A nested-capable VM: L1's exits (vm->exits) and L2's apart. */
		uint64_t l2 = 0;
		bool nested = false;
		for (unsigned c = 0; c < vm->nvcpus; c++) {
			nested |= vm->vcpus[c].nested != 0;
			l2 += nested_l2_exit_count(&vm->vcpus[c]);
		}
		char split[64] = "";
		if (nested)
			fmt_snprintf(split, sizeof(split), " (L1 %llu, L2 %llu)", (unsigned long long)total,
				     (unsigned long long)l2);
		kprintf("summary: vm %s: status %d (%s), %llu exits%s%s\n", vm->opts.name, vm->exit_status,
			vm->stop_reason, (unsigned long long)(total + l2), split, vm->opts.wait ? "" : ", not waited for");
		if (vm->opts.wait) {
			counted++;
			passed += vm->exit_status == 0;
		}
	}
	kprintf("summary: %u VM%s, %u exited with status 0, %u did not\n", nvms, nvms == 1 ? "" : "s", passed,
		counted - passed);
	console_unlock();
	return passed == counted;
}

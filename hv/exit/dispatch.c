/*
 * dispatch.c - dispatch of vendor-neutral exits to their handlers. One table,
 * indexed by reason; a reason without a handler stops that VM with a
 * report (never the machine).
 */
#include "hv/exit/exits.h"
#include "hv/core/sched.h"
#include "drivers/console.h"
#include "hv/core/vm.h"
#include "nested/nested.h"

static const char *const reason_names[EXIT_REASON_COUNT] = {
	[EXIT_NONE] = "none",
	[EXIT_CPUID] = "cpuid",
	[EXIT_RDMSR] = "rdmsr",
	[EXIT_WRMSR] = "wrmsr",
	[EXIT_IO] = "io",
	[EXIT_HLT] = "hlt",
	[EXIT_HYPERCALL] = "hypercall",
	[EXIT_CR_ACCESS] = "cr",
	[EXIT_EXCEPTION] = "exception",
	[EXIT_INIT] = "init",
	[EXIT_SIPI] = "sipi",
	[EXIT_TRIPLE_FAULT] = "triple-fault",
	[EXIT_ENTRY_FAILED] = "entry-failed",
	[EXIT_TDP_FAULT] = "tdp-fault",
	[EXIT_TDP_MISCONFIG] = "tdp-misconfig",
	[EXIT_PREEMPT] = "preempt",
	[EXIT_EXTINT] = "extint",
	[EXIT_INTR_WINDOW] = "intr-window",
	[EXIT_NMI_WINDOW] = "nmi-window",
	[EXIT_VIRT_INSN] = "virt-insn",
	[EXIT_UNHANDLED] = "unhandled",
};

const char *exit_reason_name(enum exit_reason r)
{
	return (unsigned)r < EXIT_REASON_COUNT && reason_names[r] ? reason_names[r] : "?";
}

void vm_inject_gp(struct vcpu *v) { vcpu_queue_exception(v, EXC_GP, true, 0); }
void vm_inject_ud(struct vcpu *v) { vcpu_queue_exception(v, EXC_UD, false, 0); }

enum exit_action exit_skip_instruction(struct vcpu *v, struct vm_exit *e)
{
	if (!e->insn_len) {
		vm_stop_with_report(v, e, "the length of the exiting instruction is unknown (no NRIPS, not decodable)");
		return EXIT_ACTION_STOPPED;
	}
	virt_ops->set_rip(v, e->rip + e->insn_len);
	return EXIT_ACTION_RESUME;
}

static enum exit_action handle_hlt(struct vcpu *v, struct vm_exit *e)
{
	if (exit_skip_instruction(v, e) != EXIT_ACTION_RESUME)
		return EXIT_ACTION_STOPPED;
	virt_ops->end_intr_shadow(v); /* sti;hlt: the interrupt comes after the HLT */
	/* HLT waits for an interrupt the vCPU can take (RFLAGS.IF=1), an NMI
	 * or INIT (SDM 2A HLT). */
	return vcpu_halt(v) ? EXIT_ACTION_YIELD : EXIT_ACTION_RESUME;
}

static enum exit_action handle_preempt(struct vcpu *v, struct vm_exit *e)
{
	(void)v, (void)e;
	return EXIT_ACTION_YIELD;
}

static enum exit_action handle_triple_fault(struct vcpu *v, struct vm_exit *e)
{
	vm_stop_with_report(v, e, "triple fault (shutdown): the guest could not deliver an exception");
	return EXIT_ACTION_STOPPED;
}

static enum exit_action handle_entry_failed(struct vcpu *v, struct vm_exit *e)
{
	vm_stop_with_report(v, e, "VM entry failed: invalid guest state");
	return EXIT_ACTION_STOPPED;
}

static enum exit_action handle_virt_insn(struct vcpu *v, struct vm_exit *e)
{
	/* A nested=on VM's L1 sees SVM (nested/). Others: VMX/SVM are hidden
	 * (CPUID), so these raise #UD as on a CPU without them. */
	if (v->nested)
		return nested_virt_insn(v, e);
	vm_inject_ud(v);
	return EXIT_ACTION_RESUME;
}

static enum exit_action handle_unexpected(struct vcpu *v, struct vm_exit *e)
{
	vm_stop_with_report(v, e, "exit that Nestor does not handle");
	return EXIT_ACTION_STOPPED;
}

/* The inject step (before the next entry) delivers what waited. */
static enum exit_action handle_window(struct vcpu *v, struct vm_exit *e)
{
	(void)v, (void)e;
	return EXIT_ACTION_RESUME;
}

/* Every reason has a handler (the ones Nestor does not handle stop the
 * VM with a report), so dispatching is one bounds check and one call. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
/* MMIO and port I/O exits end the slice once its time is up (see
 * sched_slice_over): a vCPU doing little else would otherwise run on past
 * a timer's deadline. Off the CPUID path. */
static enum exit_action timed(enum exit_action a)
{
	return a == EXIT_ACTION_RESUME && sched_slice_over() ? EXIT_ACTION_YIELD : a;
}
static enum exit_action handle_io_timed(struct vcpu *v, struct vm_exit *e) { return timed(handle_io(v, e)); }
static enum exit_action handle_tdp_fault_timed(struct vcpu *v, struct vm_exit *e) { return timed(handle_tdp_fault(v, e)); }

static const exit_handler_fn handlers[EXIT_REASON_COUNT] = {
	[0 ... EXIT_REASON_COUNT - 1] = handle_unexpected,
	[EXIT_CR_ACCESS] = handle_cr_access,
	[EXIT_INTR_WINDOW] = handle_window,
	[EXIT_NMI_WINDOW] = handle_window,
	[EXIT_CPUID] = handle_cpuid,
	[EXIT_RDMSR] = handle_rdmsr,
	[EXIT_WRMSR] = handle_wrmsr,
	[EXIT_IO] = handle_io_timed,
	[EXIT_HLT] = handle_hlt,
	[EXIT_HYPERCALL] = handle_hypercall,
	[EXIT_TRIPLE_FAULT] = handle_triple_fault,
	[EXIT_ENTRY_FAILED] = handle_entry_failed,
	[EXIT_TDP_FAULT] = handle_tdp_fault_timed,
	[EXIT_TDP_MISCONFIG] = handle_tdp_fault_timed,
	[EXIT_PREEMPT] = handle_preempt,
	[EXIT_EXTINT] = handle_preempt,
	[EXIT_VIRT_INSN] = handle_virt_insn,
};
#pragma GCC diagnostic pop

enum exit_action exit_dispatch(struct vcpu *v, struct vm_exit *e)
{
	unsigned r = (unsigned)e->reason;
	if (__builtin_expect(r >= EXIT_REASON_COUNT, 0))
		return handle_unexpected(v, e);
	v->vm->exits[r]++;
	return handlers[r](v, e);
}

enum exit_action exit_handle(struct vcpu *v, struct vm_exit *e)
{
	unsigned r = (unsigned)e->reason;
	if (__builtin_expect(r >= EXIT_REASON_COUNT, 0))
		return handle_unexpected(v, e);
	return handlers[r](v, e);
}

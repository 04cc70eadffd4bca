/* hypercall.c - the guest ABI of hv/guest_abi.h (VMCALL / VMMCALL). */
#include "drivers/console.h"
#include "hv/exit/exits.h"
#include "hv/guest_abi.h"
#include "hv/core/sched.h"
#include "hv/core/vm.h"
#include "hv/dev/simple_devices.h"
#include "hv/host/percpu.h"
#include "hv/host/smp.h"

/* Forget the first-touch ranges overlapping [gpa, gpa+size). */
static void drop_touch_ranges(struct vm *vm, uint64_t gpa, uint64_t size)
{
	unsigned keep = 0;
	for (unsigned i = 0; i < vm->ntouch; i++)
		if (!(gpa < vm->touch[i].gpa + vm->touch[i].size && vm->touch[i].gpa < gpa + size))
			vm->touch[keep++] = vm->touch[i];
	vm->ntouch = keep;
}

static int64_t set_perm(struct vm *vm, uint64_t gpa, uint64_t size, uint64_t perm)
{
	const struct ptb_region *r = vm_region_at(vm, gpa);
	bool flush = false, touch = perm == HC_PERM_UNMAP_UNTIL_TOUCHED;
	if (!r || r->kind != PTB_REGION_RAM || (r->perm & PG_PERM_W) == 0 || (gpa | size) & 4095 || !size ||
	    size > r->size - (gpa - r->gpa) || (perm > 7 && !touch))
		return NESTOR_EINVAL;
	drop_touch_ranges(vm, gpa, size);
	if (touch) {
		if (vm->ntouch == sizeof(vm->touch) / sizeof(vm->touch[0]))
			return NESTOR_EINVAL;
		vm->touch[vm->ntouch].gpa = gpa;
		vm->touch[vm->ntouch].size = size;
		vm->ntouch++;
		perm = 0;
	}
	/* TDP tables hold R/W/X (and U=1 for NPT); the builder maps the
	 * request onto the format. */
	int rc = ptb_protect(&vm->tdp, gpa, size, (unsigned)perm | (perm ? PG_PERM_U : 0), &flush);
	if (rc != PTB_OK)
		return rc == PTB_ENOMEM ? NESTOR_EFAULT : NESTOR_EINVAL;
	if (flush)
		vm_tdp_changed(vm);
	return vm->tdp.tables;
}

bool tdp_touch_restore(struct vcpu *v, uint64_t gpa)
{
	struct vm *vm = v->vm;
	for (unsigned i = 0; i < vm->ntouch; i++) {
		if (gpa - vm->touch[i].gpa >= vm->touch[i].size)
			continue;
		/* Back as the region maps it (an unmapped page has no leaf for
		 * ptb_protect to change, so map it again). */
		const struct ptb_region *r = vm_region_at(vm, gpa);
		uint64_t page = gpa & ~4095ull;
		bool flush = false;
		if (!r || ptb_map(&vm->tdp, page, r->hpa + (page - r->gpa), 4096, r->perm, 6 /* WB */, &flush) != PTB_OK)
			return false;
		if (flush)
			vm_tdp_changed(vm);
		vm->touch_faults++;
		return true;
	}
	return false;
}

enum exit_action handle_hypercall(struct vcpu *v, struct vm_exit *e)
{
	struct vm *vm = v->vm;
	uint64_t fn = v->gpr[GPR_RAX], a1 = v->gpr[GPR_RBX], a2 = v->gpr[GPR_RCX];
	int64_t ret = NESTOR_EOK;
	enum exit_action next = EXIT_ACTION_RESUME;
	switch (fn) {
	case HC_PRINT: {
		const char *s = a2 <= 4096 ? vm_gpa_ptr(vm, a1, a2) : 0;
		if (!s) {
			ret = a2 > 4096 ? NESTOR_EINVAL : NESTOR_EFAULT;
			break;
		}
		for (uint64_t i = 0; i < a2; i++)
			vm_console_putc(vm, s[i]);
		if (a2 && s[a2 - 1] != '\n')
			vm_console_putc(vm, '\n');
		break;
	}
	case HC_EXIT:
		vm_stop(vm, (int)a1, "exit hypercall");
		return EXIT_ACTION_STOPPED;
	case HC_YIELD:
		v->yield_requested = true; /* the scheduler moves on (sched.c) */
		next = EXIT_ACTION_YIELD;
		break;
	case HC_RDTSC_INSNS:
		break;
	case HC_PRINT_STATS:
		vm_print_stats(vm);
		break;
	case HC_SET_PERM:
		ret = set_perm(vm, a1, a2, v->gpr[GPR_RDX]);
		break;
	case HC_RAISE_EVENT:
		if (a1 == HC_EVENT_NMI) {
			vcpu_request_nmi(v);
		} else if (a1 == HC_EVENT_INTR && a2 >= 32 && a2 <= 255 && v->ev.intr_ops && v->ev.intr_ops->raise) {
			v->ev.intr_ops->raise(v->ev.intr_ctx, v, (uint8_t)a2);
		} else {
			ret = NESTOR_EINVAL;
		}
		break;
	case HC_TEST_TIMER:
		if (test_intr_arm_timer(v, a1, a2) < 0)
			ret = NESTOR_EINVAL;
		break;
	case HC_TOUCH_COUNT:
		ret = (int64_t)vm->touch_faults;
		break;
	case HC_SMP_INFO:
		v->gpr[GPR_RBX] = v->pcpu;
		v->gpr[GPR_RCX] = v->index;
		v->gpr[GPR_RDX] = smp_ncpus();
		v->gpr[GPR_RSI] = sched_busy_cpus() & ~(1ull << this_cpu());
		break;
	default:
		ret = NESTOR_ENOSYS;
		break;
	}
	v->gpr[GPR_RAX] = (uint64_t)ret;
	enum exit_action a = exit_skip_instruction(v, e);
	return a == EXIT_ACTION_RESUME ? next : a;
}

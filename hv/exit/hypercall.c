/* hypercall.c - the guest ABI of hv/guest_abi.h (VMCALL / VMMCALL). */
#include "drivers/console.h"
#include "hv/exit/exits.h"
#include "hv/guest_abi.h"
#include "hv/core/vm.h"

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
		next = EXIT_ACTION_YIELD;
		break;
	case HC_RDTSC_INSNS:
		break;
	case HC_PRINT_STATS:
		vm_print_stats(vm);
		break;
	case HC_SET_PERM: {
		const struct ptb_region *r = vm_region_at(vm, a1);
		uint64_t perm = v->gpr[GPR_RDX];
		bool flush = false;
		if (!r || r->kind != PTB_REGION_RAM || (r->perm & PG_PERM_W) == 0 || (a1 | a2) & 4095 || !a2 ||
		    a2 > r->size - (a1 - r->gpa) || perm > 7) {
			ret = NESTOR_EINVAL;
			break;
		}
		/* TDP tables hold R/W/X (and U=1 for NPT); the builder maps
		 * the request onto the format. */
		int rc = ptb_protect(&vm->tdp, a1, a2, (unsigned)perm | (perm ? PG_PERM_U : 0), &flush);
		if (rc != PTB_OK) {
			ret = rc == PTB_ENOMEM ? NESTOR_EFAULT : NESTOR_EINVAL;
			break;
		}
		if (flush)
			vm_tdp_changed(vm);
		ret = vm->tdp.tables;
		break;
	}
	default:
		ret = NESTOR_ENOSYS;
		break;
	}
	v->gpr[GPR_RAX] = (uint64_t)ret;
	enum exit_action a = exit_skip_instruction(v, e);
	return a == EXIT_ACTION_RESUME ? next : a;
}

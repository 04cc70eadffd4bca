/*
 * msr.c - RDMSR/WRMSR of a guest. Every MSR is intercepted (the MSR bitmap
 * is all ones); the ones Nestor knows are emulated, anything else gets
 * #GP as on a CPU without that MSR, logged once per VM and MSR.
 */
#include "drivers/console.h"
#include "hv/exits.h"
#include "hv/vm.h"

#define MSR_TSC 0x10
#define MSR_FEATURE_CONTROL 0x3a
#define MSR_BIOS_SIGN_ID 0x8b
#define MSR_MTRRCAP 0xfe
#define MSR_MCG_CAP 0x179
#define MSR_MCG_STATUS 0x17a
#define MSR_MISC_ENABLE 0x1a0
#define MSR_MTRR_DEF_TYPE 0x2ff
#define MSR_TSC_AUX 0xc0000103

static void warn_once(struct vcpu *v, uint32_t msr, bool write)
{
	struct vm *vm = v->vm;
	for (unsigned i = 0; i < vm->nwarned_msrs; i++)
		if (vm->warned_msrs[i] == msr)
			return;
	if (vm->nwarned_msrs < sizeof(vm->warned_msrs) / sizeof(vm->warned_msrs[0]))
		vm->warned_msrs[vm->nwarned_msrs++] = msr;
	log_warn("vm", "%s: %s of unknown MSR 0x%x at RIP 0x%llx: #GP injected (logged once)", vm->opts.name,
		 write ? "WRMSR" : "RDMSR", msr, (unsigned long long)virt_ops->get_rip(v));
}

/* Returns false for an MSR Nestor does not emulate. */
static bool vm_msr_access(struct vcpu *v, uint32_t msr, bool write, uint64_t *val)
{
	if (virt_ops->state_msr(v, msr, write, val))
		return true;
	switch (msr) {
	case MSR_TSC:
		if (!write)
			*val = rdtsc();
		return true; /* writes are accepted and ignored */
	case MSR_FEATURE_CONTROL:
		if (write)
			return false; /* locked */
		*val = 1; /* locked, VMX off: no nested virtualization yet */
		return true;
	case MSR_BIOS_SIGN_ID:
	case MSR_MCG_STATUS:
		if (!write)
			*val = 0;
		return true;
	case MSR_MTRRCAP:
	case MSR_MCG_CAP:
		if (write)
			return false;
		*val = 0; /* no MTRRs, no machine-check banks */
		return true;
	case MSR_MISC_ENABLE:
		if (!write)
			*val = 1; /* fast strings */
		return true;
	case MSR_MTRR_DEF_TYPE:
		if (write)
			v->msr_mtrr_def_type = *val & 0xcff;
		else
			*val = v->msr_mtrr_def_type;
		return true;
	case MSR_TSC_AUX:
		if (write)
			v->msr_tsc_aux = *val & 0xffffffff;
		else
			*val = v->msr_tsc_aux;
		return true;
	}
	return false;
}

enum exit_action handle_rdmsr(struct vcpu *v, struct vm_exit *e)
{
	uint64_t val = 0;
	uint32_t msr = (uint32_t)v->gpr[GPR_RCX];
	if (!vm_msr_access(v, msr, false, &val)) {
		warn_once(v, msr, false);
		vm_inject_gp(v);
		return EXIT_ACTION_RESUME;
	}
	v->gpr[GPR_RAX] = (uint32_t)val;
	v->gpr[GPR_RDX] = val >> 32;
	return exit_skip_instruction(v, e);
}

enum exit_action handle_wrmsr(struct vcpu *v, struct vm_exit *e)
{
	uint64_t val = (uint32_t)v->gpr[GPR_RAX] | (v->gpr[GPR_RDX] << 32);
	uint32_t msr = (uint32_t)v->gpr[GPR_RCX];
	if (!vm_msr_access(v, msr, true, &val)) {
		warn_once(v, msr, true);
		vm_inject_gp(v);
		return EXIT_ACTION_RESUME;
	}
	return exit_skip_instruction(v, e);
}

/*
 * msr.c - RDMSR/WRMSR of a guest. Every MSR is intercepted (the MSR bitmap
 * is all ones); the ones Nestor knows are emulated, anything else gets
 * #GP as on a CPU without that MSR, logged once per VM and MSR.
 */
#include "drivers/console.h"
#include "hv/exit/exits.h"
#include "hv/core/vm.h"
#include "hv/dev/kvmclock.h"
#include "hv/dev/lapic_dev.h"
#include "hv/guest_abi.h"
#include "nested/nested.h"

#define MSR_TSC 0x10
#define MSR_FEATURE_CONTROL 0x3a
#define MSR_BIOS_SIGN_ID 0x8b
#define MSR_MTRRCAP 0xfe
#define MSR_MCG_CAP 0x179
#define MSR_MCG_STATUS 0x17a
#define MSR_MISC_ENABLE 0x1a0
#define MSR_DEBUGCTL 0x1d9
#define MSR_MTRR_DEF_TYPE 0x2ff
#define MSR_K8_INT_PENDING_MSG 0xc0010055

/* IA32_TSC_AUX exists with RDTSCP (CPUID 0x80000001 EDX[27]) or RDPID
 * (CPUID 7 ECX[22]) (SDM 4 table 2-2). */
bool host_has_tsc_aux(void)
{
	static int known = -1;
	if (known < 0)
		known = ((cpuid(0x80000001, 0).edx >> 27) & 1) ||
			(cpuid(0, 0).eax >= 7 && ((cpuid(7, 0).ecx >> 22) & 1));
	return known;
}

static bool host_is_amd(void)
{
	static int known = -1;
	if (known < 0)
		known = cpuid(0, 0).ebx == 0x68747541; /* "Auth" of AuthenticAMD */
	return known;
}

static void warn_once(struct vcpu *v, uint32_t msr, bool write)
{
	struct vm *vm = v->vm;
	/* A guest probing many MSRs must not flood the log: once the table
	 * of logged MSRs is full, say so once and log no more of them. */
	const unsigned cap = sizeof(vm->warned_msrs) / sizeof(vm->warned_msrs[0]);
	if (vm->nwarned_msrs > cap)
		return;
	for (unsigned i = 0; i < vm->nwarned_msrs; i++)
		if (vm->warned_msrs[i] == msr)
			return;
	if (vm->nwarned_msrs == cap) {
		vm->nwarned_msrs++;
		log_warn("vm", "%s: more unknown MSRs accessed; each still gets #GP, no longer logged", vm->opts.name);
		return;
	}
	vm->warned_msrs[vm->nwarned_msrs++] = msr;
	log_warn("vm", "%s: %s of unknown MSR 0x%x at RIP 0x%llx: #GP injected (logged once)", vm->opts.name,
		 write ? "WRMSR" : "RDMSR", msr, (unsigned long long)virt_ops->get_rip(v));
}

/*
 * Values a real CPU refuses with #GP on WRMSR (SDM 4 / 2B WRMSR): Nestor
 * must refuse them too, both to be faithful and because some of them
 * (e.g. KERNEL_GS_BASE) are later loaded into the host's own MSRs, where a
 * bad value would fault in Nestor instead of in the guest.
 */
/* 48-bit canonical: guests see 48-bit linear addresses (no LA57, CPUID
 * 0x80000008 EAX[15:8] = 48; see GUEST_CR4_HIDDEN). */
static bool is_canonical(uint64_t a) { return (uint64_t)(((int64_t)a << 16) >> 16) == a; }

bool msr_write_valid(uint32_t msr, uint64_t val)
{
	switch (msr) {
	case MSR_FS_BASE:
	case MSR_GS_BASE:
	case MSR_KERNEL_GS_BASE:
	case 0x175: /* SYSENTER_ESP */
	case 0x176: /* SYSENTER_EIP */
	case 0xc0000082: /* LSTAR */
	case 0xc0000083: /* CSTAR */
		return is_canonical(val);
	case MSR_EFER:
		/* SCE, LME, LMA (read-only, kept by the backend), NXE; SVME
		 * is hidden from guests. */
		return !(val & ~(uint64_t)(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE));
	case MSR_PAT:
		/* Each entry a valid memory type: 0, 1, 4, 5, 6, 7 (SDM 3A 11.12.2). */
		for (int i = 0; i < 8; i++) {
			unsigned t = (val >> (8 * i)) & 0xff;
			if (t == 2 || t == 3 || t > 7)
				return false;
		}
		return true;
	case 0x174: /* SYSENTER_CS */
		return val <= 0xffffffffull;
	}
	return true;
}

/* Returns false for an MSR Nestor does not emulate or a value it refuses. */
static bool vm_msr_access(struct vcpu *v, uint32_t msr, bool write, uint64_t *val)
{
	if (v->nested) {
		int r = nested_msr(v, msr, write, val);
		if (r >= 0)
			return r;
	}
	if (write && !msr_write_valid(msr, *val))
		return false;
	int r = lapic_dev_msr(v, msr, write, val);
	if (r >= 0)
		return r;
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
		*val = 1; /* locked, VMX off (a nested VMX L1 gets nested_msr's) */
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
	case MSR_DEBUGCTL:
		/* IA32_DEBUGCTL (SDM 3B 18.4.1; APM 2 13.1.1.6 DebugCtl): no
		 * LBR, BTF or branch-trace facility is offered, so it reads 0
		 * and only 0 may be written (KVM as L1 saves and restores it
		 * around every guest entry). */
		if (!write)
			*val = 0;
		return !write || *val == 0;
	case MSR_MTRR_DEF_TYPE:
		if (write)
			v->msr_mtrr_def_type = *val & 0xcff;
		else
			*val = v->msr_mtrr_def_type;
		return true;
	case MSR_K8_INT_PENDING_MSG:
		/* AMD's Interrupt Pending Message register (family 0Fh-10h
		 * BKDG): Linux reads it unguarded on CPUs it thinks have
		 * erratum 400 (C1E), which QEMU's family-0Fh model is. 0: C1E
		 * is off, as on a CPU whose firmware never enabled it. */
		if (!host_is_amd())
			return false;
		if (!write)
			*val = 0;
		return !write || *val == 0;
	case MSR_KVM_WALL_CLOCK_NEW:
	case MSR_KVM_SYSTEM_TIME_NEW:
		return kvmclock_msr(v, msr, write, val);
	case MSR_TSC_AUX:
		if (!host_has_tsc_aux())
			return false; /* no RDTSCP, no RDPID: the MSR does not exist */
		if (write) {
			/* The running vCPU's value is the real MSR's (see
			 * switch_in in hv/core/sched.c). */
			v->msr_tsc_aux = *val & 0xffffffff;
			wrmsr(MSR_TSC_AUX, v->msr_tsc_aux);
		} else {
			*val = v->msr_tsc_aux;
		}
		return true;
	}
	return false;
}

enum exit_action handle_rdmsr(struct vcpu *v, struct vm_exit *e)
{
	uint64_t val = 0;
	uint32_t msr = (uint32_t)v->gpr[GPR_RCX];
	if (!vm_msr_access(v, msr, false, &val)) {
		if (!nested_owns_msr(v, msr) && !lapic_dev_owns_msr(v, msr))
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
		if (msr_write_valid(msr, val) && !nested_owns_msr(v, msr) && !lapic_dev_owns_msr(v, msr))
			warn_once(v, msr, true);
		vm_inject_gp(v);
		return EXIT_ACTION_RESUME;
	}
	return exit_skip_instruction(v, e);
}

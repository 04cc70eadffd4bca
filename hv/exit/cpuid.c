/*
 * cpuid.c - what a guest sees from CPUID: the host's answer, filtered to
 * hide what Nestor does not virtualize, plus Nestor's own leaves
 * (hv/guest_abi.h).
 */
#include "hv/exit/exits.h"
#include "hv/guest_abi.h"
#include "hv/core/vm.h"
#include "hv/dev/clock_math.h"
#include "hv/dev/kvmclock.h"
#include "hv/dev/lapic_dev.h"
#include "hv/host/tsc.h"
#include "nested/nested.h"
#include "hv/x86/asm.h"

/* CPUID.1 (SDM Vol 2A CPUID, table 3-10/3-11). */
#define CPUID1_ECX_MONITOR (1u << 3)
#define CPUID1_ECX_VMX (1u << 5)
#define CPUID1_ECX_SMX (1u << 6)
#define CPUID1_ECX_PDCM (1u << 15)
#define CPUID1_ECX_X2APIC (1u << 21)
#define CPUID1_ECX_TSC_DEADLINE (1u << 24)
#define CPUID1_ECX_XSAVE (1u << 26)
#define CPUID1_ECX_OSXSAVE (1u << 27)
#define CPUID1_ECX_HYPERVISOR (1u << 31)
#define CPUID1_EDX_APIC (1u << 9)
#define CPUID1_EDX_ACPI (1u << 22)
#define CPUID1_EDX_HTT (1u << 28)
#define CPUID81_ECX_SVM (1u << 2)
#define CPUID81_ECX_SKINIT (1u << 12)
#define CPUID81_ECX_TOPOEXT (1u << 22)
/* MONITORX/MWAITX (APM 3): like MONITOR/MWAIT, not offered (SVM
 * intercepts them; Linux's udelay used them on Bochs ryzen). */
#define CPUID81_ECX_MWAITX (1u << 29)

/*
 * Answers computed once at boot (cpuid_init, after the TSC calibration),
 * so the CPUID exit makes no calls:
 *  - leaves 0x15 (TSC/crystal ratio) and 0x16 (frequencies), which exist
 *    on Intel-vendor CPUs (SDM 2A CPUID; Linux reads them only there):
 *    where the host has them (leaf 0's maximum reaches them), Nestor
 *    answers from its TSC calibration and the guest crystal clock. Leaf 0
 *    stays the host's; every Intel CPU that reports a crystal has them;
 *  - the timing leaf 0x40000010 and the KVM feature leaf 0x40000101.
 */
static struct cpuid_regs leaf_15, leaf_16, leaf_timing, leaf_kvm_features;
static bool has_15, has_16;

void cpuid_init(void)
{
	struct cpuid_regs r = cpuid(0, 0);
	bool intel = r.ebx == 0x756e6547 && r.edx == 0x49656e69 && r.ecx == 0x6c65746e; /* GenuineIntel */
	has_15 = intel && r.eax >= 0x15;
	has_16 = intel && r.eax >= 0x16;
	uint32_t num, den;
	tsc_crystal_ratio(tsc_hz(), GUEST_CRYSTAL_HZ, &num, &den);
	leaf_15 = (struct cpuid_regs){ den, num, (uint32_t)GUEST_CRYSTAL_HZ, 0 }; /* TSC = ECX * EBX / EAX */
	uint32_t mhz = (uint32_t)(tsc_hz() / 1000000);
	leaf_16 = (struct cpuid_regs){ mhz, mhz, (uint32_t)(GUEST_CRYSTAL_HZ / 1000000), 0 };
	leaf_timing = (struct cpuid_regs){ (uint32_t)(tsc_hz() / 1000), (uint32_t)(GUEST_CRYSTAL_HZ / 1000), 0, 0 };
	leaf_kvm_features = (struct cpuid_regs){ kvmclock_features(), 0, 0, 0 };
}

/* Leaves 0x40000000-0x400001ff: Nestor's own range, then the KVM-
 * compatible one (hv/guest_abi.h). */
static struct cpuid_regs hypervisor_leaf(struct vcpu *v, uint32_t leaf)
{
	switch (leaf) {
	case NESTOR_CPUID_BASE:
		return (struct cpuid_regs){ NESTOR_CPUID_MAX, NESTOR_CPUID_SIG_EBX, NESTOR_CPUID_SIG_ECX,
					    NESTOR_CPUID_SIG_EDX };
	case NESTOR_CPUID_INFO:
		return (struct cpuid_regs){ NESTOR_ABI_VERSION, v->vm->id, v->index, 0 };
	case NESTOR_CPUID_TIMING:
		return leaf_timing;
	case KVM_CPUID_BASE:
		return (struct cpuid_regs){ KVM_CPUID_FEATURES, KVM_CPUID_SIG_EBX, KVM_CPUID_SIG_ECX,
					    KVM_CPUID_SIG_EDX };
	case KVM_CPUID_FEATURES:
		return leaf_kvm_features;
	}
	return (struct cpuid_regs){ 0, 0, 0, 0 };
}

struct cpuid_regs vm_cpuid(struct vcpu *v, uint32_t leaf, uint32_t subleaf)
{
	struct vm *vm = v->vm;
	struct cpuid_regs r;
	if (leaf - NESTOR_CPUID_BASE < 0x200)
		return hypervisor_leaf(v, leaf);
	r = cpuid(leaf, subleaf);
	switch (leaf) {
	case 1:
		/* No VMX (except for nested=on on VT-x, below), no XSAVE (Nestor does not switch
		 * XSAVE state), no MONITOR/MWAIT yet; the local APIC, x2APIC
		 * and TSC-deadline timer where Nestor emulates them
		 * (hv/dev/lapic_dev.c: isolated VMs). */
		r.ecx &= ~(CPUID1_ECX_MONITOR | CPUID1_ECX_VMX | CPUID1_ECX_SMX | CPUID1_ECX_PDCM |
			   CPUID1_ECX_X2APIC | CPUID1_ECX_TSC_DEADLINE | CPUID1_ECX_XSAVE | CPUID1_ECX_OSXSAVE);
		r.ecx |= CPUID1_ECX_HYPERVISOR;
		r.edx &= ~(CPUID1_EDX_APIC | CPUID1_EDX_ACPI);
		if (lapic_dev_present(v)) {
			r.ecx |= CPUID1_ECX_X2APIC | CPUID1_ECX_TSC_DEADLINE;
			r.edx |= CPUID1_EDX_APIC;
		}
		/* EBX: initial APIC ID = vCPU index, logical processors = vCPUs. */
		r.ebx = (r.ebx & 0xffff) | (vm->nvcpus << 16) | (v->index << 24);
		if (vm->nvcpus > 1)
			r.edx |= CPUID1_EDX_HTT;
		else
			r.edx &= ~CPUID1_EDX_HTT;
		if (v->nested) /* nested VMX: ECX.VMX */
			nested_cpuid(v, leaf, &r);
		break;
	case 7:
		/* PKU/OSPKE (ECX 3, 4), CET shadow stacks (ECX 7) and IBT (EDX
		 * 20): their state is not switched between VMs; LA57 (ECX 16):
		 * guests get 4-level paging only (GUEST_CR4_HIDDEN). */
		if (subleaf == 0) {
			/* TSC_ADJUST (EBX 1): Nestor has no IA32_TSC_ADJUST
			 * MSR (writes to the TSC are ignored), so no CPUID bit:
			 * Linux reads that MSR unguarded when the bit is set. */
			r.ebx &= ~(1u << 1);
			r.ecx &= ~((1u << 3) | (1u << 4) | (1u << 7) | (1u << 16));
			r.edx &= ~(1u << 20);
		}
		break;
	case 6: /* thermal and power: only ARAT, the APIC timer runs in every
		 * power state (Nestor's counts host time; SDM 3A 11.5.4) */
		r = (struct cpuid_regs){ lapic_dev_present(v) ? 1u << 2 : 0, 0, 0, 0 };
		break;
	case 5:   /* MONITOR/MWAIT */
	case 0xa: /* architectural performance monitoring */
	case 0xd: /* XSAVE state */
		r = (struct cpuid_regs){ 0, 0, 0, 0 };
		break;
	case 0x80000001:
		r.ecx &= ~(CPUID81_ECX_SVM | CPUID81_ECX_SKINIT | CPUID81_ECX_TOPOEXT | CPUID81_ECX_MWAITX);
		if (v->nested)
			nested_cpuid(v, leaf, &r);
		break;
	case 0x80000007:
		/* Invariant TSC (EDX[8]) where the host TSC is constant and in
		 * step (hv/host/tsc.h): a guest's TSC is the host's plus one
		 * offset for all its vCPUs. */
		if (host_tsc_stable())
			r.edx |= 1u << 8;
		break;
	case 0x80000008:
		/* Linear-address width (EAX[15:8]) at most 48: no LA57. */
		if (((r.eax >> 8) & 0xff) > 48)
			r.eax = (r.eax & ~0xff00u) | (48u << 8);
		break;
	case 0x8000000a: /* SVM features: none offered, except to nested=on VMs */
		r = (struct cpuid_regs){ 0, 0, 0, 0 };
		if (v->nested)
			nested_cpuid(v, leaf, &r);
		break;
	case 0x8000001f:
		/* AMD memory encryption (SME, SEV, SEV-ES, SEV-SNP; APM 2 15.34):
		 * none is offered. With the SEV bit passed through, Linux's
		 * decompressor read SEV_STATUS (MSR 0xC0010131), got #GP and
		 * hung (Bochs ryzen). */
		r = (struct cpuid_regs){ 0, 0, 0, 0 };
		break;
	case 0x15:
		if (has_15)
			r = leaf_15;
		break;
	case 0x16:
		if (has_16)
			r = leaf_16;
		break;
	}
	return r;
}

enum exit_action handle_cpuid(struct vcpu *v, struct vm_exit *e)
{
	struct cpuid_regs r = vm_cpuid(v, (uint32_t)v->gpr[GPR_RAX], (uint32_t)v->gpr[GPR_RCX]);
	v->gpr[GPR_RAX] = r.eax;
	v->gpr[GPR_RBX] = r.ebx;
	v->gpr[GPR_RCX] = r.ecx;
	v->gpr[GPR_RDX] = r.edx;
	return exit_skip_instruction(v, e);
}

/*
 * cpuid.c - what a guest sees from CPUID: the host's answer, filtered to
 * hide what Nestor does not virtualize, plus Nestor's own leaves
 * (hv/guest_abi.h).
 */
#include "hv/exit/exits.h"
#include "hv/guest_abi.h"
#include "hv/core/vm.h"
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

struct cpuid_regs vm_cpuid(struct vcpu *v, uint32_t leaf, uint32_t subleaf)
{
	struct vm *vm = v->vm;
	struct cpuid_regs r;
	if (leaf >= NESTOR_CPUID_BASE && leaf <= 0x400000ff) {
		r = (struct cpuid_regs){ 0, 0, 0, 0 };
		if (leaf == NESTOR_CPUID_BASE)
			r = (struct cpuid_regs){ NESTOR_CPUID_MAX, NESTOR_CPUID_SIG_EBX, NESTOR_CPUID_SIG_ECX,
						 NESTOR_CPUID_SIG_EDX };
		else if (leaf == NESTOR_CPUID_MAX)
			r = (struct cpuid_regs){ NESTOR_ABI_VERSION, vm->id, v->index, 0 };
		return r;
	}
	r = cpuid(leaf, subleaf);
	switch (leaf) {
	case 1:
		/* No nested virtualization, no local APIC, no XSAVE (Nestor
		 * does not switch XSAVE state), no MONITOR/MWAIT yet. */
		r.ecx &= ~(CPUID1_ECX_MONITOR | CPUID1_ECX_VMX | CPUID1_ECX_SMX | CPUID1_ECX_PDCM |
			   CPUID1_ECX_X2APIC | CPUID1_ECX_TSC_DEADLINE | CPUID1_ECX_XSAVE | CPUID1_ECX_OSXSAVE);
		r.ecx |= CPUID1_ECX_HYPERVISOR;
		r.edx &= ~(CPUID1_EDX_APIC | CPUID1_EDX_ACPI);
		/* EBX: initial APIC ID = vCPU index, logical processors = vCPUs. */
		r.ebx = (r.ebx & 0xffff) | (vm->nvcpus << 16) | (v->index << 24);
		if (vm->nvcpus > 1)
			r.edx |= CPUID1_EDX_HTT;
		else
			r.edx &= ~CPUID1_EDX_HTT;
		break;
	case 7:
		/* PKU/OSPKE (ECX 3, 4), CET shadow stacks (ECX 7) and IBT (EDX
		 * 20): their state is not switched between VMs (GUEST_CR4_HIDDEN). */
		if (subleaf == 0) {
			r.ecx &= ~((1u << 3) | (1u << 4) | (1u << 7));
			r.edx &= ~(1u << 20);
		}
		break;
	case 5:   /* MONITOR/MWAIT */
	case 6:   /* thermal and power */
	case 0xa: /* architectural performance monitoring */
	case 0xd: /* XSAVE state */
		r = (struct cpuid_regs){ 0, 0, 0, 0 };
		break;
	case 0x80000001:
		r.ecx &= ~(CPUID81_ECX_SVM | CPUID81_ECX_SKINIT | CPUID81_ECX_TOPOEXT);
		if (v->nested)
			nested_cpuid(v, leaf, &r);
		break;
	case 0x8000000a: /* SVM features: none offered, except to nested=on VMs */
		r = (struct cpuid_regs){ 0, 0, 0, 0 };
		if (v->nested)
			nested_cpuid(v, leaf, &r);
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

/*
 * vmx_cr.c - the guest's control registers on VT-x. Bits Nestor owns
 * (the CR0/CR4 guest/host masks: VMX's fixed bits, CR4.VMXE and the
 * features it hides) are seen by the guest through the read shadows
 * (SDM Vol 3C 25.6.6); hv/exit/cr.c checks a write, vmx_set_cr applies it.
 */
#include "hv/core/vm.h"
#include "hv/vmx/vmx.h"
#include "hv/x86/asm.h"

void vmx_sync_paging_mode(struct vcpu *v)
{
	uint64_t efer = vmread(VMCS_GUEST_IA32_EFER);
	uint64_t cr0 = vmread(VMCS_GUEST_CR0), cr4 = vmread(VMCS_GUEST_CR4);
	uint64_t entry = vmread(VMCS_ENTRY_CTLS);
	/* IA32_EFER.LMA = LME && CR0.PG (SDM 3A 10.8.5), and the IA-32e mode
	 * guest entry control must equal LMA (SDM 3C 27.3.1.1). */
	bool lma = (efer & EFER_LME) && (cr0 & CR0_PG);
	efer = lma ? efer | EFER_LMA : efer & ~(uint64_t)EFER_LMA;
	entry = lma ? entry | ENTRY_CTL_IA32E : entry & ~(uint64_t)ENTRY_CTL_IA32E;
	vmwrite(VMCS_GUEST_IA32_EFER, efer);
	vmwrite(VMCS_ENTRY_CTLS, entry);
	/* PAE paging outside IA-32e mode: with EPT, VM entry loads the PDPTEs
	 * from the VMCS (SDM 3C 27.3.2.4); a MOV to CR0/CR3/CR4 Nestor
	 * emulates must load them as the CPU would (SDM 3A 4.4.1). */
	if ((cr0 & CR0_PG) && (cr4 & CR4_PAE) && !lma) {
		uint64_t cr3 = vmread(VMCS_GUEST_CR3);
		const uint64_t *pdpt = vm_gpa_ptr(v->vm, cr3 & 0xffffffe0ull, 32);
		for (unsigned i = 0; i < 4; i++)
			vmwrite((enum vmcs_field)(VMCS_GUEST_PDPTE0 + 2 * i), pdpt ? pdpt[i] : 0);
	}
}

uint64_t vmx_get_cr(struct vcpu *v, unsigned cr)
{
	vmx_load(v);
	switch (cr) {
	case 0: {
		uint64_t m = vmx_cr0_mask(vmx_crfix());
		return (vmread(VMCS_GUEST_CR0) & ~m) | (vmread(VMCS_CR0_READ_SHADOW) & m);
	}
	case 3:
		return vmread(VMCS_GUEST_CR3);
	case 4: {
		uint64_t m = vmx_cr4_mask(vmx_crfix());
		return (vmread(VMCS_GUEST_CR4) & ~m) | (vmread(VMCS_CR4_READ_SHADOW) & m);
	}
	}
	return 0;
}

void vmx_set_cr(struct vcpu *v, unsigned cr, uint64_t val)
{
	vmx_load(v);
	switch (cr) {
	case 0:
		vmwrite(VMCS_CR0_READ_SHADOW, val);
		vmwrite(VMCS_GUEST_CR0, vmx_cr0_real(vmx_crfix(), val));
		break;
	case 3:
		vmwrite(VMCS_GUEST_CR3, val);
		break;
	case 4:
		vmwrite(VMCS_CR4_READ_SHADOW, val);
		vmwrite(VMCS_GUEST_CR4, vmx_cr4_real(vmx_crfix(), val));
		break;
	default:
		return;
	}
	vmx_sync_paging_mode(v);
	/* The write was intercepted, not executed: the TLB flush it implies
	 * (SDM 3A 4.10.4.1) is Nestor's (INVVPID before the next entry). */
	VX(v)->flush_pending = true;
}

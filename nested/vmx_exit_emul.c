/*
 * vmx_exit_emul.c - VM exit from L2 into L1 (see vmx_exit_emul.h).
 * Section numbers are of the Intel SDM Vol 3C ("VM Exits").
 */
#include "nested/vmx_exit_emul.h"
#include "hv/vmx/vmx_arch.h"
#include "hv/x86/asm.h"
#include "nested/vmx_vmcs02.h"

#define C12(name) VMCS12_F(c12, name)
#define G02(name) (g02[VMCS12_##name])

/* CR0 bits a VM exit does not load (28.5.1): ET, CD, NW and the reserved
 * bits 63:32, 28:19, 17, 15:6. */
#define CR0_EXIT_KEEP                                                                   \
	(CR0_ET | CR0_CD | CR0_NW | 0xffffffff00000000ull | 0x1ff80000ull | (1ull << 17) | \
	 0xffc0ull)
#define CR4_PCIDE (1ull << 17)

static void exit_info(struct vmcs12 *c12, const struct vmx_l2_exit *x)
{
	uint32_t basic = x->reason & 0xffff;

	/* 28.2.1: reason, qualification; the guest-linear address where the
	 * exit defines one, the guest-physical address for EPT exits. */
	C12(EXIT_REASON) = x->reason;
	C12(EXIT_QUALIFICATION) = x->qual;
	/* 27.8: a VM-entry failure writes only those two. */
	if (x->reason & VMX_EXIT_REASON_ENTRY_FAILURE)
		return;
	C12(GUEST_LINEAR_ADDRESS) = x->gla;
	if (basic == VMX_EXIT_EPT_VIOLATION || basic == VMX_EXIT_EPT_MISCONFIG)
		C12(GUEST_PHYSICAL_ADDRESS) = x->gpa;
	/* 28.2.2: interruption information for exceptions and NMIs; for an
	 * external interrupt only with "acknowledge interrupt on exit" (the
	 * vector acknowledged), else invalid; invalid for every other exit. */
	uint32_t info = 0, err = 0;
	if (basic == VMX_EXIT_EXCEPTION_NMI) {
		info = x->intr_info;
		err = (info & INTR_INFO_ERROR_VALID) ? x->intr_error : 0;
	} else if (basic == VMX_EXIT_EXTINT && (C12(EXIT_CTLS) & EXIT_CTL_ACK_INTR)) {
		info = INTR_INFO_VALID | INTR_TYPE_EXTINT << INTR_TYPE_SHIFT | x->ext_vector;
	}
	C12(EXIT_INTR_INFO) = info;
	if (info & INTR_INFO_ERROR_VALID)
		C12(EXIT_INTR_ERROR_CODE) = err;
	/* 28.2.4: the event L2 was delivering: for L1 to re-inject. */
	C12(IDT_VECTORING_INFO) = x->idt_info;
	if ((x->idt_info & INTR_INFO_VALID) && (x->idt_info & INTR_INFO_ERROR_VALID))
		C12(IDT_VECTORING_ERROR_CODE) = x->idt_error;
	/* 28.2.5: instruction length and information as the exit gave. */
	C12(EXIT_INSTRUCTION_LEN) = x->insn_len;
	C12(EXIT_INSTRUCTION_INFO) = x->insn_info;
	/* 28.2 (end): every VM exit clears the valid bit of the VM-entry
	 * interruption-information field. */
	C12(ENTRY_INTR_INFO) &= ~(uint64_t)INTR_INFO_VALID;
}

/* L2's CR as L1 sees it: bits only L0 owns live in vmcs02's shadow. */
static uint64_t cr12(uint64_t real, uint64_t shadow02, uint64_t l0_mask, uint64_t l1_mask)
{
	uint64_t l0_only = l0_mask & ~l1_mask;
	return (real & ~l0_only) | (shadow02 & l0_only);
}

static const uint8_t guest_skip[] = {
	/* composed, or saved only under a control (below) */
	VMCS12_GUEST_CR0, VMCS12_GUEST_CR4, VMCS12_GUEST_DR7, VMCS12_GUEST_IA32_DEBUGCTL,
	VMCS12_GUEST_IA32_PAT, VMCS12_GUEST_IA32_EFER, VMCS12_GUEST_ACTIVITY_STATE,
	VMCS12_VMCS_LINK_POINTER, VMCS12_PREEMPTION_TIMER_VALUE, VMCS12_GUEST_PDPTE0,
	VMCS12_GUEST_PDPTE1, VMCS12_GUEST_PDPTE2, VMCS12_GUEST_PDPTE3,
};

static void guest_state(struct vmcs12 *c12, const struct vmx_l2_exit *x, const uint64_t *g02,
			uint64_t l0_cr0_mask, uint64_t l0_cr4_mask)
{
	bool skip[VMCS12_NFIELDS] = { false };
	for (unsigned i = 0; i < sizeof(guest_skip); i++)
		skip[guest_skip[i]] = true;
	/* 28.3.1-28.3.3: segment registers, descriptor tables, CR3, RIP,
	 * RSP, RFLAGS, SYSENTER MSRs, interruptibility, pending debug
	 * exceptions, SMBASE: as the CPU saved them in vmcs02. */
	for (unsigned i = 0; i < VMCS12_NFIELDS; i++)
		if (!skip[i] && vmcs_field_type(vmcs12_encoding(i)) == VMCS_T_GUEST)
			c12->field[i] = g02[i];
	C12(GUEST_CR0) = cr12(G02(GUEST_CR0), G02(CR0_READ_SHADOW), l0_cr0_mask, C12(CR0_GUEST_HOST_MASK));
	C12(GUEST_CR4) = cr12(G02(GUEST_CR4), G02(CR4_READ_SHADOW), l0_cr4_mask, C12(CR4_GUEST_HOST_MASK));
	uint32_t xc = (uint32_t)C12(EXIT_CTLS);
	/* 28.3.1: DR7 and DEBUGCTL with "save debug controls". */
	if (xc & EXIT_CTL_SAVE_DEBUG) {
		C12(GUEST_DR7) = G02(GUEST_DR7);
		C12(GUEST_IA32_DEBUGCTL) = G02(GUEST_IA32_DEBUGCTL);
	}
	/* 28.3.1: PAT and EFER with their save controls. */
	if (xc & EXIT_CTL_SAVE_PAT)
		C12(GUEST_IA32_PAT) = G02(GUEST_IA32_PAT);
	if (xc & EXIT_CTL_SAVE_EFER)
		C12(GUEST_IA32_EFER) = G02(GUEST_IA32_EFER);
	/* 28.3.1 (end): "IA-32e mode guest" is set to EFER.LMA on every
	 * exit. */
	if (G02(GUEST_IA32_EFER) & EFER_LMA)
		C12(ENTRY_CTLS) |= ENTRY_CTL_IA32E;
	else
		C12(ENTRY_CTLS) &= ~(uint64_t)ENTRY_CTL_IA32E;
	/* 28.3.4: the preemption timer value with its save control. */
	if (xc & EXIT_CTL_SAVE_PREEMPT)
		C12(PREEMPTION_TIMER_VALUE) = x->preempt_timer;
	/* 28.3.4: PDPTEs when L2 used PAE paging with L1's EPT (the CPU's
	 * PDPTE registers are L2's then). */
	bool pae = (G02(GUEST_CR0) & CR0_PG) && (G02(GUEST_CR4) & CR4_PAE) &&
		   !(G02(GUEST_IA32_EFER) & EFER_LMA);
	bool ept = (C12(PROC_BASED_CTLS) & PROC_SECONDARY) && (C12(PROC_BASED_CTLS2) & PROC2_EPT);
	if (pae && ept) {
		C12(GUEST_PDPTE0) = G02(GUEST_PDPTE0);
		C12(GUEST_PDPTE1) = G02(GUEST_PDPTE1);
		C12(GUEST_PDPTE2) = G02(GUEST_PDPTE2);
		C12(GUEST_PDPTE3) = G02(GUEST_PDPTE3);
	}
	/* 28.3.4: the activity state L2 was in (L0 emulated HLT etc.). */
	static const uint8_t state[] = { [VMCS02_RUN] = 0, [VMCS02_HALTED] = 1,
					 [VMCS02_SHUTDOWN] = 2, [VMCS02_WAIT_SIPI] = 3 };
	C12(GUEST_ACTIVITY_STATE) = x->l2_activity < sizeof(state) ? state[x->l2_activity] : 0;
}

/* 28.5.2: data segments: unusable iff the selector is null; otherwise
 * type 3 (read/write, accessed), S, DPL 0, P, D/B, G, limit 4 GiB - 1. */
static struct vmx_seg data_seg(uint16_t sel, uint64_t base)
{
	struct vmx_seg s = { .sel = sel, .base = base, .limit = 0xffffffffu, .ar = 0xc093 };
	if (!sel)
		s.ar |= 1u << 16;
	return s;
}

static void host_state(const struct vmcs12 *c12, const struct vmx_l1_kept *kept,
		       struct vmx_l1_state *l1)
{
	uint32_t xc = (uint32_t)C12(EXIT_CTLS);
	bool host64 = xc & EXIT_CTL_HOST_64;

	*l1 = (struct vmx_l1_state){ 0 };
	/* 28.5.1: CR0 from the host field except ET, CD, NW, bits 63:32,
	 * 28:19, 17, 15:6 (kept; the VM-entry checks made the bits fixed
	 * in VMX operation right already). */
	l1->cr0 = (C12(HOST_CR0) & ~CR0_EXIT_KEEP) | (kept->cr0 & CR0_EXIT_KEEP);
	l1->cr3 = C12(HOST_CR3);
	/* CR4.PAE set with a 64-bit host, CR4.PCIDE cleared without one. */
	l1->cr4 = C12(HOST_CR4);
	if (host64)
		l1->cr4 |= CR4_PAE;
	else
		l1->cr4 &= ~CR4_PCIDE;
	/* DR7 = 400H, IA32_DEBUGCTL = 0. */
	l1->dr7 = 0x400;
	l1->debugctl = 0;
	l1->sysenter_cs = C12(HOST_IA32_SYSENTER_CS);
	l1->sysenter_esp = C12(HOST_SYSENTER_ESP);
	l1->sysenter_eip = C12(HOST_SYSENTER_EIP);
	/* EFER from the host field with "load IA32_EFER", else LMA and LME
	 * = host address-space size; PAT from its field with "load IA32_PAT". */
	if (xc & EXIT_CTL_LOAD_EFER) {
		l1->efer = C12(HOST_IA32_EFER);
	} else {
		l1->efer = kept->efer & ~(uint64_t)(EFER_LMA | EFER_LME);
		if (host64)
			l1->efer |= EFER_LMA | EFER_LME;
	}
	l1->pat = (xc & EXIT_CTL_LOAD_PAT) ? C12(HOST_IA32_PAT) : kept->pat;
	/* 28.5.2: CS type 11 (execute/read, accessed), S, DPL 0, P, G, L =
	 * host address-space size, D/B its inverse; base 0. */
	l1->seg[VMX_CS] = (struct vmx_seg){ .sel = (uint16_t)C12(HOST_CS_SEL), .limit = 0xffffffffu,
					    .ar = 0x809b | (host64 ? 1u << 13 : 1u << 14) | 1u << 15 };
	l1->seg[VMX_SS] = data_seg((uint16_t)C12(HOST_SS_SEL), 0);
	l1->seg[VMX_DS] = data_seg((uint16_t)C12(HOST_DS_SEL), 0);
	l1->seg[VMX_ES] = data_seg((uint16_t)C12(HOST_ES_SEL), 0);
	l1->seg[VMX_FS] = data_seg((uint16_t)C12(HOST_FS_SEL), C12(HOST_FS_BASE));
	l1->seg[VMX_GS] = data_seg((uint16_t)C12(HOST_GS_SEL), C12(HOST_GS_BASE));
	/* TR: type 11 (busy TSS), S 0, DPL 0, P, limit 67H, base from the
	 * field. LDTR: selector 0, unusable. */
	l1->seg[VMX_TR] = (struct vmx_seg){ .sel = (uint16_t)C12(HOST_TR_SEL), .base = C12(HOST_TR_BASE),
					    .limit = 0x67, .ar = 0x8b };
	l1->seg[VMX_LDTR] = (struct vmx_seg){ .ar = 1u << 16 };
	/* GDTR/IDTR bases from the fields, limits FFFFH. */
	l1->gdtr_base = C12(HOST_GDTR_BASE);
	l1->idtr_base = C12(HOST_IDTR_BASE);
	l1->gdtr_limit = l1->idtr_limit = 0xffff;
	/* 28.5.3: RIP, RSP from the fields, RFLAGS = 2. */
	l1->rip = C12(HOST_RIP);
	l1->rsp = C12(HOST_RSP);
	l1->rflags = 2;
	/* 28.5.4: a 32-bit PAE host reloads its PDPTEs from CR3. */
	l1->pdptes_from_cr3 = !host64 && (l1->cr4 & CR4_PAE) && (l1->cr0 & CR0_PG);
}

void vmx_exit_emulate(struct vmcs12 *c12, const struct vmx_l2_exit *x, const uint64_t *g02,
		      uint64_t l0_cr0_mask, uint64_t l0_cr4_mask, const struct vmx_l1_kept *kept,
		      struct vmx_l1_state *l1)
{
	exit_info(c12, x);
	if (!(x->reason & VMX_EXIT_REASON_ENTRY_FAILURE))
		guest_state(c12, x, g02, l0_cr0_mask, l0_cr4_mask);
	host_state(c12, kept, l1);
}

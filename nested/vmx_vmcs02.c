/*
 * vmx_vmcs02.c - vmcs02 from L0's needs and VMCS12 (see vmx_vmcs02.h).
 * Section numbers are of the Intel SDM Vol 3C.
 */
#include "nested/vmx_vmcs02.h"
#include "hv/vmx/vmx_arch.h"
#include "hv/x86/asm.h"

#define C12(name) VMCS12_F(c12, name)

static void put(struct vmcs02 *v, unsigned i, uint64_t val)
{
	v->val[i] = val;
	v->set[i] = true;
}
#define PUT(name, val) put(v, VMCS12_##name, (val))

/* Exceptions L0 intercepts whatever it needs otherwise: #DB (1) and #AC
 * (17) can be raised forever in a loop by a guest (CVE-2015-8104,
 * CVE-2015-5307), so L0 must see each one and never let one be
 * delivered without an exit. */
#define EXC_ALWAYS_L0 ((1u << 1) | (1u << 17))

/* Controls that change what L2 observes rather than making it exit:
 * taken from L1 alone (25.6.2 table 25-7). */
#define PROC2_L1_CHOICE (PROC2_UNRESTRICTED | PROC2_RDTSCP | PROC2_INVPCID)
/* Resources of L0 (25.6.11 EPTP, 25.6.12 VPID): L1's use of them is
 * emulated with L0's (EPT02, vpid02). */
#define PROC2_L0_OWNED (PROC2_EPT | PROC2_VPID)
/* Primary controls composed below rather than OR-ed. */
#define PROC_COMPOSED (PROC_USE_IO_BITMAPS | PROC_UNCOND_IO_EXITING | PROC_USE_MSR_BITMAPS | PROC_SECONDARY)

static uint32_t io_controls(struct vmcs02 *v, uint32_t l0p, uint32_t l1p)
{
	/* 25.6.4: with "use I/O bitmaps" the bitmaps decide and
	 * "unconditional I/O exiting" is ignored. Either side with bitmaps:
	 * the merged pages (an unconditional side counts as all ones). */
	if ((l0p | l1p) & PROC_USE_IO_BITMAPS) {
		v->io_bitmap_merged = true;
		return PROC_USE_IO_BITMAPS;
	}
	return (l0p | l1p) & PROC_UNCOND_IO_EXITING;
}

static uint32_t msr_controls(struct vmcs02 *v, uint32_t l0p, uint32_t l1p)
{
	/* 25.6.9: without MSR bitmaps every RDMSR/WRMSR exits; so vmcs02
	 * uses a bitmap only when both sides have one (merged). */
	v->msr_bitmap_merged = (l0p & l1p & PROC_USE_MSR_BITMAPS) != 0;
	return v->msr_bitmap_merged ? PROC_USE_MSR_BITMAPS : 0;
}

static void controls(struct vmcs02 *v, const struct vmcs12 *c12, const struct vmx_l0_needs *l0)
{
	uint32_t l1pin = (uint32_t)C12(PIN_BASED_CTLS), l1p = (uint32_t)C12(PROC_BASED_CTLS);
	/* 25.6.2: secondary controls act only with primary bit 31. */
	uint32_t l1p2 = (l1p & PROC_SECONDARY) ? (uint32_t)C12(PROC_BASED_CTLS2) : 0;

	/* Pin (25.6.1): an exit either side wants is taken. */
	PUT(PIN_BASED_CTLS, l0->pin | (l1pin & ~l0->pin_emulated));
	/* Secondary (25.6.2): L0's resources, L1's view-changing choices,
	 * OR for the exiting controls. */
	uint32_t l1x = l1p2 & ~l0->proc2_emulated;
	uint32_t p2 = (l0->proc2 & ~PROC2_L1_CHOICE) | (l1x & ~PROC2_L0_OWNED);
	/* Primary (25.6.2): OR, with the bitmap controls composed. */
	uint32_t p = (l0->proc & ~PROC_COMPOSED) | (l1p & ~l0->proc_emulated & ~PROC_COMPOSED);
	p |= io_controls(v, l0->proc, l1p) | msr_controls(v, l0->proc, l1p);
	if (p2)
		p |= PROC_SECONDARY;
	PUT(PROC_BASED_CTLS, p);
	PUT(PROC_BASED_CTLS2, p2);
	/* VM-exit controls (25.7.1) are L0's: the exit goes to L0 first;
	 * L1's are applied by the exit emulation (vmx_exit_emul.h). */
	PUT(EXIT_CTLS, l0->exit);
	/* VM-entry controls (25.8.1): L0's, with L2's IA-32e mode from L1.
	 * SMM and dual-monitor bits are never offered (0). */
	PUT(ENTRY_CTLS, (l0->entry & ~(uint32_t)(ENTRY_CTL_IA32E | ENTRY_CTL_SMM | ENTRY_CTL_DUAL_MONITOR)) |
				(C12(ENTRY_CTLS) & ENTRY_CTL_IA32E));
	/* MSR lists (25.7.2, 25.8.2): L1's are emulated by L0 at entry and
	 * exit (27.4, 28.4); vmcs02's count fields stay the backend's own. */

	/* VPID (25.6.12) and EPTP (25.6.11): L0's. */
	PUT(VPID, l0->vpid02);
	PUT(EPT_POINTER, l0->eptp02);
	if (v->msr_bitmap_merged)
		PUT(MSR_BITMAP, l0->msr_bitmap02);
	if (v->io_bitmap_merged) {
		PUT(IO_BITMAP_A, l0->io_bitmap02_a);
		PUT(IO_BITMAP_B, l0->io_bitmap02_b);
	}
	/* TSC offset (25.6.5): L2's TSC is L1's plus L1's offset, and L1's is
	 * the host's plus L0's: the offsets add (L1's only if it offsets). */
	PUT(TSC_OFFSET, l0->tsc_offset + ((l1p & PROC_TSC_OFFSETTING) ? C12(TSC_OFFSET) : 0));

	/* Exceptions (25.6.3): the OR of both bitmaps, #PF by the merged
	 * MASK/MATCH rule (vmx_pfec.h), #DB and #AC always. */
	uint32_t l1exc = (uint32_t)C12(EXCEPTION_BITMAP);
	struct pf_rule l1pf = { (l1exc >> 14) & 1, (uint32_t)C12(PF_ERROR_CODE_MASK),
				(uint32_t)C12(PF_ERROR_CODE_MATCH) };
	struct pf_rule pf = pf_rule_merge(&l0->pf, &l1pf);
	uint32_t exc = ((l0->exc_bitmap | l1exc) & ~(1u << 14)) | EXC_ALWAYS_L0 |
		       (pf.bit14 ? 1u << 14 : 0);
	PUT(EXCEPTION_BITMAP, exc);
	PUT(PF_ERROR_CODE_MASK, pf.mask);
	PUT(PF_ERROR_CODE_MATCH, pf.match);

	/* CR3 targets (25.6.7): L1's list only when L0 itself does not need
	 * every MOV to CR3 (count 0 makes every one exit). */
	bool l0_cr3 = l0->proc & PROC_CR3_LOAD_EXITING;
	PUT(CR3_TARGET_COUNT, l0_cr3 ? 0 : C12(CR3_TARGET_COUNT));
	PUT(CR3_TARGET0, C12(CR3_TARGET0));
	PUT(CR3_TARGET1, C12(CR3_TARGET1));
	PUT(CR3_TARGET2, C12(CR3_TARGET2));
	PUT(CR3_TARGET3, C12(CR3_TARGET3));

	/* Event injection (25.8.3): L1's, copied; the instruction length
	 * matters for software interrupts and exceptions. */
	PUT(ENTRY_INTR_INFO, C12(ENTRY_INTR_INFO));
	PUT(ENTRY_EXCEPTION_ERROR_CODE, C12(ENTRY_EXCEPTION_ERROR_CODE));
	PUT(ENTRY_INSTRUCTION_LEN, C12(ENTRY_INSTRUCTION_LEN));
}

/*
 * CR0/CR4 (25.6.6): a bit owned by either side (mask02 = L0's | L1's)
 * makes a MOV to CR that changes it exit, and reads of it return the
 * shadow. The shadow02 is what L2 must read: L1's shadow for L1's bits,
 * and for bits only L0 owns the value L1 gave L2 (VMCS12's guest CR).
 * The real register is L2's as L1 set it plus the bits the CPU needs in
 * VMX operation (owned by L0, so L2 never sees them).
 */
static void cr_pair(struct vmcs02 *v, unsigned mask_i, unsigned shadow_i, unsigned guest_i,
		    const struct vmcs12 *c12, uint64_t l0_mask, uint64_t must1)
{
	uint64_t m1 = c12->field[mask_i], sh1 = c12->field[shadow_i], g = c12->field[guest_i];

	put(v, mask_i, l0_mask | m1 | must1);
	put(v, shadow_i, (sh1 & m1) | (g & ~m1));
	put(v, guest_i, g | must1);
}

static uint8_t activity(const struct vmcs12 *c12)
{
	/* 25.4.2 activity states; 27.6 (event injection): a VM entry into
	 * HLT that injects an event delivers it and the CPU is active
	 * after it (KVM does the same). vmcs02 always enters active:
	 * L0 emulates the waiting states so it keeps control of the vCPU. */
	switch (C12(GUEST_ACTIVITY_STATE)) {
	case 1:
		return (C12(ENTRY_INTR_INFO) & INTR_INFO_VALID) ? VMCS02_RUN : VMCS02_HALTED;
	case 2:
		return VMCS02_SHUTDOWN;
	case 3:
		return VMCS02_WAIT_SIPI;
	default:
		return VMCS02_RUN;
	}
}

static void guest_state(struct vmcs02 *v, const struct vmcs12 *c12, const struct vmx_l0_needs *l0)
{
	/* 25.4: every guest-state field as L1 wrote it, then the composed
	 * ones overwrite theirs below. */
	for (unsigned i = 0; i < VMCS12_NFIELDS; i++)
		if (vmcs_field_type(vmcs12_encoding(i)) == VMCS_T_GUEST)
			put(v, i, c12->field[i]);
	uint32_t entry = (uint32_t)C12(ENTRY_CTLS);
	bool ia32e = entry & ENTRY_CTL_IA32E;

	cr_pair(v, VMCS12_CR0_GUEST_HOST_MASK, VMCS12_CR0_READ_SHADOW, VMCS12_GUEST_CR0, c12,
		l0->cr0_mask, l0->cr0_must1);
	cr_pair(v, VMCS12_CR4_GUEST_HOST_MASK, VMCS12_CR4_READ_SHADOW, VMCS12_GUEST_CR4, c12,
		l0->cr4_mask, l0->cr4_must1);
	/* 27.3.2.1: DR7/DEBUGCTL from VMCS12 with "load debug controls",
	 * else L1's stay. */
	bool dbg = entry & ENTRY_CTL_LOAD_DEBUG;
	PUT(GUEST_DR7, dbg ? C12(GUEST_DR7) : l0->l1_dr7);
	PUT(GUEST_IA32_DEBUGCTL, dbg ? C12(GUEST_IA32_DEBUGCTL) : l0->l1_debugctl);
	/* 27.3.2.1: PAT with "load IA32_PAT", else L1's. */
	PUT(GUEST_IA32_PAT, (entry & ENTRY_CTL_LOAD_PAT) ? C12(GUEST_IA32_PAT) : l0->l1_pat);
	/* 27.3.2.1: EFER with "load IA32_EFER"; else L1's with LMA = IA-32e
	 * mode guest, and LME too when the guest CR0.PG is 1. */
	uint64_t efer = C12(GUEST_IA32_EFER);
	if (!(entry & ENTRY_CTL_LOAD_EFER)) {
		efer = l0->l1_efer & ~(uint64_t)EFER_LMA;
		if (ia32e)
			efer |= EFER_LMA;
		if (C12(GUEST_CR0) & CR0_PG)
			efer = (efer & ~(uint64_t)EFER_LME) | (ia32e ? EFER_LME : 0);
	}
	PUT(GUEST_IA32_EFER, efer);
	v->activity = activity(c12);
	PUT(GUEST_ACTIVITY_STATE, 0);
	/* 25.4.2: vmcs02 is not shadowed: link pointer all ones. */
	PUT(VMCS_LINK_POINTER, ~0ull);
	/* 27.3.2.4: with EPT in vmcs02 a PAE guest's PDPTEs come from the
	 * VMCS fields. L1 with EPT set them for L2 (the CPU would have used
	 * them); L1 without EPT expects them read from L2's CR3, which L0
	 * must do (through L1's memory) before entry. */
	bool pae = (C12(GUEST_CR0) & CR0_PG) && (C12(GUEST_CR4) & CR4_PAE) && !ia32e;
	bool l1_ept = (C12(PROC_BASED_CTLS) & PROC_SECONDARY) && (C12(PROC_BASED_CTLS2) & PROC2_EPT);
	v->pdptes_from_cr3 = pae && !l1_ept;
	/* 25.5.1 preemption timer value: only when L1 activated the timer. */
	if (!(C12(PIN_BASED_CTLS) & PIN_PREEMPTION_TIMER))
		v->set[VMCS12_PREEMPTION_TIMER_VALUE] = false;
}

void vmx_vmcs02_build(struct vmcs02 *v, const struct vmcs12 *c12, const struct vmx_l0_needs *l0)
{
	*v = (struct vmcs02){ 0 };
	controls(v, c12, l0);
	guest_state(v, c12, l0);
	if (v->pdptes_from_cr3) {
		v->set[VMCS12_GUEST_PDPTE0] = v->set[VMCS12_GUEST_PDPTE1] = false;
		v->set[VMCS12_GUEST_PDPTE2] = v->set[VMCS12_GUEST_PDPTE3] = false;
	}
}

void vmx_bitmap02(uint8_t *dst, const uint8_t *l0, const uint8_t *l1, size_t len, bool l1_all)
{
	for (size_t i = 0; i < len; i++)
		dst[i] = l0[i] | (l1 ? l1[i] : l1_all ? 0xff : 0);
}

/*
 * vmx_caps.c - L1's VMX capability MSRs (see vmx_caps.h).
 */
#include "nested/vmx_caps.h"
#include "hv/vmx/vmx_arch.h"
#include "nested/vmcs12.h"

/* Controls the nested VMX emulation supports (SDM 3C 25.6-25.8). */
#define OFFER_PIN (PIN_EXTINT_EXITING | PIN_NMI_EXITING | PIN_VIRTUAL_NMIS)
#define OFFER_PROC                                                                                        \
	(PROC_INTR_WINDOW | PROC_TSC_OFFSETTING | PROC_HLT_EXITING | PROC_INVLPG_EXITING | PROC_MWAIT_EXITING | \
	 PROC_RDPMC_EXITING | PROC_RDTSC_EXITING | PROC_CR3_LOAD_EXITING | PROC_CR3_STORE_EXITING |            \
	 PROC_CR8_LOAD_EXITING | PROC_CR8_STORE_EXITING | PROC_NMI_WINDOW | PROC_MOV_DR_EXITING |               \
	 PROC_UNCOND_IO_EXITING | PROC_USE_IO_BITMAPS | PROC_USE_MSR_BITMAPS | PROC_MONITOR_EXITING |          \
	 PROC_PAUSE_EXITING | PROC_SECONDARY)
#define OFFER_EXIT                                                                                          \
	(EXIT_CTL_SAVE_DEBUG | EXIT_CTL_HOST_64 | EXIT_CTL_ACK_INTR | EXIT_CTL_SAVE_PAT | EXIT_CTL_LOAD_PAT | \
	 EXIT_CTL_SAVE_EFER | EXIT_CTL_LOAD_EFER)
#define OFFER_ENTRY (ENTRY_CTL_LOAD_DEBUG | ENTRY_CTL_IA32E | ENTRY_CTL_LOAD_PAT | ENTRY_CTL_LOAD_EFER)

static uint32_t host_may1(uint64_t cap) { return (uint32_t)(cap >> 32); }

/* A capability MSR: must-be-one bits low, may-be-one high. */
static uint64_t ctl_msr(uint32_t must1, uint32_t may1) { return ((uint64_t)(may1 | must1) << 32) | must1; }

void vmx_l1_caps_compute(const struct vmx_l1_host *h, struct vmx_l1_caps *c)
{
	const struct vmx_caps *v = h->vmx;
	/* Bits 30:0 revision, 44:32 region size 4096, 48 clear (physical
	 * addresses not limited to 32 bits), 53:50 write-back (6), 54 INS/OUTS
	 * information as the host reports it (Nestor passes it on), 55 TRUE
	 * controls (SDM 3D A.1). */
	c->basic = VMCS12_REVISION | (4096ull << 32) | (6ull << 50) | (v->basic & (1ull << 54)) | (1ull << 55);
	/* A default1 control the host requires is set in vmcs02 whatever L1
	 * chose, so L1's allowed-0 bits need not follow the host's. */
	uint32_t pin = OFFER_PIN & host_may1(v->pinbased);
	uint32_t proc = OFFER_PROC & host_may1(v->procbased);
	uint32_t exit = OFFER_EXIT & host_may1(v->exit_ctls);
	uint32_t entry = OFFER_ENTRY & host_may1(v->entry_ctls);
	c->pin = ctl_msr(VMX_PIN_DEFAULT1, pin);
	c->true_pin = ctl_msr(VMX_PIN_DEFAULT1, pin);
	c->proc = ctl_msr(VMX_PROC_DEFAULT1, proc);
	c->true_proc = ctl_msr(VMX_PROC_TRUE_DEFAULT1, proc);
	c->exit = ctl_msr(VMX_EXIT_DEFAULT1, exit);
	c->true_exit = ctl_msr(VMX_EXIT_TRUE_DEFAULT1, exit);
	c->entry = ctl_msr(VMX_ENTRY_DEFAULT1, entry);
	c->true_entry = ctl_msr(VMX_ENTRY_TRUE_DEFAULT1, entry);

	uint32_t proc2 = 0;
	if (v->secondary && v->ept && v->ept_4level && v->ept_wb) {
		proc2 |= PROC2_EPT;
		if (v->unrestricted)
			proc2 |= PROC2_UNRESTRICTED; /* only with EPT (SDM 3C 26.2.1.1) */
	}
	if (v->secondary && v->vpid && v->invvpid)
		proc2 |= PROC2_VPID;
	if (v->secondary && h->rdtscp && (host_may1(v->procbased2) & PROC2_RDTSCP))
		proc2 |= PROC2_RDTSCP;
	if (!(proc & PROC_SECONDARY))
		proc2 = 0;
	c->proc2 = (uint64_t)proc2 << 32;

	/* SDM 3D A.10: exec-only 0, 4-level walk 6, WB 14, 2M 16, 1G 17,
	 * INVEPT 20, single-context 25, all-context 26; INVVPID 32,
	 * individual-address 40, single 41, all 42, single keeping globals 43.
	 * EPT A/D flags (21) are not offered (not emulated yet). */
	uint64_t cap = 0;
	if (proc2 & PROC2_EPT) {
		cap |= (1ull << 6) | (1ull << 14) | (1ull << 20) | (1ull << 25) | (1ull << 26);
		if (v->ept_exec_only)
			cap |= 1ull << 0;
		if (v->ept_2m)
			cap |= 1ull << 16;
		if (v->ept_1g)
			cap |= 1ull << 17;
	}
	if (proc2 & PROC2_VPID)
		cap |= (1ull << 32) | (1ull << 40) | (1ull << 41) | (1ull << 42) | (1ull << 43);
	c->ept_vpid_cap = cap;

	/* SDM 3D A.6: bit 5 EFER.LMA stored into the IA-32e mode guest entry
	 * control on exit (required with unrestricted guest), bit 6 the HLT
	 * activity state, bits 24:16 four CR3-target values, bits 27:25 0
	 * (512 MSR-list entries recommended), bit 29 VMWRITE to exit
	 * information fields. No preemption timer is offered, so 4:0 are 0. */
	c->misc = (1ull << 5) | (1ull << 6) | (4ull << 16) | (1ull << 29);
	c->cr0_fixed0 = v->cr0_fixed0;
	c->cr0_fixed1 = v->cr0_fixed1;
	c->cr4_fixed0 = v->cr4_fixed0;
	c->cr4_fixed1 = (v->cr4_fixed1 & h->guest_cr4_allowed) | v->cr4_fixed0;
	c->vmcs_enum = vmcs12_enum_msr();
}

bool vmx_l1_caps_read(const struct vmx_l1_caps *c, uint32_t msr, uint64_t *val)
{
	switch (msr) {
	case MSR_IA32_VMX_BASIC: *val = c->basic; return true;
	case MSR_IA32_VMX_PINBASED_CTLS: *val = c->pin; return true;
	case MSR_IA32_VMX_PROCBASED_CTLS: *val = c->proc; return true;
	case MSR_IA32_VMX_EXIT_CTLS: *val = c->exit; return true;
	case MSR_IA32_VMX_ENTRY_CTLS: *val = c->entry; return true;
	case MSR_IA32_VMX_MISC: *val = c->misc; return true;
	case MSR_IA32_VMX_CR0_FIXED0: *val = c->cr0_fixed0; return true;
	case MSR_IA32_VMX_CR0_FIXED1: *val = c->cr0_fixed1; return true;
	case MSR_IA32_VMX_CR4_FIXED0: *val = c->cr4_fixed0; return true;
	case MSR_IA32_VMX_CR4_FIXED1: *val = c->cr4_fixed1; return true;
	case MSR_IA32_VMX_VMCS_ENUM: *val = c->vmcs_enum; return true;
	case MSR_IA32_VMX_TRUE_PINBASED_CTLS: *val = c->true_pin; return true;
	case MSR_IA32_VMX_TRUE_PROCBASED_CTLS: *val = c->true_proc; return true;
	case MSR_IA32_VMX_TRUE_EXIT_CTLS: *val = c->true_exit; return true;
	case MSR_IA32_VMX_TRUE_ENTRY_CTLS: *val = c->true_entry; return true;
	/* Present only if the control that enables its feature may be 1
	 * (SDM 3D A.3.3, A.10, A.11). */
	case MSR_IA32_VMX_PROCBASED_CTLS2:
		if (!((c->proc >> 32) & PROC_SECONDARY))
			return false;
		*val = c->proc2;
		return true;
	case MSR_IA32_VMX_EPT_VPID_CAP:
		if (!(c->proc2 & ((uint64_t)(PROC2_EPT | PROC2_VPID) << 32)))
			return false;
		*val = c->ept_vpid_cap;
		return true;
	default:
		return false; /* VMFUNC, PROCBASED_CTLS3: their features are not offered */
	}
}

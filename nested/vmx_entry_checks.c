/*
 * vmx_entry_checks.c - VM-entry checks on VMX controls and host state
 * (see vmx_entry_checks.h). Numbers in comments are bits of the fields
 * named in SDM Vol 3C chapter 25 ("Virtual Machine Control Structures").
 */
#include "nested/vmx_entry_checks.h"
#include "hv/vmx/vmx_arch.h"
#include "hv/x86/asm.h"

#define F VMCS12_F


bool vmx_addr_fits(uint64_t addr, uint8_t maxphyaddr) { return maxphyaddr >= 64 || !(addr >> maxphyaddr); }

bool vmx_canonical(uint64_t addr) { return (uint64_t)((int64_t)(addr << 16) >> 16) == addr; }

bool vmx_pat_valid(uint64_t pat)
{
	/* Each byte one of UC 0, WC 1, WT 4, WP 5, WB 6, UC- 7 (SDM 3A 12.12.2). */
	for (unsigned i = 0; i < 8; i++) {
		unsigned t = (pat >> (8 * i)) & 0xff;
		if (t == 2 || t == 3 || t > 7)
			return false;
	}
	return true;
}

static struct vmx_check_result fail(int error, const char *what)
{
	struct vmx_check_result r = { error, 0, what };
	return r;
}
#define CTL_FAIL(what) fail(VMXERR_ENTRY_BAD_CONTROLS, what)
#define HOST_FAIL(what) fail(VMXERR_ENTRY_BAD_HOST_STATE, what)

/* A 4-KiB-aligned page address within the physical-address width. */
static bool page_addr_ok(uint64_t a, uint8_t maxphyaddr) { return !(a & 0xfff) && vmx_addr_fits(a, maxphyaddr); }

/* An MSR list of count 16-byte entries at addr (SDM 3C: 16-byte aligned,
 * the last byte within the physical-address width). */
static bool msr_list_ok(uint64_t addr, uint64_t count, uint8_t maxphyaddr)
{
	if (!count)
		return true;
	return !(addr & 0xf) && vmx_addr_fits(addr + count * 16 - 1, maxphyaddr) && addr + count * 16 - 1 >= addr;
}

/* EPTP (SDM 3C 25.6.11): memory type 2:0 UC (0) or WB (6) as offered,
 * 5:3 the walk length minus one (4-level: 3), 6 A/D only if offered,
 * 11:7 reserved, the address within the width. */
bool vmx_eptp_valid(uint64_t eptp, uint64_t cap, uint8_t maxphyaddr)
{
	unsigned type = eptp & 7;
	if (!((type == 0 && (cap & (1ull << 8))) || (type == 6 && (cap & (1ull << 14)))))
		return false;
	if (((eptp >> 3) & 7) != 3 || !(cap & (1ull << 6)))
		return false;
	if ((eptp & (1ull << 6)) && !(cap & (1ull << 21)))
		return false;
	return !(eptp & 0xf80) && vmx_addr_fits(eptp, maxphyaddr);
}

/* The VM-entry interruption-information field (SDM 3C 25.8.3 and the
 * entry-control checks). */
static const char *entry_event_bad(const struct vmcs12 *v, uint32_t proc2)
{
	uint32_t info = (uint32_t)F(v, ENTRY_INTR_INFO);
	if (!(info & (1u << 31)))
		return 0;
	unsigned vector = info & 0xff, type = (info >> 8) & 7;
	bool has_error = info & (1u << 11);
	if (info & 0x7ffff000u)
		return "VM-entry interruption information: reserved bits 30:12 set";
	/* Type 1 is reserved; 7 (other event) needs the monitor trap flag,
	 * which is not offered. */
	if (type == 1 || type == 7)
		return "VM-entry interruption information: reserved interruption type";
	if (type == 2 && vector != 2)
		return "VM-entry interruption information: NMI with a vector other than 2";
	if (type == 3 && vector > 31)
		return "VM-entry interruption information: hardware exception with a vector above 31";
	bool pe = (F(v, GUEST_CR0) & CR0_PE) || !(proc2 & PROC2_UNRESTRICTED);
	bool wants_error = pe && type == 3 &&
			   (vector == 8 || vector == 10 || vector == 11 || vector == 12 || vector == 13 ||
			    vector == 14 || vector == 17);
	if (has_error != wants_error)
		return "VM-entry interruption information: deliver-error-code bit does not match the event";
	if (has_error && (F(v, ENTRY_EXCEPTION_ERROR_CODE) & 0xffff0000u))
		return "VM-entry exception error code: bits 31:16 set";
	/* Software interrupts and exceptions: a length of 1-15 (a length of
	 * 0 only with IA32_VMX_MISC bit 30, not offered). */
	if ((type == 4 || type == 5 || type == 6) && (F(v, ENTRY_INSTRUCTION_LEN) < 1 || F(v, ENTRY_INSTRUCTION_LEN) > 15))
		return "VM-entry instruction length not in 1-15 for a software event";
	return 0;
}

struct vmx_check_result vmx_check_controls(const struct vmcs12 *v, const struct vmx_entry_ctx *c)
{
	const struct vmx_l1_caps *k = c->caps;
	uint8_t w = c->maxphyaddr;
	uint32_t pin = (uint32_t)F(v, PIN_BASED_CTLS), proc = (uint32_t)F(v, PROC_BASED_CTLS);
	uint32_t proc2 = (proc & PROC_SECONDARY) ? (uint32_t)F(v, PROC_BASED_CTLS2) : 0;
	uint32_t exit = (uint32_t)F(v, EXIT_CTLS), entry = (uint32_t)F(v, ENTRY_CTLS);

	/* VM-execution controls. */
	if (!vmx_ctl_fits(k->true_pin, pin))
		return CTL_FAIL("pin-based controls: a bit the capability MSR does not allow");
	if (!vmx_ctl_fits(k->true_proc, proc))
		return CTL_FAIL("primary processor-based controls: a bit the capability MSR does not allow");
	if ((proc & PROC_SECONDARY) && !vmx_ctl_fits(k->proc2, proc2))
		return CTL_FAIL("secondary processor-based controls: a bit the capability MSR does not allow");
	if (F(v, CR3_TARGET_COUNT) > ((k->misc >> 16) & 0x1ff))
		return CTL_FAIL("CR3-target count above the number IA32_VMX_MISC reports");
	if ((proc & PROC_USE_IO_BITMAPS) && (!page_addr_ok(F(v, IO_BITMAP_A), w) || !page_addr_ok(F(v, IO_BITMAP_B), w)))
		return CTL_FAIL("I/O-bitmap address not 4-KiB aligned or beyond the physical-address width");
	if ((proc & PROC_USE_MSR_BITMAPS) && !page_addr_ok(F(v, MSR_BITMAP), w))
		return CTL_FAIL("MSR-bitmap address not 4-KiB aligned or beyond the physical-address width");
	if (!(pin & PIN_NMI_EXITING) && (pin & PIN_VIRTUAL_NMIS))
		return CTL_FAIL("virtual NMIs without NMI exiting");
	if (!(pin & PIN_VIRTUAL_NMIS) && (proc & PROC_NMI_WINDOW))
		return CTL_FAIL("NMI-window exiting without virtual NMIs");
	if ((proc2 & PROC2_VPID) && !(F(v, VPID) & 0xffff))
		return CTL_FAIL("enable VPID with VPID 0");
	if ((proc2 & PROC2_EPT) && !vmx_eptp_valid(F(v, EPT_POINTER), k->ept_vpid_cap, w))
		return CTL_FAIL("EPT pointer: memory type, walk length, A/D bit or reserved bits");
	if ((proc2 & PROC2_UNRESTRICTED) && !(proc2 & PROC2_EPT))
		return CTL_FAIL("unrestricted guest without enable EPT");

	/* VM-exit controls. */
	if (!vmx_ctl_fits(k->true_exit, exit))
		return CTL_FAIL("VM-exit controls: a bit the capability MSR does not allow");
	if (!(pin & PIN_PREEMPTION_TIMER) && (exit & EXIT_CTL_SAVE_PREEMPT))
		return CTL_FAIL("save VMX-preemption timer value without the preemption timer");
	if (!msr_list_ok(F(v, EXIT_MSR_STORE_ADDR), F(v, EXIT_MSR_STORE_COUNT), w))
		return CTL_FAIL("VM-exit MSR-store list: address not 16-byte aligned or beyond the width");
	if (!msr_list_ok(F(v, EXIT_MSR_LOAD_ADDR), F(v, EXIT_MSR_LOAD_COUNT), w))
		return CTL_FAIL("VM-exit MSR-load list: address not 16-byte aligned or beyond the width");

	/* VM-entry controls. */
	if (!vmx_ctl_fits(k->true_entry, entry))
		return CTL_FAIL("VM-entry controls: a bit the capability MSR does not allow");
	const char *bad = entry_event_bad(v, proc2);
	if (bad)
		return CTL_FAIL(bad);
	if (!msr_list_ok(F(v, ENTRY_MSR_LOAD_ADDR), F(v, ENTRY_MSR_LOAD_COUNT), w))
		return CTL_FAIL("VM-entry MSR-load list: address not 16-byte aligned or beyond the width");
	if (entry & (ENTRY_CTL_SMM | ENTRY_CTL_DUAL_MONITOR))
		return CTL_FAIL("entry to SMM / deactivate dual-monitor treatment outside SMM");
	return fail(0, 0);
}

static bool fixed_ok(uint64_t val, uint64_t fixed0, uint64_t fixed1)
{
	return (val & fixed0) == fixed0 && (val & ~fixed1) == 0;
}

struct vmx_check_result vmx_check_host_state(const struct vmcs12 *v, const struct vmx_entry_ctx *c)
{
	const struct vmx_l1_caps *k = c->caps;
	uint32_t exit = (uint32_t)F(v, EXIT_CTLS), entry = (uint32_t)F(v, ENTRY_CTLS);
	bool host64 = exit & EXIT_CTL_HOST_64;
	uint64_t cr4 = F(v, HOST_CR4);

	/* Control registers and MSRs. Bits 63:32 of CR0/CR4 are reserved
	 * (FIXED1 reports only the low half). */
	if (!fixed_ok(F(v, HOST_CR0), k->cr0_fixed0, k->cr0_fixed1 & 0xffffffffull))
		return HOST_FAIL("host CR0: a bit fixed in VMX operation (IA32_VMX_CR0_FIXED0/1)");
	if (!fixed_ok(cr4, k->cr4_fixed0, k->cr4_fixed1 & 0xffffffffull))
		return HOST_FAIL("host CR4: a bit fixed in VMX operation (IA32_VMX_CR4_FIXED0/1)");
	if (!vmx_addr_fits(F(v, HOST_CR3), c->maxphyaddr))
		return HOST_FAIL("host CR3 beyond the physical-address width");
	if (!vmx_canonical(F(v, HOST_SYSENTER_ESP)) || !vmx_canonical(F(v, HOST_SYSENTER_EIP)))
		return HOST_FAIL("host IA32_SYSENTER_ESP/EIP not canonical");
	if ((exit & EXIT_CTL_LOAD_PAT) && !vmx_pat_valid(F(v, HOST_IA32_PAT)))
		return HOST_FAIL("host IA32_PAT: a byte that is not a memory type");
	if (exit & EXIT_CTL_LOAD_EFER) {
		uint64_t efer = F(v, HOST_IA32_EFER);
		if (efer & ~(uint64_t)(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE))
			return HOST_FAIL("host IA32_EFER: reserved bits set");
		if (!!(efer & EFER_LMA) != host64 || !!(efer & EFER_LME) != host64)
			return HOST_FAIL("host IA32_EFER: LMA/LME differ from host address-space size");
	}

	/* Selectors: RPL and TI 0; CS and TR not null; SS not null unless
	 * the host is 64-bit. */
	static const enum vmcs12_index sels[] = {
		VMCS12_HOST_ES_SEL, VMCS12_HOST_CS_SEL, VMCS12_HOST_SS_SEL, VMCS12_HOST_DS_SEL,
		VMCS12_HOST_FS_SEL, VMCS12_HOST_GS_SEL, VMCS12_HOST_TR_SEL,
	};
	for (unsigned i = 0; i < sizeof(sels) / sizeof(sels[0]); i++)
		if (v->field[sels[i]] & 7)
			return HOST_FAIL("host selector with RPL or TI set");
	if (!F(v, HOST_CS_SEL) || !F(v, HOST_TR_SEL))
		return HOST_FAIL("host CS or TR selector null");
	if (!host64 && !F(v, HOST_SS_SEL))
		return HOST_FAIL("host SS selector null with a 32-bit host");
	if (!vmx_canonical(F(v, HOST_FS_BASE)) || !vmx_canonical(F(v, HOST_GS_BASE)) ||
	    !vmx_canonical(F(v, HOST_GDTR_BASE)) || !vmx_canonical(F(v, HOST_IDTR_BASE)) ||
	    !vmx_canonical(F(v, HOST_TR_BASE)))
		return HOST_FAIL("host FS/GS/GDTR/IDTR/TR base not canonical");

	/* Address-space size. */
	if (!c->l1_long_mode) {
		if (host64 || (entry & ENTRY_CTL_IA32E))
			return HOST_FAIL("host address-space size or IA-32e mode guest set outside IA-32e mode");
	} else if (!host64) {
		return HOST_FAIL("host address-space size clear in IA-32e mode");
	}
	if (!host64) {
		if ((cr4 & (1ull << 17)) || (F(v, HOST_RIP) >> 32))
			return HOST_FAIL("32-bit host with CR4.PCIDE set or RIP above 4 GiB");
	} else if (!(cr4 & CR4_PAE) || !vmx_canonical(F(v, HOST_RIP))) {
		return HOST_FAIL("64-bit host with CR4.PAE clear or a non-canonical RIP");
	}
	return fail(0, 0);
}

/*
 * vmx_exit.c - VMX exits as the vendor-neutral struct vm_exit, and the
 * control-register exits the backend owns (Intel SDM Vol 3C ch. 28,
 * basic exit reasons in Vol 3D appendix C).
 */
#include "drivers/console.h"
#include "hv/lib/string.h"
#include "hv/vm.h"
#include "hv/vmx/vmx.h"
#include "hv/x86/asm.h"

/* The SDM's names (Vol 3D appendix C, table C-1). */
static const char *const exit_names[VMX_EXIT_REASON_MAX] = {
	[0] = "exception or NMI",
	[1] = "external interrupt",
	[2] = "triple fault",
	[3] = "INIT signal",
	[4] = "start-up IPI",
	[5] = "I/O SMI",
	[6] = "other SMI",
	[7] = "interrupt window",
	[8] = "NMI window",
	[9] = "task switch",
	[10] = "CPUID",
	[11] = "GETSEC",
	[12] = "HLT",
	[13] = "INVD",
	[14] = "INVLPG",
	[15] = "RDPMC",
	[16] = "RDTSC",
	[17] = "RSM",
	[18] = "VMCALL",
	[19] = "VMCLEAR",
	[20] = "VMLAUNCH",
	[21] = "VMPTRLD",
	[22] = "VMPTRST",
	[23] = "VMREAD",
	[24] = "VMRESUME",
	[25] = "VMWRITE",
	[26] = "VMXOFF",
	[27] = "VMXON",
	[28] = "control-register access",
	[29] = "MOV DR",
	[30] = "I/O instruction",
	[31] = "RDMSR",
	[32] = "WRMSR",
	[33] = "VM-entry failure due to invalid guest state",
	[34] = "VM-entry failure due to MSR loading",
	[36] = "MWAIT",
	[37] = "monitor trap flag",
	[39] = "MONITOR",
	[40] = "PAUSE",
	[41] = "VM-entry failure due to machine-check event",
	[43] = "TPR below threshold",
	[44] = "APIC access",
	[45] = "virtualized EOI",
	[46] = "access to GDTR or IDTR",
	[47] = "access to LDTR or TR",
	[48] = "EPT violation",
	[49] = "EPT misconfiguration",
	[50] = "INVEPT",
	[51] = "RDTSCP",
	[52] = "VMX-preemption timer expired",
	[53] = "INVVPID",
	[54] = "WBINVD or WBNOINVD",
	[55] = "XSETBV",
	[56] = "APIC write",
	[57] = "RDRAND",
	[58] = "INVPCID",
	[59] = "VMFUNC",
	[60] = "ENCLS",
	[61] = "RDSEED",
	[62] = "page-modification log full",
	[63] = "XSAVES",
	[64] = "XRSTORS",
	[66] = "SPP-related event",
	[67] = "UMWAIT",
	[68] = "TPAUSE",
	[69] = "LOADIWKEY",
};

const char *vmx_exit_name(uint32_t basic)
{
	if (basic == VMX_HW_REASON_VMFAIL)
		return "VMLAUNCH/VMRESUME failed (VMfail)";
	return basic < VMX_EXIT_REASON_MAX && exit_names[basic] ? exit_names[basic] : "unknown";
}

/* VM-instruction error numbers (SDM 3C 31.4, table 31-1), as the
 * log line of a failed entry. */
const char *vmx_insn_error_name(unsigned n)
{
	switch (n) {
	case 4: return "VMfailValid: VMLAUNCH with non-clear VMCS";
	case 5: return "VMfailValid: VMRESUME with non-launched VMCS";
	case 7: return "VMfailValid: VM entry with invalid control field(s)";
	case 8: return "VMfailValid: VM entry with invalid host-state field(s)";
	case 26: return "VMfailValid: VM entry with events blocked by MOV SS";
	}
	return "VMfailValid";
}

/* An event the exit interrupted (SDM 3C 28.2.4) is delivered again on
 * the next entry, unless a handler injects something else first. */
static void reinject_vectoring_event(void)
{
	uint32_t idt = (uint32_t)vmread(VMCS_IDT_VECTORING_INFO);
	if (!(idt & INTR_INFO_VALID))
		return;
	vmwrite(VMCS_ENTRY_INTR_INFO, idt & ~(1u << 12)); /* bit 12 is undefined here */
	if (idt & INTR_INFO_ERROR_VALID)
		vmwrite(VMCS_ENTRY_EXCEPTION_ERROR_CODE, vmread(VMCS_IDT_VECTORING_ERROR_CODE));
	unsigned type = (idt >> INTR_TYPE_SHIFT) & 7;
	if (type == INTR_TYPE_SW_INT || type == INTR_TYPE_PRIV_SW_EXCEPTION || type == INTR_TYPE_SW_EXCEPTION)
		vmwrite(VMCS_ENTRY_INSTRUCTION_LEN, vmread(VMCS_EXIT_INSTRUCTION_LEN));
}

void vmx_translate_exit(struct vcpu *v, struct vm_exit *e)
{
	uint32_t full = (uint32_t)vmread(VMCS_EXIT_REASON);
	uint32_t basic = full & 0xffff;
	/* Field by field, not memset: this runs on every exit. */
	e->hw_reason = basic;
	e->info2 = 0;
	e->gpa = 0;
	e->gla = 0;
	e->gla_valid = false;
	e->access = 0;
	e->insn_len = 0;
	e->qual = vmread(VMCS_EXIT_QUALIFICATION);
	e->rip = vmread(VMCS_GUEST_RIP);
	if (full & VMX_EXIT_REASON_ENTRY_FAILURE) {
		e->reason = EXIT_ENTRY_FAILED;
		e->info2 = full;
		return;
	}
	reinject_vectoring_event();

	switch (basic) {
	case VMX_EXIT_CPUID:
	case VMX_EXIT_HLT:
	case VMX_EXIT_VMCALL:
	case VMX_EXIT_RDMSR:
	case VMX_EXIT_WRMSR:
	case VMX_EXIT_IO:
	case VMX_EXIT_CR_ACCESS:
		e->insn_len = (uint32_t)vmread(VMCS_EXIT_INSTRUCTION_LEN);
		break;
	}

	switch (basic) {
	case VMX_EXIT_EXCEPTION_NMI: {
		uint32_t info = (uint32_t)vmread(VMCS_EXIT_INTR_INFO);
		e->info2 = info;
		if (((info >> INTR_TYPE_SHIFT) & 7) == INTR_TYPE_NMI) {
			/* A host NMI (NMI exiting); nothing sends NMIs yet. */
			e->reason = EXIT_EXTINT;
			break;
		}
		e->reason = EXIT_EXCEPTION;
		e->u.exc.vector = (uint8_t)info;
		e->u.exc.has_error = info & INTR_INFO_ERROR_VALID;
		e->u.exc.error = e->u.exc.has_error ? (uint32_t)vmread(VMCS_EXIT_INTR_ERROR_CODE) : 0;
		break;
	}
	case VMX_EXIT_EXTINT:
		e->reason = EXIT_EXTINT;
		break;
	case VMX_EXIT_TRIPLE_FAULT:
		e->reason = EXIT_TRIPLE_FAULT;
		break;
	case VMX_EXIT_INIT:
		e->reason = EXIT_INIT;
		break;
	case VMX_EXIT_SIPI:
		e->reason = EXIT_SIPI;
		break;
	case VMX_EXIT_CPUID:
		e->reason = EXIT_CPUID;
		break;
	case VMX_EXIT_HLT:
		e->reason = EXIT_HLT;
		break;
	case VMX_EXIT_VMCALL:
		e->reason = EXIT_HYPERCALL;
		break;
	case VMX_EXIT_RDMSR:
	case VMX_EXIT_WRMSR:
		e->reason = basic == VMX_EXIT_RDMSR ? EXIT_RDMSR : EXIT_WRMSR;
		e->u.msr.msr = (uint32_t)v->gpr[GPR_RCX];
		break;
	case VMX_EXIT_IO:
		e->reason = EXIT_IO;
		vmx_decode_io(e->qual, (uint32_t)vmread(VMCS_EXIT_INSTRUCTION_INFO), vmx_ins_outs_info(),
			      (uint32_t)vmread(VMCS_GUEST_CS_AR), e);
		break;
	case VMX_EXIT_CR_ACCESS:
		/* Exit qualification for CR accesses (SDM 3C table 28-3). */
		e->reason = EXIT_CR_ACCESS;
		vmx_decode_cr(e->qual, e);
		break;
	case VMX_EXIT_INVALID_GUEST_STATE:
	case VMX_EXIT_MSR_LOADING:
	case VMX_EXIT_MACHINE_CHECK:
		e->reason = EXIT_ENTRY_FAILED;
		break;
	case VMX_EXIT_EPT_VIOLATION:
		/* Qualification bit 7: the guest-linear address is valid
		 * (SDM 3C table 28-7). */
		e->reason = EXIT_TDP_FAULT;
		e->gpa = vmread(VMCS_GUEST_PHYSICAL_ADDRESS);
		e->gla_valid = (e->qual >> 7) & 1;
		if (e->gla_valid)
			e->gla = vmread(VMCS_GUEST_LINEAR_ADDRESS);
		/* Bits 2:0: the access was a read, a write, a fetch. */
		e->access = (e->qual & 2) ? EXIT_ACCESS_WRITE : (e->qual & 4) ? EXIT_ACCESS_FETCH : EXIT_ACCESS_READ;
		break;
	case VMX_EXIT_EPT_MISCONFIG:
		e->reason = EXIT_TDP_MISCONFIG;
		e->gpa = vmread(VMCS_GUEST_PHYSICAL_ADDRESS);
		break;
	case VMX_EXIT_PREEMPTION_TIMER:
		e->reason = EXIT_PREEMPT;
		break;
	case VMX_EXIT_VMCLEAR ... VMX_EXIT_VMXON:
	case VMX_EXIT_INVEPT:
	case VMX_EXIT_INVVPID:
	case VMX_EXIT_VMFUNC:
		e->reason = EXIT_VIRT_INSN;
		break;
	default:
		e->reason = EXIT_UNHANDLED;
		break;
	}
}

static bool guest_64bit_code(void)
{
	return (vmread(VMCS_GUEST_IA32_EFER) & EFER_LMA) && ((vmread(VMCS_GUEST_CS_AR) >> 13) & 1);
}

static void inject_gp(struct vcpu *v) { virt_ops->inject_exception(v, 13, true, 0); }

void vmx_sync_paging_mode(struct vcpu *v)
{
	uint64_t efer = vmread(VMCS_GUEST_IA32_EFER);
	uint64_t cr0 = vmread(VMCS_GUEST_CR0), cr4 = vmread(VMCS_GUEST_CR4);
	uint64_t entry = vmread(VMCS_ENTRY_CTLS);
	/* IA32_EFER.LMA = LME && CR0.PG (SDM 3A 9.8.5), and the IA-32e mode
	 * guest entry control must equal LMA (SDM 3C 27.3.1.1). */
	bool lma = (efer & EFER_LME) && (cr0 & CR0_PG);
	efer = lma ? efer | EFER_LMA : efer & ~(uint64_t)EFER_LMA;
	entry = lma ? entry | ENTRY_CTL_IA32E : entry & ~(uint64_t)ENTRY_CTL_IA32E;
	vmwrite(VMCS_GUEST_IA32_EFER, efer);
	vmwrite(VMCS_ENTRY_CTLS, entry);
	/* PAE paging outside IA-32e mode: with EPT, VM entry loads the PDPTEs
	 * from the VMCS (SDM 3C 27.3.2.4); a MOV to CR0/CR3/CR4 the backend
	 * emulates must load them as the CPU would (SDM 3A 4.4.1). */
	if ((cr0 & CR0_PG) && (cr4 & CR4_PAE) && !lma) {
		uint64_t cr3 = vmread(VMCS_GUEST_CR3);
		const uint64_t *pdpt = vm_gpa_ptr(v->vm, cr3 & 0xffffffe0ull, 32);
		for (unsigned i = 0; i < 4; i++)
			vmwrite((enum vmcs_field)(VMCS_GUEST_PDPTE0 + 2 * i), pdpt ? pdpt[i] : 0);
	}
}

static void skip(struct vcpu *v, const struct vm_exit *e) { virt_ops->set_rip(v, e->rip + e->insn_len); }

static bool mov_to_cr0(struct vcpu *v, uint64_t val)
{
	struct vmx_vcpu *s = VX(v);
	uint64_t efer = vmread(VMCS_GUEST_IA32_EFER), cr4 = vmread(VMCS_GUEST_CR4);
	/* #GP conditions of MOV to CR0 (SDM 2B "MOV-Move to/from Control Registers"). */
	if ((val >> 32) || ((val & CR0_PG) && !(val & CR0_PE)) || ((val & CR0_NW) && !(val & CR0_CD)) ||
	    ((val & CR0_PG) && (efer & EFER_LME) && !(cr4 & CR4_PAE)))
		return false;
	vmwrite(VMCS_CR0_READ_SHADOW, val);
	vmwrite(VMCS_GUEST_CR0, vmx_cr0_real(vmx_crfix(), val));
	vmx_sync_paging_mode(v);
	s->flush_pending = true;
	return true;
}

static bool mov_to_cr4(struct vcpu *v, uint64_t val)
{
	struct vmx_vcpu *s = VX(v);
	if ((val & ~vmx_cr4_allowed()) || ((vmread(VMCS_GUEST_IA32_EFER) & EFER_LMA) && !(val & CR4_PAE)))
		return false;
	vmwrite(VMCS_CR4_READ_SHADOW, val);
	vmwrite(VMCS_GUEST_CR4, vmx_cr4_real(vmx_crfix(), val));
	vmx_sync_paging_mode(v);
	s->flush_pending = true;
	return true;
}

bool vmx_handle_cr_access(struct vcpu *v, const struct vm_exit *e)
{
	unsigned type = (e->qual >> 4) & 3, cr = e->u.cr.cr, gpr = e->u.cr.gpr; /* vmx_decode_cr */
	if (type == 0) { /* MOV to CR */
		uint64_t val = v->gpr[gpr];
		if (!guest_64bit_code())
			val &= 0xffffffffull;
		bool ok;
		switch (cr) {
		case 0: ok = mov_to_cr0(v, val); break;
		case 4: ok = mov_to_cr4(v, val); break;
		case 3:
			vmwrite(VMCS_GUEST_CR3, val & ~(1ull << 63));
			vmx_sync_paging_mode(v);
			VX(v)->flush_pending = true;
			ok = true;
			break;
		default: return false;
		}
		if (ok)
			skip(v, e);
		else
			inject_gp(v);
		return true;
	}
	if (type == 1 && cr == 3) { /* MOV from CR3 (CR3-store exiting forced on) */
		uint64_t val = vmread(VMCS_GUEST_CR3);
		v->gpr[gpr] = guest_64bit_code() ? val : (uint32_t)val;
		skip(v, e);
		return true;
	}
	return false;
}

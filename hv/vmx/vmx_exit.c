/*
 * vmx_exit.c - VMX exits as the vendor-neutral struct vm_exit (Intel SDM
 * Vol 3C ch. 28, basic exit reasons in Vol 3D appendix C). Translation
 * only reads the VMCS; events are vmx_events.c's.
 */
#include "drivers/console.h"
#include "hv/lib/string.h"
#include "hv/core/vm.h"
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
		e->u.cr.lm64 = (vmread(VMCS_GUEST_IA32_EFER) & EFER_LMA) && ((vmread(VMCS_GUEST_CS_AR) >> 13) & 1);
		break;
	case VMX_EXIT_INTR_WINDOW:
		e->reason = EXIT_INTR_WINDOW;
		break;
	case VMX_EXIT_NMI_WINDOW:
		e->reason = EXIT_NMI_WINDOW;
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
		/* Bit 8 (with bit 7): 0 = an access to a paging-structure entry. */
		e->table_walk = e->gla_valid && !((e->qual >> 8) & 1);
		break;
	case VMX_EXIT_EPT_MISCONFIG:
		e->reason = EXIT_TDP_MISCONFIG;
		e->gpa = vmread(VMCS_GUEST_PHYSICAL_ADDRESS);
		e->table_walk = false; /* (not reported: the quick path checks the page offset) */
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


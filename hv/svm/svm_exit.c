/*
 * svm_exit.c - #VMEXIT information (AMD APM Vol 2 15.6, appendix C) to the
 * vendor-neutral exit record. Pure: no VMCB access, so host tests check
 * every decoding against the APM.
 */
#include "hv/svm/svm_exit.h"
#include "hv/svm/vmcb.h"

const char *svm_exit_name(uint32_t hw_reason)
{
	uint64_t code = hw_reason == 0xffffffffu ? SVM_EXIT_INVALID : hw_reason;
	switch (code) {
	case SVM_EXIT_INTR: return "INTR";
	case SVM_EXIT_NMI: return "NMI";
	case SVM_EXIT_SMI: return "SMI";
	case SVM_EXIT_INIT: return "INIT";
	case SVM_EXIT_VINTR: return "VINTR";
	case SVM_EXIT_IRET: return "IRET";
	case SVM_EXIT_CPUID: return "CPUID";
	case SVM_EXIT_INVD: return "INVD";
	case SVM_EXIT_HLT: return "HLT";
	case SVM_EXIT_INVLPGA: return "INVLPGA";
	case SVM_EXIT_IOIO: return "IOIO";
	case SVM_EXIT_MSR: return "MSR";
	case SVM_EXIT_TASK_SWITCH: return "TASK_SWITCH";
	case SVM_EXIT_SHUTDOWN: return "SHUTDOWN";
	case SVM_EXIT_VMRUN: return "VMRUN";
	case SVM_EXIT_VMMCALL: return "VMMCALL";
	case SVM_EXIT_VMLOAD: return "VMLOAD";
	case SVM_EXIT_VMSAVE: return "VMSAVE";
	case SVM_EXIT_STGI: return "STGI";
	case SVM_EXIT_CLGI: return "CLGI";
	case SVM_EXIT_SKINIT: return "SKINIT";
	case SVM_EXIT_MONITOR: return "MONITOR";
	case SVM_EXIT_MWAIT: return "MWAIT";
	case SVM_EXIT_XSETBV: return "XSETBV";
	case SVM_EXIT_NPF: return "NPF";
	case SVM_EXIT_INVALID: return "INVALID (VMRUN failed)";
	}
	if (code >= SVM_EXIT_EXCP_BASE && code < SVM_EXIT_EXCP_BASE + 32)
		return "EXCEPTION";
	if (code < 0x20)
		return "CR_ACCESS";
	return "unknown";
}

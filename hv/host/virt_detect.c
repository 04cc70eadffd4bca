/*
 * virt_detect.c - find VT-x (Intel SDM Vol 3C 24.6, 25, appendix A) or
 * AMD SVM (AMD APM Vol 2 15.4, CPUID Fn8000_000A), and the features Nestor
 * needs (EPT / NPT) or can use (VPID, unrestricted guest, NRIPS, ...).
 */
#include "hv/host/virt_detect.h"
#include "drivers/console.h"
#include "hv/lib/string.h"
#include "hv/x86/asm.h"

#define MSR_IA32_FEATURE_CONTROL 0x3a
#define FEATURE_CONTROL_LOCK (1u << 0)
#define FEATURE_CONTROL_VMX_OUTSIDE_SMX (1u << 2)
#define MSR_VMX_BASIC 0x480
#define MSR_VMX_PINBASED 0x481
#define MSR_VMX_PROCBASED 0x482
#define MSR_VMX_EXIT 0x483
#define MSR_VMX_ENTRY 0x484
#define MSR_VMX_MISC 0x485
#define MSR_VMX_CR0_FIXED0 0x486
#define MSR_VMX_CR0_FIXED1 0x487
#define MSR_VMX_CR4_FIXED0 0x488
#define MSR_VMX_CR4_FIXED1 0x489
#define MSR_VMX_PROCBASED2 0x48b
#define MSR_VMX_EPT_VPID_CAP 0x48c
#define MSR_VMX_TRUE_PINBASED 0x48d
#define MSR_VMX_TRUE_PROCBASED 0x48e
#define MSR_VMX_TRUE_EXIT 0x48f
#define MSR_VMX_TRUE_ENTRY 0x490
#define MSR_VM_CR 0xc0010114
#define VM_CR_LOCK (1u << 3)
#define VM_CR_SVMDIS (1u << 4)

/* allowed-1 settings are the high 32 bits of a capability MSR (SDM A.3). */
#define ALLOWED1(msr, bit) ((((msr) >> 32) >> (bit)) & 1)

static bool detect_vmx(struct virt_caps *c)
{
	if (!(cpuid(1, 0).ecx & (1u << 5)))
		return false;
	uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
	if (!(fc & FEATURE_CONTROL_LOCK)) {
		fc |= FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMX_OUTSIDE_SMX;
		wrmsr(MSR_IA32_FEATURE_CONTROL, fc);
	} else if (!(fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX)) {
		c->why_not = "VT-x is disabled in firmware (IA32_FEATURE_CONTROL is locked with VMX off): "
			     "enable \"Intel Virtualization Technology\" in the firmware setup";
		return false;
	}
	struct vmx_caps *v = &c->vmx;
	v->basic = rdmsr(MSR_VMX_BASIC);
	v->true_ctls = (v->basic >> 55) & 1;
	v->pinbased = rdmsr(v->true_ctls ? MSR_VMX_TRUE_PINBASED : MSR_VMX_PINBASED);
	v->procbased = rdmsr(v->true_ctls ? MSR_VMX_TRUE_PROCBASED : MSR_VMX_PROCBASED);
	v->exit_ctls = rdmsr(v->true_ctls ? MSR_VMX_TRUE_EXIT : MSR_VMX_EXIT);
	v->entry_ctls = rdmsr(v->true_ctls ? MSR_VMX_TRUE_ENTRY : MSR_VMX_ENTRY);
	v->misc = rdmsr(MSR_VMX_MISC);
	v->cr0_fixed0 = rdmsr(MSR_VMX_CR0_FIXED0);
	v->cr0_fixed1 = rdmsr(MSR_VMX_CR0_FIXED1);
	v->cr4_fixed0 = rdmsr(MSR_VMX_CR4_FIXED0);
	v->cr4_fixed1 = rdmsr(MSR_VMX_CR4_FIXED1);
	v->preemption_timer = ALLOWED1(v->pinbased, 6);
	v->secondary = ALLOWED1(v->procbased, 31);
	if (v->secondary) {
		v->procbased2 = rdmsr(MSR_VMX_PROCBASED2);
		v->ept = ALLOWED1(v->procbased2, 1);
		v->vpid = ALLOWED1(v->procbased2, 5);
		v->unrestricted = ALLOWED1(v->procbased2, 7);
		v->shadow_vmcs = ALLOWED1(v->procbased2, 14);
	}
	if (v->ept || v->vpid) {
		/* SDM Vol 3D A.10 "VPID and EPT capabilities". */
		uint64_t cap = v->ept_vpid_cap = rdmsr(MSR_VMX_EPT_VPID_CAP);
		v->ept_exec_only = cap & 1;
		v->ept_4level = (cap >> 6) & 1;
		v->ept_5level = (cap >> 7) & 1;
		v->ept_wb = (cap >> 14) & 1;
		v->ept_2m = (cap >> 16) & 1;
		v->ept_1g = (cap >> 17) & 1;
		v->invept = (cap >> 20) & 1;
		v->ept_ad = (cap >> 21) & 1;
		v->invvpid = (cap >> 32) & 1;
	}
	if (!v->ept || !v->ept_4level || !v->ept_wb) {
		c->why_not = "VT-x is present but without EPT (4-level, write-back), which Nestor requires: "
			     "use a CPU from Nehalem (2008) on, or in QEMU/KVM pass -cpu host";
		return false;
	}
	return true;
}

static bool detect_svm(struct virt_caps *c)
{
	if (cpuid(0x80000000, 0).eax < 0x8000000a || !(cpuid(0x80000001, 0).ecx & (1u << 2)))
		return false;
	uint64_t vmcr = rdmsr(MSR_VM_CR);
	if (vmcr & VM_CR_SVMDIS) {
		c->why_not = (vmcr & VM_CR_LOCK)
				     ? "AMD SVM is disabled in firmware (VM_CR.SVMDIS is locked): enable \"SVM Mode\" in the firmware setup"
				     : "AMD SVM is disabled (VM_CR.SVMDIS set)";
		return false;
	}
	struct svm_caps *s = &c->svm;
	struct cpuid_regs r = cpuid(0x8000000a, 0);
	s->revision = r.eax & 0xff;
	s->nasids = r.ebx;
	s->features = r.edx;
	s->npt = r.edx & (1u << 0);
	s->lbrv = r.edx & (1u << 1);
	s->nrips = r.edx & (1u << 3);
	s->vmcb_clean = r.edx & (1u << 5);
	s->flush_by_asid = r.edx & (1u << 6);
	s->decode_assists = r.edx & (1u << 7);
	s->pause_filter = r.edx & (1u << 10);
	s->vgif = r.edx & (1u << 16);
	if (!s->npt) {
		c->why_not = "AMD SVM is present but without NPT (CPUID 8000000A EDX[0]), which Nestor requires: "
			     "use a CPU from Barcelona (2007) on, or in QEMU pass -cpu max or -cpu host";
		return false;
	}
	return true;
}

void virt_detect(struct virt_caps *c)
{
	memset(c, 0, sizeof(*c));
	c->maxphyaddr = 36;
	if (cpuid(0x80000000, 0).eax >= 0x80000008)
		c->maxphyaddr = cpuid(0x80000008, 0).eax & 0xff;
	if (detect_vmx(c)) {
		c->vendor = VIRT_VMX;
		c->why_not = 0;
	} else if (detect_svm(c)) {
		c->vendor = VIRT_SVM;
		c->why_not = 0;
	} else if (!c->why_not) {
		c->why_not = "this CPU has neither Intel VT-x nor AMD SVM: enable virtualization in the firmware "
			     "setup, or when running Nestor nested in QEMU/KVM pass -cpu host (KVM) or -cpu max (TCG)";
	}
}

static const char *yn(bool b) { return b ? "yes" : "no"; }

void virt_print(const struct virt_caps *c)
{
	if (c->vendor == VIRT_VMX) {
		const struct vmx_caps *v = &c->vmx;
		log_info("virt", "Intel VT-x with EPT (revision %u%s)", (unsigned)(v->basic & 0x7fffffff),
			 v->true_ctls ? ", TRUE controls" : "");
		log_info("virt", "EPT: 4-level %s, 5-level %s, 2M %s, 1G %s, A/D %s, execute-only %s",
			 yn(v->ept_4level), yn(v->ept_5level), yn(v->ept_2m), yn(v->ept_1g), yn(v->ept_ad),
			 yn(v->ept_exec_only));
		log_info("virt", "VPID %s, unrestricted guest %s, preemption timer %s, VMCS shadowing %s",
			 yn(v->vpid), yn(v->unrestricted), yn(v->preemption_timer), yn(v->shadow_vmcs));
	} else if (c->vendor == VIRT_SVM) {
		const struct svm_caps *s = &c->svm;
		log_info("virt", "AMD SVM with NPT (revision %u, %u ASIDs)", s->revision, s->nasids);
		log_info("virt", "NRIPS %s, decode assists %s, flush-by-ASID %s, VMCB clean bits %s, VGIF %s",
			 yn(s->nrips), yn(s->decode_assists), yn(s->flush_by_asid), yn(s->vmcb_clean),
			 yn(s->vgif));
	}
	log_info("virt", "MAXPHYADDR %u", c->maxphyaddr);
}

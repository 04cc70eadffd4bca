/* virt_detect.h - which hardware virtualization this CPU offers. */
#ifndef NESTOR_VIRT_DETECT_H
#define NESTOR_VIRT_DETECT_H

#include <stdbool.h>
#include <stdint.h>

enum virt_vendor { VIRT_NONE, VIRT_VMX, VIRT_SVM };

struct vmx_caps {
	uint64_t basic, pinbased, procbased, procbased2, exit_ctls, entry_ctls;
	uint64_t ept_vpid_cap, misc, cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	bool true_ctls, secondary, ept, vpid, unrestricted, preemption_timer;
	bool ept_4level, ept_5level, ept_wb, ept_2m, ept_1g, ept_ad, ept_exec_only;
	bool invept, invvpid, shadow_vmcs;
};

struct svm_caps {
	uint32_t revision, nasids, features;
	bool npt, nrips, decode_assists, flush_by_asid, vgif, vmcb_clean, lbrv, pause_filter;
};

struct virt_caps {
	enum virt_vendor vendor;
	uint32_t maxphyaddr;
	struct vmx_caps vmx;
	struct svm_caps svm;
	/* When vendor == VIRT_NONE: why, in words a person can act on. */
	const char *why_not;
};

/* Probe the CPU (and, for VT-x, enable it in IA32_FEATURE_CONTROL if the
 * firmware left it unlocked). */
void virt_detect(struct virt_caps *caps);
/* One-line summaries for the boot log. */
void virt_print(const struct virt_caps *caps);

#endif

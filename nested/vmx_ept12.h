/*
 * vmx_ept12.h - L1's EPT (EPT12) as the guest dimension of the shared
 * walk, and the EPT violation or misconfiguration L1 receives from it
 * (pure, host-tested by tests/host/test_vmx_ept12.c).
 *
 * Same shape as nested SVM's NPT12 (nested/svm_npt.h on the nested-SVM
 * branch): for the walk engine an L2 guest-physical address is the
 * "linear" input, L1's EPT12 (in L1 memory) the guest dimension, L0's
 * EPT01 the TDP dimension, and nested_tdp02_fill() (nested/tdp02.h) maps
 * a successful walk into EPT02. A fault of the guest dimension is L1's.
 *
 * EPT12 is walked as EPT, not as x86 paging (SDM 3C 29.3): bits 2:0 are
 * R/W/X at every level, bits 6:3 of a leaf are its memory type and
 * ignore-PAT (never accessed/dirty), A/D are bits 8/9 and exist only when
 * L1 set EPTP bit 6 and was offered EPT A/D (IA32_VMX_EPT_VPID_CAP bit
 * 21); execute-only entries (bit 0 of the same MSR), 2 MiB (16) and
 * 1 GiB (17) pages only if offered, else misconfigurations.
 *
 * The exit qualification L1 sees (SDM 3C Table 28-7) is computed for the
 * access of THIS exit (struct vmx_l2_access) and L1's walk of it, never
 * from an earlier exit's qualification: after L0 turned a page into a
 * misconfiguration for its MMIO fast path, L2's write reaches L0 as an
 * EPT misconfiguration (no qualification at all); KVM once reflected the
 * earlier read's qualification then, and L1 kept fixing the wrong
 * permission.
 */
#ifndef NESTOR_NESTED_VMX_EPT12_H
#define NESTOR_NESTED_VMX_EPT12_H

#include <stdbool.h>
#include <stdint.h>

#include "mm/pgfmt.h"
#include "mm/walk.h"

/* IA32_VMX_EPT_VPID_CAP bits (SDM 3D A.10) that shape EPT12. */
#define EPTCAP_EXEC_ONLY (1ull << 0)
#define EPTCAP_2M (1ull << 16)
#define EPTCAP_1G (1ull << 17)
#define EPTCAP_AD (1ull << 21)

struct vmx_ept12_params {
	uint64_t eptp;         /* VMCS12 EPT pointer */
	uint64_t ept_vpid_cap; /* IA32_VMX_EPT_VPID_CAP as offered to L1 */
	uint8_t maxphyaddr;    /* L1's guest-physical address width */
};

/* Fill *f and the guest dimension g (format and root) for L1's EPT.
 * False when the EPTP is one VM entry refuses (vmx_eptp_valid). */
bool vmx_ept12_guest(struct walk_guest *g, struct pg_format *f, const struct vmx_ept12_params *p);

/* The L2 access that faulted in EPT02, as the exit that reports it
 * describes it. From an EPT violation: vmx_l2_access_from_violation().
 * From an EPT misconfiguration (L0's MMIO marker) there is no
 * qualification: L0's decode of L2's instruction gives the access and,
 * when it has it, the linear address. */
struct vmx_l2_access {
	uint32_t acc;     /* WALK_ACC_READ/WRITE/FETCH of the access */
	bool gla_valid;   /* a guest-linear address is known (bit 7) */
	bool final;       /* the final translation, not an L2 paging-structure access (bit 8) */
	bool nmi_unblock; /* NMI unblocking due to IRET (bit 12) */
	uint64_t gla;     /* guest-linear address when gla_valid */
};

/* Decode the hardware EPT-violation qualification of an EPT02 fault. */
struct vmx_l2_access vmx_l2_access_from_violation(uint64_t hw_qual, uint64_t hw_gla);

/* The access to walk EPT12 with for a: an access to one of L2's own
 * paging structures is a read, and also a write when EPT12 has A/D
 * (SDM 3C 29.3.3.2), whatever EPT02's A/D setting made the CPU report. */
uint32_t vmx_ept12_walk_access(const struct vmx_l2_access *a, const struct pg_format *ept12);

/* What L1 receives (the exit-information fields of SDM 3C 28.2.1). */
struct vmx_ept12_exit {
	uint32_t reason; /* VMX_EXIT_EPT_VIOLATION or VMX_EXIT_EPT_MISCONFIG */
	uint64_t qual;   /* violation: Table 28-7; misconfiguration: 0 */
	uint64_t gpa;    /* the L2 guest-physical address */
	uint64_t gla;    /* guest-linear address field (violation with bit 7 only, else 0) */
};

/*
 * L1's exit for a fault of its dimension: f is the fault record of the
 * EPT12 walk (dimension WALK_DIM_GUEST) made with
 * vmx_ept12_walk_access(a, ept12), l2gpa the address walked. False when
 * the fault is not L1's (another dimension, or L1's table not in memory:
 * the caller's, see nested_tdp_classify()).
 */
bool vmx_ept12_exit(const struct walk_fault *f, const struct vmx_l2_access *a,
		    const struct pg_format *ept12, uint64_t l2gpa, struct vmx_ept12_exit *out);

#endif

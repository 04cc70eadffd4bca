/*
 * svm_vmcb12.h - L1's VMCB (the "VMCB12": L1 runs L2 with it) as VMRUN
 * must judge it: copy first, then check, then sanitise (pure, host-tested
 * by tests/host/test_nested_svm.c, fuzzed by fuzz_vmcb12.c).
 *
 * Copy then check: the VMCB12 is L1 memory, which another L1 vCPU may
 * change while L0 looks at it, so everything is decided on a private copy
 * (svm_vmcb12_copy) and VMCB02 is built only from that copy.
 *
 * Check: every consistency check of AMD APM Vol 2 15.5.1 ("VMRUN:
 * Canonicalization and Consistency Checks") against the CPU L1 was offered
 * (struct svm_nested_caps); a failure is VMEXIT_INVALID into L1, never an
 * entry. Nothing stricter than hardware: TLB_CONTROL is not judged (every
 * value is accepted, a non-zero one flushes at least what it asks).
 *
 * Sanitise: control bits of features L1 was not offered are ignored, as a
 * CPU without those features ignores them: int_ctl keeps only V_TPR,
 * V_IRQ, V_INTR_PRIO, V_IGN_TPR, V_INTR_MASKING and V_INTR_VECTOR (never
 * AVIC, vGIF or vNMI state, which would be L0's); LBR virtualization and
 * virtual VMLOAD/VMSAVE are off; no SEV, AVIC or GHCB fields; clean bits
 * only when offered.
 */
#ifndef NESTOR_NESTED_SVM_VMCB12_H
#define NESTOR_NESTED_SVM_VMCB12_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/svm/vmcb.h"

/* Permission map sizes (APM Vol 2 15.10.1, 15.11); bits 11:0 of their
 * base addresses are ignored. */
#define SVM_IOPM_SIZE (12u * 1024)
#define SVM_MSRPM_SIZE (8u * 1024)
#define SVM_BITMAP_BASE_MASK (~0xfffull)

/* VMCB 0x090 (nested_ctl) bit 0; 0x0b8 bit 0 LBR virtualization, bit 1
 * virtual VMLOAD/VMSAVE (APM table B-1). */
#define SVM_NESTED_CTL_NP (1ull << 0)
#define SVM_LBR_VIRT_ENABLE (1ull << 0)
#define SVM_VIRT_VMLOAD_VMSAVE (1ull << 1)

/* int_ctl (VMCB 0x060) fields L1 may set for L2 (APM 15.21.1, table B-1). */
#define SVM_VINTR_V_TPR 0xfull
#define SVM_VINTR_V_INTR_PRIO (0xfull << 16)
#define SVM_VINTR_V_INTR_VECTOR (0xffull << 32)
#define SVM_VINTR_L1_BITS (SVM_VINTR_V_TPR | SVM_VINTR_V_IRQ | SVM_VINTR_V_INTR_PRIO | SVM_VINTR_V_IGN_TPR | \
			   SVM_VINTR_MASKING | SVM_VINTR_V_INTR_VECTOR)

/* EVENTINJ types (APM 15.20): 0 INTR, 2 NMI, 3 exception, 4 INTn;
 * 1, 5, 6, 7 are reserved (SVM_EVENT_TYPE_MASK: hv/svm/vmcb.h). */

/* What the L1 CPU has, as its CPUID says (the checks judge against it). */
struct svm_nested_caps {
	uint8_t maxphyaddr;    /* CPUID 0x80000008 EAX[7:0] as L1 sees it */
	bool long_mode;        /* CPUID 0x80000001 EDX[29] */
	bool npt;              /* CPUID 0x8000000A EDX[0] */
	bool vmcb_clean;       /* EDX[5] */
	uint64_t cr4_allowed;  /* CR4 bits L1's CPU has */
	uint64_t efer_allowed; /* EFER bits L1's CPU has (SVME included) */
};

/* Which check failed (reports and tests; L1 sees only VMEXIT_INVALID). */
enum vmcb12_check {
	VMCB12_OK = 0,
	VMCB12_EFER_SVME,          /* EFER.SVME is zero */
	VMCB12_CR0_NW_NOT_CD,      /* CR0.CD is zero and CR0.NW is set */
	VMCB12_CR0_HIGH,           /* CR0[63:32] not zero */
	VMCB12_CR3_MBZ,            /* long mode: CR3 bits 63:MAXPHYADDR */
	VMCB12_CR4_MBZ,            /* a CR4 bit the CPU does not have */
	VMCB12_DR6_HIGH,           /* DR6[63:32] not zero */
	VMCB12_DR7_HIGH,           /* DR7[63:32] not zero */
	VMCB12_EFER_MBZ,           /* an EFER bit the CPU does not have */
	VMCB12_NO_LONG_MODE,       /* EFER.LME or LMA without long mode */
	VMCB12_LM_NO_PAE,          /* EFER.LME and CR0.PG, CR4.PAE clear */
	VMCB12_LM_NO_PE,           /* EFER.LME and CR0.PG, CR0.PE clear */
	VMCB12_LM_CS_L_AND_D,      /* EFER.LME, CR0.PG, CR4.PAE, CS.L and CS.D */
	VMCB12_NO_VMRUN_INTERCEPT, /* the VMRUN intercept bit is clear */
	VMCB12_MSRPM_RANGE,        /* MSRPM reaches MAXPHYADDR */
	VMCB12_IOPM_RANGE,         /* IOPM reaches MAXPHYADDR */
	VMCB12_EVENTINJ,           /* illegal event injection (15.20) */
	VMCB12_ASID_ZERO,          /* ASID is zero */
	VMCB12_NP_NOT_OFFERED,     /* NP_ENABLE without nested paging in CPUID */
	VMCB12_CHECK_COUNT
};

/* Short text for a check (stop reports, test messages). */
const char *vmcb12_check_name(enum vmcb12_check c);

/* The private copy: the fields VMRUN reads, out of L1 memory: the
 * control area up to 0x100 and the save area 0x400-0x67f (table B-1/B-2;
 * the rest of the copy is left as it was). */
#define SVM_VMCB12_CONTROL_BYTES 0x100u
#define SVM_VMCB12_SAVE_BYTES 0x280u
void svm_vmcb12_copy(struct vmcb *copy, const volatile struct vmcb *l1);

/* APM 15.5.1 on the copy; VMCB12_OK or the first check that fails. */
enum vmcb12_check svm_vmcb12_check(const struct vmcb *v, const struct svm_nested_caps *caps);

/* Is this EVENTINJ legal (APM 15.20)? Not valid is legal. */
bool svm_eventinj_legal(uint64_t eventinj);

/* Drop what L1 may not control (see above), in place on the copy. */
void svm_vmcb12_sanitise(struct vmcb *v, const struct svm_nested_caps *caps);

#endif

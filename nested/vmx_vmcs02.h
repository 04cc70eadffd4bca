/*
 * vmx_vmcs02.h - the VMCS the CPU runs L2 with (vmcs02), computed from
 * what L0 needs for itself while L2 runs and from L1's VMCS12 (pure,
 * host-tested by tests/host/test_vmx_vmcs02.c).
 *
 * The general rule: an exit either side wants is taken (controls that make
 * the CPU exit are OR-ed), a control that changes what L2 sees (enable
 * RDTSCP, unrestricted guest, IA-32e mode guest) is L1's, a resource the
 * CPU uses for L0 (VPID, EPT pointer, MSR/I/O bitmap pages, host state,
 * VM-exit controls, MSR lists) is L0's. Each exit is then sent to L0 or
 * L1 by the reflection questions (nested/vmx_reflect.h). Every field's
 * rule is written next to it in vmx_vmcs02.c with its SDM section.
 *
 * The result is field values keyed by the one field list (VMCS12 slots of
 * hv/vmx/vmcs_fields.h); host-state fields are never set here (vmcs02's
 * host state is L0's own, as in vmcs01).
 */
#ifndef NESTOR_NESTED_VMX_VMCS02_H
#define NESTOR_NESTED_VMX_VMCS02_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nested/vmcs12.h"
#include "nested/vmx_pfec.h"

/* L0's own needs while this vCPU runs L2, and L1's current state where
 * VMCS12 leaves a register unchanged by VM entry. */
struct vmx_l0_needs {
	/* Controls L0 needs (vmcs01's own exits it cannot do without: host
	 * interrupts, NMIs, its interrupt/NMI window requests that were
	 * pending for L1, EPT, VPID, its exit controls). */
	uint32_t pin, proc, proc2, exit, entry;
	/* L1 controls L0 emulates instead of passing to the CPU (their bit
	 * is left out of vmcs02; the exit L1 expects comes from L0). */
	uint32_t pin_emulated, proc_emulated, proc2_emulated;
	uint32_t exc_bitmap;     /* exceptions L0 intercepts (bit 14 see pf) */
	struct pf_rule pf;       /* L0's own #PF rule (vmx_pfec.h) */
	uint64_t cr0_mask, cr4_mask;   /* CR bits L0 owns */
	uint64_t cr0_must1, cr4_must1; /* bits the CPU needs set in VMX non-root (fixed0, VMXE) */
	uint64_t tsc_offset;     /* L0's offset for L1 (vmcs01's) */
	uint16_t vpid02;         /* L0's tag for L2's translations */
	uint64_t eptp02;         /* the shadow EPT02 when L1 uses EPT, else EPT01 */
	uint64_t msr_bitmap02;   /* host-physical pages of the merged bitmaps (vmx_bitmap02) */
	uint64_t io_bitmap02_a, io_bitmap02_b;
	/* L1's registers as they are now (kept by VM entry unless VMCS12's
	 * entry controls load L2's from the guest-state area). */
	uint64_t l1_efer, l1_pat, l1_dr7, l1_debugctl;
};

/* L2's activity as L0 must emulate it: vmcs02 always enters active. */
enum vmcs02_activity {
	VMCS02_RUN = 0,
	VMCS02_HALTED,   /* L2 in HLT: L0 waits for an event that wakes it */
	VMCS02_SHUTDOWN, /* L2 in shutdown: only NMI/INIT/SMI-type exits */
	VMCS02_WAIT_SIPI /* L2 waits for a SIPI: only the SIPI exit */
};

struct vmcs02 {
	uint64_t val[VMCS12_NFIELDS];
	bool set[VMCS12_NFIELDS]; /* the backend VMWRITEs exactly these */
	uint8_t activity;         /* enum vmcs02_activity */
	bool pdptes_from_cr3;     /* PAE L2 without L1 EPT: L0 loads them (SDM 3C 27.3.2.4) */
	bool msr_bitmap_merged;   /* msr_bitmap02 must hold vmx_bitmap02() of L0's and L1's */
	bool io_bitmap_merged;    /* the same for io_bitmap02_a/b */
};

/* Fill v from VMCS12 (already through the VM-entry checks) and L0's
 * needs. */
void vmx_vmcs02_build(struct vmcs02 *v, const struct vmcs12 *c12, const struct vmx_l0_needs *l0);

/*
 * A VMX MSR or I/O bitmap for vmcs02 (SDM 3C 25.6.4, 25.6.9): a set bit
 * exits, so each byte is L0's OR L1's. l1 NULL: L1 has none, and l1_all
 * says whether that makes every access exit (MSR bitmaps off, or
 * unconditional I/O exiting without I/O bitmaps) or none (no I/O
 * exiting). Vendor-neutral twin: nested_bitmap_merge() of the nested-SVM
 * core (nested/reflect.h); at the merge the OR may become a call to it.
 */
void vmx_bitmap02(uint8_t *dst, const uint8_t *l0, const uint8_t *l1, size_t len, bool l1_all);

#endif

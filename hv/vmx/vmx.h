/*
 * vmx.h - internals shared by the VT-x backend's files (not for generic
 * code, which sees only vmx_ops). Intel SDM Vol 3C chapters 24-28.
 */
#ifndef NESTOR_VMX_VMX_H
#define NESTOR_VMX_VMX_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/core/vcpu.h"
#include "hv/vmx/vmcs_fields.h"
#include "hv/vmx/vmx_arch.h"
#include "hv/vmx/vmx_decode.h"

/* Per-vCPU backend state: one page, touched only by the vCPU's CPU. */
struct vmx_vcpu {
	uint64_t vmcs_pa, io_bitmap_pa, msr_bitmap_pa, self_pa;
	unsigned cpu;              /* where the VMCS is active, or VMX_NO_CPU */
	uint16_t vpid;             /* 0: VPIDs not in use */
	uint32_t proc_ctls;        /* primary controls as in the VMCS */
	uint64_t eptp;
	uint64_t cr2;              /* not in the VMCS: loaded around entry */
	bool launched;
	bool flush_pending;
	bool save_preempt;         /* the timer value survives exits */
	bool pat_in_vmcs;
	uint32_t preempt_value;
	uint64_t slice_end_tsc;     /* TSC at the end of the slice set, 0: none */
	uint64_t pat;              /* when !pat_in_vmcs */
	/* Syscall MSRs without VMCS fields: kept here, loaded into the real
	 * MSRs while this vCPU owns the CPU (Nestor itself never uses them). */
	uint64_t kernel_gs_base, star, lstar, cstar, sfmask;
	bool syscall_msrs_used;
	/* Nested VMX: the VMCS not in use (vmcs01 while L2 runs on vmcs02,
	 * and the other way round), with its own launch state and cached
	 * controls; 0 for ordinary vCPUs. vmx_swap_vmcs exchanges them. */
	uint64_t alt_vmcs_pa, alt_eptp;
	uint32_t alt_proc_ctls;
	bool alt_launched;
};

#define VMX_NO_CPU (~0u)

static inline struct vmx_vcpu *VX(struct vcpu *v) { return v->backend; }

static inline uint64_t vmread(enum vmcs_field f)
{
	uint64_t val;
	__asm__ volatile("vmread %1, %0" : "=r"(val) : "r"((uint64_t)f) : "cc");
	return val;
}

static inline void vmwrite(enum vmcs_field f, uint64_t val)
{
	__asm__ volatile("vmwrite %1, %0" ::"r"((uint64_t)f), "r"(val) : "cc", "memory");
}

/* Make v's VMCS the current one on this CPU (VMPTRLD when it is not). */
void vmx_load(struct vcpu *v);

/* This CPU's CR0/CR4 fixed bits (see vmx_decode.h). */
const struct vmx_cr_fixed *vmx_crfix(void);
/* CR4 bits a guest may set (CPU's fixed-1 bits minus VMXE). */
uint64_t vmx_cr4_allowed(void);
/* Nested VMX: a new VMCS (revision written, VMCLEARed), 0 if no memory;
 * vmx_swap_vmcs makes the vCPU's other VMCS (alt_vmcs_pa) current, with
 * this CPU's host state, and flushes before the next entry. The
 * controls vmcs01 uses (for L0's needs while L2 runs). */
uint64_t vmx_new_vmcs(void);
void vmx_swap_vmcs(struct vcpu *v);
void vmx_l0_controls(uint32_t *pin, uint32_t *proc, uint32_t *proc2, uint32_t *exit, uint32_t *entry);
/* The host's VMX capability MSRs (nested VMX computes L1's from them). */
struct vmx_caps;
const struct vmx_caps *vmx_host_caps(void);
/* IA32_VMX_BASIC bit 54: INS/OUTS exits give instruction information. */
bool vmx_ins_outs_info(void);

/* vmx_exit.c: translate the exit just taken into e (reads the VMCS,
 * changes nothing). */
void vmx_translate_exit(struct vcpu *v, struct vm_exit *e);
const char *vmx_exit_name(uint32_t basic_reason);
const char *vmx_insn_error_name(unsigned n);
/* vmx_events.c: IDT-vectoring info into the event state after an exit;
 * the planned event into the VM-entry fields (and the window controls)
 * before an entry. */
void vmx_complete_events_slow(struct vcpu *v, uint32_t idt_vectoring);
void vmx_inject_events_slow(struct vcpu *v);
/* Inline: the common exit (nothing pending, nothing in flight) stays cheap. */
static inline void vmx_complete_events(struct vcpu *v)
{
	uint32_t idt = (uint32_t)vmread(VMCS_IDT_VECTORING_INFO);
	if (__builtin_expect(idt & (1u << 31), 0))
		vmx_complete_events_slow(v, idt);
}
static inline void vmx_inject_events(struct vcpu *v)
{
	if (__builtin_expect(v->ev.pending != 0, 0))
		vmx_inject_events_slow(v);
}
/* The "virtual NMIs" pin control is on (NMI blocking tracked by the CPU). */
bool vmx_virtual_nmis(void);
/* vmx_cr.c: guest-visible CR0/CR3/CR4 (shadows for the bits Nestor owns). */
uint64_t vmx_get_cr(struct vcpu *v, unsigned cr);
void vmx_set_cr(struct vcpu *v, unsigned cr, uint64_t val);
/* The guest's EFER or CR0/CR4 changed: keep IA-32e mode guest, EFER.LMA
 * and the PAE PDPTEs consistent (SDM 3C 27.3.1.1, 28.x). */
void vmx_sync_paging_mode(struct vcpu *v);

/* hw_reason of a VMLAUNCH/VMRESUME that failed (no exit happened). */
#define VMX_HW_REASON_VMFAIL 0xffffffffu

#endif

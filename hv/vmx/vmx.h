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
#include "hv/vmx/vmx_decode.h"

/* Pin-based VM-execution controls (SDM 3C 25.6.1, table 25-5). */
#define PIN_EXTINT_EXITING (1u << 0)
#define PIN_NMI_EXITING (1u << 3)
#define PIN_VIRTUAL_NMIS (1u << 5)
#define PIN_PREEMPTION_TIMER (1u << 6)

/* Primary processor-based controls (table 25-6). */
#define PROC_INTR_WINDOW (1u << 2)
#define PROC_HLT_EXITING (1u << 7)
#define PROC_NMI_WINDOW (1u << 22)
#define PROC_USE_IO_BITMAPS (1u << 25)
#define PROC_USE_MSR_BITMAPS (1u << 28)
#define PROC_SECONDARY (1u << 31)

/* Secondary processor-based controls (table 25-7). */
#define PROC2_EPT (1u << 1)
#define PROC2_RDTSCP (1u << 3)
#define PROC2_VPID (1u << 5)
#define PROC2_UNRESTRICTED (1u << 7)
#define PROC2_INVPCID (1u << 12)

/* VM-exit controls (table 25-13). */
#define EXIT_CTL_HOST_64 (1u << 9)
#define EXIT_CTL_SAVE_PAT (1u << 18)
#define EXIT_CTL_LOAD_PAT (1u << 19)
#define EXIT_CTL_SAVE_EFER (1u << 20)
#define EXIT_CTL_LOAD_EFER (1u << 21)
#define EXIT_CTL_SAVE_PREEMPT (1u << 22)

/* VM-entry controls (table 25-15). */
#define ENTRY_CTL_IA32E (1u << 9)
#define ENTRY_CTL_LOAD_PAT (1u << 14)
#define ENTRY_CTL_LOAD_EFER (1u << 15)

/* Interruption-information fields (SDM 3C 25.8.3, 25.9.2, 25.9.3). */
#define INTR_INFO_VALID (1u << 31)
#define INTR_INFO_ERROR_VALID (1u << 11)
#define INTR_TYPE_SHIFT 8
#define INTR_TYPE_EXTINT 0
#define INTR_TYPE_NMI 2
#define INTR_TYPE_HW_EXCEPTION 3
#define INTR_TYPE_SW_INT 4
#define INTR_TYPE_PRIV_SW_EXCEPTION 5
#define INTR_TYPE_SW_EXCEPTION 6

/* Basic exit reasons Nestor names (SDM 3D appendix C). */
#define VMX_EXIT_REASON_ENTRY_FAILURE (1u << 31)
enum vmx_exit_reason {
	VMX_EXIT_EXCEPTION_NMI = 0,
	VMX_EXIT_EXTINT = 1,
	VMX_EXIT_TRIPLE_FAULT = 2,
	VMX_EXIT_INIT = 3,
	VMX_EXIT_SIPI = 4,
	VMX_EXIT_INTR_WINDOW = 7,
	VMX_EXIT_NMI_WINDOW = 8,
	VMX_EXIT_CPUID = 10,
	VMX_EXIT_HLT = 12,
	VMX_EXIT_VMCALL = 18,
	VMX_EXIT_VMCLEAR = 19,
	VMX_EXIT_VMXON = 27,
	VMX_EXIT_CR_ACCESS = 28,
	VMX_EXIT_IO = 30,
	VMX_EXIT_RDMSR = 31,
	VMX_EXIT_WRMSR = 32,
	VMX_EXIT_INVALID_GUEST_STATE = 33,
	VMX_EXIT_MSR_LOADING = 34,
	VMX_EXIT_MACHINE_CHECK = 41,
	VMX_EXIT_EPT_VIOLATION = 48,
	VMX_EXIT_EPT_MISCONFIG = 49,
	VMX_EXIT_INVEPT = 50,
	VMX_EXIT_PREEMPTION_TIMER = 52,
	VMX_EXIT_INVVPID = 53,
	VMX_EXIT_VMFUNC = 59,
	VMX_EXIT_REASON_MAX = 70
};

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
	uint64_t pat;              /* when !pat_in_vmcs */
	/* Syscall MSRs without VMCS fields: kept here, loaded into the real
	 * MSRs while this vCPU owns the CPU (Nestor itself never uses them). */
	uint64_t kernel_gs_base, star, lstar, cstar, sfmask;
	bool syscall_msrs_used;
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

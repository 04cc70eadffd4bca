/*
 * vcpu.h - the vendor-neutral virtual CPU and the backend ops table.
 *
 * hv/core/ holds what every other part of the hypervisor builds on: the
 * vCPU (this file) with its event state (event.h), the VM (vm.h), the
 * scheduler (sched.c) and guest-memory access (guest_mem.h). It may call
 * mm/, hv/lib/, hv/x86/ and the backend only through virt_ops.
 *
 * Generic code (the run loop, exit handlers, devices, memory) sees only
 * struct vcpu, struct vm_exit and vcpu_ops; hv/vmx/ and hv/svm/ implement
 * the ops. The table is chosen once at boot (virt_ops), so nothing else
 * tests the vendor.
 *
 * Locking: a vCPU's state is touched only by the physical CPU it runs on
 * (v->pcpu), except what other CPUs may request: events (atomic ops on
 * v->ev.pending), a TDP flush (flush_tdp, then a kick), the run state
 * (vcpu_wake, vm_stop). Moving it to another CPU goes through vcpu_unload
 * on the old one first (see sched.c).
 */
#ifndef NESTOR_VCPU_H
#define NESTOR_VCPU_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/core/event.h"

struct vm;
struct pg_format;
struct nested_vcpu;

/* General-purpose registers by x86 encoding number (SDM 2A table 2-2),
 * so decoded ModRM register fields index this directly. */
enum gpr { GPR_RAX, GPR_RCX, GPR_RDX, GPR_RBX, GPR_RSP, GPR_RBP, GPR_RSI, GPR_RDI,
	   GPR_R8, GPR_R9, GPR_R10, GPR_R11, GPR_R12, GPR_R13, GPR_R14, GPR_R15, GPR_COUNT };

/* Vendor-neutral exit reasons; the backend translates its own code. */
enum exit_reason {
	EXIT_NONE,
	EXIT_CPUID,
	EXIT_RDMSR,
	EXIT_WRMSR,
	EXIT_IO,
	EXIT_HLT,
	EXIT_HYPERCALL,
	EXIT_CR_ACCESS,
	EXIT_EXCEPTION,
	EXIT_INIT,
	EXIT_SIPI,
	EXIT_TRIPLE_FAULT,
	EXIT_ENTRY_FAILED,  /* invalid guest state / VM-entry failure / VMRUN failure */
	EXIT_TDP_FAULT,  /* EPT violation / #NPF */
	EXIT_TDP_MISCONFIG, /* EPT misconfiguration (SVM: #NPF with RSVD set) */
	EXIT_PREEMPT,       /* time slice ended (VMX preemption timer / host timer) */
	EXIT_EXTINT,        /* a host interrupt arrived */
	EXIT_INTR_WINDOW,   /* the guest can take an interrupt now */
	EXIT_NMI_WINDOW,    /* ... an NMI (SVM: the IRET that unblocks NMIs) */
	EXIT_VIRT_INSN,     /* VMX/SVM instruction by the guest (no nested virt yet) */
	EXIT_UNHANDLED,     /* a reason Nestor does not handle: stop the VM */
	EXIT_REASON_COUNT
};

/*
 * CR4 bits no guest may set: VMXE/SMXE (only a nested VMX L1 may set VMXE,
 * nested/nested.h nested_cr4_extra), and
 * the features whose state Nestor does not switch between VMs (OSXSAVE:
 * XSAVE state; PKE: PKRU; CET: shadow-stack state). CPUID hides them too
 * (hv/exit/cpuid.c); a MOV to CR4 setting one raises #GP, as on a CPU without
 * the feature (SDM 3A 2.5). LA57 too: Nestor runs 4-level paging itself,
 * and on SVM the guest's segment bases pass through VMSAVE/VMLOAD executed
 * in the host's paging mode; QEMU's SVM truncates them there to the
 * current (48-bit) linear width, which broke a 5-level Linux's per-CPU GS
 * base. Guests therefore see 48-bit linear addresses.
 */
#define GUEST_CR4_HIDDEN ((1ull << 12) | (1ull << 13) | (1ull << 14) | (1ull << 18) | (1ull << 22) | (1ull << 23))

/* Control-register accesses (SDM 3C table 28-3 access types). */
#define CR_ACCESS_MOV_TO 0
#define CR_ACCESS_MOV_FROM 1
#define CR_ACCESS_CLTS 2
#define CR_ACCESS_LMSW 3
#define CR_GPR_UNKNOWN 0xff /* SVM without decode assists: decode it */

#define EXIT_ACCESS_READ 1
#define EXIT_ACCESS_WRITE 2
#define EXIT_ACCESS_FETCH 4

/* One exit, as generic code sees it. Fields not meaningful for a reason
 * are zero. */
struct vm_exit {
	enum exit_reason reason;
	uint32_t hw_reason;     /* VMX basic exit reason / SVM EXITCODE */
	uint64_t qual;          /* VMX exit qualification / SVM EXITINFO1 */
	uint64_t info2;         /* SVM EXITINFO2 / VMX extra info */
	uint64_t gpa;           /* guest-physical address (TDP faults) */
	uint8_t access;         /* TDP faults: EXIT_ACCESS_READ/WRITE/FETCH */
	/* TDP faults only (set by those exits alone, to keep other exits
	 * free of the store): the access was to a guest paging-structure
	 * entry. */
	bool table_walk;
	uint64_t gla;           /* guest-linear address, if gla_valid */
	bool gla_valid;
	uint32_t insn_len;      /* 0 = unknown (SVM without NRIPS): decode it */
	uint64_t rip;           /* guest RIP of the exiting instruction */
	union {
		struct {
			uint16_t port;
			uint8_t size;      /* 1, 2, 4 */
			bool in, string, rep;
			uint8_t addr_size; /* string forms: 2, 4, 8 */
			uint8_t seg;       /* OUTS source segment: 0 ES 1 CS 2 SS 3 DS 4 FS 5 GS */
		} io;
		struct {
			uint8_t vector;
			bool has_error;
			uint32_t error;
		} exc;
		struct {
			uint8_t cr;
			uint8_t type;      /* CR_ACCESS_* */
			bool write;        /* a write to the CR (MOV to, CLTS, LMSW) */
			uint8_t gpr;       /* MOV: the register, or CR_GPR_UNKNOWN */
			bool lm64;         /* the instruction runs in 64-bit mode */
			uint16_t lmsw_src; /* LMSW: its source operand */
		} cr;
		struct {
			uint32_t msr;
		} msr;
	} u;
};

/* How a VM starts (guest loaders fill it). */
enum vcpu_start_mode { START_REAL, START_PROTECTED32, START_LONG64 };
struct vcpu_start {
	enum vcpu_start_mode mode;
	uint64_t rip, rsp, rflags;
	uint64_t gpr[GPR_COUNT];
	uint64_t cr3;           /* START_LONG64: guest page tables the loader built */
	uint16_t cs_selector;   /* START_REAL: CS = selector, base = selector << 4 */
	/* START_PROTECTED32/START_LONG64: a GDT the loader put in guest memory
	 * with flat code at code_sel and flat data at data_sel (0: none, and
	 * the selectors are 0x08 and 0x10 with GDTR empty). */
	uint64_t gdt_base;
	uint16_t gdt_limit, code_sel, data_sel;
};

/* Guest control state the walker and emulator need (read on demand). */
struct vcpu_paging_state {
	uint64_t cr0, cr3, cr4, efer, rflags;
	uint64_t pdpte[4];      /* PAE PDPTE registers */
	uint64_t cs_base, ds_base, es_base, ss_base, fs_base, gs_base;
	unsigned cpl;
	bool cs_l, cs_d;        /* code segment 64-bit / default-32 */
};

struct test_intr;
struct lapic_dev;

struct vcpu {
	/* x87/SSE state while another vCPU or the host has the CPU (FXSAVE
	 * image: 512 bytes, 16-byte aligned). */
	uint8_t fpu[512] __attribute__((aligned(16)));
	struct vm *vm;
	unsigned index;         /* within the VM */
	unsigned pcpu;          /* physical CPU it runs on */
	uint64_t gpr[GPR_COUNT]; /* the backend syncs RSP/RAX with VMCS/VMCB */
	void *backend;          /* VMCS / VMCB state, owned by the backend */
	struct vcpu_events ev;  /* hv/core/event.h */
	/* scheduler */
	enum { VCPU_RUNNABLE, VCPU_HALTED, VCPU_STOPPED } state;
	bool in_hlt;            /* it executed HLT and no wake-up event came yet */
	bool halted_if;         /* RFLAGS.IF at that HLT: interrupts end it */
	/* INIT and start-up IPIs (SDM 3A 9.4.4, 11.6.1): an AP waits for a
	 * SIPI (wait_sipi, HALTED); sipi_vector is the one that came (-1
	 * none) and init_pending an INIT sent to it while it ran. Set by
	 * other vCPUs' exits (under vm->lock), taken by its own CPU. */
	bool wait_sipi;
	volatile int sipi_vector;
	volatile bool init_pending;
	struct vcpu *next;      /* run queue link */
	bool yield_requested;
	uint64_t msr_tsc_aux, msr_mtrr_def_type;
	uint8_t cr8_no_apic; /* CR8 of a vCPU without a local APIC */
	/* kvmclock (hv/dev/kvmclock.c): MSR_KVM_SYSTEM_TIME_NEW, and the
	 * version last written to its structure. */
	uint64_t msr_kvm_system_time;
	uint32_t pvclock_version;
	/* It ever took a CPU (hv/core/tdp.c: it may cache TDP entries). */
	bool tdp_ran;
	/* It may be in guest mode on v->pcpu: exact for a VM of several
	 * vCPUs (set around each entry, hv/core/sched.c); always true for a
	 * VM of one, whose exit path stays free of it. */
	volatile bool in_guest;
	/* nested=on VMs only (nested/nested.h), else NULL. */
	struct nested_vcpu *nested;
	/* The HC_RAISE_EVENT / HC_TEST_TIMER test source (hv/dev/test_intr.c):
	 * kept here because the local APIC puts it behind itself as the
	 * vCPU's interrupt source. */
	struct test_intr *test_source;
	/* Its local APIC (hv/dev/lapic_dev.c), or NULL (passthrough VMs). */
	struct lapic_dev *lapic;
	uint64_t exits[EXIT_REASON_COUNT];
};

struct vcpu_ops {
	const char *name;
	/* The backend has no preemption timer: slices need the APIC timer. */
	bool needs_host_timer;
	/* Per physical CPU: turn virtualization on (VMXON / EFER.SVME). */
	int (*cpu_enable)(unsigned pcpu);
	/* The TDP format (EPT or NPT) this CPU uses. */
	bool (*tdp_format)(struct pg_format *f);
	/* Allocate and initialise the hardware state for v; root is the
	 * EPT PML4 / NPT root (host-physical) of the VM's memory. */
	int (*vcpu_init)(struct vcpu *v, const struct vcpu_start *start, uint64_t tdp_root);
	void (*vcpu_free)(struct vcpu *v);
	/* Start v over from st (INIT + start-up IPI), on v's own CPU. */
	void (*vcpu_reset)(struct vcpu *v, const struct vcpu_start *st);
	/* v takes this physical CPU for a run of entries (another vCPU or
	 * nothing ran here since its last entry). */
	void (*switch_in)(struct vcpu *v);
	/* Enter the guest; returns with *exit filled when it exits. */
	void (*run)(struct vcpu *v, struct vm_exit *exit);
	uint64_t (*get_rip)(struct vcpu *v);
	void (*set_rip)(struct vcpu *v, uint64_t rip);
	void (*set_rflags)(struct vcpu *v, uint64_t rflags);
	/* The instruction in an STI / MOV SS shadow was skipped by an exit
	 * handler (HLT): the shadow ends with it (SDM 3A 6.8.3; VMX's set_rip
	 * already clears it, the SVM one does not, to keep CPUID cheap). */
	void (*end_intr_shadow)(struct vcpu *v);
	void (*get_paging_state)(struct vcpu *v, struct vcpu_paging_state *st);
	/* Guest-visible CR0, CR3, CR4; set_cr takes a value already checked
	 * by hv/exit/cr.c and applies it (fixed bits, shadows, paging mode,
	 * TLB flush). */
	uint64_t (*get_cr)(struct vcpu *v, unsigned cr);
	void (*set_cr)(struct vcpu *v, unsigned cr, uint64_t val);
	/* The CR4 bits a guest may set on this CPU. */
	uint64_t (*cr4_allowed)(void);
	/* This vCPU leaves its physical CPU for good (before it runs on
	 * another): VMCLEAR its VMCS / drop cached VMCB state. Runs on v->pcpu. */
	void (*vcpu_unload)(struct vcpu *v);
	/* Invalidate cached TDP translations (INVEPT / ASID flush) before
	 * the vCPU's next entry. */
	void (*flush_tdp)(struct vcpu *v);
	/* The emulated APIC's TPR changed (optional: SVM mirrors it in
	 * V_TPR for the guest's CR8 reads; VT-x exits on them). */
	void (*tpr_changed)(struct vcpu *v);
	/* A flush_tdp not yet done (the next entry does it). */
	bool (*tdp_flush_pending)(struct vcpu *v);
	/* Time slice: exit after about this many TSC ticks (0 = none). */
	void (*set_slice)(struct vcpu *v, uint64_t tsc_ticks);
	/* MSRs whose value lives in the VMCS/VMCB (EFER, FS/GS base,
	 * SYSENTER/SYSCALL MSRs, PAT): true if handled. */
	bool (*state_msr)(struct vcpu *v, uint32_t msr, bool write, uint64_t *val);
	/* Print the vendor state of v (for stop reports). */
	void (*dump)(struct vcpu *v);
	/* The vendor's name for a hardware exit reason (reports only). */
	const char *(*exit_name)(uint32_t hw_reason);
};

extern const struct vcpu_ops *virt_ops;

/* v executed HLT (on its CPU): it halts unless something it can take is
 * already pending; true if it halted. A vcpu_wake from another CPU that
 * races with it is not lost (the state is set before the check). */
bool vcpu_halt(struct vcpu *v);
/* v is in HLT and was made runnable (vcpu_wake): it halts again unless a
 * wake-up event is pending (a wake for an interrupt it cannot take with
 * IF=0 does not end HLT). True if it stays halted. */
bool vcpu_stay_halted(struct vcpu *v);
/* Would something pending end v's halt now (NMI, or an interrupt with
 * IF=1 that its interrupt source would deliver)? */
bool vcpu_wakeup_pending(struct vcpu *v);
/* Before v runs on its CPU: an INIT sent to it puts it in wait-for-SIPI
 * (its local APIC INIT-reset); a SIPI that came starts it in real mode at
 * vector << 12. False: v waits for a SIPI (it is HALTED again). */
bool vcpu_take_start(struct vcpu *v);
/* INIT / start-up IPI from another vCPU (hv/dev/lapic_dev.c). */
void vcpu_send_init(struct vcpu *v);
void vcpu_send_sipi(struct vcpu *v, uint8_t vector);
/* Something is pending for v: a halted v becomes runnable, and its CPU
 * (if another) is kicked so its loop picks it up. */
void vcpu_wake(struct vcpu *v);
/* v must re-evaluate its events soon: if it may be in guest mode on
 * another CPU, a host IPI makes it exit. */
void vcpu_kick(struct vcpu *v);
extern const struct vcpu_ops vmx_ops, svm_ops;

const char *exit_reason_name(enum exit_reason r);

#endif

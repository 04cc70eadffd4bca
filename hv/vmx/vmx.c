/*
 * vmx.c - the Intel VT-x backend of vcpu_ops (Intel SDM Vol 3C ch. 24-29).
 *
 * One VMCS per vCPU, I/O and MSR bitmaps all ones (Nestor emulates every
 * port and MSR a guest touches), EPT with a VPID per VM, unrestricted
 * guest (real-mode and paging-off guests run natively), and the VMX
 * preemption timer for time slices (no host timer needed). Each entry is:
 * inject the vCPU's events (vmx_events.c), enter, complete the events
 * (IDT-vectoring info), translate the exit (vmx_exit.c, pure). Entry and
 * exit assembly is in vmx_run.asm; guest CRs in vmx_cr.c.
 *
 * VPIDs: one per vCPU, so vCPUs of one VM never share TLB tags. A VMCS is
 * active on one CPU at a time (SDM 3C 25.11.1): vcpu_unload VMCLEARs it on
 * its old CPU before it may be loaded on another, and the first entry on
 * a new CPU rewrites the host state (its GDT, TSS, FS/GS bases) and
 * flushes the VPID there.
 *
 * State: struct vmx_vcpu is the vCPU's (one page, only its CPU touches
 * it); struct vmx_cpu is a physical CPU's (only that CPU touches it).
 */
#include "hv/vmx/vmx.h"
#include "drivers/console.h"
#include "ept/ept_fmt.h"
#include "hv/host/percpu.h"
#include "hv/lib/string.h"
#include "hv/host/shutdown.h"
#include "hv/host/virt_detect.h"
#include "hv/core/vm.h"
#include "hv/x86/asm.h"
#include "hv/x86/segments.h"
#include "mm/pages.h"
#include "nested/nested.h"

#define MSR_IA32_SYSENTER_CS 0x174u
#define MSR_IA32_SYSENTER_ESP 0x175u
#define MSR_IA32_SYSENTER_EIP 0x176u
#define MSR_STAR 0xc0000081u
#define MSR_LSTAR 0xc0000082u
#define MSR_CSTAR 0xc0000083u
#define MSR_SFMASK 0xc0000084u

#define VMX_DEFAULT_PAT 0x0007040600070406ull
#define VMX_IO_BITMAP_PAGES 2  /* A: ports 0-0x7fff, B: 0x8000-0xffff (SDM 3C 25.6.4) */
#define INVEPT_SINGLE 1
#define INVEPT_ALL 2
#define INVVPID_SINGLE 1
#define INVVPID_ALL 2

int vmx_enter(uint64_t *gpr, int launched, uint64_t *cr2);
void vmx_exit_stub(void);

/* Per physical CPU. */
struct vmx_cpu {
	uint64_t vmxon_pa;
	uint64_t current_vmcs;     /* VMPTRLD'ed here, or 0 */
	struct vcpu *syscall_msr_owner;
};

static struct virt_caps caps;
static struct vmx_cpu vmx_cpus[MAX_CPUS];
static uint16_t next_vpid = 1; /* VPID 0 is the host's; assigned at VM creation (boot CPU) */
static uint32_t ctl_pin, ctl_proc, ctl_proc2, ctl_exit, ctl_entry;
static bool ctls_ready;
static struct vmx_cr_fixed crfix;

const struct vmx_cr_fixed *vmx_crfix(void) { return &crfix; }

static uint32_t vmcs_revision(void) { return (uint32_t)(caps.vmx.basic & 0x7fffffff); }

static bool vmptrld(uint64_t pa)
{
	uint8_t ok;
	__asm__ volatile("vmptrld %1; seta %0" : "=qm"(ok) : "m"(pa) : "cc", "memory");
	return ok;
}

static bool vmclear(uint64_t pa)
{
	uint8_t ok;
	__asm__ volatile("vmclear %1; seta %0" : "=qm"(ok) : "m"(pa) : "cc", "memory");
	return ok;
}

static void invept(unsigned type, uint64_t eptp)
{
	struct { uint64_t eptp, zero; } d = { eptp, 0 };
	__asm__ volatile("invept %0, %1" ::"m"(d), "r"((uint64_t)type) : "cc", "memory");
}

static void invvpid(unsigned type, uint16_t vpid)
{
	struct { uint64_t vpid, gla; } d = { vpid, 0 };
	__asm__ volatile("invvpid %0, %1" ::"m"(d), "r"((uint64_t)type) : "cc", "memory");
}

/* A control word from its capability MSR; reports required bits the CPU
 * does not allow. */
static uint32_t ctl_adjust(const char *what, uint64_t cap_msr, uint32_t want, uint32_t required)
{
	uint32_t v = vmx_ctl_adjust(cap_msr, want);
	if ((v & required) != required)
		log_err("vmx", "%s controls: the CPU does not allow 0x%x (allowed-1 0x%x)", what, required & ~v,
			(uint32_t)(cap_msr >> 32));
	return v;
}

static void compute_controls(void)
{
	const struct vmx_caps *c = &caps.vmx;
	/* Virtual NMIs where the CPU has them: it then tracks a guest's NMI
	 * blocking and offers NMI-window exiting (SDM 3C 25.6.1). */
	ctl_pin = ctl_adjust("pin-based", c->pinbased,
			     PIN_EXTINT_EXITING | PIN_NMI_EXITING | PIN_VIRTUAL_NMIS |
				     (c->preemption_timer ? PIN_PREEMPTION_TIMER : 0),
			     PIN_EXTINT_EXITING | PIN_NMI_EXITING);
	/* CR8-load/store exiting: no TPR shadow, so a guest's MOV to CR8
	 * would otherwise write the physical TPR (SDM 3C 26.3; hv/exit/cr.c). */
	ctl_proc = ctl_adjust("primary", c->procbased,
			      PROC_HLT_EXITING | PROC_USE_IO_BITMAPS | PROC_USE_MSR_BITMAPS | PROC_SECONDARY |
				      PROC_CR8_LOAD_EXITING | PROC_CR8_STORE_EXITING,
			      PROC_HLT_EXITING | PROC_USE_IO_BITMAPS | PROC_USE_MSR_BITMAPS | PROC_SECONDARY |
				      PROC_CR8_LOAD_EXITING | PROC_CR8_STORE_EXITING);
	ctl_proc2 = ctl_adjust("secondary", c->procbased2,
			       PROC2_EPT | PROC2_VPID | PROC2_UNRESTRICTED | PROC2_RDTSCP | PROC2_INVPCID, PROC2_EPT);
	ctl_exit = ctl_adjust("exit", c->exit_ctls,
			      EXIT_CTL_HOST_64 | EXIT_CTL_SAVE_EFER | EXIT_CTL_LOAD_EFER | EXIT_CTL_SAVE_PAT |
				      EXIT_CTL_LOAD_PAT | EXIT_CTL_SAVE_PREEMPT,
			      EXIT_CTL_HOST_64 | EXIT_CTL_LOAD_EFER);
	ctl_entry = ctl_adjust("entry", c->entry_ctls, ENTRY_CTL_LOAD_EFER | ENTRY_CTL_LOAD_PAT, ENTRY_CTL_LOAD_EFER);
	/* IA-32e mode guest is per vCPU (vcpu_init / vmx_sync_paging_mode). */
	ctl_entry &= ~ENTRY_CTL_IA32E;
	/* PAT in the VMCS only with both load and save. */
	if (!(ctl_entry & ENTRY_CTL_LOAD_PAT) || !(ctl_exit & EXIT_CTL_SAVE_PAT) || !(ctl_exit & EXIT_CTL_LOAD_PAT)) {
		ctl_entry &= ~ENTRY_CTL_LOAD_PAT;
		ctl_exit &= ~(EXIT_CTL_SAVE_PAT | EXIT_CTL_LOAD_PAT);
	}
	if (!(ctl_pin & PIN_PREEMPTION_TIMER))
		ctl_exit &= ~EXIT_CTL_SAVE_PREEMPT;
	crfix = (struct vmx_cr_fixed){
		.cr0_fixed0 = c->cr0_fixed0, .cr0_fixed1 = c->cr0_fixed1,
		.cr4_fixed0 = c->cr4_fixed0, .cr4_fixed1 = c->cr4_fixed1,
		.unrestricted = ctl_proc2 & PROC2_UNRESTRICTED,
	};
	ctls_ready = true;
}

static int vmx_cpu_enable(unsigned pcpu)
{
	if (pcpu >= MAX_CPUS)
		return -1;
	virt_detect(&caps); /* the capability MSRs, kept for this backend */
	if (caps.vendor != VIRT_VMX)
		return -1;
	if (!ctls_ready)
		compute_controls();
	const struct vmx_caps *c = &caps.vmx;
	/* CR0/CR4 must satisfy the VMX fixed bits (SDM 3C 24.8, 3D A.7-A.8);
	 * CR4.VMXE is among the fixed-1 bits of CR4. */
	write_cr0((read_cr0() | c->cr0_fixed0) & c->cr0_fixed1);
	write_cr4((read_cr4() | c->cr4_fixed0 | CR4_VMXE) & c->cr4_fixed1);
	struct vmx_cpu *cpu = &vmx_cpus[pcpu];
	cpu->vmxon_pa = page_alloc();
	if (!cpu->vmxon_pa)
		return -1;
	*(uint32_t *)pa_to_ptr(cpu->vmxon_pa) = vmcs_revision();
	uint8_t ok;
	__asm__ volatile("vmxon %1; seta %0" : "=qm"(ok) : "m"(cpu->vmxon_pa) : "cc", "memory");
	if (!ok) {
		log_err("vmx", "VMXON failed on CPU %u (CR0 0x%llx CR4 0x%llx)", pcpu, (unsigned long long)read_cr0(),
			(unsigned long long)read_cr4());
		return -1;
	}
	/* Nothing cached from before VMXON may survive (SDM 3C 29.4.3.1). */
	if (c->invept)
		invept(INVEPT_ALL, 0);
	if (c->invvpid)
		invvpid(INVVPID_ALL, 0);
	log_info("vmx", "VMXON on CPU %u; controls pin 0x%x primary 0x%x secondary 0x%x exit 0x%x entry 0x%x", pcpu,
		 ctl_pin, ctl_proc, ctl_proc2, ctl_exit, ctl_entry);
	return 0;
}

bool vmx_virtual_nmis(void) { return ctl_pin & PIN_VIRTUAL_NMIS; }

static void write_host_state(void);

void vmx_load(struct vcpu *v)
{
	struct vmx_vcpu *s = VX(v);
	struct vmx_cpu *cpu = &vmx_cpus[v->pcpu];
	if (cpu->current_vmcs == s->vmcs_pa)
		return;
	/* Active on another CPU: that CPU must VMCLEAR it first (vcpu_unload). */
	if (s->cpu != VMX_NO_CPU && s->cpu != v->pcpu)
		panic("vmx: VMCS of %s vCPU %u is still active on CPU %u, wanted on CPU %u", v->vm->opts.name,
		      v->index, s->cpu, v->pcpu);
	if (!vmptrld(s->vmcs_pa))
		panic("vmx: VMPTRLD of VMCS 0x%llx failed", (unsigned long long)s->vmcs_pa);
	cpu->current_vmcs = s->vmcs_pa;
	if (s->cpu != v->pcpu) {
		/* First time on this CPU: its host state, and no stale VPID
		 * translations left from an earlier run here. */
		s->cpu = v->pcpu;
		write_host_state();
		s->flush_pending = true;
	}
}

static void vmx_vcpu_unload(struct vcpu *v)
{
	struct vmx_vcpu *s = VX(v);
	struct vmx_cpu *cpu = &vmx_cpus[v->pcpu];
	if (s->cpu == VMX_NO_CPU)
		return;
	/* VMCLEAR writes the VMCS back and makes it inactive and clear, so
	 * the next entry (anywhere) is a VMLAUNCH (SDM 3C 25.11.3). */
	vmclear(s->vmcs_pa);
	if (cpu->current_vmcs == s->vmcs_pa)
		cpu->current_vmcs = 0;
	if (s->alt_vmcs_pa) { /* nested VMX: the other VMCS may be active here too */
		vmclear(s->alt_vmcs_pa);
		if (cpu->current_vmcs == s->alt_vmcs_pa)
			cpu->current_vmcs = 0;
		s->alt_launched = false;
	}
	if (cpu->syscall_msr_owner == v)
		cpu->syscall_msr_owner = 0;
	s->launched = false;
	s->cpu = VMX_NO_CPU;
}

static void set_seg(enum vmcs_field sel, const struct seg_desc *d)
{
	/* For every segment register the selector, base, limit and access
	 * fields are at the same index in their width groups (SDM 3D B.1.2,
	 * B.3.3, B.4.3): ES = 0, CS = 1, ... TR = 7. */
	unsigned i = (sel - VMCS_GUEST_ES_SEL) / 2;
	vmwrite(sel, d->selector);
	vmwrite((enum vmcs_field)(VMCS_GUEST_ES_BASE + 2 * i), d->base);
	vmwrite((enum vmcs_field)(VMCS_GUEST_ES_LIMIT + 2 * i), d->limit);
	vmwrite((enum vmcs_field)(VMCS_GUEST_ES_AR + 2 * i), (d->access & SEG_AR_UNUSABLE) ? SEG_AR_UNUSABLE : d->access);
}

static void write_host_state(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) gdtr, idtr;
	uint16_t tr;
	__asm__ volatile("sgdt %0; sidt %1; str %2" : "=m"(gdtr), "=m"(idtr), "=r"(tr));
	const uint64_t *gdt = (const uint64_t *)gdtr.base;
	uint64_t lo = gdt[tr >> 3], hi = gdt[(tr >> 3) + 1];
	uint64_t tr_base = ((lo >> 16) & 0xffffff) | (((lo >> 56) & 0xff) << 24) | (hi << 32);
	vmwrite(VMCS_HOST_CR0, read_cr0());
	vmwrite(VMCS_HOST_CR3, read_cr3());
	vmwrite(VMCS_HOST_CR4, read_cr4());
	vmwrite(VMCS_HOST_CS_SEL, GDT_SEL_CODE64);
	vmwrite(VMCS_HOST_SS_SEL, GDT_SEL_DATA);
	vmwrite(VMCS_HOST_DS_SEL, GDT_SEL_DATA);
	vmwrite(VMCS_HOST_ES_SEL, GDT_SEL_DATA);
	vmwrite(VMCS_HOST_FS_SEL, 0);
	vmwrite(VMCS_HOST_GS_SEL, 0);
	vmwrite(VMCS_HOST_TR_SEL, tr ? tr : GDT_SEL_TSS);
	vmwrite(VMCS_HOST_FS_BASE, rdmsr(MSR_FS_BASE));
	vmwrite(VMCS_HOST_GS_BASE, rdmsr(MSR_GS_BASE));
	vmwrite(VMCS_HOST_TR_BASE, tr_base);
	vmwrite(VMCS_HOST_GDTR_BASE, gdtr.base);
	vmwrite(VMCS_HOST_IDTR_BASE, idtr.base);
	vmwrite(VMCS_HOST_IA32_SYSENTER_CS, 0);
	vmwrite(VMCS_HOST_SYSENTER_ESP, 0);
	vmwrite(VMCS_HOST_SYSENTER_EIP, 0);
	vmwrite(VMCS_HOST_IA32_EFER, rdmsr(MSR_EFER));
	if (ctl_exit & EXIT_CTL_LOAD_PAT)
		vmwrite(VMCS_HOST_IA32_PAT, rdmsr(MSR_PAT));
	vmwrite(VMCS_HOST_RIP, (uint64_t)vmx_exit_stub);
}

bool vmx_ins_outs_info(void) { return (caps.vmx.basic >> 54) & 1; }

uint64_t vmx_new_vmcs(void)
{
	uint64_t pa = page_alloc();
	if (!pa)
		return 0;
	memset(pa_to_ptr(pa), 0, 4096);
	*(uint32_t *)pa_to_ptr(pa) = vmcs_revision();
	if (!vmclear(pa)) {
		pages_free(pa, 1);
		return 0;
	}
	return pa;
}

void vmx_swap_vmcs(struct vcpu *v)
{
	struct vmx_vcpu *s = VX(v);
	struct vmx_cpu *cpu = &vmx_cpus[v->pcpu];
	vmx_load(v); /* the current one is active here: so will both be */
	uint64_t pa = s->alt_vmcs_pa, eptp = s->alt_eptp;
	uint32_t proc = s->alt_proc_ctls;
	bool launched = s->alt_launched;
	s->alt_vmcs_pa = s->vmcs_pa;
	s->alt_eptp = s->eptp;
	s->alt_proc_ctls = s->proc_ctls;
	s->alt_launched = s->launched;
	s->vmcs_pa = pa;
	s->eptp = eptp;
	s->proc_ctls = proc;
	s->launched = launched;
	if (!vmptrld(pa))
		panic("vmx: VMPTRLD of VMCS 0x%llx failed", (unsigned long long)pa);
	cpu->current_vmcs = pa;
	/* This CPU's host state (the VMCS may never have run here), and no
	 * translation of the other level survives (they share the VPID). */
	write_host_state();
	s->flush_pending = true;
}

void vmx_l0_controls(uint32_t *pin, uint32_t *proc, uint32_t *proc2, uint32_t *exit, uint32_t *entry)
{
	*pin = ctl_pin;
	*proc = ctl_proc;
	*proc2 = ctl_proc2;
	*exit = ctl_exit;
	*entry = ctl_entry;
}

const struct vmx_caps *vmx_host_caps(void) { return &caps.vmx; }

uint64_t vmx_cr4_allowed(void) { return caps.vmx.cr4_fixed1 & ~(uint64_t)GUEST_CR4_HIDDEN; }

/* The guest state of a start (SDM 3C 25.4, checked by 27.3.1) into the
 * current VMCS: at creation, and for INIT + start-up IPI. */
static void vmx_write_start_state(struct vcpu *v, const struct vcpu_start *st)
{
	struct vmx_vcpu *s = VX(v);
	struct seg_state seg;
	seg_state_for_start(st, &seg);
	set_seg(VMCS_GUEST_ES_SEL, &seg.es);
	set_seg(VMCS_GUEST_CS_SEL, &seg.cs);
	set_seg(VMCS_GUEST_SS_SEL, &seg.ss);
	set_seg(VMCS_GUEST_DS_SEL, &seg.ds);
	set_seg(VMCS_GUEST_FS_SEL, &seg.fs);
	set_seg(VMCS_GUEST_GS_SEL, &seg.gs);
	set_seg(VMCS_GUEST_LDTR_SEL, &seg.ldtr);
	set_seg(VMCS_GUEST_TR_SEL, &seg.tr);
	vmwrite(VMCS_GUEST_GDTR_BASE, seg.gdtr.base);
	vmwrite(VMCS_GUEST_GDTR_LIMIT, seg.gdtr.limit);
	vmwrite(VMCS_GUEST_IDTR_BASE, seg.idtr.base);
	vmwrite(VMCS_GUEST_IDTR_LIMIT, seg.idtr.limit);

	vmwrite(VMCS_CR0_GUEST_HOST_MASK, vmx_cr0_mask(&crfix));
	vmwrite(VMCS_CR4_GUEST_HOST_MASK, vmx_cr4_mask(&crfix));
	vmwrite(VMCS_CR0_READ_SHADOW, seg.cr0);
	vmwrite(VMCS_CR4_READ_SHADOW, seg.cr4);
	vmwrite(VMCS_GUEST_CR0, vmx_cr0_real(&crfix, seg.cr0));
	vmwrite(VMCS_GUEST_CR4, vmx_cr4_real(&crfix, seg.cr4));
	vmwrite(VMCS_GUEST_CR3, seg.cr3);
	vmwrite(VMCS_GUEST_IA32_EFER, seg.efer);
	if (s->pat_in_vmcs)
		vmwrite(VMCS_GUEST_IA32_PAT, s->pat);
	vmwrite(VMCS_GUEST_IA32_DEBUGCTL, 0);
	vmwrite(VMCS_GUEST_DR7, 0x400);
	vmwrite(VMCS_GUEST_RSP, st->rsp);
	vmwrite(VMCS_GUEST_RIP, st->rip);
	vmwrite(VMCS_GUEST_RFLAGS, st->rflags | 2);
	vmwrite(VMCS_GUEST_PENDING_DBG, 0);
	vmwrite(VMCS_GUEST_INTERRUPTIBILITY, 0);
	vmwrite(VMCS_GUEST_ACTIVITY_STATE, 0);
	vmwrite(VMCS_GUEST_SYSENTER_CS, 0);
	vmwrite(VMCS_GUEST_SYSENTER_ESP, 0);
	vmwrite(VMCS_GUEST_SYSENTER_EIP, 0);
	vmwrite(VMCS_VMCS_LINK_POINTER, ~0ull);
	for (unsigned i = 0; i < 4; i++)
		vmwrite((enum vmcs_field)(VMCS_GUEST_PDPTE0 + 2 * i), 0);
	vmx_sync_paging_mode(v); /* IA-32e mode guest from EFER.LMA */

}

static int vmx_vcpu_init(struct vcpu *v, const struct vcpu_start *st, uint64_t tdp_root)
{
	_Static_assert(sizeof(struct vmx_vcpu) <= 4096, "vmx_vcpu fits its page");
	uint64_t self = page_alloc();
	if (!self)
		return -1;
	struct vmx_vcpu *s = pa_to_ptr(self);
	s->self_pa = self;
	s->cpu = VMX_NO_CPU;
	v->backend = s;
	s->vmcs_pa = page_alloc();
	s->io_bitmap_pa = pages_alloc_contig(VMX_IO_BITMAP_PAGES, 4096);
	s->msr_bitmap_pa = page_alloc();
	if (!s->vmcs_pa || !s->io_bitmap_pa || !s->msr_bitmap_pa)
		return -1;
	memset(pa_to_ptr(s->io_bitmap_pa), 0xff, VMX_IO_BITMAP_PAGES * 4096);
	memset(pa_to_ptr(s->msr_bitmap_pa), 0xff, 4096);
	*(uint32_t *)pa_to_ptr(s->vmcs_pa) = vmcs_revision();
	if (!vmclear(s->vmcs_pa) || !vmptrld(s->vmcs_pa)) {
		log_err("vmx", "VMCLEAR/VMPTRLD of a new VMCS failed");
		return -1;
	}
	vmx_cpus[v->pcpu].current_vmcs = s->vmcs_pa;
	s->cpu = v->pcpu;

	/* Controls. */
	vmwrite(VMCS_PIN_BASED_CTLS, ctl_pin);
	vmwrite(VMCS_PROC_BASED_CTLS, ctl_proc);
	s->proc_ctls = ctl_proc;
	vmwrite(VMCS_PROC_BASED_CTLS2, ctl_proc2);
	vmwrite(VMCS_EXIT_CTLS, ctl_exit);
	vmwrite(VMCS_ENTRY_CTLS, ctl_entry);
	vmwrite(VMCS_EXCEPTION_BITMAP, 0);
	vmwrite(VMCS_PF_ERROR_CODE_MASK, 0);
	vmwrite(VMCS_PF_ERROR_CODE_MATCH, 0);
	vmwrite(VMCS_CR3_TARGET_COUNT, 0);
	vmwrite(VMCS_EXIT_MSR_STORE_COUNT, 0);
	vmwrite(VMCS_EXIT_MSR_LOAD_COUNT, 0);
	vmwrite(VMCS_ENTRY_MSR_LOAD_COUNT, 0);
	vmwrite(VMCS_ENTRY_INTR_INFO, 0);
	vmwrite(VMCS_IO_BITMAP_A, s->io_bitmap_pa);
	vmwrite(VMCS_IO_BITMAP_B, s->io_bitmap_pa + 4096);
	vmwrite(VMCS_MSR_BITMAP, s->msr_bitmap_pa);
	vmwrite(VMCS_TSC_OFFSET, 0);
	if (ctl_proc2 & PROC2_VPID) {
		if (!next_vpid) {
			log_err("vmx", "out of VPIDs");
			return -1;
		}
		s->vpid = next_vpid++;
		vmwrite(VMCS_VPID, s->vpid);
	}
	s->eptp = ept_make_eptp(tdp_root, 4, false);
	vmwrite(VMCS_EPT_POINTER, s->eptp);
	s->save_preempt = ctl_exit & EXIT_CTL_SAVE_PREEMPT;
	s->pat_in_vmcs = ctl_entry & ENTRY_CTL_LOAD_PAT;
	s->pat = VMX_DEFAULT_PAT;
	s->preempt_value = 0xffffffff;
	vmwrite(VMCS_PREEMPTION_TIMER_VALUE, s->preempt_value);

	write_host_state();

	vmx_write_start_state(v, st);
	memcpy(v->gpr, st->gpr, sizeof(v->gpr));
	v->gpr[GPR_RSP] = st->rsp;
	/* The tables may sit where an earlier VM's did: drop stale entries. */
	s->flush_pending = true;
	return 0;
}

/* INIT then start-up (SDM 3A 9.4.4, table 9-1): the vCPU starts over from
 * st on its own CPU; nothing of its old state stays (syscall MSRs, CR2,
 * an event it was being given, its TLB entries). */
static void vmx_vcpu_reset(struct vcpu *v, const struct vcpu_start *st)
{
	struct vmx_vcpu *s = VX(v);
	vmx_load(v);
	vmx_write_start_state(v, st);
	vmwrite(VMCS_ENTRY_INTR_INFO, 0);
	s->kernel_gs_base = s->star = s->lstar = s->cstar = s->sfmask = 0;
	s->cr2 = 0;
	s->pat = VMX_DEFAULT_PAT;
	if (s->pat_in_vmcs)
		vmwrite(VMCS_GUEST_IA32_PAT, s->pat);
	vmx_cpus[v->pcpu].syscall_msr_owner = 0;
	memcpy(v->gpr, st->gpr, sizeof(v->gpr));
	v->gpr[GPR_RSP] = st->rsp;
	s->flush_pending = true;
}

static void vmx_vcpu_free(struct vcpu *v)
{
	struct vmx_vcpu *s = VX(v);
	if (!s)
		return;
	if (s->vmcs_pa) {
		vmx_vcpu_unload(v);
		pages_free(s->vmcs_pa, 1);
	}
	if (s->io_bitmap_pa)
		pages_free(s->io_bitmap_pa, VMX_IO_BITMAP_PAGES);
	if (s->msr_bitmap_pa)
		pages_free(s->msr_bitmap_pa, 1);
	v->backend = 0;
	pages_free(s->self_pa, 1);
}

static void do_flush(struct vcpu *v)
{
	struct vmx_vcpu *s = VX(v);
	const struct vmx_caps *c = &caps.vmx;
	if (c->invept)
		invept((c->ept_vpid_cap >> 25) & 1 ? INVEPT_SINGLE : INVEPT_ALL, s->eptp);
	if (s->vpid && c->invvpid)
		invvpid((c->ept_vpid_cap >> 41) & 1 ? INVVPID_SINGLE : INVVPID_ALL, s->vpid);
	s->flush_pending = false;
}

/* The syscall MSRs have no VMCS fields: the real MSRs hold the running
 * vCPU's values (TSC_AUX too: hv/core/sched.c loads it). */
static void load_msrs_before_entry(struct vcpu *v)
{
	struct vmx_vcpu *s = VX(v);
	struct vmx_cpu *cpu = &vmx_cpus[v->pcpu];
	if (cpu->syscall_msr_owner != v) {
		wrmsr(MSR_KERNEL_GS_BASE, s->kernel_gs_base);
		wrmsr(MSR_STAR, s->star);
		wrmsr(MSR_LSTAR, s->lstar);
		wrmsr(MSR_CSTAR, s->cstar);
		wrmsr(MSR_SFMASK, s->sfmask);
		cpu->syscall_msr_owner = v;
	}
}

/* The preemption timer value for the rest of the slice (no save control). */
static uint32_t vmx_preempt_left(const struct vmx_vcpu *s)
{
	if (!s->slice_end_tsc)
		return s->preempt_value;
	uint64_t now = rdtsc();
	if (now >= s->slice_end_tsc)
		return 0;
	uint64_t val = (s->slice_end_tsc - now) >> (caps.vmx.misc & 0x1f);
	return val > 0xffffffffull ? 0xffffffffu : (uint32_t)val;
}

static void vmx_run(struct vcpu *v, struct vm_exit *e)
{
	struct vmx_vcpu *s = VX(v);
	/* switch_in made the VMCS current; an exit handler that touched
	 * another vCPU's VMCS (vmx_load of it) may have changed that. */
	if (__builtin_expect(vmx_cpus[v->pcpu].current_vmcs != s->vmcs_pa, 0))
		vmx_load(v);
	vmwrite(VMCS_GUEST_RSP, v->gpr[GPR_RSP]);
	if (!s->save_preempt && (ctl_pin & PIN_PREEMPTION_TIMER))
		vmwrite(VMCS_PREEMPTION_TIMER_VALUE, vmx_preempt_left(s));
	/* With the saved value the timer counts guest time only (SDM 3C
	 * 26.5.1): a vCPU that exits often would reach its slice's end late.
	 * The exits that come often and cost much (MMIO, port I/O) end the
	 * slice themselves (sched_slice_over), keeping this path short. */
	vmx_inject_events(v);
	if (s->flush_pending)
		do_flush(v);
	load_msrs_before_entry(v);
	int r = vmx_enter(v->gpr, s->launched, &s->cr2);
	if (__builtin_expect(r != 0, 0)) {
		memset(e, 0, sizeof(*e));
		e->reason = EXIT_ENTRY_FAILED;
		e->qual = r == 1 ? 0 : vmread(VMCS_VM_INSTRUCTION_ERROR);
		e->hw_reason = VMX_HW_REASON_VMFAIL;
		e->rip = vmread(VMCS_GUEST_RIP);
		log_err("vmx", "%s failed: %s, VM-instruction error %llu", s->launched ? "VMRESUME" : "VMLAUNCH",
			r == 1 ? "VMfailInvalid" : vmx_insn_error_name((unsigned)e->qual), (unsigned long long)e->qual);
		return;
	}
	s->launched = true;
	v->gpr[GPR_RSP] = vmread(VMCS_GUEST_RSP);
	if (s->syscall_msrs_used)
		s->kernel_gs_base = rdmsr(MSR_KERNEL_GS_BASE); /* SWAPGS changes it */
	vmx_complete_events(v);
	vmx_translate_exit(v, e);
	if (e->reason == EXIT_EXTINT) {
		/* Acknowledge-on-exit is off: the interrupt is still pending;
		 * let the host's IDT take it now. */
		__asm__ volatile("sti; nop; cli" ::: "memory");
	}
}

static uint64_t vmx_get_rip(struct vcpu *v)
{
	vmx_load(v);
	return vmread(VMCS_GUEST_RIP);
}

static void vmx_set_rflags(struct vcpu *v, uint64_t rflags)
{
	vmx_load(v);
	vmwrite(VMCS_GUEST_RFLAGS, rflags | 2);
}

static void vmx_set_rip(struct vcpu *v, uint64_t rip)
{
	vmx_load(v);
	vmwrite(VMCS_GUEST_RIP, rip);
	/* Skipping an instruction ends STI / MOV SS blocking (SDM 3C 25.4.2). */
	uint64_t intr = vmread(VMCS_GUEST_INTERRUPTIBILITY);
	if (intr & 3)
		vmwrite(VMCS_GUEST_INTERRUPTIBILITY, intr & ~3ull);
}

static void vmx_end_intr_shadow(struct vcpu *v) { (void)v; } /* vmx_set_rip did it */

static void vmx_get_paging_state(struct vcpu *v, struct vcpu_paging_state *p)
{
	vmx_load(v);
	p->cr0 = vmread(VMCS_GUEST_CR0);
	p->cr3 = vmread(VMCS_GUEST_CR3);
	p->cr4 = vmread(VMCS_GUEST_CR4) & ~(uint64_t)CR4_VMXE;
	p->efer = vmread(VMCS_GUEST_IA32_EFER);
	p->rflags = vmread(VMCS_GUEST_RFLAGS);
	p->cpl = (vmread(VMCS_GUEST_SS_AR) >> 5) & 3;
	p->cs_base = vmread(VMCS_GUEST_CS_BASE);
	p->ds_base = vmread(VMCS_GUEST_DS_BASE);
	p->es_base = vmread(VMCS_GUEST_ES_BASE);
	p->ss_base = vmread(VMCS_GUEST_SS_BASE);
	p->fs_base = vmread(VMCS_GUEST_FS_BASE);
	p->gs_base = vmread(VMCS_GUEST_GS_BASE);
	uint64_t cs_ar = vmread(VMCS_GUEST_CS_AR);
	p->cs_l = (cs_ar >> 13) & 1;
	p->cs_d = (cs_ar >> 14) & 1;
	for (unsigned i = 0; i < 4; i++)
		p->pdpte[i] = vmread((enum vmcs_field)(VMCS_GUEST_PDPTE0 + 2 * i));
}

static bool vmx_tdp_format(struct pg_format *f)
{
	if (!ctls_ready)
		return false;
	struct ept_fmt_params p = {
		.levels = 4,
		.maxphyaddr = (uint8_t)(cpuid(0x80000008, 0).eax & 0xff),
		.ad = false,
		.exec_only = caps.vmx.ept_exec_only,
		.gbpages = caps.vmx.ept_1g,
	};
	return ept_fmt_build(f, &p);
}

static void vmx_flush_tdp(struct vcpu *v)
{
	VX(v)->flush_pending = true;
	if (v->nested) /* EPT02 copies EPT01's entries */
		nested_tdp_flushed(v);
}
static bool vmx_tdp_flush_pending(struct vcpu *v) { return VX(v)->flush_pending; }

static void vmx_set_slice(struct vcpu *v, uint64_t tsc_ticks)
{
	struct vmx_vcpu *s = VX(v);
	if (!(ctl_pin & PIN_PREEMPTION_TIMER))
		return;
	/* The timer counts down once every 2^N TSC ticks, N = IA32_VMX_MISC
	 * bits 4:0 (SDM 3C 26.5.1). */
	uint64_t val = tsc_ticks ? tsc_ticks >> (caps.vmx.misc & 0x1f) : 0xffffffffull;
	if (val > 0xffffffffull)
		val = 0xffffffffull;
	if (tsc_ticks && !val)
		val = 1;
	s->preempt_value = (uint32_t)val;
	/* Without "save VMX-preemption timer value" (Bochs) every entry
	 * reloads the value: it is then recomputed from this end, or a vCPU
	 * that exits often would never reach it. */
	s->slice_end_tsc = tsc_ticks ? rdtsc() + tsc_ticks : 0;
	vmx_load(v);
	vmwrite(VMCS_PREEMPTION_TIMER_VALUE, s->preempt_value);
}

static bool vmx_state_msr(struct vcpu *v, uint32_t msr, bool write, uint64_t *val)
{
	struct vmx_vcpu *s = VX(v);
	enum vmcs_field field;
	uint64_t *soft = 0;
	vmx_load(v);
	switch (msr) {
	case MSR_EFER:
		if (write) {
			/* LMA is the CPU's (it follows LME and CR0.PG). */
			uint64_t cur = vmread(VMCS_GUEST_IA32_EFER);
			vmwrite(VMCS_GUEST_IA32_EFER, (*val & ~(uint64_t)EFER_LMA) | (cur & EFER_LMA));
			vmx_sync_paging_mode(v);
			s->flush_pending = true;
		} else {
			*val = vmread(VMCS_GUEST_IA32_EFER);
		}
		return true;
	case MSR_FS_BASE: field = VMCS_GUEST_FS_BASE; break;
	case MSR_GS_BASE: field = VMCS_GUEST_GS_BASE; break;
	case MSR_IA32_SYSENTER_CS: field = VMCS_GUEST_SYSENTER_CS; break;
	case MSR_IA32_SYSENTER_ESP: field = VMCS_GUEST_SYSENTER_ESP; break;
	case MSR_IA32_SYSENTER_EIP: field = VMCS_GUEST_SYSENTER_EIP; break;
	case MSR_PAT:
		if (s->pat_in_vmcs) {
			field = VMCS_GUEST_IA32_PAT;
			break;
		}
		soft = &s->pat;
		break;
	case MSR_KERNEL_GS_BASE: soft = &s->kernel_gs_base; break;
	case MSR_STAR: soft = &s->star; break;
	case MSR_LSTAR: soft = &s->lstar; break;
	case MSR_CSTAR: soft = &s->cstar; break;
	case MSR_SFMASK: soft = &s->sfmask; break;
	default: return false;
	}
	if (soft) {
		if (write) {
			*soft = *val;
			if (msr != MSR_PAT) {
				s->syscall_msrs_used = true;
				vmx_cpus[v->pcpu].syscall_msr_owner = 0; /* reload before the next entry */
			}
		} else {
			*val = *soft;
		}
		return true;
	}
	if (write)
		vmwrite(field, *val);
	else
		*val = vmread(field);
	return true;
}

static void vmx_dump(struct vcpu *v)
{
	vmx_load(v);
	uint32_t reason = (uint32_t)vmread(VMCS_EXIT_REASON);
	kprintf("    RIP %016llx RSP %016llx RFLAGS %016llx CS.AR %05llx SS.AR %05llx\n",
		(unsigned long long)vmread(VMCS_GUEST_RIP), (unsigned long long)vmread(VMCS_GUEST_RSP),
		(unsigned long long)vmread(VMCS_GUEST_RFLAGS), (unsigned long long)vmread(VMCS_GUEST_CS_AR),
		(unsigned long long)vmread(VMCS_GUEST_SS_AR));
	kprintf("    CR0 %016llx CR3 %016llx CR4 %016llx EFER %016llx (shadows CR0 %llx CR4 %llx)\n",
		(unsigned long long)vmread(VMCS_GUEST_CR0), (unsigned long long)vmread(VMCS_GUEST_CR3),
		(unsigned long long)vmread(VMCS_GUEST_CR4), (unsigned long long)vmread(VMCS_GUEST_IA32_EFER),
		(unsigned long long)vmread(VMCS_CR0_READ_SHADOW), (unsigned long long)vmread(VMCS_CR4_READ_SHADOW));
	kprintf("    exit reason %u (%s)%s qualification 0x%llx, VM-instruction error %llu, IDT-vectoring 0x%llx, "
		"entry controls 0x%llx\n",
		reason & 0xffff, vmx_exit_name(reason & 0xffff), (reason & VMX_EXIT_REASON_ENTRY_FAILURE) ? " entry failure," : ",",
		(unsigned long long)vmread(VMCS_EXIT_QUALIFICATION), (unsigned long long)vmread(VMCS_VM_INSTRUCTION_ERROR),
		(unsigned long long)vmread(VMCS_IDT_VECTORING_INFO), (unsigned long long)vmread(VMCS_ENTRY_CTLS));
}

const struct vcpu_ops vmx_ops = {
	.name = "vmx",
	.needs_host_timer = false,
	.cpu_enable = vmx_cpu_enable,
	.tdp_format = vmx_tdp_format,
	.vcpu_init = vmx_vcpu_init,
	.vcpu_free = vmx_vcpu_free,
	.vcpu_reset = vmx_vcpu_reset,
	.switch_in = vmx_load,
	.run = vmx_run,
	.get_rip = vmx_get_rip,
	.set_rip = vmx_set_rip,
	.set_rflags = vmx_set_rflags,
	.exit_name = vmx_exit_name,
	.get_paging_state = vmx_get_paging_state,
	.get_cr = vmx_get_cr,
	.set_cr = vmx_set_cr,
	.cr4_allowed = vmx_cr4_allowed,
	.vcpu_unload = vmx_vcpu_unload,
	.flush_tdp = vmx_flush_tdp,
	.tdp_flush_pending = vmx_tdp_flush_pending,
	.set_slice = vmx_set_slice,
	.end_intr_shadow = vmx_end_intr_shadow,
	.state_msr = vmx_state_msr,
	.dump = vmx_dump,
};

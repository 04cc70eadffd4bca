/*
 * svm.c - the AMD SVM backend of vcpu_ops (AMD APM Vol 2 chapter 15).
 *
 * One VMCB per vCPU, one IOPM and MSRPM per vCPU (everything intercepted:
 * Nestor emulates each port and MSR a guest may touch), NPT on. Each
 * VMRUN is: inject the vCPU's events (svm_events.c), run, complete the
 * events (EXITINTINFO), translate the exit into struct vm_exit (pure).
 *
 * ASIDs (APM 15.16): per vCPU and per physical CPU, from a per-CPU
 * generation allocator as KVM does it: a vCPU that last ran elsewhere, or
 * in an older generation, takes the CPU's next ASID; when they run out the
 * generation ends and the next VMRUN flushes every ASID. So two vCPUs of a
 * VM never share a tag, whatever their guest page tables.
 *
 * State: struct svm_vcpu is the vCPU's (one page, only its CPU touches
 * it); struct svm_cpu is its physical CPU's (only that CPU touches it).
 */
#include "hv/svm/vmcb.h"
#include "hv/x86/cr.h"
#include "hv/svm/svm.h"
#include "hv/svm/svm_exit.h"
#include "hv/x86/cr.h"
#include "hv/core/guest_mem.h"
#include "drivers/console.h"
#include "hv/lib/string.h"
#include "hv/core/vcpu.h"
#include "hv/core/vm.h"
#include "hv/x86/asm.h"
#include "hv/dev/lapic_dev.h"
#include "hv/host/lapic.h"
#include "hv/host/lapic_timer.h"
#include "hv/host/percpu.h"
#include "hv/x86/segments.h"
#include "mm/pages.h"
#include "npt/npt_fmt.h"
#include "nested/nested.h"

#define SVM_IOPM_PAGES 3  /* 12 KiB (APM 15.10.1) */
#define SVM_MSRPM_PAGES 2 /* 8 KiB (APM 15.11) */
#define SVM_DEFAULT_GPAT 0x0007040600070406ull

static struct svm_cpu svm_cpus[MAX_CPUS];
static bool svm_has_nrips;
/*
 * QEMU's TCG SVM (7.2 and later, target/i386/tcg/sysemu/svm_helper.c)
 * delivers an EVENTINJ interrupt inside VMRUN but leaves its vector as
 * the CPU's pending exception; if the guest then runs until QEMU's main
 * loop asks the CPU to stop (with -smp 2 its round-robin does, every few
 * ms), that stale vector is delivered a second time, at whatever the
 * guest runs then, IF=0 or not. Linux took a second timer interrupt at
 * the first instruction of the first one's handler (GS already swapped:
 * a stack-guard oops) or inside a spin_lock_irqsave (a deadlock); the
 * smp_ring test counted an IPI too many. Any #VMEXIT resets that state,
 * so when an interrupt goes into EVENTINJ (svm_eventinj_written) the
 * next entry first sends its own CPU a kick IPI: pending at VMRUN, it
 * ends the guest right after the injected interrupt is delivered (one
 * extra exit per interrupt, none on the common entry path).
 * Applied where SVM has no NRIPS, as on QEMU TCG (real AMD CPUs have had
 * NRIPS since family 10h; on one without, it only costs that exit).
 */
static bool svm_exit_after_intr_inject;
static uint32_t svm_max_asid;
/* TLB_CONTROL (APM 15.16.2): 1 flushes every ASID, 3 only this guest's
 * (needs FlushByAsid, CPUID Fn8000_000A EDX[6]). */
static uint8_t svm_tlb_flush_cmd = 1;
static uint64_t svm_guest_cr4_allowed;

void svm_vmrun(uint64_t vmcb_pa, uint64_t *gpr, uint64_t host_vmcb_pa);

static int svm_cpu_enable(unsigned pcpu)
{
	if (pcpu >= MAX_CPUS)
		return -1;
	struct svm_cpu *cpu = &svm_cpus[pcpu];
	svm_has_nrips = cpuid(0x8000000a, 0).edx & (1u << 3);
	svm_exit_after_intr_inject = !svm_has_nrips;
	if (pcpu == 0 && svm_exit_after_intr_inject)
		log_info("svm", "no NRIPS (QEMU TCG?): each injected interrupt is followed by an exit (QEMU delivers "
				"an EVENTINJ interrupt twice otherwise)");
	/* ASIDs 1..EBX-1 are the guests' (0 is the host's, APM 15.16). */
	svm_max_asid = cpuid(0x8000000a, 0).ebx - 1;
	cpu->next_asid = 1;
	cpu->asid_gen = 1;
	if (cpuid(0x8000000a, 0).edx & (1u << 6))
		svm_tlb_flush_cmd = 3;
	struct cpuid_regs c1 = cpuid(1, 0), c7 = cpuid(0, 0).eax >= 7 ? cpuid(7, 0) : (struct cpuid_regs){ 0, 0, 0, 0 };
	svm_guest_cr4_allowed = guest_cr4_allowed(c1.ecx, c1.edx, c7.ebx, c7.ecx);
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	/* Per CPU (APM 15.30.4): the host save area VMRUN uses, and the
	 * host's FS/GS/TR/LDTR and syscall MSRs restored after each exit. */
	cpu->host_save_pa = page_alloc();
	cpu->host_vmcb_pa = page_alloc();
	if (!cpu->host_save_pa || !cpu->host_vmcb_pa)
		return -1;
	wrmsr(MSR_VM_HSAVE_PA, cpu->host_save_pa);
	__asm__ volatile("vmsave %%rax" ::"a"(cpu->host_vmcb_pa) : "memory");
	return 0;
}

static void svm_set_seg(struct vmcb_seg *s, const struct seg_desc *d)
{
	s->selector = d->selector;
	s->base = d->base;
	s->limit = d->limit;
	s->attrib = (uint16_t)((d->access & 0xff) | ((d->access >> 4) & 0xf00));
}

/* The guest state of a start into the VMCB's save area: at creation,
 * and for INIT + start-up IPI. */
static void svm_write_start_state(struct svm_vcpu *s, const struct vcpu_start *st)
{
	struct vmcb_save *g = &s->vmcb->save;
	struct seg_state seg;
	seg_state_for_start(st, &seg);
	svm_set_seg(&g->cs, &seg.cs);
	svm_set_seg(&g->ds, &seg.ds);
	svm_set_seg(&g->es, &seg.es);
	svm_set_seg(&g->ss, &seg.ss);
	svm_set_seg(&g->fs, &seg.fs);
	svm_set_seg(&g->gs, &seg.gs);
	svm_set_seg(&g->tr, &seg.tr);
	svm_set_seg(&g->ldtr, &seg.ldtr);
	svm_set_seg(&g->gdtr, &seg.gdtr);
	svm_set_seg(&g->idtr, &seg.idtr);
	g->cpl = 0;
	g->cr0 = seg.cr0;
	g->cr3 = seg.cr3;
	g->cr4 = seg.cr4;
	/* EFER.SVME must stay set in the guest's EFER (APM 15.5.1); the MSR
	 * handler hides it from the guest. */
	g->efer = seg.efer | EFER_SVME;
	g->rflags = st->rflags | 2;
	g->rip = st->rip;
	g->rsp = st->rsp;
	g->rax = st->gpr[GPR_RAX];
	g->dr6 = 0xffff0ff0;
	g->dr7 = 0x400;
	g->g_pat = SVM_DEFAULT_GPAT;
}

static int svm_vcpu_init(struct vcpu *v, const struct vcpu_start *st, uint64_t tdp_root)
{
	_Static_assert(sizeof(struct svm_vcpu) <= 4096, "svm_vcpu fits its page");
	uint64_t self = page_alloc();
	if (!self)
		return -1;
	struct svm_vcpu *s = pa_to_ptr(self);
	s->self_pa = self;
	v->backend = s;
	s->vmcb_pa = page_alloc();
	s->iopm_pa = pages_alloc_contig(SVM_IOPM_PAGES, 4096);
	s->msrpm_pa = pages_alloc_contig(SVM_MSRPM_PAGES, 4096);
	if (!s->vmcb_pa || !s->iopm_pa || !s->msrpm_pa)
		return -1;
	s->vmcb = pa_to_ptr(s->vmcb_pa);
	memset(pa_to_ptr(s->iopm_pa), 0xff, SVM_IOPM_PAGES * 4096);
	memset(pa_to_ptr(s->msrpm_pa), 0xff, SVM_MSRPM_PAGES * 4096);
	uint8_t *iopm = pa_to_ptr(s->iopm_pa);
	for (uint32_t port = 0; port < 0x10000; port++)
		if (!vm_port_intercepted(v->vm, (uint16_t)port))
			iopm[port / 8] &= (uint8_t)~(1u << (port % 8));

	struct vmcb_control *c = &s->vmcb->control;
	c->intercept_exc = (1u << 18); /* #MC: the host handles machine checks */
	/* CR4 writes: a guest must not set the GUEST_CR4_HIDDEN bits. */
	/* CR4 writes (hidden bits), and CR8 writes: they go to the emulated
	 * APIC's TPR (hv/exit/cr.c). Unintercepted, they would only change
	 * V_TPR, and QEMU 7.2's TCG aborts on one (an assertion in its CR8
	 * write with V_INTR_MASKING). */
	c->intercept_cr = SVM_INTERCEPT_CR_WRITE(4) | SVM_INTERCEPT_CR_WRITE(8);
	c->intercept_misc1 = SVM_INTERCEPT1_INTR | SVM_INTERCEPT1_NMI | SVM_INTERCEPT1_SMI | SVM_INTERCEPT1_INIT |
			     SVM_INTERCEPT1_CPUID | SVM_INTERCEPT1_INVD | SVM_INTERCEPT1_HLT |
			     SVM_INTERCEPT1_INVLPGA | SVM_INTERCEPT1_IOIO | SVM_INTERCEPT1_MSR |
			     SVM_INTERCEPT1_TASK_SWITCH | SVM_INTERCEPT1_SHUTDOWN;
	/* VMRUN must be intercepted (APM 15.5.1 consistency checks); the
	 * other SVM instructions too: no nested SVM for guests yet. */
	c->intercept_misc2 = SVM_INTERCEPT2_VMRUN | SVM_INTERCEPT2_VMMCALL | SVM_INTERCEPT2_VMLOAD |
			     SVM_INTERCEPT2_VMSAVE | SVM_INTERCEPT2_STGI | SVM_INTERCEPT2_CLGI |
			     SVM_INTERCEPT2_SKINIT | SVM_INTERCEPT2_MONITOR | SVM_INTERCEPT2_MWAIT |
			     SVM_INTERCEPT2_XSETBV;
	c->iopm_base_pa = s->iopm_pa;
	c->msrpm_base_pa = s->msrpm_pa;
	c->asid = 0;             /* chosen at the first VMRUN (svm_pick_asid) */
	c->vintr = SVM_VINTR_MASKING; /* host IF governs physical interrupts */
	c->np_enable = 1;
	c->ncr3 = tdp_root;

	svm_write_start_state(s, st);
	memcpy(v->gpr, st->gpr, sizeof(v->gpr));
	return 0;
}

/* INIT then start-up (SDM 3A 9.4.4 / APM Vol 2 15.19): the vCPU starts
 * over from st; no event, interrupt shadow or TLB entry of before stays. */
static void svm_vcpu_reset(struct vcpu *v, const struct vcpu_start *st)
{
	struct svm_vcpu *s = S(v);
	struct vmcb *vmcb = s->vmcb;
	memset(&vmcb->save, 0, sizeof(vmcb->save));
	svm_write_start_state(s, st);
	vmcb->control.eventinj = 0;
	vmcb->control.interrupt_shadow = 0;
	memcpy(v->gpr, st->gpr, sizeof(v->gpr));
	svm_entry_work_add(s, SVM_WORK_FLUSH | SVM_WORK_CR2); /* CR2 0, on Bochs too */
}

static void svm_vcpu_free(struct vcpu *v)
{
	struct svm_vcpu *s = S(v);
	if (!s)
		return;
	if (s->vmcb_pa)
		pages_free(s->vmcb_pa, 1);
	if (s->iopm_pa)
		pages_free(s->iopm_pa, SVM_IOPM_PAGES);
	if (s->msrpm_pa)
		pages_free(s->msrpm_pa, SVM_MSRPM_PAGES);
	v->backend = 0;
	pages_free(s->self_pa, 1);
}

/* Nothing of a VMCB stays cached in a CPU across VMRUNs while the clean
 * bits are 0 (APM 15.15); the ASID is per CPU, so take a new one there. */
static void svm_vcpu_unload(struct vcpu *v) { S(v)->asid_cpu = ~0u; }

/* A new ASID when this vCPU last ran on another CPU or in an older
 * generation; a new generation flushes every ASID on this CPU. */
static void svm_pick_asid(struct vcpu *v, struct svm_vcpu *s, struct svm_cpu *cpu)
{
	if (cpu->next_asid > svm_max_asid) {
		cpu->asid_gen++;
		cpu->next_asid = 1;
		s->vmcb->control.tlb_control = 1; /* flush all ASIDs (APM 15.16.2) */
	}
	s->asid = cpu->next_asid++;
	s->asid_gen = cpu->asid_gen;
	s->asid_cpu = v->pcpu;
	s->vmcb->control.asid = s->asid;
}

/* Translate the VMCB's exit into the vendor-neutral record. */
static void svm_translate_exit(const struct vcpu *v, const struct vmcb *vmcb, struct vm_exit *e)
{
	struct svm_exit_raw raw = {
		.exitcode = vmcb->control.exitcode,
		.exitinfo1 = vmcb->control.exitinfo1,
		.exitinfo2 = vmcb->control.exitinfo2,
		.rip = vmcb->save.rip,
		.next_rip = svm_has_nrips ? vmcb->control.next_rip : 0,
		.rcx = v->gpr[GPR_RCX],
		.efer = &vmcb->save.efer,
		.cs_attrib = &vmcb->save.cs.attrib,
	};
	svm_exit_decode(&raw, e);
}

/* v takes this CPU: its ASID here must be current (svm_pick_asid). */
static void svm_switch_in(struct vcpu *v)
{
	struct svm_vcpu *s = S(v);
	struct svm_cpu *cpu = &svm_cpus[v->pcpu];
	if (s->asid_gen != cpu->asid_gen || s->asid_cpu != v->pcpu)
		svm_pick_asid(v, s, cpu);
}

void svm_eventinj_written(struct svm_vcpu *s, uint64_t eventinj)
{
	if (svm_exit_after_intr_inject && (eventinj & (SVM_EVENT_VALID | SVM_EVENT_TYPE_MASK)) == SVM_EVENT_VALID)
		svm_entry_work_add(s, SVM_WORK_KICK_SELF);
}

/* CR8 is the TPR (SDM 3A 11.8.6.1). With V_INTR_MASKING a MOV from CR8
 * reads V_TPR (APM 15.21.1), so V_TPR follows the emulated APIC's
 * TPR[7:4]; MOV to CR8 is intercepted (svm_vcpu_init). */
static void svm_tpr_changed(struct vcpu *v) { svm_entry_work_add(S(v), SVM_WORK_VTPR); }

static __attribute__((noinline)) void svm_do_entry_work(struct vcpu *v, struct svm_vcpu *s, struct vmcb *vmcb)
{
	uint8_t work = __atomic_exchange_n(&s->entry_work, 0, __ATOMIC_ACQUIRE);
	if ((work & SVM_WORK_FLUSH) && !vmcb->control.tlb_control)
		vmcb->control.tlb_control = svm_tlb_flush_cmd;
	/* VMRUN loads CR2 from the VMCB (APM 15.5.1), but Bochs 2.7's does not:
	 * the real register is set too, which costs nothing on hardware. */
	if (work & SVM_WORK_CR2)
		write_cr2(vmcb->save.cr2);
	if ((work & SVM_WORK_VTPR) && v->lapic && !(v->nested && nested_in_l2(v)))
		vmcb->control.vintr = (vmcb->control.vintr & ~SVM_VINTR_V_TPR) | lapic_dev_cr8_read(v);
	if (work & SVM_WORK_KICK_SELF)
		lapic_send_ipi((uint8_t)percpu_area[v->pcpu].apic_id, ICR_FIXED | KICK_VECTOR);
}

static void svm_run(struct vcpu *v, struct vm_exit *e)
{
	struct svm_vcpu *s = S(v);
	struct svm_cpu *cpu = &svm_cpus[v->pcpu];
	struct vmcb *vmcb = s->vmcb;
	svm_inject_events(v);
	vmcb->save.rax = v->gpr[GPR_RAX];
	vmcb->save.rsp = v->gpr[GPR_RSP];
	if (__builtin_expect(s->entry_work != 0, 0))
		svm_do_entry_work(v, s, vmcb);
	/* Host IF=1 at VMRUN so that, with V_INTR_MASKING, a host interrupt
	 * exits the guest whatever the guest's IF (APM 15.21.1); svm_vmrun
	 * sets it with an STI right before VMRUN, after the guest's VMLOAD
	 * (an interrupt taken in between would run the host's handler on the
	 * guest's GS base). No CLGI: Bochs leaves INTR masked after CLGI+VMRUN
	 * when the guest runs with IF=0. #VMEXIT clears GIF; STGI then lets
	 * the pending interrupt reach the host's handler (APM 15.17). */
	svm_vmrun(s->vmcb_pa, v->gpr, cpu->host_vmcb_pa);
	__asm__ volatile("stgi; cli" ::: "memory");
	vmcb->control.tlb_control = 0;
	vmcb->control.eventinj = 0;
	v->gpr[GPR_RAX] = vmcb->save.rax;
	v->gpr[GPR_RSP] = vmcb->save.rsp;
	svm_complete_events(v, vmcb);
	svm_translate_exit(v, vmcb, e);
}

static uint64_t svm_get_rip(struct vcpu *v) { return S(v)->vmcb->save.rip; }
static void svm_set_rip(struct vcpu *v, uint64_t rip) { S(v)->vmcb->save.rip = rip; }
static void svm_set_rflags(struct vcpu *v, uint64_t rflags) { S(v)->vmcb->save.rflags = rflags | 2; }
static void svm_end_intr_shadow(struct vcpu *v) { S(v)->vmcb->control.interrupt_shadow &= ~(uint64_t)SVM_INTERRUPT_SHADOW; }

static void svm_get_paging_state(struct vcpu *v, struct vcpu_paging_state *p)
{
	const struct vmcb_save *g = &S(v)->vmcb->save;
	p->cr0 = g->cr0;
	p->cr3 = g->cr3;
	p->cr4 = g->cr4;
	p->efer = g->efer & ~(uint64_t)EFER_SVME;
	p->rflags = g->rflags;
	p->cpl = g->cpl;
	p->cs_base = g->cs.base;
	p->ds_base = g->ds.base;
	p->es_base = g->es.base;
	p->ss_base = g->ss.base;
	p->fs_base = g->fs.base;
	p->gs_base = g->gs.base;
	p->cs_l = (g->cs.attrib >> 9) & 1;
	p->cs_d = (g->cs.attrib >> 10) & 1;
	/* With NPT the CPU reads PAE PDPTEs from guest memory on each CR3
	 * load (APM 15.25.10); callers load them through the walker. */
	memset(p->pdpte, 0, sizeof(p->pdpte));
}

static uint64_t svm_get_cr(struct vcpu *v, unsigned cr)
{
	const struct vmcb_save *g = &S(v)->vmcb->save;
	return cr == 0 ? g->cr0 : cr == 3 ? g->cr3 : cr == 4 ? g->cr4 : 0;
}

static void svm_set_cr(struct vcpu *v, unsigned cr, uint64_t val)
{
	struct vmcb_save *g = &S(v)->vmcb->save;
	switch (cr) {
	case 0:
		g->cr0 = val;
		/* EFER.LMA = LME && CR0.PG (APM Vol 2 14.6). */
		g->efer = (g->efer & EFER_LME) && (val & CR0_PG) ? g->efer | EFER_LMA : g->efer & ~(uint64_t)EFER_LMA;
		break;
	case 3: g->cr3 = val; break;
	case 4: g->cr4 = val; break;
	default: return;
	}
	/* The write was intercepted, not executed: do the TLB flush it
	 * implies (SDM Vol 3A 4.10.4.1) for this vCPU's ASID. */
	svm_entry_work_add(S(v), SVM_WORK_FLUSH);
}

static uint64_t svm_cr4_allowed(void) { return svm_guest_cr4_allowed; }

static bool svm_tdp_format(struct pg_format *f)
{
	/* Host long-mode format (APM 15.25.5); TDP NX needs host EFER.NXE,
	 * which boot sets. 1 GiB pages per CPUID Fn8000_0001 EDX[26]. */
	struct npt_fmt_params p = {
		.maxphyaddr = (uint8_t)(cpuid(0x80000008, 0).eax & 0xff),
		.nxe = true,
		.gbpages = (cpuid(0x80000001, 0).edx >> 26) & 1,
	};
	return npt_fmt_build(f, &p);
}

static void svm_flush_tdp(struct vcpu *v)
{
	svm_entry_work_add(S(v), SVM_WORK_FLUSH);
	if (v->nested)
		nested_tdp_flushed(v);
}
static bool svm_tdp_flush_pending(struct vcpu *v)
{
	return __atomic_load_n(&S(v)->entry_work, __ATOMIC_ACQUIRE) & SVM_WORK_FLUSH;
}

static void svm_set_slice(struct vcpu *v, uint64_t tsc_ticks)
{
	(void)v;
	/* The host APIC timer's interrupt forces an INTR exit (APM 15.21.1). */
	lapic_timer_set(tsc_ticks ? rdtsc() + tsc_ticks : UINT64_MAX);
}

static bool svm_state_msr(struct vcpu *v, uint32_t msr, bool write, uint64_t *val)
{
	struct vmcb_save *g = &S(v)->vmcb->save;
	uint64_t *field;
	switch (msr) {
	case MSR_EFER:
		if (write) {
			/* LMA is the CPU's to set; SVME stays on under the guest. */
			g->efer = (*val & ~(uint64_t)EFER_LMA) | (g->efer & EFER_LMA) | EFER_SVME;
			svm_entry_work_add(S(v), SVM_WORK_FLUSH);
		} else {
			*val = g->efer & ~(uint64_t)EFER_SVME;
		}
		return true;
	case MSR_FS_BASE: field = &g->fs.base; break;
	case MSR_GS_BASE: field = &g->gs.base; break;
	case MSR_KERNEL_GS_BASE: field = &g->kernel_gs_base; break;
	case 0x174: field = &g->sysenter_cs; break;
	case 0x175: field = &g->sysenter_esp; break;
	case 0x176: field = &g->sysenter_eip; break;
	case 0xc0000081: field = &g->star; break;
	case 0xc0000082: field = &g->lstar; break;
	case 0xc0000083: field = &g->cstar; break;
	case 0xc0000084: field = &g->sfmask; break;
	case MSR_PAT: field = &g->g_pat; break;
	default: return false;
	}
	if (write)
		*field = *val;
	else
		*val = *field;
	return true;
}

static void svm_dump(struct vcpu *v)
{
	const struct vmcb *b = S(v)->vmcb;
	kprintf("    RIP %016llx RSP %016llx RFLAGS %016llx CPL %u\n", (unsigned long long)b->save.rip,
		(unsigned long long)b->save.rsp, (unsigned long long)b->save.rflags, b->save.cpl);
	kprintf("    CR0 %016llx CR3 %016llx CR4 %016llx EFER %016llx\n", (unsigned long long)b->save.cr0,
		(unsigned long long)b->save.cr3, (unsigned long long)b->save.cr4, (unsigned long long)b->save.efer);
	kprintf("    CS %04x base %llx attr %03x  EXITCODE 0x%llx EXITINFO1 0x%llx EXITINFO2 0x%llx EXITINTINFO 0x%llx\n",
		b->save.cs.selector, (unsigned long long)b->save.cs.base, b->save.cs.attrib,
		(unsigned long long)b->control.exitcode, (unsigned long long)b->control.exitinfo1,
		(unsigned long long)b->control.exitinfo2, (unsigned long long)b->control.exitintinfo);
}

const struct vcpu_ops svm_ops = {
	.name = "svm",
	.needs_host_timer = true,
	.cpu_enable = svm_cpu_enable,
	.vcpu_init = svm_vcpu_init,
	.vcpu_free = svm_vcpu_free,
	.vcpu_reset = svm_vcpu_reset,
	.switch_in = svm_switch_in,
	.run = svm_run,
	.get_rip = svm_get_rip,
	.set_rip = svm_set_rip,
	.set_rflags = svm_set_rflags,
	.get_paging_state = svm_get_paging_state,
	.get_cr = svm_get_cr,
	.set_cr = svm_set_cr,
	.cr4_allowed = svm_cr4_allowed,
	.vcpu_unload = svm_vcpu_unload,
	.tdp_format = svm_tdp_format,
	.flush_tdp = svm_flush_tdp,
	.tpr_changed = svm_tpr_changed,
	.tdp_flush_pending = svm_tdp_flush_pending,
	.set_slice = svm_set_slice,
	.end_intr_shadow = svm_end_intr_shadow,
	.state_msr = svm_state_msr,
	.dump = svm_dump,
	.exit_name = svm_exit_name,
};

/*
 * svm.c - the AMD SVM backend of vcpu_ops (AMD APM Vol 2 chapter 15).
 *
 * One VMCB per vCPU, one IOPM and MSRPM per vCPU (everything intercepted:
 * Nestor emulates each port and MSR a guest may touch), TDP on,
 * an ASID per VM. Exits are translated into struct vm_exit here and
 * nowhere else.
 */
#include "hv/svm/vmcb.h"
#include "hv/svm/svm_cr.h"
#include "hv/svm/svm_exit.h"
#include "hv/guest_mem.h"
#include "drivers/console.h"
#include "hv/lib/string.h"
#include "hv/vcpu.h"
#include "hv/vm.h"
#include "hv/x86/asm.h"
#include "hv/x86/segments.h"
#include "mm/pages.h"
#include "npt/npt_fmt.h"

#define SVM_IOPM_PAGES 3  /* 12 KiB (APM 15.10.1) */
#define SVM_MSRPM_PAGES 2 /* 8 KiB (APM 15.11) */
#define SVM_DEFAULT_GPAT 0x0007040600070406ull

struct svm_vcpu {
	struct vmcb *vmcb;
	uint64_t vmcb_pa, iopm_pa, msrpm_pa;
	bool flush_pending;
	bool load_cr2; /* Nestor set the guest's CR2 (an injected #PF) */
};

static struct svm_vcpu svm_state[MAX_VMS * GUEST_VCPUS_MAX];
static unsigned svm_state_used;
static uint64_t host_save_pa[MAX_CPUS], host_vmcb_pa[MAX_CPUS];
static bool svm_has_nrips;
/* TLB_CONTROL (APM 15.16.2): 1 flushes every ASID, 3 only this guest's
 * (needs FlushByAsid, CPUID Fn8000_000A EDX[6]). */
static uint8_t svm_tlb_flush_cmd = 1;
static uint64_t svm_guest_cr4_allowed;

void svm_vmrun(uint64_t vmcb_pa, uint64_t *gpr, uint64_t host_vmcb_pa);

static inline struct svm_vcpu *S(struct vcpu *v) { return v->backend; }

static int svm_cpu_enable(unsigned pcpu)
{
	svm_has_nrips = cpuid(0x8000000a, 0).edx & (1u << 3);
	if (cpuid(0x8000000a, 0).edx & (1u << 6))
		svm_tlb_flush_cmd = 3;
	struct cpuid_regs c1 = cpuid(1, 0), c7 = cpuid(0, 0).eax >= 7 ? cpuid(7, 0) : (struct cpuid_regs){ 0, 0, 0, 0 };
	svm_guest_cr4_allowed = guest_cr4_allowed(c1.ecx, c1.edx, c7.ebx, c7.ecx);
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	host_save_pa[pcpu] = page_alloc();
	host_vmcb_pa[pcpu] = page_alloc();
	if (!host_save_pa[pcpu] || !host_vmcb_pa[pcpu])
		return -1;
	wrmsr(MSR_VM_HSAVE_PA, host_save_pa[pcpu]);
	/* The host's FS/GS/TR/LDTR and syscall MSRs, restored after each exit. */
	__asm__ volatile("vmsave %%rax" ::"a"(host_vmcb_pa[pcpu]) : "memory");
	return 0;
}

static void svm_set_seg(struct vmcb_seg *s, const struct seg_desc *d)
{
	s->selector = d->selector;
	s->base = d->base;
	s->limit = d->limit;
	s->attrib = (uint16_t)((d->access & 0xff) | ((d->access >> 4) & 0xf00));
}

static int svm_vcpu_init(struct vcpu *v, const struct vcpu_start *st, uint64_t tdp_root)
{
	if (svm_state_used >= sizeof(svm_state) / sizeof(svm_state[0]))
		return -1;
	struct svm_vcpu *s = &svm_state[svm_state_used++];
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
	c->intercept_cr = 1u << (16 + 4);
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
	c->asid = v->vm->id + 1; /* ASID 0 is the host's */
	c->tlb_control = svm_tlb_flush_cmd; /* stale entries of a reused ASID */
	c->vintr = 1ull << 24;   /* V_INTR_MASKING: host IF governs physical interrupts */
	c->np_enable = 1;
	c->ncr3 = tdp_root;

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
	memcpy(v->gpr, st->gpr, sizeof(v->gpr));
	return 0;
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
	s->vmcb_pa = s->iopm_pa = s->msrpm_pa = 0;
}

/* Translate the VMCB's exit into the vendor-neutral record. */
static void svm_translate_exit(struct vcpu *v, struct vm_exit *e)
{
	const struct vmcb *vmcb = S(v)->vmcb;
	struct svm_exit_raw raw = {
		.exitcode = vmcb->control.exitcode,
		.exitinfo1 = vmcb->control.exitinfo1,
		.exitinfo2 = vmcb->control.exitinfo2,
		.rip = vmcb->save.rip,
		.next_rip = svm_has_nrips ? vmcb->control.next_rip : 0,
		.rcx = v->gpr[GPR_RCX],
	};
	svm_exit_decode(&raw, e);
}

static void svm_inject_exception(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error);

/*
 * MOV to CR4 (intercepted, APM 15.9): without decode assists the
 * instruction is fetched and decoded here. A bit the guest may not set
 * raises #GP(0) (SDM 3A 2.5, table 2-2 "reserved"); otherwise the write is
 * done and the guest's TLB flushed. Returns false if the bytes at RIP are
 * not a MOV to CR4 (then the exit stops the VM with a report).
 */
static __attribute__((noinline, cold)) bool svm_cr4_write(struct vcpu *v)
{
	struct vmcb_save *g = &S(v)->vmcb->save;
	bool lm = (g->efer & EFER_LMA) && ((g->cs.attrib >> 9) & 1);
	uint64_t lin = (lm ? 0 : g->cs.base) + g->rip;
	uint8_t b[16];
	unsigned n = (unsigned)(4096 - (lin & 4095));
	struct walk_fault f;
	if (n > 15)
		n = 15;
	if (guest_read_linear(v, lin, b, n, WALK_ACC_FETCH, &f))
		return false;
	if (n < 15 && !guest_read_linear(v, lin + n, b + n, 15 - n, WALK_ACC_FETCH, &f))
		n = 15;
	struct mov_cr m;
	if (!decode_mov_to_cr(b, n, lm, &m) || m.cr != 4)
		return false;
	uint64_t val = v->gpr[m.gpr];
	if (!lm)
		val &= 0xffffffffull;
	if ((val & ~svm_guest_cr4_allowed) || ((g->efer & EFER_LMA) && !(val & CR4_PAE))) {
		svm_inject_exception(v, 13, true, 0);
		return true;
	}
	g->cr4 = val;
	S(v)->flush_pending = true;
	g->rip += m.len;
	return true;
}

static void svm_run(struct vcpu *v, struct vm_exit *e)
{
	struct svm_vcpu *s = S(v);
	struct vmcb *vmcb = s->vmcb;
	vmcb->save.rax = v->gpr[GPR_RAX];
	vmcb->save.rsp = v->gpr[GPR_RSP];
	if (s->flush_pending) {
		vmcb->control.tlb_control = svm_tlb_flush_cmd;
		s->flush_pending = false;
	}
	/* Host IF=1 at VMRUN so that, with V_INTR_MASKING, a host interrupt
	 * exits the guest whatever the guest's IF (APM 15.21.1). No CLGI
	 * first: a timer tick taken by the host between STI and VMRUN only
	 * costs one slice, and Bochs leaves INTR masked after CLGI+VMRUN when
	 * the guest runs with IF=0. #VMEXIT clears GIF; STGI then lets the
	 * pending interrupt reach the host's handler (APM 15.17). */
	/* VMRUN loads CR2 from the VMCB (APM 15.5.1), but Bochs 2.7's does not:
	 * the real register is set too, which costs nothing on hardware. */
	if (s->load_cr2) {
		write_cr2(vmcb->save.cr2);
		s->load_cr2 = false;
	}
	__asm__ volatile("sti" ::: "memory");
	svm_vmrun(s->vmcb_pa, v->gpr, host_vmcb_pa[v->pcpu]);
	__asm__ volatile("stgi; cli" ::: "memory");
	vmcb->control.tlb_control = 0;
	vmcb->control.eventinj = 0;
	v->gpr[GPR_RAX] = vmcb->save.rax;
	v->gpr[GPR_RSP] = vmcb->save.rsp;
	svm_translate_exit(v, e);
	if (__builtin_expect(e->reason == EXIT_CR_ACCESS, 0) && e->hw_reason == SVM_EXIT_CR0_WRITE + 4 &&
	    svm_cr4_write(v))
		e->reason = EXIT_BACKEND;
}

static uint64_t svm_get_rip(struct vcpu *v) { return S(v)->vmcb->save.rip; }
static void svm_set_rip(struct vcpu *v, uint64_t rip) { S(v)->vmcb->save.rip = rip; }
static void svm_set_rflags(struct vcpu *v, uint64_t rflags) { S(v)->vmcb->save.rflags = rflags | 2; }

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

static void svm_inject_exception(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error)
{
	S(v)->vmcb->control.eventinj = vector | SVM_EVENT_TYPE_EXCEPTION | SVM_EVENT_VALID |
				       (has_error ? SVM_EVENT_ERROR_VALID | ((uint64_t)error << 32) : 0);
}

static void svm_set_cr2(struct vcpu *v, uint64_t cr2)
{
	S(v)->vmcb->save.cr2 = cr2;
	S(v)->load_cr2 = true;
}

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

static void svm_flush_tdp(struct vcpu *v) { S(v)->flush_pending = true; }

static void svm_set_slice(struct vcpu *v, uint64_t tsc_ticks)
{
	(void)v;
	(void)tsc_ticks; /* the host timer (hv/timer.c) forces INTR exits */
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
			S(v)->flush_pending = true;
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
	.run = svm_run,
	.get_rip = svm_get_rip,
	.set_rip = svm_set_rip,
	.set_rflags = svm_set_rflags,
	.get_paging_state = svm_get_paging_state,
	.inject_exception = svm_inject_exception,
	.set_cr2 = svm_set_cr2,
	.tdp_format = svm_tdp_format,
	.flush_tdp = svm_flush_tdp,
	.set_slice = svm_set_slice,
	.state_msr = svm_state_msr,
	.dump = svm_dump,
	.exit_name = svm_exit_name,
};

/*
 * nested_svm.c - a small L1 hypervisor (module option nested=on) that
 * checks what Nestor's nested SVM gives it, against AMD APM Vol 2 ch. 15
 * and Vol 3 (SVM instructions):
 *   - CPUID 0x80000001 ECX.SVM and leaf 0x8000000A;
 *   - EFER.SVME, VM_CR (SVMDIS, LOCK), VM_HSAVE_PA and their #GP rules;
 *   - every SVM instruction's #UD (SVME=0, SKINIT) and #GP (bad rAX);
 *   - VMSAVE/VMLOAD moving FS/GS/TR/LDTR state and the SYSENTER MSRs;
 *   - GIF: an NMI raised after CLGI waits for STGI;
 *   - each VMCB consistency check of 15.5.1 -> EXITCODE VMEXIT_INVALID;
 *   - an L2 in 32-bit protected mode whose CPUID, HLT, OUT (IOPM), RDMSR
 *     and WRMSR (MSRPM), #UD and VMMCALL L1 intercepts: each #VMEXIT with
 *     the exact EXITCODE, EXITINFO1/2, NEXT_RIP and L2 RIP/RAX; an L2
 *     CPUID that L1 does not intercept is answered by Nestor.
 * Without Nestor (or nested=off) it reports what it found and fails.
 */
#include "lib/guest.h"
#include "lib/svm.h"

const char guest_name[] = "nested_svm";

#define CPUID_SVM (1u << 2)
#define FEAT_NRIPS (1u << 3)
#define MSR_HSAVE 0xc0010117u
#define VM_CR_LOCK (1u << 3)
#define VM_CR_SVMDIS (1u << 4)

/* L2's programs (32-bit code in L1's memory; paging off, so L2-physical
 * is L1-physical). The labels let L1 check RIP and NEXT_RIP exactly. */
extern char l2_all[], l2_cpuid_at[], l2_hlt_at[], l2_out_at[], l2_rdmsr_at[], l2_wrmsr_at[], l2_ud_at[],
	l2_vmmcall_at[], l2_sig[], l2_sig_vmmcall[];
__asm__(".text\n"
	"l2_all:\n"
	"l2_cpuid_at: cpuid\n"
	"l2_hlt_at: hlt\n"
	"l2_out_at: outb %al, $0x80\n"
	"mov $0xc0000080, %ecx\n"
	"l2_rdmsr_at: rdmsr\n"
	"mov $0xc0000080, %ecx\n" /* L1 ran in between: GPRs are shared */
	"l2_wrmsr_at: wrmsr\n"
	"l2_ud_at: ud2\n"
	"mov $0x1234abcd, %eax\n"
	"l2_vmmcall_at: vmmcall\n"
	"jmp l2_vmmcall_at\n"
	/* CPUID 0x40000000 without an L1 intercept: Nestor answers. */
	"l2_sig: mov $0x40000000, %eax\n"
	"cpuid\n"
	"mov %ebx, l2_sig_regs\n"
	"mov %ecx, l2_sig_regs+4\n"
	"mov %edx, l2_sig_regs+8\n"
	"l2_sig_vmmcall: vmmcall\n"
	"jmp l2_sig_vmmcall\n"
	/* Under L1's nested paging: read or write [ESI], then VMMCALL. */
	"l2_np_rd: movl (%esi), %eax\n"
	"l2_np_rd_vmmcall: vmmcall\n"
	"jmp l2_np_rd_vmmcall\n"
	"l2_np_wr: movl %eax, (%esi)\n"
	"l2_np_wr_vmmcall: vmmcall\n"
	"jmp l2_np_wr_vmmcall\n");
/* L2 calls the code at ESI (in ROM), then VMMCALL; INC of the dword at
 * ESI (an instruction Nestor's MMIO emulator does not perform). */
__asm__(".text\n"
	"l2_np_call: call *%esi\n"
	"1: vmmcall\n"
	"jmp 1b\n"
	"l2_np_inc: incl (%esi)\n"
	"1: vmmcall\n"
	"jmp 1b\n");
extern char l2_np_call[], l2_np_inc[];
/* L2 loads its own IDT (IDTR image at ESI), sets TF and runs one NOP: the
 * single-step #DB after it enters l2_db_handler, which reports 0xdb. */
__asm__(".text\n"
	"l2_db: lidt (%esi)\n"
	"pushf\n"
	"orl $0x100, (%esp)\n"
	"popf\n"
	"nop\n"
	"l2_db_after: movl $0x5a, %eax\n"
	"1: vmmcall\n"
	"jmp 1b\n"
	"l2_db_handler: movl $0xdb, %eax\n"
	"1: vmmcall\n"
	"jmp 1b\n");
extern char l2_db[], l2_db_after[], l2_db_handler[];
/* The handler of the software interrupt L1 injects: EBX = the return
 * address the delivery pushed. */
__asm__(".text\n"
	"l2_soft_handler: movl (%esp), %ebx\n"
	"movl $0x50f7, %eax\n"
	"1: vmmcall\n"
	"jmp 1b\n");
extern char l2_soft_handler[];
extern char l2_np_rd[], l2_np_rd_vmmcall[], l2_np_wr[], l2_np_wr_vmmcall[], l2_rdtsc[], l2_vmload[], l2_rdmsr_ecx[];
__asm__(".text\n"
	"l2_rdtsc: rdtsc\n"
	"1: vmmcall\n"
	"jmp 1b\n"
	/* VMLOAD from L2 with rAX = 0 (host memory, were it executed). */
	"l2_rdmsr_ecx: rdmsr\n"
	"3: vmmcall\n"
	"jmp 3b\n"
	"l2_vmload: xor %eax, %eax\n"
	"vmload %eax\n"
	"2: vmmcall\n"
	"jmp 2b\n");
uint32_t l2_sig_regs[3];
static uint8_t l2_stack[4096] __attribute__((aligned(16)));
static uint8_t save_page[4096] __attribute__((aligned(4096)));

static bool nrips;

/* --- instructions expected to fault -------------------------------------- */
static void do_vmrun(void *a) { svm_vmrun_at((uint32_t)(uintptr_t)a); }
static void do_vmload(void *a) { svm_vmload((uint32_t)(uintptr_t)a); }
static void do_vmsave(void *a) { svm_vmsave((uint32_t)(uintptr_t)a); }
static void do_stgi(void *a) { (void)a; svm_stgi(); }
static void do_clgi(void *a) { (void)a; svm_clgi(); }
static void do_invlpga(void *a) { (void)a; svm_invlpga(0, 1); }
static void do_skinit(void *a) { (void)a; svm_skinit(); }

static void expect_vector(void (*fn)(void *), void *arg, int want, const char *what)
{
	int v = guest_catch(fn, arg);
	guest_check(v == want, "%s: %s (got %s)", what, want < 0 ? "no exception" : exception_name(want),
		    v < 0 ? "no exception" : exception_name(v));
}

static void check_cpuid(void)
{
	struct cpuid_regs r = cpuid(0x80000001, 0);
	guest_check(r.ecx & CPUID_SVM, "CPUID 0x80000001 ECX.SVM is set");
	r = cpuid(0x8000000a, 0);
	nrips = r.edx & FEAT_NRIPS;
	guest_check(r.eax == 1 && r.ebx > 1, "CPUID 0x8000000A: SVM revision %u, %u ASIDs", r.eax, r.ebx);
	guest_check((r.edx & 1) && (r.edx & (1u << 5)) && (r.edx & (1u << 6)) && !(r.edx & (1u << 1)) &&
			    !(r.edx & (1u << 16)),
		    "CPUID 0x8000000A EDX 0x%x: NP, VMCB clean bits, flush-by-ASID; no LBRV or vGIF (not emulated)",
		    r.edx);
}

static void check_msrs_and_faults(void)
{
	uint64_t efer = 0, vmcr = 1, hs = 1;
	rdmsr_safe(MSR_EFER_G, &efer);
	guest_check(!(efer & EFER_SVME_G), "EFER.SVME is clear at start");
	guest_check(rdmsr_safe(MSR_VM_CR, &vmcr) < 0 && vmcr == 0, "VM_CR reads 0 (SVMDIS clear, not locked)");
	/* SVME=0: every SVM instruction is #UD. */
	expect_vector(do_vmrun, svm_vmcb_flat32((void (*)(void))l2_all, l2_stack + 4096), VEC_UD, "VMRUN with EFER.SVME=0");
	expect_vector(do_vmload, save_page, VEC_UD, "VMLOAD with EFER.SVME=0");
	expect_vector(do_vmsave, save_page, VEC_UD, "VMSAVE with EFER.SVME=0");
	expect_vector(do_stgi, 0, VEC_UD, "STGI with EFER.SVME=0");
	expect_vector(do_clgi, 0, VEC_UD, "CLGI with EFER.SVME=0");
	expect_vector(do_invlpga, 0, VEC_UD, "INVLPGA with EFER.SVME=0");
	guest_check(wrmsr_safe(MSR_EFER_G, efer | EFER_SVME_G) < 0, "EFER.SVME can be set");
	rdmsr_safe(MSR_EFER_G, &efer);
	guest_check(efer & EFER_SVME_G, "EFER.SVME reads back set");
	expect_vector(do_skinit, 0, VEC_UD, "SKINIT (not offered) with EFER.SVME=1");
	expect_vector(do_vmrun, (void *)0x123000 + 0x10, VEC_GP, "VMRUN with rAX not page-aligned");
	expect_vector(do_vmload, save_page + 8, VEC_GP, "VMLOAD with rAX not page-aligned");
	expect_vector(do_vmsave, save_page + 0x800, VEC_GP, "VMSAVE with rAX not page-aligned");
	expect_vector(do_clgi, 0, -1, "CLGI with EFER.SVME=1");
	expect_vector(do_stgi, 0, -1, "STGI with EFER.SVME=1");
	expect_vector(do_invlpga, 0, -1, "INVLPGA with EFER.SVME=1");
	/* VM_CR and VM_HSAVE_PA. */
	guest_check(wrmsr_safe(MSR_VM_CR, VM_CR_SVMDIS) == VEC_GP, "VM_CR.SVMDIS cannot be set while EFER.SVME=1");
	guest_check(wrmsr_safe(MSR_VM_CR, 1u << 5) == VEC_GP, "VM_CR bit 5 (reserved) raises #GP");
	guest_check(rdmsr_safe(MSR_HSAVE, &hs) < 0 && hs == 0, "VM_HSAVE_PA reads 0 at start");
	guest_check(wrmsr_safe(MSR_HSAVE, 0x200800) == VEC_GP, "VM_HSAVE_PA not page-aligned raises #GP");
	unsigned maxpa = cpuid(0x80000008, 0).eax & 0xff;
	guest_check(wrmsr_safe(MSR_HSAVE, 1ull << maxpa) == VEC_GP, "VM_HSAVE_PA beyond MAXPHYADDR (%u) raises #GP",
		    maxpa);
	bool ok = wrmsr_safe(MSR_HSAVE, 0x200000) < 0 && rdmsr_safe(MSR_HSAVE, &hs) < 0 && hs == 0x200000;
	guest_check(ok, "VM_HSAVE_PA takes a page address (0x%llx)", (unsigned long long)hs);
}

static void check_vmsave_vmload(void)
{
	uint16_t fs;
	__asm__ volatile("mov %%fs, %0" : "=r"(fs));
	memset(save_page, 0xee, sizeof(save_page));
	svm_vmsave((uint32_t)(uintptr_t)save_page);
	struct vmcb *p = (struct vmcb *)save_page;
	guest_check(p->save.fs.selector == fs && p->save.sysenter_cs == (rdmsr(0x174) & 0xffffffff),
		    "VMSAVE stores FS (selector 0x%x) and SYSENTER_CS", p->save.fs.selector);
	guest_check(save_page[0] == 0xee, "VMSAVE leaves the control area alone");
	p->save.sysenter_cs = 0x1234;
	p->save.sysenter_esp = 0x5678;
	svm_vmload((uint32_t)(uintptr_t)save_page);
	guest_check(rdmsr(0x174) == 0x1234 && rdmsr(0x175) == 0x5678, "VMLOAD loads SYSENTER_CS/ESP (0x%llx, 0x%llx)",
		    (unsigned long long)rdmsr(0x174), (unsigned long long)rdmsr(0x175));
	wrmsr(0x174, 0);
	wrmsr(0x175, 0);
}

/* GIF=0 holds an NMI until STGI (APM 15.17). */
static volatile int gif_stage;
static void nmi_under_clgi(void *a)
{
	(void)a;
	svm_clgi();
	gif_stage = 1;
	nestor_hypercall(HC_RAISE_EVENT, HC_EVENT_NMI, 0, 0);
	for (int i = 0; i < 20; i++)
		outb(0x80, 0); /* exits: chances for a wrong delivery */
	gif_stage = 2;
	svm_stgi();
	for (int i = 0; i < 20; i++)
		outb(0x80, 0);
	gif_stage = 3;
}

static void check_gif(void)
{
	int v = guest_catch(nmi_under_clgi, 0);
	guest_check(v == 2 && gif_stage == 2, "an NMI raised with GIF=0 waits for STGI (vector %d at stage %d)", v,
		    gif_stage);
}

/* --- VMRUN consistency checks -------------------------------------------- */
static struct vmcb *fresh(void)
{
	struct vmcb *v = svm_vmcb_flat32((void (*)(void))l2_vmmcall_at, l2_stack + 4096);
	v->control.intercept_misc2 |= SVM_INTERCEPT2_VMMCALL;
	return v;
}

static void long_mode(struct vmcb *v)
{
	v->save.efer |= (1u << 8) | (1u << 10);
	v->save.cr0 |= 1u << 31;
	v->save.cr4 |= 1u << 5;
	v->save.cs.attrib = 0x29b; /* L=1, D=0 */
}

static void expect_invalid(struct vmcb *v, const char *what)
{
	v->control.exitcode = 0x5a5a;
	svm_run(v);
	guest_check(v->control.exitcode == SVM_EXIT_INVALID, "VMRUN with %s: VMEXIT_INVALID (EXITCODE 0x%llx)", what,
		    (unsigned long long)v->control.exitcode);
	svm_stgi();
}

static void check_consistency(void)
{
	struct vmcb *v = fresh();
	svm_run(v);
	guest_check(v->control.exitcode == SVM_EXIT_VMMCALL, "a good VMCB runs L2 (EXITCODE 0x%llx)",
		    (unsigned long long)v->control.exitcode);
	svm_stgi();
	v = fresh(); v->save.efer = 0; expect_invalid(v, "EFER.SVME clear");
	v = fresh(); v->save.cr0 |= 1u << 29; expect_invalid(v, "CR0.NW set, CR0.CD clear");
	v = fresh(); v->save.cr0 |= 1ull << 32; expect_invalid(v, "CR0[63:32] not zero");
	v = fresh(); long_mode(v); v->save.cr3 = 1ull << 52; expect_invalid(v, "long mode, CR3 bit 52");
	v = fresh(); v->save.cr4 |= 1u << 13; expect_invalid(v, "CR4.VMXE (not offered)");
	v = fresh(); v->save.dr6 |= 1ull << 32; expect_invalid(v, "DR6[63:32] not zero");
	v = fresh(); v->save.dr7 |= 1ull << 40; expect_invalid(v, "DR7[63:32] not zero");
	v = fresh(); v->save.efer |= 1u << 14; expect_invalid(v, "EFER.FFXSR (not offered)");
	v = fresh(); v->save.efer |= 1u << 3; expect_invalid(v, "EFER bit 3 (reserved)");
	v = fresh(); long_mode(v); v->save.cr4 &= ~(1u << 5); expect_invalid(v, "EFER.LME and CR0.PG, CR4.PAE clear");
	v = fresh(); long_mode(v); v->save.cr0 &= ~1u; expect_invalid(v, "EFER.LME and CR0.PG, CR0.PE clear");
	v = fresh(); long_mode(v); v->save.cs.attrib |= 1u << 10; expect_invalid(v, "long mode, CS.L and CS.D");
	v = fresh(); v->control.intercept_misc2 &= ~SVM_INTERCEPT2_VMRUN; expect_invalid(v, "the VMRUN intercept clear");
	unsigned maxpa = cpuid(0x80000008, 0).eax & 0xff;
	uint64_t lim = 1ull << maxpa;
	v = fresh(); v->control.msrpm_base_pa = lim - 0x1000; expect_invalid(v, "MSRPM's second page at MAXPHYADDR");
	v = fresh(); v->control.iopm_base_pa = lim - 0x2000; expect_invalid(v, "IOPM's third page at MAXPHYADDR");
	v = fresh(); v->control.eventinj = (1u << 31) | (1u << 8) | 32; expect_invalid(v, "EVENTINJ type 1 (reserved)");
	v = fresh(); v->control.eventinj = (1u << 31) | (3u << 8) | 2; expect_invalid(v, "EVENTINJ exception vector 2");
	v = fresh(); v->control.eventinj = (1u << 31) | (3u << 8) | 32; expect_invalid(v, "EVENTINJ exception vector 32");
	v = fresh(); v->control.asid = 0; expect_invalid(v, "ASID 0");
	/* Not stricter than hardware: any TLB_CONTROL, bits 11:0 of the map bases. */
	v = fresh(); v->control.tlb_control = 0x5a; v->control.iopm_base_pa |= 0xfff;
	svm_run(v);
	guest_check(v->control.exitcode == SVM_EXIT_VMMCALL, "TLB_CONTROL 0x5a and IOPM base bits 11:0 are accepted");
	svm_stgi();
}

/* --- intercept reflection -------------------------------------------------- */
/* IOIO EXITINFO1 bits 9:7 (address size) differ between the emulators
 * under Nestor for non-string I/O; Nestor passes the hardware's through. */
static uint64_t info1_mask;

static void expect_exit(struct vmcb *v, uint64_t code, uint64_t info1, uint64_t info2, const char *at, unsigned len,
			const char *what)
{
	svm_run(v);
	svm_stgi();
	uint32_t rip = (uint32_t)(uintptr_t)at;
	uint64_t got1 = v->control.exitinfo1 & ~info1_mask;
	info1_mask = 0;
	bool ok = v->control.exitcode == code && got1 == info1 && v->control.exitinfo2 == info2 &&
		  v->save.rip == rip && (!nrips || v->control.next_rip == rip + len);
	guest_check(ok, "%s: EXITCODE 0x%llx EXITINFO1 0x%llx EXITINFO2 0x%llx RIP 0x%llx NEXT_RIP 0x%llx", what,
		    (unsigned long long)v->control.exitcode, (unsigned long long)v->control.exitinfo1,
		    (unsigned long long)v->control.exitinfo2, (unsigned long long)v->save.rip,
		    (unsigned long long)v->control.next_rip);
	v->save.rip = rip + len; /* L1 emulates the instruction: skip it */
}

static void check_reflection(void)
{
	memset(svm_iopm, 0, sizeof(svm_iopm));
	memset(svm_msrpm, 0, sizeof(svm_msrpm));
	svm_iopm_set(0x80);
	svm_msrpm_set(0xc0000080, 0);
	svm_msrpm_set(0xc0000080, 1);
	struct vmcb *v = svm_vmcb_flat32((void (*)(void))l2_all, l2_stack + 4096);
	v->control.intercept_misc1 = SVM_INTERCEPT1_CPUID | SVM_INTERCEPT1_HLT | SVM_INTERCEPT1_IOIO | SVM_INTERCEPT1_MSR;
	v->control.intercept_misc2 |= SVM_INTERCEPT2_VMMCALL;
	v->control.intercept_exc = 1u << 6;
	v->save.rax = 0;
	uint32_t out_next = (uint32_t)(uintptr_t)l2_out_at + 2;
	expect_exit(v, SVM_EXIT_CPUID, 0, 0, l2_cpuid_at, 2, "L2 CPUID intercepted");
	expect_exit(v, SVM_EXIT_HLT, 0, 0, l2_hlt_at, 1, "L2 HLT intercepted");
	/* OUT imm8, AL: port 0x80, 8-bit, type OUT; EXITINFO2 = next RIP (APM 15.10.2). */
	info1_mask = 0x380;
	expect_exit(v, SVM_EXIT_IOIO, 0x00800010ull, out_next, l2_out_at, 2, "L2 OUT 0x80 (IOPM bit set)");
	expect_exit(v, SVM_EXIT_MSR, 0, 0, l2_rdmsr_at, 2, "L2 RDMSR EFER (MSRPM read bit)");
	expect_exit(v, SVM_EXIT_MSR, 1, 0, l2_wrmsr_at, 2, "L2 WRMSR EFER (MSRPM write bit)");
	expect_exit(v, SVM_EXIT_EXCP_BASE + 6, 0, 0, l2_ud_at, 2, "L2 #UD (exception intercept)");
	expect_exit(v, SVM_EXIT_VMMCALL, 0, 0, l2_vmmcall_at, 3, "L2 VMMCALL intercepted");
	guest_check(v->save.rax == 0x1234abcd, "#VMEXIT saved L2's RAX (0x%llx)", (unsigned long long)v->save.rax);

	/* CPUID not intercepted by L1: Nestor answers it for L2. */
	v = svm_vmcb_flat32((void (*)(void))l2_sig, l2_stack + 4096);
	v->control.intercept_misc2 |= SVM_INTERCEPT2_VMMCALL;
	expect_exit(v, SVM_EXIT_VMMCALL, 0, 0, l2_sig_vmmcall, 3, "L2 CPUID not intercepted, then VMMCALL");
	guest_check(!memcmp(l2_sig_regs, "NestorNestor", 12), "L2's CPUID 0x40000000 was answered by Nestor (\"%.12s\")",
		    (const char *)l2_sig_regs);
}

/* A hostile L1: VMCBs with random state and controls (L1 intercepts
 * every exception, shutdown, HLT, all ports and MSRs, VMMCALL, so L2
 * cannot reach Nestor's devices). Nestor must neither fault nor enter
 * a bad state: each VMRUN ends in some #VMEXIT (VMEXIT_INVALID when a
 * check fails, in L0's emulation or in the hardware's). */
static uint32_t rng = 0x2545f491;
static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}
static uint64_t rnd64(void) { return (uint64_t)rnd() << 32 | rnd(); }
/* A random value, mostly close to sane (so checks beyond the first pass). */
static uint64_t fuzz(uint64_t sane)
{
	uint32_t r = rnd() & 15;
	return r < 12 ? sane : r < 15 ? sane ^ (1ull << (rnd() % 64)) : rnd64();
}

static void check_hostile(void)
{
	memset(svm_iopm, 0xff, sizeof(svm_iopm));
	memset(svm_msrpm, 0xff, sizeof(svm_msrpm));
	unsigned invalid = 0, ran = 0;
	for (int i = 0; i < 300; i++) {
		struct vmcb *v = fresh();
		struct vmcb_save *s = &v->save;
		struct vmcb_control *c = &v->control;
		s->cr0 = fuzz(s->cr0);
		s->cr3 = fuzz(s->cr3);
		s->cr4 = fuzz(s->cr4);
		s->efer = fuzz(s->efer);
		s->dr6 = fuzz(s->dr6);
		s->dr7 = fuzz(s->dr7);
		s->rflags = fuzz(s->rflags);
		s->cs.attrib = (uint16_t)fuzz(s->cs.attrib);
		s->ss.attrib = (uint16_t)fuzz(s->ss.attrib);
		s->cpl = (uint8_t)(rnd() & 3 ? 0 : rnd());
		s->cs.limit = (uint32_t)fuzz(s->cs.limit);
		c->eventinj = rnd() & 3 ? 0 : fuzz(0x80000000ull | (rnd() & 0x7ff));
		c->asid = (uint32_t)fuzz(1 + (rnd() & 7));
		c->tlb_control = (uint8_t)fuzz(rnd() & 1);
		c->vintr = rnd64();
		c->np_enable = rnd() & 7 ? 0 : rnd64();
		c->lbr_virt = rnd64();
		c->iopm_base_pa = rnd() & 1 ? c->iopm_base_pa : rnd64() & 0xffffffffffull;
		c->msrpm_base_pa = rnd() & 1 ? c->msrpm_base_pa : rnd64();
		c->intercept_cr = rnd();
		c->intercept_misc1 = rnd() | SVM_INTERCEPT1_SHUTDOWN | SVM_INTERCEPT1_HLT | SVM_INTERCEPT1_IOIO |
				     SVM_INTERCEPT1_MSR;
		c->intercept_misc2 = (rnd() & ~SVM_INTERCEPT2_VMRUN) | SVM_INTERCEPT2_VMMCALL |
				     (rnd() & 15 ? SVM_INTERCEPT2_VMRUN : 0);
		c->intercept_exc = 0xffffffff;
		c->exitcode = 0x5a5a;
		svm_run(v);
		svm_stgi();
		if (c->exitcode == SVM_EXIT_INVALID)
			invalid++;
		else if (c->exitcode != 0x5a5a)
			ran++;
	}
	guest_check(invalid + ran == 300, "300 random VMCBs: %u VMEXIT_INVALID, %u ran L2 to a #VMEXIT", invalid, ran);
}

/* --- L1's nested paging (32-bit NPT: L1 runs with CR4.PAE=0, EFER.LMA=0) --
 * L2-GPA [0, 8 MiB) is identity-mapped by two 4 MiB pages (CR4.PSE), and
 * L2-GPA 0x40000000.. by a page table of 4 KiB pages onto page_a/page_b. */
static uint32_t npt_pd[1024] __attribute__((aligned(4096)));
static uint32_t npt_pt[1024] __attribute__((aligned(4096)));
static uint32_t page_a[1024] __attribute__((aligned(4096)));
static uint32_t page_b[1024] __attribute__((aligned(4096)));
#define NPT_P 1u
#define NPT_RW 2u
#define NPT_US 4u
#define NPT_PS 0x80u
#define L2_WIN 0x40000000u

static struct vmcb *np_vmcb(char *entry, uint32_t esi, uint32_t eax)
{
	struct vmcb *v = svm_vmcb_flat32((void (*)(void))entry, l2_stack + 4096);
	v->control.intercept_misc2 |= SVM_INTERCEPT2_VMMCALL;
	v->control.np_enable = 1;
	v->control.ncr3 = (uint32_t)(uintptr_t)npt_pd;
	v->save.rax = eax;
	svm_l2_gprs.esi = esi;
	return v;
}

/* L2 reads L2-GPA L2_WIN with this TLB_CONTROL and ASID. */
static void np_read_expect(uint8_t tlb, uint32_t asid, uint32_t want, const char *what)
{
	struct vmcb *v = np_vmcb(l2_np_rd, L2_WIN, 0);
	v->control.tlb_control = tlb;
	v->control.asid = asid;
	svm_run(v);
	svm_stgi();
	guest_check(v->control.exitcode == SVM_EXIT_VMMCALL && v->save.rax == want, "NP: %s (0x%llx)", what,
		    (unsigned long long)v->save.rax);
}

/* L1's NPT with L2's low 8 MiB and an empty window page table; CR4.PSE
 * on (4 MiB NPT pages). Returns CR4 to restore. */
static uint32_t np_begin(void)
{
	uint32_t cr4;
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	__asm__ volatile("mov %0, %%cr4" ::"r"(cr4 | 0x10));
	memset(npt_pd, 0, sizeof(npt_pd));
	memset(npt_pt, 0, sizeof(npt_pt));
	npt_pd[0] = 0x000000 | NPT_P | NPT_RW | NPT_US | NPT_PS;
	npt_pd[1] = 0x400000 | NPT_P | NPT_RW | NPT_US | NPT_PS;
	npt_pd[L2_WIN >> 22] = (uint32_t)(uintptr_t)npt_pt | NPT_P | NPT_RW | NPT_US;
	return cr4;
}

static void check_nested_paging(void)
{
	uint32_t cr4 = np_begin();
	npt_pt[0] = (uint32_t)(uintptr_t)page_a | NPT_P | NPT_RW | NPT_US;
	npt_pt[2] = (uint32_t)(uintptr_t)page_a | NPT_P | NPT_US; /* read-only */
	page_a[0] = 0x11111111;
	page_b[0] = 0x22222222;
	struct vmcb *v = np_vmcb(l2_np_rd, L2_WIN, 0);
	svm_run(v);
	svm_stgi();
	guest_check(v->control.exitcode == SVM_EXIT_VMMCALL && v->save.rax == 0x11111111,
		    "NP: L2 reads L2-GPA 0x%x through L1's NPT (EXITCODE 0x%llx, value 0x%llx)", L2_WIN,
		    (unsigned long long)v->control.exitcode, (unsigned long long)v->save.rax);
	guest_check(npt_pt[0] & 0x20, "NP: the walk set the accessed bit in L1's NPT entry (0x%x)", npt_pt[0]);
	/* Not present in L1's NPT: #NPF to L1, EXITINFO1 U|final, EXITINFO2 the L2-GPA. */
	v = np_vmcb(l2_np_rd, L2_WIN + 0x1000, 0);
	svm_run(v);
	svm_stgi();
	guest_check(v->control.exitcode == SVM_EXIT_NPF && v->control.exitinfo1 == 0x100000004ull &&
			    v->control.exitinfo2 == L2_WIN + 0x1000 && v->save.rip == (uint32_t)(uintptr_t)l2_np_rd,
		    "NP: L2 read of a page L1 did not map: #NPF EXITINFO1 0x%llx EXITINFO2 0x%llx at the read",
		    (unsigned long long)v->control.exitinfo1, (unsigned long long)v->control.exitinfo2);
	npt_pt[1] = (uint32_t)(uintptr_t)page_b | NPT_P | NPT_RW | NPT_US; /* L1 fixes it; L2 retries */
	svm_run(v);
	svm_stgi();
	guest_check(v->control.exitcode == SVM_EXIT_VMMCALL && v->save.rax == 0x22222222,
		    "NP: after L1 mapped it, L2's read retried and got 0x%llx", (unsigned long long)v->save.rax);
	/* Write to a read-only page: P|W|U|final. */
	v = np_vmcb(l2_np_wr, L2_WIN + 0x2000, 0x33);
	svm_run(v);
	svm_stgi();
	guest_check(v->control.exitcode == SVM_EXIT_NPF && v->control.exitinfo1 == 0x100000007ull &&
			    v->control.exitinfo2 == L2_WIN + 0x2000,
		    "NP: L2 write to a read-only page: #NPF EXITINFO1 0x%llx EXITINFO2 0x%llx",
		    (unsigned long long)v->control.exitinfo1, (unsigned long long)v->control.exitinfo2);
	/* A write where L1 allows it sets the dirty bit. */
	v = np_vmcb(l2_np_wr, L2_WIN, 0x44444444);
	svm_run(v);
	svm_stgi();
	guest_check(v->control.exitcode == SVM_EXIT_VMMCALL && page_a[0] == 0x44444444 && (npt_pt[0] & 0x40),
		    "NP: L2's write reached L1's page (0x%x) and set the dirty bit (entry 0x%x)", page_a[0], npt_pt[0]);
	/* L1 retargets a mapping: without a flush the old translation may
	 * stay (Nestor keeps it); TLB_CONTROL=1, a new ASID (a new address
	 * space) and INVLPGA each make the change visible. */
	npt_pt[0] = (uint32_t)(uintptr_t)page_b | NPT_P | NPT_RW | NPT_US;
	np_read_expect(0, 1, 0x44444444, "retargeted without a flush: L2 still sees the cached page");
	np_read_expect(1, 1, 0x22222222, "with TLB_CONTROL=1 the retarget takes effect");
	npt_pt[0] = (uint32_t)(uintptr_t)page_a | NPT_P | NPT_RW | NPT_US;
	np_read_expect(0, 2, 0x44444444, "another ASID sees the new mapping");
	npt_pt[0] = (uint32_t)(uintptr_t)page_b | NPT_P | NPT_RW | NPT_US;
	svm_invlpga(L2_WIN, 2);
	np_read_expect(0, 2, 0x22222222, "after INVLPGA the retarget takes effect");
	__asm__ volatile("mov %0, %%cr4" ::"r"(cr4));
}

/* --- L0's MMIO and ROM reached by L2 through L1's NPT ----------------------
 * (module options testdev=, rom=, romd=; arguments dev=, rom=, romd=).
 * L2-GPA L2_WIN+0x8000 is the test device, +0x9000 the ROM, +0xa000 the
 * ROMD region. The seed scenario "stale access bits": L1 maps the device
 * read-only; L2 reads it (emulated by L0, no exit to L1), then writes it:
 * the #NPF L1 gets carries the write (P|W|U|final), not the read; L1 makes
 * the page writable and L2's write reaches the device. */
#define NP_DEV (L2_WIN + 0x8000)
#define NP_ROM (L2_WIN + 0x9000)
#define NP_ROMD (L2_WIN + 0xa000)
#define NP_MAX_REFLECTIONS 4 /* more #NPFs than this for one access: ping-pong */

/* Run v until its VMMCALL, counting the #NPFs L1 gets (L1 fixes nothing:
 * each one is counted and L2 retried); returns the #NPF count. */
static unsigned np_run_counting(struct vmcb *v, uint64_t *first_info1)
{
	unsigned npfs = 0;
	*first_info1 = 0;
	for (;;) {
		svm_run(v);
		svm_stgi();
		if (v->control.exitcode != SVM_EXIT_NPF || npfs > NP_MAX_REFLECTIONS)
			return npfs;
		if (!npfs++)
			*first_info1 = v->control.exitinfo1;
		if (npfs == 1)
			npt_pt[(NP_DEV - L2_WIN) >> 12] |= NPT_RW; /* L1 fixes its mapping */
	}
}

static void check_nested_mmio(uint32_t dev, uint32_t rom, uint32_t romd)
{
	uint32_t cr4 = np_begin();
	volatile uint32_t *d = (volatile uint32_t *)(uintptr_t)dev;
	volatile const uint32_t *r = (volatile const uint32_t *)(uintptr_t)rom;
	npt_pt[(NP_DEV - L2_WIN) >> 12] = dev | NPT_P | NPT_US; /* read-only */
	npt_pt[(NP_ROM - L2_WIN) >> 12] = rom | NPT_P | NPT_RW | NPT_US;
	npt_pt[(NP_ROMD - L2_WIN) >> 12] = romd | NPT_P | NPT_RW | NPT_US;
	d[1] = 0x5a5a0001;
	struct vmcb *v = np_vmcb(l2_np_rd, NP_DEV + 4, 0);
	v->control.tlb_control = 1;
	svm_run(v);
	svm_stgi();
	uint32_t last = d[TESTDEV_LAST / 4]; /* (reading a register is itself an access) */
	guest_check(v->control.exitcode == SVM_EXIT_VMMCALL && v->save.rax == 0x5a5a0001 && last == (4u | (4u << 16)),
		    "NP MMIO: L2 read of L0's test device through L1's read-only NPT entry, emulated by L0 (EXITCODE 0x%llx, "
		    "value 0x%llx, device last 0x%x)", (unsigned long long)v->control.exitcode, (unsigned long long)v->save.rax,
		    last);
	v = np_vmcb(l2_np_wr, NP_DEV + 8, 0x77);
	uint64_t info1;
	unsigned npfs = np_run_counting(v, &info1);
	guest_check(npfs == 1 && info1 == 0x100000007ull,
		    "NP MMIO: L2 write to the read-only device page: %u #NPF to L1, EXITINFO1 0x%llx (write, not the read's bits)",
		    npfs, (unsigned long long)info1);
	last = d[TESTDEV_LAST / 4];
	guest_check(v->control.exitcode == SVM_EXIT_VMMCALL && last == (4u | TESTDEV_LAST_WRITE | (8u << 16)) && d[2] == 0x77,
		    "NP MMIO: after L1 made it writable, L2's write reached the device (0x%x, last 0x%x)", d[2], last);
	/* ROM: reads and fetches map through (no exit to L1), writes are
	 * L0's MMIO: dropped (ROM) or the test device's (ROMD). */
	v = np_vmcb(l2_np_rd, NP_ROM + 0x40, 0);
	svm_run(v);
	svm_stgi();
	guest_check(v->control.exitcode == SVM_EXIT_VMMCALL && v->save.rax == r[0x10],
		    "NP ROM: L2 read of ROM without an exit to L1 (0x%llx, ROM has 0x%x)", (unsigned long long)v->save.rax,
		    r[0x10]);
	v = np_vmcb(l2_np_call, NP_ROM + 0x100, 0);
	svm_run(v);
	svm_stgi();
	guest_check(v->control.exitcode == SVM_EXIT_VMMCALL && v->save.rax == 0x12345678,
		    "NP ROM: L2 called code in ROM without an exit to L1 (EXITCODE 0x%llx, EAX 0x%llx)",
		    (unsigned long long)v->control.exitcode, (unsigned long long)v->save.rax);
	uint32_t before = r[0x10];
	v = np_vmcb(l2_np_wr, NP_ROM + 0x40, 0xdeadbeef);
	npfs = np_run_counting(v, &info1);
	guest_check(npfs == 0 && v->control.exitcode == SVM_EXIT_VMMCALL && r[0x10] == before,
		    "NP ROM: L2 write to ROM dropped by L0 (%u #NPF to L1, ROM still 0x%x)", npfs, r[0x10]);
	uint32_t logged = d[TESTDEV_LOG_COUNT / 4];
	v = np_vmcb(l2_np_wr, NP_ROMD + 0x20, 0x1234);
	npfs = np_run_counting(v, &info1);
	last = d[TESTDEV_LAST / 4];
	uint32_t now = d[TESTDEV_LOG_COUNT / 4];
	guest_check(npfs == 0 && v->control.exitcode == SVM_EXIT_VMMCALL && now == logged + 1 &&
			    (last & (TESTDEV_LAST_WRITE | TESTDEV_LAST_ROMD)) == (TESTDEV_LAST_WRITE | TESTDEV_LAST_ROMD),
		    "NP ROM: L2 write to ROMD reached the test device's log (%u #NPF to L1, log %u -> %u, last 0x%x)", npfs,
		    logged, now, last);
	__asm__ volatile("mov %0, %%cr4" ::"r"(cr4));
}

/* L2 writes ROM with an instruction L0 cannot emulate: the VM stops with
 * the internal-error report (nothing returns to L1). */
static void check_nested_rom_unemulatable(uint32_t rom)
{
	np_begin();
	npt_pt[(NP_ROM - L2_WIN) >> 12] = rom | NPT_P | NPT_RW | NPT_US;
	struct vmcb *v = np_vmcb(l2_np_inc, NP_ROM, 0);
	v->control.tlb_control = 1;
	guest_say("L2 writing to ROM with INC");
	guest_console_drain();
	svm_run(v);
	guest_fail("L2's unemulatable ROM write returned to L1 (EXITCODE 0x%llx)", (unsigned long long)v->control.exitcode);
}

/* #DB while L2 runs: L0 always intercepts it (nested/svm_vmrun.c) and
 * re-injects it into L2 unless L1 intercepts it, when L1 gets EXITCODE
 * 0x41 at the instruction after the single-stepped NOP. */
#define L2_SOFT_VEC 0x21
static uint64_t l2_idt[L2_SOFT_VEC + 1] __attribute__((aligned(8)));
static struct __attribute__((packed)) {
	uint16_t limit;
	uint32_t base;
} l2_idtr;

static uint64_t gate32(void *handler)
{
	uint16_t cs;
	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	uint32_t h = (uint32_t)(uintptr_t)handler;
	return (h & 0xffff) | ((uint64_t)cs << 16) | (0xee00ull << 32) | ((uint64_t)(h >> 16) << 48);
}

static void check_l2_db(void)
{
	l2_idt[1] = gate32(l2_db_handler);
	l2_idtr.limit = sizeof(l2_idt) - 1;
	l2_idtr.base = (uint32_t)(uintptr_t)l2_idt;
	struct vmcb *v = svm_vmcb_flat32((void (*)(void))l2_db, l2_stack + 4096);
	v->control.intercept_misc2 |= SVM_INTERCEPT2_VMMCALL;
	svm_l2_gprs.esi = (uint32_t)(uintptr_t)&l2_idtr;
	v->save.dr6 = 0xffff0ff0;
	svm_run(v);
	svm_stgi();
	guest_check(v->control.exitcode == SVM_EXIT_VMMCALL && v->save.rax == 0xdb,
		    "L2's single-step #DB (L1 does not intercept it) delivered in L2 through its IDT (EXITCODE 0x%llx, "
		    "EAX 0x%llx)", (unsigned long long)v->control.exitcode, (unsigned long long)v->save.rax);
	/* DR6.BS comes from the CPU's own update of VMCB02's DR6 before the
	 * intercept (QEMU; Bochs leaves it stale): the case judges it. */
	guest_say("L2's DR6 after its single-step #DB: 0x%llx", (unsigned long long)v->save.dr6);
	v = svm_vmcb_flat32((void (*)(void))l2_db, l2_stack + 4096);
	v->control.intercept_misc2 |= SVM_INTERCEPT2_VMMCALL;
	v->control.intercept_exc |= 1u << 1;
	svm_l2_gprs.esi = (uint32_t)(uintptr_t)&l2_idtr;
	svm_run(v);
	svm_stgi();
	guest_check(v->control.exitcode == SVM_EXIT_EXCP_BASE + 1 && v->save.rip == (uint32_t)(uintptr_t)l2_db_after,
		    "L2's #DB with L1 intercepting it: EXITCODE 0x%llx at RIP 0x%llx (after the NOP)",
		    (unsigned long long)v->control.exitcode, (unsigned long long)v->save.rip);
}

/* L1 injects a software interrupt (EVENTINJ type 4) into L2 whose IDT is
 * not in NPT02 yet (TLB_CONTROL=1 under L1's NPT): its delivery exits to
 * L0 (#NPF) with the event in EXITINTINFO and RIP unchanged. There is no
 * INT instruction at RIP to run again: L0 must re-inject it, and the
 * return address pushed is L1's (NEXT_RIP with NRIPS = RIP here). */
static void check_l2_soft_int(void)
{
	uint32_t cr4 = np_begin();
	l2_idt[L2_SOFT_VEC] = gate32(l2_soft_handler);
	struct vmcb *v = np_vmcb(l2_db_after, 0, 0);
	v->control.tlb_control = 1;
	v->save.idtr.base = (uint32_t)(uintptr_t)l2_idt;
	v->save.idtr.limit = sizeof(l2_idt) - 1;
	v->control.eventinj = L2_SOFT_VEC | (4u << 8) | (1u << 31);
	v->control.next_rip = (uint32_t)(uintptr_t)l2_db_after;
	svm_l2_gprs.ebx = 0;
	svm_run(v);
	svm_stgi();
	guest_check(v->control.exitcode == SVM_EXIT_VMMCALL && v->save.rax == 0x50f7 &&
			    svm_l2_gprs.ebx == (uint32_t)(uintptr_t)l2_db_after,
		    "L1's injected INT 0x%x reached L2's handler across L0's #NPF exits during its delivery (EXITCODE "
		    "0x%llx, EAX 0x%llx, return address 0x%x)", L2_SOFT_VEC, (unsigned long long)v->control.exitcode,
		    (unsigned long long)v->save.rax, svm_l2_gprs.ebx);
	__asm__ volatile("mov %0, %%cr4" ::"r"(cr4));
}

/* L2's TSC = L1's TSC + VMCB12.TSC_OFFSET (L0's own offset of L1 is
 * under both); L1's own TSC is unchanged by it. */
static void check_tsc_offset(void)
{
	const uint64_t off = 1ull << 44;
	struct vmcb *v = svm_vmcb_flat32((void (*)(void))l2_rdtsc, l2_stack + 4096);
	v->control.intercept_misc2 |= SVM_INTERCEPT2_VMMCALL;
	v->control.tsc_offset = off;
	uint64_t t0 = rdtsc();
	svm_run(v);
	uint64_t t1 = rdtsc();
	svm_stgi();
	uint64_t l2 = (uint64_t)svm_l2_gprs.edx << 32 | (uint32_t)v->save.rax;
	guest_check(v->control.exitcode == SVM_EXIT_VMMCALL && l2 - off >= t0 && l2 - off <= t1 && t1 < off,
		    "L2's RDTSC = L1's TSC + TSC_OFFSET (L1 0x%llx..0x%llx, L2 0x%llx)", (unsigned long long)t0,
		    (unsigned long long)t1, (unsigned long long)l2);
}

/* Features L1 was not offered are ignored: virtual VMLOAD/VMSAVE
 * (VMCB 0xb8 bit 1) and AVIC/vGIF/vNMI bits in int_ctl. L2's VMLOAD, which
 * L1 does not intercept, must not touch memory: Nestor gives L2 #UD (no
 * third level), which L1 intercepts here. */
static void check_not_offered(void)
{
	struct vmcb *v = svm_vmcb_flat32((void (*)(void))l2_vmload, l2_stack + 4096);
	v->control.intercept_misc2 |= SVM_INTERCEPT2_VMMCALL;
	v->control.intercept_exc = 1u << 6;
	v->control.lbr_virt = 3;              /* LBRV + virtual VMLOAD/VMSAVE */
	v->control.vintr = (1ull << 31) | (1ull << 30) | (1ull << 25) | (1ull << 26) | (1ull << 9) | (1ull << 11);
	v->control.avic_apic_bar = 0xfee00000;
	svm_run(v);
	svm_stgi();
	bool ud = v->control.exitcode == SVM_EXIT_EXCP_BASE + 6;
	guest_check(ud && v->save.rip == (uint32_t)(uintptr_t)l2_vmload + 2,
		    "not offered: virtual VMLOAD/VMSAVE and AVIC/vGIF int_ctl bits ignored; L2's VMLOAD is #UD "
		    "(EXITCODE 0x%llx at 0x%llx)",
		    (unsigned long long)v->control.exitcode, (unsigned long long)v->save.rip);
}

/* An exception Nestor raises for L2 (an MSR L1 lets through that the
 * virtual CPU does not have) goes to L1 when L1 intercepts it. */
static void check_emulated_exception(void)
{
	struct vmcb *v = svm_vmcb_flat32((void (*)(void))l2_rdmsr_ecx, l2_stack + 4096);
	v->control.intercept_misc2 |= SVM_INTERCEPT2_VMMCALL;
	v->control.intercept_exc = 1u << 13;
	svm_l2_gprs.ecx = 0x40001234;
	svm_run(v);
	svm_stgi();
	guest_check(v->control.exitcode == SVM_EXIT_EXCP_BASE + 13 && v->control.exitinfo1 == 0 &&
			    v->save.rip == (uint32_t)(uintptr_t)l2_rdmsr_ecx,
		    "L2 RDMSR of an MSR the CPU lacks (not in L1's MSRPM): #GP(0) to L1 (EXITCODE 0x%llx EXITINFO1 0x%llx)",
		    (unsigned long long)v->control.exitcode, (unsigned long long)v->control.exitinfo1);
}

static void check_vm_cr_lock(void)
{
	/* Last: LOCK stays set. SVMDIS with SVME clear, then LOCK. */
	uint64_t efer = rdmsr(MSR_EFER_G);
	wrmsr(MSR_EFER_G, efer & ~EFER_SVME_G);
	guest_check(wrmsr_safe(MSR_VM_CR, VM_CR_SVMDIS) < 0, "VM_CR.SVMDIS can be set while EFER.SVME=0");
	guest_check(wrmsr_safe(MSR_EFER_G, efer | EFER_SVME_G) == VEC_GP, "EFER.SVME cannot be set while VM_CR.SVMDIS=1");
	guest_check(wrmsr_safe(MSR_VM_CR, VM_CR_LOCK) < 0, "VM_CR.LOCK can be set (SVMDIS cleared at the same time)");
	guest_check(wrmsr_safe(MSR_VM_CR, VM_CR_LOCK | VM_CR_SVMDIS) == VEC_GP, "with VM_CR.LOCK, SVMDIS cannot change");
	guest_check(wrmsr_safe(MSR_VM_CR, 0) == VEC_GP, "with VM_CR.LOCK, LOCK cannot be cleared");
	guest_check(wrmsr_safe(MSR_EFER_G, efer | EFER_SVME_G) < 0, "EFER.SVME can be set again (SVMDIS clear)");
}

int guest_main(const struct mb_info *mbi)
{
	(void)mbi;
	guest_idt_init();
	if (!nestor_present() || !(cpuid(0x80000001, 0).ecx & CPUID_SVM)) {
		guest_fail("no SVM offered (run under Nestor with nested=on)");
		return 1;
	}
	check_cpuid();
	check_msrs_and_faults();
	check_vmsave_vmload();
	check_consistency();
	check_reflection();
	check_nested_paging();
	check_tsc_offset();
	check_not_offered();
	check_emulated_exception();
	check_gif();
	check_hostile();
	check_vm_cr_lock();
	check_l2_db();
	check_l2_soft_int();
	uint32_t dev = 0, rom = 0, romd = 0, rom_bad = 0;
	cmdline_get_u32("dev", &dev);
	cmdline_get_u32("rom", &rom);
	cmdline_get_u32("romd", &romd);
	cmdline_get_u32("rom_bad", &rom_bad);
	if (dev && rom && romd)
		check_nested_mmio(dev, rom, romd);
	else
		guest_skip("L0's MMIO/ROM through L1's NPT (arguments dev= rom= romd= not given)");
	if (rom && rom_bad) {
		check_nested_rom_unemulatable(rom);
		return 1;
	}
	guest_say("%d checks failed", guest_failures());
	return 0;
}

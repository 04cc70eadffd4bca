/*
 * nested_vmx.c - a small L1 hypervisor for Intel VT-x (module option
 * nested=on on a VT-x host) that checks what Nestor's nested VMX gives
 * it, against SDM Vol 3C ch. 24 (VMX operation), 31 (the VMX
 * instructions and their error numbers, table 31-1), 27 (VM-entry checks)
 * and Vol 3D appendix A (capability MSRs):
 *   - CPUID.1:ECX.VMX, IA32_FEATURE_CONTROL locked with VMX outside SMX,
 *     IA32_VMX_BASIC (revision, 4 KiB, write-back), the capability MSRs
 *     read-only (WRMSR #GP), an MSR of a feature not offered (#GP);
 *   - CR4.VMXE: #UD of VMXON without it; CR0/CR4 fixed bits in VMX
 *     operation (#GP);
 *   - VMXON, VMXOFF, VMCLEAR, VMPTRLD, VMPTRST, VMREAD, VMWRITE, INVEPT,
 *     INVVPID: each success (RFLAGS CF=ZF=0) and failure (CF: VMfailInvalid,
 *     ZF: VMfailValid with the VM-instruction error field);
 *   - VMLAUNCH/VMRESUME: VMfailInvalid, errors 4/5, 7 (controls), 8 (host
 *     state), and a guest-state failure: exit reason 33 with bit 31 into
 *     L1 at its host RIP/RSP;
 *   - an L2 in 32-bit protected mode (L1's paging) whose CPUID (which
 *     always exits, SDM 3C 26.1.2: there is no way not to intercept it),
 *     HLT, OUT (unconditional I/O exiting) and VMCALL reach L1 with the
 *     exact exit reason, qualification, instruction length and L2 RIP;
 *   - RDMSR with L1's MSR bitmap (bit set: exit 31 to L1; clear: done for
 *     L2 by Nestor), MOV to CR0 of a bit L1 owns (exit 28, qualification
 *     with the register), #UD in L1's exception bitmap (exit 0 with the
 *     interruption info);
 *   - an interrupt for L1 pending at VMLAUNCH with external-interrupt
 *     exiting: the entry exits at once (reason 1), with acknowledge on
 *     exit the vector in the interruption info, without it the interrupt
 *     left pending for L1;
 *   - L2 under L1's EPT (identity, 2 MiB pages, one hole): its read of
 *     the hole is an EPT violation to L1 with the qualification of that
 *     read (bit 0, bits 5:3 = 0, GLA valid, final translation) and the
 *     guest-physical and -linear addresses; after L1 maps the page and
 *     INVEPTs, L2's read completes;
 *   - L0's test device, ROM and ROMD mapped by L1's EPT (arguments dev=,
 *     rom=, romd=): L2's read of the device (EPT12 read-only) emulated by
 *     L0; its write an EPT violation to L1 whose qualification is the
 *     write's (the seed "stale exit qualification"), then reaching the
 *     device; ROM reads and calls without exits, ROM writes dropped, ROMD
 *     writes to the device's log.
 * Without Nestor (or nested=off) it reports what it found and fails.
 */
#include "lib/guest.h"
#include "lib/vmx.h"

const char guest_name[] = "nested_vmx";

#define CPUID1_VMX (1u << 5)
#define CR4_VMXE (1u << 13)
#define F_ERR VMCS_VM_INSTRUCTION_ERROR

static const char *outcome_name(int r)
{
	static const char *const n[] = { "VMsucceed", "VMfailInvalid", "VMfailValid", "VM exit" };
	return r >= 0 && r < 4 ? n[r] : "?";
}

/* An outcome, and for VMfailValid the error number in the current VMCS. */
static void expect(int got, int want, uint32_t want_err, const char *what)
{
	uint32_t err = 0;
	if (got == VMX_FAILVALID)
		vmread32(F_ERR, &err);
	guest_check(got == want && (want != VMX_FAILVALID || err == want_err), "%s: %s%s (got %s, error %u)", what,
		    outcome_name(want), want == VMX_FAILVALID ? " with the error number" : "", outcome_name(got), err);
}

static void do_vmxon_region(void *a) { (void)vmxon_at((uint32_t)(uintptr_t)a); }
static void do_wrmsr_basic(void *a) { (void)a; wrmsr(MSR_VMX_BASIC_G, 0); }
static void do_wrmsr_fc(void *a) { (void)a; wrmsr(MSR_FEATURE_CONTROL_G, 5); }
static void do_vmptrst(void *a) { (void)vmptrst_to(a); }
static void do_clear_vmxe(void *a) { (void)a; write_cr4_g(read_cr4_g() & ~CR4_VMXE); }
static void do_clear_ne(void *a)
{
	(void)a;
	__asm__ volatile("mov %%cr0, %%eax; and $~0x20, %%eax; mov %%eax, %%cr0" ::: "eax", "memory");
}

static void check_msrs(void)
{
	guest_check(cpuid(1, 0).ecx & CPUID1_VMX, "CPUID.1:ECX.VMX is set");
	uint64_t fc = 0;
	guest_check(rdmsr_safe(MSR_FEATURE_CONTROL_G, &fc) < 0 && fc == 5,
		    "IA32_FEATURE_CONTROL 0x%llx: locked, VMX outside SMX", (unsigned long long)fc);
	guest_check(guest_catch(do_wrmsr_fc, 0) == VEC_GP, "WRMSR IA32_FEATURE_CONTROL (locked): #GP");
	uint64_t basic = rdmsr(MSR_VMX_BASIC_G);
	guest_check((uint32_t)basic == 0x4e530001u && ((basic >> 32) & 0x1fff) == 4096 && ((basic >> 50) & 15) == 6 &&
			    (basic >> 55) & 1,
		    "IA32_VMX_BASIC 0x%llx: revision 0x4e530001, 4096-byte region, write-back, TRUE controls",
		    (unsigned long long)basic);
	guest_check(guest_catch(do_wrmsr_basic, 0) == VEC_GP, "WRMSR IA32_VMX_BASIC (read-only): #GP");
	uint64_t v;
	guest_check(rdmsr_safe(0x491, &v) == VEC_GP, "RDMSR IA32_VMX_VMFUNC (not offered): #GP");
	uint64_t proc2 = 0, ept = 0, cr4f0 = 0, cr4f1 = 0;
	bool read = rdmsr_safe(0x48b, &proc2) < 0 && rdmsr_safe(0x48c, &ept) < 0 && rdmsr_safe(0x488, &cr4f0) < 0 &&
		    rdmsr_safe(0x489, &cr4f1) < 0;
	guest_check(read && (cr4f0 & CR4_VMXE) && (cr4f1 & CR4_VMXE) && ((proc2 >> 32) & 2) && (ept & (1ull << 20)),
		    "PROCBASED_CTLS2 0x%llx (EPT), EPT_VPID_CAP 0x%llx (INVEPT), CR4_FIXED0 0x%llx (VMXE), CR4_FIXED1 0x%llx",
		    (unsigned long long)proc2, (unsigned long long)ept, (unsigned long long)cr4f0,
		    (unsigned long long)cr4f1);
}

static void check_vmxon(void)
{
	*(uint32_t *)vmx_region = vmx_revision();
	int vec = guest_catch(do_vmxon_region, vmx_region);
	guest_check(vec == VEC_UD, "VMXON with CR4.VMXE=0: #UD (got %s)", vec < 0 ? "none" : exception_name(vec));
	write_cr4_g(read_cr4_g() | CR4_VMXE);
	guest_check(read_cr4_g() & CR4_VMXE, "CR4.VMXE can be set and reads back");
	/* CR0.PG is 0: VMXON needs CR0 as IA32_VMX_CR0_FIXED0 says. */
	vec = guest_catch(do_vmxon_region, vmx_region);
	guest_check(vec == VEC_GP, "VMXON with paging off (CR0_FIXED0 has PG): #GP (got %s)",
		    vec < 0 ? "none" : exception_name(vec));
	paging_enable_identity();
	__asm__ volatile("mov %%cr0, %%eax; or $0x20, %%eax; mov %%eax, %%cr0" ::: "eax", "memory");
	*(uint32_t *)vmx_region = 0x1234;
	expect(vmxon_at((uint32_t)(uintptr_t)vmx_region), VMX_FAILINVALID, 0, "VMXON of a region with a wrong revision");
	*(uint32_t *)vmx_region = vmx_revision();
	expect(vmxon_at((uint32_t)(uintptr_t)vmx_region + 8), VMX_FAILINVALID, 0, "VMXON of an unaligned region");
	expect(vmxon_at((uint32_t)(uintptr_t)vmx_region), VMX_OK, 0, "VMXON");
	expect(vmxon_at((uint32_t)(uintptr_t)vmx_region), VMX_FAILINVALID, 0,
	       "VMXON in VMX root operation without a current VMCS");
	guest_check(guest_catch(do_clear_vmxe, 0) == VEC_GP, "clearing CR4.VMXE in VMX operation: #GP");
	guest_check(guest_catch(do_clear_ne, 0) == VEC_GP, "clearing CR0.NE in VMX operation: #GP");
}

static void check_vmcs_insns(void)
{
	uint64_t ptr = 0;
	expect(vmptrst_to(&ptr), VMX_OK, 0, "VMPTRST without a current VMCS");
	guest_check(ptr == ~0ull, "VMPTRST gives 0x%llx (FFFFFFFF_FFFFFFFFH: none)", (unsigned long long)ptr);
	uint32_t val;
	expect(vmread32(VMCS_GUEST_RIP, &val), VMX_FAILINVALID, 0, "VMREAD without a current VMCS");
	expect(vmclear_at((uint32_t)(uintptr_t)vmx_vmcs_a + 4), VMX_FAILINVALID, 0, "VMCLEAR of an unaligned address");
	memset(vmx_vmcs_b, 0, 4096);
	expect(vmptrld_at((uint32_t)(uintptr_t)vmx_vmcs_b), VMX_FAILINVALID, 0, "VMPTRLD of a region with revision 0");
	expect(vmx_vmcs_load(vmx_vmcs_a), VMX_OK, 0, "VMCLEAR + VMPTRLD of a VMCS");
	expect(vmptrst_to(&ptr), VMX_OK, 0, "VMPTRST");
	guest_check(ptr == (uint32_t)(uintptr_t)vmx_vmcs_a, "VMPTRST gives the VMCS loaded (0x%llx)",
		    (unsigned long long)ptr);
	expect(vmxon_at((uint32_t)(uintptr_t)vmx_region), VMX_FAILVALID, 15, "VMXON in VMX root operation (error 15)");
	expect(vmptrld_at((uint32_t)(uintptr_t)vmx_region), VMX_FAILVALID, 10, "VMPTRLD of the VMXON region (error 10)");
	expect(vmclear_at((uint32_t)(uintptr_t)vmx_region), VMX_FAILVALID, 3, "VMCLEAR of the VMXON region (error 3)");
	expect(vmclear_at(1ull << 40), VMX_FAILVALID, 2, "VMCLEAR beyond MAXPHYADDR (error 2)");
	expect(vmptrld_at((uint32_t)(uintptr_t)vmx_vmcs_b), VMX_FAILVALID, 11, "VMPTRLD of a bad revision (error 11)");
	/* IA32_VMX_MISC bit 29: VMWRITE may write the exit-information
	 * fields (else error 13, SDM 3C 31.3 VMWRITE). */
	if ((rdmsr(0x485) >> 29) & 1) {
		expect(vmwrite32(VMCS_EXIT_QUALIFICATION, 0x77), VMX_OK, 0,
		       "VMWRITE of an exit-information field (IA32_VMX_MISC bit 29 set)");
		guest_check(vmr(VMCS_EXIT_QUALIFICATION) == 0x77, "it reads back");
	} else {
		expect(vmwrite32(VMCS_EXIT_QUALIFICATION, 0x77), VMX_FAILVALID, 13,
		       "VMWRITE of a read-only field (error 13)");
	}
	expect(vmwrite32(0x7ffe, 0), VMX_FAILVALID, 12, "VMWRITE of an unsupported field (error 12)");
	expect(vmread32(0x7ffe, &val), VMX_FAILVALID, 12, "VMREAD of an unsupported field (error 12)");
	expect(vmwrite32(VMCS_GUEST_RIP, 0x12345678), VMX_OK, 0, "VMWRITE GUEST_RIP");
	val = 0;
	expect(vmread32(VMCS_GUEST_RIP, &val), VMX_OK, 0, "VMREAD GUEST_RIP");
	guest_check(val == 0x12345678, "VMREAD GUEST_RIP gives what VMWRITE wrote (0x%x)", val);
	uint32_t mval = 0x5a5a0001, mout = 0;
	expect(vmwrite32_mem(VMCS_GUEST_RSP, &mval), VMX_OK, 0, "VMWRITE GUEST_RSP from memory");
	expect(vmread32_mem(VMCS_GUEST_RSP, &mout), VMX_OK, 0, "VMREAD GUEST_RSP to memory");
	guest_check(mout == mval, "memory-operand VMREAD gives the memory-operand VMWRITE (0x%x)", mout);
	/* 64-bit fields from 32-bit code: full access = low half, high
	 * access (encoding | 1) = the upper half (SDM 3C 25.11.2). */
	vmwrite32(VMCS_TSC_OFFSET, 0x11111111);
	vmwrite32(VMCS_TSC_OFFSET | 1, 0x22222222);
	uint32_t lo = 0, hi = 0;
	vmread32(VMCS_TSC_OFFSET, &lo);
	vmread32(VMCS_TSC_OFFSET | 1, &hi);
	guest_check(lo == 0x11111111 && hi == 0x22222222, "TSC_OFFSET through full and high accesses: 0x%x_%x", hi, lo);
	uint64_t desc[2] = { 0, 0 };
	expect(invept_type(2, desc), VMX_OK, 0, "INVEPT all-context");
	expect(invept_type(3, desc), VMX_FAILVALID, 28, "INVEPT type 3 (error 28)");
	expect(invvpid_type(2, desc), VMX_OK, 0, "INVVPID all-context");
	expect(invvpid_type(1, desc), VMX_FAILVALID, 28, "INVVPID single-context of VPID 0 (error 28)");
	desc[0] = 1;
	desc[1] = 0x8000000000000000ull;
	expect(invvpid_type(0, desc), VMX_FAILVALID, 28, "INVVPID individual address, non-canonical (error 28)");
	desc[1] = 0x1000;
	expect(invvpid_type(0, desc), VMX_OK, 0, "INVVPID individual address");
	/* VMCLEAR of the current VMCS: none is current after it. */
	expect(vmclear_at((uint32_t)(uintptr_t)vmx_vmcs_a), VMX_OK, 0, "VMCLEAR of the current VMCS");
	expect(vmptrst_to(&ptr), VMX_OK, 0, "VMPTRST after it");
	guest_check(ptr == ~0ull, "no current VMCS after VMCLEAR of it (0x%llx)", (unsigned long long)ptr);
	/* VMCLEAR wrote it back: VMPTRLD again finds the values. */
	expect(vmptrld_at((uint32_t)(uintptr_t)vmx_vmcs_a), VMX_OK, 0, "VMPTRLD of it again");
	val = 0;
	vmread32(VMCS_GUEST_RIP, &val);
	guest_check(val == 0x12345678, "its GUEST_RIP survived VMCLEAR and VMPTRLD (0x%x)", val);
}

static uint8_t l2_stack[4096] __attribute__((aligned(16)));
extern char l2_cpuid[];
__asm__(".text\nl2_cpuid: cpuid\n1: vmcall\njmp 1b\n");

static void check_vmentry(void)
{
	uint64_t none = 0;
	vmclear_at((uint32_t)(uintptr_t)vmx_vmcs_a);
	vmptrst_to(&none);
	expect(vmx_enter(1), VMX_FAILINVALID, 0, "VMLAUNCH without a current VMCS");
	expect(vmx_vmcs_load(vmx_vmcs_a), VMX_OK, 0, "a fresh VMCS");
	expect(vmx_enter(0), VMX_FAILVALID, 5, "VMRESUME of a clear VMCS (error 5)");
	expect(vmx_enter(1), VMX_FAILVALID, 7, "VMLAUNCH with all controls 0 (error 7: controls)");
	vmx_fill_flat32((void (*)(void))l2_cpuid, l2_stack + sizeof(l2_stack));
	uint32_t cr0 = vmr(VMCS_HOST_CR0);
	vmwrite32(VMCS_HOST_CR0, cr0 & ~0x20u);
	expect(vmx_enter(1), VMX_FAILVALID, 8, "VMLAUNCH with HOST_CR0.NE clear (error 8: host state)");
	vmwrite32(VMCS_HOST_CR0, cr0);
	/* A guest-state failure: L1 continues at its host RIP/RSP with exit
	 * reason 33 and bit 31 (SDM 3C 27.8). */
	uint32_t gcr0 = vmr(VMCS_GUEST_CR0);
	vmwrite32(VMCS_GUEST_CR0, gcr0 & ~0x20u);
	int r = vmx_enter(1);
	uint32_t reason = vmr(VMCS_EXIT_REASON), qual = vmr(VMCS_EXIT_QUALIFICATION);
	guest_check(r == VMX_EXITED && reason == 0x80000021u && qual == 0,
		    "VMLAUNCH with GUEST_CR0.NE clear: VM-entry failure to L1's host RIP, exit reason 0x%x "
		    "qualification %u (got %s)", reason, qual, outcome_name(r));
	guest_check(read_cr4_g() & CR4_VMXE, "L1 after the failed entry: CR4 0x%x from HOST_CR4", read_cr4_g());
	vmwrite32(VMCS_GUEST_CR0, gcr0);
}

/* L2's programs. */
extern char l2_seq[], l2_seq_cpuid[], l2_seq_hlt[], l2_seq_out[], l2_seq_vmcall[], l2_ept_rd[], l2_ept_vmcall[];
__asm__(".text\n"
	"l2_seq:\n"
	"l2_seq_cpuid: cpuid\n"
	"l2_seq_hlt: hlt\n"
	"l2_seq_out: outb %al, $0x80\n"
	"l2_seq_vmcall: vmcall\n"
	"jmp l2_seq_vmcall\n"
	"l2_ept_rd: movl (%esi), %eax\n"
	"l2_ept_vmcall: vmcall\n"
	"jmp l2_ept_vmcall\n"
	"l2_ept_wr: movl %eax, (%esi)\n"
	"1: vmcall\n"
	"jmp 1b\n"
	"l2_ept_call: call *%esi\n"
	"1: vmcall\n"
	"jmp 1b\n"
	"l2_ept_inc: incl (%esi)\n"
	"1: vmcall\n"
	"jmp 1b\n");
extern char l2_ept_wr[], l2_ept_call[], l2_ept_inc[];
/* MSR, CR and exception reflection: RDMSR of ECX; MOV EBX to CR0 (TS
 * set); UD2; each followed by VMCALL. */
extern char l2_rdmsr_at[], l2_movcr_at[], l2_ud_at[], l2_after_vmcall[];
__asm__(".text\n"
	"l2_rdmsr_at: rdmsr\n"
	"l2_after_vmcall: vmcall\n"
	"jmp l2_after_vmcall\n"
	"l2_movcr: mov %cr0, %ebx\n"
	"or $8, %ebx\n"
	"l2_movcr_at: mov %ebx, %cr0\n"
	"1: vmcall\n"
	"jmp 1b\n"
	"l2_ud_at: ud2\n"
	"1: vmcall\n"
	"jmp 1b\n");
extern char l2_movcr[];
static uint8_t msr_bitmap[4096] __attribute__((aligned(4096)));

/* Advance L2 past the instruction that exited, then VMRESUME. */
static int resume_next(void)
{
	vmwrite32(VMCS_GUEST_RIP, vmr(VMCS_GUEST_RIP) + vmr(VMCS_EXIT_INSTRUCTION_LEN));
	return vmx_enter(0);
}

static void expect_exit(int r, uint32_t reason, const char *at, uint32_t len, uint32_t qual, const char *what)
{
	uint32_t got = vmr(VMCS_EXIT_REASON), rip = vmr(VMCS_GUEST_RIP), l = vmr(VMCS_EXIT_INSTRUCTION_LEN);
	uint32_t q = vmr(VMCS_EXIT_QUALIFICATION);
	guest_check(r == VMX_EXITED && got == reason && rip == (uint32_t)(uintptr_t)at && l == len && q == qual,
		    "%s: exit reason %u, qualification 0x%x, instruction length %u, L2 RIP %s (got %s: reason %u "
		    "qualification 0x%x length %u RIP 0x%x)",
		    what, reason, qual, len, rip == (uint32_t)(uintptr_t)at ? "at it" : "elsewhere", outcome_name(r), got, q,
		    l, rip);
}

static void check_l2_exits(void)
{
	expect(vmx_vmcs_load(vmx_vmcs_a), VMX_OK, 0, "a fresh VMCS for L2");
	vmx_fill_flat32((void (*)(void))l2_seq, l2_stack + sizeof(l2_stack));
	uint32_t may = vmx_ctl_may1(0x48e);
	uint32_t want = (1u << 7) | (1u << 24); /* HLT exiting, unconditional I/O exiting */
	guest_check((may & want) == want, "HLT and unconditional I/O exiting offered (allowed-1 0x%x)", may);
	vmwrite32(VMCS_PROC_BASED_CTLS, vmx_ctl_must1(0x48e) | want);
	memset(&vmx_l2_gprs, 0, sizeof(vmx_l2_gprs));
	vmx_l2_gprs.eax = 0x40000000;
	int r = vmx_enter(1);
	expect_exit(r, 10, l2_seq_cpuid, 2, 0, "L2 CPUID (no control can stop it exiting)");
	guest_check(vmx_l2_gprs.eax == 0x40000000, "L1 sees L2's EAX 0x%x at the CPUID exit", vmx_l2_gprs.eax);
	r = resume_next();
	expect_exit(r, 12, l2_seq_hlt, 1, 0, "L2 HLT (HLT exiting)");
	r = resume_next();
	expect_exit(r, 30, l2_seq_out, 2, 0x800040, "L2 OUT 0x80, AL (unconditional I/O exiting)");
	r = resume_next();
	expect_exit(r, 18, l2_seq_vmcall, 3, 0, "L2 VMCALL");
	expect(vmx_enter(1), VMX_FAILVALID, 4, "VMLAUNCH of the launched VMCS (error 4)");
	r = vmx_enter(0);
	expect_exit(r, 18, l2_seq_vmcall, 3, 0, "VMRESUME without advancing: L2 VMCALL again");
	uint32_t idt = vmr(VMCS_IDT_VECTORING_INFO), intr = vmr(VMCS_EXIT_INTR_INFO);
	guest_check(!(idt >> 31) && !(intr >> 31), "no IDT-vectoring or interruption info on a VMCALL exit (0x%x 0x%x)",
		    idt, intr);
}

/* Run L2 at prog with ECX as given, from the current (launched) VMCS. */
static int run_at(const char *prog, uint32_t ecx)
{
	vmwrite32(VMCS_GUEST_RIP, (uint32_t)(uintptr_t)prog);
	vmwrite32(VMCS_GUEST_RSP, (uint32_t)(uintptr_t)(l2_stack + sizeof(l2_stack)));
	memset(&vmx_l2_gprs, 0, sizeof(vmx_l2_gprs));
	vmx_l2_gprs.ecx = ecx;
	return vmx_enter(0);
}

static void check_reflection(void)
{
	/* The VMCS of check_l2_exits (launched): MSR bitmaps on. */
	expect(vmptrld_at((uint32_t)(uintptr_t)vmx_vmcs_a), VMX_OK, 0, "the L2 VMCS again");
	uint32_t proc = vmr(VMCS_PROC_BASED_CTLS);
	memset(msr_bitmap, 0, sizeof(msr_bitmap));
	msr_bitmap[1024 + (0x80 >> 3)] = 1u << (0x80 & 7); /* read of 0xC0000080 (EFER) */
	vmwrite64(VMCS_MSR_BITMAP, (uint32_t)(uintptr_t)msr_bitmap);
	vmwrite32(VMCS_PROC_BASED_CTLS, proc | (1u << 28));
	int r = run_at(l2_rdmsr_at, 0xc0000080u);
	expect_exit(r, 31, l2_rdmsr_at, 2, 0, "L2 RDMSR of EFER, its MSR-bitmap bit set");
	r = run_at(l2_rdmsr_at, 0x10); /* TSC: bit clear: Nestor answers for L2 */
	expect_exit(r, 18, l2_after_vmcall, 3, 0, "L2 RDMSR of the TSC, its bit clear: done for L2 without L1");
	guest_check(vmx_l2_gprs.eax | vmx_l2_gprs.edx, "L2 read a TSC (0x%x%08x)", vmx_l2_gprs.edx, vmx_l2_gprs.eax);
	vmwrite32(VMCS_PROC_BASED_CTLS, proc);
	/* CR0.TS owned by L1 (mask) with shadow 0: L2 setting it exits with
	 * the qualification of MOV to CR0 from EBX (SDM 3C table 28-3). */
	vmwrite32(VMCS_CR0_GUEST_HOST_MASK, 8);
	vmwrite32(VMCS_CR0_READ_SHADOW, vmr(VMCS_GUEST_CR0) & 8);
	r = run_at(l2_movcr, 0);
	expect_exit(r, 28, l2_movcr_at, 3, 0x300, "L2 MOV EBX to CR0 changing TS, which L1 owns");
	vmwrite32(VMCS_CR0_GUEST_HOST_MASK, 0);
	/* #UD in L1's exception bitmap: exit 0 with the interruption info. */
	vmwrite32(VMCS_EXCEPTION_BITMAP, 1u << 6);
	r = run_at(l2_ud_at, 0);
	uint32_t info = vmr(VMCS_EXIT_INTR_INFO);
	expect_exit(r, 0, l2_ud_at, vmr(VMCS_EXIT_INSTRUCTION_LEN), 0, "L2 UD2 with #UD in L1's exception bitmap");
	guest_check(info == 0x80000306u, "its interruption info 0x%x (valid, hardware exception, vector 6)", info);
	vmwrite32(VMCS_EXCEPTION_BITMAP, 0);
}

/* An interrupt for L1 while (or just before) L2 runs. */
#define VEC_L1_INTR 0x40
static volatile uint32_t l1_intr_count;
static void l1_eoi(void) { *(volatile uint32_t *)0xfee000b0u = 0; }
void l1_intr_body(void);
void l1_intr_body(void)
{
	l1_intr_count++;
	l1_eoi();
}
GUEST_INTR_STUB(l1_intr_stub, l1_intr_body);

static void check_l1_intr(void)
{
	guest_set_intr_gate(VEC_L1_INTR, l1_intr_stub);
	l1_intr_count = 0;
	expect(vmx_vmcs_load(vmx_vmcs_a), VMX_OK, 0, "a fresh VMCS for the interrupt checks");
	vmx_fill_flat32((void (*)(void))l2_seq, l2_stack + sizeof(l2_stack));
	vmwrite32(VMCS_PIN_BASED_CTLS, vmx_ctl_must1(0x48d) | 1);               /* external-interrupt exiting */
	vmwrite32(VMCS_EXIT_CTLS, vmx_ctl_must1(0x48f) | (1u << 15));            /* acknowledge interrupt on exit */
	/* Pending at VMLAUNCH (L1 has IF=0): the entry must exit at once. */
	__asm__ volatile("cli");
	long hc = nestor_hypercall(HC_RAISE_EVENT, HC_EVENT_INTR, VEC_L1_INTR, 0);
	int r = vmx_enter(1);
	uint32_t reason = vmr(VMCS_EXIT_REASON), info = vmr(VMCS_EXIT_INTR_INFO), rip = vmr(VMCS_GUEST_RIP);
	guest_check(hc == 0 && r == VMX_EXITED && reason == 1 && info == (0x80000000u | VEC_L1_INTR) &&
			    rip == (uint32_t)(uintptr_t)l2_seq_cpuid && l1_intr_count == 0,
		    "interrupt pending at VMLAUNCH, external-interrupt exiting + acknowledge on exit: exit reason %u, "
		    "interruption info 0x%x (vector 0x40 acknowledged), L2 did not run (%s)",
		    reason, info, rip == (uint32_t)(uintptr_t)l2_seq_cpuid ? "RIP at its start" : "RIP moved");
	l1_eoi();
	/* Without acknowledge: interruption info invalid, the interrupt stays
	 * pending for L1, which takes it once it sets IF. */
	vmwrite32(VMCS_EXIT_CTLS, vmx_ctl_must1(0x48f));
	hc = nestor_hypercall(HC_RAISE_EVENT, HC_EVENT_INTR, VEC_L1_INTR, 0);
	r = vmx_enter(0);
	reason = vmr(VMCS_EXIT_REASON);
	info = vmr(VMCS_EXIT_INTR_INFO);
	uint32_t before = l1_intr_count;
	__asm__ volatile("sti; nop; cli" ::: "memory");
	guest_check(r == VMX_EXITED && reason == 1 && !(info >> 31) && before == 0 && l1_intr_count == 1,
		    "without acknowledge on exit: exit reason %u, interruption info 0x%x (invalid), then L1 took the "
		    "interrupt itself (%u -> %u)", reason, info, before, (unsigned)l1_intr_count);
}

/* EPT12: identity map of the first 1 GiB with 2 MiB pages, WB, RWX. */
static uint64_t ept_pml4[512] __attribute__((aligned(4096)));
static uint64_t ept_pdpt[512] __attribute__((aligned(4096)));
static uint64_t ept_pd[512] __attribute__((aligned(4096)));
static uint64_t ept_pt[512] __attribute__((aligned(4096)));
#define EPT_HOLE 0x1000000u
/* L2-physical window of 4 KiB pages: +0 L0's test device, +0x1000 the
 * ROM, +0x2000 the ROMD region (module options testdev=, rom=, romd=). */
#define EPT_WIN 0x1200000u
#define EPT_MAX_REFLECTIONS 4 /* more EPT violations than this for one access: ping-pong */

/* L2 runs prog (ESI, EAX given) until its VMCALL; each EPT violation L1
 * gets is counted, the first's qualification kept, and on the first L1
 * sets write permission on the window's device page (as an old L1 that
 * fixes only what the qualification asks for would). */
static unsigned ept_run(const char *prog, uint32_t esi, uint32_t eax, uint32_t *first_qual, int *r)
{
	unsigned n = 0;
	*first_qual = 0;
	vmwrite32(VMCS_GUEST_RIP, (uint32_t)(uintptr_t)prog);
	vmwrite32(VMCS_GUEST_RSP, (uint32_t)(uintptr_t)(l2_stack + sizeof(l2_stack)));
	vmx_l2_gprs.esi = esi;
	vmx_l2_gprs.eax = eax;
	for (;;) {
		*r = vmx_enter(0);
		if (*r != VMX_EXITED || vmr(VMCS_EXIT_REASON) != 48 || n > EPT_MAX_REFLECTIONS)
			return n;
		uint32_t q = vmr(VMCS_EXIT_QUALIFICATION);
		if (!n++)
			*first_qual = q;
		if (q & 2)
			ept_pt[0] |= 2;
		uint64_t desc[2] = { vmr(VMCS_EPT_POINTER), 0 };
		invept_type(1, desc);
	}
}

static void check_ept_mmio(uint32_t dev, uint32_t rom, uint32_t romd)
{
	volatile uint32_t *d = (volatile uint32_t *)(uintptr_t)dev;
	volatile const uint32_t *rm = (volatile const uint32_t *)(uintptr_t)rom;
	ept_pt[0] = dev | 1;                       /* read-only */
	ept_pt[1] = rom | (6u << 3) | 7;
	ept_pt[2] = romd | 7;
	ept_pd[EPT_WIN >> 21] = (uint32_t)(uintptr_t)ept_pt | 7;
	uint64_t desc[2] = { vmr(VMCS_EPT_POINTER), 0 };
	invept_type(1, desc);
	d[1] = 0x5a5a0001;
	uint32_t q;
	int r;
	unsigned n = ept_run(l2_ept_rd, EPT_WIN + 4, 0, &q, &r);
	uint32_t last = d[TESTDEV_LAST / 4];
	guest_check(n == 0 && r == VMX_EXITED && vmr(VMCS_EXIT_REASON) == 18 && vmx_l2_gprs.eax == 0x5a5a0001 &&
			    last == (4u | (4u << 16)),
		    "EPT MMIO: L2 read of L0's test device through L1's read-only EPT entry, emulated by L0 (%u EPT "
		    "violations to L1, value 0x%x, device last 0x%x)", n, vmx_l2_gprs.eax, last);
	/* The seed "stale exit qualification": the write's violation must
	 * carry the write (bit 1) and EPT12's read permission (bit 3), not
	 * the read's bits. */
	n = ept_run(l2_ept_wr, EPT_WIN + 8, 0x77, &q, &r);
	guest_check(n == 1 && q == 0x18a,
		    "EPT MMIO: L2 write to the read-only device page: %u EPT violation to L1, qualification 0x%x (write, "
		    "readable, GLA valid, final: not the read's bits)", n, q);
	last = d[TESTDEV_LAST / 4];
	guest_check(r == VMX_EXITED && vmr(VMCS_EXIT_REASON) == 18 && last == (4u | TESTDEV_LAST_WRITE | (8u << 16)) &&
			    d[2] == 0x77,
		    "EPT MMIO: after L1 made it writable, L2's write reached the device (0x%x, last 0x%x)", d[2], last);
	/* ROM: reads and fetches map through (no exit to L1), writes are
	 * L0's MMIO: dropped (ROM) or the test device's (ROMD). */
	n = ept_run(l2_ept_rd, EPT_WIN + 0x1040, 0, &q, &r);
	guest_check(n == 0 && r == VMX_EXITED && vmr(VMCS_EXIT_REASON) == 18 && vmx_l2_gprs.eax == rm[0x10],
		    "EPT ROM: L2 read of ROM without an exit to L1 (0x%x, ROM has 0x%x)", vmx_l2_gprs.eax, rm[0x10]);
	n = ept_run(l2_ept_call, EPT_WIN + 0x1100, 0, &q, &r);
	guest_check(n == 0 && r == VMX_EXITED && vmr(VMCS_EXIT_REASON) == 18 && vmx_l2_gprs.eax == 0x12345678,
		    "EPT ROM: L2 called code in ROM without an exit to L1 (exit %u, EAX 0x%x)", vmr(VMCS_EXIT_REASON),
		    vmx_l2_gprs.eax);
	uint32_t before = rm[0x10];
	n = ept_run(l2_ept_wr, EPT_WIN + 0x1040, 0xdeadbeef, &q, &r);
	guest_check(n == 0 && r == VMX_EXITED && vmr(VMCS_EXIT_REASON) == 18 && rm[0x10] == before,
		    "EPT ROM: L2 write to ROM dropped by L0 (%u EPT violations to L1, ROM still 0x%x)", n, rm[0x10]);
	uint32_t logged = d[TESTDEV_LOG_COUNT / 4];
	n = ept_run(l2_ept_wr, EPT_WIN + 0x2020, 0x1234, &q, &r);
	last = d[TESTDEV_LAST / 4];
	uint32_t now = d[TESTDEV_LOG_COUNT / 4];
	guest_check(n == 0 && r == VMX_EXITED && vmr(VMCS_EXIT_REASON) == 18 && now == logged + 1 &&
			    (last & (TESTDEV_LAST_WRITE | TESTDEV_LAST_ROMD)) == (TESTDEV_LAST_WRITE | TESTDEV_LAST_ROMD),
		    "EPT ROM: L2 write to ROMD reached the test device's log (%u EPT violations to L1, log %u -> %u, last "
		    "0x%x)", n, logged, now, last);
}

static void check_ept(uint32_t dev, uint32_t rom, uint32_t romd)
{
	uint64_t cap = rdmsr(0x48c);
	uint32_t may2 = vmx_ctl_may1(0x48b);
	if (!(may2 & 2) || !(cap & (1ull << 16)) || !(cap & (1ull << 6)) || !(cap & (1ull << 14))) {
		guest_fail("EPT with 4 levels, WB and 2 MiB pages not offered (PROCBASED_CTLS2 allowed-1 0x%x, EPT_VPID_CAP "
			   "0x%llx)", may2, (unsigned long long)cap);
		return;
	}
	ept_pml4[0] = (uint32_t)(uintptr_t)ept_pdpt | 7;
	ept_pdpt[0] = (uint32_t)(uintptr_t)ept_pd | 7;
	for (unsigned i = 0; i < 512; i++)
		ept_pd[i] = ((uint64_t)i << 21) | (6u << 3) | (1u << 7) | 7;
	ept_pd[EPT_HOLE >> 21] = 0;
	expect(vmx_vmcs_load(vmx_vmcs_b), VMX_OK, 0, "a VMCS for an L2 under L1's EPT");
	vmx_fill_flat32((void (*)(void))l2_ept_rd, l2_stack + sizeof(l2_stack));
	vmwrite32(VMCS_PROC_BASED_CTLS, vmx_ctl_must1(0x48e) | (1u << 31));
	vmwrite32(VMCS_PROC_BASED_CTLS2, 2);
	vmwrite64(VMCS_EPT_POINTER, (uint32_t)(uintptr_t)ept_pml4 | (3u << 3) | 6);
	memset(&vmx_l2_gprs, 0, sizeof(vmx_l2_gprs));
	vmx_l2_gprs.esi = EPT_HOLE + 0x10;
	*(volatile uint32_t *)(uintptr_t)(EPT_HOLE + 0x10) = 0xfeedf00d;
	int r = vmx_enter(1);
	uint32_t reason = vmr(VMCS_EXIT_REASON), qual = vmr(VMCS_EXIT_QUALIFICATION);
	uint32_t gpa = vmr(VMCS_GUEST_PHYSICAL_ADDRESS), gla = vmr(VMCS_GUEST_LINEAR_ADDRESS), rip = vmr(VMCS_GUEST_RIP);
	guest_check(r == VMX_EXITED && reason == 48 && qual == 0x181 && gpa == EPT_HOLE + 0x10 && gla == EPT_HOLE + 0x10 &&
			    rip == (uint32_t)(uintptr_t)l2_ept_rd,
		    "L2 read of a page L1's EPT does not map: EPT violation (48), qualification 0x181, GPA 0x%x GLA 0x%x (got "
		    "%s reason %u qualification 0x%x RIP %s)",
		    gpa, gla, outcome_name(r), reason, qual, rip == (uint32_t)(uintptr_t)l2_ept_rd ? "at the read" : "elsewhere");
	ept_pd[EPT_HOLE >> 21] = ((uint64_t)EPT_HOLE) | (6u << 3) | (1u << 7) | 7;
	uint64_t desc[2] = { (uint32_t)(uintptr_t)ept_pml4 | (3u << 3) | 6, 0 };
	expect(invept_type(1, desc), VMX_OK, 0, "INVEPT single-context after mapping the page");
	r = vmx_enter(0);
	expect_exit(r, 18, l2_ept_vmcall, 3, 0, "after the mapping, L2's read completes and it VMCALLs");
	guest_check(vmx_l2_gprs.eax == 0xfeedf00d, "L2 read 0x%x through L1's EPT", vmx_l2_gprs.eax);
	uint32_t rom_bad = 0;
	cmdline_get_u32("rom_bad", &rom_bad);
	if (dev && rom && romd && rom_bad) {
		/* L2 writes ROM with an instruction L0 cannot emulate: the VM
		 * stops with the internal-error report (nothing returns). */
		ept_pt[1] = rom | (6u << 3) | 7;
		ept_pd[EPT_WIN >> 21] = (uint32_t)(uintptr_t)ept_pt | 7;
		uint64_t d2[2] = { vmr(VMCS_EPT_POINTER), 0 };
		invept_type(1, d2);
		guest_say("L2 writing to ROM with INC");
		guest_console_drain();
		uint32_t q;
		int r;
		ept_run(l2_ept_inc, EPT_WIN + 0x1000, 0, &q, &r);
		guest_fail("L2's unemulatable ROM write returned to L1 (exit %u)", vmr(VMCS_EXIT_REASON));
	} else if (dev && rom && romd)
		check_ept_mmio(dev, rom, romd);
	else
		guest_skip("L0's MMIO/ROM through L1's EPT (arguments dev= rom= romd= not given)");
}

int guest_main(const struct mb_info *mbi)
{
	(void)mbi;
	guest_idt_init();
	if (!(cpuid(1, 0).ecx & CPUID1_VMX)) {
		guest_fail("CPUID.1:ECX.VMX is clear: not a nested-capable VM on VT-x");
		return 1;
	}
	check_msrs();
	check_vmxon();
	check_vmcs_insns();
	check_vmentry();
	check_l2_exits();
	check_reflection();
	check_l1_intr();
	uint32_t dev = 0, rom = 0, romd = 0;
	cmdline_get_u32("dev", &dev);
	cmdline_get_u32("rom", &rom);
	cmdline_get_u32("romd", &romd);
	check_ept(dev, rom, romd);
	expect(vmxoff(), VMX_OK, 0, "VMXOFF");
	uint64_t p;
	int vec = guest_catch(do_vmptrst, &p);
	guest_check(vec == VEC_UD, "VMPTRST after VMXOFF: #UD (got %s)", vec < 0 ? "none" : exception_name(vec));
	guest_say("%d checks failed", guest_failures());
	return 0;
}

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
 *     L1 at its host RIP/RSP.
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
	guest_check(rdmsr_safe(0x48b, &proc2) < 0 && rdmsr_safe(0x48c, &ept) < 0 && rdmsr_safe(0x488, &cr4f0) < 0 &&
			    rdmsr_safe(0x489, &cr4f1) < 0 && (cr4f0 & CR4_VMXE) && (cr4f1 & CR4_VMXE),
		    "PROCBASED_CTLS2 0x%llx, EPT_VPID_CAP 0x%llx, CR4_FIXED0 0x%llx (VMXE), CR4_FIXED1 0x%llx",
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
	expect(vmxoff(), VMX_OK, 0, "VMXOFF");
	uint64_t p;
	int vec = guest_catch(do_vmptrst, &p);
	guest_check(vec == VEC_UD, "VMPTRST after VMXOFF: #UD (got %s)", vec < 0 ? "none" : exception_name(vec));
	guest_say("%d checks failed", guest_failures());
	return 0;
}

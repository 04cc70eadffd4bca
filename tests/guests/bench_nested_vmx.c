/*
 * bench_nested_vmx - nested VMX round trips under a nested=on L1 on VT-x
 * (this guest is the L1; its L2 is a function of it, 32-bit protected mode
 * on L1's paging). Command line "l1": L2 CPUIDs (which always exit on VMX,
 * SDM 3C 26.1.2), each L2 -> L0 -> VM exit into L1 -> L1 skips it and
 * VMRESUMEs -> L2 (the whole nested round trip); "ept": under L1's EPT
 * (identity 2 MiB pages, L2-GPA 0x40000000 unmapped) L2 reads that
 * address, each read an EPT violation reflected to L1, which skips the
 * 2-byte MOV; "vmread": L1 itself VMREADs a field in the loop (no VMCS
 * shadowing: each is an exit to L0). L2 (or L1) times the loops with
 * RDTSC as bench_cpuid does; the harness divides and subtracts.
 */
#include "lib/guest.h"
#include "lib/bench.h"
#include "lib/vmx.h"

const char guest_name[] = "bench";

#define WARMUP 100
#define ITERATIONS 2000
#define L2_WIN 0x40000000u

static uint64_t d_loop, d_empty;
static bool want_ept;
static uint64_t ept_pml4[512] __attribute__((aligned(4096)));
static uint64_t ept_pdpt[512] __attribute__((aligned(4096)));
static uint64_t ept_pd[512] __attribute__((aligned(4096)));

/* ept loop: xor eax,eax; mov eax,[edi] (8B 07, skipped by L1); dec esi; jnz */
static uint64_t ept_loop(uint32_t n)
{
	uint64_t t0 = rdtsc();
	__asm__ volatile("1:\n\t"
			 "xor %%eax, %%eax\n\t"
			 "movl (%%edi), %%eax\n\t"
			 "dec %%esi\n\t"
			 "jnz 1b"
			 : "+S"(n)
			 : "D"(L2_WIN)
			 : "eax", "memory");
	return rdtsc() - t0;
}

/* vmread loop (L1): xor eax,eax; vmread eax,ecx; dec esi; jnz */
static uint64_t vmread_loop(uint32_t n)
{
	uint64_t t0 = rdtsc();
	__asm__ volatile("1:\n\t"
			 "xor %%eax, %%eax\n\t"
			 "vmread %%ecx, %%eax\n\t"
			 "dec %%esi\n\t"
			 "jnz 1b"
			 : "+S"(n)
			 : "c"(VMCS_GUEST_RIP)
			 : "eax", "cc", "memory");
	return rdtsc() - t0;
}

static uint8_t l2_stack[8192] __attribute__((aligned(16)));

static void l2_main(void)
{
	uint64_t (*loop)(uint32_t) = want_ept ? ept_loop : bench_cpuid_loop;
	loop(WARMUP);
	d_loop = loop(ITERATIONS);
	d_empty = bench_empty_loop(ITERATIONS);
	for (;;)
		__asm__ volatile("vmcall");
}

int guest_main(const struct mb_info *mbi)
{
	(void)mbi;
	want_ept = cmdline_has_word("ept");
	bool want_vmread = cmdline_has_word("vmread");
	guest_idt_init();
	if (vmx_on() != VMX_OK || vmx_vmcs_load(vmx_vmcs_a) != VMX_OK) {
		guest_fail("VMXON or VMPTRLD failed (not a nested=on VM on VT-x?)");
		return 1;
	}
	vmx_fill_flat32(l2_main, l2_stack + sizeof(l2_stack));
	const char *what = want_ept ? "l2 ept violation via l1" : want_vmread ? "l1 vmread" : "l2 cpuid via l1";
	if (want_vmread) {
		vmread_loop(WARMUP);
		d_loop = vmread_loop(ITERATIONS);
		d_empty = bench_empty_loop(ITERATIONS);
	} else {
		if (want_ept) {
			ept_pml4[0] = (uint32_t)(uintptr_t)ept_pdpt | 7;
			ept_pdpt[0] = (uint32_t)(uintptr_t)ept_pd | 7;
			for (unsigned i = 0; i < 512; i++)
				ept_pd[i] = ((uint64_t)i << 21) | (6u << 3) | (1u << 7) | 7;
			vmwrite32(VMCS_PROC_BASED_CTLS, vmx_ctl_must1(0x48e) | (1u << 31));
			vmwrite32(VMCS_PROC_BASED_CTLS2, 2);
			vmwrite64(VMCS_EPT_POINTER, (uint32_t)(uintptr_t)ept_pml4 | (3u << 3) | 6);
		}
		int r = vmx_enter(1);
		for (;;) {
			uint32_t reason = vmr(VMCS_EXIT_REASON);
			if (r != VMX_EXITED) {
				guest_fail("VM entry failed (%d, error %u)", r, vmr(VMCS_VM_INSTRUCTION_ERROR));
				return 1;
			}
			if (reason == 10) { /* CPUID: leave the registers, skip it */
				vmwrite32(VMCS_GUEST_RIP, vmr(VMCS_GUEST_RIP) + vmr(VMCS_EXIT_INSTRUCTION_LEN));
			} else if (reason == 48 && want_ept && vmr(VMCS_GUEST_PHYSICAL_ADDRESS) == L2_WIN) {
				vmwrite32(VMCS_GUEST_RIP, vmr(VMCS_GUEST_RIP) + 2); /* as an L1 emulating the read */
			} else if (reason == 18) {
				break;
			} else {
				guest_fail("unexpected exit %u", reason);
				return 1;
			}
			r = vmx_enter(0);
		}
	}
	guest_say("%s %u iterations: tsc delta %llu", what, ITERATIONS, (unsigned long long)d_loop);
	guest_say("empty loop %u iterations: tsc delta %llu", ITERATIONS, (unsigned long long)d_empty);
	return 0;
}

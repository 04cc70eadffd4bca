/*
 * nested_svm_l0.c - an L1 hypervisor (nested=on) whose L2 exits are
 * handled by Nestor (L0) alone, because L1 does not intercept them: what
 * L0 reads or writes of L2's memory for them must be L2's, i.e. go through
 * L1's nested page table (L2-physical -> L1-physical), never L1-physical
 * memory at L2's addresses.
 *
 * L1's NPT maps L2-physical [ALIAS, ALIAS + 8 MiB) onto L1-physical
 * [0, 8 MiB) and nothing else; L2's own page tables (PAE and 4-level) map
 * linear [0, 8 MiB) onto L2-physical ALIAS + linear, so L2 runs L1's code
 * at L1's linear addresses while every L2-physical address is 64 MiB away
 * from the L1-physical one (beyond the VM's RAM: a handler reading L1
 * memory at L2's addresses finds nothing there).
 *
 *  - MOV to CR4 (L0 intercepts CR4 writes for itself; L1 does not): with
 *    no decode assists L0 decodes L2's instruction through L2's paging
 *    and L1's NPT, and a PAE L2's PDPTEs are reloaded from L2's CR3 (a
 *    PGE toggle) through L1's NPT. L2 toggles CR4.PGE and OSXMMEXCPT in
 *    PAE and 64-bit mode (64-bit: through R9, a REX-prefixed MOV) and
 *    reads CR4 back; the value, VMCB12's CR4 and the VMMCALL's RIP are
 *    checked (APM Vol 2 15.9: CR intercepts).
 *  - String I/O (L0 intercepts every port; L1 does not): REP OUTSB of an
 *    L2 buffer to the UART (the line must appear on the VM's console),
 *    REP INSB from fw_cfg (its "QEMU" signature lands in L2's buffer), and
 *    a REP OUTSB from a buffer L1's NPT does not map, which is L1's #NPF
 *    (EXITINFO1 0x100000004: user, read, not present, final translation;
 *    EXITINFO2 the L2-physical address) with RIP at the OUTSB, and one
 *    from a linear address whose page table L1's NPT does not map (L1's
 *    #NPF with bit 33, exactly as the CPU's own walk reports it).
 *  - VMMCALL (L0 intercepts it for L1's hypercalls; L1 does not): #UD in
 *    L2 as on a CPU whose VMMCALL intercept is clear, reflected to L1
 *    when L1 intercepts #UD, else delivered through L2's IDT.
 */
#include "lib/guest.h"
#include "lib/svm.h"
#include "hv/guest_abi.h"

const char guest_name[] = "nested_svm_l0";

#define ALIAS 0x04000000u   /* L2-physical = L1-physical + 64 MiB */
#define UNMAPPED 0x00800000u /* linear 8 MiB: L2-physical ALIAS + 8 MiB, not in L1's NPT */
#define UNMAPPED_PT 0x00a00000u /* linear 10 MiB: its page table at L2-physical ALIAS + 8 MiB + 12 KiB */
#define UNMAPPED_PT_GPA (ALIAS + UNMAPPED + 0x3000u)
#define P 1u
#define RW 2u
#define US 4u
#define PS 0x80u
#define CR4_TOGGLE ((1u << 7) | (1u << 10)) /* PGE, OSXMMEXCPT */

extern char l2_cr4_32[], l2_cr4_32_done[], l2_cr4_64[], l2_cr4_64_done[], l2_outs[], l2_outs_done[], l2_ins[],
	l2_ins_done[];
__asm__(".text\n"
	/* PAE: EAX = the CR4 bits to toggle; the new value through EDI. */
	"l2_cr4_32: mov %cr4, %ecx\n"
	"xor %eax, %ecx\n"
	"mov %ecx, %edi\n"
	"mov %edi, %cr4\n"
	"mov %cr4, %ebx\n"
	"l2_cr4_32_done: vmmcall\n"
	"jmp l2_cr4_32_done\n"
	/* 64-bit: mov rcx,cr4; xor rcx,rax; mov r9,rcx; mov cr4,r9; mov rbx,cr4 */
	"l2_cr4_64: .byte 0x0f, 0x20, 0xe1, 0x48, 0x31, 0xc1, 0x49, 0x89, 0xc9\n"
	".byte 0x41, 0x0f, 0x22, 0xe1, 0x0f, 0x20, 0xe3\n"
	"l2_cr4_64_done: vmmcall\n"
	"jmp l2_cr4_64_done\n"
	/* ESI = buffer, ECX = length, EDX = port. */
	"l2_outs: cld\n"
	"rep outsb\n"
	"l2_outs_done: vmmcall\n"
	"jmp l2_outs_done\n"
	/* EAX = fw_cfg key, EDI = buffer, ECX = length. */
	"l2_ins: movw $0x510, %dx\n"
	"outw %ax, %dx\n"
	"incw %dx\n"
	"cld\n"
	"rep insb\n"
	"l2_ins_done: vmmcall\n"
	"jmp l2_ins_done\n"
	/* A load L2 performs itself (the CPU's walk, not L0's). */
	"l2_load: movb (%esi), %al\n"
	"l2_load_done: vmmcall\n"
	"jmp l2_load_done\n");
extern char l2_load[];

/* VMMCALL that L1 does not intercept (EAX: a function Nestor does not
 * have, so a hypercall would return to the HLT); L2's #UD handler
 * reports the address the fault pushed. */
extern char l2_ud[], l2_ud_after[], l2_ud_handler[], l2_ud_handler_hlt[];
__asm__(".text\n"
	"l2_ud: vmmcall\n"
	"l2_ud_after: hlt\n"
	"jmp l2_ud_after\n"
	"l2_ud_handler: movl (%esp), %ebx\n"
	"movl $0x0d06, %eax\n"
	"l2_ud_handler_hlt: hlt\n"
	"jmp l2_ud_handler_hlt\n");

/* L2's tables (entries hold L2-physical addresses) and L1's NPT. */
static uint64_t pae_pdpt[512] __attribute__((aligned(4096)));
static uint64_t l4_pml4[512] __attribute__((aligned(4096)));
static uint64_t l4_pdpt[512] __attribute__((aligned(4096)));
static uint64_t pd[512] __attribute__((aligned(4096)));
static uint32_t npt_pd[1024] __attribute__((aligned(4096)));
static uint8_t l2_stack[4096] __attribute__((aligned(16)));
static char io_buf[64];

static uint32_t l2pa(const void *p) { return (uint32_t)(uintptr_t)p + ALIAS; }

static void build_tables(void)
{
	for (unsigned i = 0; i < 4; i++)
		pd[i] = (ALIAS + ((uint64_t)i << 21)) | P | RW | US | PS;
	pd[UNMAPPED >> 21] = (ALIAS + UNMAPPED) | P | RW | US | PS;
	pd[UNMAPPED_PT >> 21] = UNMAPPED_PT_GPA | P | RW | US;
	pae_pdpt[0] = l2pa(pd) | P; /* legacy PAE PDPTEs have no RW/US */
	l4_pml4[0] = l2pa(l4_pdpt) | P | RW | US;
	l4_pdpt[0] = l2pa(pd) | P | RW | US;
	npt_pd[ALIAS >> 22] = 0x000000 | P | RW | US | PS;
	npt_pd[(ALIAS >> 22) + 1] = 0x400000 | P | RW | US | PS;
}

/* A VMCB12 for L2 in PAE (long = false) or 64-bit mode under L1's NPT,
 * L1 intercepting VMMCALL, HLT, shutdown and every exception only. */
static struct vmcb *l2_vmcb(char *entry, bool long_mode, uint32_t cr4_extra, uint32_t eax)
{
	struct vmcb *v = svm_vmcb_flat32((void (*)(void))entry, l2_stack + sizeof(l2_stack));
	struct vmcb_save *s = &v->save;
	v->control.intercept_misc2 |= SVM_INTERCEPT2_VMMCALL;
	v->control.intercept_misc1 |= SVM_INTERCEPT1_SHUTDOWN | SVM_INTERCEPT1_HLT;
	v->control.intercept_exc = 0xffffffffu;
	v->control.np_enable = 1;
	v->control.ncr3 = (uint32_t)(uintptr_t)npt_pd;
	v->control.tlb_control = 1;
	s->cr0 |= 1u << 31;
	s->cr4 = (1u << 5) | cr4_extra; /* PAE */
	if (long_mode) {
		s->cr3 = l2pa(l4_pml4);
		s->efer |= (1u << 8) | (1u << 10); /* LME, LMA */
		s->cs.attrib = 0xa9b;              /* L=1, D=0 */
	} else {
		s->cr3 = l2pa(pae_pdpt);
	}
	s->rax = eax;
	return v;
}

static void run(struct vmcb *v)
{
	svm_run(v);
	svm_stgi();
}

static void check_cr4(bool long_mode, uint32_t start)
{
	char *entry = long_mode ? l2_cr4_64 : l2_cr4_32, *done = long_mode ? l2_cr4_64_done : l2_cr4_32_done;
	struct vmcb *v = l2_vmcb(entry, long_mode, start, CR4_TOGGLE);
	uint32_t want = (1u << 5) | (start ^ CR4_TOGGLE);
	svm_l2_gprs = (struct svm_gprs){ 0 };
	run(v);
	bool ok = v->control.exitcode == SVM_EXIT_VMMCALL && v->save.rip == (uint32_t)(uintptr_t)done &&
		  svm_l2_gprs.ebx == want && v->save.cr4 == want;
	guest_check(ok,
		    "%s L2 under NP: MOV to CR4 (L1 does not intercept it) 0x%x -> 0x%x: EXITCODE 0x%llx at RIP 0x%llx "
		    "(want 0x%x), L2 read CR4 0x%x, VMCB12 CR4 0x%llx",
		    long_mode ? "64-bit" : "PAE", (1u << 5) | start, want, (unsigned long long)v->control.exitcode,
		    (unsigned long long)v->save.rip, (uint32_t)(uintptr_t)done, svm_l2_gprs.ebx,
		    (unsigned long long)v->save.cr4);
}

static void check_string_io(void)
{
	static const char line[] = "L2 says: REP OUTSB through L1's nested paging\n";
	memcpy(io_buf, line, sizeof(line) - 1);
	struct vmcb *v = l2_vmcb(l2_outs, false, 0, 0);
	svm_l2_gprs = (struct svm_gprs){ .esi = (uint32_t)(uintptr_t)io_buf, .ecx = sizeof(line) - 1, .edx = 0x3f8 };
	run(v);
	guest_check(v->control.exitcode == SVM_EXIT_VMMCALL && v->save.rip == (uint32_t)(uintptr_t)l2_outs_done &&
			    svm_l2_gprs.ecx == 0 && svm_l2_gprs.esi == (uint32_t)(uintptr_t)io_buf + sizeof(line) - 1,
		    "PAE L2 under NP: REP OUTSB to the UART (L1 does not intercept I/O): EXITCODE 0x%llx, ECX %u",
		    (unsigned long long)v->control.exitcode, svm_l2_gprs.ecx);

	memset(io_buf, 0, sizeof(io_buf));
	v = l2_vmcb(l2_ins, false, 0, 0 /* FW_CFG_SIGNATURE */);
	svm_l2_gprs = (struct svm_gprs){ .edi = (uint32_t)(uintptr_t)io_buf, .ecx = 4 };
	run(v);
	guest_check(v->control.exitcode == SVM_EXIT_VMMCALL && !memcmp(io_buf, "QEMU", 4) && svm_l2_gprs.ecx == 0,
		    "PAE L2 under NP: REP INSB from fw_cfg into L2's buffer: \"%.4s\" (EXITCODE 0x%llx)", io_buf,
		    (unsigned long long)v->control.exitcode);

	/* The buffer's L2-physical page is not in L1's NPT: L1's #NPF. */
	v = l2_vmcb(l2_outs, false, 0, 0);
	svm_l2_gprs = (struct svm_gprs){ .esi = UNMAPPED + 0x10, .ecx = 3, .edx = 0x3f8 };
	run(v);
	guest_check(v->control.exitcode == SVM_EXIT_NPF && v->control.exitinfo1 == 0x100000004ull &&
			    v->control.exitinfo2 == ALIAS + UNMAPPED + 0x10 && v->save.rip == (uint32_t)(uintptr_t)l2_outs + 1 &&
			    svm_l2_gprs.ecx == 3,
		    "PAE L2 under NP: REP OUTSB from a buffer L1's NPT does not map: #NPF EXITINFO1 0x%llx EXITINFO2 "
		    "0x%llx at RIP 0x%llx, ECX %u",
		    (unsigned long long)v->control.exitinfo1, (unsigned long long)v->control.exitinfo2,
		    (unsigned long long)v->save.rip, svm_l2_gprs.ecx);

	/* A page table of L2 that L1's NPT does not map: the CPU's own walk
	 * (L2's load) gives L1 #NPF with bit 33 (a guest-table access), W and
	 * U (the walk may set A/D bits: a user write), EXITINFO2 the table
	 * entry's L2-physical address (QEMU TCG and Bochs agree); L0's walk
	 * for L2's REP OUTSB from there must give L1 the same. */
	const uint64_t want1 = 0x200000006ull, want2 = UNMAPPED_PT_GPA + 8 * ((UNMAPPED_PT + 0x5020) >> 12 & 511);
	v = l2_vmcb(l2_load, false, 0, 0);
	svm_l2_gprs = (struct svm_gprs){ .esi = UNMAPPED_PT + 0x5020 };
	run(v);
	uint64_t cpu1 = v->control.exitinfo1, cpu2 = v->control.exitinfo2;
	guest_check(v->control.exitcode == SVM_EXIT_NPF && cpu1 == want1 && cpu2 == want2 &&
			    v->save.rip == (uint32_t)(uintptr_t)l2_load,
		    "PAE L2 under NP: the CPU's load through a page table L1's NPT does not map: #NPF EXITINFO1 0x%llx "
		    "EXITINFO2 0x%llx (want 0x%llx 0x%llx)",
		    (unsigned long long)cpu1, (unsigned long long)cpu2, (unsigned long long)want1,
		    (unsigned long long)want2);
	v = l2_vmcb(l2_outs, false, 0, 0);
	svm_l2_gprs = (struct svm_gprs){ .esi = UNMAPPED_PT + 0x5020, .ecx = 3, .edx = 0x3f8 };
	run(v);
	guest_check(v->control.exitcode == SVM_EXIT_NPF && v->control.exitinfo1 == cpu1 && v->control.exitinfo2 == cpu2 &&
			    v->save.rip == (uint32_t)(uintptr_t)l2_outs + 1 && svm_l2_gprs.ecx == 3,
		    "PAE L2 under NP: REP OUTSB through a page table L1's NPT does not map: #NPF EXITINFO1 0x%llx "
		    "EXITINFO2 0x%llx as the CPU's (EXITCODE 0x%llx at RIP 0x%llx)",
		    (unsigned long long)v->control.exitinfo1, (unsigned long long)v->control.exitinfo2,
		    (unsigned long long)v->control.exitcode, (unsigned long long)v->save.rip);
}

static uint64_t l2_idt[8] __attribute__((aligned(8)));

static uint64_t gate32(void *handler)
{
	uint16_t cs;
	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	uint32_t h = (uint32_t)(uintptr_t)handler;
	return (h & 0xffff) | ((uint64_t)cs << 16) | (0x8e00ull << 32) | ((uint64_t)(h >> 16) << 48);
}

/* An L2 VMMCALL that L1 does not intercept is #UD (APM Vol 3, VMMCALL),
 * never a Nestor hypercall: reflected to L1 when it intercepts #UD (RIP
 * at the VMMCALL, a fault), else delivered through L2's IDT. */
static void check_vmmcall_ud(void)
{
	struct vmcb *v = svm_vmcb_flat32((void (*)(void))l2_ud, l2_stack + sizeof(l2_stack));
	v->control.intercept_misc1 |= SVM_INTERCEPT1_HLT;
	v->control.intercept_exc = 1u << 6;
	v->save.rax = 0x7fff0000u;
	run(v);
	guest_check(v->control.exitcode == SVM_EXIT_EXCP_BASE + 6 && v->control.exitinfo1 == 0 &&
			    v->save.rip == (uint32_t)(uintptr_t)l2_ud && v->save.rax == 0x7fff0000u,
		    "L2 VMMCALL, L1 intercepting #UD but not VMMCALL: #UD to L1 (EXITCODE 0x%llx EXITINFO1 0x%llx at "
		    "RIP 0x%llx, want 0x%x; EAX 0x%llx)",
		    (unsigned long long)v->control.exitcode, (unsigned long long)v->control.exitinfo1,
		    (unsigned long long)v->save.rip, (uint32_t)(uintptr_t)l2_ud, (unsigned long long)v->save.rax);

	l2_idt[6] = gate32(l2_ud_handler);
	v = svm_vmcb_flat32((void (*)(void))l2_ud, l2_stack + sizeof(l2_stack));
	v->control.intercept_misc1 |= SVM_INTERCEPT1_HLT;
	v->save.idtr.base = (uint32_t)(uintptr_t)l2_idt;
	v->save.idtr.limit = sizeof(l2_idt) - 1;
	v->save.rax = 0x7fff0000u;
	svm_l2_gprs = (struct svm_gprs){ 0 };
	run(v);
	guest_check(v->control.exitcode == SVM_EXIT_HLT && v->save.rip == (uint32_t)(uintptr_t)l2_ud_handler_hlt &&
			    v->save.rax == 0x0d06 && svm_l2_gprs.ebx == (uint32_t)(uintptr_t)l2_ud,
		    "L2 VMMCALL, L1 intercepting neither: #UD through L2's IDT (EXITCODE 0x%llx at RIP 0x%llx, EAX "
		    "0x%llx, pushed EIP 0x%x, want 0x%x)",
		    (unsigned long long)v->control.exitcode, (unsigned long long)v->save.rip,
		    (unsigned long long)v->save.rax, svm_l2_gprs.ebx, (uint32_t)(uintptr_t)l2_ud);
}

int guest_main(const struct mb_info *mbi)
{
	(void)mbi;
	if (!nestor_present() || !(cpuid(0x80000001, 0).ecx & (1u << 2))) {
		guest_fail("needs Nestor with nested=on");
		return 1;
	}
	uint32_t cr4;
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	__asm__ volatile("mov %0, %%cr4" ::"r"(cr4 | (1u << 4))); /* PSE: L1's 4 MiB NPT pages */
	svm_enable();
	build_tables();
	check_cr4(false, 0);
	check_cr4(false, CR4_TOGGLE);
	check_cr4(true, 0);
	check_cr4(true, CR4_TOGGLE);
	check_string_io();
	check_vmmcall_ud();
	__asm__ volatile("mov %0, %%cr4" ::"r"(cr4));
	nestor_hypercall(HC_PRINT_STATS, 0, 0, 0);
	guest_say("%d checks failed", guest_failures());
	return 0;
}

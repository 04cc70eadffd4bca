/*
 * nested_svm_modes.c - an L1 hypervisor (nested=on) that runs one L2 VMCB
 * in every paging mode in turn on its one vCPU, changing only the VMCB12's
 * CR0/CR3/CR4/EFER and segments between runs ("state set from outside",
 * APM Vol 2 15.5: VMRUN loads them; clean bits 0): real mode, 32-bit
 * protected mode without paging, 32-bit paging (non-PAE, 2 levels), 4-level
 * long mode (64-bit code), legacy PAE (PDPTEs + 2 levels), and back,
 * without and then with L1's nested paging.
 *
 * Each L2 writes and reads L0's MMIO test device through its own page
 * tables (the linear address L2_LIN in every paging mode), so Nestor's
 * emulator must walk L2's tables with L2's current root level: every mode
 * has its own CR3 page whose entry for L2_LIN sits at a different offset
 * (32-bit PDE 0x201, PAE PDPTE 2, PML4E 0), so a walk with another mode's
 * level finds nothing (L1 intercepts every exception: a #PF comes back as
 * EXITCODE 0x4e) or the wrong page (the device's last-access register and
 * scratch word are checked). With nested paging, L2's tables are read at
 * L2-physical addresses that L1's NPT maps 16 MiB away from L1-physical
 * (an emulator that read them in L1's space would find zeroes), and the
 * device appears at L2-physical 0xA0000 (a real-mode segment reaches it).
 *
 * L2's code (the same bytes in 32-bit and 64-bit mode):
 *   mov esi, esi; mov edi, edi    (zero-extend in 64-bit mode)
 *   mov [esi], eax                write the run's magic to the device
 *   mov ebx, [edi]                the device's last-access register
 *   mov ecx, [esi]                read the magic back
 *   vmmcall
 * and in real mode with 0x66 prefixes, DS:SI / DS:DI.
 */
#include "lib/guest.h"
#include "lib/svm.h"
#include "hv/guest_abi.h"

const char guest_name[] = "nested_svm_modes";

#define L2_LIN 0x80400000u  /* linear: 32-bit PDE 0x201, PAE PDPTE 2 PDE 2, PML4E 0 */
#define ALIAS 0x01000000u   /* with NP: L2-physical = L1-physical + 16 MiB for the tables */
#define DEV_L2_NP 0x000a0000u
#define P 1u
#define RW 2u
#define US 4u
#define PS 0x80u

extern char l2_code[], l2_code16[], l2_code16_end[];
__asm__(".text\n"
	"l2_code: .byte 0x89, 0xf6, 0x89, 0xff\n" /* mov esi,esi; mov edi,edi */
	"movl %eax, (%esi)\n"
	"movl (%edi), %ebx\n"
	"movl (%esi), %ecx\n"
	"1: vmmcall\n"
	"jmp 1b\n"
	"l2_code16: .byte 0x66, 0x89, 0x04\n"     /* mov [si], eax */
	".byte 0x66, 0x8b, 0x1d\n"                /* mov ebx, [di] */
	".byte 0x66, 0x8b, 0x0c\n"                /* mov ecx, [si] */
	".byte 0x0f, 0x01, 0xd9\n"                /* vmmcall */
	".byte 0xeb, 0xfb\n"                      /* jmp back to the vmmcall */
	"l2_code16_end:\n");

/* L2's page tables (L1 memory; entries hold L2-physical addresses). */
static uint32_t pg32_pd[1024] __attribute__((aligned(4096)));
static uint32_t pg32_pt[1024] __attribute__((aligned(4096)));
static uint64_t pae_pdpt[512] __attribute__((aligned(4096)));
static uint64_t l4_pml4[512] __attribute__((aligned(4096)));
static uint64_t l4_pdpt[512] __attribute__((aligned(4096)));
static uint64_t pd0[512] __attribute__((aligned(4096)));  /* 0-8 MiB, 2 MiB pages (PAE and 4-level) */
static uint64_t pd2[512] __attribute__((aligned(4096)));  /* 2-3 GiB: PDE 2 -> pt64 */
static uint64_t pt64[512] __attribute__((aligned(4096)));
/* L1's NPT (32-bit, CR4.PSE): 0-4 MiB by 4 KiB pages (0xA0000 -> device),
 * 4-8 MiB identity, 16-24 MiB -> 0-8 MiB (the tables' alias). */
static uint32_t npt_pd[1024] __attribute__((aligned(4096)));
static uint32_t npt_pt0[1024] __attribute__((aligned(4096)));
static uint8_t code16_page[4096] __attribute__((aligned(4096)));

enum mode { M_REAL, M_FLAT32, M_PG32, M_LONG, M_PAE };
static const char *const mode_name[] = { "real mode", "32-bit protected, paging off", "32-bit paging (non-PAE)",
					 "64-bit (4-level paging)", "PAE paging" };

static uint32_t dev;

static uint32_t l2pa(const void *p, bool np) { return (uint32_t)(uintptr_t)p + (np ? ALIAS : 0); }

static void build_tables(bool np)
{
	uint32_t devl2 = np ? DEV_L2_NP : dev;
	memset(pg32_pd, 0, sizeof(pg32_pd));
	memset(pg32_pt, 0, sizeof(pg32_pt));
	pg32_pd[0] = 0x000000 | P | RW | US | PS;
	pg32_pd[1] = 0x400000 | P | RW | US | PS;
	pg32_pd[L2_LIN >> 22] = l2pa(pg32_pt, np) | P | RW | US;
	pg32_pt[(L2_LIN >> 12) & 1023] = devl2 | P | RW | US;

	memset(pae_pdpt, 0, sizeof(pae_pdpt));
	memset(l4_pml4, 0, sizeof(l4_pml4));
	memset(l4_pdpt, 0, sizeof(l4_pdpt));
	memset(pd0, 0, sizeof(pd0));
	memset(pd2, 0, sizeof(pd2));
	memset(pt64, 0, sizeof(pt64));
	for (unsigned i = 0; i < 4; i++)
		pd0[i] = (uint64_t)i << 21 | P | RW | US | PS;
	pd2[(L2_LIN >> 21) & 511] = l2pa(pt64, np) | P | RW | US;
	pt64[(L2_LIN >> 12) & 511] = devl2 | P | RW | US;
	/* Legacy PAE PDPTEs have no RW/US (reserved, APM Vol 2 5.3.2). */
	pae_pdpt[0] = l2pa(pd0, np) | P;
	pae_pdpt[L2_LIN >> 30] = l2pa(pd2, np) | P;
	l4_pml4[0] = l2pa(l4_pdpt, np) | P | RW | US;
	l4_pdpt[0] = l2pa(pd0, np) | P | RW | US;
	l4_pdpt[L2_LIN >> 30] = l2pa(pd2, np) | P | RW | US;

	memset(npt_pd, 0, sizeof(npt_pd));
	for (unsigned i = 0; i < 1024; i++)
		npt_pt0[i] = (i << 12) | P | RW | US;
	npt_pt0[DEV_L2_NP >> 12] = dev | P | RW | US;
	npt_pd[0] = (uint32_t)(uintptr_t)npt_pt0 | P | RW | US;
	npt_pd[1] = 0x400000 | P | RW | US | PS;
	npt_pd[ALIAS >> 22] = 0x000000 | P | RW | US | PS;
	npt_pd[(ALIAS >> 22) + 1] = 0x400000 | P | RW | US | PS;
}

static struct vmcb *v;
static unsigned runs;

/* Set the VMCB12's mode in place: only the state a mode switch changes. */
static void set_mode(enum mode m, bool np)
{
	struct vmcb_save *s = &v->save;
	uint64_t cr0 = (read_cr0() & ~(1u << 31)) | 1;
	struct vmcb_seg code = { 0x08, 0xc9b, 0xffffffff, 0 }, data = { 0x10, 0xc93, 0xffffffff, 0 };
	s->efer = EFER_SVME_G;
	s->cr4 = 0;
	s->cr3 = 0;
	s->rip = (uint32_t)(uintptr_t)l2_code;
	switch (m) {
	case M_REAL:
		cr0 &= ~1ull;
		code = (struct vmcb_seg){ 0, 0x9b, 0xffff, (uint32_t)(uintptr_t)code16_page };
		/* With NP a real segment (0xA000); without, a hidden base at the device. */
		data = (struct vmcb_seg){ np ? DEV_L2_NP >> 4 : 0, 0x93, 0xffff, np ? DEV_L2_NP : dev };
		s->rip = 0;
		break;
	case M_FLAT32:
		break;
	case M_PG32:
		cr0 |= 1u << 31;
		s->cr4 = 1u << 4; /* PSE */
		s->cr3 = l2pa(pg32_pd, np);
		break;
	case M_LONG:
		cr0 |= 1u << 31;
		s->cr4 = 1u << 5;
		s->cr3 = l2pa(l4_pml4, np);
		s->efer |= (1u << 8) | (1u << 10); /* LME, LMA */
		code.attrib = 0xa9b;              /* L=1, D=0 */
		break;
	case M_PAE:
		cr0 |= 1u << 31;
		s->cr4 = 1u << 5;
		s->cr3 = l2pa(pae_pdpt, np);
		break;
	}
	s->cr0 = cr0;
	s->cs = code;
	s->ds = s->es = s->ss = s->fs = s->gs = data;
	s->rflags = 2;
	v->control.np_enable = np;
	v->control.ncr3 = (uint32_t)(uintptr_t)npt_pd;
	v->control.clean_bits = 0;
}

/* One run: L2 writes a magic to device offset off and reads it back. */
static void run_mode(enum mode m, bool np)
{
	runs++;
	uint32_t off = 0x100 + 0x10 * runs, magic = 0x5a000000u | (runs << 8) | m;
	volatile uint32_t *d = (volatile uint32_t *)(uintptr_t)dev;
	d[off / 4] = 0;
	set_mode(m, np);
	uint32_t base = m == M_REAL ? 0 : m == M_FLAT32 ? (np ? DEV_L2_NP : dev) : L2_LIN;
	v->save.rax = magic;
	svm_l2_gprs = (struct svm_gprs){ .esi = base + off, .edi = base + TESTDEV_LAST };
	svm_run(v);
	svm_stgi();
	uint32_t want_last = off << 16 | TESTDEV_LAST_WRITE | 4;
	bool ok = v->control.exitcode == SVM_EXIT_VMMCALL && svm_l2_gprs.ebx == want_last &&
		  svm_l2_gprs.ecx == magic && d[off / 4] == magic;
	guest_check(ok,
		    "%s%s: L2 wrote and read L0's device (exit 0x%llx 0x%llx 0x%llx, last 0x%08x/0x%08x, "
		    "read 0x%x dev 0x%x want 0x%x)",
		    np ? "NP: " : "", mode_name[m], (unsigned long long)v->control.exitcode,
		    (unsigned long long)v->control.exitinfo1, (unsigned long long)v->control.exitinfo2,
		    svm_l2_gprs.ebx, want_last, svm_l2_gprs.ecx, d[off / 4], magic);
}

int guest_main(const struct mb_info *mbi)
{
	(void)mbi;
	if (!nestor_present() || !(cpuid(0x80000001, 0).ecx & (1u << 2)) || !cmdline_get_u32("dev", &dev) || !dev) {
		guest_fail("needs Nestor with nested=on and testdev= (and dev= on the command line)");
		return 1;
	}
	memcpy(code16_page, l2_code16, (size_t)(l2_code16_end - l2_code16));
	uint32_t cr4;
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	__asm__ volatile("mov %0, %%cr4" ::"r"(cr4 | (1u << 4))); /* PSE: L1's 4 MiB NPT pages */
	svm_enable();
	v = svm_vmcb_flat32((void (*)(void))l2_code, 0);
	v->control.intercept_misc2 |= SVM_INTERCEPT2_VMMCALL;
	v->control.intercept_misc1 |= SVM_INTERCEPT1_SHUTDOWN | SVM_INTERCEPT1_HLT;
	v->control.intercept_exc = 0xffffffffu;
	/* The order the seed asks for (32-bit, 64-bit, PAE on one vCPU),
	 * then every other switch between the five modes. */
	static const uint8_t seq[] = { M_PG32, M_LONG, M_PAE, M_PG32, M_PAE, M_LONG, M_REAL, M_LONG,
				       M_FLAT32, M_PAE, M_REAL, M_PG32, M_FLAT32, M_REAL };
	for (int np = 0; np < 2; np++) {
		build_tables(np);
		for (unsigned i = 0; i < sizeof(seq); i++)
			run_mode((enum mode)seq[i], np);
	}
	__asm__ volatile("mov %0, %%cr4" ::"r"(cr4));
	guest_say("%u L2 runs", runs);
	nestor_hypercall(HC_PRINT_STATS, 0, 0, 0);
	guest_say("%d checks failed", guest_failures());
	return 0;
}

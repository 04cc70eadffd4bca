/*
 * svm.c - see svm.h. VMRUN does not save L1's general registers (only
 * RAX, RSP and RIP go through the host save area, APM 15.5), so svm_run
 * keeps them on the stack across it.
 */
#include "svm.h"
#include "guest.h"

struct vmcb svm_vmcb_page __attribute__((aligned(4096)));
uint8_t svm_iopm[3 * 4096] __attribute__((aligned(4096)));
uint8_t svm_msrpm[2 * 4096] __attribute__((aligned(4096)));

void svm_enable(void) { wrmsr(MSR_EFER_G, rdmsr(MSR_EFER_G) | EFER_SVME_G); }

static uint16_t sel(const char *which)
{
	uint16_t s;
	if (which[0] == 'c')
		__asm__ volatile("mov %%cs, %0" : "=r"(s));
	else
		__asm__ volatile("mov %%ds, %0" : "=r"(s));
	return s;
}

struct vmcb *svm_vmcb_flat32(void (*entry)(void), void *stack_top)
{
	struct vmcb *v = &svm_vmcb_page;
	struct {
		uint16_t limit;
		uint32_t base;
	} __attribute__((packed)) g, i;
	__asm__ volatile("sgdt %0; sidt %1" : "=m"(g), "=m"(i));
	memset(v, 0, sizeof(*v));
	v->control.intercept_misc2 = SVM_INTERCEPT2_VMRUN;
	v->control.asid = 1;
	v->control.iopm_base_pa = (uint32_t)(uintptr_t)svm_iopm;
	v->control.msrpm_base_pa = (uint32_t)(uintptr_t)svm_msrpm;
	struct vmcb_seg code = { sel("cs"), 0xc9b, 0xffffffff, 0 }, data = { sel("ds"), 0xc93, 0xffffffff, 0 };
	struct vmcb_save *s = &v->save;
	s->cs = code;
	s->ds = s->es = s->ss = s->fs = s->gs = data;
	s->tr = (struct vmcb_seg){ 0, 0x8b, 0xffff, 0 };
	s->ldtr = (struct vmcb_seg){ 0, 0x82, 0xffff, 0 };
	s->gdtr = (struct vmcb_seg){ 0, 0, g.limit, g.base };
	s->idtr = (struct vmcb_seg){ 0, 0, i.limit, i.base };
	s->efer = EFER_SVME_G;
	s->cr0 = read_cr0() & ~(1u << 31); /* PE, ET, NE as L1 has them; paging off */
	s->cr0 |= 1;
	s->dr6 = 0xffff0ff0;
	s->dr7 = 0x400;
	s->rflags = 2;
	s->rip = (uint32_t)(uintptr_t)entry;
	s->rsp = (uint32_t)(uintptr_t)stack_top;
	s->g_pat = 0x0007040600070406ull;
	return v;
}

void svm_vmrun_at(uint32_t pa)
{
	__asm__ volatile("push %%ebp\n\tvmrun %%eax\n\tpop %%ebp"
			 : "+a"(pa)
			 :
			 : "ebx", "ecx", "edx", "esi", "edi", "memory", "cc");
}

struct svm_gprs svm_l2_gprs;

/* cdecl: [esp+4] = VMCB address, [esp+8] = the L2 register block. */
__asm__(".text\n"
	".globl svm_run_gprs\n"
	"svm_run_gprs:\n"
	"push %ebp\n push %ebx\n push %esi\n push %edi\n"
	"mov 24(%esp), %eax\n"
	"push %eax\n"                     /* the block, for after VMRUN */
	"mov 0(%eax), %ebx\n mov 4(%eax), %ecx\n mov 8(%eax), %edx\n"
	"mov 12(%eax), %esi\n mov 16(%eax), %edi\n mov 20(%eax), %ebp\n"
	"mov 24(%esp), %eax\n"            /* the VMCB */
	"vmrun %eax\n"
	"xchg %ebx, (%esp)\n"             /* ebx = block, L2's ebx on the stack */
	"mov %ecx, 4(%ebx)\n mov %edx, 8(%ebx)\n mov %esi, 12(%ebx)\n"
	"mov %edi, 16(%ebx)\n mov %ebp, 20(%ebx)\n"
	"pop %eax\n mov %eax, 0(%ebx)\n"
	"pop %edi\n pop %esi\n pop %ebx\n pop %ebp\n"
	"ret\n");

void svm_run(struct vmcb *v) { svm_run_gprs((uint32_t)(uintptr_t)v, &svm_l2_gprs); }

void svm_iopm_set(uint16_t port) { svm_iopm[port / 8] |= (uint8_t)(1u << (port % 8)); }

void svm_msrpm_set(uint32_t msr, int write)
{
	uint32_t base = msr < 0x2000 ? 0 : msr - 0xc0000000u < 0x2000 ? 0x800 : 0x1000;
	uint32_t off = msr < 0x2000 ? msr : msr - 0xc0000000u < 0x2000 ? msr - 0xc0000000u : msr - 0xc0010000u;
	uint32_t bit = base * 8 + off * 2 + (write ? 1 : 0);
	svm_msrpm[bit / 8] |= (uint8_t)(1u << (bit % 8));
}

/* gdt.c - per-CPU GDT and TSS, replacing the boot GDT. */
#include "hv/host/percpu.h"
#include "hv/host/idt.h"
#include "hv/lib/string.h"
#include "hv/x86/asm.h"

struct cpu_stacks cpu_stacks[MAX_CPUS] __attribute__((section(".bss.stacks")));
struct percpu percpu_area[MAX_CPUS];

/* entry64.asm starts the boot CPU on cpu_stacks[0].main; keep in step. */
_Static_assert(__builtin_offsetof(struct cpu_stacks, main) == 4096, "entry64.asm stack offset");

struct descriptor_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

void cpu_tables_init(uint32_t cpu_index)
{
	struct percpu *pc = &percpu_area[cpu_index];
	struct cpu_stacks *st = &cpu_stacks[cpu_index];

	memset(pc, 0, sizeof(*pc));
	pc->self = pc;
	pc->cpu_index = cpu_index;
	pc->gdt[0] = 0;
	pc->gdt[1] = 0x00209a0000000000ull; /* 64-bit code: L, P, S, type 0xA */
	pc->gdt[2] = 0x0000920000000000ull; /* data: P, S, type 2 */

	/* IST stacks for faults that may arrive on a broken stack (SDM 3A 6.14.5). */
	pc->tss.ist[IST_DOUBLE_FAULT - 1] = (uint64_t)(st->ist_df + CPU_IST_SIZE);
	pc->tss.ist[IST_NMI - 1] = (uint64_t)(st->ist_nmi + CPU_IST_SIZE);
	pc->tss.ist[IST_MACHINE_CHECK - 1] = (uint64_t)(st->ist_mc + CPU_IST_SIZE);
	pc->tss.rsp[0] = (uint64_t)(st->main + CPU_STACK_SIZE);
	pc->tss.iomap_base = sizeof(struct tss64); /* no I/O bitmap */

	/* 16-byte TSS descriptor (SDM 3A 8.2.3): type 9 = available 64-bit TSS. */
	uint64_t base = (uint64_t)&pc->tss, limit = sizeof(struct tss64) - 1;
	pc->gdt[3] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
		     (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	pc->gdt[4] = base >> 32;

	struct descriptor_ptr gdtr = { sizeof(pc->gdt) - 1, (uint64_t)pc->gdt };
	__asm__ volatile("lgdt %0\n\t"
			 "pushq %1\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movw %w2, %%ax\n\t"
			 "movw %%ax, %%ds\n\t"
			 "movw %%ax, %%es\n\t"
			 "movw %%ax, %%ss\n\t"
			 "ltr %w3\n\t"
			 :
			 : "m"(gdtr), "i"(GDT_SEL_CODE64), "i"(GDT_SEL_DATA), "r"((uint16_t)GDT_SEL_TSS)
			 : "rax", "memory");
	idt_load();
	wrmsr(MSR_GS_BASE, (uint64_t)pc);
}

int addr_on_cpu_stack(uint64_t addr)
{
	uint64_t lo = (uint64_t)&cpu_stacks[0], hi = (uint64_t)&cpu_stacks[MAX_CPUS];
	return addr >= lo && addr < hi;
}

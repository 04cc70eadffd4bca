/*
 * percpu.h - per-physical-CPU state: descriptor tables and stacks.
 *
 * Stack layout of one CPU (each block 4 KiB-aligned; guard pages are left
 * unmapped by mm/host_paging.c so an overflow faults instead of silently
 * corrupting the neighbour):
 *
 *   | guard | main stack (16 KiB) | guard | #DF IST | guard | NMI IST | guard | #MC IST |
 */
#ifndef NESTOR_CPU_PERCPU_H
#define NESTOR_CPU_PERCPU_H

#include <stdint.h>

#define MAX_CPUS 8
#define PAGE_SIZE 4096
#define CPU_STACK_SIZE 16384
#define CPU_IST_SIZE 4096

struct cpu_stacks {
	uint8_t guard0[PAGE_SIZE];
	uint8_t main[CPU_STACK_SIZE];
	uint8_t guard1[PAGE_SIZE];
	uint8_t ist_df[CPU_IST_SIZE];
	uint8_t guard2[PAGE_SIZE];
	uint8_t ist_nmi[CPU_IST_SIZE];
	uint8_t guard3[PAGE_SIZE];
	uint8_t ist_mc[CPU_IST_SIZE];
} __attribute__((aligned(PAGE_SIZE)));

extern struct cpu_stacks cpu_stacks[MAX_CPUS];

/* 64-bit TSS (Intel SDM Vol 3A 8.7, figure 8-11). */
struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss64) == 104, "TSS layout (SDM 3A 8.7)");

#define GDT_SEL_CODE64 0x08
#define GDT_SEL_DATA 0x10
#define GDT_SEL_TSS 0x18

/* One CPU's own state; IA32_GS_BASE points at it while the host runs
 * (VMX host state and SVM's VMSAVE/VMLOAD of the host keep it across
 * guest entries), so this_percpu() is one GS-relative load. */
struct percpu {
	struct percpu *self;
	uint64_t gdt[5]; /* null, code64, data, TSS (two slots) */
	struct tss64 tss;
	uint32_t cpu_index;
	uint32_t apic_id;
	uint64_t kicks;  /* kick IPIs taken (hv/host/lapic.c) */
};

extern struct percpu percpu_area[MAX_CPUS];

static inline struct percpu *this_percpu(void)
{
	struct percpu *p;
	__asm__("movq %%gs:0, %0" : "=r"(p));
	return p;
}

/* The index (0 = the boot CPU) of the CPU running this code. */
static inline unsigned this_cpu(void) { return this_percpu()->cpu_index; }

/* Load this CPU's GDT, TSS (with IST stacks) and the shared IDT. */
void cpu_tables_init(uint32_t cpu_index);
/* The address range of every CPU's stacks, for backtrace bounds checks. */
int addr_on_cpu_stack(uint64_t addr);

#endif

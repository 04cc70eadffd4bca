/*
 * paging.c - the simplest paging a guest can switch on: one 32-bit page
 * directory of 4 MiB pages (CR4.PSE) mapping all 4 GiB onto itself, so
 * nothing moves when CR0.PG goes on. Guests then unmap or write-protect
 * one 4 MiB page to provoke #PF on purpose.
 */
#include "guest.h"

/* Intel SDM vol. 3A, 4.3 (32-bit paging), table 4-4: PDE for a 4 MiB page. */
#define PDE_P (1u << 0)
#define PDE_RW (1u << 1)
#define PDE_PS (1u << 7)
#define CR0_WP (1u << 16)
#define CR0_PG (1u << 31)
#define CR4_PSE (1u << 4)

static uint32_t page_dir[1024] __attribute__((aligned(4096)));

static void invlpg(uint32_t addr)
{
	__asm__ volatile("invlpg (%0)" : : "r"(addr) : "memory");
}

void paging_enable_identity(void)
{
	for (uint32_t i = 0; i < 1024; i++)
		page_dir[i] = i << 22 | PDE_P | PDE_RW | PDE_PS;

	uint32_t cr4, cr0;
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	__asm__ volatile("mov %0, %%cr4" : : "r"(cr4 | CR4_PSE));
	__asm__ volatile("mov %0, %%cr3" : : "r"((uint32_t)(uintptr_t)page_dir) : "memory");
	cr0 = read_cr0();
	/* WP so that ring 0 honours read-only pages too. */
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0 | CR0_PG | CR0_WP) : "memory");
}

void paging_disable(void)
{
	__asm__ volatile("mov %0, %%cr0" : : "r"(read_cr0() & ~CR0_PG) : "memory");
}

void paging_set_4m(uint32_t addr, bool present, bool writable)
{
	uint32_t i = addr >> 22;

	page_dir[i] = present ? (i << 22 | PDE_P | PDE_PS | (writable ? PDE_RW : 0)) : 0;
	invlpg(addr);
}

void paging_map_4m(uint32_t linear, uint32_t phys)
{
	page_dir[linear >> 22] = (phys & ~0x3fffffu) | PDE_P | PDE_RW | PDE_PS;
	invlpg(linear);
}

void paging_set_pde(uint32_t linear, uint32_t pde)
{
	uint32_t cr3;

	page_dir[linear >> 22] = pde;
	__asm__ volatile("mov %%cr3, %0\n\tmov %0, %%cr3" : "=r"(cr3) : : "memory");
}

/*
 * host_paging.c - the hypervisor's own 4-level page tables.
 *
 *   0 ........ 2 MiB ......... image (2 MiB + ...) ........ 4 GiB ... top
 *   | page 0 unmapped, rest RW NX | text RX | rodata R | data/bss RW NX, |
 *   |  (4 KiB PT)                 |   (4 KiB PTs, guard pages unmapped) |
 *   |                           everything else: 2 MiB pages, RW NX     |
 *
 * Identity mapping keeps the physical addresses GRUB gives (info block,
 * modules) directly usable. Bits per Intel SDM Vol 3A 4.5 (table 4-19).
 * Memory types come from the firmware's MTRRs (PAT index 0 = WB), so MMIO
 * below 4 GiB stays uncached.
 */
#include "mm/host_paging.h"
#include "drivers/console.h"
#include "hv/host/percpu.h"
#include "hv/host/shutdown.h"
#include "hv/x86/asm.h"

#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_PS (1ull << 7)
#define PTE_NX (1ull << 63)
#define SIZE_2M (2ull << 20)
#define IMAGE_MAX_2M 8

extern const char __image_start[], __image_end[], __text_end[];
extern const char __rodata_start[], __rodata_end[], __data_start[], __bss_end[];
extern const char __syms_start[];

static uint64_t host_pml4[512] __attribute__((aligned(4096)));
static uint64_t host_pdpt[512] __attribute__((aligned(4096)));
static uint64_t host_pd[HOST_MAP_MAX_GIB][512] __attribute__((aligned(4096)));
static uint64_t low_pt[512] __attribute__((aligned(4096)));
static uint64_t image_pt[IMAGE_MAX_2M][512] __attribute__((aligned(4096)));

static int is_guard_page(uint64_t pa)
{
	for (int c = 0; c < MAX_CPUS; c++) {
		struct cpu_stacks *s = &cpu_stacks[c];
		if (pa == (uint64_t)s->guard0 || pa == (uint64_t)s->guard1 ||
		    pa == (uint64_t)s->guard2 || pa == (uint64_t)s->guard3)
			return 1;
	}
	return 0;
}

/* Permissions of one 4 KiB page of the image's 2 MiB regions. */
static uint64_t image_page_flags(uint64_t pa)
{
	if (pa < (uint64_t)__image_start || pa >= (uint64_t)__image_end)
		return PTE_P | PTE_W | PTE_NX; /* not ours: info block, modules */
	if (pa < (uint64_t)__text_end)
		return PTE_P; /* .boot + .text: read + execute */
	if (pa >= (uint64_t)__rodata_start && pa < (uint64_t)__rodata_end)
		return PTE_P | PTE_NX;
	if (pa >= (uint64_t)__data_start && pa < (uint64_t)__bss_end)
		return is_guard_page(pa) ? 0 : PTE_P | PTE_W | PTE_NX;
	return PTE_P | PTE_NX; /* symbol table and padding */
}

uint64_t host_paging_init(uint64_t top_of_ram)
{
	uint64_t gib = (top_of_ram + (1ull << 30) - 1) >> 30;
	if (gib < 4)
		gib = 4;
	if (gib > HOST_MAP_MAX_GIB) {
		log_warn("mm", "RAM above %d GiB is not used", HOST_MAP_MAX_GIB);
		gib = HOST_MAP_MAX_GIB;
	}

	uint64_t img_first = (uint64_t)__image_start / SIZE_2M;
	uint64_t img_last = ((uint64_t)__image_end - 1) / SIZE_2M;
	if (img_last - img_first + 1 > IMAGE_MAX_2M)
		panic("hypervisor image (%llu bytes) exceeds the %d x 2 MiB the host tables allow",
		      (unsigned long long)(__image_end - __image_start), IMAGE_MAX_2M);

	host_pml4[0] = (uint64_t)host_pdpt | PTE_P | PTE_W;
	for (uint64_t g = 0; g < gib; g++) {
		host_pdpt[g] = (uint64_t)host_pd[g] | PTE_P | PTE_W;
		for (uint64_t i = 0; i < 512; i++) {
			uint64_t pa = (g << 30) | (i << 21);
			host_pd[g][i] = pa | PTE_P | PTE_W | PTE_PS | PTE_NX;
		}
	}

	/* Page 0 unmapped so a NULL dereference faults. */
	for (uint64_t i = 0; i < 512; i++)
		low_pt[i] = i ? (i << 12) | PTE_P | PTE_W | PTE_NX : 0;
	host_pd[0][0] = (uint64_t)low_pt | PTE_P | PTE_W;

	for (uint64_t r = img_first; r <= img_last; r++) {
		uint64_t *pt = image_pt[r - img_first];
		for (uint64_t i = 0; i < 512; i++) {
			uint64_t pa = r * SIZE_2M + (i << 12);
			uint64_t fl = image_page_flags(pa);
			pt[i] = fl ? pa | fl : 0;
		}
		host_pd[r >> 9][r & 511] = (uint64_t)pt | PTE_P | PTE_W;
	}

	write_cr3((uint64_t)host_pml4);
	return gib << 30;
}

int host_addr_in_image(uint64_t addr, uint64_t len)
{
	uint64_t s = (uint64_t)__image_start, e = (uint64_t)__image_end;
	return addr < e && addr + len > s;
}

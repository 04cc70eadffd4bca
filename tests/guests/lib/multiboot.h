/*
 * multiboot.h - the multiboot (version 1, spec 0.6.96) information
 * structure a loader hands the guest in EBX, section 3.3 of the spec.
 * Only the fields the guests read are named; the rest keep the layout.
 */
#ifndef GUEST_MULTIBOOT_H
#define GUEST_MULTIBOOT_H

#include <stdint.h>

#define MULTIBOOT_LOADER_MAGIC 0x2BADB002u

#define MB_INFO_MEM (1u << 0)     /* mem_lower, mem_upper valid */
#define MB_INFO_CMDLINE (1u << 2) /* cmdline valid */
#define MB_INFO_MMAP (1u << 6)    /* mmap_length, mmap_addr valid */

struct mb_info {
	uint32_t flags;
	uint32_t mem_lower; /* KiB below 1 MiB */
	uint32_t mem_upper; /* KiB from 1 MiB to the first hole */
	uint32_t boot_device;
	uint32_t cmdline;   /* physical address of a NUL-terminated string */
	uint32_t mods_count;
	uint32_t mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length;
	uint32_t mmap_addr;
} __attribute__((packed));

/* One memory-map entry. `size` does not count itself: the next entry
 * starts at (char *)entry + entry->size + 4. */
struct mb_mmap_entry {
	uint32_t size;
	uint64_t base;
	uint64_t length;
	uint32_t type;
} __attribute__((packed));

#define MB_MMAP_AVAILABLE 1
#define MB_MMAP_RESERVED 2
#define MB_MMAP_ACPI_RECLAIMABLE 3
#define MB_MMAP_ACPI_NVS 4
#define MB_MMAP_BAD 5

#endif

/*
 * mb2_info.h - validate and read the Multiboot2 boot information block.
 *
 * GRUB hands the kernel magic 0x36d76289 in EAX and the physical address
 * of the information block in EBX (Multiboot2 spec 3.3, "I386 machine
 * state"). The block is a u32 total_size, a u32 reserved word, then a
 * sequence of 8-byte-aligned tags {u32 type, u32 size, payload} ending
 * with a tag of type 0 and size 8 (spec 3.6, "Boot information format").
 *
 * mb2_parse checks the whole block before trusting any of it: every tag
 * must lie inside total_size, which must lie inside the caller's bound,
 * and every string must be NUL-terminated inside its tag. The result
 * points into the block (no copies), so keep the block's memory reserved
 * (see mb2_info.base/total_size) for as long as the result is used.
 */
#ifndef NESTOR_BOOT_MB2_INFO_H
#define NESTOR_BOOT_MB2_INFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mm/mem_map.h"

/* Value in EAX when a Multiboot2 loader jumps to us (spec 3.3). */
#define MB2_BOOTLOADER_MAGIC 0x36d76289u
/* What a Multiboot 1 loader puts in EAX; recognised only to say so. */
#define MB2_MB1_BOOTLOADER_MAGIC 0x2badb002u

/* Largest info block we accept. GRUB's blocks are a few KiB (an EFI map
 * with a few hundred 48-byte descriptors is the bulk); 1 MiB means
 * "garbage", not "big machine". */
#define MB2_INFO_MAX_SIZE (1u << 20)

/* Modules we keep; more is an error rather than silently dropping guests. */
#define MB2_MAX_MODULES 32

/* Tag types (spec 3.6). */
enum mb2_tag_type {
	MB2_TAG_END = 0,
	MB2_TAG_CMDLINE = 1,
	MB2_TAG_LOADER_NAME = 2,
	MB2_TAG_MODULE = 3,
	MB2_TAG_BASIC_MEMINFO = 4,
	MB2_TAG_BOOTDEV = 5,
	MB2_TAG_MMAP = 6,
	MB2_TAG_VBE = 7,
	MB2_TAG_FRAMEBUFFER = 8,
	MB2_TAG_ELF_SECTIONS = 9,
	MB2_TAG_APM = 10,
	MB2_TAG_EFI32 = 11,
	MB2_TAG_EFI64 = 12,
	MB2_TAG_SMBIOS = 13,
	MB2_TAG_ACPI_OLD = 14,
	MB2_TAG_ACPI_NEW = 15,
	MB2_TAG_NETWORK = 16,
	MB2_TAG_EFI_MMAP = 17,
	MB2_TAG_EFI_BS = 18,
	MB2_TAG_EFI32_IH = 19,
	MB2_TAG_EFI64_IH = 20,
	MB2_TAG_LOAD_BASE_ADDR = 21,
};

/* One boot module (tag 3): bytes [start, end) and its string. */
struct mb2_module {
	uint32_t start;
	uint32_t end;         /* exclusive, as the spec's mod_end */
	const char *string;   /* NUL-terminated, inside the info block */
};

/* Framebuffer (tag 8). */
enum mb2_fb_type { MB2_FB_INDEXED = 0, MB2_FB_RGB = 1, MB2_FB_EGA_TEXT = 2 };
struct mb2_framebuffer {
	uint64_t addr;        /* physical */
	uint32_t pitch;       /* bytes per line */
	uint32_t width;       /* pixels, or characters for EGA text */
	uint32_t height;
	uint8_t bpp;
	uint8_t type;         /* enum mb2_fb_type */
	/* MB2_FB_RGB only: bit position and width of each channel. */
	uint8_t red_pos, red_size, green_pos, green_size, blue_pos, blue_size;
};

/* One BIOS (E820-style) memory map entry (tag 6, spec 3.6.8). */
struct mb2_mmap_entry {
	uint64_t base;
	uint64_t length;
	uint32_t type;        /* 1 usable, 3 ACPI, 4 NVS, 5 bad, else reserved */
};

/* One UEFI memory descriptor (tag 17; UEFI spec EFI_MEMORY_DESCRIPTOR). */
struct mb2_efi_desc {
	uint32_t type;        /* EfiConventionalMemory = 7, ... */
	uint64_t phys_start;
	uint64_t virt_start;
	uint64_t pages;       /* 4 KiB pages */
	uint64_t attribute;
};

struct mb2_info {
	const uint8_t *base;          /* the block itself (reserve it!) */
	uint32_t total_size;          /* bytes at base */

	const char *cmdline;          /* tag 1, NULL if absent */
	const char *loader_name;      /* tag 2, NULL if absent */

	size_t module_count;          /* tag 3, in boot order */
	struct mb2_module modules[MB2_MAX_MODULES];

	bool has_basic_meminfo;       /* tag 4 */
	uint32_t mem_lower_kib;       /* from 0 */
	uint32_t mem_upper_kib;       /* from 1 MiB */

	const uint8_t *bios_mmap;     /* tag 6 entries, NULL if absent */
	uint32_t bios_mmap_entry_size;
	uint32_t bios_mmap_entry_version;
	size_t bios_mmap_count;

	bool has_framebuffer;         /* tag 8 */
	struct mb2_framebuffer framebuffer;

	bool has_efi32_system_table;  /* tag 11 */
	uint32_t efi32_system_table;
	bool has_efi64_system_table;  /* tag 12 */
	uint64_t efi64_system_table;

	const void *rsdp_v1;          /* tag 14: copy of the ACPI 1.0 RSDP */
	size_t rsdp_v1_size;
	const void *rsdp_v2;          /* tag 15: copy of the ACPI 2.0+ RSDP */
	size_t rsdp_v2_size;

	const uint8_t *efi_mmap;      /* tag 17 descriptors, NULL if absent */
	uint32_t efi_desc_size;
	uint32_t efi_desc_version;
	size_t efi_mmap_count;

	bool efi_boot_services_active; /* tag 18: ExitBootServices not called */

	bool has_load_base;           /* tag 21: where a relocatable image went */
	uint32_t load_base;
};

/*
 * Validate the block at info (which the caller can read for limit bytes;
 * with the low 4 GiB identity-mapped, MB2_INFO_MAX_SIZE is a fine limit
 * as long as info + limit stays mapped) and fill *out. Returns 0, or -1 with a sentence in err[0..errlen) such as
 *   "multiboot2 tag 6 at offset 0x48 has size 0x400 past the end of the
 *    0x1a0-byte info block".
 * Unknown tag types are skipped (spec 3.6: the OS must ignore them). If a
 * tag other than a module appears twice, the first one is used.
 */
int mb2_parse(uint32_t magic, const void *info, size_t limit,
	      struct mb2_info *out, char *err, size_t errlen);

/* Entry i (< bios_mmap_count / efi_mmap_count) of the raw maps. */
void mb2_bios_mmap_entry(const struct mb2_info *info, size_t i,
			 struct mb2_mmap_entry *out);
void mb2_efi_mmap_desc(const struct mb2_info *info, size_t i,
		       struct mb2_efi_desc *out);

/* Map firmware memory types onto the normalized ones. */
enum mem_type mb2_bios_mem_type(uint32_t type);
enum mem_type mb2_efi_mem_type(const struct mb2_efi_desc *d,
			       bool boot_services_active);

/* Which source mb2_memory_map used. */
enum mb2_mmap_source {
	MB2_MMAP_FROM_EFI = 17,
	MB2_MMAP_FROM_BIOS = 6,
	MB2_MMAP_FROM_BASIC = 4,
};

/*
 * Build the normalized memory map into out (initialised by the caller with
 * mem_map_init). Source choice, most detailed first:
 *   tag 17 (UEFI map): GRUB derives tag 6 from it on UEFI, losing detail
 *     (runtime services, MMIO and persistent memory all become "reserved"
 *     or, worse, get merged), so the original is preferred;
 *   tag 6 (BIOS E820 map): the normal case on legacy BIOS;
 *   tag 4 (basic meminfo): last resort, [0, lower) and [1M, 1M+upper).
 * Returns the enum mb2_mmap_source used, or -1 with a message in err (no
 * map at all, or more ranges than out can hold).
 */
int mb2_memory_map(const struct mb2_info *info, struct mem_map *out,
		   char *err, size_t errlen);

/*
 * The memory the boot loader handed us that must not be reused while it
 * is needed: the info block itself and every module. Writes up to max
 * ranges to out and returns how many there are (if that is more than
 * max, the caller's array was too small). Add the hypervisor image and
 * the low 1 MiB yourself before calling frame_alloc_init.
 */
size_t mb2_boot_ranges(const struct mb2_info *info, struct phys_range *out,
		       size_t max);

#endif

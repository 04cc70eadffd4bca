/*
 * mb1_info.h - build a Multiboot (0.6.96) information block for a guest.
 *
 * When Nestor starts a kind=multiboot guest it plays boot loader: the
 * guest gets EAX = 0x2BADB002 and EBX = guest-physical address of this
 * block (Multiboot spec 0.6.96, section 3.2 "Machine state"). The block is
 * laid out by section 3.3 "Boot information format":
 *
 *   [info struct, 116 bytes][mmap entries][module list][strings]
 *
 * all inside one caller-provided buffer that the caller copies (or maps)
 * at guest-physical address base. Every pointer in it is a 32-bit
 * guest-physical address, so base + size must stay below 4 GiB.
 */
#ifndef NESTOR_HV_MB1_INFO_H
#define NESTOR_HV_MB1_INFO_H

#include <stddef.h>
#include <stdint.h>

/* EAX for a Multiboot guest (spec 3.2). */
#define MB1_BOOTLOADER_MAGIC 0x2badb002u

/* Info flags (spec 3.3): which fields are valid. */
#define MB1_INFO_MEMORY (1u << 0)       /* mem_lower, mem_upper */
#define MB1_INFO_CMDLINE (1u << 2)
#define MB1_INFO_MODS (1u << 3)
#define MB1_INFO_MEM_MAP (1u << 6)      /* mmap_length, mmap_addr */
#define MB1_INFO_LOADER_NAME (1u << 9)

/* Size of the fixed info structure including the 0.6.96 framebuffer
 * fields (offsets 0..115); fields we do not provide are zero. */
#define MB1_INFO_SIZE 116

/* Offsets of the fields we fill (spec 3.3). */
#define MB1_OFF_FLAGS 0
#define MB1_OFF_MEM_LOWER 4
#define MB1_OFF_MEM_UPPER 8
#define MB1_OFF_CMDLINE 16
#define MB1_OFF_MODS_COUNT 20
#define MB1_OFF_MODS_ADDR 24
#define MB1_OFF_MMAP_LENGTH 44
#define MB1_OFF_MMAP_ADDR 48
#define MB1_OFF_LOADER_NAME 64

/* Memory map entry types (spec 3.3, mmap). */
enum mb1_mem_type {
	MB1_MEM_AVAILABLE = 1,
	MB1_MEM_RESERVED = 2,
	MB1_MEM_ACPI_RECLAIMABLE = 3,
	MB1_MEM_NVS = 4,
	MB1_MEM_BADRAM = 5,
};

/* One guest-physical memory region for the guest's map. */
struct mb1_region {
	uint64_t base;
	uint64_t size;
	uint32_t type;          /* enum mb1_mem_type */
};

/* One module already placed in guest memory at [start, end). */
struct mb1_module {
	uint32_t start;
	uint32_t end;
	const char *string;     /* may be NULL: written as "" */
};

struct mb1_info_request {
	const char *cmdline;            /* NULL: no MB1_INFO_CMDLINE */
	const struct mb1_region *regions; /* guest RAM and holes; sorted */
	size_t nregions;                /* 0: no memory info at all */
	const struct mb1_module *modules;
	size_t nmodules;                /* 0: no MB1_INFO_MODS */
	const char *loader_name;        /* NULL: "Nestor" */
};

/*
 * Lay out the information block in buf[0..size) for guest-physical address
 * base (8-byte aligned). On success returns 0 and sets *used to the bytes
 * written (copy those to the guest). On failure returns -1 with a reason in
 * err, e.g. "multiboot info needs 0x1a8 bytes but the buffer holds 0x100".
 */
int mb1_info_build(const struct mb1_info_request *req, uint8_t *buf,
		   size_t size, uint32_t base, size_t *used, char *err,
		   size_t errlen);

#endif

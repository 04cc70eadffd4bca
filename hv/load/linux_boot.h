/*
 * linux_boot.h - the Linux/x86 boot protocol, as the loader of a kind=linux
 * guest (pure: no hypervisor state; host-tested).
 *
 * A bzImage is a real-mode setup part (setup_sects + 1 sectors of 512
 * bytes, with the setup header at 0x1F1) followed by the protected-mode
 * kernel, which decompresses itself. Nestor uses the 64-bit entry of boot
 * protocol 2.12+ (Documentation/arch/x86/boot.rst, "64-bit Boot
 * Protocol"): the protected-mode part is copied to an aligned address,
 * the zero page (struct boot_params, zero-page.rst) gets the setup header
 * plus what the loader fills in, and the CPU enters at load address +
 * 0x200 in 64-bit mode with RSI = the zero page.
 */
#ifndef NESTOR_LOAD_LINUX_BOOT_H
#define NESTOR_LOAD_LINUX_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hv/load/mb1_info.h"

#define LINUX_ZERO_PAGE_SIZE 4096
#define LINUX_ENTRY64_OFFSET 0x200  /* startup_64 from the load address (boot.rst) */
#define LINUX_E820_MAX 128          /* entries in the zero page's e820_table */

/* Setup header fields (offsets in the image and in the zero page). */
#define LINUX_HDR_SETUP_SECTS 0x1f1
#define LINUX_HDR_BOOT_FLAG 0x1fe   /* 0xAA55 */
#define LINUX_HDR_JUMP 0x200        /* byte 0x201: header length past 0x202 */
#define LINUX_HDR_MAGIC 0x202       /* "HdrS" */
#define LINUX_HDR_VERSION 0x206
#define LINUX_HDR_TYPE_OF_LOADER 0x210
#define LINUX_HDR_LOADFLAGS 0x211
#define LINUX_HDR_RAMDISK_IMAGE 0x218
#define LINUX_HDR_RAMDISK_SIZE 0x21c
#define LINUX_HDR_CMD_LINE_PTR 0x228
#define LINUX_HDR_INITRD_ADDR_MAX 0x22c
#define LINUX_HDR_KERNEL_ALIGNMENT 0x230
#define LINUX_HDR_RELOCATABLE 0x234
#define LINUX_HDR_XLOADFLAGS 0x236
#define LINUX_HDR_CMDLINE_SIZE 0x238
#define LINUX_HDR_PREF_ADDRESS 0x258
#define LINUX_HDR_INIT_SIZE 0x260
#define LINUX_HDR_MIN_END 0x264     /* the 2.10 header ends after init_size */
#define LINUX_HDR_MAX_END 0x290     /* the zero page's edd_mbr_sig_buffer follows */

/* boot_params fields outside the setup header (zero-page.rst). */
#define LINUX_ZP_ACPI_RSDP_ADDR 0x070
#define LINUX_ZP_EXT_RAMDISK_IMAGE 0x0c0
#define LINUX_ZP_EXT_RAMDISK_SIZE 0x0c4
#define LINUX_ZP_EXT_CMD_LINE_PTR 0x0c8
#define LINUX_ZP_E820_ENTRIES 0x1e8
#define LINUX_ZP_E820_TABLE 0x2d0

#define LINUX_LOADED_HIGH (1u << 0)   /* loadflags: protected-mode code at 1 MiB+ */
#define LINUX_XLF_KERNEL_64 (1u << 0) /* xloadflags: has the 64-bit entry */
#define LINUX_TYPE_OF_LOADER_OTHER 0xff /* no assigned loader ID (boot.rst) */

/* What the setup header says, checked. */
struct linux_image {
	uint16_t version;          /* protocol, e.g. 0x020f */
	uint64_t kernel_offset;    /* file offset of the protected-mode part */
	uint64_t kernel_size;      /* its bytes in the file */
	uint64_t alignment;        /* kernel_alignment, a power of two */
	bool relocatable;
	uint64_t pref_address;
	uint64_t init_size;        /* bytes it needs from its load address */
	uint32_t cmdline_size;     /* longest command line, without the NUL */
	uint64_t initrd_addr_max;  /* highest address of the initrd's last byte */
	uint16_t xloadflags;
	size_t header_end;         /* 0x202 + byte 0x201 */
};

/* Check image as a bzImage with the 64-bit entry. 0, or -1 with a
 * sentence naming the field that does not fit in err. */
int linux_image_parse(const void *image, uint64_t size, struct linux_image *out, char *err, size_t errlen);

/* Where the kernel and the initrd go in guest RAM [ram_lo, ram_end). */
struct linux_layout {
	uint64_t kernel_gpa;       /* load address of the protected-mode part */
	uint64_t initrd_gpa;       /* 0 when initrd_size is 0 */
};

/* The kernel at pref_address (or, if relocatable and that does not fit,
 * the lowest aligned address at or above ram_lo), the initrd as high as
 * initrd_addr_max and RAM allow, above the kernel's init_size. 0, or -1
 * with the mem= that would fit in err. */
int linux_layout_plan(const struct linux_image *li, uint64_t ram_lo, uint64_t ram_end, uint64_t initrd_size,
		      struct linux_layout *out, char *err, size_t errlen);

struct linux_zero_page_request {
	const void *image;         /* the bzImage: its setup header is copied */
	const struct linux_image *li;
	uint64_t cmdline_gpa;      /* NUL-terminated there */
	uint64_t cmdline_len;      /* without the NUL */
	uint64_t initrd_gpa, initrd_size;
	const struct mb1_region *map; /* the VM's memory map (e820 types) */
	unsigned nmap;
	uint64_t acpi_rsdp_gpa;    /* 0: the kernel scans for the RSDP */
};

/* Fill zp (LINUX_ZERO_PAGE_SIZE bytes). 0, or -1 with why in err. */
int linux_zero_page_build(const struct linux_zero_page_request *r, uint8_t *zp, char *err, size_t errlen);

#endif

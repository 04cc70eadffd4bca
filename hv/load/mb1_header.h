/*
 * mb1_header.h - find and check the Multiboot (0.6.96) header of a guest
 * kernel image.
 *
 * Spec 3.1 "OS image format": the header is 32-bit aligned, lies entirely
 * within the first 8192 bytes of the image, and starts with magic
 * 0x1BADB002, flags, checksum, where magic + flags + checksum == 0 (mod
 * 2^32). With flag bit 16 the address fields follow (for non-ELF images);
 * with bit 2 the preferred video mode fields.
 */
#ifndef NESTOR_HV_MB1_HEADER_H
#define NESTOR_HV_MB1_HEADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MB1_HEADER_MAGIC 0x1badb002u
#define MB1_HEADER_SEARCH 8192

/* Header flags (spec 3.1.2). Bits 0-15 are requirements: a loader that
 * does not understand one must refuse the image. */
#define MB1_HF_PAGE_ALIGN (1u << 0)   /* modules 4 KiB aligned */
#define MB1_HF_MEMORY_INFO (1u << 1)  /* mem_* and mmap_* wanted */
#define MB1_HF_VIDEO_MODE (1u << 2)   /* video fields valid */
#define MB1_HF_ADDRESSES (1u << 16)   /* address fields valid */
/* Requirement bits Nestor can honour; others make mb1_header_find fail. */
#define MB1_HF_SUPPORTED_REQUIRED (MB1_HF_PAGE_ALIGN | MB1_HF_MEMORY_INFO | \
				   MB1_HF_VIDEO_MODE)

struct mb1_header {
	size_t offset;            /* of the magic within the image */
	uint32_t flags;
	bool has_addresses;       /* MB1_HF_ADDRESSES: the five fields below */
	uint32_t header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
	bool has_video;           /* MB1_HF_VIDEO_MODE: the four fields below */
	uint32_t mode_type, width, height, depth;
};

/*
 * Search image[0..size) for a valid header. Returns 0 and fills *out, or
 * -1 with a reason in err: no magic in the first 8192 bytes; magic found
 * but every candidate has a bad checksum (the first is named); header cut
 * off by the end of the image; or required flags Nestor does not support.
 */
int mb1_header_find(const void *image, size_t size, struct mb1_header *out,
		    char *err, size_t errlen);

#endif

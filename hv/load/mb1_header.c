/*
 * mb1_header.c - Multiboot 0.6.96 header search (see mb1_header.h).
 */
#include "hv/load/mb1_header.h"

#include "hv/lib/bytes.h"
#include "hv/lib/format.h"
#include "hv/lib/string.h"

/* Field offsets in the header (spec 3.1.1). */
#define OFF_FLAGS 4
#define OFF_CHECKSUM 8
#define OFF_ADDRESSES 12   /* header_addr .. entry_addr: 5 x u32 */
#define OFF_VIDEO 32       /* mode_type, width, height, depth: 4 x u32 */
#define SIZE_BASIC 12
#define SIZE_ADDRESSES 32
#define SIZE_VIDEO 48

int mb1_header_find(const void *image, size_t size, struct mb1_header *out,
		    char *err, size_t errlen)
{
	const uint8_t *p = image;
	size_t limit = size < MB1_HEADER_SEARCH ? size : MB1_HEADER_SEARCH;
	bool saw_bad_checksum = false;
	size_t bad_off = 0;
	uint32_t bad_sum = 0;

	memset(out, 0, sizeof *out);
	if (err && errlen)
		err[0] = '\0';
	if (!p)
		return fmt_error(err, errlen, "no image");

	/* The whole 12-byte basic header must be inside the first 8192. */
	for (size_t off = 0; off + SIZE_BASIC <= limit; off += 4) {
		if (rd32(p + off) != MB1_HEADER_MAGIC)
			continue;
		uint32_t flags = rd32(p + off + OFF_FLAGS);
		uint32_t sum = MB1_HEADER_MAGIC + flags +
			       rd32(p + off + OFF_CHECKSUM);
		if (sum != 0) {
			if (!saw_bad_checksum) {
				saw_bad_checksum = true;
				bad_off = off;
				bad_sum = sum;
			}
			continue;
		}

		size_t need = SIZE_BASIC;
		if (flags & MB1_HF_ADDRESSES)
			need = SIZE_ADDRESSES;
		if (flags & MB1_HF_VIDEO_MODE)
			need = SIZE_VIDEO;
		if (off + need > limit)
			return fmt_error(err, errlen,
				    "Multiboot header at offset 0x%zx (flags 0x%x) "
				    "needs %zu bytes but only %zu remain in the "
				    "first %u bytes of the image", off, flags, need,
				    limit - off, MB1_HEADER_SEARCH);
		uint32_t unsupported = flags & 0xffffu & ~MB1_HF_SUPPORTED_REQUIRED;
		if (unsupported)
			return fmt_error(err, errlen,
				    "Multiboot header at offset 0x%zx requires "
				    "features Nestor does not provide (flag bits "
				    "0x%x)", off, unsupported);

		out->offset = off;
		out->flags = flags;
		if (flags & MB1_HF_ADDRESSES) {
			const uint8_t *a = p + off + OFF_ADDRESSES;
			out->has_addresses = true;
			out->header_addr = rd32(a);
			out->load_addr = rd32(a + 4);
			out->load_end_addr = rd32(a + 8);
			out->bss_end_addr = rd32(a + 12);
			out->entry_addr = rd32(a + 16);
		}
		if (flags & MB1_HF_VIDEO_MODE) {
			const uint8_t *v = p + off + OFF_VIDEO;
			out->has_video = true;
			out->mode_type = rd32(v);
			out->width = rd32(v + 4);
			out->height = rd32(v + 8);
			out->depth = rd32(v + 12);
		}
		return 0;
	}
	if (saw_bad_checksum)
		return fmt_error(err, errlen,
			    "Multiboot magic at offset 0x%zx has a bad checksum "
			    "(magic + flags + checksum = 0x%x, must be 0)",
			    bad_off, bad_sum);
	return fmt_error(err, errlen,
		    "no Multiboot header (magic 0x1BADB002, 4-byte aligned) in "
		    "the first %zu bytes of the image", limit);
}

/*
 * linux_boot.c - check a bzImage's setup header, place the kernel and its
 * initrd, and build the zero page (see linux_boot.h; field meanings from
 * Documentation/arch/x86/boot.rst and zero-page.rst).
 */
#include "hv/load/linux_boot.h"
#include "hv/lib/bytes.h"
#include "hv/lib/format.h"
#include "hv/lib/string.h"

#define MIB (1ull << 20)

static uint64_t align_up(uint64_t x, uint64_t a) { return (x + a - 1) & ~(a - 1); }

int linux_image_parse(const void *image, uint64_t size, struct linux_image *out, char *err, size_t errlen)
{
	const uint8_t *p = image;
	memset(out, 0, sizeof(*out));
	if (size < LINUX_HDR_MIN_END)
		return fmt_error(err, errlen, "a %llu-byte image is too short for a bzImage (its setup header alone "
				 "ends at 0x%x)", (unsigned long long)size, LINUX_HDR_MIN_END);
	if (rd16(p + LINUX_HDR_BOOT_FLAG) != 0xaa55)
		return fmt_error(err, errlen, "not a bzImage: no boot_flag 0xAA55 at 0x1FE");
	if (memcmp(p + LINUX_HDR_MAGIC, "HdrS", 4))
		return fmt_error(err, errlen, "not a bzImage: no setup header signature \"HdrS\" at 0x202 (a vmlinux "
				 "ELF needs kind=elf64, an old zImage is not supported)");
	out->version = rd16(p + LINUX_HDR_VERSION);
	if (out->version < 0x020c)
		return fmt_error(err, errlen, "the bzImage speaks boot protocol %u.%02u; kind=linux needs 2.12 or later "
				 "(the 64-bit entry, Linux 3.8+)", out->version >> 8, out->version & 0xff);
	out->header_end = LINUX_HDR_MAGIC + p[LINUX_HDR_JUMP + 1];
	if (out->header_end < LINUX_HDR_MIN_END || out->header_end > LINUX_HDR_MAX_END || out->header_end > size)
		return fmt_error(err, errlen, "the setup header claims to end at 0x%zx (byte 0x201), outside 0x%x-0x%x",
				 out->header_end, LINUX_HDR_MIN_END, LINUX_HDR_MAX_END);
	out->xloadflags = rd16(p + LINUX_HDR_XLOADFLAGS);
	if (!(out->xloadflags & LINUX_XLF_KERNEL_64))
		return fmt_error(err, errlen, "the kernel has no 64-bit entry point (xloadflags bit 0 clear: a 32-bit "
				 "kernel); kind=linux boots x86-64 kernels");
	if (!(p[LINUX_HDR_LOADFLAGS] & LINUX_LOADED_HIGH))
		return fmt_error(err, errlen, "loadflags.LOADED_HIGH is clear (a zImage loaded at 0x10000): not "
				 "supported");
	unsigned setup_sects = p[LINUX_HDR_SETUP_SECTS] ? p[LINUX_HDR_SETUP_SECTS] : 4; /* 0 means 4 (boot.rst) */
	out->kernel_offset = (uint64_t)(setup_sects + 1) * 512;
	if (out->kernel_offset >= size)
		return fmt_error(err, errlen, "setup_sects %u puts the protected-mode kernel at 0x%llx, past the "
				 "image's end (0x%llx): truncated?", setup_sects,
				 (unsigned long long)out->kernel_offset, (unsigned long long)size);
	out->kernel_size = size - out->kernel_offset;
	out->alignment = rd32(p + LINUX_HDR_KERNEL_ALIGNMENT);
	if (out->alignment < 4096 || (out->alignment & (out->alignment - 1)) || out->alignment > (1u << 30))
		return fmt_error(err, errlen, "kernel_alignment 0x%llx is not a power of two between 4K and 1G",
				 (unsigned long long)out->alignment);
	out->relocatable = p[LINUX_HDR_RELOCATABLE] != 0;
	out->pref_address = rd64(p + LINUX_HDR_PREF_ADDRESS);
	out->init_size = rd32(p + LINUX_HDR_INIT_SIZE);
	if (out->init_size < out->kernel_size)
		return fmt_error(err, errlen, "init_size 0x%llx is smaller than the protected-mode kernel (0x%llx "
				 "bytes)", (unsigned long long)out->init_size, (unsigned long long)out->kernel_size);
	if (!out->relocatable && (out->pref_address % out->alignment || out->pref_address < MIB))
		return fmt_error(err, errlen, "a non-relocatable kernel with pref_address 0x%llx (not an aligned "
				 "address above 1 MiB) cannot be placed", (unsigned long long)out->pref_address);
	out->cmdline_size = rd32(p + LINUX_HDR_CMDLINE_SIZE);
	out->initrd_addr_max = rd32(p + LINUX_HDR_INITRD_ADDR_MAX);
	return 0;
}

int linux_layout_plan(const struct linux_image *li, uint64_t ram_lo, uint64_t ram_end, uint64_t initrd_size,
		      struct linux_layout *out, char *err, size_t errlen)
{
	uint64_t initrd_room = align_up(initrd_size, 4096);
	uint64_t k = li->pref_address;
	if (li->relocatable && (k % li->alignment || k < ram_lo || k + li->init_size + initrd_room > ram_end))
		k = align_up(ram_lo, li->alignment);
	uint64_t kernel_end = k + li->init_size;
	uint64_t need = align_up(kernel_end + initrd_room, MIB);
	if (need > ram_end)
		return fmt_error(err, errlen, "the kernel needs 0x%llx-0x%llx (init_size %llu MiB)%s%llu MiB: give "
				 "mem=%lluM or more", (unsigned long long)k, (unsigned long long)kernel_end,
				 (unsigned long long)(li->init_size >> 20), initrd_size ? " and its initrd " : "",
				 initrd_size ? (unsigned long long)((initrd_size + MIB - 1) >> 20) : 0ull,
				 (unsigned long long)(need >> 20));
	out->kernel_gpa = k;
	out->initrd_gpa = 0;
	if (initrd_size) {
		/* As high as allowed, so the kernel's decompression and early
		 * allocations below it have room (what boot loaders do). */
		uint64_t top = ram_end;
		if (top > li->initrd_addr_max + 1)
			top = li->initrd_addr_max + 1;
		if (top < initrd_size || ((top - initrd_size) & ~4095ull) < kernel_end)
			return fmt_error(err, errlen, "the %llu-byte initrd does not fit between the kernel's end 0x%llx "
					 "and initrd_addr_max 0x%llx", (unsigned long long)initrd_size,
					 (unsigned long long)kernel_end, (unsigned long long)li->initrd_addr_max);
		out->initrd_gpa = (top - initrd_size) & ~4095ull;
	}
	return 0;
}

int linux_zero_page_build(const struct linux_zero_page_request *r, uint8_t *zp, char *err, size_t errlen)
{
	const struct linux_image *li = r->li;
	if (r->cmdline_len > li->cmdline_size)
		return fmt_error(err, errlen, "the command line has %llu bytes; this kernel takes at most %u "
				 "(cmdline_size)", (unsigned long long)r->cmdline_len, li->cmdline_size);
	if (r->nmap > LINUX_E820_MAX)
		return fmt_error(err, errlen, "%u memory-map entries; the zero page holds %u", r->nmap,
				 LINUX_E820_MAX);
	memset(zp, 0, LINUX_ZERO_PAGE_SIZE);
	/* The setup header as the image has it, at the same offsets; the
	 * loader then fills its own fields (boot.rst, "64-bit Boot Protocol"). */
	memcpy(zp + LINUX_HDR_SETUP_SECTS, (const uint8_t *)r->image + LINUX_HDR_SETUP_SECTS,
	       li->header_end - LINUX_HDR_SETUP_SECTS);
	zp[LINUX_HDR_TYPE_OF_LOADER] = LINUX_TYPE_OF_LOADER_OTHER; /* nonzero, or the initrd is ignored */
	wr32(zp + LINUX_HDR_CMD_LINE_PTR, (uint32_t)r->cmdline_gpa);
	wr32(zp + LINUX_ZP_EXT_CMD_LINE_PTR, (uint32_t)(r->cmdline_gpa >> 32));
	wr32(zp + LINUX_HDR_RAMDISK_IMAGE, (uint32_t)r->initrd_gpa);
	wr32(zp + LINUX_ZP_EXT_RAMDISK_IMAGE, (uint32_t)(r->initrd_gpa >> 32));
	wr32(zp + LINUX_HDR_RAMDISK_SIZE, (uint32_t)r->initrd_size);
	wr32(zp + LINUX_ZP_EXT_RAMDISK_SIZE, (uint32_t)(r->initrd_size >> 32));
	wr64(zp + LINUX_ZP_ACPI_RSDP_ADDR, r->acpi_rsdp_gpa);
	/* e820 entries: u64 address, u64 size, u32 type (1 RAM, 2 reserved;
	 * the Multiboot memory-map types are the same numbers). */
	for (unsigned i = 0; i < r->nmap; i++) {
		uint8_t *e = zp + LINUX_ZP_E820_TABLE + 20 * i;
		wr64(e, r->map[i].base);
		wr64(e + 8, r->map[i].size);
		wr32(e + 16, r->map[i].type);
	}
	zp[LINUX_ZP_E820_ENTRIES] = (uint8_t)r->nmap;
	return 0;
}

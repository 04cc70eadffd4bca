/*
 * mb2_info.c - Multiboot2 boot information parser (see mb2_info.h).
 *
 * Everything is read byte-wise in little-endian order through rd32/rd64,
 * so nothing here depends on the block's alignment being right and no
 * read happens before its bounds are checked.
 */
#include "boot/mb2_info.h"

#include "hv/lib/bytes.h"
#include "hv/lib/format.h"
#include "hv/lib/string.h"

/* Payload layouts, offsets from the start of a tag (spec 3.6.x). */
#define TAG_HEADER_SIZE 8
#define MODULE_STRING_OFF 16    /* after mod_start, mod_end */
#define MMAP_ENTRIES_OFF 16     /* after entry_size, entry_version */
#define MMAP_ENTRY_MIN 24       /* base u64, length u64, type u32, rsvd u32 */
/*
 * The spec text shows "reserved u8" after framebuffer_type, but GRUB's
 * multiboot2.h (the reference implementation) declares it u16, so the
 * colour info starts at offset 32; we follow what GRUB writes.
 */
#define FB_COMMON_SIZE 32
#define FB_RGB_SIZE (FB_COMMON_SIZE + 6)
#define RSDP_V1_SIZE 20         /* ACPI 5.2.5.3: RSDP for revision 0 */
#define RSDP_V2_SIZE 36         /* with Length, XsdtAddress, checksums */
#define EFI_DESC_MIN 40         /* type, pad, phys, virt, pages, attr */
/* EFI_MEMORY_RUNTIME: firmware needs the range after ExitBootServices. */
#define EFI_MEMORY_RUNTIME (1ull << 63)

/* Is there a NUL in p[0..len)? */
static bool has_nul(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] == 0)
			return true;
	return false;
}

static const char *tag_name(uint32_t type)
{
	switch (type) {
	case MB2_TAG_CMDLINE: return "command line";
	case MB2_TAG_LOADER_NAME: return "boot loader name";
	case MB2_TAG_MODULE: return "module";
	case MB2_TAG_BASIC_MEMINFO: return "basic memory info";
	case MB2_TAG_MMAP: return "memory map";
	case MB2_TAG_FRAMEBUFFER: return "framebuffer";
	case MB2_TAG_EFI32: return "EFI32 system table";
	case MB2_TAG_EFI64: return "EFI64 system table";
	case MB2_TAG_ACPI_OLD: return "ACPI 1.0 RSDP";
	case MB2_TAG_ACPI_NEW: return "ACPI 2.0 RSDP";
	case MB2_TAG_EFI_MMAP: return "EFI memory map";
	case MB2_TAG_LOAD_BASE_ADDR: return "load base address";
	default: return "unknown";
	}
}

struct tag_ctx {
	const uint8_t *p;     /* start of the tag */
	uint32_t type;
	uint32_t size;
	uint32_t offset;      /* from the start of the info block */
	char *err;
	size_t errlen;
};

static int too_small(const struct tag_ctx *t, uint32_t need)
{
	return fmt_error(t->err, t->errlen,
		    "multiboot2 tag %u (%s) at offset 0x%x has size 0x%x, "
		    "smaller than the 0x%x bytes its fields need",
		    t->type, tag_name(t->type), t->offset, t->size, need);
}

static int unterminated(const struct tag_ctx *t)
{
	return fmt_error(t->err, t->errlen,
		    "multiboot2 tag %u (%s) at offset 0x%x: string is not "
		    "NUL-terminated within the tag's 0x%x bytes",
		    t->type, tag_name(t->type), t->offset, t->size);
}

/* Tags 1 and 2: a NUL-terminated string filling the payload. */
static int parse_string_tag(const struct tag_ctx *t, const char **dest)
{
	if (t->size < TAG_HEADER_SIZE + 1)
		return too_small(t, TAG_HEADER_SIZE + 1);
	if (!has_nul(t->p + TAG_HEADER_SIZE, t->size - TAG_HEADER_SIZE))
		return unterminated(t);
	if (!*dest)
		*dest = (const char *)(t->p + TAG_HEADER_SIZE);
	return 0;
}

static int parse_module(const struct tag_ctx *t, struct mb2_info *out)
{
	if (t->size < MODULE_STRING_OFF + 1)
		return too_small(t, MODULE_STRING_OFF + 1);
	if (!has_nul(t->p + MODULE_STRING_OFF, t->size - MODULE_STRING_OFF))
		return unterminated(t);
	uint32_t start = rd32(t->p + 8), end = rd32(t->p + 12);
	if (end < start)
		return fmt_error(t->err, t->errlen,
			    "multiboot2 module %zu (tag at offset 0x%x) ends at "
			    "0x%x before it starts at 0x%x",
			    out->module_count, t->offset, end, start);
	if (out->module_count == MB2_MAX_MODULES)
		return fmt_error(t->err, t->errlen,
			    "more than %d multiboot2 modules (tag at offset 0x%x);"
			    " raise MB2_MAX_MODULES or load fewer modules",
			    MB2_MAX_MODULES, t->offset);
	struct mb2_module *m = &out->modules[out->module_count++];
	m->start = start;
	m->end = end;
	m->string = (const char *)(t->p + MODULE_STRING_OFF);
	return 0;
}

static int parse_bios_mmap(const struct tag_ctx *t, struct mb2_info *out)
{
	if (t->size < MMAP_ENTRIES_OFF)
		return too_small(t, MMAP_ENTRIES_OFF);
	uint32_t entry_size = rd32(t->p + 8);
	if (entry_size < MMAP_ENTRY_MIN)
		return fmt_error(t->err, t->errlen,
			    "multiboot2 memory map (tag 6 at offset 0x%x) has "
			    "entry_size %u, less than the %u bytes of an entry",
			    t->offset, entry_size, MMAP_ENTRY_MIN);
	if (out->bios_mmap)
		return 0;
	out->bios_mmap = t->p + MMAP_ENTRIES_OFF;
	out->bios_mmap_entry_size = entry_size;
	out->bios_mmap_entry_version = rd32(t->p + 12);
	/* A partial entry at the end is ignored, never read. */
	out->bios_mmap_count = (t->size - MMAP_ENTRIES_OFF) / entry_size;
	return 0;
}

static int parse_framebuffer(const struct tag_ctx *t, struct mb2_info *out)
{
	if (t->size < FB_COMMON_SIZE)
		return too_small(t, FB_COMMON_SIZE);
	uint8_t type = t->p[29];
	if (type == MB2_FB_RGB && t->size < FB_RGB_SIZE)
		return too_small(t, FB_RGB_SIZE);
	if (out->has_framebuffer)
		return 0;
	struct mb2_framebuffer *fb = &out->framebuffer;
	fb->addr = rd64(t->p + 8);
	fb->pitch = rd32(t->p + 16);
	fb->width = rd32(t->p + 20);
	fb->height = rd32(t->p + 24);
	fb->bpp = t->p[28];
	fb->type = type;
	if (type == MB2_FB_RGB) {
		const uint8_t *c = t->p + FB_COMMON_SIZE;
		fb->red_pos = c[0];
		fb->red_size = c[1];
		fb->green_pos = c[2];
		fb->green_size = c[3];
		fb->blue_pos = c[4];
		fb->blue_size = c[5];
	}
	out->has_framebuffer = true;
	return 0;
}

static int parse_rsdp(const struct tag_ctx *t, uint32_t need,
		      const void **dest, size_t *dest_size)
{
	if (t->size < TAG_HEADER_SIZE + need)
		return too_small(t, TAG_HEADER_SIZE + need);
	if (!*dest) {
		*dest = t->p + TAG_HEADER_SIZE;
		*dest_size = t->size - TAG_HEADER_SIZE;
	}
	return 0;
}

static int parse_efi_mmap(const struct tag_ctx *t, struct mb2_info *out)
{
	if (t->size < MMAP_ENTRIES_OFF)
		return too_small(t, MMAP_ENTRIES_OFF);
	uint32_t desc_size = rd32(t->p + 8);
	if (desc_size < EFI_DESC_MIN)
		return fmt_error(t->err, t->errlen,
			    "multiboot2 EFI memory map (tag 17 at offset 0x%x) "
			    "has descriptor size %u, less than the %u bytes of "
			    "EFI_MEMORY_DESCRIPTOR",
			    t->offset, desc_size, EFI_DESC_MIN);
	if (out->efi_mmap)
		return 0;
	out->efi_mmap = t->p + MMAP_ENTRIES_OFF;
	out->efi_desc_size = desc_size;
	out->efi_desc_version = rd32(t->p + 12);
	out->efi_mmap_count = (t->size - MMAP_ENTRIES_OFF) / desc_size;
	return 0;
}

static int parse_tag(const struct tag_ctx *t, struct mb2_info *out)
{
	switch (t->type) {
	case MB2_TAG_CMDLINE:
		return parse_string_tag(t, &out->cmdline);
	case MB2_TAG_LOADER_NAME:
		return parse_string_tag(t, &out->loader_name);
	case MB2_TAG_MODULE:
		return parse_module(t, out);
	case MB2_TAG_BASIC_MEMINFO:
		if (t->size < 16)
			return too_small(t, 16);
		if (!out->has_basic_meminfo) {
			out->has_basic_meminfo = true;
			out->mem_lower_kib = rd32(t->p + 8);
			out->mem_upper_kib = rd32(t->p + 12);
		}
		return 0;
	case MB2_TAG_MMAP:
		return parse_bios_mmap(t, out);
	case MB2_TAG_FRAMEBUFFER:
		return parse_framebuffer(t, out);
	case MB2_TAG_EFI32:
		if (t->size < 12)
			return too_small(t, 12);
		if (!out->has_efi32_system_table) {
			out->has_efi32_system_table = true;
			out->efi32_system_table = rd32(t->p + 8);
		}
		return 0;
	case MB2_TAG_EFI64:
		if (t->size < 16)
			return too_small(t, 16);
		if (!out->has_efi64_system_table) {
			out->has_efi64_system_table = true;
			out->efi64_system_table = rd64(t->p + 8);
		}
		return 0;
	case MB2_TAG_ACPI_OLD:
		return parse_rsdp(t, RSDP_V1_SIZE, &out->rsdp_v1,
				  &out->rsdp_v1_size);
	case MB2_TAG_ACPI_NEW:
		return parse_rsdp(t, RSDP_V2_SIZE, &out->rsdp_v2,
				  &out->rsdp_v2_size);
	case MB2_TAG_EFI_MMAP:
		return parse_efi_mmap(t, out);
	case MB2_TAG_EFI_BS:
		out->efi_boot_services_active = true;
		return 0;
	case MB2_TAG_LOAD_BASE_ADDR:
		if (t->size < 12)
			return too_small(t, 12);
		if (!out->has_load_base) {
			out->has_load_base = true;
			out->load_base = rd32(t->p + 8);
		}
		return 0;
	default:
		return 0; /* spec 3.6: unknown tags must be ignored */
	}
}

int mb2_parse(uint32_t magic, const void *info, size_t limit,
	      struct mb2_info *out, char *err, size_t errlen)
{
	const uint8_t *base = info;

	memset(out, 0, sizeof *out);
	if (err && errlen)
		err[0] = '\0';

	if (magic == MB2_MB1_BOOTLOADER_MAGIC)
		return fmt_error(err, errlen,
			    "booted by a Multiboot 1 loader (magic 0x%x); Nestor "
			    "needs Multiboot2: use 'multiboot2' and 'module2' "
			    "in grub.cfg", magic);
	if (magic != MB2_BOOTLOADER_MAGIC)
		return fmt_error(err, errlen,
			    "bad multiboot2 magic 0x%x (expected 0x%x): not "
			    "started by a Multiboot2 boot loader", magic,
			    MB2_BOOTLOADER_MAGIC);
	if (!base)
		return fmt_error(err, errlen, "multiboot2 info block pointer is NULL");
	/* Spec 3.6: "The boot information must be 8-byte aligned". */
	if ((uintptr_t)base & 7)
		return fmt_error(err, errlen,
			    "multiboot2 info block at %p is not 8-byte aligned",
			    info);
	if (limit < 8)
		return fmt_error(err, errlen,
			    "multiboot2 info block bound of %zu bytes cannot "
			    "even hold its 8-byte header", limit);

	uint32_t total = rd32(base);
	/* Header (8) plus the end tag (8) is the smallest valid block. */
	if (total < 16)
		return fmt_error(err, errlen,
			    "multiboot2 info block total_size 0x%x is smaller "
			    "than the minimum 0x10 (header + end tag)", total);
	if (total > MB2_INFO_MAX_SIZE)
		return fmt_error(err, errlen,
			    "multiboot2 info block total_size 0x%x is larger "
			    "than the 0x%x-byte limit; the block is corrupt",
			    total, MB2_INFO_MAX_SIZE);
	if (total > limit)
		return fmt_error(err, errlen,
			    "multiboot2 info block total_size 0x%x runs past the "
			    "0x%zx bytes the caller can read", total, limit);

	out->base = base;
	out->total_size = total;

	uint32_t off = 8;
	for (;;) {
		if (total - off < TAG_HEADER_SIZE)
			return fmt_error(err, errlen,
				    "multiboot2 info block (0x%x bytes) has no "
				    "end tag: tags run out at offset 0x%x",
				    total, off);
		struct tag_ctx t = {
			.p = base + off,
			.type = rd32(base + off),
			.size = rd32(base + off + 4),
			.offset = off,
			.err = err,
			.errlen = errlen,
		};
		if (t.size < TAG_HEADER_SIZE)
			return fmt_error(err, errlen,
				    "multiboot2 tag %u at offset 0x%x has size "
				    "0x%x, smaller than the 8-byte tag header",
				    t.type, off, t.size);
		if (t.size > total - off)
			return fmt_error(err, errlen,
				    "multiboot2 tag %u at offset 0x%x has size "
				    "0x%x past the end of the 0x%x-byte info "
				    "block", t.type, off, t.size, total);
		if (t.type == MB2_TAG_END)
			return 0;
		if (parse_tag(&t, out))
			return -1;
		/* Tags start 8-byte aligned (spec 3.6.1), so padding after a
		 * tag is skipped. total - off >= size keeps this in range. */
		uint32_t next = off + ((t.size + 7) & ~7u);
		if (next < off || next > total)
			return fmt_error(err, errlen,
				    "multiboot2 info block (0x%x bytes) has no "
				    "end tag: the tag at offset 0x%x is the last",
				    total, off);
		off = next;
	}
}

void mb2_bios_mmap_entry(const struct mb2_info *info, size_t i,
			 struct mb2_mmap_entry *out)
{
	const uint8_t *e = info->bios_mmap + i * info->bios_mmap_entry_size;
	out->base = rd64(e);
	out->length = rd64(e + 8);
	out->type = rd32(e + 16);
}

void mb2_efi_mmap_desc(const struct mb2_info *info, size_t i,
		       struct mb2_efi_desc *out)
{
	const uint8_t *d = info->efi_mmap + i * info->efi_desc_size;
	out->type = rd32(d);
	/* 4 bytes of padding: PhysicalStart is naturally aligned. */
	out->phys_start = rd64(d + 8);
	out->virt_start = rd64(d + 16);
	out->pages = rd64(d + 24);
	out->attribute = rd64(d + 32);
}

/* Multiboot2 spec 3.6.8: 1 available, 3 ACPI, 4 preserve on hibernation,
 * 5 defective RAM, anything else reserved. */
enum mem_type mb2_bios_mem_type(uint32_t type)
{
	switch (type) {
	case 1: return MEM_USABLE;
	case 3: return MEM_ACPI_RECLAIM;
	case 4: return MEM_ACPI_NVS;
	case 5: return MEM_BAD;
	default: return MEM_RESERVED;
	}
}

/*
 * UEFI spec, "Memory Type Usage after ExitBootServices()": loader and boot
 * services memory is free once boot services are gone; runtime services,
 * MMIO, PAL code, persistent and unaccepted memory stay off limits.
 */
enum mem_type mb2_efi_mem_type(const struct mb2_efi_desc *d,
			       bool boot_services_active)
{
	if (d->attribute & EFI_MEMORY_RUNTIME)
		return MEM_RESERVED;
	switch (d->type) {
	case 1: /* EfiLoaderCode */
	case 2: /* EfiLoaderData (GRUB puts modules and this block here;
		 * the frame allocator's reserved list protects those) */
	case 3: /* EfiBootServicesCode */
	case 4: /* EfiBootServicesData */
		return boot_services_active ? MEM_RESERVED : MEM_USABLE;
	case 7: /* EfiConventionalMemory */
		return MEM_USABLE;
	case 8: /* EfiUnusableMemory: errors detected */
		return MEM_BAD;
	case 9: /* EfiACPIReclaimMemory */
		return MEM_ACPI_RECLAIM;
	case 10: /* EfiACPIMemoryNVS */
		return MEM_ACPI_NVS;
	default: /* 0 reserved, 5/6 runtime, 11/12 MMIO, 13 PAL, 14 persistent,
		  * 15 unaccepted, OEM/OS-defined: keep away */
		return MEM_RESERVED;
	}
}

static int map_full(struct mem_map *out, char *err, size_t errlen)
{
	return fmt_error(err, errlen,
		    "memory map needs more than %zu ranges; enlarge the "
		    "mem_map storage", out->max);
}

int mb2_memory_map(const struct mb2_info *info, struct mem_map *out,
		   char *err, size_t errlen)
{
	if (info->efi_mmap && info->efi_mmap_count) {
		for (size_t i = 0; i < info->efi_mmap_count; i++) {
			struct mb2_efi_desc d;
			mb2_efi_mmap_desc(info, i, &d);
			/* UEFI pages are 4 KiB; cap absurd counts instead of
			 * overflowing (mem_map_add cuts at 2^64). */
			uint64_t bytes = d.pages > (UINT64_MAX >> 12)
						 ? UINT64_MAX
						 : d.pages << 12;
			if (mem_map_add(out, d.phys_start, bytes,
					mb2_efi_mem_type(
						&d, info->efi_boot_services_active)))
				return map_full(out, err, errlen);
		}
		return MB2_MMAP_FROM_EFI;
	}
	if (info->bios_mmap && info->bios_mmap_count) {
		for (size_t i = 0; i < info->bios_mmap_count; i++) {
			struct mb2_mmap_entry e;
			mb2_bios_mmap_entry(info, i, &e);
			if (mem_map_add(out, e.base, e.length,
					mb2_bios_mem_type(e.type)))
				return map_full(out, err, errlen);
		}
		return MB2_MMAP_FROM_BIOS;
	}
	if (info->has_basic_meminfo) {
		/* Spec 3.6.7: lower memory starts at 0, upper at 1 MiB. */
		if (mem_map_add(out, 0, (uint64_t)info->mem_lower_kib << 10,
				MEM_USABLE) ||
		    mem_map_add(out, 1u << 20,
				(uint64_t)info->mem_upper_kib << 10, MEM_USABLE))
			return map_full(out, err, errlen);
		return MB2_MMAP_FROM_BASIC;
	}
	return fmt_error(err, errlen,
		    "multiboot2 info has no memory map (tags 17, 6 and 4 are "
		    "all missing)");
}

size_t mb2_boot_ranges(const struct mb2_info *info, struct phys_range *out,
		       size_t max)
{
	size_t n = 0;

	if (n < max)
		out[n] = (struct phys_range){ (uintptr_t)info->base,
					      info->total_size };
	n++;
	for (size_t i = 0; i < info->module_count; i++, n++)
		if (n < max)
			out[n] = (struct phys_range){
				info->modules[i].start,
				(uint64_t)info->modules[i].end -
					info->modules[i].start };
	return n;
}

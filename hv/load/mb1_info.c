/*
 * mb1_info.c - Multiboot 0.6.96 information block builder (see mb1_info.h).
 */
#include "hv/load/mb1_info.h"

#include <stdbool.h>

#include "hv/lib/bytes.h"
#include "hv/lib/format.h"
#include "hv/lib/string.h"

/* Spec 3.3, mmap: each entry is {u32 size; u64 base_addr; u64 length;
 * u32 type} where size counts the bytes after itself (20 here) and
 * mmap_addr points at the first entry's size field. */
#define MMAP_ENTRY_SIZE 24
#define MMAP_ENTRY_SIZE_FIELD 20
/* Spec 3.3, mods: {u32 mod_start; u32 mod_end; u32 string; u32 reserved}. */
#define MODULE_ENTRY_SIZE 16
#define KIB 1024u
#define LOWER_MEMORY_TOP (640u * KIB)
#define UPPER_MEMORY_BASE (1u << 20)

/* Find the available region containing addr; return bytes from addr to its
 * end (following touching available regions), 0 if addr is not RAM. */
static uint64_t ram_run_from(const struct mb1_info_request *req, uint64_t addr)
{
	uint64_t cur = addr;
	bool progress = true;
	while (progress) {
		progress = false;
		for (size_t i = 0; i < req->nregions; i++) {
			const struct mb1_region *r = &req->regions[i];
			if (r->type == MB1_MEM_AVAILABLE && r->base <= cur &&
			    cur < r->base + r->size) {
				cur = r->base + r->size;
				progress = true;
			}
		}
	}
	return cur - addr;
}

/* Append a string to the string area; returns its guest address. */
static uint32_t put_string(uint8_t *buf, size_t *off, uint32_t base,
			   const char *s)
{
	size_t n = strlen(s) + 1;
	uint32_t addr = base + (uint32_t)*off;
	memcpy(buf + *off, s, n);
	*off += n;
	return addr;
}

int mb1_info_build(const struct mb1_info_request *req, uint8_t *buf,
		   size_t size, uint32_t base, size_t *used, char *err,
		   size_t errlen)
{
	const char *loader = req->loader_name ? req->loader_name : "Nestor";

	if (err && errlen)
		err[0] = '\0';
	if (base & 7)
		return fmt_error(err, errlen,
			    "multiboot info base 0x%x is not 8-byte aligned", base);

	/* Work out the size first so nothing is written on failure. */
	size_t mmap_off = (MB1_INFO_SIZE + 7) & ~(size_t)7;
	size_t mods_off = mmap_off + req->nregions * MMAP_ENTRY_SIZE;
	size_t strings_off = mods_off + req->nmodules * MODULE_ENTRY_SIZE;
	size_t total = strings_off + strlen(loader) + 1;
	if (req->cmdline)
		total += strlen(req->cmdline) + 1;
	for (size_t i = 0; i < req->nmodules; i++)
		total += (req->modules[i].string ? strlen(req->modules[i].string)
						 : 0) + 1;

	if (total > size)
		return fmt_error(err, errlen,
			    "multiboot info needs 0x%zx bytes but the buffer "
			    "holds 0x%zx", total, size);
	if ((uint64_t)base + total > 0x100000000ull)
		return fmt_error(err, errlen,
			    "multiboot info at 0x%x (0x%zx bytes) would cross "
			    "4 GiB; its pointers are 32-bit", base, total);

	memset(buf, 0, total);
	uint32_t flags = 0;
	size_t str = strings_off;

	if (req->nregions) {
		/* mem_lower: KiB of RAM from 0 (at most 640K); mem_upper: KiB
		 * of RAM from 1 MiB up to the first hole (spec 3.3). */
		uint64_t lower = ram_run_from(req, 0);
		uint64_t upper = ram_run_from(req, UPPER_MEMORY_BASE);
		if (lower > LOWER_MEMORY_TOP)
			lower = LOWER_MEMORY_TOP;
		if (upper / KIB > UINT32_MAX)
			upper = (uint64_t)UINT32_MAX * KIB;
		wr32(buf + MB1_OFF_MEM_LOWER, (uint32_t)(lower / KIB));
		wr32(buf + MB1_OFF_MEM_UPPER, (uint32_t)(upper / KIB));
		flags |= MB1_INFO_MEMORY | MB1_INFO_MEM_MAP;

		for (size_t i = 0; i < req->nregions; i++) {
			uint8_t *e = buf + mmap_off + i * MMAP_ENTRY_SIZE;
			wr32(e, MMAP_ENTRY_SIZE_FIELD);
			wr64(e + 4, req->regions[i].base);
			wr64(e + 12, req->regions[i].size);
			wr32(e + 20, req->regions[i].type);
		}
		wr32(buf + MB1_OFF_MMAP_LENGTH,
		     (uint32_t)(req->nregions * MMAP_ENTRY_SIZE));
		wr32(buf + MB1_OFF_MMAP_ADDR, base + (uint32_t)mmap_off);
	}

	if (req->nmodules) {
		for (size_t i = 0; i < req->nmodules; i++) {
			const struct mb1_module *m = &req->modules[i];
			uint8_t *e = buf + mods_off + i * MODULE_ENTRY_SIZE;
			wr32(e, m->start);
			wr32(e + 4, m->end);
			wr32(e + 8, put_string(buf, &str, base,
					       m->string ? m->string : ""));
			/* e + 12: reserved, already 0 */
		}
		wr32(buf + MB1_OFF_MODS_COUNT, (uint32_t)req->nmodules);
		wr32(buf + MB1_OFF_MODS_ADDR, base + (uint32_t)mods_off);
		flags |= MB1_INFO_MODS;
	}

	if (req->cmdline) {
		wr32(buf + MB1_OFF_CMDLINE, put_string(buf, &str, base, req->cmdline));
		flags |= MB1_INFO_CMDLINE;
	}
	wr32(buf + MB1_OFF_LOADER_NAME, put_string(buf, &str, base, loader));
	flags |= MB1_INFO_LOADER_NAME;

	wr32(buf + MB1_OFF_FLAGS, flags);
	*used = str;
	return 0;
}

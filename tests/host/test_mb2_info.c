/* Host tests for boot/mb2_info.c with hand-built information blocks. */
#include "check.h"
#include <stdlib.h>
#include "boot/mb2_info.h"

/* --- a tiny builder for Multiboot2 info blocks ------------------------ */
static uint64_t block_words[1024]; /* 8 KiB, 8-byte aligned */
static uint8_t *const block = (uint8_t *)block_words;
static size_t used;

static void put32(size_t off, uint32_t v) { memcpy(block + off, &v, 4); }

static void begin(void)
{
	memset(block_words, 0xcc, sizeof block_words); /* garbage padding */
	used = 8;
}

/* Append a tag with the given payload; returns its offset. */
static size_t tag(uint32_t type, const void *payload, uint32_t len)
{
	size_t off = used;
	put32(off, type);
	put32(off + 4, 8 + len);
	if (len)
		memcpy(block + off + 8, payload, len);
	used = (off + 8 + len + 7) & ~(size_t)7;
	return off;
}

static size_t str_tag(uint32_t type, const char *s)
{
	return tag(type, s, (uint32_t)strlen(s) + 1);
}

static size_t module_tag(uint32_t start, uint32_t end, const char *s)
{
	uint8_t p[128];
	memcpy(p, &start, 4);
	memcpy(p + 4, &end, 4);
	memcpy(p + 8, s, strlen(s) + 1);
	return tag(MB2_TAG_MODULE, p, 8 + (uint32_t)strlen(s) + 1);
}

struct e820 { uint64_t base, len; uint32_t type; };

static size_t bios_mmap_tag(const struct e820 *e, int n, uint32_t entry_size)
{
	uint8_t p[1024] = { 0 };
	memcpy(p, &entry_size, 4);
	for (int i = 0; i < n; i++) {
		uint8_t *q = p + 8 + (size_t)i * entry_size;
		memcpy(q, &e[i].base, 8);
		memcpy(q + 8, &e[i].len, 8);
		memcpy(q + 16, &e[i].type, 4);
	}
	return tag(MB2_TAG_MMAP, p, 8 + (uint32_t)n * entry_size);
}

struct efi { uint32_t type; uint64_t phys, pages, attr; };

static size_t efi_mmap_tag(const struct efi *d, int n, uint32_t desc_size)
{
	uint8_t p[2048] = { 0 };
	uint32_t version = 1;
	memcpy(p, &desc_size, 4);
	memcpy(p + 4, &version, 4);
	for (int i = 0; i < n; i++) {
		uint8_t *q = p + 8 + (size_t)i * desc_size;
		memcpy(q, &d[i].type, 4);
		memcpy(q + 8, &d[i].phys, 8);
		memcpy(q + 24, &d[i].pages, 8);
		memcpy(q + 32, &d[i].attr, 8);
	}
	return tag(MB2_TAG_EFI_MMAP, p, 8 + (uint32_t)n * desc_size);
}

static uint32_t finish(void)
{
	tag(MB2_TAG_END, NULL, 0);
	put32(0, (uint32_t)used);
	put32(4, 0);
	return (uint32_t)used;
}

static struct mb2_info info;
static char err[256];

static int parse(void)
{
	return mb2_parse(MB2_BOOTLOADER_MAGIC, block, sizeof block_words, &info,
			 err, sizeof err);
}

/* --- good blocks ------------------------------------------------------- */

TEST(minimal_block)
{
	begin();
	finish();
	CHECK_EQ(parse(), 0);
	CHECK_STR(err, "");
	CHECK_EQ(info.total_size, 16);
	CHECK(info.base == block);
	CHECK(info.cmdline == NULL);
	CHECK_EQ(info.module_count, 0);
}

TEST(typical_grub_bios_block)
{
	begin();
	str_tag(MB2_TAG_CMDLINE, "serial=com1 log=debug");
	str_tag(MB2_TAG_LOADER_NAME, "GRUB 2.06");
	module_tag(0x200000, 0x201234, "name=hello kind=multiboot -- hello.elf");
	module_tag(0x300000, 0x300000, "");
	uint32_t meminfo[2] = { 639, 130048 };
	tag(MB2_TAG_BASIC_MEMINFO, meminfo, 8);
	struct e820 e[] = {
		{ 0, 0x9fc00, 1 },
		{ 0x9fc00, 0x400, 2 },
		{ 0xf0000, 0x10000, 2 },
		{ 0x100000, 0x7ee0000, 1 },
		{ 0x7fe0000, 0x20000, 3 },
		{ 0xfffc0000, 0x40000, 2 },
	};
	bios_mmap_tag(e, 6, 24);
	uint8_t fb[30] = { 0 };
	uint64_t fbaddr = 0xfd000000;
	uint32_t pitch = 4096, w = 1024, h = 768;
	memcpy(fb, &fbaddr, 8);
	memcpy(fb + 8, &pitch, 4);
	memcpy(fb + 12, &w, 4);
	memcpy(fb + 16, &h, 4);
	fb[20] = 32;
	fb[21] = MB2_FB_RGB;
	fb[24] = 16; fb[25] = 8; fb[26] = 8; fb[27] = 8; fb[28] = 0; fb[29] = 8;
	tag(MB2_TAG_FRAMEBUFFER, fb, 30);
	uint8_t rsdp[20] = "RSD PTR ";
	tag(MB2_TAG_ACPI_OLD, rsdp, 20);
	tag(99, "future", 6); /* unknown tag: skipped */
	finish();

	CHECK_EQ(parse(), 0);
	CHECK_STR(err, "");
	CHECK_STR(info.cmdline, "serial=com1 log=debug");
	CHECK_STR(info.loader_name, "GRUB 2.06");
	CHECK_EQ(info.module_count, 2);
	CHECK_EQ(info.modules[0].start, 0x200000);
	CHECK_EQ(info.modules[0].end, 0x201234);
	CHECK_STR(info.modules[0].string, "name=hello kind=multiboot -- hello.elf");
	CHECK_STR(info.modules[1].string, "");
	CHECK(info.has_basic_meminfo);
	CHECK_EQ(info.mem_lower_kib, 639);
	CHECK_EQ(info.mem_upper_kib, 130048);
	CHECK_EQ(info.bios_mmap_count, 6);
	struct mb2_mmap_entry me;
	mb2_bios_mmap_entry(&info, 3, &me);
	CHECK_EQ(me.base, 0x100000);
	CHECK_EQ(me.length, 0x7ee0000);
	CHECK_EQ(me.type, 1);
	CHECK(info.has_framebuffer);
	CHECK_EQ(info.framebuffer.addr, 0xfd000000);
	CHECK_EQ(info.framebuffer.pitch, 4096);
	CHECK_EQ(info.framebuffer.width, 1024);
	CHECK_EQ(info.framebuffer.height, 768);
	CHECK_EQ(info.framebuffer.bpp, 32);
	CHECK_EQ(info.framebuffer.type, MB2_FB_RGB);
	CHECK_EQ(info.framebuffer.red_pos, 16);
	CHECK_EQ(info.framebuffer.blue_size, 8);
	CHECK(info.rsdp_v1 != NULL);
	CHECK_EQ(info.rsdp_v1_size, 20);
	CHECK(memcmp(info.rsdp_v1, "RSD PTR ", 8) == 0);
	CHECK(info.rsdp_v2 == NULL);
	CHECK(info.efi_mmap == NULL);

	struct mem_range r[16];
	struct mem_map m;
	mem_map_init(&m, r, 16);
	CHECK_EQ(mb2_memory_map(&info, &m, err, sizeof err), MB2_MMAP_FROM_BIOS);
	CHECK_EQ(m.count, 6); /* reserved 0x9fc00 and 0xf0000 do not touch */
	CHECK_EQ(r[0].base, 0);
	CHECK_EQ(r[0].end, 0x9fc00);
	CHECK_EQ(r[0].type, MEM_USABLE);
	CHECK_EQ(r[1].type, MEM_RESERVED);
	CHECK_EQ(r[3].base, 0x100000);
	CHECK_EQ(r[3].type, MEM_USABLE);
	CHECK_EQ(r[4].base, 0x7fe0000);
	CHECK_EQ(r[4].type, MEM_ACPI_RECLAIM);
	CHECK_EQ(r[5].end, 0x100000000ull);
	CHECK_EQ(mem_map_total(&m, MEM_USABLE), 0x9fc00 + 0x7ee0000);
}

TEST(uefi_block_prefers_efi_map)
{
	begin();
	uint64_t st = 0x7fb5e018;
	tag(MB2_TAG_EFI64, &st, 8);
	uint8_t rsdp2[36] = "RSD PTR ";
	rsdp2[15] = 2;
	tag(MB2_TAG_ACPI_NEW, rsdp2, 36);
	/* A tag-6 map that disagrees, to prove tag 17 is used. */
	struct e820 e[] = { { 0, 0x80000000, 1 } };
	bios_mmap_tag(e, 1, 24);
	struct efi d[] = {
		{ 7, 0x0, 0xa0, 0 },                      /* conventional */
		{ 3, 0x100000, 0x100, 0 },                /* BS code: usable */
		{ 2, 0x200000, 0x10, 0 },                 /* loader data */
		{ 7, 0x210000, 0x1f0, 0 },
		{ 5, 0x400000, 0x10, 1ull << 63 },        /* runtime code */
		{ 4, 0x410000, 0x10, 1ull << 63 },        /* BS data but RUNTIME */
		{ 9, 0x420000, 0x10, 0 },                 /* ACPI reclaim */
		{ 10, 0x430000, 0x10, 0 },                /* ACPI NVS */
		{ 11, 0xfec00000, 0x1, 1ull << 63 },      /* MMIO */
		{ 8, 0x500000, 0x1, 0 },                  /* unusable */
		{ 14, 0x100000000ull, 0x100, 0 },         /* persistent */
	};
	efi_mmap_tag(d, 11, 48); /* real firmware uses 48-byte descriptors */
	finish();

	CHECK_EQ(parse(), 0);
	CHECK_STR(err, "");
	CHECK(info.has_efi64_system_table);
	CHECK_EQ(info.efi64_system_table, 0x7fb5e018);
	CHECK_EQ(info.rsdp_v2_size, 36);
	CHECK_EQ(info.efi_desc_size, 48);
	CHECK_EQ(info.efi_desc_version, 1);
	CHECK_EQ(info.efi_mmap_count, 11);
	struct mb2_efi_desc dd;
	mb2_efi_mmap_desc(&info, 4, &dd);
	CHECK_EQ(dd.type, 5);
	CHECK_EQ(dd.phys_start, 0x400000);
	CHECK_EQ(dd.pages, 0x10);
	CHECK_EQ(dd.attribute, 1ull << 63);

	struct mem_range r[32];
	struct mem_map m;
	mem_map_init(&m, r, 32);
	CHECK_EQ(mb2_memory_map(&info, &m, err, sizeof err), MB2_MMAP_FROM_EFI);
	/* usable [0,0xa0000) [0x100000,0x400000), reserved [0x400000,0x420000),
	 * reclaim, nvs, bad, persistent(reserved), MMIO(reserved) */
	CHECK_EQ(m.count, 8);
	CHECK_EQ(r[0].end, 0xa0000);
	CHECK_EQ(r[1].base, 0x100000);
	CHECK_EQ(r[1].end, 0x400000);
	CHECK_EQ(r[1].type, MEM_USABLE);
	CHECK_EQ(r[2].end, 0x420000);
	CHECK_EQ(r[2].type, MEM_RESERVED);
	CHECK_EQ(r[3].type, MEM_ACPI_RECLAIM);
	CHECK_EQ(r[4].type, MEM_ACPI_NVS);
	CHECK_EQ(r[5].type, MEM_BAD);
	CHECK_EQ(r[6].base, 0xfec00000);
	CHECK_EQ(r[7].base, 0x100000000ull);
	CHECK_EQ(r[7].type, MEM_RESERVED);
}

TEST(efi_boot_services_still_active)
{
	begin();
	tag(MB2_TAG_EFI_BS, NULL, 0);
	struct efi d[] = { { 4, 0x100000, 0x10, 0 }, { 7, 0x110000, 0x10, 0 } };
	efi_mmap_tag(d, 2, 40);
	finish();
	CHECK_EQ(parse(), 0);
	CHECK(info.efi_boot_services_active);
	struct mem_range r[8];
	struct mem_map m;
	mem_map_init(&m, r, 8);
	CHECK_EQ(mb2_memory_map(&info, &m, err, sizeof err), MB2_MMAP_FROM_EFI);
	CHECK_EQ(m.count, 2);
	CHECK_EQ(r[0].type, MEM_RESERVED);
	CHECK_EQ(r[1].type, MEM_USABLE);
}

TEST(basic_meminfo_fallback)
{
	begin();
	uint32_t meminfo[2] = { 640, 1024 };
	tag(MB2_TAG_BASIC_MEMINFO, meminfo, 8);
	finish();
	CHECK_EQ(parse(), 0);
	struct mem_range r[8];
	struct mem_map m;
	mem_map_init(&m, r, 8);
	CHECK_EQ(mb2_memory_map(&info, &m, err, sizeof err), MB2_MMAP_FROM_BASIC);
	CHECK_EQ(m.count, 2);
	CHECK_EQ(r[0].end, 0xa0000);
	CHECK_EQ(r[1].base, 0x100000);
	CHECK_EQ(r[1].end, 0x200000);
}

TEST(no_memory_map_is_an_error)
{
	begin();
	finish();
	CHECK_EQ(parse(), 0);
	struct mem_range r[8];
	struct mem_map m;
	mem_map_init(&m, r, 8);
	CHECK_EQ(mb2_memory_map(&info, &m, err, sizeof err), -1);
	CHECK_STR(err, "multiboot2 info has no memory map (tags 17, 6 and 4 are all missing)");
}

TEST(memory_map_too_big_for_storage)
{
	begin();
	struct e820 e[] = { { 0, 0x1000, 1 }, { 0x2000, 0x1000, 1 }, { 0x4000, 0x1000, 1 } };
	bios_mmap_tag(e, 3, 24);
	finish();
	CHECK_EQ(parse(), 0);
	struct mem_range r[2];
	struct mem_map m;
	mem_map_init(&m, r, 2);
	CHECK_EQ(mb2_memory_map(&info, &m, err, sizeof err), -1);
	CHECK_STR(err, "memory map needs more than 2 ranges; enlarge the mem_map storage");
}

TEST(larger_mmap_entry_size_and_trailing_partial_entry)
{
	begin();
	struct e820 e[] = { { 0x1000, 0x2000, 1 }, { 0x10000, 0x1000, 5 } };
	size_t off = bios_mmap_tag(e, 2, 32);
	/* Grow the tag by 8 bytes: a partial third entry that must be ignored. */
	put32(off + 4, 8 + 8 + 2 * 32 + 8);
	used = off + 8 + 8 + 2 * 32 + 8;
	finish();
	CHECK_EQ(parse(), 0);
	CHECK_EQ(info.bios_mmap_count, 2);
	struct mb2_mmap_entry me;
	mb2_bios_mmap_entry(&info, 1, &me);
	CHECK_EQ(me.base, 0x10000);
	CHECK_EQ(me.type, 5);
}

TEST(modules_up_to_the_max)
{
	begin();
	for (int i = 0; i < MB2_MAX_MODULES; i++)
		module_tag(0x100000u * (unsigned)i, 0x100000u * (unsigned)i + 10, "m");
	finish();
	CHECK_EQ(parse(), 0);
	CHECK_EQ(info.module_count, MB2_MAX_MODULES);
	CHECK_EQ(info.modules[31].start, 0x1f00000);
}

TEST(boot_ranges_cover_block_and_modules)
{
	begin();
	module_tag(0x200000, 0x201234, "a");
	module_tag(0x300000, 0x300001, "b");
	finish();
	CHECK_EQ(parse(), 0);
	struct phys_range r[3];
	CHECK_EQ(mb2_boot_ranges(&info, r, 3), 3);
	CHECK_EQ(r[0].base, (uintptr_t)block);
	CHECK_EQ(r[0].size, info.total_size);
	CHECK_EQ(r[1].base, 0x200000);
	CHECK_EQ(r[1].size, 0x1234);
	CHECK_EQ(r[2].size, 1);
	CHECK_EQ(mb2_boot_ranges(&info, r, 1), 3); /* too small: says so */
	CHECK_EQ(mb2_boot_ranges(&info, NULL, 0), 3);
}

TEST(first_of_duplicate_tags_wins)
{
	begin();
	str_tag(MB2_TAG_CMDLINE, "first");
	str_tag(MB2_TAG_CMDLINE, "second");
	finish();
	CHECK_EQ(parse(), 0);
	CHECK_STR(info.cmdline, "first");
}

/* --- malformed blocks: each error names what is wrong ------------------ */

TEST(bad_magic)
{
	begin();
	finish();
	CHECK_EQ(mb2_parse(0x12345678, block, 8192, &info, err, sizeof err), -1);
	CHECK_STR(err, "bad multiboot2 magic 0x12345678 (expected 0x36d76289): not started by a Multiboot2 boot loader");
	CHECK_EQ(mb2_parse(0x2badb002, block, 8192, &info, err, sizeof err), -1);
	CHECK(strstr(err, "Multiboot 1 loader") != NULL);
}

TEST(bad_pointer_alignment_and_bound)
{
	begin();
	finish();
	CHECK_EQ(mb2_parse(MB2_BOOTLOADER_MAGIC, NULL, 8192, &info, err, sizeof err), -1);
	CHECK_STR(err, "multiboot2 info block pointer is NULL");
	CHECK_EQ(mb2_parse(MB2_BOOTLOADER_MAGIC, block + 4, 8192, &info, err, sizeof err), -1);
	CHECK(strstr(err, "is not 8-byte aligned") != NULL);
	CHECK_EQ(mb2_parse(MB2_BOOTLOADER_MAGIC, block, 4, &info, err, sizeof err), -1);
	CHECK_STR(err, "multiboot2 info block bound of 4 bytes cannot even hold its 8-byte header");
	CHECK_EQ(mb2_parse(MB2_BOOTLOADER_MAGIC, block, 12, &info, err, sizeof err), -1);
	CHECK_STR(err, "multiboot2 info block total_size 0x10 runs past the 0xc bytes the caller can read");
}

TEST(bad_total_size)
{
	begin();
	finish();
	put32(0, 8);
	CHECK_EQ(parse(), -1);
	CHECK_STR(err, "multiboot2 info block total_size 0x8 is smaller than the minimum 0x10 (header + end tag)");
	put32(0, 0x200000);
	CHECK_EQ(mb2_parse(MB2_BOOTLOADER_MAGIC, block, SIZE_MAX, &info, err, sizeof err), -1);
	CHECK_STR(err, "multiboot2 info block total_size 0x200000 is larger than the 0x100000-byte limit; the block is corrupt");
}

TEST(tag_past_end_of_block)
{
	begin();
	str_tag(MB2_TAG_CMDLINE, "a");
	struct e820 e[] = { { 0, 0x1000, 1 } };
	size_t off = bios_mmap_tag(e, 1, 24);
	finish();
	put32(off + 4, 0x400);
	CHECK_EQ(parse(), -1);
	char want[160];
	snprintf(want, sizeof want,
		 "multiboot2 tag 6 at offset 0x%zx has size 0x400 past the end of the 0x%x-byte info block",
		 off, (unsigned)used);
	CHECK_STR(err, want);
	CHECK_STR(err, "multiboot2 tag 6 at offset 0x18 has size 0x400 past the end of the 0x48-byte info block");
}

TEST(tag_size_smaller_than_header)
{
	begin();
	size_t off = str_tag(MB2_TAG_CMDLINE, "abc");
	finish();
	put32(off + 4, 4);
	CHECK_EQ(parse(), -1);
	CHECK_STR(err, "multiboot2 tag 1 at offset 0x8 has size 0x4, smaller than the 8-byte tag header");
}

TEST(missing_end_tag)
{
	begin();
	str_tag(MB2_TAG_CMDLINE, "abc");
	put32(0, (uint32_t)used); /* no end tag */
	CHECK_EQ(parse(), -1);
	CHECK_STR(err, "multiboot2 info block (0x18 bytes) has no end tag: tags run out at offset 0x18");

	/* total_size not a multiple of 8: the last tag's padding would go past. */
	begin();
	str_tag(MB2_TAG_CMDLINE, "abc"); /* size 12, padded to 16 */
	put32(0, 8 + 12);
	CHECK_EQ(parse(), -1);
	CHECK_STR(err, "multiboot2 info block (0x14 bytes) has no end tag: the tag at offset 0x8 is the last");
}

TEST(unterminated_strings)
{
	begin();
	tag(MB2_TAG_CMDLINE, "abc", 3);
	finish();
	CHECK_EQ(parse(), -1);
	CHECK_STR(err, "multiboot2 tag 1 (command line) at offset 0x8: string is not NUL-terminated within the tag's 0xb bytes");

	begin();
	tag(MB2_TAG_LOADER_NAME, NULL, 0);
	finish();
	CHECK_EQ(parse(), -1);
	CHECK_STR(err, "multiboot2 tag 2 (boot loader name) at offset 0x8 has size 0x8, smaller than the 0x9 bytes its fields need");

	begin();
	uint8_t p[12] = { 0, 0, 1, 0, 0, 0, 2, 0, 'x', 'y', 'z', 'w' };
	tag(MB2_TAG_MODULE, p, 12);
	finish();
	CHECK_EQ(parse(), -1);
	CHECK_STR(err, "multiboot2 tag 3 (module) at offset 0x8: string is not NUL-terminated within the tag's 0x14 bytes");
}

TEST(bad_module)
{
	begin();
	module_tag(0x5000, 0x4000, "x");
	finish();
	CHECK_EQ(parse(), -1);
	CHECK_STR(err, "multiboot2 module 0 (tag at offset 0x8) ends at 0x4000 before it starts at 0x5000");

	begin();
	for (int i = 0; i <= MB2_MAX_MODULES; i++)
		module_tag(0, 0, "m");
	finish();
	CHECK_EQ(parse(), -1);
	CHECK(strstr(err, "more than 32 multiboot2 modules") == err);
}

TEST(bad_mmap_entry_size)
{
	begin();
	struct e820 e[] = { { 0, 0x1000, 1 } };
	bios_mmap_tag(e, 1, 16);
	finish();
	CHECK_EQ(parse(), -1);
	CHECK_STR(err, "multiboot2 memory map (tag 6 at offset 0x8) has entry_size 16, less than the 24 bytes of an entry");

	begin();
	tag(MB2_TAG_MMAP, "\x18\0\0\0", 4); /* header cut short */
	finish();
	CHECK_EQ(parse(), -1);
	CHECK_STR(err, "multiboot2 tag 6 (memory map) at offset 0x8 has size 0xc, smaller than the 0x10 bytes its fields need");

	begin();
	struct efi d[] = { { 7, 0, 1, 0 } };
	efi_mmap_tag(d, 1, 32);
	finish();
	CHECK_EQ(parse(), -1);
	CHECK_STR(err, "multiboot2 EFI memory map (tag 17 at offset 0x8) has descriptor size 32, less than the 40 bytes of EFI_MEMORY_DESCRIPTOR");
}

TEST(short_fixed_size_tags)
{
	static const struct { uint32_t type, len, need; } cases[] = {
		{ MB2_TAG_BASIC_MEMINFO, 4, 16 },
		{ MB2_TAG_FRAMEBUFFER, 20, 32 },
		{ MB2_TAG_EFI32, 0, 12 },
		{ MB2_TAG_EFI64, 4, 16 },
		{ MB2_TAG_ACPI_OLD, 16, 28 },
		{ MB2_TAG_ACPI_NEW, 20, 44 },
		{ MB2_TAG_LOAD_BASE_ADDR, 0, 12 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint8_t zero[64] = { 0 };
		begin();
		tag(cases[i].type, zero, cases[i].len);
		finish();
		CHECK_EQ(parse(), -1);
		char want[64];
		snprintf(want, sizeof want, "smaller than the 0x%x bytes",
			 cases[i].need);
		CHECK(strstr(err, want) != NULL);
	}
	/* An RGB framebuffer needs its 6 colour bytes. */
	uint8_t fb[24] = { 0 };
	fb[21] = MB2_FB_RGB;
	begin();
	tag(MB2_TAG_FRAMEBUFFER, fb, 24);
	finish();
	CHECK_EQ(parse(), -1);
	CHECK(strstr(err, "smaller than the 0x26 bytes") != NULL);
}

TEST(error_buffer_is_optional_and_truncated)
{
	begin();
	finish();
	CHECK_EQ(mb2_parse(1, block, 8192, &info, NULL, 0), -1);
	char small[10];
	CHECK_EQ(mb2_parse(1, block, 8192, &info, small, sizeof small), -1);
	CHECK_STR(small, "bad multi");
}

/* Random corruption: the parser must never read outside the block (ASan
 * would catch it: the block is copied into an exactly-sized heap buffer). */
static uint64_t rng = 0x2545f4914f6cdd1dull;
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

TEST(random_corruption_stays_in_bounds)
{
	begin();
	str_tag(MB2_TAG_CMDLINE, "serial=com1");
	module_tag(0x200000, 0x201000, "name=a");
	struct e820 e[] = { { 0, 0x9fc00, 1 }, { 0x100000, 0x1000000, 1 } };
	bios_mmap_tag(e, 2, 24);
	struct efi d[] = { { 7, 0, 0x9f, 0 }, { 7, 0x100000, 0x1000, 0 } };
	efi_mmap_tag(d, 2, 48);
	uint32_t total = finish();
	uint8_t pristine[8192];
	memcpy(pristine, block, total);

	for (int round = 0; round < 20000; round++) {
		uint64_t *copy = malloc((total + 7) & ~7u);
		memcpy(copy, pristine, total);
		uint8_t *c = (uint8_t *)copy;
		int flips = 1 + (int)(rnd() % 4);
		for (int k = 0; k < flips; k++)
			c[rnd() % total] = (uint8_t)rnd();
		if (mb2_parse(MB2_BOOTLOADER_MAGIC, copy, total, &info, err,
			      sizeof err) == 0) {
			struct mem_range r[64];
			struct mem_map m;
			mem_map_init(&m, r, 64);
			(void)mb2_memory_map(&info, &m, err, sizeof err);
			if (info.cmdline)
				(void)strlen(info.cmdline);
			for (size_t i = 0; i < info.module_count; i++)
				(void)strlen(info.modules[i].string);
		} else {
			CHECK(err[0] != '\0');
		}
		free(copy);
	}
}

TEST_MAIN()

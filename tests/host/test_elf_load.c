/* Host tests for hv/load/elf_load.c and hv/load/mb1_header.c with hand-built images. */
#include "check.h"
#include "hv/load/elf_load.h"
#include "hv/load/mb1_header.h"

#include <stdlib.h>

static uint8_t img[16384];
static char err[200];
static struct elf_segment segs[8];
static struct elf_image ei;

static void w16(size_t o, uint16_t v) { memcpy(img + o, &v, 2); }
static void w32(size_t o, uint32_t v) { memcpy(img + o, &v, 4); }
static void w64(size_t o, uint64_t v) { memcpy(img + o, &v, 8); }

struct ph { uint32_t type, flags; uint64_t off, vaddr, paddr, filesz, memsz; };

/* ELF64 x86-64 executable: header at 0, program headers at 64. */
static void elf64(uint64_t entry, const struct ph *ph, int n)
{
	memset(img, 0, sizeof img);
	memcpy(img, "\x7f" "ELF", 4);
	img[4] = 2; img[5] = 1; img[6] = 1;
	w16(16, 2); w16(18, 62); w32(20, 1);
	w64(24, entry); w64(32, 64);
	w16(52, 64); w16(54, 56); w16(56, (uint16_t)n);
	for (int i = 0; i < n; i++) {
		size_t o = 64 + (size_t)i * 56;
		w32(o, ph[i].type); w32(o + 4, ph[i].flags);
		w64(o + 8, ph[i].off); w64(o + 16, ph[i].vaddr);
		w64(o + 24, ph[i].paddr); w64(o + 32, ph[i].filesz);
		w64(o + 40, ph[i].memsz); w64(o + 48, 0x1000);
	}
}

/* ELF32 i386 executable: header at 0, program headers at 52. */
static void elf32(uint32_t entry, const struct ph *ph, int n)
{
	memset(img, 0, sizeof img);
	memcpy(img, "\x7f" "ELF", 4);
	img[4] = 1; img[5] = 1; img[6] = 1;
	w16(16, 2); w16(18, 3); w32(20, 1);
	w32(24, entry); w32(28, 52);
	w16(40, 52); w16(42, 32); w16(44, (uint16_t)n);
	for (int i = 0; i < n; i++) {
		size_t o = 52 + (size_t)i * 32;
		w32(o, ph[i].type); w32(o + 4, (uint32_t)ph[i].off);
		w32(o + 8, (uint32_t)ph[i].vaddr); w32(o + 12, (uint32_t)ph[i].paddr);
		w32(o + 16, (uint32_t)ph[i].filesz); w32(o + 20, (uint32_t)ph[i].memsz);
		w32(o + 24, ph[i].flags); w32(o + 28, 0x1000);
	}
}

static int parse(size_t size)
{
	return elf_parse(img, size, segs, 8, &ei, err, sizeof err);
}

TEST(elf64_segments_and_higher_half_entry)
{
	struct ph ph[] = {
		{ 1, 5, 0x1000, 0xffffffff80100000ull, 0x100000, 0x2000, 0x2000 },
		{ 4, 4, 0x200, 0, 0, 0x20, 0x20 },     /* PT_NOTE: ignored */
		{ 1, 6, 0x3000, 0xffffffff80102000ull, 0x102000, 0x800, 0x5000 },
		{ 1, 6, 0x3800, 0xffffffff80200000ull, 0x200000, 0, 0 }, /* empty */
	};
	elf64(0xffffffff80100010ull, ph, 4);
	CHECK_EQ(parse(0x4000), 0);
	CHECK_STR(err, "");
	CHECK_EQ(ei.bits, 64);
	CHECK_EQ(ei.machine, 62);
	CHECK_EQ(ei.nsegments, 2);
	CHECK_EQ(segs[0].paddr, 0x100000);
	CHECK_EQ(segs[0].offset, 0x1000);
	CHECK_EQ(segs[0].filesz, 0x2000);
	CHECK_EQ(segs[0].flags, 5);
	CHECK_EQ(segs[1].memsz, 0x5000);
	CHECK_EQ(ei.entry, 0xffffffff80100010ull);
	CHECK(ei.entry_in_segment);
	CHECK_EQ(ei.entry_paddr, 0x100010);
	CHECK_EQ(ei.load_start, 0x100000);
	CHECK_EQ(ei.load_end, 0x107000);
}

TEST(elf32_identity_mapped)
{
	struct ph ph[] = { { 1, 7, 0x1000, 0x100000, 0x100000, 0x1000, 0x3000 } };
	elf32(0x10000c, ph, 1);
	CHECK_EQ(parse(0x2000), 0);
	CHECK_EQ(ei.bits, 32);
	CHECK_EQ(ei.machine, 3);
	CHECK_EQ(ei.nsegments, 1);
	CHECK_EQ(segs[0].vaddr, 0x100000);
	CHECK_EQ(segs[0].memsz, 0x3000);
	CHECK_EQ(ei.entry_paddr, 0x10000c);
	elf32(0x500000, ph, 1); /* entry outside every segment */
	CHECK_EQ(parse(0x2000), 0);
	CHECK(!ei.entry_in_segment);
}

TEST(elf_header_errors)
{
	struct ph ph[] = { { 1, 7, 0x1000, 0x100000, 0x100000, 0x1000, 0x3000 } };
	CHECK_EQ(elf_parse(img, 8, segs, 8, &ei, err, sizeof err), -1);
	CHECK_STR(err, "image of 8 bytes is too small to be ELF");
	CHECK_EQ(elf_parse(NULL, 100, segs, 8, &ei, err, sizeof err), -1);

	elf64(0, ph, 1);
	img[1] = 'X';
	CHECK_EQ(parse(0x2000), -1);
	CHECK_STR(err, "not an ELF image (first bytes 7f 58 4c 46, expected 7f 45 4c 46)");

	elf64(0, ph, 1);
	img[4] = 3;
	CHECK_EQ(parse(0x2000), -1);
	CHECK_STR(err, "ELF class 3 is neither 32-bit (1) nor 64-bit (2)");

	elf64(0, ph, 1);
	img[5] = 2;
	CHECK_EQ(parse(0x2000), -1);
	CHECK_STR(err, "ELF byte order 2 is not little-endian (1)");

	elf64(0, ph, 1);
	img[6] = 0;
	CHECK_EQ(parse(0x2000), -1);
	CHECK_STR(err, "ELF version 0 is not 1");

	elf64(0, ph, 1);
	CHECK_EQ(parse(40), -1);
	CHECK_STR(err, "ELF64 header needs 64 bytes but the image has 40");

	elf64(0, ph, 1);
	w16(16, 1); /* ET_REL */
	CHECK_EQ(parse(0x2000), -1);
	CHECK_STR(err, "ELF type 1 is not an executable (2) or PIE (3)");

	elf64(0, ph, 1);
	w16(18, 3); /* i386 machine in an ELF64 */
	CHECK_EQ(parse(0x2000), -1);
	CHECK_STR(err, "ELF64 machine 3 is not x86-64 (62)");

	elf32(0, ph, 1);
	w16(18, 40); /* ARM */
	CHECK_EQ(parse(0x2000), -1);
	CHECK_STR(err, "ELF32 machine 40 is not i386 (3)");
}

TEST(program_header_table_errors)
{
	struct ph ph[] = { { 1, 7, 0x1000, 0x100000, 0x100000, 0x1000, 0x3000 } };
	elf64(0, ph, 0);
	CHECK_EQ(parse(0x2000), -1);
	CHECK_STR(err, "ELF has no program headers: nothing to load");

	elf64(0, ph, 1);
	w16(56, 0xffff);
	CHECK_EQ(parse(0x2000), -1);
	CHECK(strstr(err, "PN_XNUM") != NULL);

	elf64(0, ph, 1);
	w16(54, 32);
	CHECK_EQ(parse(0x2000), -1);
	CHECK_STR(err, "ELF program header size 32 is smaller than the 56 bytes of an ELF64 program header");

	elf64(0, ph, 1);
	w64(32, 0x1fe0);
	CHECK_EQ(parse(0x2000), -1);
	CHECK_STR(err, "ELF program header table (0x1fe0 + 1 x 56 bytes) runs past the end of the 0x2000-byte image");

	elf64(0, ph, 1);
	w64(32, UINT64_MAX - 8); /* offset + size would wrap */
	CHECK_EQ(parse(0x2000), -1);
	CHECK(strstr(err, "runs past the end") != NULL);
}

TEST(segment_errors)
{
	struct ph ph[] = {
		{ 1, 7, 0x1000, 0x100000, 0x100000, 0x1000, 0x3000 },
		{ 1, 7, 0x1000, 0x200000, 0x200000, 0x2000, 0x2000 },
	};
	elf64(0, ph, 2);
	CHECK_EQ(parse(0x2000), -1);
	CHECK_STR(err, "ELF program header 1 (PT_LOAD) has file bytes 0x1000..0x3000 past the end of the 0x2000-byte image");

	ph[1].off = UINT64_MAX - 0x100;
	elf64(0, ph, 2);
	CHECK_EQ(parse(0x2000), -1);
	CHECK(strstr(err, "past the end of the 0x2000-byte image") != NULL);

	ph[1].off = 0x1000;
	ph[1].filesz = 0x3000;
	elf64(0, ph, 2);
	CHECK_EQ(parse(0x4000), -1);
	CHECK_STR(err, "ELF program header 1 (PT_LOAD) has filesz 0x3000 larger than memsz 0x2000");

	ph[1].filesz = 0x100;
	ph[1].paddr = 0x102000;
	elf64(0, ph, 2);
	CHECK_EQ(parse(0x4000), -1);
	CHECK_STR(err, "ELF PT_LOAD segments overlap: program header 1 at paddr 0x102000..0x104000 and an earlier one at 0x100000..0x103000");

	ph[1].paddr = UINT64_MAX - 0x1000;
	elf64(0, ph, 2);
	CHECK_EQ(parse(0x4000), -1);
	CHECK(strstr(err, "wraps around the address space") != NULL);

	ph[0].type = 2; /* PT_DYNAMIC only */
	elf64(0, ph, 1);
	CHECK_EQ(parse(0x4000), -1);
	CHECK_STR(err, "ELF has no non-empty PT_LOAD segment: nothing to load");

	struct ph many[9];
	for (int i = 0; i < 9; i++)
		many[i] = (struct ph){ 1, 4, 0, 0x100000u * (unsigned)(i + 1),
				       0x100000u * (unsigned)(i + 1), 0, 0x1000 };
	elf64(0, many, 9);
	CHECK_EQ(parse(0x4000), -1);
	CHECK_STR(err, "ELF has more than 8 PT_LOAD segments");
}

static uint64_t rng = 0x1234567887654321ull;
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

TEST(random_corruption_stays_in_bounds)
{
	struct ph ph[] = {
		{ 1, 5, 0x200, 0x100000, 0x100000, 0x100, 0x1000 },
		{ 1, 6, 0x300, 0x101000, 0x101000, 0x80, 0x2000 },
	};
	for (int cls = 0; cls < 2; cls++) {
		if (cls)
			elf64(0x100000, ph, 2);
		else
			elf32(0x100000, ph, 2);
		uint8_t pristine[0x400];
		memcpy(pristine, img, sizeof pristine);
		for (int round = 0; round < 20000; round++) {
			size_t size = 0x380 + rnd() % 0x80;
			uint8_t *copy = malloc(size);
			memcpy(copy, pristine, size);
			for (int k = 0; k < 3; k++)
				copy[rnd() % 0x100] = (uint8_t)rnd();
			if (elf_parse(copy, size, segs, 8, &ei, err, sizeof err) == 0) {
				for (size_t i = 0; i < ei.nsegments; i++) {
					CHECK(segs[i].offset + segs[i].filesz <= size);
					CHECK(segs[i].filesz <= segs[i].memsz);
				}
			} else {
				CHECK(err[0] != '\0');
			}
			free(copy);
		}
	}
}

/* --- Multiboot 1 header -------------------------------------------------- */

static void mb1(size_t off, uint32_t flags, int32_t checksum_delta)
{
	w32(off, MB1_HEADER_MAGIC);
	w32(off + 4, flags);
	w32(off + 8, (uint32_t)(0u - MB1_HEADER_MAGIC - flags) + (uint32_t)checksum_delta);
}

TEST(mb1_header_basic)
{
	struct mb1_header h;
	memset(img, 0, sizeof img);
	mb1(0x1000, MB1_HF_PAGE_ALIGN | MB1_HF_MEMORY_INFO, 0);
	CHECK_EQ(mb1_header_find(img, sizeof img, &h, err, sizeof err), 0);
	CHECK_EQ(h.offset, 0x1000);
	CHECK_EQ(h.flags, 3);
	CHECK(!h.has_addresses);
	CHECK(!h.has_video);
}

TEST(mb1_header_addresses_and_video)
{
	struct mb1_header h;
	memset(img, 0, sizeof img);
	mb1(0x40, MB1_HF_ADDRESSES | MB1_HF_VIDEO_MODE, 0);
	for (int i = 0; i < 9; i++)
		w32(0x40 + 12 + 4 * (size_t)i, 0x100 + (uint32_t)i);
	CHECK_EQ(mb1_header_find(img, sizeof img, &h, err, sizeof err), 0);
	CHECK(h.has_addresses);
	CHECK_EQ(h.header_addr, 0x100);
	CHECK_EQ(h.load_addr, 0x101);
	CHECK_EQ(h.load_end_addr, 0x102);
	CHECK_EQ(h.bss_end_addr, 0x103);
	CHECK_EQ(h.entry_addr, 0x104);
	CHECK(h.has_video);
	CHECK_EQ(h.mode_type, 0x105);
	CHECK_EQ(h.depth, 0x108);
}

TEST(mb1_header_errors)
{
	struct mb1_header h;
	memset(img, 0, sizeof img);
	CHECK_EQ(mb1_header_find(img, sizeof img, &h, err, sizeof err), -1);
	CHECK_STR(err, "no Multiboot header (magic 0x1BADB002, 4-byte aligned) in the first 8192 bytes of the image");

	/* Beyond 8192 bytes does not count; misaligned does not count. */
	mb1(8192, 0, 0);
	mb1(0x102, 0, 0);
	CHECK_EQ(mb1_header_find(img, sizeof img, &h, err, sizeof err), -1);
	CHECK(strstr(err, "no Multiboot header") == err);

	/* Header straddling the 8192 limit. */
	memset(img, 0, sizeof img);
	mb1(8188, 0, 0);
	CHECK_EQ(mb1_header_find(img, sizeof img, &h, err, sizeof err), -1);

	memset(img, 0, sizeof img);
	mb1(0x20, 0, 1);
	CHECK_EQ(mb1_header_find(img, sizeof img, &h, err, sizeof err), -1);
	CHECK_STR(err, "Multiboot magic at offset 0x20 has a bad checksum (magic + flags + checksum = 0x1, must be 0)");
	mb1(0x80, 0, 0); /* a later valid one is still found */
	CHECK_EQ(mb1_header_find(img, sizeof img, &h, err, sizeof err), 0);
	CHECK_EQ(h.offset, 0x80);

	memset(img, 0, sizeof img);
	mb1(0x20, 1u << 5, 0);
	CHECK_EQ(mb1_header_find(img, sizeof img, &h, err, sizeof err), -1);
	CHECK_STR(err, "Multiboot header at offset 0x20 requires features Nestor does not provide (flag bits 0x20)");

	memset(img, 0, sizeof img);
	mb1(8192 - 16, MB1_HF_ADDRESSES, 0);
	CHECK_EQ(mb1_header_find(img, sizeof img, &h, err, sizeof err), -1);
	CHECK_STR(err, "Multiboot header at offset 0x1ff0 (flags 0x10000) needs 32 bytes but only 16 remain in the first 8192 bytes of the image");

	/* Small image: search only within it (ASan checks the bound). */
	uint8_t *small = malloc(14);
	memset(small, 0, 14);
	memcpy(small, img + 8192 - 16, 14);
	CHECK_EQ(mb1_header_find(small, 14, &h, err, sizeof err), -1);
	free(small);
}

TEST_MAIN()

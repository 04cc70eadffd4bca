/*
 * The boot-time sequence the kernel runs, end to end on the host:
 * Multiboot2 info -> normalized memory map -> reserved ranges -> a home for
 * the allocator's bitmap -> frame allocator -> guest options per module.
 * Doubles as an example of how the APIs fit together.
 */
#include "check.h"
#include "boot/mb2_info.h"
#include "hv/load/guest_opts.h"
#include "mm/frame_alloc.h"

#include <stdlib.h>

#define MIB (1ull << 20)

static uint64_t block_words[64];
static uint8_t *const block = (uint8_t *)block_words;
static size_t used = 8;

static void tag(uint32_t type, const void *payload, uint32_t len)
{
	uint32_t size = 8 + len;
	memcpy(block + used, &type, 4);
	memcpy(block + used + 4, &size, 4);
	if (len)
		memcpy(block + used + 8, payload, len);
	used = (used + size + 7) & ~(size_t)7;
}

TEST(boot_sequence)
{
	/* What GRUB would give a 64 MiB BIOS machine with one guest module. */
	tag(MB2_TAG_CMDLINE, "serial=com1", 12);
	uint8_t mod[64] = { 0 };
	uint32_t ms = 0x600000, me = 0x6080ff;
	memcpy(mod, &ms, 4);
	memcpy(mod + 4, &me, 4);
	memcpy(mod + 8, "name=hello mem=16M -- hello.elf", 32);
	tag(MB2_TAG_MODULE, mod, 40);
	uint8_t mm[8 + 3 * 24] = { 0 };
	uint32_t esz = 24;
	memcpy(mm, &esz, 4);
	uint64_t e[3][3] = { { 0, 0x9fc00, 1 }, { 0xf0000, 0x10000, 2 },
			     { MIB, 63 * MIB, 1 } };
	for (int i = 0; i < 3; i++) {
		memcpy(mm + 8 + i * 24, &e[i][0], 8);
		memcpy(mm + 8 + i * 24 + 8, &e[i][1], 8);
		uint32_t t = (uint32_t)e[i][2];
		memcpy(mm + 8 + i * 24 + 16, &t, 4);
	}
	tag(MB2_TAG_MMAP, mm, sizeof mm);
	tag(MB2_TAG_END, NULL, 0);
	uint32_t total = (uint32_t)used;
	memcpy(block, &total, 4);

	struct mb2_info info;
	char err[256];
	CHECK_EQ(mb2_parse(MB2_BOOTLOADER_MAGIC, block, sizeof block_words, &info,
			   err, sizeof err), 0);

	struct mem_range ranges[64];
	struct mem_map map;
	mem_map_init(&map, ranges, 64);
	CHECK_EQ(mb2_memory_map(&info, &map, err, sizeof err), MB2_MMAP_FROM_BIOS);

	/* Reserved: low 1 MiB, the hypervisor image, the info block, modules
	 * and (once placed) the bitmap itself. */
	struct phys_range rsv[8] = {
		{ 0, MIB },
		{ 2 * MIB, 0x345678 }, /* stand-in for [_start, _end) */
	};
	size_t n = 2;
	n += mb2_boot_ranges(&info, rsv + n, 8 - n - 1);
	CHECK_EQ(n, 4);
	uint64_t words = FRAME_ALLOC_STORAGE_WORDS(frame_alloc_top(&map));
	uint64_t where = mem_map_find_free(&map, rsv, n, words * 8, FRAME_SIZE, MIB);
	CHECK(where != UINT64_MAX);
	for (size_t i = 0; i < n; i++) /* clear of everything reserved */
		CHECK(where + words * 8 <= rsv[i].base ||
		      where >= rsv[i].base + rsv[i].size);
	rsv[n++] = (struct phys_range){ where, words * 8 };

	/* On the host the "physical" bitmap lives in malloc'ed memory. */
	uint64_t *storage = malloc(words * 8);
	struct frame_alloc fa;
	CHECK(frame_alloc_init(&fa, storage, words, &map, rsv, n) == NULL);
	uint64_t guest_ram = frame_alloc_contig(&fa, 16 * MIB / FRAME_SIZE, 2 * MIB);
	CHECK(guest_ram != FRAME_NONE);
	CHECK_EQ(guest_ram % (2 * MIB), 0);
	/* Neither the module nor the bitmap are inside guest RAM. */
	CHECK(guest_ram + 16 * MIB <= 0x600000 || guest_ram >= 0x609000);
	CHECK(guest_ram + 16 * MIB <= where || guest_ram >= where + words * 8);

	struct guest_opts g;
	CHECK_EQ(guest_opts_parse(info.modules[0].string, &g, NULL, NULL), 0);
	CHECK_STR(g.name, "hello");
	CHECK_EQ(g.mem, 16 * MIB);
	CHECK_STR(g.cmdline, "hello.elf");
	free(storage);
}

TEST_MAIN()

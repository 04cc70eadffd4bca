/* Host tests for hv/load/mb1_info.c: layout checked against Multiboot 0.6.96 3.3. */
#include "check.h"
#include "hv/load/mb1_info.h"

#include <stddef.h>

/* The spec's table, written out independently of the code under test. */
struct spec_info {
	uint32_t flags;            /* 0 */
	uint32_t mem_lower;        /* 4 */
	uint32_t mem_upper;        /* 8 */
	uint32_t boot_device;      /* 12 */
	uint32_t cmdline;          /* 16 */
	uint32_t mods_count;       /* 20 */
	uint32_t mods_addr;        /* 24 */
	uint32_t syms[4];          /* 28..40 */
	uint32_t mmap_length;      /* 44 */
	uint32_t mmap_addr;        /* 48 */
	uint32_t drives_length;    /* 52 */
	uint32_t drives_addr;      /* 56 */
	uint32_t config_table;     /* 60 */
	uint32_t boot_loader_name; /* 64 */
	uint32_t apm_table;        /* 68 */
} __attribute__((packed));

struct spec_mmap {
	uint32_t size;
	uint64_t base_addr;
	uint64_t length;
	uint32_t type;
} __attribute__((packed));

struct spec_module {
	uint32_t mod_start, mod_end, string, reserved;
} __attribute__((packed));

_Static_assert(offsetof(struct spec_info, mmap_length) == 44, "spec offset");
_Static_assert(offsetof(struct spec_info, boot_loader_name) == 64, "spec offset");
_Static_assert(sizeof(struct spec_mmap) == 24, "spec mmap entry");

#define BASE 0x9000u
static uint8_t buf[1024];
static char err[160];

/* Guest-physical address -> pointer into buf. */
static const void *at(uint32_t gpa)
{
	return buf + (gpa - BASE);
}

static const struct mb1_region regions[] = {
	{ 0, 0x9fc00, MB1_MEM_AVAILABLE },
	{ 0x9fc00, 0x400, MB1_MEM_RESERVED },
	{ 0xf0000, 0x10000, MB1_MEM_RESERVED },
	{ 0x100000, 0x1f00000, MB1_MEM_AVAILABLE },
};

TEST(full_layout_byte_for_byte)
{
	static const struct mb1_module mods[] = {
		{ 0x400000, 0x401000, "initrd.img" },
		{ 0x500000, 0x500010, NULL },
	};
	struct mb1_info_request req = {
		.cmdline = "hello.elf console=com1",
		.regions = regions, .nregions = 4,
		.modules = mods, .nmodules = 2,
	};
	size_t used = 0;
	memset(buf, 0xee, sizeof buf);
	CHECK_EQ(mb1_info_build(&req, buf, sizeof buf, BASE, &used, err, sizeof err), 0);
	CHECK_STR(err, "");

	struct spec_info info;
	memcpy(&info, buf, sizeof info);
	CHECK_EQ(info.flags, (1u << 0) | (1u << 2) | (1u << 3) | (1u << 6) | (1u << 9));
	CHECK_EQ(info.mem_lower, 0x9fc00 / 1024); /* 639 */
	CHECK_EQ(info.mem_upper, 0x1f00000 / 1024);
	CHECK_EQ(info.boot_device, 0);
	CHECK_STR((const char *)at(info.cmdline), "hello.elf console=com1");
	CHECK_STR((const char *)at(info.boot_loader_name), "Nestor");
	CHECK_EQ(info.syms[0] | info.syms[1] | info.syms[2] | info.syms[3], 0);
	CHECK_EQ(info.drives_length | info.config_table | info.apm_table, 0);

	/* mmap: mmap_addr points at the first entry's size field. */
	CHECK_EQ(info.mmap_length, 4 * 24);
	CHECK_EQ(info.mmap_addr % 4, 0);
	const uint8_t *p = at(info.mmap_addr);
	for (int i = 0; i < 4; i++) {
		struct spec_mmap e;
		memcpy(&e, p, sizeof e);
		CHECK_EQ(e.size, 20);
		CHECK_EQ(e.base_addr, regions[i].base);
		CHECK_EQ(e.length, regions[i].size);
		CHECK_EQ(e.type, regions[i].type);
		p += e.size + 4; /* how a guest walks it (spec 3.3) */
	}
	CHECK(p == (const uint8_t *)at(info.mmap_addr + info.mmap_length));

	CHECK_EQ(info.mods_count, 2);
	struct spec_module m[2];
	memcpy(m, at(info.mods_addr), sizeof m);
	CHECK_EQ(m[0].mod_start, 0x400000);
	CHECK_EQ(m[0].mod_end, 0x401000);
	CHECK_STR((const char *)at(m[0].string), "initrd.img");
	CHECK_EQ(m[0].reserved, 0);
	CHECK_EQ(m[1].mod_start, 0x500000);
	CHECK_STR((const char *)at(m[1].string), "");

	/* Everything lies inside used, the framebuffer fields (88..115) are 0. */
	CHECK(info.cmdline - BASE < used);
	CHECK_EQ(buf[used - 1], 0);
	CHECK_EQ(buf[used], 0xee);
	for (int i = 72; i < MB1_INFO_SIZE; i++)
		CHECK_EQ(buf[i], 0);
}

TEST(minimal_request)
{
	struct mb1_info_request req = { 0 };
	size_t used;
	CHECK_EQ(mb1_info_build(&req, buf, sizeof buf, BASE, &used, err, sizeof err), 0);
	struct spec_info info;
	memcpy(&info, buf, sizeof info);
	CHECK_EQ(info.flags, 1u << 9);
	CHECK_EQ(info.mods_count, 0);
	CHECK_EQ(info.cmdline, 0);
	CHECK_STR((const char *)at(info.boot_loader_name), "Nestor");
	CHECK_EQ(used, 120 + 7);
}

TEST(memory_without_low_ram_or_with_big_upper)
{
	static const struct mb1_region r[] = {
		{ 0x100000, 0x100000, MB1_MEM_AVAILABLE },
		{ 0x200000, 0x300000, MB1_MEM_AVAILABLE }, /* touching: one run */
		{ 0x600000, 0x100000, MB1_MEM_AVAILABLE }, /* after a hole */
	};
	struct mb1_info_request req = { .regions = r, .nregions = 3,
					.loader_name = "X" };
	size_t used;
	CHECK_EQ(mb1_info_build(&req, buf, sizeof buf, BASE, &used, err, sizeof err), 0);
	struct spec_info info;
	memcpy(&info, buf, sizeof info);
	CHECK_EQ(info.mem_lower, 0);
	CHECK_EQ(info.mem_upper, 0x400000 / 1024);
	CHECK_STR((const char *)at(info.boot_loader_name), "X");
}

TEST(errors)
{
	struct mb1_info_request req = { .cmdline = "x", .regions = regions, .nregions = 4 };
	size_t used;
	memset(buf, 0xee, sizeof buf);
	CHECK_EQ(mb1_info_build(&req, buf, 100, BASE, &used, err, sizeof err), -1);
	CHECK_STR(err, "multiboot info needs 0xe1 bytes but the buffer holds 0x64");
	CHECK_EQ(buf[0], 0xee); /* nothing written */
	CHECK_EQ(mb1_info_build(&req, buf, sizeof buf, BASE + 4, &used, err, sizeof err), -1);
	CHECK_STR(err, "multiboot info base 0x9004 is not 8-byte aligned");
	CHECK_EQ(mb1_info_build(&req, buf, sizeof buf, 0xffffff80u, &used, err, sizeof err), -1);
	CHECK_STR(err, "multiboot info at 0xffffff80 (0xe1 bytes) would cross 4 GiB; its pointers are 32-bit");
}

TEST_MAIN()

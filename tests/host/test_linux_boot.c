/* test_linux_boot - hv/load/linux_boot.c: the setup-header checks (each
 * refusal names its field), the kernel/initrd placement, and the zero
 * page read back the way the kernel reads it (boot.rst, zero-page.rst).
 * The header is the one Debian 12's 6.1 vmlinuz carries (LINUX.md). */
#include "tests/host/check.h"

#include "hv/lib/bytes.h"
#include "hv/load/linux_boot.h"

#define MIB (1ull << 20)
#define IMAGE_SIZE (0x5000 + 0x10000)

static uint8_t img[IMAGE_SIZE];
static char err[200];

/* A bzImage like Debian's: protocol 2.15, setup_sects 39, 64-bit entry,
 * relocatable, 2 MiB alignment, pref_address 16 MiB, init_size 64 MiB. */
static void make_image(void)
{
	memset(img, 0, sizeof(img));
	img[LINUX_HDR_SETUP_SECTS] = 39;
	wr16(img + LINUX_HDR_BOOT_FLAG, 0xaa55);
	img[LINUX_HDR_JUMP] = 0xeb;
	img[LINUX_HDR_JUMP + 1] = 0x6a; /* header ends at 0x26c */
	memcpy(img + LINUX_HDR_MAGIC, "HdrS", 4);
	wr16(img + LINUX_HDR_VERSION, 0x020f);
	img[LINUX_HDR_LOADFLAGS] = LINUX_LOADED_HIGH;
	wr32(img + LINUX_HDR_INITRD_ADDR_MAX, 0x7fffffff);
	wr32(img + LINUX_HDR_KERNEL_ALIGNMENT, 2 * MIB);
	img[LINUX_HDR_RELOCATABLE] = 1;
	wr16(img + LINUX_HDR_XLOADFLAGS, 0x7f);
	wr32(img + LINUX_HDR_CMDLINE_SIZE, 2047);
	wr64(img + LINUX_HDR_PREF_ADDRESS, 16 * MIB);
	wr32(img + LINUX_HDR_INIT_SIZE, 64 * MIB);
	img[0x268] = 0x5a; /* a byte inside the header, past init_size */
	img[0x26c] = 0xa5; /* the first byte after it: not copied */
}

static int parse(struct linux_image *li)
{
	err[0] = 0;
	return linux_image_parse(img, sizeof(img), li, err, sizeof(err));
}

TEST(debian_header_parses)
{
	make_image();
	struct linux_image li;
	CHECK_EQ(parse(&li), 0);
	CHECK_EQ(li.version, 0x020f);
	CHECK_EQ(li.kernel_offset, 0x5000);
	CHECK_EQ(li.kernel_size, IMAGE_SIZE - 0x5000);
	CHECK_EQ(li.alignment, 2 * MIB);
	CHECK(li.relocatable);
	CHECK_EQ(li.pref_address, 16 * MIB);
	CHECK_EQ(li.init_size, 64 * MIB);
	CHECK_EQ(li.cmdline_size, 2047);
	CHECK_EQ(li.initrd_addr_max, 0x7fffffff);
	CHECK_EQ(li.header_end, 0x26c);
	img[LINUX_HDR_SETUP_SECTS] = 0; /* 0 means 4 */
	CHECK_EQ(parse(&li), 0);
	CHECK_EQ(li.kernel_offset, 5 * 512);
}

/* Each broken field is refused with a sentence naming it. */
static void refused(const char *what)
{
	struct linux_image li;
	CHECK_EQ(parse(&li), -1);
	if (!strstr(err, what))
		CHECK_FAIL_AT(__FILE__, __LINE__, "'%s' not in \"%s\"", what, err);
	make_image();
}

TEST(bad_headers_are_refused_by_name)
{
	make_image();
	wr16(img + LINUX_HDR_BOOT_FLAG, 0);
	refused("0xAA55");
	img[LINUX_HDR_MAGIC] = 'X';
	refused("HdrS");
	wr16(img + LINUX_HDR_VERSION, 0x020b);
	refused("2.11");
	wr16(img + LINUX_HDR_XLOADFLAGS, 0x7e);
	refused("64-bit entry");
	img[LINUX_HDR_LOADFLAGS] = 0;
	refused("LOADED_HIGH");
	img[LINUX_HDR_SETUP_SECTS] = 0xff; /* 0x20000 > image */
	refused("setup_sects");
	wr32(img + LINUX_HDR_KERNEL_ALIGNMENT, 3 * 4096);
	refused("kernel_alignment");
	wr32(img + LINUX_HDR_INIT_SIZE, 0x1000);
	refused("init_size");
	img[LINUX_HDR_JUMP + 1] = 0x10;
	refused("0x201");
	img[LINUX_HDR_RELOCATABLE] = 0;
	wr64(img + LINUX_HDR_PREF_ADDRESS, 0x1000);
	refused("non-relocatable");
	struct linux_image li;
	CHECK_EQ(linux_image_parse(img, 0x200, &li, err, sizeof(err)), -1);
	CHECK(strstr(err, "too short") != NULL);
}

TEST(layout_prefers_pref_address_and_puts_initrd_high)
{
	make_image();
	struct linux_image li;
	struct linux_layout at;
	CHECK_EQ(parse(&li), 0);
	CHECK_EQ(linux_layout_plan(&li, MIB, 256 * MIB, 3 * MIB + 5, &at, err, sizeof(err)), 0);
	CHECK_EQ(at.kernel_gpa, 16 * MIB);
	CHECK_EQ(at.initrd_gpa, (256 * MIB - (3 * MIB + 5)) & ~4095ull);
	CHECK_EQ(linux_layout_plan(&li, MIB, 256 * MIB, 0, &at, err, sizeof(err)), 0);
	CHECK_EQ(at.initrd_gpa, 0);
	/* initrd_addr_max caps it below the end of RAM. */
	wr32(img + LINUX_HDR_INITRD_ADDR_MAX, 128 * MIB - 1);
	CHECK_EQ(parse(&li), 0);
	CHECK_EQ(linux_layout_plan(&li, MIB, 1024 * MIB, 8192, &at, err, sizeof(err)), 0);
	CHECK_EQ(at.initrd_gpa, 128 * MIB - 8192);
}

TEST(layout_relocates_or_asks_for_memory)
{
	make_image();
	struct linux_image li;
	struct linux_layout at;
	CHECK_EQ(parse(&li), 0);
	/* 16 MiB + 64 MiB does not fit in 72 MiB: relocated to 2 MiB. */
	CHECK_EQ(linux_layout_plan(&li, MIB, 72 * MIB, 0, &at, err, sizeof(err)), 0);
	CHECK_EQ(at.kernel_gpa, 2 * MIB);
	/* Too small even so: the message names the mem= that fits. */
	CHECK_EQ(linux_layout_plan(&li, MIB, 32 * MIB, 0, &at, err, sizeof(err)), -1);
	CHECK(strstr(err, "mem=66M") != NULL);
	/* The initrd's room counts: at 16 MiB it would not fit in 80 MiB. */
	CHECK_EQ(linux_layout_plan(&li, MIB, 80 * MIB, 10 * MIB, &at, err, sizeof(err)), 0);
	CHECK_EQ(at.kernel_gpa, 2 * MIB);
	CHECK_EQ(at.initrd_gpa, 70 * MIB);
	CHECK_EQ(linux_layout_plan(&li, MIB, 72 * MIB, 10 * MIB, &at, err, sizeof(err)), -1);
	CHECK(strstr(err, "mem=76M") != NULL);
	/* A non-relocatable kernel stays at pref_address or fails. */
	img[LINUX_HDR_RELOCATABLE] = 0;
	CHECK_EQ(parse(&li), 0);
	CHECK_EQ(linux_layout_plan(&li, MIB, 72 * MIB, 0, &at, err, sizeof(err)), -1);
	CHECK(strstr(err, "mem=80M") != NULL);
}

TEST(zero_page_has_header_and_loader_fields)
{
	make_image();
	struct linux_image li;
	CHECK_EQ(parse(&li), 0);
	const struct mb1_region map[3] = {
		{ 0, 0x9fc00, 1 }, { 0x9fc00, 0x60400, 2 }, { MIB, 255 * MIB, 1 },
	};
	struct linux_zero_page_request r = {
		.image = img, .li = &li, .cmdline_gpa = 0x1234a000, .cmdline_len = 2047,
		.initrd_gpa = 0x1f0000000ull, .initrd_size = 0x123456, .map = map, .nmap = 3,
		.acpi_rsdp_gpa = 0xf0040,
	};
	static uint8_t zp[LINUX_ZERO_PAGE_SIZE];
	memset(zp, 0xcc, sizeof(zp));
	CHECK_EQ(linux_zero_page_build(&r, zp, err, sizeof(err)), 0);
	CHECK(!memcmp(zp + 0x1f1, img + 0x1f1, LINUX_HDR_TYPE_OF_LOADER - 0x1f1));
	CHECK_EQ(rd16(zp + LINUX_HDR_VERSION), 0x020f);
	CHECK_EQ(zp[0x268], 0x5a);
	CHECK_EQ(zp[0x26c], 0);
	CHECK_EQ(zp[0x1ef], 0); /* the sentinel stays 0 */
	CHECK_EQ(zp[LINUX_HDR_TYPE_OF_LOADER], 0xff);
	CHECK_EQ(rd32(zp + LINUX_HDR_CMD_LINE_PTR), 0x1234a000);
	CHECK_EQ(rd32(zp + LINUX_ZP_EXT_CMD_LINE_PTR), 0);
	CHECK_EQ(rd32(zp + LINUX_HDR_RAMDISK_IMAGE), 0xf0000000u);
	CHECK_EQ(rd32(zp + LINUX_ZP_EXT_RAMDISK_IMAGE), 1);
	CHECK_EQ(rd32(zp + LINUX_HDR_RAMDISK_SIZE), 0x123456);
	CHECK_EQ(rd32(zp + LINUX_ZP_EXT_RAMDISK_SIZE), 0);
	CHECK_EQ(rd64(zp + LINUX_ZP_ACPI_RSDP_ADDR), 0xf0040);
	CHECK_EQ(zp[LINUX_ZP_E820_ENTRIES], 3);
	for (unsigned i = 0; i < 3; i++) {
		const uint8_t *e = zp + LINUX_ZP_E820_TABLE + 20 * i;
		CHECK_EQ(rd64(e), map[i].base);
		CHECK_EQ(rd64(e + 8), map[i].size);
		CHECK_EQ(rd32(e + 16), map[i].type);
	}
	CHECK_EQ(zp[LINUX_ZP_E820_TABLE + 60], 0);
	CHECK_EQ(zp[0], 0);
	CHECK_EQ(zp[LINUX_ZERO_PAGE_SIZE - 1], 0);
	/* A command line longer than cmdline_size is refused. */
	r.cmdline_len = 2048;
	CHECK_EQ(linux_zero_page_build(&r, zp, err, sizeof(err)), -1);
	CHECK(strstr(err, "cmdline_size") != NULL);
}

TEST_MAIN()

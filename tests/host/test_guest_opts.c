/* Host tests for hv/load/guest_opts.c. */
#include "check.h"
#include "hv/load/guest_opts.h"

struct errors {
	int count;
	char msg[8][CMDLINE_MESSAGE_MAX];
};

static void collect(void *ctx, const char *message)
{
	struct errors *e = ctx;
	if (e->count < 8)
		snprintf(e->msg[e->count], CMDLINE_MESSAGE_MAX, "%s", message);
	e->count++;
}

static struct guest_opts g;
static struct errors errs;

static int parse(const char *s)
{
	memset(&errs, 0, sizeof errs);
	int n = guest_opts_parse(s, &g, collect, &errs);
	CHECK_EQ(n, errs.count);
	return n;
}

TEST(full_string)
{
	CHECK_EQ(parse("name=hello kind=elf64 mem=64M vcpus=2 mode=passthrough "
		       "load=0x200000 -- hello.elf console=ttyS0 x"), 0);
	CHECK_STR(g.name, "hello");
	CHECK_EQ(g.kind, GUEST_KIND_ELF64);
	CHECK_EQ(g.mem, 64ull << 20);
	CHECK_EQ(g.vcpus, 2);
	CHECK_EQ(g.mode, GUEST_MODE_PASSTHROUGH);
	CHECK(g.has_load);
	CHECK_EQ(g.load, 0x200000);
	CHECK(!g.has_entry);
	CHECK_STR(g.cmdline, "hello.elf console=ttyS0 x");
}

TEST(defaults_and_name_from_file)
{
	CHECK_EQ(parse("-- /boot/guests/hello.elf arg"), 0);
	CHECK_STR(g.name, "hello");
	CHECK_EQ(g.kind, GUEST_KIND_MULTIBOOT);
	CHECK_EQ(g.mem, 32ull << 20);
	CHECK_EQ(g.vcpus, 1);
	CHECK_EQ(g.mode, GUEST_MODE_ISOLATED);
	CHECK_STR(g.cmdline, "/boot/guests/hello.elf arg");

	CHECK_EQ(parse(""), 0);
	CHECK_STR(g.name, "guest");
	CHECK_STR(g.cmdline, "");

	CHECK_EQ(parse("mem=8M"), 0);
	CHECK_STR(g.name, "guest");
	CHECK_STR(g.cmdline, "");
	CHECK_EQ(g.mem, 8ull << 20);

	CHECK_EQ(parse("mem=8M --"), 0);
	CHECK_STR(g.cmdline, "");
	CHECK_EQ(parse("--   kernel"), 0);
	CHECK_STR(g.cmdline, "kernel");
	CHECK_STR(g.name, "kernel");
	CHECK_EQ(parse("-- my guest+v2.tar.gz"), 0);
	CHECK_STR(g.name, "my");
	CHECK_EQ(parse("-- odd+name.bin"), 0);
	CHECK_STR(g.name, "odd_name");
	CHECK_EQ(parse("-- .hidden"), 0);
	CHECK_STR(g.name, ".hidden");
	CHECK_EQ(parse("-- averyveryveryveryverylongfilenamethatgoesonandon.elf"), 0);
	CHECK_STR(g.name, "averyveryveryveryverylongfilena");
}

TEST(wait_option)
{
	CHECK_EQ(parse("name=a"), 0);
	CHECK(g.wait);
	CHECK_EQ(parse("name=a wait=no"), 0);
	CHECK(!g.wait);
	CHECK_EQ(parse("name=a wait=yes"), 0);
	CHECK(g.wait);
	CHECK_EQ(parse("name=a wait=maybe"), 1);
}

TEST(cpus_option)
{
	CHECK_EQ(parse("name=a"), 0);
	CHECK_EQ(g.cpus, 0); /* not given: placement spreads */
	CHECK_EQ(parse("name=a cpus=1"), 0);
	CHECK_EQ(g.cpus, 2);
	CHECK_EQ(parse("name=a cpus=0-1,4"), 0);
	CHECK_EQ(g.cpus, 0x13);
	CHECK_EQ(parse("name=a cpus=2-1"), 1);
	CHECK(strstr(errs.msg[0], "option 'cpus': '2-1' is not a list of physical CPUs") != NULL);
	CHECK_EQ(parse("name=a cpus="), 1);
	CHECK_EQ(parse("name=a cpus=64"), 1);
}

/* nested= and input= are off unless asked, and take only on/off. */
TEST(nested_and_input_options)
{
	CHECK_EQ(parse("name=a"), 0);
	CHECK(!g.nested && !g.input);
	CHECK_EQ(parse("name=a nested=on input=on"), 0);
	CHECK(g.nested && g.input);
	CHECK_EQ(parse("name=a nested=off input=off"), 0);
	CHECK(!g.nested && !g.input);
	CHECK_EQ(parse("name=a nested=svm"), 1);
	CHECK_EQ(parse("name=a input=maybe"), 1);
}

TEST(device_regions)
{
	CHECK_EQ(parse("name=a rom=img@0xd0000000 romd=img2@0xD0010000 testdev=0xc0000000 "
		       "mmio_uart=0xc0001000 unbacked=0xc0002000+0x2000"), 0);
	CHECK(g.rom.set);
	CHECK_STR(g.rom.name, "img");
	CHECK_EQ(g.rom.gpa, 0xd0000000);
	CHECK_STR(g.romd.name, "img2");
	CHECK_EQ(g.romd.gpa, 0xd0010000);
	CHECK(g.testdev.set);
	CHECK_EQ(g.testdev.gpa, 0xc0000000);
	CHECK_EQ(g.testdev.size, 4096);
	CHECK_EQ(g.mmio_uart.gpa, 0xc0001000);
	CHECK_EQ(g.unbacked.gpa, 0xc0002000);
	CHECK_EQ(g.unbacked.size, 0x2000);
	CHECK_EQ(parse("name=a"), 0);
	CHECK(!g.rom.set && !g.testdev.set && !g.unbacked.set);
	/* Misaligned, missing parts, bad names. */
	CHECK_EQ(parse("rom=img@0xd0000001"), 1);
	CHECK_EQ(parse("rom=@0xd0000000"), 1);
	CHECK_EQ(parse("rom=img"), 1);
	CHECK_EQ(parse("romd=i/g@0x1000"), 1);
	CHECK_EQ(parse("testdev=0x123"), 1);
	CHECK_EQ(parse("unbacked=0x1000"), 1);
	CHECK_EQ(parse("unbacked=0x1000+0"), 1);
	CHECK_EQ(parse("unbacked=0x1000+0x10"), 1);
	CHECK_EQ(parse("kind=rom name=img"), 0);
	CHECK_EQ(g.kind, GUEST_KIND_ROM);
}

TEST(leading_image_path_is_skipped)
{
	CHECK_EQ(parse("/boot/hello.elf vcpus=2 -- hello.elf"), 0);
	CHECK_EQ(g.vcpus, 2);
	CHECK_STR(g.name, "hello");
	CHECK_EQ(parse("(hd0,gpt2)/boot/pong.bin kind=realmode entry=0x7c00"), 0);
	CHECK_STR(g.name, "pong");
	CHECK_EQ(g.kind, GUEST_KIND_REALMODE);
	CHECK_EQ(parse("/boot/x.elf -- y.elf"), 0);
	CHECK_STR(g.name, "y");
}

TEST(separator_needs_its_own_token)
{
	CHECK_EQ(parse("name=a--b -- c"), 0);
	CHECK_STR(g.name, "a--b");
	CHECK_STR(g.cmdline, "c");
	CHECK_EQ(parse("name=\"x -- y\" -- z"), 1); /* quoted: not a separator */
	CHECK_STR(g.cmdline, "z");
	CHECK_STR(errs.msg[0], "option 'name': 'x -- y' may only contain letters, digits, '.', '_' and '-'");
	CHECK_EQ(parse("--- x"), 2); /* no separator: two unknown options */
	CHECK_STR(errs.msg[0], "unknown option '---'");
}

TEST(errors_are_named_and_all_reported)
{
	CHECK_EQ(parse("mme=4M kind=pe32 vcpus=9 mode=shared -- x"), 4);
	CHECK_STR(errs.msg[0], "unknown option 'mme'");
	CHECK_STR(errs.msg[1], "option 'kind': 'pe32' is not one of multiboot|elf64|realmode|rom|linux|initrd");
	CHECK_STR(errs.msg[2], "option 'vcpus': '9' is above the maximum 8");
	CHECK_STR(errs.msg[3], "option 'mode': 'shared' is not one of isolated|passthrough");
	CHECK_STR(g.cmdline, "x");
}

TEST(memory_limits)
{
	CHECK_EQ(parse("mem=3000"), 1);
	CHECK_STR(errs.msg[0], "option 'mem': '3000' is below the minimum 1M");
	CHECK_EQ(parse("mem=1048577"), 1);
	CHECK_STR(errs.msg[0], "option 'mem': 1048577 bytes is not a multiple of 4K");
	CHECK_EQ(parse("mem=65G"), 1);
	CHECK_STR(errs.msg[0], "option 'mem': '65G' is above the maximum 64G");
	CHECK_EQ(parse("mem=64G"), 0);
	CHECK_EQ(parse("mem=1M"), 0);
	CHECK_EQ(parse("mem=0x101000"), 0);
	CHECK_EQ(parse("vcpus=0"), 1);
	CHECK_STR(errs.msg[0], "option 'vcpus': '0' is below the minimum 1");
}

TEST(linux_takes_an_initrd_by_name)
{
	CHECK_EQ(parse("kind=linux mem=256M initrd=rootfs -- vmlinuz console=ttyS0"), 0);
	CHECK_EQ(g.kind, GUEST_KIND_LINUX);
	CHECK_STR(g.initrd, "rootfs");
	CHECK_STR(g.cmdline, "vmlinuz console=ttyS0");
	CHECK_STR(guest_kind_name(g.kind), "linux");
	CHECK_EQ(parse("kind=initrd name=rootfs"), 0);
	CHECK_EQ(g.kind, GUEST_KIND_INITRD);
	CHECK_EQ(parse("kind=linux"), 0);
	CHECK_STR(g.initrd, "");
	CHECK_EQ(parse("kind=elf64 initrd=rootfs"), 1);
	CHECK_STR(errs.msg[0], "option 'initrd': only kind=linux guests take an initial ramdisk (this one is kind=elf64)");
}

TEST(realmode_needs_entry_below_1M)
{
	CHECK_EQ(parse("kind=realmode"), 1);
	CHECK_STR(errs.msg[0], "kind=realmode needs entry=ADDRESS (the real-mode start address, e.g. 0x7c00)");
	CHECK_EQ(parse("kind=realmode entry=0x7c00"), 0);
	CHECK(g.has_entry);
	CHECK_EQ(g.entry, 0x7c00);
	CHECK_EQ(parse("kind=realmode entry=0x100000"), 1);
	CHECK_STR(errs.msg[0], "option 'entry': 0x100000 is not below 1M, so kind=realmode cannot start there");
	CHECK_EQ(parse("kind=realmode entry=zz"), 2);
	CHECK_STR(errs.msg[0], "option 'entry': 'zz' is not an address (e.g. 0x7c00)");
}

TEST(addresses_inside_guest_ram)
{
	CHECK_EQ(parse("mem=2M entry=0x200000"), 1);
	CHECK_STR(errs.msg[0], "option 'entry': 0x200000 is outside the guest's 0x200000 bytes of RAM");
	CHECK_EQ(parse("mem=2M load=0x1fffff"), 0);
	CHECK_EQ(parse("mem=2M load=0x300000"), 1);
	CHECK_STR(errs.msg[0], "option 'load': 0x300000 is outside the guest's 0x200000 bytes of RAM");
}

TEST(null_string_and_null_callback)
{
	CHECK_EQ(guest_opts_parse(NULL, &g, NULL, NULL), 0);
	CHECK_STR(g.name, "guest");
	CHECK_EQ(guest_opts_parse("bogus kind=realmode", &g, NULL, NULL), 2);
}

TEST(names)
{
	CHECK_STR(guest_kind_name(GUEST_KIND_REALMODE), "realmode");
	CHECK_STR(guest_mode_name(GUEST_MODE_PASSTHROUGH), "passthrough");
	CHECK_STR(guest_kind_name((enum guest_kind)7), "unknown");
}

static void put_buf(void *ctx, char c)
{
	char **p = ctx;
	*(*p)++ = c;
	**p = '\0';
}

TEST(help)
{
	char out[2048], *p = out;
	guest_opts_print_help(put_buf, &p);
	CHECK(strstr(out, "kind=multiboot|elf64|realmode") != NULL);
	CHECK(strstr(out, "(1M..64G)") != NULL);
	CHECK(strstr(out, "-- CMDLINE") != NULL);
}

TEST_MAIN()

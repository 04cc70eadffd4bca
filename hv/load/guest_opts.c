/*
 * guest_opts.c - guest module string parser (see guest_opts.h).
 */
#include "hv/load/guest_opts.h"

#include "hv/lib/cpu_list.h"
#include "hv/lib/format.h"
#include "hv/lib/string.h"

static const char *const kind_words[] = { "multiboot", "elf64", "realmode", "rom", "linux", "initrd", NULL };
static const char *const mode_words[] = { "isolated", "passthrough", NULL };

/* Real mode reaches 0xFFFF:0xFFFF = 0x10FFEF; we start at CS:IP with
 * CS = entry >> 4, so the start must be in the first MiB. */
#define REALMODE_ENTRY_LIMIT (1ull << 20)

/* An optional address: remembers whether it was given at all. */
struct opt_addr {
	bool set;
	uint64_t value;
};

static bool parse_addr(const char *v, size_t len, void *dest)
{
	struct opt_addr *a = dest;
	uint64_t x;

	if (!cmdline_parse_uint(v, len, &x))
		return false;
	a->set = true;
	a->value = x;
	return true;
}

static bool name_char_ok(char c);

/* "NAME@0xADDR": a kind=rom module placed at a guest-physical address. */
static bool parse_rom_ref(const char *v, size_t len, void *dest)
{
	struct guest_rom_ref *r = dest;
	size_t at = 0;
	while (at < len && v[at] != '@')
		at++;
	if (at == 0 || at >= len - 1 || at >= sizeof(r->name))
		return false;
	for (size_t i = 0; i < at; i++)
		if (!name_char_ok(v[i]))
			return false;
	uint64_t addr;
	if (!cmdline_parse_uint(v + at + 1, len - at - 1, &addr) || addr % 4096)
		return false;
	memcpy(r->name, v, at);
	r->name[at] = 0;
	r->gpa = addr;
	r->set = true;
	return true;
}

/* "0xADDR+SIZE": a guest-physical range, page aligned. */
static bool parse_range(const char *v, size_t len, void *dest)
{
	struct guest_range *r = dest;
	size_t plus = 0;
	while (plus < len && v[plus] != '+')
		plus++;
	uint64_t base, size;
	if (plus == 0 || plus >= len - 1 || !cmdline_parse_uint(v, plus, &base) ||
	    !cmdline_parse_uint(v + plus + 1, len - plus - 1, &size) || base % 4096 || size % 4096 || !size ||
	    base + size < base)
		return false;
	r->gpa = base;
	r->size = size;
	r->set = true;
	return true;
}

/* A page-aligned guest-physical address for a 4 KiB device. */
static bool parse_page_addr(const char *v, size_t len, void *dest)
{
	struct guest_range *r = dest;
	uint64_t x;
	if (!cmdline_parse_uint(v, len, &x) || x % 4096)
		return false;
	r->gpa = x;
	r->size = 4096;
	r->set = true;
	return true;
}

static bool parse_cpus(const char *v, size_t len, void *dest) { return cpu_list_parse(v, len, dest); }

struct raw_opts {
	char name[GUEST_NAME_MAX];
	unsigned kind;
	unsigned mode;
	uint64_t mem;
	uint64_t vcpus;
	struct opt_addr entry;
	struct opt_addr load;
	bool wait;
	bool nested;
	bool input;
	struct guest_rom_ref rom, romd;
	struct guest_range testdev, mmio_uart, unbacked;
	uint64_t cpus;
	char initrd[GUEST_NAME_MAX];
};

enum { OPT_NAME, OPT_KIND, OPT_MEM, OPT_VCPUS, OPT_MODE, OPT_ENTRY, OPT_LOAD,
       OPT_WAIT, OPT_ROM, OPT_ROMD, OPT_TESTDEV, OPT_MMIO_UART, OPT_UNBACKED, OPT_CPUS, OPT_NESTED, OPT_INITRD, OPT_INPUT, OPT_COUNT };

/* The option table; dests point into raw (NULL for the help listing). */
static void build_table(struct cmdline_option t[OPT_COUNT], struct raw_opts *raw)
{
	t[OPT_NAME] = (struct cmdline_option){
		.name = "name", .type = CMDLINE_STRING,
		.dest = raw ? raw->name : NULL, .dest_size = GUEST_NAME_MAX,
		.help = "guest name for logs and the console (default: file name)" };
	t[OPT_KIND] = (struct cmdline_option){
		.name = "kind", .type = CMDLINE_ENUM,
		.dest = raw ? &raw->kind : NULL, .words = kind_words,
		.help = "image format (default multiboot)" };
	t[OPT_MEM] = (struct cmdline_option){
		.name = "mem", .type = CMDLINE_UINT,
		.dest = raw ? &raw->mem : NULL, .min = GUEST_MEM_MIN,
		.max = GUEST_MEM_MAX,
		.help = "guest RAM, multiple of 4K (default 32M)" };
	t[OPT_VCPUS] = (struct cmdline_option){
		.name = "vcpus", .type = CMDLINE_UINT,
		.dest = raw ? &raw->vcpus : NULL, .min = 1,
		.max = GUEST_VCPUS_MAX, .help = "virtual CPUs (default 1)" };
	t[OPT_MODE] = (struct cmdline_option){
		.name = "mode", .type = CMDLINE_ENUM,
		.dest = raw ? &raw->mode : NULL, .words = mode_words,
		.help = "device access (default isolated)" };
	t[OPT_ENTRY] = (struct cmdline_option){
		.name = "entry", .type = CMDLINE_CUSTOM,
		.dest = raw ? &raw->entry : NULL, .parse = parse_addr,
		.expect = "an address (e.g. 0x7c00)",
		.help = "start address; required for kind=realmode" };
	t[OPT_LOAD] = (struct cmdline_option){
		.name = "load", .type = CMDLINE_CUSTOM,
		.dest = raw ? &raw->load : NULL, .parse = parse_addr,
		.expect = "an address (e.g. 0x100000)",
		.help = "guest-physical load address of a raw image" };
	t[OPT_WAIT] = (struct cmdline_option){
		.name = "wait", .type = CMDLINE_BOOL,
		.dest = raw ? &raw->wait : NULL,
		.help = "wait for this VM to finish (default yes); a wait=no VM is stopped "
			"when the others are done and its status does not count" };
	t[OPT_ROM] = (struct cmdline_option){
		.name = "rom", .type = CMDLINE_CUSTOM, .dest = raw ? &raw->rom : NULL,
		.parse = parse_rom_ref, .expect = "NAME@0xADDRESS (a kind=rom module, page-aligned address)",
		.help = "read-only region: reads go to the image, writes are dropped" };
	t[OPT_ROMD] = (struct cmdline_option){
		.name = "romd", .type = CMDLINE_CUSTOM, .dest = raw ? &raw->romd : NULL,
		.parse = parse_rom_ref, .expect = "NAME@0xADDRESS (a kind=rom module, page-aligned address)",
		.help = "ROM with device: reads go to the image, writes to the test device" };
	t[OPT_TESTDEV] = (struct cmdline_option){
		.name = "testdev", .type = CMDLINE_CUSTOM, .dest = raw ? &raw->testdev : NULL,
		.parse = parse_page_addr, .expect = "a page-aligned guest-physical address",
		.help = "MMIO test device (4 KiB, see hv/guest_abi.h)" };
	t[OPT_MMIO_UART] = (struct cmdline_option){
		.name = "mmio_uart", .type = CMDLINE_CUSTOM, .dest = raw ? &raw->mmio_uart : NULL,
		.parse = parse_page_addr, .expect = "a page-aligned guest-physical address",
		.help = "the guest's 16550 UART also as MMIO at this address" };
	t[OPT_UNBACKED] = (struct cmdline_option){
		.name = "unbacked", .type = CMDLINE_CUSTOM, .dest = raw ? &raw->unbacked : NULL,
		.parse = parse_range, .expect = "0xADDRESS+SIZE, page aligned",
		.help = "nothing there: reads return all ones, writes are dropped" };
	t[OPT_CPUS] = (struct cmdline_option){
		.name = "cpus", .type = CMDLINE_CUSTOM, .dest = raw ? &raw->cpus : NULL,
		.parse = parse_cpus, .expect = "a list of physical CPUs such as 1, 0-1 or 0,2-3 (CPUs 0-63)",
		.help = "the physical CPUs this VM's vCPUs run on, dealt round-robin (default: spread "
			"over all CPUs; passthrough: the boot CPU)" };
	t[OPT_NESTED] = (struct cmdline_option){
		.name = "nested", .type = CMDLINE_BOOL,
		.dest = raw ? &raw->nested : NULL,
		.help = "the guest may be a hypervisor: it sees AMD SVM (default off; SVM hosts only)" };
	t[OPT_INITRD] = (struct cmdline_option){
		.name = "initrd", .type = CMDLINE_STRING,
		.dest = raw ? raw->initrd : NULL, .dest_size = GUEST_NAME_MAX,
		.help = "kind=linux: the kind=initrd module (by name) loaded as its initial ramdisk" };
	t[OPT_INPUT] = (struct cmdline_option){
		.name = "input", .type = CMDLINE_BOOL,
		.dest = raw ? &raw->input : NULL,
		.help = "what arrives on Nestor's serial port goes to this VM's COM1 (default off; one VM at most)" };
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * Find the " -- " separator: a token that is exactly "--", outside double
 * quotes. Returns its offset, or the string's length if there is none.
 */
static size_t find_separator(const char *s, size_t len)
{
	bool quoted = false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"')
			quoted = !quoted;
		if (quoted || s[i] != '-' || i + 1 >= len || s[i + 1] != '-')
			continue;
		bool starts = i == 0 || is_space(s[i - 1]);
		bool ends = i + 2 == len || is_space(s[i + 2]);
		if (starts && ends)
			return i;
	}
	return len;
}

static bool name_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

/*
 * Name from a file path token p[0..len): drop the directory and the last
 * extension ("/boot/hello.elf" -> "hello"), replace odd characters by '_'.
 * Returns false if nothing is left.
 */
static bool name_from_path(const char *p, size_t len, char *name)
{
	size_t start = 0, end = len;
	for (size_t i = 0; i < len; i++)
		if (p[i] == '/' || p[i] == ')')
			start = i + 1;
	for (size_t i = end; i > start + 1; i--) {
		if (p[i - 1] == '.') {
			end = i - 1;
			break;
		}
	}
	if (end <= start)
		return false;
	if (end - start > GUEST_NAME_MAX - 1)
		end = start + GUEST_NAME_MAX - 1;
	for (size_t i = start; i < end; i++)
		name[i - start] = name_char_ok(p[i]) ? p[i] : '_';
	name[end - start] = '\0';
	return true;
}

static size_t token_len(const char *p)
{
	size_t n = 0;
	while (p[n] && !is_space(p[n]))
		n++;
	return n;
}

static int report(cmdline_error_fn on_error, void *ctx, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int report(cmdline_error_fn on_error, void *ctx, const char *fmt, ...)
{
	char msg[CMDLINE_MESSAGE_MAX];
	va_list ap;

	if (on_error) {
		va_start(ap, fmt);
		fmt_vsnprintf(msg, sizeof msg, fmt, ap);
		va_end(ap);
		on_error(ctx, msg);
	}
	return 1;
}

int guest_opts_parse(const char *s, struct guest_opts *out,
		     cmdline_error_fn on_error, void *ctx)
{
	struct raw_opts raw = {
		.kind = GUEST_KIND_MULTIBOOT,
		.mode = GUEST_MODE_ISOLATED,
		.mem = GUEST_MEM_DEFAULT,
		.vcpus = 1,
		.wait = true,
	};
	struct cmdline_option table[OPT_COUNT];
	int errors = 0;

	if (!s)
		s = "";
	size_t len = strlen(s);
	size_t sep = find_separator(s, len);

	/* Guest command line: after "--" and the blanks that follow it. */
	const char *guest_cmdline = s + len;
	if (sep < len) {
		guest_cmdline = s + sep + 2;
		while (is_space(*guest_cmdline))
			guest_cmdline++;
	}

	/* Options: before the separator, minus a leading image path. */
	const char *opts = cmdline_skip_image_name(s);
	const char *image = NULL;
	size_t image_len = 0;
	if (opts != s) {
		image = s;
		while (is_space(*image))
			image++;
		image_len = token_len(image);
	}
	if (opts > s + sep)
		opts = s + sep;

	build_table(table, &raw);
	errors += cmdline_parse(opts, (size_t)(s + sep - opts), table, OPT_COUNT,
				on_error, ctx);

	memset(out, 0, sizeof *out);
	out->kind = (enum guest_kind)raw.kind;
	out->mode = (enum guest_mode)raw.mode;
	out->mem = raw.mem;
	out->vcpus = (uint32_t)raw.vcpus;
	out->has_entry = raw.entry.set;
	out->entry = raw.entry.value;
	out->has_load = raw.load.set;
	out->load = raw.load.value;
	out->cmdline = guest_cmdline;
	out->wait = raw.wait;
	out->nested = raw.nested;
	out->input = raw.input;
	out->rom = raw.rom;
	out->romd = raw.romd;
	out->testdev = raw.testdev;
	out->mmio_uart = raw.mmio_uart;
	out->unbacked = raw.unbacked;
	out->cpus = raw.cpus;
	memcpy(out->initrd, raw.initrd, sizeof out->initrd);

	if (raw.name[0]) {
		for (const char *p = raw.name; *p; p++) {
			if (!name_char_ok(*p)) {
				errors += report(on_error, ctx,
						 "option 'name': '%s' may only contain "
						 "letters, digits, '.', '_' and '-'",
						 raw.name);
				break;
			}
		}
		memcpy(out->name, raw.name, sizeof out->name);
	} else if (!(*guest_cmdline &&
		     name_from_path(guest_cmdline, token_len(guest_cmdline),
				    out->name)) &&
		   !(image && name_from_path(image, image_len, out->name))) {
		memcpy(out->name, "guest", sizeof "guest");
	}

	/* Whole pages only: guest RAM is mapped with 4 KiB (or larger) EPT/NPT
	 * pages. Reject rather than round so the guest gets what was asked. */
	if (raw.mem % 4096)
		errors += report(on_error, ctx,
				 "option 'mem': %llu bytes is not a multiple of 4K",
				 (unsigned long long)raw.mem);
	if (out->kind == GUEST_KIND_REALMODE) {
		if (!out->has_entry)
			errors += report(on_error, ctx,
					 "kind=realmode needs entry=ADDRESS (the "
					 "real-mode start address, e.g. 0x7c00)");
		else if (out->entry >= REALMODE_ENTRY_LIMIT)
			errors += report(on_error, ctx,
					 "option 'entry': 0x%llx is not below 1M, "
					 "so kind=realmode cannot start there",
					 (unsigned long long)out->entry);
	}
	if (out->initrd[0] && out->kind != GUEST_KIND_LINUX)
		errors += report(on_error, ctx,
				 "option 'initrd': only kind=linux guests take an "
				 "initial ramdisk (this one is kind=%s)",
				 guest_kind_name(out->kind));
	if (out->has_entry && out->entry >= out->mem)
		errors += report(on_error, ctx,
				 "option 'entry': 0x%llx is outside the guest's "
				 "0x%llx bytes of RAM",
				 (unsigned long long)out->entry,
				 (unsigned long long)out->mem);
	if (out->has_load && out->load >= out->mem)
		errors += report(on_error, ctx,
				 "option 'load': 0x%llx is outside the guest's "
				 "0x%llx bytes of RAM",
				 (unsigned long long)out->load,
				 (unsigned long long)out->mem);
	return errors;
}

const char *guest_kind_name(enum guest_kind kind)
{
	return (unsigned)kind < GUEST_KIND_COUNT ? kind_words[kind] : "unknown";
}

const char *guest_mode_name(enum guest_mode mode)
{
	return (unsigned)mode < 2 ? mode_words[mode] : "unknown";
}

void guest_opts_print_help(void (*put)(void *ctx, char c), void *ctx)
{
	struct cmdline_option table[OPT_COUNT];

	build_table(table, NULL);
	cmdline_print_help(table, OPT_COUNT, put, ctx);
	fmt_format(put, ctx, "  -- CMDLINE  (last) the guest's own command line\n");
}

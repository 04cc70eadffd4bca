/*
 * start.c - from the assembly entry to guest_main and back out: checks
 * the loader's magic, installs the IDT, frames the run with the
 * "NAME: start" / "NAME: ok" lines, and ends the VM through port 0xf4.
 */
#include "guest.h"

__attribute__((noreturn)) void guest_start(uint32_t magic, const struct mb_info *mbi);

static const char *cmdline = "";

void guest_exit(uint8_t status)
{
	guest_console_drain();
	outb(GUEST_DEBUG_EXIT_PORT, status);
	/* Still here: no debug-exit device. Nothing else may run. */
	halt_forever();
}

void guest_start(uint32_t magic, const struct mb_info *mbi)
{
	/* Exceptions first, so even a fault while printing is reported. */
	guest_idt_init();
	guest_console_init();
	guest_say("start");
	if (magic != MULTIBOOT_LOADER_MAGIC) {
		guest_fail("entered with EAX=0x%08x, not the multiboot magic 0x%08x",
			   (unsigned)magic, (unsigned)MULTIBOOT_LOADER_MAGIC);
		guest_exit(GUEST_EXIT_BADBOOT);
	}
	if ((mbi->flags & MB_INFO_CMDLINE) && mbi->cmdline)
		cmdline = (const char *)(uintptr_t)mbi->cmdline;

	int status = guest_main(mbi);
	uint8_t code = GUEST_EXIT_OK;

	if (status == 0 && guest_failures() == 0) {
		guest_say("ok");
	} else {
		if (guest_failures() == 0)
			guest_fail("exit status %d", status);
		code = status ? (uint8_t)status : GUEST_EXIT_FAIL;
	}
	/* Any guest can leave through HC_EXIT instead of port 0xf4, so a
	 * test can cover both ways out (falls back to the port without
	 * Nestor). */
	if (cmdline_has("exit", "hypercall")) {
		guest_say("exiting with HC_EXIT %u", code);
		nestor_exit(code);
	}
	guest_exit(code);
}

const char *guest_cmdline(void)
{
	return cmdline;
}

/* Compare the word at s (ending at a space or NUL) with w. */
static bool word_is(const char *s, size_t len, const char *w)
{
	return strlen(w) == len && memcmp(s, w, len) == 0;
}

static bool cmdline_find(const char *key, const char *word)
{
	const char *s = cmdline;
	size_t klen = key ? strlen(key) : 0;

	while (*s) {
		while (*s == ' ' || *s == '\t')
			s++;
		const char *start = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
		size_t len = (size_t)(s - start);
		if (len == 0)
			break;
		if (word_is(start, len, word))
			return true;
		if (key && len > klen + 1 && memcmp(start, key, klen) == 0 &&
		    start[klen] == '=' &&
		    word_is(start + klen + 1, len - klen - 1, word))
			return true;
	}
	return false;
}

bool cmdline_has_word(const char *word)
{
	return cmdline_find(NULL, word);
}

bool cmdline_has(const char *key, const char *word)
{
	return cmdline_find(key, word);
}

bool cmdline_get_u32(const char *key, uint32_t *value)
{
	const char *s = cmdline;
	size_t klen = strlen(key);

	while (*s) {
		while (*s == ' ' || *s == '\t')
			s++;
		const char *start = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
		if (s == start)
			break;
		if ((size_t)(s - start) <= klen + 1 || memcmp(start, key, klen) != 0 ||
		    start[klen] != '=')
			continue;
		const char *n = start + klen + 1;
		uint32_t v = 0, base = 10;
		if (n[0] == '0' && (n[1] == 'x' || n[1] == 'X')) {
			base = 16;
			n += 2;
		}
		for (; n < s; n++) {
			uint32_t d;
			if (*n >= '0' && *n <= '9')
				d = (uint32_t)(*n - '0');
			else if (base == 16 && *n >= 'a' && *n <= 'f')
				d = (uint32_t)(*n - 'a' + 10);
			else if (base == 16 && *n >= 'A' && *n <= 'F')
				d = (uint32_t)(*n - 'A' + 10);
			else
				break;
			v = v * base + d;
		}
		*value = v;
		return true;
	}
	return false;
}

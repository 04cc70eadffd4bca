/*
 * rom_unsupported - a write to ROM with an instruction Nestor's emulator
 * does not perform (INC, FF /0). Nestor must stop this VM with an
 * internal-error report ("cannot emulate this write to ROM"); the
 * instruction must not complete, be skipped or loop.
 *
 * Modules: build/guests/rom.img kind=rom name=romimg, then
 *   build/guests/rom_unsupported.elf name=romu rom=romimg@0xD0000000
 *       -- rom_unsupported.elf rom=0xD0000000
 * Lines: "rom_unsupported: writing to ROM with INC" and nothing after it
 * from the guest. If the INC returns: "rom_unsupported: FAIL: unsupported
 * ROM write returned (dword now 0x...)" and exit 1. Without Nestor (or
 * without rom=) it skips the write and exits 0.
 */
#include "lib/guest.h"

const char guest_name[] = "rom_unsupported";

int guest_main(const struct mb_info *mbi)
{
	(void)mbi;
	uint32_t rom = 0;
	cmdline_get_u32("rom", &rom);
	if (!nestor_present() || !rom) {
		guest_skip("writing to ROM with INC (no ROM at 0x%08x)", (unsigned)rom);
		return 0;
	}
	volatile uint32_t *p = (volatile uint32_t *)(uintptr_t)rom;
	uint32_t before = *p;
	guest_say("writing to ROM with INC");
	guest_console_drain();
	/* FF /0: inc dword [eax] */
	__asm__ volatile("incl (%0)" : : "r"(p) : "memory", "cc");
	guest_fail("unsupported ROM write returned (dword now 0x%08x, was 0x%08x)", (unsigned)*p,
		   (unsigned)before);
	return 1;
}

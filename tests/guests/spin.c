/*
 * spin - a CPU hog. Runs beside another guest to show the time slice
 * works: the other VM must still finish although this one never yields,
 * halts or exits. The counter is volatile so the loop really executes
 * instructions (and takes timer exits) rather than being a bare jmp $.
 */
#include "lib/guest.h"

const char guest_name[] = "spin";

int guest_main(const struct mb_info *mbi)
{
	(void)mbi;
	static volatile uint32_t counter;

	/* "sti": spin with EFLAGS.IF=1. A host interrupt must end the slice
	 * either way; Bochs's SVM model only forces the INTR exit when the
	 * guest's IF=1 (tests/integration/cases/timeslice.case). */
	if (cmdline_has_word("sti")) {
		__asm__ volatile("sti");
		guest_say("spinning forever with interrupts enabled");
	} else {
		guest_say("spinning forever");
	}
	for (;;)
		counter++;
}

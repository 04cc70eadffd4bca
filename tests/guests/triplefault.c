/*
 * triplefault - ends itself with a triple fault: with an IDT of limit 0,
 * int3 finds no gate (#GP), the #GP finds no gate (#DF), and the #DF
 * finds none either: shutdown (Intel SDM vol. 3A, 6.15, "Interrupt 8").
 * Nestor must stop just this VM and report it. On bare QEMU with
 * -no-reboot the emulator exits with status 0.
 */
#include "lib/guest.h"

const char guest_name[] = "triplefault";

int guest_main(const struct mb_info *mbi)
{
	(void)mbi;
	struct {
		uint16_t limit;
		uint32_t base;
	} __attribute__((packed)) empty = { 0, 0 };

	guest_say("loading an empty IDT and executing int3");
	__asm__ volatile("lidt %0\n\tint3" : : "m"(empty) : "memory");
	/* Only reached if the CPU (or hypervisor) delivered int3 anyway. */
	guest_fail("int3 with an empty IDT returned");
	return 1;
}

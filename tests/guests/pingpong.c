/*
 * pingpong - two VMs in one run take turns on one CPU. Each prints
 * "ping N" (or "pong N") for N = 1..5 and yields (HC_YIELD) after each
 * line, so with a round-robin scheduler the lines interleave. The role
 * comes from the multiboot command line: a word "ping" or "pong", or
 * "role=ping" / "role=pong".
 */
#include "lib/guest.h"

const char guest_name[] = "pingpong";

#define ROUNDS 5

int guest_main(const struct mb_info *mbi)
{
	(void)mbi;
	const char *role;

	if (cmdline_has("role", "ping"))
		role = "ping";
	else if (cmdline_has("role", "pong"))
		role = "pong";
	else {
		guest_fail("no role on the command line \"%s\" (want ping or pong)",
			   guest_cmdline());
		return 1;
	}
	bool nestor = nestor_present();
	guest_say("role %s, nestor present: %s", role, nestor ? "yes" : "no");

	for (int n = 1; n <= ROUNDS; n++) {
		guest_printf("%s %d\n", role, n);
		long rc = nestor_yield();
		if (rc != 0)
			guest_fail("HC_YIELD returned %ld after %s %d", rc, role, n);
	}
	return 0;
}

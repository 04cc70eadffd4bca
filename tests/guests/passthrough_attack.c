/*
 * passthrough_attack - a passthrough-mode guest (guest-physical =
 * host-physical except Nestor's own memory) trying to touch Nestor. The
 * multiboot memory map Nestor gives it marks Nestor's memory reserved;
 * we take every reserved range that starts at or above 1 MiB (and below
 * 4 GiB: paging is off) and access its first bytes. Nestor does not map
 * those pages, so the first access must end in an EPT violation / #NPF
 * and Nestor must stop this VM with a report. If an access returns, the
 * VM was not stopped: that is the failure this guest exists to catch.
 *
 * Command line words:
 *   write       write first, then read (default: read, then write)
 *   addr=0xN    attack only this physical address
 *   force       attack even without Nestor (on bare QEMU the accesses
 *               simply succeed; by default we list the targets and skip)
 */
#include "lib/guest.h"

const char guest_name[] = "attack";

#define MAX_TARGETS 32
#define ONE_MIB 0x100000ull
#define FOUR_GIB 0x100000000ull
#define ATTACK_PATTERN 0x4154544bu /* "KTTA": recognisable in a dump */

static uint32_t targets[MAX_TARGETS];
static unsigned ntargets;

/* "addr=0x1234" anywhere on the command line; false if absent or bad. */
static bool cmdline_addr(uint32_t *out)
{
	const char *s = guest_cmdline();

	for (; *s; s++) {
		if ((s == guest_cmdline() || s[-1] == ' ') &&
		    strncmp(s, "addr=0x", 7) == 0) {
			uint64_t v = 0;
			int digits = 0;
			for (s += 7; *s && *s != ' '; s++, digits++) {
				char c = *s;
				int d = c >= '0' && c <= '9' ? c - '0' :
					c >= 'a' && c <= 'f' ? c - 'a' + 10 :
					c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
				if (d < 0 || digits >= 8)
					return false;
				v = v << 4 | (unsigned)d;
			}
			if (digits == 0)
				return false;
			*out = (uint32_t)v;
			return true;
		}
	}
	return false;
}

static void add_target(uint32_t a)
{
	/* Keep address order: the lowest reserved range is where a
	 * hypervisor loaded above 1 MiB lives, and the first access should
	 * be the one that gets us stopped. */
	if (ntargets == MAX_TARGETS)
		return;
	unsigned i = ntargets++;
	while (i > 0 && targets[i - 1] > a) {
		targets[i] = targets[i - 1];
		i--;
	}
	targets[i] = a;
}

static void find_targets(const struct mb_info *mbi)
{
	if (!(mbi->flags & MB_INFO_MMAP)) {
		guest_say("no memory map (flags bit 6 clear)");
		return;
	}
	uint32_t addr = mbi->mmap_addr, end = addr + mbi->mmap_length;
	while (addr < end) {
		const struct mb_mmap_entry *e =
			(const struct mb_mmap_entry *)(uintptr_t)addr;
		addr += e->size + 4;
		if (e->type != MB_MMAP_RESERVED || e->base < ONE_MIB || e->length == 0)
			continue;
		if (e->base >= FOUR_GIB) {
			guest_say("skipping reserved 0x%llx length 0x%llx (above 4 GiB, unreachable with paging off)",
				  (unsigned long long)e->base,
				  (unsigned long long)e->length);
			continue;
		}
		guest_say("target 0x%08x (reserved, length 0x%llx)",
			  (unsigned)e->base, (unsigned long long)e->length);
		add_target((uint32_t)e->base);
	}
}

static void attack_read(uint32_t a)
{
	guest_say("reading 0x%08x", (unsigned)a);
	uint32_t v = *(volatile uint32_t *)(uintptr_t)a;
	guest_say("read 0x%08x returned 0x%08x", (unsigned)a, (unsigned)v);
}

static void attack_write(uint32_t a)
{
	guest_say("writing 0x%08x", (unsigned)a);
	*(volatile uint32_t *)(uintptr_t)a = ATTACK_PATTERN;
	guest_say("write 0x%08x returned", (unsigned)a);
}

int guest_main(const struct mb_info *mbi)
{
	bool write_first = cmdline_has("mode", "write");
	bool nestor = nestor_present();
	uint32_t a;

	guest_say("mode %s, nestor present: %s", write_first ? "write" : "read",
		  nestor ? "yes" : "no");
	if (cmdline_addr(&a)) {
		guest_say("target 0x%08x (from the command line)", (unsigned)a);
		add_target(a);
	} else {
		find_targets(mbi);
	}
	if (ntargets == 0) {
		guest_fail("no reserved range at or above 1 MiB below 4 GiB in the memory map");
		return 1;
	}
	if (!nestor && !cmdline_has_word("force")) {
		guest_skip("attacking %u reserved ranges (add \"force\" to attack anyway)",
			   ntargets);
		return 0;
	}
	for (unsigned i = 0; i < ntargets; i++) {
		if (write_first) {
			attack_write(targets[i]);
			attack_read(targets[i]);
		} else {
			attack_read(targets[i]);
			attack_write(targets[i]);
		}
	}
	/* Still running: nothing stopped us. */
	guest_fail("%s returned", write_first ? "write" : "read");
	return 1;
}

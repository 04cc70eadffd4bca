/*
 * large_pages - memory across the TDP tables' large-page boundaries,
 * while Nestor changes permissions underneath (HC_SET_PERM).
 *
 * Run with mem=64M (or more). Nestor maps the VM's RAM with the largest
 * TDP pages that fit (2 MiB here; 1 GiB needs a bigger VM); making one
 * 4 KiB page read-only splits its 2 MiB page into 4 KiB entries, making it
 * writable again must merge it back (the table count returns to what it
 * was). Paging is off, so a linear address is the guest-physical one.
 *
 * With the word "violate" it ends by writing to a page it made read-only:
 * Nestor must stop the VM with a report (the test checks it).
 */
#include "lib/guest.h"
#include "hv/guest_abi.h"

const char guest_name[] = "large_pages";

#define MIB (1u << 20)
#define PERM_R 1u
#define PERM_W 2u
#define PERM_X 4u

static uint8_t pattern(uint32_t addr) { return (uint8_t)((addr * 2654435761u) >> 24); }

/* Around each 2 MiB boundary from 4 MiB up: write bytes [b-16, b+16), then
 * read every dword in that window (some straddle the boundary) and compare
 * with the pattern. Returns the number of wrong dwords. */
static unsigned touch_boundaries(uint32_t top, bool write)
{
	unsigned bad = 0;
	for (uint32_t b = 4 * MIB; b < top; b += 2 * MIB) {
		if (write)
			for (uint32_t a = b - 16; a < b + 16; a++)
				*(volatile uint8_t *)(uintptr_t)a = pattern(a);
		for (uint32_t a = b - 16; a + 4 <= b + 16; a++) {
			uint32_t want = pattern(a) | (uint32_t)pattern(a + 1) << 8 | (uint32_t)pattern(a + 2) << 16 |
					(uint32_t)pattern(a + 3) << 24;
			if (*(volatile uint32_t *)(uintptr_t)a != want)
				bad++;
		}
	}
	return bad;
}

int guest_main(const struct mb_info *mbi)
{
	if (!nestor_present()) {
		guest_say("skipped (no Nestor): needs HC_SET_PERM");
		guest_exit(0);
	}
	uint32_t top = (uint32_t)(mbi->mem_upper + 1024) * 1024u;
	guest_check(top >= 64 * MIB, "at least 64 MiB of RAM (have %u MiB)", top / MIB);
	if (top > 256 * MIB)
		top = 256 * MIB;
	unsigned bad = touch_boundaries(top, true);
	guest_check(bad == 0, "writes and reads across %u 2 MiB boundaries (%u wrong)", (top - 4 * MIB) / (2 * MIB),
		    bad);

	long before = nestor_hypercall(HC_SET_PERM, 8 * MIB, 0x1000, PERM_R | PERM_W | PERM_X);
	guest_check(before > 0, "HC_SET_PERM leaves RAM as it was: %ld TDP table pages", before);
	long split = nestor_hypercall(HC_SET_PERM, 8 * MIB + 0x1000, 0x1000, PERM_R);
	guest_check(split > before, "making one 4 KiB page read-only splits its 2 MiB page (%ld -> %ld tables)", before,
		    split);
	/* Reads of the read-only page and across its edges still work. */
	volatile uint32_t *edge = (volatile uint32_t *)(uintptr_t)(8 * MIB + 0x1000 - 2);
	uint32_t v = *edge;
	(void)v;
	volatile uint32_t *ro = (volatile uint32_t *)(uintptr_t)(8 * MIB + 0x1800);
	uint32_t seen = *ro;
	guest_check(true, "read of the read-only page works (0x%08x)", seen);
	/* Its neighbours stay writable. */
	volatile uint32_t *next = (volatile uint32_t *)(uintptr_t)(8 * MIB + 0x2000);
	*next = 0x12345678;
	guest_check(*next == 0x12345678, "the next 4 KiB page is still writable");
	long merged = nestor_hypercall(HC_SET_PERM, 8 * MIB + 0x1000, 0x1000, PERM_R | PERM_W | PERM_X);
	guest_check(merged == before, "making it writable again merges the 2 MiB page (%ld tables, was %ld)", merged,
		    before);
	*ro = 0xcafef00d;
	guest_check(*ro == 0xcafef00d, "the page is writable again");
	long bad_call = nestor_hypercall(HC_SET_PERM, 8 * MIB + 1, 0x1000, PERM_R);
	guest_check(bad_call == NESTOR_EINVAL, "an unaligned HC_SET_PERM is refused (%ld)", bad_call);
	bad = touch_boundaries(top, false);
	guest_check(bad == 0, "memory unchanged after the permission changes (%u wrong)", bad);

	if (cmdline_has_word("violate")) {
		nestor_hypercall(HC_SET_PERM, 16 * MIB, 0x1000, PERM_R);
		guest_say("writing to a page made read-only at 0x%08x", 16 * MIB);
		*(volatile uint32_t *)(uintptr_t)(16 * MIB + 0x10) = 1;
		guest_fail("the write to a read-only page returned");
	}
	guest_say("%d checks failed", guest_failures());
	return guest_failures() ? 1 : 0;
}

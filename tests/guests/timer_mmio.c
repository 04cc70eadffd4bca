/*
 * timer_mmio - local APIC timer interrupts interleaved with emulated
 * accesses: the timer runs periodic at 1 kHz (SDM 3A 11.5.4) while the
 * guest, IF=1, loops over the MMIO test device (every access an exit
 * Nestor's emulator performs) and ROM/ROMD writes (exits, dropped or
 * logged), reading ROM in between (no exits). The handler touches the
 * device too (one scratch read) so emulation happens in both contexts.
 *
 *  - every access gives the right value (scratch write/read-back, an ADD
 *    on the device and its flags, ROM and ROMD bytes unchanged after the
 *    writes, the handler's scratch word);
 *  - the device's access counter equals the accesses made, so none was
 *    performed twice (e.g. re-executed after an injection) or lost;
 *  - interrupts keep coming: each tenth of the window has some;
 *  - none lost or doubled: the handler count against the timer's periods
 *    between the first and the last interrupt (TSC at entry; period =
 *    count * TSC kHz / bus kHz, CPUID 0x40000010), within tol= periods
 *    (default 1; on QEMU, whose TSC follows a loaded host's wall clock, a
 *    percentage pct= instead), and never more than the periods + 1.
 *
 * Command line: dev=, rom=, romd= (addresses), ms= (window, default 300).
 */
#include "lib/guest.h"

const char guest_name[] = "timer_mmio";

#define V_TIMER 0x40
#define R_EOI 0xb0
#define R_SVR 0xf0
#define R_LVT_TIMER 0x320
#define R_TIMER_ICR 0x380
#define R_TIMER_DCR 0x3e0
#define ROM_SIZE 0x2000
#define HANDLER_WORD 0x7f0 /* the scratch dword the handler reads */
#define HANDLER_MAGIC 0x600dcafeu

static volatile uint32_t *const apic = (volatile uint32_t *)0xfee00000u;
static uint32_t dev, rom, romd;
static uint32_t period_tsc;

static volatile uint32_t hits, handler_bad;
static uint32_t rom_bad_at[2], rom_bad_val[2], romd_bad_at[2], romd_bad_val[2];
static volatile uint64_t first_tsc, last_tsc;
#define SLOTS 10
static volatile uint32_t slot_hits[SLOTS];
static uint64_t win_start, slot_len;

static volatile uint32_t *d32(uint32_t off) { return (volatile uint32_t *)(uintptr_t)(dev + off); }
static uint8_t image_byte(uint32_t i) { return (uint8_t)(i * 7 + 3); }
static uint32_t image_dword(uint32_t i)
{
	return image_byte(i) | (uint32_t)image_byte(i + 1) << 8 | (uint32_t)image_byte(i + 2) << 16 |
	       (uint32_t)image_byte(i + 3) << 24;
}

__attribute__((used)) static void on_timer(void)
{
	uint64_t t = rdtsc();
	if (!hits)
		first_tsc = t;
	last_tsc = t;
	hits++;
	uint64_t s = (t - win_start) / slot_len;
	if (s < SLOTS)
		slot_hits[s]++;
	if (*d32(HANDLER_WORD) != HANDLER_MAGIC)
		handler_bad++;
	apic[R_EOI / 4] = 0;
}
GUEST_INTR_STUB(timer_stub, on_timer);

int guest_main(const struct mb_info *mbi)
{
	(void)mbi;
	if (!nestor_present() || !cmdline_get_u32("dev", &dev) || !cmdline_get_u32("rom", &rom) ||
	    !cmdline_get_u32("romd", &romd)) {
		guest_skip("needs Nestor with testdev=, rom=, romd= (dev=, rom=, romd= on the command line)");
		return 0;
	}
	uint32_t ms = 300, tol = 1, pct = 0;
	cmdline_get_u32("ms", &ms);
	cmdline_get_u32("tol", &tol);
	cmdline_get_u32("pct", &pct);
	struct cpuid_regs t = cpuid(NESTOR_CPUID_TIMING, 0);
	uint32_t tsc_khz = t.eax, bus_khz = t.ebx;
	if (!guest_check(tsc_khz && bus_khz, "CPUID 0x40000010: TSC %u kHz, APIC bus %u kHz", tsc_khz, bus_khz))
		return 0;
	guest_idt_init();
	guest_set_intr_gate(V_TIMER, timer_stub);

	*d32(HANDLER_WORD) = HANDLER_MAGIC;
	*d32(TESTDEV_COUNTER) = 0; /* counts from here: this write is not counted */
	uint32_t accesses = 0;     /* device accesses of the main loop */

	/* 1 kHz: bus_khz counts at divide-by-1 last 1 ms, tsc_khz ticks. */
	period_tsc = tsc_khz;
	uint64_t len = (uint64_t)tsc_khz * ms;
	slot_len = len / SLOTS;
	apic[R_SVR / 4] = 0x1ff;
	apic[R_TIMER_DCR / 4] = 0xb;
	apic[R_LVT_TIMER / 4] = (1u << 17) | V_TIMER;
	win_start = rdtsc();
	apic[R_TIMER_ICR / 4] = bus_khz;

	uint32_t loops = 0, bad_scratch = 0, bad_add = 0, bad_rom = 0, bad_romd = 0;
	__asm__ volatile("sti");
	while (rdtsc() - win_start < len) {
		uint32_t k = loops++;
		uint32_t off = (k * 4) % HANDLER_WORD, want = k * 0x9e3779b9u;
		/* Scratch: write, read back (2 accesses). */
		*d32(off) = want;
		bad_scratch += *d32(off) != want;
		/* ADD on the device (read + write: 2 accesses) and its flags. */
		uint32_t addend = ~want + 1, flags;
		__asm__ volatile("addl %2, (%1)\n\tpushfl\n\tpopl %0"
				 : "=r"(flags)
				 : "r"(d32(off)), "r"(addend)
				 : "memory", "cc");
		bad_add += *d32(off) != 0 || !(flags & 0x40); /* result 0: ZF (+1 access) */
		accesses += 5;
		/* ROM: a write is dropped (no device access); reads come from
		 * the image without an exit. */
		uint32_t ro = (k * 36) % (ROM_SIZE - 4);
		if (ro >= 0xf8 && ro < 0x108)
			ro += 0x10; /* the image's code at 0x100 (rom_image.asm) */
		*(volatile uint32_t *)(uintptr_t)(rom + ro) = ~image_dword(ro);
		uint32_t got = *(volatile uint32_t *)(uintptr_t)(rom + ro);
		if (got != image_dword(ro) && bad_rom++ < 2) {
			rom_bad_at[bad_rom - 1] = ro;
			rom_bad_val[bad_rom - 1] = got;
		}
		/* ROMD: the write goes to the device's log (one access). */
		*(volatile uint8_t *)(uintptr_t)(romd + ro) = (uint8_t)k;
		uint8_t gotd = *(volatile uint8_t *)(uintptr_t)(romd + ro);
		if (gotd != image_byte(ro) && bad_romd++ < 2) {
			romd_bad_at[bad_romd - 1] = ro;
			romd_bad_val[bad_romd - 1] = gotd;
		}
		accesses += 1;
	}
	__asm__ volatile("cli");
	apic[R_LVT_TIMER / 4] = 1u << 16;
	uint32_t n = hits, counted = *d32(TESTDEV_COUNTER);
	uint32_t want_counted = accesses + n; /* + one handler read per interrupt */

	guest_say("%u loops in %u ms: %u timer interrupts", loops, ms, n);
	guest_check(bad_scratch == 0 && bad_add == 0, "device scratch: %u write/read-backs and ADDs, %u and %u wrong",
		    loops, bad_scratch, bad_add);
	guest_check(bad_rom == 0 && bad_romd == 0, "ROM and ROMD: %u dropped writes each, %u and %u bytes changed", loops,
		    bad_rom, bad_romd);
	for (unsigned i = 0; i < 2 && i < bad_rom; i++)
		guest_say("ROM at +0x%x read 0x%x, image 0x%x (now 0x%x)", rom_bad_at[i], rom_bad_val[i],
			  image_dword(rom_bad_at[i]), *(volatile uint32_t *)(uintptr_t)(rom + rom_bad_at[i]));
	for (unsigned i = 0; i < 2 && i < bad_romd; i++)
		guest_say("ROMD at +0x%x read 0x%x, image 0x%x (now 0x%x)", romd_bad_at[i], romd_bad_val[i],
			  image_byte(romd_bad_at[i]), *(volatile uint8_t *)(uintptr_t)(romd + romd_bad_at[i]));
	guest_check(handler_bad == 0, "the handler's device read right in %u of %u interrupts", n - handler_bad, n);
	guest_check(counted == want_counted, "device access counter %u = %u loop accesses + %u handler reads", counted,
		    accesses, n);
	unsigned empty = 0;
	for (unsigned s = 0; s < SLOTS; s++)
		empty += slot_hits[s] == 0;
	guest_check(empty == 0, "interrupts in every tenth of the window (%u empty; first tenth %u, last %u)", empty,
		    slot_hits[0], slot_hits[SLOTS - 1]);
	/* Periods between the first and the last interrupt, plus the first. */
	uint32_t periods = (uint32_t)((last_tsc - first_tsc + period_tsc / 2) / period_tsc) + 1;
	bool ok = n <= periods + 1;
	if (pct)
		ok &= n * 100ull >= (uint64_t)periods * pct;
	else
		ok &= n + tol >= periods;
	guest_check(ok, "%u interrupts for %u timer periods from the first to the last (%s %u%s)", n, periods,
		    pct ? "at least" : "within", pct ? pct : tol, pct ? "%" : "");
	guest_say("%d checks failed", guest_failures());
	return 0;
}

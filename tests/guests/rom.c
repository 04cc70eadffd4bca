/*
 * rom - ROM and ROMD regions (guest_abi.h): reads and instruction fetches
 * go straight to the image (no exit: the test device's access counter does
 * not move), writes are dropped (ROM) or land in the test device's write
 * log with the ROMD bit (ROMD), and the image never changes.
 *
 * Modules (build/guests/rom.img first):
 *   build/guests/rom.img   kind=rom name=romimg
 *   build/guests/rom.elf   name=rom rom=romimg@0xD0000000 romd=romimg@0xD0010000
 *                          testdev=0xC0000000 -- rom.elf rom=0xD0000000
 *                          romd=0xD0010000 dev=0xC0000000
 * rom.img (rom_image.asm): 8 KiB, byte i = (i*7+3) & 0xff, except
 * "mov eax, 0x12345678; ret" at 0x100.
 *
 * Without Nestor (or without rom=/romd=/dev=) a RAM copy of the pattern
 * stands in for both regions: reads and the call run, the checks only
 * Nestor can pass print "skipped (no Nestor)".
 */
#include "lib/guest.h"

const char guest_name[] = "rom";

#define ROM_SIZE 8192
#define ROM_CODE 0x100
#define ROM_CODE_VALUE 0x12345678u

static const uint8_t rom_code[6] = { 0xb8, 0x78, 0x56, 0x34, 0x12, 0xc3 };
static uint8_t fake_rom[ROM_SIZE] __attribute__((aligned(4096)));
static uint8_t ram_src[64];

static bool nestor; /* real ROM, ROMD and test device */

static uint8_t pattern(uint32_t i)
{
	if (i >= ROM_CODE && i < ROM_CODE + sizeof(rom_code))
		return rom_code[i - ROM_CODE];
	return (uint8_t)(i * 7 + 3);
}

static uint32_t pattern_n(uint32_t off, unsigned size)
{
	uint32_t v = 0;
	for (unsigned i = 0; i < size; i++)
		v |= (uint32_t)pattern(off + i) << (8 * i);
	return v;
}

static uint32_t rd(volatile uint8_t *p, unsigned size)
{
	switch (size) {
	case 1: return *p;
	case 2: return *(volatile uint16_t *)p;
	default: return *(volatile uint32_t *)p;
	}
}

static void wr(volatile uint8_t *p, unsigned size, uint32_t v)
{
	switch (size) {
	case 1: *p = (uint8_t)v; break;
	case 2: *(volatile uint16_t *)p = (uint16_t)v; break;
	default: *(volatile uint32_t *)p = v; break;
	}
}

/* Mismatches between the region and the pattern, read with size. */
static unsigned compare_all(volatile uint8_t *base, unsigned size, uint32_t *first_bad)
{
	unsigned bad = 0;
	*first_bad = 0xffffffff;
	for (uint32_t off = 0; off + size <= ROM_SIZE; off += size) {
		if (rd(base + off, size) != pattern_n(off, size)) {
			if (!bad)
				*first_bad = off;
			bad++;
		}
	}
	return bad;
}

static uint32_t dev_counter(volatile uint8_t *dev)
{
	return *(volatile uint32_t *)(dev + TESTDEV_COUNTER);
}

static void dev_reset_counter(volatile uint8_t *dev)
{
	*(volatile uint32_t *)(dev + TESTDEV_COUNTER) = 0;
}

static void check_reads(const char *what, volatile uint8_t *base, volatile uint8_t *dev)
{
	static const unsigned sizes[3] = { 1, 2, 4 };
	/* Unaligned, and across the 4 KiB page boundary inside the image. */
	static const uint32_t odd[] = { 1, 3, 0xfff, 0xffe, 0xffd, 0x1001, 0x1ffc };
	unsigned bad[3], bad_odd = 0;
	uint32_t first[3];

	if (nestor)
		dev_reset_counter(dev);
	uint64_t t0 = rdtsc();
	for (unsigned k = 0; k < 3; k++)
		bad[k] = compare_all(base, sizes[k], &first[k]);
	uint64_t t1 = rdtsc();
	for (unsigned i = 0; i < sizeof(odd) / sizeof(odd[0]); i++)
		for (unsigned k = 0; k < 3; k++)
			if (odd[i] + sizes[k] <= ROM_SIZE &&
			    rd(base + odd[i], sizes[k]) != pattern_n(odd[i], sizes[k]))
				bad_odd++;
	uint32_t n = nestor ? dev_counter(dev) : 0;

	for (unsigned k = 0; k < 3; k++)
		guest_check(bad[k] == 0, "%s: %u-byte reads of all 8 KiB match the image (%u wrong, first at 0x%x)",
			    what, sizes[k], bad[k], bad[k] ? (unsigned)first[k] : 0u);
	guest_check(bad_odd == 0, "%s: unaligned reads and reads across the page boundary match (%u wrong)", what,
		    bad_odd);
	guest_check_nestor(nestor, n == 0,
			   "%s: reading 8 KiB three times took no device access (counter %u, want 0)", what,
			   (unsigned)n);
	guest_say("%s: %u reads took %llu TSC ticks", what, (unsigned)(ROM_SIZE + ROM_SIZE / 2 + ROM_SIZE / 4),
		  (unsigned long long)(t1 - t0));
}

static void check_reads_quiet(volatile uint8_t *base)
{
	uint64_t t0 = rdtsc();
	uint32_t first;
	unsigned bad = compare_all(base, 1, &first) + compare_all(base, 2, &first) + compare_all(base, 4, &first);
	uint64_t t1 = rdtsc();
	guest_say("RAM: %u reads took %llu TSC ticks (%u wrong)", (unsigned)(ROM_SIZE + ROM_SIZE / 2 + ROM_SIZE / 4),
		  (unsigned long long)(t1 - t0), bad);
}

static void check_call(const char *what, volatile uint8_t *base, volatile uint8_t *dev)
{
	uint32_t eax;
	if (nestor)
		dev_reset_counter(dev);
	__asm__ volatile("call *%1" : "=a"(eax) : "r"(base + ROM_CODE) : "ecx", "edx", "memory", "cc");
	uint32_t n = nestor ? dev_counter(dev) : 0;
	guest_check(eax == ROM_CODE_VALUE, "%s: call 0x%08x (code in the image) returns 0x%08x (want 0x%08x)",
		    what, (unsigned)(uintptr_t)(base + ROM_CODE), (unsigned)eax, ROM_CODE_VALUE);
	guest_check_nestor(nestor, n == 0, "%s: the call took no device access (counter %u)", what, (unsigned)n);
}

/* Writes of every supported kind to the ROM: each returns, nothing
 * changes, nothing reaches the test device. */
static void check_rom_writes(volatile uint8_t *rom, volatile uint8_t *dev)
{
	if (!nestor) {
		guest_skip("ROM: mov writes of 1, 2, 4 bytes are dropped");
		guest_skip("ROM: mov imm, add, or, xchg, bts, rep stosd, rep movsb writes are dropped");
		guest_skip("ROM: writes do not reach the test device's write log");
		guest_skip("ROM: image unchanged after the writes");
		return;
	}
	*(volatile uint32_t *)(dev + TESTDEV_LOG_COUNT) = 0;
	static const struct { uint32_t off; unsigned size; } w[] = {
		{ 0x000, 1 }, { 0x001, 1 }, { 0x102, 2 }, { 0x0ff, 2 }, { 0x104, 4 }, { 0xffe, 4 }, { 0x1ffc, 4 },
	};
	unsigned bad = 0;
	for (unsigned i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
		wr(rom + w[i].off, w[i].size, 0xa5a5a5a5u ^ i);
		if (rd(rom + w[i].off, w[i].size) != pattern_n(w[i].off, w[i].size)) {
			if (!bad)
				guest_fail("ROM: %u-byte write at 0x%x changed it to 0x%x (want 0x%x)", w[i].size,
					   (unsigned)w[i].off, (unsigned)rd(rom + w[i].off, w[i].size),
					   (unsigned)pattern_n(w[i].off, w[i].size));
			bad++;
		}
	}
	guest_check(bad == 0, "ROM: mov writes of 1, 2, 4 bytes are dropped (%u of 7 changed)", bad);

	/* Other instructions the emulator supports; each must return. */
	uint32_t x = 0xffffffff, cf;
	__asm__ volatile("movb $0x5a, 0x10(%0)\n\tmovw $0x5a5a, 0x20(%0)\n\tmovl $0x5a5a5a5a, 0x30(%0)"
			 : : "r"(rom) : "memory");
	__asm__ volatile("addl $0x01010101, 0x40(%0)\n\torb $0xff, 0x50(%0)" : : "r"(rom) : "memory", "cc");
	__asm__ volatile("xchgl %0, 0x60(%1)" : "+r"(x) : "r"(rom) : "memory");
	bool xchg_ok = x == pattern_n(0x60, 4);
	__asm__ volatile("btsl $0, 0x70(%1)\n\tsetc %b0\n\tmovzbl %b0, %0" : "=q"(cf) : "r"(rom) : "memory", "cc");
	bool bts_ok = cf == (pattern(0x70) & 1);
	uint32_t di = (uint32_t)(uintptr_t)(rom + 0x200), cx = 16, si;
	__asm__ volatile("rep stosl" : "+D"(di), "+c"(cx) : "a"(0x77777777u) : "memory");
	bool stos_ok = cx == 0 && di == (uint32_t)(uintptr_t)(rom + 0x240);
	for (unsigned i = 0; i < sizeof(ram_src); i++)
		ram_src[i] = 0xee;
	di = (uint32_t)(uintptr_t)(rom + 0x1f00);
	si = (uint32_t)(uintptr_t)ram_src;
	cx = sizeof(ram_src);
	__asm__ volatile("rep movsb" : "+D"(di), "+S"(si), "+c"(cx) : : "memory");
	bool movs_ok = cx == 0 && di == (uint32_t)(uintptr_t)(rom + 0x1f40);
	guest_check(xchg_ok && bts_ok && stos_ok && movs_ok,
		    "ROM: mov imm, add, or, xchg, bts, rep stosd, rep movsb writes are dropped (xchg got 0x%08x want 0x%08x, bts CF %u want %u, stos %s, movs %s)",
		    (unsigned)x, (unsigned)pattern_n(0x60, 4), (unsigned)cf, (unsigned)(pattern(0x70) & 1),
		    stos_ok ? "done" : "registers wrong", movs_ok ? "done" : "registers wrong");
	uint32_t n = *(volatile uint32_t *)(dev + TESTDEV_LOG_COUNT);
	guest_check(n == 0, "ROM: writes do not reach the test device's write log (log count %u)", (unsigned)n);
	uint32_t first;
	bad = compare_all(rom, 4, &first);
	guest_check(bad == 0, "ROM: image unchanged after the writes (%u dwords differ, first at 0x%x)", bad,
		    bad ? (unsigned)first : 0u);
}

/* ROMD: writes go to the test device's write log with the ROMD bit. */
static void check_romd_writes(volatile uint8_t *romd, volatile uint8_t *dev)
{
	static const struct { uint32_t off; unsigned size; uint32_t val; } w[] = {
		{ 0x234, 1, 0x11 }, { 0x1346, 2, 0x2222 }, { 0x1ffc, 4, 0x33333333 }, { 0xffd, 2, 0x4444 },
	};
	if (!nestor) {
		for (unsigned i = 0; i < sizeof(w) / sizeof(w[0]); i++)
			guest_skip("ROMD: %u-byte write of 0x%x at 0x%x: last access and write log", w[i].size,
				   (unsigned)w[i].val, (unsigned)w[i].off);
		guest_skip("ROMD: 4-byte write of 0x55555555 at 0xffe (across pages): logged whole or as 2+2 bytes");
		guest_skip("ROMD: add dword [romd+0x40], 0x01010101 logs the image value + 0x01010101");
		guest_skip("ROMD: rep stosd of 4 dwords logs 4 writes");
		guest_skip("ROMD: image unchanged after the writes");
		return;
	}
	volatile uint32_t *logc = (volatile uint32_t *)(dev + TESTDEV_LOG_COUNT);
	volatile uint32_t *last = (volatile uint32_t *)(dev + TESTDEV_LAST);
	*logc = 0;
	uint32_t want_count = 0;
	for (unsigned i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
		wr(romd + w[i].off, w[i].size, w[i].val);
		uint32_t l = *last; /* the write just made */
		uint32_t n = *logc;
		uint32_t v = *(volatile uint32_t *)(dev + TESTDEV_LOG + 8 * want_count);
		uint32_t want_last = w[i].size | TESTDEV_LAST_WRITE | TESTDEV_LAST_ROMD | ((w[i].off & 0xfff) << 16);
		want_count++;
		uint32_t back = rd(romd + w[i].off, w[i].size);
		guest_check(l == want_last && n == want_count && v == w[i].val && back == pattern_n(w[i].off, w[i].size),
			    "ROMD: %u-byte write of 0x%x at 0x%x: last access 0x%08x (want 0x%08x), log count %u (want %u), logged value 0x%x, reads back 0x%x (image 0x%x)",
			    w[i].size, (unsigned)w[i].val, (unsigned)w[i].off, (unsigned)l, (unsigned)want_last,
			    (unsigned)n, (unsigned)want_count, (unsigned)v, (unsigned)back,
			    (unsigned)pattern_n(w[i].off, w[i].size));
	}
	/* Across the 4 KiB boundary inside the region: the CPU splits such an
	 * access into one per page, and so may Nestor; either way the bytes
	 * must all be logged once. */
	wr(romd + 0xffe, 4, 0x55555555);
	uint32_t n2 = *logc;
	uint32_t e0 = *(volatile uint32_t *)(dev + TESTDEV_LOG + 8 * want_count);
	uint32_t e1 = *(volatile uint32_t *)(dev + TESTDEV_LOG + 8 * (want_count + 1));
	uint32_t back = rd(romd + 0xffe, 4);
	bool one = n2 == want_count + 1 && e0 == 0x55555555;
	bool two = n2 == want_count + 2 && e0 == 0x5555 && e1 == 0x5555;
	guest_check((one || two) && back == pattern_n(0xffe, 4),
		    "ROMD: 4-byte write of 0x55555555 at 0xffe (across pages): logged whole or as 2+2 bytes (%u entries: 0x%x 0x%x; reads back 0x%x, image 0x%x)",
		    (unsigned)(n2 - want_count), (unsigned)e0, (unsigned)(n2 - want_count > 1 ? e1 : 0),
		    (unsigned)back, (unsigned)pattern_n(0xffe, 4));
	want_count = n2;
	__asm__ volatile("addl $0x01010101, 0x40(%0)" : : "r"(romd) : "memory", "cc");
	uint32_t l = *last, n = *logc, v = *(volatile uint32_t *)(dev + TESTDEV_LOG + 8 * want_count);
	want_count++;
	uint32_t want_v = pattern_n(0x40, 4) + 0x01010101u;
	guest_check(v == want_v && n == want_count && l == (4 | TESTDEV_LAST_WRITE | TESTDEV_LAST_ROMD | (0x40u << 16)),
		    "ROMD: add dword [romd+0x40], 0x01010101 logs the image value + 0x01010101 (logged 0x%08x want 0x%08x, count %u, last 0x%08x)",
		    (unsigned)v, (unsigned)want_v, (unsigned)n, (unsigned)l);
	uint32_t di = (uint32_t)(uintptr_t)(romd + 0x800), cx = 4;
	__asm__ volatile("rep stosl" : "+D"(di), "+c"(cx) : "a"(0x55667788u) : "memory");
	n = *logc;
	unsigned badv = 0;
	for (unsigned i = 0; i < 4; i++)
		if (*(volatile uint32_t *)(dev + TESTDEV_LOG + 8 * (want_count + i)) != 0x55667788u)
			badv++;
	want_count += 4;
	guest_check(n == want_count && badv == 0 && cx == 0,
		    "ROMD: rep stosd of 4 dwords logs 4 writes (log count %u want %u, %u values wrong)", (unsigned)n,
		    (unsigned)want_count, badv);
	uint32_t first;
	unsigned bad = compare_all(romd, 4, &first);
	guest_check(bad == 0, "ROMD: image unchanged after the writes (%u dwords differ, first at 0x%x)", bad,
		    bad ? (unsigned)first : 0u);
}

int guest_main(const struct mb_info *mbi)
{
	(void)mbi;
	uint32_t rom = 0, romd = 0, dev = 0;
	bool present = nestor_present();

	cmdline_get_u32("rom", &rom);
	cmdline_get_u32("romd", &romd);
	if (!cmdline_get_u32("dev", &dev))
		cmdline_get_u32("testdev", &dev);
	nestor = present && rom && romd && dev;
	if (!nestor) {
		for (uint32_t i = 0; i < ROM_SIZE; i++)
			fake_rom[i] = pattern(i);
		rom = romd = (uint32_t)(uintptr_t)fake_rom;
	}
	guest_say("nestor present: %s, rom 0x%08x, romd 0x%08x, test device 0x%08x%s", present ? "yes" : "no",
		  (unsigned)rom, (unsigned)romd, (unsigned)dev, nestor ? "" : " (a RAM copy of the image)");
	volatile uint8_t *r = (volatile uint8_t *)(uintptr_t)rom, *rd_ = (volatile uint8_t *)(uintptr_t)romd;
	volatile uint8_t *d = (volatile uint8_t *)(uintptr_t)dev;

	/* The same reads from RAM, for comparing the TSC lines (information
	 * only: the TSC of an emulator follows wall time). */
	if (nestor)
		for (uint32_t i = 0; i < ROM_SIZE; i++)
			fake_rom[i] = pattern(i);
	bool was = nestor;
	nestor = false;
	check_reads_quiet(fake_rom);
	nestor = was;
	check_reads("ROM", r, d);
	check_reads("ROMD", rd_, d);
	check_call("ROM", r, d);
	check_call("ROMD", rd_, d);
	check_rom_writes(r, d);
	check_romd_writes(rd_, d);
	check_call("ROM after the writes", r, d);
	guest_say("%d checks failed", guest_failures());
	return 0;
}

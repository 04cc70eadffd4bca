/*
 * tsc.c - host TSC calibration (see tsc.h). Written once by the boot CPU
 * before any other CPU starts; read-only afterwards.
 */
#include "hv/host/tsc.h"
#include "drivers/console.h"
#include "hv/x86/asm.h"

#define PIT_HZ 1193182ull
#define PIT_CH2 0x42
#define PIT_MODE 0x43
#define PORT_61 0x61

static uint64_t host_tsc_hz = 2000000000ull;

uint64_t tsc_hz(void) { return host_tsc_hz; }

static bool tsc_said_stable;

void tsc_set_stable(bool stable) { tsc_said_stable = stable; }

bool host_tsc_stable(void)
{
	static int invariant = -1;
	if (invariant < 0)
		invariant = cpuid(0x80000000, 0).eax >= 0x80000007 && ((cpuid(0x80000007, 0).edx >> 8) & 1);
	return invariant || tsc_said_stable;
}

/* a * b / c with a 128-bit intermediate (MUL, then DIV of RDX:RAX);
 * saturates instead of raising #DE when the quotient needs more than 64
 * bits. No libgcc in the kernel, so no __int128 division. */
static uint64_t mul_div(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t lo, hi, q, r;
	__asm__("mulq %3" : "=a"(lo), "=d"(hi) : "a"(a), "rm"(b) : "cc");
	if (hi >= c)
		return ~0ull;
	__asm__("divq %4" : "=a"(q), "=d"(r) : "a"(lo), "d"(hi), "rm"(c) : "cc");
	(void)r;
	return q;
}

uint64_t tsc_to_crystal(uint64_t t) { return mul_div(t, GUEST_CRYSTAL_HZ, host_tsc_hz); }
uint64_t crystal_to_tsc(uint64_t c) { return mul_div(c, host_tsc_hz, GUEST_CRYSTAL_HZ); }
uint64_t tsc_to_clock(uint64_t t, uint64_t hz) { return mul_div(t, hz, host_tsc_hz); }
uint64_t clock_to_tsc(uint64_t c, uint64_t hz) { return mul_div(c, host_tsc_hz, hz); }

/* CPUID 0x15 (SDM 2A CPUID): TSC = ECX * EBX / EAX when all are given. */
static uint64_t from_cpuid(void)
{
	if (cpuid(0, 0).eax < 0x15)
		return 0;
	struct cpuid_regs r = cpuid(0x15, 0);
	if (!r.eax || !r.ebx || !r.ecx)
		return 0;
	return mul_div(r.ecx, r.ebx, r.eax);
}

/* PIT channel 2 in mode 0 with the gate on: OUT2 (port 0x61 bit 5) goes
 * high when the count reaches 0 (8254 data sheet; what Linux's
 * pit_calibrate_tsc does). */
static uint64_t from_pit(void)
{
	const uint64_t ms = 50, count = PIT_HZ * ms / 1000;
	outb(PORT_61, (uint8_t)((inb(PORT_61) & ~0x02) | 0x01)); /* gate on, speaker off */
	outb(PIT_MODE, 0xb0);                                   /* ch 2, lo/hi, mode 0, binary */
	outb(PIT_CH2, (uint8_t)count);
	outb(PIT_CH2, (uint8_t)(count >> 8));
	uint64_t t0 = rdtsc(), t1 = t0;
	unsigned long spins = 0;
	while (!(inb(PORT_61) & 0x20)) {
		t1 = rdtsc();
		if (++spins > 200000000ul)
			return 0; /* no PIT */
	}
	return mul_div(t1 - t0, 1000, ms);
}

void tsc_calibrate(void)
{
	uint64_t hz = from_cpuid();
	const char *how = "CPUID 0x15";
	if (!hz) {
		hz = from_pit();
		how = "PIT channel 2";
	}
	if (!hz) {
		log_warn("tsc", "could not measure the TSC (no CPUID 0x15, no PIT): assuming %llu MHz",
			 (unsigned long long)(host_tsc_hz / 1000000));
		return;
	}
	host_tsc_hz = hz;
	log_info("tsc", "host TSC %llu.%03llu MHz (from %s)", (unsigned long long)(hz / 1000000),
		 (unsigned long long)(hz / 1000 % 1000), how);
}

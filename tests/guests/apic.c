/*
 * apic - the local APIC of vCPU 0 as the SDM (Vol 3A chapter 11) defines
 * it: CPUID bits, IA32_APIC_BASE and its transitions, the xAPIC page, the
 * firmware (virtual-wire) start state, self-IPIs with priorities (TPR,
 * PPR, ISR, EOI), the timer in one-shot, periodic and TSC-deadline modes
 * (it ends HLT, comes no earlier than the count says, the current count
 * falls), ESR, and x2APIC through MSRs.
 *
 * Command line: late=TICKS also checks that the one-shot and deadline
 * interrupts came no later than that (platforms whose TSC counts
 * instructions: Bochs).
 *
 * Timer rates: CPUID 0x40000010 EBX (bus kHz) is the rate the APIC timer
 * counts before its divider on Nestor, EAX the TSC rate; so a count of N
 * with divide-by-1 lasts N * tsc_khz / bus_khz TSC ticks at least.
 */
#include "lib/guest.h"
#include "hv/guest_abi.h"

const char guest_name[] = "apic";

#define MSR_APIC_BASE 0x1b
#define MSR_TSC_DEADLINE 0x6e0
#define APIC_BASE_BSP (1u << 8)
#define APIC_BASE_EXTD (1u << 10)
#define APIC_BASE_EN (1u << 11)

#define R_ID 0x20
#define R_VER 0x30
#define R_TPR 0x80
#define R_PPR 0xa0
#define R_EOI 0xb0
#define R_LDR 0xd0
#define R_SVR 0xf0
#define R_ISR 0x100
#define R_IRR 0x200
#define R_ESR 0x280
#define R_ICR_LO 0x300
#define R_ICR_HI 0x310
#define R_LVT_TIMER 0x320
#define R_LVT_LINT0 0x350
#define R_LVT_LINT1 0x360
#define R_TIMER_ICR 0x380
#define R_TIMER_CCR 0x390
#define R_TIMER_DCR 0x3e0

#define ICR_SELF (1u << 18)
#define LVT_MASKED (1u << 16)
#define LVT_PERIODIC (1u << 17)
#define LVT_DEADLINE (2u << 17)

#define V_LOW 0x41
#define V_HIGH 0x81
#define V_TIMER 0x50
#define V_X2 0x62
#define V_ERROR 0x53
#define R_LVT_ERROR 0x370

static volatile uint32_t *apic = (volatile uint32_t *)0xfee00000u;
static uint32_t rd(uint32_t off) { return apic[off / 4]; }
static void wr(uint32_t off, uint32_t v) { apic[off / 4] = v; }
static bool vec_bit(uint32_t base, unsigned v) { return (rd(base + (v / 32) * 0x10) >> (v % 32)) & 1; }

/* What each handler saw: order of arrival, ISR at entry, TSC at entry. */
static volatile unsigned order[8], norder;
static volatile bool isr_seen_low, isr_seen_high;
static volatile uint32_t timer_hits;
static volatile uint64_t timer_tsc;
static volatile bool eoi_in_handler = true;

static void eoi(void) { wr(R_EOI, 0); }

__attribute__((used)) static void on_low(void)
{
	isr_seen_low = vec_bit(R_ISR, V_LOW);
	if (norder < 8)
		order[norder++] = V_LOW;
	eoi();
}
__attribute__((used)) static void on_high(void)
{
	isr_seen_high = vec_bit(R_ISR, V_HIGH);
	if (norder < 8)
		order[norder++] = V_HIGH;
	eoi();
}
__attribute__((used)) static void on_timer(void)
{
	timer_tsc = rdtsc();
	timer_hits++;
	if (eoi_in_handler)
		eoi();
}
static volatile uint32_t x2_hits, error_hits;
__attribute__((used)) static void on_error(void)
{
	error_hits++;
	eoi();
}
GUEST_INTR_STUB(error_stub, on_error);
__attribute__((used)) static void on_x2(void)
{
	x2_hits++;
	wrmsr(0x80b, 0); /* x2APIC EOI */
}
GUEST_INTR_STUB(low_stub, on_low);
GUEST_INTR_STUB(high_stub, on_high);
GUEST_INTR_STUB(timer_stub, on_timer);
GUEST_INTR_STUB(x2_stub, on_x2);

static void sti_hlt(void) { __asm__ volatile("sti; hlt; cli" ::: "memory"); }
static void sti_nop(void) { __asm__ volatile("sti; nop; nop; cli" ::: "memory"); }

static void self_ipi(uint8_t vector) { wr(R_ICR_LO, ICR_SELF | vector); }

static void check_cpuid(bool nestor)
{
	struct cpuid_regs l1 = cpuid(1, 0);
	guest_check((l1.edx >> 9) & 1, "CPUID.1:EDX.APIC[9] set");
	guest_check_nestor(nestor, (l1.ecx >> 21) & 1, "CPUID.1:ECX.x2APIC[21] set");
	guest_check_nestor(nestor, (l1.ecx >> 24) & 1, "CPUID.1:ECX.TSC-deadline[24] set");
	guest_check_nestor(nestor, (cpuid(6, 0).eax >> 2) & 1, "CPUID.6:EAX.ARAT[2] set");
	guest_check((l1.ebx >> 24) == 0, "CPUID.1:EBX initial APIC ID 0");
}

static void check_start_state(bool nestor)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);
	guest_check(base == (0xfee00000u | APIC_BASE_EN | APIC_BASE_BSP), "IA32_APIC_BASE 0x%llx (0xfee00000, EN, BSP)",
		    (unsigned long long)base);
	guest_check(rd(R_ID) >> 24 == 0, "APIC ID 0 (ID register 0x%x)", rd(R_ID));
	uint32_t ver = rd(R_VER);
	guest_check((ver & 0xff) >= 0x10 && (ver & 0xff) <= 0x15 && ((ver >> 16) & 0xff) >= 5,
		    "version register 0x%x: integrated APIC, %u LVT entries", ver, ((ver >> 16) & 0xff) + 1);
	guest_check_nestor(nestor, rd(R_SVR) == 0x1ff && rd(R_LVT_LINT0) == 0x700 && rd(R_LVT_LINT1) == 0x400,
			   "firmware virtual-wire state: SVR 0x%x, LINT0 0x%x, LINT1 0x%x", rd(R_SVR),
			   rd(R_LVT_LINT0), rd(R_LVT_LINT1));
	guest_check(rd(R_LVT_TIMER) & LVT_MASKED, "timer LVT masked at start (0x%x)", rd(R_LVT_TIMER));
}

static void check_priorities(bool nestor)
{
	wr(R_SVR, 0x1ff);
	/* Held with IF=0: the IRR shows it. */
	self_ipi(V_LOW);
	guest_check(vec_bit(R_IRR, V_LOW) && norder == 0, "self-IPI 0x%x pending in IRR while IF=0", V_LOW);
	/* TPR 0x50 holds class 4 (SDM 3A 11.8.3.1). */
	wr(R_TPR, 0x50);
	guest_check(rd(R_PPR) == 0x50, "PPR = TPR 0x50 with nothing in service (PPR 0x%x)", rd(R_PPR));
	sti_nop();
	guest_check(norder == 0, "TPR 0x50 holds vector 0x%x (%u delivered)", V_LOW, norder);
	wr(R_TPR, 0);
	sti_nop();
	guest_check(norder == 1 && order[0] == V_LOW, "TPR 0 lets it through (%u delivered)", norder);
	guest_check(isr_seen_low, "ISR bit set while its handler runs");
	guest_check(!vec_bit(R_ISR, V_LOW) && !vec_bit(R_IRR, V_LOW), "EOI cleared ISR, IRR clear");

	/* Two pending: the higher class first (11.8.3). */
	norder = 0;
	self_ipi(V_LOW);
	self_ipi(V_HIGH);
	sti_nop();
	guest_check(norder == 2 && order[0] == V_HIGH && order[1] == V_LOW,
		    "0x%x delivered before 0x%x (order 0x%x 0x%x)", V_HIGH, V_LOW, order[0], order[1]);
	guest_check(isr_seen_high, "ISR bit of 0x%x set in its handler", V_HIGH);

	/* An illegal vector is not sent, ESR says why and the error LVT
	 * interrupts (11.5.3). */
	wr(R_ESR, 0);
	wr(R_LVT_ERROR, V_ERROR);
	self_ipi(3);
	sti_nop();
	wr(R_LVT_ERROR, LVT_MASKED | V_ERROR);
	wr(R_ESR, 0);
	guest_check(rd(R_ESR) & (1u << 5), "fixed self-IPI of vector 3: ESR send-illegal-vector (ESR 0x%x)", rd(R_ESR));
	guest_check_nestor(nestor, error_hits == 1, "the LVT Error interrupt came once (%u)", error_hits);
	wr(R_ESR, 0);
	wr(R_ESR, 0);
	guest_check(rd(R_ESR) == 0, "ESR clear after two writes");
}

static uint64_t ticks_per_count(void)
{
	struct cpuid_regs t = cpuid(NESTOR_CPUID_TIMING, 0);
	return t.ebx ? (uint64_t)t.eax * 1000 / t.ebx : 0; /* TSC ticks per 1000 APIC ticks */
}

static void check_timer(bool nestor)
{
	uint64_t per1000 = ticks_per_count();
	guest_check_nestor(nestor, per1000 > 0, "CPUID 0x40000010: TSC %u kHz, APIC bus %u kHz",
			   cpuid(NESTOR_CPUID_TIMING, 0).eax, cpuid(NESTOR_CPUID_TIMING, 0).ebx);
	const uint32_t count = 250000; /* 10 ms at 25 MHz */
	wr(R_TIMER_DCR, 0xb);         /* divide by 1 */
	wr(R_LVT_TIMER, V_TIMER);     /* one-shot */
	timer_hits = 0;
	uint64_t t0 = rdtsc();
	wr(R_TIMER_ICR, count);
	uint32_t c1 = rd(R_TIMER_CCR), c2 = rd(R_TIMER_CCR);
	guest_check(c1 <= count && c2 <= c1 && c1 > 0, "one-shot: current count falls (%u, then %u, of %u)", c1, c2, count);
	while (!timer_hits)
		sti_hlt();
	uint64_t dt = timer_tsc - t0;
	uint64_t want = count * per1000 / 1000;
	guest_check(timer_hits == 1, "one-shot timer ended HLT (%u interrupt)", timer_hits);
	guest_check_nestor(nestor, dt >= want, "not before the count ran out (%llu TSC ticks, count needs %llu)",
			   (unsigned long long)dt, (unsigned long long)want);
	guest_check(rd(R_TIMER_CCR) == 0, "current count 0 after expiry");
	uint32_t late;
	bool check_late = cmdline_get_u32("late", &late);
	if (check_late)
		guest_check(dt < want + late, "the one-shot interrupt came at most %u TSC ticks late (%llu)", late,
			    (unsigned long long)(dt - want));
	/* Masked: counts down, no interrupt. */
	timer_hits = 0;
	wr(R_LVT_TIMER, LVT_MASKED | V_TIMER);
	wr(R_TIMER_ICR, 1000);
	while (rd(R_TIMER_CCR))
		;
	sti_nop();
	guest_check(timer_hits == 0, "masked timer counts to 0 without an interrupt");

	/* Periodic: five interrupts, reloading. */
	timer_hits = 0;
	wr(R_LVT_TIMER, LVT_PERIODIC | V_TIMER);
	t0 = rdtsc();
	wr(R_TIMER_ICR, count / 5);
	while (timer_hits < 5)
		sti_hlt();
	dt = timer_tsc - t0;
	want = 5ull * (count / 5) * per1000 / 1000;
	/* (A sixth may come between the fifth's IRET and the CLI after HLT
	 * when the host is late: periods then pile up.) */
	guest_check(timer_hits == 5 || timer_hits == 6, "periodic timer: 5 interrupts (%u)", timer_hits);
	guest_check_nestor(nestor, dt >= want, "5 periods took %llu TSC ticks (at least %llu)", (unsigned long long)dt,
			   (unsigned long long)want);
	guest_check(rd(R_TIMER_CCR) > 0, "periodic count reloads (current %u)", rd(R_TIMER_CCR));
	wr(R_TIMER_ICR, 0);
	guest_check(rd(R_TIMER_CCR) == 0, "initial count 0 stops it");
	/* A period that ended just before the stop may still wait in IRR
	 * (IF was 0): take it now, so the next test counts only its own. */
	sti_nop();

	/* TSC-deadline (11.5.4.1). */
	if (!((cpuid(1, 0).ecx >> 24) & 1))
		return;
	timer_hits = 0;
	wr(R_LVT_TIMER, LVT_DEADLINE | V_TIMER);
	wr(R_TIMER_ICR, 1234);
	guest_check(rd(R_TIMER_ICR) == 0, "TSC-deadline mode ignores the initial count");
	__asm__ volatile("mfence" ::: "memory");
	uint64_t deadline = rdtsc() + want / 5;
	wrmsr(MSR_TSC_DEADLINE, deadline);
	/* (On a loaded host it may have fired already: then it reads 0 and
	 * the vector waits in IRR, IF being 0.) */
	uint64_t back = rdmsr(MSR_TSC_DEADLINE);
	bool back_ok = back == deadline || (back == 0 && vec_bit(R_IRR, V_TIMER));
	while (!timer_hits)
		sti_hlt(); /* (printing first would delay it: IF is 0 meanwhile) */
	guest_check(back_ok, "IA32_TSC_DEADLINE reads back (0x%llx)", (unsigned long long)back);
	guest_check(timer_hits == 1 && timer_tsc >= deadline, "deadline interrupt at TSC %llu, deadline %llu",
		    (unsigned long long)timer_tsc, (unsigned long long)deadline);
	if (check_late)
		guest_check(timer_tsc < deadline + late, "the deadline interrupt came at most %u TSC ticks late (%llu)",
			    late, (unsigned long long)(timer_tsc - deadline));
	guest_check(rdmsr(MSR_TSC_DEADLINE) == 0, "IA32_TSC_DEADLINE 0 once it fired");
	/* Leaving deadline mode disarms it. */
	timer_hits = 0;
	wrmsr(MSR_TSC_DEADLINE, rdtsc() + 100 * want); /* far: a loaded host may be slow */
	wr(R_LVT_TIMER, V_TIMER);
	uint64_t until = rdtsc() + 2 * want;
	while (rdtsc() < until)
		sti_nop();
	guest_check(timer_hits == 0, "switching to one-shot disarmed the deadline");
	wr(R_LVT_TIMER, LVT_MASKED);
}

static void check_x2apic(bool nestor)
{
	if (!((cpuid(1, 0).ecx >> 21) & 1)) {
		guest_skip("no x2APIC");
		return;
	}
	uint64_t base = rdmsr(MSR_APIC_BASE);
	uint64_t v;
	guest_check(rdmsr_safe(0x802, &v) == VEC_GP, "x2APIC MSR 0x802 is #GP in xAPIC mode");
	guest_check(wrmsr_safe(MSR_APIC_BASE, base & ~(uint64_t)APIC_BASE_EN) == -1, "IA32_APIC_BASE: EN 1 -> 0");
	guest_check(wrmsr_safe(MSR_APIC_BASE, base | APIC_BASE_EXTD) == VEC_GP, "disabled -> x2APIC is #GP");
	guest_check(wrmsr_safe(MSR_APIC_BASE, base) == -1, "disabled -> xAPIC");
	guest_check_nestor(nestor, rd(R_SVR) == 0xff, "re-enabled APIC starts software-disabled (SVR 0x%x)", rd(R_SVR));
	guest_check(wrmsr_safe(MSR_APIC_BASE, base | APIC_BASE_EXTD) == -1, "xAPIC -> x2APIC");
	guest_check(rdmsr(0x802) == 0, "x2APIC ID 0 (MSR 0x802)");
	guest_check(rdmsr(0x80d) == 1, "x2APIC LDR 0x%llx (cluster 0, bit 0)", (unsigned long long)rdmsr(0x80d));
	guest_check(wrmsr_safe(0x802, 5) == VEC_GP, "x2APIC ID is read-only (#GP)");
	guest_check(rdmsr_safe(0x80e, &v) == VEC_GP, "no DFR in x2APIC mode (#GP)");
	wrmsr(0x80f, 0x1ff); /* SVR */
	x2_hits = 0;
	wrmsr(0x83f, V_X2); /* SELF IPI */
	sti_nop();
	guest_check(x2_hits == 1, "x2APIC SELF_IPI delivered (%u)", x2_hits);
	x2_hits = 0;
	wrmsr(0x830, ICR_SELF | V_X2); /* 64-bit ICR */
	sti_nop();
	guest_check(x2_hits == 1, "x2APIC ICR self-IPI delivered (%u)", x2_hits);
	guest_check(wrmsr_safe(0x80b, 1) == VEC_GP, "non-zero x2APIC EOI is #GP");
	guest_check(wrmsr_safe(MSR_APIC_BASE, (base | APIC_BASE_EXTD) & ~(uint64_t)APIC_BASE_EXTD) == VEC_GP,
		    "x2APIC -> xAPIC directly is #GP");
	guest_check(wrmsr_safe(MSR_APIC_BASE, base & ~(uint64_t)(APIC_BASE_EN | APIC_BASE_EXTD)) == -1 &&
			    wrmsr_safe(MSR_APIC_BASE, base) == -1,
		    "x2APIC -> disabled -> xAPIC");
	guest_check(rd(R_ID) >> 24 == 0 && (rdmsr(MSR_APIC_BASE) & APIC_BASE_EXTD) == 0, "back in xAPIC mode");
	guest_check(wrmsr_safe(MSR_APIC_BASE, base | (1ull << 9)) == VEC_GP, "reserved IA32_APIC_BASE bit 9 is #GP");
}

int guest_main(const struct mb_info *mbi)
{
	(void)mbi;
	bool nestor = nestor_present();
	guest_idt_init();
	guest_idt_set_handler(V_LOW, low_stub);
	guest_idt_set_handler(V_HIGH, high_stub);
	guest_idt_set_handler(V_TIMER, timer_stub);
	guest_idt_set_handler(V_X2, x2_stub);
	guest_idt_set_handler(V_ERROR, error_stub);
	check_cpuid(nestor);
	check_start_state(nestor);
	check_priorities(nestor);
	check_timer(nestor);
	check_x2apic(nestor);
	return 0;
}

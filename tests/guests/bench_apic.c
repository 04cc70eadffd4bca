/*
 * bench_apic - costs of the local APIC, in TSC ticks the harness divides
 * by the emulator's ticks per instruction (tools/bench.sh; QEMU -icount
 * shift=7: 128, Bochs sync=none: 1). Two kinds of figure:
 *   "bench: WHAT N iterations: tsc delta D" with "empty loop": a round
 *     trip, N loop iterations of 3 instructions, one of them the access,
 *     as in bench_cpuid / bench_mmio;
 *   "bench: WHAT N samples: tsc total T": a latency, the sum over N of
 *     (TSC read by a handler's first instruction) - (a TSC stamp).
 *
 * Command line words pick the groups (each may be combined):
 *   xapic   self-IPI through the xAPIC ICR (stamp, then the ICR write, to
 *           the handler's RDTSC), EOI and TPR writes (xAPIC MMIO);
 *   x2apic  the same self-IPI through the x2APIC SELF_IPI MSR, EOI and TPR
 *           MSR writes (the APIC is left in x2APIC mode);
 *   timer   TSC-deadline timer: lateness of the handler's RDTSC after the
 *           deadline, vCPU spinning with IF=1, and halted;
 *   hlt     (vcpus=2) an IPI from vCPU 0 to vCPU 1, which is halted: vCPU 0
 *           stamps the TSC just before its ICR write, then halts; vCPU 1's
 *           handler reads the TSC first and sends an IPI back;
 *   spin    (vcpus=2) the same with vCPU 1 spinning with IF=1 and vCPU 0
 *           spinning until it saw the handler run (the case for vCPUs on
 *           two physical CPUs). Both spin loops use PAUSE, as OS spin loops
 *           do; it also ends QEMU's single-threaded TCG turn of that CPU,
 *           which otherwise runs a whole round-robin slice before the other
 *           CPU sees the kick (the figure would be QEMU's slice, ~100k
 *           instructions, not Nestor's cost).
 * A latency includes the few guest instructions between the stamp and the
 * access (1 for the xAPIC ICR, 3 for the SELF_IPI MSR).
 *
 * The handlers start with RDTSC, which clobbers EAX and EDX of the code
 * they interrupt: every loop that runs with IF=1 is one asm statement
 * that declares both clobbered.
 */
#include "lib/guest.h"
#include "lib/bench.h"

const char guest_name[] = "bench";

#define APIC 0xfee00000u
#define R_TPR 0x80
#define R_EOI 0xb0
#define R_SVR 0xf0
#define R_ICR_LO 0x300
#define R_ICR_HI 0x310
#define R_LVT_TIMER 0x320
#define ICR_SELF (1u << 18)
#define ICR_INIT_ASSERT 0x4500u
#define ICR_STARTUP 0x4600u
#define LVT_MASKED (1u << 16)
#define LVT_DEADLINE (2u << 17)
#define MSR_APIC_BASE 0x1b
#define MSR_TSC_DEADLINE 0x6e0
#define MSR_X2_TPR 0x808
#define MSR_X2_EOI 0x80b
#define MSR_X2_SVR 0x80f
#define MSR_X2_SELF_IPI 0x83f
#define APIC_BASE_EXTD (1u << 10)

#define V_STAMP 0x60   /* handler: TSC, count, xAPIC EOI */
#define V_STAMP_X2 0x61 /* the same with the x2APIC EOI */
#define V_RX 0x70      /* vCPU 1: TSC, count, EOI, IPI back if ap_ack */
#define V_ACK 0x71     /* vCPU 0: count, EOI */

#define WARMUP 20
#define ROUND_TRIPS 10000
#define SELF_IPIS 1000
#define TIMERS 50
#define IPIS 200

static volatile uint32_t *const apic = (volatile uint32_t *)APIC;
static void apic_wr(uint32_t off, uint32_t v) { apic[off / 4] = v; }

/* What the handlers saw (low 32 bits of the TSC: every latency here is
 * far below 2^32 ticks, and the difference wraps right). */
volatile uint32_t rx_tsc, rx_count, ack_count, ap_ack, ap_ready;
static volatile int ap_mode; /* 0: halt, 1: spin */

/* Handlers: RDTSC is the first instruction. Not GUEST_INTR_STUB: that
 * saves registers first, which would be measured. */
void stamp_stub(void), stamp_x2_stub(void), rx_stub(void), ack_stub(void);
__asm__(".text\n"
	"stamp_stub:\n"
	"\trdtsc\n"
	"\tmovl %eax, rx_tsc\n"
	"\tincl rx_count\n"
	"\tmovl $0, 0xfee000b0\n"
	"\tiret\n"
	"stamp_x2_stub:\n"
	"\trdtsc\n"
	"\tmovl %eax, rx_tsc\n"
	"\tincl rx_count\n"
	"\tpushl %ecx\n"
	"\tmovl $0x80b, %ecx\n"
	"\txorl %eax, %eax\n"
	"\txorl %edx, %edx\n"
	"\twrmsr\n"
	"\tpopl %ecx\n"
	"\tiret\n"
	"rx_stub:\n"
	"\trdtsc\n"
	"\tmovl %eax, rx_tsc\n"
	"\tlock incl rx_count\n"
	"\tmovl $0, 0xfee000b0\n"
	"\tcmpl $0, ap_ack\n"
	"\tje 1f\n"
	"\tmovl $0, 0xfee00310\n"   /* ICR high: APIC ID 0 */
	"\tmovl $0x71, 0xfee00300\n" /* fixed, V_ACK */
	"1:\tiret\n"
	"ack_stub:\n"
	"\tlock incl ack_count\n"
	"\tmovl $0, 0xfee000b0\n"
	"\tiret\n");

static void say_round_trip(const char *what, uint32_t n, uint64_t d)
{
	guest_say("%s %u iterations: tsc delta %llu", what, n, (unsigned long long)d);
}

static void say_latency(const char *what, uint32_t n, uint64_t total)
{
	guest_say("%s %u samples: tsc total %llu", what, n, (unsigned long long)total);
}

/* n stores of eax to [edi]: the bench_mmio loop shape. */
static uint64_t store_loop(uint32_t n, uint32_t addr, uint32_t val)
{
	uint64_t t0 = rdtsc();
	__asm__ volatile("1:\n\t"
			 "movl %%eax, (%%edi)\n\t"
			 "dec %%esi\n\t"
			 "jnz 1b"
			 : "+S"(n)
			 : "D"(addr), "a"(val)
			 : "memory");
	return rdtsc() - t0;
}

/* n WRMSRs: wrmsr; dec esi; jnz. */
static uint64_t wrmsr_loop(uint32_t n, uint32_t msr, uint32_t val)
{
	uint64_t t0 = rdtsc();
	__asm__ volatile("1:\n\t"
			 "wrmsr\n\t"
			 "dec %%esi\n\t"
			 "jnz 1b"
			 : "+S"(n)
			 : "c"(msr), "a"(val), "d"(0)
			 : "memory");
	return rdtsc() - t0;
}

/* One self-IPI by an xAPIC ICR write: the TSC from just before the write
 * to the handler's first instruction. IF=1 only around the write (the NOP
 * ends STI's shadow first). */
static uint32_t self_ipi_xapic(void)
{
	uint32_t t0, before = rx_count;
	__asm__ volatile("sti\n\t"
			 "nop\n\t"
			 "rdtsc\n\t"
			 "movl %%eax, %0\n\t"
			 "movl %2, (%1)\n\t"
			 "nop\n\t"
			 "cli"
			 : "=m"(t0)
			 : "r"(APIC + R_ICR_LO), "r"(ICR_SELF | V_STAMP)
			 : "eax", "edx", "memory");
	if (rx_count != before + 1)
		guest_fail("self-IPI not taken right after the ICR write (%u)", rx_count - before);
	return rx_tsc - t0;
}

static uint32_t self_ipi_x2apic(void)
{
	uint32_t t0, before = rx_count;
	__asm__ volatile("sti\n\t"
			 "nop\n\t"
			 "rdtsc\n\t"
			 "movl %%eax, %0\n\t"
			 "movl %1, %%eax\n\t"
			 "xorl %%edx, %%edx\n\t"
			 "wrmsr\n\t"
			 "nop\n\t"
			 "cli"
			 : "=m"(t0)
			 : "i"(V_STAMP_X2), "c"(MSR_X2_SELF_IPI)
			 : "eax", "edx", "memory");
	if (rx_count != before + 1)
		guest_fail("x2APIC self-IPI not taken right after the WRMSR (%u)", rx_count - before);
	return rx_tsc - t0;
}

static void bench_xapic(void)
{
	uint64_t sum = 0;
	for (unsigned i = 0; i < WARMUP; i++)
		self_ipi_xapic();
	for (unsigned i = 0; i < SELF_IPIS; i++)
		sum += self_ipi_xapic();
	say_latency("xapic self ipi", SELF_IPIS, sum);
	store_loop(WARMUP, APIC + R_EOI, 0);
	say_round_trip("xapic eoi write", ROUND_TRIPS, store_loop(ROUND_TRIPS, APIC + R_EOI, 0));
	store_loop(WARMUP, APIC + R_TPR, 0);
	say_round_trip("xapic tpr write", ROUND_TRIPS, store_loop(ROUND_TRIPS, APIC + R_TPR, 0));
}

static void bench_x2apic(void)
{
	if (!((cpuid(1, 0).ecx >> 21) & 1)) {
		guest_fail("no x2APIC (CPUID.1:ECX[21])");
		return;
	}
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | APIC_BASE_EXTD);
	wrmsr(MSR_X2_SVR, 0x1ff);
	uint64_t sum = 0;
	for (unsigned i = 0; i < WARMUP; i++)
		self_ipi_x2apic();
	for (unsigned i = 0; i < SELF_IPIS; i++)
		sum += self_ipi_x2apic();
	say_latency("x2apic self ipi", SELF_IPIS, sum);
	wrmsr_loop(WARMUP, MSR_X2_EOI, 0);
	say_round_trip("x2apic eoi write", ROUND_TRIPS, wrmsr_loop(ROUND_TRIPS, MSR_X2_EOI, 0));
	wrmsr_loop(WARMUP, MSR_X2_TPR, 0);
	say_round_trip("x2apic tpr write", ROUND_TRIPS, wrmsr_loop(ROUND_TRIPS, MSR_X2_TPR, 0));
}

/* One TSC-deadline interrupt `delay` ticks from now: the handler's TSC
 * minus the deadline. */
static uint32_t deadline_once(uint64_t delay, bool halt)
{
	uint32_t before = rx_count;
	uint64_t deadline = rdtsc() + delay;
	wrmsr(MSR_TSC_DEADLINE, deadline);
	if (halt)
		__asm__ volatile("1:\n\t"
				 "sti\n\t"
				 "hlt\n\t"
				 "cli\n\t"
				 "cmpl %0, rx_count\n\t"
				 "je 1b"
				 :
				 : "r"(before)
				 : "eax", "edx", "memory");
	else
		__asm__ volatile("sti\n"
				 "1:\n\t"
				 "cmpl %0, rx_count\n\t"
				 "je 1b\n\t"
				 "cli"
				 :
				 : "r"(before)
				 : "eax", "edx", "memory");
	return rx_tsc - (uint32_t)deadline;
}

static void bench_timer(void)
{
	uint64_t delay = guest_tsc_khz(); /* 1 ms */
	if (!delay) {
		guest_fail("no TSC rate from CPUID 0x40000010");
		return;
	}
	apic_wr(R_LVT_TIMER, LVT_DEADLINE | V_STAMP);
	for (int halt = 0; halt < 2; halt++) {
		uint64_t sum = 0;
		for (unsigned i = 0; i < 3; i++)
			deadline_once(delay, halt);
		for (unsigned i = 0; i < TIMERS; i++)
			sum += deadline_once(delay, halt);
		say_latency(halt ? "timer deadline to handler, halted" : "timer deadline to handler, spinning", TIMERS,
			    sum);
	}
	apic_wr(R_LVT_TIMER, LVT_MASKED);
}

/* --- vCPU 1 -------------------------------------------------------------- */

/* Start-up code copied to 0x8000 (SIPI vector 0x08): into protected mode
 * with vCPU 0's GDT and IDT (their descriptors at 0x9010 and 0x9018), then
 * ap_pm32 in the image. */
extern char ap_start[], ap_end[];
uint8_t ap_stack[4096] __attribute__((aligned(16)));
void ap_main(void);
__asm__(".text\n.code16\n"
	".globl ap_start\nap_start:\n"
	"\tcli\n"
	"\txorw %ax, %ax\n"
	"\tmovw %ax, %ds\n"
	"\tlgdtl 0x9010\n"
	"\tmovl %cr0, %eax\n"
	"\torl $1, %eax\n"
	"\tmovl %eax, %cr0\n"
	"\tljmpl $0x08, $ap_pm32\n"
	".globl ap_end\nap_end:\n"
	".code32\n"
	"ap_pm32:\n"
	"\tmovw $0x10, %ax\n"
	"\tmovw %ax, %ds\n"
	"\tmovw %ax, %es\n"
	"\tmovw %ax, %fs\n"
	"\tmovw %ax, %gs\n"
	"\tmovw %ax, %ss\n"
	"\tmovl $ap_stack + 4096, %esp\n"
	"\tlidt 0x9018\n"
	"\tcall ap_main\n"
	"1:\thlt\n"
	"\tjmp 1b\n");

void ap_main(void)
{
	apic_wr(R_SVR, 0x1ff);
	__atomic_store_n(&ap_ready, 1, __ATOMIC_RELEASE);
	for (;;) {
		if (ap_mode == 0)
			__asm__ volatile("sti; hlt; cli" ::: "eax", "edx", "memory");
		else
			__asm__ volatile("sti; nop; pause; cli" ::: "eax", "edx", "memory");
	}
}

static void send_ipi(uint32_t dest, uint32_t lo)
{
	apic_wr(R_ICR_HI, dest << 24);
	apic_wr(R_ICR_LO, lo);
}

static bool start_ap(void)
{
	struct __attribute__((packed)) { uint16_t limit; uint32_t base; } gdt, idt;
	__asm__ volatile("sgdt %0; sidt %1" : "=m"(gdt), "=m"(idt));
	memcpy((void *)0x9010, &gdt, 6);
	memcpy((void *)0x9018, &idt, 6);
	memcpy((void *)0x8000, ap_start, (size_t)(ap_end - ap_start));
	send_ipi(1, ICR_INIT_ASSERT);
	send_ipi(1, ICR_STARTUP | 0x08);
	uint64_t t0 = rdtsc(), budget = (uint64_t)guest_tsc_khz() * 2000; /* 2 s */
	while (!__atomic_load_n(&ap_ready, __ATOMIC_ACQUIRE)) {
		if (rdtsc() - t0 > budget)
			return false;
		__asm__ volatile("sti; nop; cli" ::: "memory"); /* (see sipi.c) */
	}
	apic_wr(R_ICR_HI, 1u << 24); /* every IPI below goes to vCPU 1 */
	return true;
}

/* vCPU 1 halted: stamp, ICR write, halt until its IPI back. */
static uint32_t ipi_halted(void)
{
	uint32_t t0, before = ack_count;
	__asm__ volatile("rdtsc\n\t"
			 "movl %%eax, %0\n\t"
			 "movl %3, (%2)\n"
			 "1:\n\t"
			 "sti\n\t"
			 "hlt\n\t"
			 "cli\n\t"
			 "cmpl %1, ack_count\n\t"
			 "je 1b"
			 : "=m"(t0)
			 : "r"(before), "r"(APIC + R_ICR_LO), "r"(V_RX)
			 : "eax", "edx", "memory");
	return rx_tsc - t0;
}

/* vCPU 1 spinning: stamp, ICR write, spin until its handler ran. */
static uint32_t ipi_spinning(void)
{
	uint32_t t0, before = rx_count;
	__asm__ volatile("rdtsc\n\t"
			 "movl %%eax, %0\n\t"
			 "movl %3, (%2)\n"
			 "1:\n\t"
			 "pause\n\t"
			 "cmpl %1, rx_count\n\t"
			 "je 1b"
			 : "=m"(t0)
			 : "r"(before), "r"(APIC + R_ICR_LO), "r"(V_RX)
			 : "eax", "edx", "memory");
	return rx_tsc - t0;
}

static void bench_ipi(bool halted, bool spinning)
{
	if (!start_ap()) {
		guest_fail("vCPU 1 did not start (run with vcpus=2)");
		return;
	}
	guest_say("vCPU 1 started");
	if (halted) {
		ap_mode = 0;
		ap_ack = 1;
		uint64_t sum = 0;
		for (unsigned i = 0; i < WARMUP; i++)
			ipi_halted();
		for (unsigned i = 0; i < IPIS; i++)
			sum += ipi_halted();
		say_latency("ipi to halted vcpu", IPIS, sum);
	}
	if (spinning) {
		ap_ack = 0;
		ap_mode = 1;
		/* The first IPI wakes it from HLT into the spinning loop
		 * (ap_ack 0: no IPI back). */
		ipi_spinning();
		uint64_t sum = 0;
		for (unsigned i = 0; i < WARMUP; i++)
			ipi_spinning();
		for (unsigned i = 0; i < IPIS; i++)
			sum += ipi_spinning();
		say_latency("ipi to spinning vcpu", IPIS, sum);
	}
}

int guest_main(const struct mb_info *mbi)
{
	(void)mbi;
	if (!nestor_present()) {
		guest_skip("needs Nestor's local APIC");
		return 0;
	}
	guest_set_intr_gate(V_STAMP, stamp_stub);
	guest_set_intr_gate(V_STAMP_X2, stamp_x2_stub);
	guest_set_intr_gate(V_RX, rx_stub);
	guest_set_intr_gate(V_ACK, ack_stub);
	apic_wr(R_SVR, 0x1ff);
	say_round_trip("empty loop", ROUND_TRIPS, bench_empty_loop(ROUND_TRIPS));
	if (cmdline_has_word("xapic"))
		bench_xapic();
	if (cmdline_has_word("timer"))
		bench_timer();
	if (cmdline_has_word("hlt") || cmdline_has_word("spin"))
		bench_ipi(cmdline_has_word("hlt"), cmdline_has_word("spin"));
	if (cmdline_has_word("x2apic"))
		bench_x2apic();
	return 0;
}

/*
 * smp_ring - an SMP guest that brings up its CPUs as an OS does and then
 * exercises inter-processor interrupts between them (SDM 3A 9.4.4, 11.6):
 *
 *  - the CPUs come from the ACPI MADT (not from a count we were told);
 *    each AP is started with INIT, INIT de-assert, SIPI, SIPI;
 *  - its trampoline (16-bit, copied to TRAMP) loads its own GDT in low
 *    memory, enters 32-bit protected mode, takes a stack of its own
 *    (ap_stacks[APIC ID]), loads the BSP's IDT and software-enables its
 *    xAPIC at 0xFEE00000;
 *  - all vCPUs add into one counter with LOCK INC at the same time;
 *  - a fixed IPI goes around a ring (vCPU i -> i+1 mod N, N rounds) with
 *    physical destinations, then logical flat (LDR = 1 << i, DFR flat),
 *    then logical cluster (cluster i / 2, member bit 1 << (i % 2));
 *  - every vCPU sends each shorthand (all-excluding-self,
 *    all-including-self, self);
 *  - an NMI IPI to each AP (its NMI handler counts);
 *  - lowest-priority delivery to a set: the member with the lowest TPR
 *    takes it.
 * Every count is checked exactly, after a settling time in which a
 * duplicate would show. vCPU indices: 0 the BSP, then the MADT's other
 * entries in order; handlers find theirs from the stack they run on.
 *
 * The APs serve commands from the BSP (struct cmd): the BSP posts one and
 * wakes them with a fixed IPI; they halt in between. The BSP waits with
 * HLT too, woken by a 1 ms periodic LAPIC timer, so on one physical CPU
 * the others get the CPU. Needs Nestor (the TSC and APIC bus rates come
 * from CPUID 0x40000010) and vcpus >= 2.
 */
#include "lib/guest.h"
#include "hv/lib/format.h"

const char guest_name[] = "smp_ring";

#define MAXCPU 8
#define MAXID 16 /* APIC IDs the trampoline's stacks cover */
#define TRAMP 0x8000u
#define AP_STACK 4096

#define R_ID 0x20
#define R_TPR 0x80
#define R_EOI 0xb0
#define R_LDR 0xd0
#define R_DFR 0xe0
#define R_SVR 0xf0
#define R_ICR_LO 0x300
#define R_ICR_HI 0x310
#define R_LVT_TIMER 0x320
#define R_TIMER_ICR 0x380
#define R_TIMER_DCR 0x3e0

/* ICR (SDM 3A 11.6.1, figure 11-12). */
#define ICR_LOWEST (1u << 8)
#define ICR_NMI (4u << 8)
#define ICR_INIT (5u << 8)
#define ICR_STARTUP (6u << 8)
#define ICR_LOGICAL (1u << 11)
#define ICR_BUSY (1u << 12)
#define ICR_ASSERT (1u << 14)
#define ICR_LEVEL (1u << 15)
#define ICR_SH_SELF (1u << 18)
#define ICR_SH_ALL (2u << 18)
#define ICR_SH_OTHERS (3u << 18)

#define V_RING 0x80
#define V_SH 0x90
#define V_LOWPRI 0xa0
#define V_STRAY 0xb0
#define V_WAKE 0xc0
#define V_TICK 0xe0
#define V_SPURIOUS 0xff

static volatile uint32_t *const apic = (volatile uint32_t *)0xfee00000u;
static uint32_t rd(uint32_t off) { return apic[off / 4]; }
static void wr(uint32_t off, uint32_t v) { apic[off / 4] = v; }
static void eoi(void) { wr(R_EOI, 0); }

/* --- who is who ----------------------------------------------------------- */

static unsigned ncpu;
static uint8_t id_of[MAXCPU];
static uint8_t idx_of_id[256];
uint8_t ap_stacks[MAXID][AP_STACK] __attribute__((aligned(16)));

/* The vCPU index of the caller: APs run on ap_stacks[their APIC ID]. */
static unsigned me(void)
{
	uint32_t sp = (uint32_t)(uintptr_t)__builtin_frame_address(0);
	uint32_t base = (uint32_t)(uintptr_t)ap_stacks;
	if (sp >= base && sp < base + sizeof(ap_stacks))
		return idx_of_id[(sp - base) / AP_STACK];
	return 0;
}

static void lock_inc(volatile uint32_t *p) { __asm__ volatile("lock incl %0" : "+m"(*p)::"memory"); }
static uint32_t lock_xadd(volatile uint32_t *p, uint32_t v)
{
	__asm__ volatile("lock xaddl %0, %1" : "+r"(v), "+m"(*p)::"memory");
	return v;
}

/* ICR: wait until idle (11.6.1: delivery status), then high half, then low. */
static void send(uint32_t dest_hi, uint32_t lo)
{
	while (rd(R_ICR_LO) & ICR_BUSY)
		;
	wr(R_ICR_HI, dest_hi);
	wr(R_ICR_LO, lo);
}

/* --- shared state ------------------------------------------------------------ */

static volatile uint32_t ticks;
static volatile uint32_t ap_up[MAXCPU], ap_order[MAXCPU], ap_svr[MAXCPU], ap_cr0[MAXCPU], ap_apic_id[MAXCPU];
static volatile uint32_t arrivals;
static volatile uint32_t counter;

static volatile uint32_t ring_hits[MAXCPU], hops, ring_total, ring_icr;
static volatile uint32_t ring_next[MAXCPU]; /* ICR high half to the next vCPU */
static volatile uint8_t ring_log[MAXCPU * MAXCPU];
static volatile uint32_t sh_hits[MAXCPU], low_hits[MAXCPU], stray_hits[MAXCPU], nmi_hits[MAXCPU];
static volatile uint32_t wake_hits[MAXCPU];

enum cmd_op { OP_COUNT = 1, OP_LOGICAL, OP_TPR, OP_SEND };
static struct {
	volatile uint32_t seq, mask, op, a, b;
} cmd;
static volatile uint32_t ack[MAXCPU];
static volatile uint32_t tpr_of[MAXCPU];
static volatile uint32_t ldr_of[MAXCPU], dfr_all;

#define COUNT_PER_CPU 100000u

static struct __attribute__((packed)) {
	uint16_t limit;
	uint32_t base;
} shared_idtr;

/* --- handlers ---------------------------------------------------------------- */

__attribute__((used)) static void on_tick(void)
{
	ticks++;
	eoi();
}
__attribute__((used)) static void on_ring(void)
{
	unsigned i = me();
	lock_inc(&ring_hits[i]);
	uint32_t h = lock_xadd(&hops, 1);
	if (h < MAXCPU * MAXCPU)
		ring_log[h] = (uint8_t)i;
	if (h + 1 < ring_total)
		send(ring_next[i], ring_icr);
	eoi();
}
__attribute__((used)) static void on_sh(void)
{
	lock_inc(&sh_hits[me()]);
	eoi();
}
__attribute__((used)) static void on_low(void)
{
	lock_inc(&low_hits[me()]);
	eoi();
}
__attribute__((used)) static void on_stray(void)
{
	lock_inc(&stray_hits[me()]);
	eoi();
}
__attribute__((used)) static void on_wake(void)
{
	lock_inc(&wake_hits[me()]);
	eoi();
}
/* NMI: no EOI (not delivered through IRR/ISR, 11.6.1). */
__attribute__((used)) static void on_nmi(void) { lock_inc(&nmi_hits[me()]); }
GUEST_INTR_STUB(tick_stub, on_tick);
GUEST_INTR_STUB(ring_stub, on_ring);
GUEST_INTR_STUB(sh_stub, on_sh);
GUEST_INTR_STUB(low_stub, on_low);
GUEST_INTR_STUB(stray_stub, on_stray);
GUEST_INTR_STUB(wake_stub, on_wake);
GUEST_INTR_STUB(nmi_stub, on_nmi);
/* The spurious vector takes no EOI (11.9). */
void spurious_stub(void);
__asm__(".text\nspurious_stub:\n\tiret\n");

/* --- the AP ------------------------------------------------------------------ */

/*
 * Trampoline, entered in real mode at TRAMP (CS = TRAMP >> 4, IP 0):
 * its own GDT (flat code 0x08, data 0x10, as entry.asm's), CR0.PE, a far
 * jump into its 32-bit part, a stack by initial APIC ID, then ap_main.
 * Position-dependent on TRAMP only; the absolute references (ap_stacks,
 * ap_main) are the guest image's own.
 */
extern char tramp_start[], tramp_end[];
__asm__(".text\n.balign 16\n.code16\n"
	".globl tramp_start\ntramp_start:\n"
	"\tcli\n"
	"\tcld\n"
	"\tmovw %cs, %ax\n"
	"\tmovw %ax, %ds\n"
	"\tlgdtl (tramp_gdtr - tramp_start)\n"
	"\tmovl %cr0, %eax\n"
	"\torl $1, %eax\n"
	"\tmovl %eax, %cr0\n"
	"\tljmpl $0x08, $(0x8000 + tramp_pm - tramp_start)\n"
	".code32\n"
	"tramp_pm:\n"
	"\tmovw $0x10, %ax\n"
	"\tmovw %ax, %ds\n"
	"\tmovw %ax, %es\n"
	"\tmovw %ax, %ss\n"
	"\tmovw %ax, %fs\n"
	"\tmovw %ax, %gs\n"
	"\tmovl $1, %eax\n"
	"\tcpuid\n"
	"\tshrl $24, %ebx\n"
	"\tandl $15, %ebx\n"
	"\tmovl %ebx, %eax\n"
	"\tincl %eax\n"
	"\tshll $12, %eax\n"
	"\tleal ap_stacks(%eax), %esp\n"
	"\tpushl %ebx\n"
	"\tmovl $ap_main, %eax\n"
	"\tcall *%eax\n"
	"1:\tcli\n\thlt\n\tjmp 1b\n"
	".balign 8\n"
	"tramp_gdt:\n"
	"\t.quad 0\n"
	"\t.quad 0x00cf9a000000ffff\n"
	"\t.quad 0x00cf92000000ffff\n"
	"tramp_gdtr:\n"
	"\t.word 23\n"
	"\t.long 0x8000 + tramp_gdt - tramp_start\n"
	".globl tramp_end\ntramp_end:\n");
_Static_assert(TRAMP == 0x8000, "the trampoline's assembly assumes 0x8000");

static void do_cmd(unsigned i, uint32_t op, uint32_t a, uint32_t b)
{
	switch (op) {
	case OP_COUNT:
		for (uint32_t k = 0; k < a; k++)
			lock_inc(&counter);
		break;
	case OP_LOGICAL:
		wr(R_DFR, dfr_all);
		wr(R_LDR, ldr_of[i]);
		break;
	case OP_TPR:
		wr(R_TPR, tpr_of[i]);
		break;
	case OP_SEND:
		send(a, b);
		break;
	}
}

__attribute__((used, noreturn)) void ap_main(uint32_t initial_id);
void ap_main(uint32_t initial_id)
{
	__asm__ volatile("lidt %0" ::"m"(shared_idtr));
	unsigned i = idx_of_id[initial_id];
	wr(R_SVR, 0x100 | V_SPURIOUS); /* software enable (11.4.3) */
	wr(R_TPR, 0);
	ap_apic_id[i] = rd(R_ID) >> 24;
	ap_svr[i] = rd(R_SVR);
	ap_cr0[i] = read_cr0();
	ap_order[i] = lock_xadd(&arrivals, 1);
	__atomic_store_n(&ap_up[i], 1, __ATOMIC_RELEASE);
	uint32_t seen = 0;
	for (;;) {
		__asm__ volatile("cli");
		while (cmd.seq == seen)
			__asm__ volatile("sti; hlt; cli" ::: "memory");
		seen = cmd.seq;
		if (cmd.mask & (1u << i))
			do_cmd(i, cmd.op, cmd.a, cmd.b);
		__atomic_store_n(&ack[i], seen, __ATOMIC_RELEASE);
	}
}

/* --- the BSP's waiting and commands ---------------------------------------------- */

static uint32_t ms_budget = 2000; /* how long any one wait may take */

/* Wait with HLT (the 1 ms tick wakes us) until cond() or the budget. */
static bool wait_for(bool (*cond)(void), uint32_t ms)
{
	uint32_t t0 = ticks;
	for (;;) {
		__asm__ volatile("cli");
		if (cond())
			return true;
		if (ticks - t0 > ms)
			return false;
		__asm__ volatile("sti; hlt; cli" ::: "memory");
	}
}
static bool never(void) { return false; }
static void settle(void) { wait_for(never, 5); }

static uint32_t want_acks;
static bool acks_done(void)
{
	for (unsigned i = 1; i < ncpu; i++)
		if ((cmd.mask & (1u << i)) && ack[i] != want_acks)
			return false;
	return true;
}

/* Run op on the vCPUs in mask (the BSP's part here, the APs' by command). */
static bool run_cmd(uint32_t mask, uint32_t op, uint32_t a, uint32_t b)
{
	cmd.mask = mask;
	cmd.op = op;
	cmd.a = a;
	cmd.b = b;
	__atomic_store_n(&cmd.seq, cmd.seq + 1, __ATOMIC_RELEASE);
	want_acks = cmd.seq;
	for (unsigned i = 1; i < ncpu; i++)
		if (mask & (1u << i))
			send((uint32_t)id_of[i] << 24, V_WAKE);
	if (mask & 1)
		do_cmd(0, op, a, b);
	bool ok = wait_for(acks_done, ms_budget);
	if (!ok)
		guest_fail("command %u to mask 0x%x not acknowledged in %u ms", op, mask, ms_budget);
	return ok;
}
static uint32_t all_mask(void) { return (1u << ncpu) - 1; }

static uint32_t sum(volatile uint32_t *a)
{
	uint32_t s = 0;
	for (unsigned i = 0; i < ncpu; i++)
		s += a[i];
	return s;
}
static volatile uint32_t *sum_of;
static uint32_t sum_want;
static bool sum_reached(void) { return sum(sum_of) >= sum_want; }
static bool wait_sum(volatile uint32_t *a, uint32_t want)
{
	sum_of = a;
	sum_want = want;
	bool ok = wait_for(sum_reached, ms_budget);
	settle();
	return ok;
}
static void clear(volatile uint32_t *a)
{
	for (unsigned i = 0; i < MAXCPU; i++)
		a[i] = 0;
}
/* "a b c d" of the first ncpu counts. */
static const char *list(volatile uint32_t *a)
{
	static char buf[MAXCPU * 12];
	char *p = buf;
	for (unsigned i = 0; i < ncpu; i++)
		p += fmt_snprintf(p, sizeof(buf) - (size_t)(p - buf), i ? " %u" : "%u", a[i]);
	return buf;
}
static bool all_equal(volatile uint32_t *a, uint32_t want)
{
	for (unsigned i = 0; i < ncpu; i++)
		if (a[i] != want)
			return false;
	return true;
}

/* --- the steps ---------------------------------------------------------------------- */

static unsigned up_idx;
static bool ap_is_up(void) { return __atomic_load_n(&ap_up[up_idx], __ATOMIC_ACQUIRE) != 0; }

static bool start_aps(void)
{
	memcpy((void *)(uintptr_t)TRAMP, tramp_start, (size_t)(tramp_end - tramp_start));
	__asm__ volatile("sidt %0" : "=m"(shared_idtr));
	bool all = true;
	for (unsigned i = 1; i < ncpu; i++) {
		uint32_t dest = (uint32_t)id_of[i] << 24;
		/* The MP spec's universal start-up algorithm (B.4). */
		send(dest, ICR_INIT | ICR_ASSERT | ICR_LEVEL);
		send(dest, ICR_INIT | ICR_LEVEL);
		wait_for(never, 10);
		send(dest, ICR_STARTUP | (TRAMP >> 12));
		wait_for(never, 1);
		send(dest, ICR_STARTUP | (TRAMP >> 12));
		up_idx = i;
		bool ok = wait_for(ap_is_up, ms_budget);
		all &= guest_check(ok && ap_apic_id[i] == id_of[i] && (ap_svr[i] & 0x1ff) == 0x1ff && (ap_cr0[i] & 1) &&
					   ap_order[i] == i - 1,
				   "AP %u (APIC ID %u) started by INIT-SIPI-SIPI: protected mode (CR0 0x%x), its APIC ID "
				   "register %u, SVR 0x%x, arrival %u",
				   i, id_of[i], ap_cr0[i], ap_apic_id[i], ap_svr[i], ap_order[i]);
	}
	return all;
}

static bool counter_done(void) { return acks_done(); }

static void check_count(void)
{
	counter = 0;
	/* The APs count while the BSP does: post, wake, count, then wait. */
	cmd.mask = all_mask();
	cmd.op = OP_COUNT;
	cmd.a = COUNT_PER_CPU;
	__atomic_store_n(&cmd.seq, cmd.seq + 1, __ATOMIC_RELEASE);
	want_acks = cmd.seq;
	for (unsigned i = 1; i < ncpu; i++)
		send((uint32_t)id_of[i] << 24, V_WAKE);
	do_cmd(0, OP_COUNT, COUNT_PER_CPU, 0);
	bool ok = wait_for(counter_done, ms_budget);
	guest_check(ok && counter == ncpu * COUNT_PER_CPU, "%u vCPUs x %u LOCK INC at once: counter %u (want %u)", ncpu,
		    COUNT_PER_CPU, counter, ncpu * COUNT_PER_CPU);
}

static bool ring_done(void) { return hops >= ring_total; }

/* One ring: next[i] is the ICR high half from vCPU i to vCPU i+1. */
static void ring(const char *what, uint32_t icr_lo, const uint32_t *next)
{
	clear(ring_hits);
	hops = 0;
	ring_total = ncpu * ncpu;
	ring_icr = icr_lo;
	for (unsigned i = 0; i < ncpu; i++)
		ring_next[i] = next[i];
	for (unsigned h = 0; h < MAXCPU * MAXCPU; h++)
		ring_log[h] = 0xff;
	/* Hop 0 to the BSP itself through the same kind of destination. */
	send(next[ncpu - 1], icr_lo);
	bool ok = wait_for(ring_done, ms_budget);
	settle();
	unsigned bad = 0;
	for (unsigned h = 0; h < ring_total; h++)
		bad += ring_log[h] != h % ncpu;
	guest_check(ok && hops == ring_total && all_equal(ring_hits, ncpu) && bad == 0,
		    "ring, %s: %u rounds, %u hops (want %u), each vCPU took %s (want %u each), %u out of order", what,
		    ncpu, hops, ring_total, list(ring_hits), ncpu, bad);
}

static void check_rings(void)
{
	uint32_t next[MAXCPU];
	for (unsigned i = 0; i < ncpu; i++)
		next[i] = (uint32_t)id_of[(i + 1) % ncpu] << 24;
	ring("physical destinations", V_RING, next);

	/* Flat model (11.6.2.2): DFR 0xFFFFFFFF, LDR bit i. */
	dfr_all = 0xffffffffu;
	for (unsigned i = 0; i < ncpu; i++) {
		ldr_of[i] = (1u << i) << 24;
		next[i] = (1u << ((i + 1) % ncpu)) << 24;
	}
	if (run_cmd(all_mask(), OP_LOGICAL, 0, 0))
		ring("logical flat destinations", V_RING | ICR_LOGICAL, next);

	/* Cluster model: DFR 0x0FFFFFFF, LDR[31:28] cluster, [27:24] members. */
	dfr_all = 0x0fffffffu;
	for (unsigned i = 0; i < ncpu; i++) {
		unsigned j = (i + 1) % ncpu;
		ldr_of[i] = ((i / 2) << 4 | 1u << (i % 2)) << 24;
		next[i] = ((j / 2) << 4 | 1u << (j % 2)) << 24;
	}
	if (run_cmd(all_mask(), OP_LOGICAL, 0, 0)) {
		ring("logical cluster destinations", V_RING | ICR_LOGICAL, next);
		/* A cluster nobody is in, and a member bit nobody has. */
		clear(stray_hits);
		unsigned empty = (ncpu + 1) / 2;
		send((empty << 4 | 1) << 24, V_STRAY | ICR_LOGICAL);
		send((0u << 4 | 4) << 24, V_STRAY | ICR_LOGICAL);
		settle();
		guest_check(sum(stray_hits) == 0, "cluster destinations naming no APIC reach none (%s)", list(stray_hits));
	}
}

static void check_shorthands(void)
{
	static const struct {
		uint32_t bits;
		const char *name;
		int per; /* each vCPU's count: -1: N - 1, 0: N, 1: 1 */
	} sh[] = {
		{ ICR_SH_OTHERS, "all-excluding-self", -1 },
		{ ICR_SH_ALL, "all-including-self", 0 },
		{ ICR_SH_SELF, "self", 1 },
	};
	for (unsigned k = 0; k < 3; k++) {
		clear(sh_hits);
		uint32_t per = sh[k].per < 0 ? ncpu - 1 : sh[k].per == 0 ? ncpu : 1;
		/* One sender at a time: a second fixed IPI of a vector still
		 * in a destination's IRR is one interrupt (11.8.4). Each
		 * sender reaches per vCPUs' worth: N - 1, N or 1. */
		bool ok = true;
		for (unsigned s = 0; s < ncpu; s++) {
			run_cmd(1u << s, OP_SEND, 0, V_SH | sh[k].bits);
			ok &= wait_sum(sh_hits, (s + 1) * per);
		}
		guest_check(ok && all_equal(sh_hits, per), "shorthand %s sent by each of %u vCPUs: each took %s (want %u)",
			    sh[k].name, ncpu, list(sh_hits), per);
	}
}

static unsigned nmi_idx, nmi_want;
static bool nmi_arrived(void) { return nmi_hits[nmi_idx] >= nmi_want; }

static void check_nmi(void)
{
	clear(nmi_hits);
	for (unsigned r = 1; r <= 2; r++)
		for (unsigned i = 1; i < ncpu; i++) {
			send((uint32_t)id_of[i] << 24, ICR_NMI);
			nmi_idx = i;
			nmi_want = r;
			wait_for(nmi_arrived, ms_budget);
		}
	settle();
	bool ok = nmi_hits[0] == 0;
	for (unsigned i = 1; i < ncpu; i++)
		ok &= nmi_hits[i] == 2;
	guest_check(ok, "NMI IPI twice to each AP: NMI handlers ran %s (want 0 on the BSP, 2 on each AP)", list(nmi_hits));
}

static void check_lowest(void)
{
	dfr_all = 0xffffffffu;
	for (unsigned i = 0; i < ncpu; i++)
		ldr_of[i] = (1u << i) << 24;
	if (!run_cmd(all_mask(), OP_LOGICAL, 0, 0))
		return;
	for (unsigned j = 0; j < ncpu; j++) {
		/* vCPU j the lowest (0x20), then j+1 (0x30), ...; all below
		 * V_LOWPRI's class so whoever takes it can. */
		for (unsigned i = 0; i < ncpu; i++)
			tpr_of[i] = 0x20 + 0x10 * ((i + ncpu - j) % ncpu);
		if (!run_cmd(all_mask(), OP_TPR, 0, 0))
			return;
		clear(low_hits);
		send(all_mask() << 24, V_LOWPRI | ICR_LOWEST | ICR_LOGICAL);
		bool ok = wait_sum(low_hits, 1);
		guest_check(ok && low_hits[j] == 1 && sum(low_hits) == 1,
			    "lowest priority to all %u: vCPU %u (TPR 0x20) took it (%s)", ncpu, j, list(low_hits));
		unsigned k = (j + 1) % ncpu;
		clear(low_hits);
		send((all_mask() & ~(1u << j)) << 24, V_LOWPRI | ICR_LOWEST | ICR_LOGICAL);
		ok = wait_sum(low_hits, 1);
		guest_check(ok && low_hits[k] == 1 && sum(low_hits) == 1,
			    "lowest priority to all but vCPU %u: vCPU %u (TPR 0x30) took it (%s)", j, k, list(low_hits));
	}
	for (unsigned i = 0; i < ncpu; i++)
		tpr_of[i] = 0;
	run_cmd(all_mask(), OP_TPR, 0, 0);
}

int guest_main(const struct mb_info *mbi)
{
	(void)mbi;
	if (!nestor_present()) {
		guest_skip("needs Nestor (CPUID 0x40000010 rates) and vcpus >= 2");
		return 0;
	}
	int n = guest_madt_lapic_ids(id_of, MAXCPU);
	uint32_t bsp_id = rd(R_ID) >> 24;
	if (!guest_check(n >= 2 && n <= MAXCPU, "MADT lists %d enabled local APICs (2-%u needed)", n, MAXCPU))
		return 0;
	ncpu = (unsigned)n;
	/* The BSP is vCPU 0; the others keep the MADT's order. */
	for (unsigned i = 0; i < ncpu; i++)
		if (id_of[i] == bsp_id) {
			id_of[i] = id_of[0];
			id_of[0] = (uint8_t)bsp_id;
		}
	bool ids_ok = id_of[0] == bsp_id;
	memset(idx_of_id, 0, sizeof(idx_of_id));
	for (unsigned i = 0; i < ncpu; i++) {
		ids_ok &= id_of[i] < MAXID && !idx_of_id[id_of[i]];
		idx_of_id[id_of[i]] = (uint8_t)i;
	}
	idx_of_id[bsp_id] = 0;
	outw(FW_CFG_PORT_SEL, FW_CFG_NB_CPUS);
	unsigned fw = inb(FW_CFG_PORT_DATA);
	fw |= (unsigned)inb(FW_CFG_PORT_DATA) << 8;
	guest_say("MADT: %u CPUs, APIC IDs %u %u%s, BSP APIC ID %u", ncpu, id_of[0], id_of[1], ncpu > 2 ? " ..." : "",
		  bsp_id);
	guest_check(fw == ncpu, "fw_cfg's CPU count %u agrees with the MADT", fw);
	if (!guest_check(ids_ok, "the BSP's APIC ID is in the MADT, the IDs are distinct and below %u", MAXID))
		return 0;

	guest_idt_init();
	guest_idt_set_handler(2, nmi_stub);
	guest_idt_set_handler(V_RING, ring_stub);
	guest_idt_set_handler(V_SH, sh_stub);
	guest_idt_set_handler(V_LOWPRI, low_stub);
	guest_idt_set_handler(V_STRAY, stray_stub);
	guest_idt_set_handler(V_WAKE, wake_stub);
	guest_idt_set_handler(V_TICK, tick_stub);
	guest_idt_set_handler(V_SPURIOUS, spurious_stub);

	/* The 1 ms heartbeat: periodic, divide by 1, bus kHz counts. */
	uint32_t bus_khz = cpuid(NESTOR_CPUID_TIMING, 0).ebx;
	if (!guest_check(bus_khz != 0, "APIC bus %u kHz (CPUID 0x40000010 EBX)", bus_khz))
		return 0;
	wr(R_SVR, 0x100 | V_SPURIOUS);
	wr(R_TPR, 0);
	wr(R_TIMER_DCR, 0xb);
	wr(R_LVT_TIMER, (1u << 17) | V_TICK);
	wr(R_TIMER_ICR, bus_khz);

	if (!start_aps())
		return 0;
	check_count();
	check_rings();
	check_shorthands();
	check_nmi();
	check_lowest();
	wr(R_LVT_TIMER, 1u << 16);
	uint32_t wakes = sum(wake_hits);
	guest_say("%u wake-up IPIs, %u heartbeat ticks", wakes, ticks);
	guest_say("%d checks failed", guest_failures());
	return 0;
}

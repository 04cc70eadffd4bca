/*
 * timer_hlt - HLT under Nestor: a vCPU that halts with IF=1 sleeps until
 * an interrupt comes and then goes on after its HLT (SDM 2A HLT), here
 * the one-shot test timer of HC_TEST_TIMER (hv/guest_abi.h) on Nestor's
 * software timer queues; an interrupt already pending ends HLT at once;
 * re-arming a timer moves it (one delivery, at the new deadline).
 *
 * Command line: late=TICKS also checks that each timer came no later than
 * that after its deadline (for platforms whose TSC follows instructions,
 * not wall time); "stuck=if0" ends with cli;hlt, "stuck=idle" with sti;hlt
 * and nothing armed: Nestor must stop the VM and say why.
 */
#include "lib/guest.h"
#include "hv/guest_abi.h"

const char guest_name[] = "timer_hlt";

#define VEC_TIMER 0x50
#define VEC_PENDING 0x52
#define SHORT_DELAY 2000000u
#define LONG_DELAY 40000000u

static volatile uint32_t timer_count, timer_eip, pending_count;

#define STUB(name, body)                                                                           \
	__asm__(".text\n.globl " #name "\n" #name ":\n\tpushal\n\tpush %esp\n\tcall " #body           \
		"\n\tadd $4, %esp\n\tpopal\n\tiret\n")
void timer_stub(void), pending_stub(void);
STUB(timer_stub, timer_body);
STUB(pending_stub, pending_body);

/* regs[8] is the saved EIP (after pushal and the pushed ESP). */
__attribute__((used)) static void timer_body(uint32_t *regs)
{
	timer_count++;
	timer_eip = regs[8];
}

__attribute__((used)) static void pending_body(uint32_t *regs)
{
	(void)regs;
	pending_count++;
}

extern char after_hlt[];

/* sti;hlt;cli with the address after HLT labelled: the interrupt that
 * ends the halt returns there. */
__attribute__((noinline)) static void sti_hlt(void) { __asm__ volatile("sti\n\thlt\n.globl after_hlt\nafter_hlt:\n\tcli" ::: "memory"); }

static void spin_until(uint64_t tsc)
{
	while (rdtsc() < tsc)
		__asm__ volatile("pause");
}

int guest_main(const struct mb_info *mbi)
{
	(void)mbi;
	guest_idt_init();
	guest_idt_set_handler(VEC_TIMER, timer_stub);
	guest_idt_set_handler(VEC_PENDING, pending_stub);
	if (!nestor_present()) {
		guest_skip("HC_TEST_TIMER needs Nestor");
		return 0;
	}

	/* 1: halted until the timer. */
	uint64_t t0 = rdtsc();
	long rc = nestor_hypercall(HC_TEST_TIMER, VEC_TIMER, SHORT_DELAY, 0);
	guest_check(rc == 0, "HC_TEST_TIMER accepted (rc %ld)", rc);
	sti_hlt();
	uint64_t dt = rdtsc() - t0;
	guest_check(timer_count == 1, "the timer interrupt ended HLT (delivered %u time(s))", timer_count);
	guest_check(timer_eip == (uint32_t)(uintptr_t)after_hlt,
		    "it returned after the HLT (saved EIP %#x, HLT ends at %#x)", timer_eip,
		    (uint32_t)(uintptr_t)after_hlt);
	guest_check(dt >= SHORT_DELAY, "HLT lasted until the deadline (%llu TSC ticks, deadline %u)",
		    (unsigned long long)dt, SHORT_DELAY);
	uint32_t late;
	bool check_late = cmdline_get_u32("late", &late);
	if (check_late)
		guest_check(dt < SHORT_DELAY + late, "the timer came at most %u TSC ticks late", late);

	/* 2: an interrupt pending before HLT (raised with IF=0, so it waits
	 * through STI's shadow) ends the HLT at once. */
	nestor_hypercall(HC_RAISE_EVENT, HC_EVENT_INTR, VEC_PENDING, 0);
	guest_check(pending_count == 0, "interrupt raised with IF=0 is held");
	sti_hlt();
	guest_check(pending_count == 1, "a pending interrupt ends HLT at once (delivered %u time(s))", pending_count);

	/* 3: re-arming moves the timer: one delivery, by the new deadline. */
	timer_count = 0;
	t0 = rdtsc();
	nestor_hypercall(HC_TEST_TIMER, VEC_TIMER, LONG_DELAY, 0);
	nestor_hypercall(HC_TEST_TIMER, VEC_TIMER, SHORT_DELAY, 0);
	sti_hlt();
	dt = rdtsc() - t0;
	guest_check(timer_count == 1 && dt >= SHORT_DELAY && dt < LONG_DELAY,
		    "re-armed timer fired at the new deadline (%u delivery, after %llu TSC ticks)", timer_count,
		    (unsigned long long)dt);
	if (check_late)
		guest_check(dt < SHORT_DELAY + late, "the re-armed timer came at most %u TSC ticks late", late);
	__asm__ volatile("sti" ::: "memory");
	spin_until(t0 + LONG_DELAY + SHORT_DELAY);
	__asm__ volatile("cli" ::: "memory");
	guest_check(timer_count == 1, "the moved timer did not fire again at the old deadline (%u deliveries)",
		    timer_count);

	/* Bad vectors are refused. */
	guest_check(nestor_hypercall(HC_TEST_TIMER, 31, SHORT_DELAY, 0) == NESTOR_EINVAL,
		    "HC_TEST_TIMER refuses vector 31");

	if (cmdline_has("stuck", "if0")) {
		guest_say("halting with IF=0");
		guest_console_drain();
		__asm__ volatile("cli; hlt" ::: "memory");
		guest_fail("HLT with IF=0 returned");
	} else if (cmdline_has("stuck", "idle")) {
		guest_say("halting with IF=1 and no timer armed");
		guest_console_drain();
		sti_hlt();
		guest_fail("HLT with nothing armed returned");
	}
	return 0;
}

/*
 * events - no event is lost or delivered twice when its delivery takes a
 * TDP exit (EPT violation / #NPF), and Nestor's own interrupt and NMI
 * injection follow the architecture (held while IF=0 / in the STI shadow /
 * inside an NMI handler, delivered as soon as allowed).
 *
 * Under Nestor, HC_SET_PERM with HC_PERM_UNMAP_UNTIL_TOUCHED unmaps a page
 * that the CPU then touches first while delivering an event (the stack the
 * frame is pushed on, or the IDT); Nestor maps it back on that exit, and
 * the event must be delivered again exactly once. HC_TOUCH_COUNT proves
 * the exit happened. HC_RAISE_EVENT makes an interrupt or NMI pending.
 * Without Nestor the same code runs with nothing unmapped (and the
 * injection checks are skipped).
 */
#include "lib/guest.h"

const char guest_name[] = "events";

#define VEC_NMI 2
#define VEC_TEST_INTR 0x41
#define VEC_TEST_SOFT 0x42
#define EFLAGS_TF 0x100u

/* The guest's own IDT, alone in its page so that unmapping the page
 * affects nothing but event delivery: the library's 32 exception gates
 * plus the handlers below. */
struct gate {
	uint16_t off_lo, sel;
	uint8_t zero, attr;
	uint16_t off_hi;
} __attribute__((packed));
static struct gate idt_page[512] __attribute__((aligned(4096)));
/* The stack the tests switch to, alone in its page too. */
static uint8_t stack_page[4096] __attribute__((aligned(4096)));
__attribute__((used)) uint32_t saved_esp; /* referenced from the asm below */

static volatile uint32_t db_count, db_eip, intr_count, intr_eip, soft_count, soft_eip;
static volatile uint32_t nmi_count, nmi_nested, in_nmi;
static bool nestor;

/* Handler stubs: save the registers, call body(regs) where regs[8] is the
 * saved EIP and regs[10] the saved EFLAGS, restore, IRET. */
#define STUB(name, body)                                                                           \
	__asm__(".text\n.globl " #name "\n" #name ":\n\tpushal\n\tpush %esp\n\tcall " #body           \
		"\n\tadd $4, %esp\n\tpopal\n\tiret\n")
void db_stub(void), nmi_stub(void), intr_stub(void), soft_stub(void);
STUB(db_stub, db_body);
STUB(nmi_stub, nmi_body);
STUB(intr_stub, intr_body);
STUB(soft_stub, soft_body);

__attribute__((used)) static void db_body(uint32_t *regs)
{
	db_count++;
	db_eip = regs[8];
	regs[10] &= ~EFLAGS_TF; /* one step only */
}

__attribute__((used)) static void intr_body(uint32_t *regs)
{
	intr_count++;
	intr_eip = regs[8];
}

__attribute__((used)) static void soft_body(uint32_t *regs)
{
	soft_count++;
	soft_eip = regs[8];
}

/* The first NMI asks for a second one from inside its handler: it must
 * wait until this handler's IRET (SDM Vol 3A 6.7.1). */
__attribute__((used)) static void nmi_body(uint32_t *regs)
{
	(void)regs;
	if (in_nmi)
		nmi_nested++;
	in_nmi = 1;
	nmi_count++;
	if (nmi_count == 1)
		nestor_hypercall(HC_RAISE_EVENT, HC_EVENT_NMI, 0, 0);
	for (volatile int i = 0; i < 50; i++)
		outb(0x80, 0); /* exits: chances for a wrong early delivery */
	in_nmi = 0;
}

static void set_gate(unsigned v, void (*fn)(void))
{
	uint32_t a = (uint32_t)(uintptr_t)fn;
	idt_page[v] = (struct gate){ (uint16_t)a, 0x08, 0, 0x8e, (uint16_t)(a >> 16) };
}

static void idt_setup(void)
{
	struct {
		uint16_t limit;
		uint32_t base;
	} __attribute__((packed)) d;
	__asm__ volatile("sidt %0" : "=m"(d));
	memcpy(idt_page, (const void *)(uintptr_t)d.base, 32 * sizeof(struct gate));
	set_gate(VEC_DB, db_stub);
	set_gate(VEC_NMI, nmi_stub);
	set_gate(VEC_TEST_INTR, intr_stub);
	set_gate(VEC_TEST_SOFT, soft_stub);
	d.limit = 256 * sizeof(struct gate) - 1;
	d.base = (uint32_t)(uintptr_t)idt_page;
	__asm__ volatile("lidt %0" : : "m"(d));
}

/* Unmap page p until the CPU next touches it; returns the touch count
 * before. Without Nestor, nothing. */
static long unmap_until_touched(void *p)
{
	if (!nestor)
		return 0;
	long before = nestor_hypercall(HC_TOUCH_COUNT, 0, 0, 0);
	long r = nestor_hypercall(HC_SET_PERM, (uint32_t)(uintptr_t)p, 4096, HC_PERM_UNMAP_UNTIL_TOUCHED);
	if (r < 0)
		guest_fail("HC_SET_PERM(unmap until touched) returned %ld", r);
	return before;
}

static void check_touched(long before, const char *what)
{
	if (!nestor)
		return;
	long after = nestor_hypercall(HC_TOUCH_COUNT, 0, 0, 0);
	guest_check(after == before + 1, "%s: its delivery took one TDP exit (touch count %ld -> %ld)", what, before,
		    after);
}

extern const char db_after[], intr_after[], soft_after[], pf_ip[];

/* POPF sets TF; the single-step trap comes after the next instruction
 * (SDM Vol 3A 18.3.1.4), the MOV to ESP, so #DB is delivered onto the
 * fresh stack page. */
static void single_step_on(uint8_t *stack_top)
{
	__asm__ volatile("mov %%esp, saved_esp\n\t"
			 "pushf\n\t"
			 "orl $0x100, (%%esp)\n\t"
			 "popf\n\t"
			 "mov %0, %%esp\n\t"
			 ".globl db_after\ndb_after: nop\n\t"
			 "mov saved_esp, %%esp"
			 : : "r"(stack_top) : "memory", "cc");
}

static void test_db(const char *what, void *unmap, uint8_t *stack_top)
{
	db_count = 0;
	db_eip = 0;
	long before = unmap_until_touched(unmap);
	single_step_on(stack_top);
	check_touched(before, what);
	guest_check(db_count == 1 && db_eip == (uint32_t)(uintptr_t)db_after,
		    "%s: the single-step #DB ran once at eip 0x%08x (ran %u times, last at 0x%08x)", what,
		    (unsigned)(uintptr_t)db_after, (unsigned)db_count, (unsigned)db_eip);
}

/* An interrupt raised while IF=0 waits; STI lets it in after the next
 * instruction (the STI shadow), onto the fresh stack page. */
static void test_interrupt_in_flight(void)
{
	intr_count = 0;
	__asm__ volatile("cli");
	long r = nestor_hypercall(HC_RAISE_EVENT, HC_EVENT_INTR, VEC_TEST_INTR, 0);
	for (int i = 0; i < 20; i++)
		outb(0x80, 0);
	guest_check(r == 0 && intr_count == 0, "interrupt raised with IF=0 is held (HC_RAISE_EVENT %ld, delivered %u)",
		    r, (unsigned)intr_count);
	long before = unmap_until_touched(stack_page);
	__asm__ volatile("mov %%esp, saved_esp\n\t"
			 "mov %0, %%esp\n\t"
			 "sti\n\t"
			 "nop\n\t"
			 ".globl intr_after\nintr_after: cli\n\t"
			 "mov saved_esp, %%esp"
			 : : "r"(stack_page + sizeof(stack_page)) : "memory");
	check_touched(before, "external interrupt");
	guest_check(intr_count == 1 && intr_eip == (uint32_t)(uintptr_t)intr_after,
		    "external interrupt: delivered once after STI's shadow at eip 0x%08x (%u times, at 0x%08x)",
		    (unsigned)(uintptr_t)intr_after, (unsigned)intr_count, (unsigned)intr_eip);
}

/* With IF=1 the raised interrupt arrives right after the hypercall. */
static void test_interrupt_now(void)
{
	intr_count = 0;
	__asm__ volatile("sti");
	long r = nestor_hypercall(HC_RAISE_EVENT, HC_EVENT_INTR, VEC_TEST_INTR, 0);
	uint32_t seen = intr_count;
	__asm__ volatile("cli");
	guest_check(r == 0 && seen == 1, "interrupt raised with IF=1 is delivered at once (%u)", (unsigned)seen);
	r = nestor_hypercall(HC_RAISE_EVENT, HC_EVENT_INTR, 7, 0);
	guest_check(r == NESTOR_EINVAL, "HC_RAISE_EVENT of vector 7 is refused (%ld)", r);
}

static void test_soft_int(void)
{
	soft_count = 0;
	long before = unmap_until_touched(stack_page);
	__asm__ volatile("mov %%esp, saved_esp\n\t"
			 "mov %0, %%esp\n\t"
			 "int $0x42\n\t"
			 ".globl soft_after\nsoft_after: mov saved_esp, %%esp"
			 : : "r"(stack_page + sizeof(stack_page)) : "memory");
	check_touched(before, "INT 0x42");
	guest_check(soft_count == 1 && soft_eip == (uint32_t)(uintptr_t)soft_after,
		    "INT 0x42: handler ran once, returning to 0x%08x (%u times, to 0x%08x)",
		    (unsigned)(uintptr_t)soft_after, (unsigned)soft_count, (unsigned)soft_eip);
}

/* A #PF whose delivery pushes onto the unmapped page: the fault must
 * arrive once with its own CR2 and error code. */
#define PF_ADDR 0x40001000u
static void pf_on_fresh_stack(void *arg)
{
	(void)arg;
	__asm__ volatile("mov %0, %%esp\n\t"
			 ".globl pf_ip\npf_ip: movl $1, (%1)"
			 : : "r"(stack_page + sizeof(stack_page)), "r"(PF_ADDR) : "memory");
}

static void test_pf(void)
{
	paging_enable_identity();
	paging_set_4m(PF_ADDR, false, true);
	long before = unmap_until_touched(stack_page);
	guest_last_fault.vector = -1;
	int v = guest_catch(pf_on_fresh_stack, 0);
	paging_disable();
	check_touched(before, "#PF");
	guest_check(v == VEC_PF && guest_last_fault.cr2 == PF_ADDR && guest_last_fault.error == 2 &&
			    guest_last_fault.eip == (uint32_t)(uintptr_t)pf_ip,
		    "#PF: delivered with CR2 0x%08x error 0x2 at eip 0x%08x (got %s CR2 0x%08x error 0x%x eip 0x%08x)",
		    PF_ADDR, (unsigned)(uintptr_t)pf_ip, exception_name(v), (unsigned)guest_last_fault.cr2,
		    (unsigned)guest_last_fault.error, (unsigned)guest_last_fault.eip);
}

static void test_nmi(void)
{
	nmi_count = nmi_nested = 0;
	long r = nestor_hypercall(HC_RAISE_EVENT, HC_EVENT_NMI, 0, 0);
	/* The second NMI may wait for an exit after the IRET (SVM tracks the
	 * end of the handler that way): give it some. */
	for (int i = 0; i < 100 && nmi_count < 2; i++)
		outb(0x80, 0);
	guest_check(r == 0 && nmi_count == 2 && nmi_nested == 0,
		    "NMI delivered; a second one raised inside its handler waited for the IRET (%u NMIs, %u nested)",
		    (unsigned)nmi_count, (unsigned)nmi_nested);
}

int guest_main(const struct mb_info *mbi)
{
	(void)mbi;
	nestor = nestor_present();
	idt_setup();
	test_db("#DB, stack page unmapped", stack_page, stack_page + sizeof(stack_page));
	test_db("#DB, IDT page unmapped", idt_page, stack_page + sizeof(stack_page));
	test_soft_int();
	test_pf();
	if (!nestor) {
		guest_skip("interrupt and NMI injection need HC_RAISE_EVENT");
		return 0;
	}
	test_interrupt_now();
	test_interrupt_in_flight();
	test_nmi();
	guest_say("%d checks failed", guest_failures());
	return 0;
}

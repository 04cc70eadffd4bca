/*
 * idt.c - an IDT for vectors 0-31 so a guest can provoke an exception on
 * purpose and check that it happened (guest_catch), and so an unexpected
 * one ends the run with a readable line instead of a triple fault.
 */
#include "guest.h"

/* 32-bit interrupt gate (Intel SDM vol. 3A, 6.11): present, DPL 0,
 * type 0xE. An interrupt gate clears IF; the guests run with IF=0 anyway. */
#define GATE_INT32 0x8e
#define CODE_SEL 0x08 /* entry.asm's GDT */

struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t zero;
	uint8_t type_attr;
	uint16_t offset_hi;
} __attribute__((packed));
_Static_assert(sizeof(struct idt_gate) == 8, "IDT gate is 8 bytes");

struct idt_desc {
	uint16_t limit;
	uint32_t base;
} __attribute__((packed));

extern const uint32_t guest_isr_table[32];
extern char guest_catch_landing[];

/* All 256 vectors: 0-31 the exception stubs, the rest not present until
 * guest_idt_set_handler installs one (a stray interrupt there is #NP). */
static struct idt_gate idt[256] __attribute__((aligned(8)));

/* Shared with guest_catch in entry.asm: the stack of the innermost active
 * catch (0: none) and the vector that ended it. */
uint32_t guest_catch_esp;
uint32_t guest_catch_vector;
volatile struct guest_fault guest_last_fault = { .vector = -1 };

void guest_exception(struct guest_frame *f);

void guest_idt_set_handler(unsigned vector, void (*stub)(void))
{
	uint32_t a = (uint32_t)(uintptr_t)stub;
	idt[vector & 0xff] = (struct idt_gate){
		.offset_lo = (uint16_t)a,
		.selector = CODE_SEL,
		.type_attr = GATE_INT32,
		.offset_hi = (uint16_t)(a >> 16),
	};
}

void guest_idt_init(void)
{
	for (int v = 0; v < 32; v++)
		guest_idt_set_handler((unsigned)v, (void (*)(void))(uintptr_t)guest_isr_table[v]);
	struct idt_desc d = { sizeof(idt) - 1, (uint32_t)(uintptr_t)idt };
	__asm__ volatile("lidt %0" : : "m"(d));
}

const char *exception_name(int vector)
{
	static const char *const names[32] = {
		"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
		"#DF", "CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "#15",
		"#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "#22", "#23",
		"#24", "#25", "#26", "#27", "#HV", "#VC", "#SX", "#31",
	};

	if (vector < 0)
		return "none";
	return vector < 32 ? names[vector] : "?";
}

void guest_exception(struct guest_frame *f)
{
	guest_last_fault.vector = (int)f->vector;
	guest_last_fault.error = f->error;
	guest_last_fault.eip = f->eip;
	guest_last_fault.cr2 = f->vector == VEC_PF ? read_cr2() : 0;
	guest_last_fault.eax = f->eax;
	guest_last_fault.ecx = f->ecx;
	guest_last_fault.edx = f->edx;
	guest_last_fault.ebx = f->ebx;
	guest_last_fault.esi = f->esi;
	guest_last_fault.edi = f->edi;
	guest_last_fault.eflags = f->eflags;

	if (guest_catch_esp) {
		/* Expected: resume in guest_catch, which unwinds and returns
		 * the vector to whoever asked. */
		guest_catch_vector = f->vector;
		f->eip = (uint32_t)(uintptr_t)guest_catch_landing;
		return;
	}
	guest_fail("unexpected exception %s (vector %u, error 0x%x) at eip 0x%08x cr2 0x%08x",
		   exception_name((int)f->vector), (unsigned)f->vector,
		   (unsigned)f->error, (unsigned)f->eip,
		   (unsigned)guest_last_fault.cr2);
	guest_exit(GUEST_EXIT_EXCEPTION);
}

struct msr_op {
	uint32_t msr;
	uint64_t value;
};

static void do_rdmsr(void *arg)
{
	struct msr_op *op = arg;
	op->value = rdmsr(op->msr);
}

static void do_wrmsr(void *arg)
{
	struct msr_op *op = arg;
	wrmsr(op->msr, op->value);
}

int rdmsr_safe(uint32_t msr, uint64_t *value)
{
	struct msr_op op = { msr, 0 };

	guest_last_fault.vector = -1;
	int v = guest_catch(do_rdmsr, &op);
	if (v < 0)
		*value = op.value;
	return v;
}

int wrmsr_safe(uint32_t msr, uint64_t value)
{
	struct msr_op op = { msr, value };

	guest_last_fault.vector = -1;
	return guest_catch(do_wrmsr, &op);
}

/* The name the PIC/PIT/RTC guests use (tests/guests/lib/guest.h). */
void guest_set_intr_gate(unsigned vector, void (*stub)(void)) { guest_idt_set_handler(vector, stub); }

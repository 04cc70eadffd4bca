/* idt.c - IDT with one gate per vector; exceptions go to the fault
 * reporter, higher vectors to registered handlers. */
#include "hv/host/idt.h"
#include "hv/host/exception.h"
#include "hv/host/percpu.h"

struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct idt_gate) == 16, "64-bit IDT gate (SDM 3A 6.14.1)");

extern const uint64_t isr_stub_table[256];
static struct idt_gate idt[256] __attribute__((aligned(16)));
static irq_handler_fn irq_handlers[256];

void idt_init(void)
{
	for (int v = 0; v < 256; v++) {
		uint64_t a = isr_stub_table[v];
		idt[v] = (struct idt_gate){
			.offset_lo = a & 0xffff,
			.selector = GDT_SEL_CODE64,
			.ist = v == 8 ? IST_DOUBLE_FAULT : v == 2 ? IST_NMI : v == 18 ? IST_MACHINE_CHECK : 0,
			.type_attr = 0x8e, /* present, DPL 0, 64-bit interrupt gate */
			.offset_mid = (a >> 16) & 0xffff,
			.offset_hi = a >> 32,
		};
	}
}

void idt_load(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr = { sizeof(idt) - 1, (uint64_t)idt };
	__asm__ volatile("lidt %0" ::"m"(idtr));
}

void idt_set_handler(uint8_t vector, irq_handler_fn fn) { irq_handlers[vector] = fn; }

void interrupt_dispatch(struct int_frame *frame);
void interrupt_dispatch(struct int_frame *frame)
{
	if (frame->vector >= 32 && irq_handlers[frame->vector]) {
		irq_handlers[frame->vector](frame);
		return;
	}
	exception_report_and_stop(frame);
}

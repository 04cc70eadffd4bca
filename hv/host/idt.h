/* idt.h - the interrupt descriptor table and the common interrupt frame. */
#ifndef NESTOR_CPU_IDT_H
#define NESTOR_CPU_IDT_H

#include <stdint.h>

#define IST_DOUBLE_FAULT 1
#define IST_NMI 2
#define IST_MACHINE_CHECK 3

/* Pushed by isr.asm: the GPRs, then vector and error code, then the CPU's
 * own frame (SDM 3A 6.14.1). Keep in step with isr.asm. */
struct int_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss;
};

typedef void (*irq_handler_fn)(struct int_frame *frame);

void idt_init(void);
void idt_load(void);
/* Route a vector >= 32 to a handler (it must send its own EOI). */
void idt_set_handler(uint8_t vector, irq_handler_fn fn);

#endif

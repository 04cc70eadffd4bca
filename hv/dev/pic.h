/*
 * pic.h - the PC's two cascaded 8259A programmable interrupt controllers
 * (Intel 8259A data sheet; the PIIX/ICH edge/level control registers
 * ELCR1/ELCR2 at ports 0x4D0/0x4D1).
 *
 *   ISA IRQ 0-7  --> master (ports 0x20/0x21) --INT--> the CPU's INTR pin
 *   ISA IRQ 8-15 --> slave  (ports 0xA0/0xA1) --INT--> master IR2 (cascade)
 *
 * Modelled: the ICW1-ICW4 initialisation sequence (single or cascaded,
 * ICW4 needed or not, LTIM level mode, auto-EOI, special fully nested
 * mode), OCW1 masks, OCW2 non-specific / specific EOI, rotation (on
 * non-specific EOI, on specific EOI, in auto-EOI mode, set priority),
 * OCW3 IRR/ISR read select, poll command and special mask mode; ELCR per
 * IRQ level triggering (IRQ 0, 1, 2, 8 and 13 are always edge, as on
 * PIIX); the INTA cycle: the vector of the highest-priority request
 * (ICW2 base + level), with spurious IRQ7 (master) or IRQ15 (slave) when
 * the request went away; the slave's INT output as master IR2.
 *
 * Not modelled: MCS-80/85 mode (ICW4 bit 0 = 0; logged by the device,
 * vectors are then still 8086-style), buffered mode (no effect on a VM).
 *
 * The model (struct pic_pair and the pic_* functions below) is pure
 * (host-tested by tests/host/test_pic.c); hv/dev/pic_dev.c connects it to
 * the VM: ports, the IRQ lines (a sink for GSIs 0-15), and vCPU 0's
 * interrupt source or the local APIC's ExtINT input.
 */
#ifndef NESTOR_DEV_PIC_H
#define NESTOR_DEV_PIC_H

#include <stdbool.h>
#include <stdint.h>

struct i8259 {
	uint8_t irr_edge; /* requests latched on a rising edge (edge-triggered inputs) */
	uint8_t line;     /* input levels now */
	uint8_t isr, imr;
	uint8_t elcr;     /* level-triggered inputs (ELCR) */
	uint8_t vector_base;
	uint8_t lowest;   /* the level with the lowest priority (7 after ICW1) */
	uint8_t icw_step; /* 0: operational; 2, 3, 4: the next ICW expected */
	uint8_t icw3;     /* master: which inputs have slaves; slave: its ID */
	bool icw4_needed, single, ltim;
	bool auto_eoi, rotate_in_auto_eoi, sfnm, special_mask;
	bool read_isr, poll, mcs80;
};

struct pic_pair {
	struct i8259 chip[2]; /* 0 master, 1 slave */
};

/* Power-on state: uninitialised (all masked until ICW1, vectors 0). */
void pic_reset(struct pic_pair *p);

/* Port accesses: chip 0/1, a0 the address bit (0: 0x20/0xA0, 1: 0x21/0xA1). */
void pic_write(struct pic_pair *p, unsigned chip, unsigned a0, uint8_t val);
uint8_t pic_read(struct pic_pair *p, unsigned chip, unsigned a0);
void pic_write_elcr(struct pic_pair *p, unsigned chip, uint8_t val);
uint8_t pic_read_elcr(const struct pic_pair *p, unsigned chip);

/* ISA IRQ irq (0-15, 2 is the cascade and ignored) input goes to level. */
void pic_set_irq(struct pic_pair *p, unsigned irq, bool level);

/* The master's INT output: is an interrupt being requested? */
bool pic_output(const struct pic_pair *p);
/* The vector the next INTA cycle will give, or -1 if INT is low. */
int pic_peek_vector(const struct pic_pair *p);
/* The INTA cycle: the vector (spurious 7/15 if nothing is pending), with
 * ISR/IRR updated. */
uint8_t pic_intack(struct pic_pair *p);

#endif

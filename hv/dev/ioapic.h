/*
 * ioapic.h - the I/O APIC of a VM as pure logic (tests/host/test_ioapic.c):
 * the Intel 82093AA programming model (82093AA datasheet, chapter 3) in
 * the version the ICH family's integrated I/O APIC reports (0x20: it adds
 * the EOI register at offset 0x40), with 24 pins.
 *
 *   MMIO (one page)            indirect registers (index in IOREGSEL)
 *   0x00 IOREGSEL  index  -->  0x00 ID       bits 27:24 R/W
 *   0x10 IOWIN     data  <-->  0x01 VERSION  0x20, max entry 23 (RO)
 *   0x40 EOI       vector      0x02 ARB      bits 27:24 (RO, loaded from ID)
 *                              0x10+2n, 0x11+2n  redirection entry n (low, high)
 *
 *   pin n --(polarity, trigger, mask, remote IRR)--> struct apic_msg --> deliver()
 *
 * No hypervisor globals: the glue (hv/dev/ioapic_dev.c) gives the MMIO
 * accesses, the pin levels and the local APICs' EOIs, and receives the
 * messages through the callback.
 *
 * Locking: the caller's (one instance per VM, under the VM's IRQ lock).
 */
#ifndef NESTOR_DEV_IOAPIC_H
#define NESTOR_DEV_IOAPIC_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/dev/apic_msg.h"

#define IOAPIC_PINS 24

/* Direct registers: offsets in the page (82093AA 3.1; ICH: EOI 0x40). */
#define IOAPIC_IOREGSEL 0x00
#define IOAPIC_IOWIN 0x10
#define IOAPIC_EOI 0x40

/* Indirect registers (82093AA 3.2, table 2). */
#define IOAPIC_REG_ID 0x00
#define IOAPIC_REG_VERSION 0x01
#define IOAPIC_REG_ARB 0x02
#define IOAPIC_REG_REDIR 0x10 /* entry n: 0x10 + 2n (bits 31:0), 0x11 + 2n (63:32) */

#define IOAPIC_VERSION 0x20
#define IOAPIC_ID_MASK 0x0f000000u

/* Redirection entry fields (82093AA 3.2.4, table 3). */
#define IOAPIC_RTE_VECTOR 0xffull
#define IOAPIC_RTE_DELMOD_SHIFT 8
#define IOAPIC_RTE_DELMOD (7ull << 8)
#define IOAPIC_RTE_LOGICAL (1ull << 11)
#define IOAPIC_RTE_DELIVS (1ull << 12)     /* RO */
#define IOAPIC_RTE_ACTIVE_LOW (1ull << 13)
#define IOAPIC_RTE_REMOTE_IRR (1ull << 14) /* RO */
#define IOAPIC_RTE_LEVEL (1ull << 15)
#define IOAPIC_RTE_MASKED (1ull << 16)
#define IOAPIC_RTE_DEST_SHIFT 56
/* What software may write: bits 16:0 but 12 and 14, and 63:56 (55:17 are
 * reserved). */
#define IOAPIC_RTE_WRITABLE (0x1afffull | (0xffull << 56))

struct ioapic {
	uint8_t regsel;      /* IOREGSEL bits 7:0 (31:8 reserved) */
	uint32_t id;         /* ID register: bits 27:24 */
	uint32_t arb;        /* arbitration ID: bits 27:24 */
	uint64_t rte[IOAPIC_PINS];
	uint32_t pins;       /* bit n: pin n's input is high (electrically) */
	void (*deliver)(void *ctx, const struct apic_msg *m);
	void *ctx;
	/* Statistics for the glue: messages sent, and interrupts not sent
	 * because their entry holds a reserved delivery mode (3 or 6). */
	uint64_t sent, reserved_mode;
};

/* Power-on state with the ID the firmware tables publish (a BIOS would
 * have programmed it): every entry masked, edge, fixed, vector 0; all pins
 * low; IOREGSEL 0. */
void ioapic_reset(struct ioapic *io, uint8_t id, void (*deliver)(void *ctx, const struct apic_msg *m), void *ctx);

/* A guest access at offset off of the page, size bytes (1, 2, 4, 8). Only
 * aligned dwords at IOREGSEL, IOWIN and EOI do anything; every other
 * access reads 0 and writes are ignored. */
uint32_t ioapic_mmio_read(struct ioapic *io, uint64_t off, unsigned size);
void ioapic_mmio_write(struct ioapic *io, uint64_t off, unsigned size, uint32_t val);

/* The indirect registers themselves (what IOWIN reads/writes for index). */
uint32_t ioapic_read_reg(const struct ioapic *io, uint8_t index);
void ioapic_write_reg(struct ioapic *io, uint8_t index, uint32_t val);

/* Pin input (electrical level); a bad pin is ignored. */
void ioapic_set_pin(struct ioapic *io, unsigned pin, bool level);
/* An EOI for vector: from a local APIC's broadcast or the EOI register. */
void ioapic_eoi(struct ioapic *io, uint8_t vector);

#endif

/*
 * ioapic.c - the I/O APIC's registers and pin logic (see ioapic.h).
 *
 * References: Intel 82093AA I/O APIC datasheet (order 290566), 3.1
 * (IOREGSEL/IOWIN), 3.2.1-3.2.4 (ID, version, arbitration, redirection
 * table); the ICH family datasheets' "I/O APIC registers" (version 0x20,
 * EOI register at 0x40); Intel SDM Vol 3A 11.6.1 for the delivery-mode
 * encoding the messages use.
 *
 * Choices where the documents leave room (each says why):
 * - Delivery modes 3 and 6 are "reserved" in table 3 and have no defined
 *   behaviour; such an entry sends nothing (6 would be a start-up IPI in
 *   the ICR's encoding) and is counted in reserved_mode for the glue.
 * - SMI, NMI, INIT and ExtINT are treated as edge-triggered even when the
 *   entry says level, as the DELMOD description says for NMI and INIT and
 *   requires for SMI and ExtINT: they are sent on an assertion edge and
 *   never set remote IRR. Their messages carry vector 0 ("vector
 *   information is ignored"; ExtINT's vector comes from the 8259's INTA).
 * - Vectors 0x00-0x0F (the datasheet allows 0x10-0xFE) are sent as
 *   programmed: the receiving local APIC rejects them with a "receive
 *   illegal vector" error (SDM 3A 11.5.3), so that is its decision.
 * - Delivery status (bit 12) always reads 0: a message is handed to the
 *   local APIC side at once, so it is never pending.
 * - Writing an entry's low half with the trigger bit clear (edge) clears
 *   remote IRR. The datasheet only calls remote IRR undefined for edge
 *   entries; this is what the 82093AA does and what OSes rely on to clear
 *   a stuck remote IRR on I/O APICs without the EOI register (Linux's
 *   "EOI by switching to edge and back").
 * - Edges are detected on changes of the pin's input with the polarity in
 *   force at that moment; reprogramming an entry's polarity is not an
 *   edge. A level entry is re-evaluated after every write of its low half
 *   (so unmasking, or turning it to level, while asserted delivers).
 * - Unknown indirect indexes read 0 and ignore writes; so do accesses to
 *   the page other than aligned dwords at 0x00, 0x10 and 0x40 (the ICH
 *   datasheet supports only dword accesses to these registers and leaves
 *   the rest of the range reserved). The EOI register is write-only
 *   (reads 0); IOREGSEL bits 31:8 are reserved (read 0).
 */
#include "hv/dev/ioapic.h"

/* 82093AA 3.2.2 and ICH: version in bits 7:0, maximum redirection entry
 * (pins - 1) in bits 23:16; bit 15 (ICH "PRQ", the pin assertion register
 * at 0x20) stays 0: that register is not implemented. */
#define IOAPIC_VERSION_VALUE (IOAPIC_VERSION | (uint32_t)(IOAPIC_PINS - 1) << 16)

void ioapic_reset(struct ioapic *io, uint8_t id, void (*deliver)(void *ctx, const struct apic_msg *m), void *ctx)
{
	*io = (struct ioapic){ 0 };
	io->id = ((uint32_t)id << 24) & IOAPIC_ID_MASK;
	io->arb = io->id;
	/* 82093AA 3.2.4: the mask bits are set at reset; the rest is
	 * undefined, here 0. */
	for (unsigned i = 0; i < IOAPIC_PINS; i++)
		io->rte[i] = IOAPIC_RTE_MASKED;
	io->deliver = deliver;
	io->ctx = ctx;
}

static unsigned delmod(uint64_t rte) { return (unsigned)((rte & IOAPIC_RTE_DELMOD) >> IOAPIC_RTE_DELMOD_SHIFT); }

static bool reserved_mode(unsigned mode) { return mode == 3 || mode == 6; }

/* Fixed and lowest priority (and the reserved modes, which send nothing)
 * honour the trigger bit; the other modes are edge-triggered. */
static bool is_level(uint64_t rte)
{
	unsigned m = delmod(rte);
	return (rte & IOAPIC_RTE_LEVEL) && (m == APIC_MSG_FIXED || m == APIC_MSG_LOWEST || reserved_mode(m));
}

/* The pin's input as the entry's polarity reads it (INTPOL, bit 13). */
static bool asserted(const struct ioapic *io, unsigned pin)
{
	bool high = (io->pins >> pin) & 1;
	return high != ((io->rte[pin] & IOAPIC_RTE_ACTIVE_LOW) != 0);
}

static void send(struct ioapic *io, unsigned pin)
{
	uint64_t e = io->rte[pin];
	unsigned mode = delmod(e);
	if (reserved_mode(mode)) {
		io->reserved_mode++;
		return;
	}
	bool level = is_level(e);
	bool vectored = mode == APIC_MSG_FIXED || mode == APIC_MSG_LOWEST;
	struct apic_msg m = {
		.dest = (uint32_t)(e >> IOAPIC_RTE_DEST_SHIFT) & 0xff,
		.logical = (e & IOAPIC_RTE_LOGICAL) != 0,
		.delivery = (uint8_t)mode,
		.vector = vectored ? (uint8_t)(e & IOAPIC_RTE_VECTOR) : 0,
		.level = level,
	};
	/* Remote IRR: "set when the local APIC(s) accept the level
	 * interrupt" (82093AA 3.2.4). Set before the call, so an EOI the
	 * receiver might send from inside it is not lost. */
	if (level)
		io->rte[pin] |= IOAPIC_RTE_REMOTE_IRR;
	io->sent++;
	if (io->deliver)
		io->deliver(io->ctx, &m);
}

/* A level entry sends while its pin is asserted, it is unmasked and no
 * local APIC still has the previous one in service (remote IRR). */
static void check_level(struct ioapic *io, unsigned pin)
{
	uint64_t e = io->rte[pin];
	if (is_level(e) && !(e & (IOAPIC_RTE_MASKED | IOAPIC_RTE_REMOTE_IRR)) && asserted(io, pin))
		send(io, pin);
}

uint32_t ioapic_read_reg(const struct ioapic *io, uint8_t index)
{
	if (index == IOAPIC_REG_ID)
		return io->id;
	if (index == IOAPIC_REG_VERSION)
		return IOAPIC_VERSION_VALUE;
	if (index == IOAPIC_REG_ARB)
		return io->arb;
	if (index >= IOAPIC_REG_REDIR && index < IOAPIC_REG_REDIR + 2 * IOAPIC_PINS) {
		uint64_t e = io->rte[(index - IOAPIC_REG_REDIR) / 2];
		return (uint32_t)(index & 1 ? e >> 32 : e);
	}
	return 0;
}

void ioapic_write_reg(struct ioapic *io, uint8_t index, uint32_t val)
{
	if (index == IOAPIC_REG_ID) {
		/* 82093AA 3.2.3: the arbitration ID is loaded from the ID
		 * whenever the ID is written. */
		io->id = val & IOAPIC_ID_MASK;
		io->arb = io->id;
		return;
	}
	if (index < IOAPIC_REG_REDIR || index >= IOAPIC_REG_REDIR + 2 * IOAPIC_PINS)
		return; /* VERSION and ARB are read-only; the rest does not exist */
	unsigned pin = (index - IOAPIC_REG_REDIR) / 2;
	uint64_t e = io->rte[pin];
	if (index & 1) {
		uint64_t hi = ((uint64_t)val << 32) & IOAPIC_RTE_WRITABLE;
		io->rte[pin] = (e & 0xffffffffull) | hi;
		return;
	}
	uint64_t lo_w = IOAPIC_RTE_WRITABLE & 0xffffffffull;
	e = (e & ~lo_w) | (val & lo_w);
	if (!(e & IOAPIC_RTE_LEVEL))
		e &= ~IOAPIC_RTE_REMOTE_IRR;
	io->rte[pin] = e;
	check_level(io, pin);
}

uint32_t ioapic_mmio_read(struct ioapic *io, uint64_t off, unsigned size)
{
	if (size != 4)
		return 0;
	if (off == IOAPIC_IOREGSEL)
		return io->regsel;
	if (off == IOAPIC_IOWIN)
		return ioapic_read_reg(io, io->regsel);
	return 0; /* EOI is write-only; other offsets are reserved */
}

void ioapic_mmio_write(struct ioapic *io, uint64_t off, unsigned size, uint32_t val)
{
	if (size != 4)
		return;
	if (off == IOAPIC_IOREGSEL)
		io->regsel = (uint8_t)val;
	else if (off == IOAPIC_IOWIN)
		ioapic_write_reg(io, io->regsel, val);
	else if (off == IOAPIC_EOI)
		ioapic_eoi(io, (uint8_t)val); /* ICH: only bits 7:0 are used */
}

void ioapic_set_pin(struct ioapic *io, unsigned pin, bool level)
{
	if (pin >= IOAPIC_PINS)
		return;
	bool was = asserted(io, pin);
	if (level)
		io->pins |= 1u << pin;
	else
		io->pins &= ~(1u << pin);
	uint64_t e = io->rte[pin];
	if (is_level(e))
		check_level(io, pin);
	else if (!was && asserted(io, pin) && !(e & IOAPIC_RTE_MASKED))
		send(io, pin); /* an edge on a masked pin is lost, not held (3.2.4) */
}

void ioapic_eoi(struct ioapic *io, uint8_t vector)
{
	/* ICH EOI register: every entry whose vector matches has remote IRR
	 * cleared; the local APIC's EOI broadcast does the same (SDM 3A
	 * 11.8.5). A pin still asserted sends again. */
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
		uint64_t e = io->rte[pin];
		if ((e & IOAPIC_RTE_REMOTE_IRR) && (e & IOAPIC_RTE_VECTOR) == vector) {
			io->rte[pin] = e & ~IOAPIC_RTE_REMOTE_IRR;
			check_level(io, pin);
		}
	}
}

/* test_ioapic - the I/O APIC model as a guest programs it through the
 * page (IOREGSEL/IOWIN/EOI): ID/version/arbitration, every redirection
 * entry's writable and read-only bits, bad indexes and access sizes, edge
 * vs level pins, polarity, remote IRR with EOI re-delivery, masking, and
 * the reserved and non-vectored delivery modes. */
#include "tests/host/check.h"

#include "hv/dev/ioapic.h"

struct rec {
	unsigned n;
	struct apic_msg m[16];
};

static void record(void *ctx, const struct apic_msg *m)
{
	struct rec *r = ctx;
	if (r->n < 16)
		r->m[r->n] = *m;
	r->n++;
}

static struct ioapic io;
static struct rec r;

static void setup(void)
{
	r = (struct rec){ 0 };
	ioapic_reset(&io, 8, record, &r);
}

/* What a guest does: select the register, then use the window. */
static uint32_t rd(uint8_t index)
{
	ioapic_mmio_write(&io, IOAPIC_IOREGSEL, 4, index);
	return ioapic_mmio_read(&io, IOAPIC_IOWIN, 4);
}

static void wr(uint8_t index, uint32_t val)
{
	ioapic_mmio_write(&io, IOAPIC_IOREGSEL, 4, index);
	ioapic_mmio_write(&io, IOAPIC_IOWIN, 4, val);
}

static void program(unsigned pin, uint32_t lo, uint8_t dest)
{
	wr((uint8_t)(0x11 + 2 * pin), (uint32_t)dest << 24);
	wr((uint8_t)(0x10 + 2 * pin), lo);
}

static void eoi_reg(uint32_t v) { ioapic_mmio_write(&io, IOAPIC_EOI, 4, v); }

#define LEVEL (1u << 15)
#define LOW (1u << 13)
#define MASK (1u << 16)
#define LOGICAL (1u << 11)
#define RIRR (1u << 14)

TEST(reset_state)
{
	setup();
	CHECK_EQ(rd(0x00), 0x08000000);
	CHECK_EQ(rd(0x01), 0x00170020);
	CHECK_EQ(rd(0x02), 0x08000000);
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
		CHECK_EQ(rd((uint8_t)(0x10 + 2 * pin)), 0x00010000);
		CHECK_EQ(rd((uint8_t)(0x11 + 2 * pin)), 0);
	}
	/* Masked at reset: pins do nothing. */
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++)
		ioapic_set_pin(&io, pin, true);
	CHECK_EQ(r.n, 0);
	CHECK_EQ(ioapic_mmio_read(&io, IOAPIC_IOREGSEL, 4), 0x3f); /* the last index selected */
}

TEST(id_writable_bits_and_arbitration_follows)
{
	setup();
	wr(0x00, 0xffffffff);
	CHECK_EQ(rd(0x00), 0x0f000000);
	CHECK_EQ(rd(0x02), 0x0f000000);
	wr(0x00, 0x03000000 | 0x00ffffff);
	CHECK_EQ(rd(0x00), 0x03000000);
	CHECK_EQ(rd(0x02), 0x03000000);
	/* VERSION and ARB are read-only. */
	wr(0x01, 0);
	wr(0x02, 0x05000000);
	CHECK_EQ(rd(0x01), 0x00170020);
	CHECK_EQ(rd(0x02), 0x03000000);
	CHECK_EQ(rd(0x00), 0x03000000);
}

TEST(ioregsel_keeps_eight_bits)
{
	setup();
	ioapic_mmio_write(&io, IOAPIC_IOREGSEL, 4, 0xabcd1201);
	CHECK_EQ(ioapic_mmio_read(&io, IOAPIC_IOREGSEL, 4), 0x01);
	CHECK_EQ(ioapic_mmio_read(&io, IOAPIC_IOWIN, 4), 0x00170020);
}

TEST(redirection_entries_writable_and_read_only_bits)
{
	setup();
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
		wr((uint8_t)(0x10 + 2 * pin), 0xffffffff);
		wr((uint8_t)(0x11 + 2 * pin), 0xffffffff);
	}
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
		/* 55:17 reserved, 12 (delivery status) and 14 (remote IRR)
		 * read-only: level masked, so remote IRR stays clear. */
		CHECK_EQ(rd((uint8_t)(0x10 + 2 * pin)), 0x0001afff);
		CHECK_EQ(rd((uint8_t)(0x11 + 2 * pin)), 0xff000000);
	}
	CHECK_EQ(r.n, 0);
	/* Entries are independent: a distinct pattern per pin. */
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++)
		program(pin, MASK | (0x20 + pin), (uint8_t)pin);
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
		CHECK_EQ(rd((uint8_t)(0x10 + 2 * pin)), MASK | (0x20 + pin));
		CHECK_EQ(rd((uint8_t)(0x11 + 2 * pin)), pin << 24);
	}
}

TEST(bad_indexes_read_zero_and_ignore_writes)
{
	setup();
	program(0, MASK | 0x31, 1);
	uint32_t before[256];
	for (unsigned i = 0; i < 256; i++)
		before[i] = rd((uint8_t)i);
	for (unsigned i = 0x03; i < 0x10; i++)
		wr((uint8_t)i, 0xffffffff);
	for (unsigned i = 0x40; i < 0x100; i++)
		wr((uint8_t)i, 0xffffffff);
	for (unsigned i = 0; i < 256; i++) {
		bool known = i <= 2 || (i >= 0x10 && i < 0x40);
		if (!known)
			CHECK_EQ(before[i], 0);
		CHECK_EQ(rd((uint8_t)i), before[i]);
	}
	CHECK_EQ(r.n, 0);
}

TEST(only_aligned_dwords_at_the_three_registers)
{
	setup();
	/* Reads of other sizes and offsets give 0 and change nothing. */
	ioapic_mmio_write(&io, IOAPIC_IOREGSEL, 4, 0x01);
	static const unsigned sizes[] = { 1, 2, 8 };
	for (unsigned s = 0; s < 3; s++) {
		CHECK_EQ(ioapic_mmio_read(&io, IOAPIC_IOREGSEL, sizes[s]), 0);
		CHECK_EQ(ioapic_mmio_read(&io, IOAPIC_IOWIN, sizes[s]), 0);
		ioapic_mmio_write(&io, IOAPIC_IOREGSEL, sizes[s], 0x00);
		ioapic_mmio_write(&io, IOAPIC_IOWIN, sizes[s], 0xffffffff);
	}
	CHECK_EQ(ioapic_mmio_read(&io, IOAPIC_IOREGSEL, 4), 0x01);
	/* Offsets inside IOREGSEL/IOWIN and every other dword in the page. */
	for (uint64_t off = 0; off < 4096; off++) {
		if (off == IOAPIC_IOREGSEL || off == IOAPIC_IOWIN || off == IOAPIC_EOI)
			continue;
		CHECK_EQ(ioapic_mmio_read(&io, off, 4), 0);
		ioapic_mmio_write(&io, off, 4, 0x00);
	}
	CHECK_EQ(ioapic_mmio_read(&io, IOAPIC_IOREGSEL, 4), 0x01);
	CHECK_EQ(rd(0x00), 0x08000000);
	/* An IOWIN write of the wrong size does not reach the ID. */
	ioapic_mmio_write(&io, IOAPIC_IOREGSEL, 4, 0x00);
	ioapic_mmio_write(&io, IOAPIC_IOWIN, 2, 0x0000);
	ioapic_mmio_write(&io, IOAPIC_IOWIN + 2, 2, 0x0100);
	CHECK_EQ(rd(0x00), 0x08000000);
	/* The EOI register reads 0 (write-only). */
	CHECK_EQ(ioapic_mmio_read(&io, IOAPIC_EOI, 4), 0);
}

TEST(edge_fixed_delivers_once_per_rising_edge)
{
	setup();
	program(1, 0x41, 3);
	ioapic_set_pin(&io, 1, true);
	CHECK_EQ(r.n, 1);
	CHECK_EQ(r.m[0].vector, 0x41);
	CHECK_EQ(r.m[0].dest, 3);
	CHECK_EQ(r.m[0].logical, false);
	CHECK_EQ(r.m[0].delivery, APIC_MSG_FIXED);
	CHECK_EQ(r.m[0].level, false);
	ioapic_set_pin(&io, 1, true); /* no change: no edge */
	ioapic_set_pin(&io, 1, false);
	CHECK_EQ(r.n, 1);
	ioapic_set_pin(&io, 1, true);
	CHECK_EQ(r.n, 2);
	/* Edge entries never set remote IRR. */
	CHECK_EQ(rd(0x12) & RIRR, 0);
	/* An EOI for the vector changes nothing for an edge entry. */
	ioapic_eoi(&io, 0x41);
	CHECK_EQ(r.n, 2);
	CHECK_EQ(io.sent, 2);
}

TEST(edge_active_low_fires_on_falling_edge)
{
	setup();
	ioapic_set_pin(&io, 5, true); /* idle high for an active-low line */
	program(5, LOW | 0x55, 0);
	CHECK_EQ(r.n, 0); /* reprogramming is not an edge */
	ioapic_set_pin(&io, 5, false);
	CHECK_EQ(r.n, 1);
	CHECK_EQ(r.m[0].vector, 0x55);
	ioapic_set_pin(&io, 5, true);
	CHECK_EQ(r.n, 1);
}

TEST(edge_while_masked_is_lost)
{
	setup();
	program(3, MASK | 0x33, 0);
	ioapic_set_pin(&io, 3, true);
	ioapic_set_pin(&io, 3, false);
	program(3, 0x33, 0);
	CHECK_EQ(r.n, 0);
	/* Unmasked while the pin is high: still no edge. */
	program(3, MASK | 0x33, 0);
	ioapic_set_pin(&io, 3, true);
	program(3, 0x33, 0);
	CHECK_EQ(r.n, 0);
	ioapic_set_pin(&io, 3, false);
	ioapic_set_pin(&io, 3, true);
	CHECK_EQ(r.n, 1);
}

TEST(level_remote_irr_and_eoi_redelivery)
{
	setup();
	program(10, LEVEL | 0x61, 2);
	ioapic_set_pin(&io, 10, true);
	CHECK_EQ(r.n, 1);
	CHECK_EQ(r.m[0].vector, 0x61);
	CHECK_EQ(r.m[0].level, true);
	CHECK_EQ(r.m[0].dest, 2);
	CHECK_EQ(rd(0x24), LEVEL | RIRR | 0x61);
	/* Remote IRR blocks a second message while the pin stays asserted. */
	ioapic_set_pin(&io, 10, false);
	ioapic_set_pin(&io, 10, true);
	CHECK_EQ(r.n, 1);
	/* An EOI for another vector does nothing. */
	ioapic_eoi(&io, 0x62);
	CHECK_EQ(rd(0x24), LEVEL | RIRR | 0x61);
	CHECK_EQ(r.n, 1);
	/* The EOI for it re-delivers: the pin is still asserted. */
	ioapic_eoi(&io, 0x61);
	CHECK_EQ(r.n, 2);
	CHECK_EQ(rd(0x24), LEVEL | RIRR | 0x61);
	/* Deasserted, then EOI: remote IRR clear, nothing sent. */
	ioapic_set_pin(&io, 10, false);
	ioapic_eoi(&io, 0x61);
	CHECK_EQ(r.n, 2);
	CHECK_EQ(rd(0x24), LEVEL | 0x61);
	ioapic_set_pin(&io, 10, true);
	CHECK_EQ(r.n, 3);
}

TEST(eoi_register_clears_every_matching_entry)
{
	setup();
	program(16, LEVEL | 0x70, 0);
	program(17, LEVEL | 0x70, 1);
	program(18, LEVEL | 0x71, 0);
	ioapic_set_pin(&io, 16, true);
	ioapic_set_pin(&io, 17, true);
	ioapic_set_pin(&io, 18, true);
	CHECK_EQ(r.n, 3);
	ioapic_set_pin(&io, 16, false);
	ioapic_set_pin(&io, 17, false);
	/* Only bits 7:0 of the write count. */
	eoi_reg(0xffffff70);
	CHECK_EQ(rd(0x30) & RIRR, 0);
	CHECK_EQ(rd(0x32) & RIRR, 0);
	CHECK_EQ(rd(0x34) & RIRR, RIRR);
	CHECK_EQ(r.n, 3);
	eoi_reg(0x71); /* pin 18 still asserted: sent again */
	CHECK_EQ(r.n, 4);
	CHECK_EQ(r.m[3].vector, 0x71);
}

TEST(level_active_low)
{
	setup();
	/* An active-low level line idles high; programming it while low
	 * (asserted) delivers at once. */
	ioapic_set_pin(&io, 20, true);
	program(20, LEVEL | LOW | 0x80, 0);
	CHECK_EQ(r.n, 0);
	ioapic_set_pin(&io, 20, false);
	CHECK_EQ(r.n, 1);
	ioapic_set_pin(&io, 20, true);
	ioapic_eoi(&io, 0x80);
	CHECK_EQ(r.n, 1);
	program(21, LEVEL | LOW | 0x81, 0); /* pin 21 is low: asserted */
	CHECK_EQ(r.n, 2);
	CHECK_EQ(r.m[1].vector, 0x81);
}

TEST(unmasking_an_asserted_level_entry_delivers)
{
	setup();
	program(9, MASK | LEVEL | 0x49, 0);
	ioapic_set_pin(&io, 9, true);
	CHECK_EQ(r.n, 0);
	CHECK_EQ(rd(0x22) & RIRR, 0);
	program(9, LEVEL | 0x49, 0);
	CHECK_EQ(r.n, 1);
	CHECK_EQ(rd(0x22), LEVEL | RIRR | 0x49);
	/* Masking keeps remote IRR; the EOI while masked sends nothing, the
	 * unmask then does. */
	program(9, MASK | LEVEL | 0x49, 0);
	CHECK_EQ(rd(0x22), MASK | LEVEL | RIRR | 0x49);
	ioapic_eoi(&io, 0x49);
	CHECK_EQ(r.n, 1);
	CHECK_EQ(rd(0x22), MASK | LEVEL | 0x49);
	program(9, LEVEL | 0x49, 0);
	CHECK_EQ(r.n, 2);
	/* A level pin that went away while masked sends nothing on unmask. */
	program(9, MASK | LEVEL | 0x49, 0);
	ioapic_eoi(&io, 0x49);
	ioapic_set_pin(&io, 9, false);
	program(9, LEVEL | 0x49, 0);
	CHECK_EQ(r.n, 2);
}

TEST(switching_to_edge_clears_remote_irr)
{
	setup();
	program(11, LEVEL | 0x5b, 0);
	ioapic_set_pin(&io, 11, true);
	CHECK_EQ(r.n, 1);
	CHECK_EQ(rd(0x26) & RIRR, RIRR);
	/* The pre-EOI-register workaround: masked edge, then level again. */
	program(11, MASK | 0x5b, 0);
	CHECK_EQ(rd(0x26), MASK | 0x5b);
	CHECK_EQ(r.n, 1);
	program(11, MASK | LEVEL | 0x5b, 0);
	program(11, LEVEL | 0x5b, 0);
	CHECK_EQ(r.n, 2); /* still asserted */
	/* Software cannot set or clear remote IRR or delivery status. */
	program(11, LEVEL | RIRR | (1u << 12) | 0x5b, 0);
	CHECK_EQ(rd(0x26), LEVEL | RIRR | 0x5b);
	CHECK_EQ(r.n, 2);
}

TEST(high_half_write_keeps_low_half_state)
{
	setup();
	program(12, LEVEL | 0x5c, 0);
	ioapic_set_pin(&io, 12, true);
	wr(0x29, 0x12345678);
	CHECK_EQ(rd(0x29), 0x12000000);
	CHECK_EQ(rd(0x28), LEVEL | RIRR | 0x5c);
	CHECK_EQ(r.n, 1);
	ioapic_eoi(&io, 0x5c);
	CHECK_EQ(r.n, 2);
	CHECK_EQ(r.m[1].dest, 0x12);
}

TEST(destination_and_modes_in_the_message)
{
	setup();
	program(4, LOGICAL | (APIC_MSG_LOWEST << 8) | 0x90, 0xf0);
	ioapic_set_pin(&io, 4, true);
	CHECK_EQ(r.n, 1);
	CHECK_EQ(r.m[0].logical, true);
	CHECK_EQ(r.m[0].dest, 0xf0);
	CHECK_EQ(r.m[0].delivery, APIC_MSG_LOWEST);
	CHECK_EQ(r.m[0].vector, 0x90);
	CHECK_EQ(r.m[0].level, false);
	program(6, LEVEL | (APIC_MSG_LOWEST << 8) | 0x91, 0xff);
	ioapic_set_pin(&io, 6, true);
	CHECK_EQ(r.n, 2);
	CHECK_EQ(r.m[1].level, true);
	CHECK_EQ(r.m[1].dest, 0xff);
	CHECK_EQ(r.m[1].logical, false);
	/* Illegal vectors are sent as programmed (the LAPIC rejects them). */
	program(7, 0x05, 0);
	ioapic_set_pin(&io, 7, true);
	CHECK_EQ(r.n, 3);
	CHECK_EQ(r.m[2].vector, 0x05);
}

TEST(nmi_init_smi_extint_are_edge_without_vector)
{
	static const uint8_t modes[] = { APIC_MSG_SMI, APIC_MSG_NMI, APIC_MSG_INIT, APIC_MSG_EXTINT };
	for (unsigned i = 0; i < 4; i++) {
		setup();
		/* Programmed level: still edge (82093AA DELMOD). */
		program(13, LEVEL | ((uint32_t)modes[i] << 8) | 0xa7, 1);
		ioapic_set_pin(&io, 13, true);
		CHECK_EQ(r.n, 1);
		CHECK_EQ(r.m[0].delivery, modes[i]);
		CHECK_EQ(r.m[0].vector, 0);
		CHECK_EQ(r.m[0].level, false);
		CHECK_EQ(r.m[0].dest, 1);
		CHECK_EQ(rd(0x2a) & RIRR, 0);
		/* No re-delivery while held, nor on EOI, nor on rewrite. */
		ioapic_eoi(&io, 0xa7);
		program(13, LEVEL | ((uint32_t)modes[i] << 8) | 0xa7, 1);
		CHECK_EQ(r.n, 1);
		ioapic_set_pin(&io, 13, false);
		ioapic_set_pin(&io, 13, true);
		CHECK_EQ(r.n, 2);
	}
}

TEST(reserved_delivery_modes_send_nothing)
{
	for (unsigned mode = 3; mode <= 6; mode += 3) {
		setup();
		program(14, (mode << 8) | 0x44, 0);
		ioapic_set_pin(&io, 14, true);
		CHECK_EQ(r.n, 0);
		CHECK_EQ(io.reserved_mode, 1);
		CHECK_EQ(io.sent, 0);
		/* Level: nothing, remote IRR stays clear. */
		program(15, LEVEL | (mode << 8) | 0x45, 0);
		ioapic_set_pin(&io, 15, true);
		CHECK_EQ(r.n, 0);
		CHECK_EQ(rd(0x2e) & RIRR, 0);
		CHECK(io.reserved_mode >= 2);
		/* Reprogrammed to fixed: works. */
		program(15, LEVEL | 0x45, 0);
		CHECK_EQ(r.n, 1);
		CHECK_EQ(r.m[0].vector, 0x45);
	}
}

TEST(bad_pins_ignored)
{
	setup();
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++)
		program(pin, 0x20 + pin, 0);
	ioapic_set_pin(&io, IOAPIC_PINS, true);
	ioapic_set_pin(&io, 31, true);
	ioapic_set_pin(&io, 32, true);
	ioapic_set_pin(&io, ~0u, true);
	CHECK_EQ(r.n, 0);
	CHECK_EQ(io.pins, 0);
	/* Every real pin works on its own entry. */
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++)
		ioapic_set_pin(&io, pin, true);
	CHECK_EQ(r.n, IOAPIC_PINS);
	for (unsigned i = 0; i < 16; i++)
		CHECK_EQ(r.m[i].vector, 0x20 + i);
}

TEST(no_callback_is_safe)
{
	ioapic_reset(&io, 1, 0, 0);
	wr(0x10, LEVEL | 0x30);
	ioapic_set_pin(&io, 0, true);
	CHECK_EQ(io.sent, 1);
	CHECK_EQ(rd(0x10), LEVEL | RIRR | 0x30);
	CHECK_EQ(rd(0x00), 0x01000000);
}

TEST_MAIN()

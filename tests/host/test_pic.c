/* test_pic - the 8259A pair as an OS programs it: initialisation, masks,
 * priorities, EOIs, rotation, cascade, level/ELCR, spurious IRQ7/15,
 * auto-EOI, poll and special mask mode. */
#include "tests/host/check.h"

#include "hv/dev/pic.h"

/* Linux's init_8259A: ICW1 0x11, vectors 0x30/0x38, cascade on IR2, 8086 mode. */
static void linux_init(struct pic_pair *p, uint8_t icw4)
{
	pic_reset(p);
	pic_write(p, 0, 0, 0x11);
	pic_write(p, 0, 1, 0x30);
	pic_write(p, 0, 1, 0x04);
	pic_write(p, 0, 1, icw4);
	pic_write(p, 1, 0, 0x11);
	pic_write(p, 1, 1, 0x38);
	pic_write(p, 1, 1, 0x02);
	pic_write(p, 1, 1, icw4);
	pic_write(p, 0, 1, 0x00); /* unmask all */
	pic_write(p, 1, 1, 0x00);
}

static void edge(struct pic_pair *p, unsigned irq)
{
	pic_set_irq(p, irq, true);
	pic_set_irq(p, irq, false);
}

static uint8_t isr(struct pic_pair *p, unsigned chip)
{
	pic_write(p, chip, 0, 0x0b);
	uint8_t v = pic_read(p, chip, 0);
	pic_write(p, chip, 0, 0x0a);
	return v;
}

TEST(reset_state_is_what_a_bios_leaves)
{
	struct pic_pair p;
	pic_reset(&p);
	CHECK_EQ(pic_read(&p, 0, 1), 0xfb);
	CHECK_EQ(pic_read(&p, 1, 1), 0xff);
	edge(&p, 0);
	CHECK(!pic_output(&p)); /* masked */
	pic_write(&p, 0, 1, 0xfa);
	CHECK(pic_output(&p));
	CHECK_EQ(pic_intack(&p), 0x08);
}

TEST(edge_irq_delivered_acked_and_eoied)
{
	struct pic_pair p;
	linux_init(&p, 0x01);
	CHECK(!pic_output(&p));
	CHECK_EQ(pic_peek_vector(&p), -1);
	edge(&p, 0);
	CHECK(pic_output(&p));
	CHECK_EQ(pic_read(&p, 0, 0), 0x01); /* IRR */
	CHECK_EQ(pic_peek_vector(&p), 0x30);
	CHECK_EQ(pic_intack(&p), 0x30);
	CHECK_EQ(pic_read(&p, 0, 0), 0x00);
	CHECK_EQ(isr(&p, 0), 0x01);
	CHECK(!pic_output(&p));
	edge(&p, 0); /* the next tick waits for the EOI */
	CHECK(!pic_output(&p));
	pic_write(&p, 0, 0, 0x20);
	CHECK_EQ(isr(&p, 0), 0x00);
	CHECK(pic_output(&p));
}

TEST(priority_and_nesting)
{
	struct pic_pair p;
	linux_init(&p, 0x01);
	edge(&p, 3);
	edge(&p, 1);
	CHECK_EQ(pic_intack(&p), 0x31);
	CHECK(!pic_output(&p)); /* IRQ3 is lower than IRQ1 in service */
	edge(&p, 0);
	CHECK_EQ(pic_intack(&p), 0x30); /* IRQ0 nests */
	CHECK_EQ(isr(&p, 0), 0x03);
	pic_write(&p, 0, 0, 0x20); /* non-specific: the highest, IRQ0 */
	CHECK_EQ(isr(&p, 0), 0x02);
	CHECK(!pic_output(&p));
	pic_write(&p, 0, 0, 0x61); /* specific EOI of IRQ1 */
	CHECK_EQ(isr(&p, 0), 0x00);
	CHECK_EQ(pic_intack(&p), 0x33);
}

TEST(masks_hold_requests)
{
	struct pic_pair p;
	linux_init(&p, 0x01);
	pic_write(&p, 0, 1, 0x10);
	CHECK_EQ(pic_read(&p, 0, 1), 0x10);
	edge(&p, 4);
	CHECK(!pic_output(&p));
	CHECK_EQ(pic_read(&p, 0, 0), 0x10); /* requested, masked */
	pic_write(&p, 0, 1, 0x00);
	CHECK_EQ(pic_intack(&p), 0x34);
}

TEST(cascade_delivers_slave_vectors)
{
	struct pic_pair p;
	linux_init(&p, 0x01);
	edge(&p, 10);
	CHECK(pic_output(&p));
	CHECK_EQ(pic_peek_vector(&p), 0x3a);
	CHECK_EQ(pic_intack(&p), 0x3a);
	CHECK_EQ(isr(&p, 0), 0x04);
	CHECK_EQ(isr(&p, 1), 0x04);
	edge(&p, 12); /* lower on the slave: waits */
	CHECK(!pic_output(&p));
	pic_write(&p, 1, 0, 0x20);
	pic_write(&p, 0, 0, 0x20);
	CHECK_EQ(pic_intack(&p), 0x3c);
	/* A slave mask keeps the cascade line low. */
	pic_write(&p, 1, 0, 0x20);
	pic_write(&p, 0, 0, 0x20);
	pic_write(&p, 1, 1, 0x01);
	edge(&p, 8);
	CHECK(!pic_output(&p));
	pic_write(&p, 1, 1, 0x00);
	CHECK_EQ(pic_intack(&p), 0x38);
}

TEST(level_irqs_follow_the_line_and_elcr)
{
	struct pic_pair p;
	linux_init(&p, 0x01);
	pic_write_elcr(&p, 0, 0xff);
	pic_write_elcr(&p, 1, 0xff);
	CHECK_EQ(pic_read_elcr(&p, 0), 0xf8);
	CHECK_EQ(pic_read_elcr(&p, 1), 0xde);
	pic_set_irq(&p, 9, true);
	CHECK_EQ(pic_intack(&p), 0x39);
	pic_write(&p, 1, 0, 0x20);
	pic_write(&p, 0, 0, 0x20);
	CHECK(pic_output(&p)); /* still asserted: again */
	pic_set_irq(&p, 9, false);
	CHECK(!pic_output(&p));
	/* LTIM in ICW1 makes every input level-triggered. */
	pic_write(&p, 0, 0, 0x19);
	pic_write(&p, 0, 1, 0x30);
	pic_write(&p, 0, 1, 0x04);
	pic_write(&p, 0, 1, 0x01);
	pic_set_irq(&p, 1, true);
	CHECK_EQ(pic_intack(&p), 0x31);
	pic_write(&p, 0, 0, 0x20);
	CHECK(pic_output(&p));
}

TEST(spurious_irq7_and_a_vanished_slave_request)
{
	struct pic_pair p;
	linux_init(&p, 0x01);
	pic_write_elcr(&p, 0, 0x20);
	pic_set_irq(&p, 5, true);
	CHECK(pic_output(&p));
	pic_set_irq(&p, 5, false); /* gone before INTA */
	CHECK_EQ(pic_intack(&p), 0x37);
	CHECK_EQ(isr(&p, 0), 0x00); /* spurious IRQ7 sets no ISR bit */
	pic_write_elcr(&p, 1, 0x08);
	pic_set_irq(&p, 11, true);
	CHECK(pic_output(&p));
	pic_set_irq(&p, 11, false); /* the slave's INT falls: so does the cascade request */
	CHECK(!pic_output(&p));
	CHECK_EQ(pic_intack(&p), 0x37);
	CHECK_EQ(isr(&p, 1), 0x00);
	CHECK_EQ(isr(&p, 0), 0x00);
}

TEST(auto_eoi_and_rotation)
{
	struct pic_pair p;
	linux_init(&p, 0x03); /* AEOI */
	edge(&p, 0);
	CHECK_EQ(pic_intack(&p), 0x30);
	CHECK_EQ(isr(&p, 0), 0x00);
	edge(&p, 0);
	CHECK(pic_output(&p));
	CHECK_EQ(pic_intack(&p), 0x30);

	linux_init(&p, 0x01);
	edge(&p, 0);
	CHECK_EQ(pic_intack(&p), 0x30);
	pic_write(&p, 0, 0, 0xa0); /* rotate on non-specific EOI: IRQ0 becomes lowest */
	edge(&p, 0);
	edge(&p, 5);
	CHECK_EQ(pic_intack(&p), 0x35);
	pic_write(&p, 0, 0, 0xc4); /* set priority: IRQ4 lowest, IRQ5 highest */
	pic_write(&p, 0, 0, 0x65);
	edge(&p, 6);
	CHECK_EQ(pic_intack(&p), 0x36); /* IRQ6 before IRQ0 now */
	pic_write(&p, 0, 0, 0xe6); /* rotate on specific EOI of IRQ6 */
	CHECK_EQ(pic_intack(&p), 0x30);
}

TEST(poll_and_special_mask_mode)
{
	struct pic_pair p;
	linux_init(&p, 0x01);
	edge(&p, 6);
	pic_write(&p, 0, 0, 0x0c); /* poll */
	CHECK_EQ(pic_read(&p, 0, 0), 0x86);
	CHECK_EQ(isr(&p, 0), 0x40);
	pic_write(&p, 0, 0, 0x0c);
	CHECK_EQ(pic_read(&p, 0, 0), 0x00);
	/* Special mask: with IRQ6 in service and masked, IRQ7 may come. */
	edge(&p, 7);
	CHECK(!pic_output(&p));
	pic_write(&p, 0, 1, 0x40);
	pic_write(&p, 0, 0, 0x68); /* set special mask */
	CHECK(pic_output(&p));
	CHECK_EQ(pic_intack(&p), 0x37);
	pic_write(&p, 0, 0, 0x48); /* reset special mask */
	pic_write(&p, 0, 0, 0x67);
	pic_write(&p, 0, 0, 0x66);
	CHECK_EQ(isr(&p, 0), 0x00);
}

TEST(icw1_resets_and_needs_its_sequence)
{
	struct pic_pair p;
	linux_init(&p, 0x01);
	edge(&p, 3);
	pic_write(&p, 0, 0, 0x11);
	CHECK(!pic_output(&p)); /* in initialisation; the request was reset */
	pic_write(&p, 0, 1, 0x50);
	CHECK(!pic_output(&p));
	pic_write(&p, 0, 1, 0x04);
	pic_write(&p, 0, 1, 0x01);
	CHECK_EQ(pic_read(&p, 0, 1), 0x00); /* IMR cleared */
	edge(&p, 3);
	CHECK_EQ(pic_intack(&p), 0x53);
	/* Single mode without ICW4 skips ICW3 and ICW4. */
	pic_write(&p, 1, 0, 0x12);
	pic_write(&p, 1, 1, 0x80);
	pic_write(&p, 1, 1, 0xf0); /* already operational: this is OCW1 */
	CHECK_EQ(pic_read(&p, 1, 1), 0xf0);
}

/* Whatever a guest writes, the model stays within its state space: the
 * vector is always the base of the chip that answers plus a level. */
TEST(random_programming_stays_sane)
{
	struct pic_pair p;
	pic_reset(&p);
	uint32_t x = 12345;
	for (int i = 0; i < 200000; i++) {
		x = x * 1103515245 + 12345;
		unsigned op = (x >> 8) % 6, chip = (x >> 12) & 1, a0 = (x >> 13) & 1;
		uint8_t val = (uint8_t)(x >> 16);
		switch (op) {
		case 0: pic_write(&p, chip, a0, val); break;
		case 1: (void)pic_read(&p, chip, a0); break;
		case 2: pic_write_elcr(&p, chip, val); break;
		case 3: pic_set_irq(&p, val & 15, (val >> 4) & 1); break;
		default: {
			int peek = pic_peek_vector(&p);
			bool out = pic_output(&p);
			CHECK_EQ(peek >= 0, out);
			uint8_t v = pic_intack(&p);
			if (peek >= 0)
				CHECK_EQ(v, peek);
			uint8_t mb = p.chip[0].vector_base, sb = p.chip[1].vector_base;
			CHECK((v >= mb && v < mb + 8) || (v >= sb && v < sb + 8));
		}
		}
		if (check_failed_in_case)
			break;
	}
}

TEST_MAIN()

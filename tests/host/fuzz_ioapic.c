/* Fuzz the I/O APIC model (hv/dev/ioapic.c): random guest accesses of any
 * size and offset, pin changes and EOIs, with the model's invariants
 * checked after each step:
 * - read-only and reserved bits (delivery status, 55:17) stay 0, ID only
 *   has bits 27:24, ARB equals ID, VERSION is constant;
 * - remote IRR is only set on entries whose trigger bit says level;
 * - no level entry is left pending: unmasked, asserted, fixed or lowest
 *   priority and remote IRR clear cannot survive a step;
 * - messages never carry a reserved delivery mode, non-vectored modes
 *   carry vector 0 and edge trigger, and one pin change or register write
 *   sends at most one message. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hv/dev/ioapic.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned sent;

static void deliver(void *ctx, const struct apic_msg *m)
{
	(void)ctx;
	sent++;
	if (m->delivery == 3 || m->delivery == 6 || m->delivery > 7)
		abort();
	bool vectored = m->delivery == APIC_MSG_FIXED || m->delivery == APIC_MSG_LOWEST;
	if (!vectored && (m->vector || m->level))
		abort();
	if (m->dest > 0xff)
		abort();
}

static void check(const struct ioapic *io)
{
	if (ioapic_read_reg(io, IOAPIC_REG_VERSION) != 0x00170020 || (io->id & ~IOAPIC_ID_MASK) ||
	    io->arb != io->id)
		abort();
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
		uint64_t e = io->rte[pin];
		if (e & (IOAPIC_RTE_DELIVS | (((1ull << 56) - 1) & ~((1ull << 17) - 1))))
			abort();
		if ((e & IOAPIC_RTE_REMOTE_IRR) && !(e & IOAPIC_RTE_LEVEL))
			abort();
		unsigned mode = (unsigned)((e >> 8) & 7);
		bool high = (io->pins >> pin) & 1;
		bool asserted = high != ((e & IOAPIC_RTE_ACTIVE_LOW) != 0);
		if ((e & IOAPIC_RTE_LEVEL) && (mode == APIC_MSG_FIXED || mode == APIC_MSG_LOWEST) &&
		    !(e & IOAPIC_RTE_MASKED) && asserted && !(e & IOAPIC_RTE_REMOTE_IRR))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ioapic io;
	ioapic_reset(&io, data && size ? data[0] & 15 : 0, deliver, 0);
	static const unsigned sizes[] = { 1, 2, 4, 8 };
	for (size_t i = 1; i + 6 <= size; i += 6) {
		const uint8_t *p = data + i;
		uint32_t val;
		memcpy(&val, p + 2, 4);
		sent = 0;
		switch (p[0] & 7) {
		case 0: /* IOREGSEL: mostly real indexes */
			ioapic_mmio_write(&io, IOAPIC_IOREGSEL, 4, p[1] & 0x80 ? p[1] : 0x10 + (p[1] & 0x3f) % 0x30);
			break;
		case 1:
		case 2: /* IOWIN: entries are where the action is */
			ioapic_mmio_write(&io, IOAPIC_IOWIN, 4, val);
			break;
		case 3:
			ioapic_set_pin(&io, p[1] % 26, val & 1);
			break;
		case 4:
			ioapic_eoi(&io, (uint8_t)val);
			break;
		case 5: /* the EOI register */
			ioapic_mmio_write(&io, IOAPIC_EOI, 4, val);
			break;
		case 6: /* anything anywhere in the page */
			ioapic_mmio_write(&io, ((uint64_t)p[1] << 4 | (val >> 28)) & 0xfff, sizes[(val >> 24) & 3], val);
			break;
		default:
			(void)ioapic_mmio_read(&io, p[1] & 0x7f, sizes[(val >> 24) & 3]);
			break;
		}
		if ((p[0] & 7) != 4 && (p[0] & 7) != 5 && sent > 1)
			abort();
		if (sent > IOAPIC_PINS)
			abort();
		check(&io);
	}
	return 0;
}

/*
 * pit.h - the 8254 programmable interval timer (Intel 8254 data sheet):
 * three 16-bit down counters clocked at PIT_HZ (1.193182 MHz), ports
 * 0x40-0x42 (counters) and 0x43 (control word).
 *
 * Modelled: control words (counter select, read/write LSB, MSB or LSB
 * then MSB, modes 0-5, binary or BCD), the counter latch command, the
 * read-back command (count and/or status of any counters; status = OUT,
 * NULL COUNT and the programmed mode), the read/write byte flip-flops,
 * GATE (channel 2's is port 0x61 bit 0: it pauses modes 0 and 4, stops
 * and restarts modes 2 and 3, triggers modes 1 and 5) and OUT of every
 * mode as the data sheet's waveforms give it.
 *
 * Nothing ticks: the model keeps when each count started and derives the
 * counter and OUT from the current time in PIT clocks, so reading a
 * counter needs no timer. pit_next_rise says when OUT next rises (channel
 * 0's rising edge is IRQ0), for the device to set a timer.
 *
 * One simplification: a new count written while a mode 2 or 3 counter
 * runs starts a new period at once (the chip waits for the current one
 * to end).
 *
 * Pure logic (host-tested by tests/host/test_pit.c).
 */
#ifndef NESTOR_DEV_PIT_H
#define NESTOR_DEV_PIT_H

#include <stdbool.h>
#include <stdint.h>

#define PIT_HZ 1193182ull
#define PIT_NEVER (~0ull)

struct pit_channel {
	uint8_t mode, rw, bcd;   /* control word fields */
	uint16_t reload;         /* the count written (0 = 65536, or 10000 in BCD) */
	bool armed;              /* a count is loaded (modes 1 and 5: and triggered) */
	bool counting;           /* time passes for it (gate and arming allow) */
	uint64_t start;          /* when elapsed() was 0 */
	uint64_t frozen;         /* elapsed clocks while not counting */
	bool gate;
	bool null_count;
	bool out_before;         /* OUT before any count is armed (per mode) */
	/* byte-wise access */
	bool write_msb_next, read_msb_next;
	uint8_t write_lsb;
	bool count_latched, status_latched, latch_msb_next;
	uint16_t latched;
	uint8_t status;
};

struct pit {
	struct pit_channel ch[3];
};

/* Power-on: every channel in mode 0 waiting for a count (as BIOSes find
 * it before they program channel 0); channels 0 and 1 gated on, 2 off. */
void pit_reset(struct pit *p);
/* Port 0x43. */
void pit_write_control(struct pit *p, uint8_t val, uint64_t now);
/* Ports 0x40-0x42: channel 0-2. */
void pit_write_count(struct pit *p, unsigned ch, uint8_t val, uint64_t now);
uint8_t pit_read_count(struct pit *p, unsigned ch, uint64_t now);
/* Channel 2's GATE (port 0x61 bit 0). */
void pit_set_gate(struct pit *p, unsigned ch, bool gate, uint64_t now);
/* The channel's OUT and counter value now. */
bool pit_out(const struct pit *p, unsigned ch, uint64_t now);
uint16_t pit_counter(const struct pit *p, unsigned ch, uint64_t now);
/* The first time > now at which OUT goes from low to high, or PIT_NEVER. */
uint64_t pit_next_rise(const struct pit *p, unsigned ch, uint64_t now);

#endif

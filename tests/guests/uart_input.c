/*
 * uart_input - the receiving half of the VM's 16550 (input=on, what
 * arrives on Nestor's serial port): the test feeds "ping\n" and, after a
 * pause, "pong\n". The first line is read by polling LSR.DR (data
 * ready) and RBR; the second through the received-data interrupt (IER
 * ERBFI) on IRQ4 through the 8259, whose handler sees IIR = 0x04
 * (received data available) and drains RBR while LSR.DR is set. Once
 * both lines are read, LSR.DR is clear and IIR no longer names it.
 */
#include "lib/guest.h"

const char guest_name[] = "uart_input";

#define PIC1 0x20
#define VEC_BASE 0x20
#define COM GUEST_COM1_PORT
#define LSR_DR 0x01

static char line[64];
static volatile unsigned len, irqs;
static volatile uint8_t iir_seen;
static volatile bool done;

static void take(uint8_t c)
{
	if (c == '\n')
		done = true;
	else if (len < sizeof(line) - 1)
		line[len++] = (char)c;
}

__attribute__((used)) static void irq4_body(void)
{
	iir_seen = inb(COM + 2);
	while (inb(COM + 5) & LSR_DR)
		take(inb(COM));
	irqs++;
	outb(PIC1, 0x20);
}
GUEST_INTR_STUB(irq4_stub, irq4_body);

static void reset_line(void)
{
	len = 0;
	done = false;
	for (unsigned i = 0; i < sizeof(line); i++)
		line[i] = 0;
}

int guest_main(const struct mb_info *mbi)
{
	(void)mbi;
	uint32_t khz = guest_tsc_khz();
	uint64_t limit = (uint64_t)(khz ? khz : 1000000) * 20000; /* 20 s */

	/* Polled: wait for "ping". */
	reset_line();
	guest_say("ready for polled input");
	uint64_t t0 = rdtsc();
	while (!done && rdtsc() - t0 < limit)
		if (inb(COM + 5) & LSR_DR)
			take(inb(COM));
	guest_check(done && len == 4 && line[0] == 'p' && line[1] == 'i' && line[2] == 'n' && line[3] == 'g',
		    "polled: LSR.DR and RBR gave the line 'ping' (got %u bytes '%s')", len, line);

	/* Interrupt-driven: ERBFI and OUT2, IRQ4 unmasked at the PIC. */
	reset_line();
	guest_set_intr_gate(VEC_BASE + GUEST_COM1_IRQ, irq4_stub);
	guest_pic_init(VEC_BASE, (uint8_t)~(1u << GUEST_COM1_IRQ), 0xff);
	uint8_t mcr = inb(COM + 4);
	outb(COM + 4, mcr | 0x08);
	outb(COM + 1, 0x01); /* ERBFI only */
	guest_say("ready for interrupt input");
	t0 = rdtsc();
	while (!done && rdtsc() - t0 < limit) {
		__asm__ volatile("sti; hlt; cli");
	}
	outb(COM + 1, 0x00);
	outb(COM + 4, mcr);
	outb(PIC1 + 1, 0xff);
	guest_check(done && len == 4 && line[0] == 'p' && line[1] == 'o' && line[2] == 'n' && line[3] == 'g',
		    "interrupt: IRQ4 handlers read the line 'pong' (got %u bytes '%s', %u interrupts)", len, line, irqs);
	guest_check(irqs >= 1 && (iir_seen & 0x0f) == 0x04,
		    "interrupt: IIR said received data available (0x%02x)", iir_seen);
	guest_check((inb(COM + 2) & 0x0f) == 0x01, "interrupt: IIR clear with the FIFO empty");
	/* Checked last: "pong" may already be waiting behind "ping". */
	guest_check(!(inb(COM + 5) & LSR_DR), "polled: LSR.DR clear once the FIFO is empty");
	guest_say("%d checks failed", guest_failures());
	return 0;
}

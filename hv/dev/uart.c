/*
 * uart.c - an emulated 16550 for isolated guests (at COM1 by default, and
 * optionally also as MMIO, one byte per register). Output goes to the
 * VM's console (hv/core/vm_console.c), which prints it per line as
 * "[NAME] line". The transmitter sends at once, so LSR always says it is
 * empty. Input (input=on, hv/dev/console_input.c) fills a 16-byte receive
 * FIFO: LSR.DR, RBR, and the received-data-available interrupt (IER
 * ERBFI), which takes precedence over THRE in IIR and lasts while data is
 * waiting. No line-status or modem-status interrupts.
 *
 * Interrupts (PC16550D data sheet, "Interrupt Identification Register"):
 * the transmitter-holding-register-empty interrupt is pending after each
 * THR write (the character leaves at once) and when IER's ETBEI is set
 * while the THR is empty; reading IIR while it is the one identified, or
 * writing THR, clears it. The interrupt reaches the IRQ line (IRQ4 for
 * COM1) only while MCR's OUT2 is set, as PC serial ports wire it.
 *
 * State: one instance per registration; touched only by the vCPU whose
 * exit is being handled (the VM's vCPUs run on one physical CPU until the
 * SMP issue gives devices their own locks).
 */
#include "hv/dev/uart.h"
#include "hv/core/vm.h"
#include "hv/dev/device.h"

#define LCR_DLAB 0x80
#define LSR_DR 0x01
#define LSR_THRE_TEMT 0x60
#define IER_ERBFI 0x01
#define IER_ETBEI 0x02
#define IIR_NONE 0x01
#define IIR_THRE 0x02
#define IIR_RDA 0x04
#define IIR_FIFO 0xc0
#define FCR_FIFO_ENABLE 0x01
#define MCR_OUT2 0x08
#define RX_FIFO 16 /* bytes, as the 16550's receive FIFO */

struct vuart {
	struct vm *vm;
	uint16_t base;
	uint8_t ier, lcr, mcr, scr, dll, dlm;
	bool fifo, thre_pending;
	unsigned irq;
	int irq_src;
	uint8_t rx[RX_FIFO];
	unsigned rx_head, rx_count;
	void (*on_access)(void *ctx); /* until it has run once (console_input.c) */
	void *on_access_ctx;
};

void vuart_on_access(struct vuart *u, void (*fn)(void *ctx), void *ctx)
{
	u->on_access = fn;
	u->on_access_ctx = ctx;
}

static void accessed(struct vuart *u)
{
	if (__builtin_expect(u->on_access != 0, 0)) {
		void (*fn)(void *) = u->on_access;
		u->on_access = 0;
		fn(u->on_access_ctx);
	}
}

static bool thre_interrupt(const struct vuart *u) { return u->thre_pending && (u->ier & IER_ETBEI); }
static bool rda_interrupt(const struct vuart *u) { return u->rx_count && (u->ier & IER_ERBFI); }

/* The IRQ line follows the interrupt output, gated by OUT2. */
static void vuart_update_irq(struct vuart *u)
{
	if (u->irq_src >= 0)
		irq_line_set(&u->vm->irq, u->irq_src, u->irq,
			     (thre_interrupt(u) || rda_interrupt(u)) && (u->mcr & MCR_OUT2));
}

static uint8_t vuart_read_rbr(struct vuart *u)
{
	if (!u->rx_count)
		return 0;
	uint8_t b = u->rx[u->rx_head];
	u->rx_head = (u->rx_head + 1) % RX_FIFO;
	u->rx_count--;
	return b;
}

bool vuart_receive(struct vuart *u, uint8_t b)
{
	if (u->rx_count == RX_FIFO)
		return false; /* overrun: the byte is lost, as on the chip */
	u->rx[(u->rx_head + u->rx_count) % RX_FIFO] = b;
	u->rx_count++;
	vuart_update_irq(u);
	return true;
}

bool vuart_rx_full(const struct vuart *u) { return u->rx_count == RX_FIFO; }

static uint8_t vuart_read_iir(struct vuart *u)
{
	uint8_t fifo = u->fifo ? IIR_FIFO : 0;
	if (rda_interrupt(u))
		return IIR_RDA | fifo; /* cleared by reading the data */
	if (!thre_interrupt(u))
		return IIR_NONE | fifo;
	u->thre_pending = false; /* reading IIR identifying it clears it */
	return IIR_THRE | fifo;
}

static uint8_t vuart_read_reg(struct vuart *u, unsigned reg)
{
	switch (reg) {
	case 0: return (u->lcr & LCR_DLAB) ? u->dll : vuart_read_rbr(u);
	case 1: return (u->lcr & LCR_DLAB) ? u->dlm : u->ier;
	case 2: return vuart_read_iir(u);
	case 3: return u->lcr;
	case 4: return u->mcr;
	case 5: return LSR_THRE_TEMT | (u->rx_count ? LSR_DR : 0);
	case 6: return 0xb0; /* MSR: DCD, DSR, CTS */
	default: return u->scr;
	}
}

static void vuart_write_reg(struct vuart *u, struct vcpu *v, unsigned reg, uint8_t b)
{
	switch (reg) {
	case 0:
		if (u->lcr & LCR_DLAB) {
			u->dll = b;
		} else {
			vm_console_putc(v->vm, (char)b);
			u->thre_pending = true; /* sent: the THR is empty again */
		}
		break;
	case 1:
		if (u->lcr & LCR_DLAB) {
			u->dlm = b;
		} else {
			if ((b & IER_ETBEI) && !(u->ier & IER_ETBEI))
				u->thre_pending = true; /* enabled while empty */
			u->ier = b & 0x0f;
		}
		break;
	case 2:
		u->fifo = b & FCR_FIFO_ENABLE;
		if (b & 0x02) /* clear the receive FIFO */
			u->rx_head = u->rx_count = 0;
		break;
	case 3: u->lcr = b; break;
	case 4: u->mcr = b & 0x1f; break;
	case 7: u->scr = b; break;
	default: break; /* read-only registers */
	}
}

static uint32_t vuart_pio_read(void *dev, struct vcpu *v, uint16_t port, unsigned size)
{
	(void)v, (void)size;
	struct vuart *u = dev;
	accessed(u);
	uint8_t val = vuart_read_reg(u, (unsigned)(port - u->base));
	vuart_update_irq(u);
	return val;
}

static void vuart_pio_write(void *dev, struct vcpu *v, uint16_t port, unsigned size, uint32_t value)
{
	(void)size;
	struct vuart *u = dev;
	accessed(u);
	vuart_write_reg(u, v, (unsigned)(port - u->base), (uint8_t)value);
	vuart_update_irq(u);
}

static const struct pio_ops vuart_pio_ops = { "uart16550", vuart_pio_read, vuart_pio_write };

static uint64_t vuart_mmio_read(struct vm_mmio_region *r, struct vcpu *v, uint64_t off, unsigned size)
{
	(void)v, (void)size;
	if (off >= 8)
		return 0;
	accessed(r->dev);
	uint8_t val = vuart_read_reg(r->dev, (unsigned)off);
	vuart_update_irq(r->dev);
	return val;
}

static void vuart_mmio_write(struct vm_mmio_region *r, struct vcpu *v, uint64_t off, unsigned size, uint64_t val)
{
	(void)size;
	if (off < 8) {
		accessed(r->dev);
		vuart_write_reg(r->dev, v, (unsigned)off, (uint8_t)val);
		vuart_update_irq(r->dev);
	}
}

static const struct mmio_ops vuart_mmio_ops = { "MMIO UART", vuart_mmio_read, vuart_mmio_write };

struct vuart *vuart_create(struct vm *vm, uint16_t port, unsigned irq, char *err, size_t errlen)
{
	struct vuart *u = vm_dev_alloc(vm, sizeof(*u), err, errlen);
	if (!u)
		return 0;
	u->vm = vm;
	u->base = port;
	u->irq = irq;
	u->irq_src = irq_source_alloc(&vm->irq);
	u->thre_pending = true; /* after reset the THR is empty */
	if (vm_pio_register(vm, port, 8, &vuart_pio_ops, u, err, errlen))
		return 0;
	return u;
}

int vuart_map_mmio(struct vm *vm, struct vuart *u, uint64_t gpa, char *err, size_t errlen)
{
	return vm_mmio_register(vm, gpa, 4096, &vuart_mmio_ops, u, 0, err, errlen);
}

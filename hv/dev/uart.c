/*
 * uart.c - an emulated 16550 for isolated guests (at COM1 by default, and
 * optionally also as MMIO, one byte per register). Output goes to the
 * VM's console (hv/core/vm_console.c), which prints it per line as
 * "[NAME] line". No input, no interrupts yet: LSR always says the
 * transmitter is empty.
 *
 * State: one instance per registration; touched only by the vCPU whose
 * exit is being handled (the VM's vCPUs run on one physical CPU until the
 * SMP issue gives devices their own locks).
 */
#include "hv/dev/uart.h"
#include "hv/core/vm.h"
#include "hv/dev/device.h"

#define LCR_DLAB 0x80
#define LSR_THRE_TEMT 0x60

struct vuart {
	uint16_t base;
	uint8_t ier, lcr, mcr, scr, dll, dlm;
};

static uint8_t vuart_read_reg(struct vuart *u, unsigned reg)
{
	switch (reg) {
	case 0: return (u->lcr & LCR_DLAB) ? u->dll : 0; /* RBR: no input */
	case 1: return (u->lcr & LCR_DLAB) ? u->dlm : u->ier;
	case 2: return 0x01; /* IIR: no interrupt pending */
	case 3: return u->lcr;
	case 4: return u->mcr;
	case 5: return LSR_THRE_TEMT;
	case 6: return 0xb0; /* MSR: DCD, DSR, CTS */
	default: return u->scr;
	}
}

static void vuart_write_reg(struct vuart *u, struct vcpu *v, unsigned reg, uint8_t b)
{
	switch (reg) {
	case 0:
		if (u->lcr & LCR_DLAB)
			u->dll = b;
		else
			vm_console_putc(v->vm, (char)b);
		break;
	case 1:
		if (u->lcr & LCR_DLAB)
			u->dlm = b;
		else
			u->ier = b & 0x0f;
		break;
	case 3: u->lcr = b; break;
	case 4: u->mcr = b & 0x1f; break;
	case 7: u->scr = b; break;
	default: break; /* FCR and read-only registers */
	}
}

static uint32_t vuart_pio_read(void *dev, struct vcpu *v, uint16_t port, unsigned size)
{
	(void)v, (void)size;
	struct vuart *u = dev;
	return vuart_read_reg(u, (unsigned)(port - u->base));
}

static void vuart_pio_write(void *dev, struct vcpu *v, uint16_t port, unsigned size, uint32_t value)
{
	(void)size;
	struct vuart *u = dev;
	vuart_write_reg(u, v, (unsigned)(port - u->base), (uint8_t)value);
}

static const struct pio_ops vuart_pio_ops = { "uart16550", vuart_pio_read, vuart_pio_write };

static uint64_t vuart_mmio_read(struct vm_mmio_region *r, struct vcpu *v, uint64_t off, unsigned size)
{
	(void)v, (void)size;
	return off < 8 ? vuart_read_reg(r->dev, (unsigned)off) : 0;
}

static void vuart_mmio_write(struct vm_mmio_region *r, struct vcpu *v, uint64_t off, unsigned size, uint64_t val)
{
	(void)size;
	if (off < 8)
		vuart_write_reg(r->dev, v, (unsigned)off, (uint8_t)val);
}

static const struct mmio_ops vuart_mmio_ops = { "MMIO UART", vuart_mmio_read, vuart_mmio_write };

struct vuart *vuart_create(struct vm *vm, uint16_t port, char *err, size_t errlen)
{
	struct vuart *u = vm_dev_alloc(vm, sizeof(*u), err, errlen);
	if (!u)
		return 0;
	u->base = port;
	if (vm_pio_register(vm, port, 8, &vuart_pio_ops, u, err, errlen))
		return 0;
	return u;
}

int vuart_map_mmio(struct vm *vm, struct vuart *u, uint64_t gpa, char *err, size_t errlen)
{
	return vm_mmio_register(vm, gpa, 4096, &vuart_mmio_ops, u, 0, err, errlen);
}

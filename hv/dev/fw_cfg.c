/*
 * fw_cfg.c - QEMU's firmware configuration interface, port form (QEMU
 * docs/specs/fw_cfg.rst): write a 16-bit key to the selector 0x510, then
 * read the item byte by byte from 0x511. Items are little-endian.
 *
 * State: the selected key and offset, per instance; touched only by the
 * vCPU whose exit is being handled.
 */
#include "hv/core/vm.h"
#include "hv/dev/device.h"
#include "hv/dev/simple_devices.h"
#include "hv/guest_abi.h"

struct fw_cfg {
	uint16_t key;
	uint32_t offset;
};

/* Byte offset of the current item, or 0 past its end. */
static uint8_t fw_cfg_item_byte(struct vm *vm, uint16_t key, uint32_t off)
{
	uint64_t value;
	unsigned len;
	switch (key) {
	case FW_CFG_SIGNATURE: value = 0x554d4551; len = 4; break; /* "QEMU" */
	case FW_CFG_ID: value = 1; len = 4; break;                 /* traditional interface only */
	case FW_CFG_RAM_SIZE: value = vm->ram_size; len = 8; break;
	case FW_CFG_NB_CPUS:
	case FW_CFG_MAX_CPUS: value = vm->nvcpus; len = 2; break;
	default: return 0;
	}
	return off < len ? (uint8_t)(value >> (8 * off)) : 0;
}

static uint32_t fw_cfg_read(void *dev, struct vcpu *v, uint16_t port, unsigned size)
{
	struct fw_cfg *f = dev;
	if (port == FW_CFG_PORT_SEL)
		return 0xffffffff;
	uint32_t r = 0;
	for (unsigned i = 0; i < size; i++)
		r |= (uint32_t)fw_cfg_item_byte(v->vm, f->key, f->offset++) << (8 * i);
	return r;
}

static void fw_cfg_write(void *dev, struct vcpu *v, uint16_t port, unsigned size, uint32_t value)
{
	(void)v, (void)size;
	struct fw_cfg *f = dev;
	if (port == FW_CFG_PORT_SEL) {
		f->key = (uint16_t)value;
		f->offset = 0;
	}
}

static const struct pio_ops fw_cfg_ops = { "fw_cfg", fw_cfg_read, fw_cfg_write };

int fw_cfg_create(struct vm *vm, char *err, size_t errlen)
{
	struct fw_cfg *f = vm_dev_alloc(vm, sizeof(*f), err, errlen);
	return f ? vm_pio_register(vm, FW_CFG_PORT_SEL, 2, &fw_cfg_ops, f, err, errlen) : -1;
}

/*
 * pic_dev.h - the 8259A pair as a device of a VM (hv/dev/pic_dev.c; the
 * model is hv/dev/pic.h).
 */
#ifndef NESTOR_DEV_PIC_DEV_H
#define NESTOR_DEV_PIC_DEV_H

#include <stddef.h>
#include <stdint.h>

#define PIC_MASTER_PORT 0x20
#define PIC_SLAVE_PORT 0xa0
#define PIC_ELCR_PORT 0x4d0

struct vm;
struct pic_dev;

/* Register the PIC with vm (isolated VMs): its ports, its IRQ-line sink,
 * and the VM's ExtINT input. The instance, or NULL with err. */
struct pic_dev *pic_create(struct vm *vm, char *err, size_t errlen);

/* The PIC's INTR output as the local APIC's LINT0 (ExtINT) sees it, for
 * struct extint_ops: the vector an INTA would give now or
 * -1; the INTA cycle itself. ctx is the struct pic_dev. */
int pic_extint_pending(void *ctx);
uint8_t pic_extint_ack(void *ctx);

#endif

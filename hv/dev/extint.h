/*
 * extint.h - the 8259 PIC's INTR output as a local APIC sees it: a
 * VM's PIC registers these ops in
 * vm->extint_ops / vm->extint_ctx. A LAPIC whose LINT0 is in ExtINT mode,
 * or which is hardware-disabled (then LINT0 is the INTR pin, SDM 3A
 * 11.4.3), asks pending() at each entry and, when it delivers, runs the
 * INTA cycle through ack(), which returns the vector (8259A datasheet:
 * the second INTA pulse puts it on the bus).
 *
 * Locking: the PIC's state is the VM's (vm->lock for VMs of several
 * vCPUs); only the vCPU whose LINT0 takes ExtINT (vCPU 0) calls these.
 */
#ifndef NESTOR_DEV_EXTINT_H
#define NESTOR_DEV_EXTINT_H

#include <stdint.h>

struct extint_ops {
	/* The vector INTR would deliver now, or -1 when INTR is low. */
	int (*pending)(void *ctx);
	/* INTA: the PIC takes the interrupt in service; the vector. */
	uint8_t (*ack)(void *ctx);
};

#endif

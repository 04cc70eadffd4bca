/*
 * apic_msg.h - an interrupt message as it travels to the local APICs
 * (the IOAPIC's redirection entries today; MSIs later): what the IOAPIC
 * puts on the APIC bus / system bus (82093AA datasheet 3.2.4; ICH I/O
 * APIC redirection table; Intel SDM Vol 3A 11.6.1 for the same fields in
 * the ICR). The local APIC side decodes dest/logical to a set of vCPUs.
 */
#ifndef NESTOR_DEV_APIC_MSG_H
#define NESTOR_DEV_APIC_MSG_H

#include <stdbool.h>
#include <stdint.h>

/* Delivery modes, in the ICR's encoding (SDM 3A 11.6.1, figure 11-12),
 * which the redirection entry shares for every mode it defines. 6 (the
 * ICR's start-up) is reserved in a redirection entry and never sent. */
#define APIC_MSG_FIXED 0
#define APIC_MSG_LOWEST 1
#define APIC_MSG_SMI 2
#define APIC_MSG_NMI 4
#define APIC_MSG_INIT 5
#define APIC_MSG_EXTINT 7

struct apic_msg {
	uint32_t dest;     /* destination field (xAPIC: 8 bits, bits 63:56 of the entry) */
	bool logical;      /* destination mode: logical (true) or physical */
	uint8_t delivery;  /* APIC_MSG_* */
	uint8_t vector;    /* fixed / lowest priority; 0 for the others */
	bool level;        /* trigger mode: level (the receiver sets TMR and broadcasts the EOI) */
};

#endif

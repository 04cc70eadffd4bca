/*
 * lapic.h - this CPU's local APIC (Intel SDM Vol 3A chapter 11), in
 * xAPIC or x2APIC mode as the firmware left it: register access, its ID,
 * EOI and inter-processor interrupts (APIC IDs up to 254). Every CPU's APIC answers at the same physical address; each
 * CPU reaches its own (SDM 3A 11.4.1).
 */
#ifndef NESTOR_HOST_LAPIC_H
#define NESTOR_HOST_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

#define LAPIC_ID 0x020
#define LAPIC_TPR 0x080
#define LAPIC_EOI 0x0b0
#define LAPIC_SVR 0x0f0
#define LAPIC_ESR 0x280
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_TIMER_ICR 0x380
#define LAPIC_TIMER_CCR 0x390
#define LAPIC_TIMER_DIV 0x3e0

/* ICR fields (SDM 3A 11.6.1, figure 11-12). */
#define ICR_FIXED (0u << 8)
#define ICR_INIT (5u << 8)
#define ICR_STARTUP (6u << 8)
#define ICR_DELIVERY_PENDING (1u << 12)
#define ICR_LEVEL_ASSERT (1u << 14)

/* Host vector of the kick IPI: it only makes the receiving CPU leave
 * guest mode (or its idle HLT); the handler just acknowledges it. */
#define KICK_VECTOR 0xf0

/* Turn this CPU's APIC on (IA32_APIC_BASE enable, SVR software enable
 * with the spurious vector, TPR 0) and install the kick handler. */
void lapic_init(void);
uint32_t lapic_read(uint32_t reg);
void lapic_write(uint32_t reg, uint32_t v);
uint8_t lapic_id(void);
void lapic_eoi(void);
/* Send icr_lo (vector and delivery mode) to the APIC with apic_id and
 * wait until the APIC has sent it; false if it stays pending. */
bool lapic_send_ipi(uint8_t apic_id, uint32_t icr_lo);
/* Kick IPIs this CPU has taken (reports and tests). */
uint64_t lapic_kicks_taken(void);

#endif

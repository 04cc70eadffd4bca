/*
 * lapic.h - the local APIC of one vCPU: registers, priorities, delivery
 * and timer arithmetic (Intel SDM Vol 3A chapter 11), as pure logic
 * (tests/host/test_lapic.c). It has no hypervisor globals; the glue that
 * connects it to a vCPU (interrupt source, xAPIC MMIO page, x2APIC MSRs,
 * IA32_APIC_BASE, a host timer) is not written yet (issue 9).
 *
 * Registers are named by their xAPIC offset (SDM 3A table 11-1); the x2APIC
 * MSR of a register is 0x800 + offset / 16 (SDM 3A table 11-6).
 *
 * Time: the timer counts the guest crystal clock (hv/host/tsc.h) divided
 * by the divide configuration; callers pass "now" in crystal ticks, and
 * for TSC-deadline mode the guest TSC.
 *
 * Locking: only the vCPU's CPU touches it, except irr (and tmr of the
 * accepted vector), which IPIs and the IOAPIC set with atomic ops.
 */
#ifndef NESTOR_DEV_LAPIC_H
#define NESTOR_DEV_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

#define LAPIC_ID 0x020
#define LAPIC_VERSION 0x030
#define LAPIC_TPR 0x080
#define LAPIC_APR 0x090
#define LAPIC_PPR 0x0a0
#define LAPIC_EOI 0x0b0
#define LAPIC_LDR 0x0d0
#define LAPIC_DFR 0x0e0
#define LAPIC_SVR 0x0f0
#define LAPIC_ISR 0x100
#define LAPIC_TMR 0x180
#define LAPIC_IRR 0x200
#define LAPIC_ESR 0x280
#define LAPIC_LVT_CMCI 0x2f0
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_THERMAL 0x330
#define LAPIC_LVT_PERF 0x340
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_TIMER_ICR 0x380
#define LAPIC_TIMER_CCR 0x390
#define LAPIC_TIMER_DCR 0x3e0
#define LAPIC_SELF_IPI 0x3f0 /* x2APIC only */

/* IA32_APIC_BASE (SDM 3A 11.4.4, figure 11-5). */
#define APIC_BASE_BSP (1ull << 8)
#define APIC_BASE_EXTD (1ull << 10)
#define APIC_BASE_EN (1ull << 11)
#define APIC_BASE_DEFAULT 0xfee00000ull

#define LVT_MASK (1u << 16)
#define LVT_TIMER_PERIODIC (1u << 17)
#define LVT_TIMER_TSC_DEADLINE (2u << 17)
#define LVT_TIMER_MODE (3u << 17)
#define SVR_APIC_ENABLED (1u << 8)

/* ESR bits (SDM 3A 11.5.3, figure 11-9). */
#define ESR_SEND_ILLEGAL_VECTOR (1u << 5)
#define ESR_RECEIVE_ILLEGAL_VECTOR (1u << 6)
#define ESR_ILLEGAL_REGISTER (1u << 7)

/* ICR delivery modes (SDM 3A 11.6.1). */
enum icr_delivery { ICR_FIXED = 0, ICR_LOWEST = 1, ICR_SMI = 2, ICR_NMI = 4, ICR_INIT = 5, ICR_STARTUP = 6 };
enum icr_shorthand { ICR_DEST_FIELD = 0, ICR_SELF = 1, ICR_ALL_INCL_SELF = 2, ICR_ALL_EXCL_SELF = 3 };

/* An IPI as the ICR encodes it (SDM 3A figures 11-12, 11-13). */
struct lapic_ipi {
	uint8_t vector;
	enum icr_delivery delivery;
	bool logical;        /* destination mode */
	bool level_assert;   /* level bit (INIT de-assert has it 0) */
	bool level_trigger;
	enum icr_shorthand shorthand;
	uint32_t dest;       /* xAPIC: bits 63:56; x2APIC: bits 63:32 */
};
void lapic_icr_decode(uint64_t icr, bool x2apic, struct lapic_ipi *ipi);

struct lapic {
	uint32_t id;         /* APIC ID (xAPIC software may change it) */
	uint32_t initial_id; /* CPUID's initial APIC ID: the vCPU index */
	uint64_t apic_base;
	uint32_t tpr, ldr, dfr, svr;
	uint32_t esr, esr_pending;
	uint32_t icr_lo, icr_hi;
	uint32_t isr[8], tmr[8], irr[8];
	uint32_t lvt[7];     /* CMCI, timer, thermal, perf, LINT0, LINT1, error */
	uint32_t timer_icr, timer_dcr;
	uint64_t timer_start;  /* crystal ticks when the count (re)started */
	bool timer_running;    /* one-shot/periodic count not yet expired */
	uint64_t tsc_deadline; /* IA32_TSC_DEADLINE, 0 = disarmed */
	bool has_tsc_deadline; /* CPUID.1:ECX[24] is reported */
};

/* What a register write asks of the glue. */
struct lapic_effects {
	bool send_ipi;       /* ICR written (xAPIC: low half; x2APIC: the MSR) */
	uint64_t icr;
	bool eoi_level;      /* EOI of a level-triggered vector: tell the IOAPIC */
	uint8_t eoi_vector;
	bool timer_changed;  /* re-read lapic_timer_next */
	bool tpr_changed;    /* TPR written */
	bool self_ipi;       /* SELF_IPI (x2APIC) */
	uint8_t self_vector;
};

/* Power-up / INIT state (SDM 3A 11.4.7.1 and table 9-1); INIT keeps the
 * APIC ID and IA32_APIC_BASE. */
void lapic_reset(struct lapic *l, uint32_t id, bool bsp);
void lapic_init_signal(struct lapic *l);

bool lapic_x2apic(const struct lapic *l);
bool lapic_hw_enabled(const struct lapic *l);
bool lapic_sw_enabled(const struct lapic *l);

/* WRMSR IA32_APIC_BASE (SDM 3A 11.4.4, 11.12.5 figure 11-27): false for
 * #GP (reserved bits, EN=0 with EXTD=1, x2APIC -> xAPIC, disabled ->
 * x2APIC). Disabling resets the APIC; xAPIC -> x2APIC takes the initial
 * ID and derives LDR. reserved: the bits above MAXPHYADDR. */
bool lapic_set_apic_base(struct lapic *l, uint64_t val, uint64_t reserved);

/* Register access by offset. x2apic selects that mode's rules (64-bit
 * ICR, read-only ID/LDR, no DFR, SELF_IPI). False: no such register or a
 * write to a read-only one (x2APIC: #GP; xAPIC: ESR illegal register for
 * writes, reads give 0). */
bool vlapic_read(struct lapic *l, uint32_t off, uint64_t now_crystal, uint64_t *val);
bool vlapic_write(struct lapic *l, uint32_t off, uint64_t val, uint64_t now_crystal, struct lapic_effects *fx);

/* Priorities (SDM 3A 11.8.3.1). */
uint32_t lapic_ppr(const struct lapic *l);
/* The vector to deliver now, or -1 (none, masked by PPR, APIC disabled). */
int lapic_highest(const struct lapic *l);
/* An APIC error (ESR bits, SDM 3A 11.5.3): latched for the next ESR
 * write, and the LVT Error vector made pending unless masked. True if it
 * was. */
bool lapic_error(struct lapic *l, uint32_t bits);
/* The vCPU takes vector: IRR -> ISR. */
void lapic_ack(struct lapic *l, uint8_t vector);
/* A fixed interrupt arrives: IRR (and TMR for level). True if a vector
 * was accepted: this one, or for an illegal one (< 16: ESR receive
 * illegal vector) the error interrupt; false also when the APIC is off. */
bool lapic_accept(struct lapic *l, uint8_t vector, bool level);

/* The timer mode bits of LVT timer: 0 one-shot, LVT_TIMER_PERIODIC or
 * LVT_TIMER_TSC_DEADLINE. */
uint32_t lapic_timer_mode(const struct lapic *l);
/* Timer: divide value of the DCR (SDM 3A figure 11-10). */
unsigned lapic_timer_divisor(uint32_t dcr);
/* When the timer next fires: crystal ticks (*tsc = false) or guest TSC
 * (*tsc = true, TSC-deadline mode); UINT64_MAX if it will not. */
uint64_t lapic_timer_next(const struct lapic *l, bool *tsc);
/* The timer's deadline has come: the interrupt (the LVT vector, unless
 * masked) is made pending, periodic mode reloads. True if a vector was
 * accepted. */
bool lapic_timer_fire(struct lapic *l, uint64_t now_crystal);
/* Periodic mode, after lapic_timer_fire: periods that ended before now
 * (the vCPU did not run, the host was late) are skipped, as an interrupt
 * already pending in IRR takes no second one; the count stays in phase. */
void lapic_timer_catch_up(struct lapic *l, uint64_t now_crystal);
/* IA32_TSC_DEADLINE (SDM 3A 11.5.4.1). */
void lapic_set_tsc_deadline(struct lapic *l, uint64_t deadline);

/* Is this APIC a destination of ipi, sent by an APIC of ID self_id?
 * Physical: ID match or broadcast; logical: flat or cluster (xAPIC DFR),
 * x2APIC cluster (SDM 3A 11.6.2, 11.12.10). Shorthands included. */
bool lapic_is_destination(const struct lapic *l, const struct lapic_ipi *ipi, uint32_t self_id);

#endif

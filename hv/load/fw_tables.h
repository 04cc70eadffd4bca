/*
 * fw_tables.h - the firmware tables an isolated PC-like VM finds in its
 * BIOS area: ACPI (RSDP, RSDT, XSDT, FADT, FACS, DSDT, MADT) and the Intel
 * MultiProcessor table (floating pointer and configuration table). They
 * are the only way an unmodified OS learns its CPUs, its interrupt
 * controllers and how the ISA IRQs reach them.
 *
 * One block at FW_TABLES_GPA (inside the reserved 0x9FC00-0xFFFFF hole of
 * the guest's memory map), found the standard ways:
 *   - the MP floating pointer "_MP_" on a 16-byte boundary in
 *     0xF0000-0xFFFFF (MP spec 1.4 section 4);
 *   - the RSDP "RSD PTR " on a 16-byte boundary in 0xE0000-0xFFFFF
 *     (ACPI 6.5 section 5.2.5.1).
 *
 * What they describe (the platform hv/dev/ gives every isolated VM):
 *   - one local APIC per vCPU, APIC ID = vCPU index, vCPU 0 the BSP, at
 *     GUEST_LAPIC_GPA;
 *   - one IOAPIC, ID GUEST_IOAPIC_ID, at GUEST_IOAPIC_GPA, GSI base 0,
 *     24 pins;
 *   - the dual 8259 (MADT flag PCAT_COMPAT; MP: ExtINT on every LINT0, NMI
 *     on every LINT1, the virtual-wire mode of MP spec 3.6.2.2);
 *   - ISA IRQ n on IOAPIC pin n, except IRQ0 (the PIT) on pin 2, and IRQ9
 *     (the SCI line) level-triggered active-high;
 *   - a FADT without SCI hardware: no PM1 event/control blocks, no PM
 *     timer, no GPEs, SMI_CMD 0 (the system is always in ACPI mode, ACPI
 *     6.5 5.2.9), no 8042, no VGA, the CMOS RTC present with its century
 *     byte at CMOS index 0x32; the DSDT holds no AML.
 *
 * Pure logic (host-tested by tests/host/test_fw_tables.c).
 */
#ifndef NESTOR_LOAD_FW_TABLES_H
#define NESTOR_LOAD_FW_TABLES_H

#include <stddef.h>
#include <stdint.h>

#define FW_TABLES_GPA 0xf0000u
#define FW_TABLES_MAX 0x1000u

#define FW_ISA_IRQ_SCI 9
#define FW_CMOS_CENTURY 0x32 /* FADT CENTURY: CMOS index of the century */

struct fw_tables_config {
	unsigned ncpus; /* 1-255: LAPIC IDs 0..ncpus-1 */
	uint32_t lapic_gpa, ioapic_gpa;
	uint8_t ioapic_id;
	uint8_t lapic_version, ioapic_version; /* MP entries: the registers' version fields */
	uint32_t cpu_signature, cpu_features;  /* MP processor entries: CPUID.1 EAX and EDX */
	/* FADT PM1a event (4 ports) and control (2 ports) blocks, and the
	 * SLP_TYP of the DSDT's \_S5; 0 ports: no PM1 blocks, no \_S5. */
	uint16_t pm1a_evt_port, pm1a_cnt_port;
	uint8_t s5_slp_typ;
};

/* Offsets of each structure from the start of the block. */
struct fw_tables_layout {
	uint32_t mp_floating, mp_config, rsdp, rsdt, xsdt, fadt, facs, dsdt, madt;
	uint32_t size; /* bytes used */
};

/* Build the tables into buf (size bytes), to be placed at guest-physical
 * base (16-byte aligned, the whole block below 4 GiB: the MP table's and
 * RSDT's pointers are 32-bit). Returns 0, or -1 with a message in err and
 * nothing written. */
int fw_tables_build(const struct fw_tables_config *c, uint8_t *buf, size_t size, uint32_t base,
		    struct fw_tables_layout *out, char *err, size_t errlen);

#endif

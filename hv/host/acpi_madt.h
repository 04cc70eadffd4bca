/*
 * acpi_madt.h - the host's processors from its ACPI tables (pure: the
 * caller says how to reach physical memory, so tests/host feeds it fixed
 * table bytes).
 *
 * Path (ACPI 6.5): RSDP (5.2.5) -> XSDT (5.2.8, revision >= 2) or RSDT
 * (5.2.7) -> the table with signature "APIC", the MADT (5.2.12) -> its
 * Processor Local APIC (type 0, 5.2.12.2) and Processor Local x2APIC
 * (type 9, 5.2.12.12) entries. A processor is started only if its Enabled
 * flag is set; one that is only Online Capable is not present yet.
 */
#ifndef NESTOR_HOST_ACPI_MADT_H
#define NESTOR_HOST_ACPI_MADT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MADT_MAX_CPUS 64

#define ACPI_RSDP_V1_LEN 20
#define ACPI_RSDP_V2_LEN 36
#define ACPI_SDT_HEADER_LEN 36

struct madt_cpu {
	uint32_t apic_id;
	uint32_t acpi_uid;
	bool x2apic;     /* from a type 9 entry */
};

struct madt_info {
	uint64_t lapic_addr;     /* Local APIC address (or its type 5 override) */
	bool pcat_compat;        /* flags bit 0: dual 8259s present */
	unsigned ncpus;          /* enabled processors, in table order */
	struct madt_cpu cpus[MADT_MAX_CPUS];
	unsigned disabled;       /* entries without the Enabled flag */
	unsigned dropped;        /* enabled ones beyond MADT_MAX_CPUS */
};

/* Physical memory [pa, pa+len) readable at the returned pointer, or NULL. */
typedef const uint8_t *(*acpi_map_fn)(void *ctx, uint64_t pa, uint64_t len);

/* The offset of a valid RSDP ("RSD PTR ", checksum over its 20 bytes, and
 * for revision >= 2 the extended checksum over its Length) on a 16-byte
 * boundary in buf[0..len) (ACPI 5.2.5.1), or -1. */
long acpi_rsdp_scan(const uint8_t *buf, size_t len);

/* Check the RSDP at p (avail bytes readable) and find the MADT through
 * the XSDT (or RSDT), then parse it. 0, or -1 with err set. */
int acpi_find_cpus(const uint8_t *rsdp, size_t avail, acpi_map_fn map, void *ctx, struct madt_info *out,
		   char *err, size_t errlen);

/* Parse one MADT (its whole length, header included, checksum checked). */
int madt_parse(const uint8_t *madt, size_t len, struct madt_info *out, char *err, size_t errlen);

#endif

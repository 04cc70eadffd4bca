/*
 * fw_tables.c - ACPI and MP table builder (see fw_tables.h).
 *
 * Table formats: ACPI 6.5 chapter 5.2 (RSDP 5.2.5.3, header 5.2.6, RSDT
 * 5.2.7, XSDT 5.2.8, FADT 5.2.9 table 5.9, FACS 5.2.10, DSDT 5.2.11.1,
 * MADT 5.2.12 with its Processor Local APIC 5.2.12.2, I/O APIC 5.2.12.3,
 * Interrupt Source Override 5.2.12.5 and Local APIC NMI 5.2.12.7
 * structures); Intel MultiProcessor Specification 1.4 chapter 4 (floating
 * pointer 4.1, configuration table header 4.2, entries 4.3).
 */
#include "hv/load/fw_tables.h"

#include <stdbool.h>

#include "hv/lib/bytes.h"
#include "hv/lib/format.h"
#include "hv/lib/string.h"

#define ACPI_HEADER_SIZE 36
#define RSDP_SIZE 36
#define FADT_SIZE 276 /* revision 6 */
#define FACS_SIZE 64
#define MADT_LAPIC_SIZE 8
#define MADT_IOAPIC_SIZE 12
#define MADT_ISO_SIZE 10
#define MADT_LAPIC_NMI_SIZE 6
#define MP_FLOATING_SIZE 16
#define MP_HEADER_SIZE 44
#define MP_PROCESSOR_SIZE 20
#define MP_SMALL_ENTRY_SIZE 8

/* MPS INTI flags and MADT interrupt flags share one encoding: polarity in
 * bits 1:0, trigger mode in bits 3:2 (0 = conforms to the bus). */
#define INTI_ACTIVE_HIGH 0x1
#define INTI_ACTIVE_LOW 0x3
#define INTI_EDGE (0x1 << 2)
#define INTI_LEVEL (0x3 << 2)

#define MADT_PCAT_COMPAT 0x1
#define MADT_LAPIC_ENABLED 0x1

/* FADT Flags (table 5.10) and IA-PC boot architecture flags (table 5.11). */
#define FADT_WBINVD (1u << 0)
#define FADT_PROC_C1 (1u << 2)
#define FADT_PWR_BUTTON (1u << 4) /* set: no fixed-feature power button */
#define FADT_SLP_BUTTON (1u << 5) /* set: no fixed-feature sleep button */
#define BOOT_LEGACY_DEVICES (1u << 0)
#define BOOT_VGA_NOT_PRESENT (1u << 2)
#define BOOT_MSI_NOT_SUPPORTED (1u << 3)

/* Store the byte that makes [p, p+len) sum to 0. */
static void fix_checksum(uint8_t *p, size_t len, size_t at)
{
	p[at] = 0;
	p[at] = (uint8_t)(0x100 - byte_sum(p, len));
}

static void acpi_header(uint8_t *t, const char *sig, uint32_t len, uint8_t rev)
{
	memcpy(t, sig, 4);
	wr32(t + 4, len);
	t[8] = rev;
	memcpy(t + 10, "NESTOR", 6);
	memcpy(t + 16, "NESTORVM", 8);
	wr32(t + 24, 1);
	memcpy(t + 28, "NSTR", 4);
	wr32(t + 32, 1);
}

static void acpi_finish(uint8_t *t) { fix_checksum(t, rd32(t + 4), 9); }

/* MADT: 5.2.12 table 5.43 plus the interrupt controller structures. */
static uint32_t madt_size(unsigned ncpus)
{
	return ACPI_HEADER_SIZE + 8 + ncpus * MADT_LAPIC_SIZE + MADT_IOAPIC_SIZE + 2 * MADT_ISO_SIZE +
	       MADT_LAPIC_NMI_SIZE;
}

static void iso(uint8_t *e, uint8_t isa_irq, uint32_t gsi, uint16_t flags)
{
	e[0] = 2;
	e[1] = MADT_ISO_SIZE;
	e[2] = 0; /* bus: ISA */
	e[3] = isa_irq;
	wr32(e + 4, gsi);
	wr16(e + 8, flags);
}

static void build_madt(const struct fw_tables_config *c, uint8_t *t)
{
	uint32_t len = madt_size(c->ncpus);
	acpi_header(t, "APIC", len, 4);
	wr32(t + 36, c->lapic_gpa);
	wr32(t + 40, MADT_PCAT_COMPAT);
	uint8_t *e = t + 44;
	for (unsigned i = 0; i < c->ncpus; i++, e += MADT_LAPIC_SIZE) {
		e[0] = 0;
		e[1] = MADT_LAPIC_SIZE;
		e[2] = (uint8_t)i; /* ACPI processor UID */
		e[3] = (uint8_t)i; /* APIC ID */
		wr32(e + 4, MADT_LAPIC_ENABLED);
	}
	e[0] = 1;
	e[1] = MADT_IOAPIC_SIZE;
	e[2] = c->ioapic_id;
	e[3] = 0;
	wr32(e + 4, c->ioapic_gpa);
	wr32(e + 8, 0); /* GSI base */
	e += MADT_IOAPIC_SIZE;
	iso(e, 0, 2, 0); /* the PIT's IRQ0 is pin 2; ISA's edge/high */
	e += MADT_ISO_SIZE;
	iso(e, FW_ISA_IRQ_SCI, FW_ISA_IRQ_SCI, INTI_ACTIVE_HIGH | INTI_LEVEL);
	e += MADT_ISO_SIZE;
	e[0] = 4; /* Local APIC NMI: LINT1 of every processor */
	e[1] = MADT_LAPIC_NMI_SIZE;
	e[2] = 0xff;
	wr16(e + 3, 0);
	e[5] = 1;
	acpi_finish(t);
}

/*
 * The DSDT's AML (ACPI 6.5 chapter 20): with PM1 blocks, only
 *   Name (_S5, Package (4) { S5, S5, Zero, Zero })
 * so an OS knows the SLP_TYP that powers off (section 7.4.2).
 */
#define DSDT_S5_AML_SIZE 14
static uint32_t dsdt_size(const struct fw_tables_config *c)
{
	return ACPI_HEADER_SIZE + (c->pm1a_cnt_port ? DSDT_S5_AML_SIZE : 0);
}

static void build_dsdt(const struct fw_tables_config *c, uint8_t *t)
{
	acpi_header(t, "DSDT", dsdt_size(c), 2);
	if (c->pm1a_cnt_port) {
		const uint8_t aml[DSDT_S5_AML_SIZE] = {
			0x08, '_', 'S', '5', '_',  /* NameOp, NameSeg */
			0x12, 0x08, 0x04,          /* PackageOp, PkgLength 8, 4 elements */
			0x0a, c->s5_slp_typ,       /* BytePrefix: SLP_TYPa */
			0x0a, c->s5_slp_typ,       /* BytePrefix: SLP_TYPb */
			0x00, 0x00,                /* ZeroOp, ZeroOp (reserved) */
		};
		memcpy(t + ACPI_HEADER_SIZE, aml, sizeof(aml));
	}
	acpi_finish(t);
}

static void build_fadt(const struct fw_tables_config *c, uint8_t *t, uint32_t facs_gpa, uint32_t dsdt_gpa)
{
	acpi_header(t, "FACP", FADT_SIZE, 6);
	wr32(t + 36, facs_gpa);
	wr32(t + 40, dsdt_gpa);
	wr16(t + 46, FW_ISA_IRQ_SCI);
	/* 48 SMI_CMD = 0: always in ACPI mode. The PM1a event and control
	 * blocks (I/O ports, 4 and 2 bytes) where given; PM1b, PM2, the PM
	 * timer and the GPE blocks are absent (0). */
	if (c->pm1a_cnt_port) {
		wr32(t + 56, c->pm1a_evt_port);
		wr32(t + 64, c->pm1a_cnt_port);
		t[88] = 4; /* PM1_EVT_LEN */
		t[89] = 2; /* PM1_CNT_LEN */
	}
	t[108] = FW_CMOS_CENTURY;
	wr16(t + 109, BOOT_LEGACY_DEVICES | BOOT_VGA_NOT_PRESENT | BOOT_MSI_NOT_SUPPORTED);
	wr32(t + 112, FADT_WBINVD | FADT_PROC_C1 | FADT_PWR_BUTTON | FADT_SLP_BUTTON);
	t[131] = 5; /* FADT minor version: ACPI 6.5 */
	wr64(t + 132, facs_gpa);
	wr64(t + 140, dsdt_gpa);
	acpi_finish(t);
}

static void build_facs(uint8_t *t)
{
	memcpy(t, "FACS", 4);
	wr32(t + 4, FACS_SIZE);
	t[32] = 2; /* version */
}

/* MP configuration table entries, in the order section 4.3 requires (by
 * entry type): processors, the ISA bus, the IOAPIC, I/O interrupts, local
 * interrupts. */
#define MP_IO_INTS 15 /* ISA IRQs 0-15 but IRQ2 (the cascade) */
static uint32_t mp_config_size(unsigned ncpus)
{
	return MP_HEADER_SIZE + ncpus * MP_PROCESSOR_SIZE + 2 * MP_SMALL_ENTRY_SIZE +
	       (MP_IO_INTS + 2) * MP_SMALL_ENTRY_SIZE;
}

static uint8_t *mp_int(uint8_t *e, uint8_t type, uint8_t int_type, uint16_t flags, uint8_t bus_irq, uint8_t dst,
		       uint8_t dst_pin)
{
	e[0] = type;
	e[1] = int_type;
	wr16(e + 2, flags);
	e[4] = 0; /* bus 0: ISA */
	e[5] = bus_irq;
	e[6] = dst;
	e[7] = dst_pin;
	return e + MP_SMALL_ENTRY_SIZE;
}

#define MP_INT 0
#define MP_NMI 1
#define MP_EXTINT 3

static void build_mp_config(const struct fw_tables_config *c, uint8_t *t)
{
	uint32_t len = mp_config_size(c->ncpus);
	memcpy(t, "PCMP", 4);
	wr16(t + 4, (uint16_t)len);
	t[6] = 4; /* spec 1.4 */
	memcpy(t + 8, "NESTOR  ", 8);
	memcpy(t + 16, "NESTOR VM   ", 12);
	wr16(t + 34, (uint16_t)(c->ncpus + 2 + MP_IO_INTS + 2));
	wr32(t + 36, c->lapic_gpa);
	uint8_t *e = t + MP_HEADER_SIZE;
	for (unsigned i = 0; i < c->ncpus; i++, e += MP_PROCESSOR_SIZE) {
		e[0] = 0;
		e[1] = (uint8_t)i;
		e[2] = c->lapic_version;
		e[3] = (uint8_t)(1 | (i == 0 ? 2 : 0)); /* EN, BP */
		wr32(e + 4, c->cpu_signature);
		wr32(e + 8, c->cpu_features);
	}
	e[0] = 1;
	e[1] = 0;
	memcpy(e + 2, "ISA   ", 6);
	e += MP_SMALL_ENTRY_SIZE;
	e[0] = 2;
	e[1] = c->ioapic_id;
	e[2] = c->ioapic_version;
	e[3] = 1; /* EN */
	wr32(e + 4, c->ioapic_gpa);
	e += MP_SMALL_ENTRY_SIZE;
	for (uint8_t irq = 0; irq < 16; irq++) {
		if (irq == 2)
			continue;
		uint16_t flags = irq == FW_ISA_IRQ_SCI ? INTI_ACTIVE_HIGH | INTI_LEVEL : 0;
		e = mp_int(e, 3, MP_INT, flags, irq, c->ioapic_id, irq == 0 ? 2 : irq);
	}
	e = mp_int(e, 4, MP_EXTINT, 0, 0, 0xff, 0);
	mp_int(e, 4, MP_NMI, 0, 0, 0xff, 1);
	fix_checksum(t, len, 7);
}

static uint32_t align_up(uint32_t x, uint32_t a) { return (x + a - 1) & ~(a - 1); }

int fw_tables_build(const struct fw_tables_config *c, uint8_t *buf, size_t size, uint32_t base,
		    struct fw_tables_layout *out, char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	if (c->ncpus < 1 || c->ncpus > 255)
		return fmt_error(err, errlen, "firmware tables: %u CPUs (1-255 fit the MADT and MP table)", c->ncpus);
	if (base & 15)
		return fmt_error(err, errlen, "firmware tables: base 0x%x is not 16-byte aligned", base);

	struct fw_tables_layout l;
	l.mp_floating = 0;
	l.rsdp = MP_FLOATING_SIZE;
	l.facs = align_up(l.rsdp + RSDP_SIZE, 64); /* FACS: 64-byte aligned */
	l.dsdt = l.facs + FACS_SIZE;
	l.fadt = align_up(l.dsdt + dsdt_size(c), 16);
	l.rsdt = align_up(l.fadt + FADT_SIZE, 16);
	l.xsdt = align_up(l.rsdt + ACPI_HEADER_SIZE + 2 * 4, 16);
	l.madt = align_up(l.xsdt + ACPI_HEADER_SIZE + 2 * 8, 16);
	l.mp_config = align_up(l.madt + madt_size(c->ncpus), 16);
	l.size = l.mp_config + mp_config_size(c->ncpus);
	if (l.size > size)
		return fmt_error(err, errlen, "firmware tables need 0x%x bytes, the area holds 0x%zx", l.size, size);
	if ((uint64_t)base + l.size > 0x100000000ull)
		return fmt_error(err, errlen, "firmware tables at 0x%x would cross 4 GiB", base);

	memset(buf, 0, l.size);
	uint8_t *p = buf + l.mp_floating;
	memcpy(p, "_MP_", 4);
	wr32(p + 4, base + l.mp_config);
	p[8] = 1; /* length in 16-byte units */
	p[9] = 4; /* spec 1.4 */
	/* Feature byte 1 = 0: a configuration table is present; byte 2 bit 7
	 * (IMCRP) = 0: virtual-wire mode, no IMCR. */
	fix_checksum(p, MP_FLOATING_SIZE, 10);

	p = buf + l.rsdp;
	memcpy(p, "RSD PTR ", 8);
	memcpy(p + 9, "NESTOR", 6);
	p[15] = 2; /* revision: ACPI 2.0+ with XSDT */
	wr32(p + 16, base + l.rsdt);
	wr32(p + 20, RSDP_SIZE);
	wr64(p + 24, base + l.xsdt);
	fix_checksum(p, 20, 8);
	fix_checksum(p, RSDP_SIZE, 32);

	build_facs(buf + l.facs);
	build_dsdt(c, buf + l.dsdt);
	build_fadt(c, buf + l.fadt, base + l.facs, base + l.dsdt);

	p = buf + l.rsdt;
	acpi_header(p, "RSDT", ACPI_HEADER_SIZE + 2 * 4, 1);
	wr32(p + 36, base + l.fadt);
	wr32(p + 40, base + l.madt);
	acpi_finish(p);
	p = buf + l.xsdt;
	acpi_header(p, "XSDT", ACPI_HEADER_SIZE + 2 * 8, 1);
	wr64(p + 36, base + l.fadt);
	wr64(p + 44, base + l.madt);
	acpi_finish(p);

	build_madt(c, buf + l.madt);
	build_mp_config(c, buf + l.mp_config);
	*out = l;
	return 0;
}

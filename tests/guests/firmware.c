/*
 * firmware - the ACPI and MP tables an unmodified OS would find: the
 * guest scans for them as Linux does (RSDP on 16-byte boundaries of
 * 0xE0000-0xFFFFF, "_MP_" in 0xF0000-0xFFFFF), checks every checksum and
 * length, and takes its CPUs, the IOAPIC and the IRQ0 routing from the
 * MADT and the MP table alone; the CPU count must agree with fw_cfg's.
 * Under Nestor the exact values of hv/guest_abi.h are checked; on bare
 * QEMU (SeaBIOS tables) only the structure.
 */
#include "lib/guest.h"

const char guest_name[] = "firmware";

static const uint8_t *phys(uint32_t a) { return (const uint8_t *)(uintptr_t)a; }
static uint32_t r32(uint32_t a) { const uint8_t *p = phys(a); return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint16_t r16(uint32_t a) { const uint8_t *p = phys(a); return (uint16_t)(p[0] | p[1] << 8); }

static uint8_t sum(uint32_t a, uint32_t len)
{
	uint8_t s = 0;
	for (uint32_t i = 0; i < len; i++)
		s = (uint8_t)(s + phys(a)[i]);
	return s;
}

static uint16_t pm1a_cnt;
static int s5_slp_typ = -1;

/* SLP_TYPa of Name (_S5, Package () { a, b, ... }) in the DSDT's AML
 * (ACPI 6.5 7.4.2; BytePrefix 0x0A, ZeroOp, OneOp), or -1. */
static int find_s5(uint32_t dsdt)
{
	for (uint32_t a = dsdt + 36; a + 9 < dsdt + r32(dsdt + 4); a++) {
		const uint8_t *p = phys(a);
		if (p[0] != 0x08 || memcmp(p + 1, "_S5_", 4) || p[5] != 0x12)
			continue;
		const uint8_t *el = p + 8; /* one-byte PkgLength, NumElements */
		return el[0] == 0x0a ? el[1] : el[0] <= 1 ? el[0] : -1;
	}
	return -1;
}

/* The PM1 registers (ACPI 6.5 4.8.3): SCI_EN reads 1 without an SMI
 * command port, status bits clear by writing 1, then S5 powers off. */
static void acpi_power_off(void)
{
	guest_check((inw(pm1a_cnt) & 1) == 1, "PM1_CNT 0x%x: SCI_EN set (always in ACPI mode)", inw(pm1a_cnt));
	outw(0x602, 0x0121);
	guest_check(inw(0x602) == 0x0121 && inw(0x600) == 0, "PM1_EN 0x%x kept, PM1_STS 0x%x", inw(0x602),
		    inw(0x600));
	if (guest_failures())
		return;
	guest_say("powering off through ACPI S5");
	outw(pm1a_cnt, (uint16_t)(s5_slp_typ << 10 | 1u << 13));
	guest_check(false, "still running after SLP_TYP %d | SLP_EN", s5_slp_typ);
}

static uint32_t scan(uint32_t from, uint32_t to, const char *sig, unsigned siglen)
{
	for (uint32_t a = from; a < to; a += 16)
		if (!memcmp(phys(a), sig, siglen))
			return a;
	return 0;
}

static unsigned fw_cfg_cpus(void)
{
	outw(FW_CFG_PORT_SEL, FW_CFG_NB_CPUS);
	unsigned lo = inb(FW_CFG_PORT_DATA);
	return lo | (unsigned)inb(FW_CFG_PORT_DATA) << 8;
}

/* The ACPI table with signature sig listed in the XSDT (entry size 8) or
 * the RSDT (4) at sdt. */
static uint32_t sdt_find(uint32_t sdt, unsigned entry, const char *sig)
{
	unsigned n = (r32(sdt + 4) - 36) / entry;
	for (unsigned i = 0; i < n; i++) {
		uint32_t t = r32(sdt + 36 + entry * i);
		if (!memcmp(phys(t), sig, 4))
			return t;
	}
	return 0;
}

static void check_acpi(bool nestor, unsigned want_cpus)
{
	uint32_t rsdp = scan(0xe0000, 0x100000, "RSD PTR ", 8);
	if (!guest_check(rsdp != 0, "RSDP found at 0x%x", rsdp))
		return;
	/* ACPI 1.0 (revision 0, SeaBIOS's) has no XSDT: the RSDT then. */
	bool v2 = phys(rsdp)[15] >= 2;
	guest_check_nestor(nestor, sum(rsdp, 20) == 0 && v2 && sum(rsdp, r32(rsdp + 20)) == 0,
			   "RSDP revision %u, both checksums right", phys(rsdp)[15]);
	uint32_t rsdt = r32(rsdp + 16), xsdt = v2 ? r32(rsdp + 24) : 0;
	if (!guest_check(!memcmp(phys(rsdt), "RSDT", 4) && sum(rsdt, r32(rsdt + 4)) == 0, "RSDT checksum right"))
		return;
	if (v2 && !guest_check(!memcmp(phys(xsdt), "XSDT", 4) && sum(xsdt, r32(xsdt + 4)) == 0, "XSDT checksum right"))
		return;
	uint32_t sdt = v2 ? xsdt : rsdt, entry = v2 ? 8 : 4;
	uint32_t fadt = sdt_find(sdt, entry, "FACP"), madt = sdt_find(sdt, entry, "APIC");
	if (v2)
		guest_check(sdt_find(rsdt, 4, "FACP") == fadt && sdt_find(rsdt, 4, "APIC") == madt,
			    "RSDT and XSDT list the same FADT and MADT");
	if (!guest_check(fadt && sum(fadt, r32(fadt + 4)) == 0, "FADT listed, checksum right"))
		return;
	uint32_t dsdt = r32(fadt + 40);
	guest_check(!memcmp(phys(dsdt), "DSDT", 4) && sum(dsdt, r32(dsdt + 4)) == 0, "DSDT checksum right");
	guest_check_nestor(nestor, r32(fadt + 48) == 0 && r32(fadt + 76) == 0,
			   "FADT: no SMI command port, no PM timer (SCI_INT %u)", r16(fadt + 46));
	pm1a_cnt = (uint16_t)r32(fadt + 64);
	guest_check_nestor(nestor, r32(fadt + 56) == 0x600 && phys(fadt)[88] == 4 && pm1a_cnt == 0x604 &&
				   phys(fadt)[89] == 2,
			   "FADT: PM1a event block 0x%x (%u ports), control block 0x%x (%u ports)", r32(fadt + 56),
			   phys(fadt)[88], pm1a_cnt, phys(fadt)[89]);
	s5_slp_typ = find_s5(dsdt);
	guest_check_nestor(nestor, s5_slp_typ == 5, "DSDT: \\_S5 SLP_TYP %d", s5_slp_typ);
	if (!guest_check(madt && sum(madt, r32(madt + 4)) == 0, "MADT listed, checksum right"))
		return;

	unsigned lapics = 0, ioapics = 0;
	uint32_t ids = 0, ioapic_addr = 0, ioapic_id = 0, irq0_gsi = 0;
	for (uint32_t e = madt + 44, end = madt + r32(madt + 4); e < end && phys(e)[1]; e += phys(e)[1]) {
		const uint8_t *p = phys(e);
		if (p[0] == 0 && (r32(e + 4) & 1)) {
			lapics++;
			ids |= 1u << (p[3] & 31);
		} else if (p[0] == 1) {
			ioapics++;
			ioapic_id = p[2];
			ioapic_addr = r32(e + 4);
		} else if (p[0] == 2 && p[3] == 0) {
			irq0_gsi = r32(e + 4);
		}
	}
	guest_check(lapics == want_cpus, "MADT: %u enabled local APICs, fw_cfg says %u CPUs", lapics, want_cpus);
	guest_check_nestor(nestor, ids == (1u << want_cpus) - 1, "MADT: APIC IDs 0-%u (mask 0x%x)", want_cpus - 1,
			   ids);
	guest_check_nestor(nestor, r32(madt + 36) == GUEST_LAPIC_GPA && (r32(madt + 40) & 1),
			   "MADT: local APICs at 0x%x, PCAT_COMPAT set", r32(madt + 36));
	guest_check_nestor(nestor, ioapics == 1 && ioapic_addr == GUEST_IOAPIC_GPA && ioapic_id == GUEST_IOAPIC_ID,
			   "MADT: %u IOAPIC, id %u at 0x%x", ioapics, ioapic_id, ioapic_addr);
	guest_check(irq0_gsi == 2, "MADT: ISA IRQ0 overridden to GSI %u", irq0_gsi);
}

static void check_mp(bool nestor, unsigned want_cpus)
{
	uint32_t fp = scan(0xf0000, 0x100000, "_MP_", 4);
	if (!guest_check(fp && sum(fp, phys(fp)[8] * 16u) == 0, "MP floating pointer at 0x%x, checksum right", fp))
		return;
	uint32_t t = r32(fp + 4);
	if (!guest_check(!memcmp(phys(t), "PCMP", 4) && sum(t, r16(t + 4)) == 0, "MP configuration table checksum right"))
		return;
	unsigned procs = 0, bsps = 0, ioapics = 0, irq0_pin = 0xff, count = r16(t + 34);
	uint32_t e = t + 44;
	for (unsigned i = 0; i < count; i++) {
		const uint8_t *p = phys(e);
		if (p[0] == 0) {
			procs += p[3] & 1;
			bsps += (p[3] >> 1) & 1;
			e += 20;
			continue;
		}
		if (p[0] == 2)
			ioapics++;
		if (p[0] == 3 && p[1] == 0 && p[5] == 0)
			irq0_pin = p[7];
		e += 8;
	}
	guest_check(e - t == r16(t + 4), "MP entries fill the table exactly (%u bytes)", e - t);
	guest_check_nestor(nestor, procs == want_cpus && bsps == 1, "MP: %u processors, %u BSP", procs, bsps);
	guest_check(ioapics == 1, "MP: %u IOAPIC", ioapics);
	guest_check_nestor(nestor, irq0_pin == 2, "MP: ISA IRQ0 on IOAPIC pin %u", irq0_pin);
}

int guest_main(const struct mb_info *mbi)
{
	bool nestor = nestor_present();
	/* The tables lie in the reserved hole of the memory map. */
	bool reserved = false;
	if (mbi->flags & MB_INFO_MMAP) {
		for (uint32_t a = mbi->mmap_addr; a < mbi->mmap_addr + mbi->mmap_length;) {
			const struct mb_mmap_entry *m = (const struct mb_mmap_entry *)(uintptr_t)a;
			if (m->type != 1 && m->base <= 0xf0000 && m->base + m->length >= 0x100000)
				reserved = true;
			a += m->size + 4;
		}
	}
	guest_check(reserved, "0xF0000-0xFFFFF is reserved in the memory map");
	unsigned cpus = fw_cfg_cpus();
	guest_say("fw_cfg: %u CPUs", cpus);
	check_acpi(nestor, cpus);
	check_mp(nestor, cpus);
	guest_say("%d checks failed", guest_failures());
	if (nestor && s5_slp_typ >= 0)
		acpi_power_off();
	return 0;
}

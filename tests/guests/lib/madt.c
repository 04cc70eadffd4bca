/*
 * madt.c - the CPUs an OS finds in the ACPI MADT (ACPI 6.5 5.2.12): the
 * RSDP on a 16-byte boundary of 0xE0000-0xFFFFF (5.2.5.1), then the XSDT
 * (revision >= 2) or the RSDT, then the "APIC" table's processor local
 * APIC entries (type 0) with the enabled flag. Checksums are checked;
 * tests/guests/firmware.c checks the tables themselves in detail.
 */
#include "guest.h"

static const uint8_t *phys(uint32_t a) { return (const uint8_t *)(uintptr_t)a; }
static uint32_t r32(uint32_t a) { return *(const uint32_t *)(uintptr_t)a; }

static bool sum_ok(uint32_t a, uint32_t len)
{
	uint8_t s = 0;
	for (uint32_t i = 0; i < len; i++)
		s = (uint8_t)(s + phys(a)[i]);
	return s == 0;
}

static uint32_t find_madt(void)
{
	uint32_t rsdp = 0;
	for (uint32_t a = 0xe0000; a < 0x100000 && !rsdp; a += 16)
		if (!memcmp(phys(a), "RSD PTR ", 8) && sum_ok(a, 20))
			rsdp = a;
	if (!rsdp)
		return 0;
	bool x = phys(rsdp)[15] >= 2 && r32(rsdp + 24);
	uint32_t sdt = x ? r32(rsdp + 24) : r32(rsdp + 16), entry = x ? 8 : 4;
	if (!sum_ok(sdt, r32(sdt + 4)))
		return 0;
	for (uint32_t e = sdt + 36; e < sdt + r32(sdt + 4); e += entry) {
		uint32_t t = r32(e);
		if (!memcmp(phys(t), "APIC", 4) && sum_ok(t, r32(t + 4)))
			return t;
	}
	return 0;
}

int guest_madt_lapic_ids(uint8_t *ids, int max)
{
	uint32_t madt = find_madt();
	if (!madt)
		return -1;
	int n = 0;
	for (uint32_t e = madt + 44, end = madt + r32(madt + 4); e + 2 <= end && phys(e)[1]; e += phys(e)[1])
		if (phys(e)[0] == 0 && (r32(e + 4) & 1)) {
			if (n < max)
				ids[n] = phys(e)[3];
			n++;
		}
	return n;
}

int guest_madt_isa_gsi(unsigned irq, uint32_t *ioapic_addr)
{
	uint32_t madt = find_madt();
	if (!madt)
		return -1;
	int gsi = (int)irq; /* identity unless overridden (5.2.12.5) */
	*ioapic_addr = 0;
	for (uint32_t e = madt + 44, end = madt + r32(madt + 4); e + 2 <= end && phys(e)[1]; e += phys(e)[1]) {
		if (phys(e)[0] == 1 && !*ioapic_addr)
			*ioapic_addr = r32(e + 4);
		if (phys(e)[0] == 2 && phys(e)[2] == 0 && phys(e)[3] == irq)
			gsi = (int)r32(e + 4);
	}
	return gsi;
}

/* test_fw_tables - the ACPI and MP tables read the way an OS reads them:
 * scan for the RSDP and "_MP_", follow the pointers, check every
 * checksum and length, and decode the MADT and MP entries. */
#include "tests/host/check.h"

#include "hv/lib/bytes.h"

#include "hv/load/fw_tables.h"

#define BASE 0xf0000u

static uint8_t mem[0x100000]; /* guest-physical 0 - 1 MiB */

static uint32_t r32(uint32_t a) { return mem[a] | mem[a + 1] << 8 | mem[a + 2] << 16 | (uint32_t)mem[a + 3] << 24; }
static uint16_t r16(uint32_t a) { return (uint16_t)(mem[a] | mem[a + 1] << 8); }
static uint64_t r64(uint32_t a) { return r32(a) | (uint64_t)r32(a + 4) << 32; }
static uint8_t sum(uint32_t a, uint32_t len) { return byte_sum(mem + a, len); }

static struct fw_tables_config cfg(unsigned n)
{
	return (struct fw_tables_config){ .ncpus = n, .lapic_gpa = 0xfee00000, .ioapic_gpa = 0xfec00000,
					  .ioapic_id = 8, .lapic_version = 0x14, .ioapic_version = 0x11,
					  .cpu_signature = 0x600f12, .cpu_features = 0x178bfbff,
					  .pm1a_evt_port = 0x600, .pm1a_cnt_port = 0x604, .s5_slp_typ = 5 };
}

static void build(unsigned n)
{
	memset(mem, 0, sizeof(mem));
	struct fw_tables_config c = cfg(n);
	struct fw_tables_layout l;
	char err[120];
	CHECK_EQ(fw_tables_build(&c, mem + BASE, FW_TABLES_MAX, BASE, &l, err, sizeof(err)), 0);
	CHECK(l.size <= FW_TABLES_MAX);
}

/* A structure with signature sig on a 16-byte boundary from start to
 * 1 MiB whose first sum_len bytes (0: the byte at +8 times 16, as the MP
 * floating pointer says) sum to 0. */
static uint32_t scan(uint32_t start, const char *sig, uint32_t sum_len)
{
	for (uint32_t a = start; a < 0x100000; a += 16)
		if (!memcmp(mem + a, sig, strlen(sig)) && !sum(a, sum_len ? sum_len : mem[a + 8] * 16u))
			return a;
	return 0;
}

/* ACPI 5.2.5.1: 16-byte boundaries of 0xE0000-0xFFFFF. */
static uint32_t find_rsdp(void) { return scan(0xe0000, "RSD PTR ", 20); }

static uint32_t find_table(const char *sig)
{
	uint32_t rsdp = find_rsdp();
	uint32_t xsdt = (uint32_t)r64(rsdp + 24);
	uint32_t n = (r32(xsdt + 4) - 36) / 8;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t t = (uint32_t)r64(xsdt + 36 + 8 * i);
		if (!memcmp(mem + t, sig, 4))
			return t;
	}
	return 0;
}

TEST(rsdp_found_with_both_checksums)
{
	build(2);
	uint32_t a = find_rsdp();
	CHECK(a != 0);
	CHECK_EQ(mem[a + 15], 2);
	CHECK_EQ(r32(a + 20), 36);
	CHECK_EQ(sum(a, 36), 0);
	CHECK(r32(a + 16) != 0);
	CHECK(r64(a + 24) != 0);
}

TEST(rsdt_and_xsdt_list_the_same_tables)
{
	build(1);
	uint32_t rsdp = find_rsdp();
	uint32_t rsdt = r32(rsdp + 16), xsdt = (uint32_t)r64(rsdp + 24);
	CHECK(!memcmp(mem + rsdt, "RSDT", 4));
	CHECK(!memcmp(mem + xsdt, "XSDT", 4));
	CHECK_EQ(sum(rsdt, r32(rsdt + 4)), 0);
	CHECK_EQ(sum(xsdt, r32(xsdt + 4)), 0);
	CHECK_EQ((r32(rsdt + 4) - 36) / 4, 2);
	CHECK_EQ((r32(xsdt + 4) - 36) / 8, 2);
	for (int i = 0; i < 2; i++) {
		uint32_t t = r32(rsdt + 36 + 4 * i);
		CHECK_EQ(t, r64(xsdt + 36 + 8 * i));
		CHECK_EQ(sum(t, r32(t + 4)), 0);
	}
	CHECK(find_table("FACP") && find_table("APIC"));
}

TEST(madt_has_one_lapic_per_cpu_the_ioapic_and_overrides)
{
	for (unsigned n = 1; n <= 8; n++) {
		build(n);
		uint32_t m = find_table("APIC");
		CHECK(m != 0);
		uint32_t len = r32(m + 4);
		CHECK_EQ(sum(m, len), 0);
		CHECK_EQ(r32(m + 36), 0xfee00000);
		CHECK_EQ(r32(m + 40), 1); /* PCAT_COMPAT */
		unsigned lapics = 0, ioapics = 0, isos = 0, nmis = 0;
		uint32_t id_seen = 0;
		for (uint32_t e = m + 44; e < m + len; e += mem[e + 1]) {
			CHECK(mem[e + 1] >= 2);
			switch (mem[e]) {
			case 0:
				CHECK_EQ(mem[e + 1], 8);
				CHECK_EQ(mem[e + 3], lapics); /* APIC ID = index */
				CHECK_EQ(r32(e + 4), 1);
				id_seen |= 1u << mem[e + 3];
				lapics++;
				break;
			case 1:
				CHECK_EQ(mem[e + 1], 12);
				CHECK_EQ(mem[e + 2], 8);
				CHECK_EQ(r32(e + 4), 0xfec00000);
				CHECK_EQ(r32(e + 8), 0);
				ioapics++;
				break;
			case 2:
				CHECK_EQ(mem[e + 1], 10);
				CHECK_EQ(mem[e + 2], 0);
				if (mem[e + 3] == 0) {
					CHECK_EQ(r32(e + 4), 2);
					CHECK_EQ(r16(e + 8), 0);
				} else {
					CHECK_EQ(mem[e + 3], 9);
					CHECK_EQ(r32(e + 4), 9);
					CHECK_EQ(r16(e + 8), 0xd); /* level, active high */
				}
				isos++;
				break;
			case 4:
				CHECK_EQ(mem[e + 1], 6);
				CHECK_EQ(mem[e + 2], 0xff);
				CHECK_EQ(mem[e + 5], 1);
				nmis++;
				break;
			default:
				CHECK(!"unexpected MADT entry type");
			}
		}
		CHECK_EQ(lapics, n);
		CHECK_EQ(id_seen, (1u << n) - 1);
		CHECK_EQ(ioapics, 1);
		CHECK_EQ(isos, 2);
		CHECK_EQ(nmis, 1);
	}
}

TEST(fadt_says_no_sci_hardware_and_points_at_dsdt_and_facs)
{
	build(1);
	uint32_t f = find_table("FACP");
	CHECK_EQ(r32(f + 4), 276);
	CHECK_EQ(mem[f + 8], 6);
	CHECK_EQ(r16(f + 46), 9);   /* SCI_INT */
	CHECK_EQ(r32(f + 48), 0);   /* SMI_CMD: always in ACPI mode */
	CHECK_EQ(r32(f + 56), 0x600); /* PM1a_EVT_BLK */
	CHECK_EQ(r32(f + 64), 0x604); /* PM1a_CNT_BLK */
	CHECK_EQ(mem[f + 88], 4);      /* PM1_EVT_LEN */
	CHECK_EQ(mem[f + 89], 2);      /* PM1_CNT_LEN */
	for (uint32_t o = 60; o < 88; o += 4)
		if (o != 64)
			CHECK_EQ(r32(f + o), 0); /* no PM1b/PM2/PM timer/GPE blocks */
	CHECK_EQ(mem[f + 91], 0);      /* PM_TMR_LEN */
	CHECK_EQ(mem[f + 108], 0x32); /* century */
	CHECK_EQ(r16(f + 109) & 2, 0); /* no 8042 */
	CHECK_EQ(r16(f + 109) & 0x20, 0); /* CMOS RTC present */
	CHECK_EQ(r32(f + 112) & (1u << 20), 0); /* not hardware-reduced: PIC and PIT exist */
	uint32_t dsdt = r32(f + 40), facs = r32(f + 36);
	CHECK_EQ(r64(f + 140), dsdt);
	CHECK_EQ(r64(f + 132), facs);
	CHECK(!memcmp(mem + dsdt, "DSDT", 4));
	CHECK_EQ(sum(dsdt, r32(dsdt + 4)), 0);
	/* The DSDT's only object: Name (_S5, Package (4) { 5, 5, 0, 0 }),
	 * read as an AML parser would (ACPI 6.5 20.2.5.2, 20.2.5.4). */
	CHECK_EQ(r32(dsdt + 4), 36 + 14);
	const uint8_t *aml = mem + dsdt + 36;
	CHECK_EQ(aml[0], 0x08);
	CHECK(!memcmp(aml + 1, "_S5_", 4));
	CHECK_EQ(aml[5], 0x12);
	CHECK_EQ(aml[6], 36 + 14 - (36 + 6)); /* PkgLength counts itself to the end */
	CHECK_EQ(aml[7], 4);
	CHECK_EQ(aml[8], 0x0a);
	CHECK_EQ(aml[9], 5);
	CHECK_EQ(aml[10], 0x0a);
	CHECK_EQ(aml[11], 5);
	CHECK_EQ(aml[12], 0);
	CHECK_EQ(aml[13], 0);
	CHECK(!memcmp(mem + facs, "FACS", 4));
	CHECK_EQ(r32(facs + 4), 64);
	CHECK_EQ(facs & 63, 0);
}

/* MP spec 4: "_MP_" in 0xF0000-0xFFFFF on a 16-byte boundary. */
static uint32_t find_mp(void) { return scan(0xf0000, "_MP_", 0); }

TEST(mp_table_has_processors_bus_ioapic_and_interrupts)
{
	build(3);
	uint32_t fp = find_mp();
	CHECK(fp != 0);
	CHECK_EQ(mem[fp + 8], 1);
	CHECK_EQ(mem[fp + 9], 4);
	CHECK_EQ(mem[fp + 11], 0); /* a configuration table is present */
	uint32_t t = r32(fp + 4);
	CHECK(!memcmp(mem + t, "PCMP", 4));
	uint16_t len = r16(t + 4);
	CHECK_EQ(sum(t, len), 0);
	CHECK_EQ(r32(t + 36), 0xfee00000);
	unsigned count = r16(t + 34), procs = 0, buses = 0, ioapics = 0, ioints = 0, lints = 0, bsps = 0;
	uint32_t e = t + 44;
	int last_type = -1;
	bool pin_of_irq_seen[16] = { 0 };
	for (unsigned i = 0; i < count; i++) {
		CHECK(mem[e] >= last_type); /* ordered by type */
		last_type = mem[e];
		switch (mem[e]) {
		case 0:
			CHECK_EQ(mem[e + 1], procs);
			CHECK(mem[e + 3] & 1);
			bsps += (mem[e + 3] >> 1) & 1;
			CHECK_EQ(r32(e + 4), 0x600f12);
			procs++;
			e += 20;
			continue;
		case 1:
			CHECK(!memcmp(mem + e + 2, "ISA   ", 6));
			buses++;
			break;
		case 2:
			CHECK_EQ(mem[e + 1], 8);
			CHECK_EQ(mem[e + 3], 1);
			CHECK_EQ(r32(e + 4), 0xfec00000);
			ioapics++;
			break;
		case 3: {
			uint8_t irq = mem[e + 5], pin = mem[e + 7];
			CHECK_EQ(mem[e + 1], 0);
			CHECK_EQ(mem[e + 6], 8);
			CHECK(irq < 16 && irq != 2);
			CHECK_EQ(pin, irq == 0 ? 2 : irq);
			CHECK_EQ(r16(e + 2), irq == 9 ? 0xd : 0);
			if (irq < 16)
				pin_of_irq_seen[irq] = true;
			ioints++;
			break;
		}
		case 4:
			CHECK_EQ(mem[e + 6], 0xff);
			CHECK_EQ(mem[e + 1], lints == 0 ? 3 : 1); /* ExtINT on LINT0, NMI on LINT1 */
			CHECK_EQ(mem[e + 7], lints);
			lints++;
			break;
		default:
			CHECK(!"unknown MP entry");
		}
		e += 8;
	}
	CHECK_EQ(e - t, len);
	CHECK_EQ(procs, 3);
	CHECK_EQ(bsps, 1);
	CHECK_EQ(buses, 1);
	CHECK_EQ(ioapics, 1);
	CHECK_EQ(ioints, 15);
	CHECK_EQ(lints, 2);
	for (int i = 0; i < 16; i++)
		CHECK_EQ(pin_of_irq_seen[i], i != 2);
}

TEST(bad_requests_are_refused_without_writing)
{
	static uint8_t buf[FW_TABLES_MAX];
	memset(buf, 0xaa, sizeof(buf));
	struct fw_tables_layout l;
	char err[120];
	struct fw_tables_config c = cfg(0);
	CHECK_EQ(fw_tables_build(&c, buf, sizeof(buf), BASE, &l, err, sizeof(err)), -1);
	CHECK(strstr(err, "CPUs") != NULL);
	c = cfg(2);
	CHECK_EQ(fw_tables_build(&c, buf, sizeof(buf), BASE + 8, &l, err, sizeof(err)), -1);
	CHECK_EQ(fw_tables_build(&c, buf, 100, BASE, &l, err, sizeof(err)), -1);
	CHECK(strstr(err, "need") != NULL);
	for (size_t i = 0; i < sizeof(buf); i++)
		if (buf[i] != 0xaa) {
			CHECK(!"a refused request wrote to the buffer");
			break;
		}
}

TEST_MAIN()

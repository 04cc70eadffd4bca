/* test_madt - the host's CPUs from fixed ACPI table bytes: RSDP search and
 * checks, XSDT and RSDT paths, MADT entries (enabled, disabled, x2APIC,
 * duplicates, address override), bad checksums and lengths. */
#include "tests/host/check.h"

#include "hv/host/acpi_madt.h"

/* Fake physical memory: 64 KiB at FAKE_BASE. */
#define FAKE_BASE 0x7fe0000ull
#define FAKE_SIZE 0x10000
static uint8_t mem[FAKE_SIZE];
#define RSDP_AT 0x0100
#define XSDT_AT 0x1000
#define RSDT_AT 0x2000
#define MADT_AT 0x3000
#define FACP_AT 0x4000

static const uint8_t *fake_map(void *ctx, uint64_t pa, uint64_t len)
{
	(void)ctx;
	if (pa < FAKE_BASE || len > FAKE_SIZE || pa - FAKE_BASE > FAKE_SIZE - len)
		return NULL;
	return mem + (pa - FAKE_BASE);
}

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

static void fix_sum(uint8_t *p, size_t len, size_t at)
{
	uint8_t s = 0;
	p[at] = 0;
	for (size_t i = 0; i < len; i++)
		s = (uint8_t)(s + p[i]);
	p[at] = (uint8_t)-s;
}

static void header(uint8_t *t, const char *sig, uint32_t len)
{
	memcpy(t, sig, 4);
	put32(t + 4, len);
	t[8] = 1;
	memcpy(t + 10, "NESTOR", 6);
}

static size_t madt_len;
static void madt_begin(void)
{
	memset(mem + MADT_AT, 0, 0x1000);
	put32(mem + MADT_AT + 36, 0xfee00000);
	put32(mem + MADT_AT + 40, 1); /* PCAT_COMPAT */
	madt_len = 44;
}

static void madt_lapic(uint8_t uid, uint8_t id, uint32_t flags)
{
	uint8_t *e = mem + MADT_AT + madt_len;
	e[0] = 0, e[1] = 8, e[2] = uid, e[3] = id;
	put32(e + 4, flags);
	madt_len += 8;
}

static void madt_x2apic(uint32_t id, uint32_t flags, uint32_t uid)
{
	uint8_t *e = mem + MADT_AT + madt_len;
	e[0] = 9, e[1] = 16;
	put32(e + 4, id);
	put32(e + 8, flags);
	put32(e + 12, uid);
	madt_len += 16;
}

static void madt_raw(const uint8_t *bytes, size_t n)
{
	memcpy(mem + MADT_AT + madt_len, bytes, n);
	madt_len += n;
}

static void madt_end(void)
{
	header(mem + MADT_AT, "APIC", (uint32_t)madt_len);
	fix_sum(mem + MADT_AT, madt_len, 9);
}

/* RSDP (revision 2 with an XSDT, or 0 with only the RSDT), both root
 * tables listing a FACP first and then the MADT. */
static void tables(int revision)
{
	memset(mem, 0, RSDP_AT + 64);
	memset(mem + XSDT_AT, 0, 0x2000);
	memset(mem + FACP_AT, 0, 0x100);
	header(mem + FACP_AT, "FACP", 36);
	fix_sum(mem + FACP_AT, 36, 9);
	header(mem + XSDT_AT, "XSDT", 36 + 16);
	put64(mem + XSDT_AT + 36, FAKE_BASE + FACP_AT);
	put64(mem + XSDT_AT + 44, FAKE_BASE + MADT_AT);
	fix_sum(mem + XSDT_AT, 52, 9);
	header(mem + RSDT_AT, "RSDT", 36 + 8);
	put32(mem + RSDT_AT + 36, (uint32_t)(FAKE_BASE + FACP_AT));
	put32(mem + RSDT_AT + 40, (uint32_t)(FAKE_BASE + MADT_AT));
	fix_sum(mem + RSDT_AT, 44, 9);
	uint8_t *r = mem + RSDP_AT;
	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, "NESTOR", 6);
	r[15] = (uint8_t)revision;
	put32(r + 16, (uint32_t)(FAKE_BASE + RSDT_AT));
	if (revision >= 2) {
		put32(r + 20, 36);
		put64(r + 24, FAKE_BASE + XSDT_AT);
	}
	fix_sum(r, 20, 8); /* first 20 bytes, then all of them (ACPI 5.2.5.3) */
	if (revision >= 2)
		fix_sum(r, 36, 32);
}

static void two_cpus_one_disabled(void)
{
	madt_begin();
	madt_lapic(0, 0, 1);
	madt_lapic(1, 1, 1);
	madt_lapic(2, 2, 2); /* online capable only: not present */
	madt_end();
}

static int find(struct madt_info *out, char *err)
{
	return acpi_find_cpus(mem + RSDP_AT, 36, fake_map, NULL, out, err, 160);
}

TEST(xsdt_path_finds_enabled_cpus)
{
	struct madt_info mi;
	char err[160] = "";
	tables(2);
	two_cpus_one_disabled();
	CHECK_EQ(find(&mi, err), 0);
	CHECK_EQ(mi.ncpus, 2);
	CHECK_EQ(mi.cpus[0].apic_id, 0);
	CHECK_EQ(mi.cpus[1].apic_id, 1);
	CHECK_EQ(mi.cpus[1].acpi_uid, 1);
	CHECK_EQ(mi.disabled, 1);
	CHECK_EQ(mi.lapic_addr, 0xfee00000);
	CHECK(mi.pcat_compat);
}

TEST(rsdt_path_for_acpi_1)
{
	struct madt_info mi;
	char err[160] = "";
	tables(0);
	/* A broken XSDT must not matter: revision 0 has none. */
	mem[XSDT_AT] = 'Y';
	two_cpus_one_disabled();
	CHECK_EQ(acpi_find_cpus(mem + RSDP_AT, 20, fake_map, NULL, &mi, err, sizeof(err)), 0);
	CHECK_EQ(mi.ncpus, 2);
}

TEST(bad_checksums_are_refused)
{
	struct madt_info mi;
	char err[160];
	tables(2);
	two_cpus_one_disabled();
	mem[RSDP_AT + 9] ^= 1; /* RSDP's first 20 bytes */
	CHECK_EQ(find(&mi, err), -1);
	CHECK(strstr(err, "RSDP") != NULL);

	tables(2);
	mem[RSDP_AT + 30] ^= 1; /* only the extended checksum covers this */
	CHECK_EQ(find(&mi, err), -1);

	tables(2);
	mem[XSDT_AT + 20] ^= 1;
	CHECK_EQ(find(&mi, err), -1);
	CHECK(strstr(err, "XSDT") != NULL);

	tables(2);
	two_cpus_one_disabled();
	mem[MADT_AT + 45] ^= 1;
	CHECK_EQ(find(&mi, err), -1);
	CHECK(strstr(err, "MADT") != NULL);
}

TEST(no_madt_listed)
{
	struct madt_info mi;
	char err[160];
	tables(2);
	two_cpus_one_disabled();
	memcpy(mem + MADT_AT, "APIX", 4);
	CHECK_EQ(find(&mi, err), -1);
	CHECK(strstr(err, "lists no MADT") != NULL);
}

TEST(x2apic_entries_duplicates_and_override)
{
	struct madt_info mi;
	char err[160] = "";
	static const uint8_t override[12] = { 5, 12, 0, 0, 0x00, 0x00, 0xe0, 0xfe, 0, 0, 0, 0 };
	static const uint8_t ioapic[12] = { 1, 12, 2, 0, 0, 0, 0xc0, 0xfe, 0, 0, 0, 0 };
	madt_begin();
	madt_lapic(0, 3, 1);
	madt_raw(ioapic, sizeof(ioapic));
	madt_x2apic(3, 1, 0);   /* the same CPU again */
	madt_x2apic(300, 1, 9); /* only reachable in x2APIC mode */
	madt_x2apic(301, 0, 10);
	madt_raw(override, sizeof(override));
	madt_end();
	CHECK_EQ(madt_parse(mem + MADT_AT, madt_len, &mi, err, sizeof(err)), 0);
	CHECK_EQ(mi.ncpus, 2);
	CHECK_EQ(mi.cpus[0].apic_id, 3);
	CHECK(!mi.cpus[0].x2apic);
	CHECK_EQ(mi.cpus[1].apic_id, 300);
	CHECK_EQ(mi.cpus[1].acpi_uid, 9);
	CHECK(mi.cpus[1].x2apic);
	CHECK_EQ(mi.disabled, 1);
	CHECK_EQ(mi.lapic_addr, 0xfee00000ull);
	put32(mem + MADT_AT + madt_len - 8, 0xfed00000u); /* override's address */
	fix_sum(mem + MADT_AT, madt_len, 9);
	CHECK_EQ(madt_parse(mem + MADT_AT, madt_len, &mi, err, sizeof(err)), 0);
	CHECK_EQ(mi.lapic_addr, 0xfed00000ull);
}

TEST(truncated_entries_are_errors)
{
	struct madt_info mi;
	char err[160];
	static const uint8_t zero_len[2] = { 0, 0 };
	static const uint8_t short_lapic[4] = { 0, 4, 0, 1 };
	madt_begin();
	madt_lapic(0, 0, 1);
	madt_raw(zero_len, 2);
	madt_end();
	CHECK_EQ(madt_parse(mem + MADT_AT, madt_len, &mi, err, sizeof(err)), -1);
	CHECK(strstr(err, "runs past") != NULL);
	madt_begin();
	madt_raw(short_lapic, 4);
	madt_end();
	CHECK_EQ(madt_parse(mem + MADT_AT, madt_len, &mi, err, sizeof(err)), -1);
	CHECK(strstr(err, "only 4 bytes") != NULL);
	/* An entry whose length runs past the table. */
	madt_begin();
	madt_lapic(0, 0, 1);
	madt_end();
	mem[MADT_AT + 45] = 9;
	fix_sum(mem + MADT_AT, madt_len, 9);
	CHECK_EQ(madt_parse(mem + MADT_AT, madt_len, &mi, err, sizeof(err)), -1);
	/* A length field that disagrees with the bytes given. */
	madt_begin();
	madt_end();
	CHECK_EQ(madt_parse(mem + MADT_AT, madt_len + 4, &mi, err, sizeof(err)), -1);
}

TEST(more_cpus_than_fit)
{
	struct madt_info mi;
	char err[160] = "";
	madt_begin();
	for (unsigned i = 0; i < MADT_MAX_CPUS + 3; i++)
		madt_x2apic(i, 1, i);
	madt_end();
	CHECK_EQ(madt_parse(mem + MADT_AT, madt_len, &mi, err, sizeof(err)), 0);
	CHECK_EQ(mi.ncpus, MADT_MAX_CPUS);
	CHECK_EQ(mi.dropped, 3);
}

TEST(rsdp_scan_on_16_byte_boundaries)
{
	static uint8_t area[1024];
	memset(area, 0, sizeof(area));
	tables(2);
	/* Off a 16-byte boundary: not found. */
	memcpy(area + 0x108, mem + RSDP_AT, 36);
	CHECK_EQ(acpi_rsdp_scan(area, sizeof(area)), -1);
	memset(area, 0, sizeof(area));
	/* A signature with a bad checksum first, then the real one. */
	memcpy(area + 0x40, "RSD PTR ", 8);
	memcpy(area + 0x200, mem + RSDP_AT, 36);
	CHECK_EQ(acpi_rsdp_scan(area, sizeof(area)), 0x200);
	/* Revision 2 cut off by the end of the area: its length does not fit. */
	CHECK_EQ(acpi_rsdp_scan(area, 0x200 + 30), -1);
	tables(0);
	memset(area, 0, sizeof(area));
	memcpy(area + 0x3e0, mem + RSDP_AT, 20);
	CHECK_EQ(acpi_rsdp_scan(area, sizeof(area) - 12), 0x3e0);
}

TEST_MAIN()

/* acpi_madt.c - see acpi_madt.h. Offsets are those of the ACPI 6.5 tables
 * named at each step. */
#include "hv/host/acpi_madt.h"
#include "hv/lib/bytes.h"
#include "hv/lib/format.h"
#include "hv/lib/string.h"

#define MADT_ENTRIES 44           /* after the header, LAPIC address, flags */
#define MADT_LAPIC 0              /* 5.2.12.2 */
#define MADT_LAPIC_OVERRIDE 5     /* 5.2.12.8 */
#define MADT_X2APIC 9             /* 5.2.12.12 */
#define MADT_CPU_ENABLED 1u

/* Every table with a checksum sums to zero over its bytes (5.2.5.3, 5.2.6). */
static bool sums_to_zero(const uint8_t *p, size_t len) { return byte_sum(p, len) == 0; }

static bool rsdp_valid(const uint8_t *p, size_t avail)
{
	if (avail < ACPI_RSDP_V1_LEN || memcmp(p, "RSD PTR ", 8) || !sums_to_zero(p, ACPI_RSDP_V1_LEN))
		return false;
	if (p[15] < 2)
		return true;
	uint32_t len = rd32(p + 20);
	return len >= ACPI_RSDP_V2_LEN && len <= avail && sums_to_zero(p, len);
}

long acpi_rsdp_scan(const uint8_t *buf, size_t len)
{
	for (size_t off = 0; off + ACPI_RSDP_V1_LEN <= len; off += 16)
		if (rsdp_valid(buf + off, len - off))
			return (long)off;
	return -1;
}

/* The system description table at pa: its header, then its whole length,
 * with the signature and checksum checked. */
static const uint8_t *map_table(acpi_map_fn map, void *ctx, uint64_t pa, const char *sig, uint32_t *len)
{
	const uint8_t *h = map(ctx, pa, ACPI_SDT_HEADER_LEN);
	if (!h || (sig && memcmp(h, sig, 4)))
		return 0;
	*len = rd32(h + 4);
	if (*len < ACPI_SDT_HEADER_LEN)
		return 0;
	const uint8_t *t = map(ctx, pa, *len);
	return t && sums_to_zero(t, *len) ? t : 0;
}

int madt_parse(const uint8_t *madt, size_t len, struct madt_info *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	if (len < MADT_ENTRIES || memcmp(madt, "APIC", 4) || rd32(madt + 4) != len)
		return fmt_error(err, errlen, "not a MADT (signature, or a length shorter than 44 bytes)");
	if (!sums_to_zero(madt, len))
		return fmt_error(err, errlen, "the MADT's checksum is wrong");
	out->lapic_addr = rd32(madt + 36);
	out->pcat_compat = rd32(madt + 40) & 1;
	for (size_t off = MADT_ENTRIES; off < len;) {
		if (len - off < 2 || madt[off + 1] < 2 || madt[off + 1] > len - off)
			return fmt_error(err, errlen, "MADT entry at offset %zu runs past the table's %zu bytes", off,
					 len);
		const uint8_t *e = madt + off;
		uint8_t type = e[0], elen = e[1];
		off += elen;
		struct madt_cpu c;
		uint32_t flags;
		if (type == MADT_LAPIC && elen >= 8) {
			c = (struct madt_cpu){ .apic_id = e[3], .acpi_uid = e[2], .x2apic = false };
			flags = rd32(e + 4);
		} else if (type == MADT_X2APIC && elen >= 16) {
			c = (struct madt_cpu){ .apic_id = rd32(e + 4), .acpi_uid = rd32(e + 12), .x2apic = true };
			flags = rd32(e + 8);
		} else {
			if (type == MADT_LAPIC_OVERRIDE && elen >= 12)
				out->lapic_addr = rd64(e + 4);
			else if ((type == MADT_LAPIC && elen < 8) || (type == MADT_X2APIC && elen < 16))
				return fmt_error(err, errlen, "MADT entry type %u at offset %zu is only %u bytes long",
						 type, off - elen, elen);
			continue;
		}
		if (!(flags & MADT_CPU_ENABLED)) {
			out->disabled++;
			continue;
		}
		/* The same processor listed twice (xAPIC and x2APIC entries
		 * for one ID) is one processor. */
		bool seen = false;
		for (unsigned i = 0; i < out->ncpus; i++)
			seen |= out->cpus[i].apic_id == c.apic_id;
		if (seen)
			continue;
		if (out->ncpus == MADT_MAX_CPUS)
			out->dropped++;
		else
			out->cpus[out->ncpus++] = c;
	}
	return 0;
}

int acpi_find_cpus(const uint8_t *rsdp, size_t avail, acpi_map_fn map, void *ctx, struct madt_info *out,
		   char *err, size_t errlen)
{
	if (!rsdp_valid(rsdp, avail))
		return fmt_error(err, errlen, "the RSDP's signature or checksum is wrong");
	/* XSDT for revision >= 2 (64-bit entries), else the RSDT (32-bit). */
	bool x = rsdp[15] >= 2 && rd64(rsdp + 24);
	uint64_t root_pa = x ? rd64(rsdp + 24) : rd32(rsdp + 16);
	uint32_t root_len;
	const uint8_t *root = map_table(map, ctx, root_pa, x ? "XSDT" : "RSDT", &root_len);
	if (!root)
		return fmt_error(err, errlen, "no valid %s at 0x%llx (signature, length or checksum)",
				 x ? "XSDT" : "RSDT", (unsigned long long)root_pa);
	unsigned esize = x ? 8 : 4;
	for (uint32_t off = ACPI_SDT_HEADER_LEN; off + esize <= root_len; off += esize) {
		uint64_t pa = x ? rd64(root + off) : rd32(root + off);
		const uint8_t *h = map(ctx, pa, ACPI_SDT_HEADER_LEN);
		if (!h || memcmp(h, "APIC", 4))
			continue;
		uint32_t len;
		const uint8_t *madt = map_table(map, ctx, pa, "APIC", &len);
		if (!madt)
			return fmt_error(err, errlen, "the MADT at 0x%llx has a bad length or checksum",
					 (unsigned long long)pa);
		return madt_parse(madt, len, out, err, errlen);
	}
	return fmt_error(err, errlen, "the %s lists no MADT (\"APIC\" table)", x ? "XSDT" : "RSDT");
}

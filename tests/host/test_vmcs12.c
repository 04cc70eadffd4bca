/* test_vmcs12 - VMREAD/VMWRITE over the VMCS12 layout: which encodings
 * exist, widths, high access, 32-bit operands, read-only fields. */
#include "tests/host/check.h"

#include "nested/vmcs12.h"

static struct vmcs12 vmcs;

TEST(every_listed_field_has_its_own_slot)
{
	bool seen[VMCS12_NFIELDS] = { 0 };
	for (unsigned i = 0; i < VMCS12_NFIELDS; i++) {
		uint32_t enc = vmcs12_encoding(i);
		int j = vmcs12_index_of(enc);
		CHECK_EQ(j, i);
		if (j >= 0 && j < VMCS12_NFIELDS) {
			CHECK(!seen[j]);
			seen[j] = true;
		}
		/* Reserved bit 12 and bits 31:15 of an encoding are 0. */
		CHECK_EQ(enc & 0xffff9000u, 0);
	}
	CHECK_EQ(vmcs12_encoding(VMCS12_NFIELDS), ~0u);
}

TEST(unsupported_encodings)
{
	uint64_t val = 0x55;
	/* PML address (0x200e), a field of a feature Nestor does not offer;
	 * a reserved bit set; bits above 15; high access of a 32-bit and of
	 * a natural-width field. */
	const uint32_t bad[] = { 0x200e, 0x2000 | 0x1000, 0x10000 | 0x4002, 0x4003, 0x6801, 0x0801 };
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_EQ(vmcs12_index_of(bad[i]), -1);
		CHECK_EQ(vmcs12_read(&vmcs, bad[i], true, &val), VMXERR_UNSUPPORTED_FIELD);
		CHECK_EQ(vmcs12_write(&vmcs, bad[i], true, 1, true), VMXERR_UNSUPPORTED_FIELD);
	}
	CHECK_EQ(val, 0x55); /* a failed VMREAD leaves the destination alone */
}

TEST(widths_truncate_on_write)
{
	uint64_t val;
	CHECK_EQ(vmcs12_write(&vmcs, VMCS_GUEST_CS_SEL, true, 0x1234567890abcdefull, false), 0);
	CHECK_EQ(vmcs12_read(&vmcs, VMCS_GUEST_CS_SEL, true, &val), 0);
	CHECK_EQ(val, 0xcdef);
	CHECK_EQ(vmcs12_write(&vmcs, VMCS_PIN_BASED_CTLS, true, 0x1234567890abcdefull, false), 0);
	CHECK_EQ(vmcs12_read(&vmcs, VMCS_PIN_BASED_CTLS, true, &val), 0);
	CHECK_EQ(val, 0x90abcdef);
	CHECK_EQ(vmcs12_write(&vmcs, VMCS_GUEST_RIP, true, 0xffff800012345678ull, false), 0);
	CHECK_EQ(vmcs12_read(&vmcs, VMCS_GUEST_RIP, true, &val), 0);
	CHECK_EQ(val, 0xffff800012345678ull);
}

TEST(operands_of_32_bits)
{
	uint64_t val;
	/* Outside 64-bit mode the operand is 32 bits: a longer field's high
	 * bits are cleared by VMWRITE and dropped by VMREAD. */
	CHECK_EQ(vmcs12_write(&vmcs, VMCS_GUEST_RSP, true, 0xaaaabbbbccccddddull, false), 0);
	CHECK_EQ(vmcs12_read(&vmcs, VMCS_GUEST_RSP, false, &val), 0);
	CHECK_EQ(val, 0xccccddddull);
	CHECK_EQ(vmcs12_write(&vmcs, VMCS_GUEST_RSP, false, 0x1111222233334444ull, false), 0);
	CHECK_EQ(vmcs12_read(&vmcs, VMCS_GUEST_RSP, true, &val), 0);
	CHECK_EQ(val, 0x33334444ull);
	CHECK_EQ(vmcs12_write(&vmcs, VMCS_TSC_OFFSET, false, 0xffffffff80000000ull, false), 0);
	CHECK_EQ(vmcs12_read(&vmcs, VMCS_TSC_OFFSET, true, &val), 0);
	CHECK_EQ(val, 0x80000000ull);
}

TEST(high_access_of_64_bit_fields)
{
	uint64_t val;
	CHECK_EQ(vmcs12_write(&vmcs, VMCS_TSC_OFFSET, true, 0x0123456789abcdefull, false), 0);
	CHECK_EQ(vmcs12_read(&vmcs, VMCS_TSC_OFFSET | 1, true, &val), 0);
	CHECK_EQ(val, 0x01234567ull);
	/* A high write changes bits 63:32 only, from the operand's low half. */
	CHECK_EQ(vmcs12_write(&vmcs, VMCS_TSC_OFFSET | 1, true, 0xdeadbeeffeedf00dull, false), 0);
	CHECK_EQ(vmcs12_read(&vmcs, VMCS_TSC_OFFSET, true, &val), 0);
	CHECK_EQ(val, 0xfeedf00d89abcdefull);
	CHECK_EQ(vmcs12_read(&vmcs, VMCS_TSC_OFFSET | 1, false, &val), 0);
	CHECK_EQ(val, 0xfeedf00dull);
}

TEST(exit_information_is_read_only_unless_misc_bit_29)
{
	uint64_t val;
	vmcs.field[VMCS12_EXIT_REASON] = 10;
	CHECK_EQ(vmcs12_write(&vmcs, VMCS_EXIT_REASON, true, 12, false), VMXERR_READONLY_FIELD);
	CHECK_EQ(vmcs12_read(&vmcs, VMCS_EXIT_REASON, true, &val), 0);
	CHECK_EQ(val, 10);
	CHECK_EQ(vmcs12_write(&vmcs, VMCS_GUEST_PHYSICAL_ADDRESS | 1, true, 1, false), VMXERR_READONLY_FIELD);
	CHECK_EQ(vmcs12_write(&vmcs, VMCS_EXIT_REASON, true, 12, true), 0);
	CHECK_EQ(vmcs12_read(&vmcs, VMCS_EXIT_REASON, true, &val), 0);
	CHECK_EQ(val, 12);
}

TEST(vmcs_enum_reports_the_highest_index)
{
	/* The preemption-timer value (0x482e) has index 23, the highest of
	 * the list (SDM 3D appendix B). */
	CHECK_EQ(vmcs12_enum_msr(), 23u << 1);
}

TEST_MAIN()

/* Host tests for hv/vmx/vmx_decode.c (values from the Intel SDM tables
 * named in vmx_decode.h, and Bochs corei7_skylake_x's capability MSRs). */
#include "check.h"
#include "ept/ept_fmt.h"
#include "hv/vmx/vmx_decode.h"

TEST(ctl_adjust_forces_allowed0_and_drops_disallowed)
{
	/* allowed-0 = 0x16 (bits 1, 2, 4 must be 1), allowed-1 = 0x7f. */
	uint64_t cap = (0x7full << 32) | 0x16;
	CHECK_EQ(vmx_ctl_adjust(cap, 0x1), 0x17);
	CHECK_EQ(vmx_ctl_adjust(cap, 0x80), 0x16); /* not allowed: dropped */
	CHECK_EQ(vmx_ctl_adjust(cap, 0), 0x16);
}

static const struct vmx_cr_fixed fix = {
	.cr0_fixed0 = 0x80000021, .cr0_fixed1 = 0xffffffff,
	.cr4_fixed0 = 0x2000, .cr4_fixed1 = 0x3727ff,
	.unrestricted = true,
};

TEST(cr0_unrestricted_leaves_pe_pg_to_guest)
{
	CHECK_EQ(vmx_cr0_mask(&fix), 0xffffffff00000020ull); /* NE + reserved upper half */
	CHECK_EQ(vmx_cr0_real(&fix, 0x10), 0x30);           /* real mode: NE forced */
	CHECK_EQ(vmx_cr0_real(&fix, 0x80000011), 0x80000031);
	struct vmx_cr_fixed r = fix;
	r.unrestricted = false;
	CHECK_EQ(vmx_cr0_mask(&r) & 0xffffffff, 0x80000021);
	CHECK_EQ(vmx_cr0_real(&r, 0x10), 0x80000031);
}

TEST(cr4_vmxe_hidden_and_unsupported_bits_masked)
{
	uint64_t m = vmx_cr4_mask(&fix);
	CHECK(m & (1ull << 13));        /* VMXE */
	CHECK(!(m & (1ull << 5)));      /* PAE belongs to the guest */
	CHECK(m & (1ull << 23));        /* not in fixed1: the guest cannot set it */
	CHECK_EQ(vmx_cr4_real(&fix, 0x20), 0x2020);
	CHECK_EQ(vmx_cr4_real(&fix, 1ull << 23), 0x2000); /* dropped (the exit path #GPs first) */
}

TEST(eptp_layout)
{
	CHECK_EQ(ept_make_eptp(0x12345000, 4, false), 0x1234501e);
	CHECK_EQ(ept_make_eptp(0x12345000, 4, true), 0x1234505e);
	CHECK_EQ(ept_make_eptp(0x12345000, 5, false), 0x12345026);
}

TEST(io_in_out_sizes_and_port)
{
	struct vm_exit e;
	memset(&e, 0, sizeof(e));
	vmx_decode_io(0x03f80000 | 0x8 | 0x0, 0, false, 0, &e); /* in al, dx (port 0x3f8) */
	CHECK_EQ(e.u.io.port, 0x3f8);
	CHECK_EQ(e.u.io.size, 1);
	CHECK(e.u.io.in && !e.u.io.string && !e.u.io.rep);
	vmx_decode_io(0x00f40000 | 0x3, 0, false, 0, &e); /* out dx, eax */
	CHECK_EQ(e.u.io.size, 4);
	CHECK(!e.u.io.in);
	vmx_decode_io(0x1, 0, false, 0, &e);
	CHECK_EQ(e.u.io.size, 2);
}

TEST(io_string_uses_instruction_information)
{
	struct vm_exit e;
	memset(&e, 0, sizeof(e));
	/* rep outsb, 32-bit addresses, FS override: info 9:7 = 1, 17:15 = 4. */
	vmx_decode_io(0x03f80000 | 0x10 | 0x20, (1u << 7) | (4u << 15), true, 0, &e);
	CHECK(e.u.io.string && e.u.io.rep && !e.u.io.in);
	CHECK_EQ(e.u.io.addr_size, 4);
	CHECK_EQ(e.u.io.seg, 4);
	/* insw with 64-bit addresses: always ES. */
	vmx_decode_io(0x03000000 | 0x10 | 0x8 | 0x1, (2u << 7) | (3u << 15), true, 0, &e);
	CHECK(e.u.io.in);
	CHECK_EQ(e.u.io.addr_size, 8);
	CHECK_EQ(e.u.io.seg, 0);
}

TEST(io_string_without_information_falls_back_to_cs)
{
	struct vm_exit e;
	memset(&e, 0, sizeof(e));
	vmx_decode_io(0x10, 0, false, 0xc09b, &e); /* 32-bit code segment: D=1 */
	CHECK_EQ(e.u.io.addr_size, 4);
	CHECK_EQ(e.u.io.seg, 3);
	vmx_decode_io(0x10, 0, false, 0xa09b, &e); /* 64-bit: L=1 */
	CHECK_EQ(e.u.io.addr_size, 8);
	vmx_decode_io(0x10, 0, false, 0x9b, &e); /* real mode */
	CHECK_EQ(e.u.io.addr_size, 2);
}

TEST(cr_access_qualification)
{
	struct vm_exit e;
	memset(&e, 0, sizeof(e));
	CHECK_EQ(vmx_decode_cr(0x304, &e), 0); /* mov cr4, rbx */
	CHECK_EQ(e.u.cr.cr, 4);
	CHECK_EQ(e.u.cr.gpr, 3);
	CHECK(e.u.cr.write);
	CHECK_EQ(vmx_decode_cr(0x413, &e), 1); /* mov rsp, cr3 */
	CHECK_EQ(e.u.cr.cr, 3);
	CHECK_EQ(e.u.cr.gpr, 4);
	CHECK(!e.u.cr.write);
	CHECK_EQ(vmx_decode_cr(0x20, &e), 2); /* clts */
	CHECK_EQ(e.u.cr.type, CR_ACCESS_CLTS);
	CHECK(e.u.cr.write);
	/* lmsw with source 0x000b (register form): type 3, data in 31:16. */
	CHECK_EQ(vmx_decode_cr(0x000b0030, &e), 3);
	CHECK_EQ(e.u.cr.type, CR_ACCESS_LMSW);
	CHECK_EQ(e.u.cr.lmsw_src, 0xb);
	CHECK(e.u.cr.write);
}

TEST_MAIN()

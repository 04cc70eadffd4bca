/* test_svm_cr - MOV to CR decoding and the guest CR4 policy. */
#include "tests/host/check.h"

#include "hv/x86/cr.h"
#include "hv/core/vcpu.h"

TEST(mov_to_cr_forms)
{
	struct mov_cr m;
	static const uint8_t a[] = { 0x0f, 0x22, 0xe0 }; /* mov cr4, eax/rax */
	CHECK(decode_mov_to_cr(a, sizeof(a), false, &m));
	CHECK_EQ(m.cr, 4);
	CHECK_EQ(m.gpr, 0);
	CHECK_EQ(m.len, 3);
	static const uint8_t b[] = { 0x41, 0x0f, 0x22, 0xe7 }; /* mov cr4, r15 */
	CHECK(decode_mov_to_cr(b, sizeof(b), true, &m));
	CHECK_EQ(m.cr, 4);
	CHECK_EQ(m.gpr, 15);
	CHECK_EQ(m.len, 4);
	static const uint8_t c[] = { 0x44, 0x0f, 0x22, 0xc3 }; /* mov cr8, rbx */
	CHECK(decode_mov_to_cr(c, sizeof(c), true, &m));
	CHECK_EQ(m.cr, 8);
	CHECK_EQ(m.gpr, 3);
	static const uint8_t d[] = { 0x66, 0x0f, 0x22, 0x21 }; /* prefix; mod=00 still a register */
	CHECK(decode_mov_to_cr(d, sizeof(d), false, &m));
	CHECK_EQ(m.cr, 4);
	CHECK_EQ(m.gpr, 1);
	CHECK_EQ(m.len, 4);
	/* REX is an instruction (INC/DEC) outside 64-bit mode. */
	CHECK(!decode_mov_to_cr(b, sizeof(b), false, &m));
	static const uint8_t e[] = { 0x0f, 0x20, 0xe0 }; /* mov eax, cr4: a read */
	CHECK(!decode_mov_to_cr(e, sizeof(e), false, &m));
	CHECK(!decode_mov_to_cr(a, 2, false, &m)); /* truncated */
}

TEST(cr4_policy)
{
	uint64_t all = guest_cr4_allowed(~0u, ~0u, ~0u, ~0u);
	CHECK_EQ(all & GUEST_CR4_HIDDEN, 0);
	CHECK(all & (1u << 5));  /* PAE */
	CHECK(all & (1u << 20)); /* SMEP */
	uint64_t none = guest_cr4_allowed(0, 0, 0, 0);
	CHECK(!(none & (1u << 7)));  /* no PGE without the feature */
	CHECK(!(none & (1u << 20))); /* no SMEP */
	CHECK(none & (1u << 9));     /* OSFXSR is always allowed */
}

TEST_MAIN()

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

/* The #GP conditions of MOV to CR0/CR3/CR4 (SDM 2B MOV CR, 3A 2.5, 4.10.1). */
TEST(cr_write_faults)
{
	const uint64_t PE = 1, NW = 1u << 29, CD = 1u << 30, PG = 1u << 31;
	const uint64_t PAE = 1u << 5, LA57 = 1u << 12, PCIDE = 1u << 17;
	const uint64_t LME = 1u << 8, LMA = 1u << 10;
	struct cr_state real = { .cr0 = 0x10, .cr4 = 0, .efer = 0, .maxphyaddr = 40,
				 .cr4_allowed = guest_cr4_allowed(~0u, ~0u, ~0u, ~0u) };
	CHECK(!cr_write_faults(&real, 0, PE));
	CHECK(cr_write_faults(&real, 0, PG));          /* PG without PE */
	CHECK(cr_write_faults(&real, 0, PE | NW));     /* NW without CD */
	CHECK(!cr_write_faults(&real, 0, PE | NW | CD));
	CHECK(cr_write_faults(&real, 0, 1ull << 32)); /* reserved upper half */
	/* Entering IA-32e mode: PG with LME needs PAE, and not from 64-bit code. */
	struct cr_state lme = real;
	lme.efer = LME;
	lme.cr0 = PE;
	CHECK(cr_write_faults(&lme, 0, PE | PG));
	lme.cr4 = PAE;
	CHECK(!cr_write_faults(&lme, 0, PE | PG));
	lme.cs_l = true;
	CHECK(cr_write_faults(&lme, 0, PE | PG));
	/* In IA-32e mode: PAE stays, LA57 cannot change, CR3 has no bits above
	 * MAXPHYADDR (bit 63 is only the no-flush hint). */
	struct cr_state lm = { .cr0 = PE | PG, .cr4 = PAE, .efer = LME | LMA, .cs_l = true, .maxphyaddr = 40,
			       .cr4_allowed = real.cr4_allowed };
	CHECK(cr_write_faults(&lm, 4, 0));
	CHECK(!cr_write_faults(&lm, 4, PAE | (1u << 7)));
	CHECK(cr_write_faults(&lm, 4, PAE | LA57));
	CHECK(cr_write_faults(&lm, 4, PAE | (1u << 13))); /* VMXE: hidden */
	CHECK(!cr_write_faults(&lm, 3, 0x12345000));
	CHECK(!cr_write_faults(&lm, 3, (1ull << 63) | 0x1000));
	CHECK(cr_write_faults(&lm, 3, 1ull << 40));
	/* PCIDE: only in IA-32e mode with CR3[11:0] = 0; then no paging off. */
	CHECK(!cr_write_faults(&lm, 4, PAE | PCIDE));
	lm.cr3 = 0x1001;
	CHECK(cr_write_faults(&lm, 4, PAE | PCIDE));
	CHECK(cr_write_faults(&real, 4, PAE | PCIDE));
	lm.cr4 = PAE | PCIDE;
	CHECK(cr_write_faults(&lm, 0, PE));
	/* Outside IA-32e mode CR3 takes any 32-bit value. */
	CHECK(!cr_write_faults(&real, 3, 0xfffff000));
	CHECK(pae_pdpte_reserved(36) == ((~0ull << 36) | 0x1e6));
}

TEST_MAIN()

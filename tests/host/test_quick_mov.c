/* test_quick_mov - the MMIO quick decoder (hv/x86/quick_mov.c) against the
 * general decoder: every ModRM, SIB, REX and prefix combination of the
 * forms around 89/8B/C7; what it accepts must decode identically, and it
 * must accept exactly the forms quick_mov.h lists. */
#include "tests/host/check.h"

#include "hv/lib/string.h"
#include "hv/x86/decode.h"
#include "hv/x86/quick_mov.h"

/* Does the general decoder's result say "a quick form"? */
static bool quick_form(const struct x86_inst *g)
{
	if (g->mnem != X86_MNEM_MOV || !g->has_mem || g->opsize != 4 || g->prefixes & ~X86_PFX_REX ||
	    g->seg_override != X86_SEG_NONE)
		return false;
	return g->opcode == 0x89 || g->opcode == 0x8b || g->opcode == 0xc7;
}

static unsigned checked, accepted;

/* Compare the two decoders on bytes[0..n) in mode. */
static void compare(const uint8_t *bytes, size_t n, enum x86_mode mode)
{
	struct x86_inst g, q;
	memset(&q, 0xa5, sizeof(q));
	enum x86_dec_status st = x86_decode_buf(bytes, n, mode, &g);
	bool ok = x86_quick_mov(bytes, n, mode, &q);
	bool want = st == X86_DEC_OK && mode != X86_MODE_16 && quick_form(&g);
	checked++;
	if (ok != want) {
		CHECK_FAIL_AT(__FILE__, __LINE__, "mode %d bytes %02x %02x %02x %02x: quick %d, general %d", mode,
			      bytes[0], bytes[1], bytes[2], bytes[3], ok, want);
		return;
	}
	if (!ok)
		return;
	accepted++;
	CHECK_EQ(q.len, g.len);
	CHECK_EQ(q.mode, g.mode);
	CHECK_EQ(q.mnem, g.mnem);
	CHECK_EQ(q.opcode, g.opcode);
	CHECK_EQ(q.opsize, g.opsize);
	CHECK_EQ(q.srcsize, g.srcsize);
	CHECK_EQ(q.addrsize, g.addrsize);
	CHECK(q.has_mem);
	CHECK(memcmp(&q.mem, &g.mem, sizeof(q.mem)) == 0);
	CHECK_EQ(q.reg.num, g.reg.num);
	CHECK_EQ(q.reg.high8, g.reg.high8);
	CHECK_EQ(q.has_imm, g.has_imm);
	if (g.has_imm)
		CHECK_EQ(q.imm, g.imm);
	/* One byte less is never enough. */
	CHECK(!x86_quick_mov(bytes, q.len - 1, mode, &q));
}

TEST(every_modrm_sib_and_rex)
{
	static const uint8_t ops[] = { 0x89, 0x8b, 0xc7, 0x88, 0x8a, 0xc6, 0x01, 0x8d };
	static const enum x86_mode modes[] = { X86_MODE_16, X86_MODE_32, X86_MODE_64 };
	checked = accepted = 0;
	for (unsigned mi = 0; mi < 3; mi++)
		for (int rex = -1; rex < 16; rex++)
			for (unsigned oi = 0; oi < sizeof(ops); oi++)
				for (unsigned modrm = 0; modrm < 256; modrm++)
					for (unsigned sib = 0; sib < ((modrm & 7) == 4 ? 256u : 1u); sib++) {
						uint8_t b[16];
						size_t i = 0;
						if (rex >= 0)
							b[i++] = (uint8_t)(0x40 | rex);
						b[i++] = ops[oi];
						b[i++] = (uint8_t)modrm;
						if ((modrm & 7) == 4)
							b[i++] = (uint8_t)sib;
						/* displacement and immediate bytes with the sign bits set */
						static const uint8_t tail[] = { 0x88, 0x99, 0xaa, 0xfb, 0x81, 0x02, 0x03, 0xf4 };
						memcpy(b + i, tail, sizeof(tail));
						compare(b, i + sizeof(tail), modes[mi]);
					}
	printf("     %u encodings, %u quick\n", checked, accepted);
	CHECK(accepted > 10000);
}

TEST(prefixes_are_not_quick)
{
	static const uint8_t pfx[] = { 0x66, 0x67, 0xf0, 0xf2, 0xf3, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65 };
	for (unsigned p = 0; p < sizeof(pfx); p++) {
		uint8_t b[] = { pfx[p], 0x89, 0x07, 0, 0, 0, 0, 0 };
		struct x86_inst q;
		CHECK(!x86_quick_mov(b, sizeof(b), X86_MODE_32, &q));
		CHECK(!x86_quick_mov(b, sizeof(b), X86_MODE_64, &q));
	}
}

TEST(known_forms)
{
	struct x86_inst q;
	/* mov [edi], eax */
	static const uint8_t a[] = { 0x89, 0x07 };
	CHECK(x86_quick_mov(a, sizeof(a), X86_MODE_32, &q));
	CHECK_EQ(q.len, 2);
	CHECK_EQ(q.reg.num, X86_RAX);
	CHECK_EQ(q.mem.base, X86_RDI);
	/* mov r10d, [rip + 0x10] */
	static const uint8_t b[] = { 0x44, 0x8b, 0x15, 0x10, 0, 0, 0 };
	CHECK(x86_quick_mov(b, sizeof(b), X86_MODE_64, &q));
	CHECK_EQ(q.len, 7);
	CHECK_EQ(q.reg.num, X86_R10);
	CHECK(q.mem.rip_rel);
	CHECK_EQ(q.mem.disp, 0x10);
	/* movl $0, 0xfee000b0 (the xAPIC EOI) */
	static const uint8_t c[] = { 0xc7, 0x05, 0xb0, 0x00, 0xe0, 0xfe, 0, 0, 0, 0 };
	CHECK(x86_quick_mov(c, sizeof(c), X86_MODE_32, &q));
	CHECK_EQ(q.len, 10);
	CHECK_EQ(q.reg.num, -1);
	CHECK(q.has_imm);
	CHECK_EQ(q.imm, 0);
	CHECK_EQ((uint32_t)q.mem.disp, 0xfee000b0u);
	/* mov rax, [rdi] (REX.W) is 8 bytes: not quick. */
	static const uint8_t d[] = { 0x48, 0x8b, 0x07 };
	CHECK(!x86_quick_mov(d, sizeof(d), X86_MODE_64, &q));
	/* REX outside 64-bit mode is DEC: not quick. */
	static const uint8_t e[] = { 0x41, 0x89, 0x07 };
	CHECK(!x86_quick_mov(e, sizeof(e), X86_MODE_32, &q));
}

TEST_MAIN()

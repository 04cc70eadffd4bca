/*
 * test_x86_decode.c - unit tests of the x86 decoder (hv/x86/decode.c):
 * lengths, operands and effective addresses of many encodings, refusals,
 * and fetching across page boundaries.
 */
#include <stdlib.h>

#include "hv/x86/decode.h"
#include "tests/host/check.h"
#include "tests/host/x86_fake.h"

static unsigned parse_hex(const char *s, uint8_t *out)
{
	unsigned n = 0;

	while (*s) {
		char *end;
		unsigned long v = strtoul(s, &end, 16);

		if (end == s)
			break;
		out[n++] = (uint8_t)v;
		s = end;
	}
	return n;
}

static enum x86_dec_status dec(enum x86_mode m, const char *hex,
			       struct x86_inst *insn)
{
	uint8_t b[32];
	unsigned n = parse_hex(hex, b);

	return x86_decode_buf(b, n, m, insn);
}

static struct x86_regs regs_for(enum x86_mode m)
{
	struct x86_regs r;

	memset(&r, 0, sizeof(r));
	r.mode = m;
	return r;
}

TEST(rip_relative_64)
{
	struct x86_inst i;
	struct x86_regs r = regs_for(X86_MODE_64);

	CHECK_EQ(dec(X86_MODE_64, "8b 05 10 00 00 00", &i), X86_DEC_OK);
	CHECK_EQ(i.len, 6);
	CHECK_EQ(i.mnem, X86_MNEM_MOV);
	CHECK_EQ(i.opsize, 4);
	CHECK_EQ(i.addrsize, 8);
	CHECK(i.has_mem);
	CHECK(i.mem.rip_rel);
	CHECK_EQ(i.mem.base, -1);
	CHECK_EQ(i.mem.disp, 0x10);
	CHECK_EQ(i.reg.num, X86_RAX);
	r.rip = 0xffffffff80001000ull;
	CHECK_EQ(x86_mem_linear(&i, &r), 0xffffffff80001016ull);
	/* Negative displacement, 67: EIP-relative, truncated to 32 bits. */
	CHECK_EQ(dec(X86_MODE_64, "67 8b 05 f0 ff ff ff", &i), X86_DEC_OK);
	CHECK_EQ(i.len, 7);
	CHECK_EQ(i.addrsize, 4);
	CHECK(i.mem.rip_rel);
	r.rip = 0x100000000ull + 0x5;
	CHECK_EQ(x86_mem_offset(&i, &r), (0x5 + 7 - 0x10) & 0xffffffffull);
	/* In 32-bit mode the same ModRM is disp32 only. */
	CHECK_EQ(dec(X86_MODE_32, "8b 05 78 56 34 12", &i), X86_DEC_OK);
	CHECK(!i.mem.rip_rel);
	CHECK_EQ(i.mem.base, -1);
	CHECK_EQ(i.mem.disp, 0x12345678);
	r = regs_for(X86_MODE_32);
	r.seg_base[X86_SEG_DS] = 0x1000;
	CHECK_EQ(x86_mem_linear(&i, &r), 0x12346678);
}

TEST(sib_forms)
{
	struct x86_inst i;
	struct x86_regs r = regs_for(X86_MODE_64);

	/* SIB with no base and no index: disp32 absolute. */
	CHECK_EQ(dec(X86_MODE_64, "8b 04 25 00 01 00 00", &i), X86_DEC_OK);
	CHECK_EQ(i.len, 7);
	CHECK_EQ(i.mem.base, -1);
	CHECK_EQ(i.mem.index, -1);
	CHECK(!i.mem.rip_rel);
	CHECK_EQ(i.mem.disp, 0x100);
	/* No base, index rcx*4. */
	CHECK_EQ(dec(X86_MODE_64, "8b 04 8d 10 00 00 00", &i), X86_DEC_OK);
	CHECK_EQ(i.mem.base, -1);
	CHECK_EQ(i.mem.index, X86_RCX);
	CHECK_EQ(i.mem.scale, 4);
	r.gpr[X86_RCX] = 3;
	CHECK_EQ(x86_mem_offset(&i, &r), 0x1c);
	/* base rax + index rbx*8 + disp8 -8. */
	CHECK_EQ(dec(X86_MODE_64, "8b 44 d8 f8", &i), X86_DEC_OK);
	CHECK_EQ(i.len, 4);
	CHECK_EQ(i.mem.base, X86_RAX);
	CHECK_EQ(i.mem.index, X86_RBX);
	CHECK_EQ(i.mem.scale, 8);
	CHECK_EQ(i.mem.disp, -8);
	r.gpr[X86_RAX] = 0x1000;
	r.gpr[X86_RBX] = 2;
	CHECK_EQ(x86_mem_offset(&i, &r), 0x1008);
	/* [rsp]: SS default; mov r12, [rsp]. */
	CHECK_EQ(dec(X86_MODE_64, "4c 8b 24 24", &i), X86_DEC_OK);
	CHECK_EQ(i.reg.num, X86_R12);
	CHECK_EQ(i.mem.base, X86_RSP);
	CHECK_EQ(i.mem.index, -1);
	CHECK_EQ(i.mem.seg, X86_SEG_SS);
	CHECK_EQ(i.opsize, 8);
	/* REX.B base r12 needs a SIB too; REX.X makes index 100b = r12. */
	CHECK_EQ(dec(X86_MODE_64, "41 8b 04 24", &i), X86_DEC_OK);
	CHECK_EQ(i.mem.base, X86_R12);
	CHECK_EQ(i.mem.index, -1);
	CHECK_EQ(i.mem.seg, X86_SEG_DS);
	CHECK_EQ(dec(X86_MODE_64, "42 8b 04 20", &i), X86_DEC_OK);
	CHECK_EQ(i.mem.base, X86_RAX);
	CHECK_EQ(i.mem.index, X86_R12);
	/* r13 base with mod 0 is "no base + disp32" (low bits 101). */
	CHECK_EQ(dec(X86_MODE_64, "43 8b 04 65 44 33 22 11", &i), X86_DEC_OK);
	CHECK_EQ(i.len, 8);
	CHECK_EQ(i.mem.base, -1);
	CHECK_EQ(i.mem.index, X86_R12);
	CHECK_EQ(i.mem.scale, 2);
	CHECK_EQ(i.mem.disp, 0x11223344);
	/* r13 with mod 1. */
	CHECK_EQ(dec(X86_MODE_64, "49 8b 45 00", &i), X86_DEC_OK);
	CHECK_EQ(i.mem.base, X86_R13);
	CHECK_EQ(i.reg.num, X86_RAX);
	CHECK_EQ(i.len, 4);
	/* [ebp+disp32] in 32-bit mode: SS. */
	CHECK_EQ(dec(X86_MODE_32, "8b 85 00 10 00 00", &i), X86_DEC_OK);
	CHECK_EQ(i.mem.base, X86_RBP);
	CHECK_EQ(i.mem.seg, X86_SEG_SS);
	CHECK_EQ(i.len, 6);
}

TEST(addr16_forms)
{
	struct x86_inst i;
	struct x86_regs r = regs_for(X86_MODE_16);

	CHECK_EQ(dec(X86_MODE_16, "8b 00", &i), X86_DEC_OK);
	CHECK_EQ(i.len, 2);
	CHECK_EQ(i.opsize, 2);
	CHECK_EQ(i.addrsize, 2);
	CHECK_EQ(i.mem.base, X86_RBX);
	CHECK_EQ(i.mem.index, X86_RSI);
	CHECK_EQ(i.mem.seg, X86_SEG_DS);
	r.gpr[X86_RBX] = 0xffff;
	r.gpr[X86_RSI] = 0x10002; /* only SI counts */
	r.seg_base[X86_SEG_DS] = 0x12340;
	CHECK_EQ(x86_mem_offset(&i, &r), 1);
	CHECK_EQ(x86_mem_linear(&i, &r), 0x12341);
	/* [bp+di-2]: SS default. */
	CHECK_EQ(dec(X86_MODE_16, "8b 43 fe", &i), X86_DEC_OK);
	CHECK_EQ(i.mem.base, X86_RBP);
	CHECK_EQ(i.mem.index, X86_RDI);
	CHECK_EQ(i.mem.disp, -2);
	CHECK_EQ(i.mem.seg, X86_SEG_SS);
	/* [si], [di], [bx]. */
	CHECK_EQ(dec(X86_MODE_16, "8b 04", &i), X86_DEC_OK);
	CHECK_EQ(i.mem.base, X86_RSI);
	CHECK_EQ(i.mem.index, -1);
	CHECK_EQ(dec(X86_MODE_16, "8b 05", &i), X86_DEC_OK);
	CHECK_EQ(i.mem.base, X86_RDI);
	CHECK_EQ(dec(X86_MODE_16, "8b 07", &i), X86_DEC_OK);
	CHECK_EQ(i.mem.base, X86_RBX);
	/* disp16 only, and [bp+disp16]. */
	CHECK_EQ(dec(X86_MODE_16, "8b 06 34 12", &i), X86_DEC_OK);
	CHECK_EQ(i.len, 4);
	CHECK_EQ(i.mem.base, -1);
	CHECK_EQ(i.mem.disp, 0x1234);
	CHECK_EQ(i.mem.seg, X86_SEG_DS);
	CHECK_EQ(dec(X86_MODE_16, "8b 86 00 80", &i), X86_DEC_OK);
	CHECK_EQ(i.mem.base, X86_RBP);
	CHECK_EQ(i.mem.seg, X86_SEG_SS);
	r.gpr[X86_RBP] = 0x8010;
	CHECK_EQ(x86_mem_offset(&i, &r), 0x10);
	/* 66 in 16-bit mode: 32-bit operand. */
	CHECK_EQ(dec(X86_MODE_16, "66 8b 00", &i), X86_DEC_OK);
	CHECK_EQ(i.opsize, 4);
	CHECK_EQ(i.addrsize, 2);
	/* 67 in 16-bit mode selects 32-bit addressing with SIB. */
	CHECK_EQ(dec(X86_MODE_16, "67 8b 04 58", &i), X86_DEC_OK);
	CHECK_EQ(i.len, 4);
	CHECK_EQ(i.addrsize, 4);
	CHECK_EQ(i.mem.base, X86_RAX);
	CHECK_EQ(i.mem.index, X86_RBX);
	CHECK_EQ(i.mem.scale, 2);
	/* 67 in 32-bit mode selects 16-bit addressing. */
	CHECK_EQ(dec(X86_MODE_32, "67 8b 42 10", &i), X86_DEC_OK);
	CHECK_EQ(i.len, 4);
	CHECK_EQ(i.addrsize, 2);
	CHECK_EQ(i.opsize, 4);
	CHECK_EQ(i.mem.base, X86_RBP);
	CHECK_EQ(i.mem.index, X86_RSI);
	CHECK_EQ(i.mem.disp, 0x10);
}

TEST(addr_size_67_in_64)
{
	struct x86_inst i;
	struct x86_regs r = regs_for(X86_MODE_64);

	CHECK_EQ(dec(X86_MODE_64, "67 8b 00", &i), X86_DEC_OK);
	CHECK_EQ(i.addrsize, 4);
	r.gpr[X86_RAX] = 0x1234567880000000ull;
	CHECK_EQ(x86_mem_offset(&i, &r), 0x80000000ull);
	CHECK_EQ(dec(X86_MODE_64, "67 48 8b 44 24 ff", &i), X86_DEC_OK);
	CHECK_EQ(i.opsize, 8);
	r.gpr[X86_RSP] = 0;
	CHECK_EQ(x86_mem_offset(&i, &r), 0xffffffffull);
}

TEST(segment_overrides)
{
	struct x86_inst i;
	struct x86_regs r = regs_for(X86_MODE_32);

	r.seg_base[X86_SEG_FS] = 0x10000;
	r.seg_base[X86_SEG_ES] = 0x20000;
	r.seg_base[X86_SEG_DS] = 0x30000;
	r.gpr[X86_RAX] = 0x10;
	CHECK_EQ(dec(X86_MODE_32, "64 8b 00", &i), X86_DEC_OK);
	CHECK_EQ(i.seg_override, X86_SEG_FS);
	CHECK_EQ(i.mem.seg, X86_SEG_FS);
	CHECK_EQ(x86_mem_linear(&i, &r), 0x10010);
	/* The last override wins. */
	CHECK_EQ(dec(X86_MODE_32, "64 2e 26 8b 00", &i), X86_DEC_OK);
	CHECK_EQ(i.mem.seg, X86_SEG_ES);
	CHECK_EQ(x86_mem_linear(&i, &r), 0x20010);
	/* Override on an SS-default form. */
	CHECK_EQ(dec(X86_MODE_32, "3e 8b 45 00", &i), X86_DEC_OK);
	CHECK_EQ(i.mem.seg, X86_SEG_DS);
	/* Linear addresses wrap at 4 GiB outside 64-bit mode. */
	r.seg_base[X86_SEG_DS] = 0xfffff000;
	r.gpr[X86_RAX] = 0x2000;
	CHECK_EQ(dec(X86_MODE_32, "8b 00", &i), X86_DEC_OK);
	CHECK_EQ(x86_mem_linear(&i, &r), 0x1000);
	/* 64-bit: ES/CS/SS/DS bases are ignored, FS/GS apply. */
	r = regs_for(X86_MODE_64);
	r.seg_base[X86_SEG_ES] = 0x5000;
	r.seg_base[X86_SEG_GS] = 0xffff888000000000ull;
	r.gpr[X86_RAX] = 0x8;
	CHECK_EQ(dec(X86_MODE_64, "26 8b 00", &i), X86_DEC_OK);
	CHECK_EQ(x86_mem_linear(&i, &r), 0x8);
	CHECK_EQ(dec(X86_MODE_64, "65 48 8b 04 25 28 00 00 00", &i), X86_DEC_OK);
	CHECK_EQ(i.len, 9);
	CHECK_EQ(x86_mem_linear(&i, &r), 0xffff888000000028ull);
}

TEST(byte_registers)
{
	struct x86_inst i;

	CHECK_EQ(dec(X86_MODE_64, "88 20", &i), X86_DEC_OK);
	CHECK_EQ(i.opsize, 1);
	CHECK_EQ(i.reg.num, X86_RAX);
	CHECK(i.reg.high8);
	CHECK_EQ(dec(X86_MODE_64, "40 88 20", &i), X86_DEC_OK);
	CHECK_EQ(i.reg.num, X86_RSP);
	CHECK(!i.reg.high8);
	CHECK_EQ(dec(X86_MODE_64, "44 88 38", &i), X86_DEC_OK);
	CHECK_EQ(i.reg.num, X86_R15);
	CHECK_EQ(dec(X86_MODE_32, "8a 3b", &i), X86_DEC_OK);
	CHECK_EQ(i.reg.num, X86_RBX);
	CHECK(i.reg.high8);
	/* MOVZX r32, BH: the rm byte register is high8, reg is not. */
	CHECK_EQ(dec(X86_MODE_32, "0f b6 c7", &i), X86_DEC_OK);
	CHECK(!i.has_mem);
	CHECK_EQ(i.rm.num, X86_RBX);
	CHECK(i.rm.high8);
	CHECK_EQ(i.reg.num, X86_RAX);
	CHECK(!i.reg.high8);
}

TEST(immediates)
{
	struct x86_inst i;

	CHECK_EQ(dec(X86_MODE_64, "83 00 ff", &i), X86_DEC_OK);
	CHECK_EQ(i.mnem, X86_MNEM_ADD);
	CHECK_EQ(i.len, 3);
	CHECK_EQ(i.imm, 0xffffffffull);
	CHECK_EQ(i.imm_bytes, 1);
	CHECK_EQ(i.reg.num, -1); /* ModRM.reg is the /digit here */
	CHECK_EQ(i.modrm_reg, 0);
	CHECK_EQ(dec(X86_MODE_64, "48 83 38 80", &i), X86_DEC_OK);
	CHECK_EQ(i.mnem, X86_MNEM_CMP);
	CHECK_EQ(i.imm, 0xffffffffffffff80ull);
	CHECK_EQ(dec(X86_MODE_64, "48 81 08 ff ff ff 7f", &i), X86_DEC_OK);
	CHECK_EQ(i.mnem, X86_MNEM_OR);
	CHECK_EQ(i.len, 7);
	CHECK_EQ(i.imm, 0x7fffffff);
	CHECK_EQ(dec(X86_MODE_64, "48 c7 00 00 00 00 80", &i), X86_DEC_OK);
	CHECK_EQ(i.imm, 0xffffffff80000000ull);
	CHECK_EQ(dec(X86_MODE_32, "66 81 30 34 12", &i), X86_DEC_OK);
	CHECK_EQ(i.mnem, X86_MNEM_XOR);
	CHECK_EQ(i.len, 5);
	CHECK_EQ(i.imm, 0x1234);
	CHECK_EQ(i.opsize, 2);
	CHECK_EQ(dec(X86_MODE_16, "c7 06 00 10 cd ab", &i), X86_DEC_OK);
	CHECK_EQ(i.len, 6);
	CHECK_EQ(i.imm, 0xabcd);
	CHECK_EQ(i.mem.disp, 0x1000);
	CHECK_EQ(dec(X86_MODE_32, "c6 44 24 04 99", &i), X86_DEC_OK);
	CHECK_EQ(i.len, 5);
	CHECK_EQ(i.imm, 0x99);
	CHECK_EQ(dec(X86_MODE_32, "f6 05 00 00 00 fe 01", &i), X86_DEC_OK);
	CHECK_EQ(i.mnem, X86_MNEM_TEST);
	CHECK_EQ(i.len, 7);
	CHECK_EQ(i.imm, 1);
	CHECK_EQ(dec(X86_MODE_64, "f7 80 00 01 00 00 ff 00 00 00", &i), X86_DEC_OK);
	CHECK_EQ(i.len, 10);
	CHECK_EQ(i.imm, 0xff);
	CHECK_EQ(dec(X86_MODE_64, "48 0f ba 68 08 3f", &i), X86_DEC_OK);
	CHECK_EQ(i.mnem, X86_MNEM_BTS);
	CHECK_EQ(i.len, 6);
	CHECK_EQ(i.imm, 0x3f);
}

TEST(moffs)
{
	struct x86_inst i;

	CHECK_EQ(dec(X86_MODE_32, "a1 00 01 00 fe", &i), X86_DEC_OK);
	CHECK_EQ(i.len, 5);
	CHECK_EQ(i.mem.disp, 0xfe000100);
	CHECK_EQ(i.reg.num, X86_RAX);
	CHECK_EQ(i.opsize, 4);
	CHECK_EQ(dec(X86_MODE_64, "48 a3 88 77 66 55 44 33 22 11", &i), X86_DEC_OK);
	CHECK_EQ(i.len, 10);
	CHECK_EQ(i.mem.disp, 0x1122334455667788ull);
	CHECK_EQ(i.opsize, 8);
	CHECK_EQ(dec(X86_MODE_64, "67 a0 44 33 22 11", &i), X86_DEC_OK);
	CHECK_EQ(i.len, 6);
	CHECK_EQ(i.opsize, 1);
	CHECK_EQ(i.mem.disp, 0x11223344);
	CHECK_EQ(dec(X86_MODE_16, "2e a2 34 12", &i), X86_DEC_OK);
	CHECK_EQ(i.len, 4);
	CHECK_EQ(i.mem.seg, X86_SEG_CS);
	CHECK_EQ(i.mem.disp, 0x1234);
}

TEST(movzx_movsx_movsxd_movnti)
{
	struct x86_inst i;

	CHECK_EQ(dec(X86_MODE_64, "0f b6 00", &i), X86_DEC_OK);
	CHECK_EQ(i.mnem, X86_MNEM_MOVZX);
	CHECK_EQ(i.opsize, 4);
	CHECK_EQ(i.srcsize, 1);
	CHECK_EQ(dec(X86_MODE_64, "48 0f bf 00", &i), X86_DEC_OK);
	CHECK_EQ(i.mnem, X86_MNEM_MOVSX);
	CHECK_EQ(i.opsize, 8);
	CHECK_EQ(i.srcsize, 2);
	CHECK_EQ(dec(X86_MODE_64, "48 63 08", &i), X86_DEC_OK);
	CHECK_EQ(i.mnem, X86_MNEM_MOVSXD);
	CHECK_EQ(i.reg.num, X86_RCX);
	CHECK_EQ(i.srcsize, 4);
	CHECK_EQ(dec(X86_MODE_64, "48 0f c3 08", &i), X86_DEC_OK);
	CHECK_EQ(i.mnem, X86_MNEM_MOVNTI);
	CHECK_EQ(i.opsize, 8);
	CHECK_EQ(dec(X86_MODE_32, "0f a3 08", &i), X86_DEC_OK);
	CHECK_EQ(i.mnem, X86_MNEM_BT);
	CHECK_EQ(dec(X86_MODE_32, "f0 0f bb 08", &i), X86_DEC_OK);
	CHECK_EQ(i.mnem, X86_MNEM_BTC);
	CHECK(i.prefixes & X86_PFX_LOCK);
}

TEST(string_ops)
{
	struct x86_inst i;

	CHECK_EQ(dec(X86_MODE_64, "f3 48 a5", &i), X86_DEC_OK);
	CHECK_EQ(i.mnem, X86_MNEM_MOVS);
	CHECK_EQ(i.len, 3);
	CHECK_EQ(i.opsize, 8);
	CHECK(i.prefixes & X86_PFX_REP);
	CHECK(!i.has_mem);
	CHECK_EQ(dec(X86_MODE_16, "aa", &i), X86_DEC_OK);
	CHECK_EQ(i.mnem, X86_MNEM_STOS);
	CHECK_EQ(i.len, 1);
	CHECK_EQ(i.opsize, 1);
	CHECK_EQ(dec(X86_MODE_32, "f3 67 64 a4", &i), X86_DEC_OK);
	CHECK_EQ(i.len, 4);
	CHECK_EQ(i.addrsize, 2);
	CHECK_EQ(i.seg_override, X86_SEG_FS);
	CHECK_EQ(dec(X86_MODE_32, "f2 a4", &i), X86_DEC_UNSUPPORTED);
}

TEST(refused)
{
	static const struct {
		enum x86_mode m;
		const char *hex;
	} bad[] = {
		{ X86_MODE_64, "0f 0b" },          /* ud2 */
		{ X86_MODE_64, "90" },             /* nop */
		{ X86_MODE_64, "04 01" },          /* add al, imm: no memory */
		{ X86_MODE_64, "f3 0f b8 00" },    /* popcnt */
		{ X86_MODE_64, "f3 89 00" },       /* xrelease mov */
		{ X86_MODE_64, "f0 88 00" },       /* lock mov: #UD */
		{ X86_MODE_64, "f0 01 c0" },       /* lock with register dst */
		{ X86_MODE_64, "f0 39 00" },       /* lock cmp */
		{ X86_MODE_64, "f0 80 38 01" },    /* lock cmp imm */
		{ X86_MODE_64, "f0 0f a3 00" },    /* lock bt */
		{ X86_MODE_64, "f0 85 00" },       /* lock test */
		{ X86_MODE_64, "c7 f8 00 00 00 00" }, /* xbegin */
		{ X86_MODE_64, "c6 08 00" },       /* c6 /1 */
		{ X86_MODE_64, "f6 10" },          /* not */
		{ X86_MODE_64, "f7 08 00 00 00 00" }, /* test alias /1 */
		{ X86_MODE_64, "0f ba 00 01" },    /* 0f ba /0 */
		{ X86_MODE_32, "63 00" },          /* arpl */
		{ X86_MODE_64, "63 00" },          /* movsxd without REX.W */
		{ X86_MODE_64, "0f c3 c0" },       /* movnti reg */
		{ X86_MODE_64, "66 0f c3 00" },
		{ X86_MODE_64, "40 66 8b 00" },    /* REX before legacy prefix */
		{ X86_MODE_64, "48 40 8b 00" },    /* two REX */
		{ X86_MODE_32, "82 00 01" },
		{ X86_MODE_64, "8b" },             /* truncated */
		{ X86_MODE_64, "8b 80 00 00" },    /* truncated disp */
		{ X86_MODE_64, "66 66 66 66 66 66 66 66 66 66 66 66 66 66 8b 00" },
	};
	struct x86_inst i;

	for (unsigned k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		enum x86_dec_status st = dec(bad[k].m, bad[k].hex, &i);

		if (st != X86_DEC_UNSUPPORTED)
			CHECK_FAIL_AT(__FILE__, __LINE__, "accepted %s", bad[k].hex);
		CHECK(i.reason != NULL);
		CHECK_EQ(i.mnem, X86_MNEM_NONE);
	}
	CHECK_EQ(dec(X86_MODE_64, "66 66 66 66 66 66 66 66 66 66 66 66 66 66 8b 00", &i),
		 X86_DEC_UNSUPPORTED);
	CHECK_EQ(i.nbytes, 15);
	CHECK_STR(i.reason, "instruction longer than 15 bytes");
	/* Exactly 15 bytes is fine. */
	CHECK_EQ(dec(X86_MODE_64, "66 66 66 66 66 66 66 66 66 66 66 66 66 8b 00", &i),
		 X86_DEC_OK);
	CHECK_EQ(i.len, 15);
	CHECK_EQ(dec(X86_MODE_64, "0f 0b", &i), X86_DEC_UNSUPPORTED);
	CHECK_EQ(i.nbytes, 2);
	CHECK_EQ(i.bytes[1], 0x0b);
	CHECK_STR(i.reason, "opcode not supported");
}

static struct fake_guest g;

TEST(fetch_across_page)
{
	struct x86_inst i;
	struct x86_regs r = regs_for(X86_MODE_64);
	static const uint8_t insn[] = { 0x48, 0x8b, 0x84, 0x24, 0x00, 0x01, 0x00, 0x00 };
	int fault = 0;

	memset(&g, 0, sizeof(g));
	r.rip = 0x1ffd; /* 3 bytes on the first page, 5 on the next */
	fake_put(&g, r.rip, insn, sizeof(insn));
	CHECK_EQ(x86_decode_fetch(&r, fake_fetch, &g, &i, &fault), X86_DEC_OK);
	CHECK_EQ(i.len, 8);
	CHECK_EQ(g.nfetch, 2);
	CHECK_EQ(i.mem.base, X86_RSP);
	CHECK_EQ(i.mem.disp, 0x100);
	/* Second page not present: the fetch fault is passed back. */
	g.nfetch = 0;
	g.fault_lo = 0x2000;
	g.fault_hi = 0x3000;
	g.fault_code = 0x40e;
	CHECK_EQ(x86_decode_fetch(&r, fake_fetch, &g, &i, &fault), X86_DEC_FAULT);
	CHECK_EQ(fault, 0x40e);
	CHECK_EQ(i.nbytes, 3);
	/* An instruction that ends at the page end never touches the next. */
	r.rip = 0x2000 - sizeof(insn);
	fake_put(&g, r.rip, insn, sizeof(insn));
	fault = 0;
	CHECK_EQ(x86_decode_fetch(&r, fake_fetch, &g, &i, &fault), X86_DEC_OK);
	CHECK_EQ(i.len, 8);
	CHECK_EQ(fault, 0);
	/* CS base applies outside 64-bit mode. */
	memset(&g, 0, sizeof(g));
	r = regs_for(X86_MODE_16);
	r.seg_base[X86_SEG_CS] = 0xf000;
	r.rip = 0x0ffe;
	fake_put(&g, 0xfffe, (const uint8_t *)"\x8b\x07", 2);
	CHECK_EQ(x86_decode_fetch(&r, fake_fetch, &g, &i, &fault), X86_DEC_OK);
	CHECK_EQ(i.len, 2);
	CHECK_EQ(i.mem.base, X86_RBX);
}

TEST(hex_dump)
{
	struct x86_inst i;
	char buf[64];

	CHECK_EQ(dec(X86_MODE_64, "0f 01 d8", &i), X86_DEC_UNSUPPORTED);
	/* Everything fetched is shown, also past the point of refusal. */
	CHECK_EQ(x86_inst_hex(&i, buf, sizeof(buf)), 8);
	CHECK_STR(buf, "0f 01 d8");
	CHECK_EQ(dec(X86_MODE_64, "48 8b 04 25 00 01 00 00", &i), X86_DEC_OK);
	CHECK_EQ(x86_inst_hex(&i, buf, sizeof(buf)), 23);
	CHECK_STR(buf, "48 8b 04 25 00 01 00 00");
	CHECK_EQ(x86_inst_hex(&i, buf, 6), 5);
	CHECK_STR(buf, "48 8b");
	CHECK_EQ(x86_inst_hex(&i, buf, 1), 0);
	CHECK_STR(buf, "");
}

TEST(mode_helper)
{
	CHECK_EQ(x86_mode_from(false, false, false, false, true), X86_MODE_16);
	CHECK_EQ(x86_mode_from(true, true, false, false, false), X86_MODE_16);
	CHECK_EQ(x86_mode_from(true, false, false, false, true), X86_MODE_32);
	CHECK_EQ(x86_mode_from(true, false, true, true, false), X86_MODE_64);
	CHECK_EQ(x86_mode_from(true, false, true, false, true), X86_MODE_32);
	CHECK_EQ(x86_mode_from(true, false, true, false, false), X86_MODE_16);
}

TEST_MAIN()

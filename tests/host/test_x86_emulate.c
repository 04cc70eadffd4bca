/*
 * test_x86_emulate.c - unit tests of the MMIO instruction emulator
 * (hv/x86/emulate.c, alu.c) against a fake guest memory, and of the ALU
 * flags against the host CPU itself.
 */
#include <stdlib.h>

#include "hv/x86/alu.h"
#include "hv/x86/emulate.h"
#include "tests/host/check.h"
#include "tests/host/x86_fake.h"

static struct fake_guest g;
static struct x86_regs R;
static struct x86_emu_result res;

#define CODE 0x100u

static void reset(enum x86_mode m)
{
	memset(&g, 0, sizeof(g));
	memset(&R, 0, sizeof(R));
	memset(&res, 0, sizeof(res));
	R.mode = m;
	R.rip = CODE;
	R.rflags = 0x2;
}

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

/* Put the instruction at CS:RIP and emulate it. */
static enum x86_emu_status run(const char *hex)
{
	uint8_t b[32];
	unsigned n = parse_hex(hex, b);
	struct x86_emu_ops ops = fake_ops(&g);

	fake_put(&g, x86_code_linear(&R, R.rip), b, n);
	g.nlog = 0;
	return x86_emulate(&R, &ops, &res);
}

TEST(mov_store_sizes)
{
	reset(X86_MODE_64);
	R.gpr[X86_RAX] = 0x1122334455667788ull;
	R.gpr[X86_RBX] = 0x2000;
	CHECK_EQ(run("88 23"), X86_EMU_DONE); /* mov [rbx], ah */
	CHECK_EQ(R.rip, CODE + 2);
	CHECK_EQ(g.nlog, 1);
	CHECK_EQ(g.log[0].kind, 'w');
	CHECK_EQ(g.log[0].addr, 0x2000);
	CHECK_EQ(g.log[0].size, 1);
	CHECK_EQ(g.log[0].val, 0x77);
	CHECK_EQ(run("66 89 03"), X86_EMU_DONE);
	CHECK_EQ(g.log[0].size, 2);
	CHECK_EQ(g.log[0].val, 0x7788);
	CHECK_EQ(run("89 03"), X86_EMU_DONE);
	CHECK_EQ(g.log[0].size, 4);
	CHECK_EQ(g.log[0].val, 0x55667788);
	CHECK_EQ(run("48 89 43 08"), X86_EMU_DONE);
	CHECK_EQ(g.log[0].addr, 0x2008);
	CHECK_EQ(g.log[0].size, 8);
	CHECK_EQ(g.log[0].val, 0x1122334455667788ull);
	CHECK_EQ(fake_get(&g, 0x2008, 8), 0x1122334455667788ull);
	CHECK_EQ(run("c6 03 5a"), X86_EMU_DONE);
	CHECK_EQ(g.log[0].val, 0x5a);
	CHECK_EQ(run("48 c7 03 fe ff ff ff"), X86_EMU_DONE);
	CHECK_EQ(g.log[0].val, 0xfffffffffffffffeull);
	CHECK_EQ(g.log[0].size, 8);
	CHECK_EQ(run("66 c7 03 34 12"), X86_EMU_DONE);
	CHECK_EQ(g.log[0].val, 0x1234);
	CHECK_EQ(run("0f c3 03"), X86_EMU_DONE); /* movnti */
	CHECK_EQ(g.log[0].val, 0x55667788);
	CHECK_EQ(R.rip, CODE + 2 + 3 + 2 + 4 + 3 + 7 + 5 + 3);
}

TEST(mov_load_sizes)
{
	reset(X86_MODE_64);
	fake_put(&g, 0x3000, (const uint8_t *)"\x81\x82\x83\x84\x85\x86\x87\x88", 8);
	R.gpr[X86_RSI] = 0x3000;
	R.gpr[X86_RCX] = 0xffffffffffffffffull;
	CHECK_EQ(run("8a 0e"), X86_EMU_DONE);
	CHECK_EQ(R.gpr[X86_RCX], 0xffffffffffffff81ull);
	CHECK_EQ(run("8a 2e"), X86_EMU_DONE); /* ch */
	CHECK_EQ(R.gpr[X86_RCX], 0xffffffffffff8181ull);
	CHECK_EQ(run("66 8b 0e"), X86_EMU_DONE);
	CHECK_EQ(R.gpr[X86_RCX], 0xffffffffffff8281ull);
	CHECK_EQ(run("8b 0e"), X86_EMU_DONE); /* 32-bit load zero-extends */
	CHECK_EQ(R.gpr[X86_RCX], 0x84838281ull);
	CHECK_EQ(run("4c 8b 06"), X86_EMU_DONE);
	CHECK_EQ(R.gpr[X86_R8], 0x8887868584838281ull);
	CHECK_EQ(g.log[0].kind, 'r');
	CHECK_EQ(g.log[0].size, 8);
}

TEST(moffs_forms)
{
	reset(X86_MODE_32);
	R.seg_base[X86_SEG_DS] = 0x100000; /* wraps modulo the fake memory */
	R.seg_base[X86_SEG_FS] = 0x200000;
	R.gpr[X86_RAX] = 0xdeadbeef;
	CHECK_EQ(run("a3 00 40 00 00"), X86_EMU_DONE);
	CHECK_EQ(g.log[0].addr, 0x104000);
	CHECK_EQ(g.log[0].val, 0xdeadbeef);
	CHECK_EQ(run("64 a2 10 40 00 00"), X86_EMU_DONE);
	CHECK_EQ(g.log[0].addr, 0x204010);
	CHECK_EQ(g.log[0].val, 0xef);
	CHECK_EQ(run("66 a1 02 40 00 00"), X86_EMU_DONE);
	CHECK_EQ(R.gpr[X86_RAX], 0xdeaddead);
	CHECK_EQ(R.rip, CODE + 5 + 6 + 6);
	reset(X86_MODE_64);
	fake_put(&g, 0x5000, (const uint8_t *)"\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	CHECK_EQ(run("48 a1 00 50 00 00 00 00 00 00"), X86_EMU_DONE);
	CHECK_EQ(R.gpr[X86_RAX], 0x0807060504030201ull);
	CHECK_EQ(R.rip, CODE + 10);
}

TEST(movzx_movsx)
{
	reset(X86_MODE_64);
	fake_put(&g, 0x3000, (const uint8_t *)"\xf0\x80\x00\x80", 4);
	R.gpr[X86_RSI] = 0x3000;
	R.gpr[X86_RAX] = ~0ull;
	CHECK_EQ(run("0f b6 06"), X86_EMU_DONE);
	CHECK_EQ(R.gpr[X86_RAX], 0xf0);
	CHECK_EQ(run("0f be 06"), X86_EMU_DONE);
	CHECK_EQ(R.gpr[X86_RAX], 0xfffffff0);
	CHECK_EQ(run("48 0f be 06"), X86_EMU_DONE);
	CHECK_EQ(R.gpr[X86_RAX], 0xfffffffffffffff0ull);
	R.gpr[X86_RAX] = 0x1111111111111111ull;
	CHECK_EQ(run("66 0f b6 06"), X86_EMU_DONE);
	CHECK_EQ(R.gpr[X86_RAX], 0x11111111111100f0ull);
	CHECK_EQ(run("0f b7 06"), X86_EMU_DONE);
	CHECK_EQ(R.gpr[X86_RAX], 0x80f0);
	CHECK_EQ(g.log[0].size, 2);
	CHECK_EQ(run("48 0f bf 06"), X86_EMU_DONE);
	CHECK_EQ(R.gpr[X86_RAX], 0xffffffffffff80f0ull);
	CHECK_EQ(run("48 63 06"), X86_EMU_DONE);
	CHECK_EQ(R.gpr[X86_RAX], 0xffffffff800080f0ull);
	CHECK_EQ(g.log[0].size, 4);
	CHECK_EQ(run("4c 63 7e 02"), X86_EMU_DONE);
	CHECK_EQ(R.gpr[X86_R15], 0x8000); /* dword 00 80 00 00 */
}

#define ARITH X86_FLAGS_ARITH

/* Run one ALU instruction on [rbx] = mem with reg/imm, return flags. */
TEST(alu_flags)
{
	reset(X86_MODE_64);
	R.gpr[X86_RBX] = 0x2000;
	/* add byte [rbx], al: 0x7f + 1 = 0x80: OF SF AF. */
	fake_put(&g, 0x2000, (const uint8_t *)"\x7f", 1);
	R.gpr[X86_RAX] = 1;
	CHECK_EQ(run("00 03"), X86_EMU_DONE);
	CHECK_EQ(fake_get(&g, 0x2000, 1), 0x80);
	CHECK_EQ(R.rflags & ARITH, X86_FLAG_OF | X86_FLAG_SF | X86_FLAG_AF);
	/* 0xff + 1 = 0: CF ZF AF PF. */
	fake_put(&g, 0x2000, (const uint8_t *)"\xff", 1);
	CHECK_EQ(run("00 03"), X86_EMU_DONE);
	CHECK_EQ(fake_get(&g, 0x2000, 1), 0);
	CHECK_EQ(R.rflags & ARITH, X86_FLAG_CF | X86_FLAG_ZF | X86_FLAG_AF | X86_FLAG_PF);
	/* sub dword [rbx], 1 on 0: borrow, SF, PF (0xff), AF. */
	fake_put(&g, 0x2000, (const uint8_t *)"\0\0\0\0", 4);
	CHECK_EQ(run("83 2b 01"), X86_EMU_DONE);
	CHECK_EQ(fake_get(&g, 0x2000, 4), 0xffffffff);
	CHECK_EQ(R.rflags & ARITH, X86_FLAG_CF | X86_FLAG_SF | X86_FLAG_PF | X86_FLAG_AF);
	/* cmp qword [rbx], rax doesn't write. */
	fake_put(&g, 0x2000, (const uint8_t *)"\5\0\0\0\0\0\0\0", 8);
	R.gpr[X86_RAX] = 5;
	CHECK_EQ(run("48 39 03"), X86_EMU_DONE);
	CHECK_EQ(g.nlog, 1);
	CHECK_EQ(R.rflags & ARITH, X86_FLAG_ZF | X86_FLAG_PF);
	/* cmp rax, [rbx] with 4 - 5: CF SF. */
	R.gpr[X86_RAX] = 4;
	CHECK_EQ(run("48 3b 03"), X86_EMU_DONE);
	CHECK_EQ(R.gpr[X86_RAX], 4);
	CHECK(R.rflags & X86_FLAG_CF);
	CHECK(R.rflags & X86_FLAG_SF);
	/* sub rax, [rbx]: register destination written. */
	CHECK_EQ(run("48 2b 03"), X86_EMU_DONE);
	CHECK_EQ(R.gpr[X86_RAX], 0xffffffffffffffffull);
	/* and/or/xor clear CF and OF. */
	R.rflags |= X86_FLAG_CF | X86_FLAG_OF;
	fake_put(&g, 0x2000, (const uint8_t *)"\xf0\xff", 2);
	CHECK_EQ(run("66 81 23 0f 00"), X86_EMU_DONE);
	CHECK_EQ(fake_get(&g, 0x2000, 2), 0);
	CHECK_EQ(R.rflags & ARITH, X86_FLAG_ZF | X86_FLAG_PF);
	CHECK_EQ(run("66 81 0b 01 80"), X86_EMU_DONE);
	CHECK_EQ(fake_get(&g, 0x2000, 2), 0x8001);
	CHECK_EQ(R.rflags & ARITH, X86_FLAG_SF);
	R.gpr[X86_RCX] = 0x8001;
	CHECK_EQ(run("66 31 0b"), X86_EMU_DONE);
	CHECK_EQ(fake_get(&g, 0x2000, 2), 0);
	CHECK_EQ(R.rflags & ARITH, X86_FLAG_ZF | X86_FLAG_PF);
	/* test byte [rbx], 0x80 / test [rbx], ecx: no write. */
	fake_put(&g, 0x2000, (const uint8_t *)"\x80\0\0\0", 4);
	CHECK_EQ(run("f6 03 80"), X86_EMU_DONE);
	CHECK_EQ(g.nlog, 1);
	CHECK_EQ(R.rflags & ARITH, X86_FLAG_SF);
	CHECK_EQ(run("85 0b"), X86_EMU_DONE);
	CHECK_EQ(R.rflags & ARITH, X86_FLAG_ZF | X86_FLAG_PF);
	CHECK_EQ(run("f7 03 80 00 00 00"), X86_EMU_DONE);
	CHECK_EQ(R.rflags & ARITH, 0);
	/* adc / sbb use CF. */
	fake_put(&g, 0x2000, (const uint8_t *)"\x10\0\0\0", 4);
	R.rflags |= X86_FLAG_CF;
	CHECK_EQ(run("83 13 01"), X86_EMU_DONE);
	CHECK_EQ(fake_get(&g, 0x2000, 4), 0x12);
	R.rflags |= X86_FLAG_CF;
	CHECK_EQ(run("83 1b 01"), X86_EMU_DONE);
	CHECK_EQ(fake_get(&g, 0x2000, 4), 0x10);
	/* Other flags (DF, IF) survive. */
	R.rflags = 0x2 | X86_FLAG_DF | (1u << 9);
	CHECK_EQ(run("83 03 00"), X86_EMU_DONE);
	CHECK_EQ(R.rflags & ~ARITH, 0x2 | X86_FLAG_DF | (1u << 9));
}

/* The host CPU as reference for x86_alu(): every op, every size, random
 * operands plus edge values, CF in and out. */
#define HOST_ALU(op)                                                           \
	static uint64_t host_##op(unsigned size, uint64_t d, uint64_t s,       \
				  uint64_t *fl)                                \
	{                                                                      \
		uint64_t f = (*fl & X86_FLAGS_ARITH) | 2;                      \
		switch (size) {                                                \
		case 1: {                                                      \
			uint8_t a = (uint8_t)d, b = (uint8_t)s;                \
			asm volatile("push %[f]\n\tpopfq\n\t" #op "b %[b], %[a]\n\t" \
				     "pushfq\n\tpop %[f]"                      \
				     : [a] "+q"(a), [f] "+r"(f)                \
				     : [b] "q"(b)                              \
				     : "cc");                                  \
			d = a;                                                 \
			break;                                                 \
		}                                                              \
		case 2: {                                                      \
			uint16_t a = (uint16_t)d, b = (uint16_t)s;             \
			asm volatile("push %[f]\n\tpopfq\n\t" #op "w %[b], %[a]\n\t" \
				     "pushfq\n\tpop %[f]"                      \
				     : [a] "+r"(a), [f] "+r"(f)                \
				     : [b] "r"(b)                              \
				     : "cc");                                  \
			d = a;                                                 \
			break;                                                 \
		}                                                              \
		case 4: {                                                      \
			uint32_t a = (uint32_t)d, b = (uint32_t)s;             \
			asm volatile("push %[f]\n\tpopfq\n\t" #op "l %[b], %[a]\n\t" \
				     "pushfq\n\tpop %[f]"                      \
				     : [a] "+r"(a), [f] "+r"(f)                \
				     : [b] "r"(b)                              \
				     : "cc");                                  \
			d = a;                                                 \
			break;                                                 \
		}                                                              \
		default: {                                                     \
			uint64_t a = d, b = s;                                 \
			asm volatile("push %[f]\n\tpopfq\n\t" #op "q %[b], %[a]\n\t" \
				     "pushfq\n\tpop %[f]"                      \
				     : [a] "+r"(a), [f] "+r"(f)                \
				     : [b] "r"(b)                              \
				     : "cc");                                  \
			d = a;                                                 \
			break;                                                 \
		}                                                              \
		}                                                              \
		*fl = f & X86_FLAGS_ARITH;                                     \
		return d;                                                      \
	}
HOST_ALU(add)
HOST_ALU(or)
HOST_ALU(adc)
HOST_ALU(sbb)
HOST_ALU(and)
HOST_ALU(sub)
HOST_ALU(xor)
HOST_ALU(cmp)
HOST_ALU(test)

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static uint64_t pick_operand(void)
{
	static const uint64_t edge[] = { 0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000,
					 0xffff, 0x7fffffff, 0x80000000,
					 0xffffffff, 0x7fffffffffffffffull,
					 0x8000000000000000ull, ~0ull, 0xf, 0x10 };
	uint64_t r = rnd();

	if ((r & 3) == 0)
		return edge[(r >> 8) % (sizeof(edge) / sizeof(edge[0]))];
	return rnd();
}

TEST(alu_matches_host_cpu)
{
	static const struct {
		enum x86_mnem m;
		uint64_t (*host)(unsigned, uint64_t, uint64_t, uint64_t *);
	} ops[] = {
		{ X86_MNEM_ADD, host_add }, { X86_MNEM_OR, host_or },
		{ X86_MNEM_ADC, host_adc }, { X86_MNEM_SBB, host_sbb },
		{ X86_MNEM_AND, host_and }, { X86_MNEM_SUB, host_sub },
		{ X86_MNEM_XOR, host_xor }, { X86_MNEM_CMP, host_cmp },
		{ X86_MNEM_TEST, host_test },
	};
	unsigned bad = 0;

	for (unsigned k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
		for (unsigned sz = 1; sz <= 8; sz *= 2) {
			for (unsigned n = 0; n < 20000; n++) {
				uint64_t d = pick_operand(), s = pick_operand();
				uint64_t fin = rnd() & X86_FLAGS_ARITH;
				uint64_t fe = fin | 0x202, fh = fin;
				uint64_t re = x86_alu(ops[k].m, sz, d, s, &fe);
				uint64_t rh = ops[k].host(sz, d, s, &fh);
				bool cmp_like = ops[k].m == X86_MNEM_CMP ||
						ops[k].m == X86_MNEM_TEST;

				if ((!cmp_like && re != (rh & x86_size_mask(sz))) ||
				    (fe & X86_FLAGS_ARITH) != fh ||
				    (fe & ~X86_FLAGS_ARITH) != 0x202) {
					if (bad++ < 5)
						CHECK_FAIL_AT(__FILE__, __LINE__,
							      "%s size %u %#llx,%#llx fl %#llx: "
							      "emu %#llx/%#llx host %#llx/%#llx",
							      x86_mnem_name(ops[k].m), sz,
							      (unsigned long long)d,
							      (unsigned long long)s,
							      (unsigned long long)fin,
							      (unsigned long long)re,
							      (unsigned long long)fe,
							      (unsigned long long)rh,
							      (unsigned long long)fh);
				}
			}
		}
	}
	CHECK_EQ(bad, 0);
}

TEST(xchg)
{
	reset(X86_MODE_32);
	R.seg_base[X86_SEG_DS] = 0x1000;
	R.gpr[X86_RDX] = 0xaabbccdd;
	R.gpr[X86_RBX] = 0x100;
	fake_put(&g, 0x1100, (const uint8_t *)"\x11\x22\x33\x44", 4);
	CHECK_EQ(run("87 13"), X86_EMU_DONE);
	CHECK_EQ(R.gpr[X86_RDX], 0x44332211);
	CHECK_EQ(fake_get(&g, 0x1100, 4), 0xaabbccdd);
	CHECK_EQ(g.nlog, 2);
	CHECK_EQ(run("f0 86 33"), X86_EMU_DONE); /* lock xchg [ebx], dh */
	CHECK_EQ(R.gpr[X86_RDX], 0x4433dd11);
	CHECK_EQ(fake_get(&g, 0x1100, 4), 0xaabbcc22);
}

TEST(bt_register_offsets)
{
	reset(X86_MODE_64);
	R.gpr[X86_RBX] = 0x4000;
	/* bt dword [rbx], ecx with ecx = 100: dword 3 (EA + 12), bit 4. */
	fake_put(&g, 0x400c, (const uint8_t *)"\x10\0\0\0", 4);
	R.gpr[X86_RCX] = 100;
	CHECK_EQ(run("0f a3 0b"), X86_EMU_DONE);
	CHECK_EQ(g.nlog, 1);
	CHECK_EQ(g.log[0].addr, 0x400c);
	CHECK_EQ(g.log[0].size, 4);
	CHECK(R.rflags & X86_FLAG_CF);
	/* Negative offset: ecx = -1 is bit 31 of the dword at EA - 4. */
	R.gpr[X86_RCX] = 0xffffffff;
	CHECK_EQ(run("0f ab 0b"), X86_EMU_DONE); /* bts */
	CHECK_EQ(g.log[0].addr, 0x3ffc);
	CHECK(!(R.rflags & X86_FLAG_CF));
	CHECK_EQ(g.log[1].kind, 'w');
	CHECK_EQ(fake_get(&g, 0x3ffc, 4), 0x80000000);
	/* 16-bit: cx = 0x8000 = -32768 -> word at EA - 4096, bit 0. */
	R.gpr[X86_RCX] = 0x8000;
	fake_put(&g, 0x3000, (const uint8_t *)"\xff\xff", 2);
	CHECK_EQ(run("66 0f b3 0b"), X86_EMU_DONE); /* btr */
	CHECK_EQ(g.log[0].addr, 0x3000);
	CHECK_EQ(g.log[0].size, 2);
	CHECK(R.rflags & X86_FLAG_CF);
	CHECK_EQ(fake_get(&g, 0x3000, 2), 0xfffe);
	/* 64-bit: rcx = 2^40 + 65 -> qword at EA + 2^34 * 8, bit 1. */
	R.gpr[X86_RCX] = (1ull << 40) + 65;
	CHECK_EQ(run("48 0f bb 0b"), X86_EMU_DONE); /* btc */
	CHECK_EQ(g.log[0].addr, 0x4000 + (1ull << 37) + 8);
	CHECK_EQ(g.log[1].val & 2, 2);
	/* 32-bit offsets ignore bits above 31 of the register. */
	R.gpr[X86_RCX] = 0x100000000ull + 33;
	CHECK_EQ(run("0f a3 0b"), X86_EMU_DONE);
	CHECK_EQ(g.log[0].addr, 0x4004);
	/* Address size 32 wraps the adjusted address. */
	R.gpr[X86_RBX] = 0;
	R.gpr[X86_RCX] = 0xffffffe0; /* -32: dword at -4 */
	CHECK_EQ(run("67 0f a3 0b"), X86_EMU_DONE);
	CHECK_EQ(g.log[0].addr, 0xfffffffc);
	/* The register form with mod 3 is not a memory access. */
	CHECK_EQ(run("0f a3 c8"), X86_EMU_UNSUPPORTED);
	CHECK_STR(res.reason, "no memory operand");
}

TEST(bt_immediate)
{
	reset(X86_MODE_64);
	R.gpr[X86_RBX] = 0x4000;
	fake_put(&g, 0x4000, (const uint8_t *)"\x08\0\0\0\0\0\0\0", 8);
	/* bt dword [rbx], 35: modulo 32 -> bit 3, same dword. */
	CHECK_EQ(run("0f ba 23 23"), X86_EMU_DONE);
	CHECK_EQ(g.log[0].addr, 0x4000);
	CHECK(R.rflags & X86_FLAG_CF);
	CHECK_EQ(run("48 0f ba 2b 3f"), X86_EMU_DONE); /* bts qword, 63 */
	CHECK_EQ(fake_get(&g, 0x4000, 8), 0x8000000000000008ull);
	CHECK(!(R.rflags & X86_FLAG_CF));
	CHECK_EQ(run("66 0f ba 33 13"), X86_EMU_DONE); /* btr word, 19 -> 3 */
	CHECK_EQ(fake_get(&g, 0x4000, 8), 0x8000000000000000ull);
	CHECK(R.rflags & X86_FLAG_CF);
	CHECK_EQ(run("0f ba 3b 00"), X86_EMU_DONE); /* btc dword, 0 */
	CHECK_EQ(fake_get(&g, 0x4000, 8), 0x8000000000000001ull);
	/* ZF is unaffected by BT. */
	R.rflags |= X86_FLAG_ZF;
	CHECK_EQ(run("0f ba 23 00"), X86_EMU_DONE);
	CHECK(R.rflags & X86_FLAG_ZF);
}

TEST(stos)
{
	reset(X86_MODE_64);
	R.gpr[X86_RAX] = 0x1122334455667788ull;
	R.gpr[X86_RDI] = 0x6000;
	R.gpr[X86_RCX] = 4;
	CHECK_EQ(run("f3 ab"), X86_EMU_DONE); /* rep stosd */
	CHECK_EQ(g.nlog, 4);
	CHECK_EQ(g.log[3].addr, 0x600c);
	CHECK_EQ(g.log[3].val, 0x55667788);
	CHECK_EQ(R.gpr[X86_RDI], 0x6010);
	CHECK_EQ(R.gpr[X86_RCX], 0);
	CHECK_EQ(R.rip, CODE + 2);
	/* DF = 1, qwords, downwards. */
	R.rflags |= X86_FLAG_DF;
	R.gpr[X86_RCX] = 3;
	CHECK_EQ(run("f3 48 ab"), X86_EMU_DONE);
	CHECK_EQ(g.nlog, 3);
	CHECK_EQ(g.log[0].addr, 0x6010);
	CHECK_EQ(g.log[2].addr, 0x6000);
	CHECK_EQ(R.gpr[X86_RDI], 0x5ff8);
	/* No REP: one store, RCX untouched. */
	R.rflags &= ~X86_FLAG_DF;
	R.gpr[X86_RCX] = 77;
	CHECK_EQ(run("aa"), X86_EMU_DONE);
	CHECK_EQ(g.nlog, 1);
	CHECK_EQ(g.log[0].size, 1);
	CHECK_EQ(g.log[0].val, 0x88);
	CHECK_EQ(R.gpr[X86_RCX], 77);
	CHECK_EQ(R.gpr[X86_RDI], 0x5ff9);
	/* RCX = 0: nothing, but the instruction completes. */
	R.gpr[X86_RCX] = 0;
	R.rip = CODE;
	CHECK_EQ(run("f3 aa"), X86_EMU_DONE);
	CHECK_EQ(g.nlog, 0);
	CHECK_EQ(R.rip, CODE + 2);
	/* ES base and 16-bit address size: DI wraps, upper bits kept. */
	reset(X86_MODE_16);
	R.seg_base[X86_SEG_ES] = 0x20000;
	R.seg_base[X86_SEG_DS] = 0x50000; /* ignored by STOS */
	R.gpr[X86_RDI] = 0xabcd0000fffeull;
	R.gpr[X86_RCX] = 0x12340002;
	R.gpr[X86_RAX] = 0x4142;
	CHECK_EQ(run("f3 ab"), X86_EMU_DONE);
	CHECK_EQ(g.nlog, 2);
	CHECK_EQ(g.log[0].addr, 0x2fffe);
	CHECK_EQ(g.log[1].addr, 0x20000);
	CHECK_EQ(g.log[1].size, 2);
	CHECK_EQ(R.gpr[X86_RDI], 0xabcd00000002ull);
	CHECK_EQ(R.gpr[X86_RCX], 0x12340000);
}

TEST(movs)
{
	reset(X86_MODE_32);
	R.seg_base[X86_SEG_DS] = 0x1000;
	R.seg_base[X86_SEG_ES] = 0x2000;
	R.seg_base[X86_SEG_FS] = 0x3000;
	fake_put(&g, 0x1100, (const uint8_t *)"abcdefgh", 8);
	fake_put(&g, 0x3100, (const uint8_t *)"ABCDEFGH", 8);
	R.gpr[X86_RSI] = 0x100;
	R.gpr[X86_RDI] = 0x200;
	R.gpr[X86_RCX] = 4;
	CHECK_EQ(run("f3 66 a5"), X86_EMU_DONE);
	CHECK_EQ(g.nlog, 8);
	CHECK_EQ(g.log[0].kind, 'r');
	CHECK_EQ(g.log[0].addr, 0x1100);
	CHECK_EQ(g.log[1].kind, 'w');
	CHECK_EQ(g.log[1].addr, 0x2200);
	CHECK_EQ(fake_get(&g, 0x2200, 8), fake_get(&g, 0x1100, 8));
	CHECK_EQ(R.gpr[X86_RSI], 0x108);
	CHECK_EQ(R.gpr[X86_RDI], 0x208);
	CHECK_EQ(R.gpr[X86_RCX], 0);
	/* Segment override applies to the source only; DF = 1. */
	R.rflags |= X86_FLAG_DF;
	R.gpr[X86_RSI] = 0x107;
	R.gpr[X86_RDI] = 0x307;
	R.gpr[X86_RCX] = 8;
	CHECK_EQ(run("64 f3 a4"), X86_EMU_DONE);
	CHECK_EQ(g.log[0].addr, 0x3107);
	CHECK_EQ(g.log[1].addr, 0x2307);
	CHECK_EQ(g.log[15].addr, 0x2300);
	CHECK_EQ(fake_get(&g, 0x2300, 8), fake_get(&g, 0x3100, 8));
	CHECK_EQ(R.gpr[X86_RSI], 0xff);
	CHECK_EQ(R.gpr[X86_RDI], 0x2ff);
	/* 67: 16-bit SI/DI/CX in 32-bit code; CX upper half kept. */
	R.rflags &= ~X86_FLAG_DF;
	R.gpr[X86_RSI] = 0x5550100;
	R.gpr[X86_RDI] = 0x7770200;
	R.gpr[X86_RCX] = 0x99990001;
	CHECK_EQ(run("67 f3 a5"), X86_EMU_DONE);
	CHECK_EQ(g.nlog, 2);
	CHECK_EQ(g.log[0].addr, 0x1100);
	CHECK_EQ(g.log[1].addr, 0x2200);
	CHECK_EQ(g.log[1].size, 4);
	CHECK_EQ(R.gpr[X86_RSI], 0x5550104);
	CHECK_EQ(R.gpr[X86_RCX], 0x99990000);
	/* 64-bit with 67: 32-bit registers, zero-extended. */
	reset(X86_MODE_64);
	R.gpr[X86_RSI] = 0xffff0000fffffffcull;
	R.gpr[X86_RDI] = 0x100;
	R.gpr[X86_RCX] = 0x100000002ull;
	CHECK_EQ(run("67 f3 48 a5"), X86_EMU_DONE);
	CHECK_EQ(g.log[0].addr, 0xfffffffc);
	CHECK_EQ(g.log[2].addr, 0x4);
	CHECK_EQ(R.gpr[X86_RSI], 0xc);
	CHECK_EQ(R.gpr[X86_RCX], 0);
}

TEST(rep_chunk_restart)
{
	reset(X86_MODE_64);
	R.gpr[X86_RDI] = 0x8000;
	R.gpr[X86_RCX] = X86_EMU_REP_CHUNK + 10;
	CHECK_EQ(run("f3 aa"), X86_EMU_RESTART);
	CHECK_EQ(R.rip, CODE);
	CHECK_EQ(R.gpr[X86_RCX], 10);
	CHECK_EQ(R.gpr[X86_RDI], 0x8000 + X86_EMU_REP_CHUNK);
	CHECK_EQ(g.nlog, X86_EMU_REP_CHUNK);
	CHECK_EQ(run("f3 aa"), X86_EMU_DONE);
	CHECK_EQ(R.gpr[X86_RCX], 0);
	CHECK_EQ(R.rip, CODE + 2);
	CHECK_EQ(g.nlog, 10);
}

TEST(faults)
{
	reset(X86_MODE_64);
	R.gpr[X86_RBX] = 0x2000;
	g.fault_lo = 0x2000;
	g.fault_hi = 0x2001;
	g.fault_code = 0x30e;
	struct x86_regs before = R;
	CHECK_EQ(run("01 03"), X86_EMU_FAULT);
	CHECK_EQ(res.fault, 0x30e);
	CHECK(memcmp(&before, &R, sizeof(R)) == 0);
	CHECK_EQ(run("8b 03"), X86_EMU_FAULT);
	CHECK(memcmp(&before, &R, sizeof(R)) == 0);
	/* Faulting write of an XCHG: register not updated. */
	R.gpr[X86_RBX] = 0x2004;
	R.gpr[X86_RAX] = 0x1234;
	before = R;
	g.fault_lo = 0x2004;
	g.fault_hi = 0x2005;
	g.fault_writes_only = true;
	CHECK_EQ(run("87 03"), X86_EMU_FAULT);
	CHECK_EQ(g.nlog, 1); /* the read happened */
	CHECK_STR(res.reason, "memory write fault");
	CHECK(memcmp(&before, &R, sizeof(R)) == 0);
	/* Faulting write of a read-modify-write: flags not updated. */
	R.rflags = 0x2;
	CHECK_EQ(run("83 03 00"), X86_EMU_FAULT);
	CHECK_EQ(R.rflags, 0x2);
	CHECK_EQ(R.rip, CODE);
	/* Loads still work on a write-faulting page. */
	CHECK_EQ(run("8b 03"), X86_EMU_DONE);
	CHECK_EQ(R.rip, CODE + 2);
	/* REP MOVS faulting on the 3rd destination keeps 2 iterations. */
	reset(X86_MODE_64);
	R.gpr[X86_RSI] = 0x1000;
	R.gpr[X86_RDI] = 0x3000;
	R.gpr[X86_RCX] = 5;
	g.fault_lo = 0x3008;
	g.fault_hi = 0x3009;
	g.fault_code = 7;
	CHECK_EQ(run("f3 a5"), X86_EMU_FAULT);
	CHECK_EQ(res.fault, 7);
	CHECK_EQ(R.gpr[X86_RCX], 3);
	CHECK_EQ(R.gpr[X86_RSI], 0x1008);
	CHECK_EQ(R.gpr[X86_RDI], 0x3008);
	CHECK_EQ(R.rip, CODE);
	/* Instruction fetch fault. */
	reset(X86_MODE_64);
	R.rip = 0x1ffe;
	fake_put(&g, 0x1ffe, (const uint8_t *)"\x48\x8b", 2);
	g.fault_lo = 0x2000;
	g.fault_hi = 0x3000;
	g.fault_code = 0x14;
	CHECK_EQ(x86_emulate(&R, &(struct x86_emu_ops){ .ctx = &g, .fetch = fake_fetch,
						     .read = fake_read, .write = fake_write },
			     &res), X86_EMU_FAULT);
	CHECK_EQ(res.fault, 0x14);
	CHECK_EQ(res.insn.nbytes, 2);
	CHECK_EQ(R.rip, 0x1ffe);
}

TEST(unsupported_reports)
{
	reset(X86_MODE_64);
	CHECK_EQ(run("0f 01 d8"), X86_EMU_UNSUPPORTED); /* vmrun */
	CHECK_STR(res.reason, "opcode not supported");
	CHECK_EQ(res.insn.nbytes >= 2, 1);
	CHECK_EQ(res.insn.bytes[0], 0x0f);
	CHECK_EQ(res.insn.bytes[1], 0x01);
	CHECK_EQ(R.rip, CODE);
	CHECK_EQ(run("89 c3"), X86_EMU_UNSUPPORTED); /* mov ebx, eax */
	CHECK_STR(res.reason, "no memory operand");
	CHECK_EQ(g.nlog, 0);
	/* Decoded for another mode. */
	struct x86_inst insn;
	struct x86_emu_ops ops = fake_ops(&g);
	CHECK_EQ(x86_decode_buf((const uint8_t *)"\x89\x03", 2, X86_MODE_32, &insn), X86_DEC_OK);
	CHECK_EQ(x86_emulate_insn(&R, &ops, &insn, &res), X86_EMU_UNSUPPORTED);
	R.mode = X86_MODE_32;
	R.gpr[X86_RBX] = 0x10;
	CHECK_EQ(x86_emulate_insn(&R, &ops, &insn, &res), X86_EMU_DONE);
	CHECK_EQ(R.rip, CODE + 2);
}

TEST(locked_rmw)
{
	reset(X86_MODE_64);
	R.gpr[X86_RDI] = 0x7000;
	fake_put(&g, 0x7000, (const uint8_t *)"\x01\0\0\0", 4);
	CHECK_EQ(run("f0 83 07 ff"), X86_EMU_DONE); /* lock add dword [rdi], -1 */
	CHECK_EQ(fake_get(&g, 0x7000, 4), 0);
	CHECK_EQ(R.rflags & ARITH, X86_FLAG_ZF | X86_FLAG_PF | X86_FLAG_CF | X86_FLAG_AF);
	R.gpr[X86_RSI] = 8;
	CHECK_EQ(run("f0 48 09 37"), X86_EMU_DONE); /* lock or [rdi], rsi */
	CHECK_EQ(fake_get(&g, 0x7000, 8), 8);
	CHECK_EQ(run("f0 0f ba 37 03"), X86_EMU_DONE); /* lock btr dword [rdi], 3 */
	CHECK_EQ(fake_get(&g, 0x7000, 8), 0);
	CHECK(R.rflags & X86_FLAG_CF);
}

TEST(rip_wraps_in_16bit)
{
	reset(X86_MODE_16);
	R.seg_base[X86_SEG_CS] = 0x10000;
	R.rip = 0xfffe;
	R.gpr[X86_RBX] = 0x20;
	CHECK_EQ(run("89 07"), X86_EMU_DONE);
	CHECK_EQ(R.rip, 0);
	CHECK_EQ(g.log[0].addr, 0x20);
	CHECK_EQ(g.log[0].size, 2);
}

TEST_MAIN()

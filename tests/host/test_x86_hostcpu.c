/*
 * test_x86_hostcpu.c - the host CPU as the reference for the emulator.
 *
 * Random 64-bit instructions of the supported set with a memory operand
 * (and MOVS/STOS) are run twice from the same register and memory state:
 * once natively on the host CPU from an executable page, once through
 * x86_emulate() with callbacks that access the same host memory at the
 * linear address. GPRs, the defined RFLAGS bits and memory must agree.
 * Addresses are built so every access stays inside a buffer mapped below
 * 2 GiB (so 67-prefixed 32-bit addressing works too). 64-bit mode only:
 * 16/32-bit code would need other code segments.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <stdio.h>
#ifndef __x86_64__
#include "tests/host/check.h"
TEST(emulator_matches_host_cpu)
{
	printf("skipped: not an x86-64 host\n");
}
TEST_MAIN()
#else
#include <asm/prctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hv/x86/emulate.h"
#include "tests/host/check.h"

#define BUF_SIZE 0x10000u

struct cpu_state {
	uint64_t gpr[16];
	uint64_t rflags; /* offset 128 */
};

void *cpu_page;
static uint8_t *buf;

/* Load the GPRs (but RSP) and RFLAGS from *s, call the code page (the
 * instruction followed by RET), store them back. */
static void run_on_cpu(struct cpu_state *s)
{
	asm volatile(
		"push %%rbx\n\tpush %%rbp\n\tpush %%r12\n\tpush %%r13\n\t"
		"push %%r14\n\tpush %%r15\n\t"
		"push %%rdi\n\t"
		"pushq 128(%%rdi)\n\tpopfq\n\t"
		"mov 0(%%rdi), %%rax\n\tmov 8(%%rdi), %%rcx\n\t"
		"mov 16(%%rdi), %%rdx\n\tmov 24(%%rdi), %%rbx\n\t"
		"mov 40(%%rdi), %%rbp\n\tmov 48(%%rdi), %%rsi\n\t"
		"mov 64(%%rdi), %%r8\n\tmov 72(%%rdi), %%r9\n\t"
		"mov 80(%%rdi), %%r10\n\tmov 88(%%rdi), %%r11\n\t"
		"mov 96(%%rdi), %%r12\n\tmov 104(%%rdi), %%r13\n\t"
		"mov 112(%%rdi), %%r14\n\tmov 120(%%rdi), %%r15\n\t"
		"mov 56(%%rdi), %%rdi\n\t"
		"call *cpu_page(%%rip)\n\t"
		"pushfq\n\t"
		"push %%rdi\n\t"
		"mov 16(%%rsp), %%rdi\n\t"
		"mov %%rax, 0(%%rdi)\n\tmov %%rcx, 8(%%rdi)\n\t"
		"mov %%rdx, 16(%%rdi)\n\tmov %%rbx, 24(%%rdi)\n\t"
		"mov %%rbp, 40(%%rdi)\n\tmov %%rsi, 48(%%rdi)\n\t"
		"mov %%r8, 64(%%rdi)\n\tmov %%r9, 72(%%rdi)\n\t"
		"mov %%r10, 80(%%rdi)\n\tmov %%r11, 88(%%rdi)\n\t"
		"mov %%r12, 96(%%rdi)\n\tmov %%r13, 104(%%rdi)\n\t"
		"mov %%r14, 112(%%rdi)\n\tmov %%r15, 120(%%rdi)\n\t"
		"popq 56(%%rdi)\n\t"
		"popq 128(%%rdi)\n\t"
		"pop %%rdi\n\t"
		"pop %%r15\n\tpop %%r14\n\tpop %%r13\n\tpop %%r12\n\t"
		"pop %%rbp\n\tpop %%rbx\n\t"
		"cld\n\t"
		: "+D"(s)
		:
		: "rax", "rcx", "rdx", "rsi", "r8", "r9", "r10", "r11",
		  "memory", "cc");
}

/* Emulator callbacks on host memory, refusing anything outside buf. */
static bool in_buf(uint64_t lin, unsigned n)
{
	return lin >= (uint64_t)(uintptr_t)buf &&
	       lin + n <= (uint64_t)(uintptr_t)buf + BUF_SIZE;
}

static int h_fetch(void *ctx, uint64_t lin, uint8_t *b, unsigned len,
		   unsigned *got)
{
	(void)ctx;
	if (lin < (uint64_t)(uintptr_t)cpu_page ||
	    lin + len > (uint64_t)(uintptr_t)cpu_page + 4096)
		return 1;
	memcpy(b, (void *)(uintptr_t)lin, len);
	*got = len;
	return 0;
}

static int h_read(void *ctx, uint64_t lin, unsigned size, uint64_t *v)
{
	(void)ctx;
	if (!in_buf(lin, size))
		return 2;
	*v = 0;
	memcpy(v, (void *)(uintptr_t)lin, size);
	return 0;
}

static int h_write(void *ctx, uint64_t lin, unsigned size, uint64_t v)
{
	(void)ctx;
	if (!in_buf(lin, size))
		return 3;
	memcpy((void *)(uintptr_t)lin, &v, size);
	return 0;
}

static uint64_t rng = 0x243f6a8885a308d3ull;

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

static unsigned rn(unsigned n)
{
	return (unsigned)(rnd() % n);
}

static const uint16_t ops[] = {
	0x00, 0x01, 0x02, 0x03, 0x08, 0x09, 0x0A, 0x0B, 0x10, 0x11, 0x12, 0x13,
	0x18, 0x19, 0x1A, 0x1B, 0x20, 0x21, 0x22, 0x23, 0x28, 0x29, 0x2A, 0x2B,
	0x30, 0x31, 0x32, 0x33, 0x38, 0x39, 0x3A, 0x3B, 0x63, 0x80, 0x81, 0x83,
	0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x8B, 0xA0, 0xA1, 0xA2, 0xA3,
	0xA4, 0xA5, 0xAA, 0xAB, 0xC6, 0xC7, 0xF6, 0xF7, 0x0FA3, 0x0FAB, 0x0FB3,
	0x0FBB, 0x0FBA, 0x0FB6, 0x0FB7, 0x0FBE, 0x0FBF, 0x0FC3,
};

/* Build a candidate: prefixes, REX, opcode, ModRM/SIB, small displacement,
 * random immediate. */
static unsigned gen(uint8_t *b)
{
	unsigned n = 0;

	for (unsigned i = 0; i < 16; i++)
		b[i] = (uint8_t)rnd();
	if (rn(4) == 0)
		b[n++] = 0x66;
	if (rn(6) == 0)
		b[n++] = 0x67;
	if (rn(8) == 0)
		b[n++] = 0xF0;
	if (rn(10) == 0)
		b[n++] = (uint8_t)(0x26 + 8 * rn(4)); /* ES/CS/SS/DS: no-ops */
	if (rn(10) == 0)
		b[n++] = (uint8_t)(0x64 + rn(2)); /* FS/GS: real bases */
	if (rn(3) == 0)
		b[n++] = 0xF3;
	if (rn(2))
		b[n++] = (uint8_t)(0x40 | rn(16));
	uint16_t op = ops[rn(sizeof(ops) / sizeof(ops[0]))];
	if (op > 0xFF)
		b[n++] = 0x0F;
	b[n++] = (uint8_t)op;
	/* Memory ModRM (mod 0-2); displacements small or patched later. */
	b[n] = (uint8_t)((b[n] & 0x3F) | (rn(3) << 6));
	for (unsigned i = n + 2; i < 16; i++)
		if (rn(2))
			b[i] = (uint8_t)(rn(2) ? 0 : 0xFF);
	return 16;
}

static bool uses_rsp(const struct x86_inst *i)
{
	return i->mem.base == X86_RSP || i->mem.index == X86_RSP ||
	       (!i->reg.high8 && i->reg.num == X86_RSP);
}

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned k = 0; k < n; k++)
		p[k] = (uint8_t)(v >> (8 * k));
}

static uint64_t seg_base[X86_NR_SEGS];
static unsigned long n_fsgs, n_riprel;
static unsigned long n_run, n_tried, by_mnem[X86_MNEM_COUNT];
static unsigned n_bad;

static void one(void)
{
	uint8_t b[16];
	struct x86_inst in;
	uint64_t base_addr = (uint64_t)(uintptr_t)buf + 0x8000 + rn(0x800) - 0x400;

	n_tried++;
	gen(b);
	if (x86_decode_buf(b, 16, X86_MODE_64, &in) != X86_DEC_OK)
		return;
	bool string = in.mnem == X86_MNEM_MOVS || in.mnem == X86_MNEM_STOS;
	if (!string && !in.has_mem)
		return;
	if (uses_rsp(&in))
		return;
	/* FS/GS-relative: the base register compensates the segment base, so
	 * the sum wraps into the buffer; not with 32-bit addressing. */
	bool fsgs = in.seg_override == X86_SEG_FS || in.seg_override == X86_SEG_GS;
	if (fsgs && (in.addrsize == 4 || (in.has_mem && in.mem.base < 0 && !in.mem.rip_rel)))
		return;
	if (fsgs && in.mem.rip_rel)
		return;
	if (in.mem.base >= 0 && in.mem.base == in.mem.index)
		return;
	bool bt_reg = in.mnem >= X86_MNEM_BT && in.mnem <= X86_MNEM_BTC &&
		      in.opcode != 0x0FBA;
	if (bt_reg && (in.reg.num == in.mem.base || in.reg.num == in.mem.index))
		return;
	/* Absolute addresses (moffs, SIB/ModRM without base) are patched to
	 * point into the buffer. */
	if (in.opcode >= 0xA0 && in.opcode <= 0xA3) {
		put_le(b + in.len - in.addrsize, base_addr, in.addrsize);
	} else if (in.has_mem && in.mem.rip_rel) {
		/* RIP-relative: code and buffer both lie below 2 GiB. */
		uint64_t next = (uint64_t)(uintptr_t)cpu_page + in.len;
		put_le(b + in.len - in.imm_bytes - 4, base_addr - next, 4);
	} else if (in.has_mem && in.mem.base < 0) {
		put_le(b + in.len - in.imm_bytes - 4, base_addr, 4);
	} else if (in.has_mem && (in.modrm >> 6) == 2) {
		/* disp32 with a base: keep it small. */
		put_le(b + in.len - in.imm_bytes - 4, (uint64_t)(int64_t)((int)rn(0x800) - 0x400), 4);
	}
	if (x86_decode_buf(b, 16, X86_MODE_64, &in) != X86_DEC_OK)
		abort();

	struct cpu_state cpu;
	struct x86_regs r;

	for (int k = 0; k < 16; k++)
		cpu.gpr[k] = rnd();
	cpu.gpr[X86_RSP] = 0;
	if (in.mem.base >= 0)
		cpu.gpr[in.mem.base] = base_addr - (fsgs ? seg_base[in.seg_override] : 0);
	if (in.mem.index >= 0)
		cpu.gpr[in.mem.index] = rn(0x40);
	if (bt_reg) {
		int64_t off = (int64_t)rn(1u << 16) - (1 << 15);
		cpu.gpr[in.reg.num] = (uint64_t)off;
	}
	cpu.rflags = (rnd() & X86_FLAGS_ARITH) | 0x2;
	if (string) {
		cpu.gpr[X86_RSI] = (uint64_t)(uintptr_t)buf + 0x3000 + rn(0x200) -
				   (fsgs ? seg_base[in.seg_override] : 0);
		cpu.gpr[X86_RDI] = (uint64_t)(uintptr_t)buf + 0xB000 + rn(0x200);
		cpu.gpr[X86_RCX] = rn(40);
		if (rn(2))
			cpu.rflags |= X86_FLAG_DF;
	}

	if (in.addrsize == 4) {
		/* 32-bit addressing ignores (and string ops clear, as for any
		 * 32-bit register write) the upper halves. */
		uint64_t hi = rnd() & 0xFFFFFFFF00000000ull;
		if (string) {
			cpu.gpr[X86_RSI] |= hi;
			cpu.gpr[X86_RDI] |= rnd() << 32;
			cpu.gpr[X86_RCX] |= rnd() << 32;
		} else if (in.mem.base >= 0) {
			cpu.gpr[in.mem.base] |= hi;
		}
	}
	memset(&r, 0, sizeof(r));
	memcpy(r.gpr, cpu.gpr, sizeof(r.gpr));
	r.rflags = cpu.rflags;
	r.rip = (uint64_t)(uintptr_t)cpu_page;
	r.mode = X86_MODE_64;
	r.seg_base[X86_SEG_FS] = seg_base[X86_SEG_FS];
	r.seg_base[X86_SEG_GS] = seg_base[X86_SEG_GS];
	if (fsgs)
		n_fsgs++;
	if (in.mem.rip_rel)
		n_riprel++;

	/* Same memory for both runs. */
	static uint8_t init[BUF_SIZE], after_cpu[BUF_SIZE];
	for (unsigned k = 0; k < BUF_SIZE; k += 8) {
		uint64_t v = rnd();
		memcpy(init + k, &v, 8);
	}
	memcpy(buf, init, BUF_SIZE);
	memcpy(cpu_page, b, in.len);
	((uint8_t *)cpu_page)[in.len] = 0xC3; /* ret */

	if (getenv("HOSTCPU_TRACE")) {
		char hx[64];
		x86_inst_hex(&in, hx, sizeof(hx));
		fprintf(stderr, "%.*s buf=%p base=%d index=%d\n", in.len * 3 - 1, hx, (void *)buf,
			in.mem.base, in.mem.index);
	}
	run_on_cpu(&cpu);
	memcpy(after_cpu, buf, BUF_SIZE);
	memcpy(buf, init, BUF_SIZE);

	struct x86_emu_ops eops = { .fetch = h_fetch, .read = h_read, .write = h_write };
	struct x86_emu_result res;
	enum x86_emu_status st = x86_emulate(&r, &eops, &res);

	n_run++;
	by_mnem[in.mnem]++;
	uint64_t fmask = X86_FLAGS_ARITH | X86_FLAG_DF;
	if (in.mnem >= X86_MNEM_BT && in.mnem <= X86_MNEM_BTC)
		fmask = X86_FLAG_CF | X86_FLAG_DF; /* OF SF AF PF undefined */
	bool bad = st != X86_EMU_DONE || r.rip != (uint64_t)(uintptr_t)cpu_page + in.len ||
		   ((r.rflags ^ cpu.rflags) & fmask) ||
		   memcmp(buf, after_cpu, BUF_SIZE);
	for (int k = 0; k < 16; k++)
		if (k != X86_RSP && r.gpr[k] != cpu.gpr[k])
			bad = true;
	if (bad && n_bad++ < 10) {
		char hx[64];
		x86_inst_hex(&in, hx, sizeof(hx));
		CHECK_FAIL_AT(__FILE__, __LINE__, "[%.*s] %s: status %d (%s) flags emu %#llx cpu %#llx mem %s",
			      in.len * 3 - 1, hx, x86_mnem_name(in.mnem), st,
			      res.reason ? res.reason : "-",
			      (unsigned long long)r.rflags, (unsigned long long)cpu.rflags,
			      memcmp(buf, after_cpu, BUF_SIZE) ? "differs" : "same");
		for (int k = 0; k < 16; k++)
			if (k != X86_RSP && r.gpr[k] != cpu.gpr[k])
				printf("        gpr%d emu %#llx cpu %#llx\n", k,
				       (unsigned long long)r.gpr[k],
				       (unsigned long long)cpu.gpr[k]);
	}
}

TEST(emulator_matches_host_cpu)
{
	buf = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	cpu_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	CHECK(buf != MAP_FAILED && cpu_page != MAP_FAILED);
	if (buf == MAP_FAILED || cpu_page == MAP_FAILED)
		return;
	unsigned long fs = 0, gs = 0;
	/* The real FS/GS bases (FS is the TLS block). */
	CHECK_EQ(syscall(SYS_arch_prctl, ARCH_GET_FS, &fs), 0);
	CHECK_EQ(syscall(SYS_arch_prctl, ARCH_GET_GS, &gs), 0);
	seg_base[X86_SEG_FS] = fs;
	seg_base[X86_SEG_GS] = gs;
	while (n_run < 30000)
		one();
	printf("host-CPU comparison: %lu instructions run (%lu generated), %lu RIP-relative, "
	       "%lu FS/GS-relative\n", n_run, n_tried, n_riprel, n_fsgs);
	for (int m = 1; m < X86_MNEM_COUNT; m++)
		if (!by_mnem[m]) {
			CHECK_FAIL_AT(__FILE__, __LINE__, "no %s generated", x86_mnem_name((enum x86_mnem)m));
		}
	CHECK_EQ(n_bad, 0);
}

TEST_MAIN()
#endif

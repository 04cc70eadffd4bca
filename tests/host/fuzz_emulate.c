/*
 * fuzz_emulate.c - libFuzzer target for the x86 decoder + MMIO emulator.
 *
 * Input: [0] mode and options, [1] index of the data access that faults
 * (0xFF: none), [2..17] instruction bytes, then the register state (GPRs,
 * RIP, RFLAGS, segment bases; missing bytes are zero). Guest memory is
 * synthetic: reads return a hash of the address, writes are only counted.
 * The instruction is fetched from the input, split at a page boundary the
 * input chooses, and faults past its end.
 *
 * Beyond "no crash / no sanitizer report", it checks the emulator's
 * contract: refused or faulting instructions leave RIP alone, refusals make
 * no data access, completed ones advance RIP by the decoded length and only
 * touch the arithmetic flags, and fetch-decode agrees with buffer-decode.
 */
#include <stdlib.h>
#include <string.h>

#include "hv/x86/decode.h"
#include "hv/x86/emulate.h"

struct fz {
	const uint8_t *code;
	unsigned ncode;
	uint64_t code_lin, lin_mask;
	unsigned accesses, fault_at;
	uint64_t seed;
};

static int fz_fetch(void *ctx, uint64_t lin, uint8_t *buf, unsigned len,
		    unsigned *got)
{
	struct fz *f = ctx;
	/* Linear addresses wrap at 4 GiB outside 64-bit mode. */
	uint64_t off = (lin - f->code_lin) & f->lin_mask;
	unsigned to_page = 0x1000 - (unsigned)(lin & 0xFFF);

	if (off >= f->ncode)
		return 0x100; /* "#PF" on the fetch */
	if (len > to_page)
		len = to_page;
	if (len > f->ncode - off)
		len = (unsigned)(f->ncode - off);
	memcpy(buf, f->code + off, len);
	*got = len;
	return 0;
}

static int fz_access(struct fz *f)
{
	return f->accesses++ == f->fault_at ? 0x200 : 0;
}

static int fz_read(void *ctx, uint64_t lin, unsigned size, uint64_t *v)
{
	struct fz *f = ctx;
	int rc = fz_access(f);

	if (size != 1 && size != 2 && size != 4 && size != 8)
		abort();
	if (rc)
		return rc;
	uint64_t x = (lin ^ f->seed) * 0x9e3779b97f4a7c15ull;
	*v = x ^ (x >> 29);
	return 0;
}

static int fz_write(void *ctx, uint64_t lin, unsigned size, uint64_t v)
{
	struct fz *f = ctx;

	(void)lin;
	if (size != 1 && size != 2 && size != 4 && size != 8)
		abort();
	if (size < 8 && (v >> (size * 8)))
		abort(); /* value wider than the access */
	return fz_access(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t in[2 + 16 + 8 * (16 + 2 + 6)];
	struct x86_regs r, before;
	struct fz f;
	struct x86_emu_result res;
	static const enum x86_mode modes[4] = { X86_MODE_16, X86_MODE_32,
						X86_MODE_64, X86_MODE_64 };

	memset(in, 0, sizeof(in));
	memcpy(in, data, size < sizeof(in) ? size : sizeof(in));
	memset(&r, 0, sizeof(r));
	r.mode = modes[in[0] & 3];
	memcpy(r.gpr, in + 18, sizeof(r.gpr));
	memcpy(&r.rip, in + 18 + 128, 8);
	memcpy(&r.rflags, in + 18 + 136, 8);
	memcpy(r.seg_base, in + 18 + 144, sizeof(r.seg_base));
	if (in[0] & 4) {
		/* Put the instruction close to a page end. */
		r.rip = (r.rip & ~0xFFFull) | (0x1000 - (in[0] >> 4));
	}
	if (in[0] & 8) {
		/* Small REP counts most of the time to keep runs fast. */
		r.gpr[X86_RCX] &= 0xFF;
	}
	if (r.mode != X86_MODE_64)
		r.rip &= 0xFFFFFFFF;

	memset(&f, 0, sizeof(f));
	f.code = in + 2;
	f.ncode = 16;
	f.code_lin = x86_code_linear(&r, r.rip);
	f.lin_mask = r.mode == X86_MODE_64 ? ~0ull : 0xFFFFFFFFull;
	f.fault_at = in[1] == 0xFF ? ~0u : in[1];
	f.seed = r.gpr[0];

	/* Fetch-decode and buffer-decode must agree. */
	struct x86_inst a, b;
	int fault = 0;
	enum x86_dec_status sa = x86_decode_fetch(&r, fz_fetch, &f, &a, &fault);
	enum x86_dec_status sb = x86_decode_buf(in + 2, 16, r.mode, &b);
	if (sa == X86_DEC_FAULT) {
		/* Only possible when the instruction runs past the 16 bytes,
		 * which the buffer decoder reports as truncated. */
		if (sb != X86_DEC_UNSUPPORTED || strcmp(b.reason, "truncated"))
			abort();
	} else if (sa != sb || a.len != b.len || a.mnem != b.mnem ||
		   a.opsize != b.opsize || a.addrsize != b.addrsize ||
		   memcmp(&a.mem, &b.mem, sizeof(a.mem)) || a.imm != b.imm) {
		abort();
	}
	if (sa == X86_DEC_OK && (a.len == 0 || a.len > 15 || a.nbytes < a.len))
		abort();

	before = r;
	struct x86_emu_ops ops = { .ctx = &f, .fetch = fz_fetch, .read = fz_read,
				   .write = fz_write };
	enum x86_emu_status st = x86_emulate(&r, &ops, &res);

	if (res.status != st || res.insn.nbytes > 15)
		abort();
	switch (st) {
	case X86_EMU_DONE: {
		uint64_t mask = r.mode == X86_MODE_64 ? ~0ull :
				r.mode == X86_MODE_32 ? 0xFFFFFFFFull : 0xFFFFull;
		if (r.rip != ((before.rip + res.insn.len) & mask))
			abort();
		if ((r.rflags ^ before.rflags) & ~X86_FLAGS_ARITH)
			abort();
		if (r.mode != before.mode ||
		    memcmp(r.seg_base, before.seg_base, sizeof(r.seg_base)))
			abort();
		break;
	}
	case X86_EMU_RESTART:
		if (r.rip != before.rip || (res.insn.mnem != X86_MNEM_MOVS &&
					    res.insn.mnem != X86_MNEM_STOS))
			abort();
		break;
	case X86_EMU_FAULT:
		if (r.rip != before.rip || !res.fault)
			abort();
		if (res.insn.mnem != X86_MNEM_MOVS && res.insn.mnem != X86_MNEM_STOS &&
		    memcmp(&r, &before, sizeof(r)))
			abort();
		break;
	case X86_EMU_UNSUPPORTED:
		if (memcmp(&r, &before, sizeof(r)) || f.accesses || !res.reason)
			abort();
		break;
	default:
		abort();
	}
	return 0;
}

/*
 * test_x86_capstone.c - differential test of the x86 decoder against
 * capstone over a seeded, reproducible corpus of generated encodings.
 *
 * Every instruction the decoder accepts must be decoded by capstone to the
 * same mnemonic class, length, operand size, memory operand (segment
 * override, base, index, scale, displacement), register operands and
 * immediate. Every instruction capstone decodes to something outside the
 * supported set must be refused. Instructions of the supported set that the
 * decoder refuses must have a documented reason (see accept_expected()).
 *
 * Set X86_CS_SEED / X86_CS_COUNT in the environment to explore further.
 */
#include <capstone/capstone.h>
#include <stdlib.h>

#include "hv/x86/decode.h"
#include "tests/host/check.h"

static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static unsigned rn(unsigned n)
{
	return (unsigned)(rnd() % n);
}

/* Opcodes of the supported set (0x0Fxx for two-byte ones). */
static const uint16_t supported_ops[] = {
	0x00, 0x01, 0x02, 0x03, 0x08, 0x09, 0x0A, 0x0B, 0x10, 0x11, 0x12, 0x13,
	0x18, 0x19, 0x1A, 0x1B, 0x20, 0x21, 0x22, 0x23, 0x28, 0x29, 0x2A, 0x2B,
	0x30, 0x31, 0x32, 0x33, 0x38, 0x39, 0x3A, 0x3B, 0x63, 0x80, 0x81, 0x83,
	0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x8B, 0xA0, 0xA1, 0xA2, 0xA3,
	0xA4, 0xA5, 0xAA, 0xAB, 0xC6, 0xC7, 0xF6, 0xF7, 0x0FA3, 0x0FAB, 0x0FB3,
	0x0FBB, 0x0FBA, 0x0FB6, 0x0FB7, 0x0FBE, 0x0FBF, 0x0FC3,
#define N_SUPPORTED 66
	/* neighbours, to exercise refusals */
	0x04, 0x05, 0x82, 0x8C, 0x8D, 0x8E, 0xA6, 0xA7, 0xAC, 0xAD, 0xAE, 0xAF,
	0xC4, 0xC5, 0xF5, 0xFE, 0xFF, 0x0FA4, 0x0FA5, 0x0FB0, 0x0FB1, 0x0FB8,
	0x0FBC, 0x0FBD, 0x0FC0, 0x0FC1, 0x0FC7, 0x0F1F,
};

static const uint8_t prefixes[] = { 0x66, 0x67, 0x66, 0x67, 0x26, 0x2E, 0x36,
				    0x3E, 0x64, 0x65, 0xF0, 0xF2, 0xF3 };

/* Build one candidate encoding into b (always 16 bytes available). */
static void gen(uint8_t *b, enum x86_mode mode)
{
	unsigned n = 0;

	for (unsigned i = 0; i < 16; i++)
		b[i] = (uint8_t)rnd();
	if (rn(8) == 0)
		return; /* pure random bytes */
	unsigned np = rn(4) == 0 ? rn(5) : rn(2);
	for (unsigned i = 0; i < np; i++) {
		/* LOCK/REP rarely, so most candidates are valid. */
		unsigned k = rn(sizeof(prefixes));
		if (prefixes[k] >= 0xF0 && rn(3))
			k = rn(2);
		b[n++] = prefixes[k];
	}
	if (mode == X86_MODE_64 && rn(2))
		b[n++] = (uint8_t)(0x40 | rn(16));
	uint16_t op = supported_ops[rn(sizeof(supported_ops) / 2)];
	if (rn(10) == 0)
		op = rn(2) ? (uint16_t)rn(256) : (uint16_t)(0x0F00 | rn(256));
	if (op > 0xFF)
		b[n++] = 0x0F;
	b[n++] = (uint8_t)op;
	/* Favour memory forms; the rest of the bytes stay random. */
	if (rn(4))
		b[n] = (uint8_t)((b[n] & 0x3F) | (rn(3) << 6));
}

/* Names as capstone prints them. */
static const char *const r64[16] = { "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
				     "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15" };
static const char *const r32[16] = { "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
				     "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d" };
static const char *const r16[16] = { "ax", "cx", "dx", "bx", "sp", "bp", "si", "di",
				     "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w" };
static const char *const r8[16] = { "al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil",
				    "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b" };
static const char *const r8h[4] = { "ah", "ch", "dh", "bh" };
static const char *const segs[6] = { "es", "cs", "ss", "ds", "fs", "gs" };

static const char *gpr_name(int num, unsigned size, bool high8)
{
	if (num < 0)
		return "(none)";
	if (high8)
		return r8h[num & 3];
	switch (size) {
	case 1: return r8[num];
	case 2: return r16[num];
	case 4: return r32[num];
	default: return r64[num];
	}
}

static const char *cs_name(csh h, unsigned reg)
{
	const char *s = reg == X86_REG_INVALID ? NULL : cs_reg_name(h, reg);
	return s ? s : "(none)";
}

/* Capstone instruction ids of each mnemonic class. */
static bool id_matches(enum x86_mnem m, unsigned id, unsigned opsize)
{
	switch (m) {
	case X86_MNEM_ADD: return id == X86_INS_ADD;
	case X86_MNEM_OR: return id == X86_INS_OR;
	case X86_MNEM_ADC: return id == X86_INS_ADC;
	case X86_MNEM_SBB: return id == X86_INS_SBB;
	case X86_MNEM_AND: return id == X86_INS_AND;
	case X86_MNEM_SUB: return id == X86_INS_SUB;
	case X86_MNEM_XOR: return id == X86_INS_XOR;
	case X86_MNEM_CMP: return id == X86_INS_CMP;
	case X86_MNEM_TEST: return id == X86_INS_TEST;
	case X86_MNEM_MOV: return id == X86_INS_MOV || id == X86_INS_MOVABS;
	case X86_MNEM_MOVZX: return id == X86_INS_MOVZX;
	case X86_MNEM_MOVSX: return id == X86_INS_MOVSX;
	case X86_MNEM_MOVSXD: return id == X86_INS_MOVSXD;
	case X86_MNEM_MOVNTI: return id == X86_INS_MOVNTI;
	case X86_MNEM_XCHG: return id == X86_INS_XCHG;
	case X86_MNEM_BT: return id == X86_INS_BT;
	case X86_MNEM_BTS: return id == X86_INS_BTS;
	case X86_MNEM_BTR: return id == X86_INS_BTR;
	case X86_MNEM_BTC: return id == X86_INS_BTC;
	case X86_MNEM_MOVS:
		return id == (opsize == 1 ? X86_INS_MOVSB : opsize == 2 ? X86_INS_MOVSW :
			      opsize == 4 ? X86_INS_MOVSD : X86_INS_MOVSQ);
	case X86_MNEM_STOS:
		return id == (opsize == 1 ? X86_INS_STOSB : opsize == 2 ? X86_INS_STOSW :
			      opsize == 4 ? X86_INS_STOSD : X86_INS_STOSQ);
	default: return false;
	}
}

/* Is a capstone id one of the supported mnemonic classes at all? */
static bool id_in_set(unsigned id)
{
	for (int m = X86_MNEM_ADD; m < X86_MNEM_COUNT; m++)
		for (unsigned sz = 1; sz <= 8; sz *= 2)
			if (id_matches((enum x86_mnem)m, id, sz))
				return true;
	return false;
}

static struct {
	unsigned long total, quirks, accepted, refused, refused_in_set, compared_mem;
	unsigned long by_mode[3];
} st;

static unsigned mismatches;

/* Why in-set instructions were refused, for the summary. */
static struct {
	const char *reason;
	unsigned long n;
} reasons[32];

static void count_reason(const char *r)
{
	for (unsigned i = 0; i < 32; i++) {
		if (!reasons[i].reason)
			reasons[i].reason = r;
		if (reasons[i].reason == r || !strcmp(reasons[i].reason, r)) {
			reasons[i].n++;
			return;
		}
	}
}

static void hexdump(char *out, const uint8_t *b, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		out += sprintf(out, "%02x ", b[i]);
	*out = 0;
}

#define MISMATCH(...)                                                          \
	do {                                                                   \
		if (mismatches++ < 20) {                                       \
			char hx_[64];                                          \
			hexdump(hx_, b, 15);                                   \
			CHECK_FAIL_AT(__FILE__, __LINE__, "mode %u [%s] cs '%s %s': ", \
				      mode, hx_, ci ? ci->mnemonic : "-",       \
				      ci ? ci->op_str : "-");                  \
			printf("        ");                                    \
			printf(__VA_ARGS__);                                   \
			printf("\n");                                          \
		}                                                              \
	} while (0)

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void compare(csh h, enum x86_mode mode, const uint8_t *b,
		    const struct x86_inst *in, cs_insn *ci)
{
	cs_x86 *x = &ci->detail->x86;
	uint64_t amask = x86_size_mask(in->addrsize);

	if (ci->size != in->len)
		MISMATCH("length %u vs ours %u", ci->size, in->len);
	if (!id_matches(in->mnem, ci->id, in->opsize))
		MISMATCH("mnemonic ours %s size %u", x86_mnem_name(in->mnem), in->opsize);
	if (x->addr_size != in->addrsize)
		MISMATCH("address size %u vs ours %u", x->addr_size, in->addrsize);
	if (in->mnem == X86_MNEM_MOVS || in->mnem == X86_MNEM_STOS)
		return; /* implicit operands; size is in the id */

	const char *cs_regs[4], *our_regs[4];
	unsigned ncs = 0, nours = 0;
	bool cs_has_mem = false, cs_has_imm = false;

	for (unsigned i = 0; i < x->op_count; i++) {
		cs_x86_op *o = &x->operands[i];

		if (o->type == X86_OP_REG) {
			if (ncs < 4)
				cs_regs[ncs++] = cs_name(h, o->reg);
		} else if (o->type == X86_OP_IMM) {
			cs_has_imm = true;
			uint64_t mask = x86_size_mask(in->opcode == 0x0FBA ? 1 : in->opsize);
			if (((uint64_t)o->imm & mask) != (in->imm & mask))
				MISMATCH("imm %#llx vs ours %#llx", (unsigned long long)o->imm,
					 (unsigned long long)in->imm);
		} else if (o->type == X86_OP_MEM) {
			const char *base, *index, *seg;

			cs_has_mem = true;
			st.compared_mem++;
			if (!in->has_mem) {
				MISMATCH("capstone has a memory operand, ours not");
				continue;
			}
			if (o->size != in->srcsize && o->size != in->opsize)
				MISMATCH("memory operand size %u vs ours %u/%u", o->size,
					 in->opsize, in->srcsize);
			if (in->mem.rip_rel)
				base = in->addrsize == 8 ? "rip" : "eip";
			else
				base = gpr_name(in->mem.base, in->addrsize, false);
			index = gpr_name(in->mem.index, in->addrsize, false);
			seg = in->seg_override == X86_SEG_NONE ? "(none)" : segs[in->seg_override];
			if (strcmp(base, cs_name(h, o->mem.base)))
				MISMATCH("base %s vs ours %s", cs_name(h, o->mem.base), base);
			if (strcmp(index, cs_name(h, o->mem.index)))
				MISMATCH("index %s vs ours %s", cs_name(h, o->mem.index), index);
			if (in->mem.index >= 0 && o->mem.scale != in->mem.scale)
				MISMATCH("scale %d vs ours %u", o->mem.scale, in->mem.scale);
			if (((uint64_t)o->mem.disp & amask) != ((uint64_t)in->mem.disp & amask))
				MISMATCH("disp %#llx vs ours %#llx", (unsigned long long)o->mem.disp,
					 (unsigned long long)in->mem.disp);
			if (strcmp(seg, cs_name(h, o->mem.segment)))
				MISMATCH("segment %s vs ours %s", cs_name(h, o->mem.segment), seg);
		}
	}
	if (cs_has_imm != in->has_imm)
		MISMATCH("immediate presence %d vs ours %d", cs_has_imm, in->has_imm);
	if (cs_has_mem != in->has_mem)
		MISMATCH("memory operand presence %d vs ours %d", cs_has_mem, in->has_mem);

	/* Register operands, as a sorted list of names. */
	if (in->reg.num >= 0)
		our_regs[nours++] = gpr_name(in->reg.num, in->opsize, in->reg.high8);
	if (!in->has_mem && in->rm.num >= 0)
		our_regs[nours++] = gpr_name(in->rm.num, in->srcsize, in->rm.high8);
	qsort(cs_regs, ncs, sizeof(cs_regs[0]), cmp_str);
	qsort(our_regs, nours, sizeof(our_regs[0]), cmp_str);
	bool same = ncs == nours;
	for (unsigned i = 0; same && i < ncs; i++)
		same = !strcmp(cs_regs[i], our_regs[i]);
	if (!same)
		MISMATCH("registers: cs %s %s, ours %s %s", ncs > 0 ? cs_regs[0] : "-",
			 ncs > 1 ? cs_regs[1] : "-", nours > 0 ? our_regs[0] : "-",
			 nours > 1 ? our_regs[1] : "-");
}

/*
 * Capstone decodes as a supported mnemonic but the decoder refused: only
 * acceptable for the documented refusals.
 */
static bool refusal_ok(const struct x86_inst *in)
{
	static const char *const ok[] = {
		"F2/F3 prefix on a non-string instruction",
		"LOCK prefix not allowed here (#UD)",
		"REX prefix not last before opcode",
		"REPNE on MOVS/STOS not supported",
		"both F2 and F3 prefixes",
		"MOVSXD without REX.W not supported",
		"ARPL not supported",
		"66 prefix on MOVNTI",
		"group 3 other than TEST", /* F6/F7 /1 alias */
		"instruction longer than 15 bytes",
	};
	if (in->reason && !strcmp(in->reason, "opcode not supported")) {
		/* Only for opcodes deliberately left out (AL/rAX-immediate
		 * forms, 82, ...), never for one of the supported list. */
		for (unsigned i = 0; i < N_SUPPORTED; i++)
			if (supported_ops[i] == in->opcode)
				return false;
		return true;
	}
	for (unsigned i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (in->reason && !strcmp(in->reason, ok[i]))
			return true;
	return false;
}

/*
 * Known capstone 4 bug: a 66 prefix placed before an F2/F3 prefix is
 * recorded but ignored ("66 f3 ab" comes out as "rep stosd"). The SDM
 * (Vol 2 2.1.1) says prefix order does not matter, so such encodings are not
 * compared.
 */
static bool capstone_quirk(const uint8_t *b, const struct x86_inst *in)
{
	bool seen66 = false;

	for (unsigned i = 0; i < in->len; i++) {
		if (b[i] == 0x66)
			seen66 = true;
		else if (b[i] == 0xF2 || b[i] == 0xF3) {
			if (seen66)
				return true;
		} else if (!(b[i] == 0x67 || b[i] == 0xF0 || b[i] == 0x26 || b[i] == 0x2E ||
			   b[i] == 0x36 || b[i] == 0x3E || b[i] == 0x64 || b[i] == 0x65))
			return false;
	}
	return false;
}

static const enum x86_mode modes[3] = { X86_MODE_16, X86_MODE_32, X86_MODE_64 };
static csh handles[3];
static cs_insn *ci_buf;

static void open_capstone(void)
{
	static const cs_mode csm[3] = { CS_MODE_16, CS_MODE_32, CS_MODE_64 };

	if (ci_buf)
		return;
	for (int k = 0; k < 3; k++) {
		CHECK_EQ(cs_open(CS_ARCH_X86, csm[k], &handles[k]), CS_ERR_OK);
		cs_option(handles[k], CS_OPT_DETAIL, CS_OPT_ON);
	}
	ci_buf = cs_malloc(handles[0]);
}

/* Decode b (16 bytes) with both decoders in mode k and compare. */
static void check_one(unsigned k, const uint8_t *b)
{
	enum x86_mode mode = modes[k];
	struct x86_inst in;
	cs_insn *ci = NULL;
	enum x86_dec_status ds = x86_decode_buf(b, 16, mode, &in);
	const uint8_t *code = b;
	size_t size = 16;
	uint64_t addr = 0x1000;
	bool cs_ok = cs_disasm_iter(handles[k], &code, &size, &addr, ci_buf);

	ci = cs_ok ? ci_buf : NULL;
	st.total++;
	st.by_mode[k]++;
	if (ds == X86_DEC_OK && capstone_quirk(b, &in)) {
		st.quirks++;
		return;
	}
	if (ds == X86_DEC_OK) {
		st.accepted++;
		if (!cs_ok) {
			MISMATCH("accepted (%s) but capstone cannot decode",
				 x86_mnem_name(in.mnem));
			return;
		}
		compare(handles[k], mode, b, &in, ci);
	} else {
		st.refused++;
		if (in.mnem != X86_MNEM_NONE)
			MISMATCH("refused but mnem set");
		if (cs_ok && id_in_set(ci->id) && ci->size <= 15) {
			st.refused_in_set++;
			count_reason(in.reason);
			if (!refusal_ok(&in))
				MISMATCH("refused (%s) an instruction of the set", in.reason);
		}
	}
}

static void summary(const char *what)
{
	printf("%s: %lu encodings (16/32/64: %lu/%lu/%lu), %lu skipped (capstone "
	       "66-before-F3 bug), %lu accepted, %lu refused (%lu of them in the set, "
	       "all with an allowed reason), %lu memory operands compared\n",
	       what, st.total, st.by_mode[0], st.by_mode[1], st.by_mode[2], st.quirks,
	       st.accepted, st.refused, st.refused_in_set, st.compared_mem);
	for (unsigned i = 0; i < 32 && reasons[i].reason; i++)
		printf("  refused in-set: %7lu  %s\n", reasons[i].n, reasons[i].reason);
	memset(&st, 0, sizeof(st));
	memset(reasons, 0, sizeof(reasons));
}

/* Random prefixes + opcode + ModRM/SIB/disp/imm, and random byte strings. */
TEST(random_corpus_vs_capstone)
{
	unsigned long count = 1200000;
	const char *e;

	open_capstone();
	mismatches = 0;
	rng_state = 0x5eed0123456789abull;
	if ((e = getenv("X86_CS_SEED")))
		rng_state = strtoull(e, NULL, 0) * 0x9e3779b97f4a7c15ull + 1;
	if ((e = getenv("X86_CS_COUNT")))
		count = strtoul(e, NULL, 0);
	for (unsigned long it = 0; it < count; it++) {
		unsigned k = rn(3);
		uint8_t b[16];

		gen(b, modes[k]);
		check_one(k, b);
	}
	CHECK(st.accepted > count / 3);
	summary("capstone random corpus");
	CHECK_EQ(mismatches, 0);
}

/*
 * Every supported opcode with every ModRM byte, under the main prefix
 * combinations of each mode, and every SIB byte when there is one (without
 * prefixes); displacement and immediate bytes are a fixed pattern.
 */
TEST(systematic_modrm_sib_vs_capstone)
{
	static const char *const pfx16[] = { "", "\x66", "\x67" };
	static const char *const pfx64[] = { "", "\x66", "\x67", "\x48", "\x4d",
					     "\x43", "\x40", "\x66\x48" };
	static const uint8_t tail[] = { 0x78, 0x56, 0x34, 0x92, 0x11, 0x22, 0x33,
					0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa };

	open_capstone();
	mismatches = 0;
	for (unsigned k = 0; k < 3; k++) {
		const char *const *pfx = k == 2 ? pfx64 : pfx16;
		unsigned npfx = k == 2 ? 8 : 3;

		for (unsigned o = 0; o < N_SUPPORTED; o++) {
			for (unsigned p = 0; p < npfx; p++) {
				for (unsigned modrm = 0; modrm < 256; modrm++) {
					unsigned nsib = (modrm & 7) == 4 && (modrm >> 6) != 3 &&
							p == 0 ? 256 : 1;

					for (unsigned sib = 0; sib < nsib; sib++) {
						uint8_t b[32];
						unsigned n = (unsigned)strlen(pfx[p]);

						memcpy(b, pfx[p], n);
						if (supported_ops[o] > 0xFF)
							b[n++] = 0x0F;
						b[n++] = (uint8_t)supported_ops[o];
						b[n++] = (uint8_t)modrm;
						b[n++] = (uint8_t)(nsib > 1 ? sib : 0x8d);
						memcpy(b + n, tail, 16 - n);
						check_one(k, b);
					}
				}
			}
		}
	}
	CHECK(st.accepted > 100000);
	summary("capstone systematic");
	CHECK_EQ(mismatches, 0);
}

TEST_MAIN()

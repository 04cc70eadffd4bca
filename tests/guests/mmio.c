/*
 * mmio - Nestor's MMIO emulation, seen from the guest. Every memory
 * instruction the emulator (hv/x86) supports is run twice with identical
 * inputs: once on a RAM buffer (the CPU itself computes the reference) and
 * once on the scratch area of the MMIO test device (guest_abi.h, testdev=),
 * and the memory around the operand, the register and EFLAGS (CF PF AF ZF
 * SF OF, minus the ones the SDM leaves undefined) must come out the same.
 * Then the device's own registers (access counter, last access, write log),
 * the MMIO UART, an unbacked range, and the same suite with paging on and
 * the device mapped at a linear address that is RAM physically.
 *
 * Command line (module: testdev=0xC0000000 mmio_uart=0xC0001000
 * unbacked=0xC0002000+0x1000; guest: mmio.elf dev=0xC0000000
 * uart=0xC0001000 unbacked=0xC0002000):
 *   dev=A      the test device page (testdev= also accepted)
 *   uart=A     the MMIO UART (mmio_uart= also accepted)
 *   unbacked=A an unbacked range
 *   twice      run everything twice ("mmio: round 1", "mmio: round 2")
 *   bare       use a RAM page as the "device" even under Nestor
 * Without Nestor (or with bare, or without dev=) the device is a RAM page:
 * the comparisons then check the test itself, and the device-only checks
 * print "skipped (no Nestor)".
 */
#include "lib/guest.h"

const char guest_name[] = "mmio";

#define FL_CF 0x001u
#define FL_PF 0x004u
#define FL_AF 0x010u
#define FL_ZF 0x040u
#define FL_SF 0x080u
#define FL_OF 0x800u
#define FL_DF 0x400u
#define FL_ARITH (FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF)
#define FL_LOGIC (FL_ARITH & ~FL_AF) /* AND OR XOR TEST: AF undefined */
#define FL_BT FL_CF                  /* BT*: only CF defined */

#define NOINL __attribute__((noinline, noclone))

/* The reference RAM page, a second RAM page (string ops across RAM and the
 * device) and a stand-in device page when there is no device. */
static uint8_t ram_ref[4096] __attribute__((aligned(4096)));
static uint8_t ram_other[4096] __attribute__((aligned(4096)));
static uint8_t ram_fake_dev[4096] __attribute__((aligned(4096)));

static bool nestor;     /* Nestor present and a real device in use */
static uint32_t dev_phys; /* the device page (physical) */
static uint32_t round_sum; /* checksum of everything read from the device */
static const char *pfx = ""; /* "paging on: " in the paged part */

static void sum(uint32_t v)
{
	round_sum = (round_sum ^ v) * 0x01000193u + 0x9e3779b9u;
}

/* --- one instruction form ------------------------------------------------ */

struct opst {
	uint32_t reg;
	uint32_t flags;
};
typedef void (*opfn)(volatile uint8_t *p, struct opst *s);

/* EFLAGS in from s->flags, the instruction(s), EFLAGS out. %[r] is the
 * register operand (a/b/c/d so %b/%h/%w work), %[p] points at the memory
 * operand, %[t] and %[u] are scratch. */
#define OP(name, text)                                                              \
	static NOINL void name(volatile uint8_t *p, struct opst *s)                   \
	{                                                                             \
		uint32_t r = s->reg, f = s->flags, t, u;                              \
		__asm__ volatile("push %[f]\n\tpopf\n\t" text "\n\tpushf\n\tpop %[f]"  \
				 : [f] "+r"(f), [r] "+q"(r), [t] "=&r"(t), [u] "=&r"(u) \
				 : [p] "r"(p)                                          \
				 : "memory", "cc");                                    \
		s->reg = r;                                                           \
		s->flags = f;                                                         \
	}

/* Pinned registers (r = eax, p = ecx; esi, edx free; ebp saved by the
 * text itself), for forms using ESP or EBP as base or index. */
#define OPPIN(name, text)                                                             \
	static NOINL void name(volatile uint8_t *p, struct opst *s)                     \
	{                                                                               \
		uint32_t r = s->reg, f = s->flags;                                      \
		__asm__ volatile("push %[f]\n\tpopf\n\t" text "\n\tpushf\n\tpop %[f]"    \
				 : [f] "+b"(f), [r] "+a"(r)                              \
				 : [p] "c"(p)                                            \
				 : "edx", "esi", "edi", "memory", "cc");                 \
		s->reg = r;                                                             \
		s->flags = f;                                                           \
	}

/* An absolute address (moffs or [disp32]) patched in before each call:
 * the 4 bytes `back` bytes before the label name_end. r = eax. */
#define OPABS(name, text)                                                             \
	extern char name##_end[];                                                     \
	static NOINL void name(volatile uint8_t *p, struct opst *s)                     \
	{                                                                               \
		uint32_t r = s->reg, f = s->flags;                                      \
		(void)p;                                                                \
		__asm__ volatile("push %[f]\n\tpopf\n\t" text "\n" #name "_end:\n\t"     \
				 "pushf\n\tpop %[f]"                                     \
				 : [f] "+r"(f), [r] "+a"(r)                              \
				 :                                                       \
				 : "memory", "cc");                                      \
		s->reg = r;                                                             \
		s->flags = f;                                                           \
	}

enum { K_ALU, K_BT };             /* which inputs */
enum { A_ANY, A_4, A_8 };         /* alignment the form needs */

struct form {
	const char *desc;
	opfn fn;
	uint32_t mask;   /* flags compared */
	uint8_t kind;
	uint8_t align;
	uint8_t back;    /* OPABS: bytes from the disp32 to the end label */
	bool seg;        /* uses GS = a segment based at p - 0x1000 */
	char *site_end;  /* OPABS */
};

/* ---- the forms: X(id, "description", "asm", flag mask, kind, align) ---- */

#define ALU_RM(X, op, o0, o1, o2, o3, m)                                                     \
	X(op##_m8r8, #op " m8, r8 (" o0 ")", #op "b %b[r], (%[p])", m, K_ALU, A_ANY)          \
	X(op##_m8r8h, #op " m8, r8 high (" o0 ", AH..BH)", #op "b %h[r], (%[p])", m, K_ALU, A_ANY) \
	X(op##_m16r16, #op " m16, r16 (66 " o1 ")", #op "w %w[r], (%[p])", m, K_ALU, A_ANY)   \
	X(op##_m32r32, #op " m32, r32 (" o1 ")", #op "l %[r], (%[p])", m, K_ALU, A_ANY)       \
	X(op##_r8m8, #op " r8, m8 (" o2 ")", #op "b (%[p]), %b[r]", m, K_ALU, A_ANY)          \
	X(op##_r16m16, #op " r16, m16 (66 " o3 ")", #op "w (%[p]), %w[r]", m, K_ALU, A_ANY)   \
	X(op##_r32m32, #op " r32, m32 (" o3 ")", #op "l (%[p]), %[r]", m, K_ALU, A_ANY)

#define ALU_IMM(X, op, d, m)                                                                 \
	X(op##_80, #op " m8, imm8 (80 " d ")", #op "b $0x81, (%[p])", m, K_ALU, A_ANY)        \
	X(op##_81w, #op " m16, imm16 (66 81 " d ")", #op "w $0x8001, (%[p])", m, K_ALU, A_ANY) \
	X(op##_81l, #op " m32, imm32 (81 " d ")", #op "l $0x80000001, (%[p])", m, K_ALU, A_ANY) \
	X(op##_83w, #op " m16, simm8 (66 83 " d ")", #op "w $-2, (%[p])", m, K_ALU, A_ANY)    \
	X(op##_83l, #op " m32, simm8 (83 " d ")", #op "l $0x7f, (%[p])", m, K_ALU, A_ANY)

#define FORMS(X)                                                                             \
	X(mov_88, "mov m8, r8 (88)", "movb %b[r], (%[p])", FL_ARITH, K_ALU, A_ANY)            \
	X(mov_88h, "mov m8, r8 high (88, AH..BH)", "movb %h[r], (%[p])", FL_ARITH, K_ALU, A_ANY) \
	X(mov_89w, "mov m16, r16 (66 89)", "movw %w[r], (%[p])", FL_ARITH, K_ALU, A_ANY)      \
	X(mov_89, "mov m32, r32 (89)", "movl %[r], (%[p])", FL_ARITH, K_ALU, A_ANY)           \
	X(mov_8a, "mov r8, m8 (8A)", "movb (%[p]), %b[r]", FL_ARITH, K_ALU, A_ANY)            \
	X(mov_8ah, "mov r8 high, m8 (8A, AH..BH)", "movb (%[p]), %h[r]", FL_ARITH, K_ALU, A_ANY) \
	X(mov_8bw, "mov r16, m16 (66 8B)", "movw (%[p]), %w[r]", FL_ARITH, K_ALU, A_ANY)      \
	X(mov_8b, "mov r32, m32 (8B)", "movl (%[p]), %[r]", FL_ARITH, K_ALU, A_ANY)           \
	X(mov_c6, "mov m8, imm8 (C6 /0)", "movb $0xa5, (%[p])", FL_ARITH, K_ALU, A_ANY)       \
	X(mov_c7w, "mov m16, imm16 (66 C7 /0)", "movw $0xa55a, (%[p])", FL_ARITH, K_ALU, A_ANY) \
	X(mov_c7, "mov m32, imm32 (C7 /0)", "movl $0x87654321, (%[p])", FL_ARITH, K_ALU, A_ANY) \
	X(movzx_b32, "movzx r32, m8 (0F B6)", "movzbl (%[p]), %[r]", FL_ARITH, K_ALU, A_ANY)  \
	X(movzx_b16, "movzx r16, m8 (66 0F B6)", "movzbw (%[p]), %w[r]", FL_ARITH, K_ALU, A_ANY) \
	X(movzx_w32, "movzx r32, m16 (0F B7)", "movzwl (%[p]), %[r]", FL_ARITH, K_ALU, A_ANY) \
	X(movsx_b32, "movsx r32, m8 (0F BE)", "movsbl (%[p]), %[r]", FL_ARITH, K_ALU, A_ANY)  \
	X(movsx_b16, "movsx r16, m8 (66 0F BE)", "movsbw (%[p]), %w[r]", FL_ARITH, K_ALU, A_ANY) \
	X(movsx_w32, "movsx r32, m16 (0F BF)", "movswl (%[p]), %[r]", FL_ARITH, K_ALU, A_ANY) \
	X(movnti, "movnti m32, r32 (0F C3)", "movnti %[r], (%[p])", FL_ARITH, K_ALU, A_ANY)   \
	ALU_RM(X, add, "00", "01", "02", "03", FL_ARITH)                                      \
	ALU_RM(X, or, "08", "09", "0A", "0B", FL_LOGIC)                                       \
	ALU_RM(X, adc, "10", "11", "12", "13", FL_ARITH)                                      \
	ALU_RM(X, sbb, "18", "19", "1A", "1B", FL_ARITH)                                      \
	ALU_RM(X, and, "20", "21", "22", "23", FL_LOGIC)                                      \
	ALU_RM(X, sub, "28", "29", "2A", "2B", FL_ARITH)                                      \
	ALU_RM(X, xor, "30", "31", "32", "33", FL_LOGIC)                                      \
	ALU_RM(X, cmp, "38", "39", "3A", "3B", FL_ARITH)                                      \
	ALU_IMM(X, add, "/0", FL_ARITH)                                                       \
	ALU_IMM(X, or, "/1", FL_LOGIC)                                                        \
	ALU_IMM(X, adc, "/2", FL_ARITH)                                                       \
	ALU_IMM(X, sbb, "/3", FL_ARITH)                                                       \
	ALU_IMM(X, and, "/4", FL_LOGIC)                                                       \
	ALU_IMM(X, sub, "/5", FL_ARITH)                                                       \
	ALU_IMM(X, xor, "/6", FL_LOGIC)                                                       \
	ALU_IMM(X, cmp, "/7", FL_ARITH)                                                       \
	X(test_84, "test m8, r8 (84)", "testb %b[r], (%[p])", FL_LOGIC, K_ALU, A_ANY)         \
	X(test_85w, "test m16, r16 (66 85)", "testw %w[r], (%[p])", FL_LOGIC, K_ALU, A_ANY)   \
	X(test_85, "test m32, r32 (85)", "testl %[r], (%[p])", FL_LOGIC, K_ALU, A_ANY)        \
	X(test_f6, "test m8, imm8 (F6 /0)", "testb $0x81, (%[p])", FL_LOGIC, K_ALU, A_ANY)    \
	X(test_f7w, "test m16, imm16 (66 F7 /0)", "testw $0x8001, (%[p])", FL_LOGIC, K_ALU, A_ANY) \
	X(test_f7, "test m32, imm32 (F7 /0)", "testl $0x80000001, (%[p])", FL_LOGIC, K_ALU, A_ANY) \
	X(xchg_86, "xchg m8, r8 (86)", "xchgb %b[r], (%[p])", FL_ARITH, K_ALU, A_ANY)         \
	X(xchg_87w, "xchg m16, r16 (66 87)", "xchgw %w[r], (%[p])", FL_ARITH, K_ALU, A_ANY)   \
	X(xchg_87, "xchg m32, r32 (87)", "xchgl %[r], (%[p])", FL_ARITH, K_ALU, A_ANY)        \
	X(bt_w, "bt m16, r16 (66 0F A3)", "btw %w[r], (%[p])", FL_BT, K_BT, A_ANY)            \
	X(bt_l, "bt m32, r32 (0F A3)", "btl %[r], (%[p])", FL_BT, K_BT, A_ANY)                \
	X(bts_w, "bts m16, r16 (66 0F AB)", "btsw %w[r], (%[p])", FL_BT, K_BT, A_ANY)         \
	X(bts_l, "bts m32, r32 (0F AB)", "btsl %[r], (%[p])", FL_BT, K_BT, A_ANY)             \
	X(btr_w, "btr m16, r16 (66 0F B3)", "btrw %w[r], (%[p])", FL_BT, K_BT, A_ANY)         \
	X(btr_l, "btr m32, r32 (0F B3)", "btrl %[r], (%[p])", FL_BT, K_BT, A_ANY)             \
	X(btc_w, "btc m16, r16 (66 0F BB)", "btcw %w[r], (%[p])", FL_BT, K_BT, A_ANY)         \
	X(btc_l, "btc m32, r32 (0F BB)", "btcl %[r], (%[p])", FL_BT, K_BT, A_ANY)             \
	X(bt_i, "bt m32, imm8 5 (0F BA /4)", "btl $5, (%[p])", FL_BT, K_ALU, A_ANY)          \
	X(bt_iw, "bt m16, imm8 13 (66 0F BA /4)", "btw $13, (%[p])", FL_BT, K_ALU, A_ANY)   \
	X(bts_i, "bts m32, imm8 37 (0F BA /5, bit 5)", "btsl $37, (%[p])", FL_BT, K_ALU, A_ANY) \
	X(btr_i, "btr m32, imm8 31 (0F BA /6)", "btrl $31, (%[p])", FL_BT, K_ALU, A_ANY)     \
	X(btc_iw, "btc m16, imm8 17 (66 0F BA /7, bit 1)", "btcw $17, (%[p])", FL_BT, K_ALU, A_ANY) \
	X(lock_add, "lock add m32, r32", "lock addl %[r], (%[p])", FL_ARITH, K_ALU, A_ANY)    \
	X(lock_or8, "lock or m8, r8", "lock orb %b[r], (%[p])", FL_LOGIC, K_ALU, A_ANY)       \
	X(lock_adc, "lock adc m32, r32", "lock adcl %[r], (%[p])", FL_ARITH, K_ALU, A_ANY)    \
	X(lock_sbbw, "lock sbb m16, imm16", "lock sbbw $0x1234, (%[p])", FL_ARITH, K_ALU, A_ANY) \
	X(lock_and, "lock and m32, imm32", "lock andl $0xff00ff0f, (%[p])", FL_LOGIC, K_ALU, A_ANY) \
	X(lock_sub, "lock sub m32, simm8", "lock subl $-5, (%[p])", FL_ARITH, K_ALU, A_ANY)   \
	X(lock_xor, "lock xor m16, r16", "lock xorw %w[r], (%[p])", FL_LOGIC, K_ALU, A_ANY)   \
	X(lock_xchg, "lock xchg m32, r32", "lock xchgl %[r], (%[p])", FL_ARITH, K_ALU, A_ANY) \
	X(lock_bts, "lock bts m32, r32", "lock btsl %[r], (%[p])", FL_BT, K_BT, A_ANY)        \
	X(lock_btr, "lock btr m32, imm8", "lock btrl $3, (%[p])", FL_BT, K_ALU, A_ANY)        \
	X(lock_btc, "lock btc m16, r16", "lock btcw %w[r], (%[p])", FL_BT, K_BT, A_ANY)       \
	X(seg_fs, "add fs:m32, r32 (64 prefix)", "addl %[r], %%fs:(%[p])", FL_ARITH, K_ALU, A_ANY) \
	X(seg_gs, "mov r32, gs:m32 (65 prefix)", "movl %%gs:(%[p]), %[r]", FL_ARITH, K_ALU, A_ANY) \
	X(seg_es, "sub es:m16, r16 (26 prefix)", "subw %w[r], %%es:(%[p])", FL_ARITH, K_ALU, A_ANY) \
	X(seg_cs, "mov r8, cs:m8 (2E prefix, read)", "movb %%cs:(%[p]), %b[r]", FL_ARITH, K_ALU, A_ANY) \
	X(seg_ss, "xor ss:m32, r32 (36 prefix)", "xorl %[r], %%ss:(%[p])", FL_LOGIC, K_ALU, A_ANY) \
	X(af_d8, "[reg+disp8]", "lea -0x40(%[p]), %[t]\n\taddl %[r], 0x40(%[t])\n\tmovl 0x40(%[t]), %[r]", FL_ARITH, K_ALU, A_ANY) \
	X(af_d8n, "[reg-disp8]", "lea 0x10(%[p]), %[t]\n\tadcl %[r], -0x10(%[t])\n\tmovw -0x10(%[t]), %w[r]", FL_ARITH, K_ALU, A_ANY) \
	X(af_d32, "[reg+disp32]", "lea -0x12345(%[p]), %[t]\n\tsubl %[r], 0x12345(%[t])\n\tmovl 0x12345(%[t]), %[r]", FL_ARITH, K_ALU, A_ANY) \
	X(af_d32n, "[reg-disp32]", "lea 0x10000(%[p]), %[t]\n\torb %b[r], -0x10000(%[t])\n\tmovzbl -0x10000(%[t]), %[r]", FL_LOGIC, K_ALU, A_ANY) \
	X(af_bi1, "[base+index*1]", "mov $7, %[u]\n\tlea -7(%[p]), %[t]\n\taddl %[r], (%[t],%[u],1)\n\tmovl (%[t],%[u],1), %[r]", FL_ARITH, K_ALU, A_ANY) \
	X(af_bi2d8, "[base+index*2+disp8]", "mov $5, %[u]\n\tlea -0x2a(%[p]), %[t]\n\taddw %w[r], 0x20(%[t],%[u],2)\n\tmovl 0x20(%[t],%[u],2), %[r]", FL_ARITH, K_ALU, A_ANY) \
	X(af_bi4d32, "[base+index*4+disp32]", "mov $-3, %[u]\n\tlea -0x1000(%[p]), %[t]\n\tandl %[r], 0x100c(%[t],%[u],4)\n\tmovl 0x100c(%[t],%[u],4), %[r]", FL_LOGIC, K_ALU, A_ANY) \
	X(af_bi8d8, "[base+index*8+disp8]", "mov $2, %[u]\n\tlea -0x17(%[p]), %[t]\n\txorb %b[r], 7(%[t],%[u],8)\n\tmovsbl 7(%[t],%[u],8), %[r]", FL_LOGIC, K_ALU, A_ANY) \
	X(af_bi8d32, "[base+index*8+disp32]", "mov $0x100, %[u]\n\tlea -0x80800(%[p]), %[t]\n\tcmpl %[r], 0x80000(%[t],%[u],8)\n\tmovl 0x80000(%[t],%[u],8), %[r]", FL_ARITH, K_ALU, A_ANY) \
	X(af_i1d32, "[index*1+disp32] (no base)", "lea -0x1000(%[p]), %[u]\n\taddl %[r], 0x1000(,%[u],1)\n\tmovl 0x1000(,%[u],1), %[r]", FL_ARITH, K_ALU, A_ANY) \
	X(af_i2d32, "[index*2+disp32] (no base)", "lea -0x1000(%[p]), %[u]\n\tshr $1, %[u]\n\tsbbl %[r], 0x1000(,%[u],2)\n\tmovl 0x1000(,%[u],2), %[r]", FL_ARITH, K_ALU, A_4) \
	X(af_i4d32, "[index*4+disp32] (no base)", "lea -0x1000(%[p]), %[u]\n\tshr $2, %[u]\n\taddl %[r], 0x1000(,%[u],4)\n\tmovl 0x1000(,%[u],4), %[r]", FL_ARITH, K_ALU, A_4) \
	X(af_i8d32, "[index*8+disp32] (no base)", "lea -0x800(%[p]), %[u]\n\tshr $3, %[u]\n\torl %[r], 0x800(,%[u],8)\n\tmovl 0x800(,%[u],8), %[r]", FL_LOGIC, K_ALU, A_8)

#define X_FN(id, desc, text, mask, kind, align) OP(f_##id, text)
FORMS(X_FN)

/* ESP and EBP as base or index (default segment SS). */
#define PIN_FORMS(Y)                                                                               \
	Y(esp0, "[esp]", "mov %%esp, %%esi\n\tmov %[p], %%esp\n\taddl %[r], (%%esp)\n\tmovl (%%esp), %[r]\n\tmov %%esi, %%esp") \
	Y(esp8, "[esp+disp8]", "mov %%esp, %%esi\n\tlea -8(%[p]), %%esp\n\tsubl %[r], 8(%%esp)\n\tmovl 8(%%esp), %[r]\n\tmov %%esi, %%esp") \
	Y(esp32, "[esp+disp32]", "mov %%esp, %%esi\n\tlea -0x400(%[p]), %%esp\n\tadcw %%ax, 0x400(%%esp)\n\tmovl 0x400(%%esp), %[r]\n\tmov %%esi, %%esp") \
	Y(espi4, "[esp+index*4+disp8]", "mov %%esp, %%esi\n\tmov $3, %%edx\n\tlea -0x10(%[p]), %%esp\n\taddl %[r], 4(%%esp,%%edx,4)\n\tmovl 4(%%esp,%%edx,4), %[r]\n\tmov %%esi, %%esp") \
	Y(ebp0, "[ebp] (disp8 0)", "push %%ebp\n\tmov %[p], %%ebp\n\tsubl %[r], (%%ebp)\n\tmovl (%%ebp), %[r]\n\tpop %%ebp") \
	Y(ebp32, "[ebp+disp32]", "push %%ebp\n\tlea -0x1234(%[p]), %%ebp\n\tsbbl %[r], 0x1234(%%ebp)\n\tmovl 0x1234(%%ebp), %[r]\n\tpop %%ebp") \
	Y(ebpi2, "[ebp+index*2] (disp8 0)", "push %%ebp\n\tmov $6, %%edx\n\tlea -12(%[p]), %%ebp\n\taddl %[r], (%%ebp,%%edx,2)\n\tmovl (%%ebp,%%edx,2), %[r]\n\tpop %%ebp") \
	Y(ebpidx, "[base+ebp*8] (EBP as index)", "push %%ebp\n\tmov $2, %%ebp\n\tlea -16(%[p]), %%edx\n\txorl %[r], (%%edx,%%ebp,8)\n\tmovl (%%edx,%%ebp,8), %[r]\n\tpop %%ebp")

#define Y_FN(id, desc, text) OPPIN(p_##id, text)
PIN_FORMS(Y_FN)

/* Absolute addresses: A0-A3 (moffs) and ModRM [disp32]. */
#define ABS_FORMS(Z)                                                                        \
	Z(a0, "mov al, moffs8 (A0)", "movb 0x11223344, %%al", 4, FL_ARITH)                 \
	Z(a1w, "mov ax, moffs16 (66 A1)", "movw 0x11223344, %%ax", 4, FL_ARITH)            \
	Z(a1, "mov eax, moffs32 (A1)", "movl 0x11223344, %%eax", 4, FL_ARITH)              \
	Z(a2, "mov moffs8, al (A2)", "movb %%al, 0x11223344", 4, FL_ARITH)                 \
	Z(a3w, "mov moffs16, ax (66 A3)", "movw %%ax, 0x11223344", 4, FL_ARITH)            \
	Z(a3, "mov moffs32, eax (A3)", "movl %%eax, 0x11223344", 4, FL_ARITH)              \
	Z(d32add, "add [disp32], eax (01 05)", "addl %%eax, 0x11223344", 4, FL_ARITH)      \
	Z(d32ld, "mov eax, [disp32] with ModRM (8B 05)", ".byte 0x8b, 0x05\n\t.long 0x11223344", 4, FL_ARITH) \
	Z(d32imm, "sub [disp32], imm32 (81 2D)", "subl $0x12345678, 0x11223344", 8, FL_ARITH) \
	Z(d32imm8, "cmp byte [disp32], imm8 (80 3D)", "cmpb $0x7f, 0x11223344", 5, FL_ARITH) \
	Z(d32c7, "mov [disp32], imm32 (C7 05)", "movl $0x13572468, 0x11223344", 8, FL_ARITH) \
	Z(d32bt, "btc [disp32], eax (0F BB 05)", "btcl %%eax, 0x11223344", 4, FL_BT)

#define Z_FN(id, desc, text, back, mask) OPABS(z_##id, text)
ABS_FORMS(Z_FN)

/* 16-bit addressing (67 prefix) through GS = a segment based at p - 0x1000:
 * every form below addresses offset 0x1000 of it. */
#define SEG16_FORMS(W)                                                                               \
	W(bxsi, "[bx+si+disp8] (67, gs base)", "mov $0x0f00, %%bx\n\tmov $0xf0, %%si\n\taddl %[r], %%gs:0x10(%%bx,%%si)\n\tmovl %%gs:0x10(%%bx,%%si), %[r]") \
	W(bxdi, "[bx+di+disp16] (67, gs base)", "mov $0x0100, %%bx\n\tmov $0x0e00, %%di\n\tsubl %[r], %%gs:0x100(%%bx,%%di)\n\tmovl %%gs:0x100(%%bx,%%di), %[r]") \
	W(bpsi, "[bp+si] (67, gs override)", "push %%ebp\n\tmov $0x0800, %%bp\n\tmov $0x0800, %%si\n\txorl %[r], %%gs:(%%bp,%%si)\n\tmovl %%gs:(%%bp,%%si), %[r]\n\tpop %%ebp") \
	W(bpdi, "[bp+di+disp8] (67, gs override)", "push %%ebp\n\tmov $0x0ff0, %%bp\n\tmov $0x0008, %%di\n\tadcw %w[r], %%gs:8(%%bp,%%di)\n\tmovl %%gs:8(%%bp,%%di), %[r]\n\tpop %%ebp") \
	W(si, "[si] (67)", "mov $0x1000, %%si\n\torb %b[r], %%gs:(%%si)\n\tmovl %%gs:(%%si), %[r]") \
	W(di, "[di+disp16] (67)", "mov $0x0001, %%di\n\tandl %[r], %%gs:0x0fff(%%di)\n\tmovl %%gs:0x0fff(%%di), %[r]") \
	W(bp8, "[bp+disp8] (67)", "push %%ebp\n\tmov $0x0fc0, %%bp\n\taddl %[r], %%gs:0x40(%%bp)\n\tmovl %%gs:0x40(%%bp), %[r]\n\tpop %%ebp") \
	W(bx, "[bx] (67)", "mov $0x1000, %%bx\n\tcmpl %[r], %%gs:(%%bx)\n\tmovzwl %%gs:(%%bx), %[r]") \
	W(d16, "[disp16] (67)", "addr16 movl %[r], %%gs:0x1000\n\taddr16 addl %%gs:0x1000, %[r]") \
	W(wrap, "[bx+si] wrapping at 64 KiB (67)", "mov $0xfff0, %%bx\n\tmov $0x1010, %%si\n\taddl %[r], %%gs:(%%bx,%%si)\n\tmovl %%gs:(%%bx,%%si), %[r]")

#define OPSEG(name, text)                                                             \
	static NOINL void name(volatile uint8_t *p, struct opst *s)                     \
	{                                                                               \
		uint32_t r = s->reg, f = s->flags;                                      \
		(void)p;                                                                \
		__asm__ volatile("push %[f]\n\tpopf\n\t" text "\n\tpushf\n\tpop %[f]"    \
				 : [f] "+c"(f), [r] "+a"(r)                              \
				 :                                                       \
				 : "ebx", "edx", "esi", "edi", "memory", "cc");          \
		s->reg = r;                                                             \
		s->flags = f;                                                           \
	}
#define W_FN(id, desc, text) OPSEG(w_##id, text)
SEG16_FORMS(W_FN)

static void set_cs16_base(uint32_t base);

/* Code running in a 16-bit code segment (CS.D=0: 16-bit operand and
 * address size by default; 66 and 67 select 32 bits). Each routine is
 * entered with lcall $0x20, $0 (the segment's base is the routine), with
 * EAX = the register operand and GS based at p - 0x1000 as for the
 * 67-prefixed forms, and returns with a 32-bit far return (66 CB). */
__asm__(".pushsection .text\n"
	".code16\n"
	"m16_add32:\n"
	"	addl %eax, %gs:0x1000\n"          /* 66 65 01 06 disp16 */
	"	movl %gs:0x1000, %eax\n"          /* 66 65 A1 moffs16 */
	"	lretl\n"
	"m16_sub16:\n"
	"	mov $0x1000, %bx\n"
	"	subw %ax, %gs:(%bx)\n"            /* 65 29 07: 16-bit operand by default */
	"	movw %gs:(%bx), %ax\n"
	"	lretl\n"
	"m16_xor8:\n"
	"	mov $0x0ff0, %si\n"
	"	xorb %al, %gs:0x10(%si)\n"
	"	movzbl %gs:0x10(%si), %eax\n"     /* 66 65 0F B6 */
	"	lretl\n"
	"m16_adcbpdi:\n"
	"	push %bp\n"
	"	mov $0x0800, %bp\n"
	"	mov $0x07f8, %di\n"
	"	adcw %ax, %gs:8(%bp,%di)\n"
	"	movl %gs:8(%bp,%di), %eax\n"
	"	pop %bp\n"
	"	lretl\n"
	"m16_or32a32:\n"
	"	xor %ebx, %ebx\n"
	"	addr32 orl %eax, %gs:0x1000(%ebx)\n" /* 67 66 65 09 83 disp32 */
	"	addr32 movl %gs:0x1000(%ebx), %eax\n"
	"	lretl\n"
	"m16_cmpimm:\n"
	"	cmpw $0x8001, %gs:0x1000\n"       /* 65 81 3E disp16 imm16 */
	"	movl %gs:0x1000, %eax\n"
	"	lretl\n"
	"m16_stosw:\n"
	"	push %es\n"
	"	mov %gs, %dx\n"
	"	mov %dx, %es\n"
	"	mov $0x1000, %di\n"
	"	mov $3, %cx\n"
	"	rep stosw\n"                      /* F3 AB: ES:DI, CX */
	"	pop %es\n"
	"	movl %gs:0x1000, %eax\n"
	"	lretl\n"
	"m16_movsb:\n"
	"	push %ds\n"
	"	push %es\n"
	"	mov %gs, %dx\n"
	"	mov %dx, %es\n"
	"	mov %dx, %ds\n"
	"	mov $0x1000, %si\n"
	"	mov $0x1002, %di\n"
	"	mov $2, %cx\n"
	"	rep movsb\n"                      /* F3 A4: DS:SI -> ES:DI */
	"	pop %es\n"
	"	pop %ds\n"
	"	movl %gs:0x1000, %eax\n"
	"	lretl\n"
	".code32\n"
	".popsection\n");

#define CODE16_FORMS(V)                                                       \
	V(add32, "16-bit code: add m32, r32 (66 01, [disp16])")                \
	V(sub16, "16-bit code: sub m16, r16 (29, [bx])")                       \
	V(xor8, "16-bit code: xor m8, r8 (30, [si+disp8]) and movzx (66 0F B6)") \
	V(adcbpdi, "16-bit code: adc m16, r16 (11, [bp+di+disp8], gs override)") \
	V(or32a32, "16-bit code: or m32, r32 (67 66 09, [ebx+disp32])")       \
	V(cmpimm, "16-bit code: cmp m16, imm16 (81 /7, [disp16])")             \
	V(stosw, "16-bit code: rep stosw (F3 AB, ES:DI, CX)")                  \
	V(movsb, "16-bit code: rep movsb (F3 A4, DS:SI, ES:DI, CX)")

#define V_FN(id, desc)                                                                \
	extern char m16_##id[];                                                       \
	static NOINL void c_##id(volatile uint8_t *p, struct opst *s)                 \
	{                                                                             \
		uint32_t r = s->reg, f = s->flags;                                    \
		(void)p;                                                              \
		set_cs16_base((uint32_t)(uintptr_t)m16_##id);                         \
		__asm__ volatile("push %[f]\n\tpopf\n\tlcall $0x20, $0\n\t"           \
				 "pushf\n\tpop %[f]"                                   \
				 : [f] "+c"(f), [r] "+a"(r)                            \
				 :                                                     \
				 : "ebx", "edx", "esi", "edi", "memory", "cc");        \
		s->reg = r;                                                           \
		s->flags = f;                                                         \
	}
CODE16_FORMS(V_FN)
#define V_TAB(id, desc) { desc, c_##id, FL_LOGIC, K_ALU, A_ANY, 0, true, NULL },

#define X_TAB(id, desc, text, mask, kind, align) { desc, f_##id, mask, kind, align, 0, false, NULL },
#define Y_TAB(id, desc, text) { desc, p_##id, FL_LOGIC, K_ALU, A_ANY, 0, false, NULL },
#define Z_TAB(id, desc, text, back, mask) \
	{ desc, z_##id, mask, (mask) == FL_BT ? K_BT : K_ALU, A_ANY, back, false, z_##id##_end },
#define W_TAB(id, desc, text) { desc, w_##id, FL_LOGIC, K_ALU, A_ANY, 0, true, NULL },

/* The pinned and 16-bit forms end with a MOV after an ALU op, so the
 * flags are the ALU op's; some are logic ops (AF undefined): compare
 * FL_LOGIC for all of them. */
static const struct form forms[] = {
	FORMS(X_TAB)
	ABS_FORMS(Z_TAB)
};
static struct form pin_forms[] = { PIN_FORMS(Y_TAB) SEG16_FORMS(W_TAB) CODE16_FORMS(V_TAB) };

/* --- inputs --------------------------------------------------------------- */

static const struct { uint32_t mem, reg; } alu_cases[] = {
	{ 0x00000000, 0x00000000 }, { 0x00000001, 0xffffffff }, { 0x7fffffff, 0x00000001 },
	{ 0x80000000, 0x80000000 }, { 0x0000007f, 0x00000001 }, { 0x00007fff, 0x00008001 },
	{ 0x12345678, 0x9abcdef0 }, { 0xffffffff, 0xffffffff }, { 0x0f0f0f0f, 0xf0f0f0f1 },
	{ 0x000000ff, 0x00000080 }, { 0x8000ff80, 0x7fff0080 }, { 0x00010000, 0x0000ffff },
};
static const int32_t bt_offsets[] = { 0, 7, 15, 16, 31, 32, 63, 100, -1, -16, -32, -100 };

#define WIN_BEFORE 16 /* bytes compared before and after the operand */
#define WIN_AFTER 20
#define WIN_DW ((WIN_BEFORE + WIN_AFTER) / 4)

struct outcome {
	uint32_t win[WIN_DW];
	uint32_t reg, flags;
};

/* GS selector 0x18: a data segment whose base run_case sets. */
static uint64_t gdt[5] __attribute__((aligned(8)));

/* Selector 0x20: a 16-bit code segment (D=0, limit 0xffff) whose base is
 * the 16-bit routine about to be called with lcall $0x20, $0. */
static void set_cs16_base(uint32_t base)
{
	gdt[4] = 0x00009a000000ffffull | ((uint64_t)(base & 0xffffff) << 16) |
		 ((uint64_t)(base >> 24) << 56);
}

static void set_gs_base(uint32_t base)
{
	gdt[3] = 0x00cf92000000ffffull | ((uint64_t)(base & 0xffffff) << 16) |
		 ((uint64_t)(base >> 24) << 56);
	__asm__ volatile("mov %0, %%gs" : : "r"((uint32_t)0x18) : "memory");
}

static void restore_gs(void)
{
	__asm__ volatile("mov %0, %%gs" : : "r"((uint32_t)0x10) : "memory");
}

static void setup_gdt(void)
{
	struct __attribute__((packed)) { uint16_t limit; uint32_t base; } d;

	gdt[0] = 0;
	gdt[1] = 0x00cf9a000000ffffull;
	gdt[2] = 0x00cf92000000ffffull;
	gdt[3] = gdt[2];
	gdt[4] = 0;
	d.limit = sizeof(gdt) - 1;
	d.base = (uint32_t)(uintptr_t)gdt;
	__asm__ volatile("lgdt %0" : : "m"(d) : "memory");
}

static uint32_t win_init(uint32_t mem, unsigned i)
{
	return i == WIN_BEFORE / 4 ? mem : (mem ^ 0xa5c3e1f7u) * (2 * i + 3) + 0x01020304u * i;
}

static void run_case(const struct form *f, volatile uint8_t *p, uint32_t mem, uint32_t reg,
		     uint32_t flags, struct outcome *o)
{
	volatile uint8_t *w = p - WIN_BEFORE;
	for (unsigned i = 0; i < WIN_DW; i++)
		*(volatile uint32_t *)(w + 4 * i) = win_init(mem, i);
	struct opst s = { reg, flags };
	if (f->site_end) {
		uint32_t *site = (uint32_t *)(void *)(f->site_end - f->back);
		*site = (uint32_t)(uintptr_t)p;
		__asm__ volatile("" : : : "memory");
	}
	if (f->seg)
		set_gs_base((uint32_t)(uintptr_t)p - 0x1000);
	f->fn(p, &s);
	if (f->seg)
		restore_gs();
	for (unsigned i = 0; i < WIN_DW; i++)
		o->win[i] = *(volatile uint32_t *)(w + 4 * i);
	o->reg = s.reg;
	o->flags = s.flags & f->mask;
}

/* Run one form on RAM and on the device with every input; one line. */
static void run_form(const struct form *f, unsigned idx, uint8_t *dev)
{
	unsigned ncases = f->kind == K_BT ? sizeof(bt_offsets) / sizeof(bt_offsets[0]) :
					    sizeof(alu_cases) / sizeof(alu_cases[0]);
	unsigned bad = 0, runs = 0;

	for (unsigned c = 0; c < ncases; c++) {
		for (unsigned k = 0; k < 2; k++) {
			uint32_t mem, reg;
			if (f->kind == K_BT) {
				mem = 0x5a3c9617u ^ (c * 0x11111111u);
				reg = (uint32_t)bt_offsets[c];
			} else {
				mem = alu_cases[c].mem;
				reg = alu_cases[c].reg;
			}
			/* CF alternates (ADC, SBB); the other status flags
			 * alternate per input so "unchanged" is visible. */
			uint32_t flags = 0x2 | (k ? FL_CF : 0) |
					 ((c & 1) ? (FL_ZF | FL_SF | FL_PF | FL_AF | FL_OF) : 0);
			unsigned mis = f->align == A_ANY ? (c + k) % 4 : 0;
			if (f->align == A_8)
				mis = 0;
			uint32_t off = 0x100 + (idx % 40) * 32 + (f->align == A_ANY ? mis : 0);
			if (f->align == A_8)
				off &= ~7u;
			struct outcome want, got;
			run_case(f, ram_ref + off, mem, reg, flags, &want);
			run_case(f, dev + off, mem, reg, flags, &got);
			runs++;
			for (unsigned i = 0; i < WIN_DW; i++)
				sum(got.win[i]);
			sum(got.reg);
			sum(got.flags);
			if (memcmp(&want, &got, sizeof(want)) == 0)
				continue;
			if (++bad > 2)
				continue;
			for (unsigned i = 0; i < WIN_DW; i++)
				if (want.win[i] != got.win[i])
					guest_fail("%s%s: offset 0x%x mem 0x%08x reg 0x%08x flags 0x%x: dword at %+d is 0x%08x want 0x%08x",
						   pfx, f->desc, (unsigned)off, (unsigned)mem, (unsigned)reg,
						   (unsigned)flags, (int)(4 * i) - WIN_BEFORE,
						   (unsigned)got.win[i], (unsigned)want.win[i]);
			if (want.reg != got.reg)
				guest_fail("%s%s: offset 0x%x mem 0x%08x reg 0x%08x flags 0x%x: register 0x%08x want 0x%08x",
					   pfx, f->desc, (unsigned)off, (unsigned)mem, (unsigned)reg,
					   (unsigned)flags, (unsigned)got.reg, (unsigned)want.reg);
			if (want.flags != got.flags)
				guest_fail("%s%s: offset 0x%x mem 0x%08x reg 0x%08x flags 0x%x: eflags 0x%03x want 0x%03x (mask 0x%03x)",
					   pfx, f->desc, (unsigned)off, (unsigned)mem, (unsigned)reg,
					   (unsigned)flags, (unsigned)got.flags, (unsigned)want.flags,
					   (unsigned)f->mask);
		}
	}
	if (bad)
		guest_fail("%s%s: %u of %u runs differ from RAM", pfx, f->desc, bad, runs);
	else
		guest_check(true, "%s%s: %u runs match RAM (memory, register, flags)", pfx, f->desc, runs);
}

/* --- string instructions ----------------------------------------------- */

struct strst {
	uint32_t esi, edi, ecx, eax, flags;
};
typedef void (*strfn)(struct strst *s);

#define STROP(name, text)                                                                   \
	static NOINL void name(struct strst *s)                                               \
	{                                                                                     \
		uint32_t si = s->esi, di = s->edi, cx = s->ecx, ax = s->eax, f = s->flags;    \
		__asm__ volatile("push %[f]\n\tpopf\n\t" text "\n\tpushf\n\tpop %[f]\n\tcld"   \
				 : "+S"(si), "+D"(di), "+c"(cx), "+a"(ax), [f] "+r"(f)        \
				 :                                                            \
				 : "memory", "cc");                                           \
		s->esi = si;                                                                  \
		s->edi = di;                                                                  \
		s->ecx = cx;                                                                  \
		s->eax = ax;                                                                  \
		s->flags = f;                                                                 \
	}

#define STR_FORMS(S)                                                           \
	S(stosb, "stosb (AA)", "stosb", 1, false, false)                        \
	S(stosw, "stosw (66 AB)", "stosw", 2, false, false)                     \
	S(stosl, "stosd (AB)", "stosl", 4, false, false)                        \
	S(rstosb, "rep stosb (F3 AA)", "rep stosb", 1, true, false)             \
	S(rstosw, "rep stosw (F3 66 AB)", "rep stosw", 2, true, false)          \
	S(rstosl, "rep stosd (F3 AB)", "rep stosl", 4, true, false)             \
	S(movsb, "movsb (A4)", "movsb", 1, false, true)                         \
	S(movsw, "movsw (66 A5)", "movsw", 2, false, true)                      \
	S(movsl, "movsd (A5)", "movsl", 4, false, true)                         \
	S(rmovsb, "rep movsb (F3 A4)", "rep movsb", 1, true, true)              \
	S(rmovsw, "rep movsw (F3 66 A5)", "rep movsw", 2, true, true)           \
	S(rmovsl, "rep movsd (F3 A5)", "rep movsl", 4, true, true)              \
	S(fsmovsl, "rep movsd fs:[esi] (64 F3 A5)", "rep movsl %%fs:(%%esi), %%es:(%%edi)", 4, true, true) \
	S(gsmovsb, "movsb gs:[esi] (65 A4)", "movsb %%gs:(%%esi), %%es:(%%edi)", 1, false, true)

#define S_FN(id, desc, text, size, rep, movs) STROP(s_##id, text)
STR_FORMS(S_FN)

struct strform {
	const char *desc;
	strfn fn;
	uint8_t size;
	bool rep, movs;
};
#define S_TAB(id, desc, text, size, rep, movs) { desc, s_##id, size, rep, movs },
static const struct strform str_forms[] = { STR_FORMS(S_TAB) };

#define STR_SRC 0x200
#define STR_DST 0x500
#define STR_MAX 0x180 /* bytes compared around src and dst */

struct strout {
	struct strst regs;
	uint8_t dst[STR_MAX], src[STR_MAX];
};

static void fill(volatile uint8_t *p, unsigned n, uint32_t seed)
{
	for (unsigned i = 0; i < n; i += 4)
		*(volatile uint32_t *)(p + i) = seed * (i + 1) + (i << 16) + 0x0badf00d;
}

static void grab(volatile uint8_t *p, unsigned n, uint8_t *out)
{
	for (unsigned i = 0; i < n; i += 4) {
		uint32_t v = *(volatile uint32_t *)(p + i);
		memcpy(out + i, &v, 4);
	}
}

/* src and dst are the page bases holding the source (at STR_SRC) and the
 * destination (at STR_DST). Pointers in the result are made relative. */
static void str_run(const struct strform *f, uint8_t *srcpg, uint8_t *dstpg, unsigned count,
		    bool df, uint32_t seed, unsigned span, struct strout *o)
{
	volatile uint8_t *src = srcpg + STR_SRC, *dst = dstpg + STR_DST;
	unsigned bytes = count * f->size;
	fill(src - 16, span, seed);
	fill(dst - 16, span, ~seed);
	struct strst s = {
		.esi = (uint32_t)(uintptr_t)src + (df && bytes ? bytes - f->size : 0),
		.edi = (uint32_t)(uintptr_t)dst + (df && bytes ? bytes - f->size : 0),
		.ecx = count,
		.eax = 0x8badf00d ^ seed,
		.flags = 0x2 | (df ? FL_DF : 0) | (seed & 1 ? FL_CF | FL_ZF : FL_SF),
	};
	uint32_t esi0 = (uint32_t)(uintptr_t)src, edi0 = (uint32_t)(uintptr_t)dst;
	f->fn(&s);
	o->regs = s;
	o->regs.esi -= esi0;
	o->regs.edi -= edi0;
	if (!f->movs)
		o->regs.esi = 0;
	memset(o->dst, 0, sizeof(o->dst));
	memset(o->src, 0, sizeof(o->src));
	grab(dst - 16, span, o->dst);
	grab(src - 16, span, o->src);
}

static struct strout str_want, str_got;

static void run_strings(uint8_t *dev)
{
	static const struct { unsigned count; bool df; } cases[] = {
		{ 0, false }, { 1, false }, { 3, false }, { 9, false },
		{ 1, true }, { 3, true }, { 9, true }, { 33, true },
	};
	for (unsigned fi = 0; fi < sizeof(str_forms) / sizeof(str_forms[0]); fi++) {
		const struct strform *f = &str_forms[fi];
		/* STOS: the device as destination. MOVS: device -> RAM,
		 * RAM -> device, device -> device. */
		static const char *const vname[3] = { "device -> RAM", "RAM -> device", "device -> device" };
		unsigned nvar = f->movs ? 3 : 1;
		for (unsigned v = 0; v < nvar; v++) {
			unsigned bad = 0, runs = 0;
			for (unsigned c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
				unsigned count = cases[c].count;
				if (!f->rep && count != 1 && count != 3)
					continue;
				/* Without REP ECX is ignored: one element. */
				unsigned moved = f->rep ? count : 1;
				unsigned span = (moved * f->size + 32 + 3) & ~3u;
				uint32_t seed = 0x1000193u * (c + 1) + fi;
				/* The reference runs RAM -> RAM in ram_ref (source
				 * and destination at different offsets). */
				uint8_t *s_dev = v == 1 || !f->movs ? ram_other : dev;
				uint8_t *d_dev = v == 0 && f->movs ? ram_other : dev;
				uint8_t *s_ref = ram_ref, *d_ref = ram_ref;
				str_run(f, s_ref, d_ref, count, cases[c].df, seed, span, &str_want);
				str_run(f, s_dev, d_dev, count, cases[c].df, seed, span, &str_got);
				runs++;
				for (unsigned i = 0; i < STR_MAX; i += 4) {
					uint32_t a;
					memcpy(&a, str_got.dst + i, 4);
					sum(a);
				}
				if (memcmp(&str_want, &str_got, sizeof(str_want)) == 0)
					continue;
				if (++bad > 2)
					continue;
				if (memcmp(&str_want.regs, &str_got.regs, sizeof(str_want.regs)))
					guest_fail("%s%s %s: count %u DF %u: esi %+d edi %+d ecx %u flags 0x%x, want esi %+d edi %+d ecx %u flags 0x%x",
						   pfx, f->desc, vname[v], count, cases[c].df,
						   (int)str_got.regs.esi, (int)str_got.regs.edi,
						   (unsigned)str_got.regs.ecx, (unsigned)str_got.regs.flags,
						   (int)str_want.regs.esi, (int)str_want.regs.edi,
						   (unsigned)str_want.regs.ecx, (unsigned)str_want.regs.flags);
				for (unsigned i = 0; i < span; i++) {
					if (str_got.dst[i] != str_want.dst[i]) {
						guest_fail("%s%s %s: count %u DF %u: destination byte %+d is 0x%02x want 0x%02x",
							   pfx, f->desc, vname[v], count, cases[c].df, (int)i - 16,
							   str_got.dst[i], str_want.dst[i]);
						break;
					}
				}
				for (unsigned i = 0; i < span; i++) {
					if (str_got.src[i] != str_want.src[i]) {
						guest_fail("%s%s %s: count %u DF %u: source byte %+d changed to 0x%02x want 0x%02x",
							   pfx, f->desc, vname[v], count, cases[c].df, (int)i - 16,
							   str_got.src[i], str_want.src[i]);
						break;
					}
				}
			}
			if (bad)
				guest_fail("%s%s %s: %u of %u runs differ from RAM", pfx, f->desc, f->movs ? vname[v] : "to device", bad, runs);
			else
				guest_check(true, "%s%s %s: %u runs match RAM (memory, esi, edi, ecx, flags)",
					    pfx, f->desc, f->movs ? vname[v] : "to device", runs);
		}
	}
}

/* A long REP STOSD and REP MOVSB over most of the scratch area. */
static void run_long_strings(uint8_t *dev)
{
	struct strst s = { 0, (uint32_t)(uintptr_t)dev, 0x1f0, 0x6b6b6b6b, 0x2 };
	s_rstosl(&s);
	unsigned bad = 0;
	for (unsigned i = 0; i < 0x7c0; i += 4)
		if (*(volatile uint32_t *)(dev + i) != 0x6b6b6b6b)
			bad++;
	guest_check(bad == 0 && s.ecx == 0 && s.edi == (uint32_t)(uintptr_t)dev + 0x7c0,
		    "rep stosd of 0x1f0 dwords on the device: %u wrong, ecx %u, edi +0x%x",
		    bad, (unsigned)s.ecx, (unsigned)(s.edi - (uint32_t)(uintptr_t)dev));
	for (unsigned i = 0; i < 0x400; i++)
		ram_other[i] = (uint8_t)(i * 13 + 1);
	s = (struct strst){ (uint32_t)(uintptr_t)ram_other, (uint32_t)(uintptr_t)dev + 0x10, 0x400, 0, 0x2 };
	s_rmovsb(&s);
	s = (struct strst){ (uint32_t)(uintptr_t)dev + 0x10, (uint32_t)(uintptr_t)ram_ref, 0x400, 0, 0x2 };
	s_rmovsb(&s);
	bad = 0;
	for (unsigned i = 0; i < 0x400; i++)
		if (ram_ref[i] != (uint8_t)(i * 13 + 1))
			bad++;
	guest_check(bad == 0, "rep movsb of 1024 bytes RAM -> device -> RAM: %u bytes wrong", bad);
}

/* --- the test device's own registers -------------------------------------- */

static inline uint32_t rd32(uint8_t *dev, uint32_t off)
{
	return *(volatile uint32_t *)(dev + off);
}

static inline void wr32(uint8_t *dev, uint32_t off, uint32_t v)
{
	*(volatile uint32_t *)(dev + off) = v;
}

static void check_device_registers(uint8_t *dev)
{
	volatile uint8_t *d = dev;
	uint32_t v;

	if (!nestor) {
		guest_skip("access counter: 3 byte reads count 3");
		guest_skip("access counter: add to memory counts 2 (read, write)");
		guest_skip("access counter: cmp with memory counts 1");
		guest_skip("access counter: rep stosd of 5 dwords counts 5");
		guest_skip("access counter: rep movsw device -> device of 3 words counts 6");
		guest_skip("access counter: 16 reads of the counter itself");
		guest_skip("last access: 2-byte write at 0x123 reads 0x01230102");
		guest_skip("last access: 1-byte read at 0x045 reads 0x00450001");
		guest_skip("last access: 4-byte write at 0x7fc reads 0x07fc0104");
		guest_skip("write log: 3 writes after clearing: count 3, values 0xab 0xbeef 0xdeadbeef");
		guest_skip("other offsets read 0 and drop writes");
		return;
	}

	wr32(dev, TESTDEV_COUNTER, 0);
	(void)d[1]; (void)d[2]; (void)d[3];
	v = rd32(dev, TESTDEV_COUNTER);
	sum(v);
	guest_check(v == 3, "access counter: 3 byte reads count 3 (got %u)", (unsigned)v);

	struct opst s = { 1, 0x2 };
	wr32(dev, TESTDEV_COUNTER, 0);
	f_add_m32r32(d + 0x40, &s);
	v = rd32(dev, TESTDEV_COUNTER);
	sum(v);
	guest_check(v == 2, "access counter: add to memory counts 2 (read, write) (got %u)", (unsigned)v);

	wr32(dev, TESTDEV_COUNTER, 0);
	f_cmp_r32m32(d + 0x40, &s);
	v = rd32(dev, TESTDEV_COUNTER);
	sum(v);
	guest_check(v == 1, "access counter: cmp with memory counts 1 (got %u)", (unsigned)v);

	struct strst ss = { 0, (uint32_t)(uintptr_t)dev + 0x80, 5, 0x11, 0x2 };
	wr32(dev, TESTDEV_COUNTER, 0);
	s_rstosl(&ss);
	v = rd32(dev, TESTDEV_COUNTER);
	sum(v);
	guest_check(v == 5, "access counter: rep stosd of 5 dwords counts 5 (got %u)", (unsigned)v);

	ss = (struct strst){ (uint32_t)(uintptr_t)dev + 0x80, (uint32_t)(uintptr_t)dev + 0xc0, 3, 0, 0x2 };
	wr32(dev, TESTDEV_COUNTER, 0);
	s_rmovsw(&ss);
	v = rd32(dev, TESTDEV_COUNTER);
	sum(v);
	guest_check(v == 6, "access counter: rep movsw device -> device of 3 words counts 6 (got %u)",
		    (unsigned)v);

	wr32(dev, TESTDEV_COUNTER, 0);
	bool seq = true;
	for (uint32_t i = 0; i < 16; i++)
		if (rd32(dev, TESTDEV_COUNTER) != i)
			seq = false;
	guest_check(seq, "access counter: 16 reads of the counter itself give 0..15");

	*(volatile uint16_t *)(d + 0x123) = 0x4242;
	v = rd32(dev, TESTDEV_LAST);
	sum(v);
	guest_check(v == 0x01230102, "last access: 2-byte write at 0x123 reads 0x01230102 (got 0x%08x)",
		    (unsigned)v);
	(void)d[0x45];
	v = rd32(dev, TESTDEV_LAST);
	sum(v);
	guest_check(v == 0x00450001, "last access: 1-byte read at 0x045 reads 0x00450001 (got 0x%08x)",
		    (unsigned)v);
	wr32(dev, 0x7fc, 1);
	v = rd32(dev, TESTDEV_LAST);
	sum(v);
	guest_check(v == 0x07fc0104, "last access: 4-byte write at 0x7fc reads 0x07fc0104 (got 0x%08x)",
		    (unsigned)v);

	wr32(dev, TESTDEV_LOG_COUNT, 0);
	d[0x10] = 0xab;
	*(volatile uint16_t *)(d + 0x20) = 0xbeef;
	wr32(dev, 0x30, 0xdeadbeef);
	uint32_t n = rd32(dev, TESTDEV_LOG_COUNT);
	uint32_t l0 = rd32(dev, TESTDEV_LOG), l1 = rd32(dev, TESTDEV_LOG + 8),
		 l2 = rd32(dev, TESTDEV_LOG + 16);
	sum(n); sum(l0); sum(l1); sum(l2);
	guest_check(n == 3 && l0 == 0xab && l1 == 0xbeef && l2 == 0xdeadbeef,
		    "write log: 3 writes after clearing: count %u, values 0x%x 0x%x 0x%x (want 3, 0xab 0xbeef 0xdeadbeef)",
		    (unsigned)n, (unsigned)l0, (unsigned)l1, (unsigned)l2);
	/* Bits 63:32 (size, ROMD, offset) need an 8-byte read, which 32-bit
	 * code cannot make with an emulated instruction; report what a
	 * 4-byte read of the upper half gives, without judging it. */
	uint32_t h0 = rd32(dev, TESTDEV_LOG + 4);
	guest_say("note: write log entry 0 upper dword read with 4 bytes at 0x904: 0x%08x (size 1, offset 0x10 would be 0x00100001)",
		  (unsigned)h0);

	wr32(dev, 0xa00, 0x12345678);
	v = rd32(dev, 0xa00) | rd32(dev, 0xffc) | d[0x7ff + 0x100];
	sum(v);
	guest_check(v == 0, "other offsets read 0 and drop writes (got 0x%x)", (unsigned)v);
}

/* --- MMIO UART and unbacked memory ---------------------------------------- */

static void check_uart(uint32_t uart)
{
	static const char line[] = "mmio: hello through the MMIO UART\n";
	if (!nestor || !uart) {
		guest_skip("MMIO UART: LSR reads 0x60");
		guest_skip("MMIO UART: scratch register (+7) keeps 0xa5 and 0x5a");
		guest_skip("MMIO UART: a line written with mov byte [uart], al");
		return;
	}
	volatile uint8_t *u = (volatile uint8_t *)(uintptr_t)uart;
	uint8_t lsr = u[5];
	sum(lsr);
	guest_check(lsr == 0x60, "MMIO UART: LSR reads 0x60 (got 0x%02x)", lsr);
	uint8_t scr0 = u[7];
	u[7] = 0xa5;
	uint8_t s1 = u[7];
	u[7] = 0x5a;
	uint8_t s2 = u[7];
	u[7] = scr0;
	sum(s1); sum(s2);
	guest_check(s1 == 0xa5 && s2 == 0x5a, "MMIO UART: scratch register (+7) keeps 0xa5 and 0x5a (got 0x%02x 0x%02x)",
		    s1, s2);
	guest_console_drain();
	for (const char *c = line; *c; c++) {
		uint32_t al = (uint8_t)*c;
		__asm__ volatile("movb %%al, (%1)" : : "a"(al), "r"(u) : "memory");
	}
	guest_check(true, "MMIO UART: a line written with mov byte [uart], al (above)");
}

static void check_unbacked(uint32_t unb)
{
	if (!nestor || !unb) {
		guest_skip("unbacked: reads of 1, 2, 4 bytes return all ones");
		guest_skip("unbacked: writes are dropped");
		return;
	}
	volatile uint8_t *u = (volatile uint8_t *)(uintptr_t)unb;
	uint32_t b = u[3], w = *(volatile uint16_t *)(u + 0x10), l = *(volatile uint32_t *)(u + 0xffc);
	sum(b); sum(w); sum(l);
	guest_check(b == 0xff && w == 0xffff && l == 0xffffffff,
		    "unbacked: reads of 1, 2, 4 bytes return all ones (got 0x%x 0x%x 0x%x)",
		    (unsigned)b, (unsigned)w, (unsigned)l);
	u[0] = 0;
	*(volatile uint16_t *)(u + 2) = 0;
	*(volatile uint32_t *)(u + 8) = 0;
	struct opst s = { 0, 0x2 };
	f_and_m32r32(u + 8, &s);
	b = u[0]; w = *(volatile uint16_t *)(u + 2); l = *(volatile uint32_t *)(u + 8);
	sum(b); sum(w); sum(l);
	guest_check(b == 0xff && w == 0xffff && l == 0xffffffff,
		    "unbacked: writes are dropped (read back 0x%x 0x%x 0x%x)",
		    (unsigned)b, (unsigned)w, (unsigned)l);
}

/* --- putting it together -------------------------------------------------- */

static void run_forms(uint8_t *dev)
{
	unsigned i = 0;
	for (unsigned k = 0; k < sizeof(forms) / sizeof(forms[0]); k++, i++)
		run_form(&forms[k], i, dev);
	for (unsigned k = 0; k < sizeof(pin_forms) / sizeof(pin_forms[0]); k++, i++)
		run_form(&pin_forms[k], i, dev);
}


/* A REP string instruction that starts on the device and runs into a
 * linear page that is not present: the first iterations happen, then #PF
 * with CR2 = the first address of that page, error 0x2 (write, not
 * present), EIP = the instruction (so it can restart), and ECX/EDI/ESI
 * counting only the iterations done. Linear PF_LINEAR..+4 MiB gets a page
 * table with only page 1 present (the device page); pages 0 and 2 are not. */
#define PF_LINEAR 0x00c00000u
static uint32_t pf_table[1024] __attribute__((aligned(4096)));

struct rep_args {
	uint32_t esi, edi, ecx, eax;
	uint32_t df;
};

extern char stos_fault_at[], movs_fault_at[];

static NOINL void stos_fault(void *arg)
{
	struct rep_args *a = arg;
	uint32_t di = a->edi, cx = a->ecx;
	__asm__ volatile("testl %[df], %[df]\n\tjz 1f\n\tstd\n1:\n"
			 "stos_fault_at:\n\trep stosl\n\tcld"
			 : "+D"(di), "+c"(cx)
			 : "a"(a->eax), [df] "r"(a->df)
			 : "memory", "cc");
	a->edi = di;
	a->ecx = cx;
}

static NOINL void movs_fault(void *arg)
{
	struct rep_args *a = arg;
	uint32_t si = a->esi, di = a->edi, cx = a->ecx;
	__asm__ volatile("movs_fault_at:\n\trep movsl" : "+S"(si), "+D"(di), "+c"(cx) : : "memory");
	a->esi = si;
	a->edi = di;
	a->ecx = cx;
}

static void check_pf(const char *what, int vec, uint32_t eip, uint32_t cr2, uint32_t ecx, uint32_t edi,
		     uint32_t esi, bool check_esi)
{
	volatile struct guest_fault *g = &guest_last_fault;
	__asm__ volatile("cld"); /* the fault left DF as the instruction had it */
	bool ok = vec == VEC_PF && g->cr2 == cr2 && g->error == 0x2 && g->eip == eip && g->ecx == ecx &&
		  g->edi == edi && (!check_esi || g->esi == esi);
	sum(g->cr2); sum(g->error); sum(g->ecx); sum(g->edi - edi);
	bool eip_ok = g->eip == eip;
	guest_check(ok, "%s%s: %s CR2 0x%08x error 0x%x eip %s, ecx %u edi 0x%08x esi 0x%08x", pfx, what,
		    exception_name(vec), (unsigned)g->cr2, (unsigned)g->error, eip_ok ? "at the rep" : "wrong",
		    (unsigned)g->ecx, (unsigned)g->edi, check_esi ? (unsigned)g->esi : 0u);
	if (!ok)
		guest_say("  want #PF CR2 0x%08x error 0x2 eip 0x%08x (got 0x%08x), ecx %u edi 0x%08x esi 0x%08x",
			  (unsigned)cr2, (unsigned)eip, (unsigned)g->eip, (unsigned)ecx, (unsigned)edi,
			  check_esi ? (unsigned)esi : 0u);
}

static void run_rep_faults(uint8_t *dev)
{
	uint32_t devpg = PF_LINEAR + 0x1000;
	memset(pf_table, 0, sizeof(pf_table));
	pf_table[1] = dev_phys | 0x3; /* present, writable */
	paging_set_pde(PF_LINEAR, (uint32_t)(uintptr_t)pf_table | 0x3);

	/* Up: two dwords at the end of the device page, then page 2. */
	struct rep_args a = { 0, devpg + 0xff8, 4, 0x600df00d, 0 };
	int vec = guest_catch(stos_fault, &a);
	check_pf("rep stosd device -> not-present page", vec, (uint32_t)(uintptr_t)stos_fault_at,
		 PF_LINEAR + 0x2000, 2, PF_LINEAR + 0x2000, 0, false);

	/* Down (DF=1): scratch dwords 4 and 0, then page 0. */
	wr32(dev, 0, 0);
	wr32(dev, 4, 0);
	a = (struct rep_args){ 0, devpg + 4, 5, 0xfeedf00d, 1 };
	vec = guest_catch(stos_fault, &a);
	check_pf("rep stosd DF=1 device -> not-present page", vec,
		 (uint32_t)(uintptr_t)stos_fault_at, PF_LINEAR + 0xffc, 3, PF_LINEAR + 0xffc, 0, false);
	uint32_t d0 = rd32(dev, 0), d4 = rd32(dev, 4);
	sum(d0); sum(d4);
	guest_check(d0 == 0xfeedf00d && d4 == 0xfeedf00d,
		    "%sthe two iterations before the fault were written (0x%08x 0x%08x)", pfx,
		    (unsigned)d0, (unsigned)d4);

	/* MOVS from the device (scratch 0x10..) to 8 bytes before page 2. */
	for (unsigned i = 0; i < 4; i++)
		wr32(dev, 0x10 + 4 * i, 0x11111111u * (i + 1));
	a = (struct rep_args){ devpg + 0x10, PF_LINEAR + 0x2000 - 8, 4, 0, 0 };
	/* The destination is the device page too (page 1 ends at 0x2000). */
	vec = guest_catch(movs_fault, &a);
	check_pf("rep movsd device -> device -> not-present page", vec, (uint32_t)(uintptr_t)movs_fault_at,
		 PF_LINEAR + 0x2000, 2, PF_LINEAR + 0x2000, devpg + 0x18, true);
	uint32_t e0 = rd32(dev, 0xff8), e1 = rd32(dev, 0xffc);
	sum(e0); sum(e1);
	guest_say("%sdevice offsets 0xff8/0xffc read 0x%x 0x%x after it (0 on the device)", pfx,
		  (unsigned)e0, (unsigned)e1);

	/* More than X86_EMU_REP_CHUNK (4096) iterations in one REP: linear
	 * pages 1 and 2 both map the device, so 4200 bytes stay on it. */
	pf_table[2] = dev_phys | 0x3;
	paging_set_pde(PF_LINEAR, (uint32_t)(uintptr_t)pf_table | 0x3);
	static const struct { uint32_t start; uint32_t df; uint8_t al; } big[2] = {
		{ 0x1000, 0, 0x3c }, { 0x1000 + 4199, 1, 0xc3 },
	};
	for (unsigned k = 0; k < 2; k++) {
		uint32_t di = PF_LINEAR + big[k].start, cx = 4200;
		__asm__ volatile("testl %[df], %[df]\n\tjz 1f\n\tstd\n1:\n\trep stosb\n\tcld"
				 : "+D"(di), "+c"(cx)
				 : "a"((uint32_t)big[k].al), [df] "r"(big[k].df)
				 : "memory", "cc");
		unsigned bad = 0;
		for (unsigned i = 0; i < TESTDEV_SCRATCH_SIZE; i += 4)
			if (rd32(dev, i) != 0x01010101u * big[k].al)
				bad++;
		uint32_t want_di = big[k].df ? PF_LINEAR + 0x1000 - 1 : PF_LINEAR + 0x1000 + 4200;
		sum(cx); sum(di); sum(bad);
		guest_check(cx == 0 && di == want_di && bad == 0,
			    "%srep stosb of 4200 bytes DF=%u over two aliases of the device: ecx %u, edi 0x%08x (want 0x%08x), %u scratch dwords wrong",
			    pfx, (unsigned)big[k].df, (unsigned)cx, (unsigned)di, (unsigned)want_di, bad);
	}

	paging_set_4m(PF_LINEAR, true, true);
	guest_last_fault.vector = -1;
}

/* Paging on, the device page mapped at linear 0x00400000 + its offset in
 * its 4 MiB frame: physically that linear address is RAM, so an emulator
 * that forgot to translate would hit (and change) RAM instead. */
#define PG_LINEAR 0x00400000u

/* A 4-byte MOV that starts in RAM 2 bytes before the device page (linear
 * and physical 0x3ffffe, identity-mapped) and ends in it: the CPU exits for
 * the device half, at the device page's start. Two bytes go to RAM and two
 * to the device's offset 0; an emulator that did all 4 at the exit's
 * address would put 0xccdd in the device. Stores and loads. */
static void run_cross_into_device(uint8_t *ldev)
{
	if ((uintptr_t)ldev != PG_LINEAR)
		return; /* the device page must follow linear 0x3ff000 */
	volatile uint8_t *ram = (volatile uint8_t *)0x3ffffcu;
	for (unsigned i = 0; i < 4; i++)
		ram[i] = 0;
	wr32(ldev, 0, 0x11111111);
	uint32_t at = 0x3ffffeu, v = 0xaabbccddu, back;
	__asm__ volatile("movl %1, (%0)" ::"r"(at), "r"(v) : "memory");
	uint32_t devw = rd32(ldev, 0);
	guest_check(ram[2] == 0xdd && ram[3] == 0xcc && devw == 0x1111aabbu,
		    "mov m32, r32 (89) across RAM into the device: RAM %02x %02x, device 0x%08x (want dd cc, 0x1111aabb)",
		    ram[2], ram[3], (unsigned)devw);
	wr32(ldev, 0, 0x55667788);
	__asm__ volatile("movl (%1), %0" : "=r"(back) : "r"(at) : "memory");
	guest_check(back == 0x7788ccddu, "mov r32, m32 (8B) across RAM into the device: 0x%08x (want 0x7788ccdd)",
		    (unsigned)back);
	__asm__ volatile("movl $0x01020304, (%0)" ::"r"(at) : "memory");
	devw = rd32(ldev, 0);
	guest_check(ram[2] == 0x04 && ram[3] == 0x03 && devw == 0x55660102u,
		    "mov m32, imm32 (C7 /0) across RAM into the device: RAM %02x %02x, device 0x%08x", ram[2], ram[3],
		    (unsigned)devw);
}

static void run_paged(uint8_t *dev)
{
	uint32_t in4m = dev_phys & 0x3fffffu;
	volatile uint32_t *canary = (volatile uint32_t *)(uintptr_t)(PG_LINEAR + in4m);
	for (unsigned i = 0; i < 1024; i++)
		canary[i] = 0xc0ffee00u + i;

	paging_enable_identity();
	paging_map_4m(PG_LINEAR, dev_phys);
	uint8_t *ldev = (uint8_t *)(uintptr_t)(PG_LINEAR + in4m);
	guest_say("paging on: device page 0x%08x mapped at linear 0x%08x", (unsigned)dev_phys,
		  (unsigned)(uintptr_t)ldev);
	pfx = "paging on: ";
	run_forms(ldev);
	run_strings(ldev);
	run_rep_faults(dev);
	pfx = "";
	run_cross_into_device(ldev);
	wr32(ldev, 0x600, 0x5aa55aa5);
	uint32_t via_phys = rd32(dev, 0x600); /* identity-mapped too */
	sum(via_phys);
	guest_check(via_phys == 0x5aa55aa5,
		    "paging on: write through linear 0x%08x reads back through the identity mapping (got 0x%08x)",
		    (unsigned)(uintptr_t)ldev + 0x600, (unsigned)via_phys);
	paging_disable();

	uint32_t v = rd32(dev, 0x600);
	unsigned changed = 0;
	for (unsigned i = 0; i < 1024; i++)
		if (canary[i] != 0xc0ffee00u + i)
			changed++;
	guest_check(v == 0x5aa55aa5, "paging off: the write made through paging is in the device (got 0x%08x)",
		    (unsigned)v);
	guest_check(changed == 0, "RAM at physical 0x%08x (the device's linear address) untouched (%u dwords changed)",
		    (unsigned)(PG_LINEAR + in4m), changed);
}

static uint32_t run_round(uint8_t *dev, uint32_t uart, uint32_t unb)
{
	round_sum = 0;
	/* A first plain write and read, so an emulator that fails at
	 * everything shows that first. */
	wr32(dev, 0x7f0, 0xcafe1234);
	uint32_t v = rd32(dev, 0x7f0);
	sum(v);
	guest_check(v == 0xcafe1234, "mov dword to the device and back (got 0x%08x)", (unsigned)v);
	run_forms(dev);
	run_strings(dev);
	run_long_strings(dev);
	check_device_registers(dev);
	check_uart(uart);
	check_unbacked(unb);
	run_paged(dev);
	return round_sum;
}

int guest_main(const struct mb_info *mbi)
{
	(void)mbi;
	uint32_t dev = 0, uart = 0, unb = 0;
	bool present = nestor_present();

	if (!cmdline_get_u32("dev", &dev))
		cmdline_get_u32("testdev", &dev);
	if (!cmdline_get_u32("uart", &uart))
		cmdline_get_u32("mmio_uart", &uart);
	cmdline_get_u32("unbacked", &unb);
	nestor = present && dev && !cmdline_has_word("bare");
	if (!nestor)
		dev = (uint32_t)(uintptr_t)ram_fake_dev;
	dev_phys = dev;
	guest_say("nestor present: %s, device at 0x%08x (%s), uart 0x%08x, unbacked 0x%08x",
		  present ? "yes" : "no", (unsigned)dev, nestor ? "MMIO" : "a RAM page", (unsigned)uart,
		  (unsigned)unb);
	setup_gdt();

	unsigned rounds = cmdline_has_word("twice") ? 2 : 1;
	uint32_t sums[2] = { 0, 0 };
	for (unsigned r = 0; r < rounds; r++) {
		if (rounds > 1)
			guest_say("round %u", r + 1);
		sums[r] = run_round((uint8_t *)(uintptr_t)dev, uart, unb);
	}
	if (rounds > 1)
		guest_check(sums[0] == sums[1], "round 2 read the same from the device as round 1 (checksum 0x%08x, 0x%08x)",
			    (unsigned)sums[0], (unsigned)sums[1]);
	guest_say("%d checks failed", guest_failures());
	return 0;
}

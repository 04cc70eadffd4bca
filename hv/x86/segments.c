/* segments.c - initial architectural state per start mode (pure). */
#include "hv/x86/segments.h"
#include "hv/lib/string.h"

#define AR_CODE_ER_A 0x0b /* execute/read, accessed */
#define AR_DATA_RW_A 0x03 /* read/write, accessed */
#define AR_S (1u << 4)
#define AR_P (1u << 7)
#define AR_L (1u << 13)
#define AR_DB (1u << 14)
#define AR_G (1u << 15)
#define AR_TSS_BUSY 0x0b  /* 32/64-bit busy TSS */
#define AR_LDT 0x02

#define CR0_PE (1ull << 0)
#define CR0_ET (1ull << 4)
#define CR0_NE (1ull << 5)
#define CR0_PG (1ull << 31)
#define CR4_PAE (1ull << 5)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define EFER_NXE (1ull << 11)

static struct seg_desc seg(uint16_t sel, uint64_t base, uint32_t limit, uint32_t ar)
{
	return (struct seg_desc){ .selector = sel, .base = base, .limit = limit, .access = ar };
}

void seg_state_for_start(const struct vcpu_start *st, struct seg_state *o)
{
	memset(o, 0, sizeof(*o));
	/* TR must be a present busy TSS and LDTR unusable for VM entry
	 * (SDM 3C 27.3.1.2); SVM does not check, but a uniform start helps. */
	o->tr = seg(0, 0, 0xffff, AR_P | AR_TSS_BUSY);
	o->ldtr = seg(0, 0, 0xffff, SEG_AR_UNUSABLE | AR_P | AR_LDT);
	o->gdtr = seg(0, 0, 0xffff, 0);
	o->idtr = seg(0, 0, 0xffff, 0);
	uint16_t code_sel = 0x08, data_sel = 0x10;
	if (st->gdt_limit) {
		o->gdtr = seg(0, st->gdt_base, st->gdt_limit, 0);
		code_sel = st->code_sel;
		data_sel = st->data_sel;
	}
	switch (st->mode) {
	case START_REAL: {
		uint16_t cs = st->cs_selector;
		o->cs = seg(cs, (uint64_t)cs << 4, 0xffff, AR_P | AR_S | AR_CODE_ER_A);
		struct seg_desc data = seg(0, 0, 0xffff, AR_P | AR_S | AR_DATA_RW_A);
		o->ds = o->es = o->ss = o->fs = o->gs = data;
		o->idtr.limit = 0x3ff; /* the real-mode IVT at 0 */
		o->cr0 = CR0_ET | CR0_NE;
		break;
	}
	case START_PROTECTED32: {
		o->cs = seg(code_sel, 0, 0xffffffff, AR_P | AR_S | AR_CODE_ER_A | AR_DB | AR_G);
		struct seg_desc data = seg(data_sel, 0, 0xffffffff, AR_P | AR_S | AR_DATA_RW_A | AR_DB | AR_G);
		o->ds = o->es = o->ss = o->fs = o->gs = data;
		o->cr0 = CR0_PE | CR0_ET | CR0_NE;
		break;
	}
	case START_LONG64: {
		o->cs = seg(code_sel, 0, 0xffffffff, AR_P | AR_S | AR_CODE_ER_A | AR_L | AR_G);
		struct seg_desc data = seg(data_sel, 0, 0xffffffff, AR_P | AR_S | AR_DATA_RW_A | AR_DB | AR_G);
		o->ds = o->es = o->ss = o->fs = o->gs = data;
		o->cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_PG;
		o->cr4 = CR4_PAE;
		o->cr3 = st->cr3;
		o->efer = EFER_LME | EFER_LMA | EFER_NXE;
		break;
	}
	}
}

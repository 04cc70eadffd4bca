/*
 * svm_vmcb12.c - copy, check and sanitise L1's VMCB (see svm_vmcb12.h).
 * AMD APM Vol 2 15.5.1 (consistency checks), 15.20 (event injection),
 * 15.21.1 (int_ctl), table B-1 (control area).
 */
#include "nested/svm_vmcb12.h"
#include "hv/lib/string.h"
#include "hv/x86/asm.h"

#define VMCB_CS_L (1u << 9)  /* attrib bit 9 = descriptor bit 53 */
#define VMCB_CS_D (1u << 10) /* attrib bit 10 = descriptor bit 54 */

static const char *const check_names[VMCB12_CHECK_COUNT] = {
	[VMCB12_OK] = "ok",
	[VMCB12_EFER_SVME] = "EFER.SVME is zero",
	[VMCB12_CR0_NW_NOT_CD] = "CR0.NW set with CR0.CD clear",
	[VMCB12_CR0_HIGH] = "CR0[63:32] not zero",
	[VMCB12_CR3_MBZ] = "CR3 has a must-be-zero bit set",
	[VMCB12_CR4_MBZ] = "CR4 has a must-be-zero bit set",
	[VMCB12_DR6_HIGH] = "DR6[63:32] not zero",
	[VMCB12_DR7_HIGH] = "DR7[63:32] not zero",
	[VMCB12_EFER_MBZ] = "EFER has a must-be-zero bit set",
	[VMCB12_NO_LONG_MODE] = "EFER.LME/LMA without long mode",
	[VMCB12_LM_NO_PAE] = "EFER.LME and CR0.PG with CR4.PAE clear",
	[VMCB12_LM_NO_PE] = "EFER.LME and CR0.PG with CR0.PE clear",
	[VMCB12_LM_CS_L_AND_D] = "long mode with CS.L and CS.D both set",
	[VMCB12_NO_VMRUN_INTERCEPT] = "the VMRUN intercept is clear",
	[VMCB12_MSRPM_RANGE] = "the MSR permission map reaches MAXPHYADDR",
	[VMCB12_IOPM_RANGE] = "the I/O permission map reaches MAXPHYADDR",
	[VMCB12_EVENTINJ] = "illegal event injection",
	[VMCB12_ASID_ZERO] = "ASID is zero",
	[VMCB12_NP_NOT_OFFERED] = "NP_ENABLE without nested paging",
};

const char *vmcb12_check_name(enum vmcb12_check c)
{
	return (unsigned)c < VMCB12_CHECK_COUNT ? check_names[c] : "?";
}

void svm_vmcb12_copy(struct vmcb *copy, const volatile struct vmcb *l1)
{
	/* One memcpy per area reads each byte once, whatever L1's other
	 * vCPUs write meanwhile; only the copy is looked at afterwards. */
	const uint8_t *src = (const uint8_t *)(uintptr_t)l1;
	memcpy(copy, src, SVM_VMCB12_CONTROL_BYTES);
	memcpy(&copy->save, src + 0x400, SVM_VMCB12_SAVE_BYTES);
}

/* The whole map [base & ~0xfff, +size) lies below 2^maxphyaddr. */
static bool bitmap_in_range(uint64_t base, uint32_t size, unsigned maxphyaddr)
{
	uint64_t limit = 1ull << maxphyaddr;
	base &= SVM_BITMAP_BASE_MASK;
	return base < limit && limit - base >= size;
}

bool svm_eventinj_legal(uint64_t eventinj)
{
	if (!(eventinj & SVM_EVENT_VALID))
		return true;
	unsigned type = (unsigned)((eventinj & SVM_EVENT_TYPE_MASK) >> SVM_EVENT_TYPE_SHIFT);
	unsigned vector = eventinj & 0xff;
	switch (type) {
	case 0: /* INTR */
	case 2: /* NMI: the vector is ignored */
	case 4: /* software interrupt */
		return true;
	case 3: /* exception: not NMI's vector, and a real exception vector */
		return vector != 2 && vector < 32;
	default: /* 1, 5, 6, 7 reserved */
		return false;
	}
}

enum vmcb12_check svm_vmcb12_check(const struct vmcb *v, const struct svm_nested_caps *caps)
{
	const struct vmcb_save *s = &v->save;
	const struct vmcb_control *c = &v->control;
	bool lm = (s->efer & EFER_LME) && (s->cr0 & CR0_PG);

	if (!(s->efer & EFER_SVME))
		return VMCB12_EFER_SVME;
	if (!(s->cr0 & CR0_CD) && (s->cr0 & CR0_NW))
		return VMCB12_CR0_NW_NOT_CD;
	if (s->cr0 >> 32)
		return VMCB12_CR0_HIGH;
	/* CR3 holds a physical address: in long mode bits 63:MAXPHYADDR
	 * are MBZ (APM 3.1.2); legacy modes use bits 31:0 only. */
	if (lm && (s->cr3 >> caps->maxphyaddr))
		return VMCB12_CR3_MBZ;
	if (s->cr4 & ~caps->cr4_allowed)
		return VMCB12_CR4_MBZ;
	if (s->dr6 >> 32)
		return VMCB12_DR6_HIGH;
	if (s->dr7 >> 32)
		return VMCB12_DR7_HIGH;
	if (s->efer & ~caps->efer_allowed)
		return VMCB12_EFER_MBZ;
	if (!caps->long_mode && (s->efer & (EFER_LME | EFER_LMA)))
		return VMCB12_NO_LONG_MODE;
	if (lm && !(s->cr4 & CR4_PAE))
		return VMCB12_LM_NO_PAE;
	if (lm && !(s->cr0 & CR0_PE))
		return VMCB12_LM_NO_PE;
	if (lm && (s->cs.attrib & VMCB_CS_L) && (s->cs.attrib & VMCB_CS_D))
		return VMCB12_LM_CS_L_AND_D;
	if (!(c->intercept_misc2 & SVM_INTERCEPT2_VMRUN))
		return VMCB12_NO_VMRUN_INTERCEPT;
	if (!bitmap_in_range(c->msrpm_base_pa, SVM_MSRPM_SIZE, caps->maxphyaddr))
		return VMCB12_MSRPM_RANGE;
	if (!bitmap_in_range(c->iopm_base_pa, SVM_IOPM_SIZE, caps->maxphyaddr))
		return VMCB12_IOPM_RANGE;
	if (!svm_eventinj_legal(c->eventinj))
		return VMCB12_EVENTINJ;
	if (c->asid == 0)
		return VMCB12_ASID_ZERO;
	if ((c->np_enable & SVM_NESTED_CTL_NP) && !caps->npt)
		return VMCB12_NP_NOT_OFFERED;
	return VMCB12_OK;
}

void svm_vmcb12_sanitise(struct vmcb *v, const struct svm_nested_caps *caps)
{
	struct vmcb_control *c = &v->control;
	c->vintr &= SVM_VINTR_L1_BITS;
	c->np_enable &= caps->npt ? SVM_NESTED_CTL_NP : 0;
	c->lbr_virt = 0;          /* neither LBRV nor virtual VMLOAD/VMSAVE offered */
	c->avic_apic_bar = 0;     /* no AVIC */
	c->ghcb_pa = 0;           /* no SEV-ES */
	c->pause_filter_count = 0; /* no pause filter: every PAUSE is one */
	c->pause_filter_threshold = 0;
	c->interrupt_shadow &= SVM_INTERRUPT_SHADOW; /* bit 1 is an output */
	c->eventinj &= ~0x7ffff000ull; /* bits 30:12 reserved */
	if (!caps->vmcb_clean)
		c->clean_bits = 0;
	/* Outputs of #VMEXIT, never inputs. */
	c->exitcode = c->exitinfo1 = c->exitinfo2 = c->exitintinfo = 0;
	c->insn_bytes_fetched = 0;
}

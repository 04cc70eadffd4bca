/*
 * svm_reflect.c - does L1 intercept an L2 exit (see svm_reflect.h).
 */
#include "nested/svm_reflect.h"
#include "nested/reflect.h"
#include "mm/walk.h"

void svm_l1_intercepts_from(struct svm_l1_intercepts *i, const struct vmcb_control *c12)
{
	i->cr = c12->intercept_cr;
	i->dr = c12->intercept_dr;
	i->exc = c12->intercept_exc;
	i->misc1 = c12->intercept_misc1;
	i->misc2 = c12->intercept_misc2;
	i->misc3 = c12->intercept_misc3;
	i->iopm_pa = c12->iopm_base_pa & ~0xfffull;
	i->msrpm_pa = c12->msrpm_base_pa & ~0xfffull;
	i->np = c12->np_enable & 1;
}

int32_t svm_msrpm_bit(uint32_t msr, bool write)
{
	/* APM 15.11: three 2 KiB quarters of 2 bits per MSR. */
	static const uint32_t start[3] = { 0x00000000u, 0xc0000000u, 0xc0010000u };
	for (unsigned q = 0; q < 3; q++)
		if (msr - start[q] < 0x2000u)
			return (int32_t)(q * 0x800u * 8 + (msr - start[q]) * 2 + (write ? 1 : 0));
	return -1;
}

/* Bit n of the map at L1 physical base; unreadable memory intercepts. */
static bool map_bit(const struct walk_mem *m, uint64_t base, uint32_t n)
{
	uint64_t pa = base + n / 8;
	const uint8_t *p = 0;
	if (m->direct && pa < m->direct_size)
		p = m->direct + pa;
	else if (m->ptr)
		p = m->ptr(m->opaque, pa, 1);
	return !p || ((*p >> (n % 8)) & 1);
}

static bool l1_wants_io(const struct svm_l1_intercepts *i, uint64_t info1, const struct walk_mem *m)
{
	uint32_t port = (uint32_t)(info1 >> SVM_IOIO_PORT_SHIFT) & 0xffff;
	unsigned sz = (info1 >> SVM_IOIO_SIZE_SHIFT) & 7;
	unsigned len = sz & 1 ? 1 : sz & 2 ? 2 : 4;
	/* One bit per byte the access touches; past port 0xffff the
	 * bits continue in the map's third page (APM 15.10.1). */
	for (unsigned b = 0; b < len; b++)
		if (map_bit(m, i->iopm_pa, port + b))
			return true;
	return false;
}

bool svm_l1_wants(const struct svm_l1_intercepts *i, const struct svm_l2_exit *x, const struct walk_mem *l1mem)
{
	/* A failed VMRUN: -1, or its low 32 bits as QEMU writes it. */
	uint64_t code = (uint32_t)x->exitcode == 0xffffffffu ? SVM_EXIT_INVALID : x->exitcode;

	if (code == SVM_EXIT_INVALID)
		return true;
	if (code == SVM_EXIT_NPF)
		return i->np && x->tdp_origin == NESTED_TDP_L1;
	if (code >= 0x100)
		return false; /* AVIC, VMGEXIT...: not offered */
	if (code >= SVM_EXIT_INTR && code <= SVM_EXIT_INIT)
		return false; /* physical events are L0's */
	if (code == SVM_EXIT_IOIO)
		return (i->misc1 & SVM_INTERCEPT1_IOIO) && l1_wants_io(i, x->exitinfo1, l1mem);
	if (code == SVM_EXIT_MSR) {
		if (!(i->misc1 & SVM_INTERCEPT1_MSR))
			return false;
		int32_t bit = svm_msrpm_bit(x->msr, x->exitinfo1 & 1);
		return bit < 0 || map_bit(l1mem, i->msrpm_pa, (uint32_t)bit);
	}
	unsigned bit = code & 31;
	switch (code >> 5) {
	case 0: return (i->cr >> bit) & 1;    /* 0x00-0x1f: reads 15:0, writes 31:16 */
	case 1: return (i->dr >> bit) & 1;    /* 0x20-0x3f */
	case 2: return (i->exc >> bit) & 1;   /* 0x40-0x5f */
	case 3: return (i->misc1 >> bit) & 1; /* 0x60-0x7f */
	case 4: return (i->misc2 >> bit) & 1; /* 0x80-0x9f */
	case 5: return (i->misc3 >> bit) & 1; /* 0xa0-0xbf */
	default: return false;
	}
}

void svm_merge_intercepts(struct vmcb_control *c02, const struct vmcb_control *l0,
			  const struct svm_l1_intercepts *l1)
{
	/* L0's CR8-write intercept is for L1's own TPR (hv/svm/svm.c): an
	 * L2's CR8 is L1's to handle or to leave to V_TPR, as it asked. */
	c02->intercept_cr = (l0->intercept_cr & ~SVM_INTERCEPT_CR_WRITE(8)) | l1->cr;
	c02->intercept_dr = l0->intercept_dr | l1->dr;
	c02->intercept_exc = l0->intercept_exc | l1->exc;
	c02->intercept_misc1 = l0->intercept_misc1 | l1->misc1;
	c02->intercept_misc2 = l0->intercept_misc2 | l1->misc2;
	c02->intercept_misc3 = l0->intercept_misc3 | l1->misc3;
}

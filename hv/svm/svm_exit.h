/* svm_exit.h - decoding of SVM exits into struct vm_exit (pure). */
#ifndef NESTOR_SVM_EXIT_H
#define NESTOR_SVM_EXIT_H

#include <stdint.h>

#include "hv/svm/vmcb.h"
#include "hv/core/vcpu.h"

/* What the VMCB says about one #VMEXIT. next_rip is 0 without NRIPS;
 * efer and cs_attrib are read only for CR exits (their mode). */
struct svm_exit_raw {
	uint64_t exitcode, exitinfo1, exitinfo2, rip, next_rip, rcx;
	const uint64_t *efer;
	const uint16_t *cs_attrib;
};

/* The APM's name for an EXITCODE (reports only). */
const char *svm_exit_name(uint32_t hw_reason);

/* Inline: it runs on every exit (hv/svm/svm.c); host tests include it too. */
static inline void svm_exit_decode(const struct svm_exit_raw *raw, struct vm_exit *e)
{
	uint64_t code = raw->exitcode;
	/* Every field is set here (no memset: this is the hot path); the
	 * union member belongs to the reason. */
	e->hw_reason = (uint32_t)code;
	e->qual = raw->exitinfo1;
	e->info2 = raw->exitinfo2;
	e->rip = raw->rip;
	e->gpa = 0;
	e->gla = 0;
	e->gla_valid = false;
	e->access = 0;
	e->insn_len = 0;
	if (raw->next_rip > e->rip && raw->next_rip - e->rip <= 15)
		e->insn_len = (uint32_t)(raw->next_rip - e->rip);

	switch (code) {
	case SVM_EXIT_CPUID:
		e->reason = EXIT_CPUID;
		if (!e->insn_len)
			e->insn_len = 2;
		break;
	case SVM_EXIT_HLT:
		e->reason = EXIT_HLT;
		if (!e->insn_len)
			e->insn_len = 1;
		break;
	case SVM_EXIT_VMMCALL:
		e->reason = EXIT_HYPERCALL;
		if (!e->insn_len)
			e->insn_len = 3;
		break;
	case SVM_EXIT_MSR:
		e->reason = e->qual ? EXIT_WRMSR : EXIT_RDMSR;
		e->u.msr.msr = (uint32_t)raw->rcx;
		if (!e->insn_len)
			e->insn_len = 2;
		break;
	case SVM_EXIT_IOIO: {
		uint32_t i = (uint32_t)e->qual;
		e->reason = EXIT_IO;
		e->u.io.port = (uint16_t)(i >> SVM_IOIO_PORT_SHIFT);
		e->u.io.size = (i >> SVM_IOIO_SIZE_SHIFT) & 1 ? 1 : (i >> SVM_IOIO_SIZE_SHIFT) & 2 ? 2 : 4;
		e->u.io.in = i & SVM_IOIO_IN;
		e->u.io.string = i & SVM_IOIO_STR;
		e->u.io.rep = i & SVM_IOIO_REP;
		/* EXITINFO2 holds the next RIP for IOIO even without NRIPS (APM 15.10.2). */
		e->insn_len = (uint32_t)(e->info2 - e->rip);
		e->u.io.addr_size = (i >> 7) & 1 ? 2 : (i >> 8) & 1 ? 4 : 8;
		e->u.io.seg = (i >> 10) & 7;
		break;
	}
	case SVM_EXIT_NPF:
		/* A reserved bit in a leaf is Nestor's MMIO marker (ptb_mark_mmio). */
		e->reason = (e->qual & (1ull << 3)) ? EXIT_TDP_MISCONFIG : EXIT_TDP_FAULT;
		e->gpa = e->info2;
		/* EXITINFO1 bit 1 = write, bit 4 = instruction fetch (APM 15.25.6). */
		e->access = (e->qual & 2) ? EXIT_ACCESS_WRITE : (e->qual & 16) ? EXIT_ACCESS_FETCH : EXIT_ACCESS_READ;
		/* Bit 33: during the guest's own page-table walk. */
		e->table_walk = (e->qual >> 33) & 1;
		break;
	case SVM_EXIT_SHUTDOWN:
		e->reason = EXIT_TRIPLE_FAULT;
		break;
	case SVM_EXIT_INTR:
	case SVM_EXIT_NMI:
	case SVM_EXIT_SMI:
		e->reason = EXIT_EXTINT;
		break;
	case SVM_EXIT_INIT:
		e->reason = EXIT_INIT;
		break;
	case SVM_EXIT_VINTR:
		e->reason = EXIT_INTR_WINDOW;
		break;
	case SVM_EXIT_IRET:
		/* Intercepted only while an injected NMI is masking others. */
		e->reason = EXIT_NMI_WINDOW;
		break;
	case SVM_EXIT_VMRUN:
	case SVM_EXIT_VMLOAD:
	case SVM_EXIT_VMSAVE:
	case SVM_EXIT_STGI:
	case SVM_EXIT_CLGI:
	case SVM_EXIT_SKINIT:
	case SVM_EXIT_INVLPGA:
		e->reason = EXIT_VIRT_INSN;
		if (!e->insn_len)
			e->insn_len = 3; /* 0F 01 D8..DF */
		break;
	case SVM_EXIT_INVALID:
		e->reason = EXIT_ENTRY_FAILED;
		break;
	default:
		if (code >= SVM_EXIT_EXCP_BASE && code < SVM_EXIT_EXCP_BASE + 32) {
			e->reason = EXIT_EXCEPTION;
			e->u.exc.vector = (uint8_t)(code - SVM_EXIT_EXCP_BASE);
			/* EXITINFO1 holds the error code of the vectors that push
			 * one (APM 15.12, SDM 3A table 6-1). */
			e->u.exc.has_error = (0x60227d00u >> e->u.exc.vector) & 1;
			e->u.exc.error = e->u.exc.has_error ? (uint32_t)e->qual : 0;
		} else if (code < 0x20) {
			/* CR reads 0x00-0x0f, writes 0x10-0x1f (APM appendix C).
			 * The register is in EXITINFO1 only with decode assists
			 * (bit 63 valid); otherwise the backend decodes. */
			e->reason = EXIT_CR_ACCESS;
			e->u.cr.cr = (uint8_t)(code & 15);
			e->u.cr.write = code >= 0x10;
			e->u.cr.type = e->u.cr.write ? CR_ACCESS_MOV_TO : CR_ACCESS_MOV_FROM;
			e->u.cr.gpr = (e->qual >> 63) ? (uint8_t)(e->qual & 15) : CR_GPR_UNKNOWN;
			/* 64-bit code: EFER.LMA and CS.L (attribute bit 9). */
			e->u.cr.lm64 = (*raw->efer & (1u << 10)) && ((*raw->cs_attrib >> 9) & 1);
			e->u.cr.lmsw_src = 0;
		} else if ((uint32_t)code == 0xffffffffu) {
			/* A failed VMRUN is EXITCODE -1; QEMU writes only its low
			 * 32 bits. Judged here, off the common exits' path. */
			e->reason = EXIT_ENTRY_FAILED;
		} else {
			e->reason = EXIT_UNHANDLED;
		}
		break;
	}
}

#endif

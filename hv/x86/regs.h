/*
 * regs.h - the guest register state the x86 decoder and emulator work on.
 *
 * Pure data: the VM-exit code copies the guest's GPRs, RIP, RFLAGS, the code
 * size and the segment bases from the VMCS/VMCB into a struct x86_regs, calls
 * the emulator, and copies GPRs/RIP/RFLAGS back when it reports success.
 *
 * Only what linear-address computation needs is here: segment limits and
 * access rights are not checked (the hypervisor only emulates accesses that
 * the guest's own hardware already let reach EPT/NPT, so the segment checks
 * have been done by the CPU for the faulting access).
 */
#ifndef NESTOR_HV_X86_REGS_H
#define NESTOR_HV_X86_REGS_H

#include <stdbool.h>
#include <stdint.h>

/* GPR numbers, in the encoding order of ModRM.reg/rm + REX.R/B (SDM Vol 2
 * 2.1.5 Table 2-2 and 2.2.1.2). */
enum x86_gpr {
	X86_RAX, X86_RCX, X86_RDX, X86_RBX, X86_RSP, X86_RBP, X86_RSI, X86_RDI,
	X86_R8, X86_R9, X86_R10, X86_R11, X86_R12, X86_R13, X86_R14, X86_R15,
	X86_NR_GPRS
};

/* Segment registers in the encoding order of Sreg (SDM Vol 2 B.1.4.3). */
enum x86_seg {
	X86_SEG_ES, X86_SEG_CS, X86_SEG_SS, X86_SEG_DS, X86_SEG_FS, X86_SEG_GS,
	X86_NR_SEGS,
	X86_SEG_NONE = 0xff /* "no segment override prefix" */
};

/*
 * Code size of the guest when it took the exit. It decides the default
 * operand and address sizes (SDM Vol 1 3.6, Vol 3 5.2.1):
 *  X86_MODE_16: real mode, virtual-8086 mode, or protected/compatibility
 *               mode with CS.D = 0;
 *  X86_MODE_32: protected or compatibility mode with CS.D = 1;
 *  X86_MODE_64: 64-bit mode (IA32_EFER.LMA = 1 and CS.L = 1).
 * x86_mode_from() derives it from the control bits.
 */
enum x86_mode { X86_MODE_16 = 16, X86_MODE_32 = 32, X86_MODE_64 = 64 };

/* RFLAGS bits the emulator reads or writes (SDM Vol 1 3.4.3). */
#define X86_FLAG_CF (1ull << 0)
#define X86_FLAG_PF (1ull << 2)
#define X86_FLAG_AF (1ull << 4)
#define X86_FLAG_ZF (1ull << 6)
#define X86_FLAG_SF (1ull << 7)
#define X86_FLAG_DF (1ull << 10)
#define X86_FLAG_OF (1ull << 11)
#define X86_FLAGS_ARITH                                                        \
	(X86_FLAG_CF | X86_FLAG_PF | X86_FLAG_AF | X86_FLAG_ZF | X86_FLAG_SF | \
	 X86_FLAG_OF)

struct x86_regs {
	uint64_t gpr[X86_NR_GPRS]; /* indexed by enum x86_gpr */
	uint64_t rip;              /* offset in CS of the next instruction */
	uint64_t rflags;
	enum x86_mode mode;
	/* Segment bases (VMCS guest XX_BASE / VMCB save area XX.base), indexed
	 * by enum x86_seg. In 64-bit mode only FS and GS bases are used; the
	 * others are treated as 0 whatever they hold (SDM Vol 3 3.4.4). */
	uint64_t seg_base[X86_NR_SEGS];
};

/*
 * The code size from the control bits: cr0_pe = CR0.PE, rflags_vm =
 * RFLAGS.VM, efer_lma = IA32_EFER.LMA, cs_l / cs_d = the L and D/B bits of
 * the CS access rights.
 */
static inline enum x86_mode x86_mode_from(bool cr0_pe, bool rflags_vm,
					  bool efer_lma, bool cs_l, bool cs_d)
{
	if (!cr0_pe || rflags_vm)
		return X86_MODE_16;
	if (efer_lma && cs_l)
		return X86_MODE_64;
	return cs_d ? X86_MODE_32 : X86_MODE_16;
}

#endif

/*
 * emulate.h - emulation of the one guest instruction whose memory access hit
 * MMIO (or a write-protected ROM page).
 *
 * Usage from a VM-exit handler (EPT violation / #NPF on an MMIO GPA):
 *
 *   struct x86_regs regs;          // filled from the VMCS/VMCB
 *   struct x86_emu_result res;
 *   switch (x86_emulate(&regs, &ops, &res)) {
 *   case X86_EMU_DONE:        copy GPRs, RIP, RFLAGS back; resume
 *   case X86_EMU_RESTART:     copy GPRs, RFLAGS back (RIP unchanged); resume
 *   case X86_EMU_FAULT:       res.fault is your callback's code: inject it
 *   case X86_EMU_UNSUPPORTED: log res.reason + res.insn.bytes[0..nbytes)
 *   }
 *
 * All guest memory goes through the callbacks with *linear* addresses; the
 * caller translates them (guest page walk, then GPA -> RAM or an MMIO
 * handler). Accesses are 1, 2, 4 or 8 bytes and may cross a page boundary:
 * the callback must split them if it cares.
 *
 * Register state is only changed when the instruction completes, except that
 * a REP string instruction keeps the iterations it finished before a fault or
 * a RESTART (exactly what the CPU does, SDM Vol 2 REP).
 */
#ifndef NESTOR_HV_X86_EMULATE_H
#define NESTOR_HV_X86_EMULATE_H

#include <stdint.h>

#include "hv/x86/decode.h"
#include "hv/x86/regs.h"

/* Iterations of a REP string instruction done per x86_emulate() call. */
#define X86_EMU_REP_CHUNK 4096

struct x86_emu_ops {
	void *ctx; /* passed to every callback */
	/* Instruction fetch, see x86_fetch_fn in decode.h. */
	x86_fetch_fn fetch;
	/* Read `size` bytes (1/2/4/8) at `linear` into *val (zero-extended).
	 * Return 0, or a nonzero fault code returned unchanged to the caller. */
	int (*read)(void *ctx, uint64_t linear, unsigned size, uint64_t *val);
	/* Write the low `size` bytes of val at `linear`. Same return rule. */
	int (*write)(void *ctx, uint64_t linear, unsigned size, uint64_t val);
};

enum x86_emu_status {
	/* Instruction done: GPRs, RFLAGS updated, RIP advanced. */
	X86_EMU_DONE,
	/* A REP string instruction did X86_EMU_REP_CHUNK iterations and has
	 * more to do: RSI/RDI/RCX updated, RIP unchanged. Resume the guest (it
	 * re-executes the instruction, so interrupts can be taken in between,
	 * as on hardware) or call x86_emulate() again. */
	X86_EMU_RESTART,
	/* A callback returned nonzero; result.fault holds its code. Registers
	 * are unchanged (but for completed REP iterations). */
	X86_EMU_FAULT,
	/* Not emulated; result.reason says why; nothing was changed and no
	 * data access was made. */
	X86_EMU_UNSUPPORTED,
};

struct x86_emu_result {
	enum x86_emu_status status;
	int fault;          /* X86_EMU_FAULT: the callback's code */
	const char *reason; /* X86_EMU_UNSUPPORTED (and FAULT): short text */
	struct x86_inst insn; /* what was decoded; bytes/nbytes always valid */
};

/* Fetch, decode and execute the instruction at CS:RIP. */
enum x86_emu_status x86_emulate(struct x86_regs *regs,
				const struct x86_emu_ops *ops,
				struct x86_emu_result *res);

/* Execute an instruction already decoded with x86_decode_*() for
 * regs->mode (res->insn is set to a copy of it). ops->fetch is not used. */
enum x86_emu_status x86_emulate_insn(struct x86_regs *regs,
				     const struct x86_emu_ops *ops,
				     const struct x86_inst *insn,
				     struct x86_emu_result *res);

#endif

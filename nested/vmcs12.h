/*
 * vmcs12.h - the VMCS an L1 hypervisor manages (VMCS12), in Nestor's own
 * layout in L1 memory, and the VMREAD/VMWRITE rules over it.
 *
 * The layout is not the CPU's (that one is undocumented, SDM Vol 3C
 * 25.2): a header, then one 64-bit slot per field of the one X-macro list
 * in hv/vmx/vmcs_fields.h, in list order. The same list gives the index of
 * an encoding, so VMREAD/VMWRITE, the copy loops to and from vmcs02 and the
 * shadow-VMCS bitmaps cannot disagree about which fields exist.
 *
 * Pure (no hypervisor globals): host-tested by tests/host/test_vmcs12.c.
 */
#ifndef NESTOR_NESTED_VMCS12_H
#define NESTOR_NESTED_VMCS12_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/vmx/vmcs_fields.h"

enum vmcs12_index {
#define VMCS12_INDEX(name, enc) VMCS12_##name,
	VMCS_FIELDS(VMCS12_INDEX)
#undef VMCS12_INDEX
	VMCS12_NFIELDS
};

/* The VMCS revision identifier Nestor reports in IA32_VMX_BASIC[30:0] for
 * its VMCS12 layout; bit 31 stays 0 (not a shadow VMCS, SDM 3C 25.2). A
 * new layout takes a new number, so a VMCS12 saved by an older one is
 * refused by VMPTRLD (error 11) instead of being misread. */
#define VMCS12_REVISION 0x4e530001u

/* Launch state of SDM 3C 25.1: VMCLEAR makes it clear, VMLAUNCH launched. */
enum vmcs12_launch { VMCS12_CLEAR = 0, VMCS12_LAUNCHED = 1 };

struct vmcs12 {
	uint32_t revision; /* bits 30:0 as the CPU's first VMCS word (25.2) */
	uint32_t abort;    /* VMX-abort indicator (SDM 3C 28.7) */
	uint32_t launch;   /* enum vmcs12_launch */
	uint32_t reserved;
	uint64_t field[VMCS12_NFIELDS];
};
_Static_assert(sizeof(struct vmcs12) <= 4096, "a VMCS12 must fit the 4 KiB region IA32_VMX_BASIC reports");

/* Field `name` (as in hv/vmx/vmcs_fields.h) of a VMCS12, as stored. */
#define VMCS12_F(v, name) ((v)->field[VMCS12_##name])

/* VM-instruction error numbers (SDM 3C 31.4, "VM Instruction Error
 * Numbers") that the VMCS12 rules produce. */
#define VMXERR_UNSUPPORTED_FIELD 12
#define VMXERR_READONLY_FIELD 13

/* The slot of encoding enc (either access of a 64-bit field), or -1 when
 * Nestor's VMX does not support that field. */
int vmcs12_index_of(uint32_t enc);

/* VMREAD (SDM 3C 31.3 "VMREAD"): the value of field enc as an operand of
 * 64 bits (long64) or 32 bits. 0, or VMXERR_UNSUPPORTED_FIELD. */
int vmcs12_read(const struct vmcs12 *v, uint32_t enc, bool long64, uint64_t *val);

/* VMWRITE (SDM 3C 31.3 "VMWRITE"): set field enc from an operand of 64 or
 * 32 bits. Exit-information fields are writable only when IA32_VMX_MISC
 * bit 29 is reported (write_any). 0, VMXERR_UNSUPPORTED_FIELD or
 * VMXERR_READONLY_FIELD. */
int vmcs12_write(struct vmcs12 *v, uint32_t enc, bool long64, uint64_t val, bool write_any);

/* The encoding of slot i (for copy loops and dumps). */
uint32_t vmcs12_encoding(unsigned i);

/* IA32_VMX_VMCS_ENUM (SDM 3D A.9): bits 9:1 the highest index used by any
 * supported field's encoding. */
uint64_t vmcs12_enum_msr(void);

#endif

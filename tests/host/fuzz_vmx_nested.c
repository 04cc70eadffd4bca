/* Fuzz the vmcs02 builder and the VM-exit emulation with arbitrary VMCS12
 * fields and L0 needs. Checks: no crash or UB; vmcs02 takes every exit
 * L0 needs (pin/primary/secondary controls, exceptions, #DB/#AC, each
 * side's #PF rule over every error code, CR masks); L2 reads L1's shadow
 * for L1's CR bits; no host-state or exit-information field is set; an
 * exit straight after entry gives L1 back the CR0/CR4 it gave L2; L1's
 * fixed host-state facts (RFLAGS 2, DR7 400H, LDTR unusable, limits). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hv/vmx/vmx_arch.h"
#include "nested/vmx_exit_emul.h"
#include "nested/vmx_vmcs02.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ABORT_IF(c) do { if (c) abort(); } while (0)

static uint64_t take(const uint8_t **p, size_t *n)
{
	uint64_t v = 0;
	size_t k = *n < 8 ? *n : 8;
	memcpy(&v, *p, k);
	*p += k;
	*n -= k;
	return v;
}

static void check_vmcs02(const struct vmcs02 *v, const struct vmcs12 *c12, const struct vmx_l0_needs *l0)
{
	const uint64_t *f = v->val;
	ABORT_IF((f[VMCS12_PIN_BASED_CTLS] & l0->pin) != l0->pin);
	uint32_t plain = l0->proc & ~(uint32_t)(PROC_USE_IO_BITMAPS | PROC_UNCOND_IO_EXITING |
						PROC_USE_MSR_BITMAPS | PROC_SECONDARY);
	ABORT_IF((f[VMCS12_PROC_BASED_CTLS] & plain) != plain);
	ABORT_IF((l0->proc & (PROC_USE_IO_BITMAPS | PROC_UNCOND_IO_EXITING)) &&
		 !(f[VMCS12_PROC_BASED_CTLS] & (PROC_USE_IO_BITMAPS | PROC_UNCOND_IO_EXITING)));
	ABORT_IF(!(l0->proc & PROC_USE_MSR_BITMAPS) && (f[VMCS12_PROC_BASED_CTLS] & PROC_USE_MSR_BITMAPS));
	ABORT_IF(((f[VMCS12_PROC_BASED_CTLS2] != 0) != !!(f[VMCS12_PROC_BASED_CTLS] & PROC_SECONDARY)));
	uint32_t exc = (uint32_t)f[VMCS12_EXCEPTION_BITMAP], l1exc = (uint32_t)VMCS12_F(c12, EXCEPTION_BITMAP);
	uint32_t nopf = ~(1u << 14);
	ABORT_IF((exc & l0->exc_bitmap & nopf) != (l0->exc_bitmap & nopf));
	ABORT_IF((exc & l1exc & nopf) != (l1exc & nopf));
	ABORT_IF((exc & 0x20002) != 0x20002);
	struct pf_rule m = { (exc >> 14) & 1, (uint32_t)f[VMCS12_PF_ERROR_CODE_MASK],
			     (uint32_t)f[VMCS12_PF_ERROR_CODE_MATCH] };
	struct pf_rule r1 = { (l1exc >> 14) & 1, (uint32_t)VMCS12_F(c12, PF_ERROR_CODE_MASK),
			      (uint32_t)VMCS12_F(c12, PF_ERROR_CODE_MATCH) };
	for (uint32_t e = 0; e < 64; e++)
		ABORT_IF((pf_rule_exits(&l0->pf, e) || pf_rule_exits(&r1, e)) && !pf_rule_exits(&m, e));
	uint64_t m1 = VMCS12_F(c12, CR0_GUEST_HOST_MASK);
	ABORT_IF((f[VMCS12_CR0_GUEST_HOST_MASK] & (l0->cr0_mask | m1)) != (l0->cr0_mask | m1));
	ABORT_IF((f[VMCS12_CR0_READ_SHADOW] & m1) != (VMCS12_F(c12, CR0_READ_SHADOW) & m1));
	ABORT_IF((f[VMCS12_GUEST_CR0] & l0->cr0_must1) != l0->cr0_must1);
	ABORT_IF(f[VMCS12_GUEST_ACTIVITY_STATE] != 0 || v->activity > VMCS02_WAIT_SIPI);
	for (unsigned i = 0; i < VMCS12_NFIELDS; i++) {
		enum vmcs_type t = vmcs_field_type(vmcs12_encoding(i));
		ABORT_IF(v->set[i] && (t == VMCS_T_HOST || t == VMCS_T_EXIT_INFO));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vmcs12 c12;
	static struct vmcs02 v;
	struct vmx_l0_needs l0;
	const uint8_t *p = data;
	size_t n = size;

	memset(&c12, 0, sizeof(c12));
	/* L0's needs from the first bytes, then (slot, value) records. */
	l0 = (struct vmx_l0_needs){
		.pin = (uint32_t)take(&p, &n), .proc = (uint32_t)take(&p, &n),
		.proc2 = (uint32_t)take(&p, &n), .exit = (uint32_t)take(&p, &n),
		.entry = (uint32_t)take(&p, &n), .exc_bitmap = (uint32_t)take(&p, &n),
		.cr0_mask = take(&p, &n), .cr0_must1 = take(&p, &n), .tsc_offset = take(&p, &n),
		.l1_efer = take(&p, &n),
	};
	uint64_t pf = take(&p, &n);
	l0.pf = (struct pf_rule){ pf & 1, (uint32_t)(pf >> 1) & 0x1f, (uint32_t)(pf >> 6) & 0x1f };
	l0.pin_emulated = (uint32_t)(pf >> 16);
	l0.proc_emulated = (uint32_t)(pf >> 32) & ~l0.proc;
	l0.cr0_mask |= l0.cr0_must1; /* what the CPU needs is L0's */
	while (n >= 9) {
		unsigned slot = *p % VMCS12_NFIELDS;
		p++;
		n--;
		c12.field[slot] = take(&p, &n);
	}
	/* The VM-entry checks require L2's CR0 to hold the bits L1 must set. */
	VMCS12_F(&c12, GUEST_CR0) |= l0.cr0_must1 & VMCS12_F(&c12, CR0_GUEST_HOST_MASK);
	vmx_vmcs02_build(&v, &c12, &l0);
	check_vmcs02(&v, &c12, &l0);

	/* An exit right after the entry: L2 changed nothing. */
	uint64_t cr0_given = VMCS12_F(&c12, GUEST_CR0);
	struct vmx_l2_exit x = { .reason = (uint32_t)VMCS12_F(&c12, IO_RCX) & 0x8000007f,
				 .qual = VMCS12_F(&c12, IO_RSI), .intr_info = (uint32_t)VMCS12_F(&c12, IO_RDI),
				 .idt_info = (uint32_t)VMCS12_F(&c12, IO_RIP), .l2_activity = v.activity };
	struct vmx_l1_kept kept = { .cr0 = VMCS12_F(&c12, CR3_TARGET0), .efer = l0.l1_efer };
	struct vmx_l1_state l1;
	vmx_exit_emulate(&c12, &x, v.val, l0.cr0_mask, l0.cr4_mask, &kept, &l1);
	if (!(x.reason & VMX_EXIT_REASON_ENTRY_FAILURE)) {
		ABORT_IF(VMCS12_F(&c12, GUEST_CR0) != cr0_given);
		ABORT_IF(!!(VMCS12_F(&c12, ENTRY_CTLS) & ENTRY_CTL_IA32E) !=
			 !!(v.val[VMCS12_GUEST_IA32_EFER] & (1u << 10)));
	}
	ABORT_IF(l1.rflags != 2 || l1.dr7 != 0x400 || l1.debugctl != 0);
	ABORT_IF(l1.seg[VMX_LDTR].ar != 1u << 16 || l1.gdtr_limit != 0xffff || l1.idtr_limit != 0xffff);
	ABORT_IF(l1.seg[VMX_TR].limit != 0x67 || (l1.seg[VMX_CS].ar & 0xff) != 0x9b);
	ABORT_IF((VMCS12_F(&c12, ENTRY_INTR_INFO) & INTR_INFO_VALID) && !(x.reason & VMX_EXIT_REASON_ENTRY_FAILURE));
	return 0;
}

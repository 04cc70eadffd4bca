/*
 * vmx.h - a little VMCS-building library for test L1 hypervisors on
 * Intel VT-x (32-bit guests; SDM Vol 3C ch. 24-31). Field encodings are
 * Nestor's own list (hv/vmx/vmcs_fields.h), so the two cannot drift.
 *
 *   vmx_on();                      // CR4.VMXE, paging, VMXON
 *   vmx_vmcs_load(vmcs_page);      // VMCLEAR + VMPTRLD of a fresh VMCS
 *   vmx_fill_flat32(l2_entry, l2_stack_top);  // controls, host = L1, guest = flat 32-bit
 *   int r = vmx_enter(1);          // VMLAUNCH; VMX_EXITED when L2 exited to L1
 *
 * Every instruction wrapper returns its VMX outcome from RFLAGS (SDM 3C
 * 31.2): VMX_OK, VMX_FAILINVALID (CF) or VMX_FAILVALID (ZF).
 */
#ifndef GUEST_VMX_H
#define GUEST_VMX_H

#include <stdint.h>

#include "hv/vmx/vmcs_fields.h"

#define VMX_OK 0
#define VMX_FAILINVALID 1
#define VMX_FAILVALID 2
#define VMX_EXITED 3 /* vmx_enter: L2 ran and exited to L1's host RIP */

#define MSR_FEATURE_CONTROL_G 0x3au
#define MSR_VMX_BASIC_G 0x480u

static inline int vmx_outcome(uint32_t fl) { return (fl & 1) ? VMX_FAILINVALID : (fl & 0x40) ? VMX_FAILVALID : VMX_OK; }

static inline int vmxon_at(uint64_t pa)
{
	uint32_t fl;
	__asm__ volatile("vmxon %1; pushf; pop %0" : "=r"(fl) : "m"(pa) : "cc", "memory");
	return vmx_outcome(fl);
}
static inline int vmxoff(void)
{
	uint32_t fl;
	__asm__ volatile("vmxoff; pushf; pop %0" : "=r"(fl)::"cc", "memory");
	return vmx_outcome(fl);
}
static inline int vmclear_at(uint64_t pa)
{
	uint32_t fl;
	__asm__ volatile("vmclear %1; pushf; pop %0" : "=r"(fl) : "m"(pa) : "cc", "memory");
	return vmx_outcome(fl);
}
static inline int vmptrld_at(uint64_t pa)
{
	uint32_t fl;
	__asm__ volatile("vmptrld %1; pushf; pop %0" : "=r"(fl) : "m"(pa) : "cc", "memory");
	return vmx_outcome(fl);
}
static inline int vmptrst_to(uint64_t *pa)
{
	uint32_t fl;
	__asm__ volatile("vmptrst %0; pushf; pop %1" : "=m"(*pa), "=r"(fl)::"cc", "memory");
	return vmx_outcome(fl);
}
/* VMREAD/VMWRITE with 32-bit operands (L1 is 32-bit code). */
static inline int vmread32(uint32_t field, uint32_t *val)
{
	uint32_t fl, v = 0;
	__asm__ volatile("vmread %2, %0; pushf; pop %1" : "+r"(v), "=r"(fl) : "r"(field) : "cc", "memory");
	*val = v;
	return vmx_outcome(fl);
}
static inline int vmread32_mem(uint32_t field, uint32_t *val)
{
	uint32_t fl;
	__asm__ volatile("vmread %2, %0; pushf; pop %1" : "=m"(*val), "=r"(fl) : "r"(field) : "cc", "memory");
	return vmx_outcome(fl);
}
static inline int vmwrite32(uint32_t field, uint32_t val)
{
	uint32_t fl;
	__asm__ volatile("vmwrite %1, %2; pushf; pop %0" : "=r"(fl) : "r"(val), "r"(field) : "cc", "memory");
	return vmx_outcome(fl);
}
static inline int vmwrite32_mem(uint32_t field, const uint32_t *val)
{
	uint32_t fl;
	__asm__ volatile("vmwrite %1, %2; pushf; pop %0" : "=r"(fl) : "m"(*val), "r"(field) : "cc", "memory");
	return vmx_outcome(fl);
}
/* A 64-bit field through its full and high accesses. */
int vmwrite64(uint32_t field, uint64_t val);
static inline uint32_t vmr(uint32_t field)
{
	uint32_t v = 0;
	vmread32(field, &v);
	return v;
}
static inline int invept_type(uint32_t type, const uint64_t desc[2])
{
	uint32_t fl;
	__asm__ volatile("invept %1, %2; pushf; pop %0" : "=r"(fl) : "m"(*(const uint64_t(*)[2])desc), "r"(type)
			 : "cc", "memory");
	return vmx_outcome(fl);
}
static inline int invvpid_type(uint32_t type, const uint64_t desc[2])
{
	uint32_t fl;
	__asm__ volatile("invvpid %1, %2; pushf; pop %0" : "=r"(fl) : "m"(*(const uint64_t(*)[2])desc), "r"(type)
			 : "cc", "memory");
	return vmx_outcome(fl);
}
static inline uint32_t read_cr4_g(void)
{
	uint32_t v;
	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}
static inline void write_cr4_g(uint32_t v) { __asm__ volatile("mov %0, %%cr4" ::"r"(v) : "memory"); }

/* Pages for the tests: the VMXON region and two VMCS regions. */
extern uint8_t vmx_region[4096], vmx_vmcs_a[4096], vmx_vmcs_b[4096];
/* IA32_VMX_BASIC[30:0]. */
uint32_t vmx_revision(void);
/* CR4.VMXE, CR0.NE, identity paging, then VMXON of vmx_region: outcome. */
int vmx_on(void);
/* Revision into the page, VMCLEAR, VMPTRLD: outcome of VMPTRLD. */
int vmx_vmcs_load(uint8_t *page);
/* Controls at their allowed-0 (TRUE MSRs), host state = L1 now (32-bit
 * host), guest state = flat 32-bit protected mode with L1's paging (CR3),
 * segments and descriptor tables, RIP entry, RSP stack_top. */
void vmx_fill_flat32(void (*entry)(void), void *stack_top);
/* The must-be-one bits of a control's TRUE capability MSR (0x48d-0x490
 * for pin, primary, exit, entry; 0x48b for secondary: 0). */
uint32_t vmx_ctl_must1(uint32_t msr);
uint32_t vmx_ctl_may1(uint32_t msr);
/* VMLAUNCH (launch) or VMRESUME with HOST_RSP/HOST_RIP pointing back into
 * this function: VMX_EXITED when L2 exited (or the entry failed with an
 * exit), else the instruction's VMfail outcome. L1's callee-saved
 * registers survive; L2's general registers are l2_gprs in and out. */
struct vmx_gprs {
	uint32_t eax, ebx, ecx, edx, esi, edi, ebp;
};
extern struct vmx_gprs vmx_l2_gprs;
int vmx_enter(int launch);

#endif

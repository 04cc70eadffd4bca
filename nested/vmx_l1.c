/*
 * vmx_l1.c - what a nested-capable L1 sees of Intel VT-x (SDM Vol 3C
 * ch. 24, 31; Vol 3D appendix A): CPUID.1:ECX.VMX, IA32_FEATURE_CONTROL
 * (locked, VMX outside SMX on), the IA32_VMX_* capability MSRs of
 * nested/vmx_caps (read-only: writes #GP), CR4.VMXE (hidden from every
 * other VM), the CR0/CR4 fixed bits in VMX operation, and the VMX
 * instructions VMXON, VMXOFF, VMCLEAR, VMPTRLD, VMPTRST, VMREAD, VMWRITE,
 * INVEPT, INVVPID: their operands found from the exit's instruction
 * information (nested/vmx_operand), memory operands read and written
 * through L1's paging (hv/core/guest_mem.h), and what they do decided by
 * nested/vmx_insn. VMLAUNCH/VMRESUME are nested/vmx_vmentry.c.
 *
 * Every VMX instruction exits from VMX non-root operation unconditionally
 * (SDM 3C 26.1.2), so L1's all come here; VMFUNC is not offered (#UD).
 */
#include "nested/vmx_nested.h"
#include "drivers/console.h"
#include "hv/core/guest_mem.h"
#include "hv/core/vm.h"
#include "hv/exit/exits.h"
#include "hv/lib/string.h"
#include "hv/vmx/vmx.h"
#include "mm/pages.h"
#include "mm/pf_error.h"
#include "nested/vmx_operand.h"

#define CPUID1_ECX_VMX (1u << 5)
#define MSR_FEATURE_CONTROL 0x3au
/* Locked, VMX outside SMX enabled (SDM 3C 24.7): what firmware leaves for
 * an OS that uses VMX; L1 cannot change it (a locked MSR's WRMSR #GPs). */
#define L1_FEATURE_CONTROL 0x5ull
#define EXC_SS 12
#define RFLAGS_VM (1ull << 17)

bool nested_vmx_vm_supported(char *err, size_t len)
{
	(void)err, (void)len;
	/* The VT-x backend runs only with EPT (hv/vmx/vmx.c requires it). */
	return true;
}

int nested_vmx_vcpu_init(struct vcpu *v)
{
	struct nested_vcpu *n = nested_vcpu_alloc(v);
	if (!n)
		return -1;
	n->gif = true; /* VMX has no GIF: events are never held for it */
	n->is_vmx = true;
	unsigned npages = (unsigned)((sizeof(struct nested_vmx) + 4095) / 4096);
	uint64_t xpa = pages_alloc_contig(npages, 4096);
	if (!xpa)
		return -1;
	struct nested_vmx *x = pa_to_ptr(xpa);
	memset(x, 0, sizeof(*x));
	x->self_pa = xpa;
	x->npages = npages;
	n->vmx = x;
	x->st.current = VMX_NO_VMCS;
	x->feature_control = L1_FEATURE_CONTROL;
	x->maxphyaddr = (uint8_t)(vm_cpuid(v, 0x80000008, 0).eax & 0xff);
	struct vmx_l1_host h = {
		.vmx = vmx_host_caps(),
		.rdtscp = (cpuid(0x80000001, 0).edx >> 27) & 1,
		.guest_cr4_allowed = vmx_cr4_allowed() | CR4_VMXE,
	};
	vmx_l1_caps_compute(&h, &x->caps);
	return nested_vmx_vcpu_init_entry(v);
}

void nested_vmx_vcpu_free(struct vcpu *v)
{
	struct nested_vcpu *n = v->nested;
	if (n->vmx) {
		nested_vmx_vcpu_free_entry(v);
		pages_free(n->vmx->self_pa, n->vmx->npages);
	}
	v->nested = 0;
	pages_free(n->self_pa, 1);
}

void nested_vmx_cpuid(struct vcpu *v, uint32_t leaf, struct cpuid_regs *r)
{
	(void)v;
	if (leaf == 1)
		r->ecx |= CPUID1_ECX_VMX;
}

int nested_vmx_msr(struct vcpu *v, uint32_t msr, bool write, uint64_t *val)
{
	struct nested_vmx *x = NV(v);
	if (msr == MSR_FEATURE_CONTROL) {
		if (write)
			return 0; /* locked (SDM 3C 24.7) */
		*val = x->feature_control;
		return 1;
	}
	if (msr >= MSR_IA32_VMX_BASIC && msr <= MSR_IA32_VMX_PROCBASED_CTLS3) {
		/* Read-only; an MSR of a feature not offered does not exist. */
		if (write)
			return 0;
		return vmx_l1_caps_read(&x->caps, msr, val) ? 1 : 0;
	}
	return -1;
}

bool nested_vmx_cr_write_faults(struct vcpu *v, unsigned cr, uint64_t val)
{
	struct nested_vmx *x = NV(v);
	/* In VMX operation CR0/CR4 keep the fixed bits (SDM 3C 24.8): a MOV
	 * that breaks them #GPs. L2's CR writes are judged on L2's state. */
	if (!x->st.vmxon || v->nested->guest_mode)
		return false;
	if (cr == 0)
		return (val & x->caps.cr0_fixed0) != x->caps.cr0_fixed0 || (val & ~x->caps.cr0_fixed1 & 0xffffffffull);
	if (cr == 4)
		return (val & x->caps.cr4_fixed0) != x->caps.cr4_fixed0 || (val & ~x->caps.cr4_fixed1);
	return false;
}

/* --- L1 memory for the pure code ------------------------------------------ */
static bool l1_read(void *ctx, uint64_t gpa, void *buf, uint32_t len)
{
	const void *p = vm_gpa_ptr(ctx, gpa, len);
	if (!p)
		return false;
	memcpy(buf, p, len);
	return true;
}

static bool l1_write(void *ctx, uint64_t gpa, const void *buf, uint32_t len)
{
	void *p = vm_gpa_ptr(ctx, gpa, len);
	if (!p)
		return false;
	memcpy(p, buf, len);
	return true;
}

const struct vmx_l1_mem *nested_vmx_l1_mem(struct vcpu *v, struct vmx_l1_mem *m)
{
	*m = (struct vmx_l1_mem){ l1_read, l1_write, v->vm };
	return m;
}

/* --- the instructions ------------------------------------------------------ */

/* One VMX instruction exit of L1: its state and operands. */
struct insn {
	struct vmx_insn_ctx c;
	struct vmx_l1_mem mem;
	struct vmx_insn_info info;
	struct vmx_seg seg[6];
	uint64_t disp;
	unsigned opsize; /* 8 in 64-bit mode, else 4 */
};

static void insn_read_state(struct vcpu *v, struct insn *in)
{
	struct nested_vmx *x = NV(v);
	uint64_t efer = vmread(VMCS_GUEST_IA32_EFER);
	in->c = (struct vmx_insn_ctx){
		.caps = &x->caps,
		.mem = nested_vmx_l1_mem(v, &in->mem),
		.maxphyaddr = x->maxphyaddr,
		.cr0 = vmx_get_cr(v, 0),
		.cr4 = vmx_get_cr(v, 4),
		.rflags = vmread(VMCS_GUEST_RFLAGS),
		.long_mode = efer & EFER_LMA,
		.cs_l = (vmread(VMCS_GUEST_CS_AR) >> 13) & 1,
		.cpl = (unsigned)(vmread(VMCS_GUEST_SS_AR) >> 5) & 3,
		.feature_control = x->feature_control,
	};
	vmx_insn_info_split((uint32_t)vmread(VMCS_EXIT_INSTRUCTION_INFO), &in->info);
	in->disp = vmread(VMCS_EXIT_QUALIFICATION);
	in->opsize = in->c.long_mode && in->c.cs_l ? 8 : 4;
}

/* The segments, for a memory operand only (register forms of VMREAD and
 * VMWRITE, L1's most frequent exits, need none of them). */
static void insn_read_segs(struct insn *in)
{
	for (unsigned i = 0; i < 6; i++) {
		in->seg[i].base = vmread((enum vmcs_field)(VMCS_GUEST_ES_BASE + 2 * i));
		in->seg[i].limit = (uint32_t)vmread((enum vmcs_field)(VMCS_GUEST_ES_LIMIT + 2 * i));
		in->seg[i].ar = (uint32_t)vmread((enum vmcs_field)(VMCS_GUEST_ES_AR + 2 * i));
	}
}

/* The #UD/#GP every VMX instruction checks before touching its operands
 * (SDM 3C ch. 31 "Operation"): real, virtual-8086 and compatibility mode;
 * outside VMX operation (VMXON: CR4.VMXE clear); then CPL > 0. The pure
 * code repeats them; here they keep an operand fault from winning. */
static int early_fault(const struct nested_vmx *x, const struct insn *in, uint32_t reason)
{
	const struct vmx_insn_ctx *c = &in->c;
	if (!(c->cr0 & CR0_PE) || (c->rflags & RFLAGS_VM) || (c->long_mode && !c->cs_l))
		return EXC_UD;
	if (reason == VMX_EXIT_VMXON ? !(c->cr4 & CR4_VMXE) : !x->st.vmxon)
		return EXC_UD;
	if (c->cpl)
		return EXC_GP;
	return -1;
}

/* The memory operand's linear address for len bytes; false with the
 * exception queued when the segment check fails. */
static bool mem_linear(struct vcpu *v, struct insn *in, unsigned len, bool write, uint64_t *lin)
{
	insn_read_segs(in);
	struct vmx_mem_ref r = vmx_mem_operand(&in->info, in->disp, v->gpr, in->seg, in->c.long_mode && in->c.cs_l,
					       len, write);
	if (r.fault) {
		vcpu_queue_exception(v, r.fault, true, 0);
		return false;
	}
	*lin = r.linear;
	return true;
}

/* A memory operand access that faulted: L1's #PF, or memory that is not
 * L1's RAM (a device: not emulated for VMX operands). */
static enum exit_action mem_fault(struct vcpu *v, struct vm_exit *e, const struct walk_fault *f)
{
	if (f->dim == WALK_DIM_GUEST) {
		vcpu_queue_pf(v, f->gla, walk_pf_error_code(f));
		return EXIT_ACTION_RESUME;
	}
	vm_stop_with_report(v, e, "a VMX instruction's memory operand is not RAM of this VM (not emulated)");
	return EXIT_ACTION_STOPPED;
}

/* Read (or write) len bytes of the memory operand; -1: done (faulted). */
static int mem_access(struct vcpu *v, struct vm_exit *e, struct insn *in, void *buf, unsigned len,
		      bool write, enum exit_action *a)
{
	uint64_t lin;
	struct walk_fault f;
	*a = EXIT_ACTION_RESUME;
	if (!mem_linear(v, in, len, write, &lin))
		return -1;
	int rc = write ? guest_write_linear(v, lin, buf, len, &f) : guest_read_linear(v, lin, buf, len, WALK_ACC_READ, &f);
	if (rc) {
		*a = mem_fault(v, e, &f);
		return -1;
	}
	return 0;
}

static uint64_t reg_val(struct vcpu *v, const struct insn *in, unsigned r)
{
	uint64_t val = v->gpr[r & 15];
	return in->opsize == 8 ? val : (uint32_t)val;
}

/* RFLAGS from the outcome, then the next instruction (or the fault). */
static enum exit_action finish(struct vcpu *v, struct vm_exit *e, const struct insn *in,
			       const struct vmx_insn_result *r)
{
	if (r->outcome == VMX_FAULT) {
		vcpu_queue_exception(v, r->vector, r->vector == EXC_GP, 0);
		return EXIT_ACTION_RESUME;
	}
	vmwrite(VMCS_GUEST_RFLAGS, vmx_outcome_rflags(in->c.rflags, r->outcome));
	return exit_skip_instruction(v, e);
}

enum exit_action nested_vmx_virt_insn(struct vcpu *v, struct vm_exit *e)
{
	struct nested_vmx *x = NV(v);
	uint32_t reason = e->hw_reason;
	vmx_load(v);
	e->insn_len = (uint32_t)vmread(VMCS_EXIT_INSTRUCTION_LEN);
	if (reason == VMX_EXIT_VMFUNC) { /* not offered (no PROC2 enable-VM-functions) */
		vm_inject_ud(v);
		return EXIT_ACTION_RESUME;
	}
	struct insn in;
	insn_read_state(v, &in);
	int ef = early_fault(x, &in, reason);
	if (ef >= 0) {
		vcpu_queue_exception(v, (uint8_t)ef, ef == EXC_GP, 0);
		return EXIT_ACTION_RESUME;
	}
	struct vmx_insn_result r;
	enum exit_action a;
	uint64_t ptr = 0, desc[2] = { 0, 0 };
	switch (reason) {
	case VMX_EXIT_VMXON:
	case VMX_EXIT_VMCLEAR:
	case VMX_EXIT_VMPTRLD:
		/* A 64-bit physical address in memory (SDM 3C 31.3). */
		if (mem_access(v, e, &in, &ptr, 8, false, &a))
			return a;
		r = reason == VMX_EXIT_VMXON	? nvmx_vmxon(&x->st, &in.c, ptr)
		    : reason == VMX_EXIT_VMCLEAR ? nvmx_vmclear(&x->st, &in.c, ptr)
						 : nvmx_vmptrld(&x->st, &in.c, ptr);
		return finish(v, e, &in, &r);
	case VMX_EXIT_VMXOFF:
		r = nvmx_vmxoff(&x->st, &in.c);
		return finish(v, e, &in, &r);
	case VMX_EXIT_VMPTRST:
		r = nvmx_vmptrst(&x->st, &in.c);
		if (r.outcome == VMX_SUCCEED && mem_access(v, e, &in, &r.value, 8, true, &a))
			return a;
		return finish(v, e, &in, &r);
	case VMX_EXIT_VMREAD: {
		/* Field in reg2; destination reg1 or memory (operand size). */
		r = nvmx_vmread(&x->st, &in.c, reg_val(v, &in, in.info.reg2));
		if (r.outcome == VMX_SUCCEED) {
			uint64_t val = in.opsize == 8 ? r.value : (uint32_t)r.value;
			if (in.info.is_reg)
				v->gpr[in.info.reg1] = val;
			else if (mem_access(v, e, &in, &val, in.opsize, true, &a))
				return a;
		}
		return finish(v, e, &in, &r);
	}
	case VMX_EXIT_VMWRITE: {
		uint64_t val = 0;
		if (in.info.is_reg)
			val = reg_val(v, &in, in.info.reg1);
		else if (mem_access(v, e, &in, &val, in.opsize, false, &a))
			return a;
		r = nvmx_vmwrite(&x->st, &in.c, reg_val(v, &in, in.info.reg2), val);
		return finish(v, e, &in, &r);
	}
	case VMX_EXIT_INVEPT:
	case VMX_EXIT_INVVPID: {
		/* Type in reg2 (a 64- or 32-bit register), a 128-bit descriptor. */
		uint64_t type = reg_val(v, &in, in.info.reg2);
		if (mem_access(v, e, &in, desc, 16, false, &a))
			return a;
		r = reason == VMX_EXIT_INVEPT ? nvmx_invept(&x->st, &in.c, type, desc)
					      : nvmx_invvpid(&x->st, &in.c, type, desc);
		if (r.outcome == VMX_SUCCEED)
			nested_vmx_invalidate(v, reason == VMX_EXIT_INVEPT);
		return finish(v, e, &in, &r);
	}
	case VMX_EXIT_VMLAUNCH:
	case VMX_EXIT_VMRESUME:
		return nested_vmx_vmentry(v, e, reason == VMX_EXIT_VMLAUNCH);
	}
	vm_inject_ud(v);
	return EXIT_ACTION_RESUME;
}

/*
 * nested.c - the hooks of nested.h, sent to the host's vendor: nested SVM
 * (svm_l1.c, svm_vmrun.c) on an SVM host, nested VMX (vmx_l1.c,
 * vmx_vmentry.c) on a VT-x host. Only nested-capable VMs call them, so the
 * extra test costs ordinary VMs nothing.
 */
#include "nested/nested.h"
#include "hv/lib/string.h"
#include "mm/pages.h"
#include "hv/exit/exits.h"
#include "nested/svm_nested.h"
#include "nested/vmx_nested.h"

static bool vmx_host(void) { return virt_ops == &vmx_ops; }

bool nested_vm_supported(char *err, size_t len)
{
	return vmx_host() ? nested_vmx_vm_supported(err, len) : nested_svm_vm_supported(err, len);
}

int nested_vcpu_init(struct vcpu *v) { return vmx_host() ? nested_vmx_vcpu_init(v) : nested_svm_vcpu_init(v); }

void nested_vcpu_free(struct vcpu *v)
{
	if (!v->nested)
		return;
	if (v->nested->is_vmx)
		nested_vmx_vcpu_free(v);
	else
		nested_svm_vcpu_free(v);
}

void nested_cpuid(struct vcpu *v, uint32_t leaf, struct cpuid_regs *r)
{
	if (v->nested->is_vmx)
		nested_vmx_cpuid(v, leaf, r);
	else
		nested_svm_cpuid(v, leaf, r);
}

int nested_msr(struct vcpu *v, uint32_t msr, bool write, uint64_t *val)
{
	return v->nested->is_vmx ? nested_vmx_msr(v, msr, write, val) : nested_svm_msr(v, msr, write, val);
}

enum exit_action nested_virt_insn(struct vcpu *v, struct vm_exit *e)
{
	return v->nested->is_vmx ? nested_vmx_virt_insn(v, e) : nested_svm_virt_insn(v, e);
}

enum exit_action nested_l2_exit(struct vcpu *v, struct vm_exit *e)
{
	return v->nested->is_vmx ? nested_vmx_l2_exit(v, e) : nested_svm_l2_exit(v, e);
}

void nested_tdp_flushed(struct vcpu *v)
{
	if (v->nested->is_vmx)
		nested_vmx_tdp_flushed(v);
	else
		nested_svm_tdp_flushed(v);
}

void nested_print_stats(const struct vcpu *v)
{
	if (v->nested->is_vmx)
		nested_vmx_print_stats(v);
	else
		nested_svm_print_stats(v);
}

bool nested_l1_event_exit(struct vcpu *v)
{
	return v->nested->is_vmx ? nested_vmx_l1_event_exit(v) : nested_svm_l1_event_exit(v);
}

uint64_t nested_cr4_extra(const struct vcpu *v) { return v->nested->is_vmx ? CR4_VMXE : 0; }

bool nested_cr_write_faults(struct vcpu *v, unsigned cr, uint64_t val)
{
	return v->nested->is_vmx && nested_vmx_cr_write_faults(v, cr, val);
}

uint64_t nested_l2_exit_count(const struct vcpu *v) { return v->nested ? v->nested->l2_exits : 0; }

/* Shadow table pages (NPT02 / EPT02): zeroed host pages, freed at once
 * when the shadow is dropped (each vendor file says why that is safe). */
static uint64_t shadow_alloc(void *opaque)
{
	(void)opaque;
	uint64_t pa = page_alloc();
	if (!pa)
		return PTB_NO_PAGE;
	memset(pa_to_ptr(pa), 0, 4096);
	return pa;
}
static void shadow_free(void *opaque, uint64_t pa) { (void)opaque, pages_free(pa, 1); }
static void *shadow_ptr(void *opaque, uint64_t pa) { (void)opaque; return pa_to_ptr(pa); }
const struct ptb_ops nested_shadow_ops = { shadow_alloc, shadow_free, shadow_ptr, 0 };

struct nested_vcpu *nested_vcpu_alloc(struct vcpu *v)
{
	_Static_assert(sizeof(struct nested_vcpu) <= 4096, "nested_vcpu fits its page");
	uint64_t pa = page_alloc();
	if (!pa)
		return 0;
	struct nested_vcpu *n = pa_to_ptr(pa);
	memset(n, 0, sizeof(*n));
	n->self_pa = pa;
	v->nested = n;
	return n;
}

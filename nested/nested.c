/*
 * nested.c - the hooks of nested.h, sent to the host's vendor: nested SVM
 * (svm_l1.c, svm_vmrun.c) on an SVM host, nested VMX (vmx_l1.c,
 * vmx_vmentry.c) on a VT-x host. Only nested-capable VMs call them, so the
 * extra test costs ordinary VMs nothing.
 */
#include "nested/nested.h"
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

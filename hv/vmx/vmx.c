/*
 * vmx.c - the Intel VT-x backend of vcpu_ops. NOT YET IMPLEMENTED: every
 * VM creation fails with a clear message, so on Intel machines Nestor
 * boots, reports and skips its guests. See the issue notes.
 */
#include "drivers/console.h"
#include "hv/vcpu.h"

static int vmx_cpu_enable(unsigned pcpu)
{
	(void)pcpu;
	return 0;
}

static bool vmx_nested_format(struct pg_format *f)
{
	(void)f;
	log_err("vmx", "the VT-x backend is not implemented yet: guests cannot run on Intel CPUs");
	return false;
}

static int vmx_vcpu_init(struct vcpu *v, const struct vcpu_start *st, uint64_t root)
{
	(void)v, (void)st, (void)root;
	return -1;
}

static void vmx_vcpu_free(struct vcpu *v) { (void)v; }

const struct vcpu_ops vmx_ops = {
	.name = "vmx",
	.cpu_enable = vmx_cpu_enable,
	.nested_format = vmx_nested_format,
	.vcpu_init = vmx_vcpu_init,
	.vcpu_free = vmx_vcpu_free,
};

/* vmx_caps_fixture.h - a host's VMX capabilities for the nested-VMX host
 * tests and fuzzers: like Bochs corei7_skylake_x (TRUE controls, EPT with
 * 2M/1G pages and execute-only, VPID, unrestricted guest), allowed-1
 * halves with every bit. */
#ifndef NESTOR_TESTS_VMX_CAPS_FIXTURE_H
#define NESTOR_TESTS_VMX_CAPS_FIXTURE_H

#include <string.h>

#include "hv/host/virt_detect.h"
#include "nested/vmx_entry_checks.h"

static inline struct vmx_caps vmx_caps_fixture(void)
{
	struct vmx_caps v = {
		.basic = (1ull << 55) | (1ull << 54) | (6ull << 50) | (4096ull << 32) | 1,
		.pinbased = 0xffffffff00000016ull,
		.procbased = 0xffffffff04006172ull,
		.procbased2 = 0xffffffff00000000ull,
		.exit_ctls = 0xffffffff00036dfbull,
		.entry_ctls = 0xffffffff000011fbull,
		.cr0_fixed0 = 0x80000021, .cr0_fixed1 = 0xffffffff,
		.cr4_fixed0 = 0x2000, .cr4_fixed1 = 0x3767ff,
		.true_ctls = true, .secondary = true, .ept = true, .vpid = true, .unrestricted = true,
		.ept_4level = true, .ept_wb = true, .ept_2m = true, .ept_1g = true, .ept_exec_only = true,
		.invept = true, .invvpid = true,
	};
	return v;
}

/* L1's capabilities over that host, and a check context for a 64-bit L1
 * with a 39-bit physical-address width. */
static inline void vmx_entry_fixture(struct vmx_caps *hc, struct vmx_l1_caps *caps, struct vmx_entry_ctx *ctx)
{
	*hc = vmx_caps_fixture();
	struct vmx_l1_host h = { .vmx = hc, .rdtscp = true, .guest_cr4_allowed = ~0ull };
	vmx_l1_caps_compute(&h, caps);
	memset(ctx, 0, sizeof(*ctx));
	ctx->caps = caps;
	ctx->maxphyaddr = 39;
	ctx->l1_long_mode = true;
}

#endif

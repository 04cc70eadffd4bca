/* test_vmx_caps - L1's VMX capability MSRs: what Linux kvm_intel requires
 * is there on a capable host, nothing the host cannot back is offered,
 * MSRs of features not offered are #GP, every MSR is self-consistent. */
#include "tests/host/check.h"

#include "nested/vmcs12.h"
#include "nested/vmx_caps.h"
#include "tests/host/vmx_caps_fixture.h"

static struct vmx_caps skylake(void) { return vmx_caps_fixture(); }

static uint64_t rd(const struct vmx_l1_caps *c, uint32_t msr)
{
	uint64_t v = 0;
	CHECK(vmx_l1_caps_read(c, msr, &v));
	return v;
}

#define MAY1(msr, bits) CHECK_EQ((rd(&c, msr) >> 32) & (bits), (bits))

TEST(what_kvm_intel_requires)
{
	struct vmx_caps v = skylake();
	struct vmx_l1_host h = { .vmx = &v, .rdtscp = true, .guest_cr4_allowed = ~0ull };
	struct vmx_l1_caps c;
	vmx_l1_caps_compute(&h, &c);
	uint64_t basic = rd(&c, MSR_IA32_VMX_BASIC);
	CHECK_EQ(basic & 0x7fffffff, VMCS12_REVISION);
	CHECK_EQ((basic >> 32) & 0x1fff, 4096);
	CHECK_EQ((basic >> 48) & 1, 0);
	CHECK_EQ((basic >> 50) & 0xf, 6);
	CHECK_EQ((basic >> 55) & 1, 1);
	MAY1(MSR_IA32_VMX_TRUE_PINBASED_CTLS, (1u << 0) | (1u << 3));
	/* HLT, CR3 load/store, unconditional I/O, MOV-DR, TSC offsetting,
	 * MWAIT, MONITOR, INVLPG, RDPMC, interrupt window, CR8 load/store. */
	MAY1(MSR_IA32_VMX_TRUE_PROCBASED_CTLS, (1u << 7) | (1u << 15) | (1u << 16) | (1u << 24) | (1u << 23) |
						       (1u << 3) | (1u << 10) | (1u << 29) | (1u << 9) | (1u << 11) |
						       (1u << 2) | (1u << 19) | (1u << 20));
	MAY1(MSR_IA32_VMX_TRUE_EXIT_CTLS, (1u << 2) | (1u << 15) | (1u << 9));
	MAY1(MSR_IA32_VMX_PROCBASED_CTLS2, (1u << 1) | (1u << 5) | (1u << 7));
	uint64_t ept = rd(&c, MSR_IA32_VMX_EPT_VPID_CAP);
	CHECK_EQ(ept & ((1ull << 6) | (1ull << 14) | (1ull << 20) | (1ull << 26)),
		 (1ull << 6) | (1ull << 14) | (1ull << 20) | (1ull << 26));
	CHECK_EQ((ept >> 41) & 3, 3);
	CHECK_EQ((ept >> 21) & 1, 0); /* A/D not emulated: not offered */
	CHECK_EQ(rd(&c, MSR_IA32_VMX_VMCS_ENUM), vmcs12_enum_msr());
	CHECK_EQ(rd(&c, MSR_IA32_VMX_CR4_FIXED0), 0x2000);
	CHECK_EQ(rd(&c, MSR_IA32_VMX_CR4_FIXED1) & 0x2000, 0x2000);
}

TEST(control_msrs_are_consistent)
{
	struct vmx_caps v = skylake();
	struct vmx_l1_host h = { .vmx = &v, .rdtscp = true, .guest_cr4_allowed = ~0ull };
	struct vmx_l1_caps c;
	vmx_l1_caps_compute(&h, &c);
	const uint32_t msrs[] = { 0x481, 0x482, 0x483, 0x484, 0x48b, 0x48d, 0x48e, 0x48f, 0x490 };
	for (unsigned i = 0; i < sizeof(msrs) / sizeof(msrs[0]); i++) {
		uint64_t m = rd(&c, msrs[i]);
		uint32_t must1 = (uint32_t)m, may1 = (uint32_t)(m >> 32);
		CHECK_EQ(must1 & ~may1, 0); /* a must-be-one bit is allowed to be one */
		CHECK(vmx_ctl_fits(m, must1));
		CHECK(vmx_ctl_fits(m, may1));
	}
	/* The TRUE MSRs relax exactly the bits SDM 3D A.2 allows. */
	CHECK_EQ((uint32_t)rd(&c, 0x482) & ~(uint32_t)rd(&c, 0x48e), (1u << 15) | (1u << 16));
	CHECK_EQ((uint32_t)rd(&c, 0x483) & ~(uint32_t)rd(&c, 0x48f), 1u << 2);
	CHECK_EQ((uint32_t)rd(&c, 0x484) & ~(uint32_t)rd(&c, 0x490), 1u << 2);
	CHECK(!vmx_ctl_fits(rd(&c, 0x481), 0));          /* default1 bits missing */
	CHECK(!vmx_ctl_fits(rd(&c, 0x481), 0x16 | (1u << 7))); /* posted interrupts: not offered */
}

TEST(nothing_the_host_cannot_back)
{
	struct vmx_caps v = skylake();
	v.ept = v.vpid = v.unrestricted = false;
	v.ept_1g = false;
	struct vmx_l1_host h = { .vmx = &v, .rdtscp = false, .guest_cr4_allowed = 0x20a0 };
	struct vmx_l1_caps c;
	vmx_l1_caps_compute(&h, &c);
	CHECK_EQ(rd(&c, MSR_IA32_VMX_PROCBASED_CTLS2) >> 32, 0);
	uint64_t val;
	CHECK(!vmx_l1_caps_read(&c, MSR_IA32_VMX_EPT_VPID_CAP, &val)); /* neither EPT nor VPID */
	CHECK_EQ(rd(&c, MSR_IA32_VMX_CR4_FIXED1), 0x20a0 | 0x2000);
	/* A host without the secondary controls: no PROCBASED_CTLS2 at all. */
	v.procbased &= ~(1ull << 63);
	v.secondary = false;
	vmx_l1_caps_compute(&h, &c);
	CHECK(!vmx_l1_caps_read(&c, MSR_IA32_VMX_PROCBASED_CTLS2, &val));
	/* A host that cannot acknowledge interrupts on exit: not offered. */
	v.exit_ctls &= ~(1ull << (32 + 15));
	vmx_l1_caps_compute(&h, &c);
	CHECK_EQ((rd(&c, MSR_IA32_VMX_TRUE_EXIT_CTLS) >> 47) & 1, 0);
	/* Unrestricted guest only with EPT. */
	v = skylake();
	v.ept = false;
	vmx_l1_caps_compute(&h, &c);
	CHECK_EQ((rd(&c, MSR_IA32_VMX_PROCBASED_CTLS2) >> 32) & ((1u << 1) | (1u << 7)), 0);
}

TEST(unknown_and_unoffered_msrs_are_gp)
{
	struct vmx_caps v = skylake();
	struct vmx_l1_host h = { .vmx = &v, .rdtscp = true, .guest_cr4_allowed = ~0ull };
	struct vmx_l1_caps c;
	vmx_l1_caps_compute(&h, &c);
	uint64_t val;
	CHECK(!vmx_l1_caps_read(&c, MSR_IA32_VMX_VMFUNC, &val));
	CHECK(!vmx_l1_caps_read(&c, MSR_IA32_VMX_PROCBASED_CTLS3, &val));
	CHECK(!vmx_l1_caps_read(&c, 0x47f, &val));
	CHECK(!vmx_l1_caps_read(&c, 0x493, &val));
}

TEST_MAIN()

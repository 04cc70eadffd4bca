/*
 * vmx_insn.c - the VMX instructions in L1's VMX root operation (see
 * vmx_insn.h). Each follows the "Operation" pseudocode of its page in
 * SDM Vol 3C chapter 31; the order of the checks is the SDM's.
 */
#include "nested/vmx_insn.h"
#include "hv/x86/asm.h"
#include "nested/vmx_entry_checks.h"

#define EXC_UD 6
#define EXC_GP 13
#define RFLAGS_VM (1ull << 17)
#define FEATURE_CONTROL_LOCK (1ull << 0)
#define FEATURE_CONTROL_VMX_OUTSIDE_SMX (1ull << 2)

/* CF PF AF ZF SF OF. */
#define RFLAGS_ARITH 0x8d5ull

uint64_t vmx_outcome_rflags(uint64_t rflags, enum vmx_outcome o)
{
	rflags &= ~RFLAGS_ARITH;
	if (o == VMX_FAIL_INVALID)
		rflags |= 1ull << 0; /* CF */
	else if (o == VMX_FAIL_VALID)
		rflags |= 1ull << 6; /* ZF */
	return rflags;
}

static struct vmx_insn_result fault(uint8_t vector)
{
	struct vmx_insn_result r = { .outcome = VMX_FAULT, .vector = vector };
	return r;
}

static struct vmx_insn_result succeed(void)
{
	struct vmx_insn_result r = { .outcome = VMX_SUCCEED };
	return r;
}

static struct vmx_insn_result fail_invalid(void)
{
	struct vmx_insn_result r = { .outcome = VMX_FAIL_INVALID };
	return r;
}

/* VMfail(N): VMfailValid with the error in the current VMCS when there is
 * one, VMfailInvalid otherwise (SDM 3C 31.2). */
static struct vmx_insn_result vmfail(struct nvmx *n, uint32_t error)
{
	if (n->current == VMX_NO_VMCS)
		return fail_invalid();
	n->cache.field[VMCS12_VM_INSTRUCTION_ERROR] = error;
	struct vmx_insn_result r = { .outcome = VMX_FAIL_VALID, .error = error };
	return r;
}

/* The #UD conditions every VMX instruction shares: real mode, virtual-8086
 * mode, compatibility mode; then #GP(0) at CPL > 0. */
static bool mode_faults(const struct vmx_insn_ctx *c, struct vmx_insn_result *r)
{
	if (!(c->cr0 & CR0_PE) || (c->rflags & RFLAGS_VM) || (c->long_mode && !c->cs_l)) {
		*r = fault(EXC_UD);
		return true;
	}
	return false;
}

static bool root_faults(const struct nvmx *n, const struct vmx_insn_ctx *c, struct vmx_insn_result *r)
{
	if (!n->vmxon || mode_faults(c, r)) {
		*r = fault(EXC_UD);
		return true;
	}
	if (c->cpl) {
		*r = fault(EXC_GP);
		return true;
	}
	return false;
}

static bool page_addr_ok(uint64_t a, uint8_t maxphyaddr) { return !(a & 0xfff) && vmx_addr_fits(a, maxphyaddr); }

/* The 32-bit revision word at the start of a region (false: not RAM). */
static bool read_revision(const struct vmx_insn_ctx *c, uint64_t addr, uint32_t *rev)
{
	return c->mem->read(c->mem->ctx, addr, rev, sizeof(*rev));
}

/* The cached current VMCS12 back to L1 memory. */
static void write_back(struct nvmx *n, const struct vmx_insn_ctx *c)
{
	if (n->current != VMX_NO_VMCS)
		(void)c->mem->write(c->mem->ctx, n->current, &n->cache, sizeof(n->cache));
}

struct vmx_insn_result nvmx_vmxon(struct nvmx *n, const struct vmx_insn_ctx *c, uint64_t region)
{
	struct vmx_insn_result r;
	if (!(c->cr4 & CR4_VMXE) || mode_faults(c, &r))
		return fault(EXC_UD);
	if (n->vmxon)
		return c->cpl ? fault(EXC_GP) : vmfail(n, VMXERR_VMXON_IN_ROOT);
	const struct vmx_l1_caps *k = c->caps;
	bool cr_ok = (c->cr0 & k->cr0_fixed0) == k->cr0_fixed0 && !(c->cr0 & ~k->cr0_fixed1) &&
		     (c->cr4 & k->cr4_fixed0) == k->cr4_fixed0 && !(c->cr4 & ~k->cr4_fixed1);
	if (c->cpl || !cr_ok || !(c->feature_control & FEATURE_CONTROL_LOCK) ||
	    !(c->feature_control & FEATURE_CONTROL_VMX_OUTSIDE_SMX))
		return fault(EXC_GP);
	uint32_t rev;
	if (!page_addr_ok(region, c->maxphyaddr) || !read_revision(c, region, &rev) || rev != VMCS12_REVISION)
		return fail_invalid();
	n->vmxon = true;
	n->vmxon_ptr = region;
	n->current = VMX_NO_VMCS;
	return succeed();
}

struct vmx_insn_result nvmx_vmxoff(struct nvmx *n, const struct vmx_insn_ctx *c)
{
	struct vmx_insn_result r;
	if (root_faults(n, c, &r))
		return r;
	/* Software should VMCLEAR first; a VMCS still current is written
	 * back so nothing L1 wrote is lost. */
	write_back(n, c);
	n->current = VMX_NO_VMCS;
	n->vmxon = false;
	return succeed();
}

struct vmx_insn_result nvmx_vmclear(struct nvmx *n, const struct vmx_insn_ctx *c, uint64_t addr)
{
	struct vmx_insn_result r;
	if (root_faults(n, c, &r))
		return r;
	if (!page_addr_ok(addr, c->maxphyaddr))
		return vmfail(n, VMXERR_VMCLEAR_BAD_ADDR);
	if (addr == n->vmxon_ptr)
		return vmfail(n, VMXERR_VMCLEAR_VMXON_PTR);
	uint32_t clear = VMCS12_CLEAR;
	if (addr == n->current) {
		n->cache.launch = clear;
		write_back(n, c);
		n->current = VMX_NO_VMCS;
		return succeed();
	}
	/* The launch state lives in the region itself; a region outside L1
	 * RAM has none to clear (Nestor's choice: report a bad address). */
	if (!c->mem->write(c->mem->ctx, addr + __builtin_offsetof(struct vmcs12, launch), &clear, sizeof(clear)))
		return vmfail(n, VMXERR_VMCLEAR_BAD_ADDR);
	return succeed();
}

struct vmx_insn_result nvmx_vmptrld(struct nvmx *n, const struct vmx_insn_ctx *c, uint64_t addr)
{
	struct vmx_insn_result r;
	if (root_faults(n, c, &r))
		return r;
	if (!page_addr_ok(addr, c->maxphyaddr))
		return vmfail(n, VMXERR_VMPTRLD_BAD_ADDR);
	if (addr == n->vmxon_ptr)
		return vmfail(n, VMXERR_VMPTRLD_VMXON_PTR);
	uint32_t rev;
	/* Bit 31 (shadow VMCS) is refused too: VMCS shadowing is not offered. */
	if (!read_revision(c, addr, &rev) || rev != VMCS12_REVISION)
		return vmfail(n, VMXERR_VMPTRLD_BAD_REVISION);
	if (addr == n->current)
		return succeed();
	struct vmcs12 next;
	if (!c->mem->read(c->mem->ctx, addr, &next, sizeof(next)))
		return vmfail(n, VMXERR_VMPTRLD_BAD_ADDR);
	write_back(n, c);
	n->cache = next;
	n->current = addr;
	return succeed();
}

struct vmx_insn_result nvmx_vmptrst(struct nvmx *n, const struct vmx_insn_ctx *c)
{
	struct vmx_insn_result r;
	if (root_faults(n, c, &r))
		return r;
	r = succeed();
	r.value = n->current;
	return r;
}

/* The field encoding from a register: in 64-bit mode bits 63:32 must be
 * 0, else the field is unsupported (SDM 3C VMREAD/VMWRITE). */
static bool encoding_of(const struct vmx_insn_ctx *c, uint64_t reg, uint32_t *enc)
{
	if (c->long_mode && (reg >> 32))
		return false;
	*enc = (uint32_t)reg;
	return true;
}

struct vmx_insn_result nvmx_vmread(struct nvmx *n, const struct vmx_insn_ctx *c, uint64_t reg)
{
	struct vmx_insn_result r;
	if (root_faults(n, c, &r))
		return r;
	if (n->current == VMX_NO_VMCS)
		return fail_invalid();
	uint32_t enc;
	uint64_t val;
	if (!encoding_of(c, reg, &enc) || vmcs12_read(&n->cache, enc, c->long_mode, &val))
		return vmfail(n, VMXERR_UNSUPPORTED_FIELD);
	r = succeed();
	r.value = val;
	return r;
}

struct vmx_insn_result nvmx_vmwrite(struct nvmx *n, const struct vmx_insn_ctx *c, uint64_t reg, uint64_t val)
{
	struct vmx_insn_result r;
	if (root_faults(n, c, &r))
		return r;
	if (n->current == VMX_NO_VMCS)
		return fail_invalid();
	uint32_t enc;
	if (!encoding_of(c, reg, &enc))
		return vmfail(n, VMXERR_UNSUPPORTED_FIELD);
	int err = vmcs12_write(&n->cache, enc, c->long_mode, val, (c->caps->misc >> 29) & 1);
	return err ? vmfail(n, (uint32_t)err) : succeed();
}

struct vmx_insn_result nvmx_invept(struct nvmx *n, const struct vmx_insn_ctx *c, uint64_t type,
				   const uint64_t desc[2])
{
	struct vmx_insn_result r;
	uint64_t cap = c->caps->ept_vpid_cap;
	/* Without INVEPT (IA32_VMX_EPT_VPID_CAP bit 20) the opcode is #UD. */
	if (!(cap & (1ull << 20)))
		return fault(EXC_UD);
	if (root_faults(n, c, &r))
		return r;
	(void)desc; /* the EPTP to invalidate: the caller's to act on */
	if (!c->long_mode)
		type &= 0xffffffffull;
	/* Type 1 single-context (bit 25), 2 all-context (bit 26). */
	if (!((type == 1 && (cap & (1ull << 25))) || (type == 2 && (cap & (1ull << 26)))))
		return vmfail(n, VMXERR_INVALID_INVEPT_INVVPID);
	return succeed();
}

struct vmx_insn_result nvmx_invvpid(struct nvmx *n, const struct vmx_insn_ctx *c, uint64_t type,
				    const uint64_t desc[2])
{
	struct vmx_insn_result r;
	uint64_t cap = c->caps->ept_vpid_cap;
	if (!(cap & (1ull << 32)))
		return fault(EXC_UD);
	if (root_faults(n, c, &r))
		return r;
	if (!c->long_mode)
		type &= 0xffffffffull;
	/* Types 0 individual-address, 1 single-context, 2 all-context,
	 * 3 single-context keeping globals: IA32_VMX_EPT_VPID_CAP bits 40-43. */
	if (type > 3 || !(cap & (1ull << (40 + type))))
		return vmfail(n, VMXERR_INVALID_INVEPT_INVVPID);
	if (desc[0] >> 16)
		return vmfail(n, VMXERR_INVALID_INVEPT_INVVPID);
	uint16_t vpid = (uint16_t)desc[0];
	if (type != 2 && vpid == 0)
		return vmfail(n, VMXERR_INVALID_INVEPT_INVVPID);
	if (type == 0 && !vmx_canonical(desc[1]))
		return vmfail(n, VMXERR_INVALID_INVEPT_INVVPID);
	return succeed();
}

/*
 * vmx_ept02.c - nested EPT for L2 (EPT02) and L2's physical space for
 * L0's emulator (see vmx_vmentry.c for the whole picture).
 *
 * EPT02 is the shadow of L1's EPT12 through L0's EPT01, built on vmcs02's
 * EPT violations by the shared walk engine (nested/tdp02 with
 * nested/vmx_ept12's EPT12 format as the guest dimension, as nested SVM
 * builds NPT02); it behaves as a TLB: dropped at INVEPT, at an entry with
 * another EPTP and when EPT01 changes (vmx_flush_tdp). A fault of EPT12
 * is L1's EPT violation or misconfiguration, its qualification computed
 * for this exit's access (SDM 3C 28.2.1, Table 28-7). L0's MMIO and ROM
 * regions that L1 maps are never in EPT02: L0 emulates L2's instruction
 * in L2's physical space (hv/exit/tdp_fault.c tdp_emulate_mmio).
 */
#include "nested/vmx_l2.h"
#include "drivers/console.h"
#include "ept/ept_fmt.h"
#include "hv/core/vm.h"
#include "hv/dev/device.h"
#include "hv/lib/string.h"
#include "hv/vmx/vmx.h"
#include "mm/pages.h"
#include "nested/reflect.h"
#include "nested/tdp02.h"
#include "nested/vmx_ept12.h"

/* EPT02's pages are freed at once: no CPU walks it before this vCPU's
 * next entry, which flushes (INVEPT of its EPTP) first. */
void nested_vmx_ept02_drop(struct vcpu *v)
{
	struct vmx_l2 *l = L2(v);
	if (l->ept02_ready) {
		ptb_destroy(&l->ept02);
		l->ept02_ready = false;
	}
	VX(v)->flush_pending = true;
}

bool nested_vmx_ept02_ensure(struct vcpu *v)
{
	struct vmx_l2 *l = L2(v);
	if (!l->ept02_ready && ptb_init(&l->ept02, &v->vm->tdp_fmt, &nested_shadow_ops) == PTB_OK)
		l->ept02_ready = true;
	return l->ept02_ready;
}


void nested_vmx_invalidate(struct vcpu *v, bool ept)
{
	/* INVEPT: L1's EPT12 changes take effect now (EPT02 is re-walked).
	 * INVVPID: every switch between L1 and L2 flushes the shared VPID
	 * already, so nothing of L2's linear translations is kept. */
	if (ept)
		nested_vmx_ept02_drop(v);
}

void nested_vmx_tdp_flushed(struct vcpu *v)
{
	/* EPT01 changed: EPT02 holds copies of its entries. */
	struct vmx_l2 *l = L2(v);
	if (!l->ept02_ready)
		return;
	nested_vmx_ept02_drop(v);
	if (v->nested->guest_mode && l->ept) {
		if (!nested_vmx_ept02_ensure(v)) {
			vm_stop(v->vm, -1, "out of memory for the nested EPT of L2 (EPT02)");
			return;
		}
		vmx_load(v);
		vmwrite(VMCS_EPT_POINTER, VX(v)->eptp = ept_make_eptp(l->ept02.root, 4, false));
	}
}


/* Host memory (EPT01's tables, L1's RAM) for the walk: identity map. */
static void *host_ptr(void *opaque, uint64_t pa, unsigned size)
{
	(void)opaque;
	return pa + size <= (4ull << 30) ? pa_to_ptr(pa) : 0;
}

/* The walk L2-GPA -> EPT12 -> EPT01. */
static struct walk_ctx l0_walk(struct vcpu *v)
{
	struct walk_ctx c = {
		.tdp = { .fmt = &v->vm->tdp_fmt, .root = v->vm->tdp.root },
		.mem = { .ptr = host_ptr },
		.flags = WALK_F_SET_AD,
	};
	c.guest = L2(v)->ept12;
	return c;
}


/* At an entry with L1's EPT: its format, and EPT02 dropped for a new EPTP
 * (INVEPT drops it too; otherwise it is kept, like the TLB). */
bool nested_vmx_ept12_enter(struct vcpu *v, const struct vmcs12 *c12)
{
	struct nested_vmx *x = NV(v);
	struct vmx_l2 *l = L2(v);
	struct vmx_ept12_params p = { VMCS12_F(c12, EPT_POINTER), x->caps.ept_vpid_cap, x->maxphyaddr };
	if (!vmx_ept12_guest(&l->ept12, &l->ept12_fmt, &p))
		return false;
	l->ept12.fmt = &l->ept12_fmt;
	if (p.eptp != l->eptp12)
		nested_vmx_ept02_drop(v);
	l->eptp12 = p.eptp;
	return nested_vmx_ept02_ensure(v);
}


/* --- L2's physical space for L0's emulator (hv/exit/tdp_fault.c) ----------
 * L2-physical -> EPT12 -> L1-physical, walked as the CPU does. A fault of
 * EPT12 is L1's EPT violation for the emulated access; a fault of EPT01
 * at the final address is L1-physical memory that is not RAM: the VM's
 * (its MMIO or ROM, or nothing). */
static int l2_to_l1(void *opaque, uint64_t l2gpa, uint32_t acc, uint64_t *l1gpa, struct walk_fault *f)
{
	struct vcpu *v = opaque;
	struct walk_ctx c = l0_walk(v);
	return nested_l2_to_l1(&c, l2gpa, acc, l1gpa, f);
}

/* L2's page tables (at L2-physical addresses) as host memory. */
static void *l2_table_ptr(void *opaque, uint64_t l2gpa, unsigned size)
{
	struct vcpu *v = opaque;
	struct walk_ctx c = l0_walk(v);
	struct walk_result r;
	if (walk_translate(&c, l2gpa, WALK_ACC_READ, &r) != WALK_OK || (l2gpa & 4095) + size > 4096)
		return 0;
	return host_ptr(0, (r.hpa & ~4095ull) | (l2gpa & 4095), size);
}

/* EPT12 refused an access of L0's emulation of L2's instruction: L1's
 * EPT violation (or misconfiguration) for that access. Its linear address
 * is not known here, so qualification bit 7 is 0 (and bit 8 with it):
 * nothing is taken over from the hardware exit that started the
 * emulation, which was for another access. */
static enum exit_action l2_space_fault(void *opaque, uint64_t l2gpa, const struct walk_fault *f)
{
	struct vcpu *v = opaque;
	struct vmx_l2_access a = { .acc = f->access & (WALK_ACC_READ | WALK_ACC_WRITE | WALK_ACC_FETCH) };
	struct vmx_ept12_exit ex;
	if (f->dim != WALK_DIM_GUEST || !vmx_ept12_exit(f, &a, &L2(v)->ept12_fmt, l2gpa, &ex)) {
		vm_stop(v->vm, -1, "internal error: the emulated access of L2 reached memory L1's EPT cannot map "
				   "(not emulated)");
		return EXIT_ACTION_STOPPED;
	}
	struct vmx_l2_exit x = { .reason = ex.reason, .qual = ex.qual, .gpa = ex.gpa, .gla = ex.gla };
	return nested_vmx_exit_to_l1(v, &x);
}

/* An EPT violation/misconfiguration of vmcs02 under L1's EPT: fill EPT02,
 * or L1's exit computed from its walk for this access, or L0's (EPT01: a
 * page mapped on touch; L0's MMIO or ROM region at the L1-physical
 * address, emulated for L2 in L2's physical space). */
enum exit_action nested_vmx_ept_fault(struct vcpu *v, struct vm_exit *e)
{
	struct nested_vcpu *n = v->nested;
	struct vmx_l2 *l = L2(v);
	uint64_t l2gpa = vmread(VMCS_GUEST_PHYSICAL_ADDRESS);
	/* A misconfiguration of EPT02 has no qualification (EPT02 never
	 * holds one today; kept for safety): the access is a read. */
	struct vmx_l2_access a = { .acc = WALK_ACC_READ };
	if (e->reason == EXIT_TDP_FAULT)
		a = vmx_l2_access_from_violation(e->qual, vmread(VMCS_GUEST_LINEAR_ADDRESS));
	struct walk_ctx c = l0_walk(v);
	struct walk_result r;
	bool flush = false;
	int k = nested_tdp02_fill(&l->ept02, &c, l2gpa, vmx_ept12_walk_access(&a, &l->ept12_fmt), &r, &flush);
	if (k == WALK_OK) {
		if (flush)
			VX(v)->flush_pending = true;
		return EXIT_ACTION_RESUME;
	}
	struct vmx_ept12_exit ex;
	if (nested_tdp_classify(k, &r) == NESTED_TDP_L1 && vmx_ept12_exit(&r.fault, &a, &l->ept12_fmt, l2gpa, &ex)) {
		struct vmx_l2_exit x = nested_vmx_hw_exit();
		x.reason = ex.reason;
		x.qual = ex.qual;
		x.gpa = ex.gpa;
		x.gla = ex.gla;
		x.insn_len = 0;
		x.insn_info = 0;
		return nested_vmx_exit_to_l1(v, &x);
	}
	if (r.fault.dim == WALK_DIM_TDP && v->vm->ntouch && tdp_touch_restore(v, r.fault.gpa))
		return EXIT_ACTION_RESUME; /* an HC_SET_PERM page of L1, mapped back */
	if (r.fault.dim == WALK_DIM_TDP && !r.fault.at_guest_table && vm_mmio_at(v->vm, r.fault.gpa)) {
		n->l2_mmio++;
		struct tdp_guest_space sp = {
			.tables = { .ptr = l2_table_ptr, .opaque = v },
			.to_vm = l2_to_l1,
			.fault = l2_space_fault,
			.opaque = v,
		};
		return nested_vmx_after_emulation(v, tdp_emulate_mmio(v, e, r.fault.gpa, r.fault.kind == WALK_FAULT_NOT_PRESENT, &sp));
	}
	vm_stop_with_report(v, e, r.fault.dim == WALK_DIM_NONE
					  ? "out of memory for the nested EPT of L2 (EPT02)"
					  : "L2 reached L1-physical memory that L0 does not back (not RAM nor a device)");
	return EXIT_ACTION_STOPPED;
}


/*
 * vmx_guest_checks.c - VM-entry checks on the guest-state area of an L1's
 * VMCS12 (SDM Vol 3C "Checks on the Guest State Area": control registers
 * and MSRs, segment registers, descriptor-table registers, RIP and
 * RFLAGS, non-register state, PDPTEs). A failure is a VM-entry-failure
 * exit into L1 (see vmx_entry_checks.h).
 */
#include "nested/vmx_entry_checks.h"
#include "hv/vmx/vmx_arch.h"
#include "hv/x86/asm.h"

#define F VMCS12_F


#define AR_TYPE(ar) ((ar) & 0xf)
#define AR_S (1u << 4)
#define AR_DPL(ar) (((ar) >> 5) & 3)
#define AR_P (1u << 7)
#define AR_L (1u << 13)
#define AR_DB (1u << 14)
#define AR_G (1u << 15)
#define AR_UNUSABLE (1u << 16)

#define RFLAGS_TF (1u << 8)
#define RFLAGS_IF (1u << 9)
#define RFLAGS_VM (1u << 17)

static struct vmx_check_result guest_fail(uint32_t qual, const char *what)
{
	struct vmx_check_result r = { VMX_EXIT_ENTRY_FAIL_GUEST, qual, what };
	return r;
}
#define FAIL(what) guest_fail(VMX_ENTRY_FAIL_QUAL_DEFAULT, what)

struct seg {
	uint64_t sel, base;
	uint32_t limit, ar;
};

static struct seg seg_of(const struct vmcs12 *v, enum vmcs12_index sel, enum vmcs12_index base,
			 enum vmcs12_index limit, enum vmcs12_index ar)
{
	struct seg s = { v->field[sel], v->field[base], (uint32_t)v->field[limit], (uint32_t)v->field[ar] };
	return s;
}
#define SEG(v, n) seg_of(v, VMCS12_GUEST_##n##_SEL, VMCS12_GUEST_##n##_BASE, VMCS12_GUEST_##n##_LIMIT, VMCS12_GUEST_##n##_AR)

/* Granularity against the limit: G = 0 if any of limit 11:0 is 0, G = 1
 * if any of limit 31:20 is 1. */
static bool granularity_ok(const struct seg *s)
{
	if ((s->limit & 0xfff) != 0xfff && (s->ar & AR_G))
		return false;
	return !((s->limit & 0xfff00000u) && !(s->ar & AR_G));
}

/* Reserved access-rights bits 11:8 and 31:17. */
static bool ar_reserved_clear(uint32_t ar) { return !(ar & 0xf00) && !(ar & 0xfffe0000u); }

static const char *check_v8086_segments(const struct seg *segs)
{
	for (unsigned i = 0; i < 6; i++) {
		const struct seg *s = &segs[i];
		if (s->base != (s->sel & 0xffff) << 4)
			return "virtual-8086 guest: a segment base is not its selector times 16";
		if (s->limit != 0xffff)
			return "virtual-8086 guest: a segment limit is not 0xFFFF";
		if (s->ar != 0xf3)
			return "virtual-8086 guest: a segment's access rights are not 0xF3";
	}
	return 0;
}

/* CS, SS, DS, ES, FS, GS outside virtual-8086 mode. segs: ES CS SS DS FS GS. */
static const char *check_segments(const struct seg *segs, bool unrestricted, bool ia32e, bool pe)
{
	const struct seg *cs = &segs[1], *ss = &segs[2];
	unsigned cst = AR_TYPE(cs->ar);
	if (!(cst == 9 || cst == 11 || cst == 13 || cst == 15 || (unrestricted && cst == 3)))
		return "guest CS: type is not accessed code (or accessed data with unrestricted guest)";
	if (!(cs->ar & AR_S) || !(cs->ar & AR_P) || (cs->ar & AR_UNUSABLE))
		return "guest CS: S or P clear, or CS unusable";
	if (!ar_reserved_clear(cs->ar) || !granularity_ok(cs))
		return "guest CS: reserved access-rights bits, or G does not fit the limit";
	if (cst == 3 && AR_DPL(cs->ar) != 0)
		return "guest CS: data-type CS with DPL other than 0";
	if ((cst == 9 || cst == 11) && AR_DPL(cs->ar) != AR_DPL(ss->ar))
		return "guest CS: non-conforming code with DPL other than SS.DPL";
	if ((cst == 13 || cst == 15) && AR_DPL(cs->ar) > AR_DPL(ss->ar))
		return "guest CS: conforming code with DPL above SS.DPL";
	if (ia32e && (cs->ar & AR_L) && (cs->ar & AR_DB))
		return "guest CS: L and D/B both set in an IA-32e mode guest";
	if (cs->base >> 32)
		return "guest CS base: bits 63:32 set";

	if (!(ss->ar & AR_UNUSABLE)) {
		unsigned t = AR_TYPE(ss->ar);
		if (t != 3 && t != 7)
			return "guest SS: type is not read/write accessed data";
		if (!(ss->ar & AR_S) || !(ss->ar & AR_P) || !ar_reserved_clear(ss->ar) || !granularity_ok(ss))
			return "guest SS: S or P clear, reserved bits, or G does not fit the limit";
	}
	if (!unrestricted && AR_DPL(ss->ar) != (ss->sel & 3))
		return "guest SS: DPL differs from its RPL";
	if ((cst == 3 || !pe) && AR_DPL(ss->ar) != 0)
		return "guest SS: DPL not 0 with real mode or a data-type CS";
	if (!unrestricted && (ss->sel & 3) != (cs->sel & 3))
		return "guest SS: RPL differs from CS's RPL";

	static const unsigned data[] = { 0, 3, 4, 5 }; /* ES DS FS GS */
	for (unsigned i = 0; i < 4; i++) {
		const struct seg *s = &segs[data[i]];
		if (s->ar & AR_UNUSABLE)
			continue;
		unsigned t = AR_TYPE(s->ar);
		if (!(t & 1) || ((t & 8) && !(t & 2)))
			return "guest ES/DS/FS/GS: not accessed, or execute-only code";
		if (!(s->ar & AR_S) || !(s->ar & AR_P) || !ar_reserved_clear(s->ar) || !granularity_ok(s))
			return "guest ES/DS/FS/GS: S or P clear, reserved bits, or G does not fit the limit";
		if (!unrestricted && t <= 11 && AR_DPL(s->ar) < (s->sel & 3))
			return "guest ES/DS/FS/GS: DPL below RPL";
	}
	for (unsigned i = 0; i < 6; i++) {
		const struct seg *s = &segs[i];
		bool usable = !(s->ar & AR_UNUSABLE);
		if (i >= 4 && !vmx_canonical(s->base))
			return "guest FS/GS base not canonical";
		if ((i == 0 || i == 2 || i == 3) && usable && (s->base >> 32))
			return "guest ES/SS/DS base: bits 63:32 set";
	}
	return 0;
}

static const char *check_system_segments(const struct vmcs12 *v, bool ia32e)
{
	struct seg tr = SEG(v, TR), ldtr = SEG(v, LDTR);
	unsigned t = AR_TYPE(tr.ar);
	if (tr.sel & 4)
		return "guest TR: TI set";
	if (!(t == 11 || (!ia32e && t == 3)))
		return "guest TR: type is not a busy TSS (64-bit busy TSS in an IA-32e mode guest)";
	if ((tr.ar & AR_S) || !(tr.ar & AR_P) || (tr.ar & AR_UNUSABLE) || !ar_reserved_clear(tr.ar) ||
	    !granularity_ok(&tr))
		return "guest TR: S set, P clear, unusable, reserved bits, or G does not fit the limit";
	if (!vmx_canonical(tr.base))
		return "guest TR base not canonical";
	if (!(ldtr.ar & AR_UNUSABLE)) {
		if (ldtr.sel & 4)
			return "guest LDTR: TI set";
		if (AR_TYPE(ldtr.ar) != 2 || (ldtr.ar & AR_S) || !(ldtr.ar & AR_P) || !ar_reserved_clear(ldtr.ar) ||
		    !granularity_ok(&ldtr))
			return "guest LDTR: not an LDT, S set, P clear, reserved bits, or G does not fit the limit";
		if (!vmx_canonical(ldtr.base))
			return "guest LDTR base not canonical";
	}
	if (!vmx_canonical(F(v, GUEST_GDTR_BASE)) || !vmx_canonical(F(v, GUEST_IDTR_BASE)))
		return "guest GDTR/IDTR base not canonical";
	if ((F(v, GUEST_GDTR_LIMIT) | F(v, GUEST_IDTR_LIMIT)) & 0xffff0000u)
		return "guest GDTR/IDTR limit: bits 31:16 set";
	return 0;
}

/* Activity state, interruptibility, pending debug exceptions, and how
 * they combine with the event being injected. */
static struct vmx_check_result check_non_register(const struct vmcs12 *v, const struct vmx_entry_ctx *c,
						  uint32_t pin, bool ia32e)
{
	uint64_t rflags = F(v, GUEST_RFLAGS), act = F(v, GUEST_ACTIVITY_STATE);
	uint64_t intr = F(v, GUEST_INTERRUPTIBILITY), dbg = F(v, GUEST_PENDING_DBG);
	uint32_t info = (uint32_t)F(v, ENTRY_INTR_INFO);
	bool inject = info & (1u << 31);
	unsigned type = (info >> 8) & 7, vector = info & 0xff;

	/* RIP and RFLAGS. */
	bool cs_l = F(v, GUEST_CS_AR) & AR_L;
	if ((!ia32e || !cs_l) ? (F(v, GUEST_RIP) >> 32) != 0 : !vmx_canonical(F(v, GUEST_RIP)))
		return FAIL("guest RIP: bits 63:32 set outside 64-bit code, or not canonical in it");
	if ((rflags & ~0x3f7fd7ull) || !(rflags & 2))
		return FAIL("guest RFLAGS: reserved bits set or bit 1 clear");
	if ((ia32e || !(F(v, GUEST_CR0) & CR0_PE)) && (rflags & RFLAGS_VM))
		return FAIL("guest RFLAGS.VM set in an IA-32e mode or real-mode guest");
	if (inject && type == 0 && !(rflags & RFLAGS_IF))
		return FAIL("external interrupt injected with guest RFLAGS.IF clear");

	/* Activity state: 0 active, 1 HLT, 2 shutdown, 3 wait-for-SIPI, each
	 * beyond active only if IA32_VMX_MISC bits 8:6 report it. */
	if (act > 3 || (act && !((c->caps->misc >> (5 + act)) & 1)))
		return FAIL("guest activity state not supported");
	if (act == 1 && AR_DPL(F(v, GUEST_SS_AR)) != 0)
		return FAIL("guest activity state HLT with SS.DPL other than 0");
	if (act && (intr & 3))
		return FAIL("guest activity state not active while blocking by STI or MOV SS");
	if (inject && act == 1 && !(type == 0 || type == 2 || type == 7 || (type == 3 && (vector == 1 || vector == 18))))
		return FAIL("event injected in HLT state that HLT cannot take");

	/* Interruptibility: bits 31:5 reserved (bit 4, enclave
	 * interruption, only with SGX: not offered); STI and MOV SS not both;
	 * STI blocking only with IF = 1; no SMI blocking outside SMM. */
	if (intr & ~0xfull)
		return FAIL("guest interruptibility: reserved bits set");
	if ((intr & 3) == 3)
		return FAIL("guest interruptibility: blocking by STI and by MOV SS together");
	if ((intr & 1) && !(rflags & RFLAGS_IF))
		return FAIL("guest interruptibility: blocking by STI with RFLAGS.IF clear");
	if (intr & 4)
		return FAIL("guest interruptibility: blocking by SMI outside SMM");
	if (inject && type == 0 && (intr & 3))
		return FAIL("external interrupt injected while blocking by STI or MOV SS");
	if (inject && type == 2) {
		if (intr & 2)
			return FAIL("NMI injected while blocking by MOV SS");
		if (intr & 1)
			return guest_fail(VMX_ENTRY_FAIL_QUAL_NMI_STI, "NMI injected while blocking by STI");
		if ((pin & PIN_VIRTUAL_NMIS) && (intr & 8))
			return FAIL("NMI injected with virtual-NMI blocking");
	}

	/* Pending debug exceptions: only B3-B0 (3:0), enabled breakpoint
	 * (12) and BS (14) defined (RTM, bit 16, is not offered). With STI /
	 * MOV SS blocking or HLT, BS must say whether a single-step trap is
	 * pending: set iff TF = 1 and DEBUGCTL.BTF = 0. */
	if (dbg & ~0x500full)
		return FAIL("guest pending debug exceptions: reserved bits set");
	if ((intr & 3) || act == 1) {
		bool tf = rflags & RFLAGS_TF, btf = F(v, GUEST_IA32_DEBUGCTL) & 2;
		if (!!(dbg & (1u << 14)) != (tf && !btf))
			return FAIL("guest pending debug exceptions: BS does not match RFLAGS.TF and DEBUGCTL.BTF");
	}
	struct vmx_check_result ok = { 0, 0, 0 };
	return ok;
}

/* PAE PDPTEs: reserved bits 2:1, 8:5 and above the physical-address
 * width must be 0 in a present entry (SDM 3A 4.4.1). */
static bool pdpte_ok(uint64_t e, uint8_t maxphyaddr)
{
	if (!(e & 1))
		return true;
	return !(e & 0x1e6) && vmx_addr_fits(e & ~0xfffull, maxphyaddr);
}

struct vmx_check_result vmx_check_guest_state(const struct vmcs12 *v, const struct vmx_entry_ctx *c)
{
	const struct vmx_l1_caps *k = c->caps;
	uint32_t pin = (uint32_t)F(v, PIN_BASED_CTLS), proc = (uint32_t)F(v, PROC_BASED_CTLS);
	uint32_t proc2 = (proc & PROC_SECONDARY) ? (uint32_t)F(v, PROC_BASED_CTLS2) : 0;
	uint32_t entry = (uint32_t)F(v, ENTRY_CTLS);
	bool unrestricted = proc2 & PROC2_UNRESTRICTED, ia32e = entry & ENTRY_CTL_IA32E;
	uint64_t cr0 = F(v, GUEST_CR0), cr4 = F(v, GUEST_CR4);

	/* Control registers: the VMX fixed bits (PE and PG exempt with
	 * unrestricted guest), PG only with PE, IA-32e mode only with paging
	 * and PAE, PCIDE only in IA-32e mode. */
	uint64_t fixed0 = k->cr0_fixed0 & ~(unrestricted ? (CR0_PE | CR0_PG) : 0);
	if ((cr0 & fixed0) != fixed0 || (cr0 & ~(k->cr0_fixed1 & 0xffffffffull)))
		return FAIL("guest CR0: a bit fixed in VMX operation (IA32_VMX_CR0_FIXED0/1)");
	if ((cr0 & CR0_PG) && !(cr0 & CR0_PE))
		return FAIL("guest CR0: PG set with PE clear");
	if ((cr4 & k->cr4_fixed0) != k->cr4_fixed0 || (cr4 & ~(k->cr4_fixed1 & 0xffffffffull)))
		return FAIL("guest CR4: a bit fixed in VMX operation (IA32_VMX_CR4_FIXED0/1)");
	if (ia32e && (!(cr0 & CR0_PG) || !(cr4 & CR4_PAE)))
		return FAIL("IA-32e mode guest with CR0.PG or CR4.PAE clear");
	if (!ia32e && (cr4 & (1ull << 17)))
		return FAIL("guest CR4.PCIDE set outside IA-32e mode");
	if (!vmx_addr_fits(F(v, GUEST_CR3), c->maxphyaddr))
		return FAIL("guest CR3 beyond the physical-address width");
	if (entry & ENTRY_CTL_LOAD_DEBUG) {
		/* DEBUGCTL: LBR 0, BTF 1, bits 15:6 (no bit Nestor cannot
		 * back is needed by L2s; bits 5:2 and 63:16 are reserved). */
		if (F(v, GUEST_IA32_DEBUGCTL) & ~0xffc3ull)
			return FAIL("guest IA32_DEBUGCTL: reserved bits set");
		if (F(v, GUEST_DR7) >> 32)
			return FAIL("guest DR7: bits 63:32 set");
	}
	if (!vmx_canonical(F(v, GUEST_SYSENTER_ESP)) || !vmx_canonical(F(v, GUEST_SYSENTER_EIP)))
		return FAIL("guest IA32_SYSENTER_ESP/EIP not canonical");
	if ((entry & ENTRY_CTL_LOAD_PAT) && !vmx_pat_valid(F(v, GUEST_IA32_PAT)))
		return FAIL("guest IA32_PAT: a byte that is not a memory type");
	if (entry & ENTRY_CTL_LOAD_EFER) {
		uint64_t efer = F(v, GUEST_IA32_EFER);
		if (efer & ~(uint64_t)(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE))
			return FAIL("guest IA32_EFER: reserved bits set");
		if (!!(efer & EFER_LMA) != ia32e || ((cr0 & CR0_PG) && !!(efer & EFER_LME) != ia32e))
			return FAIL("guest IA32_EFER: LMA (or LME with paging) differs from IA-32e mode guest");
	}

	/* Segment and descriptor-table registers. */
	struct seg segs[6] = { SEG(v, ES), SEG(v, CS), SEG(v, SS), SEG(v, DS), SEG(v, FS), SEG(v, GS) };
	bool v8086 = (F(v, GUEST_RFLAGS) & RFLAGS_VM) && !ia32e && (cr0 & CR0_PE);
	const char *bad = v8086 ? check_v8086_segments(segs) : check_segments(segs, unrestricted, ia32e, cr0 & CR0_PE);
	if (!bad)
		bad = check_system_segments(v, ia32e);
	if (bad)
		return FAIL(bad);

	struct vmx_check_result r = check_non_register(v, c, pin, ia32e);
	if (r.error)
		return r;

	/* The VMCS link pointer: all ones (no shadow VMCS is offered), or a
	 * 4-KiB-aligned address in range holding the VMCS12 revision. */
	uint64_t link = F(v, VMCS_LINK_POINTER);
	if (link != ~0ull) {
		uint64_t word;
		if ((link & 0xfff) || !vmx_addr_fits(link, c->maxphyaddr) || !c->read_u64(c->mem, link, &word) ||
		    (uint32_t)word != VMCS12_REVISION)
			return guest_fail(VMX_ENTRY_FAIL_QUAL_LINK_PTR, "VMCS link pointer: not all ones and no VMCS there");
	}

	/* PAE paging outside IA-32e mode: with EPT the PDPTE fields are used,
	 * without it the PDPTEs are loaded from CR3 (32-byte aligned). */
	if ((cr0 & CR0_PG) && (cr4 & CR4_PAE) && !ia32e) {
		bool ept = proc2 & PROC2_EPT;
		for (unsigned i = 0; i < 4; i++) {
			uint64_t e;
			if (ept)
				e = v->field[VMCS12_GUEST_PDPTE0 + i];
			else if (!c->read_u64(c->mem, (F(v, GUEST_CR3) & ~0x1full) + 8 * i, &e))
				return guest_fail(VMX_ENTRY_FAIL_QUAL_PDPTE, "PDPTE outside L1 memory");
			if (!pdpte_ok(e, c->maxphyaddr))
				return guest_fail(ept ? VMX_ENTRY_FAIL_QUAL_DEFAULT : VMX_ENTRY_FAIL_QUAL_PDPTE,
						  "PDPTE: reserved bits set in a present entry");
		}
	}
	return r;
}

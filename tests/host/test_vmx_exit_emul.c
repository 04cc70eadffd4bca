/*
 * test_vmx_exit_emul.c - a VM exit from L2 into L1 as the CPU performs it:
 * exit information (SDM 3C 28.2), guest state saved into VMCS12 with the
 * save controls (28.3), L1's state from the host-state area (28.5).
 */
#include "tests/host/check.h"
#include "hv/vmx/vmx_arch.h"
#include "hv/x86/asm.h"
#include "nested/vmx_exit_emul.h"
#include "nested/vmx_vmcs02.h"

#define F(name) VMCS12_F(&c12, name)
#define G(name) (g02[VMCS12_##name])

static struct vmcs12 c12;
static uint64_t g02[VMCS12_NFIELDS];
static struct vmx_l1_state l1;
static const struct vmx_l1_kept kept = { .cr0 = CR0_PE | CR0_PG | CR0_ET | CR0_CD, .efer = 0x901,
					 .pat = 0x0007040600070406ull };

/* vmcs02's guest state at the exit: a 64-bit L2. */
static const struct {
	unsigned slot;
	uint64_t val;
} l2_at_exit[] = {
	{ VMCS12_GUEST_CR0, CR0_PE | CR0_PG | CR0_NE | CR0_TS },
	{ VMCS12_GUEST_CR4, CR4_PAE | CR4_VMXE },
	{ VMCS12_GUEST_IA32_EFER, EFER_LME | EFER_LMA },
	{ VMCS12_GUEST_RIP, 0x401234 },
	{ VMCS12_GUEST_RSP, 0x8000 },
	{ VMCS12_GUEST_RFLAGS, 0x246 },
	{ VMCS12_GUEST_CS_AR, 0xa09b },
	{ VMCS12_GUEST_LDTR_AR, 1u << 16 },
	{ VMCS12_GUEST_INTERRUPTIBILITY, 2 },
	{ VMCS12_GUEST_PENDING_DBG, 0x4000 },
	{ VMCS12_GUEST_DR7, 0x401 },
	{ VMCS12_GUEST_IA32_DEBUGCTL, 1 },
	{ VMCS12_GUEST_IA32_PAT, 0x66 },
	{ VMCS12_VMCS_LINK_POINTER, ~0ull },
};

/* A 64-bit L1 with a 64-bit L2; vmcs02 as the CPU left it at the exit. */
static void base(void)
{
	memset(&c12, 0, sizeof(c12));
	memset(g02, 0, sizeof(g02));
	F(EXIT_CTLS) = EXIT_CTL_HOST_64;
	F(ENTRY_CTLS) = ENTRY_CTL_IA32E;
	F(HOST_CR0) = CR0_PE | CR0_PG | CR0_NE | CR0_WP;
	F(HOST_CR3) = 0x1000;
	F(HOST_CR4) = CR4_PAE | CR4_VMXE | (1ull << 17);
	F(HOST_CS_SEL) = 0x10;
	F(HOST_SS_SEL) = 0x18;
	F(HOST_DS_SEL) = 0;
	F(HOST_FS_SEL) = 0;
	F(HOST_FS_BASE) = 0x7000;
	F(HOST_GS_BASE) = 0xffff888000000000ull;
	F(HOST_TR_SEL) = 0x40;
	F(HOST_TR_BASE) = 0x9000;
	F(HOST_GDTR_BASE) = 0xa000;
	F(HOST_IDTR_BASE) = 0xb000;
	F(HOST_RIP) = 0xffffffff81000000ull;
	F(HOST_RSP) = 0xc000;
	F(HOST_IA32_SYSENTER_CS) = 0x10;
	F(HOST_SYSENTER_EIP) = 0x1234;
	F(HOST_IA32_EFER) = 0xd01;
	F(HOST_IA32_PAT) = 6;
	F(GUEST_DR7) = 0x455;
	F(GUEST_IA32_PAT) = 0x11;
	F(GUEST_IA32_EFER) = 0x22;
	F(ENTRY_INTR_INFO) = INTR_INFO_VALID | 0x20;
	for (unsigned i = 0; i < sizeof(l2_at_exit) / sizeof(l2_at_exit[0]); i++)
		g02[l2_at_exit[i].slot] = l2_at_exit[i].val;
}

static void do_exit(const struct vmx_l2_exit *x)
{
	vmx_exit_emulate(&c12, x, g02, CR0_NE, CR4_VMXE, &kept, &l1);
}

TEST(exit_information_recorded)
{
	base();
	struct vmx_l2_exit x = { .reason = VMX_EXIT_EPT_VIOLATION, .qual = 0x18a, .gla = 0x7008,
				 .gpa = 0x5008, .insn_len = 3, .intr_info = INTR_INFO_VALID | 14,
				 .idt_info = INTR_INFO_VALID | INTR_INFO_ERROR_VALID |
					     INTR_TYPE_HW_EXCEPTION << INTR_TYPE_SHIFT | 14,
				 .idt_error = 2 };
	do_exit(&x);
	CHECK_EQ(F(EXIT_REASON), VMX_EXIT_EPT_VIOLATION);
	CHECK_EQ(F(EXIT_QUALIFICATION), 0x18a);
	CHECK_EQ(F(GUEST_LINEAR_ADDRESS), 0x7008);
	CHECK_EQ(F(GUEST_PHYSICAL_ADDRESS), 0x5008);
	CHECK_EQ(F(EXIT_INTR_INFO), 0); /* not an exception/NMI exit */
	/* L2's in-flight #PF goes to L1 in the IDT-vectoring fields. */
	CHECK_EQ(F(IDT_VECTORING_INFO), x.idt_info);
	CHECK_EQ(F(IDT_VECTORING_ERROR_CODE), 2);
	CHECK_EQ(F(EXIT_INSTRUCTION_LEN), 3);
	CHECK_EQ(F(ENTRY_INTR_INFO), 0x20); /* valid bit cleared */
	/* Not an EPT exit: the guest-physical field is left alone. */
	F(GUEST_PHYSICAL_ADDRESS) = 0x99;
	x.reason = VMX_EXIT_CPUID;
	do_exit(&x);
	CHECK_EQ(F(GUEST_PHYSICAL_ADDRESS), 0x99);
}

TEST(exception_and_external_interrupt_info)
{
	base();
	uint32_t gp = INTR_INFO_VALID | INTR_INFO_ERROR_VALID | INTR_TYPE_HW_EXCEPTION << INTR_TYPE_SHIFT | 13;
	struct vmx_l2_exit x = { .reason = VMX_EXIT_EXCEPTION_NMI, .intr_info = gp, .intr_error = 0x18 };
	do_exit(&x);
	CHECK_EQ(F(EXIT_INTR_INFO), gp);
	CHECK_EQ(F(EXIT_INTR_ERROR_CODE), 0x18);
	/* External interrupt without "acknowledge interrupt on exit":
	 * interruption information invalid. */
	x = (struct vmx_l2_exit){ .reason = VMX_EXIT_EXTINT, .ext_vector = 0x31 };
	do_exit(&x);
	CHECK_EQ(F(EXIT_INTR_INFO), 0);
	F(EXIT_CTLS) |= EXIT_CTL_ACK_INTR;
	do_exit(&x);
	CHECK_EQ(F(EXIT_INTR_INFO), INTR_INFO_VALID | 0x31);
}

TEST(guest_state_saved_with_save_controls)
{
	base();
	struct vmx_l2_exit x = { .reason = VMX_EXIT_HLT, .l2_activity = VMCS02_HALTED };
	do_exit(&x);
	CHECK_EQ(F(GUEST_RIP), 0x401234);
	CHECK_EQ(F(GUEST_RSP), 0x8000);
	CHECK_EQ(F(GUEST_RFLAGS), 0x246);
	CHECK_EQ(F(GUEST_CS_AR), 0xa09b);
	CHECK_EQ(F(GUEST_LDTR_AR), 1u << 16);
	CHECK_EQ(F(GUEST_INTERRUPTIBILITY), 2);
	CHECK_EQ(F(GUEST_PENDING_DBG), 0x4000);
	CHECK_EQ(F(GUEST_ACTIVITY_STATE), 1);
	CHECK_EQ(F(VMCS_LINK_POINTER), 0); /* not a guest register */
	/* No save controls: DR7, DEBUGCTL, PAT, EFER as L1 wrote them. */
	CHECK_EQ(F(GUEST_DR7), 0x455);
	CHECK_EQ(F(GUEST_IA32_PAT), 0x11);
	CHECK_EQ(F(GUEST_IA32_EFER), 0x22);
	F(EXIT_CTLS) |= EXIT_CTL_SAVE_DEBUG | EXIT_CTL_SAVE_PAT | EXIT_CTL_SAVE_EFER;
	do_exit(&x);
	CHECK_EQ(F(GUEST_DR7), 0x401);
	CHECK_EQ(F(GUEST_IA32_DEBUGCTL), 1);
	CHECK_EQ(F(GUEST_IA32_PAT), 0x66);
	CHECK_EQ(F(GUEST_IA32_EFER), EFER_LME | EFER_LMA);
}

TEST(ia32e_entry_control_follows_lma)
{
	base();
	G(GUEST_IA32_EFER) = 0; /* L2 left long mode */
	struct vmx_l2_exit x = { .reason = VMX_EXIT_CPUID };
	do_exit(&x);
	CHECK_EQ(F(ENTRY_CTLS) & ENTRY_CTL_IA32E, 0);
	G(GUEST_IA32_EFER) = EFER_LMA | EFER_LME;
	do_exit(&x);
	CHECK_EQ(F(ENTRY_CTLS) & ENTRY_CTL_IA32E, ENTRY_CTL_IA32E);
}

TEST(cr_bits_only_l0_owns_come_from_the_shadow)
{
	base();
	/* L0 owns NE and keeps it set; L2 believes (shadow02) it is 0.
	 * L1 owns TS: the real value is L2's. */
	F(CR0_GUEST_HOST_MASK) = CR0_TS;
	G(CR0_READ_SHADOW) = CR0_PE | CR0_PG;
	struct vmx_l2_exit x = { .reason = VMX_EXIT_CPUID };
	do_exit(&x);
	CHECK_EQ(F(GUEST_CR0), CR0_PE | CR0_PG | CR0_TS);
	/* L1 owns NE too: its bit is the real register's. */
	F(CR0_GUEST_HOST_MASK) = CR0_TS | CR0_NE;
	do_exit(&x);
	CHECK_EQ(F(GUEST_CR0), CR0_PE | CR0_PG | CR0_TS | CR0_NE);
	G(CR4_READ_SHADOW) = CR4_PAE;
	do_exit(&x);
	CHECK_EQ(F(GUEST_CR4), CR4_PAE); /* VMXE is L0's alone */
}

TEST(entry_failure_saves_no_guest_state)
{
	base();
	F(GUEST_RIP) = 0x1111;
	struct vmx_l2_exit x = { .reason = VMX_EXIT_REASON_ENTRY_FAILURE | VMX_EXIT_INVALID_GUEST_STATE,
				 .qual = 2, .idt_info = INTR_INFO_VALID };
	do_exit(&x);
	CHECK_EQ(F(EXIT_REASON), VMX_EXIT_REASON_ENTRY_FAILURE | VMX_EXIT_INVALID_GUEST_STATE);
	CHECK_EQ(F(EXIT_QUALIFICATION), 2);
	CHECK_EQ(F(GUEST_RIP), 0x1111);
	CHECK_EQ(F(IDT_VECTORING_INFO), 0);
	CHECK_EQ(l1.rip, 0xffffffff81000000ull); /* L1 still gets its host state */
}

TEST(host_state_loaded_64bit)
{
	base();
	struct vmx_l2_exit x = { .reason = VMX_EXIT_CPUID };
	do_exit(&x);
	/* CD kept from L1, ET kept (0 in HOST_CR0 is not loaded). */
	CHECK_EQ(l1.cr0, CR0_PE | CR0_PG | CR0_NE | CR0_WP | CR0_ET | CR0_CD);
	CHECK_EQ(l1.cr3, 0x1000);
	CHECK_EQ(l1.cr4, CR4_PAE | CR4_VMXE | (1ull << 17));
	CHECK_EQ(l1.dr7, 0x400);
	CHECK_EQ(l1.debugctl, 0);
	CHECK_EQ(l1.efer, 0xd01); /* kept 0x901 with LMA|LME */
	CHECK_EQ(l1.pat, kept.pat);
	CHECK_EQ(l1.rflags, 2);
	CHECK_EQ(l1.rip, 0xffffffff81000000ull);
	CHECK_EQ(l1.rsp, 0xc000);
	CHECK_EQ(l1.sysenter_cs, 0x10);
	CHECK_EQ(l1.sysenter_eip, 0x1234);
	CHECK_EQ(l1.seg[VMX_CS].sel, 0x10);
	CHECK_EQ(l1.seg[VMX_CS].ar, 0xa09b);
	CHECK_EQ(l1.seg[VMX_CS].base, 0);
	CHECK_EQ(l1.seg[VMX_CS].limit, 0xffffffffu);
	CHECK_EQ(l1.seg[VMX_SS].ar, 0xc093);
	CHECK_EQ(l1.seg[VMX_DS].ar, 0xc093 | 1u << 16); /* null selector: unusable */
	CHECK_EQ(l1.seg[VMX_FS].base, 0x7000);
	CHECK_EQ(l1.seg[VMX_GS].base, 0xffff888000000000ull);
	CHECK_EQ(l1.seg[VMX_TR].sel, 0x40);
	CHECK_EQ(l1.seg[VMX_TR].base, 0x9000);
	CHECK_EQ(l1.seg[VMX_TR].limit, 0x67);
	CHECK_EQ(l1.seg[VMX_TR].ar, 0x8b);
	CHECK_EQ(l1.seg[VMX_LDTR].sel, 0);
	CHECK_EQ(l1.seg[VMX_LDTR].ar, 1u << 16);
	CHECK_EQ(l1.gdtr_base, 0xa000);
	CHECK_EQ(l1.gdtr_limit, 0xffff);
	CHECK_EQ(l1.idtr_base, 0xb000);
	CHECK_EQ(l1.idtr_limit, 0xffff);
	CHECK(!l1.pdptes_from_cr3);
	F(EXIT_CTLS) |= EXIT_CTL_LOAD_EFER | EXIT_CTL_LOAD_PAT;
	do_exit(&x);
	CHECK_EQ(l1.efer, 0xd01);
	CHECK_EQ(l1.pat, 6);
	F(HOST_IA32_EFER) = 0x501;
	do_exit(&x);
	CHECK_EQ(l1.efer, 0x501);
}

TEST(host_state_loaded_32bit_pae)
{
	base();
	F(EXIT_CTLS) = 0;
	struct vmx_l2_exit x = { .reason = VMX_EXIT_CPUID };
	do_exit(&x);
	CHECK_EQ(l1.seg[VMX_CS].ar, 0xc09b); /* D/B = 1, L = 0 */
	CHECK_EQ(l1.efer, 0x801);          /* kept 0x901, LMA, LME cleared */
	CHECK_EQ(l1.cr4, CR4_PAE | CR4_VMXE); /* PCIDE cleared */
	CHECK(l1.pdptes_from_cr3);
}

TEST(pae_l2_pdptes_saved_only_with_l1_ept)
{
	base();
	G(GUEST_IA32_EFER) = 0;
	G(GUEST_PDPTE1) = 0x3001;
	struct vmx_l2_exit x = { .reason = VMX_EXIT_CPUID };
	do_exit(&x);
	CHECK_EQ(F(GUEST_PDPTE1), 0);
	F(PROC_BASED_CTLS) = PROC_SECONDARY;
	F(PROC_BASED_CTLS2) = PROC2_EPT;
	do_exit(&x);
	CHECK_EQ(F(GUEST_PDPTE1), 0x3001);
}

TEST_MAIN()

/* test_vmx_guest_checks - VM-entry checks on the guest-state area: a
 * 64-bit guest and an unrestricted real-mode guest as an L1 sets them up
 * pass; each single broken field fails as a VM-entry failure (exit 33)
 * with the right qualification and rule. */
#include "tests/host/check.h"

#include "nested/vmx_entry_checks.h"
#include "tests/host/vmx_caps_fixture.h"

static struct vmx_caps hc;
static struct vmx_l1_caps caps;
static struct vmx_entry_ctx ctx;
static uint64_t l1_mem[512]; /* one fake page of L1 memory at GPA 0x5000 */

static bool read_u64(void *mem, uint64_t gpa, uint64_t *val)
{
	(void)mem;
	if (gpa < 0x5000 || gpa + 8 > 0x6000)
		return false;
	*val = l1_mem[(gpa - 0x5000) / 8];
	return true;
}

static void setup(void)
{
	vmx_entry_fixture(&hc, &caps, &ctx);
	ctx.read_u64 = read_u64;
	memset(l1_mem, 0, sizeof(l1_mem));
}

#define SET(v, name, val) (v)->field[VMCS12_##name] = (val)

static void long_mode_guest(struct vmcs12 *v)
{
	setup();
	memset(v, 0, sizeof(*v));
	SET(v, PIN_BASED_CTLS, 0x16 | 1 | 8 | 0x20);
	SET(v, PROC_BASED_CTLS, 0x04006172 | (1u << 31));
	SET(v, PROC_BASED_CTLS2, (1u << 1) | (1u << 7));
	SET(v, ENTRY_CTLS, 0x11fb | (1u << 9) | (1u << 15));
	SET(v, GUEST_CR0, 0x80000031);
	SET(v, GUEST_CR4, 0x2020);
	SET(v, GUEST_CR3, 0x3000);
	SET(v, GUEST_IA32_EFER, 0x500);
	SET(v, GUEST_CS_SEL, 0x08);
	SET(v, GUEST_CS_LIMIT, 0xffffffff);
	SET(v, GUEST_CS_AR, 0xa09b); /* 64-bit code, accessed, present, G */
	SET(v, GUEST_SS_SEL, 0x10);
	SET(v, GUEST_SS_LIMIT, 0xffffffff);
	SET(v, GUEST_SS_AR, 0xc093);
	SET(v, GUEST_DS_AR, 0x10000);
	SET(v, GUEST_ES_AR, 0x10000);
	SET(v, GUEST_FS_AR, 0x10000);
	SET(v, GUEST_GS_AR, 0x10000);
	SET(v, GUEST_LDTR_AR, 0x10000);
	SET(v, GUEST_TR_SEL, 0x18);
	SET(v, GUEST_TR_LIMIT, 0x67);
	SET(v, GUEST_TR_AR, 0x8b);
	SET(v, GUEST_RIP, 0xffffffff80000000ull);
	SET(v, GUEST_RFLAGS, 0x2);
	SET(v, VMCS_LINK_POINTER, ~0ull);
}

static void real_mode_guest(struct vmcs12 *v)
{
	long_mode_guest(v);
	SET(v, ENTRY_CTLS, 0x11fb | (1u << 15));
	SET(v, GUEST_CR0, 0x30);
	SET(v, GUEST_CR4, 0x2000);
	SET(v, GUEST_IA32_EFER, 0);
	const enum vmcs12_index sels[] = { VMCS12_GUEST_ES_SEL, VMCS12_GUEST_CS_SEL, VMCS12_GUEST_SS_SEL,
					   VMCS12_GUEST_DS_SEL, VMCS12_GUEST_FS_SEL, VMCS12_GUEST_GS_SEL };
	for (unsigned i = 0; i < 6; i++) {
		v->field[sels[i]] = 0;
		v->field[sels[i] - VMCS12_GUEST_ES_SEL + VMCS12_GUEST_ES_LIMIT] = 0xffff;
		v->field[sels[i] - VMCS12_GUEST_ES_SEL + VMCS12_GUEST_ES_AR] = 0x93;
		v->field[sels[i] - VMCS12_GUEST_ES_SEL + VMCS12_GUEST_ES_BASE] = 0;
	}
	SET(v, GUEST_CS_AR, 0x9b);
	SET(v, GUEST_CS_SEL, 0xf000);
	SET(v, GUEST_CS_BASE, 0xf0000);
	SET(v, GUEST_TR_AR, 0x8b);
	SET(v, GUEST_RIP, 0xfff0);
}

static void expect(const struct vmcs12 *v, int error, uint32_t qual, const char *what_starts, unsigned line)
{
	struct vmx_check_result r = vmx_check_guest_state(v, &ctx);
	if (r.error != error || r.qual != qual ||
	    (what_starts && (!r.what || strncmp(r.what, what_starts, strlen(what_starts))))) {
		printf("     line %u: got error %d qual %u \"%s\", want %d %u \"%s...\"\n", line, r.error, r.qual,
		       r.what ? r.what : "(none)", error, qual, what_starts ? what_starts : "");
		CHECK(0);
	}
}
#define PASSES(v) expect(v, 0, 0, 0, __LINE__)
#define FAILS(v, what) expect(v, 33, 0, what, __LINE__)

TEST(good_guests_pass)
{
	struct vmcs12 v;
	long_mode_guest(&v);
	PASSES(&v);
	real_mode_guest(&v);
	PASSES(&v);
}

TEST(control_registers_and_msrs)
{
	struct vmcs12 v;
	long_mode_guest(&v); SET(&v, GUEST_CR0, 0x80000011); FAILS(&v, "guest CR0"); /* NE clear */
	long_mode_guest(&v); SET(&v, GUEST_CR4, 0x0020); FAILS(&v, "guest CR4");
	long_mode_guest(&v); SET(&v, GUEST_CR4, 0x2000); FAILS(&v, "IA-32e mode guest");
	long_mode_guest(&v); SET(&v, GUEST_CR3, 1ull << 40); FAILS(&v, "guest CR3");
	long_mode_guest(&v); SET(&v, GUEST_IA32_EFER, 0x100); FAILS(&v, "guest IA32_EFER: LMA");
	long_mode_guest(&v); SET(&v, GUEST_IA32_EFER, 0x500 | (1u << 12)); FAILS(&v, "guest IA32_EFER: reserved");
	long_mode_guest(&v); SET(&v, GUEST_SYSENTER_EIP, 1ull << 47); FAILS(&v, "guest IA32_SYSENTER");
	long_mode_guest(&v); SET(&v, ENTRY_CTLS, 0x11fb | (1u << 9) | (1u << 15) | (1u << 14));
	SET(&v, GUEST_IA32_PAT, 0x0207040600070406ull); FAILS(&v, "guest IA32_PAT");
	long_mode_guest(&v); SET(&v, ENTRY_CTLS, 0x11ff | (1u << 9) | (1u << 15));
	SET(&v, GUEST_DR7, 1ull << 32); FAILS(&v, "guest DR7");
	/* Real mode without unrestricted guest: CR0.PE/PG fixed to 1. */
	real_mode_guest(&v); SET(&v, PROC_BASED_CTLS2, 1u << 1); FAILS(&v, "guest CR0");
	real_mode_guest(&v); SET(&v, GUEST_CR0, 0x80000030); FAILS(&v, "guest CR0: PG set with PE clear");
}

TEST(segments)
{
	struct vmcs12 v;
	long_mode_guest(&v); SET(&v, GUEST_CS_AR, 0xa091); FAILS(&v, "guest CS: type");
	long_mode_guest(&v); SET(&v, PROC_BASED_CTLS2, 1u << 1); SET(&v, GUEST_CS_AR, 0xa093); FAILS(&v, "guest CS: type");
	long_mode_guest(&v); SET(&v, GUEST_CS_AR, 0xe09b); FAILS(&v, "guest CS: L and D/B");
	long_mode_guest(&v); SET(&v, GUEST_CS_AR, 0x209b); FAILS(&v, "guest CS: reserved"); /* G clear, limit 4G */
	long_mode_guest(&v); SET(&v, GUEST_CS_AR, 0xa0bb); FAILS(&v, "guest CS: non-conforming"); /* DPL 1 */
	long_mode_guest(&v); SET(&v, GUEST_SS_AR, 0xc09b); FAILS(&v, "guest SS: type");
	long_mode_guest(&v); SET(&v, GUEST_SS_SEL, 0x13); PASSES(&v); /* unrestricted: RPL not checked */
	SET(&v, PROC_BASED_CTLS2, 1u << 1); FAILS(&v, "guest SS: DPL differs");
	long_mode_guest(&v); SET(&v, GUEST_DS_AR, 0xc092); FAILS(&v, "guest ES/DS/FS/GS: not accessed");
	long_mode_guest(&v); SET(&v, GUEST_DS_AR, 0xc099); FAILS(&v, "guest ES/DS/FS/GS: not accessed"); /* exec-only */
	long_mode_guest(&v); SET(&v, GUEST_FS_BASE, 1ull << 47); FAILS(&v, "guest FS/GS base");
	long_mode_guest(&v); SET(&v, GUEST_TR_AR, 0x83); FAILS(&v, "guest TR: type"); /* 16-bit TSS in IA-32e */
	long_mode_guest(&v); SET(&v, GUEST_TR_AR, 0x1008b); FAILS(&v, "guest TR: S set, P clear, unusable");
	long_mode_guest(&v); SET(&v, GUEST_TR_SEL, 0x1c); FAILS(&v, "guest TR: TI");
	long_mode_guest(&v); SET(&v, GUEST_LDTR_AR, 0x82); SET(&v, GUEST_LDTR_SEL, 0x24); FAILS(&v, "guest LDTR: TI");
	long_mode_guest(&v); SET(&v, GUEST_LDTR_AR, 0x83); FAILS(&v, "guest LDTR: not an LDT");
	long_mode_guest(&v); SET(&v, GUEST_GDTR_LIMIT, 0x10000); FAILS(&v, "guest GDTR/IDTR limit");
	long_mode_guest(&v); SET(&v, GUEST_IDTR_BASE, 1ull << 50); FAILS(&v, "guest GDTR/IDTR base");
	/* Real mode with SS.DPL 3 fails; with unrestricted guest an
	 * SS RPL that differs from CS's is fine. */
	real_mode_guest(&v); SET(&v, GUEST_SS_AR, 0xf3); SET(&v, GUEST_CS_AR, 0xfb); FAILS(&v, "guest SS: DPL not 0");
	real_mode_guest(&v); SET(&v, GUEST_SS_SEL, 3); PASSES(&v);
}

TEST(virtual_8086)
{
	struct vmcs12 v;
	real_mode_guest(&v);
	SET(&v, PROC_BASED_CTLS2, 1u << 1);
	SET(&v, GUEST_CR0, 0x80000031);
	SET(&v, GUEST_CR4, 0x2000);
	SET(&v, GUEST_RFLAGS, 0x20002);
	const enum vmcs12_index sels[] = { VMCS12_GUEST_ES_SEL, VMCS12_GUEST_CS_SEL, VMCS12_GUEST_SS_SEL,
					   VMCS12_GUEST_DS_SEL, VMCS12_GUEST_FS_SEL, VMCS12_GUEST_GS_SEL };
	for (unsigned i = 0; i < 6; i++) {
		v.field[sels[i]] = 0x1234;
		v.field[sels[i] - VMCS12_GUEST_ES_SEL + VMCS12_GUEST_ES_BASE] = 0x12340;
		v.field[sels[i] - VMCS12_GUEST_ES_SEL + VMCS12_GUEST_ES_AR] = 0xf3;
	}
	PASSES(&v);
	SET(&v, GUEST_DS_BASE, 0x12350);
	FAILS(&v, "virtual-8086 guest: a segment base");
}

TEST(rip_rflags_and_non_register_state)
{
	struct vmcs12 v;
	long_mode_guest(&v); SET(&v, GUEST_RIP, 0x0000800000000000ull); FAILS(&v, "guest RIP");
	real_mode_guest(&v); SET(&v, GUEST_RIP, 0x100000000ull); FAILS(&v, "guest RIP");
	long_mode_guest(&v); SET(&v, GUEST_RFLAGS, 0x0); FAILS(&v, "guest RFLAGS: reserved");
	long_mode_guest(&v); SET(&v, GUEST_RFLAGS, 0x8002); FAILS(&v, "guest RFLAGS: reserved");
	long_mode_guest(&v); SET(&v, GUEST_RFLAGS, 0x20002); FAILS(&v, "guest RFLAGS.VM");
	long_mode_guest(&v); SET(&v, ENTRY_INTR_INFO, (1u << 31) | 0x30); FAILS(&v, "external interrupt injected with");
	long_mode_guest(&v); SET(&v, GUEST_ACTIVITY_STATE, 2); FAILS(&v, "guest activity state not supported");
	long_mode_guest(&v); SET(&v, GUEST_ACTIVITY_STATE, 1); PASSES(&v);
	long_mode_guest(&v); SET(&v, GUEST_ACTIVITY_STATE, 1); SET(&v, GUEST_INTERRUPTIBILITY, 2);
	FAILS(&v, "guest activity state not active");
	long_mode_guest(&v); SET(&v, GUEST_ACTIVITY_STATE, 1); SET(&v, ENTRY_INTR_INFO, (1u << 31) | (3u << 8) | 14 | (1u << 11));
	FAILS(&v, "event injected in HLT");
	long_mode_guest(&v); SET(&v, GUEST_INTERRUPTIBILITY, 0x10); FAILS(&v, "guest interruptibility: reserved");
	long_mode_guest(&v); SET(&v, GUEST_INTERRUPTIBILITY, 1); FAILS(&v, "guest interruptibility: blocking by STI with");
	long_mode_guest(&v); SET(&v, GUEST_RFLAGS, 0x202); SET(&v, GUEST_INTERRUPTIBILITY, 3);
	FAILS(&v, "guest interruptibility: blocking by STI and");
	long_mode_guest(&v); SET(&v, GUEST_INTERRUPTIBILITY, 4); FAILS(&v, "guest interruptibility: blocking by SMI");
	long_mode_guest(&v); SET(&v, GUEST_RFLAGS, 0x202); SET(&v, GUEST_INTERRUPTIBILITY, 1);
	SET(&v, ENTRY_INTR_INFO, (1u << 31) | 0x30); FAILS(&v, "external interrupt injected while");
	long_mode_guest(&v); SET(&v, GUEST_RFLAGS, 0x202); SET(&v, GUEST_INTERRUPTIBILITY, 1);
	SET(&v, ENTRY_INTR_INFO, (1u << 31) | (2u << 8) | 2);
	expect(&v, 33, VMX_ENTRY_FAIL_QUAL_NMI_STI, "NMI injected while blocking by STI", __LINE__);
	long_mode_guest(&v); SET(&v, GUEST_INTERRUPTIBILITY, 8); SET(&v, ENTRY_INTR_INFO, (1u << 31) | (2u << 8) | 2);
	FAILS(&v, "NMI injected with virtual-NMI");
	long_mode_guest(&v); SET(&v, GUEST_PENDING_DBG, 1u << 13); FAILS(&v, "guest pending debug exceptions: reserved");
	/* MOV SS blocking with TF = 1: BS must be set, and only then. */
	long_mode_guest(&v); SET(&v, GUEST_RFLAGS, 0x102); SET(&v, GUEST_INTERRUPTIBILITY, 2);
	FAILS(&v, "guest pending debug exceptions: BS");
	SET(&v, GUEST_PENDING_DBG, 1u << 14); PASSES(&v);
}

TEST(link_pointer_and_pdptes)
{
	struct vmcs12 v;
	long_mode_guest(&v);
	SET(&v, VMCS_LINK_POINTER, 0x5000);
	expect(&v, 33, VMX_ENTRY_FAIL_QUAL_LINK_PTR, "VMCS link pointer", __LINE__);
	l1_mem[0] = VMCS12_REVISION;
	PASSES(&v);
	SET(&v, VMCS_LINK_POINTER, 0x5008);
	expect(&v, 33, VMX_ENTRY_FAIL_QUAL_LINK_PTR, "VMCS link pointer", __LINE__);
	SET(&v, VMCS_LINK_POINTER, 0x9000); /* not L1 memory */
	l1_mem[0] = VMCS12_REVISION;
	expect(&v, 33, VMX_ENTRY_FAIL_QUAL_LINK_PTR, "VMCS link pointer", __LINE__);

	/* A PAE guest with EPT: the PDPTE fields. */
	long_mode_guest(&v);
	SET(&v, ENTRY_CTLS, 0x11fb | (1u << 15));
	SET(&v, GUEST_IA32_EFER, 0);
	SET(&v, GUEST_CS_AR, 0xc09b);
	SET(&v, GUEST_RIP, 0x1000);
	SET(&v, GUEST_TR_AR, 0x8b);
	SET(&v, GUEST_PDPTE2, 0x7001);
	PASSES(&v);
	SET(&v, GUEST_PDPTE2, 0x7001 | (1u << 5));
	FAILS(&v, "PDPTE");
	/* Without EPT they come from CR3 in L1 memory (32-byte aligned). */
	SET(&v, PROC_BASED_CTLS2, 0);
	SET(&v, GUEST_CR3, 0x5000 | 0x18);
	l1_mem[3] = 0x9001 | (1u << 2);
	expect(&v, 33, VMX_ENTRY_FAIL_QUAL_PDPTE, "PDPTE: reserved", __LINE__);
	l1_mem[3] = 0x9001;
	PASSES(&v);
	SET(&v, GUEST_CR3, 0x8000);
	expect(&v, 33, VMX_ENTRY_FAIL_QUAL_PDPTE, "PDPTE outside", __LINE__);
}

TEST_MAIN()

/*
 * chaos_l1_vmx - a hostile L1 hypervisor on VT-x (module option
 * nested=on), seeded ("seed=N"), to show that nothing an L1 does with VMX
 * crashes Nestor or another VM:
 *   phase 1: VMLAUNCH/VMRESUME of a VMCS12 with random fields: from a
 *            valid flat 32-bit L2 (a page of HLTs, every exception
 *            intercepted, HLT and I/O exiting, an IDT whose every gate is
 *            a HLT), a few random VMWRITEs each run (any field of Nestor's
 *            list or a random encoding; random values, bit flips, 0, ~0),
 *            some with L1's EPT on random EPT12 entries (present or not,
 *            reserved bits, memory types, large pages, addresses inside
 *            and outside L1's RAM, L0's test device). Fields that would
 *            make L1 itself lose control (host RIP/RSP, host CR0/CR3/CR4,
 *            host segments and descriptor tables, L2's RIP, CS, CR0,
 *            CR3) stay valid so each run returns to L1 (a VMfail, a
 *            VM-entry failure or an exit);
 *   phase 2: VMX instructions at random: VMCLEAR/VMPTRLD of random and
 *            unaligned addresses, VMREAD/VMWRITE of random encodings,
 *            INVEPT/INVVPID with random types and descriptors (each must
 *            end in VMsucceed/VMfail; none may fault at CPL 0);
 *   phase 3: VMPTRLD/VMCLEAR at addresses that are not RAM (the LAPIC
 *            page, just below 4 GiB, the test device).
 * Lines "chaos_l1_vmx: phase N done (...)" and "chaos_l1_vmx: ok".
 */
#include "lib/guest.h"
#include "lib/vmx.h"

const char guest_name[] = "chaos_l1_vmx";

static uint32_t rng_state;
static uint32_t rnd(void)
{
	uint32_t x = rng_state; /* xorshift32 */
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return rng_state = x;
}

static uint8_t hlt_page[4096] __attribute__((aligned(4096)));
static uint8_t l2_stack[4096] __attribute__((aligned(16)));
static uint64_t l2_idt[256] __attribute__((aligned(8)));
static struct __attribute__((packed)) {
	uint16_t limit;
	uint32_t base;
} l2_idtr;
static uint64_t ept_pml4[512] __attribute__((aligned(4096)));
static uint64_t ept_pdpt[512] __attribute__((aligned(4096)));
static uint64_t ept_pd[512] __attribute__((aligned(4096)));
static uint64_t ept_pt[512] __attribute__((aligned(4096)));
static uint8_t scratch[4][4096] __attribute__((aligned(4096)));
static uint32_t dev, ram_top;

static const uint32_t fields[] = {
#define F(name, enc) enc,
	VMCS_FIELDS(F)
#undef F
};

/* Kept valid so L1 gets control back after every run. */
static bool keep(uint32_t enc)
{
	switch (enc) {
	case VMCS_HOST_RIP: case VMCS_HOST_RSP: case VMCS_HOST_CR0: case VMCS_HOST_CR3: case VMCS_HOST_CR4:
	case VMCS_HOST_CS_SEL: case VMCS_HOST_SS_SEL: case VMCS_HOST_DS_SEL: case VMCS_HOST_ES_SEL:
	case VMCS_HOST_GDTR_BASE: case VMCS_HOST_IDTR_BASE: case VMCS_HOST_IA32_EFER: case VMCS_HOST_IA32_PAT:
	case VMCS_GUEST_RIP: case VMCS_GUEST_CS_SEL: case VMCS_GUEST_CS_BASE: case VMCS_GUEST_CS_LIMIT:
	case VMCS_GUEST_CS_AR: case VMCS_GUEST_CR0: case VMCS_GUEST_CR3: case VMCS_GUEST_CR4: case VMCS_GUEST_IDTR_BASE:
	case VMCS_GUEST_IDTR_LIMIT: case VMCS_EPT_POINTER: case VMCS_GUEST_IA32_EFER:
		return true;
	}
	return false;
}

static uint32_t random_value(uint32_t cur)
{
	switch (rnd() % 5) {
	case 0: return 0;
	case 1: return ~0u;
	case 2: return cur ^ (1u << (rnd() & 31));
	case 3: return rnd() & 0xffff;
	default: return rnd();
	}
}

/* An address L1 might give: its RAM, the device, the LAPIC, the top. */
static uint32_t random_pa(void)
{
	switch (rnd() % 5) {
	case 0: return rnd() % ram_top;
	case 1: return dev ? dev + (rnd() & 0xfff) : rnd();
	case 2: return 0xfee00000u + (rnd() & 0xfff);
	case 3: return (uint32_t)(uintptr_t)scratch + (rnd() & 0x3fff);
	default: return rnd();
	}
}

/* EPT12: identity for L1's RAM with random entries elsewhere (and now
 * and then a random entry on the way to L2's code or stack). */
static void random_ept(void)
{
	ept_pml4[0] = (uint32_t)(uintptr_t)ept_pdpt | 7;
	ept_pdpt[0] = (uint32_t)(uintptr_t)ept_pd | 7;
	for (unsigned i = 0; i < 512; i++) {
		uint64_t big = ((uint64_t)i << 21) | ((rnd() % 8) << 3) | (1u << 7) | (rnd() & 7);
		uint64_t wild = ((uint64_t)random_pa() & ~0xfffull) | (rnd() & 0xfff) | ((uint64_t)(rnd() & 1) << 52);
		ept_pd[i] = (i << 21) < ram_top ? ((uint64_t)i << 21) | (6u << 3) | (1u << 7) | 7 : rnd() & 1 ? big : wild;
		ept_pt[i] = rnd() & 1 ? ((uint64_t)random_pa() & ~0xfffull) | (rnd() & 0x7f) : 0;
	}
	if (rnd() % 8 == 0)
		ept_pd[rnd() % (ram_top >> 21)] = (uint32_t)(uintptr_t)ept_pt | (rnd() & 7);
	if (rnd() % 4 == 0)
		ept_pdpt[rnd() % 4] = rnd() & 1 ? (uint32_t)(uintptr_t)ept_pd | (rnd() & 0xff) : random_pa();
	else
		for (unsigned i = 1; i < 4; i++)
			ept_pdpt[i] = 0;
}

static void base_vmcs(void)
{
	vmx_fill_flat32((void (*)(void))hlt_page, l2_stack + sizeof(l2_stack));
	vmwrite32(VMCS_PROC_BASED_CTLS, vmx_ctl_must1(0x48e) | (1u << 7) | (1u << 24));
	vmwrite32(VMCS_EXCEPTION_BITMAP, ~0u);
	vmwrite32(VMCS_GUEST_IDTR_BASE, (uint32_t)(uintptr_t)l2_idt);
	vmwrite32(VMCS_GUEST_IDTR_LIMIT, sizeof(l2_idt) - 1);
}

static void phase1(unsigned runs)
{
	unsigned fails = 0, entry_fails = 0, exits = 0, ept_runs = 0;
	int launched = 0;
	for (unsigned i = 0; i < runs; i++) {
		if (i % 2 == 0 || !launched) {
			base_vmcs();
			if (rnd() % 3 == 0) {
				random_ept();
				vmwrite32(VMCS_PROC_BASED_CTLS, vmr(VMCS_PROC_BASED_CTLS) | (1u << 31));
				vmwrite32(VMCS_PROC_BASED_CTLS2, 2 | (rnd() % 4 ? 0 : random_value(0)));
				vmwrite64(VMCS_EPT_POINTER, (uint32_t)(uintptr_t)ept_pml4 | (3u << 3) | (rnd() & 7 ? 6 : rnd() & 0xff));
				uint64_t d[2] = { 0, 0 };
				invept_type(2, d);
				ept_runs++;
			}
		}
		unsigned n = 1 + rnd() % 4;
		bool guest_only = rnd() & 1; /* half the runs: guest state only, so more of them enter */
		for (unsigned k = 0; k < n; k++) {
			uint32_t enc = rnd() % 8 ? fields[rnd() % (sizeof(fields) / sizeof(fields[0]))] : rnd() & 0xffff;
			if (keep(enc & ~1u) || (guest_only && ((enc >> 10) & 3) != 2))
				continue;
			uint32_t cur = 0;
			vmread32(enc, &cur);
			vmwrite32(enc, random_value(cur));
		}
		int r = vmx_enter(!launched || rnd() % 8 == 0);
		if (r == VMX_EXITED) {
			if (vmr(VMCS_EXIT_REASON) & 0x80000000u)
				entry_fails++;
			else {
				exits++;
				launched = 1;
			}
		} else {
			fails++;
		}
	}
	guest_say("phase 1 done (%u entries: %u VMfail, %u VM-entry failures, %u exits; %u with random EPT12)", runs,
		  fails, entry_fails, exits, ept_runs);
}

static void phase2(unsigned n)
{
	unsigned ok = 0, failed = 0;
	for (unsigned i = 0; i < n; i++) {
		uint64_t pa = random_pa() & (rnd() & 1 ? ~0xfffu : ~0u);
		uint64_t d[2] = { (uint64_t)rnd() << 32 | rnd(), (uint64_t)rnd() << 32 | rnd() };
		uint32_t v = 0;
		int r;
		switch (rnd() % 6) {
		case 0: r = vmclear_at(rnd() & 1 ? pa : (uint32_t)(uintptr_t)scratch[rnd() & 3]); break;
		case 1:
			if (rnd() & 1)
				*(uint32_t *)scratch[rnd() & 3] = rnd() & 1 ? vmx_revision() : rnd();
			r = vmptrld_at(rnd() & 1 ? pa : (uint32_t)(uintptr_t)scratch[rnd() & 3]);
			break;
		case 2: r = vmread32(rnd() & 1 ? rnd() : fields[rnd() % (sizeof(fields) / sizeof(fields[0]))], &v); break;
		case 3: {
			uint32_t enc = rnd() & 1 ? rnd() : fields[rnd() % (sizeof(fields) / sizeof(fields[0]))];
			r = keep(enc & ~1u) ? VMX_OK : vmwrite32(enc, rnd());
			break;
		}
		case 4: r = invept_type(rnd() % 5, d); break;
		default: r = invvpid_type(rnd() % 5, d); break;
		}
		if (r == VMX_OK)
			ok++;
		else
			failed++;
	}
	guest_say("phase 2 done (%u instructions: %u VMsucceed, %u VMfail)", n, ok, failed);
	guest_check(ok + failed == n, "every random VMX instruction ended in VMsucceed or VMfail");
}

static void phase3(void)
{
	static const uint32_t not_ram[] = { 0xfee00000u, 0xfffff000u, 0xc0000000u };
	for (unsigned i = 0; i < 3; i++) {
		int a = vmptrld_at(not_ram[i]), b = vmclear_at(not_ram[i]);
		guest_check(a != VMX_OK && b != VMX_OK, "VMPTRLD/VMCLEAR of 0x%x (not RAM): VMfail (%d, %d)", not_ram[i], a, b);
	}
}

int guest_main(const struct mb_info *mbi)
{
	uint32_t seed = 1;
	cmdline_get_u32("seed", &seed);
	rng_state = seed ? seed : 1;
	cmdline_get_u32("dev", &dev);
	ram_top = mbi && (mbi->flags & 1) ? (mbi->mem_upper + 1024) * 1024 : 16u << 20;
	guest_idt_init();
	memset(hlt_page, 0xf4, sizeof(hlt_page));
	uint16_t cs;
	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	uint32_t h = (uint32_t)(uintptr_t)hlt_page;
	for (unsigned i = 0; i < 256; i++)
		l2_idt[i] = (h & 0xffff) | ((uint64_t)cs << 16) | (0x8e00ull << 32) | ((uint64_t)(h >> 16) << 48);
	l2_idtr.limit = sizeof(l2_idt) - 1;
	l2_idtr.base = (uint32_t)(uintptr_t)l2_idt;
	if (vmx_on() != VMX_OK || vmx_vmcs_load(vmx_vmcs_a) != VMX_OK) {
		guest_fail("VMXON or VMPTRLD failed (not a nested=on VM on VT-x?)");
		return 1;
	}
	phase1(300);
	phase2(400);
	vmx_vmcs_load(vmx_vmcs_a);
	phase3();
	return 0;
}

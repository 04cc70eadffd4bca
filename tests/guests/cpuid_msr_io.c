/*
 * cpuid_msr_io - what an isolated VM sees of the CPU and the I/O space:
 * Nestor's CPUID view (signature, hypervisor bit, VMX/SVM hidden because
 * Nestor offers no nested virtualization yet), MSR access policy
 * (unknown MSRs #GP, ordinary ones work), port I/O (unclaimed ports float
 * to all-ones, string I/O works) and fw_cfg.
 *
 * One line per check: "cpuid_msr_io: pass: ...", "cpuid_msr_io: FAIL: ..."
 * or "cpuid_msr_io: skipped (no Nestor): ..." for checks only Nestor can
 * pass. Exit 0 only if every check that ran passed.
 */
#include "lib/guest.h"

const char guest_name[] = "cpuid_msr_io";

#define MSR_TSC 0x10
#define MSR_SYSENTER_CS 0x174
#define MSR_EFER 0xc0000080
/* Outside every architectural and model-specific range either vendor
 * defines (and outside the 0x40000000-0x400000ff hypervisor MSR range),
 * so a correct hypervisor must answer #GP. */
#define MSR_UNKNOWN 0x40001234
/* In AMD's C001_xxxx block, where real MSRs live, but unassigned. */
#define MSR_UNKNOWN_AMD 0xc0011234

/* No device decodes it on QEMU's pc machine nor in a Nestor VM. */
#define PORT_UNCLAIMED 0x300

#define CPUID1_ECX_VMX (1u << 5)
#define CPUID1_ECX_HYPERVISOR (1u << 31)
#define CPUID81_ECX_SVM (1u << 2)

static void ud2_fn(void *arg)
{
	(void)arg;
	__asm__ volatile("ud2");
}

static void bad_selector_fn(void *arg)
{
	(void)arg;
	/* Selector 0xfff8 is far beyond our 3-entry GDT: #GP(0xfff8)
	 * (Intel SDM vol. 3A, 5.4: the error code is the selector). */
	__asm__ volatile("mov %0, %%fs" : : "r"((uint32_t)0xfff8));
}

static void check_exception_catcher(void)
{
	int v = guest_catch(ud2_fn, NULL);
	guest_check(v == VEC_UD, "ud2 raises #UD and the IDT catches it (got %s)",
		    exception_name(v));
	v = guest_catch(bad_selector_fn, NULL);
	guest_check(v == VEC_GP && guest_last_fault.error == 0xfff8,
		    "loading selector 0xfff8 raises #GP(0xfff8) (got %s error 0x%x)",
		    exception_name(v), (unsigned)guest_last_fault.error);
	/* Reload a valid FS, in case the failed load left it odd. */
	__asm__ volatile("mov %0, %%fs" : : "r"((uint32_t)0x10));
}

static void check_cpuid(bool nestor)
{
	struct cpuid_regs l1 = cpuid(1, 0);
	struct cpuid_regs base = cpuid(NESTOR_CPUID_BASE, 0);
	uint32_t max_ext = cpuid(0x80000000, 0).eax;
	struct cpuid_regs e1 = { 0, 0, 0, 0 };

	if (max_ext >= 0x80000001)
		e1 = cpuid(0x80000001, 0);
	guest_say("cpu vendor %s, CPUID.1:ECX 0x%08x, CPUID.80000001:ECX 0x%08x",
		  cpu_vendor_string(), (unsigned)l1.ecx, (unsigned)e1.ecx);

	if (!nestor) {
		guest_skip("CPUID.1:ECX bit 31 (hypervisor) set");
		guest_skip("CPUID 0x40000000 signature \"NestorNestor\"");
		guest_skip("CPUID 0x40000001 ABI version %u", NESTOR_ABI_VERSION);
		guest_skip("CPUID.1:ECX bit 5 (VMX) hidden");
		guest_skip("CPUID 0x80000001:ECX bit 2 (SVM) hidden");
		return;
	}
	guest_check(l1.ecx & CPUID1_ECX_HYPERVISOR,
		    "CPUID.1:ECX bit 31 (hypervisor) set");
	char sig[13];
	memcpy(sig + 0, &base.ebx, 4);
	memcpy(sig + 4, &base.ecx, 4);
	memcpy(sig + 8, &base.edx, 4);
	sig[12] = '\0';
	guest_check(strcmp(sig, "NestorNestor") == 0 && base.eax >= NESTOR_CPUID_MAX,
		    "CPUID 0x40000000 signature \"%s\", max leaf 0x%08x",
		    sig, (unsigned)base.eax);
	struct cpuid_regs info = cpuid(NESTOR_CPUID_INFO, 0);
	guest_check(info.eax == NESTOR_ABI_VERSION,
		    "CPUID 0x40000001 ABI version %u (vm id %u, vcpu %u)",
		    (unsigned)info.eax, (unsigned)info.ebx, (unsigned)info.ecx);
	guest_check(!(l1.ecx & CPUID1_ECX_VMX), "CPUID.1:ECX bit 5 (VMX) hidden");
	guest_check(!(e1.ecx & CPUID81_ECX_SVM), "CPUID 0x80000001:ECX bit 2 (SVM) hidden");
	/* What Nestor does not offer and Linux would use: MONITORX/MWAITX
	 * (SVM intercepts them), TSC_ADJUST (no such MSR), AMD memory
	 * encryption (leaf 0x8000001F all zero). */
	guest_check(!(e1.ecx & (1u << 29)), "CPUID 0x80000001:ECX bit 29 (MONITORX) hidden");
	if (cpuid(0, 0).eax >= 7)
		guest_check(!(cpuid(7, 0).ebx & (1u << 1)), "CPUID 7:EBX bit 1 (TSC_ADJUST) hidden");
	if (max_ext >= 0x8000001f) {
		struct cpuid_regs me = cpuid(0x8000001f, 0);
		guest_check(!me.eax && !me.ebx && !me.ecx && !me.edx,
			    "CPUID 0x8000001F (SME/SEV) all zero (0x%x 0x%x 0x%x 0x%x)", (unsigned)me.eax,
			    (unsigned)me.ebx, (unsigned)me.ecx, (unsigned)me.edx);
	}
}

static void check_hypercalls(bool nestor)
{
	if (!nestor) {
		guest_skip("HC_YIELD returns 0");
		guest_skip("unknown hypercall 0x7777 returns %d (ENOSYS)", NESTOR_ENOSYS);
		return;
	}
	long rc = nestor_hypercall(HC_YIELD, 0, 0, 0);
	guest_check(rc == 0, "HC_YIELD returns 0 (got %ld)", rc);
	rc = nestor_hypercall(0x7777, 0, 0, 0);
	guest_check(rc == NESTOR_ENOSYS, "unknown hypercall 0x7777 returns %d (got %ld)",
		    NESTOR_ENOSYS, rc);
}

/* Unknown MSRs must #GP as on hardware. QEMU TCG on its own answers 0
 * without a fault, so without Nestor this only reports what it saw. */
static void check_unknown_msr(bool nestor, uint32_t msr)
{
	uint64_t v = 0;
	int vec = rdmsr_safe(msr, &v);

	guest_check_nestor(nestor, vec == VEC_GP && guest_last_fault.error == 0,
			   "rdmsr 0x%08x of an unknown MSR raises #GP(0) (got %s error 0x%x, value 0x%llx)",
			   (unsigned)msr, exception_name(vec),
			   vec < 0 ? 0u : (unsigned)guest_last_fault.error,
			   (unsigned long long)v);
	vec = wrmsr_safe(msr, 0);
	guest_check_nestor(nestor, vec == VEC_GP,
			   "wrmsr 0x%08x of an unknown MSR raises #GP (got %s)",
			   (unsigned)msr, exception_name(vec));
}

static void check_msrs(bool nestor)
{
	check_unknown_msr(nestor, MSR_UNKNOWN);
	check_unknown_msr(nestor, MSR_UNKNOWN_AMD);

	uint64_t old = 0, back = 0;
	int vec = rdmsr_safe(MSR_SYSENTER_CS, &old);
	if (guest_check(vec < 0, "rdmsr 0x174 (IA32_SYSENTER_CS) = 0x%llx (fault %s)",
			(unsigned long long)old, exception_name(vec))) {
		uint64_t want = old == 0x1230 ? 0x2340 : 0x1230;
		vec = wrmsr_safe(MSR_SYSENTER_CS, want);
		int vec2 = rdmsr_safe(MSR_SYSENTER_CS, &back);
		guest_check(vec < 0 && vec2 < 0 && back == want,
			    "wrmsr 0x174 = 0x%llx reads back 0x%llx (faults %s, %s)",
			    (unsigned long long)want, (unsigned long long)back,
			    exception_name(vec), exception_name(vec2));
		wrmsr_safe(MSR_SYSENTER_CS, old);
	}

	/* IA32_DEBUGCTL: no LBR/BTF offered, so it reads 0 and only 0 may
	 * be written. */
	uint64_t dbg = 1;
	vec = rdmsr_safe(0x1d9, &dbg);
	int vec0 = wrmsr_safe(0x1d9, 0), vec1 = wrmsr_safe(0x1d9, 1);
	guest_check_nestor(nestor, vec < 0 && dbg == 0 && vec0 < 0 && vec1 == VEC_GP,
			   "IA32_DEBUGCTL reads 0 (0x%llx, fault %s), takes 0 (%s), refuses 1 with #GP (%s)",
			   (unsigned long long)dbg, exception_name(vec), exception_name(vec0), exception_name(vec1));

	/* Values a CPU refuses must be refused (Nestor once loaded a
	 * non-canonical KERNEL_GS_BASE into the host's MSR and faulted). */
	if (nestor) {
		vec = wrmsr_safe(0xc0000102, 0x8000000000001000ull);
		guest_check(vec == VEC_GP, "wrmsr KERNEL_GS_BASE with a non-canonical address raises #GP (got %s)",
			    exception_name(vec));
		vec = wrmsr_safe(0x277, 0x0007040600070402ull);
		guest_check(vec == VEC_GP, "wrmsr PAT with reserved memory type 2 raises #GP (got %s)",
			    exception_name(vec));
		vec = wrmsr_safe(MSR_EFER, 1ull << 20);
		guest_check(vec == VEC_GP, "wrmsr EFER with a reserved bit raises #GP (got %s)", exception_name(vec));
	}

	uint64_t efer = 0;
	vec = rdmsr_safe(MSR_EFER, &efer);
	guest_check(vec < 0, "rdmsr 0xc0000080 (EFER) = 0x%llx (fault %s)",
		    (unsigned long long)efer, exception_name(vec));

	uint64_t tsc = 0, t0 = rdtsc();
	vec = rdmsr_safe(MSR_TSC, &tsc);
	uint64_t t1 = rdtsc();
	guest_check(vec < 0, "rdmsr 0x10 (TSC) = 0x%llx (fault %s)",
		    (unsigned long long)tsc, exception_name(vec));
	/* RDTSC and RDMSR(IA32_TIME_STAMP_COUNTER) must tell one story: if a
	 * hypervisor offsets one and not the other, the sandwich breaks.
	 * QEMU 7.2 TCG itself reads this MSR as 0, so a Nestor that lets the
	 * guest read it unintercepted fails here on QEMU. */
	guest_check_nestor(nestor, vec < 0 && t0 <= tsc && tsc <= t1,
			   "rdmsr 0x10 lies between the RDTSCs before and after (0x%llx <= 0x%llx <= 0x%llx)",
			   (unsigned long long)t0, (unsigned long long)tsc,
			   (unsigned long long)t1);
}

/* IA32_TSC_AUX (0xc0000103) is what RDTSCP returns in ECX (SDM 2B
 * RDTSCP): a value the guest wrote must come back both ways. (Nestor on
 * SVM once kept it only for RDMSR, and RDTSCP gave 0.) */
static void check_tsc_aux(void)
{
	if (!((cpuid(0x80000000, 0).eax >= 0x80000001) && (cpuid(0x80000001, 0).edx & (1u << 27)))) {
		guest_say("no RDTSCP (CPUID 0x80000001:EDX bit 27 clear): TSC_AUX not checked");
		return;
	}
	const uint32_t want = 0x00c0ffee;
	uint64_t back = 0;
	int w = wrmsr_safe(0xc0000103, want), r = rdmsr_safe(0xc0000103, &back);
	uint32_t lo, hi, aux;
	__asm__ volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux));
	(void)lo, (void)hi;
	guest_check(w < 0 && r < 0 && back == want && aux == want,
		    "TSC_AUX 0x%x: RDMSR reads 0x%llx, RDTSCP gives ECX 0x%x (faults %s, %s)", want,
		    (unsigned long long)back, aux, exception_name(w), exception_name(r));
}

static bool all_bytes(const uint8_t *p, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

static void check_port_io(void)
{
	uint8_t b = inb(PORT_UNCLAIMED);
	uint16_t w = inw(PORT_UNCLAIMED);
	uint32_t l = inl(PORT_UNCLAIMED);
	guest_check(b == 0xff && w == 0xffff && l == 0xffffffffu,
		    "in from unclaimed port 0x%x gives all-ones: inb 0x%02x inw 0x%04x inl 0x%08x",
		    PORT_UNCLAIMED, b, w, (unsigned)l);
	/* Writes to it must be ignored, not fault or stop the VM. */
	outb(PORT_UNCLAIMED, 0x5a);
	outl(PORT_UNCLAIMED, 0x5a5a5a5a);
	guest_check(true, "out to unclaimed port 0x%x ignored", PORT_UNCLAIMED);

	uint8_t buf[16];
	memset(buf, 0x5a, sizeof(buf));
	rep_insb(PORT_UNCLAIMED, buf, sizeof(buf));
	guest_check(all_bytes(buf, sizeof(buf), 0xff),
		    "rep insb of 16 bytes from port 0x%x fills 0xff (first 0x%02x, last 0x%02x)",
		    PORT_UNCLAIMED, buf[0], buf[15]);
	memset(buf, 0x5a, sizeof(buf));
	rep_insw(PORT_UNCLAIMED, buf, sizeof(buf) / 2);
	guest_check(all_bytes(buf, sizeof(buf), 0xff),
		    "rep insw of 8 words from port 0x%x fills 0xff", PORT_UNCLAIMED);
	memset(buf, 0x5a, sizeof(buf));
	rep_insl(PORT_UNCLAIMED, buf, sizeof(buf) / 4);
	guest_check(all_bytes(buf, sizeof(buf), 0xff),
		    "rep insl of 4 dwords from port 0x%x fills 0xff", PORT_UNCLAIMED);

	/* The test looks for this exact line: the UART must take a whole
	 * string through one rep outsb (no THRE polling in between). */
	static const char line[] = "cpuid_msr_io: rep outsb line to COM1\n";
	rep_outsb(GUEST_COM1_PORT, line, sizeof(line) - 1);
}

static void fw_cfg_read(uint16_t key, void *out, size_t n)
{
	uint8_t *p = out;

	outw(FW_CFG_PORT_SEL, key);
	while (n--)
		*p++ = inb(FW_CFG_PORT_DATA);
}

static void check_fw_cfg(bool nestor, const struct mb_info *mbi)
{
	char sig[5] = { 0 };
	fw_cfg_read(FW_CFG_SIGNATURE, sig, 4);
	/* Nestor emulates fw_cfg in every VM (guest_abi.h); bare QEMU has
	 * one, bare Bochs has none (the ports float). */
	if (!nestor && memcmp(sig, "\xff\xff\xff\xff", 4) == 0) {
		guest_skip("fw_cfg (no device at port 0x510: signature bytes ff ff ff ff)");
		return;
	}
	if (!guest_check(memcmp(sig, "QEMU", 4) == 0,
			 "fw_cfg key 0x00 signature \"%.4s\" (bytes %02x %02x %02x %02x)",
			 sig, (uint8_t)sig[0], (uint8_t)sig[1], (uint8_t)sig[2],
			 (uint8_t)sig[3]))
		return;

	uint8_t c[2];
	fw_cfg_read(FW_CFG_NB_CPUS, c, 2);
	unsigned cpus = c[0] | (unsigned)c[1] << 8;
	guest_check(cpus >= 1 && cpus <= 256, "fw_cfg key 0x05 number of CPUs %u", cpus);

	uint8_t r[8];
	fw_cfg_read(FW_CFG_RAM_SIZE, r, 8);
	uint64_t ram = 0;
	for (int i = 7; i >= 0; i--)
		ram = ram << 8 | r[i];
	if (!(mbi->flags & MB_INFO_MEM)) {
		guest_fail("fw_cfg key 0x03 RAM size 0x%llx: no mem_upper to compare with",
			   (unsigned long long)ram);
		return;
	}
	/* mem_upper counts KiB from 1 MiB to the first hole; firmware keeps
	 * a little at the top for itself (QEMU: 128 KiB), and above ~3 GiB
	 * the PCI hole cuts it short, so only "about the same" is asked. */
	uint64_t upper = ((uint64_t)mbi->mem_upper + 1024) * 1024;
	uint64_t diff = ram > upper ? ram - upper : upper - ram;
	uint64_t slack = ram / 8 > (16u << 20) ? ram / 8 : (16u << 20);
	guest_check(ram > 0 && (diff <= slack || (upper >= (3ull << 30) && ram >= upper)),
		    "fw_cfg key 0x03 RAM size %llu MiB, mem_upper + 1 MiB = %llu MiB",
		    (unsigned long long)(ram >> 20), (unsigned long long)(upper >> 20));
}

int guest_main(const struct mb_info *mbi)
{
	bool nestor = nestor_present();

	guest_say("nestor present: %s", nestor ? "yes" : "no");
	check_exception_catcher();
	check_cpuid(nestor);
	check_hypercalls(nestor);
	check_msrs(nestor);
	check_tsc_aux();
	check_port_io();
	check_fw_cfg(nestor, mbi);
	guest_say("%d checks failed", guest_failures());
	return 0;
}

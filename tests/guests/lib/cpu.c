/*
 * cpu.c - vendor detection, Nestor detection and hypercalls.
 *
 * The hypercall instruction depends on the vendor (guest_abi.h): VMCALL
 * (0F 01 C1) on Intel, VMMCALL (0F 01 D9) on AMD. We emit the bytes so
 * the assembler's CPU level does not matter. Without Nestor both are #UD,
 * so the wrappers fall back to plain devices (UART, port 0xf4) or no-ops.
 */
#include "guest.h"

static char vendor[13];

const char *cpu_vendor_string(void)
{
	if (!vendor[0]) {
		struct cpuid_regs r = cpuid(0, 0);
		memcpy(vendor + 0, &r.ebx, 4);
		memcpy(vendor + 4, &r.edx, 4);
		memcpy(vendor + 8, &r.ecx, 4);
		vendor[12] = '\0';
	}
	return vendor;
}

enum cpu_vendor cpu_vendor(void)
{
	const char *v = cpu_vendor_string();

	if (strcmp(v, "GenuineIntel") == 0)
		return VENDOR_INTEL;
	if (strcmp(v, "AuthenticAMD") == 0)
		return VENDOR_AMD;
	return VENDOR_OTHER;
}

bool nestor_present(void)
{
	/* Leaves 0x40000000+ are only meaningful with the hypervisor bit;
	 * without it a CPU may echo the highest basic leaf's data. */
	if (!(cpuid(1, 0).ecx & (1u << 31)))
		return false;
	struct cpuid_regs r = cpuid(NESTOR_CPUID_BASE, 0);
	return r.ebx == NESTOR_CPUID_SIG_EBX && r.ecx == NESTOR_CPUID_SIG_ECX &&
	       r.edx == NESTOR_CPUID_SIG_EDX;
}

long nestor_hypercall(uint32_t fn, uint32_t a1, uint32_t a2, uint32_t a3)
{
	uint32_t ret = fn;

	if (cpu_vendor() == VENDOR_INTEL)
		__asm__ volatile(".byte 0x0f, 0x01, 0xc1 /* vmcall */"
				 : "+a"(ret)
				 : "b"(a1), "c"(a2), "d"(a3)
				 : "memory");
	else
		/* AMD, and Hygon and other SVM clones. */
		__asm__ volatile(".byte 0x0f, 0x01, 0xd9 /* vmmcall */"
				 : "+a"(ret)
				 : "b"(a1), "c"(a2), "d"(a3)
				 : "memory");
	return (long)(int32_t)ret;
}

long nestor_yield(void)
{
	if (!nestor_present())
		return 0;
	return nestor_hypercall(HC_YIELD, 0, 0, 0);
}

long nestor_print(const char *s, size_t n)
{
	if (!nestor_present()) {
		guest_write(s, n);
		guest_putc('\n');
		return 0;
	}
	/* Paging is off: the pointer is the guest-physical address. */
	return nestor_hypercall(HC_PRINT, (uint32_t)(uintptr_t)s, (uint32_t)n, 0);
}

void nestor_exit(uint8_t status)
{
	if (nestor_present()) {
		guest_console_drain();
		nestor_hypercall(HC_EXIT, status, 0, 0);
	}
	guest_exit(status);
}

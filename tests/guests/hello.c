/*
 * hello - the smallest useful guest: proves Nestor loaded a multiboot v1
 * ELF at 1 MiB, entered it with a valid info structure, forwards COM1
 * lines and honours the debug-exit port. It prints what the loader told
 * it so a test can compare that with the VM's configuration.
 */
#include "lib/guest.h"
#include "hv/guest_abi.h"

const char guest_name[] = "hello";

static const char *mmap_type_name(uint32_t type)
{
	switch (type) {
	case MB_MMAP_AVAILABLE: return "available";
	case MB_MMAP_RESERVED: return "reserved";
	case MB_MMAP_ACPI_RECLAIMABLE: return "ACPI";
	case MB_MMAP_ACPI_NVS: return "ACPI NVS";
	case MB_MMAP_BAD: return "bad";
	default: return "other";
	}
}

int guest_main(const struct mb_info *mbi)
{
	guest_say("Hello from a Nestor guest");
	guest_say("multiboot info at 0x%08x, flags 0x%08x",
		  (unsigned)(uintptr_t)mbi, (unsigned)mbi->flags);
	if (mbi->flags & MB_INFO_MEM)
		guest_say("mem_lower %u KiB, mem_upper %u KiB",
			  (unsigned)mbi->mem_lower, (unsigned)mbi->mem_upper);
	else
		guest_say("no mem_lower/mem_upper (flags bit 0 clear)");
	guest_say("cmdline \"%s\"", guest_cmdline());

	if (mbi->flags & MB_INFO_MMAP) {
		uint32_t addr = mbi->mmap_addr, end = addr + mbi->mmap_length;
		unsigned n = 0;
		while (addr < end) {
			const struct mb_mmap_entry *e =
				(const struct mb_mmap_entry *)(uintptr_t)addr;
			guest_say("mmap %u: base 0x%016llx length 0x%016llx type %u (%s)",
				  n, (unsigned long long)e->base,
				  (unsigned long long)e->length, (unsigned)e->type,
				  mmap_type_name(e->type));
			addr += e->size + 4;
			n++;
		}
		guest_say("mmap: %u entries", n);
	} else {
		guest_say("no memory map (flags bit 6 clear)");
	}

	guest_say("cpu vendor %s", cpu_vendor_string());
	if (nestor_present()) {
		struct cpuid_regs r = cpuid(NESTOR_CPUID_INFO, 0);
		guest_say("nestor present: abi %u, vm id %u, vcpu %u",
			  (unsigned)r.eax, (unsigned)r.ebx, (unsigned)r.ecx);
		static const char msg[] = "hello: this line came through HC_PRINT";
		long rc = nestor_print(msg, sizeof(msg) - 1);
		if (rc != 0)
			guest_fail("HC_PRINT returned %ld", rc);
		/* Exit counts on demand (HC_PRINT_STATS): Nestor prints them. */
		rc = nestor_hypercall(HC_PRINT_STATS, 0, 0, 0);
		if (rc != 0)
			guest_fail("HC_PRINT_STATS returned %ld", rc);
	} else {
		guest_say("nestor present: no");
	}
	if (cmdline_has_word("ud2")) {
		/* Shows the unexpected-exception path end to end: under Nestor
		 * the #UD must reach our IDT, not stop the VM. */
		guest_say("executing ud2 with no catch");
		__asm__ volatile("ud2");
	}
	return 0;
}

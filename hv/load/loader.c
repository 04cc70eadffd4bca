/*
 * loader.c - guest kinds:
 *   multiboot: a Multiboot 0.6.96 ELF kernel, loaded at its physical
 *              addresses and entered in flat 32-bit protected mode with
 *              EAX = 0x2BADB002 and EBX = the information block (spec 3.2);
 *   elf64:     an ELF64 kernel entered in 64-bit mode at e_entry with an
 *              identity map of the first 4 GiB (2 MiB pages) and RBX = the
 *              same Multiboot information block;
 *   realmode:  a flat binary copied to load= (default entry=) and entered
 *              in real mode at entry=;
 *   linux:     a bzImage by the 64-bit boot protocol (hv/load/linux_boot.h),
 *              with the initrd=NAME module and the command line after "--".
 */
#include "hv/load/loader.h"
#include "drivers/console.h"
#include "hv/dev/ioapic.h"
#include "hv/guest_abi.h"
#include "hv/load/fw_tables.h"
#include "hv/x86/asm.h"
#include "hv/load/elf_load.h"
#include "hv/lib/format.h"
#include "hv/lib/string.h"
#include "hv/load/mb1_header.h"
#include "hv/load/linux_boot.h"
#include "hv/load/mb1_info.h"
#include "hv/load/module_image.h"
#include "hv/core/vm.h"

#define MAX_SEGMENTS 16

static int copy_to_guest(struct vm *vm, uint64_t gpa, const void *src, uint64_t filesz, uint64_t memsz, char *err,
			 size_t errlen)
{
	uint8_t *dst = vm_gpa_ptr(vm, gpa, memsz);
	if (!dst || (gpa < 0x100000 && gpa + memsz > LOADER_PT_GPA)) {
		fmt_snprintf(err, errlen,
			     "the image needs guest-physical 0x%llx-0x%llx, outside its %llu MiB of RAM above 1 MiB "
			     "(raise mem= or relink the guest)",
			     (unsigned long long)gpa, (unsigned long long)(gpa + memsz),
			     (unsigned long long)(vm->ram_size >> 20));
		return -1;
	}
	memcpy(dst, src, filesz);
	memset(dst + filesz, 0, memsz - filesz);
	return 0;
}

static int load_elf(struct vm *vm, const void *image, uint64_t size, unsigned want_bits, uint64_t *entry, char *err,
		    size_t errlen)
{
	struct elf_segment segs[MAX_SEGMENTS];
	struct elf_image elf;
	if (elf_parse(image, size, segs, MAX_SEGMENTS, &elf, err, errlen) < 0)
		return -1;
	if (elf.bits != want_bits) {
		fmt_snprintf(err, errlen, "kind=%s needs an ELF%u image, this one is ELF%u",
			     want_bits == 32 ? "multiboot" : "elf64", want_bits, elf.bits);
		return -1;
	}
	for (size_t i = 0; i < elf.nsegments; i++)
		if (copy_to_guest(vm, segs[i].paddr, (const uint8_t *)image + segs[i].offset, segs[i].filesz,
				  segs[i].memsz, err, errlen) < 0)
			return -1;
	*entry = elf.entry_in_segment ? elf.entry_paddr : elf.entry;
	return 0;
}

/* Multiboot information at LOADER_INFO_GPA with the VM's memory map. */
static int build_mb1_info(struct vm *vm, char *err, size_t errlen)
{
	struct mb1_info_request req = {
		.cmdline = vm->opts.cmdline,
		.regions = vm->guest_map,
		.nregions = vm->nguest_map,
		.loader_name = "Nestor",
	};
	uint8_t *buf = vm_gpa_ptr(vm, LOADER_INFO_GPA, LOADER_INFO_MAX);
	size_t used;
	if (!buf)
		return fmt_snprintf(err, errlen, "no room for the Multiboot information"), -1;
	return mb1_info_build(&req, buf, LOADER_INFO_MAX, LOADER_INFO_GPA, &used, err, errlen) < 0 ? -1 : 0;
}

/* Identity map of the first 4 GiB with 2 MiB pages for kind=elf64. */
static void build_identity_tables(struct vm *vm)
{
	uint64_t *pml4 = vm_gpa_ptr(vm, LOADER_PT_GPA, 6 * 4096);
	uint64_t *pdpt = pml4 + 512, *pd = pml4 + 1024;
	memset(pml4, 0, 6 * 4096);
	pml4[0] = (LOADER_PT_GPA + 0x1000) | 3;
	for (int g = 0; g < 4; g++) {
		pdpt[g] = (LOADER_PT_GPA + 0x2000 + g * 0x1000) | 3;
		for (int i = 0; i < 512; i++)
			pd[g * 512 + i] = ((uint64_t)g << 30) | ((uint64_t)i << 21) | 0x83;
	}
}

/*
 * ACPI and MP tables in the BIOS area (hv/load/fw_tables.h), unless a
 * real-mode image covers [lo, hi) there: then the image wins and the
 * guest has no tables (said in the log).
 */
static int place_fw_tables(struct vm *vm, uint64_t lo, uint64_t hi, uint64_t *rsdp_gpa, char *err, size_t errlen)
{
	*rsdp_gpa = 0;
	if (lo < FW_TABLES_GPA + FW_TABLES_MAX && hi > FW_TABLES_GPA) {
		log_warn("vm", "%s: no ACPI/MP tables: the image covers 0x%x-0x%x", vm->opts.name, FW_TABLES_GPA,
			 FW_TABLES_GPA + FW_TABLES_MAX);
		return 0;
	}
	struct cpuid_regs id = cpuid(1, 0);
	struct fw_tables_config c = {
		.ncpus = vm->opts.vcpus,
		.lapic_gpa = GUEST_LAPIC_GPA,
		.ioapic_gpa = GUEST_IOAPIC_GPA,
		.ioapic_id = GUEST_IOAPIC_ID,
		.lapic_version = 0x14, /* an integrated xAPIC (SDM 3A 11.4.8) */
		.ioapic_version = IOAPIC_VERSION, /* what its VERSION register reads (hv/dev/ioapic.h) */
		.cpu_signature = id.eax,
		.cpu_features = id.edx,
		.pm1a_evt_port = GUEST_ACPI_PM1A_EVT_PORT, /* hv/dev/acpi_pm.c */
		.pm1a_cnt_port = GUEST_ACPI_PM1A_CNT_PORT,
		.s5_slp_typ = GUEST_ACPI_S5_SLP_TYP,
	};
	struct fw_tables_layout l;
	uint8_t *buf = vm_gpa_ptr(vm, FW_TABLES_GPA, FW_TABLES_MAX);
	if (!buf)
		return fmt_error(err, errlen, "no RAM at 0x%x for the ACPI/MP tables", FW_TABLES_GPA);
	if (fw_tables_build(&c, buf, FW_TABLES_MAX, FW_TABLES_GPA, &l, err, errlen) < 0)
		return -1;
	*rsdp_gpa = FW_TABLES_GPA + l.rsdp;
	return 0;
}

/* The boot GDT of the 64-bit Linux boot protocol: flat __BOOT_CS (0x10,
 * here 64-bit code) and __BOOT_DS (0x18) (boot.rst, "64-bit Boot Protocol"). */
static void build_linux_gdt(struct vm *vm, struct vcpu_start *st)
{
	uint64_t *gdt = vm_gpa_ptr(vm, LINUX_GDT_GPA, 4 * 8);
	gdt[0] = gdt[1] = 0;
	gdt[2] = 0x00af9b000000ffffull; /* code: P, S, execute/read accessed, L, G */
	gdt[3] = 0x00cf93000000ffffull; /* data: P, S, read/write accessed, D/B, G */
	st->gdt_base = LINUX_GDT_GPA;
	st->gdt_limit = 4 * 8 - 1;
	st->code_sel = 0x10;
	st->data_sel = 0x18;
}

static int load_linux(struct vm *vm, const void *image, uint64_t size, uint64_t rsdp_gpa, struct vcpu_start *st,
		      char *err, size_t errlen)
{
	const struct module_image *initrd = 0;
	if (vm->opts.initrd[0] && !(initrd = module_image_find(GUEST_KIND_INITRD, vm->opts.initrd)))
		return fmt_error(err, errlen, "option 'initrd': no module with kind=initrd name=%s", vm->opts.initrd);
	struct linux_image li;
	struct linux_layout at;
	uint64_t initrd_size = initrd ? initrd->size : 0;
	if (linux_image_parse(image, size, &li, err, errlen) < 0 ||
	    linux_layout_plan(&li, 0x100000, vm->ram_size, initrd_size, &at, err, errlen) < 0)
		return -1;
	const uint8_t *kernel = (const uint8_t *)image + li.kernel_offset;
	if (copy_to_guest(vm, at.kernel_gpa, kernel, li.kernel_size, li.kernel_size, err, errlen) < 0 ||
	    (initrd && copy_to_guest(vm, at.initrd_gpa, initrd->image, initrd_size, initrd_size, err, errlen) < 0))
		return -1;
	uint64_t cmdline_len = strlen(vm->opts.cmdline);
	if (cmdline_len >= LINUX_CMDLINE_MAX)
		return fmt_error(err, errlen, "the command line has %llu bytes; Nestor passes at most %u to Linux",
				 (unsigned long long)cmdline_len, LINUX_CMDLINE_MAX - 1);
	memcpy(vm_gpa_ptr(vm, LINUX_CMDLINE_GPA, cmdline_len + 1), vm->opts.cmdline, cmdline_len + 1);
	struct linux_zero_page_request zr = {
		.image = image, .li = &li,
		.cmdline_gpa = LINUX_CMDLINE_GPA, .cmdline_len = cmdline_len,
		.initrd_gpa = at.initrd_gpa, .initrd_size = initrd_size,
		.map = vm->guest_map, .nmap = vm->nguest_map,
		.acpi_rsdp_gpa = rsdp_gpa,
	};
	if (linux_zero_page_build(&zr, vm_gpa_ptr(vm, LINUX_ZERO_PAGE_GPA, LINUX_ZERO_PAGE_SIZE), err, errlen) < 0)
		return -1;
	log_info("vm", "%s: Linux boot protocol %u.%02u, kernel at 0x%llx (%llu KiB, init_size %llu MiB)%s", vm->opts.name,
		 li.version >> 8, li.version & 0xff, (unsigned long long)at.kernel_gpa,
		 (unsigned long long)(li.kernel_size >> 10), (unsigned long long)(li.init_size >> 20),
		 initrd ? ", initrd" : "");
	if (initrd)
		log_info("vm", "%s: initrd '%s' at 0x%llx (%llu KiB)", vm->opts.name, initrd->name,
			 (unsigned long long)at.initrd_gpa, (unsigned long long)(initrd_size >> 10));
	build_identity_tables(vm);
	build_linux_gdt(vm, st);
	st->mode = START_LONG64;
	st->cr3 = LOADER_PT_GPA;
	st->rsp = LOADER_STACK_TOP;
	st->rip = at.kernel_gpa + LINUX_ENTRY64_OFFSET;
	st->gpr[GPR_RSI] = LINUX_ZERO_PAGE_GPA;
	return 0;
}

int guest_load(struct vm *vm, const void *image, uint64_t size, struct vcpu_start *st, char *err, size_t errlen)
{
	uint64_t rsdp_gpa = 0;
	if (vm->opts.mode == GUEST_MODE_ISOLATED) {
		uint64_t lo = 0, hi = 0;
		if (vm->opts.kind == GUEST_KIND_REALMODE) {
			lo = vm->opts.has_load ? vm->opts.load : vm->opts.entry;
			hi = lo + size;
		}
		if (place_fw_tables(vm, lo, hi, &rsdp_gpa, err, errlen) < 0)
			return -1;
	}
	memset(st, 0, sizeof(*st));
	st->rflags = 2;
	switch (vm->opts.kind) {
	case GUEST_KIND_MULTIBOOT: {
		struct mb1_header h;
		if (mb1_header_find(image, size, &h, err, errlen) < 0)
			return -1;
		if (load_elf(vm, image, size, 32, &st->rip, err, errlen) < 0 || build_mb1_info(vm, err, errlen) < 0)
			return -1;
		st->mode = START_PROTECTED32;
		st->gpr[GPR_RAX] = MB1_BOOTLOADER_MAGIC;
		st->gpr[GPR_RBX] = LOADER_INFO_GPA;
		return 0;
	}
	case GUEST_KIND_ELF64:
		if (load_elf(vm, image, size, 64, &st->rip, err, errlen) < 0 || build_mb1_info(vm, err, errlen) < 0)
			return -1;
		build_identity_tables(vm);
		st->mode = START_LONG64;
		st->cr3 = LOADER_PT_GPA;
		st->rsp = LOADER_STACK_TOP;
		st->gpr[GPR_RBX] = LOADER_INFO_GPA;
		return 0;
	case GUEST_KIND_REALMODE: {
		uint64_t entry = vm->opts.entry, load = vm->opts.has_load ? vm->opts.load : entry;
		if (entry >= 0x100000 || load >= 0x100000) {
			fmt_snprintf(err, errlen, "kind=realmode needs entry= and load= below 1 MiB (got 0x%llx, 0x%llx)",
				     (unsigned long long)entry, (unsigned long long)load);
			return -1;
		}
		uint8_t *dst = vm_gpa_ptr(vm, load, size);
		if (!dst || load + size > 0x100000) {
			fmt_snprintf(err, errlen, "a %llu-byte real-mode image at 0x%llx does not fit below 1 MiB",
				     (unsigned long long)size, (unsigned long long)load);
			return -1;
		}
		memcpy(dst, image, size);
		st->mode = START_REAL;
		st->cs_selector = (uint16_t)((entry >> 4) & 0xf000);
		st->rip = entry - ((uint64_t)st->cs_selector << 4);
		st->rsp = 0x7c00;
		return 0;
	}
	case GUEST_KIND_LINUX:
		return load_linux(vm, image, size, rsdp_gpa, st, err, errlen);
	case GUEST_KIND_ROM:
	case GUEST_KIND_INITRD:
	case GUEST_KIND_COUNT:
		break; /* not VMs: registered by vm_create */
	}
	fmt_snprintf(err, errlen, "unknown guest kind");
	return -1;
}

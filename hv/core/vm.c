/*
 * vm.c - VM creation from a GRUB module, guest memory, stop reports.
 *
 * Isolated VM memory (the only model until passthrough is added):
 *
 *   GPA 0 .................................................... mem
 *   | RAM: one 2 MiB-aligned block of host frames, read/write/execute |
 *
 * Everything else is absent from the TDP tables, so any access outside
 * it exits (EPT violation / #NPF) and stops the VM with a report.
 */
#include "hv/core/vm.h"
#include "drivers/console.h"
#include "hv/core/placement.h"
#include "hv/host/smp.h"
#include "hv/lib/format.h"
#include "hv/lib/string.h"
#include "hv/load/loader.h"
#include "hv/load/module_image.h"
#include "mm/pages.h"
#include "nested/nested.h"

struct vm vms[MAX_VMS];
unsigned nvms;
static unsigned placement_rr; /* the default round-robin over CPUs (placement.h) */

static void report_opt_error(void *ctx, const char *msg)
{
	log_err("vm", "module '%s': %s", (const char *)ctx, msg);
}

const struct ptb_region *vm_region_at(const struct vm *vm, uint64_t gpa)
{
	for (unsigned i = 0; i < vm->nregions; i++) {
		const struct ptb_region *r = &vm->regions[i];
		if (gpa >= r->gpa && gpa - r->gpa < r->size)
			return r;
	}
	return 0;
}

void *vm_gpa_ptr(struct vm *vm, uint64_t gpa, uint64_t len)
{
	const struct ptb_region *r = vm_region_at(vm, gpa);
	if (!r || r->kind != PTB_REGION_RAM || len > r->size || gpa - r->gpa > r->size - len)
		return 0;
	return pa_to_ptr(r->hpa + (gpa - r->gpa));
}

static void vm_free_resources(struct vm *vm)
{
	vm_devices_free(vm);
	for (unsigned i = 0; i < vm->nvcpus; i++) {
		nested_vcpu_free(&vm->vcpus[i]);
		virt_ops->vcpu_free(&vm->vcpus[i]);
	}
	vm_tdp_destroy(vm);
	if (vm->ram_hpa)
		pages_free(vm->ram_hpa, vm->ram_size / 4096);
	vm->ram_hpa = 0;
}

struct vm *vm_create(const char *module_string, const void *image, uint64_t image_size)
{
	if (nvms >= MAX_VMS) {
		log_err("vm", "module '%s' skipped: at most %d VMs", module_string, MAX_VMS);
		return 0;
	}
	struct vm *vm = &vms[nvms];
	memset(vm, 0, sizeof(*vm));
	vm->id = nvms;
	if (strlen(module_string) >= sizeof(vm->module_string)) {
		log_err("vm", "module '%s' skipped: its string is longer than %u bytes", module_string,
			(unsigned)sizeof(vm->module_string) - 1);
		return 0;
	}
	memcpy(vm->module_string, module_string, strlen(module_string) + 1);
	if (guest_opts_parse(vm->module_string, &vm->opts, report_opt_error, (void *)module_string)) {
		log_err("vm", "module '%s' skipped: fix the options named above", module_string);
		return 0;
	}
	const char *name = vm->opts.name;
	char err[160];
	if (vm->opts.kind == GUEST_KIND_ROM || vm->opts.kind == GUEST_KIND_INITRD) {
		module_image_register(vm->opts.kind, name, image, image_size);
		return 0;
	}
	for (unsigned i = 0; vm->opts.input && i < nvms; i++) {
		if (vms[i].opts.input) {
			log_err("vm", "%s skipped: %s already takes the serial input (input=on: one VM at most)", name,
				vms[i].opts.name);
			return 0;
		}
	}
	if (vm->opts.mode == GUEST_MODE_PASSTHROUGH) {
		for (unsigned i = 0; i < nvms; i++) {
			if (vms[i].opts.mode == GUEST_MODE_PASSTHROUGH) {
				log_err("vm", "%s skipped: %s is already the passthrough VM (at most one)", name,
					vms[i].opts.name);
				return 0;
			}
		}
		if (passthrough_build_memory(vm, err, sizeof(err)) < 0) {
			log_err("vm", "%s skipped: %s", name, err);
			return 0;
		}
	} else {
		/* RAM: one contiguous block, 2 MiB aligned so the TDP tables
		 * can use large pages. */
		vm->ram_size = (vm->opts.mem + 4095) & ~4095ull;
		vm->ram_hpa = pages_alloc_contig(vm->ram_size / 4096, 2ull << 20);
		if (!vm->ram_hpa) {
			log_err("vm", "%s skipped: no %llu MiB of contiguous free memory (%llu MiB free in all)", name,
				(unsigned long long)(vm->ram_size >> 20),
				(unsigned long long)(pages_free_count() >> 8));
			return 0;
		}
		vm->regions[vm->nregions++] = (struct ptb_region){
			.gpa = 0, .size = vm->ram_size, .hpa = vm->ram_hpa,
			.perm = PG_PERM_R | PG_PERM_W | PG_PERM_X, .kind = PTB_REGION_RAM,
		};
		/* What the guest is told: conventional memory, the legacy hole,
		 * and the rest above 1 MiB. */
		vm->guest_map[0] = (struct mb1_region){ 0, LOADER_LOW_RAM_END, MB1_MEM_AVAILABLE };
		vm->guest_map[1] = (struct mb1_region){ LOADER_LOW_RAM_END, 0x100000 - LOADER_LOW_RAM_END,
							MB1_MEM_RESERVED };
		vm->guest_map[2] = (struct mb1_region){ 0x100000, vm->ram_size - 0x100000, MB1_MEM_AVAILABLE };
		vm->nguest_map = 3;
	}

	struct vcpu_start start;
	if (vm->opts.mode == GUEST_MODE_ISOLATED && vm->ram_size < 0x200000) {
		log_err("vm", "%s skipped: mem=%lluK is too small: at least 2M", name,
			(unsigned long long)(vm->ram_size >> 10));
		vm_free_resources(vm);
		return 0;
	}
	if (vm_platform_create(vm, err, sizeof(err)) < 0) {
		log_err("vm", "%s skipped: %s", name, err);
		vm_free_resources(vm);
		return 0;
	}
	if (guest_load(vm, image, image_size, &start, err, sizeof(err)) < 0) {
		log_err("vm", "%s skipped: %s", name, err);
		vm_free_resources(vm);
		return 0;
	}

	if (vm->opts.nested && !nested_vm_supported(err, sizeof(err))) {
		log_err("vm", "%s skipped: %s", name, err);
		vm_free_resources(vm);
		return 0;
	}
	if (vm_tdp_build(vm)) {
		log_err("vm", "%s skipped: could not build its TDP tables (out of memory?)", name);
		vm_free_resources(vm);
		return 0;
	}

	/* Where the vCPUs run: cpus=, else spread (passthrough: boot CPU). */
	unsigned place[GUEST_VCPUS_MAX];
	uint64_t allowed = vm->opts.cpus ? vm->opts.cpus : vm->opts.mode == GUEST_MODE_PASSTHROUGH ? 1 : 0;
	unsigned rr = placement_rr;
	if (place_vcpus(allowed, smp_online(), vm->opts.vcpus, &rr, place, err, sizeof(err)) < 0) {
		log_err("vm", "%s skipped: %s", name, err);
		vm_free_resources(vm);
		return 0;
	}

	vm->nvcpus = vm->opts.vcpus;
	for (unsigned i = 0; i < vm->nvcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];
		v->vm = vm;
		v->index = i;
		/* x87/SSE power-up state (SDM 3A table 10-1): FCW 0x0040, MXCSR
		 * 0x1F80, in FXSAVE layout (SDM 1 table 10-2). */
		v->fpu[0] = 0x40;
		v->fpu[24] = 0x80;
		v->fpu[25] = 0x1f;
		v->state = i == 0 ? VCPU_RUNNABLE : VCPU_HALTED; /* APs wait for INIT/SIPI */
		v->wait_sipi = i != 0;
		v->sipi_vector = -1;
		v->pcpu = 0; /* set up here on the boot CPU, then moved */
		if (virt_ops->vcpu_init(v, &start, vm->tdp.root) < 0 || (vm->opts.nested && nested_vcpu_init(v) < 0)) {
			log_err("vm", "%s skipped: could not set up vCPU %u (out of memory?)", name, i);
			vm_free_resources(vm);
			return 0;
		}
		if (place[i] != 0) {
			virt_ops->vcpu_unload(v); /* VMCLEAR here before another CPU loads it */
			v->pcpu = place[i];
		}
		v->in_guest = vm->nvcpus == 1; /* see struct vcpu */
	}
	placement_rr = rr;
	nvms++;
	char where[64];
	unsigned n = 0;
	for (unsigned i = 0; i < vm->nvcpus && n < sizeof(where); i++)
		n += (unsigned)fmt_snprintf(where + n, sizeof(where) - n, "%s%u", i ? "," : "", place[i]);
	log_info("vm", "%s: %s, %llu MiB %s, %u vCPU%s, entry 0x%llx, on CPU %s%s%s", name,
		 guest_kind_name(vm->opts.kind), (unsigned long long)(vm->ram_size >> 20),
		 guest_mode_name(vm->opts.mode), vm->nvcpus, vm->nvcpus == 1 ? "" : "s",
		 (unsigned long long)start.rip, where, vm->opts.cmdline[0] ? ", cmdline: " : "", vm->opts.cmdline);
	return vm;
}

void vm_stop(struct vm *vm, int status, const char *fmt, ...)
{
	/* Any CPU may stop any VM (its own exits, the end of the run): the
	 * first one does it. */
	if (__atomic_exchange_n(&vm->stopped, true, __ATOMIC_SEQ_CST))
		return;
	vm->exit_status = status;
	va_list ap;
	va_start(ap, fmt);
	fmt_vsnprintf(vm->stop_reason, sizeof(vm->stop_reason), fmt, ap);
	va_end(ap);
	for (unsigned i = 0; i < vm->nvcpus; i++)
		vm->vcpus[i].state = VCPU_STOPPED;
	console_lock();
	log_info("vm", "%s stopped: status %d (%s)", vm->opts.name, status, vm->stop_reason);
	vm_print_stats(vm);
	console_unlock();
	/* Its vCPUs on other CPUs leave guest mode, and idle CPUs look
	 * again whether their run is over. */
	smp_kick_others();
}

void vm_stop_with_report(struct vcpu *v, const struct vm_exit *e, const char *why)
{
	struct vm *vm = v->vm;
	console_lock();
	log_err("vm", "%s vCPU %u: %s", vm->opts.name, v->index, why);
	kprintf("    exit %s (%s, 0x%x) at RIP %016llx, qualification/EXITINFO1 0x%llx, info2 0x%llx\n",
		exit_reason_name(e->reason), virt_ops->exit_name(e->hw_reason), e->hw_reason,
		(unsigned long long)e->rip, (unsigned long long)e->qual, (unsigned long long)e->info2);
	if (e->reason == EXIT_TDP_FAULT || e->reason == EXIT_TDP_MISCONFIG) {
		kprintf("    guest-physical %016llx", (unsigned long long)e->gpa);
		if (e->gla_valid)
			kprintf(", guest-linear %016llx", (unsigned long long)e->gla);
		kprintf("\n");
	}
	static const char *const names[GPR_COUNT] = { "RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI", "RDI",
						      "R8 ", "R9 ", "R10", "R11", "R12", "R13", "R14", "R15" };
	for (int i = 0; i < GPR_COUNT; i += 4)
		kprintf("    %s %016llx %s %016llx %s %016llx %s %016llx\n", names[i],
			(unsigned long long)v->gpr[i], names[i + 1], (unsigned long long)v->gpr[i + 1], names[i + 2],
			(unsigned long long)v->gpr[i + 2], names[i + 3], (unsigned long long)v->gpr[i + 3]);
	virt_ops->dump(v);
	vm_stop(vm, -1, "%s", why);
	console_unlock();
}

void vm_print_stats(const struct vm *vm)
{
	uint64_t total = 0;
	kprintf("vm: %s exits:", vm->opts.name);
	for (int r = 1; r < EXIT_REASON_COUNT; r++) {
		if (!vm->exits[r])
			continue;
		kprintf(" %s=%llu", exit_reason_name((enum exit_reason)r), (unsigned long long)vm->exits[r]);
		total += vm->exits[r];
	}
	kprintf(" total=%llu\n", (unsigned long long)total);
	for (unsigned i = 0; i < vm->nvcpus; i++)
		if (vm->vcpus[i].nested)
			nested_print_stats(&vm->vcpus[i]);
}

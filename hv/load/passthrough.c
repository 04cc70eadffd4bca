/*
 * passthrough.c - memory of a mode=passthrough VM.
 *
 * Guest-physical = host-physical for all RAM except Nestor's own memory:
 *
 *   host RAM:   | low 1 MiB | Nestor image | other VMs, tables | free ...... |
 *   guest RAM:  | mapped    |  (absent)    |     (absent)      | mapped      |
 *   guest map:  | usable    |  reserved    |     reserved      | usable      |
 *
 * Every frame still free in the allocator when the VM is created becomes
 * the guest's (and leaves the allocator for good), except a reserve kept
 * for Nestor's own later needs. Non-RAM ranges of the host map (ACPI,
 * firmware, device memory) and the unlisted gaps below 4 GiB (PCI MMIO)
 * are mapped uncached so devices work, except the local APIC page. Nestor's
 * memory is never mapped: an access to it exits and stops the VM.
 */
#include "drivers/console.h"
#include "hv/lib/format.h"
#include "hv/core/vm.h"
#include "hv/x86/asm.h"
#include "mm/pages.h"

/* Kept back for Nestor's allocations after the passthrough VM exists. */
#define PASSTHROUGH_HV_RESERVE_PAGES 2048 /* 8 MiB */
#define LOW_MEMORY_END 0x100000ull
#define LEGACY_VIDEO_START 0xa0000ull
#define FOUR_GIB (4ull << 30)
#define MSR_APIC_BASE 0x1bu

struct pt_build {
	struct vm *vm;
	bool overflow;
};

static void add_region(struct pt_build *b, uint64_t base, uint64_t size, uint8_t kind)
{
	struct vm *vm = b->vm;
	if (vm->nregions == VM_MAX_REGIONS) {
		b->overflow = true;
		return;
	}
	vm->regions[vm->nregions++] = (struct ptb_region){
		.gpa = base, .size = size, .hpa = base, .perm = PG_PERM_R | PG_PERM_W | PG_PERM_X, .kind = kind,
	};
}

static void add_map(struct pt_build *b, uint64_t base, uint64_t size, uint32_t type)
{
	struct vm *vm = b->vm;
	if (vm->nguest_map && vm->guest_map[vm->nguest_map - 1].type == type &&
	    vm->guest_map[vm->nguest_map - 1].base + vm->guest_map[vm->nguest_map - 1].size == base) {
		vm->guest_map[vm->nguest_map - 1].size += size;
		return;
	}
	if (vm->nguest_map == sizeof(vm->guest_map) / sizeof(vm->guest_map[0])) {
		b->overflow = true;
		return;
	}
	vm->guest_map[vm->nguest_map++] = (struct mb1_region){ base, size, type };
}

/*
 * Device memory: mapped uncached, except the local APIC page, which Nestor
 * uses for its own time slices and does not virtualize yet (a guest
 * touching it is stopped with a report instead of reprogramming the host's
 * timer or sending IPIs).
 */
static void add_device(struct pt_build *b, uint64_t base, uint64_t end, uint64_t lapic)
{
	if (lapic >= base && lapic < end) {
		if (lapic > base)
			add_region(b, base, lapic - base, PTB_REGION_DEVICE);
		base = lapic + 4096;
	}
	if (end > base)
		add_region(b, base, end - base, PTB_REGION_DEVICE);
}

static void claim_run(void *ctx, uint64_t base, uint64_t size)
{
	struct pt_build *b = ctx;
	add_region(b, base, size, PTB_REGION_RAM);
	b->vm->ram_size += size;
}

static uint32_t mb1_type(enum mem_type t)
{
	switch (t) {
	case MEM_USABLE: return MB1_MEM_AVAILABLE;
	case MEM_ACPI_RECLAIM: return MB1_MEM_ACPI_RECLAIMABLE;
	case MEM_ACPI_NVS: return MB1_MEM_NVS;
	case MEM_BAD: return MB1_MEM_BADRAM;
	default: return MB1_MEM_RESERVED;
	}
}

int passthrough_build_memory(struct vm *vm, char *err, size_t errlen)
{
	const struct mem_map *map = pages_host_map();
	struct pt_build b = { .vm = vm };
	uint64_t reserve = pages_alloc_contig(PASSTHROUGH_HV_RESERVE_PAGES, 4096);
	if (!reserve) {
		fmt_snprintf(err, errlen, "not enough free memory for a passthrough VM");
		return -1;
	}
	vm->ram_size = 0;
	pages_release_low(); /* the low 16 MiB was kept for this VM */
	/* Low memory (real-mode IVT, BIOS data, EBDA) belongs to the guest OS;
	 * the legacy video window and option ROMs are devices. */
	add_region(&b, 0, LEGACY_VIDEO_START, PTB_REGION_RAM);
	add_region(&b, LEGACY_VIDEO_START, LOW_MEMORY_END - LEGACY_VIDEO_START, PTB_REGION_DEVICE);
	vm->ram_size += LEGACY_VIDEO_START;
	add_map(&b, 0, LEGACY_VIDEO_START, MB1_MEM_AVAILABLE);
	add_map(&b, LEGACY_VIDEO_START, LOW_MEMORY_END - LEGACY_VIDEO_START, MB1_MEM_RESERVED);

	uint64_t lapic = rdmsr(MSR_APIC_BASE) & ~0xfffull;
	uint64_t covered = LOW_MEMORY_END; /* below 4 GiB, unlisted gaps are PCI MMIO */
	for (size_t i = 0; i < map->count; i++) {
		const struct mem_range *r = &map->ranges[i];
		uint64_t base = r->base < LOW_MEMORY_END ? LOW_MEMORY_END : r->base;
		if (r->end <= base)
			continue;
		if (base > covered && covered < FOUR_GIB)
			add_device(&b, covered, base < FOUR_GIB ? base : FOUR_GIB, lapic);
		if (r->end > covered)
			covered = r->end;
		if (r->type == MEM_USABLE) {
			/* Free frames become the guest's; the rest (Nestor, other
			 * VMs, modules) stays out of its tables. */
			unsigned first = vm->nregions;
			pages_claim_free(base, r->end, claim_run, &b);
			uint64_t at = base;
			for (unsigned k = first; k < vm->nregions; k++) {
				if (vm->regions[k].gpa > at)
					add_map(&b, at, vm->regions[k].gpa - at, MB1_MEM_RESERVED);
				add_map(&b, vm->regions[k].gpa, vm->regions[k].size, MB1_MEM_AVAILABLE);
				at = vm->regions[k].gpa + vm->regions[k].size;
			}
			if (at < r->end)
				add_map(&b, at, r->end - at, MB1_MEM_RESERVED);
		} else {
			if (r->type == MEM_RESERVED)
				add_device(&b, base, r->end, lapic);
			else
				add_region(&b, base, r->end - base, PTB_REGION_RAM);
			add_map(&b, base, r->end - base, mb1_type(r->type));
		}
	}
	if (covered < FOUR_GIB)
		add_device(&b, covered, FOUR_GIB, lapic);
	pages_free(reserve, PASSTHROUGH_HV_RESERVE_PAGES);
	if (b.overflow) {
		fmt_snprintf(err, errlen, "the host memory map is too fragmented for a passthrough VM (more than %d ranges)",
			     VM_MAX_REGIONS);
		return -1;
	}
	vm->io_passthrough = true;
	return 0;
}

/*
 * memory_regions.c - guest-physical ranges that are not RAM and not a
 * device with registers: unbacked ranges (reads all ones, writes dropped,
 * as on an empty bus), ROM (a read+execute image; writes exit and are
 * dropped) and ROMD (a ROM whose writes go to a test device's log).
 *
 * State: the region's "warned" flag; touched only by the vCPU whose exit
 * is handled.
 */
#include "drivers/console.h"
#include "hv/core/vm.h"
#include "hv/dev/device.h"
#include "hv/dev/simple_devices.h"
#include "hv/lib/format.h"
#include "hv/lib/string.h"
#include "mm/pages.h"

/* Reads of a ROM image (only reached by emulated instructions: direct
 * reads never exit). */
static uint64_t rom_read(struct vm_mmio_region *r, struct vcpu *v, uint64_t off, unsigned size)
{
	(void)v;
	uint64_t val = 0;
	memcpy(&val, (const uint8_t *)pa_to_ptr(r->image_hpa) + off, size);
	return val;
}

static uint64_t all_ones(struct vm_mmio_region *r, struct vcpu *v, uint64_t off, unsigned size)
{
	(void)v, (void)r, (void)off;
	return size == 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

/* Dropped, as real ROM and an empty bus do; said once per region. */
static void drop_write(struct vm_mmio_region *r, struct vcpu *v, uint64_t off, unsigned size, uint64_t val)
{
	(void)size, (void)val;
	if (!r->warned) {
		r->warned = true;
		log_info("vm", "%s: write to %s at 0x%llx dropped (logged once per region)", v->vm->opts.name,
			 r->ops->name, (unsigned long long)(r->gpa + off));
	}
}

static void romd_write(struct vm_mmio_region *r, struct vcpu *v, uint64_t off, unsigned size, uint64_t val)
{
	(void)v;
	testdev_romd_write(r->dev, off, size, val);
}

static const struct mmio_ops unbacked_ops = { "unbacked memory", all_ones, drop_write };
static const struct mmio_ops rom_ops = { "ROM", rom_read, drop_write };
static const struct mmio_ops romd_ops = { "ROMD", rom_read, romd_write };

int unbacked_create(struct vm *vm, uint64_t gpa, uint64_t size, char *err, size_t errlen)
{
	return vm_mmio_register(vm, gpa, size, &unbacked_ops, 0, 0, err, errlen);
}

int rom_create(struct vm *vm, uint64_t gpa, const void *image, uint64_t size, struct testdev *romd_target,
	       char *err, size_t errlen)
{
	uint64_t pages = (size + 4095) / 4096;
	uint64_t hpa = pages_alloc_contig(pages, 4096);
	if (!hpa) {
		fmt_snprintf(err, errlen, "out of memory for the ROM copy");
		return -1;
	}
	memcpy(pa_to_ptr(hpa), image, size);
	if (vm_mmio_register(vm, gpa, pages * 4096, romd_target ? &romd_ops : &rom_ops, romd_target, hpa, err,
			     errlen) < 0) {
		pages_free(hpa, pages);
		return -1;
	}
	/* Mapped read + execute: reads and fetches never exit; a write takes
	 * a permission fault and reaches hv/exit/tdp_fault.c. */
	if (vm->nregions == VM_MAX_REGIONS) {
		fmt_snprintf(err, errlen, "too many memory regions");
		return -1; /* the copy is freed with the registry */
	}
	vm->regions[vm->nregions++] = (struct ptb_region){
		.gpa = gpa, .size = pages * 4096, .hpa = hpa, .perm = PG_PERM_R | PG_PERM_X, .kind = PTB_REGION_RAM,
	};
	return 0;
}

/*
 * registry.c - a VM's port ranges, MMIO regions and device state (see
 * device.h). Written only while the VM is created; read-only afterwards.
 */
#include "hv/dev/device.h"
#include "hv/core/vm.h"
#include "hv/lib/format.h"
#include "hv/lib/string.h"
#include "mm/pages.h"

void *vm_dev_alloc(struct vm *vm, size_t size, char *err, size_t errlen)
{
	struct vm_devices *d = &vm->dev;
	size = (size + 15) & ~(size_t)15;
	if (size > 4096) {
		fmt_snprintf(err, errlen, "device state of %zu bytes is larger than a page", size);
		return 0;
	}
	if (!d->narena || d->arena_used + size > 4096) {
		if (d->narena == VM_DEV_ARENA_PAGES) {
			fmt_snprintf(err, errlen, "too many devices (%u pages of device state)", VM_DEV_ARENA_PAGES);
			return 0;
		}
		uint64_t pa = page_alloc();
		if (!pa) {
			fmt_snprintf(err, errlen, "out of memory for device state");
			return 0;
		}
		memset(pa_to_ptr(pa), 0, 4096);
		d->arena[d->narena++] = pa;
		d->arena_used = 0;
	}
	void *p = (uint8_t *)pa_to_ptr(d->arena[d->narena - 1]) + d->arena_used;
	d->arena_used += (unsigned)size;
	return p;
}

int vm_pio_register(struct vm *vm, uint16_t base, uint16_t count, const struct pio_ops *ops, void *dev, char *err,
		    size_t errlen)
{
	struct vm_devices *d = &vm->dev;
	if (!count || (uint32_t)base + count > 0x10000) {
		fmt_snprintf(err, errlen, "%s: bad port range 0x%x+%u", ops->name, base, count);
		return -1;
	}
	for (unsigned i = 0; i < d->npio; i++) {
		const struct vm_pio_range *o = &d->pio[i];
		if (base < o->base + o->count && o->base < base + count) {
			fmt_snprintf(err, errlen, "%s at ports 0x%x-0x%x overlaps the %s at 0x%x-0x%x", ops->name, base,
				     base + count - 1, o->ops->name, o->base, o->base + o->count - 1);
			return -1;
		}
	}
	if (d->npio == VM_MAX_PIO) {
		fmt_snprintf(err, errlen, "at most %d port ranges per VM", VM_MAX_PIO);
		return -1;
	}
	d->pio[d->npio++] = (struct vm_pio_range){ .base = base, .count = count, .ops = ops, .dev = dev };
	return 0;
}

const struct vm_pio_range *vm_pio_find(const struct vm *vm, uint16_t port)
{
	const struct vm_devices *d = &vm->dev;
	for (unsigned i = 0; i < d->npio; i++)
		if ((uint16_t)(port - d->pio[i].base) < d->pio[i].count)
			return &d->pio[i];
	return 0;
}

int vm_mmio_register(struct vm *vm, uint64_t gpa, uint64_t size, const struct mmio_ops *ops, void *dev,
		     uint64_t image_hpa, char *err, size_t errlen)
{
	struct vm_devices *d = &vm->dev;
	if (d->nmmio == VM_MAX_MMIO) {
		fmt_snprintf(err, errlen, "at most %d device regions per VM", VM_MAX_MMIO);
		return -1;
	}
	if ((gpa | size) & 4095 || !size || gpa + size < gpa) {
		fmt_snprintf(err, errlen, "%s at 0x%llx+0x%llx is not page aligned", ops->name,
			     (unsigned long long)gpa, (unsigned long long)size);
		return -1;
	}
	if (vm_region_at(vm, gpa) || vm_region_at(vm, gpa + size - 1) || (gpa < vm->ram_size)) {
		fmt_snprintf(err, errlen, "%s at 0x%llx+0x%llx overlaps the VM's RAM (0-0x%llx)", ops->name,
			     (unsigned long long)gpa, (unsigned long long)size, (unsigned long long)vm->ram_size);
		return -1;
	}
	for (unsigned i = 0; i < d->nmmio; i++) {
		const struct vm_mmio_region *o = &d->mmio[i];
		if (gpa < o->gpa + o->size && o->gpa < gpa + size) {
			fmt_snprintf(err, errlen, "%s at 0x%llx+0x%llx overlaps the %s at 0x%llx", ops->name,
				     (unsigned long long)gpa, (unsigned long long)size, o->ops->name,
				     (unsigned long long)o->gpa);
			return -1;
		}
	}
	d->mmio[d->nmmio++] = (struct vm_mmio_region){
		.gpa = gpa, .size = size, .ops = ops, .dev = dev, .image_hpa = image_hpa,
	};
	return 0;
}

struct vm_mmio_region *vm_mmio_at(struct vm *vm, uint64_t gpa)
{
	struct vm_devices *d = &vm->dev;
	for (unsigned i = 0; i < d->nmmio; i++)
		if (gpa >= d->mmio[i].gpa && gpa - d->mmio[i].gpa < d->mmio[i].size)
			return &d->mmio[i];
	return 0;
}

void vm_devices_free(struct vm *vm)
{
	struct vm_devices *d = &vm->dev;
	for (unsigned i = 0; i < d->nmmio; i++)
		if (d->mmio[i].image_hpa)
			pages_free(d->mmio[i].image_hpa, d->mmio[i].size / 4096);
	for (unsigned i = 0; i < d->narena; i++)
		pages_free(d->arena[i], 1);
	memset(d, 0, sizeof(*d));
}

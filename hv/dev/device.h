/*
 * device.h - the per-VM device registry: what a device model registers
 * with its VM, and how exits find it.
 *
 * hv/dev/ holds the device models of a VM (UART, debug-exit, fw_cfg, the
 * MMIO test device, ROM/unbacked regions; interrupt controllers and timers
 * to come) and the plumbing they share: this registry, the VM's IRQ lines
 * (irq.h) and the standard platform (platform.c). A device model is one
 * file: a create function that allocates its state with vm_dev_alloc()
 * and registers port ranges and/or MMIO regions with handlers. A VM may
 * have several instances of a kind. Models may call hv/core (struct vm,
 * vm_stop, vm_console_putc) and hv/lib; never a backend (hv/vmx, hv/svm).
 *
 * Locking: a VM's registry is written only while the VM is created (one
 * CPU, before any vCPU runs) and read-only afterwards. Each device keeps
 * its own state rule at the top of its file.
 */
#ifndef NESTOR_DEV_DEVICE_H
#define NESTOR_DEV_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm;
struct vcpu;

/* Port I/O: size is 1, 2 or 4; port is absolute. */
struct pio_ops {
	const char *name;
	uint32_t (*read)(void *dev, struct vcpu *v, uint16_t port, unsigned size);
	void (*write)(void *dev, struct vcpu *v, uint16_t port, unsigned size, uint32_t value);
};

struct vm_pio_range {
	uint16_t base, count;
	const struct pio_ops *ops;
	void *dev;
};

/*
 * Guest-physical regions that are not plain RAM. Each access Nestor's
 * emulator performs there calls read/write with the offset in the region
 * and a size of 1, 2, 4 or 8 bytes.
 */
struct vm_mmio_region;
struct mmio_ops {
	const char *name;
	uint64_t (*read)(struct vm_mmio_region *r, struct vcpu *v, uint64_t off, unsigned size);
	void (*write)(struct vm_mmio_region *r, struct vcpu *v, uint64_t off, unsigned size, uint64_t val);
};

struct vm_mmio_region {
	uint64_t gpa, size;
	const struct mmio_ops *ops;
	void *dev;
	/* ROM-like regions: an image the guest reads and executes directly
	 * (mapped read+execute); only writes reach the handlers. 0 for MMIO. */
	uint64_t image_hpa;
	bool warned; /* for handlers that log once */
};

#define VM_MAX_PIO 16
#define VM_MAX_MMIO 8
#define VM_DEV_ARENA_PAGES 8

struct vm_devices {
	struct vm_pio_range pio[VM_MAX_PIO];
	unsigned npio;
	struct vm_mmio_region mmio[VM_MAX_MMIO];
	unsigned nmmio;
	/* Device state: bump-allocated from these pages, freed with the VM. */
	uint64_t arena[VM_DEV_ARENA_PAGES];
	unsigned narena;
	unsigned arena_used; /* bytes used in the last page */
};

/* Zeroed device state of size bytes (at most 4096), 16-byte aligned, that
 * lives as long as the VM; NULL with a message in err when out of room. */
void *vm_dev_alloc(struct vm *vm, size_t size, char *err, size_t errlen);

/* Claim ports [base, base+count). Returns 0, or -1 with a message if they
 * overlap another device's or the table is full. */
int vm_pio_register(struct vm *vm, uint16_t base, uint16_t count, const struct pio_ops *ops, void *dev, char *err,
		    size_t errlen);
/* The range claiming port, or NULL (unclaimed: reads all ones). */
const struct vm_pio_range *vm_pio_find(const struct vm *vm, uint16_t port);

/* Register a region (page-aligned). image_hpa: see vm_mmio_region.
 * Returns 0, or -1 with a message if it overlaps RAM or another region. */
int vm_mmio_register(struct vm *vm, uint64_t gpa, uint64_t size, const struct mmio_ops *ops, void *dev,
		     uint64_t image_hpa, char *err, size_t errlen);
/* The non-RAM region containing gpa, or NULL. */
struct vm_mmio_region *vm_mmio_at(struct vm *vm, uint64_t gpa);

/* Free what the registry holds (ROM copies, device state). */
void vm_devices_free(struct vm *vm);

/* The standard devices of every VM and those its module options ask for
 * (hv/dev/platform.c). 0, or -1 with a message. */
int vm_platform_create(struct vm *vm, char *err, size_t errlen);

#endif

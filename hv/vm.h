/*
 * vm.h - a virtual machine: its vCPUs, memory regions, TDP tables,
 * emulated devices and exit statistics.
 */
#ifndef NESTOR_VM_H
#define NESTOR_VM_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/cpu/percpu.h"
#include "hv/guest_opts.h"
#include "hv/mb1_info.h"
#include "hv/vcpu.h"
#include "mm/pgfmt.h"
#include "mm/ptbuild.h"

#define MAX_VMS 8
#define VM_MAX_REGIONS 128

struct vm_uart {
	char line[200];
	unsigned len;
	uint8_t ier, lcr, mcr, scr, dll, dlm;
};

/*
 * Guest-physical regions that are not plain RAM (hv/mmio.c). A device
 * registers one with its handlers (vm_mmio_register); each access the
 * emulator performs there calls read/write with the offset in the region
 * and a size of 1, 2, 4 or 8 bytes.
 */
struct vm_mmio_region;
struct mmio_ops {
	const char *name;
	uint64_t (*read)(struct vcpu *v, struct vm_mmio_region *r, uint64_t off, unsigned size);
	void (*write)(struct vcpu *v, struct vm_mmio_region *r, uint64_t off, unsigned size, uint64_t val);
};

struct vm_mmio_region {
	uint64_t gpa, size;
	const struct mmio_ops *ops;
	/* ROM-like regions: an image the guest reads and executes directly
	 * (mapped read+execute); only writes reach the handlers. 0 for MMIO. */
	uint64_t image_hpa;
	bool warned; /* for handlers that log once */
};

#define VM_MAX_MMIO 8

struct vm_testdev {
	uint8_t scratch[2048];
	uint64_t counter, last, log_count;
	uint64_t log[32];
};

struct vm_fw_cfg {
	uint16_t key;
	uint32_t offset;
};

struct vm {
	unsigned id;
	struct guest_opts opts;
	char module_string[256]; /* opts' strings point into this copy */
	bool stopped;
	int exit_status;
	char stop_reason[160];

	unsigned nvcpus;
	struct vcpu vcpus[GUEST_VCPUS_MAX];

	struct ptb_region regions[VM_MAX_REGIONS];
	unsigned nregions;
	uint64_t ram_hpa, ram_size; /* isolated: one contiguous block at GPA 0 */
	/* The memory map the guest is told about (Multiboot information). */
	struct mb1_region guest_map[64];
	unsigned nguest_map;
	/* passthrough: ports no emulated device claims reach the hardware. */
	bool io_passthrough;
	struct pg_format tdp_fmt;
	struct ptb tdp;

	struct vm_mmio_region mmio[VM_MAX_MMIO];
	unsigned nmmio;
	uint64_t mmio_pages_marked; /* pages switched to the cheap MMIO exit */
	struct vm_testdev testdev;

	struct vm_uart uart;
	struct vm_fw_cfg fw_cfg;
	uint32_t warned_msrs[8];
	unsigned nwarned_msrs;
	uint16_t warned_ports[8];
	unsigned nwarned_ports;

	uint64_t exits[EXIT_REASON_COUNT];
};

extern struct vm vms[MAX_VMS];
extern unsigned nvms;

/* Create and load a VM from a GRUB module; on any problem the VM is not
 * created and the reason is printed (other VMs are unaffected). */
struct vm *vm_create(const char *module_string, const void *image, uint64_t image_size);
/* Stop a VM (all its vCPUs) with an exit status and a reason. */
void vm_stop(struct vm *vm, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Stop because of an exit Nestor cannot or will not handle: print the
 * exit by name, RIP, registers and qualification. */
void vm_stop_with_report(struct vcpu *v, const struct vm_exit *e, const char *why);
void vm_print_stats(const struct vm *vm);

/* Host pointer for guest-physical [gpa, gpa+len) if it is RAM of this VM
 * (within one region), else NULL. */
void *vm_gpa_ptr(struct vm *vm, uint64_t gpa, uint64_t len);
/* The devices the module options can place (hv/mmio.c). */
extern const struct mmio_ops mmio_testdev_ops, mmio_uart_ops, mmio_unbacked_ops, mmio_rom_ops, mmio_romd_ops;

/* Register a device region (page-aligned). image_hpa: see vm_mmio_region.
 * Returns 0, or -1 with a message if it overlaps RAM or another region. */
int vm_mmio_register(struct vm *vm, uint64_t gpa, uint64_t size, const struct mmio_ops *ops, uint64_t image_hpa,
		     char *err, size_t errlen);
/* The non-RAM region containing gpa, or NULL. */
struct vm_mmio_region *vm_mmio_at(struct vm *vm, uint64_t gpa);
/* Nestor option mmio_fast=: mark MMIO pages for the cheap exit (default). */
extern bool mmio_fast_path;
/* Register a kind=rom module (not a VM) under its name. */
void rom_image_register(const char *name, const void *image, uint64_t size);

/* Must an exit be taken for this port (an emulated device, or a port a
 * passthrough guest may not touch)? */
bool vm_port_intercepted(const struct vm *vm, uint16_t port);
/* Set up a passthrough VM's memory (hv/passthrough.c): 0 or -1 with err. */
int passthrough_build_memory(struct vm *vm, char *err, size_t errlen);
/* The region containing gpa, or NULL. */
const struct ptb_region *vm_region_at(const struct vm *vm, uint64_t gpa);

#endif

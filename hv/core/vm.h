/*
 * vm.h - a virtual machine: its vCPUs, memory regions, TDP tables,
 * emulated devices and exit statistics.
 *
 * Locking: a VM's vCPUs may run on several physical CPUs. For a VM of
 * more than one vCPU, `lock` is held around the dispatch of every exit
 * (hv/core/sched.c), so everything exits touch (devices, TDP tables and
 * their deferred frees, regions, statistics, the console line) is changed
 * by one CPU at a time; a VM of one vCPU has one CPU and takes no lock.
 * `stopped` is claimed atomically (vm_stop may run on any CPU).
 */
#ifndef NESTOR_VM_H
#define NESTOR_VM_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/dev/device.h"
#include "hv/dev/extint.h"
#include "hv/dev/irq.h"
#include "hv/host/percpu.h"
#include "hv/load/guest_opts.h"
#include "hv/lib/spinlock.h"
#include "hv/load/mb1_info.h"
#include "hv/core/vcpu.h"
#include "mm/pgfmt.h"
#include "mm/ptbuild.h"

struct apic_msg;

#define MAX_VMS 8
#define VM_MAX_REGIONS 128

/* The VM's console output (its UART, HC_PRINT), collected per line. */
struct vm_console {
	char line[200];
	unsigned len;
};

/* Unlinked TDP table pages waiting for every vCPU's flush (tdp.c). */
#define VM_TDP_DEFERRED_MAX 64
struct vm_tdp_deferred {
	uint64_t page[VM_TDP_DEFERRED_MAX];
	uint64_t gen[VM_TDP_DEFERRED_MAX];
	unsigned n;
	bool leak_warned;
};

struct vm {
	unsigned id;
	struct guest_opts opts;
	char module_string[256]; /* opts' strings point into this copy */
	struct spinlock lock;    /* see the top of this file */
	bool stopped;            /* claimed atomically; read after calls that may change it */
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
	uint64_t tdp_gen;        /* TDP changes that need a flush so far */
	uint64_t tdp_gen_flushed; /* ... of them every vCPU has flushed */
	struct vm_tdp_deferred tdp_deferred;

	uint64_t mmio_pages_marked; /* pages switched to the cheap MMIO exit */
	/* HC_PERM_UNMAP_UNTIL_TOUCHED ranges (hv/exit/hypercall.c) and how
	 * many first touches Nestor has mapped back. */
	struct { uint64_t gpa, size; } touch[8];
	unsigned ntouch;
	uint64_t touch_faults;

	struct vm_devices dev;   /* hv/dev/device.h */
	struct irq_lines irq;    /* hv/dev/irq.h */
	/* Isolated VMs: the 8259 pair (hv/dev/pic_dev.h), the context of the
	 * local APIC's ExtINT input. */
	struct pic_dev *pic;
	/* ... and the CMOS RTC, whose port 0x70 bit 7 masks NMIs. */
	struct rtc_dev *rtc;
	/* The PIC's INTR output for LINT0 (hv/dev/extint.h), or NULL. */
	const struct extint_ops *extint_ops;
	void *extint_ctx;
	/* Software timers of the VM armed now (hv/core/vtimer.h), atomic:
	 * while any is, halted vCPUs may still be woken. */
	unsigned timers_armed;
	/* ... and the I/O APIC (hv/dev/ioapic_dev.h; NULL when the VM's RAM
	 * covers its page). Its messages go to apic_deliver, the local
	 * APICs' side (NULL until that exists: the IOAPIC drops them). */
	struct ioapic_dev *ioapic;
	void (*apic_deliver)(struct vm *vm, const struct apic_msg *m);
	struct vm_console console;
	/* kvmclock (hv/dev/kvmclock.c): MSR_KVM_WALL_CLOCK_NEW and its
	 * structure's version; a bad guest address was logged. */
	uint64_t msr_kvm_wall_clock;
	uint32_t wall_clock_version;
	bool kvmclock_warned;
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
/* Nestor option mmio_fast=: mark MMIO pages for the cheap exit (default). */
extern bool mmio_fast_path;
/* Nestor option mmio_quick=: the quick MOV path of tdp_fault.c (default). */
extern bool mmio_quick_path;
/* One character of the guest's console output (UART and HC_PRINT): lines
 * appear on Nestor's console as "[NAME] line". */
void vm_console_putc(struct vm *vm, char c);

/* Must an exit be taken for this port (an emulated device, or a port a
 * passthrough guest may not touch)? */
bool vm_port_intercepted(const struct vm *vm, uint16_t port);
/* hv/core/tdp.c: build the VM's TDP tables from its regions (0 or -1);
 * destroy them (a VM that never ran); after a change whose ptb_* call
 * reported *flush, make every vCPU flush before its next entry; free the
 * unlinked table pages no CPU can still use. */
int vm_tdp_build(struct vm *vm);
void vm_tdp_destroy(struct vm *vm);
void vm_tdp_changed(struct vm *vm);
void vm_tdp_release(struct vm *vm);
/* Set up a passthrough VM's memory (hv/load/passthrough.c): 0 or -1 with err. */
int passthrough_build_memory(struct vm *vm, char *err, size_t errlen);
/* The region containing gpa, or NULL. */
const struct ptb_region *vm_region_at(const struct vm *vm, uint64_t gpa);

#endif

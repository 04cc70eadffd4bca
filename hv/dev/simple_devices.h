/*
 * simple_devices.h - the small device models of hv/dev/: each a create
 * function that registers the device with its VM (hv/dev/device.h).
 * All return 0 (or the instance), or -1 (NULL) with a message in err.
 */
#ifndef NESTOR_DEV_SIMPLE_DEVICES_H
#define NESTOR_DEV_SIMPLE_DEVICES_H

#include <stddef.h>
#include <stdint.h>

struct vcpu;

struct vm;
struct testdev;

/* QEMU's isa-debug-exit at port (a write of V ends the VM with status V). */
int debug_exit_create(struct vm *vm, uint16_t port, char *err, size_t errlen);
/* The ACPI PM1a event and control registers (S5 power-off; acpi_pm.c). */
int acpi_pm_create(struct vm *vm, char *err, size_t errlen);
/* QEMU's fw_cfg at ports 0x510/0x511. */
int fw_cfg_create(struct vm *vm, char *err, size_t errlen);

/* The MMIO test device of hv/guest_abi.h; testdev_map places its page. */
struct testdev *testdev_create(struct vm *vm, char *err, size_t errlen);
int testdev_map(struct vm *vm, struct testdev *d, uint64_t gpa, char *err, size_t errlen);
/* A ROMD write of size bytes at offset off of its region, for d's log. */
void testdev_romd_write(struct testdev *d, uint64_t off, unsigned size, uint64_t val);

/* [gpa, gpa+size): reads all ones, writes dropped. */
int unbacked_create(struct vm *vm, uint64_t gpa, uint64_t size, char *err, size_t errlen);
/* A copy of image at gpa, mapped read+execute; writes are dropped (ROM)
 * or go to romd_target's log (ROMD, romd_target != NULL). */
int rom_create(struct vm *vm, uint64_t gpa, const void *image, uint64_t size, struct testdev *romd_target,
	       char *err, size_t errlen);

/* Every vCPU's interrupt source until an interrupt controller exists:
 * what HC_RAISE_EVENT raised (hv/dev/test_intr.c). */
int test_intr_create(struct vm *vm, char *err, size_t errlen);
/* HC_TEST_TIMER: raise vector on v's test interrupt source delay_tsc TSC
 * ticks from now (one software timer per vCPU, re-arming moves it);
 * -1 if v's interrupt source is not the test one or vector < 32. */
/* The ops of that source (its context is vcpu->test_source), for an
 * interrupt controller that puts it behind itself. */
struct intr_source_ops;
const struct intr_source_ops *test_intr_source_ops(void);
int test_intr_arm_timer(struct vcpu *v, unsigned vector, uint64_t delay_tsc);

#endif

/*
 * testdev.c - the MMIO test device (layout in hv/guest_abi.h): scratch
 * memory, an access counter, the last access, and a log of writes, so a
 * guest can check exactly what the emulator did on its behalf. A ROMD
 * region passes its writes to one of these (romd=).
 *
 * State: per instance; touched only by the vCPU whose exit is handled.
 */
#include "hv/core/vm.h"
#include "hv/dev/device.h"
#include "hv/dev/simple_devices.h"
#include "hv/guest_abi.h"
#include "hv/lib/string.h"

struct testdev {
	uint8_t scratch[TESTDEV_SCRATCH_SIZE];
	uint64_t counter, last, log_count;
	uint64_t log[TESTDEV_LOG_ENTRIES];
};

static void note_access(struct testdev *d, uint64_t off, unsigned size, bool write, bool romd)
{
	d->last = size | (write ? TESTDEV_LAST_WRITE : 0) | (romd ? TESTDEV_LAST_ROMD : 0) | ((off & 0xfff) << 16);
	d->counter++;
}

static uint64_t testdev_read(struct testdev *d, uint64_t off, unsigned size)
{
	uint64_t v = 0;
	/* The 8-byte registers may also be read in smaller pieces (a 32-bit
	 * guest reads the upper half at +4). */
	uint64_t reg = off & ~7ull, shift = 8 * (off & 7);
	if (off + size <= TESTDEV_SCRATCH_SIZE)
		memcpy(&v, d->scratch + off, size);
	else if ((off & 7) + size > 8)
		v = 0; /* straddles two registers */
	else if (reg == TESTDEV_COUNTER)
		v = d->counter >> shift;
	else if (reg == TESTDEV_LAST)
		v = d->last >> shift;
	else if (reg == TESTDEV_LOG_COUNT)
		v = d->log_count >> shift;
	else if (reg >= TESTDEV_LOG && reg < TESTDEV_LOG + 8 * TESTDEV_LOG_ENTRIES)
		v = d->log[(reg - TESTDEV_LOG) / 8] >> shift;
	note_access(d, off, size, false, false);
	if (size < 8)
		v &= (1ull << (8 * size)) - 1;
	return v;
}

/* romd: the write came through a ROMD region (off is within that region). */
static void testdev_write(struct testdev *d, uint64_t off, unsigned size, uint64_t value, bool romd)
{
	if (romd) {
		/* ROMD writes only reach the log; the image is unchanged. */
	} else if (off + size <= TESTDEV_SCRATCH_SIZE) {
		memcpy(d->scratch + off, &value, size);
	} else if (off == TESTDEV_COUNTER) {
		d->counter = 0;
		d->last = size | TESTDEV_LAST_WRITE | ((off & 0xfff) << 16);
		return; /* the reset itself is not counted */
	} else if (off == TESTDEV_LOG_COUNT) {
		d->log_count = 0;
		note_access(d, off, size, true, false);
		return; /* clearing the log is not logged */
	}
	uint64_t entry = (value & 0xffffffffull) | ((uint64_t)size << 32) | (romd ? 1ull << 40 : 0) |
			 ((off & 0xffff) << 48);
	d->log[d->log_count % TESTDEV_LOG_ENTRIES] = entry;
	d->log_count++;
	note_access(d, off, size, true, romd);
}

static uint64_t testdev_mmio_read(struct vm_mmio_region *r, struct vcpu *v, uint64_t off, unsigned size)
{
	(void)v;
	return testdev_read(r->dev, off, size);
}

static void testdev_mmio_write(struct vm_mmio_region *r, struct vcpu *v, uint64_t off, unsigned size, uint64_t val)
{
	(void)v;
	testdev_write(r->dev, off, size, val, false);
}

static const struct mmio_ops testdev_ops = { "test device", testdev_mmio_read, testdev_mmio_write };

struct testdev *testdev_create(struct vm *vm, char *err, size_t errlen)
{
	return vm_dev_alloc(vm, sizeof(struct testdev), err, errlen);
}

int testdev_map(struct vm *vm, struct testdev *d, uint64_t gpa, char *err, size_t errlen)
{
	return vm_mmio_register(vm, gpa, 4096, &testdev_ops, d, 0, err, errlen);
}

void testdev_romd_write(struct testdev *d, uint64_t off, unsigned size, uint64_t val)
{
	testdev_write(d, off, size, val, true);
}

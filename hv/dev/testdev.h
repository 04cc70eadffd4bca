/* testdev.h - the MMIO test device of hv/guest_abi.h. */
#ifndef NESTOR_DEV_TESTDEV_H
#define NESTOR_DEV_TESTDEV_H

#include <stdbool.h>
#include <stdint.h>

struct vm_testdev;

uint64_t testdev_read(struct vm_testdev *d, uint64_t off, unsigned size);
/* romd: the write came through a ROMD region (off is within that region). */
void testdev_write(struct vm_testdev *d, uint64_t off, unsigned size, uint64_t value, bool romd);

#endif

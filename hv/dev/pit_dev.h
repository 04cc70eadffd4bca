/*
 * pit_dev.h - the 8254 and port 0x61 as a device of a VM (hv/dev/pit_dev.c).
 */
#ifndef NESTOR_DEV_PIT_DEV_H
#define NESTOR_DEV_PIT_DEV_H

#include <stddef.h>

struct vm;

/* Register the PIT (ports 0x40-0x43, 0x61) with vm. 0, or -1 with err. */
int pit_create(struct vm *vm, char *err, size_t errlen);

#endif

/* rom_image.h - kind=rom modules: images other VMs map with rom=/romd=. */
#ifndef NESTOR_LOAD_ROM_IMAGE_H
#define NESTOR_LOAD_ROM_IMAGE_H

#include <stdint.h>

#include "hv/load/guest_opts.h"

struct rom_image {
	char name[GUEST_NAME_MAX];
	const void *image;
	uint64_t size;
};

/* Register a kind=rom module under its name (reported if the table is full). */
void rom_image_register(const char *name, const void *image, uint64_t size);
/* The image registered under name, or NULL. */
const struct rom_image *rom_image_find(const char *name);

#endif

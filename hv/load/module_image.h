/*
 * module_image.h - modules that are not VMs but images other modules name:
 * kind=rom (mapped by rom=/romd=) and kind=initrd (a kind=linux guest's
 * initrd=). Registered by name while modules are read at boot.
 */
#ifndef NESTOR_LOAD_MODULE_IMAGE_H
#define NESTOR_LOAD_MODULE_IMAGE_H

#include <stdint.h>

#include "hv/load/guest_opts.h"

struct module_image {
	char name[GUEST_NAME_MAX];
	enum guest_kind kind;      /* GUEST_KIND_ROM or GUEST_KIND_INITRD */
	const void *image;
	uint64_t size;
};

/* Register an image module under its name (reported if the table is full
 * or the name is taken by another image of the same kind). */
void module_image_register(enum guest_kind kind, const char *name, const void *image, uint64_t size);
/* The image of that kind registered under name, or NULL. */
const struct module_image *module_image_find(enum guest_kind kind, const char *name);

#endif

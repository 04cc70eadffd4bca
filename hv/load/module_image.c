/*
 * module_image.c - the kind=rom and kind=initrd modules, by name. Written
 * while modules are read at boot (boot CPU only), read-only afterwards.
 */
#include "hv/load/module_image.h"
#include "drivers/console.h"
#include "hv/lib/string.h"

static struct module_image images[16];
static unsigned nimages;

void module_image_register(enum guest_kind kind, const char *name, const void *image, uint64_t size)
{
	const char *what = kind == GUEST_KIND_ROM ? "ROM" : "initrd";
	if (module_image_find(kind, name)) {
		log_err("vm", "%s image '%s' ignored: an earlier kind=%s module has that name (give name=)", what,
			name, guest_kind_name(kind));
		return;
	}
	if (nimages == sizeof(images) / sizeof(images[0])) {
		log_err("vm", "%s image '%s' ignored: at most %u rom/initrd images in all", what, name,
			(unsigned)(sizeof(images) / sizeof(images[0])));
		return;
	}
	struct module_image *r = &images[nimages++];
	memcpy(r->name, name, sizeof(r->name));
	r->kind = kind;
	r->image = image;
	r->size = size;
	log_info("vm", "%s image '%s': %llu bytes", what, name, (unsigned long long)size);
}

const struct module_image *module_image_find(enum guest_kind kind, const char *name)
{
	for (unsigned i = 0; i < nimages; i++)
		if (images[i].kind == kind && !strcmp(images[i].name, name))
			return &images[i];
	return 0;
}

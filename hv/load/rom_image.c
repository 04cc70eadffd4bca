/*
 * rom_image.c - the kind=rom modules, by name. Written while modules are
 * read at boot (boot CPU only), read-only afterwards.
 */
#include "hv/load/rom_image.h"
#include "drivers/console.h"
#include "hv/lib/string.h"

static struct rom_image rom_images[8];
static unsigned nrom_images;

void rom_image_register(const char *name, const void *image, uint64_t size)
{
	if (nrom_images == sizeof(rom_images) / sizeof(rom_images[0])) {
		log_err("vm", "ROM image '%s' ignored: at most %u ROM images", name,
			(unsigned)(sizeof(rom_images) / sizeof(rom_images[0])));
		return;
	}
	struct rom_image *r = &rom_images[nrom_images++];
	memcpy(r->name, name, sizeof(r->name));
	r->image = image;
	r->size = size;
	log_info("vm", "ROM image '%s': %llu bytes", name, (unsigned long long)size);
}

const struct rom_image *rom_image_find(const char *name)
{
	for (unsigned i = 0; i < nrom_images; i++)
		if (!strcmp(rom_images[i].name, name))
			return &rom_images[i];
	return 0;
}

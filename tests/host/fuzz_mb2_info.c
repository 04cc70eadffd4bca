/* Fuzz boot/mb2_info.c: any bytes as an info block must be rejected with a
 * message or parsed without reading outside the block. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "boot/mb2_info.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Exactly-sized, 8-aligned heap copy so ASan sees any overread. */
	size_t rounded = (size + 7) & ~(size_t)7;
	uint64_t *block = malloc(rounded ? rounded : 8);
	memcpy(block, data, size);
	struct mb2_info info;
	char err[256];
	if (mb2_parse(MB2_BOOTLOADER_MAGIC, block, size, &info, err, sizeof err) == 0) {
		struct mem_range r[128];
		struct mem_map m;
		mem_map_init(&m, r, 128);
		(void)mb2_memory_map(&info, &m, err, sizeof err);
		if (info.cmdline)
			(void)strlen(info.cmdline);
		if (info.loader_name)
			(void)strlen(info.loader_name);
		for (size_t i = 0; i < info.module_count; i++)
			(void)strlen(info.modules[i].string);
		if (info.rsdp_v2)
			(void)((const volatile uint8_t *)info.rsdp_v2)[info.rsdp_v2_size - 1];
	} else if (err[0] == '\0') {
		abort(); /* every failure must explain itself */
	}
	free(block);
	return 0;
}

/* Fuzz hv/load/elf_load.c and hv/load/mb1_header.c with arbitrary images. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hv/load/elf_load.h"
#include "hv/load/mb1_header.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *image = malloc(size ? size : 1);
	memcpy(image, data, size);
	struct elf_segment segs[16];
	struct elf_image ei;
	char err[256];
	if (elf_parse(image, size, segs, 16, &ei, err, sizeof err) == 0) {
		for (size_t i = 0; i < ei.nsegments; i++) {
			if (segs[i].filesz > segs[i].memsz ||
			    segs[i].offset + segs[i].filesz > size)
				abort();
			if (segs[i].filesz)
				(void)((volatile uint8_t *)image)
					[segs[i].offset + segs[i].filesz - 1];
		}
	} else if (err[0] == '\0') {
		abort();
	}
	struct mb1_header h;
	if (mb1_header_find(image, size, &h, err, sizeof err) != 0 && err[0] == '\0')
		abort();
	free(image);
	return 0;
}

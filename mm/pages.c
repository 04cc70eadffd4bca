/* pages.c - see pages.h. */
#include "mm/pages.h"
#include "drivers/console.h"
#include "hv/lib/string.h"
#include "hv/shutdown.h"
#include "mm/frame_alloc.h"
#include "mm/host_paging.h"

extern const char __image_start[], __image_end[];

static struct frame_alloc frames;
static uint64_t frame_bits[FRAME_ALLOC_STORAGE_WORDS((uint64_t)HOST_MAP_MAX_GIB << 30)];

void pages_init(const struct mem_map *map, const struct mb2_info *info)
{
	struct phys_range reserved[MB2_MAX_MODULES + 3];
	size_t n = 0;
	reserved[n++] = (struct phys_range){ 0, 1ull << 20 }; /* IVT, BDA, EBDA, option ROMs */
	reserved[n++] = (struct phys_range){ (uint64_t)__image_start, (uint64_t)(__image_end - __image_start) };
	reserved[n++] = (struct phys_range){ (uint64_t)info->base, info->total_size };
	for (size_t i = 0; i < info->module_count; i++)
		reserved[n++] = (struct phys_range){ info->modules[i].start,
						     info->modules[i].end - info->modules[i].start };
	const char *why = frame_alloc_init(&frames, frame_bits, sizeof(frame_bits) / sizeof(frame_bits[0]), map,
					   reserved, n);
	if (why)
		panic("frame allocator: %s", why);
	log_info("mm", "%llu MiB free for guests and tables",
		 (unsigned long long)(frame_free_count(&frames) * FRAME_SIZE >> 20));
	if (frames.uncovered_bytes)
		log_warn("mm", "%llu MiB of RAM above %d GiB is not used",
			 (unsigned long long)(frames.uncovered_bytes >> 20), HOST_MAP_MAX_GIB);
}

uint64_t pages_alloc_contig(uint64_t count, uint64_t align)
{
	uint64_t pa = count == 1 && align <= FRAME_SIZE ? frame_alloc(&frames)
							 : frame_alloc_contig(&frames, count, align);
	if (pa == FRAME_NONE)
		return 0;
	memset(pa_to_ptr(pa), 0, count * FRAME_SIZE);
	return pa;
}

uint64_t page_alloc(void) { return pages_alloc_contig(1, FRAME_SIZE); }

void pages_free(uint64_t pa, uint64_t count)
{
	const char *why = frame_free(&frames, pa, count);
	if (why)
		panic("pages_free(0x%llx, %llu): %s", (unsigned long long)pa, (unsigned long long)count, why);
}

uint64_t pages_free_count(void) { return frame_free_count(&frames); }

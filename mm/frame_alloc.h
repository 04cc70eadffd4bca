/*
 * frame_alloc.h - physical 4 KiB frame allocator.
 *
 * Built once at boot from the normalized memory map (mm/mem_map.h) minus
 * reserved ranges: the hypervisor image, the Multiboot2 info block, every
 * module, the low 1 MiB (real-mode IVT/BDA/EBDA, option ROMs), and
 * anything else the caller lists. Frame 0 is always excluded, so a
 * physical address of 0 is never handed out; failure is FRAME_NONE.
 *
 * State lives in a caller-provided struct and bitmap storage (no globals,
 * no dynamic memory). Two bitmaps share the storage: "free" (may be handed
 * out now) and "managed" (was allocatable at init) -- the second lets
 * frame_free reject addresses that were never RAM or are reserved, so a
 * stray free cannot put the hypervisor image into circulation.
 *
 * Not thread-safe: callers serialise (one lock around it).
 */
#ifndef NESTOR_MM_FRAME_ALLOC_H
#define NESTOR_MM_FRAME_ALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mm/mem_map.h"

#define FRAME_SIZE ((uint64_t)4096)
#define FRAME_SHIFT 12
/* Returned when nothing suitable is free. Never a valid frame address. */
#define FRAME_NONE UINT64_MAX

struct frame_alloc {
	uint64_t *free_bits;     /* bit i set: frame i is free */
	uint64_t *managed_bits;  /* bit i set: frame i belongs to the allocator */
	uint64_t nframes;        /* frames covered: addresses [0, nframes*4K) */
	uint64_t free_count;
	uint64_t managed_count;
	size_t hint;             /* free_bits word where single allocs look first */
	uint64_t uncovered_bytes; /* usable RAM above the bitmap's reach */
};

/*
 * uint64_t words of storage frame_alloc_init needs to cover physical
 * addresses [0, top): two bitmaps of one bit per frame. E.g. 4 GiB needs
 * 2 * 16384 words = 256 KiB; 64 GiB needs 4 MiB.
 */
#define FRAME_ALLOC_STORAGE_WORDS(top) \
	(2 * (((top) / FRAME_SIZE + 63) / 64))

/* End of the highest usable range in map: the "top" to pass above. */
uint64_t frame_alloc_top(const struct mem_map *map);

/*
 * Set up fa over storage[0..storage_words) (at least 2; half is each
 * bitmap, an odd last word is unused; see FRAME_ALLOC_STORAGE_WORDS and
 * mem_map_find_free for finding a home for it at boot). Usable map ranges are shrunk inward to whole
 * frames; reserved ranges are grown outward to whole frames. Usable RAM
 * beyond the storage's reach is skipped and counted in uncovered_bytes.
 * Returns NULL, or a reason the arguments are unusable.
 */
const char *frame_alloc_init(struct frame_alloc *fa, uint64_t *storage,
			     size_t storage_words, const struct mem_map *map,
			     const struct phys_range *reserved, size_t nreserved);

/* Take [base, base+size) out of the allocator after init (e.g. a table
 * found later). Frames already handed out stay with their owner but can no
 * longer be freed back. */
void frame_alloc_reserve(struct frame_alloc *fa, uint64_t base, uint64_t size);

/* One free frame's physical address, or FRAME_NONE. */
uint64_t frame_alloc(struct frame_alloc *fa);

/*
 * count contiguous frames starting at a multiple of align bytes (a power
 * of two; 0 or anything below 4 KiB means 4 KiB), e.g. 512 frames aligned
 * to 2 MiB for guest RAM backed by large pages. Lowest fit first.
 * Returns the first frame's address or FRAME_NONE.
 */
uint64_t frame_alloc_contig(struct frame_alloc *fa, uint64_t count,
			    uint64_t align);

/* As frame_alloc_contig, but the whole block must end at or below limit
 * (e.g. 1 MiB for an AP start-up trampoline, 4 GiB for 32-bit DMA). */
uint64_t frame_alloc_contig_below(struct frame_alloc *fa, uint64_t count,
				  uint64_t align, uint64_t limit);

/*
 * Give back count frames starting at addr. Checks every frame first and
 * changes nothing on error; returns NULL on success or why not:
 * misaligned, outside the allocator, reserved/not RAM, or already free.
 */
const char *frame_free(struct frame_alloc *fa, uint64_t addr, uint64_t count);

/* Frames currently free. */
uint64_t frame_free_count(const struct frame_alloc *fa);

/* Is the frame containing addr currently free? */
bool frame_is_free(const struct frame_alloc *fa, uint64_t addr);

#endif

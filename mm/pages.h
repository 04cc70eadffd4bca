/*
 * pages.h - the hypervisor's physical page allocator (frame_alloc over the
 * boot memory map). Memory is identity-mapped, so a page's physical
 * address is also its pointer.
 */
#ifndef NESTOR_MM_PAGES_H
#define NESTOR_MM_PAGES_H

#include <stdint.h>

#include "boot/mb2_info.h"
#include "mm/mem_map.h"

/* Build the allocator from the map, keeping out the image, the info block
 * and the modules. */
void pages_init(const struct mem_map *map, const struct mb2_info *info);
/* One zeroed 4 KiB page, or 0 when memory is exhausted. */
uint64_t page_alloc(void);
/* count zeroed contiguous pages aligned to align bytes, or 0. */
uint64_t pages_alloc_contig(uint64_t count, uint64_t align);
void pages_free(uint64_t pa, uint64_t count);
uint64_t pages_free_count(void);

/* Keep free memory below PAGES_LOW_LIMIT out of Nestor's own allocations
 * (until pages_release_low) so a passthrough guest gets it. */
#define PAGES_LOW_LIMIT (16ull << 20)
void pages_hold_low(void);
void pages_release_low(void);

/* The boot memory map the allocator was built from. */
const struct mem_map *pages_host_map(void);
/* Take every free frame in [lo, hi) out of the allocator for good (a
 * passthrough VM's RAM), calling run() for each maximal free run. */
void pages_claim_free(uint64_t lo, uint64_t hi, void (*run)(void *ctx, uint64_t base, uint64_t size), void *ctx);

static inline void *pa_to_ptr(uint64_t pa) { return (void *)pa; }

#endif

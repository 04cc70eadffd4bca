/*
 * mem_map.h - a normalized physical memory map: sorted, non-overlapping,
 * adjacent ranges of the same type merged.
 *
 * Firmware maps (E820 via Multiboot2 tag 6, UEFI via tag 17) may list
 * ranges out of order, overlapping, or split into many pieces. Everything
 * downstream (frame allocator, guest memory layout, the e820/mmap we give
 * guests) wants one clean list, so ranges are "painted" into the map: where
 * two sources disagree about a byte, the more restrictive type wins
 * (usable < ACPI reclaimable < ACPI NVS < reserved < bad), so a byte is
 * only usable if nothing says otherwise.
 *
 * Storage is the caller's (struct mem_map points at an array).
 */
#ifndef NESTOR_MM_MEM_MAP_H
#define NESTOR_MM_MEM_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Ordered by restrictiveness: a higher value wins an overlap. */
enum mem_type {
	MEM_USABLE = 1,       /* free RAM once boot services are gone */
	MEM_ACPI_RECLAIM = 2, /* ACPI tables; RAM after the OS reads them */
	MEM_ACPI_NVS = 3,     /* firmware storage, must be preserved */
	MEM_RESERVED = 4,     /* MMIO, firmware runtime, unknown: hands off */
	MEM_BAD = 5,          /* defective RAM */
};

struct mem_range {
	uint64_t base;
	uint64_t end; /* exclusive; a range reaching 2^64 ends at UINT64_MAX */
	enum mem_type type;
};

/* A plain physical range [base, base+size), e.g. something to keep out of
 * the frame allocator (mm/frame_alloc.h). */
struct phys_range {
	uint64_t base;
	uint64_t size;
};

struct mem_map {
	struct mem_range *ranges; /* caller's array, sorted by base */
	size_t count;
	size_t max;               /* capacity of ranges[] */
};

/* Start an empty map over caller storage. */
void mem_map_init(struct mem_map *m, struct mem_range *storage, size_t max);

/*
 * Paint [base, base+size) with type (size 0 is ignored; a range running
 * past 2^64 is cut at UINT64_MAX). Returns 0, or -1 if the map needs more
 * than max ranges (the map then holds everything added before the call
 * and possibly part of this range; treat it as fatal).
 */
int mem_map_add(struct mem_map *m, uint64_t base, uint64_t size,
		enum mem_type type);

/* Bytes of the given type in the map. */
uint64_t mem_map_total(const struct mem_map *m, enum mem_type type);

/*
 * Lowest address >= min_addr, a multiple of align (a power of two, 0 = 1),
 * where size bytes of usable RAM lie wholly inside one usable range of m
 * and overlap none of reserved[0..nreserved). For placing boot-time data
 * before any allocator exists, e.g. the frame allocator's own bitmap
 * (then add the result to the reserved list). UINT64_MAX if none fits.
 */
uint64_t mem_map_find_free(const struct mem_map *m,
			   const struct phys_range *reserved, size_t nreserved,
			   uint64_t size, uint64_t align, uint64_t min_addr);

/* "usable", "ACPI reclaimable", ... for logs. */
const char *mem_type_name(enum mem_type type);

#endif

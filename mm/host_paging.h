/* host_paging.h - the hypervisor's own page tables (identity map, W^X). */
#ifndef NESTOR_MM_HOST_PAGING_H
#define NESTOR_MM_HOST_PAGING_H

#include <stdint.h>

/* Largest physical address the hypervisor maps for itself. */
#define HOST_MAP_MAX_GIB 64

/* Build and load the final host tables: physical memory identity-mapped
 * up to max(4 GiB, top) read/write and non-executable; the hypervisor
 * image with per-section permissions (text RX, rodata R, data RW NX); page 0
 * and every stack guard page unmapped. Returns the mapped limit. */
uint64_t host_paging_init(uint64_t top_of_ram);

/* Is [addr, addr+len) inside Nestor's own image (code, data, stacks)? */
int host_addr_in_image(uint64_t addr, uint64_t len);

#endif

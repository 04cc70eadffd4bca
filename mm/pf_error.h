/*
 * pf_error.h - the #PF error code for a guest-dimension walk fault.
 *
 * Intel SDM Vol 3 4.7 ("Page-Fault Exceptions", Figure 4-12); AMD APM Vol 2
 * 8.4.2. CR2 receives the faulting linear address (walk_fault.gla).
 */
#ifndef NESTOR_MM_PF_ERROR_H
#define NESTOR_MM_PF_ERROR_H

#include <stdint.h>

#include "mm/walk.h"

#define PFEC_P (1u << 0)    /* 0: not present; 1: protection or reserved bit */
#define PFEC_W (1u << 1)    /* the access was a write */
#define PFEC_U (1u << 2)    /* the access was a user-mode access */
#define PFEC_RSVD (1u << 3) /* a reserved bit was set in some entry */
#define PFEC_ID (1u << 4)   /* instruction fetch (with NXE+PAE or SMEP) */
#define PFEC_PK (1u << 5)   /* protection-key violation */

/* Error code for f, which must be a WALK_DIM_GUEST fault. */
uint32_t walk_pf_error_code(const struct walk_fault *f);

#endif

/*
 * ept_fmt.h - Intel EPT as a struct pg_format, and the EPT-violation exit
 * qualification computed from a walk's fault record.
 *
 * Intel SDM Vol 3 ch. 29.3 ("The Extended Page Table Mechanism") and Table
 * 28-7 ("Exit Qualification for EPT Violations").
 */
#ifndef NESTOR_EPT_EPT_FMT_H
#define NESTOR_EPT_EPT_FMT_H

#include <stdbool.h>
#include <stdint.h>

#include "mm/pgfmt.h"

struct walk_fault;

/* EPT entry bits (SDM Tables 29-1..29-6). */
#define EPT_R PG_BIT(0)
#define EPT_W PG_BIT(1)
#define EPT_X PG_BIT(2)
#define EPT_MEMTYPE_SHIFT 3
#define EPT_MEMTYPE_MASK PG_BITS(5, 3)
#define EPT_IPAT PG_BIT(6)
#define EPT_PS PG_BIT(7)
#define EPT_A PG_BIT(8)
#define EPT_D PG_BIT(9)

/* EPT memory types (SDM Vol 3 29.3.7, "EPT and Memory Typing"); 2, 3 and 7
 * are reserved and make a leaf misconfigured. */
enum ept_memtype {
	EPT_MT_UC = 0,
	EPT_MT_WC = 1,
	EPT_MT_WT = 4,
	EPT_MT_WP = 5,
	EPT_MT_WB = 6,
};

/* EPTP (SDM 25.6.11): bits 2:0 memory type, 5:3 levels-1, bit 6 A/D enable. */
#define EPTP_AD PG_BIT(6)

struct ept_fmt_params {
	uint8_t levels;     /* 4 or 5 (EPTP bits 5:3 + 1) */
	uint8_t maxphyaddr; /* host physical-address width */
	bool ad;            /* EPTP bit 6 */
	bool exec_only;     /* IA32_VMX_EPT_VPID_CAP bit 0 */
	bool gbpages;       /* IA32_VMX_EPT_VPID_CAP bit 17 */
};

bool ept_fmt_build(struct pg_format *f, const struct ept_fmt_params *p);

/* EPTP for a table built at root: write-back paging-structure accesses,
 * levels (4 or 5), A/D enable (SDM Vol 3 25.6.11). */
uint64_t ept_make_eptp(uint64_t root, unsigned levels, bool ad);

/* Decode an EPTP into params (levels, ad) and the root address. */
uint64_t ept_eptp_root(uint64_t eptp, unsigned maxphyaddr);
unsigned ept_eptp_levels(uint64_t eptp);

/*
 * Exit qualification for an EPT violation described by f (a TDP-dimension
 * fault from the walker). Bit 12 (NMI unblocking due to IRET) is the
 * caller's. advanced: the CPU reports bits 11:9 ("advanced VM-exit
 * information for EPT violations", IA32_VMX_EPT_VPID_CAP bit 22).
 * Must not be called for a misconfiguration (see walk_fault_is_ept_misconfig).
 */
uint64_t ept_violation_qual(const struct walk_fault *f, bool advanced);

/* Exit-qualification bits (SDM Table 28-7). */
#define EPT_QUAL_READ PG_BIT(0)
#define EPT_QUAL_WRITE PG_BIT(1)
#define EPT_QUAL_FETCH PG_BIT(2)
#define EPT_QUAL_READABLE PG_BIT(3)
#define EPT_QUAL_WRITABLE PG_BIT(4)
#define EPT_QUAL_EXECUTABLE PG_BIT(5)
#define EPT_QUAL_GLA_VALID PG_BIT(7)
#define EPT_QUAL_FINAL PG_BIT(8)
#define EPT_QUAL_LIN_USER PG_BIT(9)
#define EPT_QUAL_LIN_WRITABLE PG_BIT(10)
#define EPT_QUAL_LIN_NX PG_BIT(11)
#define EPT_QUAL_NMI_UNBLOCK PG_BIT(12)

#endif

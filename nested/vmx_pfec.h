/*
 * vmx_pfec.h - who gets an L2 page fault, and the vmcs02 controls that
 * make the CPU exit for every #PF that L0 or L1 wants.
 *
 * With exception-bitmap bit 14 set, a #PF with error code PFEC exits iff
 * (PFEC & MASK) == MATCH; with bit 14 clear, iff they differ (SDM Vol 3C
 * 26.2, "Exceptions"). L0 and L1 each have such a rule; vmcs02 must exit
 * for the union. When one side wants none, the other's rule is used
 * exactly; when both want some and their rules differ, every #PF exits
 * (bit 14 set, MASK = MATCH = 0) and each exit is sent where it belongs.
 * The merge is redone whenever either rule changes, including while L2
 * runs (L0 starting or stopping its need for #PF), not only at VM entry:
 * KVM once kept a stale merge and lost L1's page faults.
 *
 * Pure: host-tested by tests/host/test_vmx_pfec.c.
 */
#ifndef NESTOR_NESTED_VMX_PFEC_H
#define NESTOR_NESTED_VMX_PFEC_H

#include <stdbool.h>
#include <stdint.h>

struct pf_rule {
	bool bit14; /* exception bitmap bit 14 */
	uint32_t mask, match;
};

/* Does the rule make a #PF with this error code exit? */
static inline bool pf_rule_exits(const struct pf_rule *r, uint32_t pfec)
{
	return ((pfec & r->mask) == r->match) == r->bit14;
}

enum pf_rule_kind { PF_RULE_NEVER, PF_RULE_ALWAYS, PF_RULE_SOME };
/* NEVER: no error code exits (bit 14 set and MATCH has a bit outside
 * MASK, or bit 14 clear and MASK = MATCH = 0); ALWAYS: every one does. */
enum pf_rule_kind pf_rule_kind(const struct pf_rule *r);

/* The rule for vmcs02 (bit 14 of its exception bitmap, its MASK/MATCH). */
struct pf_rule pf_rule_merge(const struct pf_rule *l0, const struct pf_rule *l1);

#endif

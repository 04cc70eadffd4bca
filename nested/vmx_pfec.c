/*
 * vmx_pfec.c - merging L0's and L1's #PF exit rules (see vmx_pfec.h).
 */
#include "nested/vmx_pfec.h"

enum pf_rule_kind pf_rule_kind(const struct pf_rule *r)
{
	/* (PFEC & MASK) == MATCH is satisfiable iff MATCH has no bit
	 * outside MASK, and then it is not always true unless MASK = 0. */
	bool eq_possible = (r->match & ~r->mask) == 0;
	bool eq_always = eq_possible && r->mask == 0;
	if (r->bit14)
		return eq_always ? PF_RULE_ALWAYS : eq_possible ? PF_RULE_SOME : PF_RULE_NEVER;
	return eq_always ? PF_RULE_NEVER : eq_possible ? PF_RULE_SOME : PF_RULE_ALWAYS;
}

struct pf_rule pf_rule_merge(const struct pf_rule *l0, const struct pf_rule *l1)
{
	static const struct pf_rule all = { .bit14 = true, .mask = 0, .match = 0 };
	enum pf_rule_kind k0 = pf_rule_kind(l0), k1 = pf_rule_kind(l1);
	if (k0 == PF_RULE_NEVER)
		return *l1;
	if (k1 == PF_RULE_NEVER)
		return *l0;
	if (k0 == PF_RULE_ALWAYS || k1 == PF_RULE_ALWAYS)
		return all;
	if (l0->bit14 == l1->bit14 && l0->mask == l1->mask && l0->match == l1->match)
		return *l0;
	return all;
}

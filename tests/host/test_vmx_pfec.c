/* test_vmx_pfec - merging L0's and L1's #PF exit rules: the merged rule
 * exits for every error code either side wants, and is exactly one
 * side's rule when the other wants none. Checked over all 32 values of
 * the architectural error-code bits P/W/U/RSVD/I. */
#include "tests/host/check.h"

#include "nested/vmx_pfec.h"

static const struct pf_rule rules[] = {
	{ false, 0, 0 },          /* never (the reset state) */
	{ true, 0, 0 },           /* always */
	{ true, 0x1, 0x1 },       /* protection violations only */
	{ true, 0x3, 0x2 },       /* not-present writes */
	{ false, 0x8, 0x0 },      /* only reserved-bit faults (RSVD set) */
	{ true, 0x1, 0x2 },       /* MATCH outside MASK: never */
	{ false, 0x4, 0x8 },      /* MATCH outside MASK, bit 14 clear: always */
	{ false, 0x0, 0x1 },      /* always */
};
#define NRULES (sizeof(rules) / sizeof(rules[0]))

static bool ever(const struct pf_rule *r)
{
	for (uint32_t e = 0; e < 32; e++)
		if (pf_rule_exits(r, e))
			return true;
	return false;
}

TEST(kind_matches_the_rule)
{
	for (unsigned i = 0; i < NRULES; i++) {
		bool any = false, all = true;
		for (uint32_t e = 0; e < 0x10000; e++) {
			bool x = pf_rule_exits(&rules[i], e);
			any |= x;
			all &= x;
		}
		enum pf_rule_kind k = pf_rule_kind(&rules[i]);
		CHECK_EQ(k, !any ? PF_RULE_NEVER : all ? PF_RULE_ALWAYS : PF_RULE_SOME);
	}
}

TEST(merge_covers_both_and_is_exact_when_one_wants_none)
{
	for (unsigned a = 0; a < NRULES; a++)
		for (unsigned b = 0; b < NRULES; b++) {
			struct pf_rule m = pf_rule_merge(&rules[a], &rules[b]);
			for (uint32_t e = 0; e < 32; e++)
				if (pf_rule_exits(&rules[a], e) || pf_rule_exits(&rules[b], e))
					CHECK(pf_rule_exits(&m, e));
			const struct pf_rule *only = !ever(&rules[a]) ? &rules[b] : !ever(&rules[b]) ? &rules[a] : 0;
			if (only)
				for (uint32_t e = 0; e < 32; e++)
					CHECK_EQ(pf_rule_exits(&m, e), pf_rule_exits(only, e));
		}
}

TEST(different_rules_make_every_pf_exit)
{
	struct pf_rule m = pf_rule_merge(&rules[2], &rules[3]);
	CHECK(m.bit14);
	CHECK_EQ(m.mask, 0);
	CHECK_EQ(m.match, 0);
	m = pf_rule_merge(&rules[3], &rules[3]);
	CHECK_EQ(m.mask, 3);
	CHECK_EQ(m.match, 2);
}

/* The KVM bug: L1 wants not-present writes; L0 starts needing reserved-
 * bit faults while L2 runs, then stops. Each re-merge gives the rule for
 * the needs of that moment (the L1-only rule again at the end). */
TEST(remerge_follows_l0_changes)
{
	const struct pf_rule *l1 = &rules[3], *l0_none = &rules[0], *l0_rsvd = &rules[4];
	struct pf_rule m = pf_rule_merge(l0_none, l1);
	CHECK(m.bit14 && m.mask == 3 && m.match == 2);
	m = pf_rule_merge(l0_rsvd, l1);
	CHECK(pf_rule_exits(&m, 0x9) && pf_rule_exits(&m, 0x2));
	m = pf_rule_merge(l0_none, l1);
	CHECK(!pf_rule_exits(&m, 0x9) && pf_rule_exits(&m, 0x2));
}

TEST_MAIN()

/* selftest.c - see selftest.h; the integration tests check the reports. */
#include "hv/host/selftest.h"
#include "drivers/console.h"
#include "hv/host/shutdown.h"

static __attribute__((noinline)) uint64_t selftest_read_unmapped(void)
{
	return *(volatile uint64_t *)SELFTEST_FAULT_ADDR;
}

/* Recurse until the stack runs into its guard page: #PF, then #DF on the
 * IST stack because the #PF frame cannot be pushed. */
static __attribute__((noinline)) uint64_t selftest_recurse(volatile uint64_t depth)
{
	volatile uint8_t pad[512];
	pad[0] = (uint8_t)depth;
	if (depth > (1ull << 40)) /* never true; keeps the compiler from calling it infinite */
		return pad[0];
	return selftest_recurse(depth + 1) + pad[0];
}

void selftest_run(enum selftest_kind kind)
{
	switch (kind) {
	case SELFTEST_NONE:
	case SELFTEST_NO_SIPI: /* hv/host/smp.c acts on it */
		return;
	case SELFTEST_PAGEFAULT:
		log_info("selftest", "reading unmapped address 0x%llx", (unsigned long long)SELFTEST_FAULT_ADDR);
		selftest_read_unmapped();
		break;
	case SELFTEST_PANIC:
		panic("selftest=panic");
	case SELFTEST_STACK_OVERFLOW:
		log_info("selftest", "overflowing the stack");
		selftest_recurse(0);
		break;
	}
	panic("selftest %d did not fault", kind);
}

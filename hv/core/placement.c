/* placement.c - see placement.h. */
#include "hv/core/placement.h"
#include "hv/lib/cpu_list.h"
#include "hv/lib/format.h"

/* Set bits (no libgcc in the hypervisor for __builtin_popcountll). */
static unsigned count_cpus(uint64_t mask)
{
	unsigned n = 0;
	for (; mask; mask &= mask - 1)
		n++;
	return n;
}

/* The n-th (from 0, wrapping) CPU of mask, which is not empty. */
static unsigned nth_cpu(uint64_t mask, unsigned n)
{
	n %= count_cpus(mask);
	for (unsigned c = 0;; c++)
		if ((mask >> c & 1) && n-- == 0)
			return c;
}

int place_vcpus(uint64_t allowed, uint64_t online, unsigned nvcpus, unsigned *rr, unsigned *out, char *err,
		size_t errlen)
{
	if (allowed & ~online) {
		char bad[96], up[96];
		cpu_list_format(allowed & ~online, bad, sizeof(bad));
		cpu_list_format(online, up, sizeof(up));
		return fmt_error(err, errlen, "option 'cpus': CPU %s %s not running (Nestor runs on CPU %s)", bad,
				 count_cpus(allowed & ~online) > 1 ? "are" : "is", up);
	}
	for (unsigned i = 0; i < nvcpus; i++)
		out[i] = allowed ? nth_cpu(allowed, i) : nth_cpu(online, (*rr)++);
	return 0;
}

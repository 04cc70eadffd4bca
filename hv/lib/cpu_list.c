/* cpu_list.c - see cpu_list.h. */
#include "hv/lib/cpu_list.h"
#include "hv/lib/format.h"

/* A decimal CPU number at s[*i], advancing *i; false if none or too big. */
static bool parse_cpu(const char *s, size_t len, size_t *i, unsigned *cpu)
{
	size_t start = *i;
	unsigned n = 0;
	while (*i < len && s[*i] >= '0' && s[*i] <= '9') {
		n = n * 10 + (unsigned)(s[*i] - '0');
		if (n >= CPU_LIST_MAX)
			return false;
		(*i)++;
	}
	*cpu = n;
	return *i > start;
}

bool cpu_list_parse(const char *s, size_t len, uint64_t *mask)
{
	uint64_t m = 0;
	size_t i = 0;
	for (;;) {
		unsigned lo, hi;
		if (!parse_cpu(s, len, &i, &lo))
			return false;
		hi = lo;
		if (i < len && s[i] == '-') {
			i++;
			if (!parse_cpu(s, len, &i, &hi) || hi < lo)
				return false;
		}
		for (unsigned c = lo; c <= hi; c++)
			m |= 1ull << c;
		if (i == len)
			break;
		if (s[i++] != ',')
			return false;
	}
	*mask = m;
	return true;
}

void cpu_list_format(uint64_t mask, char *buf, size_t size)
{
	size_t n = 0;
	if (size)
		buf[0] = 0;
	if (!mask) {
		fmt_snprintf(buf, size, "none");
		return;
	}
	for (unsigned c = 0; c < CPU_LIST_MAX; c++) {
		if (!(mask >> c & 1))
			continue;
		unsigned e = c;
		while (e + 1 < CPU_LIST_MAX && (mask >> (e + 1) & 1))
			e++;
		int w = e == c ? fmt_snprintf(buf + n, n < size ? size - n : 0, "%s%u", n ? "," : "", c)
			       : fmt_snprintf(buf + n, n < size ? size - n : 0, "%s%u-%u", n ? "," : "", c, e);
		n += (size_t)w;
		c = e;
	}
}

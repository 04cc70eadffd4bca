/*
 * x86_fake.h - a fake guest for the x86 decoder/emulator tests: a small
 * memory indexed by linear address modulo its size, a faulting address
 * range, a page-splitting instruction fetch, and a log of data accesses.
 */
#ifndef NESTOR_TESTS_X86_FAKE_H
#define NESTOR_TESTS_X86_FAKE_H

#include <stdint.h>
#include <string.h>

#include "hv/x86/emulate.h"

#define FAKE_MEM_SIZE 0x10000u
#define FAKE_LOG 64

struct fake_access {
	char kind; /* 'r' or 'w' */
	uint64_t addr;
	unsigned size;
	uint64_t val;
};

struct fake_guest {
	uint8_t mem[FAKE_MEM_SIZE];
	/* Any access touching [fault_lo, fault_hi) fails with fault_code. */
	uint64_t fault_lo, fault_hi;
	int fault_code;
	bool fault_writes_only; /* reads of the range succeed */
	unsigned nfetch;       /* fetch callback calls */
	unsigned nlog;         /* data accesses (only the first FAKE_LOG kept) */
	struct fake_access log[FAKE_LOG];
};

static inline bool fake_faults(struct fake_guest *g, uint64_t a, unsigned n)
{
	return g->fault_hi > g->fault_lo && a < g->fault_hi && a + n > g->fault_lo;
}

/* Returns bytes only up to the end of the 4 KiB page, like a page-walking
 * implementation would. */
static inline int fake_fetch(void *ctx, uint64_t lin, uint8_t *buf,
			     unsigned len, unsigned *got)
{
	struct fake_guest *g = ctx;
	unsigned to_page_end = 0x1000 - (unsigned)(lin & 0xFFF);

	g->nfetch++;
	if (len > to_page_end)
		len = to_page_end;
	if (fake_faults(g, lin, 1))
		return g->fault_code;
	for (unsigned i = 0; i < len; i++)
		buf[i] = g->mem[(lin + i) % FAKE_MEM_SIZE];
	*got = len;
	return 0;
}

static inline void fake_log(struct fake_guest *g, char k, uint64_t a,
			    unsigned size, uint64_t v)
{
	if (g->nlog < FAKE_LOG)
		g->log[g->nlog] = (struct fake_access){ k, a, size, v };
	g->nlog++;
}

static inline int fake_read(void *ctx, uint64_t lin, unsigned size, uint64_t *v)
{
	struct fake_guest *g = ctx;
	uint64_t x = 0;

	if (fake_faults(g, lin, size) && !g->fault_writes_only)
		return g->fault_code;
	for (unsigned i = 0; i < size; i++)
		x |= (uint64_t)g->mem[(lin + i) % FAKE_MEM_SIZE] << (8 * i);
	*v = x;
	fake_log(g, 'r', lin, size, x);
	return 0;
}

static inline int fake_write(void *ctx, uint64_t lin, unsigned size, uint64_t v)
{
	struct fake_guest *g = ctx;

	if (fake_faults(g, lin, size))
		return g->fault_code;
	for (unsigned i = 0; i < size; i++)
		g->mem[(lin + i) % FAKE_MEM_SIZE] = (uint8_t)(v >> (8 * i));
	fake_log(g, 'w', lin, size, v);
	return 0;
}

static inline struct x86_emu_ops fake_ops(struct fake_guest *g)
{
	return (struct x86_emu_ops){ .ctx = g, .fetch = fake_fetch,
				     .read = fake_read, .write = fake_write };
}

static inline void fake_put(struct fake_guest *g, uint64_t lin,
			    const uint8_t *b, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		g->mem[(lin + i) % FAKE_MEM_SIZE] = b[i];
}

static inline uint64_t fake_get(struct fake_guest *g, uint64_t lin, unsigned n)
{
	uint64_t x = 0;

	for (unsigned i = 0; i < n; i++)
		x |= (uint64_t)g->mem[(lin + i) % FAKE_MEM_SIZE] << (8 * i);
	return x;
}

#endif

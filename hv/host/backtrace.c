/*
 * backtrace.c - symbol lookup in the table the build embeds (see
 * tools/gen_symbols.sh: a second link adds the names of every function of
 * the first link, at the image's end so no code address moves), and a walk
 * of the RBP chain (the hypervisor is built with frame pointers).
 */
#include "hv/host/backtrace.h"
#include "drivers/console.h"
#include "hv/host/percpu.h"

struct symbol_entry {
	uint64_t addr;
	uint64_t name_offset;
};

/* Defined by the generated build/symbols.asm (empty in the first link). */
extern const uint64_t nestor_symbol_count;
extern const struct symbol_entry nestor_symbols[];
extern const char nestor_symbol_names[];
extern const char __image_start[], __text_end[];

void backtrace_print_symbol(uint64_t addr)
{
	/* Entries are sorted by address: find the last one at or below addr. */
	uint64_t lo = 0, hi = nestor_symbol_count;
	while (lo < hi) {
		uint64_t mid = (lo + hi) / 2;
		if (nestor_symbols[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || addr < (uint64_t)__image_start || addr >= (uint64_t)__text_end) {
		kprintf("?");
		return;
	}
	const struct symbol_entry *s = &nestor_symbols[lo - 1];
	kprintf("%s+0x%llx", nestor_symbol_names + s->name_offset, (unsigned long long)(addr - s->addr));
}

void backtrace_print(uint64_t rbp)
{
	for (int depth = 0; depth < 32; depth++) {
		/* Only follow frames that lie on a hypervisor stack: a corrupt
		 * RBP must not turn the report into a second fault. */
		if (rbp == 0 || (rbp & 7) || !addr_on_cpu_stack(rbp) || !addr_on_cpu_stack(rbp + 8))
			return;
		const uint64_t *frame = (const uint64_t *)rbp;
		uint64_t ret = frame[1];
		if (!ret)
			return;
		kprintf("      #%d %016llx ", depth, (unsigned long long)ret);
		backtrace_print_symbol(ret - 1);
		kprintf("\n");
		if (frame[0] <= rbp)
			return; /* frames must move up the stack */
		rbp = frame[0];
	}
}

void backtrace_here(void) { backtrace_print((uint64_t)__builtin_frame_address(0)); }

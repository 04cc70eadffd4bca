/*
 * bench_emulate - instructions per emulated MMIO access in hv/x86 alone
 * (fetch + decode + execute through trivial callbacks), for make bench:
 *   bench_emulate KIND N   with KIND mov_store32 or add_load32
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv/x86/emulate.h"

static uint8_t code[16];
static uint64_t device;

static int fetch(void *ctx, uint64_t linear, uint8_t *buf, unsigned len, unsigned *got)
{
	(void)ctx;
	unsigned n = len < sizeof(code) - (linear & 15) ? len : (unsigned)(sizeof(code) - (linear & 15));
	memcpy(buf, code + (linear & 15), n);
	*got = n;
	return 0;
}
static int rd(void *ctx, uint64_t linear, unsigned size, uint64_t *val)
{
	(void)ctx, (void)linear, (void)size;
	*val = device;
	return 0;
}
static int wr(void *ctx, uint64_t linear, unsigned size, uint64_t val)
{
	(void)ctx, (void)linear, (void)size;
	device = val;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--list")) {
		puts("mov_store32");
		puts("add_load32");
		return 0;
	}
	if (argc != 3)
		return 2;
	static const uint8_t mov_store[] = { 0x89, 0x07 };     /* mov [edi], eax */
	static const uint8_t add_load[] = { 0x03, 0x47, 0x10 }; /* add eax, [edi+0x10] */
	if (!strcmp(argv[1], "mov_store32"))
		memcpy(code, mov_store, sizeof(mov_store));
	else
		memcpy(code, add_load, sizeof(add_load));
	long n = atol(argv[2]);
	struct x86_emu_ops ops = { .ctx = 0, .fetch = fetch, .read = rd, .write = wr };
	for (long i = 0; i < n; i++) {
		struct x86_regs r = { .mode = X86_MODE_32, .rip = 0, .rflags = 2 };
		r.gpr[X86_RDI] = 0xc0000000;
		struct x86_emu_result res;
		if (x86_emulate(&r, &ops, &res) != X86_EMU_DONE)
			return 1;
	}
	return 0;
}

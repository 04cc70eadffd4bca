/* Fuzz hv/load/guest_opts.c (and through it hv/lib/cmdline.c) with arbitrary
 * module strings. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hv/load/guest_opts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_message(void *ctx, const char *message)
{
	(void)ctx;
	size_t n = strlen(message);
	if (n == 0 || n >= CMDLINE_MESSAGE_MAX)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	struct guest_opts g;
	(void)guest_opts_parse(s, &g, check_message, NULL);
	if (strlen(g.name) == 0 || strlen(g.name) >= GUEST_NAME_MAX)
		abort();
	(void)strlen(g.cmdline);
	/* The raw cmdline parser with an exact, unterminated length. */
	char *raw = malloc(size ? size : 1);
	memcpy(raw, data, size);
	uint64_t v;
	(void)cmdline_parse_uint(raw, size, &v);
	free(raw);
	free(s);
	return 0;
}

/*
 * cmdline.h - table-driven parser for "key=value flag key2=value2" lines.
 *
 * Used for the hypervisor's own command line (Multiboot2 tag 1) and for
 * each guest module's string (hv/load/guest_opts.c). The caller describes the
 * accepted options in a table; the parser stores each value where the
 * table says and reports every problem through a callback, so one boot
 * shows all mistakes in the line at once instead of one per reboot.
 *
 * Syntax:
 *   - tokens are separated by spaces or tabs;
 *   - a token is "key=value" or, for CMDLINE_FLAG options, a bare "key";
 *   - a value may be double-quoted to contain spaces: name="my guest";
 *     the quotes are removed (no escapes inside quotes);
 *   - if a key appears twice the later value wins (so a boot-menu entry
 *     can append an override).
 */
#ifndef NESTOR_LIB_CMDLINE_H
#define NESTOR_LIB_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum cmdline_type {
	/* Copied NUL-terminated into char dest[dest_size]. */
	CMDLINE_STRING,
	/* uint64_t *dest. Decimal or 0x hex, optional K/M/G/T suffix
	 * (binary: K = 1024), checked against [min, max] (max 0 = none). */
	CMDLINE_UINT,
	/* bool *dest. Value on/off, yes/no, true/false, 1/0. */
	CMDLINE_BOOL,
	/* bool *dest. Like CMDLINE_BOOL, but a bare "key" means true. */
	CMDLINE_FLAG,
	/* unsigned *dest = index into words[] (NULL-terminated). */
	CMDLINE_ENUM,
	/* Caller's parser: parse(value, len, dest) returns true if valid.
	 * expect says what is accepted, e.g. "one of com1|com2|0xPORT". */
	CMDLINE_CUSTOM,
};

struct cmdline_option {
	const char *name;
	enum cmdline_type type;
	void *dest;
	size_t dest_size;               /* CMDLINE_STRING: bytes at dest */
	uint64_t min, max;              /* CMDLINE_UINT: bounds, max 0 = none */
	const char *const *words;       /* CMDLINE_ENUM: NULL-terminated */
	bool (*parse)(const char *value, size_t len, void *dest);
	const char *expect;             /* CMDLINE_CUSTOM: what is accepted */
	const char *help;               /* one line for cmdline_print_help */
};

/* Receives one complete, human-readable error message per problem. */
typedef void (*cmdline_error_fn)(void *ctx, const char *message);

/* Longest message the parser produces (messages are truncated to fit). */
#define CMDLINE_MESSAGE_MAX 192

/*
 * Parse line[0..len) (stops early at a NUL). Valid options are stored
 * even if others are wrong. Each problem calls on_error (may be NULL) with
 * messages such as
 *   "unknown option 'foo'"
 *   "option 'serial': 'com9' is not one of com1|com2|com3|com4"
 *   "option 'mem': '12Q' is not a number (expected e.g. 512M, 0x1000, 4096)"
 * Returns the number of problems (0 = all good).
 */
int cmdline_parse(const char *line, size_t len,
		  const struct cmdline_option *opts, size_t nopts,
		  cmdline_error_fn on_error, void *ctx);

/*
 * Parse a size/number the way CMDLINE_UINT does: decimal or 0x hex with an
 * optional K/M/G/T suffix (case-insensitive). Returns false on junk or
 * overflow. Exposed for callers with their own syntax (e.g. a custom
 * "0xPORT" parser).
 */
bool cmdline_parse_uint(const char *s, size_t len, uint64_t *out);

/*
 * Skip a leading image path such as "/boot/nestor.elf" or
 * "(hd0,gpt2)/boot/nestor.elf" and the spaces after it. Boot loaders differ
 * on whether the command line or a module string starts with the file name
 * (GRUB Legacy and some GRUB 2 paths include it; the Multiboot specs leave
 * the string's content to the OS), so callers strip it if present. A
 * first token is treated as a path only if it starts with '/' or '(' and
 * contains no '='. Returns a pointer into line (never past its NUL).
 */
const char *cmdline_skip_image_name(const char *line);

/* Print "  name=<what>  help" for each option, one per line, via put. */
void cmdline_print_help(const struct cmdline_option *opts, size_t nopts,
			void (*put)(void *ctx, char c), void *ctx);

#endif

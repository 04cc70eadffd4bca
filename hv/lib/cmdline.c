/*
 * cmdline.c - table-driven "key=value" command-line parser (see cmdline.h).
 *
 * The line is never modified and never read past len or its NUL, because
 * it points into the Multiboot2 information block or a module string.
 */
#include "hv/lib/cmdline.h"

#include "hv/lib/format.h"
#include "hv/lib/string.h"

/* Values longer than this are shortened in messages ("abc..."). */
#define SHOWN_VALUE_MAX 48

struct cmdline_parser {
	cmdline_error_fn on_error;
	void *ctx;
	int errors;
};

static void report(struct cmdline_parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void report(struct cmdline_parser *p, const char *fmt, ...)
{
	char msg[CMDLINE_MESSAGE_MAX];
	va_list ap;

	p->errors++;
	if (!p->on_error)
		return;
	va_start(ap, fmt);
	fmt_vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	p->on_error(p->ctx, msg);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Does s[0..len) equal the C string word? */
static bool word_is(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && strncmp(s, word, len) == 0;
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

bool cmdline_parse_uint(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	unsigned base = 10;
	size_t i = 0;

	if (len >= 2 && s[0] == '0' && lower(s[1]) == 'x') {
		base = 16;
		i = 2;
	}
	size_t first_digit = i;
	for (; i < len; i++) {
		char c = lower(s[i]);
		unsigned d;
		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else
			break;
		if (v > (UINT64_MAX - d) / base)
			return false; /* overflow */
		v = v * base + d;
	}
	if (i == first_digit)
		return false; /* no digits at all */

	if (i < len) {
		unsigned shift;
		switch (lower(s[i])) {
		case 'k': shift = 10; break;
		case 'm': shift = 20; break;
		case 'g': shift = 30; break;
		case 't': shift = 40; break;
		default: return false;
		}
		if (i + 1 != len)
			return false; /* junk after the suffix */
		if (v > (UINT64_MAX >> shift))
			return false;
		v <<= shift;
	}
	*out = v;
	return true;
}

/* Write v as "64G"/"512M"/"4K" when exact, otherwise in decimal. */
static void format_size(char *buf, size_t size, uint64_t v)
{
	static const char suffix[] = "TGMK";
	for (int i = 0; i < 4; i++) {
		unsigned shift = 40 - 10 * (unsigned)i;
		if (v != 0 && (v & ((1ull << shift) - 1)) == 0) {
			fmt_snprintf(buf, size, "%llu%c",
				     (unsigned long long)(v >> shift), suffix[i]);
			return;
		}
	}
	fmt_snprintf(buf, size, "%llu", (unsigned long long)v);
}

static bool parse_bool(const char *s, size_t len, bool *out)
{
	static const char *const yes[] = { "on", "yes", "true", "1" };
	static const char *const no[] = { "off", "no", "false", "0" };
	for (size_t i = 0; i < 4; i++) {
		if (word_is(s, len, yes[i])) {
			*out = true;
			return true;
		}
		if (word_is(s, len, no[i])) {
			*out = false;
			return true;
		}
	}
	return false;
}

/* "a|b|c" from a NULL-terminated list, for messages and help. */
static void join_words(char *buf, size_t size, const char *const *words)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; words && words[i]; i++) {
		int n = fmt_snprintf(buf + used, size - used, "%s%s",
				     i ? "|" : "", words[i]);
		if (n < 0 || (size_t)n >= size - used)
			return; /* truncated, still NUL-terminated */
		used += (size_t)n;
	}
}

static int shown_len(size_t len)
{
	return len > SHOWN_VALUE_MAX ? SHOWN_VALUE_MAX : (int)len;
}

static const char *ellipsis(size_t len)
{
	return len > SHOWN_VALUE_MAX ? "..." : "";
}

static void store_value(struct cmdline_parser *p,
			const struct cmdline_option *opt, const char *val,
			size_t len)
{
	int vlen = shown_len(len);
	const char *more = ellipsis(len);

	switch (opt->type) {
	case CMDLINE_STRING: {
		if (len + 1 > opt->dest_size) {
			report(p, "option '%s': value '%.*s%s' is too long "
				  "(at most %zu characters)",
			       opt->name, vlen, val, more,
			       opt->dest_size ? opt->dest_size - 1 : 0);
			return;
		}
		char *dest = opt->dest;
		memcpy(dest, val, len);
		dest[len] = '\0';
		return;
	}
	case CMDLINE_UINT: {
		uint64_t v;
		char bound[32];
		if (!cmdline_parse_uint(val, len, &v)) {
			report(p, "option '%s': '%.*s%s' is not a number "
				  "(expected e.g. 512M, 0x1000, 4096)",
			       opt->name, vlen, val, more);
			return;
		}
		if (v < opt->min) {
			format_size(bound, sizeof bound, opt->min);
			report(p, "option '%s': '%.*s%s' is below the minimum %s",
			       opt->name, vlen, val, more, bound);
			return;
		}
		if (opt->max && v > opt->max) {
			format_size(bound, sizeof bound, opt->max);
			report(p, "option '%s': '%.*s%s' is above the maximum %s",
			       opt->name, vlen, val, more, bound);
			return;
		}
		*(uint64_t *)opt->dest = v;
		return;
	}
	case CMDLINE_BOOL:
	case CMDLINE_FLAG:
		if (!parse_bool(val, len, opt->dest))
			report(p, "option '%s': '%.*s%s' is not one of "
				  "on|off|yes|no|true|false|1|0",
			       opt->name, vlen, val, more);
		return;
	case CMDLINE_ENUM:
		for (unsigned i = 0; opt->words && opt->words[i]; i++) {
			if (word_is(val, len, opt->words[i])) {
				*(unsigned *)opt->dest = i;
				return;
			}
		}
		char list[96];
		join_words(list, sizeof list, opt->words);
		report(p, "option '%s': '%.*s%s' is not one of %s", opt->name,
		       vlen, val, more, list);
		return;
	case CMDLINE_CUSTOM:
		if (!opt->parse || !opt->parse(val, len, opt->dest))
			report(p, "option '%s': '%.*s%s' is not %s", opt->name,
			       vlen, val, more,
			       opt->expect ? opt->expect : "valid");
		return;
	}
	report(p, "option '%s': bad option table entry (type %d)", opt->name,
	       (int)opt->type);
}

static const struct cmdline_option *find_option(
	const struct cmdline_option *opts, size_t nopts, const char *key,
	size_t klen)
{
	for (size_t i = 0; i < nopts; i++)
		if (word_is(key, klen, opts[i].name))
			return &opts[i];
	return NULL;
}

int cmdline_parse(const char *line, size_t len,
		  const struct cmdline_option *opts, size_t nopts,
		  cmdline_error_fn on_error, void *ctx)
{
	struct cmdline_parser p = { on_error, ctx, 0 };
	size_t i = 0;

	if (!line)
		return 0;
	/* Treat an embedded NUL as the end of the line. */
	for (size_t n = 0; n < len; n++) {
		if (line[n] == '\0') {
			len = n;
			break;
		}
	}

	while (i < len) {
		while (i < len && is_space(line[i]))
			i++;
		if (i == len)
			break;

		size_t key = i;
		while (i < len && line[i] != '=' && !is_space(line[i]))
			i++;
		size_t klen = i - key;
		bool has_value = i < len && line[i] == '=';
		const char *val = NULL;
		size_t vlen = 0;

		if (has_value) {
			i++; /* skip '=' */
			if (i < len && line[i] == '"') {
				size_t close = i + 1;
				while (close < len && line[close] != '"')
					close++;
				if (close == len) {
					report(&p, "option '%.*s': missing closing "
						   "quote in value",
					       shown_len(klen), line + key);
					break; /* the rest of the line is inside it */
				}
				val = line + i + 1;
				vlen = close - (i + 1);
				i = close + 1;
				if (i < len && !is_space(line[i])) {
					size_t junk = i;
					while (i < len && !is_space(line[i]))
						i++;
					report(&p, "option '%.*s': unexpected '%.*s' "
						   "after the closing quote",
					       shown_len(klen), line + key,
					       shown_len(i - junk), line + junk);
					continue;
				}
			} else {
				val = line + i;
				while (i < len && !is_space(line[i]))
					i++;
				vlen = (size_t)(line + i - val);
			}
		}

		if (klen == 0) {
			report(&p, "missing option name before '=%.*s%s'",
			       shown_len(vlen), val, ellipsis(vlen));
			continue;
		}
		const struct cmdline_option *opt =
			find_option(opts, nopts, line + key, klen);
		if (!opt) {
			report(&p, "unknown option '%.*s%s'", shown_len(klen),
			       line + key, ellipsis(klen));
			continue;
		}
		if (!has_value) {
			if (opt->type == CMDLINE_FLAG)
				*(bool *)opt->dest = true;
			else
				report(&p, "option '%s' needs a value (%s=...)",
				       opt->name, opt->name);
			continue;
		}
		store_value(&p, opt, val, vlen);
	}
	return p.errors;
}

const char *cmdline_skip_image_name(const char *line)
{
	const char *p = line;

	if (!line)
		return line;
	while (is_space(*p))
		p++;
	if (*p != '/' && *p != '(')
		return line;
	const char *end = p;
	while (*end && !is_space(*end)) {
		if (*end == '=')
			return line; /* looks like key=value, keep it */
		end++;
	}
	while (is_space(*end))
		end++;
	return end;
}

/* Short description of what an option takes, for the help listing. */
static void describe_value(const struct cmdline_option *opt, char *buf,
			   size_t size)
{
	switch (opt->type) {
	case CMDLINE_STRING:
		fmt_snprintf(buf, size, "%s=<text>", opt->name);
		return;
	case CMDLINE_UINT:
		fmt_snprintf(buf, size, "%s=<number>", opt->name);
		return;
	case CMDLINE_BOOL:
		fmt_snprintf(buf, size, "%s=on|off", opt->name);
		return;
	case CMDLINE_FLAG:
		fmt_snprintf(buf, size, "%s[=on|off]", opt->name);
		return;
	case CMDLINE_ENUM: {
		char list[96];
		join_words(list, sizeof list, opt->words);
		fmt_snprintf(buf, size, "%s=%s", opt->name, list);
		return;
	}
	case CMDLINE_CUSTOM:
		fmt_snprintf(buf, size, "%s=<value>", opt->name);
		return;
	}
	fmt_snprintf(buf, size, "%s", opt->name);
}

void cmdline_print_help(const struct cmdline_option *opts, size_t nopts,
			void (*put)(void *ctx, char c), void *ctx)
{
	char left[128];
	int column = 0;

	/* Align the help texts in one column (capped so one long enum does
	 * not push everything off an 80-column console). */
	for (size_t i = 0; i < nopts; i++) {
		describe_value(&opts[i], left, sizeof left);
		int n = (int)strlen(left);
		if (n > column)
			column = n;
	}
	if (column > 30)
		column = 30;

	for (size_t i = 0; i < nopts; i++) {
		describe_value(&opts[i], left, sizeof left);
		fmt_format(put, ctx, "  %-*s  %s", column, left,
			   opts[i].help ? opts[i].help : "");
		if (opts[i].type == CMDLINE_UINT && (opts[i].min || opts[i].max)) {
			char lo[32], hi[32];
			format_size(lo, sizeof lo, opts[i].min);
			format_size(hi, sizeof hi, opts[i].max);
			if (opts[i].max)
				fmt_format(put, ctx, " (%s..%s)", lo, hi);
			else
				fmt_format(put, ctx, " (at least %s)", lo);
		}
		put(ctx, '\n');
	}
}

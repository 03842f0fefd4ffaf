/* cmdline.c - the command line parser: splits "name=value name ..." into
 * tokens and applies each to the option table that describes it (the table
 * itself is in boot/options.c). Pure; host-tested (tests/unit/test_cmdline.c).
 *
 * Grammar (tokens are separated by spaces and tabs):
 *     token := name | name '=' value | name '=' '"' chars '"'
 * A quoted value may hold spaces and tabs; the closing quote must end the
 * token. Quotes anywhere else are an error. Every problem is reported once
 * per token, and the option's target is written only when the whole value
 * is valid, so a bad token leaves the default in place. */
#include <plinth/cmdline.h>
#include <plinth/string.h>

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* One token of the command line, as positions in it. */
struct token {
	const char *start;      /* whole token, for reports */
	size_t len;
	const char *name;
	size_t name_len;
	const char *value;      /* NULL when there is no '=' */
	size_t value_len;
};

static bool span_equals(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && memcmp(s, word, len) == 0;
}

static const struct option_desc *find_option(const struct option_desc *table, size_t n,
					     const char *name, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (table[i].name && span_equals(name, len, table[i].name))
			return &table[i];
	return NULL;
}

/* OPT_BOOL: a bare name means true. */
static const char *apply_bool(const struct option_desc *opt, const struct token *t)
{
	static const char *const yes[] = { "on", "yes", "1", "true" };
	static const char *const no[] = { "off", "no", "0", "false" };
	bool value;

	if (!t->value) {
		value = true;
	} else {
		size_t i;
		for (i = 0; i < ARRAY_SIZE(yes); i++)
			if (span_equals(t->value, t->value_len, yes[i]))
				break;
		if (i < ARRAY_SIZE(yes)) {
			value = true;
		} else {
			for (i = 0; i < ARRAY_SIZE(no); i++)
				if (span_equals(t->value, t->value_len, no[i]))
					break;
			if (i == ARRAY_SIZE(no))
				return "expected on/off, yes/no, 1/0 or true/false";
			value = false;
		}
	}
	*(bool *)opt->target = value;
	return NULL;
}

static const char *apply_uint(const struct option_desc *opt, const struct token *t)
{
	uint64_t value;
	if (!t->value || t->value_len == 0)
		return "missing value";
	int err = str_parse_u64(t->value, t->value_len, true, &value);
	if (err == -ERANGE)
		return "number too large";
	if (err)
		return "not a number (decimal or 0x hex, optional K/M/G)";
	if (value < opt->min || value > opt->max)
		return "value out of range";
	*(uint64_t *)opt->target = value;
	return NULL;
}

static const char *apply_string(const struct option_desc *opt, const struct token *t)
{
	if (!t->value)
		return "missing value";
	if (opt->size == 0 || t->value_len >= opt->size)
		return "value too long";
	char *dst = opt->target;
	memcpy(dst, t->value, t->value_len);
	dst[t->value_len] = '\0';
	return NULL;
}

/* OPT_CUSTOM: the option's own parser sees value NULL (len 0) for a bare
 * name, and must leave its target alone when it fails. */
static const char *apply_custom(const struct option_desc *opt, const struct token *t)
{
	const char *why = NULL;
	if (!opt->parse)
		return "option has no parser";
	if (opt->parse(t->value, t->value_len, &why) != 0)
		return why ? why : "invalid value";
	return NULL;
}

/* Apply one token; returns NULL or why it could not be applied. */
static const char *apply_token(const struct option_desc *table, size_t n, const struct token *t)
{
	if (t->name_len == 0)
		return "missing option name";
	const struct option_desc *opt = find_option(table, n, t->name, t->name_len);
	if (!opt)
		return "unknown option";
	if (!opt->target && opt->type != OPT_CUSTOM)
		return "option has no target";
	switch (opt->type) {
	case OPT_BOOL:   return apply_bool(opt, t);
	case OPT_UINT:   return apply_uint(opt, t);
	case OPT_STRING: return apply_string(opt, t);
	case OPT_CUSTOM: return apply_custom(opt, t);
	}
	return "option has an unknown type";
}

/* Scan the token starting at *p (not a space, not the end) and advance *p
 * past it. Returns NULL, or why the token is malformed (its extent is then
 * still correct, so scanning resumes after it). */
static const char *scan_token(const char **p, struct token *t)
{
	const char *s = *p;
	const char *why = NULL;

	*t = (struct token){ .start = s, .name = s };
	while (*s && !is_space(*s) && *s != '=') {
		if (*s == '"' && !why)
			why = "unexpected quote in option name";
		s++;
	}
	t->name_len = (size_t)(s - t->name);

	if (*s == '=') {
		s++;
		if (*s == '"') {
			t->value = ++s;
			while (*s && *s != '"')
				s++;
			if (!*s) {
				/* The rest of the line belongs to this token. */
				t->value_len = (size_t)(s - t->value);
				why = why ? why : "unterminated quote";
			} else {
				t->value_len = (size_t)(s - t->value);
				s++;   /* closing quote */
				if (*s && !is_space(*s)) {
					why = why ? why : "text after closing quote";
					while (*s && !is_space(*s))
						s++;
				}
			}
		} else {
			t->value = s;
			while (*s && !is_space(*s)) {
				if (*s == '"' && !why)
					why = "quote inside an unquoted value";
				s++;
			}
			t->value_len = (size_t)(s - t->value);
		}
	}
	t->len = (size_t)(s - t->start);
	*p = s;
	return why;
}

/* Parse cmdline against table[n] (see cmdline.h). report may be NULL.
 * Returns the number of problems found. */
int cmdline_parse(const char *cmdline, const struct option_desc *table, size_t n,
		  cmdline_report_fn report)
{
	int problems = 0;
	const char *p = cmdline ? cmdline : "";

	for (;;) {
		while (is_space(*p))
			p++;
		if (!*p)
			break;
		struct token t;
		const char *why = scan_token(&p, &t);
		if (!why)
			why = apply_token(table, n, &t);
		if (why) {
			problems++;
			if (report)
				report(t.start, t.len, why);
		}
	}
	return problems;
}

/*
 * conf_util.c - typed, range-checked reads from a libconfig tree, with
 * file:line errors and "did you mean" suggestions for unknown keys.
 */
#include "conf_util.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void
cnf_error(
    struct cnf_ctx *c, const config_setting_t *where, const char *fmt, ...)
{
	const char *file = c->file;
	int line = 0;
	va_list ap;

	if (where != NULL) {
		line = (int)config_setting_source_line(where);
		if (config_setting_source_file(where) != NULL)
			file = config_setting_source_file(where);
	}
	if (line > 0)
		fprintf(c->err, "%s:%d: ", file, line);
	else
		fprintf(c->err, "%s: ", file);
	va_start(ap, fmt);
	vfprintf(c->err, fmt, ap);
	va_end(ap);
	fputc('\n', c->err);
	c->errors++;
}

/* Levenshtein distance, bounded to short keys. */
static size_t
edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t row[65], prev, tmp;

	if (la > 64 || lb > 64)
		return (size_t)-1;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			row[j] = prev + (a[i - 1] != b[j - 1]);
			if (row[j - 1] + 1 < row[j])
				row[j] = row[j - 1] + 1;
			if (tmp + 1 < row[j])
				row[j] = tmp + 1;
			prev = tmp;
		}
	}
	return row[lb];
}

const char *
cnf_suggest(const char *word, const char *const known[])
{
	const char *best = NULL;
	size_t best_d = (size_t)-1, d, limit;
	int i;

	for (i = 0; known[i] != NULL; i++) {
		/* a prefix ("interval" for "interval_s") is a good guess */
		if (strlen(word) >= 3 &&
		    strncmp(word, known[i], strlen(word)) == 0)
			return known[i];
		d = edit_distance(word, known[i]);
		if (d < best_d) {
			best_d = d;
			best = known[i];
		}
	}
	limit = strlen(word) / 3 + 1;
	if (limit < 2)
		limit = 2;
	return best_d <= limit ? best : NULL;
}

void
cnf_check_keys(struct cnf_ctx *c, const config_setting_t *group,
    const char *what, const char *const known[])
{
	int i, j, n = config_setting_length(group);
	const config_setting_t *s;
	const char *name, *hint;
	int found;

	for (i = 0; i < n; i++) {
		s = config_setting_get_elem(group, (unsigned)i);
		name = config_setting_name(s);
		if (name == NULL)
			continue;
		found = 0;
		for (j = 0; known[j] != NULL; j++)
			if (strcmp(known[j], name) == 0)
				found = 1;
		if (found)
			continue;
		hint = cnf_suggest(name, known);
		if (hint != NULL)
			cnf_error(c, s,
			    "unknown setting '%s' in group '%s' "
			    "(did you mean '%s'?)",
			    name, what, hint);
		else
			cnf_error(c, s, "unknown setting '%s' in group '%s'",
			    name, what);
	}
}

static const char *
type_name(int type)
{
	switch (type) {
	case CONFIG_TYPE_GROUP:
		return "a group";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "an integer";
	case CONFIG_TYPE_FLOAT:
		return "a number";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "a boolean";
	case CONFIG_TYPE_ARRAY:
		return "an array";
	case CONFIG_TYPE_LIST:
		return "a list";
	default:
		return "something else";
	}
}

static config_setting_t *
member(const config_setting_t *group, const char *key)
{
	if (group == NULL)
		return NULL;
	return config_setting_get_member(group, key);
}

bool
cnf_get_bool(struct cnf_ctx *c, const config_setting_t *group, const char *key,
    bool *out)
{
	config_setting_t *s = member(group, key);

	if (s == NULL)
		return false;
	if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
		cnf_error(c, s, "'%s' must be true or false, not %s", key,
		    type_name(config_setting_type(s)));
		return false;
	}
	*out = config_setting_get_bool(s) != 0;
	return true;
}

bool
cnf_get_int(struct cnf_ctx *c, const config_setting_t *group, const char *key,
    int min, int max, int *out)
{
	config_setting_t *s = member(group, key);
	long long v;

	if (s == NULL)
		return false;
	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64) {
		cnf_error(c, s, "'%s' must be an integer, not %s", key,
		    type_name(config_setting_type(s)));
		return false;
	}
	v = config_setting_get_int64(s);
	if (v < min || v > max) {
		cnf_error(c, s, "'%s' = %lld is out of range (min %d, max %d)",
		    key, v, min, max);
		return false;
	}
	*out = (int)v;
	return true;
}

bool
cnf_get_double(struct cnf_ctx *c, const config_setting_t *group,
    const char *key, double min, double max, double *out)
{
	config_setting_t *s = member(group, key);
	double v;

	if (s == NULL)
		return false;
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_FLOAT:
		v = config_setting_get_float(s);
		break;
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		v = (double)config_setting_get_int64(s);
		break;
	default:
		cnf_error(c, s, "'%s' must be a number, not %s", key,
		    type_name(config_setting_type(s)));
		return false;
	}
	if (!isfinite(v) || v < min || v > max) {
		cnf_error(c, s, "'%s' = %g is out of range (min %g, max %g)",
		    key, v, min, max);
		return false;
	}
	*out = v;
	return true;
}

/* The string at key, shorter than len; NULL when absent or an error. */
static const char *
get_string(struct cnf_ctx *c, const config_setting_t *group, const char *key,
    size_t len, config_setting_t **where)
{
	config_setting_t *s = *where = member(group, key);
	const char *v;

	if (s == NULL)
		return NULL;
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		cnf_error(c, s, "'%s' must be a string, not %s", key,
		    type_name(config_setting_type(s)));
		return NULL;
	}
	v = config_setting_get_string(s);
	if (strlen(v) >= len) {
		cnf_error(c, s, "'%s' is too long (at most %zu characters)",
		    key, len - 1);
		return NULL;
	}
	return v;
}

bool
cnf_get_string(struct cnf_ctx *c, const config_setting_t *group,
    const char *key, char *buf, size_t len)
{
	config_setting_t *s;
	const char *v = get_string(c, group, key, len, &s);

	if (v == NULL)
		return false;
	memcpy(buf, v, strlen(v) + 1);
	return true;
}

const char *
cnf_strs_add(struct cnf_strs *o, const char *s)
{
	char **v = realloc(o->v, (size_t)(o->n + 1) * sizeof(*v));

	if (v == NULL)
		return NULL;
	o->v = v;
	if ((v[o->n] = strdup(s)) == NULL)
		return NULL;
	return v[o->n++];
}

void
cnf_strs_free(struct cnf_strs *o)
{
	for (int i = 0; i < o->n; i++)
		free(o->v[i]);
	free(o->v);
	o->v = NULL;
	o->n = 0;
}

bool
cnf_get_owned(struct cnf_ctx *c, const config_setting_t *group, const char *key,
    size_t len, struct cnf_strs *o, const char **out)
{
	config_setting_t *s;
	const char *v = get_string(c, group, key, len, &s), *own;

	if (v == NULL)
		return false;
	if ((own = cnf_strs_add(o, v)) == NULL) {
		cnf_error(c, s, "'%s': out of memory", key);
		return false;
	}
	*out = own;
	return true;
}

bool
cnf_get_enum(struct cnf_ctx *c, const config_setting_t *group, const char *key,
    const char *const choices[], int *out)
{
	config_setting_t *s = member(group, key);
	char list[256] = "";
	const char *v, *hint;
	int i;

	if (s == NULL)
		return false;
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		cnf_error(c, s, "'%s' must be a string, not %s", key,
		    type_name(config_setting_type(s)));
		return false;
	}
	v = config_setting_get_string(s);
	for (i = 0; choices[i] != NULL; i++) {
		if (strcmp(v, choices[i]) == 0) {
			*out = i;
			return true;
		}
		if (i > 0)
			strncat(list, ", ", sizeof(list) - strlen(list) - 1);
		strncat(list, choices[i], sizeof(list) - strlen(list) - 1);
	}
	hint = cnf_suggest(v, choices);
	if (hint != NULL)
		cnf_error(c, s,
		    "'%s' = \"%s\" is not one of %s "
		    "(did you mean \"%s\"?)",
		    key, v, list, hint);
	else
		cnf_error(c, s, "'%s' = \"%s\" is not one of %s", key, v, list);
	return false;
}

void
cnf_strv_free(char **v)
{
	char **p;

	if (v == NULL)
		return;
	for (p = v; *p != NULL; p++)
		free(*p);
	free(v);
}

char **
cnf_strv_dup(char *const *v)
{
	size_t n = 0, i;
	char **d;

	if (v == NULL)
		return NULL;
	while (v[n] != NULL)
		n++;
	d = calloc(n + 1, sizeof(*d));
	if (d == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		d[i] = strdup(v[i]);
		if (d[i] == NULL) {
			cnf_strv_free(d);
			return NULL;
		}
	}
	return d;
}

bool
cnf_get_strv(struct cnf_ctx *c, const config_setting_t *group, const char *key,
    bool nonempty, char ***out)
{
	config_setting_t *s = member(group, key), *e;
	int i, n;
	char **v;

	if (s == NULL)
		return false;
	if (config_setting_type(s) != CONFIG_TYPE_ARRAY &&
	    config_setting_type(s) != CONFIG_TYPE_LIST) {
		cnf_error(c, s,
		    "'%s' must be an array of strings "
		    "like [ \"a\", \"b\" ], not %s",
		    key, type_name(config_setting_type(s)));
		return false;
	}
	n = config_setting_length(s);
	if (n == 0 && nonempty) {
		cnf_error(c, s, "'%s' must not be empty", key);
		return false;
	}
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(s, (unsigned)i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			cnf_error(c, e, "'%s' element %d must be a string", key,
			    i + 1);
			return false;
		}
	}
	v = calloc((size_t)n + 1, sizeof(*v));
	if (v == NULL) {
		cnf_error(c, s, "out of memory");
		return false;
	}
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(s, (unsigned)i);
		v[i] = strdup(config_setting_get_string(e));
		if (v[i] == NULL) {
			cnf_strv_free(v);
			cnf_error(c, s, "out of memory");
			return false;
		}
	}
	cnf_strv_free(*out);
	*out = v;
	return true;
}

const config_setting_t *
cnf_group(struct cnf_ctx *c, const config_setting_t *parent, const char *key)
{
	config_setting_t *s = member(parent, key);

	if (s == NULL)
		return NULL;
	if (config_setting_type(s) != CONFIG_TYPE_GROUP) {
		cnf_error(c, s, "'%s' must be a group { ... }, not %s", key,
		    type_name(config_setting_type(s)));
		return NULL;
	}
	return s;
}

config_setting_t *
cnf_emit_group(config_setting_t *parent, const char *key)
{
	return config_setting_add(parent, key, CONFIG_TYPE_GROUP);
}

void
cnf_emit_bool(config_setting_t *g, const char *key, bool v)
{
	config_setting_set_bool(
	    config_setting_add(g, key, CONFIG_TYPE_BOOL), v);
}

void
cnf_emit_int(config_setting_t *g, const char *key, int v)
{
	config_setting_set_int(config_setting_add(g, key, CONFIG_TYPE_INT), v);
}

void
cnf_emit_double(config_setting_t *g, const char *key, double v)
{
	config_setting_set_float(
	    config_setting_add(g, key, CONFIG_TYPE_FLOAT), v);
}

void
cnf_emit_string(config_setting_t *g, const char *key, const char *v)
{
	config_setting_set_string(
	    config_setting_add(g, key, CONFIG_TYPE_STRING), v);
}

void
cnf_emit_strv(config_setting_t *g, const char *key, char *const *v)
{
	config_setting_t *a = config_setting_add(g, key, CONFIG_TYPE_ARRAY);

	for (; v != NULL && *v != NULL; v++)
		config_setting_set_string_elem(a, -1, *v);
}

/*
 * conf_util.h - helpers for reading a libconfig tree into C structs.
 *
 * Every error is "file:line: message" and parsing goes on, so one run
 * reports all the errors (after OpenBSD parse.y). Unknown keys are errors
 * with a "did you mean" suggestion: libconfig itself ignores typos, and a
 * typo in a safety config must never be silently ignored.
 */
#ifndef THERMWATCH_CONF_UTIL_H
#define THERMWATCH_CONF_UTIL_H

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct cnf_ctx {
	const char *file; /* for messages */
	FILE *err;        /* where messages go */
	int errors;
};

void cnf_error(struct cnf_ctx *c, const config_setting_t *where,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Unknown keys in a group are errors, with the closest known key as a
 * suggestion. known[] ends with NULL. what names the group in messages
 * ("agent", "classes.cpu", "sensors entry"). */
void cnf_check_keys(struct cnf_ctx *c, const config_setting_t *group,
    const char *what, const char *const known[]);

/* The closest of known[] to word (edit distance), or NULL when none is near. */
const char *cnf_suggest(const char *word, const char *const known[]);

/*
 * Getters: a missing key leaves *out untouched (the default) and returns
 * false; a present key of the wrong type or out of range is an error
 * (counted, *out untouched) and returns false; true when *out was set.
 * group may be NULL (then nothing is read).
 */
bool cnf_get_bool(struct cnf_ctx *c, const config_setting_t *group,
    const char *key, bool *out);
bool cnf_get_int(struct cnf_ctx *c, const config_setting_t *group,
    const char *key, int min, int max, int *out);
bool cnf_get_double(struct cnf_ctx *c, const config_setting_t *group,
    const char *key, double min, double max, double *out);
/* Copies into buf; too long is an error. */
bool cnf_get_string(struct cnf_ctx *c, const config_setting_t *group,
    const char *key, char *buf, size_t len);

/* The strings (paths) a part of the configuration owns: each as long as
 * the file has it, not a PATH_MAX buffer in every copy of the struct.
 * Fields point to one of them, or to a constant such as "". */
struct cnf_strs {
	char **v;
	int n;
};
/* A copy of s owned by o; NULL when out of memory. */
const char *cnf_strs_add(struct cnf_strs *o, const char *s);
void cnf_strs_free(struct cnf_strs *o);
/* As cnf_get_string with a buffer of len bytes, the value owned by o. */
bool cnf_get_owned(struct cnf_ctx *c, const config_setting_t *group,
    const char *key, size_t len, struct cnf_strs *o, const char **out);
/* One of choices[] (NULL-terminated); *out is its index. */
bool cnf_get_enum(struct cnf_ctx *c, const config_setting_t *group,
    const char *key, const char *const choices[], int *out);
/* An array of strings, e.g. an argv: [ "systemctl", "poweroff" ].
 * *out is a malloc'ed NULL-terminated vector (free with cnf_strv_free),
 * replacing (and freeing) any previous value. Empty arrays are an error
 * when nonempty is true. */
bool cnf_get_strv(struct cnf_ctx *c, const config_setting_t *group,
    const char *key, bool nonempty, char ***out);
void cnf_strv_free(char **v);
char **cnf_strv_dup(char *const *v);

/* Group lookup: NULL when absent; an error when present but not a group. */
const config_setting_t *
cnf_group(struct cnf_ctx *c, const config_setting_t *parent, const char *key);

/* Emitting the effective config (thermwatchd --check-config). */
config_setting_t *cnf_emit_group(config_setting_t *parent, const char *key);
void cnf_emit_bool(config_setting_t *g, const char *key, bool v);
void cnf_emit_int(config_setting_t *g, const char *key, int v);
void cnf_emit_double(config_setting_t *g, const char *key, double v);
void cnf_emit_string(config_setting_t *g, const char *key, const char *v);
void cnf_emit_strv(config_setting_t *g, const char *key, char *const *v);

#endif

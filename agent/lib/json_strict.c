/*
 * json_strict.c - strict parsing of untrusted JSON (see json_strict.h).
 */
#include "json_strict.h"

#include <stdio.h>
#include <string.h>

/* Index of the first byte that is not valid UTF-8, or len when all is. */
static size_t
utf8_bad_at(const unsigned char *s, size_t len)
{
	size_t i = 0, n, k;
	unsigned char c, lo, hi;

	while (i < len) {
		c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		lo = 0x80;
		hi = 0xbf;
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			if (c == 0xe0)
				lo = 0xa0; /* overlong */
			else if (c == 0xed)
				hi = 0x9f; /* UTF-16 surrogates */
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			if (c == 0xf0)
				lo = 0x90; /* overlong */
			else if (c == 0xf4)
				hi = 0x8f; /* past U+10FFFF */
		} else {
			return i; /* continuation byte, 0xc0, 0xc1, 0xf5.. */
		}
		if (len - i - 1 < n || s[i + 1] < lo || s[i + 1] > hi)
			return i;
		for (k = 2; k <= n; k++)
			if (s[i + k] < 0x80 || s[i + k] > 0xbf)
				return i;
		i += n + 1;
	}
	return len;
}

bool
json_utf8_valid(const char *s, size_t len)
{
	return utf8_bad_at((const unsigned char *)s, len) == len;
}

/* Position of a \u0000 escape inside a string, or -1. The text is valid
 * UTF-8 without NUL bytes here; what is not JSON cJSON refuses anyway. */
static long
nul_escape_at(const char *t, size_t len)
{
	bool in = false;
	size_t i;

	for (i = 0; i < len; i++) {
		if (t[i] == '"') {
			in = !in;
		} else if (in && t[i] == '\\' && i + 1 < len) {
			if (t[i + 1] == 'u' && i + 5 < len &&
			    memcmp(t + i + 2, "0000", 4) == 0)
				return (long)i;
			i++; /* the escaped character */
		}
	}
	return -1;
}

/* Duplicate member names and depth, over the whole tree. */
static int
walk(const cJSON *v, int depth, char *err, size_t errlen)
{
	const cJSON *a, *b;

	if (depth > JSON_STRICT_DEPTH) {
		snprintf(err, errlen, "nested deeper than %d levels",
		    JSON_STRICT_DEPTH);
		return -1;
	}
	for (a = v->child; a != NULL; a = a->next) {
		if (cJSON_IsObject(v) && a->string != NULL) {
			for (b = a->next; b != NULL; b = b->next) {
				if (b->string != NULL &&
				    strcmp(a->string, b->string) == 0) {
					snprintf(err, errlen,
					    "duplicate member \"%.40s\"",
					    a->string);
					return -1;
				}
			}
		}
		if ((cJSON_IsObject(a) || cJSON_IsArray(a)) &&
		    walk(a, depth + 1, err, errlen) < 0)
			return -1;
	}
	return 0;
}

cJSON *
json_parse_strict(const char *text, size_t len, char *err, size_t errlen)
{
	const char *end = NULL;
	size_t bad;
	long at;
	cJSON *v;

	if (len == 0) {
		snprintf(err, errlen, "not valid JSON");
		return NULL;
	}
	if (memchr(text, '\0', len) != NULL) {
		snprintf(err, errlen, "NUL byte at byte %zu",
		    (size_t)((const char *)memchr(text, '\0', len) - text));
		return NULL;
	}
	bad = utf8_bad_at((const unsigned char *)text, len);
	if (bad < len) {
		snprintf(err, errlen, "invalid UTF-8 at byte %zu", bad);
		return NULL;
	}
	if ((at = nul_escape_at(text, len)) >= 0) {
		snprintf(err, errlen, "\\u0000 escape at byte %ld", at);
		return NULL;
	}
	v = cJSON_ParseWithLengthOpts(text, len, &end, false);
	while (v != NULL && end < text + len &&
	    (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n'))
		end++;
	if (v == NULL || end != text + len) {
		snprintf(err, errlen, "not valid JSON");
		cJSON_Delete(v);
		return NULL;
	}
	if (walk(v, 1, err, errlen) < 0) {
		cJSON_Delete(v);
		return NULL;
	}
	return v;
}

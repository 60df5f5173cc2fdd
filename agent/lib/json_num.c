/*
 * json_num.c - cJSON number nodes printed from a text of ours, set only
 * when the number changes. See json_num.h.
 */
#include "json_num.h"

#include <math.h>
#include <string.h>

bool
jnum_is_text(const cJSON *n)
{
	return (n->type & cJSON_IsReference) != 0 &&
	    ((n->type & 0xff) == cJSON_Raw || (n->type & 0xff) == cJSON_Number);
}

/* the type's low byte; the flags stay */
static void
set_type(cJSON *n, int type)
{
	n->type = (n->type & ~0xff) | type;
}

void
jnum_init(cJSON *n, char *buf)
{
	memset(n, 0, sizeof(*n));
	memcpy(buf, "0", 2);
	n->valuestring = buf;
	n->type = cJSON_Raw | cJSON_IsReference;
}

cJSON *
jnum_node(char *buf)
{
	cJSON *n = buf != NULL ? cJSON_CreateNumber(0) : NULL;

	if (n != NULL)
		jnum_init(n, buf);
	return n;
}

static bool
same(double a, double b)
{
	return a == b ? signbit(a) == signbit(b) : isnan(a) && isnan(b);
}

/* text too long: cJSON prints the number itself */
static void
to_cjson(cJSON *n, double v)
{
	cJSON_SetNumberValue(n, v);
	set_type(n, cJSON_Number);
}

/* The decimal digits of v ending at end (not included); the first. */
static char *
digits(char *end, unsigned long long v)
{
	do {
		*--end = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	return end;
}

/* [-]int[.frac] into n's buffer: frac is thousandths, printed without
 * trailing zeros, and without the point when 0. */
static void
put(cJSON *n, bool neg, unsigned long long whole, unsigned frac)
{
	char tmp[32], *end = tmp + sizeof(tmp), *p = end;
	int keep = 3;

	if (frac != 0) {
		for (; frac % 10 == 0; frac /= 10)
			keep--;
		for (; keep > 0; keep--, frac /= 10)
			*--p = (char)('0' + frac % 10);
		*--p = '.';
	}
	p = digits(p, whole);
	if (neg)
		*--p = '-';
	if (end - p >= JNUM_LEN) {
		to_cjson(n, n->valuedouble);
		return;
	}
	memcpy(n->valuestring, p, (size_t)(end - p));
	n->valuestring[end - p] = '\0';
}

void
jnum_set(cJSON *n, double v)
{
	double r = isfinite(v) ? round(v * 1000.0) / 1000.0 : NAN;
	unsigned long long milli;

	if (same(r, n->valuedouble) && (n->type & 0xff) == cJSON_Raw)
		return;
	n->valuedouble = r;
	set_type(n, cJSON_Raw);
	if (!isfinite(r)) {
		memcpy(n->valuestring, "null", 5);
		return;
	}
	if (fabs(r) >= JNUM_MAX) {
		to_cjson(n, r);
		return;
	}
	/* the thousandths as an integer: exact below JNUM_MAX */
	milli = (unsigned long long)llround(fabs(v * 1000.0));
	put(n, signbit(r) != 0, milli / 1000, (unsigned)(milli % 1000));
}

void
jnum_set_int(cJSON *n, int64_t v)
{
	/* |INT64_MIN| in unsigned arithmetic */
	unsigned long long u = v < 0 ? 0ull - (unsigned long long)v
				     : (unsigned long long)v;

	n->valuedouble = (double)v;
	set_type(n, cJSON_Raw);
	put(n, v < 0, u, 0);
}

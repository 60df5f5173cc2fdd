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

/* "00".."99": two digits a division */
static const char pairs[] = "00010203040506070809"
			    "10111213141516171819"
			    "20212223242526272829"
			    "30313233343536373839"
			    "40414243444546474849"
			    "50515253545556575859"
			    "60616263646566676869"
			    "70717273747576777879"
			    "80818283848586878889"
			    "90919293949596979899";

/* The decimal digits of v ending at end (not included); the first. */
static char *
digits(char *end, unsigned long long v)
{
	while (v >= 100) {
		unsigned d = (unsigned)(v % 100);

		v /= 100;
		end -= 2;
		memcpy(end, pairs + 2 * d, 2);
	}
	if (v >= 10) {
		end -= 2;
		memcpy(end, pairs + 2 * v, 2);
	} else {
		*--end = (char)('0' + v);
	}
	return end;
}

/* [-]int[.frac] into n's buffer: frac is thousandths, printed without
 * trailing zeros, and without the point when 0. */
static void
put(cJSON *n, bool neg, unsigned long long whole, unsigned frac)
{
	char tmp[32], *end = tmp + sizeof(tmp) - 1, *p = end;

	*end = '\0';
	if (frac != 0) {
		/* ".d", ".dd" or ".ddd" */
		p -= 4;
		p[0] = '.';
		p[1] = (char)('0' + frac / 100);
		memcpy(p + 2, pairs + 2 * (frac % 100), 2);
		while (end[-1] == '0')
			*--end = '\0';
	}
	p = digits(p, whole);
	if (neg)
		*--p = '-';
	if (end - p >= JNUM_LEN) {
		to_cjson(n, n->valuedouble);
		return;
	}
	memcpy(n->valuestring, p, (size_t)(end - p) + 1);
}

void
jnum_set(cJSON *n, double v)
{
	double m = v * 1000.0, r;
	long long milli;

	/* the thousandths as an integer: exact below JNUM_MAX; the rest
	 * (not finite, or too large) as before: round(v * 1000) / 1000 */
	if (!(fabs(m) < JNUM_MAX * 1000.0)) {
		r = isfinite(v) ? round(m) / 1000.0 : NAN;
		if (same(r, n->valuedouble) && (n->type & 0xff) == cJSON_Raw)
			return;
		n->valuedouble = r;
		set_type(n, cJSON_Raw);
		if (!isfinite(r))
			memcpy(n->valuestring, "null", 5);
		else
			to_cjson(n, r);
		return;
	}
	milli = llround(m);
	/* round(m) / 1000, a rounded -0 included */
	r = milli != 0 ? (double)milli / 1000.0 : copysign(0.0, m);
	if (same(r, n->valuedouble) && (n->type & 0xff) == cJSON_Raw)
		return;
	n->valuedouble = r;
	set_type(n, cJSON_Raw);
	if (fabs(r) >= JNUM_MAX) {
		to_cjson(n, r);
		return;
	}
	{
		unsigned long long u = milli < 0
		    ? 0ull - (unsigned long long)milli
		    : (unsigned long long)milli;

		put(n, signbit(r) != 0, u / 1000, (unsigned)(u % 1000));
	}
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

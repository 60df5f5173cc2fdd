/*
 * bmc_reply.c - write and read the lines of the IPMI child's reply
 * protocol. See bmc_reply.h.
 */
#include "bmc_reply.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

void
bmc_sanitize(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
}

static void
add_num(cJSON *o, const char *key, double v)
{
	if (isfinite(v))
		cJSON_AddNumberToObject(o, key, round(v * 1e6) / 1e6);
	else
		cJSON_AddNullToObject(o, key);
}

static void
add_text(cJSON *o, const char *key, const char *text)
{
	char buf[BMC_REC_MSG_LEN];

	snprintf(buf, sizeof(buf), "%s", text);
	bmc_sanitize(buf);
	cJSON_AddStringToObject(o, key, buf);
}

static cJSON *
record(const char *type)
{
	cJSON *o = cJSON_CreateObject();

	if (o != NULL)
		cJSON_AddStringToObject(o, "t", type);
	return o;
}

/* One line; o is consumed. */
static void
put(FILE *out, cJSON *o)
{
	char *s = o != NULL ? cJSON_PrintUnformatted(o) : NULL;

	cJSON_Delete(o);
	if (s == NULL)
		return;
	fputs(s, out);
	fputc('\n', out);
	free(s);
}

void
bmc_reply_sensor(
    FILE *out, int rid, int num, char state, double value, const char *name)
{
	cJSON *o = record("sensor");
	char st[2] = { state, '\0' };

	cJSON_AddNumberToObject(o, "rid", rid);
	cJSON_AddNumberToObject(o, "num", num);
	cJSON_AddStringToObject(o, "state", st);
	add_num(o, "value", value);
	add_text(o, "name", name);
	put(out, o);
}

void
bmc_reply_thresholds(
    FILE *out, int rid, double unc, double uc, double unr, bool live)
{
	cJSON *o = record("thresholds");

	cJSON_AddNumberToObject(o, "rid", rid);
	add_num(o, "unc", unc);
	add_num(o, "uc", uc);
	add_num(o, "unr", unr);
	cJSON_AddStringToObject(o, "src", live ? "live" : "sdr");
	put(out, o);
}

static void
message(
    FILE *out, const char *type, const char *cls, const char *fmt, va_list ap)
{
	char msg[BMC_REC_MSG_LEN];
	cJSON *o = record(type);

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (cls != NULL)
		cJSON_AddStringToObject(o, "class", cls);
	add_text(o, "msg", msg);
	put(out, o);
}

void
bmc_reply_info(FILE *out, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	message(out, "info", NULL, fmt, ap);
	va_end(ap);
}

void
bmc_reply_error(FILE *out, const char *cls, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	message(out, "error", cls, fmt, ap);
	va_end(ap);
}

void
bmc_reply_watchdog(FILE *out, unsigned int use, unsigned int action,
    unsigned int flags, unsigned int initial_ds, int present_ds)
{
	cJSON *o = record("watchdog");

	cJSON_AddNumberToObject(o, "use", use);
	cJSON_AddNumberToObject(o, "action", action);
	cJSON_AddNumberToObject(o, "flags", flags);
	cJSON_AddNumberToObject(o, "initial_ds", initial_ds);
	cJSON_AddNumberToObject(o, "present_ds", present_ds);
	put(out, o);
}

void
bmc_reply_done(FILE *out, int64_t t_ms, bool rebuilt)
{
	cJSON *o = record("done");

	cJSON_AddNumberToObject(o, "t_ms", (double)t_ms);
	cJSON_AddBoolToObject(o, "rebuilt", rebuilt);
	put(out, o);
}

/* --- parsing --------------------------------------------------------- */

static const cJSON *
member(const cJSON *o, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(o, key);
}

/* A number member; NAN when null; false when absent or another type. */
static bool
get_num(const cJSON *o, const char *key, double *v)
{
	const cJSON *m = member(o, key);

	if (cJSON_IsNull(m)) {
		*v = NAN;
		return true;
	}
	if (!cJSON_IsNumber(m))
		return false;
	*v = m->valuedouble;
	return true;
}

static bool
get_int(const cJSON *o, const char *key, int *v)
{
	double d;

	if (!get_num(o, key, &d) || !isfinite(d) || d < -2147483648.0 ||
	    d > 2147483647.0)
		return false;
	*v = (int)d;
	return true;
}

static bool
get_uint(const cJSON *o, const char *key, unsigned int *v)
{
	int i;

	if (!get_int(o, key, &i) || i < 0)
		return false;
	*v = (unsigned int)i;
	return true;
}

static bool
get_str(const cJSON *o, const char *key, char *buf, size_t len)
{
	const cJSON *m = member(o, key);

	if (!cJSON_IsString(m) || m->valuestring == NULL)
		return false;
	snprintf(buf, len, "%s", m->valuestring);
	return true;
}

static bool
parse_sensor(const cJSON *o, struct bmc_rec *r)
{
	char st[4];

	if (!get_int(o, "rid", &r->rid) || !get_int(o, "num", &r->num) ||
	    !get_str(o, "state", st, sizeof(st)) ||
	    !get_num(o, "value", &r->value) ||
	    !get_str(o, "name", r->name, sizeof(r->name)))
		return false;
	r->state = st[0] != '\0' ? st[0] : 'u';
	return true;
}

static bool
parse_thresholds(const cJSON *o, struct bmc_rec *r)
{
	char src[8];

	if (!get_int(o, "rid", &r->rid) || !get_num(o, "unc", &r->unc) ||
	    !get_num(o, "uc", &r->uc) || !get_num(o, "unr", &r->unr) ||
	    !get_str(o, "src", src, sizeof(src)))
		return false;
	r->live = strcmp(src, "live") == 0;
	return true;
}

static bool
parse_watchdog(const cJSON *o, struct bmc_rec *r)
{
	return get_uint(o, "use", &r->wd_use) &&
	    get_uint(o, "action", &r->wd_action) &&
	    get_uint(o, "flags", &r->wd_flags) &&
	    get_uint(o, "initial_ds", &r->wd_initial_ds) &&
	    get_int(o, "present_ds", &r->wd_present_ds);
}

static bool
parse_done(const cJSON *o, struct bmc_rec *r)
{
	const cJSON *rb = member(o, "rebuilt");
	double t;

	/* a monotonic time: >= 0 and within int64_t (0x1p63 is not) */
	if (!get_num(o, "t_ms", &t) || !isfinite(t) || t < 0 || t >= 0x1p63 ||
	    !cJSON_IsBool(rb))
		return false;
	r->t_ms = (int64_t)t;
	r->rebuilt = cJSON_IsTrue(rb);
	return true;
}

int
bmc_reply_parse(const char *line, size_t len, struct bmc_rec *r)
{
	cJSON *o = cJSON_ParseWithLength(line, len);
	char type[16];
	bool ok = false;

	memset(r, 0, sizeof(*r));
	r->value = r->unc = r->uc = r->unr = NAN;
	r->wd_present_ds = -1;
	if (o == NULL)
		return -1;
	if (!get_str(o, "t", type, sizeof(type)))
		type[0] = '\0';
	if (strcmp(type, "sensor") == 0) {
		r->type = BMC_REC_SENSOR;
		ok = parse_sensor(o, r);
	} else if (strcmp(type, "thresholds") == 0) {
		r->type = BMC_REC_THRESHOLDS;
		ok = parse_thresholds(o, r);
	} else if (strcmp(type, "info") == 0) {
		r->type = BMC_REC_INFO;
		ok = get_str(o, "msg", r->msg, sizeof(r->msg));
	} else if (strcmp(type, "error") == 0) {
		r->type = BMC_REC_ERROR;
		ok = get_str(o, "class", r->cls, sizeof(r->cls)) &&
		    get_str(o, "msg", r->msg, sizeof(r->msg));
	} else if (strcmp(type, "watchdog") == 0) {
		r->type = BMC_REC_WATCHDOG;
		ok = parse_watchdog(o, r);
	} else if (strcmp(type, "done") == 0) {
		r->type = BMC_REC_DONE;
		ok = parse_done(o, r);
	}
	cJSON_Delete(o);
	return ok ? 0 : -1;
}

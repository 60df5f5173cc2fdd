/*
 * mqtt_tele_read.c - telemetry of schema 2 read back, for consumers in C
 * (thermwatchctl watch and top, tests): a sensors message and a telemetry
 * of its layout made into the sensor objects of schema 1. See
 * mqtt_tele.h and thermwatch-mqtt(7).
 */
#include "mqtt_tele.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const cJSON *
member(const cJSON *o, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(o, key);
}

/* Position i of a sparse member (an object keyed by positions), or
 * NULL when it leaves i out (the default). */
static const cJSON *
sparse_at(const cJSON *tele, const char *key, int i)
{
	char pos[16];

	snprintf(pos, sizeof(pos), "%d", i);
	return member(member(tele, key), pos);
}

/* A copy of x, or null when x is not a number. */
static cJSON *
number_or_null(const cJSON *x)
{
	return cJSON_IsNumber(x) ? cJSON_CreateNumber(x->valuedouble)
				 : cJSON_CreateNull();
}

/* A copy of the sparse member at i, else of dflt (a number, or null). */
static void
add_sparse(
    cJSON *s, const cJSON *tele, const char *key, int i, const cJSON *dflt)
{
	const cJSON *x = sparse_at(tele, key, i);

	cJSON_AddItemToObject(s, key,
	    x != NULL ? cJSON_Duplicate(x, true) : cJSON_Duplicate(dflt, true));
}

cJSON *
mqm_tele_expand(const cJSON *sensors_msg, const cJSON *tele)
{
	const cJSON *list = member(sensors_msg, "sensors");
	const cJSON *lay = member(sensors_msg, "layout");
	const cJSON *vals = member(tele, "value_c");
	const cJSON *filt = member(tele, "filtered_c");
	const cJSON *tl = member(tele, "layout");
	cJSON *out, *s, *zero, *null, *no, *valid;
	int i, n = cJSON_GetArraySize(list);

	if (!cJSON_IsString(lay) || !cJSON_IsString(tl) ||
	    strcmp(lay->valuestring, tl->valuestring) != 0 ||
	    !cJSON_IsArray(vals) || !cJSON_IsArray(filt) ||
	    cJSON_GetArraySize(vals) != n || cJSON_GetArraySize(filt) != n)
		return NULL;
	out = cJSON_CreateArray();
	zero = cJSON_CreateNumber(0);
	null = cJSON_CreateNull();
	no = cJSON_CreateFalse();
	valid = cJSON_CreateString("valid");
	for (i = 0; out != NULL && i < n; i++) {
		const cJSON *d = cJSON_GetArrayItem(list, i);
		const cJSON *f = cJSON_GetArrayItem(filt, i);
		const cJSON *trip = member(d, "trip_c");
		const char *id = cJSON_IsString(member(d, "id"))
		    ? member(d, "id")->valuestring
		    : "";
		const char *cls = cJSON_IsString(member(d, "class"))
		    ? member(d, "class")->valuestring
		    : "other";

		s = cJSON_CreateObject();
		cJSON_AddStringToObject(s, "id", id);
		cJSON_AddStringToObject(s, "class", cls);
		add_sparse(s, tele, "status", i, valid);
		cJSON_AddItemToObject(
		    s, "value_c", number_or_null(cJSON_GetArrayItem(vals, i)));
		cJSON_AddItemToObject(s, "filtered_c", number_or_null(f));
		add_sparse(s, tele, "used_c", i, f);
		add_sparse(s, tele, "assumed", i, no);
		cJSON_AddItemToObject(s, "trip_c", number_or_null(trip));
		cJSON_AddItemToObject(s, "trip_src",
		    cJSON_Duplicate(member(d, "trip_src"), true));
		if (cJSON_IsNumber(trip) && cJSON_IsNumber(f))
			cJSON_AddNumberToObject(s, "headroom_c",
			    round(
				(trip->valuedouble - f->valuedouble) * 1000.0) /
				1000.0);
		else
			cJSON_AddNullToObject(s, "headroom_c");
		add_sparse(s, tele, "slope_c_per_min", i, zero);
		add_sparse(s, tele, "eta_s", i, null);
		add_sparse(s, tele, "level", i, zero);
		add_sparse(s, tele, "rejected", i, zero);
		cJSON_AddItemToArray(out, s);
	}
	cJSON_Delete(zero);
	cJSON_Delete(null);
	cJSON_Delete(no);
	cJSON_Delete(valid);
	return out;
}

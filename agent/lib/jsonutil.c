/*
 * jsonutil.c - see jsonutil.h.
 */
#include "jsonutil.h"

#include <math.h>

void
json_add_num(cJSON *o, const char *key, double v)
{
	if (isfinite(v))
		cJSON_AddNumberToObject(o, key, v);
	else
		cJSON_AddNullToObject(o, key);
}

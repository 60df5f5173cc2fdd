/*
 * jsonutil.h - small cJSON helpers shared by the agent's modules.
 */
#ifndef THERMWATCH_JSONUTIL_H
#define THERMWATCH_JSONUTIL_H

#include <cjson/cJSON.h>

/* Add v as a number, or null when it is not finite (NAN, INFINITY):
 * JSON has no NaN, and "unknown" must not read as 0. */
void json_add_num(cJSON *o, const char *key, double v);

#endif

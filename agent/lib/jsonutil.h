/*
 * jsonutil.h - small cJSON helpers shared by the agent's modules.
 */
#ifndef THERMWATCH_JSONUTIL_H
#define THERMWATCH_JSONUTIL_H

#include <stdbool.h>

#include <cjson/cJSON.h>

/* Add v as a number, or null when it is not finite (NAN, INFINITY):
 * JSON has no NaN, and "unknown" must not read as 0. */
void json_add_num(cJSON *o, const char *key, double v);

/* Members read back: the string (def when absent or not a string), the
 * number (NAN when absent, null or not a number), true or not. */
const char *json_str(const cJSON *o, const char *key, const char *def);
double json_num(const cJSON *o, const char *key);
bool json_true(const cJSON *o, const char *key);

#endif

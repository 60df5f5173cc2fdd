/*
 * mqtt_msg_int.h - the payload parsers' helpers (mqtt_msg.c), shared with
 * the other payload files of tw_payload (mqtt_fleet_msg.c). Not for other
 * modules.
 */
#ifndef THERMWATCH_MQTT_MSG_INT_H
#define THERMWATCH_MQTT_MSG_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

/* One JSON object and nothing else (no NUL, no trailing bytes), or NULL
 * with the reason in err. */
cJSON *
mqm_parse_object(const char *payload, size_t len, char *err, size_t errlen);
/* "v" is MQM_VERSION; 0 or -1. */
int mqm_check_version(const cJSON *o, char *err, size_t errlen);
/* A non-empty string without control characters that fits len. A missing
 * optional one leaves buf alone. 0 or -1. */
int mqm_get_str(const cJSON *o, const char *key, bool required, char *buf,
    size_t len, char *err, size_t errlen);
/* A finite number in [min, max]. 0 or -1. */
int mqm_get_num(const cJSON *o, const char *key, double min, double max,
    double *out, char *err, size_t errlen);

#endif

/*
 * hwmon.h - temperature sensors through libsensors.
 *
 * Limits (max, crit, emergency) and labels are read at scan time; each
 * read takes the input and the fault flag only, so a cycle costs two
 * small sysfs reads per sensor. Chips that come or go are picked up by
 * hwm_rescan() (SIGHUP and agent.rescan_s).
 */
#ifndef THERMWATCH_HWMON_H
#define THERMWATCH_HWMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "source.h"

struct hwm;

/* NULL with a message in err when libsensors cannot start. */
struct hwm *hwm_create(const struct hwmon_conf *c, char *err, size_t errlen);
void hwm_free(struct hwm *h);
/* Re-initialise libsensors and rebuild the sensor list; returns the count,
 * or -1 with a message in err (the old list is then gone too). */
int hwm_rescan(struct hwm *h, char *err, size_t errlen);
/* Read every sensor once and hand each reading to emit. */
void hwm_read(struct hwm *h, int64_t now_ms, src_emit_cb emit, void *arg);
/* Is a sensor with this id in the current list? */
bool hwm_has(const struct hwm *h, const char *id);
int hwm_count(const struct hwm *h);

/* The class a chip's driver implies: coretemp, k10temp, zenpower -> cpu. */
enum eng_class hwm_class_of_chip(const char *prefix);

#endif

/*
 * hwmon.h - temperature sensors through libsensors.
 *
 * libsensors finds the chips and their temperature features, applies the
 * ignore, label and compute statements of sensors3.conf, and gives the
 * limits (max, crit, emergency): all at scan time. Each cycle then reads
 * the input, fault and crit_alarm files through descriptors kept open
 * since the scan (one pread each, no path lookup, no allocation); an
 * input that a compute statement transforms is read through
 * sensors_get_value, so every value is the one libsensors gives. When no
 * read needs it, libsensors is released at the first read after a scan
 * and started again by the next scan.
 *
 * There is no cap on the number of sensors here: the sink decides which
 * it takes (src_attach_cb). Chips that come or go are picked up by
 * hwm_rescan() (SIGHUP, SIGUSR2, the udev rule) and by the periodic
 * agent.rescan_s check (hwm_changed() first: a rescan only when the
 * chips or the libsensors configuration changed).
 */
#ifndef THERMWATCH_HWMON_H
#define THERMWATCH_HWMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "source.h"

struct hwm;

/*
 * Start libsensors and scan: attach (may be NULL: every sensor is read,
 * with handle 0) is called for each sensor found. NULL with a message in
 * err when libsensors cannot start. c is not copied: it must stay until
 * hwm_free.
 */
struct hwm *hwm_create(const struct hwmon_conf *c, src_attach_cb attach,
    void *arg, char *err, size_t errlen);
void hwm_free(struct hwm *h);
/* Re-initialise libsensors and rebuild the sensor list, attaching every
 * sensor again; returns the count, or -1 with a message in err (the old
 * list is then gone too). */
int hwm_rescan(struct hwm *h, char *err, size_t errlen);
/* Did the chips under /sys/class/hwmon or the libsensors configuration
 * change since the last scan? Cheap: one directory listing and a stat. */
bool hwm_changed(struct hwm *h);
/* Read every attached sensor once and hand each reading to emit. */
void hwm_read(struct hwm *h, int64_t now_ms, src_emit_cb emit, void *arg);
/* Also read each sensor's crit_alarm flag into hw_state ("alarm"): only
 * shown (thermwatchd --once), never decided on, so the daemon's cycles
 * leave it out. Off by default. Turned on before the first read, as
 * --once does; later, when libsensors was released, it rescans (every
 * sensor attached again). */
void hwm_read_alarms(struct hwm *h, bool on);
/* libsensors is up: from a scan to the first read, or all along when the
 * reads need it (compute statements, a fault flag not opened, alarms). */
bool hwm_holds_library(const struct hwm *h);
int hwm_count(const struct hwm *h);
/* Of those, how many are read through libsensors (compute statements). */
int hwm_count_library(const struct hwm *h);
/* How a sensor's input is read: 1 pread, 0 sensors_get_value, -1 no such
 * sensor (tests; a linear search). */
int hwm_reads_direct(const struct hwm *h, const char *id);

/* The class a chip's driver implies: coretemp, k10temp, zenpower -> cpu. */
enum eng_class hwm_class_of_chip(const char *prefix);

#endif

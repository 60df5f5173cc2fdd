/*
 * hwmon_int.h - the hwmon source's internals, shared by hwmon.c (discovery
 * through libsensors) and hwmon_fd.c (the per-cycle reads through
 * kept-open descriptors). Not for other modules.
 */
#ifndef THERMWATCH_HWMON_INT_H
#define THERMWATCH_HWMON_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <sensors/sensors.h>

#include "hwmon.h"

/* What a sensor's reads take from libsensors, valid while it is up (from
 * a scan until the first read after it, or for good when the reads need
 * it: see release_lib): h->lib, by slot; NULL while released. */
struct hwm_lib {
	const sensors_chip_name *chip;
	const sensors_feature *feat; /* its limits (--once) */
	/* the sysfs files: "temp3_input", "temp3_fault" (NULL when absent):
	 * libsensors' own names */
	const char *input_name, *fault_name;
	int input_nr;
	int fault_nr; /* -1 when absent */
	int alarm_nr; /* crit_alarm, -1 when absent */
};

/* Where a trip point came from (src_reading.trip_from). */
enum hwm_trip_from { HWM_TRIP_NONE, HWM_TRIP_EMERGENCY, HWM_TRIP_CRIT };

/* One temperature feature of a chip: what every cycle needs (32 bytes);
 * its reading is made on each read. */
struct hwm_sensor {
	const char *id; /* interned (idstr.h) */
	double trip_c;  /* emergency, else crit; NAN when none */
	/* Kept open for pread; -1 when absent. fd_input is -1 too when the
	 * input goes through sensors_get_value (a compute statement, or the
	 * file could not be opened). crit_alarm is read (only for --once)
	 * through libsensors. */
	int fd_input, fd_fault;
	int handle;        /* the sink's, from src_attach_cb; -1 = none */
	uint8_t cls;       /* enum eng_class */
	uint8_t trip_from; /* enum hwm_trip_from */
};

struct hwm {
	const struct hwmon_conf *conf; /* the caller's (hwm_create) */
	src_attach_cb attach;
	void *attach_arg;
	bool inited;   /* libsensors is up (from a scan, while needed) */
	bool need_lib; /* the reads need it (compute, a fault flag) */
	int n, cap;
	struct hwm_sensor *s;
	struct hwm_lib *lib; /* cap_lib of them while inited, else NULL */
	int cap_lib;
	int n_lib;            /* inputs read through libsensors */
	bool alarms;          /* read crit_alarm too (hwm_read_alarms) */
	uint64_t fingerprint; /* of the chips and the config, at the scan */
};

/* hwmon_fd.c */
/* Open the sensor's files and decide how its input is read: pread when
 * libsensors would return the file's value as it is (divided by 1000),
 * else sensors_get_value. probe_dir: see hwm_probe_begin. */
void hwm_fd_open(
    struct hwm_sensor *s, const struct hwm_lib *l, const char *probe_dir);
void hwm_fd_close(struct hwm_sensor *s);
/*
 * A directory where the compute probe writes known raw values that
 * libsensors then reads through a copy of the chip name (its path
 * pointing there): what libsensors makes of them shows whether a compute
 * statement applies. "" when none could be made (then every input goes
 * through libsensors). hwm_probe_end removes it. Placed on a RAM file
 * system when there is one ($RUNTIME_DIRECTORY, /dev/shm).
 */
void hwm_probe_begin(char *dir, size_t len);
void hwm_probe_end(char *dir);
/* Read one sensor's input and fault flag (and crit_alarm with alarms)
 * into r (value_c, quality, hw_state). l: NULL while libsensors is
 * released. */
void hwm_fd_read(const struct hwm_sensor *s, const struct hwm_lib *l,
    bool alarms, struct src_reading *r);

#endif

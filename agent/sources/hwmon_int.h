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

/* One temperature feature of a chip. */
struct hwm_sensor {
	const sensors_chip_name *chip;
	int input_nr;
	int fault_nr; /* -1 when absent */
	int alarm_nr; /* crit_alarm, -1 when absent */
	/* the sysfs files: "temp3_input", "temp3_fault" (NULL when absent):
	 * libsensors' own names, valid as long as chip. chip and they are
	 * NULL (and fault_nr, alarm_nr -1) while libsensors is released:
	 * between scans, when every read goes through the descriptors */
	const char *input_name, *fault_name;
	/* Kept open for pread; -1 when absent. fd_input is -1 too when the
	 * input goes through sensors_get_value (a compute statement, or the
	 * file could not be opened). crit_alarm is read (only for --once)
	 * through libsensors. */
	int fd_input, fd_fault;
	struct src_reading r; /* id (interned), class, limits, trip; handle */
};

struct hwm {
	const struct hwmon_conf *conf; /* the caller's (hwm_create) */
	src_attach_cb attach;
	void *attach_arg;
	bool inited;   /* libsensors is up (from a scan, while needed) */
	bool need_lib; /* the reads need it (compute, a fault flag) */
	int n, cap;
	struct hwm_sensor *s;
	int n_lib;            /* inputs read through libsensors */
	bool alarms;          /* read crit_alarm too (hwm_read_alarms) */
	uint64_t fingerprint; /* of the chips and the config, at the scan */
};

/* hwmon_fd.c */
/* Open the sensor's files and decide how its input is read: pread when
 * libsensors would return the file's value as it is (divided by 1000),
 * else sensors_get_value. probe_dir: see hwm_probe_begin. */
void hwm_fd_open(struct hwm_sensor *s, const char *probe_dir);
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
 * into s->r. */
void hwm_fd_read(struct hwm_sensor *s, bool alarms);

#endif

/*
 * conf.h - thermwatch.conf (libconfig) into one validated struct agent_conf.
 *
 * Groups: agent, hwmon, ipmi, classes, policy, sensors, mqtt, actions,
 * control, fleet, prometheus. Every group is optional; see thermwatch.conf(5).
 */
#ifndef THERMWATCH_CONF_H
#define THERMWATCH_CONF_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

#include "conf_actions.h"
#include "conf_engine.h"
#include "conf_fleet.h"
#include "conf_ipmi.h"
#include "conf_mqtt.h"
#include "conf_util.h"
#include "engine.h"

#define CNF_NAME_LEN    64
#define CNF_MAX_IGNORE  32
#define CNF_MAX_RULES   64
#define CNF_PATTERN_LEN 128

#ifndef TW_SYSCONFDIR
#define TW_SYSCONFDIR "/etc"
#endif
#define CNF_DEFAULT_PATH TW_SYSCONFDIR "/thermwatch/thermwatch.conf"

/* agent.max_sensors: the default, and the most the engine can take. */
#define CNF_MAX_SENSORS 1024
#ifdef ENG_SENSORS_LIMIT
#define CNF_SENSORS_LIMIT ENG_SENSORS_LIMIT
#else
#define CNF_SENSORS_LIMIT 4096
#endif

struct agent_group {
	char site[CNF_NAME_LEN];
	char zone[CNF_NAME_LEN];
	char host[CNF_NAME_LEN]; /* defaults to the hostname */
	int tier;                /* 0 = most important, shed last */
	double interval_s;       /* sampling and evaluation period */
	double rescan_s;         /* periodic rescan of sources */
	int max_sensors;         /* sensors the engine monitors, at most */
	const char *state_dir;   /* see struct agent_conf's strs */
};

struct hwmon_conf {
	bool enabled;
	int n_ignore;
	/* fnmatch on id: n_ignore of them, as many as the file has (NULL
	 * when none), freed by cnf_free */
	char (*ignore)[CNF_PATTERN_LEN];
	const char *sensors_conf; /* libsensors config; "" = system */
};

/* sensors = ( { match = "coretemp-*\/Package id 0"; class = "cpu"; ... } ) */
struct sensor_rule {
	char match[CNF_PATTERN_LEN]; /* fnmatch(3) on the sensor id */
	int cls;                     /* enum eng_class, or -1 = keep */
	double trip_c;               /* NAN = keep */
	bool ignore;
	int line;
};

/* prometheus = { textfile = "..."; }: node_exporter textfile metrics */
struct prom_conf {
	const char *textfile; /* "" = off */
};

struct control_conf {
	char socket[108]; /* sizeof(sun_path) */
	int mode;         /* socket file mode, e.g. 0660 */
};

/*
 * The paths (path, agent.state_dir, hwmon.sensors_conf,
 * prometheus.textfile) point to constants or to strings in strs, as long
 * as the file has them (at most PATH_MAX - 1 bytes), freed by cnf_free;
 * the mqtt and ipmi groups own theirs. A copy of the struct takes them
 * over (the copied-from one is not freed then).
 */
struct agent_conf {
	const char *path; /* the file it came from, or "" */
	struct cnf_strs strs;
	struct agent_group agent;
	struct hwmon_conf hwmon;
	struct ipmi_conf ipmi;
	struct eng_conf engine; /* classes + policy */
	int n_rules;
	struct sensor_rule *rules; /* as many as the file has, or NULL */
	struct mqtt_conf mqtt;
	struct actions_conf actions;
	struct control_conf control;
	struct fleet_conf fleet;
	struct prom_conf prometheus;
};

void cnf_defaults(struct agent_conf *c);
/*
 * Load path into *c (which is first set to defaults). Errors go to err as
 * "path:line: message". Returns 0, or the number of errors (then *c holds
 * whatever was read and must be released with cnf_free).
 */
int cnf_load(const char *path, struct agent_conf *c, FILE *err);
/* The same from a string (tests); name is used in messages. */
int cnf_load_string(
    const char *name, const char *text, struct agent_conf *c, FILE *err);
void cnf_free(struct agent_conf *c);
/* Print the effective configuration in thermwatch.conf syntax. */
int cnf_print(const struct agent_conf *c, FILE *out);

/* Apply the sensors rules to one sensor id: class, trip and ignore. */
const struct sensor_rule *
cnf_match_rule(const struct agent_conf *c, const char *id);

#endif

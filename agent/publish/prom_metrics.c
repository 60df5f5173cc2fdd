/*
 * prom_metrics.c - thermwatchd's metrics, from a snapshot (see
 * prom_metrics.h; the list is in thermwatchd(8), Metrics).
 */
#include "prom_metrics.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const char *const prom_result_names[PROM_RESULTS] = { "ok", "failed",
	"signaled", "timeout", "error", "dry_run" };

static const char *const host_states[] = { "ok", "warn", "hot", "critical",
	"degraded", "hold", NULL };

static void
one(struct prom *p, const char *name, const char *type, const char *help,
    double v)
{
	prom_family(p, name, type, help);
	prom_sample(p, NULL, v);
}

/* --- sensors ----------------------------------------------------------- */

/* As in the telemetry payload (thermwatch-mqtt(7)). */
static const char *
trip_source(enum eng_trip_src s)
{
	return s == ENG_TRIP_HW    ? "hardware"
	    : s == ENG_TRIP_CONFIG ? "config"
				   : "class-default";
}

typedef double (*sensor_value_fn)(const struct eng_sensor_view *v);

static double
v_value(const struct eng_sensor_view *v)
{
	return v->value_c;
}

static double
v_filtered(const struct eng_sensor_view *v)
{
	return v->filtered_c;
}

static double
v_headroom(const struct eng_sensor_view *v)
{
	return v->headroom_c;
}

static double
v_slope(const struct eng_sensor_view *v)
{
	return isnan(v->filtered_c) ? NAN : v->slope_c_per_s;
}

static double
v_eta(const struct eng_sensor_view *v)
{
	/* not rising: +Inf, so that min() and "< 600" do the right thing */
	return isnan(v->filtered_c) ? NAN : v->eta_s;
}

static double
v_level(const struct eng_sensor_view *v)
{
	return v->level;
}

static double
v_valid(const struct eng_sensor_view *v)
{
	return v->status == ENG_SENSOR_VALID ? 1 : 0;
}

static double
v_accepted(const struct eng_sensor_view *v)
{
	return (double)v->accepted;
}

static double
v_rejected(const struct eng_sensor_view *v)
{
	return (double)v->rejected;
}

static const struct {
	const char *name, *type, *help;
	sensor_value_fn fn;
} sensor_metrics[] = {
	{ "thermwatch_sensor_temperature_celsius", PROM_GAUGE,
	    "The sensor's last accepted raw value.", v_value },
	{ "thermwatch_sensor_filtered_celsius", PROM_GAUGE,
	    "The filtered value decisions are made on.", v_filtered },
	{ "thermwatch_sensor_headroom_celsius", PROM_GAUGE,
	    "Trip point minus the filtered value.", v_headroom },
	{ "thermwatch_sensor_slope_celsius_per_second", PROM_GAUGE,
	    "The trend; 0 when not significant.", v_slope },
	{ "thermwatch_sensor_eta_seconds", PROM_GAUGE,
	    "Seconds until the trip at the current slope; +Inf when not "
	    "rising.",
	    v_eta },
	{ "thermwatch_sensor_level", PROM_GAUGE,
	    "The level this sensor alone reaches: 0 none, 1 warn, 2 migrate, "
	    "3 shutdown.",
	    v_level },
	{ "thermwatch_sensor_valid", PROM_GAUGE,
	    "1 when the sensor has a valid recent sample, 0 when new or "
	    "stale.",
	    v_valid },
	{ "thermwatch_sensor_accepted_samples_total", PROM_COUNTER,
	    "Samples accepted.", v_accepted },
	{ "thermwatch_sensor_rejected_samples_total", PROM_COUNTER,
	    "Samples rejected as invalid (out of range, sentinel, "
	    "impossible jump).",
	    v_rejected },
};

static void
sensors(struct prom *p, const struct prom_snapshot *s)
{
	struct eng_sensor_view v;
	int n = eng_sensor_count(s->eng), i;
	size_t m;
	double x;

	for (m = 0; m < sizeof(sensor_metrics) / sizeof(sensor_metrics[0]);
	     m++) {
		prom_family(p, sensor_metrics[m].name, sensor_metrics[m].type,
		    sensor_metrics[m].help);
		for (i = 0; i < n; i++) {
			eng_sensor_view(s->eng, i, &v);
			x = sensor_metrics[m].fn(&v);
			if (v.status == ENG_SENSOR_REMOVED || isnan(x))
				continue;
			prom_sample(p,
			    (const char *[]){ "sensor", v.id, "class",
				eng_class_name(v.cls), NULL },
			    x);
		}
	}
	prom_family(p, "thermwatch_sensor_trip_celsius", PROM_GAUGE,
	    "The trip point: the hardware's limit, else the configured or "
	    "class default (trip_source).");
	for (i = 0; i < n; i++) {
		eng_sensor_view(s->eng, i, &v);
		if (v.status != ENG_SENSOR_REMOVED)
			prom_sample(p,
			    (const char *[]){ "sensor", v.id, "class",
				eng_class_name(v.cls), "trip_source",
				trip_source(v.trip_src), NULL },
			    v.trip_c);
	}
	if (s->sensor_age_s == NULL)
		return;
	prom_family(p, "thermwatch_sensor_reading_age_seconds", PROM_GAUGE,
	    "Seconds since the sensor's source last read it.");
	for (i = 0; i < n; i++) {
		eng_sensor_view(s->eng, i, &v);
		if (v.status != ENG_SENSOR_REMOVED &&
		    isfinite(s->sensor_age_s[i]))
			prom_sample(p,
			    (const char *[]){ "sensor", v.id, "class",
				eng_class_name(v.cls), "source",
				s->sensor_source[i] != NULL
				    ? s->sensor_source[i]
				    : "unknown",
				NULL },
			    s->sensor_age_s[i]);
	}
}

/* --- host, zone, overrides --------------------------------------------- */

static void
host(struct prom *p, const struct prom_snapshot *s)
{
	const struct eng_output *o = s->out;
	const char *now = s->hold != NULL ? "hold" : eng_state_name(o->state);
	char tier[8];
	int i;

	snprintf(tier, sizeof(tier), "%d", s->tier);
	prom_family(p, "thermwatch_agent_info", PROM_GAUGE,
	    "The agent's identity (labels); always 1.");
	prom_sample(p,
	    (const char *[]){ "site", s->site, "zone", s->zone, "host", s->host,
		"tier", tier, "version", s->version, NULL },
	    1);
	one(p, "thermwatch_agent_start_time_seconds", PROM_GAUGE,
	    "When the agent started, seconds since the epoch.",
	    s->start_time_s);
	one(p, "thermwatch_agent_dry_run", PROM_GAUGE,
	    "1 when actions are only logged, not run.", s->dry_run);
	one(p, "thermwatch_agent_evaluations_total", PROM_COUNTER,
	    "Evaluations of the policy engine.", (double)s->evaluations);
	one(p, "thermwatch_agent_sensors_max", PROM_GAUGE,
	    "agent.max_sensors: the most sensors the agent monitors.",
	    s->max_sensors);
	one(p, "thermwatch_agent_sensors_not_monitored", PROM_GAUGE,
	    "Sensors found beyond agent.max_sensors, not monitored "
	    "(0 normally).",
	    s->sensors_refused);
	prom_family(p, "thermwatch_host_state", PROM_GAUGE,
	    "1 for the host's current state, 0 for the others.");
	for (i = 0; host_states[i] != NULL; i++)
		prom_sample(p,
		    (const char *[]){ "state", host_states[i], NULL },
		    strcmp(now, host_states[i]) == 0);
	one(p, "thermwatch_host_tier", PROM_GAUGE,
	    "The host's priority tier, 0 (most important) to 9.", s->tier);
	one(p, "thermwatch_host_accepting_load", PROM_GAUGE,
	    "1 when the host may receive migrated load.",
	    s->hold == NULL && o->accepting_load);
	one(p, "thermwatch_host_eta_seconds", PROM_GAUGE,
	    "The host's shortest time to a trip; +Inf when nothing rises.",
	    isnan(o->eta_s) ? INFINITY : o->eta_s);
	one(p, "thermwatch_host_state_change_time_seconds", PROM_GAUGE,
	    "When the current state was entered, seconds since the epoch.",
	    s->now_wall_s - (double)(s->now_ms - o->since_ms) / 1000.0);
	prom_family(p, "thermwatch_host_cpu_busy_ratio", PROM_GAUGE,
	    "Share of all the host's CPU time spent busy over the last "
	    "evaluation interval (/proc/stat), 0 to 1; absent while unknown.");
	if (isfinite(s->cpu_busy))
		prom_sample(p, NULL, s->cpu_busy);
	one(p, "thermwatch_zone_alarm", PROM_GAUGE,
	    "1 while the zone's cooling alarm is on.", o->zone_alarm);
	one(p, "thermwatch_zone_members", PROM_GAUGE,
	    "Hosts of the zone heard from (fresh peers and this host).",
	    o->zone_members);
	one(p, "thermwatch_zone_signals", PROM_GAUGE,
	    "Of those, hosts whose inlet is rising or high.", o->zone_signals);
}

static void
overrides(struct prom *p, const struct prom_snapshot *s)
{
	const struct eng_override *ov;
	int i, n = eng_override_count(s->eng);

	one(p, "thermwatch_overrides_active", PROM_GAUGE, "Overrides in force.",
	    n);
	prom_family(p, "thermwatch_override_expiry_seconds", PROM_GAUGE,
	    "Seconds until an override in force expires.");
	for (i = 0; i < n; i++)
		if ((ov = eng_override_get(s->eng, i)) != NULL)
			prom_sample(p, (const char *[]){ "key", ov->key, NULL },
			    (double)(ov->expires_ms - s->now_ms) / 1000.0);
	one(p, "thermwatch_overrides_rejected_total", PROM_COUNTER,
	    "Override requests refused (control socket or MQTT).",
	    (double)s->counts->overrides_rejected);
}

/* --- actions ----------------------------------------------------------- */

static void
actions(struct prom *p, const struct prom_snapshot *s)
{
	int k, r, d;

	prom_family(p, "thermwatch_actions_total", PROM_COUNTER,
	    "Hook runs by action and result (dry_run: decided, not run).");
	for (k = 0; k < ACT_KIND_COUNT; k++)
		for (r = 0; r < PROM_RESULTS; r++)
			prom_sample(p,
			    (const char *[]){ "action", act_kind_names[k],
				"result", prom_result_names[r], NULL },
			    (double)s->counts->actions[k][r]);
	prom_family(p, "thermwatch_decisions_total", PROM_COUNTER,
	    "The engine's decisions by action.");
	for (d = 0; d < 4; d++)
		prom_sample(p,
		    (const char *[]){
			"action", eng_action_name((enum eng_action)d), NULL },
		    (double)s->counts->decisions[d]);
	one(p, "thermwatch_state_changes_total", PROM_COUNTER,
	    "Changes of the host state.", (double)s->counts->state_changes);
	one(p, "thermwatch_hooks_running", PROM_GAUGE, "Hooks running now.",
	    s->hooks_running);
	one(p, "thermwatch_shutdown_started", PROM_GAUGE,
	    "1 once the thermal shutdown sequence has started.",
	    s->shutdown_started);
}

/* --- health: BMC, broker ----------------------------------------------- */

static void
health(struct prom *p, const struct prom_snapshot *s)
{
	if (s->have_bmc) {
		prom_family(p, "thermwatch_bmc_reads_total", PROM_COUNTER,
		    "BMC reads by result (timeout: killed at "
		    "ipmi.deadline_s).");
		prom_sample(p, (const char *[]){ "result", "ok", NULL },
		    (double)s->bmc_ok);
		prom_sample(p, (const char *[]){ "result", "failed", NULL },
		    (double)s->bmc_failed);
		prom_sample(p, (const char *[]){ "result", "timeout", NULL },
		    (double)s->bmc_timeout);
		one(p, "thermwatch_bmc_consecutive_failures", PROM_GAUGE,
		    "BMC reads failed in a row.", s->bmc_consecutive_failures);
		one(p, "thermwatch_bmc_read_duration_seconds", PROM_GAUGE,
		    "How long the last finished BMC read took.",
		    s->bmc_last_duration_s);
	}
	if (!s->have_mq)
		return;
	one(p, "thermwatch_mqtt_connected", PROM_GAUGE,
	    "1 while connected to the broker.", s->mq.connected);
	one(p, "thermwatch_mqtt_connects_total", PROM_COUNTER,
	    "Connections made to the broker.", (double)s->mq.connects);
	one(p, "thermwatch_mqtt_messages_published_total", PROM_COUNTER,
	    "Messages handed to the broker connection.",
	    (double)s->mq.published);
	one(p, "thermwatch_mqtt_events_queued", PROM_GAUGE,
	    "Events waiting for the broker's acknowledgement (the queue).",
	    s->mq.queued);
	one(p, "thermwatch_mqtt_events_dropped_total", PROM_COUNTER,
	    "Events dropped because the queue was full.",
	    (double)s->mq.dropped);
	one(p, "thermwatch_mqtt_denied_total", PROM_COUNTER,
	    "Publishes the broker refused (e.g. its ACL).",
	    (double)s->mq.denied);
}

/* --- the fleet ----------------------------------------------------------- */

static void
fleet(struct prom *p, const struct prom_snapshot *s)
{
	char tier[8];
	int t;

	if (s->spare_vms >= 0)
		one(p, "thermwatch_capacity_spare_vms", PROM_GAUGE,
		    "Guests this host offers to take (fleet group).",
		    s->spare_vms);
	if (s->spare_mem_mb >= 0)
		one(p, "thermwatch_capacity_spare_memory_bytes", PROM_GAUGE,
		    "Memory this host offers for guests (fleet group).",
		    (double)s->spare_mem_mb * 1048576.0);
	if (s->have_capacity_command) {
		one(p, "thermwatch_capacity_command_runs_total", PROM_COUNTER,
		    "Runs of fleet.capacity_command.",
		    (double)s->capacity_runs);
		one(p, "thermwatch_capacity_command_failures_total",
		    PROM_COUNTER,
		    "Runs of fleet.capacity_command that failed, timed out or "
		    "printed no capacity.",
		    (double)s->capacity_failures);
	}
	if (!s->have_fleet)
		return;
	one(p, "thermwatch_fleet_hosts", PROM_GAUGE,
	    "Other hosts of the site known from their retained state.",
	    s->fleet_hosts);
	one(p, "thermwatch_fleet_hosts_fresh", PROM_GAUGE,
	    "Of those, hosts whose state is fresh.", s->fleet_fresh);
	if (s->destinations >= 0)
		one(p, "thermwatch_fleet_destinations", PROM_GAUGE,
		    "Fresh hosts in other zones that accept load.",
		    s->destinations);
	prom_family(p, "thermwatch_fleet_tier_hosts", PROM_GAUGE,
	    "Fresh hosts of each tier in the site, this host included.");
	for (t = 0; t <= ENG_MAX_TIER; t++) {
		snprintf(tier, sizeof(tier), "%d", t);
		if (s->tier_hosts[t] > 0)
			prom_sample(p, (const char *[]){ "tier", tier, NULL },
			    s->tier_hosts[t]);
	}
	prom_family(p, "thermwatch_fleet_tier_zones", PROM_GAUGE,
	    "Cooling zones the hosts of each tier live in; 1 means one "
	    "cooling failure takes the whole tier.");
	for (t = 0; t <= ENG_MAX_TIER; t++) {
		snprintf(tier, sizeof(tier), "%d", t);
		if (s->tier_hosts[t] > 0)
			prom_sample(p, (const char *[]){ "tier", tier, NULL },
			    s->tier_zones[t]);
	}
}

void
prom_metrics(struct prom *p, const struct prom_snapshot *s)
{
	host(p, s);
	sensors(p, s);
	overrides(p, s);
	actions(p, s);
	health(p, s);
	fleet(p, s);
}
